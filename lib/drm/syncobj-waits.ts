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
 */
import { ECANCELED, ETIME, KernelError } from '../errors.js';
import { EventFd } from '../eventfd.js';
import { closeFd } from '../fd-native.js';
import { LimitedWait, type WaitLimits, limitedWait } from '../wait-limits.js';
import { native } from '../native.js';
import { SyncFile, fenceFailure, fileStatus } from '../sync-file.js';

export const WAIT_ALL = 1;
export const WAIT_FOR_SUBMIT = 2;
export const WAIT_AVAILABLE = 4;
export const WAIT_DEADLINE = 8;
export const EXPORT_SYNC_FILE = 1;
export const TIMELINE = 2;

/** How a wait learns that its point signalled. */
export type SyncobjWaitStrategy = 'auto' | 'eventfd' | 'sync_file' | 'thread';

/** One pending eventfd wait: the device's entry and the promise's settle target in one. */
class Pending extends LimitedWait<void> {
  readonly waits: SyncobjWaits;
  readonly handle: number;
  readonly point: bigint;
  readonly available: boolean;

  constructor(waits: SyncobjWaits, handle: number, point: bigint, available: boolean) {
    super();
    this.waits = waits;
    this.handle = handle;
    this.point = point;
    this.available = available;
  }

  protected override start(): void {
    this.waits.register(this);
  }

  protected override cancel(): void {
    this.waits.drop(this);
  }
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

/**
 * Why a signalled point failed: a FenceError (its fence, or for a merged
 * fence the member that failed, signalled with an error), a KernelError if
 * the point could not be exported, or undefined if it signalled cleanly.
 */
export function pointFailure(deviceFd: number, handle: number, point: bigint, label: string): KernelError | undefined {
  const fd = native.syncobjHandleToFd(deviceFd, handle, EXPORT_SYNC_FILE | (point > 0n ? TIMELINE : 0), point);
  if (fd < 0) return new KernelError(fd, { syscall: 'ioctl', request: 'DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', context: label });
  try {
    const status = fileStatus(fd, { syscall: 'ioctl', request: 'SYNC_IOC_FILE_INFO', context: label });
    return fenceFailure(fd, status, `syncobj ${handle} point ${point}`);
  } catch (error) {
    return error as KernelError; // SYNC_IOC_FILE_INFO refused: reported, never thrown into a poll callback
  } finally {
    closeFd(fd);
  }
}

export class SyncobjWaits {
  readonly #deviceFd: () => number;
  readonly #label: string;
  readonly #pending = new Set<Pending>();
  /** Every pending wait, of every strategy, by syncobj handle: for close() of either. */
  readonly #stops = new Map<number, Set<LimitedWait<unknown>>>();
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
    site: Function,
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

  /**
   * Fallback 1: the point's fence as a sync_file, polled on the loop;
   * SyncFile.wait reports a failed fence. Stopping the wait (abort, timeout,
   * close) closes the file; its own late rejection is then ignored.
   */
  #syncFileWait(handle: number, point: bigint, limits: WaitLimits, site: Function): Promise<void> {
    return limitedWait<void>(limits, site, `syncobj point ${point}`, (wait) => {
      const fd = native.syncobjHandleToFd(this.#deviceFd(), handle, EXPORT_SYNC_FILE | (point > 0n ? TIMELINE : 0), point);
      if (fd < 0) {
        wait.settle(new KernelError(fd, { syscall: 'ioctl', request: 'DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', context: this.#label }));
        return () => undefined;
      }
      const file = SyncFile.adopt(fd);
      void file
        .wait()
        .then(() => wait.settle(), (error: unknown) => wait.settle(error))
        .finally(() => file.close());
      return () => file.close();
    }, this.#owner(handle));
  }

  /** Fallback 2: a blocking wait on a dedicated thread, cancelled by abort, timeout or close. */
  #threadWait(handle: number, point: bigint, available: boolean, limits: WaitLimits, site: Function): Promise<void> {
    return limitedWait<void>(limits, site, `syncobj point ${point}`, (wait) => {
      const cancel = native.syncobjWaitThread(this.#deviceFd(), handle, point, available ? WAIT_AVAILABLE : 0, (rc) => {
        if (rc === ECANCELED) return; // settled already by whoever cancelled
        if (rc < 0) {
          wait.settle(new KernelError(rc, { syscall: 'ioctl', request: 'DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT', context: this.#label }));
          return;
        }
        // This runs from a native callback: nothing may throw out of it. A
        // completion that lost the race with close() finds the device closed
        // (ClosedError) and the wait already settled, so settle ignores it.
        try {
          wait.settle(available ? undefined : pointFailure(this.#deviceFd(), handle, point, this.#label));
        } catch (error) {
          wait.settle(error);
        }
      });
      if (typeof cancel === 'number') {
        wait.settle(new KernelError(cancel, { syscall: 'dup', context: this.#label }));
        return () => undefined;
      }
      return cancel;
    }, this.#owner(handle));
  }

  #eventfdWait(handle: number, point: bigint, available: boolean, limits: WaitLimits, site: Function): Promise<void> {
    return new Pending(this, handle, point, available).begin(limits, `syncobj point ${point}`, site, this.#owner(handle));
  }

  /** @internal Registers an eventfd wait with the kernel and listens for it; a throw rejects it. */
  register(entry: Pending): void {
    const efd = (this.#eventfd ??= EventFd.create());
    const rc = native.syncobjEventfd(this.#deviceFd(), entry.handle, entry.point, efd.fd, entry.available ? WAIT_AVAILABLE : 0);
    if (rc < 0) throw new KernelError(rc, { syscall: 'ioctl', request: 'DRM_IOCTL_SYNCOBJ_EVENTFD', context: this.#label });
    this.#pending.add(entry);
    this.#listen(efd);
  }

  /** @internal Forgets a settled or cancelled eventfd wait; the listening loop ends with the last one. */
  drop(entry: Pending): void {
    this.#pending.delete(entry);
    if (this.#pending.size === 0) this.#listening?.abort();
  }

  /** The set holding the pending waits' stop functions for `handle`. */
  #owner(handle: number): Set<LimitedWait<unknown>> {
    let stops = this.#stops.get(handle);
    if (!stops) this.#stops.set(handle, (stops = new Set()));
    return stops;
  }

  /**
   * Rejects every pending wait on `handle` with `reason`: called before the
   * syncobj is destroyed, so no wait outlives it (or wakes on a reused handle
   * number); late completions of those waits are ignored.
   */
  abandon(handle: number, reason: Error): void {
    const stops = this.#stops.get(handle);
    this.#stops.delete(handle);
    for (const wait of [...(stops ?? [])]) wait.stop(reason);
  }

  /** Rejects every pending wait of every strategy and releases the eventfd. */
  close(reason: Error): void {
    for (const handle of [...this.#stops.keys()]) this.abandon(handle, reason);
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
    const failures = new Map<string, KernelError | undefined>();
    for (const entry of [...this.#pending]) {
      const rc = pollPoint(fd, entry.handle, entry.point, entry.available);
      if (rc === ETIME) continue;
      this.drop(entry);
      if (rc < 0) {
        entry.settle(new KernelError(rc, { syscall: 'ioctl', request: 'DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT', context: this.#label }));
        continue;
      }
      if (entry.available) {
        entry.settle();
        continue;
      }
      const key = `${entry.handle}:${entry.point}`;
      if (!failures.has(key)) failures.set(key, pointFailure(fd, entry.handle, entry.point, this.#label));
      const failure = failures.get(key);
      // Each wait gets its own error object: a rejection gets its caller's stack written into it.
      entry.settle(failure && Object.assign(Object.create(Object.getPrototypeOf(failure) as object) as KernelError, failure, { message: failure.message }));
    }
  }
}
