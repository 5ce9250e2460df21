#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// `npm test`: builds what is missing, runs the host tests, then boots the
// rig kernel in QEMU (scripts/vm/run) and runs the device tests inside it
// with REQUIRE_DEVICES=1, then boots the stock kernel (the same kernel without
// the project's patches) and runs the `stock` project (test/stock) inside it,
// then boots the patched kernel on the machine with an IOMMU (q35 + virtual
// Intel IOMMU, DMABUF_VM_MACHINE=iommu) and runs the `iommu` project
// (test/iommu: VFIO through type1 and cdev + iommufd) inside it.
// Then a short soak (scripts/soak.mjs) and the device tests again with the
// addon built under ASan/UBSan, each in a boot of the patched kernel.
// It ends with one line summing every VM run: `vm: N passed, N failed, N skipped`.
//
// Environment:
//   DMABUF_TEST_HOST_ONLY=1  skip the VM (prints why; the vm line reports nothing run)
//   DMABUF_VM_TIMEOUT        seconds before the guest is declared hung (scripts/vm/run)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
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
  console.log('\nDMABUF_TEST_HOST_ONLY=1: the device, stock-kernel and IOMMU tests were not run');
  console.log('vm: 0 passed, 0 failed, 0 skipped');
  process.exit(ok ? 0 : 1);
}

// Each run boots its own kernel variant (scripts/vm/run's DMABUF_VM_VARIANT)
// on its own machine model (DMABUF_VM_MACHINE, `pc` unless the run names
// one), set here so that ones left in the caller's environment cannot swap them.
const runs = [
  { title: 'device tests in the VM (scripts/vm/run)', what: 'device tests', project: 'devices', variant: 'patched' },
  {
    title: 'stock-kernel tests in the VM (DMABUF_VM_VARIANT=stock scripts/vm/run)',
    what: 'stock-kernel tests',
    project: 'stock',
    variant: 'stock',
    skipUnless: 'test/stock',
  },
  {
    title: 'IOMMU tests in the VM (DMABUF_VM_MACHINE=iommu scripts/vm/run)',
    what: 'IOMMU tests',
    project: 'iommu',
    variant: 'patched',
    machine: 'iommu',
  },
  // A short soak (scripts/soak.mjs): mixed good and bad operations over every
  // subsystem; it counts as one test. A boot of its own (~15 s under TCG)
  // keeps its fd and RSS figures free of the test runner's.
  {
    title: 'soak in the VM (scripts/soak.mjs, 25 s)',
    what: 'soak',
    command: [process.execPath, '--expose-gc', 'scripts/soak.mjs', '--seconds', '25', '--every', '5000'],
    variant: 'patched',
  },
  // The device tests again with the addon built under ASan + UBSan
  // (npm run build:asan), loaded into the ordinary node through LD_PRELOAD.
  {
    title: 'device tests under ASan/UBSan in the VM (build-asan)',
    what: 'sanitized device tests',
    project: 'devices',
    variant: 'patched',
    sanitized: true,
  },
];
const total = { passed: 0, failed: 0, skipped: 0 };
let vmOk = true;
for (const run of runs) {
  if (run.skipUnless && !hasTestFiles(`${root}/${run.skipUnless}`)) {
    console.log(`\n=== ${run.title}: not run, ${run.skipUnless} holds no *.test.ts files`);
    continue;
  }
  console.log(`\n=== ${run.title}`);
  let command = run.command ?? [process.execPath, vitest, 'run', '--project', run.project];
  if (run.sanitized) {
    const prefix = sanitizedPrefix();
    if (!prefix) {
      console.log(`\nvm: the ${run.what} were not run: the sanitizer build failed`);
      total.failed += 1;
      vmOk = false;
      continue;
    }
    // ASan slows the scale tests (10,000 pending waits) several times over.
    command = [...prefix, ...command, '--testTimeout', '180000'];
  }
  const summary = await runInVm(command, run.variant, run.machine);
  if (!summary.counts) {
    console.log(`\nvm: the ${run.what} did not report a result (${summary.reason})`);
    total.failed += 1;
    vmOk = false;
    continue;
  }
  const { passed, failed, skipped } = summary.counts;
  total.passed += passed;
  total.failed += failed;
  total.skipped += skipped;
  if (summary.exitCode !== 0 || failed > 0 || skipped > 0) vmOk = false;
  if (skipped > 0) console.log(`\nvm: ${skipped} of the ${run.what} skipped in the VM, where every device must be present`);
  if (summary.exitCode !== 0 && failed === 0) console.log(`\nvm: the ${run.what} failed (${summary.reason})`);
}
console.log(`\nvm: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(ok && vmOk ? 0 : 1);

/**
 * The command prefix that runs node with the sanitized addon: builds
 * build-asan/ when it is missing or older than a native source (cmake-js,
 * incremental), then `env DMABUF_ADDON=... LD_PRELOAD=
 * libasan:libubsan ASAN_OPTIONS=...`. The guest gets only some variables
 * from scripts/vm/run, so these travel on the command line through env(1).
 * Leak detection is off: node itself never frees some allocations at exit.
 * Undefined on a failed build.
 */
function sanitizedPrefix() {
  const addon = `${root}/build-asan/Release/dmabuf.node`;
  const args = ['build', '--CDDMABUF_SANITIZE=ON', '--out', 'build-asan', '--parallel', '2'];
  if (!upToDate(addon) && !step('building the sanitized addon (cmake-js, build-asan/)', process.execPath, [resolveBin('cmake-js'), ...args])) {
    return undefined;
  }
  const lib = (name) => spawnSync('gcc', [`-print-file-name=${name}`], { encoding: 'utf8' }).stdout.trim();
  return [
    'env',
    `DMABUF_ADDON=${addon}`,
    `LD_PRELOAD=${lib('libasan.so')}:${lib('libubsan.so')}`,
    // handle_sigbus=0: a test expects a child to die of SIGBUS (a revoked VFIO mapping), not of ASan's report.
    'ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1:handle_sigbus=0',
    'UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1',
  ];
}

/** Whether `file` exists and is newer than every native source and CMakeLists.txt. */
function upToDate(file) {
  if (!existsSync(file)) return false;
  const built = statSync(file).mtimeMs;
  const sources = [`${root}/CMakeLists.txt`, ...readdirSync(`${root}/native`, { recursive: true }).map((name) => `${root}/native/${name}`)];
  return sources.every((source) => statSync(source).mtimeMs <= built);
}

/** Whether `dir` (recursively) holds a `*.test.ts` file. */
function hasTestFiles(dir) {
  try {
    return readdirSync(dir, { recursive: true }).some((name) => String(name).endsWith('.test.ts'));
  } catch {
    return false;
  }
}

/** Runs a command in the guest booted on kernel `variant` and machine model `machine`, echoing its output, and picks up the summary reporter's line. */
function runInVm(command, variant, machine = 'pc') {
  return new Promise((resolve) => {
    const child = spawn(`${root}/scripts/vm/run`, command, {
      cwd: root,
      env: { ...process.env, DMABUF_VM_VARIANT: variant, DMABUF_VM_MACHINE: machine },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
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
