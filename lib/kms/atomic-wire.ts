// SPDX-License-Identifier: MIT
/**
 * The arrays DRM_IOCTL_MODE_ATOMIC reads (object ids, property counts,
 * property ids, values, out-fence slots), allocated once per thread and
 * grown when a request is larger than any before it. A compositor commits
 * per frame; building five typed arrays per commit cost more than the
 * ioctl's own work under TCG (issue 14). Sharing is safe: a commit fills
 * them and hands them to the synchronous native call, with nothing in
 * between that could start another commit.
 * @module
 */

// Which 32-bit half of a u64 comes first in memory.
const LO = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;
const TWO_32 = 2 ** 32;

/** @internal the scratch arrays of one thread's commits */
class AtomicWire {
  objs = new Uint32Array(4);
  counts = new Uint32Array(4);
  props = new Uint32Array(32);
  values = new BigUint64Array(32);
  /** `values` as 32-bit halves: a number is written without making a bigint. */
  #halves = new Uint32Array(this.values.buffer);
  /** Indices into `values` the native call points at `fds` (OUT_FENCE_PTR, WRITEBACK_OUT_FENCE_PTR). */
  slots = new Uint32Array(32);
  /** Where the kernel writes each slot's new sync_file fd (-1: none). */
  fds = new Int32Array(32);

  /** Makes room for `objects` objects and `props` properties. */
  reserve(objects: number, props: number): void {
    if (objects > this.objs.length) {
      this.objs = new Uint32Array(objects * 2);
      this.counts = new Uint32Array(objects * 2);
    }
    if (props > this.props.length) {
      const n = props * 2;
      this.props = new Uint32Array(n);
      this.values = new BigUint64Array(n);
      this.#halves = new Uint32Array(this.values.buffer);
      this.slots = new Uint32Array(n);
      this.fds = new Int32Array(n);
    }
  }

  /** values[i] = a safe integer, as the u64 holding its two's complement (what BigInt.asUintN(64, v) gives). */
  setNumber(i: number, v: number): void {
    this.#halves[2 * i + LO] = v >>> 0;
    this.#halves[2 * i + HI] = Math.floor(v / TWO_32) >>> 0;
  }
}

/** @internal this thread's commit arrays */
export const wire = new AtomicWire();
