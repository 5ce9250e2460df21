#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// `npm run docs`: HTML API docs from the JSDoc in lib/, into docs/api/
// (generated, not committed; open docs/api/index.html). typedoc.json fails
// the run on any warning, including an exported member, option field or
// error field without a doc comment (validation.notDocumented).
//
// typedoc does not support TypeScript 7, the project's compiler, so it runs
// on the `typescript5` alias: scripts/docs/typescript5-hook.mjs redirects
// typedoc's imports of `typescript` to it. Extra arguments go to typedoc.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
let cli;
try {
  cli = join(dirname(require.resolve('typedoc/package.json')), 'dist/cli.js');
  require.resolve('typescript5/package.json');
} catch {
  console.error('npm run docs needs the dev dependencies (typedoc, typescript5): run `npm install` in the checkout first');
  process.exit(1);
}
const hook = new URL('./docs/typescript5-hook.mjs', import.meta.url).href;
const register = `data:text/javascript,import{register}from'node:module';register(${JSON.stringify(hook)});`;
const result = spawnSync(process.execPath, ['--import', register, cli, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
