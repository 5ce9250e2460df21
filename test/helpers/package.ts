// SPDX-License-Identifier: MIT
// For the packaging tests: commands run to completion with their output
// kept, and a scratch copy of the package's sources to pack or build from,
// so that a test never rewrites the checkout's own dist/, build/ or prebuilds/
// (other test files load them at the same time).
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for messages. */
  output: string;
}

/**
 * Runs `command` to completion (no shell), with output captured. Async, so
 * that a build of a minute or two does not block the test worker's event
 * loop (vitest's worker RPC times out on a blocked loop).
 */
export function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => (stderr += `\n${error.message}`));
    child.on('close', (status) => resolve({ status, stdout, stderr, output: `${stdout}\n${stderr}` }));
  });
}

/** `node <args>` with this Node. */
export function runNode(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Ran> {
  return run(process.execPath, args, options);
}

/** `npm <args>`, the npm on PATH. */
export function runNpm(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Ran> {
  return run('npm', args, options);
}

/** A new temporary directory. */
export function scratchDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `dmabuf-${name}-`));
}

/**
 * A copy of what `npm pack` reads (sources, build files, scripts, docs) in a
 * new temporary directory, with the checkout's node_modules linked in.
 * Nothing generated is copied: no dist/, build/ or prebuilds/.
 */
export function stagePackage(): string {
  const dir = scratchDir('stage');
  const entries = ['package.json', '.npmrc', 'binding.gyp', 'tsconfig.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'lib', 'native'];
  for (const entry of entries) cpSync(join(repoRoot, entry), join(dir, entry), { recursive: true });
  cpSync(join(repoRoot, 'scripts'), join(dir, 'scripts'), { recursive: true, filter: (src) => !src.includes('/scripts/vm') });
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** The path of a dev dependency's executable, from its package.json `bin`. */
export function binOf(pkg: string, name: string = pkg.split('/').pop() ?? pkg): string {
  const manifestPath = join(repoRoot, 'node_modules', pkg, 'package.json');
  const { bin } = JSON.parse(readFileSync(manifestPath, 'utf8')) as { bin: string | Record<string, string> };
  return join(dirname(manifestPath), typeof bin === 'string' ? bin : (bin[name] ?? ''));
}
