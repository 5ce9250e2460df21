// SPDX-License-Identifier: MIT
/**
 * /proc/<pid>/fdinfo/<fd> for dma-bufs.
 * @module
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

import { assertInt, options } from './args.js';
import { EBADF, EIO, KernelError } from './errors.js';

/** What the kernel reports about a dma-buf fd. */
export interface DmaBufFdInfo {
  /** Bytes. */
  size: number;
  /** References to the buffer's file (fds, mappings, importers). */
  count: number;
  /** The exporter: `'system'`, `'udmabuf'`, `'drm'`, `'vfio_pci_core'` (VFIO), a driver name… */
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
    throw new KernelError(e.code === 'ENOENT' ? EBADF : (e.errno ?? EIO), { syscall: 'open', path });
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

/** One dma-buf fd held by a process. */
export interface DmaBufHolding extends DmaBufFdInfo {
  pid: number;
  fd: number;
}

/**
 * The dma-bufs held open by one process (`pid`, default this one) or, with
 * `pid: 'all'`, by every process whose /proc/<pid>/fd this process may read
 * (all of them as root). fds that close while being read are skipped.
 * Buffers are told apart by `inode`: fds of one buffer share it.
 * @throws {TypeError} / {RangeError} malformed options or pid
 * @throws {KernelError} for a single pid: ENOENT (no such process) or EACCES
 */
export function listDmaBufs(opts?: { pid?: number | 'self' | 'all' }): DmaBufHolding[] {
  const pid = options<{ pid: number | 'self' | 'all' }>('options', opts, ['pid']).pid ?? 'self';
  if (pid === 'all') {
    const found: DmaBufHolding[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        found.push(...holdings(Number(entry)));
      } catch {
        // Gone, or not ours to read.
      }
    }
    return found;
  }
  if (pid !== 'self') assertInt('options.pid', pid, 1, 0x3fffffff);
  return holdings(pid === 'self' ? process.pid : pid);
}

function holdings(pid: number): DmaBufHolding[] {
  const dir = `/proc/${pid}/fd`;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new KernelError(e.errno ?? EIO, { syscall: 'scandir', path: dir });
  }
  const found: DmaBufHolding[] = [];
  for (const entry of entries) {
    const fd = Number(entry);
    try {
      if (!readlinkSync(`${dir}/${entry}`).startsWith('/dmabuf:')) continue;
      found.push({ pid, fd, ...readDmaBufFdInfo(pid, fd) });
    } catch {
      // Closed between the listing and the read.
    }
  }
  return found.sort((a, b) => a.fd - b.fd);
}
