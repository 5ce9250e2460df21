// SPDX-License-Identifier: MIT
import { existsSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { FeatureError, SwSyncTimeline } from '../../lib/index.js';

describe('SwSyncTimeline without sw_sync', () => {
  it('is a FeatureError naming CONFIG_SW_SYNC and debugfs', (ctx) => {
    if (existsSync('/sys/kernel/debug/sync/sw_sync')) ctx.skip('this machine has sw_sync');
    const error = (() => {
      try {
        SwSyncTimeline.create();
      } catch (e) {
        return e as FeatureError;
      }
    })();
    expect(error).toBeInstanceOf(FeatureError);
    expect(error?.message).toMatch(/CONFIG_SW_SYNC and debugfs/);
  });
});
