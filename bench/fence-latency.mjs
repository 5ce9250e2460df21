// SPDX-License-Identifier: MIT
// Fence signal -> waiter running, through SyncFile.wait() against a C
// process blocked in poll() (fence_waiter.c). Both wait for fences on the same
// sw_sync timeline and both are woken by the same SW_SYNC_IOC_INC from this
// process; samples alternate between them. Needs sw_sync (the VM).
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { lineChild } from './c-server.mjs';
import { cProgram } from './c-build.mjs';
import { percentile } from './harness.mjs';
import { swSync, waits } from './lib-ops.mjs';

const now = () => process.hrtime.bigint();

// The pause before each signal, so the waiter is parked (C in poll(), JS back in the event loop).
const SETTLE_MS = 2;

async function libSample(timeline) {
  const point = swSync.value(timeline) + 1;
  const file = swSync.fence(timeline, point);
  let woke = 0n;
  const settled = waits.syncFile(file).then(() => (woke = now()));
  await sleep(SETTLE_MS);
  const t0 = now();
  swSync.advance(timeline);
  await settled;
  file.close();
  return Number(woke - t0);
}

async function cSample(timeline, waiter) {
  const ready = await waiter.ask(String(swSync.value(timeline) + 1));
  if (ready !== 'ready') throw new Error(`fence_waiter: ${ready}`);
  const woke = waiter.next();
  await sleep(SETTLE_MS);
  const t0 = now();
  swSync.advance(timeline);
  return Number(BigInt(await woke) - t0);
}

async function measureLatency(samples) {
  const timeline = swSync.open();
  if (typeof timeline === 'string') return { skip: `no sw_sync (${timeline})` };
  const waiter = lineChild(cProgram('fence_waiter'), [], [timeline.fd]);
  const lib = [];
  const c = [];
  try {
    for (let i = 0; i < 5; i++) await libSample(timeline), await cSample(timeline, waiter); // warm-up
    for (let i = 0; i < samples; i++) {
      if (i % 2) c.push(await cSample(timeline, waiter)), lib.push(await libSample(timeline));
      else lib.push(await libSample(timeline)), c.push(await cSample(timeline, waiter));
    }
  } finally {
    waiter.close();
    timeline.close();
  }
  const stats = (v) => ({ p50: percentile(v, 50), p99: percentile(v, 99) });
  return { samples, c: stats(c), lib: stats(lib) };
}

const self = fileURLToPath(import.meta.url);

/**
 * { c: {p50, p99}, lib: {p50, p99}, samples, pinned } in ns, or { skip }.
 * Runs in a child pinned to one CPU (taskset) with its C waiter: otherwise the
 * C waiter sleeps on the other CPU and pays a cross-CPU wake-up (under TCG,
 * a host thread to schedule) that the JS waiter, which is the signalling
 * thread itself, never pays.
 */
export function fenceLatency(samples) {
  const node = [process.execPath, self, String(samples)];
  for (const argv of [['taskset', '-c', '0', ...node], node]) {
    try {
      const result = JSON.parse(execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
      return { ...result, pinned: argv[0] === 'taskset' };
    } catch (error) {
      if (error.code !== 'ENOENT') return { skip: `failed: ${error.message.split('\n')[0]}` };
    }
  }
  return { skip: 'unreachable' };
}

if (process.argv[1] === self && process.argv[2]) {
  console.log(JSON.stringify(await measureLatency(Number(process.argv[2]))));
}
