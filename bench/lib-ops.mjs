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
  // The map target: the 64 KiB dma-buf, else (the host) a 64 KiB memfd.
  const mapFile = buf ? undefined : Memfd.create('dmabuf-bench-map', 65536);
  const drm = attempt('virtio_gpu', () => DrmDevice.openByDriver('virtio_gpu'), skips);
  const syncobj = drm && attempt('syncobj', () => drm.createSyncobj({ signaled: true }), skips);
  const display = attempt('vkms', openDisplay, skips);
  return {
    skips,
    copyKind: heap ? 'dma-buf (system heap)' : 'memfd',
    mapKind: buf ? 'dma-buf (system heap)' : 'memfd',
    objects: { eventfd, heap, buf, syncFile, copyBuf, copyMapping, mapFile, drm, syncobj, display },
    fds: { heap: heap?.fd, buf: buf?.fd, sync: syncFile?.fd, drm: syncobj ? drm.fd : undefined, copy: copyBuf.fd, kms: display?.device.fd, map: (buf ?? mapFile).fd },
    syncobjHandle: syncobj?.handle,
    planeUpdate: display?.planeUpdate,
    kmsMode: display?.modeText,
    close() {
      display?.close();
      for (const o of [syncobj, drm, mapFile, copyMapping, copyBuf, syncFile, buf, heap, eventfd]) o?.close();
    },
  };
}

/** The properties of a compositor's per-frame plane update, FB_ID first. */
const PLANE_PROPS = ['FB_ID', 'CRTC_ID', 'SRC_X', 'SRC_Y', 'SRC_W', 'SRC_H', 'CRTC_X', 'CRTC_Y', 'CRTC_W', 'CRTC_H'];

/**
 * The vkms card as DRM master with its first pipe lit: two dumb XRGB8888
 * framebuffers the size of the connector's smallest mode (vkms composes in
 * software), the first shown by one blocking modeset. `planeUpdate` is the
 * plane update as the raw columns send it: object ids, property counts,
 * property ids and one value list per framebuffer, in PLANE_PROPS order.
 */
function openDisplay() {
  const device = DrmDevice.openByDriver('vkms');
  const owned = [device];
  try {
    const kms = device.kms();
    kms.setMaster(); // the first opener is master already; this says so if another file is
    const { crtcs, connectors, planes } = kms.discover();
    const crtc = crtcs[0];
    const connector = connectors.find((c) => !c.writeback && c.status === 'connected' && c.possibleCrtcs.includes(crtc.id));
    const primary = planes.find((p) => p.type === 'primary' && p.possibleCrtcs.includes(crtc.id));
    if (!connector || !primary) throw Object.assign(new Error(`no connected connector or primary plane on CRTC ${crtc.id}`), { code: 'ENODEV' });
    const mode = connector.modes.reduce((a, b) => (b.hdisplay * b.vdisplay < a.hdisplay * a.vdisplay ? b : a));
    const { hdisplay: width, vdisplay: height } = mode;
    const fbs = [0, 1].map(() => {
      const gem = device.createDumb({ width, height, bpp: 32 });
      owned.unshift(gem);
      const fb = kms.addFramebuffer({ buffer: gem, width, height, format: 'XR24' });
      owned.unshift(fb);
      return fb;
    });
    const modeBlob = kms.createModeBlob(mode);
    owned.unshift(modeBlob);
    const values = (fb) => [fb.id, crtc.id, 0, 0, width << 16, height << 16, 0, 0, width, height];
    /** A plane update request: show `fb` on the primary plane, full screen. */
    const request = (fb) => {
      const req = kms.request();
      values(fb).forEach((v, i) => req.set(primary, PLANE_PROPS[i], i === 0 ? fb : v));
      return req;
    };
    request(fbs[0]).set(connector, 'CRTC_ID', crtc).set(crtc, 'MODE_ID', modeBlob).set(crtc, 'ACTIVE', 1).commit({ allowModeset: true });
    const ids = new Map(kms.properties(primary).map((p) => [p.name, p.id]));
    // vkms's vblank timer runs at the mode's frame duration (htotal * vtotal / pixel clock).
    const frameMs = (mode.htotal * mode.vtotal) / mode.clock;
    return {
      device,
      kms,
      fbs,
      primary,
      // The lib column's per-frame request, built once here as a compositor
      // builds it when it sets up the output: each frame set()s FB_ID and commits.
      frame: request(fbs[1]),
      modeText: `${width}x${height}@${mode.vrefresh} Hz, a vblank every ${frameMs.toFixed(2)} ms`,
      planeUpdate: {
        objs: [primary.id],
        counts: [PLANE_PROPS.length],
        props: PLANE_PROPS.map((name) => ids.get(name)),
        values: fbs.map(values),
      },
      close() {
        // Dark again, so the CRTC's vblank timer does not tick through the rest of the run.
        kms
          .request()
          .set(connector, 'CRTC_ID', null)
          .set(crtc, 'MODE_ID', null)
          .set(crtc, 'ACTIVE', 0)
          .set(primary, 'FB_ID', null)
          .set(primary, 'CRTC_ID', null)
          .commit({ allowModeset: true });
        for (const o of owned) o.close();
      },
    };
  } catch (error) {
    for (const o of owned) o.close();
    throw error;
  }
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
  }
  // A dma-buf's map(), or (the host) a Mapping of the memfd as the copy target's.
  const map = o.buf ? () => o.buf.map() : () => new Mapping(o.mapFile.fd, 0, 65536, 'readwrite');
  ops.map = () => {
    const m = map();
    new Uint8Array(m.buffer)[0] = 1;
    m.unmap();
  };
  if (o.syncobj) {
    ops.query = () => o.syncobj.query();
    ops.signal = () => o.syncobj.signal();
  }
  if (o.display) {
    // What a compositor's frame loop does: one request per plane update, kept
    // across frames; each frame points FB_ID at the buffer to show and commits
    // it again (the raw columns send one prebuilt array per framebuffer).
    const { fbs, frame, primary } = o.display;
    ops.kmsTest = () => frame.set(primary, 'FB_ID', fbs[1]).commit({ testOnly: true });
    let shown = 0;
    // Async: resolves on the flip event, a vblank later.
    ops.kmsFlip = () => frame.set(primary, 'FB_ID', fbs[(shown ^= 1)]).commit({ nonblock: true, event: true }).flipped;
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
