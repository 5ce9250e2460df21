// SPDX-License-Identifier: MIT
// What `npm run prebuilds` (scripts/prebuilds.mjs) and the prepack check
// (scripts/check-prebuilds.mjs) agree on: the targets, the glibc floor, the
// manifest that ties prebuilds/ to the sources it was built from, and how to
// read an ELF file's machine, needed libraries and glibc symbol versions.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The oldest glibc the prebuilt binaries load on, checked with objdump -T
 * (the highest GLIBC_x.y symbol version a binary references). They are built
 * on Debian 12 (glibc 2.36) with libstdc++ and libgcc linked in statically,
 * so they need no particular libstdc++ on the user's machine; but the static
 * libstdc++ of GCC 12 brings references of its own: arc4random (2.36, from
 * std::random_device, linked in with the string code), _dl_find_object (2.35,
 * the unwinder) and pthread_create (2.34). The addon's own code needs only
 * 2.28. A lower floor needs a build on an older glibc, not a flag: see
 * "Building and packaging" in the README. On an older glibc the install
 * script's load test fails and it builds from source instead.
 */
export const GLIBC_FLOOR = '2.36';

/**
 * The targets `npm run prebuilds` makes. `cross` is the Debian toolchain
 * prefix for a cross build (empty: the host's own g++), `machine` the ELF
 * e_machine value a binary for it must carry.
 */
export const TARGETS = [
  {
    arch: 'x64',
    cross: '',
    machine: 62,
    machineName: 'x86-64',
    tools: [{ command: 'g++', package: 'g++' }, { command: 'objdump', package: 'binutils' }],
  },
  {
    arch: 'arm64',
    cross: 'aarch64-linux-gnu-',
    machine: 183,
    machineName: 'AArch64',
    tools: [
      { command: 'aarch64-linux-gnu-g++', package: 'g++-aarch64-linux-gnu' },
      { command: 'aarch64-linux-gnu-objdump', package: 'binutils-aarch64-linux-gnu' },
    ],
  },
];

export const MANIFEST = 'manifest.json';

/** Every file the addon's build reads, relative to `root`, in a stable order. */
function buildInputs(root) {
  const native = readdirSync(join(root, 'native'), { recursive: true })
    .map((name) => join('native', String(name)))
    .filter((path) => /\.(cc|h)$/.test(path));
  return ['binding.gyp', ...native].sort();
}

/**
 * A hash of the addon's sources (binding.gyp, native/) and the node-addon-api
 * version they compile against: the prebuilds are stale when it changes.
 */
export function sourcesHash(root) {
  const hash = createHash('sha256');
  for (const path of buildInputs(root)) {
    hash.update(`${path}\0`);
    hash.update(readFileSync(join(root, path)));
  }
  const addonApi = JSON.parse(readFileSync(join(root, 'node_modules/node-addon-api/package.json'), 'utf8')).version;
  hash.update(`node-addon-api@${addonApi}`);
  return hash.digest('hex');
}

export function fileHash(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** All files under `dir` (relative paths), the manifest excluded. */
export function listFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath ?? entry.path, entry.name)))
    .filter((path) => path !== MANIFEST)
    .sort();
}

/** The ELF header's e_machine (62 x86-64, 183 AArch64). */
export function elfMachine(path) {
  const header = readFileSync(path).subarray(0, 20);
  if (header.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${path} is not an ELF file`);
  return header.readUInt16LE(18);
}

/** `{ needed: ['libc.so.6', …], glibc: ['2.2.5', …] }` from `objdump -p -T`. */
export function elfDependencies(path, objdump) {
  const run = spawnSync(objdump, ['-p', '-T', path], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${objdump} -p -T ${path} failed: ${run.stderr || run.error?.message}`);
  const needed = [...run.stdout.matchAll(/^\s+NEEDED\s+(\S+)$/gm)].map((m) => m[1]);
  const glibc = [...new Set([...run.stdout.matchAll(/\bGLIBC_(\d+(?:\.\d+)+)\b/g)].map((m) => m[1]))];
  return { needed, glibc: glibc.sort(compareVersions) };
}

/** Orders `2.17` before `2.28` before `2.3.4`-style strings, numerically. */
export function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
