// SPDX-License-Identifier: MIT
import { existsSync } from 'node:fs';

import type { TestContext } from 'vitest';

import { DrmDevice, SwSyncTimeline } from '../../lib/index.js';
import { need } from './env.js';

/** virtio-gpu's render node: the rig's syncobj + timeline device. */
export function openSyncobjDevice(ctx: TestContext): DrmDevice {
  const present = existsSync('/dev/dri') && DrmDevice.list().some((n) => n.driver === 'virtio_gpu');
  need(ctx, present, 'no virtio_gpu node (QEMU -device virtio-gpu-pci)');
  return DrmDevice.openByDriver('virtio_gpu', { type: 'render' });
}

export function openSwSync(ctx: TestContext): SwSyncTimeline {
  const present = existsSync('/sys/kernel/debug/sync/sw_sync');
  need(ctx, present, 'no sw_sync (CONFIG_SW_SYNC and debugfs at /sys/kernel/debug)');
  return SwSyncTimeline.create();
}
