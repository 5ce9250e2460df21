// SPDX-License-Identifier: MIT
/**
 * What `dmabuf ls` reports: the dma-buf fds of each process, the processes
 * it could not read, and totals in which a buffer held by several fds or
 * processes (one inode) counts once, as Android's dmabuf_dump counts them.
 * @module
 */
import { readFileSync, readdirSync } from 'node:fs';

import { type DmaBufHolding, KernelError, listDmaBufs } from '../index.js';

export type SortKey = 'size' | 'exporter' | 'pid';
export const sortKeys: readonly SortKey[] = ['size', 'exporter', 'pid'];

export interface LsBuffer {
  pid: number;
  command: string;
  fd: number;
  inode: number;
  size: number;
  exporter: string;
  name: string;
  /** Other processes hold the same buffer too. */
  shared: boolean;
}

export interface Total {
  buffers: number;
  size: number;
}

export interface LsReport {
  buffers: LsBuffer[];
  processes: ({ pid: number; command: string } & Total)[];
  exporters: ({ exporter: string } & Total)[];
  total: Total;
  /** Processes whose fds this user may not read. */
  unreadable: { pid: number; command: string; code: string }[];
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/** Unique buffers among `holdings`, counted once per inode. */
function totalOf(holdings: readonly { inode: number; size: number }[]): Total {
  const sizes = new Map<number, number>();
  for (const h of holdings) sizes.set(h.inode, h.size);
  let size = 0;
  for (const s of sizes.values()) size += s;
  return { buffers: sizes.size, size };
}

const sorters: Record<SortKey, (a: LsBuffer, b: LsBuffer) => number> = {
  pid: (a, b) => a.pid - b.pid || a.fd - b.fd,
  size: (a, b) => b.size - a.size || a.pid - b.pid || a.fd - b.fd,
  exporter: (a, b) => a.exporter.localeCompare(b.exporter) || a.pid - b.pid || a.fd - b.fd,
};

/**
 * @param pid one process, or every process in /proc
 * @throws {KernelError} ENOENT for a `pid` that does not exist
 */
export function collect(pid: number | undefined, sort: SortKey): LsReport {
  const pids = pid !== undefined ? [pid] : readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number);
  const held: DmaBufHolding[] = [];
  const unreadable: LsReport['unreadable'] = [];
  for (const p of pids) {
    try {
      held.push(...listDmaBufs({ pid: p }));
    } catch (error) {
      const code = error instanceof KernelError ? error.code : 'ERR';
      // A process that exited while being listed is simply gone, unless it was the one asked for.
      if (code === 'ENOENT' && pid === undefined) continue;
      if (code === 'ENOENT') throw error;
      unreadable.push({ pid: p, command: commandOf(p), code });
    }
  }
  const holders = new Map<number, Set<number>>();
  for (const h of held) holders.set(h.inode, (holders.get(h.inode) ?? new Set()).add(h.pid));
  const commands = new Map<number, string>();
  const command = (p: number): string => commands.get(p) ?? commands.set(p, commandOf(p)).get(p)!;
  const buffers = held
    .map((h): LsBuffer => ({
      pid: h.pid,
      command: command(h.pid),
      fd: h.fd,
      inode: h.inode,
      size: h.size,
      exporter: h.exporter,
      name: h.name,
      shared: holders.get(h.inode)!.size > 1,
    }))
    .sort(sorters[sort]);
  const group = <K>(key: (b: LsBuffer) => K): Map<K, LsBuffer[]> => {
    const groups = new Map<K, LsBuffer[]>();
    for (const b of buffers) groups.set(key(b), [...(groups.get(key(b)) ?? []), b]);
    return groups;
  };
  const processes = [...group((b) => b.pid)].map(([p, list]) => ({ pid: p, command: command(p), ...totalOf(list) })).sort((a, b) => a.pid - b.pid);
  const exporters = [...group((b) => b.exporter)]
    .map(([exporter, list]) => ({ exporter, ...totalOf(list) }))
    .sort((a, b) => a.exporter.localeCompare(b.exporter));
  return { buffers, processes, exporters, total: totalOf(buffers), unreadable: unreadable.sort((a, b) => a.pid - b.pid) };
}
