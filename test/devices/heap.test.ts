// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';

import { ClosedError, DmaBuf, DmaHeap, KernelError } from '../../lib/index.js';
import { fdCount, has, leavesNoFdsOpen, need } from '../helpers/env.js';

const MiB = 1024 * 1024;

describe('DmaHeap and DmaBuf (system heap)', () => {
  leavesNoFdsOpen();

  it('lists the heaps the kernel offers', (ctx) => {
    need(ctx, has.systemHeap(), 'no /dev/dma_heap/system (CONFIG_DMABUF_HEAPS_SYSTEM)');
    expect(DmaHeap.list()).toContain('system');
  });

  it('allocates 1 MiB from every heap present', (ctx) => {
    need(ctx, has.heaps(), 'no /dev/dma_heap');
    const heaps = DmaHeap.list();
    expect(heaps.length).toBeGreaterThan(0);
    for (const name of heaps) {
      using heap = DmaHeap.open(name);
      using buf = heap.allocate(MiB);
      expect(buf.size, name).toBe(MiB);
      expect(buf.fdinfo.size, name).toBe(MiB);
    }
  });

  it('reports size, exporter and name through fdinfo', (ctx) => {
    need(ctx, has.systemHeap(), 'no system heap');
    using heap = DmaHeap.open('system');
    using buf = heap.allocate(3 * 4096 + 1);
    expect(buf.size).toBe(4 * 4096);
    expect(buf.fdinfo.exporter).toBe('system');
    expect(buf.name).toBe('');
    buf.setName('frame-0');
    expect(buf.name).toBe('frame-0');
    buf.setName('x'.repeat(31));
    expect(buf.fdinfo.name).toBe('x'.repeat(31));
    expect(() => buf.setName('x'.repeat(32))).toThrow(RangeError);
    expect(() => buf.setName('é'.repeat(16))).toThrow(/at most 31 bytes/);
    expect(() => buf.setName(42 as unknown as string)).toThrow(TypeError);
  });

  it('setName round-trips exactly, multibyte included, and refuses what the kernel cannot carry', (ctx) => {
    need(ctx, has.systemHeap(), 'no system heap');
    using heap = DmaHeap.open('system');
    using buf = heap.allocate(4096);
    for (const name of ['é'.repeat(15), 'カメラ 0 → 表示', '🎞️ frame', '  padded\t', 'a:b', '日本語'.repeat(3) + 'ab', '']) {
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(31);
      buf.setName(name);
      expect(buf.name, JSON.stringify(name)).toBe(name);
    }
    const refused = (name: string, code: string): void => {
      expect(() => buf.setName(name), JSON.stringify(name)).toThrow(expect.objectContaining({ code }));
      expect(buf.name).toBe('kept');
    };
    buf.setName('kept');
    refused('a\nb', 'ERR_INVALID_ARG_VALUE');
    refused('a\0b', 'ERR_INVALID_ARG_VALUE');
    refused('lone \uD800 high', 'ERR_INVALID_ARG_VALUE');
    refused('lone \uDC00 low', 'ERR_INVALID_ARG_VALUE');
    refused('\uDC00\uD800', 'ERR_INVALID_ARG_VALUE');
    refused('é'.repeat(16), 'ERR_OUT_OF_RANGE');
    refused('🎞'.repeat(8), 'ERR_OUT_OF_RANGE');
    expect(() => buf.setName('a\nb')).toThrow(TypeError);
  });

  it('maps with CPU access brackets; unmapping leaves stale views reading zeros', (ctx) => {
    need(ctx, has.systemHeap(), 'no system heap');
    using heap = DmaHeap.open('system');
    using buf = heap.allocate(64 * 1024);
    const a = buf.map();
    const b = buf.map({ access: 'read', offset: 4096, length: 4096 });
    {
      using access = buf.beginCpuAccess('write');
      expect(access.mode).toBe('write');
      a.bytes().fill(0xab, 4096, 8192);
      a.bytes()[4096] = 0x11;
    }
    {
      using _ = buf.beginCpuAccess('read');
      expect(b.read(0, 2)).toEqual(Buffer.from([0x11, 0xab]));
      const into = new Uint8Array(8);
      expect(b.copyTo(into, 4092)).toBe(4);
      expect([...into.subarray(0, 4)]).toEqual([0xab, 0xab, 0xab, 0xab]);
      expect(() => b.buffer).toThrow(/read-only mapping exposes no ArrayBuffer/);
      expect(() => b.read(4000, 200)).toThrow(RangeError);
    }
    const view = new Uint8Array(a.buffer);
    a.unmap();
    a.unmap();
    // The pages left the process: a stale view reads zeros (not detached: see README, Reliability).
    expect(view.some((byte) => byte !== 0)).toBe(false);
    expect(() => a.bytes()).toThrow(ClosedError);
    b.close();
    expect(b.closed).toBe(true);
  });

  it('a mapping outlives the fd it was made from', (ctx) => {
    need(ctx, has.systemHeap(), 'no system heap');
    using heap = DmaHeap.open('system');
    const buf = heap.allocate(4096);
    using mapping = buf.map();
    buf.close();
    mapping.bytes()[0] = 7;
    expect(mapping.bytes()[0]).toBe(7);
  });

  it('CPU access end after the buffer is closed is a no-op, and end twice is harmless', (ctx) => {
    need(ctx, has.systemHeap(), 'no system heap');
    using heap = DmaHeap.open('system');
    const buf = heap.allocate(4096);
    const access = buf.beginCpuAccess('readwrite');
    buf.close();
    access.end();
    access.end();
    expect(access.ended).toBe(true);
  });

  it('bad sizes: 0 and beyond memory come back from the kernel, malformed ones are refused first', (ctx) => {
    need(ctx, has.systemHeap(), 'no system heap');
    using heap = DmaHeap.open('system');
    const before = fdCount();
    expect(() => heap.allocate(0)).toThrow(expect.objectContaining({ name: 'KernelError', code: 'EINVAL', request: 'DMA_HEAP_IOCTL_ALLOC' }));
    // Refused before the ioctl: the system heap would run the machine out of memory.
    expect(() => heap.allocate(2 ** 52)).toThrow(expect.objectContaining({ code: 'ENOMEM', request: 'DMA_HEAP_IOCTL_ALLOC' }));
    expect(() => heap.allocate(2 ** 52)).toThrow(/exceed the \d+ bytes of memory available \(MemAvailable\)/);
    expect(() => heap.allocate(-1)).toThrow(RangeError);
    expect(() => heap.allocate(1.5)).toThrow(RangeError);
    expect(() => heap.allocate(Number.NaN)).toThrow(RangeError);
    expect(() => heap.allocate(2 ** 53)).toThrow(RangeError);
    expect(() => heap.allocate('4096' as unknown as number)).toThrow(TypeError);
    expect(() => heap.allocate(4096, { access: 'rw' as never })).toThrow(TypeError);
    expect(() => heap.allocate(4096, { cloexec: 1 as never })).toThrow(TypeError);
    expect(fdCount()).toBe(before);
  });

  it('a CMA heap asked for more than its area fails with ENOMEM', (ctx) => {
    const cma = DmaHeap.list().find((name) => name !== 'system');
    need(ctx, cma !== undefined, 'no CMA heap (CONFIG_DMABUF_HEAPS_CMA with a CMA area)');
    using heap = DmaHeap.open(cma!);
    const before = fdCount();
    expect(() => heap.allocate(512 * MiB)).toThrow(expect.objectContaining({ name: 'KernelError', code: 'ENOMEM' }));
    expect(fdCount()).toBe(before);
  });

  it('names the heaps that exist when asked for one that does not', (ctx) => {
    need(ctx, has.systemHeap(), 'no system heap');
    const error = (() => {
      try {
        DmaHeap.open('no-such-heap');
      } catch (e) {
        return e as KernelError;
      }
    })();
    expect(error).toBeInstanceOf(KernelError);
    expect(error?.code).toBe('ENOENT');
    expect(error?.path).toBe('/dev/dma_heap/no-such-heap');
    expect(error?.message).toContain('available: ');
    expect(error?.message).toContain('system');
  });

  it('mapping beyond the buffer or beyond the fd access fails with the errno', (ctx) => {
    need(ctx, has.systemHeap(), 'no system heap');
    using heap = DmaHeap.open('system');
    using buf = heap.allocate(8192);
    const before = fdCount();
    expect(() => buf.map({ offset: 4096, length: 8192 })).toThrow(expect.objectContaining({ code: 'EINVAL', syscall: 'mmap' }));
    expect(() => buf.map({ offset: 8192 })).toThrow(RangeError); // nothing left to map
    expect(() => buf.map({ offset: 100, length: 4096 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => buf.map({ length: 0 })).toThrow(RangeError);
    using readOnly = heap.allocate(4096, { access: 'read' });
    expect(() => readOnly.map()).toThrow(expect.objectContaining({ code: 'EACCES' }));
    using ro = readOnly.map({ access: 'read' });
    expect(ro.length).toBe(4096);
    expect(fdCount()).toBe(before + 1);
  });

  it('double close is harmless and use after close throws ClosedError', (ctx) => {
    need(ctx, has.systemHeap(), 'no system heap');
    const heap = DmaHeap.open('system');
    const buf = heap.allocate(4096);
    buf.close();
    buf.close();
    heap.close();
    heap.close();
    expect(buf.closed).toBe(true);
    expect(() => buf.size).toThrow(ClosedError);
    expect(() => buf.map()).toThrow(ClosedError);
    expect(() => buf.setName('x')).toThrow(ClosedError);
    expect(() => buf.exportSyncFile('writer')).toThrow(ClosedError);
    expect(() => buf.beginCpuAccess()).toThrow(ClosedError);
    expect(() => heap.allocate(4096)).toThrow(ClosedError);
    expect(() => buf.fd).toThrow(/dma-buf \(fd \d+\) is closed/);
  });

  it('adopts a dma-buf fd with fromFd', (ctx) => {
    need(ctx, has.systemHeap(), 'no system heap');
    using heap = DmaHeap.open('system');
    const original = heap.allocate(4096);
    const adopted = DmaBuf.fromFd(original.fd);
    expect(adopted.size).toBe(4096);
    adopted.close();
    // Two owners of one fd is the caller's mistake; the second close reports it.
    expect(() => original.close()).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });

  it('an unsignalled-free buffer exports an already signalled sync_file', async (ctx) => {
    need(ctx, has.systemHeap(), 'no system heap');
    using heap = DmaHeap.open('system');
    using buf = heap.allocate(4096);
    using sync = buf.exportSyncFile('writer');
    expect(sync.status().state).toBe('signaled');
    // Signalled means a wait resolves at once, and every fence in it reads signalled.
    await expect(sync.wait({ timeout: 1000 })).resolves.toBeUndefined();
    expect(sync.info().fences.every((fence) => fence.state === 'signaled')).toBe(true);
  });
});
