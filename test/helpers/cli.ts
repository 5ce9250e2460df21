// SPDX-License-Identifier: MIT
// Runs the built `dmabuf` command (dist/, as `npx dmabuf` would) in a child process.
import { spawn } from 'node:child_process';

export const cliPath = new URL('../../dist/esm/cli/bin.js', import.meta.url).pathname;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `dmabuf ...args` in a child process. Asynchronous on purpose: a probe in the
 * rig takes tens of seconds, and a test worker blocked that long misses
 * vitest's own RPC deadlines. NO_COLOR and FORCE_COLOR from the caller are
 * dropped unless `env` sets them.
 */
export function runCli(args: readonly string[], opts: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const { NO_COLOR: _n, FORCE_COLOR: _f, ...base } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...base, ...opts.env },
      timeout: 300_000,
      ...(opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.gid }),
    });
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

/**
 * Runs `fn` holding both edu devices' locks (test/helpers/vfio.ts): `dmabuf
 * probe` opens every device bound to vfio-pci, which must not overlap a VFIO
 * test file's own opens.
 */
export async function withEduDevicesLocked<T>(fn: () => Promise<T>): Promise<T> {
  const { lockEdu } = await import('./vfio.js');
  const unlock0 = await lockEdu(0);
  try {
    const unlock1 = await lockEdu(1);
    try {
      return await fn();
    } finally {
      unlock1();
    }
  } finally {
    unlock0();
  }
}

/** The probe's --json document (the README's contract). */
export interface ProbeJson {
  kernel: string;
  heaps: string[];
  udmabuf: boolean;
  dmabuf: Record<'mmap' | 'sync' | 'exportSyncFile' | 'importSyncFile' | 'derive' | 'setName', boolean>;
  swSync: boolean;
  eventfd: boolean;
  drm: { path: string; driver: string; type: 'card' | 'render'; caps: Record<string, boolean> }[];
  vfio: { devices: { address: string; dmaBuf: boolean; dmaBufRevoke: boolean; dmaBufMemAttr: boolean }[]; dmaBuf: boolean | null };
  problems: { feature: string; code: string; message: string }[];
}
