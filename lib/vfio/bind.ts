// SPDX-License-Identifier: MIT
/**
 * Handing a PCI device to vfio-pci and giving it back, through sysfs
 * (driver_override + unbind + drivers_probe), for smoke tests that borrow a
 * device from its usual driver.
 * @module
 */
import { existsSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';

import { EACCES, EBUSY, EIO, ENODEV, ENOENT, EPERM, FeatureError, KernelError, PrivilegeError } from '../errors.js';
import { type PciDeviceInfo, PCI_DEVICES, normalizePciAddress, readPciDevice } from './pci-sysfs.js';

const VFIO_PCI = '/sys/bus/pci/drivers/vfio-pci';

/** Writes one sysfs attribute, turning failures into errors that say what was being done. */
function writeSysfs(path: string, value: string, doing: string): void {
  try {
    writeFileSync(path, value);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const errno = e.errno ?? EIO;
    if (errno === EACCES || errno === EPERM) {
      throw new PrivilegeError(errno, 'root', 'writing PCI sysfs attributes needs root (CAP_SYS_ADMIN and write access to /sys)', {
        syscall: 'write',
        path,
        context: doing,
      });
    }
    throw new KernelError(errno, { syscall: 'write', path, context: doing });
  }
}

/** A group-path device fd names its device only in fdinfo (`vfio-device-syspath`); where the kernel does not say, any VFIO device fd counts. */
function isThisDevice(pid: string, fd: string, address: string): boolean {
  try {
    const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    return /^vfio-device-syspath:\s*(\S+)$/m.exec(info)?.[1]?.endsWith(`/${address}`) ?? true;
  } catch {
    return false;
  }
}

/**
 * Processes holding the device open: its VFIO group node, its cdev, or a
 * device fd (anon inode) that names it. Unbinding a
 * device that is open makes the kernel wait, inside the write(2), until
 * every user lets go: a synchronous write here would hang this thread.
 */
function holders(device: PciDeviceInfo): number[] {
  const nodes = new Set<string>();
  if (device.iommuGroup !== undefined) {
    nodes.add(`/dev/vfio/${device.iommuGroup}`);
    nodes.add(`/dev/vfio/noiommu-${device.iommuGroup}`);
  }
  if (device.vfioCdev) nodes.add(`/dev/vfio/devices/${device.vfioCdev}`);
  const pids: number[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (nodes.has(target) || (target === 'anon_inode:[vfio-device]' && isThisDevice(pid, fd, device.address))) {
        pids.push(Number(pid));
        break;
      }
    }
  }
  return pids;
}

/**
 * A device lent to vfio-pci by `bindToVfioPci()`. `restore()` (also
 * `[Symbol.dispose]`) gives it back to the driver it had, with the
 * driver_override it had.
 */
export class VfioPciBinding implements Disposable {
  /** The device's full PCI address. */
  readonly address: string;
  /** The driver bound before, or `undefined` if none was. */
  readonly previousDriver: string | undefined;
  /** False when the device was already on vfio-pci: restore() then leaves it there. */
  readonly changed: boolean;
  readonly #previousOverride: string | undefined;
  #restored = false;

  /** @internal use bindToVfioPci() */
  constructor(before: PciDeviceInfo, changed: boolean) {
    this.address = before.address;
    this.previousDriver = before.driver;
    this.#previousOverride = before.driverOverride;
    this.changed = changed;
  }

  /** True once restore() has run. */
  get restored(): boolean {
    return this.#restored;
  }

  /**
   * Unbinds the device from vfio-pci, puts back its driver_override and
   * lets its previous driver (if any) probe it again. Idempotent.
   * Needs root.
   * @throws {KernelError} EBUSY: some process (pids in the message) still
   *   holds the device open through VFIO; close every VfioDevice first
   * @throws {PrivilegeError} not root
   * @throws {KernelError} the previous driver did not take the device back
   */
  restore(): void {
    if (this.#restored || !this.changed) {
      this.#restored = true;
      return;
    }
    const now = readPciDevice(this.address);
    if (now.driver === 'vfio-pci') {
      const pids = holders(now);
      if (pids.length > 0) {
        throw new KernelError(EBUSY, {
          syscall: 'write',
          path: `${VFIO_PCI}/unbind`,
          context: `${this.address} is still open through VFIO by pid ${pids.join(', ')}; close every VfioDevice on it before restore() (the kernel would block the unbind until then)`,
        });
      }
      writeSysfs(`${VFIO_PCI}/unbind`, this.address, `unbinding ${this.address} from vfio-pci`);
    }
    // An empty line clears the override.
    writeSysfs(`${PCI_DEVICES}/${this.address}/driver_override`, this.#previousOverride ?? '\n', `restoring ${this.address}'s driver_override`);
    this.#restored = true;
    if (this.previousDriver === undefined) return;
    writeSysfs('/sys/bus/pci/drivers_probe', this.address, `probing ${this.address} for ${this.previousDriver}`);
    const after = readPciDevice(this.address);
    if (after.driver !== this.previousDriver) {
      throw new KernelError(ENODEV, {
        syscall: 'write',
        path: '/sys/bus/pci/drivers_probe',
        context: `${this.previousDriver} did not take ${this.address} back (now: ${after.driver ?? 'no driver'}); see the kernel log`,
      });
    }
  }

  /** Same as `restore()`, for `using`. */
  [Symbol.dispose](): void {
    this.restore();
  }
}

/**
 * Binds a PCI device to vfio-pci: sets its driver_override to vfio-pci,
 * unbinds it from its current driver and asks the PCI core to probe it.
 * Returns a binding whose `restore()` undoes all three. A device already on
 * vfio-pci is left as it is. Use `using binding = bindToVfioPci(addr)`.
 *
 * Needs root, CONFIG_VFIO_PCI, and an IOMMU group for the device: a real
 * IOMMU (intel_iommu=on / amd_iommu) or, without one, VFIO's unsafe
 * no-IOMMU mode (`vfio.enable_unsafe_noiommu_mode=1`).
 * @param address `'0000:00:04.0'` (the domain may be left out)
 * @throws {TypeError} malformed address
 * @throws {KernelError} ENODEV: no such device, or vfio-pci refused it (the message says why, e.g. no IOMMU group)
 * @throws {FeatureError} the kernel has no vfio-pci driver
 * @throws {PrivilegeError} not root
 */
export function bindToVfioPci(address: string): VfioPciBinding {
  const before = readPciDevice(normalizePciAddress(address));
  if (before.driver === 'vfio-pci') return new VfioPciBinding(before, false);
  if (!existsSync(VFIO_PCI)) {
    throw new FeatureError(ENOENT, 'vfio-pci', 'needs CONFIG_VFIO_PCI (built in, or `modprobe vfio-pci`)', {
      syscall: 'stat',
      path: VFIO_PCI,
    });
  }
  const dev = before.address;
  const binding = new VfioPciBinding(before, true);
  writeSysfs(`${PCI_DEVICES}/${dev}/driver_override`, 'vfio-pci', `setting ${dev}'s driver_override`);
  try {
    if (before.driver !== undefined) writeSysfs(`${PCI_DEVICES}/${dev}/driver/unbind`, dev, `unbinding ${dev} from ${before.driver}`);
    writeSysfs('/sys/bus/pci/drivers_probe', dev, `probing ${dev} for vfio-pci`);
    const after = readPciDevice(dev);
    if (after.driver !== 'vfio-pci') {
      const why =
        after.iommuGroup === undefined
          ? 'the device has no IOMMU group: enable the IOMMU (intel_iommu=on, amd_iommu=on) or boot with vfio.enable_unsafe_noiommu_mode=1'
          : 'see the kernel log';
      throw new KernelError(ENODEV, { syscall: 'write', path: '/sys/bus/pci/drivers_probe', context: `vfio-pci did not take ${dev}: ${why}` });
    }
  } catch (error) {
    try {
      binding.restore();
    } catch {
      // Report the first failure; the restore attempt was best effort.
    }
    throw error;
  }
  return binding;
}
