// SPDX-License-Identifier: MIT
// The rig's VFIO target: QEMU's `edu` device (vendor 0x1234, device 0x11e8,
// BAR 0 = 1 MiB of MMIO; register 0x00 reads 0x010000ed).
import { spawnSync } from 'node:child_process';

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

/**
 * A describe block's hold on edu #index: counts this process's fds before
 * the block, and afterwards gives the device back and checks that no fd leaked.
 */
export function claimEdu(index: 0 | 1): EduClaim {
  const claim = new EduClaim(index);
  let fds = 0;
  beforeAll(() => {
    fds = fdCount();
  });
  afterAll(() => {
    claim.release();
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
