#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// `npm run soak`: mixed operations over every subsystem, about 10% of them
// deliberately bad, on a few concurrent lanes, against the built package
// (dist/). Meant for the VM rig (scripts/vm/run), where every device exists;
// on a host, subsystems without their device are left out and named.
//
// Prints ops, the typed-error share of the bad ones, open fds and RSS at
// intervals. Fails (exit 1) on an untyped error, a bad call that was
// accepted, a good call that failed, an fd leaked at the end, or RSS that
// keeps growing (the last sample more than 1.5x and 48 MiB over the first
// after warm-up). Bounded by both a count and a time.
//
//   node --expose-gc scripts/soak.mjs [--ops N] [--seconds S] [--lanes L] [--every MS]
//
// The last line is `DMABUF_SUMMARY passed=1 failed=0 skipped=0` (or failed=1):
// scripts/test.mjs counts the soak as one test of the VM runs.
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { parseArgs } from 'node:util';

const api = await import(new URL('../dist/esm/index.js', import.meta.url).href);
const { DmaHeap, DrmDevice, EventFd, FdSocket, DmaBuf, Memfd, SwSyncTimeline, SyncFile, Udmabuf, VgemFence, KernelError, ClosedError, AbortError, TimeoutError } = api;

const { values: args } = parseArgs({
  options: {
    ops: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '60' },
    lanes: { type: 'string', default: '4' },
    every: { type: 'string', default: '5000' },
  },
});
const limit = { ops: Number(args.ops), ms: Number(args.seconds) * 1000, lanes: Number(args.lanes), every: Number(args.every) };
for (const [name, value] of Object.entries(limit)) {
  if (!Number.isSafeInteger(value) || value <= 0) {
    console.error(`soak: --${name === 'ms' ? 'seconds' : name} must be a positive integer`);
    process.exit(2);
  }
}

const fdCount = () => readdirSync('/proc/self/fd').length;
/**
 * fd number -> what it is (the /proc/self/fd link), to count and name leaked
 * fds. /dev/null is left out: node opens one for itself at some point after
 * its first write to a piped stdout, and the library never opens it.
 */
const fdTable = () => {
  const table = new Map();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target !== '/dev/null') table.set(fd, target);
    } catch {
      // the directory's own fd, gone already
    }
  }
  return table;
};
const rss = () => process.memoryUsage().rss;
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const gc = globalThis.gc ?? (() => undefined);
const random = (n) => Math.floor(Math.random() * n);
const pick = (list) => list[random(list.length)];
const page = 4096;

// --- what this machine has ---------------------------------------------------------
const drivers = existsSync('/dev/dri') ? new Set(DrmDevice.list().map((n) => n.driver)) : new Set();
const has = {
  heap: existsSync('/dev/dma_heap/system'),
  vgem: drivers.has('vgem'),
  syncobj: drivers.has('virtio_gpu'),
  swSync: existsSync('/sys/kernel/debug/sync/sw_sync'),
  udmabuf: existsSync('/dev/udmabuf'),
};

// What is open before the soak opens anything: at the end, after the shared
// devices are closed, every other fd is a leak.
const baseline = fdTable();

// --- long-lived devices, shared by the lanes -------------------------------------------
const shared = {
  heap: has.heap ? DmaHeap.open('system') : undefined,
  vgem: has.vgem ? DrmDevice.openByDriver('vgem') : undefined,
  gpu: has.syncobj ? DrmDevice.openByDriver('virtio_gpu', { type: 'render' }) : undefined,
  udmabuf: has.udmabuf ? Udmabuf.open() : undefined,
};
/** Whether DERIVE exists here (the rig's patched kernel); probed once. */
let canDerive = false;
if (shared.heap) {
  const buf = shared.heap.allocate(page);
  try {
    buf.derive().close();
    canDerive = true;
  } catch {
    // FeatureError on a kernel without the proposed ioctl
  } finally {
    buf.close();
  }
}

const fill = (mapping, byte) => new Uint8Array(mapping.buffer).fill(byte);

/**
 * Runs `fn(own)`; everything passed to `own` is closed when it ends, last
 * first, however it ends (what `using` does; plain .mjs on Node 20 has no `using`).
 */
async function scope(fn) {
  const owned = [];
  const own = (value) => {
    owned.push(value);
    return value;
  };
  try {
    return await fn(own);
  } finally {
    for (const value of owned.reverse()) (value.close ?? value.end).call(value);
  }
}

// --- good operations: [subsystem, needs, async fn] ---------------------------------------
const good = [
  ['eventfd', true, async (own) => {
    const efd = own(EventFd.create());
    const waiting = efd.wait({ timeout: 5000 });
    efd.write(3);
    if ((await waiting) !== 3n) throw new Error('eventfd counted wrong');
  }],
  ['memfd', true, async (own) => {
    const memfd = own(Memfd.create('soak', 2 * page));
    memfd.addSeals(api.Seal.SHRINK);
    if (memfd.size !== 2 * page) throw new Error('memfd size');
  }],
  ['fd passing', true, async (own) => {
    const [a, b] = FdSocket.pair();
    own(a);
    own(b);
    const efd = own(EventFd.create(7));
    await a.send('soak', [efd]);
    const message = await b.receive({ timeout: 5000 });
    const copy = own(EventFd.fromFd(message.fds[0]));
    if (copy.read() !== 7n) throw new Error('passed eventfd lost its count');
  }],
  ['heap + mmap + sync', has.heap, async (own) => {
    const buf = own(shared.heap.allocate(page * (1 + random(64))));
    const map = own(buf.map());
    const write = buf.beginCpuAccess('write');
    fill(map, 0x5a);
    write.end();
    own(buf.beginCpuAccess('read'));
    if (map.read(map.length - 1, 1)[0] !== 0x5a) throw new Error('heap buffer lost a write');
  }],
  ['export/import sync_file', has.heap, async (own) => {
    const buf = own(shared.heap.allocate(page));
    const sync = own(buf.exportSyncFile('writer'));
    await sync.wait({ timeout: 5000 });
    buf.importSyncFile(sync, 'write');
    await buf.whenWritable({ timeout: 5000 });
  }],
  ['sw_sync', has.swSync, async (own) => {
    const timeline = own(SwSyncTimeline.create());
    const one = own(timeline.createFence(1));
    const two = own(timeline.createFence(2));
    const both = own(one.merge(two));
    const waiting = both.wait({ timeout: 5000 });
    timeline.advance(2);
    await waiting;
  }],
  ['vgem fences', has.vgem, async (own) => {
    const gem = own(shared.vgem.createDumb({ width: 32, height: 32 }));
    const buf = own(gem.exportDmaBuf());
    const fence = VgemFence.attach(gem, { write: true });
    const readable = buf.whenReadable({ timeout: 5000 });
    fence.signal();
    await readable;
  }],
  ['syncobj waits', has.syncobj, async (own) => {
    const tl = own(shared.gpu.createSyncobj());
    const later = tl.wait(2n, { timeout: 5000 });
    tl.signalPoint(1);
    tl.signalPoint(2);
    await later;
    const binary = own(shared.gpu.createSyncobj());
    const waiting = binary.wait(0n, { timeout: 5000, strategy: pick(['auto', 'eventfd', 'thread']) });
    binary.signal();
    await waiting;
  }],
  ['udmabuf', has.udmabuf, async (own) => {
    const buf = own(Udmabuf.allocate(page * (1 + random(8))));
    const map = own(buf.map());
    fill(map, 0xa5);
  }],
  ['DERIVE', has.heap && canDerive, async (own) => {
    const buf = own(shared.heap.allocate(page));
    const ro = own(buf.derive({ access: 'read' }));
    const map = own(ro.map({ access: 'read' }));
    if (map.length !== page) throw new Error('derived mapping size');
  }],
];

// --- bad operations: each must fail with a typed error that has a code ---------------------
const bad = [
  ['eventfd', true, (own) => EventFd.create(-1)],
  ['eventfd', true, async (own) => {
    const efd = own(EventFd.create());
    return efd.wait({ timout: 10 });
  }],
  ['eventfd', true, (own) => {
    const efd = own(EventFd.create());
    efd.write(0);
  }],
  ['memfd', true, (own) => {
    const memfd = own(Memfd.create('soak', page));
    memfd.addSeals(1.5);
  }],
  ['fd passing', true, async (own) => {
    const [a, b] = FdSocket.pair();
    own(a);
    own(b);
    return a.send('x', [-1]);
  }],
  ['fd passing', true, (own) => DmaBuf.fromFd(0x7ffffff0)],
  ['fd passing', true, (own) => {
    const efd = own(EventFd.create());
    return SyncFile.fromFd(efd.fd);
  }],
  ['closed object', true, (own) => {
    const efd = EventFd.create();
    efd.close();
    return efd.read();
  }],
  ['heap + mmap + sync', has.heap, (own) => shared.heap.allocate(0)],
  ['heap + mmap + sync', has.heap, (own) => shared.heap.allocate(NaN)],
  ['heap + mmap + sync', has.heap, (own) => {
    const buf = own(shared.heap.allocate(page));
    return buf.map({ offset: page * 2 });
  }],
  ['heap + mmap + sync', has.heap, (own) => {
    const buf = own(shared.heap.allocate(page));
    return buf.beginCpuAccess('sideways');
  }],
  ['export/import sync_file', has.heap, (own) => {
    const buf = own(shared.heap.allocate(page));
    return buf.importSyncFile(buf, 'write');
  }],
  ['sw_sync', has.swSync, (own) => {
    const timeline = own(SwSyncTimeline.create());
    return timeline.createFence(-1);
  }],
  ['vgem fences', has.vgem, (own) => {
    const gem = own(shared.vgem.createDumb({ width: 16, height: 16 }));
    const fence = VgemFence.attach(gem, { write: true });
    try {
      return VgemFence.attach(gem, { write: true }); // EBUSY: a conflicting fence is attached
    } finally {
      fence.signal();
    }
  }],
  ['vgem fences', has.vgem, (own) => shared.vgem.createDumb({ width: 0, height: 16 })],
  ['syncobj waits', has.syncobj, async (own) => {
    const s = own(shared.gpu.createSyncobj());
    return s.wait(0n, { timeout: 1 }); // no fence: TimeoutError
  }],
  ['syncobj waits', has.syncobj, (own) => {
    const s = own(shared.gpu.createSyncobj());
    return s.signalPoint(0);
  }],
  ['udmabuf', has.udmabuf, (own) => {
    const memfd = own(Memfd.create('soak', page));
    return shared.udmabuf.create(memfd); // not sealed against shrinking: EINVAL
  }],
  ['udmabuf', has.udmabuf, (own) => Udmabuf.allocate(-page)],
  ['DERIVE', has.heap && canDerive, (own) => {
    const buf = own(shared.heap.allocate(page, { access: 'read' }));
    return buf.derive({ access: 'readwrite' }); // more access than the fd has: EACCES
  }],
];

const goodOps = good.filter(([, needs]) => needs);
const badOps = bad.filter(([, needs]) => needs);
const absent = [...new Set(good.filter(([, needs]) => !needs).map(([name]) => name))];

const typed = (error) =>
  [TypeError, RangeError, KernelError, ClosedError, AbortError, TimeoutError].some((t) => error instanceof t) &&
  typeof error.code === 'string';

// --- the run -----------------------------------------------------------------------------------
const stats = { ops: 0, bad: 0, typed: 0, failures: [] };
const perSubsystem = new Map();
const fail = (what) => {
  if (stats.failures.length < 20) stats.failures.push(what);
};

async function one() {
  const isBad = Math.random() < 0.1;
  const [name, , fn] = pick(isBad ? badOps : goodOps);
  perSubsystem.set(name, (perSubsystem.get(name) ?? 0) + 1);
  stats.ops++;
  if (!isBad) {
    try {
      await scope(fn);
    } catch (error) {
      fail(`good ${name} failed: ${error?.stack ?? error}`);
    }
    return;
  }
  try {
    const value = await scope(fn);
    value?.close?.();
    fail(`bad ${name} was accepted`);
  } catch (error) {
    // Counted once finished, so the share printed is of the bad calls that ended.
    stats.bad++;
    if (typed(error)) stats.typed++;
    else fail(`bad ${name} threw an untyped error: ${error?.stack ?? error}`);
  }
}

const start = Date.now();
const samples = [];
const report = () => {
  gc();
  const sample = { t: (Date.now() - start) / 1000, rss: rss(), fds: fdCount() };
  samples.push(sample);
  const share = stats.bad ? ((100 * stats.typed) / stats.bad).toFixed(1) : '100.0';
  console.log(`soak: t=${sample.t.toFixed(1)}s ops=${stats.ops} bad=${stats.bad} typed=${share}% fds=${sample.fds} rss=${mib(sample.rss)}`);
};

console.log(
  `soak: up to ${limit.ops} ops or ${limit.ms / 1000} s on ${limit.lanes} lanes; subsystems: ${[...new Set(goodOps.map(([n]) => n))].join(', ')}` +
    (absent.length ? `; absent here: ${absent.join(', ')}` : ''),
);
const timer = setInterval(report, limit.every);
const lanes = Array.from({ length: limit.lanes }, async () => {
  while (stats.ops < limit.ops && Date.now() - start < limit.ms && stats.failures.length === 0) await one();
});
await Promise.all(lanes);
clearInterval(timer);
report();

for (const device of Object.values(shared)) device?.close();
gc();
const leaked = [...fdTable()].filter(([fd, target]) => baseline.get(fd) !== target).map(([fd, target]) => `${fd} -> ${target}`);
if (leaked.length > 0) fail(`${leaked.length} fds open at the end that were not before the run: ${leaked.slice(0, 10).join(', ')}`);

// RSS: compare the first sample after a quarter of the run with the last.
const warm = samples.find((s) => s.t >= samples.at(-1).t / 4) ?? samples[0];
const last = samples.at(-1);
if (samples.length >= 3 && last.rss > warm.rss * 1.5 && last.rss - warm.rss > 48 * 2 ** 20) {
  fail(`RSS grew from ${mib(warm.rss)} at ${warm.t.toFixed(0)} s to ${mib(last.rss)}`);
}

const seconds = (Date.now() - start) / 1000;
console.log(`soak: ${stats.ops} ops in ${seconds.toFixed(1)} s (${(stats.ops / seconds).toFixed(0)}/s), ${stats.bad} bad, ${stats.typed} typed with a code`);
console.log(`soak: per subsystem: ${[...perSubsystem].map(([n, c]) => `${n} ${c}`).join(', ')}`);
console.log(`soak: fds ${baseline.size} before, ${fdTable().size} after (the shared devices closed); RSS ${mib(warm.rss)} -> ${mib(last.rss)}`);
for (const failure of stats.failures) console.log(`soak: FAIL ${failure}`);
const ok = stats.failures.length === 0;
console.log(ok ? 'soak: passed' : 'soak: failed');
console.log(`\nDMABUF_SUMMARY passed=${ok ? 1 : 0} failed=${ok ? 0 : 1} skipped=0`);
process.exit(ok ? 0 : 1);
