// SPDX-License-Identifier: MIT
// The rig's VFIO target: QEMU's `edu` device (vendor 0x1234, device 0x11e8,
// BAR 0 = 1 MiB of MMIO; register 0x00 reads 0x010000ed).
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

import { type TestContext, afterAll, beforeAll, expect } from 'vitest';

import { type PciDeviceInfo, type VfioOpenOptions, type VfioPciBinding, bindToVfioPci, listPciDevices } from '../../lib/index.js';
import { distEntry, fdCount, need } from './env.js';

export const EDU = { vendor: 0x1234, device: 0x11e8 } as const;
export const EDU_BAR0_SIZE = 1 << 20;

/**
 * The `index`th edu device (in address order), or a skip (a failure in the
 * VM rig). The rig attaches two; each VFIO test file uses its own, because
 * a VFIO group is opened by one process at a time and files run in parallel.
 */
export function findEdu(ctx: TestContext, index: 0 | 1 = 0): PciDeviceInfo {
  let found: PciDeviceInfo | undefined;
  try {
    found = listPciDevices(EDU)[index];
  } catch {
    found = undefined;
  }
  need(ctx, found !== undefined, `no QEMU edu PCI device #${index} (1234:11e8)`);
  return found!;
}

/**
 * One test file's hold on edu #index: bound to vfio-pci on first use (and
 * again after a test restored it), given back by `release()` in afterAll.
 */
export class EduClaim {
  binding: VfioPciBinding | undefined;
  readonly #index: 0 | 1;

  constructor(index: 0 | 1) {
    this.#index = index;
  }

  /** The device's address, bound to vfio-pci. */
  address(ctx: TestContext): string {
    const dev = findEdu(ctx, this.#index);
    if (!this.binding || this.binding.restored) this.binding = bindToVfioPci(dev.address);
    return dev.address;
  }

  release(): void {
    this.binding?.restore();
  }
}

const lockPath = (index: 0 | 1): string => `/tmp/dmabuf-test-edu-${index}.lock`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes edu #index for this test process, waiting while another file holds
 * it: a test file that opens the device, and `dmabuf probe` (which opens every
 * device bound to vfio-pci), must not overlap, or one of them gets EBUSY.
 * The lock is a file naming its holder's pid; a dead holder's lock is taken over.
 * Returns the release function.
 */
export async function lockEdu(index: 0 | 1): Promise<() => void> {
  const path = lockPath(index);
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder = 0;
    try {
      holder = Number(readFileSync(path, 'utf8'));
    } catch {
      continue; // Released meanwhile: try again at once.
    }
    if (holder > 0 && !alive(holder)) rmSync(path, { force: true });
    else await new Promise((r) => setTimeout(r, 100));
  }
}

/** Generous: another file may hold the device for its whole run under TCG. */
export const LOCK_WAIT_MS = 600_000;

/**
 * A describe block's hold on edu #index (locked against other files for the
 * block's duration, see lockEdu): counts this process's fds before
 * the block, and afterwards gives the device back and checks that no fd leaked.
 */
export function claimEdu(index: 0 | 1): EduClaim {
  const claim = new EduClaim(index);
  let fds = 0;
  let unlock = (): void => {};
  beforeAll(async () => {
    unlock = await lockEdu(index);
    fds = fdCount();
  }, LOCK_WAIT_MS);
  afterAll(() => {
    try {
      claim.release();
    } finally {
      unlock();
    }
    expect(fdCount()).toBe(fds);
  });
  return claim;
}

/** What a library call run as nobody threw (`name: 'none'` when it succeeded). */
export interface NobodyResult {
  name: string;
  code?: string;
  privilege?: string;
  message?: string;
}

/**
 * Runs `bindToVfioPci(address)` or `VfioDevice.open(address, {via})` as uid/gid
 * 65534 in a child loading the built package, and returns the error it threw.
 * A device the child did open is closed before it exits.
 */
export function asNobody(what: 'bind' | 'open', address: string, via: NonNullable<VfioOpenOptions['via']> = 'auto'): NobodyResult {
  const entry = distEntry.href;
  const addr = JSON.stringify(address);
  const call = what === 'bind' ? `m.bindToVfioPci(${addr})` : `m.VfioDevice.open(${addr}, { via: ${JSON.stringify(via)} }).close()`;
  const script = `
    const m = await import(${JSON.stringify(entry)});
    try { ${call}; console.log(JSON.stringify({ name: 'none' })); }
    catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, privilege: e.privilege, message: e.message })); }`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 30_000 });
  expect(child.stderr).toBe('');
  return JSON.parse(child.stdout) as NobodyResult;
}
