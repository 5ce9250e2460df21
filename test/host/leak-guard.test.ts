// SPDX-License-Identifier: MIT
import { existsSync } from 'node:fs';
import { setImmediate as tick } from 'node:timers/promises';

import { describe, expect, it } from 'vitest';

import { EventFd } from '../../lib/index.js';

const gc = (globalThis as { gc?: () => void }).gc;

describe('FinalizationRegistry safety net', () => {
  it('closes the fd of a collected, unclosed object and warns once', async (ctx) => {
    if (!gc) ctx.skip('needs node --expose-gc (vitest.config.ts sets it)');
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => {
      if ((w as Error & { code?: string }).code === 'DMABUF_UNCLOSED') warnings.push(w);
    };
    process.on('warning', onWarning);
    try {
      const fds: number[] = [];
      (() => {
        for (let i = 0; i < 3; i++) fds.push(EventFd.create().fd);
      })();
      for (let i = 0; i < 20 && fds.some((fd) => existsSync(`/proc/self/fd/${fd}`)); i++) {
        gc!();
        await tick();
      }
      for (const fd of fds) expect(existsSync(`/proc/self/fd/${fd}`)).toBe(false);
      await tick();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.message).toMatch(/^Unclosed eventfd \(fd \d+\) was garbage-collected/);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('leaves a closed object alone', async () => {
    const efd = EventFd.create();
    const fd = efd.fd;
    efd.close();
    gc?.();
    await tick();
    expect(existsSync(`/proc/self/fd/${fd}`)).toBe(false);
  });
});
