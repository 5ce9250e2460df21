// SPDX-License-Identifier: MIT
/**
 * Display modes: struct drm_mode_modeinfo (68 bytes), as connectors report
 * them and as a CRTC's MODE_ID blob carries them.
 * @module
 */
import { assertInstance, assertInt, assertString, options, rangeError } from '../args.js';

/** One display timing, as plain numbers (JSON-able). */
export interface DisplayMode {
  /** The mode's name, e.g. `'1920x1080'` (at most 31 characters). */
  name: string;
  /** Pixel clock in kHz. */
  clock: number;
  /** Visible width in pixels (hdisplay). */
  hdisplay: number;
  /** Pixel at which horizontal sync starts (hsync_start), counted from the start of the line. */
  hsyncStart: number;
  /** Pixel at which horizontal sync ends (hsync_end). */
  hsyncEnd: number;
  /** Total line length in pixels, blanking included (htotal). */
  htotal: number;
  /** Horizontal skew in pixels (hskew; 0 for almost every mode). */
  hskew: number;
  /** Visible height in lines (vdisplay). */
  vdisplay: number;
  /** Line at which vertical sync starts (vsync_start), counted from the top of the frame. */
  vsyncStart: number;
  /** Line at which vertical sync ends (vsync_end). */
  vsyncEnd: number;
  /** Total frame height in lines, blanking included (vtotal). */
  vtotal: number;
  /** Times each line is scanned out (vscan; 0 or 1 mean once). */
  vscan: number;
  /** Refresh rate in Hz as the kernel rounds it. */
  vrefresh: number;
  /** DRM_MODE_FLAG_* bits (sync polarity, interlace…). */
  flags: number;
  /** DRM_MODE_TYPE_* bits; `preferred` is bit 3. */
  type: number;
  /** The connector's preferred mode (DRM_MODE_TYPE_PREFERRED). */
  preferred: boolean;
}

export const MODE_INFO_SIZE = 68;
const TYPE_PREFERRED = 1 << 3;

/**
 * Decodes one modeinfo at `offset`.
 * @throws {TypeError} `bytes` is not a Buffer
 * @throws {RangeError} the modeinfo does not fit in `bytes` at `offset`
 */
export function decodeMode(bytes: Buffer, offset = 0): DisplayMode {
  assertInstance('bytes', bytes, Buffer);
  assertInt('offset', offset, 0, Number.MAX_SAFE_INTEGER);
  // Buffer reads would let a short tail through (the name is a subarray): one modeinfo is 68 bytes.
  if (offset + MODE_INFO_SIZE > bytes.length) throw rangeError(`a modeinfo is ${MODE_INFO_SIZE} bytes: offset ${offset} of ${bytes.length} leaves ${Math.max(0, bytes.length - offset)}`);
  const u16 = (at: number): number => bytes.readUInt16LE(offset + at);
  const nameBytes = bytes.subarray(offset + 36, offset + 68);
  const end = nameBytes.indexOf(0);
  const type = bytes.readUInt32LE(offset + 32);
  return {
    name: nameBytes.subarray(0, end < 0 ? 32 : end).toString('latin1'),
    clock: bytes.readUInt32LE(offset),
    hdisplay: u16(4),
    hsyncStart: u16(6),
    hsyncEnd: u16(8),
    htotal: u16(10),
    hskew: u16(12),
    vdisplay: u16(14),
    vsyncStart: u16(16),
    vsyncEnd: u16(18),
    vtotal: u16(20),
    vscan: u16(22),
    vrefresh: bytes.readUInt32LE(offset + 24),
    flags: bytes.readUInt32LE(offset + 28),
    type,
    preferred: (type & TYPE_PREFERRED) !== 0,
  };
}

/** Decodes a packed array of modeinfos. */
export function decodeModes(bytes: Buffer): DisplayMode[] {
  const modes: DisplayMode[] = [];
  for (let at = 0; at + MODE_INFO_SIZE <= bytes.length; at += MODE_INFO_SIZE) modes.push(decodeMode(bytes, at));
  return modes;
}

const u16Fields = [
  ['hdisplay', 4],
  ['hsyncStart', 6],
  ['hsyncEnd', 8],
  ['htotal', 10],
  ['hskew', 12],
  ['vdisplay', 14],
  ['vsyncStart', 16],
  ['vsyncEnd', 18],
  ['vtotal', 20],
  ['vscan', 22],
] as const;

/** Every field of a DisplayMode: a mode read from a connector passes back as it is. */
const DISPLAY_MODE_KEYS: readonly (keyof DisplayMode)[] = [
  'name', 'clock', 'hdisplay', 'hsyncStart', 'hsyncEnd', 'htotal', 'hskew',
  'vdisplay', 'vsyncStart', 'vsyncEnd', 'vtotal', 'vscan', 'vrefresh', 'flags', 'type', 'preferred',
];

/**
 * Encodes a mode for a MODE_ID blob. Takes a mode as discovery reports it
 * (`preferred` is ignored; `type` and `flags` are sent as given).
 * @throws {TypeError} a field is missing or not a number
 * @throws {RangeError} a field is out of its C type's range
 */
export function encodeMode(mode: DisplayMode): Uint8Array {
  const m = options<DisplayMode>('mode', mode, DISPLAY_MODE_KEYS);
  const out = Buffer.alloc(MODE_INFO_SIZE);
  assertInt('mode.clock', m.clock, 0, 0xffffffff);
  out.writeUInt32LE(m.clock, 0);
  for (const [field, at] of u16Fields) {
    const v = m[field] ?? 0;
    assertInt(`mode.${field}`, v, 0, 0xffff);
    out.writeUInt16LE(v, at);
  }
  for (const [field, at] of [['vrefresh', 24], ['flags', 28], ['type', 32]] as const) {
    const v = m[field] ?? 0;
    assertInt(`mode.${field}`, v, 0, 0xffffffff);
    out.writeUInt32LE(v, at);
  }
  const name = m.name ?? '';
  assertString('mode.name', name);
  out.write(name.slice(0, 31), 36, 'latin1');
  return out;
}
