// SPDX-License-Identifier: MIT
/**
 * The kernel's multi-wait (SYNCOBJ_TIMELINE_WAIT over several points, all or
 * any) as a promise on the event loop, and as a clearly blocking call.
 *
 * The promise form checks once without blocking (the kernel's own answer,
 * including EINVAL for a point without a fence when `forSubmit` is off), then
 * waits for each point as `Syncobj.wait` does (shared eventfd, or the
 * fallbacks), and combines them: all, or the first of any. A failed fence
 * rejects with FenceError either way, because a failed fence has signalled.
 * The option types are public (re-exported by DrmDevice); the functions are
 * the library's own.
 * @module
 */
import { assertInt, flag, options } from '../args.js';
import { ClosedError, FenceError, KernelError, TimeoutError, check } from '../errors.js';
import { native } from '../native.js';
import { type WaitLimits, checkWaitLimits, limitedWait } from '../wait-limits.js';
import type { DrmDevice } from './device.js';
import { Syncobj, toPoint } from './syncobj.js';
import { WAIT_ALL, WAIT_AVAILABLE, WAIT_DEADLINE, WAIT_FOR_SUBMIT, pointFailure } from './syncobj-waits.js';

const ETIME = -62;

/** One syncobj point in a multi-wait. */
export interface SyncobjPoint {
  /** The syncobj to wait on; every point of one call belongs to the same device. */
  syncobj: Syncobj;
  /** Default 0: the binary fence. */
  point?: bigint | number;
}

/** What both forms of the multi-wait share. */
export interface SyncobjMultiWaitFlags {
  /** Wait for all (default) or for any. */
  all?: boolean;
  /** Points without a fence yet wait for one instead of failing with EINVAL (WAIT_FOR_SUBMIT). */
  forSubmit?: boolean;
  /** Satisfied once each point has a fence, signalled or not (WAIT_AVAILABLE). */
  available?: boolean;
  /** A CLOCK_MONOTONIC nanosecond deadline hint for the fences (WAIT_DEADLINE, 6.5+). */
  deadlineNs?: bigint;
}

/** Options of `DrmDevice.waitSyncobjs` (the promise): flags plus `{signal, timeout}`. */
export interface WaitSyncobjsOptions extends SyncobjMultiWaitFlags, WaitLimits {}

/** Options of `DrmDevice.waitSyncobjsSync` (blocking). */
export interface WaitSyncobjsSyncOptions extends SyncobjMultiWaitFlags {
  /**
   * Milliseconds to block the calling thread (default 0: just check). The
   * kernel takes an absolute CLOCK_MONOTONIC time; it is computed once here,
   * so the ioctl helper's restarts after EINTR keep the same deadline.
   */
  timeout?: number;
}

interface Parsed {
  handles: Uint32Array;
  points: BigUint64Array;
  all: boolean;
  available: boolean;
  flags: number;
  deadline: bigint;
}

/** Checks the points and flags, and builds the ioctl's arrays and flags. */
function parse(device: DrmDevice, list: unknown, o: SyncobjMultiWaitFlags): Parsed {
  if (!Array.isArray(list) || list.length === 0) {
    throw Object.assign(new TypeError('points must be a non-empty array of {syncobj, point}'), { code: 'ERR_INVALID_ARG_TYPE' });
  }
  const handles = new Uint32Array(list.length);
  const points = new BigUint64Array(list.length);
  (list as SyncobjPoint[]).forEach((entry, i) => {
    if (!(entry?.syncobj instanceof Syncobj) || entry.syncobj.device !== device) {
      throw Object.assign(new TypeError(`points[${i}].syncobj must be a Syncobj of this device`), { code: 'ERR_INVALID_ARG_TYPE' });
    }
    if (entry.syncobj.closed) throw new ClosedError(`syncobj ${entry.syncobj.handle}`);
    handles[i] = entry.syncobj.handle;
    points[i] = toPoint(entry.point ?? 0n, `points[${i}].point`);
  });
  const all = flag('options.all', o.all, true);
  const available = flag('options.available', o.available, false);
  const flags =
    (all ? WAIT_ALL : 0) |
    (flag('options.forSubmit', o.forSubmit, false) ? WAIT_FOR_SUBMIT : 0) |
    (available ? WAIT_AVAILABLE : 0) |
    (o.deadlineNs !== undefined ? WAIT_DEADLINE : 0);
  const deadline = o.deadlineNs === undefined ? 0n : toPoint(o.deadlineNs, 'options.deadlineNs');
  return { handles, points, all, available, flags, deadline };
}

const describe = (p: Parsed): string => `${p.all ? 'all' : 'any'} of ${p.handles.length} syncobj points`;

/** One SYNCOBJ_TIMELINE_WAIT until the absolute CLOCK_MONOTONIC `untilNs` (0n: just check). */
function kernelWait(device: DrmDevice, p: Parsed, untilNs: bigint): number {
  return native.syncobjTimelineWait(device.fdForHandles(), p.handles, p.points, untilNs, p.flags, p.deadline);
}

/** @internal The blocking form: see `DrmDevice.waitSyncobjsSync`. */
export function waitSyncobjsSync(device: DrmDevice, list: readonly SyncobjPoint[], opts?: WaitSyncobjsSyncOptions): number {
  const o = options<WaitSyncobjsSyncOptions>('options', opts, ['all', 'forSubmit', 'available', 'deadlineNs', 'timeout']);
  const p = parse(device, list, o);
  const timeout = o.timeout ?? 0;
  assertInt('options.timeout', timeout, 0, 0x7fffffff);
  const until = timeout === 0 ? 0n : process.hrtime.bigint() + BigInt(timeout) * 1_000_000n;
  const rc = kernelWait(device, p, until);
  if (rc === ETIME) throw new TimeoutError(timeout, describe(p));
  return check(rc, { syscall: 'ioctl', request: 'DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT', path: device.path });
}

/** @internal The promise form: see `DrmDevice.waitSyncobjs`. */
export function waitSyncobjs(
  device: DrmDevice,
  list: readonly SyncobjPoint[],
  opts: WaitSyncobjsOptions | undefined,
  site: Function,
): Promise<number> {
  const o = options<WaitSyncobjsOptions>('options', opts, ['all', 'forSubmit', 'available', 'deadlineNs', 'signal', 'timeout']);
  const p = parse(device, list, o);
  const limits = checkWaitLimits({ signal: o.signal, timeout: o.timeout });
  const what = describe(p);
  return limitedWait<number>(limits, site, what, (wait) => {
    const finish = (error?: unknown, value?: number): void => wait.settle(error, value);
    // The kernel's own answer first: satisfied now, or EINVAL for a missing fence without forSubmit.
    const now = kernelWait(device, p, 0n);
    if (now !== ETIME) {
      // Satisfied: still report a failed fence, as the per-point waits below would.
      if (now >= 0) settleSignalled(device, p, now, finish);
      else finish(new KernelError(now, { syscall: 'ioctl', request: 'DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT', path: device.path }));
      return () => undefined;
    }
    const stop = new AbortController();
    const done = (error?: unknown, value?: number): void => {
      stop.abort(); // the other points' waits: their AbortErrors are ignored below
      finish(error, value);
    };
    // With all, a failed fence is reported once every point has signalled, as a merged sync_file does.
    let remaining = p.handles.length;
    let failed: unknown;
    list.forEach((entry, i) => {
      entry.syncobj.wait(p.points[i]!, { available: p.available, signal: stop.signal }).then(
        () => {
          remaining -= 1;
          if (!p.all) done(undefined, i);
          else if (remaining === 0) done(failed, 0);
        },
        (error: unknown) => {
          if (stop.signal.aborted) return;
          if (!p.all || !(error instanceof FenceError)) {
            done(error);
            return;
          }
          failed ??= error;
          remaining -= 1;
          if (remaining === 0) done(failed);
        },
      );
    });
    return () => stop.abort();
  });
}

/**
 * The kernel said the wait is satisfied (index `first` for any): for waits
 * on signals (not `available`), check the satisfied points' fences for an
 * error, as Syncobj.wait does, before resolving.
 */
function settleSignalled(device: DrmDevice, p: Parsed, first: number, finish: (error?: unknown, value?: number) => void): void {
  if (p.available) {
    finish(undefined, p.all ? 0 : first);
    return;
  }
  const indices = p.all ? [...p.handles.keys()] : [first];
  for (const i of indices) {
    const error = pointFailure(device.fdForHandles(), p.handles[i]!, p.points[i]!, device.path);
    if (error) {
      finish(error);
      return;
    }
  }
  finish(undefined, p.all ? 0 : first);
}
