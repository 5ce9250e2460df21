// SPDX-License-Identifier: MIT
// VFIO behind a real IOMMU: the rig's q35 machine with QEMU's virtual Intel
// IOMMU (DMABUF_VM_MACHINE=iommu). The group path with the type1 container,
// the cdev path with iommufd, which one 'auto' takes, how the two exclude each
// other, a group shared by two devices, a group that is not viable, and the
// privileges each node needs, the refusal without interrupt isolation, and
// the proposed mmap/revoke/memattr through both paths. Uses edu #0 and #1
// (groups of their own), the two edu functions of slot 8 (one shared group)
// and the edu beside virtio-gpu in slot 9. One file on purpose: one test
// turns the kernel's allow_unsafe_interrupts off for a moment, which must not
// race another file opening a device.
import { chmodSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';

import { type TestContext, afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FeatureError, KernelError, VfioDevice, type VfioPciBinding, bindToVfioPci, listPciDevices, readPciDevice } from '../../lib/index.js';
import { native } from '../../lib/native.js';
import { fdCount, need } from '../helpers/env.js';
import { EDU, EDU_BAR0_SIZE, asNobody, claimEdu } from '../helpers/vfio.js';
import { describeProposedVfio } from '../helpers/vfio-proposed.js';

const page = native.pageSize;

function groupMembers(group: number): string[] {
  return readdirSync(`/sys/kernel/iommu_groups/${group}/devices`).sort();
}

/** The IOMMU groups holding edu devices, each with every device in it. */
function eduGroups(): { group: number; members: string[] }[] {
  const groups = new Set(listPciDevices(EDU).map((d) => d.iommuGroup).filter((g) => g !== undefined));
  return [...groups].map((group) => ({ group, members: groupMembers(group) }));
}

const isEdu = (address: string): boolean => {
  const d = readPciDevice(address);
  return d.vendor === EDU.vendor && d.device === EDU.device;
};

/** An error matching `code` whose message matches every pattern. */
const failure = (code: string, ...patterns: RegExp[]) =>
  expect.objectContaining({ code, message: expect.stringMatching(new RegExp(patterns.map((p) => `(?=[^]*${p.source})`).join(''))) });

describe('VFIO behind an IOMMU (edu in a group of its own)', () => {
  const claim = claimEdu(0);

  it('bindToVfioPci gives a real IOMMU group (not no-IOMMU) and a device cdev', (ctx) => {
    const addr = claim.address(ctx);
    const info = readPciDevice(addr);
    expect(info.driver).toBe('vfio-pci');
    const group = info.iommuGroup!;
    expect(group).toBeTypeOf('number');
    expect(groupMembers(group)).toEqual([addr]);
    expect(statSync(`/dev/vfio/${group}`).isCharacterDevice()).toBe(true);
    expect(existsSync(`/dev/vfio/noiommu-${group}`)).toBe(false);
    expect(info.vfioCdev).toMatch(/^vfio\d+$/);
    expect(statSync(`/dev/vfio/devices/${info.vfioCdev}`).isCharacterDevice()).toBe(true);
    expect(statSync('/dev/iommu').isCharacterDevice()).toBe(true);
  });

  it("via 'group' sets up a type1v2 container, and exports BAR ranges as dma-bufs", (ctx) => {
    const addr = claim.address(ctx);
    const before = fdCount();
    {
      using dev = VfioDevice.open(addr, { via: 'group' });
      // One fd: the container and the group were closed, the device keeps them.
      expect(fdCount()).toBe(before + 1);
      expect(dev).toMatchObject({ address: addr, via: 'group', iommu: 'type1v2', noIommu: false, iommuGroup: readPciDevice(addr).iommuGroup });
      expect(dev.region(0)).toMatchObject({ size: EDU_BAR0_SIZE, mappable: true });
      expect(dev.features).toEqual({ dmaBuf: true, dmaBufRevoke: true, dmaBufMemAttr: true });
      using buf = dev.exportDmaBuf(0, [{ offset: 0, length: page }, { offset: 8 * page, length: 2 * page }]);
      expect(buf.size).toBe(3 * page);
      expect(buf.fdinfo).toMatchObject({ exporter: 'vfio_pci_core', size: 3 * page });
    }
    expect(fdCount()).toBe(before);
  });

  it("via 'cdev' binds the device to an iommufd with an IOAS attached, and exports BAR ranges as dma-bufs", (ctx) => {
    const addr = claim.address(ctx);
    const before = fdCount();
    {
      using dev = VfioDevice.open(addr, { via: 'cdev' });
      // One fd: the iommufd was closed, the bound device keeps it.
      expect(fdCount()).toBe(before + 1);
      expect(dev).toMatchObject({ address: addr, via: 'cdev', iommu: 'iommufd', noIommu: false, iommuGroup: readPciDevice(addr).iommuGroup });
      expect(dev.info.flags & 2).toBe(2); // VFIO_DEVICE_FLAGS_PCI: device ioctls work once bound
      expect(dev.region(0)).toMatchObject({ size: EDU_BAR0_SIZE, mappable: true });
      expect(dev.features).toEqual({ dmaBuf: true, dmaBufRevoke: true, dmaBufMemAttr: true });
      using buf = dev.exportDmaBuf(0, [{ offset: EDU_BAR0_SIZE - page, length: page }], { access: 'read' });
      expect(buf.size).toBe(page);
      expect(buf.fdinfo).toMatchObject({ exporter: 'vfio_pci_core', size: page });
      expect(buf.fdinfo.flags & 3).toBe(0); // O_RDONLY
    }
    expect(fdCount()).toBe(before);
  });

  it("'auto' prefers the cdev", (ctx) => {
    using dev = VfioDevice.open(claim.address(ctx));
    expect(dev.via).toBe('cdev');
    expect(dev.iommu).toBe('iommufd');
  });

  it('a device open through one path refuses the other, with EBUSY saying why, and loses no fd', (ctx) => {
    const addr = claim.address(ctx);
    const group = readPciDevice(addr).iommuGroup!;
    const before = fdCount();
    {
      using viaCdev = VfioDevice.open(addr, { via: 'cdev' });
      expect(() => VfioDevice.open(addr, { via: 'cdev' })).toThrow(failure('EBUSY', /already open through its VFIO cdev/));
      expect(() => VfioDevice.open(addr, { via: 'group' })).toThrow(failure('EBUSY', new RegExp(`IOMMU group ${group} \\(${addr}\\) is already in use`)));
      expect(viaCdev.region(0).size).toBe(EDU_BAR0_SIZE);
    }
    {
      using viaGroup = VfioDevice.open(addr, { via: 'group' });
      expect(() => VfioDevice.open(addr, { via: 'group' })).toThrow(failure('EBUSY', /already in use/));
      expect(() => VfioDevice.open(addr)).toThrow(failure('EBUSY', new RegExp(`open through /dev/vfio/${group} \\(the group path\\)`)));
      expect(viaGroup.region(0).size).toBe(EDU_BAR0_SIZE);
    }
    expect(fdCount()).toBe(before);
  });

  it('names the node a non-root user cannot open: the group, the cdev, /dev/iommu', (ctx) => {
    const addr = claim.address(ctx);
    need(ctx, process.getuid?.() === 0, 'needs root to drop privileges in a child');
    const info = readPciDevice(addr);
    const group = `/dev/vfio/${info.iommuGroup}`;
    const cdev = `/dev/vfio/devices/${info.vfioCdev}`;
    const denied = (path: string) => ({ name: 'PrivilegeError', code: 'EACCES', privilege: 'node-access', message: expect.stringContaining(path) });
    expect(asNobody('open', addr, 'group')).toMatchObject(denied(group));
    expect(asNobody('open', addr, 'cdev')).toMatchObject(denied(cdev));
    expect(asNobody('open', addr)).toMatchObject(denied(cdev));
    const modes = [group, cdev].map((node) => [node, statSync(node).mode & 0o777] as const);
    chmodSync(cdev, 0o666);
    chmodSync(group, 0o666);
    try {
      // The cdev is open to all now; iommufd is not.
      expect(statSync('/dev/iommu').mode & 0o006).toBe(0);
      expect(asNobody('open', addr, 'cdev')).toMatchObject(denied('/dev/iommu'));
      // Unlike no-IOMMU mode, type1 needs no capability: access to the nodes is enough.
      expect(asNobody('open', addr, 'group')).toEqual({ name: 'none' });
    } finally {
      for (const [node, mode] of modes) chmodSync(node, mode);
    }
  });

  it('without interrupt isolation, type1 and iommufd refuse the device: FeatureError (EPERM) naming the module parameter', (ctx) => {
    const addr = claim.address(ctx);
    // The rig's IOMMU has no interrupt remapping; scripts/vm/run boots with both parameters on.
    const params = ['vfio_iommu_type1', 'iommufd'].map((m) => `/sys/module/${m}/parameters/allow_unsafe_interrupts`);
    expect(params.map((p) => readFileSync(p, 'utf8').trim())).toEqual(['Y', 'Y']);
    const before = fdCount();
    for (const p of params) writeFileSync(p, 'N');
    try {
      const refused = (module: string) => expect.objectContaining({ name: 'FeatureError', code: 'EPERM', message: expect.stringContaining(`${module}.allow_unsafe_interrupts=1`) });
      expect(() => VfioDevice.open(addr, { via: 'group' })).toThrow(refused('vfio_iommu_type1'));
      expect(() => VfioDevice.open(addr, { via: 'cdev' })).toThrow(refused('iommufd'));
      expect(() => VfioDevice.open(addr)).toThrow(FeatureError);
    } finally {
      for (const p of params) writeFileSync(p, 'Y');
    }
    expect(fdCount()).toBe(before);
    using dev = VfioDevice.open(addr);
    expect(dev.iommu).toBe('iommufd');
  });

  it('restore() hands the device back: no driver, no group node, no cdev', (ctx) => {
    const addr = claim.address(ctx);
    const { iommuGroup, vfioCdev } = readPciDevice(addr);
    claim.binding!.restore();
    const after = readPciDevice(addr);
    expect(after).toMatchObject({ driver: undefined, driverOverride: undefined, iommuGroup, vfioCdev: undefined });
    expect(existsSync(`/dev/vfio/${iommuGroup}`)).toBe(false);
    expect(existsSync(`/dev/vfio/devices/${vfioCdev}`)).toBe(false);
  });
});

/**
 * A describe block's loan of several devices to vfio-pci: bound by `bind()`,
 * given back in afterAll, which also checks that no fd leaked.
 */
function lendDevices(): { bind: (address: string) => void } {
  const bindings: VfioPciBinding[] = [];
  let fds = 0;
  beforeAll(() => {
    fds = fdCount();
  });
  afterAll(() => {
    for (const b of bindings.reverse()) b.restore();
    for (const b of bindings) expect(readPciDevice(b.address).driver).toBeUndefined();
    expect(fdCount()).toBe(fds);
  });
  return { bind: (address) => void bindings.push(bindToVfioPci(address)) };
}

describe('VFIO with a group of two devices (edu functions 08.0 and 08.1)', () => {
  const lent = lendDevices();
  let pair: string[] = [];
  let group = -1;

  const setup = (ctx: TestContext): [string, string] => {
    if (pair.length === 0) {
      const shared = eduGroups().find((g) => g.members.length === 2 && g.members.every(isEdu));
      need(ctx, shared !== undefined, 'no IOMMU group holding two edu devices (DMABUF_VM_MACHINE=iommu)');
      group = shared!.group;
      pair = shared!.members;
    }
    return pair as [string, string];
  };

  it('a group whose other device has no driver is viable: one device opens alone', (ctx) => {
    const [a, b] = setup(ctx);
    lent.bind(a);
    expect(readPciDevice(b).driver).toBeUndefined();
    using dev = VfioDevice.open(a, { via: 'group' });
    expect(dev).toMatchObject({ iommu: 'type1v2', iommuGroup: group });
  });

  it('with both on vfio-pci, the group is held by one VfioDevice at a time; the error names the group and its devices', (ctx) => {
    const [a, b] = setup(ctx);
    lent.bind(b);
    const before = fdCount();
    const members = new RegExp(`IOMMU group ${group} \\(${a}, ${b}\\)`);
    {
      using first = VfioDevice.open(a, { via: 'group' });
      expect(() => VfioDevice.open(b, { via: 'group' })).toThrow(failure('EBUSY', members, /already in use/));
      expect(() => VfioDevice.open(b, { via: 'cdev' })).toThrow(failure('EBUSY', members, /group path/));
      expect(first.iommu).toBe('type1v2');
    }
    {
      using first = VfioDevice.open(a, { via: 'cdev' });
      expect(() => VfioDevice.open(b, { via: 'cdev' })).toThrow(failure('EPERM', members, /open through another iommufd/));
      expect(() => VfioDevice.open(b, { via: 'group' })).toThrow(failure('EBUSY', members, /already in use/));
      expect(first.iommu).toBe('iommufd');
    }
    expect(fdCount()).toBe(before);
    using second = VfioDevice.open(b);
    expect(second.via).toBe('cdev');
  });
});

describe('VFIO with a group that is not viable (edu beside virtio-gpu in slot 9)', () => {
  const lent = lendDevices();

  it('opening either way is EPERM naming the device still on its host driver, and loses no fd', (ctx) => {
    const found = eduGroups()
      .map(({ members }) => ({ edu: members.find(isEdu), host: members.find((m) => !isEdu(m) && readPciDevice(m).driver !== undefined) }))
      .find((g) => g.edu !== undefined && g.host !== undefined);
    need(ctx, found !== undefined, 'no IOMMU group holding an edu and a device on a host driver (DMABUF_VM_MACHINE=iommu)');
    const { edu, host } = found as { edu: string; host: string };
    lent.bind(edu);
    expect(readPciDevice(edu).driver).toBe('vfio-pci');
    const hostDriver = readPciDevice(host).driver!;
    const before = fdCount();
    for (const via of ['group', 'cdev', 'auto'] as const) {
      let error: unknown;
      try {
        VfioDevice.open(edu, { via }).close();
      } catch (e) {
        error = e;
      }
      expect(error, `via ${via}`).toBeInstanceOf(KernelError);
      expect(error, `via ${via}`).toMatchObject(failure('EPERM', /is not viable/, new RegExp(`still on host drivers: ${host} \\(${hostDriver}\\)`)));
    }
    expect(fdCount()).toBe(before);
  });
});

// The proposed series behind the IOMMU, through each path, on edu #1: the same
// checks as the no-IOMMU run (test/devices/vfio-proposed.test.ts).
describeProposedVfio(1, 'group', 'type1v2');
describeProposedVfio(1, 'cdev', 'iommufd');
