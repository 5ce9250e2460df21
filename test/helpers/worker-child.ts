// SPDX-License-Identifier: MIT
// Runs Workers in a child process, so a test can watch what their teardown
// does to a whole process (an abort, leaked fds, warnings) without risking
// the test runner itself.
import { spawn } from 'node:child_process';

import { distEntry } from './env.js';

export interface WorkerRounds {
  /** The child's exit status and signal: 0 and null unless something crashed. */
  status: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** fds of the child before the first worker, and after each round. */
  base: number;
  counts: number[];
  /** Threads of the child likewise (/proc/self/task). */
  baseThreads: number;
  threads: number[];
}

/**
 * Starts `rounds` workers one after another in a fresh Node process. Each
 * imports the built package as `lib`, runs `body` (an async function body),
 * then posts 'ready'; the parent then terminates it mid-whatever-it-left
 * pending (or, with `terminate: false`, waits for it to exit by itself).
 * `lingerMs` lets it run that long (plus 3 ms per round) before termination.
 */
export function runWorkerRounds(body: string, opts: { rounds?: number; terminate?: boolean; lingerMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<WorkerRounds> {
  const worker = `
    import { parentPort } from 'node:worker_threads';
    const lib = await import(${JSON.stringify(distEntry.href)});
    ${body}
    parentPort.postMessage('ready');
  `;
  const parent = `
    import { Worker } from 'node:worker_threads';
    import { readdirSync } from 'node:fs';
    import { stat } from 'node:fs/promises';
    const count = () => readdirSync('/proc/self/fd').length;
    const tasks = () => readdirSync('/proc/self/task').length;
    const source = new URL('data:text/javascript,' + encodeURIComponent(${JSON.stringify(worker)}));
    await stat('/'); // starts the libuv pool's threads before they are counted
    const base = count();
    const baseThreads = tasks();
    const counts = [];
    const threads = [];
    for (let i = 0; i < ${opts.rounds ?? 1}; i++) {
      const w = new Worker(source);
      const exited = new Promise((resolve) => w.once('exit', resolve));
      await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
      await new Promise((resolve) => setTimeout(resolve, ${opts.lingerMs ?? 0} + (${opts.lingerMs ?? 0} ? 3 * i : 0)));
      if (${opts.terminate ?? true}) await w.terminate();
      await exited;
      counts.push(count());
      threads.push(tasks());
    }
    console.log(JSON.stringify({ base, counts, baseThreads, threads }));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', parent], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (status, signal) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      let parsed: Pick<WorkerRounds, 'base' | 'counts' | 'baseThreads' | 'threads'> = { base: -1, counts: [], baseThreads: -1, threads: [] };
      try {
        parsed = JSON.parse(line) as typeof parsed;
      } catch {
        // No report: the child died; status/signal/stderr say how.
      }
      resolve({ status, signal, stderr, ...parsed });
    });
  });
}
