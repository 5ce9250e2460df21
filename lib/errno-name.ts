// SPDX-License-Identifier: MIT
/** @internal */
import { KernelError } from './errors.js';

/** `-2` -> `'ENOENT'`, with the same names KernelError uses. */
export function errnoName(errno: number): string {
  return new KernelError(errno < 0 ? errno : -errno, { syscall: '' }).code;
}
