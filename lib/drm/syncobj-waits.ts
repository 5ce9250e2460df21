// SPDX-License-Identifier: MIT
/**
 * Promise waits on syncobj points for one DRM device.
 *
 * Every wait on the device shares one eventfd: DRM_IOCTL_SYNCOBJ_EVENTFD
 * (Linux 6.6) can register the same eventfd for any number of (syncobj,
 * point) pairs, so 10,000 pending waits cost one fd and one poll handle, and
 * no thread. When the eventfd fires, a zero-timeout TIMELINE_WAIT per pending
 * wait tells which are satisfied.
 *
 * The eventfd says only that a fence signalled, not whether it failed. So a
 * satisfied wait (other than `available`) exports its point to a sync_file
 * and reads the fence status: a fence that signalled with an error rejects
 * the promise with FenceError instead of resolving it.
 *
 * Kernels before 6.6 have no SYNCOBJ_EVENTFD. There a wait exports the point
 * to a sync_file and polls that, if the point already has a fence; if not,
 * it blocks on a thread of its own (native/syncobj_thread_wait.cc), never on
 * the libuv pool. `strategy` forces one of the three, which is how the tests
 * exercise the fallbacks on a kernel that has the eventfd.
 * @module
 * @internal
 */
import { closeSync } from 'node:fs';

import { SyncFile } from '../sync-file.js';

import { ECANCELED, ETIME, FenceError, KernelError } from '../errors.js';
import { EventFd } from '../eventfd.js';
import { type WaitLimits, limitedWait, withStack } from '../wait-limits.js';
import { native } from '../native.js';

export const WAIT_ALL = 1;
export const WAIT_FOR_SUBMIT = 2;
export const WAIT_AVAILABLE = 4;
export const WAIT_DEADLINE = 8;
export const EXPORT_SYNC_FILE = 1;
export const TIMELINE = 2;

/** How a wait learns that its point signalled. */
export type SyncobjWaitStrategy = 'auto' | 'eventfd' | 'sync_file' | 'thread';

interface Pending {
  handle: number;
  point: bigint;
  available: boolean;
  settle(error?: unknown): void;
}

/** Checks a point without blocking: 0 when satisfied, -ETIME when not yet, else -errno. */
export function pollPoint(deviceFd: number, handle: number, point: bigint, available: boolean): number {
  return native.syncobjTimelineWait(
    deviceFd,
    Uint32Array.of(handle),
    BigUint64Array.of(point),
    0n, // an absolute CLOCK_MONOTONIC time in the past: do not block
    WAIT_FOR_SUBMIT | (available ? WAIT_AVAILABLE : 0),
    0n,
  );
}

/** The fence status behind a signalled point: 1 signalled, negative = its error. */
export function pointStatus(deviceFd: number, handle: number, point: bigint): number {
  const fd = native.syncobjHandleToFd(deviceFd, handle, EXPORT_SYNC_FILE | (point > 0n ? TIMELINE : 0), point);
  if (fd < 0) return fd;
  try {
    const info = native.syncFileInfo(fd);
    return typeof info === 'number' ? info : info.status;
  } finally {
    closeSync(fd);
  }
}

export class SyncobjWaits {
  readonly #deviceFd: () => number;
  readonly #label: string;
  readonly #pending = new Set<Pending>();
  readonly #files = new Set<SyncFile>();
  /** stop(reason) of every pending eventfd and thread wait, for close(). */
  readonly #stops = new Set<(reason: unknown) => void>();
  #eventfd: EventFd | undefined;
  #listening: AbortController | undefined;

  constructor(deviceFd: () => number, label: string) {
    this.#deviceFd = deviceFd;
    this.#label = label;
  }


  /** Resolves when `point` of `handle` signals (or, with `available`, has a fence). */
  wait(
    handle: number,
    point: bigint,
    available: boolean,
    limits: WaitLimits,
    site: { stack?: string },
    strategy: SyncobjWaitStrategy,
    hasEventfd: () => boolean,
  ): Promise<void> {
    let chosen = strategy;
    if (chosen === 'auto') {
      if (hasEventfd()) chosen = 'eventfd';
      else chosen = pollPoint(this.#deviceFd(), handle, point, true) === 0 ? 'sync_file' : 'thread';
    }
    if (chosen === 'sync_file' && available) {
      // A fence to export is exactly what `available` waits for.
      if (pollPoint(this.#deviceFd(), handle, point, true) === 0) return Promise.resolve();
      chosen = 'thread';
    }
    if (chosen === 'sync_file') return this.#syncFileWait(handle, point, limits, site);
    if (chosen === 'thread') return this.#threadWait(handle, point, available, limits, site);
    return this.#eventfdWait(handle, point, available, limits, site);
  }

  /** Fallback 1: the point's fence as a sync_file, polled on the loop; SyncFile.wait reports a failed fence. */
  async #syncFileWait(handle: number, point: bigint, limits: WaitLimits, site: { stack?: string }): Promise<void> {
    const fd = native.syncobjHandleToFd(this.#deviceFd(), handle, EXPORT_SYNC_FILE | (point > 0n ? TIMELINE : 0), point);
    if (fd < 0) {
      throw withStack(new KernelError(fd, { syscall: 'ioctl', request: 'DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', context: this.#label }), site);
    }
    const file = SyncFile.adopt(fd);
    this.#files.add(file);
    try {
      await file.wait(limits);
    } catch (error) {
      throw withStack(error, site);
    } finally {
      this.#files.delete(file);
      file.close();
    }
  }

  /** Fallback 2: a blocking wait on a dedicated thread, cancelled by abort, timeout or close. */
  #threadWait(handle: number, point: bigint, available: boolean, limits: WaitLimits, site: { stack?: string }): Promise<void> {
    return limitedWait<void>(limits, site, `syncobj point ${point}`, (finish) => {
      const cancel = native.syncobjWaitThread(this.#deviceFd(), handle, point, available ? WAIT_AVAILABLE : 0, (rc) => {
        if (rc === ECANCELED) return; // settled already by whoever cancelled
        if (rc < 0) {
          finish(new KernelError(rc, { syscall: 'ioctl', request: 'DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT', context: this.#label }));
          return;
        }
        const status = available ? 1 : pointStatus(this.#deviceFd(), handle, point);
        finish(status < 0 ? new FenceError(status, `syncobj ${handle} point ${point}`) : undefined);
      });
      if (typeof cancel === 'number') {
        finish(new KernelError(cancel, { syscall: 'dup', context: this.#label }));
        return () => undefined;
      }
      return cancel;
    }, this.#stops);
  }

  #eventfdWait(handle: number, point: bigint, available: boolean, limits: WaitLimits, site: { stack?: string }): Promise<void> {
    return limitedWait<void>(limits, site, `syncobj point ${point}`, (finish) => {
      const efd = (this.#eventfd ??= EventFd.create());
      const rc = native.syncobjEventfd(this.#deviceFd(), handle, point, efd.fd, available ? WAIT_AVAILABLE : 0);
      if (rc < 0) {
        finish(new KernelError(rc, { syscall: 'ioctl', request: 'DRM_IOCTL_SYNCOBJ_EVENTFD', context: this.#label }));
        return () => undefined;
      }
      const entry: Pending = { handle, point, available, settle: finish };
      this.#pending.add(entry);
      this.#listen(efd);
      return () => this.#drop(entry);
    }, this.#stops);
  }

  /** Forgets a settled or cancelled eventfd wait; the listening loop ends with the last one. */
  #drop(entry: Pending): void {
    this.#pending.delete(entry);
    if (this.#pending.size === 0) this.#listening?.abort();
  }

  /** Rejects every pending wait of every strategy and releases the eventfd. */
  close(reason: Error): void {
    for (const stop of [...this.#stops]) stop(reason);
    for (const file of [...this.#files]) file.close();
    this.#listening?.abort();
    this.#eventfd?.close();
    this.#eventfd = undefined;
  }

  /** One loop per device while anything is pending: wake, sweep, repeat. */
  #listen(efd: EventFd): void {
    if (this.#listening && !this.#listening.signal.aborted) return;
    const controller = new AbortController();
    this.#listening = controller;
    const loop = async (): Promise<void> => {
      while (!controller.signal.aborted && this.#pending.size > 0) {
        try {
          await efd.wait({ signal: controller.signal });
        } catch {
          return; // aborted: nothing pending, or closed
        }
        this.#sweep();
      }
    };
    void loop();
  }

  #sweep(): void {
    let fd: number;
    try {
      fd = this.#deviceFd();
    } catch (error) {
      this.close(error as Error);
      return;
    }
    const statuses = new Map<string, number>();
    for (const entry of [...this.#pending]) {
      const rc = pollPoint(fd, entry.handle, entry.point, entry.available);
      if (rc === ETIME) continue;
      this.#drop(entry);
      if (rc < 0) {
        entry.settle(new KernelError(rc, { syscall: 'ioctl', request: 'DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT', context: this.#label }));
        continue;
      }
      if (entry.available) {
        entry.settle();
        continue;
      }
      const key = `${entry.handle}:${entry.point}`;
      let status = statuses.get(key);
      if (status === undefined) {
        status = pointStatus(fd, entry.handle, entry.point);
        statuses.set(key, status);
      }
      entry.settle(status < 0 ? new FenceError(status, `syncobj ${entry.handle} point ${entry.point}`) : undefined);
    }
  }
}
