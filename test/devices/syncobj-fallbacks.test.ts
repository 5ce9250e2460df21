// SPDX-License-Identifier: MIT
// The waits kernels before 6.6 get: the point's sync_file, and a blocking
// wait on a dedicated thread. Forced here on the rig kernel, real ioctls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AbortError, DrmDevice, FenceError, KernelError, TimeoutError } from '../../lib/index.js';
import type { SyncobjWaitStrategy } from '../../lib/index.js';
import { fdCount } from '../helpers/env.js';
import { openSwSync, openSyncobjDevice } from '../helpers/syncobj.js';

const settled = async (p: Promise<unknown>, ms = 150): Promise<boolean> =>
  Promise.race([p.then(() => true, () => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('syncobj wait strategies', () => {
  let fds = 0;
  beforeAll(() => {
    fds = fdCount();
  });
  afterAll(async () => {
    await new Promise((r) => setTimeout(r, 200)); // cancelled threads close their dup'd fds
    expect(fdCount()).toBe(fds);
  });

  for (const strategy of ['eventfd', 'sync_file', 'thread'] as SyncobjWaitStrategy[]) {
    it(`${strategy}: resolves on signal, rejects a failed fence with its errno`, async (ctx) => {
      using gpu = openSyncobjDevice(ctx);
      const timeline = openSwSync(ctx);
      using tl = gpu.createSyncobj();
      tl.signalPoint(1);
      await tl.wait(1, { strategy });
      {
        using fence = timeline.createFence(1);
        tl.importSyncFile(fence, { point: 2n });
      }
      const waiting = tl.wait(2, { strategy }).catch((e: unknown) => e);
      expect(await settled(waiting)).toBe(false);
      timeline.close();
      const error = await waiting;
      expect(error).toBeInstanceOf(FenceError);
      expect((error as FenceError).code).toBe('ENOENT');
    });
  }

  for (const strategy of ['eventfd', 'sync_file', 'thread'] as SyncobjWaitStrategy[]) {
    it(`${strategy}: closing the syncobj rejects its pending waits with AbortError, and a reused handle does not revive them`, async (ctx) => {
      using gpu = openSyncobjDevice(ctx);
      using timeline = openSwSync(ctx);
      const tl = gpu.createSyncobj();
      {
        using fence = timeline.createFence(1);
        tl.importSyncFile(fence, { point: 1n });
      }
      using bystander = gpu.createSyncobj();
      const waiting = tl.wait(1, { strategy, timeout: 10_000 }).catch((e: unknown) => e);
      const unaffected = bystander.wait(0, { strategy: strategy === 'sync_file' ? 'auto' : strategy, timeout: 10_000 });
      expect(await settled(waiting)).toBe(false);
      const handle = tl.handle;
      tl.close();
      const error = await Promise.race([waiting, new Promise((r) => setTimeout(() => r('still pending'), 2000))]);
      expect(error).toBeInstanceOf(AbortError);
      expect((error as Error).message).toMatch(/syncobj \d+ was closed while waiting/);
      // The kernel may hand the number out again; nothing of the old wait may see it.
      using reused = gpu.createSyncobj({ signaled: true });
      expect(typeof reused.handle).toBe('number');
      expect(handle).toBeGreaterThan(0);
      timeline.advance();
      expect(await settled(unaffected)).toBe(false);
      bystander.signal();
      await unaffected;
    });
  }

  it('sync_file: a point with no fence yet is an error when forced (auto picks the thread instead)', async (ctx) => {
    using gpu = openSyncobjDevice(ctx);
    using tl = gpu.createSyncobj();
    await expect(tl.wait(3, { strategy: 'sync_file' })).rejects.toBeInstanceOf(KernelError);
    const available = tl.wait(3, { strategy: 'sync_file', available: true });
    tl.signalPoint(3);
    await available;
  });

  it('thread: waits for submission, then for the signal, and honours timeout, abort and close', async (ctx) => {
    using gpu = openSyncobjDevice(ctx);
    using tl = gpu.createSyncobj();
    const unsubmitted = tl.wait(5, { strategy: 'thread' });
    const whenAvailable = tl.wait(5, { strategy: 'thread', available: true });
    expect(await settled(unsubmitted)).toBe(false);
    tl.signalPoint(5);
    await Promise.all([unsubmitted, whenAvailable]);
    await expect(tl.wait(9, { strategy: 'thread', timeout: 30 })).rejects.toBeInstanceOf(TimeoutError);
    await expect(tl.wait(9, { strategy: 'thread', signal: AbortSignal.timeout(30) })).rejects.toBeInstanceOf(AbortError);
    const other = DrmDevice.open(gpu.path);
    const pending = other.createSyncobj().wait(0n, { strategy: 'thread' });
    other.close();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    await expect(tl.wait(1, { strategy: 'fast' as never })).rejects.toBeInstanceOf(TypeError);
  });
});
