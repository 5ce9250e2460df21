// SPDX-License-Identifier: MIT
// A producer shares a buffer and a fence with a child process. The child
// waits for the fence, then reads what the producer wrote. Needs vgem.
import { spawn } from 'node:child_process';
import { DmaBuf, DrmDevice, SyncFile, VgemFence } from 'dmabuf';

if (process.argv[2] === 'consumer') {
  const buf = DmaBuf.fromFd(3), fence = SyncFile.fromFd(4); // passed in as fds 3 and 4
  await fence.wait({ timeout: 5000 });                       // until the producer is done
  const map = buf.map({ access: 'read' }), access = buf.beginCpuAccess('read');
  console.log(`consumer read: ${map.read(0, 5)}`);
  access.end(); map.unmap(); fence.close(); buf.close();
} else {
  const vgem = DrmDevice.openByDriver('vgem');
  const gem = vgem.createDumb({ width: 64, height: 64 }), buf = gem.exportDmaBuf();
  const map = buf.map(), access = buf.beginCpuAccess('write');
  Buffer.from(map.buffer).write('hello');
  access.end(); map.unmap();
  const busy = VgemFence.attach(gem, { write: true });        // stands in for a GPU job
  const fence = buf.exportSyncFile('reader');                 // what a reader must wait for
  const child = spawn(process.execPath, [import.meta.filename, 'consumer'],
    { stdio: ['inherit', 'inherit', 'inherit', buf.fd, fence.fd] });
  setTimeout(() => busy.signal(), 200);                        // the "GPU" finishes
  const code = await new Promise((resolve) => child.on('exit', resolve));
  fence.close(); buf.close(); gem.close(); vgem.close();
  process.exitCode = code;
}
