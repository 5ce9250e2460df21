// SPDX-License-Identifier: MIT
/** @internal */
import { getSystemErrorName } from 'node:util';

/** `-2` -> `'ENOENT'`; falls back to `E<n>` for numbers Node does not know. */
export function errnoName(errno: number): string {
  try {
    return getSystemErrorName(errno < 0 ? errno : -errno);
  } catch {
    return `E${Math.abs(errno)}`;
  }
}
