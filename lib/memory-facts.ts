// SPDX-License-Identifier: MIT
/**
 * What the machine can still give, for DmaHeap.allocate's up-front refusal.
 * Cheap enough to ask on every allocation: MemAvailable comes from libuv
 * (os.freemem() reads that one line natively), and /proc/meminfo is read
 * only for CMA heaps, whose allocations are slow anyway.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { freemem } from 'node:os';

/** The kernel's estimate of memory available without swapping (MemAvailable), in bytes. */
export function availableMemory(): number {
  return freemem();
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
