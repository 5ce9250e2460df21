// SPDX-License-Identifier: MIT
// Dumb buffers from real KMS drivers (vkms, virtio-gpu), exported with PRIME
// as dma-bufs like any other, and PRIME import back into a device.
import { describe, expect, it } from 'vitest';

import { AccessModeError, ClosedError, DrmCap, DrmDevice, FeatureError, KernelError } from '../../lib/index.js';
import { fdCount, has, leavesNoFdsOpen, need } from '../helpers/env.js';
import { openVgem } from '../helpers/vgem.js';

describe('DRM devices and PRIME', () => {
  leavesNoFdsOpen();

  it('lists the nodes with their drivers', (ctx) => {
    need(ctx, has.dri(), 'no /dev/dri');
    const nodes = DrmDevice.list();
    const drivers = new Set(nodes.map((n) => n.driver));
    for (const driver of ['vgem', 'vkms', 'virtio_gpu']) expect(drivers, driver).toContain(driver);
    expect(nodes.some((n) => n.type === 'render')).toBe(true);
    expect(nodes.every((n) => /^\d+\.\d+\.\d+$/.test(n.version))).toBe(true);
    const gpu = nodes.find((n) => n.driver === 'virtio_gpu');
    expect(gpu?.bus).toMatch(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/); // a PCI address
    expect(gpu?.caps).toMatchObject({ syncobj: true, syncobjTimeline: true, syncobjEventfd: true });
    expect(nodes.find((n) => n.driver === 'vgem')?.caps.syncobj).toBe(false);
    using first = DrmDevice.openFirst();
    expect(first.path).toMatch(/renderD/);
  });

  for (const driver of ['vkms', 'virtio_gpu']) {
    it(`${driver}: dumb buffer -> PRIME dma-buf -> mmap round trip`, (ctx) => {
      need(ctx, has.dri() && DrmDevice.list().some((n) => n.driver === driver), `no ${driver} node`);
      using device = DrmDevice.openByDriver(driver);
      expect(device.getCap(DrmCap.DUMB_BUFFER)).toBe(1n);
      expect(device.getCap(DrmCap.PRIME) & 1n).toBe(1n); // DRM_PRIME_CAP_IMPORT
      using gem = device.createDumb({ width: 128, height: 32, bpp: 32 });
      expect(gem.pitch).toBeGreaterThanOrEqual(128 * 4);
      using buf = gem.exportDmaBuf();
      expect(buf.size).toBeGreaterThanOrEqual(gem.pitch * 32);
      using map = buf.map();
      {
        using _ = buf.beginCpuAccess('write');
        map.bytes().fill(0x3c);
      }
      using again = gem.exportDmaBuf();
      expect(again.fdinfo.inode).toBe(buf.fdinfo.inode);
      using ro = again.map({ access: 'read' });
      expect(ro.read(0, 4)).toEqual(Buffer.from([0x3c, 0x3c, 0x3c, 0x3c]));
    });
  }

  it('exportDmaBuf refuses an access mode the kernel will not give: it reuses the first export (and its mode) while the handle lives', (ctx) => {
    using device = openVgem(ctx);
    using gem = device.createDumb({ width: 16, height: 16 });
    const before = fdCount();
    {
      using ro = gem.exportDmaBuf({ access: 'read' });
      expect(ro.fdinfo.flags & 3).toBe(0); // O_RDONLY
      let error: unknown;
      try {
        gem.exportDmaBuf({ access: 'readwrite' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AccessModeError);
      expect(error).toMatchObject({ code: 'ERR_DMABUF_ACCESS_MODE', requested: 'readwrite', actual: 'read' });
      expect(fdCount()).toBe(before + 1); // the refused fd was closed
      using same = gem.exportDmaBuf({ access: 'read' });
      expect(same.fdinfo.inode).toBe(ro.fdinfo.inode);
    }
    // Every fd closed, the handle still open: the kernel still has the read-only dma-buf.
    expect(() => gem.exportDmaBuf()).toThrow(AccessModeError);
    expect(fdCount()).toBe(before);
    using other = device.createDumb({ width: 16, height: 16 });
    using rw = other.exportDmaBuf();
    expect(rw.fdinfo.flags & 3).toBe(2); // O_RDWR
    expect(() => other.exportDmaBuf({ access: 'read' })).toThrow(expect.objectContaining({ requested: 'read', actual: 'readwrite' }));
    other.exportDmaBuf({ access: 'write' }).close(); // PRIME has no write-only mode: 'write' is read-write, accepted
  });

  it('importing a dma-buf gives the handle the exporter device has, once', (ctx) => {
    need(ctx, has.dri(), 'no /dev/dri');
    using device = DrmDevice.openByDriver('vgem');
    using gem = device.createDumb({ width: 16, height: 16 });
    using buf = gem.exportDmaBuf();
    const imported = device.importDmaBuf(buf);
    expect(imported).toBe(gem); // same file, same handle, same owner object
    expect(device.importDmaBuf(buf)).toBe(gem);
  });

  it('cross-device import: a vgem buffer into vkms, required', (ctx) => {
    need(ctx, has.dri(), 'no /dev/dri');
    using vgem = DrmDevice.openByDriver('vgem');
    using vkms = DrmDevice.openByDriver('vkms');
    using gem = vgem.createDumb({ width: 16, height: 16 });
    using buf = gem.exportDmaBuf();
    // vkms imports any dma-buf through the GEM shmem helpers: a refusal here is a bug.
    using imported = vkms.importDmaBuf(buf);
    expect(imported.device).toBe(vkms);
    expect(imported.handle).toBeGreaterThan(0);
    expect(imported.size).toBe(buf.size);
    // Exporting an imported object gives back the original buffer, not a copy.
    using again = imported.exportDmaBuf();
    expect(again.fdinfo.inode).toBe(buf.fdinfo.inode);
    imported.close();
    imported.close();
  });

  it('cross-device import: a vkms buffer into virtio-gpu is ENODEV without blob resources (the rig: QEMU virtio-gpu-pci without blob=true)', (ctx) => {
    need(ctx, has.dri(), 'no /dev/dri');
    using vkms = DrmDevice.openByDriver('vkms');
    using gpu = DrmDevice.openByDriver('virtio_gpu');
    using gem = vkms.createDumb({ width: 16, height: 16 });
    using buf = gem.exportDmaBuf();
    let imported;
    try {
      imported = gpu.importDmaBuf(buf);
    } catch (error) {
      // virtio-gpu imports a foreign dma-buf only as a blob resource; without host support the kernel says ENODEV.
      expect(error).toBeInstanceOf(KernelError);
      expect(error).toMatchObject({ code: 'ENODEV', request: 'DRM_IOCTL_PRIME_FD_TO_HANDLE' });
      return;
    }
    // A host with blob resources imports it.
    expect(process.env.DMABUF_IN_VM, 'the rig has no blob resources: ENODEV expected').toBeUndefined();
    expect(imported.handle).toBeGreaterThan(0);
    imported.close();
    imported.close();
  });

  it('bad input: bad sizes, closed devices and handles, unknown drivers and paths', (ctx) => {
    need(ctx, has.dri(), 'no /dev/dri');
    const device = DrmDevice.openByDriver('vkms');
    expect(() => device.createDumb({ width: 0, height: 1 })).toThrow(RangeError);
    expect(() => device.createDumb({ width: 1.5, height: 1 })).toThrow(RangeError);
    expect(() => device.createDumb({ width: 16, height: 16, bpp: 0 })).toThrow(RangeError);
    expect(() => device.createDumb('big' as never)).toThrow(TypeError);
    expect(() => device.getCap(-1)).toThrow(RangeError);
    expect(() => device.getCap(0xdead)).toThrow(expect.objectContaining({ code: 'EINVAL', request: 'DRM_IOCTL_GET_CAP' }));
    const gem = device.createDumb({ width: 16, height: 16 });
    device.close();
    device.close();
    expect(gem.closed).toBe(true);
    gem.close();
    expect(() => gem.exportDmaBuf()).toThrow(ClosedError);
    expect(() => device.createDumb({ width: 1, height: 1 })).toThrow(ClosedError);
    expect(() => DrmDevice.openByDriver('no-such-driver')).toThrow(FeatureError);
    expect(() => DrmDevice.openByDriver('no-such-driver')).toThrow(/present: .*vgem/);
    expect(() => DrmDevice.open('/dev/null')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_FD_TYPE' }));
    expect(() => DrmDevice.open('/dev/dri/card99')).toThrow(expect.objectContaining({ code: 'ENOENT', path: '/dev/dri/card99' }));
  });
});
