// SPDX-License-Identifier: MIT
import { readFile } from 'node:fs/promises';
import { inspect } from 'node:util';

import { describe, expect, it } from 'vitest';

import { AbortError, ClosedError, EventFd, TimeoutError } from '../../lib/index.js';
import { KernelError } from '../../lib/errors.js';
import { FdWatcher, READABLE } from '../../lib/fd-watcher.js';
import { fdCount, leavesNoFdsOpen } from '../helpers/env.js';

describe('EventFd', () => {
  leavesNoFdsOpen();

  it('shows its fd in util.inspect / console.log, and that it is closed after close()', () => {
    const efd = EventFd.create();
    expect(inspect(efd)).toBe(`EventFd { fd: ${efd.fd} }`);
    efd.close();
    expect(inspect(efd)).toBe('EventFd { closed: true }');
    // Test runners' formatters call it with (depth, options) only.
    const custom = (efd as unknown as Record<symbol, (depth: number, options: object) => string>)[inspect.custom]!;
    expect(custom.call(efd, 2, {})).toBe('EventFd { closed: true }');
  });

  it('refuses an options key it does not know, inherited as well as own, and opens nothing', () => {
    const before = fdCount();
    for (const opts of [{ semaphor: true }, Object.create({ semaphor: true }) as object]) {
      expect(() => EventFd.create(0, opts as never)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', key: 'semaphor', message: expect.stringMatching(/unknown key 'semaphor'/) }),
      );
    }
    // An inherited key it knows is read like an own one.
    using efd = EventFd.create(0, Object.create({ semaphore: true }) as never);
    efd.write(2n);
    expect(efd.read()).toBe(1n);
    efd.close();
    expect(fdCount()).toBe(before);
  });

  it('writes, reads and resets the counter', () => {
    using efd = EventFd.create(2);
    efd.write(3n);
    efd.write(5);
    expect(efd.read()).toBe(10n);
    expect(efd.read()).toBeUndefined();
  });

  it('semaphore mode takes one at a time', () => {
    using efd = EventFd.create(2, { semaphore: true });
    expect(efd.read()).toBe(1n);
    expect(efd.read()).toBe(1n);
    expect(efd.read()).toBeUndefined();
  });

  it('wait() resolves once written, without blocking the loop', async () => {
    using efd = EventFd.create();
    const waiting = efd.wait();
    const file = await readFile(new URL(import.meta.url));
    expect(file.length).toBeGreaterThan(0);
    setTimeout(() => efd.write(7n), 10);
    await expect(waiting).resolves.toBe(7n);
  });

  it('wait() resolves immediately when the counter is already set', async () => {
    using efd = EventFd.create(4);
    await expect(efd.wait()).resolves.toBe(4n);
  });

  it('many waits on one eventfd each take a value in semaphore mode', async () => {
    using efd = EventFd.create(0, { semaphore: true });
    const waits = Array.from({ length: 50 }, () => efd.wait());
    efd.write(50n);
    await expect(Promise.all(waits)).resolves.toEqual(Array(50).fill(1n));
  });

  it('wait() honours timeout and AbortSignal', async () => {
    using efd = EventFd.create();
    await expect(efd.wait({ timeout: 20 })).rejects.toBeInstanceOf(TimeoutError);
    const controller = new AbortController();
    const waiting = efd.wait({ signal: controller.signal });
    controller.abort(new Error('stop'));
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).code).toBe('ABORT_ERR');
    expect((error as Error).cause).toEqual(new Error('stop'));
    // The rejection's stack points at the caller, not at the poll callback.
    expect((error as Error).stack).toContain('eventfd.test.ts');
    await expect(efd.wait({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
  });

  it("a rejection carries the innermost four frames of the stack that started the wait, none of the library's internals", async () => {
    using efd = EventFd.create();
    const waitHere = (): Promise<bigint> => efd.wait({ timeout: 1 });
    const callerOfWait = (): Promise<bigint> => waitHere();
    const error = (await callerOfWait().catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(TimeoutError);
    const frames = error.stack!.split('\n').filter((line) => /^\s+at /.test(line));
    expect(frames).toHaveLength(4);
    // The public method that started the wait, then its callers.
    expect(frames[0]).toContain('EventFd.wait');
    expect(frames[1]).toContain('waitHere');
    expect(frames[2]).toContain('callerOfWait');
    expect(error.stack).not.toMatch(/fd-watcher|wait-limits/);
  });

  it('a second watcher of one fd number is refused with EEXIST (libuv would abort), the first keeps working', async () => {
    using efd = EventFd.create();
    const first = new FdWatcher(efd.fd, 'first');
    const second = new FdWatcher(efd.fd, 'second');
    const read = (): { done: true; value: bigint } | { done: false } => {
      const value = efd.read();
      return value === undefined ? { done: false } : { done: true, value };
    };
    const waiting = first.wait(READABLE, read, {}, 'eventfd');
    const refused = await second.wait(READABLE, read, {}, 'eventfd').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(KernelError);
    expect((refused as KernelError).code).toBe('EEXIST');
    expect((refused as Error).message).toContain('cannot watch second');
    efd.write(3n);
    expect(await waiting).toBe(3n);
    first.close(new AbortError());
    // The number is free again once the first watcher is closed.
    const again = second.wait(READABLE, read, {}, 'eventfd');
    efd.write(1n);
    expect(await again).toBe(1n);
    second.close(new AbortError());
  });

  it('close() rejects pending waits and is safe twice; use after close throws', async () => {
    const efd = EventFd.create();
    const waiting = efd.wait();
    efd.close();
    efd.close();
    await expect(waiting).rejects.toBeInstanceOf(AbortError);
    expect(() => efd.read()).toThrow(ClosedError);
    expect(() => efd.write(1n)).toThrow(expect.objectContaining({ code: 'ERR_DMABUF_CLOSED' }));
    await expect(efd.wait()).rejects.toBeInstanceOf(ClosedError);
  });

  it('rejects bad arguments with typed errors', async () => {
    expect(() => EventFd.create(-1)).toThrow(RangeError);
    expect(() => EventFd.create(1.5)).toThrow(RangeError);
    expect(() => EventFd.create(Number.NaN)).toThrow(RangeError);
    expect(() => EventFd.create('1' as unknown as number)).toThrow(TypeError);
    expect(() => EventFd.create(2 ** 32)).toThrow(RangeError);
    expect(() => EventFd.create(0, { semaphore: 'yes' as unknown as boolean })).toThrow(TypeError);
    using efd = EventFd.create();
    expect(() => efd.write(0n)).toThrow(RangeError);
    expect(() => efd.write(-1n)).toThrow(RangeError);
    expect(() => efd.write(1n << 64n)).toThrow(RangeError);
    await expect(efd.wait({ timeout: -1 })).rejects.toBeInstanceOf(RangeError);
    await expect(efd.wait({ signal: 'x' as unknown as AbortSignal })).rejects.toBeInstanceOf(TypeError);
  });
});
