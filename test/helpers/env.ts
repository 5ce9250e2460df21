// SPDX-License-Identifier: MIT
// What the environment offers, and the rule for when it does not: skip with
// the reason on a host, fail in the VM rig (REQUIRE_DEVICES=1).
import { existsSync, readdirSync } from 'node:fs';

import { type TestContext, afterAll, beforeAll, expect } from 'vitest';

export const requireDevices = process.env.REQUIRE_DEVICES === '1';

/** Skips the test with `reason` unless `available`; in the VM rig, fails instead. */
export function need(ctx: TestContext, available: boolean, reason: string): void {
  if (available) return;
  if (requireDevices) throw new Error(`required by the VM rig but missing: ${reason}`);
  ctx.skip(reason);
}

/** The built package entry (dist/), for child processes and workers that load the library as users do. */
export const distEntry = new URL('../../dist/esm/index.js', import.meta.url);

/** Open fds of this process. */
export function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/**
 * Called in a describe block: after its tests the process holds as many fds
 * as before them (every object those tests made was closed, or collected and
 * closed by the safety net).
 */
export function leavesNoFdsOpen(): void {
  let before = 0;
  beforeAll(() => {
    before = fdCount();
  });
  afterAll(() => {
    expect(fdCount()).toBe(before);
  });
}

export const has = {
  heaps: () => existsSync('/dev/dma_heap'),
  systemHeap: () => existsSync('/dev/dma_heap/system'),
  dri: () => existsSync('/dev/dri'),
};
