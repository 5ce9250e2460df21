#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// `prepack` (and, with --require, `prepublishOnly`): the tarball may hold
// only prebuilds that `npm run prebuilds` made from the sources being packed.
// prebuilds/manifest.json, written by that script, lists each binary with its
// sha256 and the hash of binding.gyp + native/ it was built from. A prebuilds/
// with a file the manifest does not list, a changed file, or sources changed
// since is refused: pack from a clean prebuilds/ (delete it, and the package
// builds from source on install) or run `npm run prebuilds` again.
//
// Usage: node scripts/check-prebuilds.mjs [--dir DIR] [--require linux-x64,linux-arm64]
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { MANIFEST, fileHash, listFiles, sourcesHash } from './prebuilds/lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { dir: { type: 'string' }, require: { type: 'string' } } });
const dir = join(values.dir ?? root, 'prebuilds');
const required = values.require ? values.require.split(',') : [];

const problems = [];
const files = listFiles(dir);
if (files.length === 0 && !existsSync(join(dir, MANIFEST))) {
  if (required.length) problems.push(`no prebuilds/, but ${required.join(' and ')} are required: run \`npm run prebuilds\``);
  else console.log('check-prebuilds: no prebuilds/: the package will build from source when installed');
} else if (!existsSync(join(dir, MANIFEST))) {
  problems.push(`prebuilds/ has no ${MANIFEST}: it was not made by \`npm run prebuilds\``);
} else {
  const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8'));
  const listed = Object.keys(manifest.files ?? {}).sort();
  for (const file of files.filter((f) => !listed.includes(f))) problems.push(`${file} is not in ${MANIFEST}`);
  for (const file of listed.filter((f) => !files.includes(f))) problems.push(`${file} is in ${MANIFEST} but missing`);
  for (const file of listed.filter((f) => files.includes(f))) {
    if (fileHash(join(dir, file)) !== manifest.files[file].sha256) problems.push(`${file} changed since \`npm run prebuilds\` made it`);
  }
  if (manifest.sources !== sourcesHash(root)) problems.push('binding.gyp or native/ changed since the prebuilds were made');
  for (const tuple of required.filter((t) => !listed.some((f) => f.startsWith(`${t}/`)))) problems.push(`no prebuild for ${tuple}`);
  if (problems.length === 0) console.log(`check-prebuilds: ${listed.length} prebuilds match the sources: ${listed.join(', ')}`);
}

if (problems.length) {
  console.error(`check-prebuilds: refusing to pack stale or unknown prebuilds:\n  ${problems.join('\n  ')}`);
  console.error('Run `npm run prebuilds` to remake them, or delete prebuilds/ to ship none.');
  process.exit(1);
}
