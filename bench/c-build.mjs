// SPDX-License-Identifier: MIT
// Compiles the C side of the benchmarks (baseline.c, fence_waiter.c) with the
// system cc into build/bench/, only when a binary is missing or older than
// its source. `npm run bench` runs this on the host before booting the VM, so
// the guest (which sees the same checkout) finds them built instead of
// compiling under TCG emulation; run anywhere else, the bench builds them
// itself. Run directly: `node bench/c-build.mjs`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = new URL('.', import.meta.url);
const out = fileURLToPath(new URL('../build/bench/', here));

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

/** Builds (if stale) and returns the path of the C program made from bench/<name>.c. */
export function cProgram(name) {
  const src = fileURLToPath(new URL(`${name}.c`, here));
  const exe = `${out}${name}`;
  if (mtime(exe) < mtime(src)) {
    mkdirSync(out, { recursive: true });
    execFileSync(process.env.CC ?? 'cc', ['-O2', '-Wall', '-o', exe, src], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  return exe;
}

export const cPrograms = ['baseline', 'fence_waiter'];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const name of cPrograms) console.error(`bench: ${cProgram(name)}`);
}
