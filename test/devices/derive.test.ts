// SPDX-License-Identifier: MIT
// The proposed DMA_BUF_IOCTL_DERIVE, against the rig kernel that carries the
// project's patch (scripts/vm/patches). On a kernel without it, derive()
// must fail with FeatureError, which the last test checks wherever it runs.
import { constants } from 'node:os';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DmaHeap, FeatureError, VgemFence } from '../../lib/index.js';
import { native } from '../../lib/native.js';
import { fdCount, has, need, requireDevices } from '../helpers/env.js';
import { openVgem, vgemBuffer } from '../helpers/vgem.js';

const O_CLOEXEC = 0o2000000;

function kernelHasDerive(): boolean {
  if (!has.systemHeap()) return false;
  using heap = DmaHeap.open('system');
  using buf = heap.allocate(4096);
  try {
    buf.derive().close();
    return true;
  } catch (error) {
    if (error instanceof FeatureError) return false;
    throw error;
  }
}

describe('DmaBuf.derive (proposed DMA_BUF_IOCTL_DERIVE)', () => {
  let fds = 0;
  let supported = false;
  beforeAll(() => {
    fds = fdCount();
    supported = kernelHasDerive();
  });
  afterAll(() => {
    expect(fdCount()).toBe(fds);
  });

  it('a read-only alias shares memory and inode with the original', (ctx) => {
    need(ctx, supported, 'kernel without the DMA_BUF_IOCTL_DERIVE patch');
    using heap = DmaHeap.open('system');
    using buf = heap.allocate(8192);
    using alias = buf.derive({ access: 'read' });
    expect(alias.fd).not.toBe(buf.fd);
    expect(alias.size).toBe(8192);
    expect(alias.fdinfo.inode).toBe(buf.fdinfo.inode);
    expect(alias.fdinfo.exporter).toBe('system');
    expect(alias.fdinfo.flags & 3).toBe(0); // O_RDONLY
    buf.setName('shared-name');
    expect(alias.name).toBe('shared-name');
    using w = buf.map();
    using r = alias.map({ access: 'read' });
    {
      using _ = buf.beginCpuAccess('write');
      w.bytes().set([1, 2, 3, 4]);
    }
    {
      using _ = alias.beginCpuAccess('read');
      expect([...r.read(0, 4)]).toEqual([1, 2, 3, 4]);
      expect(() => r.bytes()).toThrow(expect.objectContaining({ code: 'ERR_DMABUF_READ_ONLY_MAPPING' }));
    }
  });

  it('refuses a writable shared mmap of the read-only alias with EACCES', (ctx) => {
    need(ctx, supported, 'kernel without the DMA_BUF_IOCTL_DERIVE patch');
    using heap = DmaHeap.open('system');
    using buf = heap.allocate(4096);
    using alias = buf.derive();
    expect(() => alias.map()).toThrow(expect.objectContaining({ code: 'EACCES', syscall: 'mmap' }));
    expect(() => alias.map({ access: 'write' })).toThrow(expect.objectContaining({ code: 'EACCES' }));
  });

  it('refuses to escalate: readwrite from a read-only alias is EACCES', (ctx) => {
    need(ctx, supported, 'kernel without the DMA_BUF_IOCTL_DERIVE patch');
    using heap = DmaHeap.open('system');
    using buf = heap.allocate(4096);
    using alias = buf.derive({ access: 'read' });
    const before = fdCount();
    expect(() => alias.derive({ access: 'readwrite' })).toThrow(
      expect.objectContaining({ name: 'KernelError', code: 'EACCES', request: 'DMA_BUF_IOCTL_DERIVE' }),
    );
    expect(() => alias.derive({ access: 'write' })).toThrow(expect.objectContaining({ code: 'EACCES' }));
    using again = alias.derive({ access: 'read' });
    using rw = buf.derive({ access: 'readwrite', cloexec: false });
    using rwMap = rw.map();
    expect(rwMap.length).toBe(4096);
    expect(fdCount()).toBe(before + 2);
  });

  it('rejects unknown flags with EINVAL', (ctx) => {
    need(ctx, supported, 'kernel without the DMA_BUF_IOCTL_DERIVE patch');
    using heap = DmaHeap.open('system');
    using buf = heap.allocate(4096);
    // The typed API cannot express these; the raw binding checks the kernel's own rule.
    expect(native.dmaBufDerive(buf.fd, 0o100 /* O_CREAT */)).toBe(-constants.errno.EINVAL);
    expect(native.dmaBufDerive(buf.fd, 3 /* O_ACCMODE, not a mode */)).toBe(-constants.errno.EINVAL);
    expect(native.dmaBufDerive(buf.fd, 0o4000 /* O_NONBLOCK */ | O_CLOEXEC)).toBe(-constants.errno.EINVAL);
    expect(() => buf.derive({ access: 'all' as never })).toThrow(TypeError);
    expect(() => buf.derive({ cloexec: 'no' as never })).toThrow(TypeError);
  });

  it('the alias shares the fences: imported through one, exported through the other', async (ctx) => {
    need(ctx, supported, 'kernel without the DMA_BUF_IOCTL_DERIVE patch');
    using device = openVgem(ctx);
    using pair = vgemBuffer(device);
    const { gem, buf } = pair;
    using heap = DmaHeap.open('system');
    using target = heap.allocate(4096);
    using alias = target.derive({ access: 'read' });
    const fence = VgemFence.attach(gem, { write: true });
    {
      using pending = buf.exportSyncFile('writer');
      alias.importSyncFile(pending, 'write');
    }
    using seen = target.exportSyncFile('reader');
    expect(seen.status().state).toBe('active');
    fence.signal();
    await seen.wait({ timeout: 5000 });
  });

  it('the buffer lives while only the alias is open', (ctx) => {
    need(ctx, supported, 'kernel without the DMA_BUF_IOCTL_DERIVE patch');
    using heap = DmaHeap.open('system');
    const buf = heap.allocate(4096);
    buf.setName('survivor');
    using alias = buf.derive();
    buf.close();
    expect(alias.name).toBe('survivor');
    using m = alias.map({ access: 'read' });
    expect(m.read().length).toBe(4096);
  });

  it('on a kernel without the patch, derive() is a FeatureError saying the interface is proposed', (ctx) => {
    need(ctx, has.systemHeap(), 'no system heap');
    // The VM rig boots a kernel carrying the patch, so there DERIVE must work.
    if (requireDevices) {
      expect(supported, 'the rig kernel must carry the DMA_BUF_IOCTL_DERIVE patch').toBe(true);
      return;
    }
    if (supported) ctx.skip('this kernel carries DMA_BUF_IOCTL_DERIVE');
    using heap = DmaHeap.open('system');
    using buf = heap.allocate(4096);
    const error = (() => {
      try {
        buf.derive();
      } catch (e) {
        return e as FeatureError;
      }
    })();
    expect(error).toBeInstanceOf(FeatureError);
    expect(error?.code).toBe('ENOTTY');
    expect(error?.message).toMatch(/proposed interface/);
  });
});
