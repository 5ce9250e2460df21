// SPDX-License-Identifier: MIT
/**
 * DRM pixel format codes (include/uapi/drm/drm_fourcc.h): four ASCII
 * characters packed little-endian into a u32, e.g. `'XR24'` = XRGB8888.
 * Format modifiers are u64 layout tags; 0 is linear.
 * @module
 */
import { assertString, rangeError, typeError, valueError } from '../args.js';

/** The u32 code of a four-character name: `fourcc('XR24') === 0x34325258`. @throws {TypeError} not four ASCII characters */
export function fourcc(name: string): number {
  assertString('name', name);
  if (!/^[\x20-\x7e]{4}$/.test(name)) throw valueError(`a FourCC is four ASCII characters, received ${JSON.stringify(name)}`);
  return (name.charCodeAt(0) | (name.charCodeAt(1) << 8) | (name.charCodeAt(2) << 16) | (name.charCodeAt(3) << 24)) >>> 0;
}

/** The four-character name of a code: `fourccName(0x34325258) === 'XR24'`. Trailing spaces are kept (`'R8  '`). */
export function fourccName(code: number): string {
  return String.fromCharCode(code & 0xff, (code >>> 8) & 0xff, (code >>> 16) & 0xff, (code >>> 24) & 0xff);
}

/** A format given as a name or a code, as its code. */
export function toFourcc(name: string, format: string | number): number {
  if (typeof format === 'string') return fourcc(format);
  if (!Number.isInteger(format) || format < 0 || format > 0xffffffff) throw rangeError(`${name} must be a FourCC name or a u32 code`);
  return format;
}

/** Common formats by their drm_fourcc.h names. Byte order in memory is little-endian: XRGB8888 is B, G, R, X. */
export const Format = {
  /** `'XR24'`: 32 bpp, [31:0] x:R:G:B 8:8:8:8 little-endian; the padding byte is ignored. */
  XRGB8888: fourcc('XR24'),
  /** `'AR24'`: 32 bpp, [31:0] A:R:G:B 8:8:8:8 little-endian. */
  ARGB8888: fourcc('AR24'),
  /** `'XB24'`: 32 bpp, [31:0] x:B:G:R 8:8:8:8 little-endian; the padding byte is ignored. */
  XBGR8888: fourcc('XB24'),
  /** `'AB24'`: 32 bpp, [31:0] A:B:G:R 8:8:8:8 little-endian. */
  ABGR8888: fourcc('AB24'),
  /** `'RG16'`: 16 bpp, [15:0] R:G:B 5:6:5 little-endian. */
  RGB565: fourcc('RG16'),
  /** `'NV12'`: YCbCr 4:2:0 in two planes, full-size Y then half-size interleaved Cb:Cr. */
  NV12: fourcc('NV12'),
} as const;

/** DRM_FORMAT_MOD_LINEAR. */
export const MOD_LINEAR = 0n;
/** DRM_FORMAT_MOD_INVALID: "no explicit modifier" in IN_FORMATS and in ADDFB2 without the MODIFIERS flag. */
export const MOD_INVALID = 0x00ffffffffffffffn;

/** A modifier as discovery reports it: `'LINEAR'`, `'INVALID'`, or 16 hex digits with `0x`. */
export function modifierName(modifier: bigint): string {
  if (modifier === MOD_LINEAR) return 'LINEAR';
  if (modifier === MOD_INVALID) return 'INVALID';
  return `0x${modifier.toString(16).padStart(16, '0')}`;
}

/** The inverse of `modifierName`; also takes a bigint. @throws {TypeError} neither a known name nor a hex string */
export function toModifier(name: string, value: bigint | string): bigint {
  if (typeof value === 'bigint') {
    if (value < 0n || value >= 1n << 64n) throw rangeError(`${name} must be a u64`);
    return value;
  }
  if (value === 'LINEAR') return MOD_LINEAR;
  if (value === 'INVALID') return MOD_INVALID;
  if (typeof value === 'string' && /^0x[0-9a-fA-F]{1,16}$/.test(value)) return BigInt(value);
  throw typeError(`${name} must be a bigint, 'LINEAR', 'INVALID' or a hex string, received ${String(value)}`);
}
