// SPDX-License-Identifier: MIT
/**
 * DRM syncobj: a container for a fence (binary) or a timeline of fences at
 * increasing 64-bit points, owned by one DRM file.
 * @module
 */
import { assertInstance, assertOneOf, flag, options, rangeError, toU64, typeError } from '../args.js';
import { EOPNOTSUPP, FeatureError, KernelError } from '../errors.js';
import { assertFdKind } from '../fd-kind.js';
import { FdResource } from '../fd-resource.js';
import { type WaitLimits, checkWaitLimits } from '../wait-limits.js';
import { native } from '../native.js';
import { SyncFile } from '../sync-file.js';
import type { DrmDevice } from './device.js';
import { DeviceHandle } from './device-handle.js';
import { EXPORT_SYNC_FILE, type SyncobjWaitStrategy, TIMELINE } from './syncobj-waits.js';

export type { SyncobjWaitStrategy } from './syncobj-waits.js';

const IMPORT_SYNC_FILE = 1;
const QUERY_LAST_SUBMITTED = 1;

/** Options of `Syncobj.wait()`. */
export interface SyncobjWaitOptions extends WaitLimits {
  /** Resolve once the point has a fence (is submitted), not once it signals (WAIT_AVAILABLE). */
  available?: boolean;
  /**
   * `'auto'` (default): the shared eventfd where the kernel has
   * SYNCOBJ_EVENTFD (6.6+); else the point's sync_file if it has a fence;
   * else a blocking wait on a dedicated thread. The others force one.
   */
  strategy?: SyncobjWaitStrategy;
}

/**
 * An exported syncobj (DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD without sync_file):
 * an opaque fd that another process imports with `DrmDevice.importSyncobj`
 * to share the same syncobj.
 */
export class SyncobjFd extends FdResource {
  /** @internal */
  constructor(fd: number) {
    super(fd, 'syncobj fd');
  }

  /**
   * Takes ownership of a syncobj fd received from another process.
   * @throws {FdTypeError} the fd is not a syncobj file
   */
  static fromFd(fd: number): SyncobjFd {
    assertFdKind(fd, 'syncobj');
    return new SyncobjFd(fd);
  }
}

/** Converts a point argument: a bigint or safe integer in 0..2^64-1. */
export function toPoint(value: unknown, name = 'point'): bigint {
  return toU64(name, value);
}

/**
 * A syncobj handle on one DrmDevice, destroyed exactly once by `close()`.
 * Needs a driver with DRIVER_SYNCOBJ (virtio_gpu, amdgpu, i915, xe, …; not
 * vgem or vkms); timeline operations need DRIVER_SYNCOBJ_TIMELINE; `wait()`
 * needs DRM_IOCTL_SYNCOBJ_EVENTFD (6.6+). Render nodes suffice.
 * `close()` rejects the syncobj's pending waits with AbortError, whatever
 * their strategy, before the handle is destroyed (so a later syncobj that
 * reuses the handle number never settles them).
 */
export class Syncobj extends DeviceHandle {
  /** @internal created by DrmDevice */
  constructor(device: DrmDevice, handle: number, release: () => void) {
    super(device, handle, release, 'syncobj');
  }

  /**
   * Replaces the fence with an already signalled one (binary use; SYNCOBJ_SIGNAL).
   * @throws {ClosedError} / {KernelError}
   */
  signal(): void {
    this.#call(native.syncobjSignal(this.deviceFd(), this.handle), 'DRM_IOCTL_SYNCOBJ_SIGNAL');
  }

  /** Removes the fence, making the syncobj unsignalled (SYNCOBJ_RESET). */
  reset(): void {
    this.#call(native.syncobjReset(this.deviceFd(), this.handle), 'DRM_IOCTL_SYNCOBJ_RESET');
  }

  /**
   * Signals timeline point `point` (SYNCOBJ_TIMELINE_SIGNAL). Points must
   * increase: a point at or below the last submitted one is refused here,
   * because the kernel would accept it and break the timeline's order.
   * @throws {RangeError} point 0, or not above the last submitted point
   * @throws {FeatureError} the driver has no timeline syncobjs
   */
  signalPoint(point: bigint | number): void {
    const p = toPoint(point);
    if (p === 0n) throw rangeError('timeline points start at 1; use signal() for a binary syncobj');
    const last = this.query({ lastSubmitted: true });
    if (p <= last) throw rangeError(`point ${p} does not advance the timeline (last submitted point is ${last})`);
    this.#call(
      native.syncobjTimelineSignal(this.deviceFd(), Uint32Array.of(this.handle), BigUint64Array.of(p), 0),
      'DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL',
    );
  }

  /**
   * The last signalled point, or with `lastSubmitted` the last point that has
   * a fence (SYNCOBJ_QUERY).
   * @throws {FeatureError} the driver has no timeline syncobjs
   */
  query(opts?: { lastSubmitted?: boolean }): bigint {
    // No options object is made or walked for the common call, query().
    const submitted = opts === undefined ? false : flag('options.lastSubmitted', options<{ lastSubmitted: boolean }>('options', opts, ['lastSubmitted']).lastSubmitted, false);
    const point = native.syncobjQuery(this.deviceFd(), this.handle, submitted ? QUERY_LAST_SUBMITTED : 0);
    if (typeof point === 'bigint') return point;
    throw this.#failure(point, 'DRM_IOCTL_SYNCOBJ_QUERY');
  }

  /**
   * Copies the fence at `from`'s `fromPoint` into this syncobj at `point`
   * (SYNCOBJ_TRANSFER). Point 0 means the binary fence on either side, so
   * this converts binary <-> timeline.
   * @throws {TypeError} from is not a Syncobj of the same device
   * @throws {KernelError} EINVAL when the source point has no fence yet
   */
  transfer(from: Syncobj, opts?: { fromPoint?: bigint | number; point?: bigint | number }): void {
    if (!(from instanceof Syncobj) || from.device !== this.device) {
      throw typeError('from must be a Syncobj of the same DrmDevice');
    }
    const o = options<{ fromPoint: bigint; point: bigint }>('options', opts, ['fromPoint', 'point']);
    const fromPoint = toPoint(o.fromPoint ?? 0n, 'options.fromPoint');
    const point = toPoint(o.point ?? 0n, 'options.point');
    from.deviceFd();
    this.#call(
      native.syncobjTransfer(this.deviceFd(), from.handle, fromPoint, this.handle, point, 0),
      'DRM_IOCTL_SYNCOBJ_TRANSFER',
    );
  }

  /**
   * The fence (at `point`, default the binary fence) as a SyncFile
   * (HANDLE_TO_FD with EXPORT_SYNC_FILE).
   * @throws {KernelError} EINVAL when there is no fence (at that point) yet
   */
  exportSyncFile(opts?: { point?: bigint | number }): SyncFile {
    const point = toPoint(options<{ point: bigint }>('options', opts, ['point']).point ?? 0n, 'options.point');
    const fd = this.#call(
      native.syncobjHandleToFd(this.deviceFd(), this.handle, EXPORT_SYNC_FILE | (point > 0n ? TIMELINE : 0), point),
      'DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD',
    );
    return SyncFile.adopt(fd);
  }

  /**
   * Puts a SyncFile's fence into this syncobj (as its binary fence, or at
   * timeline `point`), FD_TO_HANDLE with IMPORT_SYNC_FILE. The kernel
   * imports into an existing handle, which this object always passes.
   * @throws {TypeError} not a SyncFile
   */
  importSyncFile(syncFile: SyncFile, opts?: { point?: bigint | number }): void {
    assertInstance('syncFile', syncFile, SyncFile);
    const point = toPoint(options<{ point: bigint }>('options', opts, ['point']).point ?? 0n, 'options.point');
    this.#call(
      native.syncobjFdToHandle(this.deviceFd(), syncFile.fd, IMPORT_SYNC_FILE | (point > 0n ? TIMELINE : 0), this.handle, point),
      'DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE',
    );
  }

  /**
   * Exports the syncobj itself as an opaque fd, to share it with another
   * process (which imports it with `DrmDevice.importSyncobj`).
   */
  exportFd(): SyncobjFd {
    return new SyncobjFd(this.#call(native.syncobjHandleToFd(this.deviceFd(), this.handle, 0, 0n), 'DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD'));
  }

  /**
   * Resolves when `point` (default 0: the binary fence) signals, or with
   * `available` when it has a fence. Rejects with FenceError when the fence
   * signalled with an error. Backed by DRM_IOCTL_SYNCOBJ_EVENTFD and the
   * event loop: no thread waits, and all waits on a device share one eventfd.
   * Older kernels fall back as `strategy` describes.
   * @throws {FenceError} (rejection) the fence signalled with an error
   * @throws {AbortError} / {TimeoutError} (rejection) from the limits, or the syncobj or device was closed
   */
  wait(point: bigint | number = 0n, opts: SyncobjWaitOptions = {}): Promise<void> {
    try {
      const p = toPoint(point);
      const o = options<SyncobjWaitOptions>('options', opts, ['available', 'strategy', 'signal', 'timeout']);
      const available = flag('options.available', o.available, false);
      const limits = checkWaitLimits({ signal: o.signal, timeout: o.timeout });
      const strategy = o.strategy ?? 'auto';
      assertOneOf('options.strategy', strategy, ['auto', 'eventfd', 'sync_file', 'thread'] as const);
      this.deviceFd();
      return this.device.syncobjWaits().wait(this.handle, p, available, limits, this.wait, strategy, () => this.device.hasSyncobjEventfd());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #call(result: number, request: string): number {
    if (result >= 0) return result; // the message is built only for a failure
    throw this.#failure(result, request);
  }

  /** The error for a failed `request`: FeatureError when the driver lacks it (EOPNOTSUPP), else KernelError. */
  #failure(errno: number, request: string): KernelError {
    const details = { syscall: 'ioctl', request, path: this.device.path };
    if (errno !== EOPNOTSUPP) return new KernelError(errno, details);
    return new FeatureError(errno, request, `the '${this.device.driver}' driver lacks this syncobj support`, details);
  }
}

