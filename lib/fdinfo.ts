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
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new KernelError(e.code === 'ENOENT' ? EBADF : (e.errno ?? EIO), { syscall: 'open', path });
  }
  // Lines are split as bytes (0x0a never occurs inside a UTF-8 sequence),
  // then each is decoded as UTF-8: the name is what DMA_BUF_SET_NAME stored.
  // The kernel prints "key:\tvalue"; only that one tab is dropped, so a
  // name's own leading or trailing spaces survive.
  const fields = new Map<string, string>();
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    const line = bytes.toString('utf8', start, end);
    start = end + 1;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const value = line.slice(colon + 1);
    fields.set(line.slice(0, colon), value.startsWith('\t') ? value.slice(1) : value.trim());
  }
  const number = (key: string): string => (fields.get(key) ?? '0').trim();
  return {
    size: Number(number('size')),
    count: Number(number('count')),
    exporter: (fields.get('exp_name') ?? '').trim(),
    name: fields.get('name') ?? '',
    inode: Number(number('ino')),
    flags: Number.parseInt(number('flags'), 8),
  };
}

/** One dma-buf fd held by a process. */
export interface DmaBufHolding extends DmaBufFdInfo {
  /** The process holding it. */
  pid: number;
  /** The fd number in that process. */
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
