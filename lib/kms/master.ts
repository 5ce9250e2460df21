// SPDX-License-Identifier: MIT
/**
 * DRM master: the one file of a card node allowed to change the display
 * (atomic commits, leases). The first file to open a node with no master
 * becomes master; SET_MASTER / DROP_MASTER hand it over (a compositor
 * switching virtual terminals, a test handing the device to a child).
 * @module
 */
import { EBUSY, EINVAL, KernelError, PrivilegeError, EACCES, EPERM } from '../errors.js';
import { native } from '../native.js';

/**
 * DRM_IOCTL_SET_MASTER. Succeeds at once when this file already is master.
 * @throws {KernelError} EBUSY: another file is master; EINVAL: a lessee cannot become master this way
 * @throws {PrivilegeError} EACCES/EPERM: needs CAP_SYS_ADMIN unless this file was master before
 */
export function setMaster(fd: number, path: string): void {
  const rc = native.kmsSetMaster(fd);
  if (rc >= 0) return;
  const details = { syscall: 'ioctl', request: 'DRM_IOCTL_SET_MASTER', path };
  if (rc === EACCES || rc === EPERM) {
    throw new PrivilegeError(rc, 'root', 'becoming DRM master needs CAP_SYS_ADMIN unless this file was master before', details);
  }
  const why: Record<number, string> = {
    [EBUSY]: 'another DRM file of this device is master; it must drop master or close first',
    [EINVAL]: 'this file cannot become master (a lessee, or a file of another kind)',
  };
  throw new KernelError(rc, { ...details, context: why[rc] ?? 'cannot become DRM master' });
}

/**
 * DRM_IOCTL_DROP_MASTER.
 * @throws {KernelError} EINVAL: this file is not master (or is a lessee)
 */
export function dropMaster(fd: number, path: string): void {
  const rc = native.kmsDropMaster(fd);
  if (rc >= 0) return;
  const details = { syscall: 'ioctl', request: 'DRM_IOCTL_DROP_MASTER', path };
  if (rc === EACCES || rc === EPERM) throw new PrivilegeError(rc, 'root', 'dropping DRM master needs CAP_SYS_ADMIN unless this file was master', details);
  throw new KernelError(rc, { ...details, context: rc === EINVAL ? 'this file is not DRM master' : 'cannot drop DRM master' });
}
