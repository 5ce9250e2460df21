// SPDX-License-Identifier: MIT
// whenReadable / whenWritable from dma-buf poll(), driven by vgem fences.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AbortError, TimeoutError, VgemFence } from '../../lib/index.js';
import { fdCount } from '../helpers/env.js';
import { openVgem, vgemBuffer } from '../helpers/vgem.js';

const settledWithin = async (p: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('DmaBuf readiness (poll)', () => {
  let fds = 0;
  beforeAll(() => {
    fds = fdCount();
  });
  afterAll(() => {
    expect(fdCount()).toBe(fds);
  });

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
});
