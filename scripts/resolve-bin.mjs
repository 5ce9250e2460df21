// SPDX-License-Identifier: MIT
// Finds a package's executable through its package.json `bin` field, which
// works even where the package's `exports` map hides the file (TypeScript 7).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Absolute path of `name` from `pkg`'s bin, or undefined if the package is not installed. */
export function resolveBin(pkg, name = pkg) {
  let manifest;
  try {
    manifest = require.resolve(`${pkg}/package.json`);
  } catch {
    return undefined;
  }
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8'));
  const relative = typeof bin === 'string' ? bin : bin?.[name];
  return relative ? join(dirname(manifest), relative) : undefined;
}
