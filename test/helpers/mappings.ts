// SPDX-License-Identifier: MIT
// Watching what mappings leave behind: /proc/self/maps, the finalizers that
// release unmapped ranges.
import { readFileSync } from 'node:fs';
import { setImmediate as tick } from 'node:timers/promises';

import type { Mapping } from '../../lib/mapping.js';

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * Lines of /proc/self/maps the runtime may add while a test cycles mappings
 * (V8 growing its heaps, malloc arenas; more under ASan, which once added 17):
 * far below the thousands that 10,000 leaked, separate ranges would add. A
 * leak of adjacent ranges merges into few lines; VmSize (mappedBytes) shows it.
 */
export const MAPS_SLACK = 256;

/**
 * Bytes of address space (VmSize) the runtime may reserve meanwhile: V8's
 * heaps, and under ASan its allocator, which once reserved 64 MiB more. Half
 * of what 10,000 leaked 64 KiB ranges would hold (625 MiB).
 */
export const VMSIZE_SLACK = 320 * 1024 * 1024;

/** The lines of /proc/self/maps (one per mapped range). */
export function mapsLines(): string[] {
  return readFileSync('/proc/self/maps', 'utf8').split('\n').filter(Boolean);
}

/**
 * The process's mapped address space in bytes (VmSize): leaked ranges show
 * here even where they merge into one line of /proc/self/maps, as adjacent
 * anonymous ranges do.
 */
export function mappedBytes(): number {
  const kB = /^VmSize:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return Number(kB) * 1024;
}

/**
 * Collects garbage and turns the event loop (where a released range's
 * finalizer runs) until `done()` or `rounds` rounds have passed.
 */
export async function settle(done: () => boolean, rounds = 50): Promise<void> {
  for (let round = 0; round < rounds && !done(); round++) {
    gc?.();
    await tick();
  }
}

/**
 * Maps, touches and unmaps `cycles` times (through `map`), turning the event
 * loop every 1,000 cycles as an application would; `check` runs after each
 * unmap of every 1,000th cycle.
 */
export async function cycleMappings(cycles: number, map: () => Mapping, check: () => void = () => undefined): Promise<void> {
  for (let i = 0; i < cycles; i++) {
    const mapping = map();
    new Uint8Array(mapping.buffer)[0] = 1;
    mapping.unmap();
    if (i % 1000 === 999) {
      check();
      await tick();
    }
  }
}

/**
 * Views of `count` mappings made by `map` and unmapped, each checked to read
 * `fill` first: stale views, for checking that their ranges stay reserved.
 */
export function staleViews(count: number, map: () => Mapping, fill: number): Uint8Array[] {
  return Array.from({ length: count }, () => {
    const mapping = map();
    const view = mapping.bytes();
    if (view[100] !== fill) throw new Error(`mapping reads ${view[100]}, not ${fill}, before unmap`);
    mapping.unmap();
    return view;
  });
}

/** Whether every stale view still has its length and reads zeros; writes into each. */
export function staleViewsReadZeros(views: Uint8Array[], length: number): boolean {
  const zeros = views.every((view) => view.length === length && view.every((byte) => byte === 0));
  for (const view of views) view.fill(7); // lands in private pages nobody else reads
  return zeros;
}
