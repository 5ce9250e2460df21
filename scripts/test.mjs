#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// `npm test`: builds what is missing, runs the host tests, then boots the
// rig kernel in QEMU (scripts/vm/run) and runs the device tests inside it
// with REQUIRE_DEVICES=1, and ends with one line: `vm: N passed, N failed, N skipped`.
//
// Environment:
//   DMABUF_TEST_HOST_ONLY=1  skip the VM (prints why; the vm line reports nothing run)
//   DMABUF_VM_TIMEOUT        seconds before the guest is declared hung (scripts/vm/run)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { resolveBin } from './resolve-bin.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const vitest = resolveBin('vitest');
const tsc = resolveBin('typescript', 'tsc');
const nodeGyp = resolveBin('node-gyp');
if (!vitest || !tsc || !nodeGyp) {
  console.error('npm test needs the dev dependencies: run `npm install` in the checkout first');
  process.exit(1);
}

function step(title, command, args) {
  console.log(`\n=== ${title}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  return result.status === 0;
}

function addonBuilt() {
  return existsSync(`${root}/build/Release/dmabuf.node`) || existsSync(`${root}/prebuilds/linux-${process.arch}`);
}

let ok = true;
if (!addonBuilt() && !step('building the addon (node-gyp)', process.execPath, [nodeGyp, 'rebuild'])) {
  process.exit(1);
}
if (!step('compiling lib/ to dist/', process.execPath, ['scripts/build-ts.mjs'])) process.exit(1);
ok = step('type-checking lib/ and test/', process.execPath, [tsc, '-p', 'tsconfig.test.json']) && ok;
ok = step('host tests', process.execPath, [vitest, 'run', '--project', 'host']) && ok;

if (process.env.DMABUF_TEST_HOST_ONLY === '1') {
  console.log('\nDMABUF_TEST_HOST_ONLY=1: the device tests were not run');
  console.log('vm: 0 passed, 0 failed, 0 skipped');
  process.exit(ok ? 0 : 1);
}

console.log('\n=== device tests in the VM (scripts/vm/run)');
const summary = await runInVm([process.execPath, vitest, 'run', '--project', 'devices']);
if (!summary.counts) {
  console.log(`\nvm: the device tests did not report a result (${summary.reason})`);
  console.log('vm: 0 passed, 1 failed, 0 skipped');
  process.exit(1);
}
const { passed, failed, skipped } = summary.counts;
const vmOk = summary.exitCode === 0 && failed === 0 && skipped === 0;
if (skipped > 0) console.log(`\nvm: ${skipped} test(s) skipped in the VM, where every device must be present`);
console.log(`\nvm: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(ok && vmOk ? 0 : 1);

/** Runs a command in the guest, echoing its output, and picks up the summary reporter's line. */
function runInVm(command) {
  return new Promise((resolve) => {
    const child = spawn(`${root}/scripts/vm/run`, command, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let counts;
    let pending = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const m = /DMABUF_SUMMARY passed=(\d+) failed=(\d+) skipped=(\d+)/.exec(line);
        if (m) counts = { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3]) };
      }
    });
    child.on('close', (code) => {
      resolve({ counts, exitCode: code, reason: `scripts/vm/run exited with ${code}` });
    });
    child.on('error', (error) => resolve({ counts: undefined, exitCode: 1, reason: error.message }));
  });
}
