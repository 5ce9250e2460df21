// SPDX-License-Identifier: MIT
/**
 * What kind of file an fd is, read from /proc/self/fd. Used to refuse an fd
 * of the wrong kind up front with a clear error, instead of an ENOTTY from
 * some later ioctl.
 * @module
 */
import { readlinkSync } from 'node:fs';

import { assertFd } from './args.js';
import { EBADF, FdTypeError, KernelError } from './errors.js';

/** The /proc/self/fd link target, e.g. `/dmabuf:name` or `anon_inode:sync_file`. */
export function fdTarget(fd: number): string {
  assertFd('fd', fd);
  const path = `/proc/self/fd/${fd}`;
  try {
    return readlinkSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A missing link means the fd is not open in this process.
    if (code === 'ENOENT') throw new KernelError(EBADF, { syscall: 'readlink', path, context: `fd ${fd}` });
    throw error;
  }
}

/** Kinds this library adopts, and how each shows in /proc/self/fd. */
export const fdKinds = {
  dmaBuf: { label: 'dma-buf', test: (target: string) => target.startsWith('/dmabuf:') },
  syncFile: { label: 'sync_file', test: (target: string) => target === 'anon_inode:sync_file' },
  eventFd: { label: 'eventfd', test: (target: string) => target === 'anon_inode:[eventfd]' },
  drm: { label: 'DRM device', test: (target: string) => target.startsWith('/dev/dri/') },
  syncobj: { label: 'syncobj fd', test: (target: string) => target === 'anon_inode:syncobj_file' },
  socket: { label: 'socket', test: (target: string) => target.startsWith('socket:') },
  memfd: { label: 'memfd', test: (target: string) => target.startsWith('/memfd:') },
} as const;

/** Throws FdTypeError unless `fd` is open and of the given kind. */
export function assertFdKind(fd: number, kind: keyof typeof fdKinds): void {
  const target = fdTarget(fd);
  const { label, test } = fdKinds[kind];
  if (!test(target)) throw new FdTypeError(fd, label, target);
}
