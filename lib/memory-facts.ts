// SPDX-License-Identifier: MIT
/**
 * What the machine can still give, for DmaHeap.allocate's up-front refusal.
 * MemAvailable comes from libuv (os.freemem() parses /proc/meminfo), which
 * costs more than a small allocation itself (40 us under QEMU TCG), so it
 * is re-read only when the answer could change the outcome. /proc/meminfo is
 * read for CMA heaps on every allocation; theirs are slow anyway.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { freemem } from 'node:os';

// The last MemAvailable reading, whether it is under MAX_AGE_MS old, and
// what has been asked for since. Age is kept by a timer rather than by
// reading a clock: under QEMU TCG a clock read (performance.now()) costs
// about 17 us, as much as the allocation it would guard.
let reading = 0;
let fresh = false;
let askedSince = 0;
const MAX_AGE_MS = 1000;
const expire = (): void => {
  fresh = false;
};

/**
 * The kernel's estimate of memory available without swapping
 * (MemAvailable), in bytes, for a request of `request` bytes. The last
 * reading is reused while it cannot matter: it is under a second old and
 * this request, with everything requested since it was taken, is at most an
 * eighth of it, so the request fits unless more than seven eighths of the
 * memory went elsewhere within that second. A request that could be refused
 * always gets a fresh reading. Without `request`, always a fresh reading.
 */
export function availableMemory(request = Number.POSITIVE_INFINITY): number {
  askedSince += request;
  if (!fresh || askedSince > reading / 8) {
    reading = freemem();
    askedSince = 0;
    if (!fresh) {
      fresh = true;
      // Unref'd: it never keeps the process alive; one per second at most.
      setTimeout(expire, MAX_AGE_MS).unref();
    }
  }
  return reading;
}

/**
 * True for a heap backed by a CMA area: the CMA heap is named after its
 * area (`reserved` for the default one, listed under /sys/kernel/mm/cma
 * when CONFIG_CMA_SYSFS is on) and Linux 6.17+ adds `default_cma_region`.
 */
export function isCmaHeap(name: string): boolean {
  return name === 'default_cma_region' || name === 'reserved' || existsSync(`/sys/kernel/mm/cma/${name}`);
}

/**
 * Free CMA memory over all areas (CmaFree), in bytes, or undefined when the
 * kernel reports none. An upper bound for any one area.
 */
export function cmaFree(): number | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/meminfo', 'latin1');
  } catch {
    return undefined;
  }
  const match = /^CmaFree:\s+(\d+) kB$/m.exec(text);
  return match ? Number(match[1]) * 1024 : undefined;
}
