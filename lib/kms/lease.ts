// SPDX-License-Identifier: MIT
/**
 * DRM leases (Linux 4.15+): the master hands a set of KMS objects (a
 * connector, a CRTC, planes) to a new DRM file, the lessee, which sees only
 * those objects and is master over them, as VR runtimes and multi-seat
 * compositors need. The lessor can revoke the lease at any time.
 * @module
 */
import { flag, options } from '../args.js';
import { EACCES, PrivilegeError, check } from '../errors.js';
import { native } from '../native.js';

/** Options of `Kms.createLease()`. */
export interface CreateLeaseOptions {
  /** Open the lessee fd O_NONBLOCK. Default false. */
  nonblock?: boolean;
}

const O_CLOEXEC = 0o2000000;
const O_NONBLOCK = 0o4000;

/**
 * DRM_IOCTL_MODE_CREATE_LEASE. Returns the lessee id and the new fd (close-on-exec).
 * @throws {PrivilegeError} EACCES: this file is not DRM master
 * @throws {KernelError} EINVAL: an object cannot be leased (not a connector, CRTC or plane) or the set is incomplete; EBUSY: an object is already leased
 */
export function createLease(fd: number, path: string, ids: number[], opts: CreateLeaseOptions | undefined): { lesseeId: number; fd: number } {
  const o = options<CreateLeaseOptions>('options', opts, ['nonblock']);
  const flags = O_CLOEXEC | (flag('options.nonblock', o.nonblock, false) ? O_NONBLOCK : 0);
  const details = { syscall: 'ioctl', request: 'DRM_IOCTL_MODE_CREATE_LEASE', path, context: `lease of objects ${ids.join(', ')}` };
  const result = native.kmsCreateLease(fd, Uint32Array.from(ids), flags);
  if (result === EACCES) throw new PrivilegeError(result, 'drm-master', `leasing objects needs DRM master`, details);
  return check(result, details);
}

/** DRM_IOCTL_MODE_LIST_LESSEES: the lessee ids of this (master) file. */
export function listLessees(fd: number, path: string): number[] {
  return check(native.kmsListLessees(fd), { syscall: 'ioctl', request: 'DRM_IOCTL_MODE_LIST_LESSEES', path });
}

/** DRM_IOCTL_MODE_GET_LEASE: the object ids a lessee may use; for the owner (not a lessee), every KMS object id of the device. */
export function getLease(fd: number, path: string): number[] {
  return check(native.kmsGetLease(fd), { syscall: 'ioctl', request: 'DRM_IOCTL_MODE_GET_LEASE', path });
}

/**
 * DRM_IOCTL_MODE_REVOKE_LEASE: the lessee loses its objects at once; its
 * fd stays open but sees nothing.
 * @throws {KernelError} ENOENT: no such lessee of this file
 */
export function revokeLease(fd: number, path: string, lesseeId: number): void {
  const rc = native.kmsRevokeLease(fd, lesseeId);
  if (rc === EACCES) throw new PrivilegeError(rc, 'drm-master', 'revoking a lease needs DRM master', { syscall: 'ioctl', request: 'DRM_IOCTL_MODE_REVOKE_LEASE', path });
  check(rc, { syscall: 'ioctl', request: 'DRM_IOCTL_MODE_REVOKE_LEASE', path, context: `lessee ${lesseeId}` });
}
