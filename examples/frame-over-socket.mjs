// SPDX-License-Identifier: MIT
// A producer allocates a frame from the system heap, writes it, fences it
// (a vgem fence stands in for a GPU job), and sends buffer + fence over a
// Unix socket to a consumer process, which waits for the fence, checks the
// frame and answers. Needs /dev/dma_heap/system and vgem.
import { spawn } from 'node:child_process';
import { DmaBuf, DmaHeap, DrmDevice, FdSocket, SyncFile, VgemFence } from 'dmabuf';

const checksum = (bytes) => bytes.reduce((sum, b) => (sum * 31 + b) >>> 0, 7);

if (process.argv[2] === 'consumer') {
  const socket = FdSocket.fromFd(3);
  const { data, fds } = await socket.receive({ maxFds: 2 });
  const frame = JSON.parse(data.toString());
  const buf = DmaBuf.fromFd(fds[0]), ready = SyncFile.fromFd(fds[1]);
  await ready.wait({ timeout: 5000 });
  const map = buf.map({ access: 'read', length: frame.size }), access = buf.beginCpuAccess('read');
  const ok = checksum(map.read()) === frame.checksum;
  access.end(); map.unmap(); ready.close(); buf.close();
  await socket.send(ok ? `frame ${frame.seq} ok` : `frame ${frame.seq} CORRUPT`);
  socket.close();
} else {
  const [mine, theirs] = FdSocket.pair();
  const child = spawn(process.execPath, [import.meta.filename, 'consumer'], { stdio: ['inherit', 'inherit', 'inherit', theirs.fd] });
  theirs.close();

  const heap = DmaHeap.open('system'), buf = heap.allocate(64 * 64 * 4);
  const map = buf.map(), access = buf.beginCpuAccess('write');
  map.bytes().forEach((_, i, bytes) => { bytes[i] = (i * 7) & 0xff; });
  const sum = checksum(map.bytes());
  access.end(); map.unmap();

  // Fence the frame: a pending vgem fence, imported into the heap buffer as its writer.
  const vgem = DrmDevice.openByDriver('vgem'), gpu = vgem.createDumb({ width: 1, height: 1 });
  const job = VgemFence.attach(gpu, { write: true });
  const gpuBuf = gpu.exportDmaBuf(), jobFence = gpuBuf.exportSyncFile('writer');
  buf.importSyncFile(jobFence, 'write');
  const ready = buf.exportSyncFile('reader');           // what a reader must wait for

  await mine.send(JSON.stringify({ seq: 1, size: buf.size, checksum: sum }), [buf, ready]);
  setTimeout(() => job.signal(), 100);                          // the "GPU" finishes
  const answer = await mine.receive({ timeout: 20000 });
  console.log(`producer got: ${answer.data}`);
  await new Promise((resolve) => child.on('exit', resolve));
  for (const owned of [ready, jobFence, gpuBuf, gpu, vgem, buf, heap, mine]) owned.close();
  process.exitCode = answer.data.toString().endsWith('ok') ? 0 : 1;
}
