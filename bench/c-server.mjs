// SPDX-License-Identifier: MIT
// Drives bench/baseline.c: one child process for the whole run, asked for
// one batch at a time so C batches interleave with the JS ones.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

import { cProgram } from './c-build.mjs';

/** A line-oriented child: send a line, await the next line it prints. */
export function lineChild(exe, args, stdio) {
  const child = spawn(exe, args, { stdio: ['pipe', 'pipe', 'inherit', ...stdio] });
  const waiting = [];
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => waiting.shift()?.resolve(line));
  child.on('exit', (code, signal) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`${exe} exited (${signal ?? code})`));
  });
  return {
    ask(line) {
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin.write(`${line}\n`);
      });
    },
    /** The next line without sending one. */
    next() {
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    send(line) {
      child.stdin.write(`${line}\n`);
    },
    close() {
      child.stdin.end();
      lines.close();
    },
  };
}

/**
 * Starts the C baseline over the JS side's kernel objects (see the fd table
 * in baseline.c). `fds`: { heap, buf, sync, drm, copy, kms, map } (undefined = absent);
 * `planeUpdate`: the KMS ops' request ({ objs, counts, props, values: [A, B] }).
 * Returns { run(op, n) -> ns/op, skip reason string, or throws, close() }.
 */
export function startBaseline(fds, syncobjHandle, copyLength, planeUpdate) {
  const stdio = [fds.heap, fds.buf, fds.sync, fds.drm, fds.copy, fds.kms, fds.map].map((fd) => fd ?? 'ignore');
  const p = planeUpdate;
  const kmsArgs = p ? [p.objs, p.counts, p.props, ...p.values].map((list) => list.join(',')) : [];
  const child = lineChild(cProgram('baseline'), [String(syncobjHandle ?? 0), String(copyLength), ...kmsArgs], stdio);
  return {
    async run(op, n) {
      const answer = await child.ask(`${op} ${n}`);
      if (answer.startsWith('skip ')) return answer.slice(5);
      return Number(answer);
    },
    close: () => child.close(),
  };
}
