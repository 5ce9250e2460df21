// SPDX-License-Identifier: MIT
/**
 * The two ways to a VFIO device fd: the legacy group + container path, and
 * the device cdev bound to iommufd. Each returns only the device fd: the
 * kernel keeps the group, container or iommufd alive for as long as the
 * device fd is open (the device file holds a reference on each), so the
 * helper fds are closed before returning and VfioDevice owns a single fd.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';

import { O_CLOEXEC, O_RDWR } from '../constants.js';
import { EACCES, EBUSY, EINVAL, EIO, ENODEV, ENOENT, EPERM, EPROTO, FeatureError, KernelError, PrivilegeError, check } from '../errors.js';
import { closeFd, openFd } from '../fd-native.js';
import { native } from '../native.js';
import { type PciDeviceInfo, iommuGroupDevices, readPciDevice } from './pci-sysfs.js';

/** VFIO_TYPE1_IOMMU, VFIO_TYPE1v2_IOMMU, VFIO_NOIOMMU_IOMMU */
const TYPE1 = 1;
const TYPE1V2 = 3;
const NOIOMMU = 8;
const GROUP_VIABLE = 1;

/** How a VFIO device is opened: through its IOMMU group and a container, or its cdev and iommufd. */
export type VfioPath = 'group' | 'cdev';

export interface OpenedDevice {
  fd: number;
  via: VfioPath;
  /** The group is a no-IOMMU group: no DMA isolation (vfio.enable_unsafe_noiommu_mode). */
  noIommu: boolean;
  /** 'type1v2', 'type1', 'noiommu' or 'iommufd'. */
  iommu: string;
}

const who = (): string => `uid ${process.getuid?.() ?? '?'}`;

/**
 * Opens a VFIO node read-write, explaining a refusal by the privilege it
 * needs. `busy` replaces the generic explanation of EBUSY.
 */
function openNode(path: string, what: string, opts: { noIommu?: boolean; busy?: string } = {}): number {
  const { noIommu = false, busy } = opts;
  try {
    return openFd(path, O_RDWR | O_CLOEXEC);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const errno = e.errno ?? EIO;
    if (errno === EACCES) {
      throw new PrivilegeError(errno, 'node-access', `${what} needs read-write access to ${path}: run as root, or give your user the node (a udev rule or chown); this process is ${who()}`, {
        syscall: 'open',
        path,
      });
    }
    if (errno === EPERM && noIommu) {
      throw new PrivilegeError(errno, 'CAP_SYS_RAWIO', `${what}: VFIO's no-IOMMU mode needs CAP_SYS_RAWIO (a no-IOMMU device can DMA anywhere)`, {
        syscall: 'open',
        path,
      });
    }
    if (errno === EBUSY) {
      throw new KernelError(errno, {
        syscall: 'open',
        path,
        context: `${what}: ${busy ?? 'already open (a group or device is opened once, by one process and one path at a time)'}`,
      });
    }
    if (errno === ENOENT) {
      throw new FeatureError(errno, 'VFIO', `${path} does not exist: the kernel needs CONFIG_VFIO, or \`modprobe vfio-pci\``, { syscall: 'open', path });
    }
    throw new KernelError(errno, { syscall: 'open', path, context: what });
  }
}

function closeAll(fds: number[]): void {
  for (const fd of fds) closeFd(fd);
}

/** `'IOMMU group 5 (0000:00:08.0, 0000:00:08.1)'`: the group and every device in it. */
function describeGroup(group: number): string {
  const members = iommuGroupDevices(group);
  return `IOMMU group ${group}${members.length > 0 ? ` (${members.join(', ')})` : ''}`;
}

/**
 * The other devices of the group bound to a driver other than vfio-pci: a
 * kernel driver owns their DMA, so the group cannot be handed to user space.
 */
function hostDriverSiblings(dev: PciDeviceInfo, group: number): string[] {
  return iommuGroupDevices(group)
    .filter((a) => a !== dev.address)
    .map((a) => readPciDevice(a))
    .filter((d) => d.driver !== undefined && d.driver !== 'vfio-pci')
    .map((d) => `${d.address} (${d.driver})`);
}

/**
 * type1 and iommufd refuse a device whose MSIs the IOMMU cannot isolate (no
 * interrupt remapping: a DMA write could raise any interrupt) unless the
 * module's allow_unsafe_interrupts parameter is set.
 */
function msiNotIsolated(errno: number, module: 'vfio_iommu_type1' | 'iommufd', details: { syscall: string; request: string; path: string }): FeatureError {
  return new FeatureError(
    errno,
    'MSI isolation (interrupt remapping)',
    `the IOMMU cannot isolate this device's interrupts (no interrupt remapping), and ${module} refuses such devices: enable interrupt remapping (firmware, intremap), or accept the risk with ${module}.allow_unsafe_interrupts=1 (/sys/module/${module}/parameters/allow_unsafe_interrupts)`,
    details,
  );
}

/** Whether a kernel module's boolean parameter reads Y; undefined when it cannot be read. */
function moduleFlag(module: string, param: string): boolean | undefined {
  try {
    return readFileSync(`/sys/module/${module}/parameters/${param}`, 'utf8').trim() === 'Y';
  } catch {
    return undefined;
  }
}

/** The EPERM of a group no one may own: some device of it is on a host driver. */
function notViable(group: number, hostDriven: string[], details: { syscall: string; request: string; path: string }): KernelError {
  return new KernelError(EPERM, {
    ...details,
    context: `${describeGroup(group)} is not viable: every device in it must be bound to vfio-pci (or to no driver); still on host drivers: ${hostDriven.join(', ') || 'unknown'}`,
  });
}

/**
 * /dev/vfio/vfio + /dev/vfio/<group>: set the container, choose the IOMMU
 * model, then VFIO_GROUP_GET_DEVICE_FD by PCI address.
 */
export function openViaGroup(dev: PciDeviceInfo): OpenedDevice {
  const group = dev.iommuGroup;
  if (group === undefined) {
    throw new KernelError(ENODEV, { syscall: 'open', context: `${dev.address} has no IOMMU group; bind it to vfio-pci first` });
  }
  const noIommu = existsSync(`/dev/vfio/noiommu-${group}`);
  const groupPath = noIommu ? `/dev/vfio/noiommu-${group}` : `/dev/vfio/${group}`;
  const helpers: number[] = [];
  try {
    const container = openNode('/dev/vfio/vfio', 'opening the VFIO container');
    helpers.push(container);
    const version = check(native.vfioGetApiVersion(container), { syscall: 'ioctl', request: 'VFIO_GET_API_VERSION' });
    if (version !== 0) {
      throw new FeatureError(EPROTO, 'VFIO', `this library speaks VFIO API version 0, the kernel reports ${version}`, { syscall: 'ioctl', request: 'VFIO_GET_API_VERSION' });
    }
    const groupFd = openNode(groupPath, `opening VFIO group ${group}`, {
      noIommu,
      busy: `${describeGroup(group)} is already in use: VFIO lets one VfioDevice at a time open a group, and none while a device of the group is open through its cdev; close the VfioDevice that holds it`,
    });
    helpers.push(groupFd);
    const status = check(native.vfioGroupGetStatus(groupFd), { syscall: 'ioctl', request: 'VFIO_GROUP_GET_STATUS', path: groupPath });
    if ((status & GROUP_VIABLE) === 0) {
      throw notViable(group, hostDriverSiblings(dev, group), { syscall: 'ioctl', request: 'VFIO_GROUP_GET_STATUS', path: groupPath });
    }
    check(native.vfioGroupSetContainer(groupFd, container), { syscall: 'ioctl', request: 'VFIO_GROUP_SET_CONTAINER', path: groupPath });
    const iommu = noIommu ? NOIOMMU : chooseType1(container);
    const rc = native.vfioSetIommu(container, iommu);
    if (rc === EPERM && noIommu) {
      throw new PrivilegeError(rc, 'CAP_SYS_RAWIO', "VFIO's no-IOMMU mode needs CAP_SYS_RAWIO", { syscall: 'ioctl', request: 'VFIO_SET_IOMMU' });
    }
    if (rc === EPERM) throw msiNotIsolated(rc, 'vfio_iommu_type1', { syscall: 'ioctl', request: 'VFIO_SET_IOMMU', path: groupPath });
    check(rc, { syscall: 'ioctl', request: 'VFIO_SET_IOMMU' });
    const fd = check(native.vfioGroupGetDeviceFd(groupFd, dev.address), {
      syscall: 'ioctl',
      request: 'VFIO_GROUP_GET_DEVICE_FD',
      path: groupPath,
      context: `opening ${dev.address}`,
    });
    return { fd, via: 'group', noIommu, iommu: iommu === NOIOMMU ? 'noiommu' : iommu === TYPE1V2 ? 'type1v2' : 'type1' };
  } finally {
    closeAll(helpers);
  }
}

function chooseType1(container: number): number {
  if (native.vfioCheckExtension(container, TYPE1V2) > 0) return TYPE1V2;
  if (native.vfioCheckExtension(container, TYPE1) > 0) return TYPE1;
  throw new FeatureError(ENODEV, 'VFIO type1 IOMMU', 'needs CONFIG_VFIO_IOMMU_TYPE1 and an IOMMU driver', { syscall: 'ioctl', request: 'VFIO_CHECK_EXTENSION' });
}

/**
 * /dev/vfio/devices/vfioN + /dev/iommu: VFIO_DEVICE_BIND_IOMMUFD, then an
 * IO address space attached, so the device is in the state a type1
 * container would leave it in (DMA translated through an empty IOAS).
 */
export function openViaCdev(dev: PciDeviceInfo): OpenedDevice {
  if (!dev.vfioCdev) {
    throw new FeatureError(ENOENT, 'VFIO device cdev', `${dev.address} has no VFIO cdev: needs CONFIG_VFIO_DEVICE_CDEV (Linux 6.6+) and a device behind an IOMMU (no-IOMMU devices have none)`, {
      syscall: 'stat',
      path: `/sys/bus/pci/devices/${dev.address}/vfio-dev`,
    });
  }
  const path = `/dev/vfio/devices/${dev.vfioCdev}`;
  const fd = openNode(path, `opening ${dev.address}'s VFIO cdev`);
  let iommufd: number | undefined;
  try {
    iommufd = openNode('/dev/iommu', 'opening iommufd');
    bindIommufd(dev, fd, iommufd, path);
    const ioas = check(native.iommuIoasAlloc(iommufd), { syscall: 'ioctl', request: 'IOMMU_IOAS_ALLOC', path: '/dev/iommu' });
    check(native.vfioDeviceAttachIommufdPt(fd, ioas), { syscall: 'ioctl', request: 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', path });
    return { fd, via: 'cdev', noIommu: false, iommu: 'iommufd' };
  } catch (error) {
    closeFd(fd);
    throw error;
  } finally {
    if (iommufd !== undefined) closeFd(iommufd);
  }
}

/**
 * VFIO_DEVICE_BIND_IOMMUFD, its refusals explained. The kernel answers EBUSY
 * while the device's group is open (the group path), EINVAL when the device
 * is already open through its cdev (reported here as EBUSY, the library's
 * "already open"), and EPERM when the group's DMA belongs to someone else
 * (a host driver on another device of the group, or another iommufd that a
 * device of the same group is bound to) or when the IOMMU cannot isolate
 * the device's interrupts.
 */
function bindIommufd(dev: PciDeviceInfo, fd: number, iommufd: number, path: string): void {
  const rc = native.vfioDeviceBindIommufd(fd, iommufd);
  if (rc >= 0) return;
  const details = { syscall: 'ioctl', request: 'VFIO_DEVICE_BIND_IOMMUFD', path };
  const group = dev.iommuGroup;
  if (rc === EINVAL) {
    throw new KernelError(EBUSY, { ...details, context: `${dev.address} is already open through its VFIO cdev (a cdev is opened once at a time; the kernel said EINVAL)` });
  }
  if (rc === EBUSY && group !== undefined) {
    throw new KernelError(rc, {
      ...details,
      context: `${describeGroup(group)} is open through /dev/vfio/${group} (the group path): no device of it can be opened through its cdev until that VfioDevice is closed`,
    });
  }
  if (rc === EPERM && group !== undefined) {
    const hostDriven = hostDriverSiblings(dev, group);
    if (hostDriven.length > 0) throw notViable(group, hostDriven, details);
    // Alone in its group (or beside driverless devices), nothing can own its
    // DMA: the refusal is iommufd's check of interrupt isolation.
    const vfioSiblings = iommuGroupDevices(group).filter((a) => a !== dev.address && readPciDevice(a).driver === 'vfio-pci');
    if (vfioSiblings.length === 0 && moduleFlag('iommufd', 'allow_unsafe_interrupts') !== true) throw msiNotIsolated(rc, 'iommufd', details);
    throw new KernelError(rc, {
      ...details,
      context: `another device of ${describeGroup(group)} is open through another iommufd: the devices of one group share one DMA owner, so open one device of a shared group at a time`,
    });
  }
  check(rc, details);
}
