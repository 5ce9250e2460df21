// SPDX-License-Identifier: MIT
// An arm64 Node to try the linux-arm64 prebuild with on an x86-64 machine:
// Debian's qemu-user runs Debian's arm64 `nodejs`. The arm64 packages are
// fetched through Debian multiarch (`dpkg --add-architecture arm64`) but
// only downloaded and unpacked into a private root (~/.cache/dmabuf-arm64-node)
// rather than installed, because installing nodejs:arm64 would replace the
// machine's own nodejs package. `qemu-aarch64 -L ROOT` then finds the arm64
// loader and libraries there.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

import { ensureCommands, installPackages } from './apt.mjs';

const WHO = 'arm64-node';
export const ARM64_ROOT = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'dmabuf-arm64-node');

function output(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return result.status === 0 ? result.stdout : undefined;
}

/**
 * nodejs:arm64 and what it needs at run time: the arm64 libraries, and the
 * architecture-independent node-* packages Debian's node loads its bundled
 * JavaScript (acorn, undici, cjs-module-lexer) from. Package scripts are
 * never run, so their interpreters (python3, perl, debconf) are left out.
 */
function closure() {
  const wanted = (name) => /^(nodejs|libnode|lib|zlib1g|gcc-\d+-base|node-)/.test(name);
  const seen = new Set();
  let queue = ['nodejs:arm64'];
  while (queue.length) {
    const out = output('apt-cache', ['depends', '--no-recommends', '--no-suggests', ...queue]);
    if (!out) return [];
    queue.forEach((name) => seen.add(name));
    const next = [];
    for (const m of out.matchAll(/^\s+(?:Pre)?Depends: <?([^\s>]+?)>?$/gm)) {
      // Debian's node-* modules are Architecture: all, named without :arm64.
      const name = m[1].startsWith('node-') ? m[1].replace(/:arm64$/, '') : m[1].replace(/(:arm64)?$/, ':arm64');
      if (wanted(name) && !seen.has(name) && !next.includes(name)) next.push(name);
    }
    queue = next;
  }
  return [...seen];
}

/**
 * `{ qemu, root, node }`: the qemu-aarch64 command and an unpacked arm64
 * root with `node` in it, made on first use (apt-get as root on Debian; else
 * it stops with the command to run).
 */
export function ensureArm64Node() {
  ensureCommands(WHO, [{ command: 'qemu-aarch64', package: 'qemu-user' }]);
  const node = join(ARM64_ROOT, 'usr/bin/node');
  if (existsSync(node)) return { qemu: 'qemu-aarch64', root: ARM64_ROOT, node };

  const foreign = output('dpkg', ['--print-foreign-architectures']) ?? '';
  let packages = foreign.split('\n').includes('arm64') ? closure() : [];
  if (!packages.includes('nodejs:arm64')) {
    // Adds arm64 to dpkg's architectures and refreshes the lists; installs nothing.
    installPackages(WHO, [], { addArchitecture: 'arm64' });
    packages = closure();
  }
  if (!packages.includes('nodejs:arm64')) throw new Error(`${WHO}: apt knows no nodejs:arm64 even after apt-get update`);

  const work = mkdtempSync(join(tmpdir(), 'dmabuf-arm64-debs-'));
  try {
    const download = spawnSync('apt-get', ['download', ...packages], { cwd: work, stdio: 'inherit' });
    if (download.status !== 0) throw new Error(`${WHO}: apt-get download ${packages.join(' ')} failed`);
    const staging = `${ARM64_ROOT}.partial`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    for (const deb of readdirSync(work).filter((f) => f.endsWith('.deb'))) {
      const unpack = spawnSync('dpkg-deb', ['-x', join(work, deb), staging], { stdio: 'inherit' });
      if (unpack.status !== 0) throw new Error(`${WHO}: dpkg-deb -x ${deb} failed`);
    }
    renameSync(staging, ARM64_ROOT); // whole or not at all, for the existsSync above
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { qemu: 'qemu-aarch64', root: ARM64_ROOT, node };
}
