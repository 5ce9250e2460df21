// SPDX-License-Identifier: MIT
// `npm run prebuilds` for real: linux-x64 with the host's g++ and linux-arm64
// cross-compiled with Debian's aarch64 toolchain (the script installs it with
// apt-get when root on Debian). Each binary is checked here independently of
// the script's own checks: the ELF header's machine, the libc tag in its
// name, no shared libstdc++/libgcc_s, and the highest GLIBC_x.y symbol
// version objdump -T lists against the floor the README states. Then each
// one is loaded and runs an eventfd round trip: x64 in this Node, arm64 in
// Debian's arm64 nodejs under qemu-user. Costs about two builds (measured
// 1.5 min on this 2-core machine, warm apt) plus, on a fresh machine, the apt
// installs (~1 min); it writes only to a temporary directory.
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type Ran, repoRoot, run, runNode, scratchDir } from '../helpers/package.js';

const roundTrip = (path: string): string =>
  `const b = require(${JSON.stringify(path)});
   const fd = b.eventfdCreate(0, 0);
   if (fd < 0) throw new Error('eventfdCreate: ' + fd);
   b.eventfdWrite(fd, 5n);
   console.log(process.arch, String(b.eventfdRead(fd)));`;

const targets = [
  { tuple: 'linux-x64', machine: 62, objdump: 'objdump' },
  { tuple: 'linux-arm64', machine: 183, objdump: 'aarch64-linux-gnu-objdump' },
];

let out: string;
let built: Ran;
let skipReason: string | undefined;

beforeAll(async () => {
  out = scratchDir('prebuilds');
  built = await runNode(['scripts/prebuilds.mjs', '--out', out], { cwd: repoRoot, env: { JOBS: '2' } });
  // Without root the script cannot install its toolchain; it names the command.
  if (built.status !== 0 && process.getuid?.() !== 0 && built.stderr.includes('missing Debian packages')) skipReason = built.stderr.trim();
}, 900_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

const versionKey = (v: string): number[] => v.split('.').map(Number);
const newer = (a: string, b: string): boolean => {
  const [pa, pb] = [versionKey(a), versionKey(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) > (pb[i] ?? 0);
  return false;
};

describe('npm run prebuilds', () => {
  it('makes exactly a libc-tagged linux-x64 and linux-arm64 binary, and a manifest', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    expect(built.status, built.output.slice(-4000)).toBe(0);
    const files = readdirSync(join(out, 'prebuilds'), { recursive: true }).map(String).filter((f) => f.includes('.')).sort();
    expect(files).toEqual(['linux-arm64/dmabuf.glibc.node', 'linux-x64/dmabuf.glibc.node', 'manifest.json']);
  });

  it.for(targets)('$tuple: right ELF machine, static C++ runtime, glibc no newer than the stated floor', async (t, ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const path = join(out, 'prebuilds', t.tuple, 'dmabuf.glibc.node');
    const header = readFileSync(path).subarray(0, 20);
    expect(header.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(header[4], 'ELFCLASS64').toBe(2);
    expect(header.readUInt16LE(18), 'e_machine').toBe(t.machine);

    const dump = await run(t.objdump, ['-p', '-T', path], { cwd: out });
    expect(dump.status, dump.output).toBe(0);
    const needed = [...dump.stdout.matchAll(/NEEDED\s+(\S+)/g)].map((m) => m[1]);
    expect(needed).toContain('libc.so.6');
    expect(needed.filter((lib) => /libstdc\+\+|libgcc_s/.test(lib))).toEqual([]);

    const versions = [...dump.stdout.matchAll(/\(GLIBC_(\d+(?:\.\d+)+)\)/g)].map((m) => m[1]);
    const highest = versions.reduce((a, b) => (newer(b, a) ? b : a), '0');
    const { glibcFloor } = JSON.parse(readFileSync(join(out, 'prebuilds/manifest.json'), 'utf8')) as { glibcFloor: string };
    expect(newer(highest, glibcFloor), `GLIBC_${highest} > floor ${glibcFloor}`).toBe(false);
    expect(readFileSync(join(repoRoot, 'README.md'), 'utf8')).toContain(`glibc ${glibcFloor}`);
  });

  it('linux-x64 loads in this Node and round-trips an eventfd', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const ran = await runNode(['-e', roundTrip(join(out, 'prebuilds/linux-x64/dmabuf.glibc.node'))], { cwd: out });
    expect(ran.stdout, ran.output).toBe('x64 5\n');
  });

  it("linux-arm64 loads in Debian's arm64 nodejs under qemu-user and round-trips an eventfd", async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const setup = await runNode(
      ['--input-type=module', '-e', "const m = await import('./scripts/prebuilds/arm64-node.mjs'); console.log(JSON.stringify(m.ensureArm64Node()));"],
      { cwd: repoRoot },
    );
    expect(setup.status, setup.output.slice(-4000)).toBe(0);
    const arm = JSON.parse(setup.stdout.trim().split('\n').at(-1) ?? '{}') as { qemu: string; root: string; node: string };
    const ran = await run(arm.qemu, ['-L', arm.root, arm.node, '-e', roundTrip(join(out, 'prebuilds/linux-arm64/dmabuf.glibc.node'))], { cwd: out });
    expect(ran.stdout, ran.output).toBe('arm64 5\n');
  }, 600_000);

  it('passes the prepack check, both targets required', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const ran = await runNode(['scripts/check-prebuilds.mjs', '--dir', out, '--require', 'linux-x64,linux-arm64'], { cwd: repoRoot });
    expect(ran.status, ran.output).toBe(0);
  });
});
