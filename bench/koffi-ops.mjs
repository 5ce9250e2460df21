// SPDX-License-Identifier: MIT
// The "koffi" column: what a program would do without this library, calling
// libc's ioctl/read/write/mmap through the koffi FFI with structs in Buffers.
// koffi is an optional dev dependency: without it this column says why.

/** The ops, or a string saying why there are none. */
export async function koffiOps({ fds, syncobjHandle, planeUpdate }, src) {
  let koffi;
  try {
    koffi = (await import('koffi')).default;
  } catch (error) {
    return `koffi not installed (${error.code ?? error.message}); npm install -D koffi`;
  }
  const libc = koffi.load('libc.so.6');
  const ioctl = libc.func('int ioctl(int, unsigned long, void *)');
  const write = libc.func('long write(int, const void *, unsigned long)');
  const read = libc.func('long read(int, void *, unsigned long)');
  const close = libc.func('int close(int)');
  const eventfd = libc.func('int eventfd(unsigned int, int)');
  const mmap = libc.func('void *mmap(void *, unsigned long, int, int, int, long)');
  const munmap = libc.func('int munmap(void *, unsigned long)');
  const memcpy = libc.func('void *memcpy(void *, const void *, unsigned long)');

  const ok = (r) => {
    if (r < 0) throw new Error(`koffi call failed: errno ${koffi.errno()}`);
    return r;
  };
  // _IOC(dir, type, nr, size) as the kernel's ioctl.h encodes it.
  const ioc = (dir, type, nr, size) => ((dir << 30) | (size << 16) | (type.charCodeAt(0) << 8) | nr) >>> 0;
  const DMA_BUF_IOCTL_SYNC = ioc(1, 'b', 0, 8);
  const EXPORT_SYNC_FILE = ioc(3, 'b', 2, 8);
  const SYNC_IOC_FILE_INFO = ioc(3, '>', 4, 56);
  const DMA_HEAP_IOCTL_ALLOC = ioc(3, 'H', 0, 24);
  const SYNCOBJ_SIGNAL = ioc(3, 'd', 0xc5, 16);
  const SYNCOBJ_QUERY = ioc(3, 'd', 0xcb, 24);

  const efd = ok(eventfd(0, 0o4000 | 0o2000000));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64LE(1n);
  const got = Buffer.alloc(8);
  const ops = { eventfd: () => (ok(write(efd, counter, 8)), ok(read(efd, got, 8))) };

  if (fds.buf !== undefined) {
    const sync = new BigUint64Array(1);
    ops.sync = () => {
      sync[0] = 3n;
      ok(ioctl(fds.buf, DMA_BUF_IOCTL_SYNC, sync));
      sync[0] = 7n;
      ok(ioctl(fds.buf, DMA_BUF_IOCTL_SYNC, sync));
    };
    const exp = new Int32Array(2); // { u32 flags; s32 fd }
    const info = new Int32Array(14); // sync_file_info: name[32], status, flags, num_fences, pad, u64 info
    const fileStatus = (fd) => {
      info[10] = 0; // num_fences = 0: the count, no per-fence array
      info[12] = info[13] = 0;
      ok(ioctl(fd, SYNC_IOC_FILE_INFO, info));
      return info[8];
    };
    ops.export = () => {
      exp[0] = 3;
      exp[1] = -1;
      ok(ioctl(fds.buf, EXPORT_SYNC_FILE, exp));
      fileStatus(exp[1]);
      close(exp[1]);
    };
    ops.status = () => fileStatus(fds.sync);
    const alloc = new Uint32Array(6); // { u64 len; u32 fd; u32 fd_flags; u64 heap_flags }
    ops.alloc = () => {
      alloc[0] = 4096;
      alloc[2] = 0; // the kernel refuses a non-zero fd on input
      alloc[3] = 2 | 0o2000000;
      ok(ioctl(fds.heap, DMA_HEAP_IOCTL_ALLOC, alloc));
      close(alloc[2]);
    };
  }
  const map64k = () => {
    const p = mmap(null, 65536, 3, 1, fds.map, 0);
    if (p === -1n || p === 0xffffffffffffffffn) throw new Error(`mmap failed: errno ${koffi.errno()}`);
    return p;
  };
  ops.map = () => {
    const p = map64k();
    koffi.encode(p, 'uint8_t', 1);
    munmap(p, 65536);
  };
  // The same with what the lib column hands back: an ArrayBuffer over the
  // mapping (koffi.view makes it through Node-API, as the addon does), but
  // none of the lib's safety: a view kept past munmap faults.
  ops.mapView = () => {
    const p = map64k();
    new Uint8Array(koffi.view(p, 65536))[0] = 1;
    munmap(p, 65536);
  };
  if (fds.drm !== undefined) {
    // The handle and point live in C memory; the structs point at them.
    const handle = koffi.alloc('uint32_t', 1);
    koffi.encode(handle, 'uint32_t', syncobjHandle);
    const point = koffi.alloc('uint64_t', 1);
    const query = new BigUint64Array([koffi.address(handle), koffi.address(point), 1n]);
    ops.query = () => (ok(ioctl(fds.drm, SYNCOBJ_QUERY, query)), koffi.decode(point, 'uint64_t'));
    const signal = new BigUint64Array([koffi.address(handle), 1n]);
    ops.signal = () => ok(ioctl(fds.drm, SYNCOBJ_SIGNAL, signal));
  }
  if (fds.kms !== undefined) {
    const MODE_ATOMIC = ioc(3, 'd', 0xbc, 56);
    // The arrays live in C memory; drm_mode_atomic (flags, count_objs, then
    // objs, count_props, props, prop_values, reserved, user_data pointers)
    // points at them, one struct per framebuffer's value list.
    const cArray = (type, list) => {
      const mem = koffi.alloc(type, list.length);
      koffi.encode(mem, koffi.array(type, list.length), list);
      return koffi.address(mem);
    };
    const { objs, counts, props, values } = planeUpdate;
    const shared = [cArray('uint32_t', objs), cArray('uint32_t', counts), cArray('uint32_t', props)];
    const atomic = (flags, list) => {
      const arg = new BigUint64Array([0n, ...shared, cArray('uint64_t', list.map(BigInt)), 0n, 0n]);
      new Uint32Array(arg.buffer, 0, 2).set([flags, objs.length]);
      return arg;
    };
    const testOnly = atomic(0x100, values[1]);
    const flips = values.map((list) => atomic(0x200 | 0x1, list)); // NONBLOCK | PAGE_FLIP_EVENT
    ops.kmsTest = () => ok(ioctl(fds.kms, MODE_ATOMIC, testOnly));
    // The wait is a blocking poll() on a libuv pool thread, as a koffi program
    // that keeps its event loop free would do; then read() takes the event.
    // (The fd is non-blocking once libuv watches it for the lib column.)
    const poll = libc.func('int poll(void *, unsigned long, int)');
    const pollfd = new Int16Array(4); // { int fd; short events; short revents }
    new Int32Array(pollfd.buffer, 0, 1)[0] = fds.kms;
    pollfd[2] = 1; // POLLIN
    const event = Buffer.alloc(4096);
    const readable = () => new Promise((resolve, reject) => poll.async(pollfd, 1, -1, (error, n) => (error ? reject(error) : resolve(ok(n)))));
    let shown = 0;
    ops.kmsFlip = async () => {
      ok(ioctl(fds.kms, MODE_ATOMIC, flips[(shown ^= 1)]));
      await readable();
      ok(read(fds.kms, event, event.length));
    };
  }
  const dst = mmap(null, src.length, 3, 1, fds.copy, 0);
  ops.copy = () => memcpy(dst, src, src.length);
  return { ops, close: () => (close(efd), munmap(dst, src.length)) };
}
