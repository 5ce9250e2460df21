// SPDX-License-Identifier: MIT
import { readSync, writeSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { ClosedError, FdTypeError, Memfd, Seal } from '../../lib/index.js';
import { leavesNoFdsOpen } from '../helpers/env.js';

describe('Memfd', () => {
  leavesNoFdsOpen();

  it('creates, sizes, seals and adopts', () => {
    using memfd = Memfd.create('frames', 8192);
    expect(memfd.size).toBe(8192);
    expect(memfd.seals).toBe(0);
    memfd.addSeals(Seal.SHRINK | Seal.GROW);
    expect(memfd.seals).toBe(Seal.SHRINK | Seal.GROW);
    writeSync(memfd.fd, Buffer.from('abc'), 0, 3, 0);
    const back = Buffer.alloc(3);
    readSync(memfd.fd, back, 0, 3, 0);
    expect(back.toString()).toBe('abc');
    memfd.addSeals(Seal.SEAL);
    expect(() => memfd.addSeals(Seal.WRITE)).toThrow(expect.objectContaining({ name: 'KernelError', code: 'EPERM' }));
  });

  it('refuses bad arguments and other fds; use after close throws', () => {
    expect(() => Memfd.create(1 as never, 4096)).toThrow(TypeError);
    expect(() => Memfd.create('x', -1)).toThrow(RangeError);
    using other = Memfd.create('x', 0);
    expect(() => Memfd.fromFd(0)).toThrow(FdTypeError);
    const memfd = Memfd.create('y', 4096);
    memfd.close();
    memfd.close();
    expect(() => memfd.size).toThrow(ClosedError);
    expect(other.size).toBe(0);
  });
});
