// SPDX-License-Identifier: MIT
// What a mapping leaves behind once unmapped (memfd, on any host): nothing
// after its ArrayBuffer is collected, and until then a reserved range that
// only its stale views reach.
import { constants as bufferConstants } from 'node:buffer';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { setImmediate as turn } from 'node:timers/promises';

import { describe, expect, it } from 'vitest';

import { Memfd } from '../../lib/index.js';
import { Mapping } from '../../lib/mapping.js';
import { fdCount } from '../helpers/env.js';
import { MAPS_SLACK, VMSIZE_SLACK, cycleMappings, mappedBytes, mapsLines, settle, staleViews, staleViewsReadZeros } from '../helpers/mappings.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** How many full (mark-compact) GCs V8 ran during `work`. */
async function fullGcsDuring(work: () => Promise<void>): Promise<number> {
  let count = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) count++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    await work();
    await turn(); // the observer hears of a GC on a later turn
    await turn();
  } finally {
    observer.disconnect();
  }
  return count;
}

/** A memfd of `size` bytes, every byte `fill`. */
function filledMemfd(name: string, size: number, fill: number): Memfd {
  const memfd = Memfd.create(name, size);
  const mapping = new Mapping(memfd.fd, 0, size, 'readwrite');
  mapping.bytes().fill(fill);
  mapping.unmap();
  return memfd;
}

describe('an unmapped range', () => {
  it('10,000 map/unmap cycles leave no mapping and no fd behind', async () => {
    using memfd = filledMemfd('lifetime-cycles', 64 * KiB, 0xab);
    await settle(() => false, 5);
    const maps = mapsLines().length;
    const bytes = mappedBytes();
    const fds = fdCount();
    // The memfd's pages leave the process at each unmap, not at a later GC.
    const named = (): string[] => mapsLines().filter((line) => line.includes('memfd:lifetime-cycles '));
    await cycleMappings(10_000, () => new Mapping(memfd.fd, 0, 64 * KiB, 'readwrite'), () => expect(named()).toEqual([]));
    // The zero ranges that replaced them are released once collected.
    // (10,000 of them would be 625 MiB, in one line of maps if adjacent.)
    const released = (): boolean => mapsLines().length <= maps + MAPS_SLACK && mappedBytes() - bytes < VMSIZE_SLACK;
    await settle(released);
    expect(mapsLines().length).toBeLessThanOrEqual(maps + MAPS_SLACK);
    expect(mappedBytes() - bytes).toBeLessThan(VMSIZE_SLACK);
    expect(fdCount()).toBe(fds);
  });

  it('stays reserved while a stale view reaches it: the view reads zeros while other mappings come and go', async () => {
    using memfd = filledMemfd('lifetime-stale', 64 * KiB, 0xab);
    const map = (): Mapping => new Mapping(memfd.fd, 0, 64 * KiB, 'readwrite');
    const views = staleViews(32, map, 0xab);
    // Were a range released while its view lives, a later mapping of the
    // memfd could land on it, and the view would read 0xab again (or fault).
    await cycleMappings(5_000, map);
    await settle(() => false, 5);
    expect(staleViewsReadZeros(views, 64 * KiB)).toBe(true);
    // ...while the memfd itself kept its bytes (the cycles wrote byte 0 only).
    expect(map().read(1, 16)).toEqual(Buffer.alloc(16, 0xab));
  });
});

// Node refuses to make an ArrayBuffer longer than buffer.constants.MAX_LENGTH
// (4 GiB on Node 20), and calls the buffer's finalizer from inside the
// refused call; the range must be unmapped once, and its state freed once.
describe('a mapping longer than Node makes a Buffer', () => {
  it.skipIf(bufferConstants.MAX_LENGTH > 2 ** 40)('is refused, twice over, leaving no mapping and no fd', () => {
    const length = bufferConstants.MAX_LENGTH + 64 * KiB;
    using memfd = Memfd.create('lifetime-too-long', length); // sparse: no memory
    const fds = fdCount();
    for (let i = 0; i < 2; i++) {
      expect(() => new Mapping(memfd.fd, 0, length, 'readwrite')).toThrow(expect.objectContaining({ code: 'ERR_BUFFER_TOO_LARGE' }));
    }
    expect(mapsLines().filter((line) => line.includes('memfd:lifetime-too-long '))).toEqual([]);
    expect(fdCount()).toBe(fds);
    // And this environment's mappings still work.
    const mapping = new Mapping(memfd.fd, 0, 64 * KiB, 'readwrite');
    mapping.bytes()[0] = 7;
    expect(mapping.read(0, 1)[0]).toBe(7);
    mapping.unmap();
  });
});

// V8 starts a full GC each time the external memory it counts has grown by
// ~64 MB, and it counts every ArrayBuffer's length until the object is
// swept. An unmapped range holds no memory, only address space:
// native/unmapped_count.h takes it off the count at unmap(), up to 1 GiB
// of ranges not yet collected (and repays what V8 takes off again at sweep).
describe("V8's external memory count", () => {
  it('leaves out unmapped mappings: a frame loop mapping 1 GiB, 4 MiB at a time, forces no full GC per 64 MB', async () => {
    using memfd = Memfd.create('lifetime-frames', 4 * MiB);
    await settle(() => false, 5);
    const gcs = await fullGcsDuring(async () => {
      for (let frame = 0; frame < 256; frame++) {
        const mapping = new Mapping(memfd.fd, 0, 4 * MiB, 'readwrite');
        new Uint8Array(mapping.buffer)[frame] = 1;
        mapping.unmap();
        if (frame % 4 === 3) await turn(); // a frame loop yields; collected mappings' finalizers run here
      }
    });
    // Counted, the 1 GiB would start about 16 (seen: 12).
    expect(gcs).toBeLessThanOrEqual(3);
  });

  it('within a budget: the zero ranges waiting for a GC stay near 1 GiB of address space while 8 GiB is mapped in 32 MiB frames', async () => {
    using memfd = Memfd.create('lifetime-budget', 32 * MiB);
    await settle(() => false, 5);
    const before = mappedBytes();
    let peak = 0;
    for (let frame = 0; frame < 256; frame++) {
      const mapping = new Mapping(memfd.fd, 0, 32 * MiB, 'readwrite');
      new Uint8Array(mapping.buffer)[frame] = 1;
      mapping.unmap();
      peak = Math.max(peak, mappedBytes() - before);
      await turn();
    }
    // The budget (1 GiB) plus the 64 MB V8 lets grow before a GC, plus slack.
    // Uncapped, nothing would collect them: all 8 GiB stay reserved.
    expect(peak).toBeLessThan(2 * 1024 * MiB);
  });

  it('still counts a mapping kept mapped: 256 MiB held mapped starts full GCs', async () => {
    using memfd = Memfd.create('lifetime-held', 4 * MiB);
    const held: Mapping[] = [];
    const gcs = await fullGcsDuring(async () => {
      for (let i = 0; i < 64; i++) held.push(new Mapping(memfd.fd, 0, 4 * MiB, 'readwrite'));
    });
    for (const mapping of held) mapping.unmap();
    expect(gcs).toBeGreaterThanOrEqual(1);
  });
});
