// SPDX-License-Identifier: MIT
import { closeSync, existsSync, openSync, readlinkSync } from 'node:fs';
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

  it('nets every object made and dropped in one long synchronous run (more than a batch of the waiting list)', async (ctx) => {
    if (!gc) ctx.skip('needs node --expose-gc (vitest.config.ts sets it)');
    const count = 1500; // more than one batch of the net's waiting list (1024)
    const refs: WeakRef<EventFd>[] = [];
    const fds: number[] = [];
    const onWarning = (): void => {};
    process.on('warning', onWarning);
    try {
      (() => {
        for (let i = 0; i < count; i++) {
          const efd = EventFd.create();
          fds.push(efd.fd);
          refs.push(new WeakRef(efd));
        }
      })();
      for (let i = 0; i < 20 && fds.some((fd) => existsSync(`/proc/self/fd/${fd}`)); i++) {
        await tick();
        gc!();
      }
      expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0);
      expect(fds.filter((fd) => existsSync(`/proc/self/fd/${fd}`))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  // The net registers an object at the end of the turn that made it, if it is still open then:
  // both an object closed in that turn and one closed later must be left alone.
  for (const [when, later] of [
    ['in the turn that made it', false],
    ['in a later turn, once the net holds it', true],
  ] as const) {
    it(`leaves an object closed ${when} alone: its fd number, reused, is not closed again`, async (ctx) => {
      if (!gc) ctx.skip('needs node --expose-gc (vitest.config.ts sets it)');
      // Made, closed and dropped out of this scope, so only a WeakRef sees it.
      const [fd, ref] = await (async () => {
        const efd = EventFd.create();
        if (later) await tick();
        const number = efd.fd;
        efd.close();
        return [number, new WeakRef(efd)] as const;
      })();
      // The kernel hands out the lowest free number: open until the closed one comes back.
      const opened: number[] = [];
      while (opened.length < 64 && !opened.includes(fd)) opened.push(openSync('/dev/null', 'r'));
      try {
        expect(opened).toContain(fd);
        // deref() keeps its target alive until the current job ends: collect in a later one.
        for (let i = 0; i < 20; i++) {
          await tick();
          gc!();
          await tick();
          if (ref.deref() === undefined) break;
        }
        expect(ref.deref(), 'the EventFd was not collected').toBeUndefined();
        await tick();
        // A safety net that fired for a closed object would have closed /dev/null here.
        expect(readlinkSync(`/proc/self/fd/${fd}`)).toBe('/dev/null');
      } finally {
        for (const n of opened) closeSync(n);
      }
    });
  }

  // An object that waited, then was dropped: the net closes its fd, and nothing of its wait
  // (a poll handle) is left on the number the next object gets, whether it waited before the
  // net registered it (in its turn) or after. (A settled wait holds no poll handle and a
  // pending one keeps its object alive, so the watcher the net keeps is a second line only:
  // dropping it from the net's entry turns neither case red.)
  for (const [when, later] of [
    ['in the turn that made it', false],
    ['in a later turn, once the net holds it', true],
  ] as const) {
    it(`closes a collected object that waited ${when}, and the next owner of its fd number can wait`, async (ctx) => {
      if (!gc) ctx.skip('needs node --expose-gc (vitest.config.ts sets it)');
      const onWarning = (): void => {};
      process.on('warning', onWarning);
      try {
        const [fd, ref] = await (async () => {
          const efd = EventFd.create();
          if (later) await tick();
          efd.write(1n);
          await efd.wait();
          return [efd.fd, new WeakRef(efd)] as const;
        })();
        for (let i = 0; i < 20 && existsSync(`/proc/self/fd/${fd}`); i++) {
          await tick();
          gc!();
          await tick();
        }
        expect(ref.deref(), 'the EventFd was not collected').toBeUndefined();
        expect(existsSync(`/proc/self/fd/${fd}`)).toBe(false);
        const next = EventFd.create();
        try {
          expect(next.fd).toBe(fd);
          next.write(2n);
          await expect(next.wait({ timeout: 2000 })).resolves.toBe(2n);
        } finally {
          next.close();
        }
      } finally {
        process.off('warning', onWarning);
      }
    });
  }
});
