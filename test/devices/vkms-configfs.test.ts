// SPDX-License-Identifier: MIT
// The test helper that gives each test file a vkms device of its own
// (test/helpers/vkms.ts): what it builds is what vkms reports, two at once do
// not collide, and dispose() leaves nothing behind.
import { existsSync, readdirSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { DrmDevice } from '../../lib/index.js';
import { leavesNoFdsOpen } from '../helpers/env.js';
import { CONFIGFS_VKMS, createVkms, readVkmsConfig } from '../helpers/vkms.js';

describe('vkms devices through configfs (test helper)', () => {
  leavesNoFdsOpen();

  it('two devices at once get distinct card nodes, each with the configured pipeline', (ctx) => {
    using a = createVkms(ctx);
    using b = createVkms(ctx, {
      crtcs: [{ writeback: false }, { writeback: true }],
      planes: [
        { type: 'primary', crtcs: [0] },
        { type: 'primary', crtcs: [1] },
        { type: 'cursor', crtcs: [1] },
      ],
      connectors: [{ status: 'connected' }, { status: 'disconnected' }],
    });
    expect(a.name).not.toBe(b.name);
    expect(a.cardPath).toMatch(/^\/dev\/dri\/card\d+$/);
    expect(b.cardPath).toMatch(/^\/dev\/dri\/card\d+$/);
    expect(a.cardPath).not.toBe(b.cardPath);
    for (const d of [a, b]) {
      using dev = DrmDevice.open(d.cardPath);
      expect(dev.driver).toBe('vkms');
    }
    // vkms's own account of each device (debugfs, named after the device).
    expect(readVkmsConfig(a.name)).toEqual({ planes: [1, 0, 2], crtcs: [1], encoders: 1, connectors: [1] });
    expect(readVkmsConfig(b.name)).toEqual({ planes: [1, 1, 2], crtcs: [0, 1], encoders: 1, connectors: [1, 2] });
  });

  it('dispose() removes the card node and the configfs tree, and is safe twice', (ctx) => {
    const d = createVkms(ctx);
    const card = d.cardPath;
    expect(existsSync(card)).toBe(true);
    d.dispose();
    expect(existsSync(card)).toBe(false);
    expect(existsSync(d.configPath)).toBe(false);
    expect(readdirSync(CONFIGFS_VKMS)).not.toContain(d.name);
    d.dispose();
  });

  it('an invalid pipeline is refused by vkms and leaves no tree behind', (ctx) => {
    const before = readdirSync(CONFIGFS_VKMS);
    // No primary plane: vkms_config_is_valid() says no, the write to `enabled` fails with EINVAL.
    expect(() => createVkms(ctx, { planes: [{ type: 'overlay' }] })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => createVkms(ctx, { planes: [{ type: 'primary', crtcs: [3] }] })).toThrow(RangeError);
    expect(readdirSync(CONFIGFS_VKMS)).toEqual(before);
  });
});
