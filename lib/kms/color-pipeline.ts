// SPDX-License-Identifier: MIT
/**
 * Plane colour pipelines (Linux 6.19+, DRM_CLIENT_CAP_PLANE_COLOR_PIPELINE):
 * a plane's COLOR_PIPELINE enum names chains of colorop objects, each with
 * a TYPE, an optional BYPASS and a NEXT link, plus per-type properties (a 1D
 * curve's CURVE_1D_TYPE, a 3x4 matrix's DATA blob, a MULTIPLIER…).
 * Documentation/gpu/rfc/color_pipeline.rst.
 * @module
 */
import { assertInstance, rangeError } from '../args.js';
import { check } from '../errors.js';
import { native } from '../native.js';
import { type KmsProperty, ObjectType, type PropertyTable } from './properties.js';

/** One colour operation. JSON-able. */
export interface Colorop {
  /** The colorop's KMS object id (DRM_MODE_OBJECT_COLOROP). */
  id: number;
  /** The TYPE enum's name: `'1D Curve'`, `'1D LUT'`, `'3x4 Matrix'`, `'Multiplier'`, `'3D LUT'`. */
  type: string;
  /** Whether the colorop is bypassed now; undefined when it cannot be bypassed (no BYPASS property). */
  bypass?: boolean;
  /** For 1D curves: the curve kinds the driver offers, and the one selected. */
  curveTypes?: string[];
  /** For 1D curves: the selected curve kind (the CURVE_1D_TYPE enum's current name). */
  curveType?: string;
  /** For 3x4 matrices: the current matrix (row-major, 12 numbers), when a DATA blob is set. */
  matrix?: number[];
  /** The next colorop's id, 0 at the end of the chain. */
  next: number;
  /** All the colorop's properties with their current values. */
  properties: KmsProperty[];
}

/** One colour pipeline of a plane: an entry of its COLOR_PIPELINE enum and the chain of colorops it starts. */
export interface ColorPipeline {
  /** The COLOR_PIPELINE value that selects it: the id of its first colorop. */
  id: number;
  /** The driver's name for it, e.g. `'Color Pipeline 42'`. */
  name: string;
  /** Its colorops in processing order, following each NEXT link from the first. */
  colorops: Colorop[];
}

/** Bytes in a struct drm_color_ctm_3x4 blob: twelve 64-bit S31.32 values (96). */
export const CTM_3X4_SIZE = 12 * 8;
const SIGN = 1n << 63n;

/**
 * Encodes a 3x4 matrix (row-major: R' = m[0]R + m[1]G + m[2]B + m[3]…) as
 * struct drm_color_ctm_3x4: twelve S31.32 fixed-point values in
 * sign-magnitude form (bit 63 is the sign, not two's complement).
 * @throws {RangeError} not 12 finite numbers with |value| < 2^31
 */
export function encodeCtm3x4(matrix: readonly number[]): Uint8Array {
  if (!Array.isArray(matrix) || matrix.length !== 12) throw rangeError('matrix must be 12 numbers (3 rows of 4, row-major)');
  const out = Buffer.alloc(CTM_3X4_SIZE);
  matrix.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) >= 2 ** 31) throw rangeError(`matrix[${i}] must be a finite number with |value| < 2^31`);
    const magnitude = BigInt(Math.round(Math.abs(v) * 2 ** 32));
    out.writeBigUInt64LE(v < 0 ? magnitude | SIGN : magnitude, 8 * i);
  });
  return out;
}

/**
 * The inverse of `encodeCtm3x4`.
 * @throws {TypeError} `bytes` is not a Buffer
 * @throws {RangeError} `bytes` is shorter than CTM_3X4_SIZE
 */
export function decodeCtm3x4(bytes: Buffer): number[] {
  assertInstance('bytes', bytes, Buffer);
  return Array.from({ length: 12 }, (_, i) => {
    const raw = bytes.readBigUInt64LE(8 * i);
    const magnitude = Number(raw & ~SIGN) / 2 ** 32;
    return raw & SIGN ? -magnitude : magnitude;
  });
}

/** What pipeline discovery needs from the device. */
export interface PipelineContext {
  fd(): number;
  path: string;
  props: PropertyTable;
}

function colorop(ctx: PipelineContext, id: number): Colorop {
  const properties = ctx.props.read(id, ObjectType.COLOROP);
  const prop = (name: string): KmsProperty | undefined => properties.find((p) => p.name === name);
  const type = prop('TYPE');
  const out: Colorop = {
    id,
    type: typeof type?.valueName === 'string' ? type.valueName : 'unknown',
    next: Number(prop('NEXT')?.value ?? 0),
    properties,
  };
  const bypass = prop('BYPASS');
  if (bypass) out.bypass = bypass.value !== 0;
  const curve = prop('CURVE_1D_TYPE');
  if (curve) {
    out.curveTypes = (curve.enums ?? []).map((e) => e.name);
    if (typeof curve.valueName === 'string') out.curveType = curve.valueName;
  }
  const data = prop('DATA');
  if (out.type === '3x4 Matrix' && data && data.value) {
    const bytes = check(native.kmsGetPropBlob(ctx.fd(), Number(data.value)), {
      syscall: 'ioctl',
      request: 'DRM_IOCTL_MODE_GETPROPBLOB',
      path: ctx.path,
    });
    if (bytes.length >= CTM_3X4_SIZE) out.matrix = decodeCtm3x4(bytes);
  }
  return out;
}

/**
 * The plane's colour pipelines (not counting `'Bypass'`, value 0). Empty
 * when the plane has none or the file did not set PLANE_COLOR_PIPELINE.
 */
export function listColorPipelines(ctx: PipelineContext, planeId: number): ColorPipeline[] {
  const pipelineProp = ctx.props.read(planeId, ObjectType.PLANE).find((p) => p.name === 'COLOR_PIPELINE');
  const pipelines: ColorPipeline[] = [];
  for (const entry of pipelineProp?.enums ?? []) {
    const first = Number(entry.value);
    if (first === 0) continue;
    const colorops: Colorop[] = [];
    const seen = new Set<number>();
    // NEXT links are immutable and acyclic; `seen` guards against a driver bug anyway.
    for (let id = first; id !== 0 && !seen.has(id); ) {
      seen.add(id);
      const op = colorop(ctx, id);
      colorops.push(op);
      id = op.next;
    }
    pipelines.push({ id: first, name: entry.name, colorops });
  }
  return pipelines;
}
