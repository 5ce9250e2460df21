// SPDX-License-Identifier: MIT
import { spawn } from 'node:child_process';

import { describe, expect, it } from 'vitest';

import { DmaHeap, KernelError, listDmaBufs } from '../../lib/index.js';
import { has, need } from '../helpers/env.js';

describe('listDmaBufs', () => {
  it('lists this process\'s dma-bufs with size, exporter, name and inode', (ctx) => {
    need(ctx, has.systemHeap(), 'no system heap');
    using heap = DmaHeap.open('system');
    using a = heap.allocate(4096);
    using b = heap.allocate(8192);
    a.setName('list-a');
    const mine = listDmaBufs();
    const found = mine.find((h) => h.fd === a.fd);
    expect(found).toMatchObject({ pid: process.pid, size: 4096, exporter: 'system', name: 'list-a' });
    expect(found?.inode).toBe(a.fdinfo.inode);
    expect(mine.find((h) => h.fd === b.fd)?.size).toBe(8192);
  });

  it('lists another process\'s dma-bufs, and every readable process\'s', async (ctx) => {
    need(ctx, has.systemHeap(), 'no system heap');
    using heap = DmaHeap.open('system');
    using buf = heap.allocate(12288);
    buf.setName('inherited');
    // A child that holds the buffer as its fd 3 until told to exit.
    const child = spawn('sleep', ['30'], { stdio: ['ignore', 'ignore', 'ignore', buf.fd] });
    try {
      await new Promise((r) => setTimeout(r, 200));
      const theirs = listDmaBufs({ pid: child.pid! });
      expect(theirs).toEqual([expect.objectContaining({ pid: child.pid, fd: 3, size: 12288, name: 'inherited' })]);
      const all = listDmaBufs({ pid: 'all' });
      expect(all.some((h) => h.pid === child.pid && h.inode === buf.fdinfo.inode)).toBe(true);
      expect(all.some((h) => h.pid === process.pid && h.fd === buf.fd)).toBe(true);
    } finally {
      child.kill();
    }
  });

  it('a pid that does not exist is a KernelError; a malformed one a RangeError', () => {
    expect(() => listDmaBufs({ pid: 0x3ffffff0 })).toThrow(KernelError);
    expect(() => listDmaBufs({ pid: -1 })).toThrow(RangeError);
    expect(() => listDmaBufs({ pid: 1.5 })).toThrow(RangeError);
  });
});
