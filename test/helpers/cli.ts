// SPDX-License-Identifier: MIT
// Runs the built `dmabuf` command (dist/, as `npx dmabuf` would) in a child process.
import { type SpawnSyncOptions, spawn, spawnSync } from 'node:child_process';

export const cliPath = new URL('../../dist/esm/cli/bin.js', import.meta.url).pathname;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `dmabuf ...args`, synchronously; NO_COLOR and FORCE_COLOR from the caller are dropped unless `env` sets them. */
export function runCli(args: readonly string[], opts: Pick<SpawnSyncOptions, 'uid' | 'gid'> & { env?: NodeJS.ProcessEnv } = {}): CliResult {
  const { NO_COLOR: _n, FORCE_COLOR: _f, ...base } = process.env;
  const child = spawnSync(process.execPath, [cliPath, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...base, ...opts.env },
    ...(opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.gid }),
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

/** The same, without blocking this process's event loop (for tests whose own children must keep running). */
export function runCliAsync(args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Parses `--json` output, failing the test with the output if it is not one JSON document. */
export function json<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}
