// SPDX-License-Identifier: MIT
/**
 * sync_file: a fence (or a set of fences) as an fd.
 * @module
 */
import { assertArray, assertInstance, assertString, options, toU64, valueError } from './args.js';
import { ENOTTY, FenceError, KernelError, type KernelErrorDetails, check, checkFeature } from './errors.js';
import { assertFdKind } from './fd-kind.js';
import { FdResource } from './fd-resource.js';
import { READABLE } from './fd-watcher.js';
import { type WaitLimits, checkWaitLimits } from './wait-limits.js';
import { type RawSyncFenceInfo, native, syncStatusErrno } from './native.js';
import { errnoName } from './errno-name.js';

/** The state of a fence: still pending, signalled, or signalled with an error. */
export type FenceState = 'active' | 'signaled' | 'error';

/** A fence's state, as sync_file and syncobj report it. */
export interface FenceStatus {
  /** `'active'` (not yet signalled), `'signaled'`, or `'error'` (signalled with an error). */
  state: FenceState;
  /** The kernel's raw status: 1 signalled, 0 active, negative = -errno of a failed fence. */
  status: number;
  /** For state `'error'`: the error's name, e.g. `'ENOENT'`. */
  code?: string;
}

/** One fence inside a sync_file (SYNC_IOC_FILE_INFO). */
export interface FenceInfo extends FenceStatus {
  /**
   * The fence's timeline (obj_name), e.g. a sw_sync timeline's name or a GPU
   * ring. Linux 7.2 reports `'signaled-timeline'` once the fence has signalled.
   */
  timeline: string;
  /**
   * The driver that created the fence, e.g. `'vgem'`, `'sw_sync'`,
   * `'virtio_gpu'`. Linux 7.2 reports `'detached-driver'` once the fence has
   * signalled (it no longer calls into a driver that may be unloaded).
   */
  driver: string;
  /** CLOCK_MONOTONIC nanoseconds at which it signalled (0n while active). */
  timestampNs: bigint;
}

/** A sync_file's name, overall state and fences (SYNC_IOC_FILE_INFO). */
export interface SyncFileInfo extends FenceStatus {
  /** The sync_file's name, set when it was created or merged. */
  name: string;
  /** The fences it holds (several after a merge). */
  fences: FenceInfo[];
}

// The two common answers are made once: status() is called per frame and
// per wake-up, and should allocate nothing (the results are frozen).
const SIGNALED: FenceStatus = Object.freeze({ state: 'signaled', status: 1 });
const ACTIVE: FenceStatus = Object.freeze({ state: 'active', status: 0 });

function toStatus(status: number): FenceStatus {
  if (status === 1) return SIGNALED;
  if (status === 0) return ACTIVE;
  if (status > 0) return { state: 'signaled', status };
  return { state: 'error', status, code: errnoName(status) };
}

const FILE_INFO = Object.freeze({ syscall: 'ioctl', request: 'SYNC_IOC_FILE_INFO' });

/**
 * @internal The file's own status (1 signalled, 0 active, negative: the
 * fence's error) in one SYNC_IOC_FILE_INFO. `details` shape the error.
 * @throws {KernelError} the ioctl failed (EBADF, ENOTTY for a foreign fd)
 */
export function fileStatus(fd: number, details: KernelErrorDetails = FILE_INFO): number {
  const result = native.syncFileStatus(fd);
  const errno = syncStatusErrno(result);
  if (errno !== 0) throw new KernelError(errno, details);
  return result;
}

/** @internal How many fences the file holds (1 unless it is a merge). */
export function fenceCount(fd: number): number {
  return check(native.syncFileFenceCount(fd), FILE_INFO);
}

function toFenceInfo(raw: RawSyncFenceInfo): FenceInfo {
  return { ...toStatus(raw.status), timeline: raw.timeline, driver: raw.driver, timestampNs: raw.timestampNs };
}

/** A fence's names, as the kernel gives them while it is active. */
export type FenceNames = Pick<RawSyncFenceInfo, 'timeline' | 'driver'>;

/** The names of a sync_file's fences, read while they are active (once signalled, 7.2 hides them). */
export function fenceNames(fd: number): FenceNames[] {
  const raw = check(native.syncFileInfo(fd), FILE_INFO);
  return raw.fences.map(({ timeline, driver }) => ({ timeline, driver }));
}

/**
 * @internal For a sync_file (fd) whose own status is `fileStatus`: a
 * FenceError naming the first member that has failed, or for the file's own
 * error, or undefined if no fence has failed (yet). The members are read
 * because the kernel records a member's error on a merged fence only if
 * signalling was enabled on it before the member failed. `names`, read
 * earlier while the fences were active, name the member: Linux 7.2 reports
 * a signalled fence as 'detached-driver' on 'signaled-timeline'.
 */
export function fenceFailure(fd: number, fileStatus: number, what: string, names?: readonly FenceNames[]): FenceError | undefined {
  const raw = check(native.syncFileInfo(fd), FILE_INFO);
  const index = raw.fences.findIndex((fence) => fence.status < 0);
  const failed = raw.fences[index];
  if (failed) {
    const { timeline, driver } = names?.[index] ?? failed;
    return new FenceError(failed.status, what, { timeline, driver, index });
  }
  if (fileStatus < 0) return new FenceError(fileStatus, what);
  return undefined;
}

/**
 * Owns a sync_file fd. Needs CONFIG_SYNC_FILE (every kernel with dma-buf
 * fences); no device node or permission beyond holding the fd.
 */
export class SyncFile extends FdResource {
  private constructor(fd: number, registered = false) {
    super(fd, 'sync_file', registered);
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

  /**
   * @internal wraps an fd the kernel just returned as a sync_file, without
   * re-checking its kind; `registered` when the native call registered it (FdResource)
   */
  static adopt(fd: number, registered = false): SyncFile {
    return new SyncFile(fd, registered);
  }

  /**
   * The fence's state, its fences with their drivers, timelines and
   * signal timestamps, and a failed fence's error. SYNC_IOC_FILE_INFO.
   * @throws {ClosedError} after close()
   * @throws {KernelError} from SYNC_IOC_FILE_INFO
   */
  info(): SyncFileInfo {
    const raw = check(native.syncFileInfo(this.open()), FILE_INFO);
    return { name: raw.name, ...toStatus(raw.status), fences: raw.fences.map(toFenceInfo) };
  }

  /**
   * The file's own state (SYNC_IOC_FILE_INFO with num_fences = 0: exactly
   * one ioctl, no per-fence list). A merged file stays `'active'` until every
   * member has signalled. After that, whether a member's error shows here is
   * the kernel's choice (it records it only if something was waiting for the
   * merged fence, e.g. a poll or `wait()`); `info().fences` always has each
   * member's status, and `wait()` checks them. The result is frozen (the
   * common answers are shared objects, so a call allocates nothing).
   * @throws {ClosedError} after close()
   * @throws {KernelError} from SYNC_IOC_FILE_INFO
   */
  status(): FenceStatus {
    return toStatus(fileStatus(this.open()));
  }

  /**
   * A new sync_file that signals when both this one and `other` have
   * (SYNC_IOC_MERGE). Both inputs stay open and owned by their callers.
   * @param opts.name the merged fence's name (the kernel keeps 31 bytes: a longer name is cut to fit, between UTF-8 characters)
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
   * with an error. A merged file settles only when it signals (every member
   * has), and then rejects if any member failed, naming that member's
   * timeline and driver in the FenceError. Waits on the fd's readiness on the event loop (poll
   * POLLIN), so no thread is blocked however many waits are pending.
   * @throws {AbortError} (rejection) the signal fired, or the SyncFile was closed while waiting
   * @throws {TimeoutError} (rejection) `timeout` ms elapsed first
   * @throws {FenceError} (rejection) the fence signalled with an error
   * @throws {ClosedError} (rejection) already closed
   */
  wait(limits: WaitLimits = {}): Promise<void> {
    try {
      return this.watcher().wait<void, SyncFile>(READABLE, SyncFile.#attempt, checkWaitLimits(limits), 'sync_file', this);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Member names of a merged file, read once while it is pending: Linux 7.2
   * renames a member once it signals, and a failure should name it. Kept on
   * the file (its fences are fixed at creation), so waits share it.
   */
  #names: FenceNames[] | undefined;
  #counted = false;

  /** One attempt of wait(): one function for every wait, given the file, not a closure per wait. */
  static readonly #attempt = (file: SyncFile): { done: true; value: undefined } | { done: false } => {
    const fd = file.open();
    const status = fileStatus(fd);
    if (status === 0) {
      if (!file.#counted) {
        file.#counted = true;
        if (fenceCount(fd) > 1) file.#names = fenceNames(fd);
      }
      return NOT_YET;
    }
    // Signalled. The file's own status can miss a member's error (see
    // fenceFailure), so the members are asked, in one ioctl; the error
    // and its names are read only when one failed.
    if (status > 0 && check(native.syncFileMemberFailed(fd), FILE_INFO) === 0) return DONE;
    const failure = fenceFailure(fd, status, 'sync_file', file.#names);
    if (failure) throw failure;
    return DONE;
  };
}

// What wait()'s attempts answer, made once (an attempt runs per wake-up).
const NOT_YET = Object.freeze({ done: false as const });
const DONE = Object.freeze({ done: true as const, value: undefined });
