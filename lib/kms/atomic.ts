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
import { AtomicWire, wire } from './atomic-wire.js';
import { PropertyBlob } from './blob.js';
import { type CommitResult, Committed } from './commit-result.js';
import type { KmsEventReader } from './events.js';
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

export type { CommitResult } from './commit-result.js';

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
const COMMIT_KEYS = ['testOnly', 'nonblock', 'allowModeset', 'event'] as const;
/** The value of an OUT_FENCE_PTR / WRITEBACK_OUT_FENCE_PTR: the native call points it at a fresh fd. */
const FENCE_SLOT = Symbol('out fence');

/**
 * A fixed value (a safe integer, or a u64 bigint), or the object whose id
 * is read at commit time (so a closed one is refused then).
 */
type Value = number | bigint | Framebuffer | PropertyBlob | SyncFile | typeof FENCE_SLOT;

/** What is set on one object: parallel arrays in the order first set (a request holds a handful). */
interface ObjectProps {
  readonly id: number;
  readonly propIds: number[];
  readonly infos: PropertyInfo[];
  readonly values: Value[];
  /** The wire index of its first property, as the request's last full encoding laid it out. */
  base: number;
}

/**
 * How a value reaches the wire: 0 written once, when set (a number or bigint);
 * 1 read at every commit (a Framebuffer, PropertyBlob or SyncFile: a closed
 * one is refused then); 2 an out-fence slot (the native call fills it). A
 * value replaced by one of another kind changes the wire's layout.
 */
const kindOf = (v: Value): number => (typeof v === 'number' || typeof v === 'bigint' ? 0 : v === FENCE_SLOT ? 2 : 1);

/**
 * A value read at every commit: property `i` of `obj`. `fence` says whether
 * it is an IN_FENCE_FD SyncFile (its fd goes on the wire) or a Framebuffer
 * or PropertyBlob (its id): fixed by the property, as set() admits a SyncFile
 * only there and neither of the others there, and known here so a commit
 * needs no instanceof per value.
 */
interface Live {
  readonly obj: ObjectProps;
  readonly i: number;
  readonly fence: boolean;
}

/** What a value read at commit puts on the wire (ClosedError when it was closed). */
const liveValue = ({ obj, i, fence }: Live): number =>
  fence ? (obj.values[i] as SyncFile).fd : (obj.values[i] as Framebuffer | PropertyBlob).liveHandle();

/** Names a property in an error message (built only when one is thrown). */
const where = (property: string, objectId: number): string => `${property} of object ${objectId}`;

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
 * ioctl and leaves them in place, so a request is built once and committed
 * as often as wanted: TEST_ONLY first, then for real, or every frame with
 * FB_ID set anew. Needs DRM master on a card node, and the ATOMIC client cap
 * (Kms sets it).
 */
export class AtomicRequest {
  readonly #ctx: AtomicContext;
  readonly #objects: ObjectProps[] = [];
  // A request committed more than once keeps its own wire, encoded, between
  // commits: set() of a property already in it rewrites just its value words,
  // and a commit refreshes only the values read at commit (#live). Adding or
  // removing a property, or changing a value's kind, clears #encoded: the
  // next commit lays the whole wire out again.
  #wire: AtomicWire | undefined;
  #encoded = false;
  #committed = false;
  #nObjs = 0;
  #nSlots = 0;
  /** The values read at every commit (framebuffer and blob ids, in-fence fds). */
  readonly #live: Live[] = [];
  /** The CRTCs a PAGE_FLIP_EVENT commit hears from; recomputed after a change that can move them. */
  #crtcSet: Set<number> | undefined;
  // The object the last set() named, its name table and what is set on it: a
  // request usually sets several properties of one object in a row.
  #lastId = 0;
  #lastNames: Map<string, PropertyInfo> | undefined;
  #lastObj: ObjectProps | undefined;
  // The last property looked up on that object, and where the last set()
  // found or put its value: a frame loop sets the same property (FB_ID) of
  // the same plane every frame, which then needs no Map lookup and no search
  // of the object's list (the index is a hint, checked before it is used).
  #lastProperty: string | undefined;
  #lastInfo: PropertyInfo | undefined;
  #lastIndex = 0;

  /** @internal made by Kms.request() */
  constructor(ctx: AtomicContext) {
    this.#ctx = ctx;
  }

  #lookup(objectId: number, property: string): PropertyInfo {
    if (typeof property !== 'string') throw typeError('property must be a string');
    if (objectId === this.#lastId && property === this.#lastProperty) return this.#lastInfo!;
    let names = objectId === this.#lastId ? this.#lastNames : undefined;
    if (!names) names = this.#names(objectId);
    const info = names.get(property);
    if (!info) throw new UnknownPropertyError(objectId, property, [...names.keys()]);
    this.#lastProperty = property;
    this.#lastInfo = info;
    return info;
  }

  #names(objectId: number): Map<string, PropertyInfo> {
    let names: Map<string, PropertyInfo>;
    try {
      names = this.#ctx.props.names(objectId);
    } catch (error) {
      if (error instanceof KernelError && error.errno === ENOENT) {
        throw new KernelError(ENOENT, { syscall: 'ioctl', request: 'DRM_IOCTL_MODE_OBJ_GETPROPERTIES', path: this.#ctx.path, context: `no KMS object ${objectId} visible to this file` });
      }
      throw error;
    }
    this.#lastId = objectId;
    this.#lastNames = names;
    this.#lastObj = this.#get(objectId);
    this.#lastProperty = undefined;
    return names;
  }

  #find(objectId: number): number {
    const objects = this.#objects;
    for (let i = 0; i < objects.length; i++) if (objects[i]!.id === objectId) return i;
    return -1;
  }

  #get(objectId: number): ObjectProps | undefined {
    for (const obj of this.#objects) if (obj.id === objectId) return obj;
    return undefined;
  }

  #put(objectId: number, info: PropertyInfo, value: Value): this {
    let obj = objectId === this.#lastId ? this.#lastObj : this.#get(objectId);
    if (!obj) {
      this.#objects.push((obj = { id: objectId, propIds: [], infos: [], values: [], base: 0 }));
      if (objectId === this.#lastId) this.#lastObj = obj;
    }
    const propId = info.raw.id;
    let i = this.#lastIndex;
    if (obj.propIds[i] !== propId) i = obj.propIds.indexOf(propId);
    if (i < 0) {
      this.#lastIndex = obj.propIds.push(propId) - 1;
      obj.infos.push(info);
      obj.values.push(value);
      this.#changed();
      return this;
    }
    this.#lastIndex = i;
    // Set again: replaced where it was. On an encoded wire, a fixed value replacing
    // a fixed value is written there now; a value of another kind needs a new layout.
    const old = obj.values[i]!;
    obj.values[i] = value;
    if (info.raw.name === 'CRTC_ID') this.#crtcSet = undefined;
    if (!this.#encoded) return this;
    if (kindOf(old) !== kindOf(value)) this.#changed();
    else if (typeof value === 'number') this.#wire!.number(obj.base + i, value);
    else if (typeof value === 'bigint') this.#wire!.bigint(obj.base + i, value);
    return this;
  }

  /** The request's layout changed: the next commit encodes it whole. */
  #changed(): void {
    this.#encoded = false;
    this.#crtcSet = undefined;
  }

  /**
   * Sets `property` of `object`. Enum properties take the value's name
   * (`'Primary'`, `'Bypass'`); FB_ID takes a Framebuffer, blob properties a
   * PropertyBlob, object properties anything with an `id`, IN_FENCE_FD a
   * SyncFile; `null` is 0 (no object, no blob). Negative numbers suit signed
   * properties (CRTC_X). The kernel checks the value at commit.
   *
   * Setting a property the request already holds replaces its value in place
   * (the request's size and order stay), which is how a frame loop reuses one
   * request: `req.set(plane, 'FB_ID', next).commit(...)`. On a request that
   * was committed before this costs no allocation: the value is written
   * straight into the request's kept encoding. A Framebuffer, PropertyBlob
   * or SyncFile is held, not its id or fd: each commit reads it then, so one
   * closed in between is refused by that commit.
   * @throws {UnknownPropertyError} the object has no such property
   * @throws {TypeError} a value of the wrong kind for the property
   * @throws {KernelError} ENOENT: no such object visible to this file
   */
  set(object: KmsObjectRef, property: string, value: PropertyValue): this {
    const objectId = idOf('object', object);
    const info = this.#lookup(objectId, property);
    if (property === OUT_FENCE || property === WB_FENCE) {
      throw valueError(`${property} is set with ${property === OUT_FENCE ? 'outFence(crtc)' : 'writebackFence(connector)'}, which hands back the fence`);
    }
    // Numbers first: most of a per-frame request (positions, sizes, ids) is numbers,
    // kept as numbers (no bigint made) until commit writes them out.
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw typeError(`${where(property, objectId)} must be an integer, received ${value}`);
      return this.#put(objectId, info, value);
    }
    // Framebuffer first: FB_ID is what a frame loop sets every frame.
    if (value instanceof Framebuffer) {
      if (info.type !== 'object') throw valueError(`${where(property, objectId)} is not an object property`);
      return this.#put(objectId, info, value);
    }
    if (value instanceof SyncFile) {
      if (property !== 'IN_FENCE_FD') throw valueError(`a SyncFile goes to IN_FENCE_FD, not ${where(property, objectId)}`);
      return this.#put(objectId, info, value);
    }
    if (value instanceof PropertyBlob) {
      if (info.type !== 'blob') throw valueError(`${where(property, objectId)} is not a blob property`);
      return this.#put(objectId, info, value);
    }
    if (value === null) return this.#put(objectId, info, 0);
    if (typeof value === 'boolean') return this.#put(objectId, info, value ? 1 : 0);
    if (typeof value === 'string') {
      const enums = info.raw.enums;
      for (let i = 0; i < enums.length; i++) if (enums[i]!.name === value) return this.#put(objectId, info, enums[i]!.value);
      const names = enums.map((e) => `'${e.name}'`).join(', ');
      throw valueError(`${where(property, objectId)} has no value named '${value}'${names ? ` (it has ${names})` : ''}`);
    }
    if (typeof value === 'bigint') return this.#put(objectId, info, u64(value));
    if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'number') {
      return this.#put(objectId, info, idOf(where(property, objectId), value as { id: number }));
    }
    throw typeError(`${where(property, objectId)}: unsupported value ${String(value)}`);
  }

  /**
   * Sets a plane's IN_FENCE_FD: the plane waits for `fence` before showing its
   * new framebuffer. The fence's fd is read at each commit (the kernel takes
   * its own reference then), so a reused request takes each frame's fence
   * with another `inFence()`; one closed since is refused at commit.
   * @throws {TypeError} `fence` is not a SyncFile
   * @throws {UnknownPropertyError} the object is not a plane (has no IN_FENCE_FD)
   */
  inFence(plane: KmsObjectRef, fence: SyncFile): this {
    if (!(fence instanceof SyncFile)) throw typeError('fence must be a SyncFile');
    return this.set(plane, 'IN_FENCE_FD', fence);
  }

  /**
   * Asks for the CRTC's OUT_FENCE_PTR: every `commit()` of the request returns a new SyncFile that signals when its frame is shown.
   * @throws {UnknownPropertyError} the object is not a CRTC (has no OUT_FENCE_PTR)
   */
  outFence(crtc: KmsObjectRef): this {
    const id = idOf('crtc', crtc);
    return this.#put(id, this.#lookup(id, OUT_FENCE), FENCE_SLOT);
  }

  /** Asks for the writeback connector's WRITEBACK_OUT_FENCE_PTR (the request must also set its WRITEBACK_FB_ID). */
  writebackFence(connector: KmsObjectRef): this {
    const id = idOf('connector', connector);
    return this.#put(id, this.#lookup(id, WB_FENCE), FENCE_SLOT);
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
      const at = this.#find(id);
      if (at >= 0) this.#objects.splice(at, 1);
      if (id === this.#lastId) this.#lastObj = undefined;
      this.#changed();
      return this;
    }
    // Looked up even when nothing is set on the object: a misspelt name is an error, not a no-op.
    const info = this.#lookup(id, property);
    const obj = this.#get(id);
    const i = obj ? obj.propIds.indexOf(info.raw.id) : -1;
    if (obj && i >= 0) {
      obj.propIds.splice(i, 1);
      obj.infos.splice(i, 1);
      obj.values.splice(i, 1);
      this.#changed();
    }
    return this;
  }

  /** Number of properties set. */
  get size(): number {
    let n = 0;
    for (const obj of this.#objects) n += obj.propIds.length;
    return n;
  }

  /**
   * Sends the request. A refusal throws and changes nothing; a TEST_ONLY
   * commit never changes anything.
   *
   * The request is left as it was, so it can be committed again: each commit
   * sends what the request holds at that moment (values changed with `set()`,
   * properties removed with `unset()`), reads every Framebuffer, PropertyBlob
   * and IN_FENCE_FD SyncFile it holds anew (a closed one is a ClosedError
   * before anything reaches the kernel, and the request stays usable), hands
   * back new SyncFiles for its out-fences (each commit's own, for the caller
   * to close; none for TEST_ONLY) and, with `event`, its own `flipped`. From
   * the second commit on, a request whose properties were neither added nor
   * removed since its last commit is sent without being laid out again.
   * @throws {PrivilegeError} EACCES: this file is not DRM master (`privilege: 'drm-master'`)
   * @throws {KernelError} EINVAL: the configuration is refused; EBUSY: a previous nonblocking commit on a CRTC is still pending; ENOSPC: a plane's source rectangle lies outside its framebuffer; ERANGE: a plane scaled beyond its limits; ENOENT: an object or framebuffer does not exist
   * @throws {ClosedError} a Framebuffer, PropertyBlob or SyncFile in the request was closed
   */
  commit(opts?: CommitOptions): CommitResult {
    const o = options<CommitOptions>('options', opts, COMMIT_KEYS);
    const testOnly = flag('options.testOnly', o.testOnly, false);
    const nonblock = flag('options.nonblock', o.nonblock, false);
    const allowModeset = flag('options.allowModeset', o.allowModeset, false);
    // The kernel refuses PAGE_FLIP_EVENT with TEST_ONLY; a test needs no event.
    const event = flag('options.event', o.event, false) && !testOnly;
    const flags = (testOnly ? TEST_ONLY : 0) | (nonblock ? NONBLOCK : 0) | (allowModeset ? ALLOW_MODESET : 0) | (event ? PAGE_FLIP_EVENT : 0);

    let w = this.#wire;
    if (w !== undefined && this.#encoded) this.#refresh(w);
    else w = this.#encode();
    const fd = this.#ctx.fd();
    const expectation = event ? this.#ctx.events.expect((this.#crtcSet ??= this.#crtcs())) : undefined;
    w.header(flags, this.#nObjs, this.#nSlots, expectation?.userData ?? 0n);
    const rc = native.kmsAtomic(fd, w.words);
    if (rc < 0) {
      expectation?.cancel();
      throw this.#refusal(rc, flags);
    }
    const out = new Committed(expectation?.promise);
    if (this.#nSlots > 0) this.#adoptFences(w, out);
    if (expectation) this.#ctx.events.started();
    return out;
  }

  /**
   * Lays the whole request out: on its first commit into the thread's shared
   * wire (a request built per frame and dropped allocates nothing), from the
   * second on into its own, which then stays encoded.
   */
  #encode(): AtomicWire {
    let nProps = 0;
    for (const obj of this.#objects) nProps += obj.propIds.length;
    if (this.#wire === undefined && this.#committed) this.#wire = new AtomicWire(Math.max(nProps, 1));
    this.#committed = true;
    const w = this.#wire ?? wire;
    w.reserve(nProps);
    const live = this.#live;
    live.length = 0;
    let nObjs = 0;
    let k = 0;
    let nSlots = 0;
    for (const obj of this.#objects) {
      const n = obj.propIds.length;
      obj.base = k;
      if (n === 0) continue;
      w.object(nObjs++, obj.id, n);
      for (let i = 0; i < n; i++, k++) {
        w.prop(k, obj.propIds[i]!);
        const value = obj.values[i]!;
        if (typeof value === 'number') w.number(k, value);
        else if (typeof value === 'bigint') w.bigint(k, value);
        else if (value === FENCE_SLOT) w.slot(nSlots++, k); // the native call writes the pointer
        else {
          const entry: Live = { obj, i, fence: value instanceof SyncFile };
          live.push(entry);
          w.number(k, liveValue(entry));
        }
      }
    }
    this.#nObjs = nObjs;
    this.#nSlots = nSlots;
    this.#encoded = w === this.#wire;
    return w;
  }

  /** Rewrites the values read at commit (framebuffer and blob ids, in-fence fds) on the encoded wire. */
  #refresh(w: AtomicWire): void {
    const live = this.#live;
    for (let j = 0; j < live.length; j++) {
      const entry = live[j]!;
      w.number(entry.obj.base + entry.i, liveValue(entry));
    }
  }

  /** The CRTCs whose flip events a PAGE_FLIP_EVENT commit of this request brings. */
  #crtcs(): Set<number> {
    const crtcs = new Set<number>();
    for (const { id, infos, values } of this.#objects) {
      for (let i = 0; i < infos.length; i++) {
        const name = infos[i]!.raw.name;
        const value = values[i];
        if (name === 'CRTC_ID' && (typeof value === 'number' || typeof value === 'bigint') && Number(value) !== 0) crtcs.add(Number(value));
        if (name === 'ACTIVE' || name === 'MODE_ID' || name === OUT_FENCE) crtcs.add(id);
      }
    }
    return crtcs;
  }

  /** Owns the fds the kernel wrote for the out-fence slots (walked in the order #encode() numbered them). */
  #adoptFences(w: AtomicWire, out: CommitResult): void {
    let slot = 0;
    for (const { id, infos, values } of this.#objects) {
      for (let i = 0; i < values.length; i++) {
        if (values[i] !== FENCE_SLOT) continue;
        const fenceFd = w.fd(slot++);
        if (fenceFd < 0) continue;
        (infos[i]!.raw.name === OUT_FENCE ? out.outFences : out.writebackFences).set(id, SyncFile.adopt(fenceFd));
      }
    }
  }

  #refusal(errno: number, flags: number): KernelError {
    const names = [
      flags & TEST_ONLY && 'TEST_ONLY',
      flags & NONBLOCK && 'NONBLOCK',
      flags & ALLOW_MODESET && 'ALLOW_MODESET',
      flags & PAGE_FLIP_EVENT && 'PAGE_FLIP_EVENT',
    ].filter(Boolean);
    const what = `atomic commit${names.length ? ` (${names.join(', ')})` : ''} of ${this.size} properties on ${this.#objects.length} objects refused`;
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

