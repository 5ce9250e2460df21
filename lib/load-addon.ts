// SPDX-License-Identifier: MIT
/**
 * Finds and loads the compiled addon, and when none loads, throws one error
 * that says what this machine is, where the loader looked, and the two ways
 * to fix it. node-gyp-build's own "No native build was found" names neither
 * the fix nor, when a binary exists but fails to load, which one it was.
 * @module
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The code of the error thrown when no addon loads. */
export const ADDON_LOAD_ERROR_CODE = 'ERR_DMABUF_ADDON_LOAD';

/** The package root: the nearest directory up from `from` holding binding.gyp. */
function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!existsSync(join(dir, 'binding.gyp'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('dmabuf: cannot find the package root (binding.gyp) to load the addon from');
    dir = parent;
  }
  return dir;
}

/** `glibc 2.36`, or `musl` where Node reports no glibc (Alpine and friends). */
function libcName(): string {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ? `glibc ${header.glibcVersionRuntime}` : 'musl (no glibc found)';
}

/**
 * One line per place node-gyp-build looks, in its order, with what each held.
 * DMABUF_PREBUILD (node-gyp-build's `<NAME>_PREBUILD`) replaces the root.
 */
function placesTried(root: string): string[] {
  const list = (dir: string): string => {
    if (!existsSync(dir)) return `${dir}: does not exist`;
    const files = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.node'));
    return `${dir}: ${files.length ? files.join(', ') : 'no .node file'}`;
  };
  const prebuilds = join(root, 'prebuilds');
  const lines = [list(join(root, 'build', 'Release')), list(join(root, 'build', 'Debug'))];
  lines.push(existsSync(prebuilds) ? list(prebuilds) : `${prebuilds}: does not exist (no prebuilt binaries shipped)`);
  return lines;
}

/** The error for a machine where no addon loads; `cause` is the loader's own error. */
export function addonLoadError(root: string, cause: unknown): Error & { code: string } {
  const machine = `${process.platform}-${process.arch}, ${libcName()}, Node ${process.versions.node}, Node-API ${process.versions.napi}`;
  const reason = cause instanceof Error ? cause.message.trim().split('\n')[0] : String(cause);
  const message = [
    `dmabuf: no compiled addon loads on this machine (${machine}).`,
    `The loader (node-gyp-build) said: ${reason}`,
    'It looked in:',
    ...placesTried(root).map((line) => `  ${line}`),
    'To fix it, either:',
    '  - build it from source: install python3, make and g++ (Debian/Ubuntu: apt-get install python3 make g++),',
    '    then run `npm rebuild dmabuf` in your project; or',
    "  - if dmabuf's install script was skipped (npm install --ignore-scripts, ignore-scripts in .npmrc,",
    '    or a policy that runs only approved install scripts), allow it (npm 11: `npm install-scripts approve dmabuf`)',
    '    and run `npm rebuild dmabuf`: the script takes the prebuilt binary for this machine if the package',
    '    has one, and builds from source (python3, make, g++) otherwise.',
  ].join('\n');
  return Object.assign(new Error(message, { cause }), { code: ADDON_LOAD_ERROR_CODE });
}

/**
 * Loads the addon: `override` (a path to a .node file) if given, else what
 * node-gyp-build finds under the package root (build/, then prebuilds/).
 * @throws {Error} code `ERR_DMABUF_ADDON_LOAD` when none loads.
 */
export function loadAddon<T>(override: string | undefined): T {
  if (override) return require(override) as T;
  const root = process.env.DMABUF_PREBUILD || packageRoot();
  try {
    const load = require('node-gyp-build') as (dir: string) => T;
    return load(root);
  } catch (error) {
    throw addonLoadError(root, error);
  }
}
