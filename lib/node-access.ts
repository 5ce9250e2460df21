// SPDX-License-Identifier: MIT
/**
 * Opening device nodes: a path the kernel can be handed, and a refusal for
 * lack of permission reported as a PrivilegeError that says what is missing
 * (as VFIO's opens do), not as a bare EACCES.
 * @module
 */
import { EACCES, EPERM, KernelError, PrivilegeError } from './errors.js';

const who = (): string => `uid ${process.getuid?.() ?? '?'}`;

/**
 * What a refused open of `path` says: a PrivilegeError for EACCES/EPERM
 * naming the missing privilege (`needs` says how to get it), else a
 * KernelError with `context`.
 */
export function openError(
  errno: number,
  path: string,
  what: string,
  needs: { privilege: PrivilegeError['privilege']; how: string },
  context?: string,
): KernelError {
  if (errno === EACCES || errno === EPERM) {
    return new PrivilegeError(errno, needs.privilege, `${what} needs ${needs.how}; this process is ${who()}`, { syscall: 'open', path });
  }
  return new KernelError(errno, { syscall: 'open', path, ...(context ? { context } : {}) });
}
