#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Compiles lib/ to dist/esm (ESM + .d.ts). A fresh dist/ each time so a
// deleted source file does not live on in the package.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { resolveBin } from './resolve-bin.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = resolveBin('typescript', 'tsc');
// Installed from the tarball (which ships dist/ and no lib/), npm may still
// run this as `prepare` (npm rebuild); a consumer's own typescript must not
// then delete the shipped dist/.
if (!tsc || !existsSync(new URL('../lib/index.ts', import.meta.url))) {
  console.log('build-ts: no lib/ sources or no typescript here; keeping the shipped dist/');
  process.exit(0);
}
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
