// SPDX-License-Identifier: MIT
// Timing: batches of one operation through each column, interleaved and in
// rotating order (so drift in the machine's load and JIT warm-up spreads
// over every column alike), summarised as median and min of the batches.

/** One turn of the event loop (where Node runs collected objects' finalizers). */
export const turn = () => new Promise((resolve) => setImmediate(resolve));

/** A column from a per-iteration function: run(n) -> ns per iteration. */
export function jsColumn(fn) {
  return {
    run(n) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) fn();
      return Number(process.hrtime.bigint() - t0) / n;
    },
  };
}

/** A column from a per-iteration function returning a promise, each awaited in turn. */
export function asyncColumn(fn) {
  return {
    async run(n) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) await fn();
      return Number(process.hrtime.bigint() - t0) / n;
    },
  };
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/**
 * The iteration count whose batch takes about `batchMs` through `column`
 * (the slowest column is the one to size on: every column runs the same n).
 */
async function calibrate(column, batchMs) {
  for (let i = 0; i < 3; i++) if (typeof (await column.run(16)) === 'string') break; // warm the JIT before sizing
  let n = 1;
  for (;;) {
    // The best of three, so one preemption on a loaded machine does not size every batch too small.
    const runs = [await column.run(n), await column.run(n), await column.run(n)];
    if (typeof runs[0] === 'string') return { n: 1, skip: runs[0] };
    const ns = Math.min(...runs);
    if (ns * n >= batchMs * 1e6 || n >= 1 << 24) return { n: Math.max(1, Math.round((batchMs * 1e6) / Math.max(ns, 1))) };
    n *= 4;
  }
}

/**
 * Measures one operation across `columns` ({ name: column }). A column's run
 * may answer a string instead of a number: the reason it cannot run it.
 * `n` fixes the batch size instead (for an operation whose time is set by
 * the hardware, where calibrating would only cost time).
 * Returns { n, reps, columns: { name: { median, min } | { skip } } }.
 */
export async function measure(columns, { reps, batchMs, sizeOn, n: fixedN }) {
  const names = Object.keys(columns);
  const { n } = fixedN ? { n: fixedN } : await calibrate(columns[sizeOn], batchMs);
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  const skips = {};
  for (const name of names) {
    const warm = await columns[name].run(n); // warm-up batch, not counted
    if (typeof warm === 'string') skips[name] = warm;
  }
  const live = names.filter((name) => !(name in skips));
  for (let r = 0; r < reps; r++) {
    for (let k = 0; k < live.length; k++) {
      const name = live[(r + k) % live.length];
      // A turn of the event loop between batches, untimed, as a program's loop
      // gives one between frames: Node runs the finalizers of collected
      // objects (a mapping's munmap, fds) there, so one batch's garbage is
      // cleared before the next and not charged to another column or operation.
      await turn();
      const ns = await columns[name].run(n);
      if (typeof ns === 'string') skips[name] = ns;
      else samples[name].push(ns);
    }
  }
  const result = {};
  for (const name of names) {
    result[name] = name in skips ? { skip: skips[name] } : { median: median(samples[name]), min: Math.min(...samples[name]) };
  }
  return { n, reps, columns: result };
}
