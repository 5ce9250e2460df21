// SPDX-License-Identifier: MIT
// The "addon" column: the library's own native functions called directly,
// without the TypeScript facade (no argument checks, objects or error
// shaping). lib / addon is what the facade costs.
import { closeSync } from 'node:fs';

import { turn } from './harness.mjs';

const { native } = await import(new URL('../dist/esm/native.js', import.meta.url).href);
const { AtomicWire } = await import(new URL('../dist/esm/kms/atomic-wire.js', import.meta.url).href);

const O_RDWR = 2;
const O_CLOEXEC = 0o2000000;
const SYNC_START_RW = 3; // DMA_BUF_SYNC_READ | WRITE | START
const SYNC_END_RW = 7; // ... | END
const ATOMIC_TEST_ONLY = 0x100;
const ATOMIC_FLIP = 0x200 | 0x1; // NONBLOCK | PAGE_FLIP_EVENT

function ok(result) {
  if (typeof result === 'number' && result < 0) throw new Error(`addon call failed: errno ${-result}`);
  return result;
}

// The one-ioctl status call: the status itself, or below -65535 for a failed ioctl.
const status = (fd) => {
  const result = native.syncFileStatus(fd);
  if (result <= -0x10000) throw new Error(`addon call failed: errno ${-0x10000 - result}`);
  return result;
};
// The addon's own close when it has one (fd ownership in native code), else Node's.
const close = native.fdClose ?? closeSync;

/** One iteration of each operation through the raw binding, on the fds openLib() gave. */
export function addonOps({ fds, syncobjHandle, planeUpdate }, src) {
  const efd = ok(native.eventfdCreate(0, 0o4000 | O_CLOEXEC));
  const ops = { eventfd: () => (ok(native.eventfdWrite(efd, 1n)), ok(native.eventfdRead(efd))) };
  if (fds.buf !== undefined) {
    ops.sync = () => (ok(native.dmaBufSync(fds.buf, SYNC_START_RW)), ok(native.dmaBufSync(fds.buf, SYNC_END_RW)));
    ops.export = () => {
      const fd = ok(native.dmaBufExportSyncFile(fds.buf, 3));
      status(fd);
      close(fd);
    };
    ops.status = () => status(fds.sync);
    ops.alloc = () => close(ok(native.dmaHeapAlloc(fds.heap, 4096, O_RDWR | O_CLOEXEC)));
  }
  ops.map = () => {
    const buffer = ok(native.mmap(fds.map, 0, 65536, 3));
    new Uint8Array(buffer)[0] = 1;
    ok(native.munmap(buffer));
  };
  if (fds.drm !== undefined) {
    ops.query = () => ok(native.syncobjQuery(fds.drm, syncobjHandle, 0));
    ops.signal = () => ok(native.syncobjSignal(fds.drm, syncobjHandle));
  }
  if (fds.kms !== undefined) Object.assign(ops, kmsOps(fds.kms, planeUpdate));
  const dst = new Uint8Array(ok(native.mmap(fds.copy, 0, src.length, 3)));
  ops.copy = () => dst.set(src);
  return { ops, close: () => (closeSync(efd), native.munmap(dst.buffer)) };
}

/**
 * The plane update through native.kmsAtomic with prebuilt requests (the
 * words lib/kms/atomic-wire.ts lays out, one per framebuffer). The flip
 * waits for its event by polling the fd once per event-loop turn: the
 * addon's own fd watch (pollStart) allows one per fd number, and the lib
 * column's device holds the card fd's, so this column cannot arm one too.
 */
function kmsOps(fd, { objs, counts, props, values }) {
  const prebuilt = (flags, vals) => {
    const wire = new AtomicWire(props.length);
    wire.header(flags, objs.length, 0, 0n);
    objs.forEach((id, i) => wire.object(i, id, counts[i]));
    props.forEach((id, k) => (wire.prop(k, id), wire.number(k, vals[k])));
    return wire.words;
  };
  const test = prebuilt(ATOMIC_TEST_ONLY, values[1]);
  const flips = [prebuilt(ATOMIC_FLIP, values[0]), prebuilt(ATOMIC_FLIP, values[1])];
  let shown = 0;
  return {
    kmsTest: () => ok(native.kmsAtomic(fd, test)),
    kmsFlip: async () => {
      ok(native.kmsAtomic(fd, flips[(shown ^= 1)]));
      while (ok(native.kmsReadEvents(fd)).length === 0) await turn();
    },
  };
}
