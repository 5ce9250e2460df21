// SPDX-License-Identifier: MIT
/**
 * Errors, shaped like Node's own fs errors so callers can branch on `code`
 * instead of parsing messages.
 * @module
 */
import { constants } from 'node:os';
import { getSystemErrorMap } from 'node:util';

/** Fields every kernel-reported error carries. */
export interface KernelErrorDetails {
  /** The system call that failed: `'ioctl'`, `'mmap'`, `'open'`, `'read'`… */
  syscall: string;
  /** For an ioctl, the kernel's name of the request, e.g. `'DMA_BUF_IOCTL_SYNC'`. */
  request?: string;
  /** The path involved, for opens and sysfs/procfs reads. */
  path?: string;
  /** What the library was doing, prepended to the message. */
  context?: string;
}

// libuv names only the errnos it uses itself; DRM also answers ETIME and friends.
// Node's table lacks a few Linux names too (EBADFD: a revoked VFIO dma-buf).
const EBADFD_NUMBER = -77;
const extraNames = new Map<number, string>([
  [EBADFD_NUMBER, 'EBADFD'],
  ...Object.entries(constants.errno).map(([name, value]): [number, string] => [-value, name]),
]);
const extraTexts: Record<string, string> = { ETIME: 'timer expired', EBADFD: 'file descriptor in bad state' };

function describe(errno: number): [code: string, text: string] {
  const entry = getSystemErrorMap().get(errno);
  if (entry) return entry;
  const name = extraNames.get(errno) ?? `E${-errno}`;
  return [name, extraTexts[name] ?? 'unknown error'];
}

/**
 * The kernel refused a call. `errno` is negative, as in Node's fs errors;
 * `code` is its name (`'EACCES'`).
 */
export class KernelError extends Error {
  /** The class name, as Node prints it. */
  override name = 'KernelError';
  /** Node's name of the errno, such as `'EACCES'` or `'ENOTSUP'` (errno 95). */
  readonly code: string;
  /** The negative errno, as in Node's fs errors (`-13` for EACCES). */
  readonly errno: number;
  /** The system call that failed: `'ioctl'`, `'mmap'`, `'open'`, `'read'`… */
  readonly syscall: string;
  /** For an ioctl, the kernel's name of the request, e.g. `'DMA_BUF_IOCTL_SYNC'`. */
  readonly request?: string;
  /** The path involved, for opens and sysfs/procfs reads. */
  readonly path?: string;

  /** Made by the library from a negative errno; the message names the errno, the call and the path. */
  constructor(errno: number, details: KernelErrorDetails) {
    const [code, text] = describe(errno);
    const target = [details.request, details.path && `'${details.path}'`].filter(Boolean).join(' ');
    const where = details.context ? `${details.context}: ` : '';
    super(`${where}${code}: ${text}, ${details.syscall}${target ? ` ${target}` : ''}`);
    this.code = code;
    this.errno = errno;
    this.syscall = details.syscall;
    if (details.request !== undefined) this.request = details.request;
    if (details.path !== undefined) this.path = details.path;
  }
}

/**
 * The running kernel (or the device's driver) lacks an interface the call
 * needs. `feature` names it, `requires` says what provides it.
 */
export class FeatureError extends KernelError {
  /** The class name, as Node prints it. */
  override name = 'FeatureError';
  /** The interface that is missing, e.g. `'DRM syncobj'`. */
  readonly feature: string;
  /** What provides it: a kernel version, a config option or a driver. */
  readonly requires: string;

  /** Made by the library when the kernel answers with the errno that means "not here". */
  constructor(errno: number, feature: string, requires: string, details: KernelErrorDetails) {
    super(errno, details);
    this.feature = feature;
    this.requires = requires;
    this.message = `${feature} is not supported here (${requires}): ${this.message}`;
  }
}

/**
 * The kernel refused an open or a sysfs write for lack of a privilege.
 * `code` stays the kernel's (`'EACCES'` or `'EPERM'`); `privilege` says
 * which one was missing: `'root'` (sysfs writes), `'node-access'` (read-write
 * access to a device node such as /dev/vfio/12: root, or ownership through
 * a udev rule), `'CAP_SYS_RAWIO'` (VFIO's no-IOMMU mode) or `'drm-master'`
 * (a KMS commit from a DRM file that is not the device's master).
 */
export class PrivilegeError extends KernelError {
  /** The class name, as Node prints it. */
  override name = 'PrivilegeError';
  /** The privilege that was missing: `'root'`, `'node-access'`, `'CAP_SYS_RAWIO'` or `'drm-master'` (a KMS commit from a file that is not DRM master). */
  readonly privilege: 'root' | 'node-access' | 'CAP_SYS_RAWIO' | 'drm-master';

  /** Made by the library from an EACCES or EPERM; `needs` says what to grant. */
  constructor(errno: number, privilege: PrivilegeError['privilege'], needs: string, details: KernelErrorDetails) {
    super(errno, { ...details, context: details.context ? `${details.context}: ${needs}` : needs });
    this.privilege = privilege;
  }
}

/** A method was called on an object after its `close()`. */
export class ClosedError extends Error {
  /** The class name, as Node prints it. */
  override name = 'ClosedError';
  /** Always `'ERR_DMABUF_CLOSED'`. */
  readonly code = 'ERR_DMABUF_CLOSED';

  /** Made by the library; `what` names the closed object. */
  constructor(what: string) {
    super(`${what} is closed`);
  }
}

/**
 * The kernel handed back an fd whose access mode is not the one asked for,
 * and the call refused it (closing it) rather than return more or less
 * access than requested. `requested` and `actual` are `'read'` or
 * `'readwrite'`.
 */
export class AccessModeError extends Error {
  /** The class name, as Node prints it. */
  override name = 'AccessModeError';
  /** Always `'ERR_DMABUF_ACCESS_MODE'`. */
  readonly code = 'ERR_DMABUF_ACCESS_MODE';
  /** The access the caller asked for. */
  readonly requested: string;
  /** The access of the fd the kernel returned (and the call closed). */
  readonly actual: string;

  /** Made by the library when it refuses an fd; `message` says why the mode differs. */
  constructor(message: string, requested: string, actual: string) {
    super(message);
    this.requested = requested;
    this.actual = actual;
  }
}

/** An fd of the wrong kind was handed to a constructor (e.g. /dev/null as a dma-buf). */
export class FdTypeError extends TypeError {
  /** The class name, as Node prints it. */
  override name = 'FdTypeError';
  /** Always `'ERR_INVALID_FD_TYPE'`. */
  readonly code = 'ERR_INVALID_FD_TYPE';
  /** The fd that was refused. */
  readonly fd: number;

  /** Made by the library; the message says what the fd should be and what it is. */
  constructor(fd: number, expected: string, actual: string) {
    super(`fd ${fd} is not a ${expected} (it is ${actual})`);
    this.fd = fd;
  }
}

/**
 * A wait ended before its fence signalled: the AbortSignal fired or the
 * object was closed. `cause` holds the signal's reason.
 */
export class AbortError extends Error {
  /** The class name, as Node prints it. */
  override name = 'AbortError';
  /** Always `'ABORT_ERR'`, as Node's own AbortError. */
  readonly code = 'ABORT_ERR';

  /** Made by the library; `cause` is the signal's reason, or the closed object's ClosedError. */
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A wait's `timeout` elapsed before the fence signalled. */
export class TimeoutError extends Error {
  /** The class name, as Node prints it. */
  override name = 'TimeoutError';
  /** Always `'ETIMEDOUT'`. */
  readonly code = 'ETIMEDOUT';

  /** Made by the library; the message names what did not signal and the timeout in ms. */
  constructor(ms: number, what: string) {
    super(`${what} did not signal within ${ms} ms`);
  }
}

/**
 * Negative errnos, as the native layer returns them, by their names in
 * `os.constants.errno` (so no number is spelt out twice). EBADFD is not in
 * Node's table; Linux numbers it 77 on every architecture.
 */
const errno = (name: keyof typeof constants.errno): number => -constants.errno[name];
export const EPERM = errno('EPERM');
export const ENOENT = errno('ENOENT');
export const EIO = errno('EIO');
export const EBADF = errno('EBADF');
export const EAGAIN = errno('EAGAIN');
export const ENOMEM = errno('ENOMEM');
export const EACCES = errno('EACCES');
export const EBUSY = errno('EBUSY');
export const EEXIST = errno('EEXIST');
export const ENODEV = errno('ENODEV');
export const EINVAL = errno('EINVAL');
export const ENOTTY = errno('ENOTTY');
export const ETIME = errno('ETIME');
export const EPROTO = errno('EPROTO');
export const EBADFD = EBADFD_NUMBER;
export const EMSGSIZE = errno('EMSGSIZE');
export const EOPNOTSUPP = errno('EOPNOTSUPP');
export const ECANCELED = errno('ECANCELED');

/** What `checkFeature` reports when the kernel answers with the `missing` errno. */
export interface MissingFeature {
  /** The errno meaning "not here": ENOTTY for an unknown ioctl, EOPNOTSUPP for a driver without the feature. */
  missing: number;
  feature: string;
  requires: string;
}

/**
 * Like check(), for calls whose interface may be absent: the `missing` errno
 * becomes a FeatureError saying what provides it, any other errno a KernelError.
 */
export function checkFeature(result: number, absent: MissingFeature, details: KernelErrorDetails): number {
  if (result === absent.missing) throw new FeatureError(result, absent.feature, absent.requires, details);
  return check(result, details);
}

/**
 * Turns the native layer's `-errno` convention into a thrown KernelError.
 * Returns the value unchanged when it is a result.
 */
export function check<T>(result: T | number, details: KernelErrorDetails): T {
  if (typeof result === 'number' && result < 0) throw new KernelError(result, details);
  return result as T;
}

/** Which fence failed, when a wait covers several (a merged sync_file). */
export interface FailedFence {
  /** The failed fence's timeline (obj_name), e.g. a sw_sync timeline or a GPU ring. */
  timeline: string;
  /** The driver that created it, e.g. `'sw_sync'`, `'vgem'`. */
  driver: string;
  /** Its position in the sync_file's fence list (`SyncFile.info().fences`). */
  index: number;
}

/**
 * A fence signalled with an error (for example -ENODEV after a device was
 * unplugged, -ENOENT when a sw_sync timeline was destroyed). `errno` and
 * `code` are the fence's error; `syscall` is `'fence'`. For a merged
 * sync_file, `timeline` and `driver` name the member that failed.
 */
export class FenceError extends KernelError {
  /** The class name, as Node prints it. */
  override name = 'FenceError';
  /** For a sync_file: the failed fence's timeline, as named while it was pending where known. */
  readonly timeline?: string;
  /** For a sync_file: the failed fence's driver (Linux 7.2 says `'detached-driver'` once it has signalled). */
  readonly driver?: string;
  /** The failed member's index in `SyncFile.info().fences`. */
  readonly fenceIndex?: number;

  /** Made by the library from the fence's negative status; `what` names the fence, `fence` the failed member. */
  constructor(errno: number, what: string, fence?: FailedFence) {
    const which = fence ? ` (fence ${fence.index}: timeline '${fence.timeline}' of driver '${fence.driver}')` : '';
    super(errno, { syscall: 'fence', context: `${what} signalled with an error${which}` });
    if (fence) {
      this.timeline = fence.timeline;
      this.driver = fence.driver;
      this.fenceIndex = fence.index;
    }
  }
}
