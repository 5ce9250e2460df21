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

import { AbortError, FenceError, KernelError, TimeoutError } from '../errors.js';
import { EventFd } from '../eventfd.js';
import { type WaitLimits, withStack } from '../fd-watcher.js';
import { native } from '../native.js';

export const WAIT_ALL = 1;
export const WAIT_FOR_SUBMIT = 2;
export const WAIT_AVAILABLE = 4;
export const WAIT_DEADLINE = 8;
export const EXPORT_SYNC_FILE = 1;
export const TIMELINE = 2;
const ETIME = -62;
const ECANCELED = -125;

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
  readonly #threads = new Set<(error: unknown) => void>();
  #eventfd: EventFd | undefined;
  #listening: AbortController | undefined;

  constructor(deviceFd: () => number, label: string) {
    this.#deviceFd = deviceFd;
    this.#label = label;
  }

  get pending(): number {
    return this.#pending.size + this.#threads.size + this.#files.size;
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
    return this.#track(limits, site, `syncobj point ${point}`, (finish) => {
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
    });
  }

  /**
   * Runs one thread wait under the usual limits. `start` returns a cancel
   * function; it is called only while the wait is unsettled, which is what
   * keeps the native side's state alive for it.
   */
  #track(
    limits: WaitLimits,
    site: { stack?: string },
    what: string,
    start: (finish: (error?: unknown) => void) => () => void,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const { signal, timeout } = limits;
      if (signal?.aborted) {
        reject(withStack(new AbortError(undefined, { cause: signal.reason }), site));
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      let cancel: (() => void) | undefined;
      let done = false;
      const onAbort = (): void => stop(new AbortError(undefined, { cause: signal?.reason }));
      const finish = (error?: unknown): void => {
        if (done) return;
        done = true;
        this.#threads.delete(stop);
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(withStack(error, site));
      };
      const stop = (error: unknown): void => {
        if (done) return;
        cancel?.();
        finish(error);
      };
      if (timeout !== undefined) timer = setTimeout(() => stop(new TimeoutError(timeout, what)), timeout);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#threads.add(stop);
      cancel = start(finish);
    });
  }

  #eventfdWait(handle: number, point: bigint, available: boolean, limits: WaitLimits, site: { stack?: string }): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const { signal, timeout } = limits;
      if (signal?.aborted) {
        reject(withStack(new AbortError(undefined, { cause: signal.reason }), site));
        return;
      }
      const efd = (this.#eventfd ??= EventFd.create());
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => entry.settle(new AbortError(undefined, { cause: signal?.reason }));
      const entry: Pending = {
        handle,
        point,
        available,
        settle: (error) => {
          if (!this.#pending.delete(entry)) return;
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          if (this.#pending.size === 0) this.#listening?.abort();
          if (error === undefined) resolve();
          else reject(withStack(error, site));
        },
      };
      const rc = native.syncobjEventfd(this.#deviceFd(), handle, point, efd.fd, available ? WAIT_AVAILABLE : 0);
      if (rc < 0) {
        reject(withStack(new KernelError(rc, { syscall: 'ioctl', request: 'DRM_IOCTL_SYNCOBJ_EVENTFD', context: this.#label }), site));
        return;
      }
      if (timeout !== undefined) timer = setTimeout(() => entry.settle(new TimeoutError(timeout, `syncobj point ${point}`)), timeout);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.add(entry);
      this.#listen(efd);
    });
  }

  /** Rejects every pending wait of every strategy and releases the eventfd. */
  close(reason: Error): void {
    for (const entry of [...this.#pending]) entry.settle(reason);
    for (const stop of [...this.#threads]) stop(reason);
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
