// SPDX-License-Identifier: MIT
/**
 * Checking BAR ranges before VFIO_DEVICE_FEATURE_DMA_BUF sees them, so a
 * mistake is reported as what it is instead of a bare EINVAL.
 * @module
 */
import { assertArray, assertSize, options, rangeError } from '../args.js';
import { native } from '../native.js';

/** A slice of a BAR: `length` bytes from `offset`, both page aligned. */
export interface BarRange {
  /** Byte offset into the BAR, page aligned. */
  offset: number;
  /** Bytes from `offset`, page aligned and not zero. */
  length: number;
}

/**
 * Validates `ranges` against a BAR of `barSize` bytes and packs them as
 * [offset, length] pairs. Rules: at least one range; each page aligned,
 * non-empty and inside the BAR; no two overlapping. The kernel itself
 * checks all but the last; overlaps it accepts, but a buffer that maps the
 * same registers twice is almost always a bug, so they are refused here.
 * @returns the pairs and the total length (the dma-buf's size)
 */
export function packRanges(ranges: unknown, bar: number, barSize: number): { pairs: Float64Array; total: number } {
  assertArray('ranges', ranges, { min: 1 });
  const page = native.pageSize;
  const checked = ranges.map((value, i): BarRange & { index: number } => {
    const name = `ranges[${i}]`;
    const range = options<BarRange>(name, value, ['offset', 'length']);
    assertSize(`${name}.offset`, range.offset);
    assertSize(`${name}.length`, range.length);
    const { offset, length } = range;
    if (offset % page !== 0) throw rangeError(`${name}.offset must be a multiple of the page size (${page}), received ${offset}`);
    if (length === 0 || length % page !== 0) {
      throw rangeError(`${name}.length must be a positive multiple of the page size (${page}), received ${length}`);
    }
    if (offset + length > barSize) {
      throw rangeError(`${name}: offset ${offset} + length ${length} is beyond BAR ${bar}'s ${barSize} bytes`);
    }
    return { offset, length, index: i };
  });
  const sorted = [...checked].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.offset < prev.offset + prev.length) {
      throw rangeError(
        `ranges[${prev.index}] (${prev.offset}..${prev.offset + prev.length}) and ranges[${cur.index}] (${cur.offset}..${cur.offset + cur.length}) overlap`,
      );
    }
  }
  const pairs = new Float64Array(checked.length * 2);
  let total = 0;
  checked.forEach((r, i) => {
    pairs[i * 2] = r.offset;
    pairs[i * 2 + 1] = r.length;
    total += r.length;
  });
  return { pairs, total };
}
