// SPDX-License-Identifier: MIT
/**
 * KMS object properties: what OBJ_GETPROPERTIES and GETPROPERTY say about
 * an object, as plain objects, and the name -> id lookups that atomic
 * requests need (done once per object, then cached).
 * @module
 */
import { check } from '../errors.js';
import { type RawKmsProperty, native } from '../native.js';

/** DRM_MODE_OBJECT_* types. */
export const ObjectType = {
  /** DRM_MODE_OBJECT_CRTC. */
  CRTC: 0xcccccccc,
  /** DRM_MODE_OBJECT_CONNECTOR. */
  CONNECTOR: 0xc0c0c0c0,
  /** DRM_MODE_OBJECT_ENCODER. */
  ENCODER: 0xe0e0e0e0,
  /** DRM_MODE_OBJECT_MODE. */
  MODE: 0xdededede,
  /** DRM_MODE_OBJECT_PROPERTY. */
  PROPERTY: 0xb0b0b0b0,
  /** DRM_MODE_OBJECT_FB: a framebuffer. */
  FB: 0xfbfbfbfb,
  /** DRM_MODE_OBJECT_BLOB: a property blob. */
  BLOB: 0xbbbbbbbb,
  /** DRM_MODE_OBJECT_PLANE. */
  PLANE: 0xeeeeeeee,
  /** DRM_MODE_OBJECT_COLOROP: one stage of a plane colour pipeline (Linux 6.19+). */
  COLOROP: 0xfafafafa,
  /** DRM_MODE_OBJECT_ANY: any type (lookups by id alone). */
  ANY: 0,
} as const;

const PROP_PENDING = 1 << 0;
const PROP_RANGE = 1 << 1;
const PROP_IMMUTABLE = 1 << 2;
const PROP_ENUM = 1 << 3;
const PROP_BLOB = 1 << 4;
const PROP_BITMASK = 1 << 5;
const PROP_EXTENDED_TYPE = 0x0000ffc0;
const PROP_OBJECT = 1 << 6;
const PROP_SIGNED_RANGE = 2 << 6;
const PROP_ATOMIC = 0x80000000;

/**
 * How a property's value is read, from its DRM_MODE_PROP_* flags: RANGE, SIGNED_RANGE,
 * ENUM, BITMASK, BLOB (the value is a blob id) or OBJECT (the value is an object id).
 */
export type PropertyType = 'range' | 'signed-range' | 'enum' | 'bitmask' | 'blob' | 'object' | 'unknown';

/**
 * One property of one object. Values are numbers when they fit a safe
 * integer and bigints otherwise (u64 ranges, 64-bit masks).
 */
export interface KmsProperty {
  /** The property's id (drm_mode_get_property.prop_id), the same on every object that has it. */
  id: number;
  /** The property's name, e.g. `'CRTC_ID'`, `'FB_ID'`, `'ACTIVE'`. */
  name: string;
  /** How the value is read. */
  type: PropertyType;
  /** Set by the driver; atomic commits may not change it. */
  immutable: boolean;
  /** Visible only to clients that set the ATOMIC cap (e.g. CRTC_ID, FB_ID, MODE_ID). */
  atomic: boolean;
  /** The current value (for `signed-range`, already sign-converted; for `blob`/`object`, an id, 0 for none). */
  value: number | bigint;
  /** For ranges: inclusive bounds. */
  min?: number | bigint;
  /** For ranges: the inclusive upper bound. */
  max?: number | bigint;
  /** For enums and bitmasks: the named values (for bitmasks, bit numbers). */
  enums?: {
    /** The value's name (drm_mode_property_enum.name). */
    name: string;
    /** The enum value, or for a bitmask the bit number. */
    value: number | bigint;
  }[];
  /** For enums: the name of the current value. For bitmasks: the names of the set bits. */
  valueName?: string | string[];
  /** For object properties: the type of object it refers to (`'CRTC'`, `'FB'`, `'COLOROP'`…). */
  objectType?: string;
}

/** A u64 as a number when safe, else as a bigint. */
export function compact(value: bigint): number | bigint {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

function typeOf(flags: number): PropertyType {
  const ext = flags & PROP_EXTENDED_TYPE;
  if (ext === PROP_OBJECT) return 'object';
  if (ext === PROP_SIGNED_RANGE) return 'signed-range';
  if (flags & PROP_RANGE) return 'range';
  if (flags & PROP_ENUM) return 'enum';
  if (flags & PROP_BITMASK) return 'bitmask';
  if (flags & PROP_BLOB) return 'blob';
  return 'unknown';
}

/** A u64 holding an s64 (signed-range values), as a number when safe. */
function compactSigned(value: bigint): number | bigint {
  const v = BigInt.asIntN(64, value);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
}
const objectTypeNames = new Map<number, string>(Object.entries(ObjectType).map(([k, v]) => [v, k]));

/** A property's metadata, without a value (shared by every object that has it). */
export interface PropertyInfo {
  raw: RawKmsProperty;
  type: PropertyType;
}

/** Combines metadata with one object's current raw value. */
export function describeProperty(info: PropertyInfo, rawValue: bigint): KmsProperty {
  const { raw, type } = info;
  const out: KmsProperty = {
    id: raw.id,
    name: raw.name,
    type,
    immutable: (raw.flags & PROP_IMMUTABLE) !== 0,
    atomic: (raw.flags & PROP_ATOMIC) !== 0,
    value: type === 'signed-range' ? compactSigned(rawValue) : compact(rawValue),
  };
  if (type === 'signed-range') {
    out.min = compactSigned(raw.values[0] ?? 0n);
    out.max = compactSigned(raw.values[1] ?? 0n);
  } else if (type === 'range') {
    out.min = compact(raw.values[0] ?? 0n);
    out.max = compact(raw.values[1] ?? 0n);
  } else if (type === 'enum' || type === 'bitmask') {
    out.enums = raw.enums.map((e) => ({ name: e.name, value: compact(e.value) }));
    if (type === 'enum') {
      const match = raw.enums.find((e) => e.value === rawValue);
      if (match) out.valueName = match.name;
    } else {
      out.valueName = raw.enums.filter((e) => (rawValue >> e.value) & 1n).map((e) => e.name);
    }
  } else if (type === 'object') {
    const t = Number(raw.values[0] ?? 0n);
    out.objectType = objectTypeNames.get(t) ?? `0x${t.toString(16)}`;
  }
  return out;
}

/** Whether the property is still being set up by the driver (never seen in practice; kept for completeness). */
export function isPending(info: PropertyInfo): boolean {
  return (info.raw.flags & PROP_PENDING) !== 0;
}

/**
 * Property metadata by id, fetched once per DRM file (properties never
 * change after the driver registers them), and per-object name tables.
 */
export class PropertyTable {
  readonly #fd: () => number;
  readonly #path: string;
  readonly #infos = new Map<number, PropertyInfo>();
  readonly #names = new Map<number, Map<string, PropertyInfo>>();

  constructor(fd: () => number, path: string) {
    this.#fd = fd;
    this.#path = path;
  }

  /** Metadata of one property id. @throws {KernelError} from GETPROPERTY */
  info(propId: number): PropertyInfo {
    let info = this.#infos.get(propId);
    if (!info) {
      const raw = check(native.kmsGetProperty(this.#fd(), propId), {
        syscall: 'ioctl',
        request: 'DRM_IOCTL_MODE_GETPROPERTY',
        path: this.#path,
      });
      info = { raw, type: typeOf(raw.flags) };
      this.#infos.set(propId, info);
    }
    return info;
  }

  /** An object's properties with their current values. @throws {KernelError} ENOENT: no such object */
  read(objId: number, objType: number = ObjectType.ANY): KmsProperty[] {
    const { ids, values } = this.#readRaw(objId, objType);
    return ids.map((id, i) => describeProperty(this.info(id), values[i]!));
  }

  /** One current raw value by name, or undefined when the object has no such property. */
  rawValue(objId: number, name: string, objType: number = ObjectType.ANY): bigint | undefined {
    const { ids, values } = this.#readRaw(objId, objType);
    const i = ids.findIndex((id) => this.info(id).raw.name === name);
    return i < 0 ? undefined : values[i];
  }

  /** The object's name -> property table, read once and cached. */
  names(objId: number, objType: number = ObjectType.ANY): Map<string, PropertyInfo> {
    let table = this.#names.get(objId);
    if (!table) {
      table = new Map();
      for (const id of this.#readRaw(objId, objType).ids) {
        const info = this.info(id);
        table.set(info.raw.name, info);
      }
      this.#names.set(objId, table);
    }
    return table;
  }

  #readRaw(objId: number, objType: number): { ids: number[]; values: bigint[] } {
    return check(native.kmsObjGetProperties(this.#fd(), objId, objType), {
      syscall: 'ioctl',
      request: 'DRM_IOCTL_MODE_OBJ_GETPROPERTIES',
      path: this.#path,
      context: `properties of KMS object ${objId}`,
    });
  }
}
