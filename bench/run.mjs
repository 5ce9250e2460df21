#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Benchmarks: each operation through the public API against the same
// operation in C (bench/baseline.c), run in the same process environment,
// printed as ns/op and the ratio JS/C. Speed is reported here, never
// asserted in tests. `npm run bench` runs this inside the VM rig, where the
// dma-heap exists; `node bench/run.mjs` runs it wherever you are.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { DmaHeap, EventFd } = await import(new URL('../dist/esm/index.js', import.meta.url).href);

const n = Number(process.env.DMABUF_BENCH_N ?? 10000);

function time(fn) {
  for (let i = 0; i < Math.min(1000, n / 10); i++) fn(); // warm up the JIT
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - t0) / n;
}

const js = {};
{
  const efd = EventFd.create();
  js['eventfd write+read'] = time(() => {
    efd.write(1n);
    efd.read();
  });
  efd.close();
}
if (existsSync('/dev/dma_heap/system')) {
  const heap = DmaHeap.open('system');
  js['heap allocate 64 KiB + close'] = time(() => heap.allocate(65536).close());
  const buf = heap.allocate(65536);
  js['cpu access begin+end'] = time(() => buf.beginCpuAccess('readwrite').end());
  js['export sync_file + status + close'] = time(() => {
    const sync = buf.exportSyncFile('writer');
    sync.status();
    sync.close();
  });
  js['map 64 KiB + touch + unmap'] = time(() => {
    const m = buf.map();
    new Uint8Array(m.buffer)[0] = 1;
    m.unmap();
  });
  buf.close();
  heap.close();
}

const dir = mkdtempSync(join(tmpdir(), 'dmabuf-bench-'));
const exe = join(dir, 'baseline');
execFileSync('cc', ['-O2', '-o', exe, new URL('baseline.c', import.meta.url).pathname]);
const c = JSON.parse(execFileSync(exe, [String(n)], { encoding: 'utf8' }));

console.log(`dmabuf benchmarks, ${n} iterations each, ns per operation (node ${process.version})`);
console.log(`${'operation'.padEnd(36)} ${'JS'.padStart(9)} ${'C'.padStart(9)}  JS/C`);
for (const [name, ns] of Object.entries(js)) {
  const base = c[name];
  const ratio = base ? (ns / base).toFixed(2) : 'n/a';
  console.log(`${name.padEnd(36)} ${ns.toFixed(0).padStart(9)} ${(base ?? NaN).toFixed(0).padStart(9)}  ${ratio}`);
}
