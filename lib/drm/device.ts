// SPDX-License-Identifier: MIT
/**
 * DRM devices (/dev/dri/card*, /dev/dri/renderD*).
 * @module
 */
import { readdirSync, realpathSync } from 'node:fs';
import { basename } from 'node:path';

import { assertInstance, assertInt, assertOneOf, assertPath, assertString, flag, options } from '../args.js';
import { O_CLOEXEC, O_RDWR } from '../constants.js';
import { DmaBuf } from '../dma-buf.js';
import { AbortError, ENOENT, EOPNOTSUPP, FeatureError, PrivilegeError, check, checkFeature } from '../errors.js';
import { assertFdKind } from '../fd-kind.js';
import { closeFd, openFd } from '../fd-native.js';
import { FdResource } from '../fd-resource.js';
import { type RawDrmVersion, native } from '../native.js';
import { openError } from '../node-access.js';
import { GemBuffer } from './gem.js';
import { Kms, type KmsOptions } from '../kms/kms.js';
import { Syncobj, SyncobjFd } from './syncobj.js';
import { type SyncobjPoint, type WaitSyncobjsOptions, type WaitSyncobjsSyncOptions, waitSyncobjs, waitSyncobjsSync } from './syncobj-multi-wait.js';
import { SyncobjWaits } from './syncobj-waits.js';

const DRI_DIR = '/dev/dri';
const NODE_ACCESS = {
  privilege: 'node-access',
  how: 'read-write access to the node: membership of its group (usually video for card nodes, render for render nodes) or root',
} as const;

/** DRM_IOCTL_GET_CAP capabilities this library names. */
export const DrmCap = {
  /** DRM_CAP_DUMB_BUFFER: the driver makes dumb (CPU-mappable scanout) buffers. */
  DUMB_BUFFER: 0x1,
  /** DRM_CAP_PRIME: 0x1 import, 0x2 export of dma-bufs. */
  PRIME: 0x5,
  /** DRM_CAP_SYNCOBJ: the driver has DRM syncobjs. */
  SYNCOBJ: 0x13,
  /** DRM_CAP_SYNCOBJ_TIMELINE: the syncobjs have timelines (5.2+). */
  SYNCOBJ_TIMELINE: 0x14,
} as const;

/** A primary node (`/dev/dri/cardN`, modesetting, often group `video`) or a render node (`/dev/dri/renderDN`, group `render`). */
export type DrmNodeType = 'card' | 'render';

/** What a device offers for fences, as its driver reports it (and, for the eventfd, as trying it shows). */
export interface DrmFenceCaps {
  /** The driver does PRIME import or export (DRM_CAP_PRIME is not 0). */
  prime: boolean;
  /** The driver has syncobjs (DRM_CAP_SYNCOBJ). */
  syncobj: boolean;
  /** Its syncobjs have timelines (DRM_CAP_SYNCOBJ_TIMELINE). */
  syncobjTimeline: boolean;
  /** DRM_IOCTL_SYNCOBJ_EVENTFD works (Linux 6.6+ and a syncobj driver). */
  syncobjEventfd: boolean;
}

export type { SyncobjPoint, WaitSyncobjsOptions, WaitSyncobjsSyncOptions } from './syncobj-multi-wait.js';

/** One DRM node found by `DrmDevice.list()`. */
export interface DrmNode {
  /** The node's path, e.g. `/dev/dri/renderD128`. */
  path: string;
  /** Primary (`'card'`) or render node. */
  type: DrmNodeType;
  /** The kernel driver's name (DRM_IOCTL_VERSION), e.g. `'virtio_gpu'`. */
  driver: string;
  /** The driver's version, `major.minor.patchlevel`. */
  version: string;
  /** The bus device behind the node from sysfs: a PCI address (`0000:00:02.0`) or a platform name (`vgem`). */
  bus: string | undefined;
  /** What the driver offers for fences. */
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
  /** The node this device was opened from. */
  readonly path: string;
  #version: RawDrmVersion | undefined;
  /** GEM handles are per DRM file and not reference-counted: this map owns them. */
  readonly #handles = new Map<number, GemBuffer>();
  readonly #syncobjs = new Map<number, Syncobj>();
  #waits: SyncobjWaits | undefined;
  #kms: Kms | undefined;
  /** For a lessee made by `Kms.createLease`: its lessee id. */
  readonly lesseeId: number | undefined;

  private constructor(fd: number, path: string, lesseeId?: number) {
    super(fd, lesseeId === undefined ? `DRM device ${path}` : `DRM lessee ${lesseeId} of ${path}`);
    this.path = path;
    this.lesseeId = lesseeId;
  }

  /**
   * The KMS interface of this card node (display discovery, framebuffers,
   * atomic commits, events, master, leases). The first call sets the client
   * caps UNIVERSAL_PLANES, ATOMIC and (unless `writeback: false`)
   * WRITEBACK_CONNECTORS; `colorPipeline: true` adds PLANE_COLOR_PIPELINE.
   * Later calls return the same object, applying any options given.
   * @throws {FeatureError} the node is not a KMS card node, or the kernel lacks a cap
   * @throws {ClosedError} after close()
   */
  kms(opts?: KmsOptions): Kms {
    this.open();
    if (this.#kms) {
      if (opts !== undefined) this.#kms.configure(opts);
      return this.#kms;
    }
    this.#kms = new Kms(
      {
        device: this,
        watcher: () => this.watcher(),
        adoptLessee: (fd, lesseeId) => new DrmDevice(fd, this.path, lesseeId),
      },
      opts,
    );
    return this.#kms;
  }

  /**
   * Opens a DRM node by path (read-write, close-on-exec).
   * @throws {TypeError} (code ERR_INVALID_ARG_VALUE) the path holds a NUL byte
   * @throws {PrivilegeError} EACCES/EPERM: no read-write access to the node (privilege `'node-access'`: its group, usually `video` or `render`, or root)
   * @throws {KernelError} ENOENT and other open errors
   * @throws {FdTypeError} the path is not a DRM node
   */
  static open(path: string): DrmDevice {
    assertPath('path', path);
    let fd: number;
    try {
      fd = openFd(path, O_RDWR | O_CLOEXEC);
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      throw openError(e.errno ?? -5, path, `DRM node ${path}`, NODE_ACCESS);
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
    return DrmDevice.#scan().nodes;
  }

  /** The nodes that opened, and those the kernel refused for lack of permission. */
  static #scan(): { nodes: DrmNode[]; refused: PrivilegeError[] } {
    const nodes: DrmNode[] = [];
    const refused: PrivilegeError[] = [];
    let entries: string[];
    try {
      entries = readdirSync(DRI_DIR);
    } catch {
      return { nodes, refused };
    }
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
      } catch (error) {
        // Unopenable node: not ours to report, but a refusal explains a missing driver.
        if (error instanceof PrivilegeError) refused.push(error);
      }
    }
    return { nodes, refused };
  }

  /**
   * Opens the first node of `type` (default `'card'`) whose driver is `driver`.
   * @throws {FeatureError} no such node; the message lists the nodes that exist
   * @throws {PrivilegeError} no node of that driver could be opened and some nodes refused access (EACCES/EPERM): the driver's may be among them
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
   * @throws {PrivilegeError} no node of that type could be opened and some refused access (EACCES/EPERM)
   */
  static openFirst(opts?: { type?: DrmNodeType }): DrmDevice {
    const type = options<{ type: DrmNodeType }>('options', opts, ['type']).type ?? 'render';
    assertOneOf('options.type', type, ['card', 'render'] as const);
    return DrmDevice.#openMatching(type);
  }

  /** Opens the first listed node of `type` (and `driver`), or says why there is none. */
  static #openMatching(type: DrmNodeType, driver?: string): DrmDevice {
    const { nodes, refused } = DrmDevice.#scan();
    const match = nodes.find((n) => n.type === type && (driver === undefined || n.driver === driver));
    if (!match) {
      const present = nodes.map((n) => `${n.path} (${n.driver})`).join(', ') || 'none';
      const wanted = driver === undefined ? `a DRM ${type} node` : `DRM driver '${driver}'`;
      const first = refused[0];
      if (first) {
        // The driver of a node we may not open is unknown: say the refusal, not "absent".
        const paths = refused.map((e) => e.path).join(', ');
        throw new PrivilegeError(first.errno, 'node-access', `${wanted}: ${paths} refused access (${first.code}), so it may be there; ${NODE_ACCESS.how}; this process is uid ${process.getuid?.() ?? '?'}; opened: ${present}`, {
          syscall: 'open',
          path: first.path!,
        });
      }
      const requires = driver === undefined ? `none could be opened; present: ${present}` : `no ${type} node of that driver; present: ${present}`;
      throw new FeatureError(ENOENT, wanted, requires, { syscall: 'open', path: DRI_DIR });
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
        closeFd(efd);
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
   * Waits on the event loop for several syncobj points at once: all of them
   * (default) or any. Resolves with the index of the first satisfied point
   * in `points` (with `all`, every point is, so 0). A point whose fence
   * signalled with an error rejects with FenceError (with `all`, once every
   * point has signalled). Checks once with SYNCOBJ_TIMELINE_WAIT (the
   * kernel's answer, with `forSubmit`/`available`/`deadlineNs`), then waits
   * for each point as `Syncobj.wait` does: no thread is blocked. Needs a
   * driver with DRIVER_SYNCOBJ (timeline points: DRIVER_SYNCOBJ_TIMELINE);
   * render nodes suffice.
   * @throws {TypeError} (rejection) points is not a non-empty array of this device's Syncobjs; bad options
   * @throws {ClosedError} (rejection) the device or a syncobj is closed
   * @throws {TimeoutError} (rejection) `timeout` ms elapsed first
   * @throws {AbortError} (rejection) the signal fired, or the device or a syncobj was closed while waiting
   * @throws {FenceError} (rejection) a satisfied point's fence signalled with an error
   * @throws {KernelError} (rejection) EINVAL: a point has no fence and `forSubmit` is off
   */
  waitSyncobjs(points: readonly SyncobjPoint[], opts?: WaitSyncobjsOptions): Promise<number> {
    try {
      this.open();
      return waitSyncobjs(this, points, opts, this.waitSyncobjs);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The same multi-wait with the calling thread BLOCKED for at most
   * `timeout` ms (default 0: just check), in one SYNCOBJ_TIMELINE_WAIT.
   * Returns the kernel's index of the first signalled point (meaningful
   * with `all: false`). Does not check fences for errors; prefer
   * `waitSyncobjs()`, which blocks nothing.
   * @throws {TimeoutError} not satisfied within `timeout` (the kernel's ETIME), the same class every wait uses
   * @throws {KernelError} EINVAL: a point has no fence and `forSubmit` is off
   * @throws {TypeError} / {RangeError} bad points or options
   * @throws {ClosedError} the device or a syncobj is closed
   */
  waitSyncobjsSync(points: readonly SyncobjPoint[], opts?: WaitSyncobjsSyncOptions): number {
    this.open();
    return waitSyncobjsSync(this, points, opts);
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
    this.#kms?.close(new AbortError(`DRM device ${this.path} was closed while waiting for KMS events`));
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
      // Before DESTROY: a thread wait would otherwise end ENOENT, an eventfd or sync_file wait never.
      this.#waits?.abandon(handle, new AbortError(`syncobj ${handle} was closed while waiting`));
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

  /** @internal whether a GemBuffer of this device owns `handle` */
  ownsHandle(handle: number): boolean {
    return this.#handles.has(handle);
  }

  /** @internal raw fd for the ioctls of its GEM and syncobj handles */
  fdForHandles(): number {
    return this.open();
  }
}
