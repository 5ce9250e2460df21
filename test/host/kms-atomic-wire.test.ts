// SPDX-License-Identifier: MIT
// The one array an atomic commit hands to the native call (lib/kms/atomic-wire.ts):
// values land as the kernel's u64s, the regions sit where kmsAtomic reads them,
// and a malformed array is EINVAL before any ioctl (an fd of /dev/null would
// otherwise answer ENOTTY).
import { closeSync, openSync } from 'node:fs';

import { afterAll, describe, expect, it } from 'vitest';

import { AtomicWire } from '../../lib/kms/atomic-wire.js';
import { native } from '../../lib/native.js';

const EINVAL = -22;
const ENOTTY = -25;
const HEADER = 8;

/** The value words of property k as a u64. */
const valueAt = (w: AtomicWire, k: number): bigint => new BigUint64Array(w.words.buffer)[HEADER / 2 + k]!;

describe('AtomicWire', () => {
  it('writes safe integers as the u64 of their two\'s complement, without bigints', () => {
    const w = new AtomicWire(16);
    const samples = [0, 1, -1, 0x7fffffff, 0xffffffff, 2 ** 32, -(2 ** 32), -(2 ** 32) - 1, 640 << 16, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    samples.forEach((v, k) => w.number(k, v));
    samples.forEach((v, k) => expect(valueAt(w, k), String(v)).toBe(BigInt.asUintN(64, BigInt(v))));
    w.bigint(0, 2n ** 64n - 2n);
    expect(valueAt(w, 0)).toBe(2n ** 64n - 2n);
  });

  it('takes any capacity, odd ones included (a request keeps a wire of its own size)', () => {
    for (const props of [1, 3, 9, 10, 33]) {
      const w = new AtomicWire(props);
      expect(w.words[3]).toBeGreaterThanOrEqual(props);
      expect(w.words.length).toBe(HEADER + 7 * w.words[3]!);
      w.bigint(props - 1, 2n ** 64n - 1n);
      expect(valueAt(w, props - 1)).toBe(2n ** 64n - 1n);
    }
  });

  it('lays the regions out where the native call reads them, and grows for larger requests', () => {
    const w = new AtomicWire(4);
    expect(w.words.length).toBe(HEADER + 7 * 4);
    w.reserve(40);
    const cap = w.words[3]!;
    expect(cap).toBeGreaterThanOrEqual(40);
    expect(w.words.length).toBe(HEADER + 7 * cap);
    w.header(0x100, 2, 1, 0x1_0000_0002n);
    w.object(1, 77, 3);
    w.prop(39, 1234);
    w.slot(0, 39);
    expect([...w.words.subarray(0, 3)]).toEqual([0x100, 2, 1]);
    expect(new BigUint64Array(w.words.buffer)[2]).toBe(0x1_0000_0002n);
    expect(w.words[HEADER + 2 * cap + 1]).toBe(77);
    expect(w.words[HEADER + 3 * cap + 1]).toBe(3);
    expect(w.words[HEADER + 4 * cap + 39]).toBe(1234);
    expect(w.words[HEADER + 5 * cap]).toBe(39);
  });
});

describe('native kmsAtomic', () => {
  const fd = openSync('/dev/null', 'r+');
  afterAll(() => closeSync(fd));

  /** One object with `props` properties, `slots` out-fence slots at the given value indices. */
  const request = (props: number, slots: number[] = []): AtomicWire => {
    const w = new AtomicWire(8);
    w.header(0x100, 1, slots.length, 0n);
    w.object(0, 1, props);
    slots.forEach((k, s) => w.slot(s, k));
    return w;
  };

  it('reaches the ioctl with a well-formed request (ENOTTY from /dev/null), and marks slots with no fence -1', () => {
    expect(native.kmsAtomic(fd, request(3).words)).toBe(ENOTTY);
    const w = request(3, [2]);
    expect(native.kmsAtomic(fd, w.words)).toBe(ENOTTY);
    expect(w.fd(0)).toBe(-1);
  });

  it('refuses a malformed request with EINVAL before the ioctl', () => {
    expect(native.kmsAtomic(fd, new Uint32Array(4))).toBe(EINVAL); // shorter than the header
    expect(native.kmsAtomic(fd, new Int32Array(HEADER + 7 * 8) as unknown as Uint32Array)).toBe(EINVAL); // not a Uint32Array
    expect(native.kmsAtomic(fd, request(9).words)).toBe(EINVAL); // more properties than the regions hold
    expect(native.kmsAtomic(fd, request(3, [3]).words)).toBe(EINVAL); // a slot past the properties
    const short = request(3);
    short.words[3] = 1000; // a cap the array is too short for
    expect(native.kmsAtomic(fd, short.words)).toBe(EINVAL);
    const many = request(3);
    many.words[1] = 9; // more objects than the regions hold
    expect(native.kmsAtomic(fd, many.words)).toBe(EINVAL);
    const odd = new Uint32Array(HEADER + 7 * 8 + 1).subarray(1); // values not 8-byte aligned
    odd.set(request(3).words);
    expect(native.kmsAtomic(fd, odd)).toBe(EINVAL);
  });
});
