// SPDX-License-Identifier: MIT
/**
 * DRM devices (/dev/dri/card*, /dev/dri/renderD*).
 * @module
 */
import { closeSync, openSync, readdirSync, realpathSync } from 'node:fs';
import { basename } from 'node:path';

import { assertArray, assertInstance, assertInt, assertOneOf, assertPath, assertString, flag, options, typeError, valueError } from '../args.js';
import { O_CLOEXEC, O_RDWR } from '../constants.js';
import { DmaBuf } from '../dma-buf.js';
import { AbortError, ClosedError, EIO, ENOENT, EOPNOTSUPP, FeatureError, KernelError, check, checkFeature } from '../errors.js';
import { assertFdKind } from '../fd-kind.js';
import { FdResource } from '../fd-resource.js';
import { type RawDrmVersion, native } from '../native.js';
import { GemBuffer } from './gem.js';
import { Syncobj, SyncobjFd, toPoint } from './syncobj.js';
import { SyncobjWaits, WAIT_ALL, WAIT_AVAILABLE, WAIT_DEADLINE, WAIT_FOR_SUBMIT } from './syncobj-waits.js';

const DRI_DIR = '/dev/dri';

/** DRM_IOCTL_GET_CAP capabilities this library names. */
export const DrmCap = {
  DUMB_BUFFER: 0x1,
  PRIME: 0x5,
  SYNCOBJ: 0x13,
  SYNCOBJ_TIMELINE: 0x14,
} as const;

export type DrmNodeType = 'card' | 'render';

/** What a device offers for fences, as its driver reports it (and, for the eventfd, as trying it shows). */
export interface DrmFenceCaps {
  prime: boolean;
  syncobj: boolean;
  syncobjTimeline: boolean;
  /** DRM_IOCTL_SYNCOBJ_EVENTFD works (Linux 6.6+ and a syncobj driver). */
  syncobjEventfd: boolean;
}

/** One syncobj point in a `waitSyncobjs` call. */
export interface SyncobjPoint {
  syncobj: Syncobj;
  /** Default 0: the binary fence. */
  point?: bigint | number;
}

export interface WaitSyncobjsOptions {
  /** Wait for all (default) or for any. */
  all?: boolean;
  /** Points without a fence yet wait for one instead of failing with EINVAL (WAIT_FOR_SUBMIT). */
  forSubmit?: boolean;
  /** Satisfied once each point has a fence, signalled or not (WAIT_AVAILABLE). */
  available?: boolean;
  /**
   * Milliseconds to block the calling thread (default 0: just check). The
   * kernel takes an absolute CLOCK_MONOTONIC time; this is computed here, and
   * the ioctl helper's restarts after EINTR keep the same deadline.
   */
  timeout?: number;
  /** A CLOCK_MONOTONIC nanosecond deadline hint for the fences (WAIT_DEADLINE, 6.5+). */
  deadlineNs?: bigint;
}

export interface DrmNode {
  path: string;
  type: DrmNodeType;
  driver: string;
  version: string;
  /** The bus device behind the node from sysfs: a PCI address (`0000:00:02.0`) or a platform name (`vgem`). */
  bus: string | undefined;
  caps: DrmFenceCaps;
}

/** The sysfs device of a /dev/dri node: its PCI address or platform device name. */
function busOf(entry: string): string | undefined {
  try {
    return basename(realpathSync(`/sys/class/drm/${entry}/device`));
  } catch {
    return undefined;
  }
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
  readonly #syncobjs = new Map<number, Syncobj>();
  #waits: SyncobjWaits | undefined;

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
    assertPath('path', path);
    let fd: number;
    try {
      fd = openSync(path, O_RDWR | O_CLOEXEC);
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      throw new KernelError(e.errno ?? EIO, { syscall: 'open', path });
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
        nodes.push({
          path: device.path,
          type,
          driver: v.name,
          version: `${v.major}.${v.minor}.${v.patchlevel}`,
          bus: busOf(entry),
          caps: device.fenceCaps(),
        });
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
    const type = options<{ type: DrmNodeType }>('options', opts, ['type']).type ?? 'card';
    assertOneOf('options.type', type, ['card', 'render'] as const);
    return DrmDevice.#openMatching(type, driver);
  }

  /**
   * Opens the first node of `type` (default `'render'`), of any driver.
   * @throws {FeatureError} no such node; the message lists the nodes that exist
   */
  static openFirst(opts?: { type?: DrmNodeType }): DrmDevice {
    const type = options<{ type: DrmNodeType }>('options', opts, ['type']).type ?? 'render';
    assertOneOf('options.type', type, ['card', 'render'] as const);
    return DrmDevice.#openMatching(type);
  }

  /** Opens the first listed node of `type` (and `driver`), or says which nodes there are. */
  static #openMatching(type: DrmNodeType, driver?: string): DrmDevice {
    const nodes = DrmDevice.list();
    const match = nodes.find((n) => n.type === type && (driver === undefined || n.driver === driver));
    if (!match) {
      const present = nodes.map((n) => `${n.path} (${n.driver})`).join(', ') || 'none';
      const [feature, requires] =
        driver === undefined
          ? [`a DRM ${type} node`, `none could be opened; present: ${present}`]
          : [`DRM driver '${driver}'`, `no ${type} node of that driver; present: ${present}`];
      throw new FeatureError(ENOENT, feature, requires, { syscall: 'open', path: DRI_DIR });
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
    const o = options<{ width: number; height: number; bpp: number }>('options', opts, ['width', 'height', 'bpp']);
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
    assertInstance('buffer', buffer, DmaBuf);
    const handle = check(native.drmPrimeFdToHandle(this.open(), buffer.fd), {
      syscall: 'ioctl',
      request: 'DRM_IOCTL_PRIME_FD_TO_HANDLE',
      path: this.path,
    });
    return this.#handles.get(handle) ?? this.#adopt(handle, buffer.size, 0);
  }

  /**
   * The device's fence capabilities (DRM_IOCTL_GET_CAP; the eventfd ioctl by
   * trying it on handle 0, which a kernel with it answers ENOENT).
   */
  fenceCaps(): DrmFenceCaps {
    const cap = (c: number): bigint => {
      const v = native.drmGetCap(this.open(), c);
      return typeof v === 'bigint' ? v : 0n;
    };
    const syncobj = cap(DrmCap.SYNCOBJ) !== 0n;
    let syncobjEventfd = false;
    if (syncobj) {
      const efd = native.eventfdCreate(0, 0o2000000);
      if (efd >= 0) {
        syncobjEventfd = native.syncobjEventfd(this.open(), 0, 0n, efd, 0) === ENOENT;
        closeSync(efd);
      }
    }
    return { prime: cap(DrmCap.PRIME) !== 0n, syncobj, syncobjTimeline: cap(DrmCap.SYNCOBJ_TIMELINE) !== 0n, syncobjEventfd };
  }

  /**
   * Creates a syncobj (DRM_IOCTL_SYNCOBJ_CREATE), unsignalled unless `signaled`.
   * @throws {FeatureError} the driver has no syncobjs (vgem, vkms: EOPNOTSUPP), naming the driver
   */
  createSyncobj(opts?: { signaled?: boolean }): Syncobj {
    const signaled = flag('options.signaled', options<{ signaled: boolean }>('options', opts, ['signaled']).signaled, false);
    const handle = checkFeature(
      native.syncobjCreate(this.open(), signaled ? 1 : 0),
      { missing: EOPNOTSUPP, feature: 'DRM syncobj', requires: `the '${this.driver}' driver does not support syncobjs (DRIVER_SYNCOBJ)` },
      { syscall: 'ioctl', request: 'DRM_IOCTL_SYNCOBJ_CREATE', path: this.path },
    );
    return this.#adoptSyncobj(handle);
  }

  /**
   * Imports a syncobj exported by `Syncobj.exportFd()`, here or in another
   * process (FD_TO_HANDLE). The SyncobjFd stays owned by the caller.
   * @throws {TypeError} file is not a SyncobjFd
   * @throws {KernelError} EINVAL for an fd that is not a syncobj
   */
  importSyncobj(file: SyncobjFd): Syncobj {
    assertInstance('file', file, SyncobjFd);
    const handle = check(native.syncobjFdToHandle(this.open(), file.fd, 0, 0, 0n), {
      syscall: 'ioctl',
      request: 'DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE',
      path: this.path,
    });
    return this.#syncobjs.get(handle) ?? this.#adoptSyncobj(handle);
  }

  /**
   * Checks, or waits with the calling thread blocked for at most `timeout`
   * ms, for several points at once (SYNCOBJ_TIMELINE_WAIT). Returns the
   * index of the first signalled point (meaningful with `all: false`).
   * Prefer `Syncobj.wait()`, which blocks nothing.
   * @throws {KernelError} ETIME: not satisfied within the timeout; EINVAL: a point has no fence and `forSubmit` is off
   */
  waitSyncobjs(points: readonly SyncobjPoint[], opts?: WaitSyncobjsOptions): number {
    assertArray('points', points);
    if (points.length === 0) throw valueError('points must be a non-empty array');
    const o = options<WaitSyncobjsOptions>('options', opts, ['all', 'forSubmit', 'available', 'timeout', 'deadlineNs']);
    const handles = new Uint32Array(points.length);
    const values = new BigUint64Array(points.length);
    points.forEach((entry, i) => {
      if (!(entry?.syncobj instanceof Syncobj) || entry.syncobj.device !== this) {
        throw typeError(`points[${i}].syncobj must be a Syncobj of this device`);
      }
      if (entry.syncobj.closed) throw new ClosedError(`syncobj ${entry.syncobj.handle}`);
      handles[i] = entry.syncobj.handle;
      values[i] = toPoint(entry.point ?? 0n, `points[${i}].point`);
    });
    const timeout = o.timeout ?? 0;
    assertInt('options.timeout', timeout, 0, 0x7fffffff);
    const flags =
      (flag('options.all', o.all, true) ? WAIT_ALL : 0) |
      (flag('options.forSubmit', o.forSubmit, false) ? WAIT_FOR_SUBMIT : 0) |
      (flag('options.available', o.available, false) ? WAIT_AVAILABLE : 0) |
      (o.deadlineNs !== undefined ? WAIT_DEADLINE : 0);
    const deadline = o.deadlineNs === undefined ? 0n : toPoint(o.deadlineNs, 'options.deadlineNs');
    // Absolute: computed once, so a restarted ioctl keeps the caller's deadline.
    const until = timeout === 0 ? 0n : process.hrtime.bigint() + BigInt(timeout) * 1_000_000n;
    return check(native.syncobjTimelineWait(this.open(), handles, values, until, flags, deadline), {
      syscall: 'ioctl',
      request: 'DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT',
      path: this.path,
    });
  }

  #eventfdWorks: boolean | undefined;

  /** @internal whether SYNCOBJ_EVENTFD works here, probed once */
  hasSyncobjEventfd(): boolean {
    this.#eventfdWorks ??= this.fenceCaps().syncobjEventfd;
    return this.#eventfdWorks;
  }

  /** @internal the shared eventfd waiter of this device */
  syncobjWaits(): SyncobjWaits {
    this.open();
    this.#waits ??= new SyncobjWaits(() => this.open(), `DRM device ${this.path}`);
    return this.#waits;
  }

  /** Releases the device; its GEM handles and syncobjs go with it, and pending syncobj waits reject. */
  override close(): void {
    if (this.closed) return;
    this.#waits?.close(new AbortError(`DRM device ${this.path} was closed while waiting`));
    for (const gem of this.#handles.values()) gem.forget();
    this.#handles.clear();
    for (const syncobj of this.#syncobjs.values()) syncobj.forget();
    this.#syncobjs.clear();
    super.close();
  }

  #adoptSyncobj(handle: number): Syncobj {
    const syncobj = new Syncobj(this, handle, () => {
      if (!this.#syncobjs.delete(handle)) return;
      check(native.syncobjDestroy(this.open(), handle), { syscall: 'ioctl', request: 'DRM_IOCTL_SYNCOBJ_DESTROY', path: this.path });
    });
    this.#syncobjs.set(handle, syncobj);
    return syncobj;
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

  /** @internal raw fd for the ioctls of its GEM and syncobj handles */
  fdForHandles(): number {
    return this.open();
  }
}
