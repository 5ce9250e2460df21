// SPDX-License-Identifier: MIT
// `npm pack` ships only prebuilds that `npm run prebuilds` made from the
// sources being packed (scripts/check-prebuilds.mjs, run as prepack). These
// cases use stand-in binaries in a scratch copy of the package, so they run
// in a second; test/host/prebuilds.test.ts makes real ones.
import { mkdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runNode, runNpm, stagePackage } from '../helpers/package.js';

let stage: string;
const check = (...args: string[]) => runNode(['scripts/check-prebuilds.mjs', ...args], { cwd: stage });

/** Writes prebuilds/manifest.json for what is in prebuilds/ now, as the prebuilds script does. */
async function recordManifest(): Promise<void> {
  const script = `
    import { writeFileSync } from 'node:fs';
    import { MANIFEST, fileHash, listFiles, sourcesHash } from './scripts/prebuilds/lib.mjs';
    const files = Object.fromEntries(listFiles('prebuilds').map((f) => [f, { sha256: fileHash('prebuilds/' + f) }]));
    writeFileSync('prebuilds/' + MANIFEST, JSON.stringify({ sources: sourcesHash('.'), files }));`;
  expect((await runNode(['--input-type=module', '-e', script], { cwd: stage })).status).toBe(0);
}

beforeAll(() => {
  stage = stagePackage();
});
afterAll(() => rmSync(stage, { recursive: true, force: true }));

describe('check-prebuilds (prepack)', () => {
  it('passes with no prebuilds/: the package then builds from source on install', async () => {
    const ran = await check();
    expect(ran.status, ran.output).toBe(0);
    expect(ran.stdout).toContain('no prebuilds/');
  });

  it('refuses a binary that `npm run prebuilds` did not make, and npm pack stops on it', async () => {
    mkdirSync(join(stage, 'prebuilds/linux-x64'), { recursive: true });
    writeFileSync(join(stage, 'prebuilds/linux-x64/dmabuf.glibc.node'), 'left over from some build');
    expect((await check()).stderr).toContain('not made by `npm run prebuilds`');
    const packed = await runNpm(['pack', '--dry-run'], { cwd: stage });
    expect(packed.status).not.toBe(0);
    expect(packed.stderr).toContain('refusing to pack stale or unknown prebuilds');
  });

  it('passes when the manifest matches, and --require names what is missing', async () => {
    await recordManifest();
    const ok = await check();
    expect(ok.status, ok.output).toBe(0);
    const ran = await check('--require', 'linux-x64,linux-arm64');
    expect(ran.status).not.toBe(0);
    expect(ran.stderr).toContain('no prebuild for linux-arm64');
  });

  it('refuses an unlisted extra binary and a changed one', async () => {
    mkdirSync(join(stage, 'prebuilds/linux-arm64'), { recursive: true });
    writeFileSync(join(stage, 'prebuilds/linux-arm64/dmabuf.glibc.node'), 'stale');
    expect((await check()).stderr).toContain('linux-arm64/dmabuf.glibc.node is not in manifest.json');
    rmSync(join(stage, 'prebuilds/linux-arm64'), { recursive: true });
    appendFileSync(join(stage, 'prebuilds/linux-x64/dmabuf.glibc.node'), '!');
    expect((await check()).stderr).toContain('linux-x64/dmabuf.glibc.node changed since');
  });

  it('refuses prebuilds older than the native sources', async () => {
    await recordManifest();
    expect((await check()).status).toBe(0);
    appendFileSync(join(stage, 'native/eventfd.cc'), '\n// changed\n');
    const ran = await check();
    expect(ran.status).not.toBe(0);
    expect(ran.stderr).toContain('binding.gyp or native/ changed since the prebuilds were made');
  });
});
