// SPDX-License-Identifier: MIT
// The KMS encodings the library does itself, checked without a device:
// FourCC codes, drm_mode_modeinfo, the IN_FORMATS blob and S31.32 matrices.
import { describe, expect, it } from 'vitest';

import { Format, MOD_INVALID, decodeCtm3x4, decodeInFormats, decodeMode, encodeCtm3x4, encodeMode, fourcc, fourccName, modifierName, toModifier } from '../../lib/index.js';

describe('KMS codecs', () => {
  it('FourCC names and codes', () => {
    expect(fourcc('XR24')).toBe(0x34325258); // drm_fourcc.h: fourcc_code('X', 'R', '2', '4')
    expect(Format.ARGB8888).toBe(0x34325241);
    expect(fourccName(0x34325258)).toBe('XR24');
    expect(() => fourcc('XR2')).toThrow(TypeError);
    expect(modifierName(0n)).toBe('LINEAR');
    expect(modifierName(MOD_INVALID)).toBe('INVALID');
    expect(modifierName(0x0100000000000001n)).toBe('0x0100000000000001'); // I915_FORMAT_MOD_X_TILED
    expect(toModifier('m', '0x0100000000000001')).toBe(0x0100000000000001n);
    expect(() => toModifier('m', 'tiled')).toThrow(TypeError);
  });

  it('modes survive encode and decode, 68 bytes, name NUL-terminated', () => {
    const mode = { name: '1024x768', clock: 65000, hdisplay: 1024, hsyncStart: 1048, hsyncEnd: 1184, htotal: 1344, hskew: 0, vdisplay: 768, vsyncStart: 771, vsyncEnd: 777, vtotal: 806, vscan: 0, vrefresh: 60, flags: 10, type: 72, preferred: true };
    const bytes = encodeMode(mode);
    expect(bytes.length).toBe(68);
    expect(Buffer.from(bytes).readUInt16LE(4)).toBe(1024); // hdisplay after the u32 clock
    expect(Buffer.from(bytes).readUInt32LE(24)).toBe(60); // vrefresh
    expect(decodeMode(Buffer.from(bytes))).toEqual(mode);
    expect(() => encodeMode({ ...mode, hdisplay: 70000 })).toThrow(RangeError);
  });

  it('decodes an IN_FORMATS blob: formats and per-format modifier masks', () => {
    // Header (24 bytes), 3 formats, 2 modifiers: LINEAR for all three, X-tiled for the second only
    // (given as a mask whose offset is 1, as drivers with more than 64 formats do).
    const blob = Buffer.alloc(24 + 12 + 48);
    blob.writeUInt32LE(1, 0); // version
    blob.writeUInt32LE(3, 8);
    blob.writeUInt32LE(24, 12);
    blob.writeUInt32LE(2, 16);
    blob.writeUInt32LE(36, 20);
    ['XR24', 'AR24', 'NV12'].forEach((f, i) => blob.writeUInt32LE(fourcc(f), 24 + 4 * i));
    blob.writeBigUInt64LE(0b111n, 36);
    blob.writeBigUInt64LE(0n, 52);
    blob.writeBigUInt64LE(0b1n, 60); // bit 0 of a mask that starts at format 1 (offset field): AR24
    blob.writeUInt32LE(1, 68);
    blob.writeBigUInt64LE(0x0100000000000001n, 76);
    expect(decodeInFormats(blob)).toEqual([
      { format: 'XR24', modifiers: ['LINEAR'] },
      { format: 'AR24', modifiers: ['LINEAR', '0x0100000000000001'] },
      { format: 'NV12', modifiers: ['LINEAR'] },
    ]);
  });

  it('encodes 3x4 matrices as S31.32 sign-magnitude', () => {
    const bytes = Buffer.from(encodeCtm3x4([1, -1, 0.5, -2.25, 0, 0, 0, 0, 0, 0, 0, 0]));
    expect(bytes.length).toBe(96);
    expect(bytes.readBigUInt64LE(0)).toBe(1n << 32n);
    expect(bytes.readBigUInt64LE(8)).toBe((1n << 63n) | (1n << 32n)); // sign bit + magnitude, not two's complement
    expect(bytes.readBigUInt64LE(16)).toBe(1n << 31n);
    expect(decodeCtm3x4(bytes).slice(0, 4)).toEqual([1, -1, 0.5, -2.25]);
    expect(() => encodeCtm3x4([1, 2, 3])).toThrow(RangeError);
    expect(() => encodeCtm3x4(Array(12).fill(2 ** 31))).toThrow(RangeError);
  });
});
