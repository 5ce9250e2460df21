// SPDX-License-Identifier: MIT
// DrmDevice.waitSyncobjs: the kernel's multi-wait (all / any, forSubmit,
// available) as a promise on the event loop, with the same TimeoutError,
// AbortError and FenceError as every other wait; waitSyncobjsSync is the
// blocking form and times out with the same TimeoutError class.
import { describe, expect, it } from 'vitest';

import { AbortError, FenceError, KernelError, TimeoutError } from '../../lib/index.js';
import { leavesNoFdsOpen } from '../helpers/env.js';
import { openSwSync, openSyncobjDevice } from '../helpers/syncobj.js';

const settled = async (p: Promise<unknown>, ms = 100): Promise<boolean> =>
  Promise.race([p.then(() => true, () => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('DrmDevice.waitSyncobjs (promise) and waitSyncobjsSync (blocking)', () => {
  leavesNoFdsOpen();

  it('all: resolves once every point has signalled, without blocking the event loop', async (ctx) => {
    using gpu = openSyncobjDevice(ctx);
    using a = gpu.createSyncobj();
    using b = gpu.createSyncobj();
    const waiting = gpu.waitSyncobjs([{ syncobj: a }, { syncobj: b, point: 2 }], { forSubmit: true, timeout: 10_000 });
    expect(waiting).toBeInstanceOf(Promise);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    expect(await settled(waiting)).toBe(false);
    a.signal();
    expect(await settled(waiting)).toBe(false);
    b.signalPoint(2);
    await expect(waiting).resolves.toBe(0);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0); // the loop ran while the wait was pending
  });

  it('any: resolves with the index of the first point to signal', async (ctx) => {
    using gpu = openSyncobjDevice(ctx);
    using a = gpu.createSyncobj();
    using b = gpu.createSyncobj();
    const waiting = gpu.waitSyncobjs([{ syncobj: a }, { syncobj: b }], { all: false, forSubmit: true, timeout: 10_000 });
    expect(await settled(waiting)).toBe(false);
    b.signal();
    await expect(waiting).resolves.toBe(1);
    await expect(gpu.waitSyncobjs([{ syncobj: a }, { syncobj: b }], { all: false, forSubmit: true })).resolves.toBe(1);
  });

  it('forSubmit off: a point without a fence is the kernel EINVAL; available resolves on submission', async (ctx) => {
    using gpu = openSyncobjDevice(ctx);
    using tl = gpu.createSyncobj();
    await expect(gpu.waitSyncobjs([{ syncobj: tl, point: 3 }])).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(gpu.waitSyncobjs([{ syncobj: tl, point: 3 }])).rejects.toBeInstanceOf(KernelError);
    using timeline = openSwSync(ctx);
    const available = gpu.waitSyncobjs([{ syncobj: tl, point: 3 }], { available: true, forSubmit: true, timeout: 10_000 });
    expect(await settled(available)).toBe(false);
    {
      using fence = timeline.createFence(1);
      tl.importSyncFile(fence, { point: 3n });
    }
    await expect(available).resolves.toBe(0);
    const signalled = gpu.waitSyncobjs([{ syncobj: tl, point: 3 }], { timeout: 10_000 });
    expect(await settled(signalled)).toBe(false);
    timeline.advance();
    await signalled;
  });

  it('timeout rejects with TimeoutError, AbortSignal with AbortError, closing a syncobj or the device with AbortError', async (ctx) => {
    using gpu = openSyncobjDevice(ctx);
    using a = gpu.createSyncobj();
    await expect(gpu.waitSyncobjs([{ syncobj: a }], { forSubmit: true, timeout: 30 })).rejects.toBeInstanceOf(TimeoutError);
    expect(() => gpu.waitSyncobjsSync([{ syncobj: a }], { forSubmit: true, timeout: 30 })).toThrow(TimeoutError);
    const controller = new AbortController();
    const aborted = gpu.waitSyncobjs([{ syncobj: a }], { forSubmit: true, signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortError);
    const b = gpu.createSyncobj();
    const closing = gpu.waitSyncobjs([{ syncobj: a }, { syncobj: b }], { forSubmit: true });
    b.close();
    await expect(closing).rejects.toBeInstanceOf(AbortError);
    await expect(gpu.waitSyncobjs([{ syncobj: b }])).rejects.toMatchObject({ code: 'ERR_DMABUF_CLOSED' });
  });

  it('a failed fence rejects with FenceError: with all, once every point has signalled', async (ctx) => {
    using gpu = openSyncobjDevice(ctx);
    const doomed = openSwSync(ctx);
    using later = openSwSync(ctx);
    using a = gpu.createSyncobj();
    using b = gpu.createSyncobj();
    {
      using fa = doomed.createFence(1);
      using fb = later.createFence(1);
      a.importSyncFile(fa);
      b.importSyncFile(fb);
    }
    const all = gpu.waitSyncobjs([{ syncobj: a }, { syncobj: b }], { timeout: 10_000 }).catch((e: unknown) => e);
    const any = gpu.waitSyncobjs([{ syncobj: a }, { syncobj: b }], { all: false, timeout: 10_000 }).catch((e: unknown) => e);
    doomed.close();
    expect(await any).toBeInstanceOf(FenceError);
    expect(await settled(all)).toBe(false);
    later.advance();
    const error = await all;
    expect(error).toBeInstanceOf(FenceError);
    expect(error).toMatchObject({ code: 'ENOENT' });
    // Already signalled (failed) when asked: the same answer.
    await expect(gpu.waitSyncobjs([{ syncobj: a }])).rejects.toBeInstanceOf(FenceError);
  });
});
