#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// `npm run prebuilds`: makes the prebuilt binaries the package ships, on
// purpose and from scratch: linux-x64 with the host's g++ and linux-arm64
// cross-compiled with Debian's aarch64 toolchain, both Node-API (one binary
// for every Node version), libc-tagged (`dmabuf.glibc.node`, so a musl system
// never loads them) and with libstdc++/libgcc linked in statically. Each one
// is checked (ELF machine, no shared libstdc++, glibc symbol versions no newer
// than GLIBC_FLOOR) and recorded in prebuilds/manifest.json with the hash of
// the sources it was built from; `npm pack` (scripts/check-prebuilds.mjs)
// refuses a prebuilds/ that does not match it.
//
// It is not named `prebuild`: npm would run that before every `npm run build`.
// It builds in a scratch copy of binding.gyp + native/, so the checkout's own
// build/ (what the tests load) is left alone.
//
// Usage: node scripts/prebuilds.mjs [--out DIR] [--arch x64,arm64]
//   --out   where prebuilds/ goes (default: the package root)
//   --arch  a subset of the targets (default: all)
// Needs g++, make, python3; for arm64 g++-aarch64-linux-gnu, which it installs
// with apt-get when run as root on Debian, and otherwise names the command.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { ensureCommands } from './prebuilds/apt.mjs';
import {
  GLIBC_FLOOR,
  MANIFEST,
  TARGETS,
  compareVersions,
  elfDependencies,
  elfMachine,
  fileHash,
  listFiles,
  sourcesHash,
} from './prebuilds/lib.mjs';
import { resolveBin } from './resolve-bin.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
let stage; // the scratch build directory, removed however the run ends
const { values } = parseArgs({ options: { out: { type: 'string' }, arch: { type: 'string' } } });
const outRoot = values.out ?? root;
const wanted = values.arch ? values.arch.split(',') : TARGETS.map((t) => t.arch);
const targets = TARGETS.filter((t) => wanted.includes(t.arch));
if (targets.length !== wanted.length) fail(`unknown --arch in ${values.arch}; known: ${TARGETS.map((t) => t.arch).join(', ')}`);

function fail(message) {
  console.error(`prebuilds: ${message}`);
  if (stage) rmSync(stage, { recursive: true, force: true });
  process.exit(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) fail(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`);
}

const prebuildify = resolveBin('prebuildify');
const nodeGyp = resolveBin('node-gyp');
if (!prebuildify || !nodeGyp) fail('needs the dev dependencies: run `npm install` in the checkout first');

// Toolchains first, so a missing one stops the run before anything is deleted.
ensureCommands('prebuilds', [
  { command: 'make', package: 'make' },
  { command: 'python3', package: 'python3' },
  ...targets.flatMap((t) => t.tools),
]);

// Node's headers: the ones installed beside this node (what node-gyp would
// otherwise download). Node-API binaries do not depend on the exact version.
const nodedir = dirname(dirname(process.execPath));
if (!existsSync(join(nodedir, 'include/node/node_api.h'))) {
  fail(`no Node headers at ${nodedir}/include/node; install the headers of this Node (e.g. the distribution's nodejs dev package)`);
}

// A scratch copy of what the build reads, with this checkout's node_modules
// (node-addon-api) beside it.
stage = mkdtempSync(join(tmpdir(), 'dmabuf-prebuilds-'));
const out = join(outRoot, 'prebuilds');
try {
  cpSync(join(root, 'native'), join(stage, 'native'), { recursive: true });
  cpSync(join(root, 'binding.gyp'), join(stage, 'binding.gyp'));
  cpSync(join(root, 'package.json'), join(stage, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(stage, 'node_modules'));

  rmSync(out, { recursive: true, force: true }); // never ship a binary this run did not make
  mkdirSync(out, { recursive: true });
  const manifest = { sources: sourcesHash(root), glibcFloor: GLIBC_FLOOR, files: {} };
  for (const target of targets) {
    console.log(`\n=== prebuilds: linux-${target.arch} (${target.cross || 'host '}g++)`);
    const env = {
      ...process.env,
      npm_config_nodedir: nodedir,
      JOBS: process.env.JOBS ?? '2',
      // Static C++ runtime: the binary then needs only glibc, not a libstdc++
      // as new as the build machine's.
      LDFLAGS: '-static-libstdc++ -static-libgcc',
      CC: `${target.cross}gcc`,
      CXX: `${target.cross}g++`,
      LINK: `${target.cross}g++`,
      AR: `${target.cross}ar`,
    };
    run(process.execPath, [
      prebuildify, '--napi', '--strip', '--tag-libc', `--arch=${target.arch}`, '--platform=linux',
      `--strip-bin=${target.cross}strip`, `--node-gyp=${nodeGyp}`, `--out=${outRoot}`, `--cwd=${stage}`,
    ], { env, cwd: stage });
    for (const file of listFiles(join(out, `linux-${target.arch}`))) {
      const path = join(out, `linux-${target.arch}`, file);
      const entry = check(path, target);
      manifest.files[`linux-${target.arch}/${file}`] = entry;
      console.log(`prebuilds: linux-${target.arch}/${file}: ${target.machineName}, needs ${entry.needed.join(' ')}, glibc >= ${entry.glibc}`);
    }
  }
  writeFileSync(join(out, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`\nprebuilds: ${Object.keys(manifest.files).length} binaries in ${out}, glibc floor ${GLIBC_FLOOR}`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}

/** Refuses a binary of the wrong machine, with a shared C++ runtime, or needing a glibc above the floor. */
function check(path, target) {
  const machine = elfMachine(path);
  if (machine !== target.machine) fail(`${path}: ELF machine ${machine}, expected ${target.machine} (${target.machineName})`);
  const { needed, glibc } = elfDependencies(path, `${target.cross}objdump`);
  const shared = needed.filter((lib) => /^lib(stdc\+\+|gcc_s)\.so/.test(lib));
  if (shared.length) fail(`${path} links ${shared.join(', ')} dynamically; expected them static`);
  const highest = glibc.at(-1) ?? '0';
  if (compareVersions(highest, GLIBC_FLOOR) > 0) {
    fail(`${path} needs GLIBC_${highest}, above the stated floor ${GLIBC_FLOOR}: raise GLIBC_FLOOR (scripts/prebuilds/lib.mjs) and the README, or avoid the symbol`);
  }
  return { arch: target.arch, libc: 'glibc', sha256: fileHash(path), needed, glibc: highest, bytes: readFileSync(path).length };
}
