// SPDX-License-Identifier: MIT
/**
 * Atomic requests (DRM_IOCTL_MODE_ATOMIC) built by object and property
 * name: the property ids are looked up once per object and cached.
 * @module
 */
import { assertInt, flag, options, typeError, valueError } from '../args.js';
import { EACCES, EBUSY, EINVAL, ENOENT, KernelError, PrivilegeError } from '../errors.js';
import { native } from '../native.js';
import { SyncFile } from '../sync-file.js';
import { PropertyBlob } from './blob.js';
import type { KmsEvent, KmsEventReader } from './events.js';
import { Framebuffer } from './framebuffer.js';
import type { PropertyInfo, PropertyTable } from './properties.js';

/** A KMS object: its id, or anything with an `id` (what discovery returns). */
export type KmsObjectRef =
  | number
  | {
      /** The object's KMS id (a connector, CRTC, plane, framebuffer…). */
      readonly id: number;
    };

/** What `set()` takes; converted by the property's type. */
export type PropertyValue =
  | number
  | bigint
  | boolean
  | string
  | null
  | Framebuffer
  | PropertyBlob
  | SyncFile
  | {
      /** A KMS object id, for an object property such as CRTC_ID or FB_ID. */
      readonly id: number;
    };

/** Flags of `AtomicRequest.commit()` (drm_mode_atomic.flags). */
export interface CommitOptions {
  /** Only check the request (DRM_MODE_ATOMIC_TEST_ONLY): nothing changes, no events, no fences. */
  testOnly?: boolean;
  /** Return at once; the commit completes in the background (DRM_MODE_ATOMIC_NONBLOCK). */
  nonblock?: boolean;
  /** Allow a full modeset (DRM_MODE_ATOMIC_ALLOW_MODESET): needed to change modes, ACTIVE or routing. */
  allowModeset?: boolean;
  /** Ask for a page-flip event per CRTC (DRM_MODE_PAGE_FLIP_EVENT); `flipped` resolves with it. Default false. */
  event?: boolean;
}

/** What `AtomicRequest.commit()` hands back once DRM_IOCTL_MODE_ATOMIC has returned. */
export interface CommitResult {
  /** With `event`: resolves when each CRTC the request names has flipped (with the last CRTC's event). */
  flipped?: Promise<KmsEvent>;
  /** OUT_FENCE_PTR fences by CRTC id, owned by the caller: each signals when its CRTC shows the new frame. */
  outFences: Map<number, SyncFile>;
  /** WRITEBACK_OUT_FENCE_PTR fences by connector id, owned by the caller: each signals when the capture is written. */
  writebackFences: Map<number, SyncFile>;
}

/** An atomic property name that the object does not have. */
export class UnknownPropertyError extends TypeError {
  /** Always `'UnknownPropertyError'`. */
  override name = 'UnknownPropertyError';
  /** Always `'ERR_KMS_UNKNOWN_PROPERTY'`. */
  readonly code = 'ERR_KMS_UNKNOWN_PROPERTY';
  /** The KMS object the property was looked up on. */
  readonly objectId: number;
  /** The property name that was asked for. */
  readonly property: string;

  /**
   * Thrown by `AtomicRequest.set()` and its helpers before anything is sent to the kernel.
   * @param objectId the KMS object id
   * @param property the name not found
   * @param known the object's property names, listed in the message
   */
  constructor(objectId: number, property: string, known: string[]) {
    super(`KMS object ${objectId} has no property '${property}' (it has: ${known.join(', ') || 'none'})`);
    this.objectId = objectId;
    this.property = property;
  }
}

const PAGE_FLIP_EVENT = 0x1;
const TEST_ONLY = 0x100;
const NONBLOCK = 0x200;
const ALLOW_MODESET = 0x400;
const OUT_FENCE = 'OUT_FENCE_PTR';
const WB_FENCE = 'WRITEBACK_OUT_FENCE_PTR';

interface Entry {
  info: PropertyInfo;
  /** A fixed value, or the object whose id is read at commit time (so a closed one is refused then). */
  value: bigint | Framebuffer | PropertyBlob | SyncFile | 'out-fence';
}

/** @internal what a request needs from its Kms */
export interface AtomicContext {
  fd(): number;
  path: string;
  props: PropertyTable;
  events: KmsEventReader;
}

/** The id of a KMS object given as a number or as anything with an `id`. @internal */
export function idOf(name: string, ref: KmsObjectRef): number {
  const id = typeof ref === 'number' ? ref : ref?.id;
  assertInt(name, id, 1, 0xffffffff);
  return id;
}

const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);

/**
 * One atomic request. `set()` calls accumulate; `commit()` sends them in one
 * ioctl and may be called again (e.g. TEST_ONLY first, then for real).
 * Needs DRM master on a card node, and the ATOMIC client cap (Kms sets it).
 */
export class AtomicRequest {
  readonly #ctx: AtomicContext;
  readonly #objects = new Map<number, Map<number, Entry>>();

  /** @internal made by Kms.request() */
  constructor(ctx: AtomicContext) {
    this.#ctx = ctx;
  }

  #lookup(objectId: number, property: string): PropertyInfo {
    if (typeof property !== 'string') throw typeError('property must be a string');
    let names: Map<string, PropertyInfo>;
    try {
      names = this.#ctx.props.names(objectId);
    } catch (error) {
      if (error instanceof KernelError && error.errno === ENOENT) {
        throw new KernelError(ENOENT, { syscall: 'ioctl', request: 'DRM_IOCTL_MODE_OBJ_GETPROPERTIES', path: this.#ctx.path, context: `no KMS object ${objectId} visible to this file` });
      }
      throw error;
    }
    const info = names.get(property);
    if (!info) throw new UnknownPropertyError(objectId, property, [...names.keys()]);
    return info;
  }

  #put(objectId: number, info: PropertyInfo, value: Entry['value']): this {
    let props = this.#objects.get(objectId);
    if (!props) this.#objects.set(objectId, (props = new Map()));
    props.set(info.raw.id, { info, value });
    return this;
  }

  /**
   * Sets `property` of `object`. Enum properties take the value's name
   * (`'Primary'`, `'Bypass'`); FB_ID takes a Framebuffer, blob properties a
   * PropertyBlob, object properties anything with an `id`, IN_FENCE_FD a
   * SyncFile; `null` is 0 (no object, no blob). Negative numbers suit signed
   * properties (CRTC_X). The kernel checks the value at commit.
   * @throws {UnknownPropertyError} the object has no such property
   * @throws {TypeError} a value of the wrong kind for the property
   * @throws {KernelError} ENOENT: no such object visible to this file
   */
  set(object: KmsObjectRef, property: string, value: PropertyValue): this {
    const objectId = idOf('object', object);
    const info = this.#lookup(objectId, property);
    const where = `${property} of object ${objectId}`;
    if (property === OUT_FENCE || property === WB_FENCE) {
      throw valueError(`${property} is set with ${property === OUT_FENCE ? 'outFence(crtc)' : 'writebackFence(connector)'}, which hands back the fence`);
    }
    if (value instanceof Framebuffer || value instanceof PropertyBlob || value instanceof SyncFile) {
      if (value instanceof SyncFile && property !== 'IN_FENCE_FD') throw valueError(`a SyncFile goes to IN_FENCE_FD, not ${where}`);
      if (value instanceof Framebuffer && info.type !== 'object') throw valueError(`${where} is not an object property`);
      if (value instanceof PropertyBlob && info.type !== 'blob') throw valueError(`${where} is not a blob property`);
      return this.#put(objectId, info, value);
    }
    if (value === null) return this.#put(objectId, info, 0n);
    if (typeof value === 'boolean') return this.#put(objectId, info, value ? 1n : 0n);
    if (typeof value === 'string') {
      const match = info.raw.enums.find((e) => e.name === value);
      if (!match) {
        const names = info.raw.enums.map((e) => `'${e.name}'`).join(', ');
        throw valueError(`${where} has no value named '${value}'${names ? ` (it has ${names})` : ''}`);
      }
      return this.#put(objectId, info, match.value);
    }
    if (typeof value === 'bigint') return this.#put(objectId, info, u64(value));
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw typeError(`${where} must be an integer, received ${value}`);
      return this.#put(objectId, info, u64(BigInt(value)));
    }
    if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'number') {
      return this.#put(objectId, info, BigInt(idOf(where, value as { id: number })));
    }
    throw typeError(`${where}: unsupported value ${String(value)}`);
  }

  /** Sets a plane's IN_FENCE_FD: the plane waits for `fence` before showing its new framebuffer. */
  inFence(plane: KmsObjectRef, fence: SyncFile): this {
    if (!(fence instanceof SyncFile)) throw typeError('fence must be a SyncFile');
    return this.set(plane, 'IN_FENCE_FD', fence);
  }

  /** Asks for the CRTC's OUT_FENCE_PTR: `commit()` returns a SyncFile that signals when the frame is shown. */
  outFence(crtc: KmsObjectRef): this {
    const id = idOf('crtc', crtc);
    return this.#put(id, this.#lookup(id, OUT_FENCE), 'out-fence');
  }

  /** Asks for the writeback connector's WRITEBACK_OUT_FENCE_PTR (the request must also set its WRITEBACK_FB_ID). */
  writebackFence(connector: KmsObjectRef): this {
    const id = idOf('connector', connector);
    return this.#put(id, this.#lookup(id, WB_FENCE), 'out-fence');
  }

  /**
   * Forgets one property (or, without a name, everything set on the object).
   * @throws {UnknownPropertyError} the object has no such property
   * @throws {TypeError} `property` is not a string
   * @throws {ClosedError} (with a name) the device is closed
   */
  unset(object: KmsObjectRef, property?: string): this {
    const id = idOf('object', object);
    if (property === undefined) {
      this.#objects.delete(id);
      return this;
    }
    // Looked up even when nothing is set on the object: a misspelt name is an error, not a no-op.
    const info = this.#lookup(id, property);
    this.#objects.get(id)?.delete(info.raw.id);
    return this;
  }

  /** Number of properties set. */
  get size(): number {
    let n = 0;
    for (const props of this.#objects.values()) n += props.size;
    return n;
  }

  /**
   * Sends the request. A refusal throws and changes nothing; a TEST_ONLY
   * commit never changes anything.
   * @throws {PrivilegeError} EACCES: this file is not DRM master (`privilege: 'drm-master'`)
   * @throws {KernelError} EINVAL: the configuration is refused; EBUSY: a previous nonblocking commit on a CRTC is still pending; ENOSPC: a plane's source rectangle lies outside its framebuffer; ERANGE: a plane scaled beyond its limits; ENOENT: an object or framebuffer does not exist
   * @throws {ClosedError} a Framebuffer, PropertyBlob or SyncFile in the request was closed
   */
  commit(opts?: CommitOptions): CommitResult {
    const o = options<CommitOptions>('options', opts, ['testOnly', 'nonblock', 'allowModeset', 'event']);
    const testOnly = flag('options.testOnly', o.testOnly, false);
    const nonblock = flag('options.nonblock', o.nonblock, false);
    const allowModeset = flag('options.allowModeset', o.allowModeset, false);
    // The kernel refuses PAGE_FLIP_EVENT with TEST_ONLY; a test needs no event.
    const event = flag('options.event', o.event, false) && !testOnly;
    const flags = (testOnly ? TEST_ONLY : 0) | (nonblock ? NONBLOCK : 0) | (allowModeset ? ALLOW_MODESET : 0) | (event ? PAGE_FLIP_EVENT : 0);

    const objs: number[] = [];
    const counts: number[] = [];
    const props: number[] = [];
    const values: bigint[] = [];
    const slots: number[] = [];
    const slotOwners: { objectId: number; name: string }[] = [];
    const crtcs = new Set<number>();
    for (const [objectId, entries] of this.#objects) {
      if (entries.size === 0) continue;
      objs.push(objectId);
      counts.push(entries.size);
      for (const [propId, { info, value }] of entries) {
        props.push(propId);
        if (value === 'out-fence') {
          slots.push(values.length);
          slotOwners.push({ objectId, name: info.raw.name });
          values.push(0n);
        } else if (typeof value === 'bigint') {
          values.push(value);
        } else if (value instanceof SyncFile) {
          values.push(BigInt(value.fd)); // ClosedError when closed
        } else {
          values.push(BigInt(value.idForCommit()));
        }
        if (info.raw.name === 'CRTC_ID' && typeof value === 'bigint' && value !== 0n) crtcs.add(Number(value));
        if (info.raw.name === 'ACTIVE' || info.raw.name === 'MODE_ID' || info.raw.name === OUT_FENCE) crtcs.add(objectId);
      }
    }
    const fd = this.#ctx.fd();
    const expectation = event ? this.#ctx.events.expect(crtcs) : undefined;
    const result = native.kmsAtomic(
      fd,
      flags,
      Uint32Array.from(objs),
      Uint32Array.from(counts),
      Uint32Array.from(props),
      BigUint64Array.from(values),
      Uint32Array.from(slots),
      expectation?.userData ?? 0n,
    );
    if (typeof result === 'number') {
      expectation?.cancel();
      throw this.#refusal(result, flags);
    }
    const out: CommitResult = { outFences: new Map(), writebackFences: new Map() };
    result.forEach((fenceFd, i) => {
      if (fenceFd < 0) return;
      const owner = slotOwners[i]!;
      (owner.name === OUT_FENCE ? out.outFences : out.writebackFences).set(owner.objectId, SyncFile.adopt(fenceFd));
    });
    if (expectation) {
      out.flipped = expectation.promise;
      this.#ctx.events.started();
    }
    return out;
  }

  #refusal(errno: number, flags: number): KernelError {
    const names = [
      flags & TEST_ONLY && 'TEST_ONLY',
      flags & NONBLOCK && 'NONBLOCK',
      flags & ALLOW_MODESET && 'ALLOW_MODESET',
      flags & PAGE_FLIP_EVENT && 'PAGE_FLIP_EVENT',
    ].filter(Boolean);
    const what = `atomic commit${names.length ? ` (${names.join(', ')})` : ''} of ${this.size} properties on ${this.#objects.size} objects refused`;
    const details = { syscall: 'ioctl', request: 'DRM_IOCTL_MODE_ATOMIC', path: this.#ctx.path };
    if (errno === EACCES) {
      return new PrivilegeError(errno, 'drm-master', `${what}: this DRM file is not DRM master (another file holds it, or it was dropped; see Kms.setMaster())`, details);
    }
    const why: Record<number, string> = {
      [EINVAL]: 'the driver or the core rejected the configuration (a mode, format, size, position, CRTC routing, or a modeset without allowModeset)',
      [EBUSY]: 'a previous commit on one of its CRTCs has not completed yet',
      [-28]: 'a plane\'s source rectangle lies outside its framebuffer',
      [-34]: 'a plane is scaled beyond what it can do',
      [ENOENT]: 'an object, framebuffer or blob it names does not exist for this file',
    };
    return new KernelError(errno, { ...details, context: why[errno] ? `${what}: ${why[errno]}` : what });
  }
}

