// SPDX-License-Identifier: MIT
// The benchmark suite's contract, not its numbers (speed is never asserted):
// `bench/run.mjs --json` names every operation, and each either has its four
// columns or says why it skipped; what needs a device this machine lacks
// (vkms, dma-heap, virtio_gpu on a plain host) skips with that reason rather
// than failing the run.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = new URL('../../bench/run.mjs', import.meta.url).pathname;

interface Column {
  median?: number;
  min?: number;
  skip?: string;
}
interface Op {
  name: string;
  skip?: string;
  n?: number;
  columns?: Record<string, Column>;
  note?: string;
  target?: string;
  koffiView?: Column;
}

/** One short bench run: one repetition of 1 ms batches, no latency or pending-wait parts. */
async function bench(only?: string): Promise<{ ops: Record<string, Op> }> {
  const args = [script, '--json', '--reps', '1', '--batch-ms', '1', '--no-latency', '--no-waits'];
  if (only) args.push('--only', only);
  const { stdout } = await run(process.execPath, args, { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as { ops: Record<string, Op> };
}

describe('bench/run.mjs --json', () => {
  it('lists every operation, the KMS ones included; each has four columns or a skip reason', async () => {
    const { ops } = await bench();
    expect(Object.keys(ops)).toEqual(['eventfd', 'sync', 'export', 'status', 'alloc', 'map', 'query', 'signal', 'copy', 'kmsTest', 'kmsFlip']);
    for (const [key, op] of Object.entries(ops)) {
      expect(op.name, key).toMatch(/\S/);
      if (op.skip !== undefined) {
        expect(op.skip, key).toMatch(/^needs \S+: \S/);
        continue;
      }
      expect(Object.keys(op.columns!), key).toEqual(['c', 'lib', 'addon', 'koffi']);
      for (const [name, col] of Object.entries(op.columns!)) {
        if (col.skip !== undefined) expect(col.skip, `${key}.${name}`).toMatch(/\S/);
        else expect(col.median, `${key}.${name}`).toBeGreaterThan(0);
      }
    }
  });

  it('maps on every machine (a memfd where there is no dma-heap), with koffi making an ArrayBuffer timed beside the four columns', async () => {
    const { ops } = await bench('map');
    const map = ops.map!;
    expect(map.skip).toBeUndefined();
    expect(map.target).toMatch(/^(memfd|dma-buf \(system heap\))$/);
    expect(Object.keys(map.columns!)).toEqual(['c', 'lib', 'addon', 'koffi']);
    for (const name of ['c', 'lib', 'addon']) expect(map.columns![name]!.median, name).toBeGreaterThan(0);
    if (map.columns!.koffi!.skip === undefined) {
      expect(map.koffiView!.median).toBeGreaterThan(0);
      expect(map.note).toMatch(/koffi\.view/);
    }
  });

  it('the KMS operations skip with the reason when there is no usable vkms card, and say the flip is vblank-bound when there is', async () => {
    const { ops } = await bench('kmsTest,kmsFlip');
    expect(Object.keys(ops)).toEqual(['kmsTest', 'kmsFlip']);
    for (const op of Object.values(ops)) {
      if (op.skip !== undefined) expect(op.skip).toMatch(/^needs vkms: [A-Z_]+: /);
    }
    if (ops.kmsFlip!.skip === undefined) expect(ops.kmsFlip!.note).toMatch(/vblank/);
  });
});
