// SPDX-License-Identifier: MIT
// What a Worker leaves behind when it ends: terminating one mid-wait must
// not abort the process (a C++ throw during teardown used to), the fds its
// objects owned are closed with it (a terminated worker runs no JS, so only
// the addon's environment cleanup hook can), and closing in a worker must
// not upset Node's fd tracking ("closed but not opened in unmanaged mode").
import { closeSync, existsSync, fstatSync, openSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

import { describe, expect, it } from 'vitest';

import { distEntry } from '../helpers/env.js';
import { runWorkerRounds } from '../helpers/worker-child.js';

describe('worker teardown', () => {
  it('terminating workers in the middle of creating eventfd waits does not abort the process', async () => {
    // The worker keeps creating objects and waits until it is terminated, so
    // termination lands inside native calls (poller creation above all).
    const body = `
      setTimeout(() => { for (;;) { const e = lib.EventFd.create(); e.wait().catch(() => {}); e.close(); } }, 0);
    `;
    for (let i = 0; i < 2; i++) {
      const run = await runWorkerRounds(body, { rounds: 10, lingerMs: 10 });
      expect(run.stderr).not.toMatch(/terminate called|Napi::Error/);
      expect({ status: run.status, signal: run.signal }).toEqual({ status: 0, signal: null });
    }
  });

  it('closes the fds of a terminated worker: 200 eventfds and a waiting one, five rounds', async () => {
    const body = `
      const kept = [];
      for (let i = 0; i < 200; i++) kept.push(lib.EventFd.create());
      const waiting = lib.EventFd.create();
      waiting.wait().catch(() => {});
      globalThis.kept = { kept, waiting };
    `;
    const run = await runWorkerRounds(body, { rounds: 5 });
    expect({ status: run.status, signal: run.signal }).toEqual({ status: 0, signal: null });
    expect(run.counts).toHaveLength(5);
    // A worker's own plumbing may leave an fd or two the first time; 201 per round must not.
    for (const count of run.counts) expect(count - run.base).toBeLessThanOrEqual(4);
    expect(run.counts[4]).toBeLessThanOrEqual(run.counts[0]!);
  });

  it('a worker that opens and closes objects gets no unmanaged-fd warning', async () => {
    const body = `
      for (let i = 0; i < 5; i++) {
        const e = lib.EventFd.create();
        e.write(1n);
        await e.wait();
        e.close();
        const m = lib.Memfd.create('w', 4096);
        m.close();
      }
      lib.EventFd.create(); // left to the environment cleanup, also without a warning
    `;
    const run = await runWorkerRounds(body, { rounds: 2, terminate: false });
    expect({ status: run.status, signal: run.signal }).toEqual({ status: 0, signal: null });
    expect(run.stderr).not.toMatch(/unmanaged mode|Warning/);
    for (const count of run.counts) expect(count - run.base).toBeLessThanOrEqual(4);
  });

  it('a terminated worker closes only what it still owns, not the numbers it released and this thread took', async () => {
    // The worker makes 300 eventfds (numbers past several 64-fd words of the
    // addon's registry), closes all but one and reports them; this thread
    // then opens files, which get the released numbers. Terminating the
    // worker must close its one open eventfd and none of this thread's files.
    const source = `
      import { parentPort } from 'node:worker_threads';
      const lib = await import(${JSON.stringify(distEntry.href)});
      const efds = Array.from({ length: 300 }, () => lib.EventFd.create());
      const kept = efds.pop();
      for (const e of efds) e.close();
      parentPort.postMessage({ released: efds.length, kept: kept.fd });
      setInterval(() => {}, 1000);
    `;
    const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`));
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    const { released, kept } = await new Promise<{ released: number; kept: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(released).toBe(299);
    const mine = Array.from({ length: 299 }, () => openSync('/dev/null', 'r'));
    try {
      await worker.terminate();
      await exited;
      const closedUnderMe = mine.filter((fd) => {
        try {
          fstatSync(fd);
          return false;
        } catch {
          return true;
        }
      });
      expect(closedUnderMe).toEqual([]);
      expect(existsSync(`/proc/self/fd/${kept}`)).toBe(false);
    } finally {
      for (const fd of mine) {
        try {
          closeSync(fd);
        } catch {
          // closed under us: the failure above says so
        }
      }
    }
  });
});
