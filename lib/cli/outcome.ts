// SPDX-License-Identifier: MIT
/**
 * What one probe step found: supported, unsupported (with the kernel's errno)
 * or not permitted (with the privilege that is missing). Every step of
 * `dmabuf probe` reports through this so the table and the JSON agree.
 * @module
 */
import { readFileSync, statSync } from 'node:fs';

import { KernelError, PrivilegeError } from '../index.js';

/** A step that did not work, as `problems[]` of the JSON carries it. */
export interface Problem {
  feature: string;
  /** The errno's name (`'ENOTTY'`, `'EACCES'`) or the error's own code. */
  code: string;
  message: string;
}

/**
 * `unsupported`: the kernel or driver refused (its errno in `code`);
 * `not permitted`: EACCES/EPERM, the message names the missing privilege;
 * `failed`: something other than the kernel stopped the step;
 * `n/a`: the step does not apply (dumb buffers on a render node): false, but no problem.
 */
export type Outcome =
  | { status: 'supported'; detail?: string }
  | { status: 'unsupported' | 'not permitted' | 'failed'; code: string; message: string }
  | { status: 'n/a'; detail: string };

export const supported = (detail?: string): Outcome => (detail === undefined ? { status: 'supported' } : { status: 'supported', detail });

const NOT_PERMITTED = new Set(['EACCES', 'EPERM']);

/** The group that owns a device node, by name, to say whom a udev rule would have to let in. */
function groupOf(path: string): string | undefined {
  try {
    const gid = statSync(path).gid;
    if (gid === 0) return undefined;
    const line = readFileSync('/etc/group', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[2] === String(gid));
    return line?.split(':')[0] ?? `gid ${gid}`;
  } catch {
    return undefined;
  }
}

/**
 * The privilege an EACCES/EPERM stands for. The library names it where it
 * knows (PrivilegeError: sysfs writes, VFIO); a refused open of a device node
 * is the `node-access` privilege, and debugfs (sw_sync) is root's.
 */
function privilegeOf(error: KernelError): string {
  if (error instanceof PrivilegeError) return error.privilege;
  if (error.path?.startsWith('/sys/kernel/debug')) return 'root';
  return 'node-access';
}

/** `privilege (what it means here)`, e.g. `node-access (read-write access to /dev/dri/card0: root, or membership of group 'video')`. */
function needs(privilege: string, path: string | undefined): string {
  if (privilege === 'root') return path?.startsWith('/sys/kernel/debug') ? 'root (debugfs is readable by root only)' : 'root (sysfs writes)';
  if (privilege === 'CAP_SYS_RAWIO') return 'CAP_SYS_RAWIO (VFIO no-IOMMU mode)';
  if (path === undefined) return `${privilege} (read-write access to the device node: root, or a udev rule)`;
  const group = groupOf(path);
  return `${privilege} (read-write access to ${path}: root${group ? `, or membership of group '${group}'` : ', or a udev rule granting it'})`;
}

/**
 * Thrown by a step that found the feature absent without the kernel
 * refusing a call (a capability reads 0, a device lists no writeback
 * connector): reported as unsupported, with `code` as the errno the
 * kernel uses for it.
 */
export class Unsupported extends Error {
  constructor(
    readonly code: 'EOPNOTSUPP' | 'ENODEV',
    message: string,
  ) {
    super(message);
  }
}

/** Turns whatever a step threw into its outcome. */
export function outcomeOf(error: unknown): Outcome {
  if (error instanceof Unsupported) return { status: 'unsupported', code: error.code, message: error.message };
  if (error instanceof KernelError && NOT_PERMITTED.has(error.code)) {
    const privilege = privilegeOf(error);
    return {
      status: 'not permitted',
      code: error.code,
      message: `not permitted: needs ${needs(privilege, error.path)}; ${error.message}`,
    };
  }
  if (error instanceof KernelError) return { status: 'unsupported', code: error.code, message: error.message };
  const e = error as { code?: unknown; message?: unknown };
  return {
    status: 'failed',
    code: typeof e?.code === 'string' ? e.code : 'ERR',
    message: typeof e?.message === 'string' ? e.message : String(error),
  };
}

/** An outcome for a step that was not tried because `cause`, a step it needs, did not work: false, with the cause's code. */
export function notTried(why: string, cause: Outcome): Outcome {
  const code = cause.status === 'supported' || cause.status === 'n/a' ? 'ERR' : cause.code;
  return { status: cause.status === 'not permitted' ? 'not permitted' : 'unsupported', code, message: `not tried: ${why}` };
}

export const ok = (outcome: Outcome): boolean => outcome.status === 'supported';

/** Runs one step; a throw becomes its outcome instead of ending the probe. A string it returns is the detail. */
export async function attempt(step: () => unknown): Promise<Outcome> {
  try {
    const detail = await step();
    return supported(typeof detail === 'string' ? detail : undefined);
  } catch (error) {
    return outcomeOf(error);
  }
}

/** The problem entry of an outcome that is not `supported`. */
export function problemOf(feature: string, outcome: Outcome): Problem | undefined {
  if (outcome.status === 'supported' || outcome.status === 'n/a') return undefined;
  return { feature, code: outcome.code, message: outcome.message };
}
