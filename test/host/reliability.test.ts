// SPDX-License-Identifier: MIT
// Reliability on the host (eventfd, memfd): the GC safety net after a wait,
// unmapping while a libuv pool thread still reads the memory, bounded
// bookkeeping of mappings, and timeouts beyond setTimeout's 2^31-1 ms.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, write } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises';
import { promisify } from 'node:util';
import { deflate } from 'node:zlib';

import { afterEach, describe, expect, it, vi } from 'vitest';

import { DmaBuf, trackedMappings } from '../../lib/dma-buf.js';
import { openFd } from '../../lib/fd-native.js';
import { EventFd, Memfd } from '../../lib/index.js';
import { Mapping } from '../../lib/mapping.js';
import { longTimeout } from '../../lib/wait-limits.js';
import { fdCount } from '../helpers/env.js';

const gc = (globalThis as { gc?: () => void }).gc;
const O_RDWR_CLOEXEC = 0o2000002;

/** Lines of /proc/self/maps naming `name`. */
const mapsOf = (name: string): string[] => readFileSync('/proc/self/maps', 'utf8').split('\n').filter((line) => line.includes(name));

describe('GC safety net', () => {
  it('closes dropped eventfds that have waited (the release closure must not hold its owner)', async (ctx) => {
    if (!gc) ctx.skip('needs node --expose-gc (vitest.config.ts sets it)');
    const onWarning = (): void => undefined;
    process.on('warning', onWarning);
    try {
      const before = fdCount();
      await (async () => {
        const efds = Array.from({ length: 100 }, () => EventFd.create());
        for (const efd of efds) efd.write(1n);
        await Promise.all(efds.map((efd) => efd.wait()));
        // A wait that went through the poll handle, not the first attempt.
        const late = efds.slice(0, 10).map((efd) => efd.wait());
        for (const efd of efds.slice(0, 10)) efd.write(2n);
        await Promise.all(late);
      })();
      expect(fdCount()).toBeGreaterThanOrEqual(before + 100);
      for (let i = 0; i < 50 && fdCount() > before; i++) {
        gc!();
        await sleep(5);
      }
      expect(fdCount()).toBe(before);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('unmapping while another thread reads the mapping', () => {
  const size = 32 * 1024 * 1024;

  function filledMapping(name: string): { memfd: Memfd; mapping: Mapping } {
    const memfd = Memfd.create(name, size);
    const mapping = new Mapping(memfd.fd, 0, size, 'readwrite');
    const bytes = mapping.bytes();
    for (let i = 0; i < size; i += 4096) bytes[i] = i & 0xff;
    return { memfd, mapping };
  }

  it('zlib.deflate of a view on the libuv pool survives unmap(), and the pages are gone at once', async () => {
    for (let round = 0; round < 3; round++) {
      const { memfd, mapping } = filledMapping(`reliability-deflate-${round}`);
      const view = mapping.bytes();
      const compressed = promisify(deflate)(view);
      mapping.unmap();
      expect(view.length).toBe(size); // still attached (zlib aborts on a detached input)...
      expect(view[4096]).toBe(0); // ...but the buffer's pages are gone
      expect(mapsOf(`memfd:reliability-deflate-${round} `)).toEqual([]);
      memfd.close();
      await expect(compressed).resolves.toBeInstanceOf(Buffer);
    }
  });

  it('an fs.write of a view in flight during unmap() completes instead of failing or crashing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmabuf-unmap-'));
    const out = openSync(join(dir, 'out'), 'w');
    try {
      for (let round = 0; round < 3; round++) {
        const { memfd, mapping } = filledMapping(`reliability-write-${round}`);
        const written = promisify(write)(out, mapping.bytes(), 0, size, 0).then((result) => result.bytesWritten);
        mapping.unmap();
        memfd.close();
        await expect(written).resolves.toBe(size);
      }
    } finally {
      closeSync(out);
      rmSync(dir, { recursive: true });
    }
  });
});

describe('bookkeeping stays bounded', () => {
  it('mapping and unmapping one buffer 10,000 times keeps its set of mappings small', async () => {
    using memfd = Memfd.create('reliability-maps', 4096);
    using buf = new DmaBuf(openFd(`/proc/self/fd/${memfd.fd}`, O_RDWR_CLOEXEC));
    const tracked = buf[trackedMappings]();
    let largest = 0;
    for (let i = 0; i < 10_000; i++) {
      buf.map().unmap();
      largest = Math.max(largest, tracked.size);
      if (i % 1000 === 999) await tick(); // lets WeakRefs' kept-alive targets go
    }
    expect(largest).toBeLessThanOrEqual(32);
    // Live mappings are still tracked (and unmapped by unmapAll).
    const live = Array.from({ length: 100 }, () => buf.map());
    expect([...tracked]).toHaveLength(100);
    buf.unmapAll();
    expect(live.every((m) => m.closed)).toBe(true);
  });
});

describe('timeouts beyond 2^31-1 ms', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a wait with timeout 2^31 ms does not time out after a few ms', async () => {
    using efd = EventFd.create();
    let outcome = 'pending';
    const waiting = efd.wait({ timeout: 2 ** 31 }).then(
      (value) => (outcome = `value ${value}`),
      (error: Error) => (outcome = error.name),
    );
    await sleep(50);
    expect(outcome).toBe('pending');
    efd.write(7n);
    await waiting;
    expect(outcome).toBe('value 7');
  });

  it('fires exactly when a timeout longer than one timer runs out', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const fired = vi.fn();
    longTimeout(2 ** 32 + 5000, fired);
    vi.advanceTimersByTime(2 ** 32);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(4999);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('can be cancelled', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const fired = vi.fn();
    const cancel = longTimeout(2 ** 31 + 10, fired);
    vi.advanceTimersByTime(2 ** 31 - 1);
    cancel();
    vi.advanceTimersByTime(2 ** 31);
    expect(fired).not.toHaveBeenCalled();
  });
});
