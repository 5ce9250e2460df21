// SPDX-License-Identifier: MIT
/**
 * The two ways to a VFIO device fd: the legacy group + container path, and
 * the device cdev bound to iommufd. Each returns only the device fd: the
 * kernel keeps the group, container or iommufd alive for as long as the
 * device fd is open (the device file holds a reference on each), so the
 * helper fds are closed before returning and VfioDevice owns a single fd.
 * @module
 * @internal
 */
import { closeSync, existsSync, openSync } from 'node:fs';

import { O_CLOEXEC, O_RDWR } from '../constants.js';
import { EACCES, EBUSY, EIO, ENODEV, ENOENT, EPERM, EPROTO, FeatureError, KernelError, PrivilegeError, check } from '../errors.js';
import { native } from '../native.js';
import { type PciDeviceInfo, iommuGroupDevices, readPciDevice } from './pci-sysfs.js';

/** VFIO_TYPE1_IOMMU, VFIO_TYPE1v2_IOMMU, VFIO_NOIOMMU_IOMMU */
const TYPE1 = 1;
const TYPE1V2 = 3;
const NOIOMMU = 8;
const GROUP_VIABLE = 1;

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

/** Opens a VFIO node read-write, explaining a refusal by the privilege it needs. */
function openNode(path: string, what: string, noIommu = false): number {
  try {
    return openSync(path, O_RDWR | O_CLOEXEC);
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
        context: `${what}: already open (a group or device is opened once, by one process and one path at a time)`,
      });
    }
    if (errno === ENOENT) {
      throw new FeatureError(errno, 'VFIO', `${path} does not exist: the kernel needs CONFIG_VFIO, or \`modprobe vfio-pci\``, { syscall: 'open', path });
    }
    throw new KernelError(errno, { syscall: 'open', path, context: what });
  }
}

function closeAll(fds: number[]): void {
  for (const fd of fds) closeSync(fd);
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
    const groupFd = openNode(groupPath, `opening VFIO group ${group}`, noIommu);
    helpers.push(groupFd);
    const status = check(native.vfioGroupGetStatus(groupFd), { syscall: 'ioctl', request: 'VFIO_GROUP_GET_STATUS', path: groupPath });
    if ((status & GROUP_VIABLE) === 0) {
      const others = iommuGroupDevices(group).filter((a) => a !== dev.address && readPciDevice(a).driver !== 'vfio-pci');
      throw new KernelError(EPERM, {
        syscall: 'ioctl',
        request: 'VFIO_GROUP_GET_STATUS',
        path: groupPath,
        context: `IOMMU group ${group} is not viable: every device in it must be bound to vfio-pci (or no driver); still on host drivers: ${others.join(', ') || 'unknown'}`,
      });
    }
    check(native.vfioGroupSetContainer(groupFd, container), { syscall: 'ioctl', request: 'VFIO_GROUP_SET_CONTAINER', path: groupPath });
    const iommu = noIommu ? NOIOMMU : chooseType1(container);
    const rc = native.vfioSetIommu(container, iommu);
    if (rc === EPERM && noIommu) {
      throw new PrivilegeError(rc, 'CAP_SYS_RAWIO', "VFIO's no-IOMMU mode needs CAP_SYS_RAWIO", { syscall: 'ioctl', request: 'VFIO_SET_IOMMU' });
    }
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
    check(native.vfioDeviceBindIommufd(fd, iommufd), { syscall: 'ioctl', request: 'VFIO_DEVICE_BIND_IOMMUFD', path });
    const ioas = check(native.iommuIoasAlloc(iommufd), { syscall: 'ioctl', request: 'IOMMU_IOAS_ALLOC', path: '/dev/iommu' });
    check(native.vfioDeviceAttachIommufdPt(fd, ioas), { syscall: 'ioctl', request: 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', path });
    return { fd, via: 'cdev', noIommu: false, iommu: 'iommufd' };
  } catch (error) {
    closeSync(fd);
    throw error;
  } finally {
    if (iommufd !== undefined) closeSync(iommufd);
  }
}
