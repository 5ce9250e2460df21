// SPDX-License-Identifier: MIT
// A merged sync_file's state is the merged fence's own, as the kernel reports
// it (SYNC_IOC_FILE_INFO with num_fences = 0, and poll): pending until every
// member has signalled. A wait settles only then, and rejects if a member
// failed, naming it. Each case is checked against the kernel's own answer.
import { describe, expect, it } from 'vitest';

import { FenceError, type SwSyncTimeline, SyncFile, TimeoutError } from '../../lib/index.js';
import { native, syncStatusErrno } from '../../lib/native.js';
import { leavesNoFdsOpen } from '../helpers/env.js';
import { openSwSync } from '../helpers/syncobj.js';

/** What the kernel says of the file itself: its status and whether poll reports it signalled. */
function kernelView(file: SyncFile): { status: number; readable: boolean } {
  const status = native.syncFileStatus(file.fd);
  if (syncStatusErrno(status) !== 0) throw new Error(`SYNC_IOC_FILE_INFO failed: ${syncStatusErrno(status)}`);
  return { status, readable: (native.pollNow(file.fd, 1) & 1) !== 0 };
}

/** Two timelines, a fence at 1 on each, and their merge. */
function merged(a: SwSyncTimeline, b: SwSyncTimeline): { file: SyncFile } & Disposable {
  const fa = a.createFence(1, 'from a');
  const fb = b.createFence(1, 'from b');
  const file = fa.merge(fb, { name: 'a+b' });
  fa.close();
  fb.close();
  return { file, [Symbol.dispose]: () => file.close() };
}

const settledWithin = async (promise: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([promise.then(() => true, () => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('merged sync_file state', () => {
  leavesNoFdsOpen();

  it('pending + pending: active, as the kernel says; the wait times out', async (ctx) => {
    using a = openSwSync(ctx);
    using b = openSwSync(ctx);
    using m = merged(a, b);
    expect(kernelView(m.file)).toEqual({ status: 0, readable: false });
    expect(m.file.status().state).toBe('active');
    await expect(m.file.wait({ timeout: 30 })).rejects.toBeInstanceOf(TimeoutError);
  });

  it('failed + pending: still active (kernel: status 0, not readable); the wait rejects only once the file signals, naming the failed member', async (ctx) => {
    const a = openSwSync(ctx);
    using b = openSwSync(ctx);
    using m = merged(a, b);
    const waiting = m.file.wait({ timeout: 10_000 });
    waiting.catch(() => undefined);
    a.close(); // a's fence signals -ENOENT while the wait is pending
    expect(kernelView(m.file)).toEqual({ status: 0, readable: false });
    expect(m.file.status()).toEqual({ state: 'active', status: 0 });
    const info = m.file.info();
    expect(info.state).toBe('active');
    expect(info.fences.map((f) => f.state).sort()).toEqual(['active', 'error']);
    expect(await settledWithin(waiting, 100)).toBe(false);
    // A wait started now, after the failure, is just as pending.
    const late = m.file.wait({ timeout: 10_000 }).catch((e: unknown) => e);
    expect(await settledWithin(late, 50)).toBe(false);
    b.advance();
    const error = (await waiting.catch((e: unknown) => e)) as FenceError;
    expect(error).toBeInstanceOf(FenceError);
    expect(error.code).toBe('ENOENT');
    expect(info.fences[error.fenceIndex!]!.state).toBe('error');
    // Named as the fence was while pending (the kernel calls a signalled one 'detached-driver').
    expect(error.driver).toBe('sw_sync');
    expect(error.message).toMatch(/fence \d: timeline '.*' of driver 'sw_sync'/);
    expect(kernelView(m.file).readable).toBe(true);
    const lateError = (await late) as FenceError;
    expect(lateError).toBeInstanceOf(FenceError);
    expect(lateError.fenceIndex).toBe(error.fenceIndex);
    // The file keeps the names its first pending wait read (its fences are fixed), so a
    // wait started after the failure names the member as it was, not as 'detached-driver'.
    expect(lateError.driver).toBe('sw_sync');
  });

  it('failed + signalled: signalled per the kernel; a wait rejects with the member error', async (ctx) => {
    const a = openSwSync(ctx);
    using b = openSwSync(ctx);
    using m = merged(a, b);
    b.advance();
    a.close();
    const kernel = kernelView(m.file);
    expect(kernel.readable).toBe(true);
    // The kernel's status for the file: the member's error, because poll
    // above enabled signalling... or 1 if it had not; state() mirrors it.
    expect(m.file.status().status).toBe(kernel.status);
    expect(kernel.status === 1 || kernel.status === -2).toBe(true);
    const error = await m.file.wait({ timeout: 5000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FenceError);
    expect(error).toMatchObject({ code: 'ENOENT', fenceIndex: expect.any(Number) });
  });

  it('signalled + signalled: signalled, the wait resolves', async (ctx) => {
    using a = openSwSync(ctx);
    using b = openSwSync(ctx);
    using m = merged(a, b);
    a.advance();
    b.advance();
    expect(kernelView(m.file)).toEqual({ status: 1, readable: true });
    expect(m.file.status().state).toBe('signaled');
    await m.file.wait({ timeout: 5000 });
    expect(m.file.info().fences.map((f) => f.state)).toEqual(['signaled', 'signaled']);
  });

  it('status() is the file status in one SYNC_IOC_FILE_INFO, a failed single fence included', (ctx) => {
    const a = openSwSync(ctx);
    using fence = a.createFence(1);
    a.close();
    expect(native.syncFileStatus(fence.fd)).toBe(-2);
    expect(native.syncFileFenceCount(fence.fd)).toBe(1);
    expect(fence.status()).toEqual({ state: 'error', status: -2, code: 'ENOENT' });
    // A failed ioctl is kept apart from a failed fence's status.
    expect(syncStatusErrno(native.syncFileStatus(0x7ffffff0))).toBe(-9);
    expect(syncStatusErrno(-2)).toBe(0);
  });
});
