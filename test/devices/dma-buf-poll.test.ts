// SPDX-License-Identifier: MIT
// whenReadable / whenWritable from dma-buf poll(), driven by vgem fences.
import { describe, expect, it } from 'vitest';

import { AbortError, DmaHeap, FenceError, TimeoutError, VgemFence } from '../../lib/index.js';
import { has, leavesNoFdsOpen, need } from '../helpers/env.js';
import { openSwSync } from '../helpers/syncobj.js';
import { openVgem, vgemBuffer } from '../helpers/vgem.js';

const settledWithin = async (p: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('DmaBuf readiness (poll)', () => {
  leavesNoFdsOpen();

  it('an idle buffer is readable and writable at once', async (ctx) => {
    using device = openVgem(ctx);
    using pair = vgemBuffer(device);
    const { gem, buf } = pair;
    await buf.whenReadable();
    await buf.whenWritable();
  });

  it('a read fence blocks writers only', async (ctx) => {
    using device = openVgem(ctx);
    using pair = vgemBuffer(device);
    const { gem, buf } = pair;
    const fence = VgemFence.attach(gem, { write: false });
    const writable = buf.whenWritable();
    expect(await settledWithin(buf.whenReadable(), 2000)).toBe(true);
    expect(await settledWithin(writable, 100)).toBe(false);
    fence.signal();
    expect(await settledWithin(writable, 5000)).toBe(true);
  });

  it('a write fence blocks readers and writers until signalled', async (ctx) => {
    using device = openVgem(ctx);
    using pair = vgemBuffer(device);
    const { gem, buf } = pair;
    const fence = VgemFence.attach(gem, { write: true });
    const readable = buf.whenReadable();
    const writable = buf.whenWritable();
    expect(await settledWithin(readable, 100)).toBe(false);
    fence.signal();
    expect(await settledWithin(Promise.all([readable, writable]), 5000)).toBe(true);
  });

  it('honours timeout, AbortSignal and close()', async (ctx) => {
    using device = openVgem(ctx);
    const { gem, buf } = vgemBuffer(device);
    using _g = gem;
    const fence = VgemFence.attach(gem, { write: true });
    try {
      await expect(buf.whenReadable({ timeout: 20 })).rejects.toBeInstanceOf(TimeoutError);
      await expect(buf.whenWritable({ signal: AbortSignal.timeout(20) })).rejects.toBeInstanceOf(AbortError);
      const pending = buf.whenReadable();
      buf.close();
      await expect(pending).rejects.toBeInstanceOf(AbortError);
      await expect(buf.whenReadable()).rejects.toMatchObject({ code: 'ERR_DMABUF_CLOSED' });
      await expect(buf.whenWritable({ timeout: 'x' as never })).rejects.toBeInstanceOf(Error);
    } finally {
      fence.signal();
    }
  });

  for (const [access, pendingFor] of [
    ['write', ['whenReadable', 'whenWritable']],
    ['read', ['whenWritable']],
  ] as const) {
    it(`a ${access} fence that fails (sw_sync timeline destroyed: -ENOENT) rejects ${pendingFor.join(' and ')} with FenceError`, async (ctx) => {
      need(ctx, has.systemHeap(), 'no system heap');
      const timeline = openSwSync(ctx);
      using heap = DmaHeap.open('system');
      using buf = heap.allocate(4096);
      {
        using fence = timeline.createFence(1, 'doomed');
        buf.importSyncFile(fence, access);
      }
      const waits = pendingFor.map((method) => buf[method]({ timeout: 5000 }).then(() => 'resolved', (e: unknown) => e));
      expect(await settledWithin(Promise.all(waits), 50)).toBe(false);
      timeline.close();
      for (const outcome of await Promise.all(waits)) {
        expect(outcome).toBeInstanceOf(FenceError);
        expect(outcome).toMatchObject({ code: 'ENOENT', driver: 'sw_sync' });
      }
      if (access === 'read') await buf.whenReadable({ timeout: 5000 });
    });
  }

  it('a fence that signals cleanly still resolves both', async (ctx) => {
    need(ctx, has.systemHeap(), 'no system heap');
    using timeline = openSwSync(ctx);
    using heap = DmaHeap.open('system');
    using buf = heap.allocate(4096);
    {
      using fence = timeline.createFence(1);
      buf.importSyncFile(fence, 'write');
    }
    const waits = Promise.all([buf.whenReadable({ timeout: 5000 }), buf.whenWritable({ timeout: 5000 })]);
    timeline.advance();
    await waits;
  });
});
