// SPDX-License-Identifier: MIT
// VFIO against the rig's edu device in no-IOMMU mode: bind, open, regions,
// BAR ranges as dma-bufs, and every way of getting them wrong.
import { chmodSync, closeSync, existsSync, statSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import {
  ClosedError,
  DmaHeap,
  FeatureError,
  VfioDevice,
  bindToVfioPci,
  readPciDevice,
} from '../../lib/index.js';
import { native } from '../../lib/native.js';
import { fdCount, has, need } from '../helpers/env.js';
import { EDU_BAR0_SIZE, asNobody, claimEdu, findEdu } from '../helpers/vfio.js';

const page = native.pageSize;

describe('VFIO (edu, no-IOMMU)', () => {
  const claim = claimEdu(0);
  const edu = (ctx: Parameters<typeof findEdu>[0]): string => claim.address(ctx);

  it('binds edu to vfio-pci and reports its IOMMU group', (ctx) => {
    const addr = edu(ctx);
    const info = readPciDevice(addr);
    expect(info.driver).toBe('vfio-pci');
    expect(info.driverOverride).toBe('vfio-pci');
    expect(info.iommuGroup).toBeTypeOf('number');
    expect(existsSync(`/dev/vfio/noiommu-${info.iommuGroup}`)).toBe(true);
    expect(claim.binding!.previousDriver).toBeUndefined();
  });

  it('opens the device through its group and reads its regions', (ctx) => {
    const addr = edu(ctx);
    using dev = VfioDevice.open(addr.slice(5), { via: 'group' });
    expect(dev.address).toBe(addr);
    expect(dev.via).toBe('group');
    expect(dev.noIommu).toBe(true);
    expect(dev.iommu).toBe('noiommu');
    expect(dev.iommuGroup).toBe(readPciDevice(addr).iommuGroup);
    expect(dev.info.flags & 2).toBe(2); // VFIO_DEVICE_FLAGS_PCI
    expect(dev.info.numRegions).toBeGreaterThanOrEqual(9);
    const bar0 = dev.region(0);
    expect(bar0).toMatchObject({ index: 0, size: EDU_BAR0_SIZE, readable: true, writable: true, mappable: true });
    expect(dev.region(1).size).toBe(0);
    expect(dev.regions().map((r) => r.index)).toEqual(expect.arrayContaining([0, 1, 2, 3, 4, 5, 6, 7]));
    expect(() => dev.region(8)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: expect.stringMatching(/region 8 is not present/) }));
    expect(() => dev.region(dev.info.numRegions)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });

  it("'auto' takes the group here; 'cdev' is a FeatureError (no-IOMMU devices have no cdev)", (ctx) => {
    const addr = edu(ctx);
    expect(() => VfioDevice.open(addr, { via: 'cdev' })).toThrow(FeatureError);
    using dev = VfioDevice.open(addr);
    expect(dev.via).toBe('group');
  });

  it('probes the dma-buf features', (ctx) => {
    using dev = VfioDevice.open(edu(ctx));
    // The rig kernel carries the proposed series (scripts/vm/patches/0002-*); the stock run checks a kernel without it.
    expect(dev.features).toEqual({ dmaBuf: true, dmaBufRevoke: true, dmaBufMemAttr: true });
  });

  it('exports one BAR range as a dma-buf', (ctx) => {
    using dev = VfioDevice.open(edu(ctx));
    using buf = dev.exportDmaBuf(0, [{ offset: 0, length: page }]);
    expect(buf.size).toBe(page);
    expect(buf.fdinfo.exporter).toBe('vfio_pci_core');
    expect(buf.fdinfo.size).toBe(page);
    expect(buf.fdinfo.flags & 3).toBe(2); // O_RDWR
  });

  it('exports several ranges as one dma-buf whose size is their sum', (ctx) => {
    using dev = VfioDevice.open(edu(ctx));
    const ranges = [
      { offset: 16 * page, length: 4 * page },
      { offset: 0, length: page },
      { offset: EDU_BAR0_SIZE - 2 * page, length: 2 * page },
    ];
    using buf = dev.exportDmaBuf(0, ranges, { access: 'read' });
    expect(buf.size).toBe(7 * page);
    expect(buf.fdinfo.exporter).toBe('vfio_pci_core');
    expect(buf.fdinfo.flags & 3).toBe(0); // O_RDONLY
  });

  it('keeps exported dma-bufs valid (but revoked) after the device closes, and the device reopens', (ctx) => {
    const addr = edu(ctx);
    const before = fdCount();
    const dev = VfioDevice.open(addr);
    using buf = dev.exportDmaBuf(0, [{ offset: 0, length: 2 * page }]);
    // The group is opened once at a time: a second open is refused while this one lives.
    expect(() => VfioDevice.open(addr)).toThrow(expect.objectContaining({ code: 'EBUSY' }));
    dev.close();
    dev.close();
    expect(buf.size).toBe(2 * page);
    expect(buf.fdinfo.exporter).toBe('vfio_pci_core');
    using again = VfioDevice.open(addr);
    using second = again.exportDmaBuf(0, [{ offset: page, length: page }]);
    expect(second.size).toBe(page);
    buf.close();
    second.close();
    again.close();
    expect(fdCount()).toBe(before);
  });

  it('says what is wrong with bad ranges, before the kernel does', (ctx) => {
    using dev = VfioDevice.open(edu(ctx));
    const outOfRange = (pattern: RegExp) => expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: expect.stringMatching(pattern) });
    expect(() => dev.exportDmaBuf(0, [{ offset: 100, length: page }])).toThrow(outOfRange(/offset must be a multiple of the page size/));
    expect(() => dev.exportDmaBuf(0, [{ offset: 0, length: page + 1 }])).toThrow(outOfRange(/length must be a positive multiple/));
    expect(() => dev.exportDmaBuf(0, [{ offset: 0, length: 0 }])).toThrow(outOfRange(/length must be a positive multiple/));
    expect(() => dev.exportDmaBuf(0, [{ offset: EDU_BAR0_SIZE - page, length: 2 * page }])).toThrow(outOfRange(/beyond BAR 0's 1048576 bytes/));
    expect(() => dev.exportDmaBuf(0, [{ offset: 0, length: 2 * page }, { offset: page, length: page }])).toThrow(outOfRange(/ranges\[0\].*and ranges\[1\].*overlap/));
    expect(() => dev.exportDmaBuf(0, [])).toThrow(outOfRange(/at least one/));
    expect(() => dev.exportDmaBuf(9, [{ offset: 0, length: page }])).toThrow(outOfRange(/bar must be a BAR number below 6/));
    expect(() => dev.exportDmaBuf(1, [{ offset: 0, length: page }])).toThrow(outOfRange(/BAR 1 of .* is not implemented/));
    expect(() => dev.exportDmaBuf(-1, [{ offset: 0, length: page }])).toThrow(RangeError);
    expect(() => dev.exportDmaBuf(0, [{ offset: '0', length: page }] as never)).toThrow(TypeError);
    expect(() => dev.exportDmaBuf(0, 'all' as never)).toThrow(TypeError);
    expect(() => dev.exportDmaBuf(0, [{ offset: 0, length: page }], { access: 'rw' as never })).toThrow(TypeError);
  });

  it('the kernel agrees: the same mistakes through the raw binding are refused (overlap aside)', (ctx) => {
    using dev = VfioDevice.open(edu(ctx));
    const raw = (bar: number, pairs: number[]) => native.vfioExportDmaBuf(dev.fd, bar, 2, new Float64Array(pairs));
    expect(raw(0, [100, page])).toBe(-22); // unaligned
    expect(raw(0, [0, 0])).toBe(-22); // empty range
    expect(raw(0, [EDU_BAR0_SIZE - page, 2 * page])).toBe(-22); // beyond the BAR
    expect(raw(0, [])).toBe(-22); // nr_ranges 0
    expect(raw(9, [0, page])).toBe(-19); // not a BAR: ENODEV
    expect(raw(1, [0, page])).toBe(-19); // unimplemented BAR: ENODEV
    // Linux 7.2 accepts overlapping ranges; the library refuses them (see above).
    const overlapping = raw(0, [0, 2 * page, page, page]);
    expect(overlapping).toBeGreaterThanOrEqual(0);
    closeSync(overlapping);
  });

  it('refuses a dma-buf from another exporter for revoke and setMemAttr', (ctx) => {
    need(ctx, has.systemHeap(), 'no system heap');
    using dev = VfioDevice.open(edu(ctx));
    using heap = DmaHeap.open('system');
    using foreign = heap.allocate(page);
    expect(() => dev.revoke(foreign)).toThrow(expect.objectContaining({ code: 'ENODEV', message: expect.stringMatching(/exported by 'system'/) }));
    expect(() => dev.setMemAttr(foreign, 'wc')).toThrow(expect.objectContaining({ code: 'ENODEV' }));
    // The kernel agrees (the proposed feature's own check).
    expect(native.vfioRevokeDmaBuf(dev.fd, foreign.fd)).toBe(-19);
    using buf = dev.exportDmaBuf(0, [{ offset: 0, length: page }]);
    expect(() => dev.setMemAttr(buf, 'uc' as never)).toThrow(TypeError);
    expect(() => dev.revoke({ fd: buf.fd } as never)).toThrow(TypeError);
    expect(buf.size).toBe(page);
  });

  it('throws ClosedError on a closed device and on a closed dma-buf', (ctx) => {
    const dev = VfioDevice.open(edu(ctx));
    const buf = dev.exportDmaBuf(0, [{ offset: 0, length: page }]);
    buf.close();
    expect(() => dev.revoke(buf)).toThrow(ClosedError);
    dev.close();
    expect(() => dev.exportDmaBuf(0, [{ offset: 0, length: page }])).toThrow(ClosedError);
    expect(() => dev.region(0)).toThrow(ClosedError);
    expect(() => dev.features).toThrow(ClosedError);
  });

  it('refuses to open a device that is not on vfio-pci, and malformed addresses', (ctx) => {
    findEdu(ctx);
    expect(() => VfioDevice.open('not-an-address')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => VfioDevice.open('0000:7f:1f.7')).toThrow(expect.objectContaining({ code: 'ENODEV', message: expect.stringMatching(/no PCI device/) }));
    expect(() => VfioDevice.open(edu(ctx), { via: 'bus' as never })).toThrow(TypeError);
  });

  it('restore() refuses while the device is open, then hands edu back and can bind again', (ctx) => {
    const addr = edu(ctx);
    const dev = VfioDevice.open(addr);
    expect(() => claim.binding!.restore()).toThrow(expect.objectContaining({ code: 'EBUSY', message: expect.stringMatching(/still open through VFIO by pid/) }));
    dev.close();
    claim.binding!.restore();
    claim.binding!.restore();
    const after = readPciDevice(addr);
    expect(after.driver).toBeUndefined();
    expect(after.driverOverride).toBeUndefined();
    expect(() => VfioDevice.open(addr)).toThrow(expect.objectContaining({ code: 'ENODEV', message: expect.stringMatching(/not vfio-pci/) }));
    claim.binding = bindToVfioPci(addr);
    using again = VfioDevice.open(addr);
    expect(again.region(0).size).toBe(EDU_BAR0_SIZE);
  });

  it('names the missing privilege: root for sysfs, node access for the group, CAP_SYS_RAWIO for no-IOMMU', (ctx) => {
    const addr = edu(ctx);
    need(ctx, process.getuid?.() === 0, 'needs root to drop privileges in a child');
    claim.binding!.restore();
    expect(asNobody('bind', addr)).toMatchObject({ name: 'PrivilegeError', code: 'EACCES', privilege: 'root' });
    claim.binding = bindToVfioPci(addr);
    const group = `/dev/vfio/noiommu-${readPciDevice(addr).iommuGroup}`;
    const denied = asNobody('open', addr);
    expect(denied).toMatchObject({ name: 'PrivilegeError', code: 'EACCES', privilege: 'node-access' });
    expect(denied.message).toContain(group);
    const mode = statSync(group).mode & 0o777;
    chmodSync(group, 0o666);
    try {
      expect(asNobody('open', addr)).toMatchObject({ name: 'PrivilegeError', code: 'EPERM', privilege: 'CAP_SYS_RAWIO' });
    } finally {
      chmodSync(group, mode);
    }
  });
});
