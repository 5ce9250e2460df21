// SPDX-License-Identifier: MIT
/**
 * A VFIO PCI device: its regions, and BAR ranges handed out as dma-bufs
 * (VFIO_DEVICE_FEATURE_DMA_BUF), with the proposed revoke and memory
 * attribute features.
 * @module
 */
import { assertInt, assertInstance, assertOneOf, flag, options, rangeError } from '../args.js';
import { type Access, O_CLOEXEC, accessModes, openMode } from '../constants.js';
import { DmaBuf, trackedMappings } from '../dma-buf.js';
import { EINVAL, ENODEV, ENOTTY, EOPNOTSUPP, FeatureError, KernelError, check, checkFeature } from '../errors.js';
import { FdResource } from '../fd-resource.js';
import { native } from '../native.js';
import { WeakMembers } from '../weak-members.js';
import { type OpenedDevice, type VfioPath, openViaCdev, openViaGroup } from './open.js';
import { type PciDeviceInfo, readPciDevice } from './pci-sysfs.js';
import { VFIO_DMA_BUF_PROPOSED, VFIO_EXPORTER } from './proposed.js';
import { type BarRange, packRanges } from './ranges.js';

const FEATURE_GET = 1 << 16;
const FEATURE_SET = 1 << 17;
const FEATURE_DMA_BUF = 11;
const FEATURE_DMA_BUF_REVOKE = 13;
const FEATURE_DMA_BUF_MEMATTR = 14;
/** BAR0..BAR5 are regions 0..5 on vfio-pci; 6 is the ROM, 7 config space, 8 VGA. */
const PCI_BAR_COUNT = 6;

/** VFIO_REGION_INFO_FLAG_* as booleans, with the region's size. */
export interface VfioRegion {
  /** The region index: 0-5 are BARs 0-5, 6 the ROM, 7 PCI config space. */
  index: number;
  /** Bytes; 0 for a BAR the device does not implement. */
  size: number;
  /** Offset of the region in the device fd, for pread/pwrite/mmap of the fd itself. */
  offset: number;
  /** The region can be read (VFIO_REGION_INFO_FLAG_READ). */
  readable: boolean;
  /** The region can be written (VFIO_REGION_INFO_FLAG_WRITE). */
  writable: boolean;
  /** The region can be mmap()ed through the device fd. */
  mappable: boolean;
  /** Raw VFIO_REGION_INFO_FLAG_* bits. */
  flags: number;
}

/** What the device's driver supports, from VFIO_DEVICE_FEATURE_PROBE. */
export interface VfioFeatures {
  /** BAR ranges as dma-bufs (Linux 6.19+, CONFIG_VFIO_PCI_DMABUF). */
  dmaBuf: boolean;
  /** PROPOSED: permanent revocation of an exported dma-buf. */
  dmaBufRevoke: boolean;
  /** PROPOSED: write-combining CPU mappings of an exported dma-buf. */
  dmaBufMemAttr: boolean;
}

/** Options of `VfioDevice.open()`. */
export interface VfioOpenOptions {
  /**
   * `'group'`: /dev/vfio/vfio + the IOMMU group (type1, or no-IOMMU);
   * `'cdev'`: /dev/vfio/devices/vfioN bound to iommufd (Linux 6.6+, IOMMU only);
   * `'auto'` (default): cdev when the device has one, else group.
   */
  via?: VfioPath | 'auto';
}

/** Options of `VfioDevice.exportDmaBuf()`. */
export interface ExportDmaBufOptions {
  /** The dma-buf fd's access: `'readwrite'` (default), `'read'` or `'write'`. */
  access?: Access;
  /** Close the dma-buf on exec (default true). */
  cloexec?: boolean;
}

/** The proposed DMA_BUF_MEMATTR values: uncached (the default) and write-combining. */
export type VfioMemAttr = 'nc' | 'wc';
const memAttrs: readonly VfioMemAttr[] = ['nc', 'wc'];

/**
 * An open VFIO PCI device. Get one with `VfioDevice.open(address)` after
 * binding the device to vfio-pci (`bindToVfioPci`). Owns one fd; the
 * group/container or iommufd it was opened through live as long as it does.
 *
 * Closing the device (its last fd) revokes every dma-buf it exported:
 * importers lose access, the dma-buf fds stay open but dead.
 */
export class VfioDevice extends FdResource {
  /** The device's full PCI address. */
  readonly address: string;
  /** How it was opened: `'group'` or `'cdev'`. */
  readonly via: VfioPath;
  /** The IOMMU model: `'type1v2'`, `'type1'`, `'noiommu'` or `'iommufd'`. */
  readonly iommu: string;
  /** True in VFIO's no-IOMMU mode: the device is not isolated. */
  readonly noIommu: boolean;
  /** The IOMMU group number (sysfs iommu_group). */
  readonly iommuGroup: number;
  #features: VfioFeatures | undefined;
  /** Buffers exported here, weakly, to unmap before the kernel revokes them. */
  // A closed DmaBuf still matters while mappings made through it live: the
  // kernel's revoke would fault them, so close() must still reach them.
  readonly #exported = new WeakMembers<DmaBuf>((buf) => buf.closed && buf[trackedMappings]().empty);

  private constructor(opened: OpenedDevice, pci: PciDeviceInfo) {
    super(opened.fd, `VFIO device ${pci.address}`);
    this.address = pci.address;
    this.via = opened.via;
    this.iommu = opened.iommu;
    this.noIommu = opened.noIommu;
    this.iommuGroup = pci.iommuGroup ?? -1;
  }

  /**
   * Opens a PCI device bound to vfio-pci.
   *
   * Needs: CONFIG_VFIO + CONFIG_VFIO_PCI; for `'group'`, read-write access to
   * /dev/vfio/<group> (root or ownership) and, in no-IOMMU mode,
   * CAP_SYS_RAWIO; for `'cdev'`, CONFIG_VFIO_DEVICE_CDEV + CONFIG_IOMMUFD
   * (Linux 6.6+), an IOMMU, and access to /dev/vfio/devices/vfioN and /dev/iommu.
   * @param address `'0000:00:04.0'` (the domain may be left out)
   * @throws {TypeError} malformed address or options
   * @throws {KernelError} ENODEV: no such device, or it is not bound to vfio-pci; EBUSY: already open elsewhere, or its IOMMU group is held by another VfioDevice (another device of the group, or this one through the other path; the message names the group's devices); EPERM: the IOMMU group is not viable (the message lists the devices on host drivers to unbind), or, via 'cdev', another device of the group is bound to another iommufd
   * @throws {PrivilegeError} which privilege is missing: `'node-access'`, `'CAP_SYS_RAWIO'`
   * @throws {FeatureError} no VFIO in the kernel, no cdev for this device, or no type1 IOMMU; EPERM: the IOMMU cannot isolate the device's interrupts (no interrupt remapping) and the module's allow_unsafe_interrupts is off (the message names it)
   */
  static open(address: string, opts?: VfioOpenOptions): VfioDevice {
    const o = options<VfioOpenOptions>('options', opts, ['via']);
    const via = o.via ?? 'auto';
    assertOneOf('options.via', via, ['auto', 'group', 'cdev'] as const);
    const pci = readPciDevice(address);
    if (pci.driver !== 'vfio-pci') {
      throw new KernelError(ENODEV, {
        syscall: 'open',
        context: `${pci.address} is bound to ${pci.driver ?? 'no driver'}, not vfio-pci; bind it first (bindToVfioPci)`,
      });
    }
    const useCdev = via === 'cdev' || (via === 'auto' && pci.vfioCdev !== undefined);
    return new VfioDevice(useCdev ? openViaCdev(pci) : openViaGroup(pci), pci);
  }

  /**
   * VFIO_DEVICE_GET_INFO: the number of regions and IRQ types, and flags
   * (bit 1 = PCI device, bit 0 = supports reset).
   * @throws {ClosedError} after close()
   */
  get info(): {
    /** VFIO_DEVICE_FLAGS_*: bit 0 reset supported, bit 1 PCI device. */
    flags: number;
    /** How many regions (BARs, ROM, config space…) the device has. */
    numRegions: number;
    /** How many IRQ types (INTx, MSI, MSI-X…) the device has. */
    numIrqs: number;
  } {
    return check(native.vfioDeviceGetInfo(this.open()), { syscall: 'ioctl', request: 'VFIO_DEVICE_GET_INFO' });
  }

  /**
   * One region's info (VFIO_DEVICE_GET_REGION_INFO). Regions 0-5 are the BARs.
   * @throws {RangeError} index is not below info.numRegions
   * @throws {ClosedError} after close()
   */
  region(index: number): VfioRegion {
    assertInt('index', index, 0, 0xffffffff);
    return this.#presentRegion(index, this.info.numRegions);
  }

  /** Every region the device has, in index order (absent ones, such as VGA, left out). @throws {ClosedError} after close() */
  regions(): VfioRegion[] {
    const { numRegions } = this.info;
    const found: VfioRegion[] = [];
    for (let i = 0; i < numRegions; i++) {
      const region = this.#regionInfo(i);
      if (region) found.push(region);
    }
    return found;
  }

  /** Region `index` of `count`, or a RangeError saying why there is none. */
  #presentRegion(index: number, count: number): VfioRegion {
    if (index >= count) throw rangeError(`region ${index} does not exist: ${this.address} has ${count} regions (0..${count - 1})`);
    const region = this.#regionInfo(index);
    if (!region) throw rangeError(`region ${index} is not present on ${this.address}`);
    return region;
  }

  /**
   * VFIO_DEVICE_GET_REGION_INFO, or undefined for a fixed region the device
   * lacks (vfio-pci answers EINVAL for VGA on a non-VGA device).
   */
  #regionInfo(index: number): VfioRegion | undefined {
    const raw = native.vfioDeviceGetRegionInfo(this.open(), index);
    if (raw === EINVAL) return undefined;
    const { size, offset, flags } = check(raw, { syscall: 'ioctl', request: 'VFIO_DEVICE_GET_REGION_INFO' });
    return { index, size, offset, readable: (flags & 1) !== 0, writable: (flags & 2) !== 0, mappable: (flags & 4) !== 0, flags };
  }

  /**
   * Which dma-buf features the device's driver has (VFIO_DEVICE_FEATURE_PROBE),
   * probed once and remembered. A kernel without a feature answers the
   * probe with an error, reported here as `false`.
   * @throws {ClosedError} after close()
   */
  get features(): VfioFeatures {
    if (!this.#features) {
      const fd = this.open();
      const probe = (feature: number, op: number): boolean => native.vfioDeviceFeatureProbe(fd, feature, op) === 0;
      this.#features = {
        dmaBuf: probe(FEATURE_DMA_BUF, FEATURE_GET),
        dmaBufRevoke: probe(FEATURE_DMA_BUF_REVOKE, FEATURE_SET),
        dmaBufMemAttr: probe(FEATURE_DMA_BUF_MEMATTR, FEATURE_SET),
      };
    }
    return this.#features;
  }

  /**
   * Exports BAR ranges as one dma-buf (VFIO_DEVICE_FEATURE_DMA_BUF), the
   * ranges concatenated in the order given; its size is their sum. Hand it
   * to an importer (a GPU, RDMA NIC, another process) instead of the device fd.
   *
   * Needs Linux 6.19+ with CONFIG_VFIO_PCI_DMABUF and PCI P2PDMA support for
   * the BAR. The buffer is for device DMA (peer-to-peer); CPU mmap of it is
   * a proposed extension (see `DmaBuf.map`).
   * @param bar BAR number, 0..5
   * @param ranges one or more `{ offset, length }`, page aligned, inside the BAR, not overlapping
   * @throws {TypeError} malformed arguments
   * @throws {RangeError} code ERR_OUT_OF_RANGE: BAR beyond the device's regions or not implemented (size 0); empty ranges; a range unaligned, empty, outside the BAR, or overlapping another
   * @throws {FeatureError} the kernel or driver cannot export dma-bufs (ENOTTY / EOPNOTSUPP)
   * @throws {KernelError} ENODEV: the BAR is not MMIO or not claimed; EINVAL: no P2PDMA provider for it
   * @throws {ClosedError} after close()
   */
  exportDmaBuf(bar: number, ranges: readonly BarRange[], opts?: ExportDmaBufOptions): DmaBuf {
    assertInt('bar', bar, 0, 0xffffffff);
    const o = options<ExportDmaBufOptions>('options', opts, ['access', 'cloexec']);
    const access = o.access ?? 'readwrite';
    assertOneOf('options.access', access, accessModes);
    const cloexec = flag('options.cloexec', o.cloexec, true);
    const { numRegions } = this.info;
    const count = Math.min(numRegions, PCI_BAR_COUNT);
    if (bar >= count) {
      throw rangeError(`bar must be a BAR number below ${count} (${this.address} has regions 0..${numRegions - 1}, BARs 0..5), received ${bar}`);
    }
    const region = this.#presentRegion(bar, numRegions);
    if (region.size === 0) throw rangeError(`BAR ${bar} of ${this.address} is not implemented (size 0)`);
    const { pairs } = packRanges(ranges, bar, region.size);
    const result = native.vfioExportDmaBuf(this.open(), bar, openMode(access) | (cloexec ? O_CLOEXEC : 0), pairs);
    const details = { syscall: 'ioctl', request: 'VFIO_DEVICE_FEATURE_DMA_BUF', context: `exporting BAR ${bar} of ${this.address}` };
    if (result === EOPNOTSUPP) {
      throw new FeatureError(result, 'VFIO_DEVICE_FEATURE_DMA_BUF', 'the device\'s VFIO driver cannot export dma-bufs', details);
    }
    const buf = new DmaBuf(checkFeature(result, { missing: ENOTTY, feature: 'VFIO_DEVICE_FEATURE_DMA_BUF', requires: 'needs Linux 6.19+ with CONFIG_VFIO_PCI_DMABUF' }, details));
    buf[trackedMappings](); // its mappings are unmapped before a revoke
    this.#exported.add(buf);
    return buf;
  }

  /**
   * Closes the device. The kernel revokes every dma-buf the device exported
   * when its last fd closes, so first this unmaps the CPU mappings made
   * through those DmaBuf objects: their ArrayBuffers read zeros instead of
   * faulting with SIGBUS. Idempotent.
   */
  override close(): void {
    if (this.closed) return;
    for (const buf of this.#exported) buf.unmapAll();
    this.#exported.clear();
    super.close();
  }

  /**
   * PROPOSED (VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE, feature 13): revokes a
   * dma-buf this device exported, permanently and for every holder: device
   * mappings are torn down, CPU mappings fault, and no new mapping or import
   * succeeds. The fds stay open. Revoking twice fails with EBADFD.
   * Mappings made through `dmaBuf` in this process are unmapped first (their
   * ArrayBuffers read zeros); any other mapping of the buffer, here or in another
   * process, gets SIGBUS on its next access, as the kernel intends.
   * @throws {TypeError} dmaBuf is not a DmaBuf
   * @throws {KernelError} ENODEV: the dma-buf was not exported by this device; EBADFD: already revoked
   * @throws {FeatureError} the kernel lacks the proposed feature (ENOTTY)
   * @throws {ClosedError} this device or the dma-buf is closed
   */
  revoke(dmaBuf: DmaBuf): void {
    const fd = this.#ownDmaBuf(dmaBuf, 'revoke');
    if (this.features.dmaBufRevoke) dmaBuf.unmapAll();
    checkFeature(
      native.vfioRevokeDmaBuf(this.open(), fd),
      { missing: ENOTTY, feature: 'VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE', requires: VFIO_DMA_BUF_PROPOSED },
      { syscall: 'ioctl', request: 'VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE' },
    );
  }

  /**
   * PROPOSED (VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR, feature 14): the memory
   * type of later CPU mappings of a dma-buf this device exported: `'nc'`
   * uncached (the default) or `'wc'` write-combining. Existing mappings keep
   * theirs.
   * @throws {TypeError} dmaBuf is not a DmaBuf, or attr is not 'nc' | 'wc'
   * @throws {KernelError} ENODEV: not exported by this device; ENOENT: the kernel does not know the attribute
   * @throws {FeatureError} the kernel lacks the proposed feature (ENOTTY)
   * @throws {ClosedError} this device or the dma-buf is closed
   */
  setMemAttr(dmaBuf: DmaBuf, attr: VfioMemAttr): void {
    assertOneOf('attr', attr, memAttrs);
    const fd = this.#ownDmaBuf(dmaBuf, 'setMemAttr');
    checkFeature(
      native.vfioSetDmaBufMemattr(this.open(), fd, attr === 'wc' ? 1 : 0),
      { missing: ENOTTY, feature: 'VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR', requires: VFIO_DMA_BUF_PROPOSED },
      { syscall: 'ioctl', request: 'VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR' },
    );
  }

  /**
   * The dma-buf's fd after checking it came from vfio-pci at all: a buffer
   * from a heap or a GPU is refused here with the kernel's own answer
   * (ENODEV), before any feature check. Only the kernel can tell this device
   * from another vfio-pci device.
   */
  #ownDmaBuf(dmaBuf: DmaBuf, what: string): number {
    assertInstance('dmaBuf', dmaBuf, DmaBuf);
    const fd = dmaBuf.fd;
    const exporter = dmaBuf.fdinfo.exporter;
    if (exporter !== VFIO_EXPORTER) {
      throw new KernelError(ENODEV, {
        syscall: 'ioctl',
        context: `${what}: the dma-buf was exported by '${exporter}', not by VFIO device ${this.address}`,
      });
    }
    return fd;
  }
}
