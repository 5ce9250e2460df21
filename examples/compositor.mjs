// SPDX-License-Identifier: MIT
// A compositor and its client, end to end. The client allocates a frame from
// the system heap, draws into it, and sends it with a fence (a sw_sync fence
// standing in for its GPU job) over a Unix socket. The compositor imports the
// buffer into the display device, adds a framebuffer, and commits it with the
// client's fence as IN_FENCE_FD, capturing the output through writeback; the
// captured frame is checked against what the client drew and saved as a PNG.
//
//   node examples/compositor.mjs [/dev/dri/cardN] [frame.png]
//
// Needs a KMS device with a writeback connector (vkms), /dev/dma_heap/system,
// sw_sync (debugfs) and DRM master on the card (root, no other compositor).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { DmaBuf, DmaHeap, DrmDevice, FdSocket, SwSyncTimeline, SyncFile } from 'dmabuf';

/** What the client draws: a diagonal gradient with a white square, XRGB8888. */
const pixel = (x, y, w, h) =>
  x > w / 4 && x < w / 2 && y > h / 4 && y < h / 2 ? 0xffffff : ((x * 255) / w) << 16 | ((y * 255) / h) << 8 | 0x40;

/** A minimal PNG: 8-bit RGB, no filtering, zlib from node:zlib, CRC-32 by table. */
function encodePng(width, height, rgb) {
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) rgb.copy(rows, y * (width * 3 + 1) + 1, y * width * 3, (y + 1) * width * 3);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type RGB, deflate, no filter, no interlace
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type, body) {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  body.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

/** CRC-32 (ISO-HDLC, the one PNG uses), by the usual 256-entry table. */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC_TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

if (process.argv[2] === 'client') {
  const socket = FdSocket.fromFd(3);
  const { width, height } = JSON.parse((await socket.receive()).data.toString());
  const heap = DmaHeap.open('system');
  const buf = heap.allocate(width * height * 4);
  const map = buf.map();
  const access = buf.beginCpuAccess('write');
  const px = new Uint32Array(map.buffer, 0, width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) px[y * width + x] = pixel(x, y, width, height);
  access.end();
  const timeline = SwSyncTimeline.create();
  const done = timeline.createFence(1, 'client render');
  await socket.send(JSON.stringify({ width, height, pitch: width * 4, format: 'XR24' }), [buf, done]);
  setTimeout(() => timeline.advance(1), 100); // the "GPU" finishes a little later
  await socket.receive({ timeout: 30_000 }); // the compositor has shown it
  for (const owned of [done, timeline, map, buf, heap, socket]) owned.close();
} else {
  const card = process.argv[2] ?? DrmDevice.list().find((n) => n.driver === 'vkms' && n.type === 'card')?.path;
  const png = process.argv[3] ?? 'frame.png';
  const device = DrmDevice.open(card);
  const kms = device.kms();
  const res = kms.discover();
  const crtc = res.crtcs[0];
  const connector = res.connectors.find((c) => !c.writeback && c.status === 'connected' && c.possibleCrtcs.includes(crtc.id));
  const writeback = res.connectors.find((c) => c.writeback && c.possibleCrtcs.includes(crtc.id));
  const primary = res.planes.find((p) => p.type === 'primary' && p.possibleCrtcs.includes(crtc.id));
  const mode = connector.modes.reduce((a, b) => (b.hdisplay * b.vdisplay < a.hdisplay * a.vdisplay ? b : a));
  const { hdisplay: width, vdisplay: height } = mode;

  const [mine, theirs] = FdSocket.pair();
  const child = spawn(process.execPath, [import.meta.filename, 'client'], { stdio: ['inherit', 'inherit', 'inherit', theirs.fd] });
  theirs.close();
  await mine.send(JSON.stringify({ width, height }));
  const { data, fds } = await mine.receive({ maxFds: 2, timeout: 30_000 });
  const frame = JSON.parse(data.toString());
  const clientBuf = DmaBuf.fromFd(fds[0]);
  const clientDone = SyncFile.fromFd(fds[1]);

  // The client's dma-buf becomes a framebuffer of the display device (PRIME import).
  const fb = kms.addFramebuffer({ buffer: clientBuf, width, height, format: frame.format, pitch: frame.pitch });
  const modeBlob = kms.createModeBlob(mode);
  const capture = device.createDumb({ width, height, bpp: 32 });
  const captureFb = kms.addFramebuffer({ buffer: capture, width, height, format: 'XR24' });
  const req = kms
    .request()
    .set(connector, 'CRTC_ID', crtc)
    .set(crtc, 'MODE_ID', modeBlob)
    .set(crtc, 'ACTIVE', 1)
    .set(primary, 'FB_ID', fb)
    .set(primary, 'CRTC_ID', crtc)
    .set(primary, 'SRC_W', width << 16)
    .set(primary, 'SRC_H', height << 16)
    .set(primary, 'CRTC_W', width)
    .set(primary, 'CRTC_H', height)
    .inFence(primary, clientDone) // scan out only once the client's rendering is done
    .set(writeback, 'CRTC_ID', crtc)
    .set(writeback, 'WRITEBACK_FB_ID', captureFb)
    .writebackFence(writeback);
  const { flipped, writebackFences } = req.commit({ allowModeset: true, nonblock: true, event: true });
  const flip = await flipped;
  const captured = writebackFences.get(writeback.id);
  await captured.wait({ timeout: 10_000 });

  // Read the capture back and compare with what the client drew.
  const out = capture.exportDmaBuf({ access: 'read' });
  const map = out.map({ access: 'read' });
  const rgb = Buffer.alloc(width * height * 3);
  let matching = 0;
  const access = out.beginCpuAccess('read');
  const bytes = map.read(0, capture.pitch * height); // a read-only mapping is read by copy
  access.end();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = bytes.readUInt32LE(y * capture.pitch + x * 4) & 0xffffff;
      if (v === pixel(x, y, width, height)) matching++;
      rgb.writeUIntBE(v, (y * width + x) * 3, 3);
    }
  }
  writeFileSync(png, encodePng(width, height, rgb));
  await mine.send('shown');
  await new Promise((resolve) => child.on('exit', resolve));
  // Closing the device would release all of these too; closing them says what was owned.
  for (const owned of [map, out, captured, captureFb, capture, modeBlob, fb, clientDone, clientBuf, mine, device]) owned.close();
  console.log(`flip at vblank ${flip.sequence}; ${matching} of ${width * height} pixels match the client's frame; wrote ${png}`);
  process.exitCode = matching === width * height ? 0 : 1;
}
