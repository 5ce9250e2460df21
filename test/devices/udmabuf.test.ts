// SPDX-License-Identifier: MIT
import { existsSync, readSync, writeSync } from 'node:fs';
import { constants } from 'node:os';

import { describe, expect, it } from 'vitest';

import { ClosedError, KernelError, Memfd, Seal, Udmabuf } from '../../lib/index.js';
import { native } from '../../lib/native.js';
import { fdCount, leavesNoFdsOpen, need } from '../helpers/env.js';

const page = native.pageSize;

function sealedMemfd(name: string, size: number, fill: number): Memfd {
  const memfd = Memfd.create(name, size);
  writeSync(memfd.fd, Buffer.alloc(size, fill), 0, size, 0);
  memfd.addSeals(Seal.SHRINK);
  return memfd;
}

describe('udmabuf', () => {
  leavesNoFdsOpen();

  it('makes a dma-buf over a sealed memfd that shares its pages', (ctx) => {
    need(ctx, existsSync('/dev/udmabuf'), 'no /dev/udmabuf (CONFIG_UDMABUF)');
    using device = Udmabuf.open();
    using memfd = sealedMemfd('frame', 4 * page, 0x5a);
    using buf = device.create(memfd, { offset: page, size: 2 * page });
    expect(buf.size).toBe(2 * page);
    expect(buf.fdinfo.exporter).toBe('udmabuf');
    using map = buf.map();
    {
      using _ = buf.beginCpuAccess('readwrite');
      expect(map.bytes()[0]).toBe(0x5a);
      map.bytes()[0] = 0x01;
    }
    const back = Buffer.alloc(1);
    // The dma-buf's first byte is the memfd's byte at `offset`.
    expect(readSync(memfd.fd, back, 0, 1, page)).toBe(1);
    expect(back[0]).toBe(0x01);
  });

  it('createList concatenates ranges of several memfds', (ctx) => {
    need(ctx, existsSync('/dev/udmabuf'), 'no /dev/udmabuf');
    using device = Udmabuf.open();
    using a = sealedMemfd('a', 2 * page, 0xaa);
    using b = sealedMemfd('b', 3 * page, 0xbb);
    using buf = device.createList([{ memfd: a }, { memfd: b, offset: page, size: page }]);
    expect(buf.size).toBe(3 * page);
    using map = buf.map({ access: 'read' });
    using _ = buf.beginCpuAccess('read');
    const bytes = map.read();
    expect(bytes[0]).toBe(0xaa);
    expect(bytes[2 * page - 1]).toBe(0xaa);
    expect(bytes[2 * page]).toBe(0xbb);
  });

  it('allocate() makes and seals the memfd itself and leaves no fd behind', (ctx) => {
    need(ctx, existsSync('/dev/udmabuf'), 'no /dev/udmabuf');
    const before = fdCount();
    const buf = Udmabuf.allocate(10_000);
    expect(fdCount()).toBe(before + 1);
    expect(buf.size).toBe(Math.ceil(10_000 / page) * page);
    buf.close();
    expect(fdCount()).toBe(before);
  });

  it('refuses unaligned, out-of-range and unsealed input with clear errors', (ctx) => {
    need(ctx, existsSync('/dev/udmabuf'), 'no /dev/udmabuf');
    using device = Udmabuf.open();
    using memfd = sealedMemfd('m', 2 * page, 0);
    const before = fdCount();
    expect(() => device.create(memfd, { offset: 1 })).toThrow(/multiple of the page size/);
    expect(() => device.create(memfd, { size: page + 1 })).toThrow(RangeError);
    expect(() => device.create(memfd, { size: 0 })).toThrow(RangeError);
    expect(() => device.create(memfd, { offset: page, size: 2 * page })).toThrow(/beyond the memfd/);
    expect(() => device.create(memfd, { offset: -page })).toThrow(RangeError);
    expect(() => device.create(memfd, { offset: Number.NaN })).toThrow(RangeError);
    expect(() => device.create({} as Memfd)).toThrow(TypeError);
    expect(() => device.createList([])).toThrow(RangeError);
    expect(() => device.createList('x' as never)).toThrow(TypeError);
    using unsealed = Memfd.create('u', page);
    expect(() => device.create(unsealed)).toThrow(expect.objectContaining({ name: 'KernelError', code: 'EINVAL' }));
    expect(() => device.create(unsealed)).toThrow(/not sealed against shrinking/);
    // The kernel enforces the same rule on its own.
    expect(native.udmabufCreate(device.fd, unsealed.fd, 0, page, 0)).toBe(-constants.errno.EINVAL);
    using writeSealed = Memfd.create('w', page);
    writeSealed.addSeals(Seal.SHRINK | Seal.WRITE);
    expect(() => device.create(writeSealed)).toThrow(/sealed against writing/);
    expect(native.udmabufCreate(device.fd, writeSealed.fd, 0, page, 0)).toBe(-constants.errno.EINVAL);
    expect(fdCount()).toBe(before + 2); // the two memfds this test still holds, nothing else
  });

  it('close twice is harmless; use after close throws', (ctx) => {
    need(ctx, existsSync('/dev/udmabuf'), 'no /dev/udmabuf');
    const device = Udmabuf.open();
    device.close();
    device.close();
    using memfd = sealedMemfd('c', page, 0);
    expect(() => device.create(memfd)).toThrow(ClosedError);
    expect(new KernelError(-22, { syscall: 'ioctl' }).code).toBe('EINVAL');
  });
});
