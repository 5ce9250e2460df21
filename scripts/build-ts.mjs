#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Compiles lib/ to dist/esm (ESM + .d.ts). A fresh dist/ each time so a
// deleted source file does not live on in the package.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { resolveBin } from './resolve-bin.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = resolveBin('typescript', 'tsc');
if (!tsc) {
  // Installed as a dependency without devDependencies: dist/ ships prebuilt.
  console.log('build-ts: typescript is not installed; keeping the shipped dist/');
  process.exit(0);
}
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
