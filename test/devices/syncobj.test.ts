// SPDX-License-Identifier: MIT
// DRM syncobj on virtio-gpu: binary and timeline, opaque fd sharing,
// sync_file import/export, transfers, and promise waits over the eventfd.
import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';

import { describe, expect, it } from 'vitest';

import {
  AbortError,
  ClosedError,
  DrmDevice,
  FeatureError,
  FenceError,
  KernelError,
  TimeoutError,
} from '../../lib/index.js';
import { native } from '../../lib/native.js';
import { fdCount, leavesNoFdsOpen } from '../helpers/env.js';
import { openSwSync, openSyncobjDevice } from '../helpers/syncobj.js';
import { openVgem } from '../helpers/vgem.js';

/** Whether `p` has settled (either way) within `ms`: `false` means still pending. */
const settled = async (p: Promise<unknown>, ms = 100): Promise<boolean> =>
  Promise.race([p.then(() => true, () => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('DRM syncobj', () => {
  leavesNoFdsOpen();

  it('reports fence capabilities; vgem has no syncobjs and says so', (ctx) => {
    using gpu = openSyncobjDevice(ctx);
    expect(gpu.fenceCaps()).toEqual({ prime: true, syncobj: true, syncobjTimeline: true, syncobjEventfd: true });
    using vgem = openVgem(ctx);
    expect(vgem.fenceCaps().syncobj).toBe(false);
    const error = (() => {
      try {
        vgem.createSyncobj();
      } catch (e) {
        return e as FeatureError;
      }
    })();
    expect(error).toBeInstanceOf(FeatureError);
    expect(error?.code).toBe('ENOTSUP'); // EOPNOTSUPP
    expect(error?.message).toContain("'vgem' driver does not support syncobjs");
  });

  it('binary: created signalled, reset, signal, and the blocking check', async (ctx) => {
    using gpu = openSyncobjDevice(ctx);
    using done = gpu.createSyncobj({ signaled: true });
    await done.wait();
    expect(gpu.waitSyncobjsSync([{ syncobj: done }])).toBe(0);
    using fresh = gpu.createSyncobj();
    expect(() => gpu.waitSyncobjsSync([{ syncobj: fresh }])).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => gpu.waitSyncobjsSync([{ syncobj: fresh }], { forSubmit: true })).toThrow(TimeoutError);
    expect(() => gpu.waitSyncobjsSync([{ syncobj: fresh }], { forSubmit: true, timeout: 30 })).toThrow(TimeoutError);
    expect(gpu.waitSyncobjsSync([{ syncobj: fresh }, { syncobj: done }], { all: false, forSubmit: true })).toBe(1);
    const waiting = fresh.wait();
    expect(await settled(waiting)).toBe(false);
    fresh.signal();
    await waiting;
    fresh.reset();
    // Reset removed the fence: a wait now runs into its timeout instead of resolving.
    await expect(fresh.wait(0n, { timeout: 50 })).rejects.toBeInstanceOf(TimeoutError);
  });

  it('binary: a sync_file imported into it drives its waits, and exports back out', async (ctx) => {
    using gpu = openSyncobjDevice(ctx);
    using timeline = openSwSync(ctx);
    using syncobj = gpu.createSyncobj();
    {
      using fence = timeline.createFence(1);
      syncobj.importSyncFile(fence);
    }
    using exported = syncobj.exportSyncFile();
    expect(exported.status().state).toBe('active');
    expect(exported.info().fences[0]?.driver).toBe('sw_sync');
    const waiting = syncobj.wait();
    expect(await settled(waiting)).toBe(false);
    timeline.advance();
    await waiting;
    expect(exported.status().state).toBe('signaled');
  });

  it('opaque fd: two DRM files share one syncobj', async (ctx) => {
    using gpu = openSyncobjDevice(ctx);
    using other = DrmDevice.open(gpu.path);
    using mine = gpu.createSyncobj();
    using file = mine.exportFd();
    using theirs = other.importSyncobj(file);
    const waiting = theirs.wait();
    mine.signal();
    await waiting;
    expect(() => other.importSyncobj({} as never)).toThrow(TypeError);
  });

  it('timeline: signal points, query, waits before and after, available', async (ctx) => {
    using gpu = openSyncobjDevice(ctx);
    using tl = gpu.createSyncobj();
    tl.signalPoint(1);
    tl.signalPoint(5n);
    expect(tl.query()).toBe(5n);
    expect(tl.query({ lastSubmitted: true })).toBe(5n);
    await tl.wait(3);
    const later = tl.wait(7n);
    const available = tl.wait(9n, { available: true });
    expect(await settled(later)).toBe(false);
    tl.signalPoint(7);
    await later;
    expect(await settled(available)).toBe(false);
    tl.signalPoint(9);
    await available;
    using file = tl.exportSyncFile({ point: 9n });
    expect(file.status().state).toBe('signaled');
    expect(gpu.waitSyncobjsSync([{ syncobj: tl, point: 9 }])).toBe(0);
  });

  it('timeline: a sync_file at a point, then transfer to binary and back', async (ctx) => {
    using gpu = openSyncobjDevice(ctx);
    using timeline = openSwSync(ctx);
    using tl = gpu.createSyncobj();
    using binary = gpu.createSyncobj();
    {
      using fence = timeline.createFence(1);
      tl.importSyncFile(fence, { point: 2n });
    }
    expect(tl.query({ lastSubmitted: true })).toBe(2n);
    binary.transfer(tl, { fromPoint: 2n });
    using back = gpu.createSyncobj();
    back.transfer(binary, { point: 4n });
    const waits = [tl.wait(2), binary.wait(), back.wait(4)];
    expect(await settled(Promise.all(waits))).toBe(false);
    timeline.advance();
    await Promise.all(waits);
    expect(() => back.transfer({} as never)).toThrow(TypeError);
    using empty = gpu.createSyncobj();
    expect(() => back.transfer(empty, { point: 9n })).toThrow(KernelError);
  });

  it('a fence that fails (sw_sync timeline destroyed: -ENOENT) rejects the wait with that errno', async (ctx) => {
    using gpu = openSyncobjDevice(ctx);
    const timeline = openSwSync(ctx);
    using tl = gpu.createSyncobj();
    using binary = gpu.createSyncobj();
    {
      using fence = timeline.createFence(5);
      tl.importSyncFile(fence, { point: 1n });
      binary.importSyncFile(fence);
    }
    const timelineWait = tl.wait(1n).catch((e: unknown) => e);
    const binaryWait = binary.wait().catch((e: unknown) => e);
    expect(await settled(timelineWait)).toBe(false);
    timeline.close();
    for (const error of [await timelineWait, await binaryWait]) {
      expect(error).toBeInstanceOf(FenceError);
      expect((error as FenceError).code).toBe('ENOENT');
      expect((error as FenceError).errno).toBe(-constants.errno.ENOENT);
      expect((error as Error).stack).toContain('syncobj.test.ts');
    }
  });

  it('10,000 pending waits share one eventfd, leave fs.promises alone, and all settle', async (ctx) => {
    using gpu = openSyncobjDevice(ctx);
    using tl = gpu.createSyncobj();
    const before = fdCount();
    let done = 0;
    const waits = Array.from({ length: 10_000 }, (_, i) => tl.wait(BigInt(i + 1)).then(() => done++));
    expect(fdCount()).toBe(before + 1); // the device's one eventfd
    expect((await readFile('/proc/self/status', 'utf8')).length).toBeGreaterThan(0);
    expect(done).toBe(0);
    tl.signalPoint(10_000);
    await Promise.all(waits);
    expect(done).toBe(10_000);
  });

  it('waits honour timeout and AbortSignal; closing the device rejects them', async (ctx) => {
    using gpu = openSyncobjDevice(ctx);
    using syncobj = gpu.createSyncobj();
    await expect(syncobj.wait(0n, { timeout: 20 })).rejects.toBeInstanceOf(TimeoutError);
    const controller = new AbortController();
    const aborted = syncobj.wait(0n, { signal: controller.signal });
    controller.abort('stop');
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError', cause: 'stop' });
    const other = DrmDevice.open(gpu.path);
    const pending = other.createSyncobj().wait();
    other.close();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
  });

  it('bad input: destroyed syncobjs, bad points, backwards points, closed device, raw wrong handles', async (ctx) => {
    using gpu = openSyncobjDevice(ctx);
    const syncobj = gpu.createSyncobj();
    syncobj.close();
    syncobj.close();
    expect(() => syncobj.signal()).toThrow(ClosedError);
    await expect(syncobj.wait()).rejects.toBeInstanceOf(ClosedError);
    using tl = gpu.createSyncobj();
    expect(() => tl.signalPoint(-1)).toThrow(RangeError);
    expect(() => tl.signalPoint(1.5)).toThrow(RangeError);
    expect(() => tl.signalPoint(1n << 64n)).toThrow(RangeError);
    expect(() => tl.signalPoint(0)).toThrow(RangeError);
    expect(() => tl.signalPoint('3' as never)).toThrow(TypeError);
    tl.signalPoint(10n);
    expect(() => tl.signalPoint(10n)).toThrow(/does not advance the timeline \(last submitted point is 10\)/);
    expect(() => tl.signalPoint(3)).toThrow(RangeError);
    await expect(tl.wait(-1)).rejects.toBeInstanceOf(RangeError);
    await expect(tl.wait(1, { available: 'yes' as never })).rejects.toBeInstanceOf(TypeError);
    expect(() => gpu.waitSyncobjsSync([])).toThrow(TypeError);
    expect(() => gpu.waitSyncobjsSync([{ syncobj: tl }], { timeout: -5 })).toThrow(RangeError);
    await expect(gpu.waitSyncobjs([])).rejects.toBeInstanceOf(TypeError);
    await expect(gpu.waitSyncobjs([{ syncobj: tl }], { timeout: -5 })).rejects.toBeInstanceOf(RangeError);
    await expect(gpu.waitSyncobjs([{ syncobj: {} as never }])).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    // Handles the facade never hands out: the kernel's own answers.
    expect(native.syncobjSignal(gpu.fd, 0xdead)).toBe(-constants.errno.ENOENT);
    expect(native.syncobjDestroy(gpu.fd, 0xdead)).toBe(-constants.errno.EINVAL);
    // Flags the kernel does not define are refused, not ignored.
    expect(native.syncobjCreate(gpu.fd, 0x80)).toBe(-constants.errno.EINVAL);
    expect(native.syncobjHandleToFd(gpu.fd, tl.handle, 0x80, 0n)).toBe(-constants.errno.EINVAL);
    const closed = DrmDevice.open(gpu.path);
    const orphan = closed.createSyncobj();
    closed.close();
    expect(orphan.closed).toBe(true);
    expect(() => orphan.signal()).toThrow(ClosedError);
    expect(() => closed.createSyncobj()).toThrow(ClosedError);
  });
});
