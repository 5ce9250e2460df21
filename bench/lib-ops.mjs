// SPDX-License-Identifier: MIT
// The benchmarks' one adapter to the public API: every call the bench makes
// through `dmabuf` is here, so an API change is fixed in this file alone.
// The other columns (addon, koffi, C) reach the same kernel objects through
// the raw fds and handles that openLib() returns.
const api = await import(new URL('../dist/esm/index.js', import.meta.url).href);
const { DmaHeap, DrmDevice, EventFd, Mapping, Memfd, SwSyncTimeline } = api;

export const COPY_LENGTH = 16 << 20;

/** The 'writer' snapshot: every fence on the buffer. */
export function exportWriter(buf) {
  return buf.exportSyncFile('writer');
}

function attempt(what, open, skips) {
  try {
    return open();
  } catch (error) {
    skips[what] = `${error.code ?? error.name}: ${error.message.split(/[:(\n]/)[0].trim()}`;
    return undefined;
  }
}

/**
 * Opens what this machine offers. Returns the objects, the raw fds for the
 * other columns, why each missing thing is missing, and close().
 */
export function openLib() {
  const skips = {};
  const eventfd = EventFd.create();
  const heap = attempt('dma-heap', () => DmaHeap.open('system'), skips);
  const buf = heap?.allocate(65536);
  const syncFile = buf && exportWriter(buf);
  // The copy target: a dma-buf where there is a heap, else a memfd (the host),
  // mapped by the library's Mapping either way.
  const copyBuf = heap ? heap.allocate(COPY_LENGTH) : Memfd.create('dmabuf-bench', COPY_LENGTH);
  const copyMapping = heap ? copyBuf.map() : new Mapping(copyBuf.fd, 0, COPY_LENGTH, 'readwrite');
  const drm = attempt('virtio_gpu', () => DrmDevice.openByDriver('virtio_gpu'), skips);
  const syncobj = drm && attempt('syncobj', () => drm.createSyncobj({ signaled: true }), skips);
  return {
    skips,
    copyKind: heap ? 'dma-buf (system heap)' : 'memfd',
    objects: { eventfd, heap, buf, syncFile, copyBuf, copyMapping, drm, syncobj },
    fds: { heap: heap?.fd, buf: buf?.fd, sync: syncFile?.fd, drm: syncobj ? drm.fd : undefined, copy: copyBuf.fd },
    syncobjHandle: syncobj?.handle,
    close() {
      for (const o of [syncobj, drm, copyMapping, copyBuf, syncFile, buf, heap, eventfd]) o?.close();
    },
  };
}

/** One iteration of each operation through the public API. */
export function libOps({ objects: o }, src) {
  const ops = { eventfd: () => (o.eventfd.write(1n), o.eventfd.read()) };
  if (o.buf) {
    ops.sync = () => o.buf.beginCpuAccess('readwrite').end();
    ops.export = () => {
      const file = exportWriter(o.buf);
      file.status();
      file.close();
    };
    ops.status = () => o.syncFile.status();
    ops.alloc = () => o.heap.allocate(4096).close();
    ops.map = () => {
      const m = o.buf.map();
      new Uint8Array(m.buffer)[0] = 1;
      m.unmap();
    };
  }
  if (o.syncobj) {
    ops.query = () => o.syncobj.query();
    ops.signal = () => o.syncobj.signal();
  }
  const dst = new Uint8Array(o.copyMapping.buffer);
  ops.copy = () => dst.set(src);
  return ops;
}

// Fences for the latency and pending-wait benchmarks.
export const swSync = {
  /** A sw_sync timeline, or a skip reason. */
  open: () => {
    try {
      return SwSyncTimeline.create();
    } catch (error) {
      return `${error.code ?? error.name}: ${error.message.split(/[:(\n]/)[0].trim()}`;
    }
  },
  fence: (timeline, point) => timeline.createFence(point, 'bench'),
  advance: (timeline, count = 1) => timeline.advance(count),
  value: (timeline) => timeline.value,
};

export const waits = {
  syncFile: (file) => file.wait(),
  eventfd: () => EventFd.create(),
  eventfdWait: (efd) => efd.wait(),
  eventfdSignal: (efd) => efd.write(1n),
  /** A timeline syncobj on virtio_gpu, or a skip reason. */
  syncobj: () => {
    try {
      const drm = DrmDevice.openByDriver('virtio_gpu');
      return { drm, syncobj: drm.createSyncobj() };
    } catch (error) {
      return `${error.code ?? error.name}: ${error.message.split(/[:(\n]/)[0].trim()}`;
    }
  },
  syncobjWait: (s, point) => s.syncobj.wait(BigInt(point)),
  syncobjSignal: (s, point) => s.syncobj.signalPoint(BigInt(point)),
};
