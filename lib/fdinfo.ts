// SPDX-License-Identifier: MIT
/**
 * /proc/<pid>/fdinfo/<fd> for dma-bufs.
 * @module
 */
import { readFileSync } from 'node:fs';

import { KernelError } from './errors.js';

/** What the kernel reports about a dma-buf fd. */
export interface DmaBufFdInfo {
  /** Bytes. */
  size: number;
  /** References to the buffer's file (fds, mappings, importers). */
  count: number;
  /** The exporter: `'system'`, `'udmabuf'`, `'drm'`, `'vfio-pci'`, a driver name… */
  exporter: string;
  /** The name set with setName(), or `''`. */
  name: string;
  /** The dma-buf's inode number: equal for fds of the same buffer. */
  inode: number;
  /** The fd's open flags (O_ACCMODE bits tell its access). */
  flags: number;
}

/**
 * Reads and parses one fdinfo file.
 * @throws {KernelError} the file cannot be read (EBADF when the fd is not open)
 */
export function readDmaBufFdInfo(pid: number | 'self', fd: number): DmaBufFdInfo {
  const path = `/proc/${pid}/fdinfo/${fd}`;
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new KernelError(e.code === 'ENOENT' ? -9 : (e.errno ?? -5), { syscall: 'open', path });
  }
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return {
    size: Number(fields.get('size') ?? 0),
    count: Number(fields.get('count') ?? 0),
    exporter: fields.get('exp_name') ?? '',
    name: fields.get('name') ?? '',
    inode: Number(fields.get('ino') ?? 0),
    flags: Number.parseInt(fields.get('flags') ?? '0', 8),
  };
}
