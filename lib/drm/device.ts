// SPDX-License-Identifier: MIT
/**
 * DRM devices (/dev/dri/card*, /dev/dri/renderD*).
 * @module
 */
import { openSync, readdirSync } from 'node:fs';

import { assertInt, assertOneOf, assertString, options } from '../args.js';
import { O_CLOEXEC, O_RDWR } from '../constants.js';
import { DmaBuf } from '../dma-buf.js';
import { FeatureError, KernelError, check } from '../errors.js';
import { assertFdKind } from '../fd-kind.js';
import { FdResource } from '../fd-resource.js';
import { type RawDrmVersion, native } from '../native.js';
import { GemBuffer } from './gem.js';

const DRI_DIR = '/dev/dri';

/** DRM_IOCTL_GET_CAP capabilities this library names. */
export const DrmCap = {
  DUMB_BUFFER: 0x1,
  PRIME: 0x5,
  SYNCOBJ: 0x13,
  SYNCOBJ_TIMELINE: 0x14,
} as const;

export type DrmNodeType = 'card' | 'render';

export interface DrmNode {
  path: string;
  type: DrmNodeType;
  driver: string;
  version: string;
}

/**
 * An open DRM device. Card nodes (/dev/dri/cardN) allow modesetting and dumb
 * buffers and usually need the `video` group or root; render nodes
 * (/dev/dri/renderDN) allow rendering and PRIME and are usually open to the
 * `render` group.
 */
export class DrmDevice extends FdResource {
  readonly path: string;
  #version: RawDrmVersion | undefined;
  /** GEM handles are per DRM file and not reference-counted: this map owns them. */
  readonly #handles = new Map<number, GemBuffer>();

  private constructor(fd: number, path: string) {
    super(fd, `DRM device ${path}`);
    this.path = path;
  }

  /**
   * Opens a DRM node by path (read-write, close-on-exec).
   * @throws {KernelError} ENOENT, EACCES (the node's group, usually `video` or `render`)
   * @throws {FdTypeError} the path is not a DRM node
   */
  static open(path: string): DrmDevice {
    assertString('path', path);
    let fd: number;
    try {
      fd = openSync(path, O_RDWR | O_CLOEXEC);
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      throw new KernelError(e.errno ?? -5, { syscall: 'open', path });
    }
    try {
      assertFdKind(fd, 'drm');
      check(native.drmVersion(fd), { syscall: 'ioctl', request: 'DRM_IOCTL_VERSION', path });
    } catch (error) {
      // Not a DRM device after all: do not leak the fd we just opened.
      new DrmDevice(fd, path).close();
      throw error;
    }
    return new DrmDevice(fd, path);
  }

  /**
   * The DRM nodes present, with their drivers. Nodes that cannot be opened
   * (permissions) are left out. Empty on machines without DRM.
   */
  static list(): DrmNode[] {
    let entries: string[];
    try {
      entries = readdirSync(DRI_DIR);
    } catch {
      return [];
    }
    const nodes: DrmNode[] = [];
    for (const entry of entries.sort()) {
      const type: DrmNodeType | undefined = entry.startsWith('card') ? 'card' : entry.startsWith('renderD') ? 'render' : undefined;
      if (!type) continue;
      try {
        using device = DrmDevice.open(`${DRI_DIR}/${entry}`);
        const v = device.version();
        nodes.push({ path: device.path, type, driver: v.name, version: `${v.major}.${v.minor}.${v.patchlevel}` });
      } catch {
        // Unopenable node: not ours to report.
      }
    }
    return nodes;
  }

  /**
   * Opens the first node of `type` (default `'card'`) whose driver is `driver`.
   * @throws {FeatureError} no such node; the message lists the nodes that exist
   */
  static openByDriver(driver: string, opts?: { type?: DrmNodeType }): DrmDevice {
    assertString('driver', driver);
    const type = options<{ type: DrmNodeType }>('options', opts).type ?? 'card';
    assertOneOf('options.type', type, ['card', 'render'] as const);
    const nodes = DrmDevice.list();
    const match = nodes.find((n) => n.driver === driver && n.type === type);
    if (!match) {
      const present = nodes.map((n) => `${n.path} (${n.driver})`).join(', ') || 'none';
      throw new FeatureError(-2, `DRM driver '${driver}'`, `no ${type} node of that driver; present: ${present}`, {
        syscall: 'open',
        path: DRI_DIR,
      });
    }
    return DrmDevice.open(match.path);
  }

  /** Driver name, version and description (DRM_IOCTL_VERSION). @throws {ClosedError} after close() */
  version(): RawDrmVersion {
    const fd = this.open();
    this.#version ??= check(native.drmVersion(fd), { syscall: 'ioctl', request: 'DRM_IOCTL_VERSION', path: this.path });
    return this.#version;
  }

  /** The driver's name, e.g. `'vgem'`, `'virtio_gpu'`, `'i915'`. */
  get driver(): string {
    return this.version().name;
  }

  /**
   * A capability's value (DRM_IOCTL_GET_CAP); see `DrmCap`.
   * @throws {KernelError} EINVAL for a capability this kernel does not know
   */
  getCap(capability: number): bigint {
    assertInt('capability', capability, 0, 0xffffffff);
    return check(native.drmGetCap(this.open(), capability), {
      syscall: 'ioctl',
      request: 'DRM_IOCTL_GET_CAP',
      path: this.path,
    });
  }

  /**
   * Creates a dumb buffer: linear, CPU-mappable, for scanout or tests
   * (DRM_IOCTL_MODE_CREATE_DUMB). Needs a card node of a KMS or vgem driver.
   * @throws {RangeError} width, height or bpp out of range
   * @throws {KernelError} EINVAL for sizes the driver refuses; EOPNOTSUPP without dumb buffer support
   */
  createDumb(opts: { width: number; height: number; bpp?: number }): GemBuffer {
    const o = options<{ width: number; height: number; bpp: number }>('options', opts);
    assertInt('options.width', o.width, 1, 0xffff);
    assertInt('options.height', o.height, 1, 0xffff);
    const bpp = o.bpp ?? 32;
    assertInt('options.bpp', bpp, 1, 128);
    const dumb = check(native.drmCreateDumb(this.open(), o.width, o.height, bpp), {
      syscall: 'ioctl',
      request: 'DRM_IOCTL_MODE_CREATE_DUMB',
      path: this.path,
    });
    return this.#adopt(dumb.handle, dumb.size, dumb.pitch);
  }

  /**
   * Imports a dma-buf, giving the GEM object this device knows it by
   * (DRM_IOCTL_PRIME_FD_TO_HANDLE). Importing the same buffer twice gives the
   * same GemBuffer back, because the kernel gives the same handle.
   * @throws {TypeError} buffer is not a DmaBuf
   * @throws {KernelError} from PRIME_FD_TO_HANDLE (EOPNOTSUPP: the driver has no PRIME import)
   */
  importDmaBuf(buffer: DmaBuf): GemBuffer {
    if (!(buffer instanceof DmaBuf)) throw new TypeError('buffer must be a DmaBuf');
    const handle = check(native.drmPrimeFdToHandle(this.open(), buffer.fd), {
      syscall: 'ioctl',
      request: 'DRM_IOCTL_PRIME_FD_TO_HANDLE',
      path: this.path,
    });
    return this.#handles.get(handle) ?? this.#adopt(handle, buffer.size, 0);
  }

  /** Releases the device; its GEM handles go with it. */
  override close(): void {
    for (const gem of this.#handles.values()) gem.forget();
    this.#handles.clear();
    super.close();
  }

  #adopt(handle: number, size: number, pitch: number): GemBuffer {
    const gem = new GemBuffer(this, handle, size, pitch, () => this.#release(handle));
    this.#handles.set(handle, gem);
    return gem;
  }

  #release(handle: number): void {
    if (!this.#handles.delete(handle)) return;
    check(native.drmGemClose(this.open(), handle), { syscall: 'ioctl', request: 'DRM_IOCTL_GEM_CLOSE', path: this.path });
  }

  /** @internal raw fd for GemBuffer's ioctls */
  fdForGem(): number {
    return this.open();
  }
}
