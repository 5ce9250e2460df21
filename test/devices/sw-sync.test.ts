// SPDX-License-Identifier: MIT
// sw_sync timelines and the rest of sync_file: merge of many, info, deadlines, fence errors.
import { describe, expect, it } from 'vitest';

import { ClosedError, FenceError, SyncFile } from '../../lib/index.js';
import { native } from '../../lib/native.js';
import { leavesNoFdsOpen } from '../helpers/env.js';
import { openSwSync } from '../helpers/syncobj.js';

describe('SwSyncTimeline and SyncFile', () => {
  leavesNoFdsOpen();

  it('fences signal as the timeline advances past them', async (ctx) => {
    using timeline = openSwSync(ctx);
    using one = timeline.createFence(1, 'first');
    using three = timeline.createFence(3);
    const info = one.info();
    expect(info.fences[0]).toMatchObject({ driver: 'sw_sync', state: 'active', timestampNs: 0n });
    timeline.advance();
    await one.wait({ timeout: 5000 });
    expect(three.status().state).toBe('active');
    timeline.advance(2);
    expect(timeline.value).toBe(3);
    await three.wait({ timeout: 5000 });
    expect(three.info().fences[0]!.timestampNs).toBeGreaterThan(0n);
  });

  it("Linux 7.2 names a signalled fence's driver and timeline 'detached-driver' / 'signaled-timeline'", async (ctx) => {
    using timeline = openSwSync(ctx);
    using fence = timeline.createFence(1);
    const before = fence.info().fences[0]!;
    expect(before.driver).toBe('sw_sync');
    expect(before.timeline).not.toBe('signaled-timeline');
    timeline.advance();
    await fence.wait({ timeout: 5000 });
    expect(fence.info().fences[0]).toMatchObject({ state: 'signaled', driver: 'detached-driver', timeline: 'signaled-timeline' });
  });

  it('mergeAll waits for every input; fences of one timeline collapse to the latest', async (ctx) => {
    using a = openSwSync(ctx);
    using b = openSwSync(ctx);
    const files = [a.createFence(1), a.createFence(3), b.createFence(1)];
    try {
      using merged = SyncFile.mergeAll(files, { name: 'all three' });
      const info = merged.info();
      expect(info.name).toBe('all three');
      // The kernel keeps one fence per timeline: a's 3 (which implies a's 1) and b's 1.
      expect(info.fences).toHaveLength(2);
      a.advance(3);
      expect(merged.status().state).toBe('active');
      b.advance();
      await merged.wait({ timeout: 5000 });
    } finally {
      for (const f of files) f.close();
    }
    expect(() => SyncFile.mergeAll([])).toThrow(TypeError);
    expect(() => SyncFile.mergeAll([{} as SyncFile])).toThrow(TypeError);
  });

  it('a merged name longer than 31 bytes is cut between characters, not inside one', (ctx) => {
    using a = openSwSync(ctx);
    using one = a.createFence(1);
    using two = a.createFence(2);
    // 20 two-byte characters: 40 bytes; 31 would end halfway through the 16th.
    using merged = one.merge(two, { name: 'é'.repeat(20) });
    expect(merged.info().name).toBe('é'.repeat(15));
    expect(native.syncFileFenceCount(merged.fd)).toBe(1); // one timeline: the later fence only
  });

  it('destroying the timeline fails its fences with ENOENT, seen by info() and wait()', async (ctx) => {
    const timeline = openSwSync(ctx);
    using fence = timeline.createFence(10);
    const waiting = fence.wait().catch((e: unknown) => e);
    timeline.close();
    const error = await waiting;
    expect(error).toBeInstanceOf(FenceError);
    expect((error as FenceError).code).toBe('ENOENT');
    expect(fence.info()).toMatchObject({ state: 'error', code: 'ENOENT' });
    expect(() => timeline.createFence(1)).toThrow(ClosedError);
  });

  it('setDeadline is accepted as a hint', (ctx) => {
    using timeline = openSwSync(ctx);
    using fence = timeline.createFence(1);
    fence.setDeadline(process.hrtime.bigint() + 1_000_000n);
    expect(() => fence.setDeadline(-1n)).toThrow(RangeError);
    timeline.advance();
  });

  it('bad input', (ctx) => {
    using timeline = openSwSync(ctx);
    expect(() => timeline.createFence(-1)).toThrow(RangeError);
    expect(() => timeline.createFence(2 ** 32)).toThrow(RangeError);
    expect(() => timeline.advance(0)).toThrow(RangeError);
    expect(() => timeline.advance(1.5)).toThrow(RangeError);
  });
});
