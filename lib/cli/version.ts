// SPDX-License-Identifier: MIT
/**
 * The package's version, from its package.json (found by walking up from
 * this file, which sits at a different depth in lib/ and in dist/).
 * @module
 */
import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  for (let up = new URL('../', import.meta.url), i = 0; i < 5; up = new URL('../', up), i++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', up), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'dmabuf' && pkg.version) return pkg.version;
    } catch {
      // Not here: one level up.
    }
  }
  return 'unknown';
}
