// SPDX-License-Identifier: MIT
import { defineConfig } from 'vitest/config';

// Two projects: `host` needs no kernel feature beyond eventfd and runs
// anywhere; `devices` needs DRM, dma-heaps and friends and runs in the VM
// rig (scripts/vm/run), where REQUIRE_DEVICES=1 turns a skip into a failure.
export default defineConfig({
  test: {
    pool: 'forks',
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'host', include: ['test/host/**/*.test.ts'] } },
      { extends: true, test: { name: 'devices', include: ['test/devices/**/*.test.ts'] } },
    ],
  },
});
