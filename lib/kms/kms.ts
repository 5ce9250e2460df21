// SPDX-License-Identifier: MIT
/**
 * The KMS side of a DRM card node: discovery, framebuffers, blobs, atomic
 * requests, events, master and leases. Obtained with `DrmDevice.kms()`.
 * @module
 */
import { assertInt, flag, options, typeError } from '../args.js';
import { check, FeatureError } from '../errors.js';
import { native } from '../native.js';
import type { DrmDevice } from '../drm/device.js';
import type { FdWatcher } from '../fd-watcher.js';
import { type AtomicContext, AtomicRequest, type KmsObjectRef, idOf } from './atomic.js';
import { PropertyBlob, createBlob } from './blob.js';
import { type ColorPipeline, encodeCtm3x4, listColorPipelines } from './color-pipeline.js';
import { type KmsResources, discover } from './discovery.js';
import { type KmsEvent, KmsEventReader } from './events.js';
import { type Framebuffer, type FramebufferOptions, addFramebuffer } from './framebuffer.js';
import { type CreateLeaseOptions, createLease, getLease, listLessees, revokeLease } from './lease.js';
import { dropMaster, setMaster } from './master.js';
import { type DisplayMode, encodeMode } from './mode.js';
import { type KmsProperty, PropertyTable } from './properties.js';

/** DRM_CLIENT_CAP_* values. */
export const ClientCap = {
  /** Stereo 3D layouts are advertised in mode flags (DRM_MODE_FLAG_3D_*; Linux 3.13+). */
  STEREO_3D: 1,
  /** Every plane is listed, primary and cursor included, not only overlays (Linux 3.15+). */
  UNIVERSAL_PLANES: 2,
  /** Atomic properties are exposed and DRM_IOCTL_MODE_ATOMIC allowed; implies UNIVERSAL_PLANES and ASPECT_RATIO (Linux 4.2+, atomic drivers). */
  ATOMIC: 3,
  /** Modes carry their picture aspect ratio (DRM_MODE_FLAG_PIC_AR_*; Linux 4.18+). */
  ASPECT_RATIO: 4,
  /** Writeback connectors are listed; needs ATOMIC first (Linux 4.19+). */
  WRITEBACK_CONNECTORS: 5,
  /** The client sets cursor hotspots, so virtualized drivers show their cursor planes; needs ATOMIC first (Linux 6.6+). */
  CURSOR_PLANE_HOTSPOT: 6,
  /** Planes' COLOR_PIPELINE and colorop properties can be set, and COLOR_ENCODING/COLOR_RANGE no longer; needs ATOMIC first (Linux 6.19+). */
  PLANE_COLOR_PIPELINE: 7,
} as const;

/** Client caps for `DrmDevice.kms()` and `Kms.configure()`. */
export interface KmsOptions {
  /** Set DRM_CLIENT_CAP_WRITEBACK_CONNECTORS so writeback connectors are listed (default true). */
  writeback?: boolean;
  /**
   * Set DRM_CLIENT_CAP_PLANE_COLOR_PIPELINE (Linux 6.19+; default false).
   * With it the plane's legacy COLOR_ENCODING/COLOR_RANGE give way to COLOR_PIPELINE.
   */
  colorPipeline?: boolean;
}

/** A lease handed out by `Kms.createLease`. */
export interface DrmLease {
  /** The lessee id the kernel assigned (drm_mode_create_lease.lessee_id), for `Kms.revokeLease`. */
  lesseeId: number;
  /** The lessee's DRM file, owned by the caller: it sees only the leased objects. Closing it ends the lease. */
  device: DrmDevice;
}

/** @internal what Kms needs from its DrmDevice that is not public */
export interface KmsHost {
  device: DrmDevice;
  watcher(): FdWatcher;
  adoptLessee(fd: number, lesseeId: number): DrmDevice;
}

const CRTC_SEQUENCE_RELATIVE = 1;
const CRTC_SEQUENCE_NEXT_ON_MISS = 2;

/** Checks a KmsOptions bag (every key, before anything is set). */
function parseKmsOptions(opts: unknown): { writeback: boolean; colorPipeline: boolean | undefined } {
  const o = options<KmsOptions>('options', opts, ['writeback', 'colorPipeline']);
  const writeback = flag('options.writeback', o.writeback, true);
  const colorPipeline = o.colorPipeline === undefined ? undefined : flag('options.colorPipeline', o.colorPipeline, false);
  return { writeback, colorPipeline };
}

/**
 * KMS on one DRM card node. Everything here needs a card node
 * (/dev/dri/cardN) of a driver with modesetting; commits and leases need the
 * file to be DRM master. The client caps are set when the object is made:
 * UNIVERSAL_PLANES and ATOMIC (Linux 4.2+), WRITEBACK_CONNECTORS (4.19+),
 * PLANE_COLOR_PIPELINE on request (6.19+).
 */
export class Kms {
  /** The DRM device (card node) this KMS interface is on, e.g. for `createDumb()`. */
  readonly device: DrmDevice;
  readonly #host: KmsHost;
  /** @internal property metadata and name tables, shared by discovery, atomic requests and colour pipelines */
  readonly props: PropertyTable;
  readonly #events: KmsEventReader;
  #colorPipeline = false;
  #atomic: AtomicContext | undefined;

  /** @internal made by DrmDevice.kms() */
  constructor(host: KmsHost, opts: KmsOptions | undefined) {
    this.#host = host;
    this.device = host.device;
    const fd = (): number => this.device.fdForHandles();
    this.props = new PropertyTable(fd, this.device.path);
    this.#events = new KmsEventReader(fd, () => host.watcher(), `DRM device ${this.device.path}`);
    // Options are checked before any cap is set: a bad bag changes nothing.
    const wanted = parseKmsOptions(opts);
    this.#setCap(ClientCap.UNIVERSAL_PLANES, 'UNIVERSAL_PLANES', 'Linux 3.15+ with a KMS driver (a card node)');
    this.#setCap(ClientCap.ATOMIC, 'ATOMIC', 'Linux 4.2+ and a driver with atomic modesetting');
    this.#apply(wanted);
  }

  /**
   * Sets further client caps. Caps cannot be cleared once set on a file
   * except PLANE_COLOR_PIPELINE, which the kernel lets a client turn off.
   * @throws {FeatureError} the kernel or driver lacks the cap
   */
  configure(opts?: KmsOptions): void {
    this.#apply(parseKmsOptions(opts));
  }

  #apply(wanted: { writeback: boolean; colorPipeline: boolean | undefined }): void {
    if (wanted.writeback) this.#setCap(ClientCap.WRITEBACK_CONNECTORS, 'WRITEBACK_CONNECTORS', 'Linux 4.19+');
    if (wanted.colorPipeline !== undefined) {
      this.#setCap(ClientCap.PLANE_COLOR_PIPELINE, 'PLANE_COLOR_PIPELINE', 'Linux 6.19+ and the ATOMIC cap', wanted.colorPipeline ? 1 : 0);
      this.#colorPipeline = wanted.colorPipeline;
    }
  }

  #setCap(cap: number, name: string, requires: string, value = 1): void {
    const rc = native.kmsSetClientCap(this.device.fdForHandles(), cap, value);
    if (rc < 0) {
      throw new FeatureError(rc, `DRM client cap ${name}`, requires, {
        syscall: 'ioctl',
        request: 'DRM_IOCTL_SET_CLIENT_CAP',
        path: this.device.path,
      });
    }
  }

  #fd(): number {
    return this.device.fdForHandles();
  }

  /**
   * Every connector, encoder, CRTC and plane with its properties. Probes
   * connectors (GETCONNECTOR), which on real hardware can take a while.
   * @throws {ClosedError} the device is closed
   * @throws {KernelError} from the GET ioctls (EOPNOTSUPP: not a KMS driver)
   */
  discover(): KmsResources {
    return discover({ fd: () => this.#fd(), path: this.device.path, props: this.props });
  }

  /** One object's properties with their current values (any object type). */
  properties(object: KmsObjectRef): KmsProperty[] {
    return this.props.read(idOf('object', object));
  }

  /**
   * A plane's colour pipelines as chains of colorops (needs
   * `colorPipeline: true`, Linux 6.19+ and a driver that has them).
   * @throws {TypeError} the PLANE_COLOR_PIPELINE cap is not set on this Kms
   */
  colorPipelines(plane: KmsObjectRef): ColorPipeline[] {
    if (!this.#colorPipeline) throw Object.assign(new TypeError('colour pipelines need device.kms({ colorPipeline: true })'), { code: 'ERR_INVALID_STATE' });
    return listColorPipelines({ fd: () => this.#fd(), path: this.device.path, props: this.props }, idOf('plane', plane));
  }

  /**
   * ADDFB2: a framebuffer over a GemBuffer of this device or any DmaBuf.
   * Does not need master.
   * @throws {TypeError} a missing pitch, a buffer of another device
   * @throws {KernelError} EINVAL: the driver refuses the size, format, pitch or modifier
   * @throws {ClosedError} a buffer or the device is closed
   */
  addFramebuffer(opts: FramebufferOptions): Framebuffer {
    return addFramebuffer(this.device, opts);
  }

  /** CREATEPROPBLOB with raw bytes. @throws {KernelError} EINVAL for an empty blob */
  createBlob(bytes: Uint8Array): PropertyBlob {
    return createBlob(this.device, bytes);
  }

  /** A MODE_ID blob for `mode` (as discovery reports it). */
  createModeBlob(mode: DisplayMode): PropertyBlob {
    return createBlob(this.device, encodeMode(mode));
  }

  /** A colorop DATA blob for a 3x4 matrix (row-major, S31.32 sign-magnitude, as the kernel expects). */
  createCtm3x4Blob(matrix: readonly number[]): PropertyBlob {
    return createBlob(this.device, encodeCtm3x4(matrix));
  }

  /** A new, empty atomic request. */
  request(): AtomicRequest {
    this.#fd();
    // One context for every request: a compositor makes a request per frame.
    // fd() straight to the device's own check (a commit asks once per frame).
    const device = this.device;
    this.#atomic ??= { fd: () => device.fdForHandles(), path: device.path, props: this.props, events: this.#events };
    return new AtomicRequest(this.#atomic);
  }

  /**
   * Every KMS event of this file as it arrives (flips of any commit,
   * CRTC sequence events), until `return()` (a `break` out of `for await`)
   * or the device closes (the iteration then throws AbortError). At most
   * EVENT_QUEUE_LIMIT unread events are kept per iterator; older ones are dropped.
   */
  events(): AsyncIterableIterator<KmsEvent> {
    this.#fd();
    return this.#events.subscribe();
  }

  /** Commits and sequence requests still waiting for their events. */
  get pendingEvents(): number {
    return this.#events.pending;
  }

  /**
   * The CRTC's current vblank count and its time (DRM_IOCTL_CRTC_GET_SEQUENCE, Linux 4.15+).
   * @throws {KernelError} EINVAL: the CRTC is off or has no vblank support; ENOENT: no such CRTC
   */
  crtcSequence(crtc: KmsObjectRef): {
    /** Whether the CRTC's output is active (drm_crtc_get_sequence.active). */
    active: boolean;
    /** The most recent vblank count (sequence). */
    sequence: number;
    /** CLOCK_MONOTONIC nanoseconds when the first pixel of that vblank's frame left the display engine (sequence_ns). */
    timestampNs: bigint;
  } {
    const r = check(native.kmsCrtcGetSequence(this.#fd(), idOf('crtc', crtc)), {
      syscall: 'ioctl',
      request: 'DRM_IOCTL_CRTC_GET_SEQUENCE',
      path: this.device.path,
    });
    return { active: r.active, sequence: Number(r.sequence), timestampNs: r.sequenceNs };
  }

  /**
   * Resolves with a `'sequence'` event at vblank `sequence` of the CRTC
   * (DRM_IOCTL_CRTC_QUEUE_SEQUENCE); `relative: true` counts from now.
   * A target already passed fires at once, or at the next vblank with `nextOnMiss`.
   * @throws {KernelError} EINVAL: the CRTC is off
   * @throws {AbortError} (rejection) the device was closed first
   */
  waitSequence(crtc: KmsObjectRef, sequence: number, opts?: { relative?: boolean; nextOnMiss?: boolean }): Promise<KmsEvent> {
    try {
      const id = idOf('crtc', crtc);
      assertInt('sequence', sequence, 0, Number.MAX_SAFE_INTEGER);
      const o = options<{ relative: boolean; nextOnMiss: boolean }>('options', opts, ['relative', 'nextOnMiss']);
      const flags =
        (flag('options.relative', o.relative, false) ? CRTC_SEQUENCE_RELATIVE : 0) |
        (flag('options.nextOnMiss', o.nextOnMiss, false) ? CRTC_SEQUENCE_NEXT_ON_MISS : 0);
      const expectation = this.#events.expectSequence(id);
      const rc = native.kmsCrtcQueueSequence(this.#fd(), id, flags, BigInt(sequence), expectation.userData);
      if (typeof rc === 'number') {
        expectation.cancel();
        check(rc, { syscall: 'ioctl', request: 'DRM_IOCTL_CRTC_QUEUE_SEQUENCE', path: this.device.path });
      }
      this.#events.started();
      return expectation.promise;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Becomes DRM master (DRM_IOCTL_SET_MASTER). See master.ts for errors. */
  setMaster(): void {
    setMaster(this.#fd(), this.device.path);
  }

  /** Gives up DRM master (DRM_IOCTL_DROP_MASTER). */
  dropMaster(): void {
    dropMaster(this.#fd(), this.device.path);
  }

  /**
   * Leases `objects` (connectors, CRTCs, planes) to a new DRM file, which
   * is returned as a DrmDevice the caller owns. Needs DRM master.
   * @throws {PrivilegeError} not DRM master
   * @throws {KernelError} EINVAL: an object that cannot be leased, or a CRTC without a primary plane…; EBUSY: already leased
   */
  createLease(objects: readonly KmsObjectRef[], opts?: CreateLeaseOptions): DrmLease {
    if (!Array.isArray(objects) || objects.length === 0) throw typeError('objects must be a non-empty array');
    const ids = objects.map((o, i) => idOf(`objects[${i}]`, o));
    const { lesseeId, fd } = createLease(this.#fd(), this.device.path, ids, opts);
    return { lesseeId, device: this.#host.adoptLessee(fd, lesseeId) };
  }

  /** The lessee ids of this file's leases (DRM_IOCTL_MODE_LIST_LESSEES). */
  listLessees(): number[] {
    return listLessees(this.#fd(), this.device.path);
  }

  /** The object ids this file may use (DRM_IOCTL_MODE_GET_LEASE): a lessee's lease, or every object for the owner. */
  leasedObjects(): number[] {
    return getLease(this.#fd(), this.device.path);
  }

  /** Ends a lease (DRM_IOCTL_MODE_REVOKE_LEASE): the lessee keeps its fd but loses every object. */
  revokeLease(lesseeId: number): void {
    assertInt('lesseeId', lesseeId, 1, 0xffffffff);
    revokeLease(this.#fd(), this.device.path, lesseeId);
  }

  /** @internal the device is closing */
  close(error: Error): void {
    this.#events.close(error);
  }
}

