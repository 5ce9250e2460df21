// SPDX-License-Identifier: MIT
// What a heap buffer's mapping leaves behind once unmapped: its pages leave
// the process at each unmap, the range that replaced them is released once
// collected (no mapping or fd left over 10,000 cycles), and until then only
// its stale views reach it.
import { describe, expect, it } from 'vitest';

import { DmaHeap } from '../../lib/index.js';
import { fdCount, has, need } from '../helpers/env.js';
import { MAPS_SLACK, VMSIZE_SLACK, cycleMappings, mappedBytes, mapsLines, settle, staleViews, staleViewsReadZeros } from '../helpers/mappings.js';

const KiB = 1024;

function openSystemHeap(ctx: Parameters<typeof need>[0]): DmaHeap {
  need(ctx, has.systemHeap(), 'no /dev/dma_heap/system (CONFIG_DMABUF_HEAPS_SYSTEM)');
  return DmaHeap.open('system');
}

describe('unmapped heap buffer mappings', () => {
  it('10,000 map/unmap cycles leave no mapping and no fd behind', async (ctx) => {
    using heap = openSystemHeap(ctx);
    using buf = heap.allocate(64 * KiB);
    const inode = String(buf.fdinfo.inode);
    await settle(() => false, 5);
    const maps = mapsLines().length;
    const bytes = mappedBytes();
    const fds = fdCount();
    const ofBuffer = (): string[] => mapsLines().filter((line) => line.split(/\s+/)[4] === inode);
    await cycleMappings(10_000, () => buf.map(), () => expect(ofBuffer()).toEqual([]));
    // (10,000 of them would be 625 MiB, in one line of maps if adjacent.)
    const released = (): boolean => mapsLines().length <= maps + MAPS_SLACK && mappedBytes() - bytes < VMSIZE_SLACK;
    await settle(released);
    expect(mapsLines().length).toBeLessThanOrEqual(maps + MAPS_SLACK);
    expect(mappedBytes() - bytes).toBeLessThan(VMSIZE_SLACK);
    expect(fdCount()).toBe(fds);
  });

  it('a stale view reads zeros while other mappings of the buffer come and go', async (ctx) => {
    using heap = openSystemHeap(ctx);
    using buf = heap.allocate(64 * KiB);
    const first = buf.map();
    first.bytes().fill(0xab);
    first.unmap();
    const views = staleViews(32, () => buf.map(), 0xab);
    // Were a range released while its view lives, a later mapping of the
    // buffer could land on it, and the view would read 0xab again (or fault).
    await cycleMappings(3_000, () => buf.map());
    await settle(() => false, 5);
    expect(staleViewsReadZeros(views, 64 * KiB)).toBe(true);
    expect(buf.map().read(1, 16)).toEqual(Buffer.alloc(16, 0xab));
  });
});
