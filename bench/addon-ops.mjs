// SPDX-License-Identifier: MIT
// The "addon" column: the library's own native functions called directly,
// without the TypeScript facade (no argument checks, objects or error
// shaping). lib / addon is what the facade costs.
import { closeSync } from 'node:fs';

const { native } = await import(new URL('../dist/esm/native.js', import.meta.url).href);

const O_RDWR = 2;
const O_CLOEXEC = 0o2000000;
const SYNC_START_RW = 3; // DMA_BUF_SYNC_READ | WRITE | START
const SYNC_END_RW = 7; // ... | END

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
export function addonOps({ fds, syncobjHandle }, src) {
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
    ops.map = () => {
      const buffer = ok(native.mmap(fds.buf, 0, 65536, 3));
      new Uint8Array(buffer)[0] = 1;
      ok(native.munmap(buffer));
    };
  }
  if (fds.drm !== undefined) {
    ops.query = () => ok(native.syncobjQuery(fds.drm, syncobjHandle, 0));
    ops.signal = () => ok(native.syncobjSignal(fds.drm, syncobjHandle));
  }
  const dst = new Uint8Array(ok(native.mmap(fds.copy, 0, src.length, 3)));
  ops.copy = () => dst.set(src);
  return { ops, close: () => (closeSync(efd), native.munmap(dst.buffer)) };
}
