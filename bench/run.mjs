#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// The benchmark suite (issue 14). Each operation runs through four columns,
// interleaved in one run on the same kernel objects:
//   C      bench/baseline.c, plain syscalls (a child process, same machine)
//   lib    the public API (bench/lib-ops.mjs, the one adapter to it)
//   addon  the library's native functions without the facade (bench/addon-ops.mjs)
//   koffi  libc through the koffi FFI (bench/koffi-ops.mjs; optional)
// plus fence signal -> settle latency against a C poll() waiter and 10,000
// pending waits. Speed is reported here, never asserted in tests.
//
// npm run bench       in the VM (scripts/vm/run), where heaps, sw_sync, virtio_gpu and vkms exist
// npm run bench:here  on this machine; what needs a device says why it skipped
// Options: --json (one JSON document), --reps N (default 20), --batch-ms M
// (default 20, 40 in the VM), --only op,op (operation keys), --no-latency, --no-waits.
import { cpus, loadavg, release } from 'node:os';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { addonOps } from './addon-ops.mjs';
import { startBaseline } from './c-server.mjs';
import { fenceLatency } from './fence-latency.mjs';
import { asyncColumn, jsColumn, measure, turn } from './harness.mjs';
import { koffiOps } from './koffi-ops.mjs';
import { COPY_LENGTH, libOps, openLib } from './lib-ops.mjs';
import { pendingWaits } from './pending-waits.mjs';
import { printReport, ratios } from './report.mjs';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    reps: { type: 'string', default: '20' },
    // Longer batches under TCG, where a batch of a cheap call holds few iterations.
    'batch-ms': { type: 'string', default: process.env.DMABUF_IN_VM ? '40' : '20' },
    only: { type: 'string' },
    latency: { type: 'boolean', default: true },
    'no-latency': { type: 'boolean', default: false },
    waits: { type: 'boolean', default: true },
    'no-waits': { type: 'boolean', default: false },
    samples: { type: 'string', default: '200' },
  },
});
const reps = Number(args.reps);
const batchMs = Number(args['batch-ms']);

const OPS = {
  eventfd: 'eventfd write+read',
  sync: 'DMA_BUF_IOCTL_SYNC start+end',
  export: 'export sync_file + status + close',
  status: 'SYNC_IOC_FILE_INFO status alone',
  alloc: 'heap allocate 4 KiB + close',
  map: 'map 64 KiB + touch + unmap',
  query: 'syncobj query (virtio_gpu)',
  signal: 'syncobj signal (virtio_gpu)',
  copy: '16 MiB copy into a mapping',
  kmsTest: 'KMS atomic TEST_ONLY plane update (vkms)',
  kmsFlip: 'KMS page flip + flip event (vkms)',
};
const NEEDS = {
  sync: 'dma-heap',
  export: 'dma-heap',
  status: 'dma-heap',
  alloc: 'dma-heap',
  query: 'virtio_gpu',
  signal: 'virtio_gpu',
  kmsTest: 'vkms',
  kmsFlip: 'vkms',
};
// Operations whose iteration is a promise (awaited in turn).
const ASYNC = new Set(['kmsFlip']);
// A flip takes one vblank whoever asks: small fixed batches keep the run short.
const FLIP_BATCH = 4;
const FLIP_REPS = 6;

const log = (s) => args.json || process.stderr.write(`${s}\n`);
const only = args.only?.split(',');

const opened = openLib();
const src = new Uint8Array(COPY_LENGTH).fill(0x5a);
const lib = libOps(opened, src);
const addon = addonOps(opened, src);
const koffi = await koffiOps(opened, src);
const c = startBaseline(opened.fds, opened.syncobjHandle, COPY_LENGTH, opened.planeUpdate);

// A full GC and a turn of the event loop before each operation (untimed), so
// one operation's garbage is not collected in the next one's batches: a
// map's ArrayBuffers, say, which V8 collects only in a full GC, would
// otherwise land in the copy row.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const clean = () => {
  gc();
  return turn();
};

const ops = {};
for (const [key, name] of Object.entries(OPS)) {
  if (only && !only.includes(key)) continue;
  if (!lib[key]) {
    const need = NEEDS[key];
    ops[key] = { name, skip: `needs ${need}: ${opened.skips[need] ?? opened.skips.syncobj ?? 'missing'}` };
    log(`${name}: skipped`);
    continue;
  }
  const column = ASYNC.has(key) ? asyncColumn : jsColumn;
  const columns = {
    c: { run: (n) => c.run(key, n) },
    lib: column(lib[key]),
    addon: column(addon.ops[key]),
    koffi: typeof koffi === 'string' ? { run: () => koffi } : column(koffi.ops[key]),
  };
  // The map row's koffi makes no ArrayBuffer; this extra column does (see the note).
  if (key === 'map' && koffi.ops?.mapView) columns.koffiView = column(koffi.ops.mapView);
  // A 16 MiB copy takes milliseconds: longer batches, so each holds several.
  const settings = key === 'kmsFlip' ? { reps: Math.min(reps, FLIP_REPS), n: FLIP_BATCH } : { reps, batchMs: key === 'copy' ? batchMs * 5 : batchMs };
  await clean();
  const m = await measure(columns, { ...settings, sizeOn: 'lib' });
  ops[key] = { name, ...m, ratios: ratios(m.columns) };
  if (key === 'kmsFlip') ops[key].note = `vblank-bound: each flip completes at the next vblank, so every column measures the display's frame period (${opened.kmsMode}), not the call`;
  // Kept beside the four columns, not among them (the table and --json consumers expect four).
  const view = m.columns.koffiView;
  delete m.columns.koffiView;
  if (view) ops[key].koffiView = view;
  if (view?.median !== undefined) {
    const r = (a, b) => (a / b).toFixed(2);
    ops[key].note =
      `koffi there touches the page with koffi.encode and makes no ArrayBuffer; making one over the mapping (koffi.view, with no stale-view safety) it takes ` +
      `${(view.median / 1e3).toFixed(1)}us (${(view.min / 1e3).toFixed(1)}us): lib/that ${r(m.columns.lib.median, view.median)} (${r(m.columns.lib.min, view.min)})`;
  }
  if (key === 'map') ops[key].target = opened.mapKind;
  if (key === 'copy') {
    const gbps = (col) => (col.median ? Number((COPY_LENGTH / col.median).toFixed(2)) : null);
    ops[key].target = opened.copyKind;
    ops[key].gbps = { c: gbps(m.columns.c), lib: gbps(m.columns.lib), addon: gbps(m.columns.addon), koffi: koffi.ops ? gbps(m.columns.koffi) : null };
  }
  log(`${name}: done (n=${m.n})`);
}
c.close();
addon.close();
if (typeof koffi !== 'string') koffi.close();
opened.close();

let latency = { skip: 'not run (--no-latency)' };
if (args.latency && !args['no-latency']) {
  log('fence latency...');
  latency = fenceLatency(Number(args.samples));
}
let waits = {};
if (args.waits && !args['no-waits']) {
  log('10,000 pending waits...');
  waits = pendingWaits();
}

const result = {
  machine: {
    where: process.env.DMABUF_IN_VM ? 'VM (QEMU TCG, scripts/vm/run)' : 'host',
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    node: process.version,
    kernel: release(),
    load: loadavg().map((l) => l.toFixed(2)).join(' '),
    // The machine the VM runs on, when `npm run bench` passes it in: TCG figures move with it.
    hostLoad: process.env.DMABUF_BENCH_HOST_LOAD,
  },
  settings: { reps, batchMs, latencySamples: Number(args.samples) },
  ops,
  latency,
  waits,
  skips: typeof koffi === 'string' ? { koffi } : {},
};
if (args.json) console.log(JSON.stringify(result, null, 2));
else printReport(result);
