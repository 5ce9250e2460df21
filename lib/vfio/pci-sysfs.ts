// SPDX-License-Identifier: MIT
/**
 * PCI devices as sysfs shows them (/sys/bus/pci/devices/<address>): the
 * facts VFIO needs before any ioctl (driver, IOMMU group, VFIO cdev).
 * @module
 */
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';

import { assertInt, assertString, options, valueError } from '../args.js';
import { ENODEV, KernelError } from '../errors.js';

export const PCI_DEVICES = '/sys/bus/pci/devices';

/** What sysfs says about one PCI device. */
export interface PciDeviceInfo {
  /** Full address, `'0000:00:04.0'`. */
  address: string;
  /** The PCI vendor id, e.g. `0x1234`. */
  vendor: number;
  /** The PCI device id, e.g. `0x11e8` (QEMU's edu). */
  device: number;
  /** PCI class code, e.g. 0x00ff00. */
  class: number;
  /** Bound driver, or `undefined` when none is. */
  driver: string | undefined;
  /** `driver_override`, or `undefined` when unset. */
  driverOverride: string | undefined;
  /** IOMMU group number, or `undefined` when the device has none (no IOMMU, no vfio no-IOMMU group yet). */
  iommuGroup: number | undefined;
  /** The VFIO device cdev (`'vfio0'`) while bound to vfio-pci behind an IOMMU; `undefined` otherwise. */
  vfioCdev: string | undefined;
}

const ADDRESS = /^(?:([0-9a-f]{4}):)?([0-9a-f]{2}):([0-1][0-9a-f])\.([0-7])$/i;

/**
 * `'00:04.0'` or `'0000:00:04.0'` -> `'0000:00:04.0'` (lower case, domain added).
 * @throws {TypeError} code ERR_INVALID_ARG_VALUE: not a PCI address
 */
export function normalizePciAddress(address: unknown): string {
  assertString('address', address);
  const m = ADDRESS.exec(address);
  if (!m) {
    throw valueError(`address must be a PCI address such as '0000:00:04.0', received ${JSON.stringify(address)}`);
  }
  return `${m[1] ?? '0000'}:${m[2]}:${m[3]}.${m[4]}`.toLowerCase();
}

/** The sysfs directory of a device. @throws {KernelError} ENODEV: no such device */
export function pciDevicePath(address: string): string {
  const path = `${PCI_DEVICES}/${address}`;
  if (!existsSync(path)) {
    throw new KernelError(ENODEV, { syscall: 'stat', path, context: `no PCI device ${address}` });
  }
  return path;
}

function linkName(path: string): string | undefined {
  try {
    return basename(readlinkSync(path));
  } catch {
    return undefined;
  }
}

function hex(path: string): number {
  return Number.parseInt(readFileSync(path, 'utf8').trim(), 16);
}

/**
 * Reads one device's sysfs entries. Needs /sys mounted; no privilege.
 * @throws {TypeError} malformed address
 * @throws {KernelError} ENODEV: no such device
 */
export function readPciDevice(address: string): PciDeviceInfo {
  const full = normalizePciAddress(address);
  const path = pciDevicePath(full);
  const override = readFileSync(`${path}/driver_override`, 'utf8').trim();
  const group = linkName(`${path}/iommu_group`);
  let vfioCdev: string | undefined;
  try {
    // The vfio-dev entry exists for every vfio device; only a device with a
    // cdev (behind an IOMMU) has a `dev` number in it.
    vfioCdev = readdirSync(`${path}/vfio-dev`).find((name) => name.startsWith('vfio') && existsSync(`${path}/vfio-dev/${name}/dev`));
  } catch {
    vfioCdev = undefined;
  }
  return {
    address: full,
    vendor: hex(`${path}/vendor`),
    device: hex(`${path}/device`),
    class: hex(`${path}/class`),
    driver: linkName(`${path}/driver`),
    driverOverride: override === '(null)' || override === '' ? undefined : override,
    iommuGroup: group === undefined ? undefined : Number(group),
    vfioCdev,
  };
}

/**
 * Every PCI device, optionally only those matching `vendor` / `device`.
 * Needs /sys mounted; no privilege.
 * @throws {TypeError} / {RangeError} malformed filter
 */
export function listPciDevices(filter?: { vendor?: number; device?: number }): PciDeviceInfo[] {
  const { vendor, device } = options<{ vendor: number; device: number }>('filter', filter, ['vendor', 'device']);
  if (vendor !== undefined) assertInt('filter.vendor', vendor, 0, 0xffff);
  if (device !== undefined) assertInt('filter.device', device, 0, 0xffff);
  return readdirSync(PCI_DEVICES)
    .sort()
    .map((address) => readPciDevice(address))
    .filter((d) => (vendor === undefined || d.vendor === vendor) && (device === undefined || d.device === device));
}

/** Addresses of every device in an IOMMU group. */
export function iommuGroupDevices(group: number): string[] {
  try {
    return readdirSync(`/sys/kernel/iommu_groups/${group}/devices`).sort();
  } catch {
    return [];
  }
}
