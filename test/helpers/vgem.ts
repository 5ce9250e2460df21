// SPDX-License-Identifier: MIT
// A vgem card node and a dumb BO exported as a dma-buf: buffers with fences
// the test controls, no GPU needed.
import { existsSync } from 'node:fs';

import type { TestContext } from 'vitest';

import { type DmaBuf, DrmDevice, type GemBuffer } from '../../lib/index.js';
import { need } from './env.js';

export function openVgem(ctx: TestContext): DrmDevice {
  const present = existsSync('/dev/dri') && DrmDevice.list().some((n) => n.driver === 'vgem' && n.type === 'card');
  need(ctx, present, 'no vgem card node (CONFIG_DRM_VGEM)');
  return DrmDevice.openByDriver('vgem');
}

/** A 64x64x32bpp dumb BO (16 KiB) and its dma-buf; disposing it closes both. */
export function vgemBuffer(device: DrmDevice): { gem: GemBuffer; buf: DmaBuf } & Disposable {
  const gem = device.createDumb({ width: 64, height: 64, bpp: 32 });
  const buf = gem.exportDmaBuf();
  return {
    gem,
    buf,
    [Symbol.dispose]() {
      buf.close();
      gem.close();
    },
  };
}
