// SPDX-License-Identifier: MIT
// 10,000 pending waits: how long registering and settling them takes, what
// each costs in RSS and JS heap, how many threads the process has while they
// pend, and whether the libuv pool stays free (an fs.promises call completes
// promptly). Each kind runs in a fresh `node --expose-gc` so the memory
// figures are its own. Kinds: sync_file (sw_sync fences, one fd each),
// syncobj (timeline points on one virtio_gpu syncobj), eventfd (runs anywhere).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const COUNT = 10_000;
const self = fileURLToPath(import.meta.url);

function threads() {
  return Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
}

function memory() {
  globalThis.gc();
  globalThis.gc();
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heap: heapUsed + external + arrayBuffers };
}

// Per kind: make(count) -> { register(i) -> promise, signal(), close() } or a skip reason.
async function kinds() {
  const { swSync, waits } = await import('./lib-ops.mjs');
  return {
    sync_file(count) {
      const timeline = swSync.open();
      if (typeof timeline === 'string') return `no sw_sync (${timeline})`;
      const files = Array.from({ length: count }, (_, i) => swSync.fence(timeline, i + 1));
      return {
        register: (i) => waits.syncFile(files[i]),
        signal: () => swSync.advance(timeline, count),
        close: () => (files.forEach((f) => f.close()), timeline.close()),
      };
    },
    syncobj(count) {
      const s = waits.syncobj();
      if (typeof s === 'string') return `no virtio_gpu syncobj (${s})`;
      return {
        register: (i) => waits.syncobjWait(s, i + 1),
        signal: () => waits.syncobjSignal(s, count),
        close: () => (s.syncobj.close(), s.drm.close()),
      };
    },
    eventfd(count) {
      const fds = Array.from({ length: count }, () => waits.eventfd());
      return {
        register: (i) => waits.eventfdWait(fds[i]),
        signal: () => fds.forEach((efd) => waits.eventfdSignal(efd)),
        close: () => fds.forEach((efd) => efd.close()),
      };
    },
  };
}

async function child(kind) {
  const made = (await kinds())[kind](COUNT);
  if (typeof made === 'string') return { skip: made };
  await readFile('/proc/self/status'); // start the libuv pool now, so the thread count compares like with like
  const threadsBefore = threads();
  const m0 = memory();
  let t = process.hrtime.bigint();
  let settled = 0;
  const all = Array.from({ length: COUNT }, (_, i) => made.register(i).then(() => settled++));
  const registerMs = Number(process.hrtime.bigint() - t) / 1e6;
  const m1 = memory();
  const threadsPending = threads();
  t = process.hrtime.bigint();
  await readFile('/proc/self/status', 'utf8');
  const poolMs = Number(process.hrtime.bigint() - t) / 1e6;
  const settledEarly = settled;
  t = process.hrtime.bigint();
  made.signal();
  await Promise.all(all);
  const settleMs = Number(process.hrtime.bigint() - t) / 1e6;
  made.close();
  return {
    count: COUNT,
    registerMs,
    settleMs,
    rssPerWait: (m1.rss - m0.rss) / COUNT,
    heapPerWait: (m1.heap - m0.heap) / COUNT,
    threadsBefore,
    threadsPending,
    fsPromisesMs: poolMs,
    settledEarly,
  };
}

/** Runs every kind in its own process; { kind: result | { skip } }. */
export function pendingWaits() {
  const out = {};
  for (const kind of ['sync_file', 'syncobj', 'eventfd']) {
    try {
      // 10,000 fences are 10,000 fds: lift the soft fd limit where the shell can.
      const cmd = `ulimit -n 65536 2>/dev/null || ulimit -n $(ulimit -Hn); exec "$0" --expose-gc "$1" "$2"`;
      const json = execFileSync('sh', ['-c', cmd, process.execPath, self, kind], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      out[kind] = JSON.parse(json);
    } catch (error) {
      out[kind] = { skip: `failed: ${error.message.split('\n')[0]}` };
    }
  }
  return out;
}

if (process.argv[1] === self && process.argv[2]) {
  console.log(JSON.stringify(await child(process.argv[2])));
}
