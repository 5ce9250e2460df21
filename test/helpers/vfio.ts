// SPDX-License-Identifier: MIT
// The rig's VFIO target: QEMU's `edu` device (vendor 0x1234, device 0x11e8,
// BAR 0 = 1 MiB of MMIO; register 0x00 reads 0x010000ed).
import type { TestContext } from 'vitest';

import { type PciDeviceInfo, listPciDevices } from '../../lib/index.js';
import { need } from './env.js';

export const EDU = { vendor: 0x1234, device: 0x11e8 } as const;
export const EDU_BAR0_SIZE = 1 << 20;

/** The first edu device, or a skip (a failure in the VM rig). */
export function findEdu(ctx: TestContext): PciDeviceInfo {
  let found: PciDeviceInfo | undefined;
  try {
    found = listPciDevices(EDU)[0];
  } catch {
    found = undefined;
  }
  need(ctx, found !== undefined, 'no QEMU edu PCI device (1234:11e8)');
  return found!;
}
