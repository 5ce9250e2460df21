// SPDX-License-Identifier: MIT
// Prints the benchmark results as text tables (the JSON mode prints the
// result object itself).

const fmt = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)}ms` : ns >= 1e4 ? `${(ns / 1e3).toFixed(1)}us` : `${ns.toFixed(0)}ns`);
const cell = (c) => (c?.median === undefined ? '-' : `${fmt(c.median)} (${fmt(c.min)})`);
const ratio = (a, b) => (a?.median === undefined || b?.median === undefined ? null : { median: a.median / b.median, min: a.min / b.min });
const fmtRatio = (r) => (r ? `${r.median.toFixed(2)} (${r.min.toFixed(2)})` : '-');

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((v, i) => (i ? String(v).padStart(widths[i]) : String(v).padEnd(widths[i]))).join('  ')).join('\n');
}

/** Ratios of one operation's columns (median and min), for the table and the JSON. */
export function ratios(c) {
  return { libC: ratio(c.lib, c.c), libKoffi: ratio(c.lib, c.koffi), libAddon: ratio(c.lib, c.addon) };
}

export function printReport(result) {
  const { machine, settings, ops, latency, waits, skips } = result;
  console.log(`dmabuf benchmarks: ${machine.where}, ${machine.cpu}, ${machine.cpus} CPUs, node ${machine.node}, kernel ${machine.kernel}`);
  console.log(`${settings.reps} repetitions of ~${settings.batchMs} ms batches per column, interleaved, rotating order; median (min)`);
  console.log(`load average at start: ${machine.load}${machine.hostLoad ? ` (the VM's host: ${machine.hostLoad})` : ''}`);
  const rows = [['operation', 'n', 'C', 'lib', 'addon', 'koffi', 'lib/C', 'lib/koffi', 'lib/addon']];
  const notes = [];
  for (const [key, op] of Object.entries(ops)) {
    if (op.skip) {
      notes.push(`${op.name}: skipped, ${op.skip}`);
      continue;
    }
    const c = op.columns;
    rows.push([op.name, op.n, cell(c.c), cell(c.lib), cell(c.addon), cell(c.koffi), fmtRatio(op.ratios.libC), fmtRatio(op.ratios.libKoffi), fmtRatio(op.ratios.libAddon)]);
    for (const [col, v] of Object.entries(c)) if (v.skip) notes.push(`${op.name}: ${col} skipped, ${v.skip}`);
    if (op.note) notes.push(`${op.name}: ${op.note}`);
    if (key === 'map') notes.push(`map target: ${op.target}`);
    if (key === 'copy') notes.push(`16 MiB copy target: ${op.target}; bandwidth lib ${op.gbps.lib} GB/s, C memcpy ${op.gbps.c} GB/s`);
  }
  console.log(`\n${table(rows)}`);
  if (latency.skip) notes.push(`fence latency: skipped, ${latency.skip}`);
  else {
    const us = (ns) => (ns / 1e3).toFixed(0);
    console.log(
      `\nfence signal -> settle (${latency.samples} samples each${latency.pinned ? ', signaller and both waiters on CPU 0' : ''}): C poll() p50/p99 ${us(latency.c.p50)}/${us(latency.c.p99)} us, ` +
        `SyncFile.wait() ${us(latency.lib.p50)}/${us(latency.lib.p99)} us (p50 ratio ${(latency.lib.p50 / latency.c.p50).toFixed(2)})`,
    );
  }
  const wrows = [['10,000 pending waits', 'register', 'settle', 'RSS/wait', 'heap/wait', 'threads (before->pending)', 'fs.promises while pending']];
  for (const [kind, w] of Object.entries(waits)) {
    if (w.skip) notes.push(`pending waits (${kind}): skipped, ${w.skip}`);
    else
      wrows.push([
        `${kind} x${w.count}`,
        `${w.registerMs.toFixed(0)} ms`,
        `${w.settleMs.toFixed(0)} ms`,
        `${w.rssPerWait.toFixed(0)} B`,
        `${w.heapPerWait.toFixed(0)} B`,
        `${w.threadsBefore} -> ${w.threadsPending}`,
        `${w.fsPromisesMs.toFixed(1)} ms`,
      ]);
  }
  if (wrows.length > 1) console.log(`\n${table(wrows)}`);
  for (const [what, why] of Object.entries(skips)) notes.push(`${what}: ${why}`);
  if (notes.length) console.log(`\n${notes.map((n) => `- ${n}`).join('\n')}`);
}
