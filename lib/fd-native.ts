// SPDX-License-Identifier: MIT
/**
 * Opening and closing fds through the addon rather than `node:fs`. In a
 * worker, Node tracks the fds fs.open/fs.close handle: closing one that fs
 * did not open warns ("closed but not opened in unmanaged mode"), and the
 * ones fs did open are closed again by Node when the worker exits, which
 * could close a number another thread has reused by then. Fds the library
 * owns therefore never pass through fs: they are opened and closed here and
 * owned by the environment's native registry (see native/fd.cc).
 * @module
 */
import { KernelError, check } from './errors.js';
import { native } from './native.js';

/**
 * open(2) with `flags`. Throws a KernelError shaped like fs.openSync's
 * error (`code`, negative `errno`, `syscall: 'open'`, `path`).
 */
export function openFd(path: string, flags: number): number {
  return check(native.fdOpen(path, flags), { syscall: 'open', path });
}

/** close(2). @throws {KernelError} EBADF when the fd was not open */
export function closeFd(fd: number): void {
  const rc = native.fdClose(fd);
  if (rc < 0) throw new KernelError(rc, { syscall: 'close' });
}
