// SPDX-License-Identifier: MIT
/**
 * What DRM_IOCTL_MODE_ATOMIC reads, laid out in one reused Uint32Array that
 * the native call (kmsAtomic in native/kms_commit.cc) hands to the kernel in
 * place. A compositor commits per frame: building five typed arrays per
 * commit, and the Node-API calls to read each back (about 0.4 us apiece
 * under QEMU TCG), cost more than the facade's own work (issue 14).
 *
 * Layout, in 32-bit words (`cap` elements per region):
 *   0 flags, 1 object count, 2 out-fence slot count, 3 cap, 4-5 user_data (u64), 6-7 unused
 *   8 .. 8+2cap     values (u64, 8-byte aligned)
 *   then objs, count_props, props, slots (value indices the native call points at
 *   the fds), fds (s32, where the kernel writes each slot's new sync_file fd): cap words each.
 * @module
 */

const HEADER = 8;
const REGIONS = 7; // values (2 words each), objs, counts, props, slots, fds
// Which 32-bit half of a u64 comes first in memory.
const LO = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;
const TWO_32 = 2 ** 32;

/** @internal one atomic request as the native call reads it */
export class AtomicWire {
  /** What native.kmsAtomic takes. */
  words!: Uint32Array;
  #u64!: BigUint64Array;
  #fds!: Int32Array;
  #cap = 0;

  constructor(cap = 32) {
    this.reserve(cap);
  }

  /** Makes room for `props` properties (and as many objects and slots). Keeps nothing. */
  reserve(props: number): void {
    if (props <= this.#cap) return;
    let cap = Math.max(props, 2 * this.#cap);
    cap += cap & 1; // even: 8 + 7 * cap words must fill whole u64s for the BigUint64Array view
    this.words = new Uint32Array(HEADER + REGIONS * cap);
    this.#u64 = new BigUint64Array(this.words.buffer);
    this.#fds = new Int32Array(this.words.buffer);
    this.#cap = cap;
    this.words[3] = cap;
  }

  /** The ioctl's flags, how many objects and out-fence slots, and the user_data of its events. */
  header(flags: number, objects: number, slots: number, userData: bigint): void {
    this.words[0] = flags;
    this.words[1] = objects;
    this.words[2] = slots;
    this.#u64[2] = userData;
  }

  /** Object `i`: its id and how many properties follow for it. */
  object(i: number, id: number, count: number): void {
    this.words[HEADER + 2 * this.#cap + i] = id;
    this.words[HEADER + 3 * this.#cap + i] = count;
  }

  /** Property `k`'s id. */
  prop(k: number, propId: number): void {
    this.words[HEADER + 4 * this.#cap + k] = propId;
  }

  /** Property `k`'s value: a safe integer, as the u64 of its two's complement (BigInt.asUintN(64, v)); no bigint made. */
  number(k: number, v: number): void {
    this.words[HEADER + 2 * k + LO] = v >>> 0;
    this.words[HEADER + 2 * k + HI] = Math.floor(v / TWO_32) >>> 0;
  }

  /** Property `k`'s value: a u64. */
  bigint(k: number, v: bigint): void {
    this.#u64[HEADER / 2 + k] = v;
  }

  /** Out-fence slot `s` is property `k` (OUT_FENCE_PTR, WRITEBACK_OUT_FENCE_PTR). */
  slot(s: number, k: number): void {
    this.words[HEADER + 5 * this.#cap + s] = k;
  }

  /** The fd the kernel made for slot `s` after the call, -1 for none. */
  fd(s: number): number {
    return this.#fds[HEADER + 6 * this.#cap + s]!;
  }
}

/**
 * This thread's commits' arrays. Shared safely: a commit fills them and hands
 * them to the synchronous native call, with nothing in between that could
 * start another commit.
 * @internal
 */
export const wire = new AtomicWire();
