// SPDX-License-Identifier: MIT
// What a mapping leaves behind once unmapped (memfd, on any host): nothing
// after its ArrayBuffer is collected, and until then a reserved range that
// only its stale views reach.
import { describe, expect, it } from 'vitest';

import { Memfd } from '../../lib/index.js';
import { Mapping } from '../../lib/mapping.js';
import { fdCount } from '../helpers/env.js';
import { MAPS_SLACK, VMSIZE_SLACK, cycleMappings, mappedBytes, mapsLines, settle, staleViews, staleViewsReadZeros } from '../helpers/mappings.js';

const KiB = 1024;

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
