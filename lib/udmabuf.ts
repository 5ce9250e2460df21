// SPDX-License-Identifier: MIT
/**
 * udmabuf (/dev/udmabuf): dma-bufs over the pages of memfds, so ordinary
 * memory can be handed to devices and processes as a dma-buf.
 * @module
 */

import { assertArray, assertInstance, assertSize, flag, options, rangeError } from './args.js';
import { O_CLOEXEC, O_RDWR } from './constants.js';
import { DmaBuf } from './dma-buf.js';
import { EINVAL, EIO, ENOENT, FeatureError, KernelError, check } from './errors.js';
import { openFd } from './fd-native.js';
import { openError } from './node-access.js';
import { FdResource } from './fd-resource.js';
import { Memfd, Seal } from './memfd.js';
import { native } from './native.js';

const DEVICE = '/dev/udmabuf';
const UDMABUF_FLAGS_CLOEXEC = 1;

/** One piece of a udmabuf: `size` bytes of `memfd` from `offset`. */
export interface UdmabufRange {
  /** The memfd whose pages back this piece; it must carry `Seal.SHRINK`. */
  memfd: Memfd;
  /** Page aligned. Default 0. */
  offset?: number;
  /** Page aligned, > 0. Default: the rest of the memfd. */
  size?: number;
}

/**
 * An open /dev/udmabuf. Needs CONFIG_UDMABUF (Linux 4.20+) and read access
 * to /dev/udmabuf (root, or a udev rule; many distributions grant the `kvm`
 * group). The kernel caps a buffer at `udmabuf.size_limit_mb` (64 MiB by
 * default) and a list at `udmabuf.list_limit` (1024) items.
 */
export class Udmabuf extends FdResource {
  private constructor(fd: number) {
    super(fd, 'udmabuf device');
  }

  /**
   * Opens /dev/udmabuf.
   * @throws {FeatureError} the kernel has no udmabuf (no /dev/udmabuf)
   * @throws {PrivilegeError} EACCES/EPERM: no access to /dev/udmabuf (privilege `'node-access'`)
   * @throws {KernelError} other open errors
   */
  static open(): Udmabuf {
    try {
      return new Udmabuf(openFd(DEVICE, O_RDWR | O_CLOEXEC));
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') {
        throw new FeatureError(ENOENT, 'udmabuf', 'needs CONFIG_UDMABUF (Linux 4.20+)', { syscall: 'open', path: DEVICE });
      }
      throw openError(e.errno ?? EIO, DEVICE, 'udmabuf', {
        privilege: 'node-access',
        how: `read-write access to ${DEVICE}: run as root, or grant the node to your user or group (a udev rule; many distributions give it to the kvm group)`,
      });
    }
  }

  /**
   * A dma-buf over `size` bytes of `memfd` from `offset` (UDMABUF_CREATE).
   * The memfd must be sealed against shrinking and not against writing;
   * offset and size must be page aligned. Both are checked here first, with
   * an error that says which rule was broken.
   * @throws {RangeError} unaligned or out-of-range offset/size
   * @throws {KernelError} EINVAL for a missing F_SEAL_SHRINK or a write seal; E2BIG/EINVAL over size_limit_mb
   */
  create(memfd: Memfd, opts?: { offset?: number; size?: number; cloexec?: boolean }): DmaBuf {
    const o = options<{ offset: number; size: number; cloexec: boolean }>('options', opts, ['offset', 'size', 'cloexec']);
    const cloexec = flag('options.cloexec', o.cloexec, true);
    const [offset, size] = checkRange({ memfd, offset: o.offset, size: o.size }, 'options');
    const fd = check(
      native.udmabufCreate(this.open(), memfd.fd, offset, size, cloexec ? UDMABUF_FLAGS_CLOEXEC : 0),
      { syscall: 'ioctl', request: 'UDMABUF_CREATE', path: DEVICE },
    );
    return new DmaBuf(fd);
  }

  /**
   * One dma-buf over several memfd ranges, in order (UDMABUF_CREATE_LIST).
   * @throws {RangeError} empty list, unaligned ranges
   * @throws {KernelError} EINVAL over list_limit or for an unsealed memfd
   */
  createList(ranges: readonly UdmabufRange[], opts?: { cloexec?: boolean }): DmaBuf {
    assertArray('ranges', ranges, { min: 1 });
    const cloexec = flag('options.cloexec', options<{ cloexec: boolean }>('options', opts, ['cloexec']).cloexec, true);
    const triples = new Float64Array(ranges.length * 3);
    ranges.forEach((range, i) => {
      const [offset, size] = checkRange(range, `ranges[${i}]`);
      triples.set([range.memfd.fd, offset, size], i * 3);
    });
    const fd = check(native.udmabufCreateList(this.open(), triples, cloexec ? UDMABUF_FLAGS_CLOEXEC : 0), {
      syscall: 'ioctl',
      request: 'UDMABUF_CREATE_LIST',
      path: DEVICE,
    });
    return new DmaBuf(fd);
  }

  /**
   * The convenience: a new sealed memfd of `size` bytes (rounded up to
   * pages) as a dma-buf. The memfd is closed again; the dma-buf keeps its
   * pages alive.
   * @throws {FeatureError} no udmabuf
   * @throws {KernelError} from memfd_create or UDMABUF_CREATE
   */
  static allocate(size: number, opts?: { cloexec?: boolean; name?: string }): DmaBuf {
    assertSize('size', size, { min: 1 });
    const o = options<{ cloexec: boolean; name: string }>('options', opts, ['cloexec', 'name']);
    const pages = Math.ceil(size / native.pageSize) * native.pageSize;
    using device = Udmabuf.open();
    using memfd = Memfd.create(o.name ?? 'dmabuf-udmabuf', pages);
    memfd.addSeals(Seal.SHRINK);
    return device.create(memfd, o.cloexec === undefined ? {} : { cloexec: o.cloexec });
  }
}

/** Checks one range against page alignment, the memfd's size and its seals. Returns [offset, size]. */
function checkRange(range: UdmabufRange, name: string): [number, number] {
  options<UdmabufRange>(name, range, ['memfd', 'offset', 'size']);
  assertInstance(`${name}.memfd`, range.memfd, Memfd);
  const page = native.pageSize;
  const total = range.memfd.size;
  const offset = range.offset ?? 0;
  assertSize(`${name}.offset`, offset);
  const size = range.size ?? total - offset;
  assertSize(`${name}.size`, size);
  if (offset % page !== 0) throw rangeError(`${name}.offset must be a multiple of the page size (${page}), received ${offset}`);
  if (size === 0 || size % page !== 0) {
    throw rangeError(`${name}.size must be a positive multiple of the page size (${page}), received ${size}`);
  }
  if (offset + size > total) throw rangeError(`${name}: offset ${offset} + size ${size} is beyond the memfd's ${total} bytes`);
  const seals = range.memfd.seals;
  if ((seals & Seal.SHRINK) === 0) {
    throw new KernelError(EINVAL, {
      syscall: 'ioctl',
      request: 'UDMABUF_CREATE',
      context: `${name}.memfd is not sealed against shrinking; call memfd.addSeals(Seal.SHRINK)`,
    });
  }
  if ((seals & (Seal.WRITE | Seal.FUTURE_WRITE)) !== 0) {
    throw new KernelError(EINVAL, {
      syscall: 'ioctl',
      request: 'UDMABUF_CREATE',
      context: `${name}.memfd is sealed against writing, which udmabuf refuses`,
    });
  }
  return [offset, size];
}
