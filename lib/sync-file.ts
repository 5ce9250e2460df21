// SPDX-License-Identifier: MIT
/**
 * sync_file: a fence (or a set of fences) as an fd.
 * @module
 */
import { assertArray, assertInstance, assertString, options, toU64, valueError } from './args.js';
import { ENOTTY, FenceError, check, checkFeature } from './errors.js';
import { assertFdKind } from './fd-kind.js';
import { FdResource } from './fd-resource.js';
import { READABLE } from './fd-watcher.js';
import { type WaitLimits, checkWaitLimits } from './wait-limits.js';
import { type RawSyncFenceInfo, native } from './native.js';
import { errnoName } from './errno-name.js';

/** The state of a fence: still pending, signalled, or signalled with an error. */
export type FenceState = 'active' | 'signaled' | 'error';

export interface FenceStatus {
  state: FenceState;
  /** The kernel's raw status: 1 signalled, 0 active, negative = -errno of a failed fence. */
  status: number;
  /** For state `'error'`: the error's name, e.g. `'ENOENT'`. */
  code?: string;
}

export interface FenceInfo extends FenceStatus {
  /** The fence's timeline (obj_name), e.g. a sw_sync timeline's name or a GPU ring. */
  timeline: string;
  /** The driver that created the fence, e.g. `'vgem'`, `'sw_sync'`, `'virtio_gpu'`. */
  driver: string;
  /** CLOCK_MONOTONIC nanoseconds at which it signalled (0n while active). */
  timestampNs: bigint;
}

export interface SyncFileInfo extends FenceStatus {
  name: string;
  fences: FenceInfo[];
}

function toStatus(status: number): FenceStatus {
  if (status > 0) return { state: 'signaled', status };
  if (status === 0) return { state: 'active', status };
  return { state: 'error', status, code: errnoName(status) };
}

function toFenceInfo(raw: RawSyncFenceInfo): FenceInfo {
  return { ...toStatus(raw.status), timeline: raw.timeline, driver: raw.driver, timestampNs: raw.timestampNs };
}

/**
 * Owns a sync_file fd. Needs CONFIG_SYNC_FILE (every kernel with dma-buf
 * fences); no device node or permission beyond holding the fd.
 */
export class SyncFile extends FdResource {
  private constructor(fd: number) {
    super(fd, 'sync_file');
  }

  /**
   * Takes ownership of an open sync_file fd (received from another process,
   * a driver, or `exportSyncFile`).
   * @throws {FdTypeError} the fd is not a sync_file
   * @throws {KernelError} EBADF: the fd is not open
   */
  static fromFd(fd: number): SyncFile {
    assertFdKind(fd, 'syncFile');
    return new SyncFile(fd);
  }

  /** @internal wraps an fd the kernel just returned as a sync_file, without re-checking its kind */
  static adopt(fd: number): SyncFile {
    return new SyncFile(fd);
  }

  /**
   * The fence's state, its fences with their drivers, timelines and
   * signal timestamps, and a failed fence's error. SYNC_IOC_FILE_INFO.
   * @throws {ClosedError} after close()
   * @throws {KernelError} from SYNC_IOC_FILE_INFO
   */
  info(): SyncFileInfo {
    const raw = check(native.syncFileInfo(this.open()), { syscall: 'ioctl', request: 'SYNC_IOC_FILE_INFO' });
    return { name: raw.name, ...toStatus(raw.status), fences: raw.fences.map(toFenceInfo) };
  }

  /**
   * The overall status without the per-fence list (one ioctl, no allocation per fence).
   * @throws {ClosedError} after close()
   */
  status(): FenceStatus {
    const raw = check(native.syncFileInfo(this.open()), { syscall: 'ioctl', request: 'SYNC_IOC_FILE_INFO' });
    return toStatus(raw.status);
  }

  /**
   * A new sync_file that signals when both this one and `other` have
   * (SYNC_IOC_MERGE). Both inputs stay open and owned by their callers.
   * @param opts.name the merged fence's name (at most 31 bytes; longer is cut by the kernel ABI)
   * @throws {TypeError} `other` is not a SyncFile
   * @throws {ClosedError} either input is closed
   * @throws {KernelError} from SYNC_IOC_MERGE
   */
  merge(other: SyncFile, opts?: { name?: string }): SyncFile {
    assertInstance('other', other, SyncFile);
    const { name = 'merged' } = options<{ name: string }>('options', opts, ['name']);
    assertString('options.name', name);
    if (name.includes('\0')) throw valueError('options.name must not contain NUL bytes');
    const fd = check(native.syncFileMerge(name, this.open(), other.open()), {
      syscall: 'ioctl',
      request: 'SYNC_IOC_MERGE',
    });
    return new SyncFile(fd);
  }

  /**
   * One SyncFile that signals when all of `files` have (SYNC_IOC_MERGE,
   * pairwise). The inputs stay open and owned by the caller.
   * @throws {TypeError} not a non-empty array of SyncFiles
   * @throws {ClosedError} an input is closed
   */
  static mergeAll(files: readonly SyncFile[], opts?: { name?: string }): SyncFile {
    assertArray('files', files);
    if (files.length === 0) throw valueError('files must be a non-empty array of SyncFiles');
    files.forEach((f, i) => assertInstance(`files[${i}]`, f, SyncFile));
    if (files.length === 1) return files[0]!.merge(files[0]!, opts);
    let merged = files[0]!.merge(files[1]!, opts);
    for (const next of files.slice(2)) {
      const previous = merged;
      try {
        merged = previous.merge(next, opts);
      } finally {
        previous.close();
      }
    }
    return merged;
  }

  /**
   * Tells the fence's driver the CLOCK_MONOTONIC time by which it is needed,
   * so it can raise clocks (SYNC_IOC_SET_DEADLINE, Linux 6.5+). A hint: drivers
   * without deadline support ignore it.
   * @param deadlineNs CLOCK_MONOTONIC nanoseconds, as `process.hrtime.bigint()` counts
   * @throws {FeatureError} the kernel predates the ioctl (ENOTTY)
   */
  setDeadline(deadlineNs: bigint): void {
    const ns = toU64('deadlineNs', deadlineNs);
    checkFeature(
      native.syncFileSetDeadline(this.open(), ns),
      { missing: ENOTTY, feature: 'SYNC_IOC_SET_DEADLINE', requires: 'needs Linux 6.5+' },
      { syscall: 'ioctl', request: 'SYNC_IOC_SET_DEADLINE' },
    );
  }

  /**
   * Resolves when the fence signals; rejects with FenceError if it signals
   * with an error. Waits on the fd's readiness on the event loop (poll
   * POLLIN), so no thread is blocked however many waits are pending.
   * @throws {AbortError} (rejection) the signal fired, or the SyncFile was closed while waiting
   * @throws {TimeoutError} (rejection) `timeout` ms elapsed first
   * @throws {FenceError} (rejection) the fence signalled with an error
   * @throws {ClosedError} (rejection) already closed
   */
  wait(limits: WaitLimits = {}): Promise<void> {
    try {
      return this.watcher().wait(
        READABLE,
        () => {
          const state = this.status();
          if (state.state === 'active') return { done: false };
          if (state.state === 'error') throw new FenceError(state.status, 'sync_file');
          return { done: true, value: undefined };
        },
        checkWaitLimits(limits),
        'sync_file',
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
