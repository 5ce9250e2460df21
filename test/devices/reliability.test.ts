// SPDX-License-Identifier: MIT
// Reliability with real devices: workers terminated while heap buffers, exported sync_files,
// sync_file waits and syncobj thread waits are pending; unmapping a heap
// buffer while zlib reads it; the heap's refusal of what the machine
// cannot give.
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { deflate } from 'node:zlib';

import { describe, expect, it, onTestFinished } from 'vitest';

import { AbortError, DmaHeap, KernelError } from '../../lib/index.js';
import { availableMemory } from '../../lib/memory-facts.js';
import { fdCount, has, need } from '../helpers/env.js';
import { openSwSync, openSyncobjDevice } from '../helpers/syncobj.js';
import { runWorkerRounds } from '../helpers/worker-child.js';

const MiB = 1024 * 1024;

function openSystemHeap(ctx: Parameters<typeof need>[0]): DmaHeap {
  need(ctx, has.systemHeap(), 'no /dev/dma_heap/system (CONFIG_DMABUF_HEAPS_SYSTEM)');
  return DmaHeap.open('system');
}

describe('workers terminated with device objects and waits pending', () => {
  it('heap buffers and mappings, sync_file waits and syncobj thread waits: no abort, fds and threads released', async (ctx) => {
    openSwSync(ctx).close();
    openSyncobjDevice(ctx).close();
    need(ctx, has.systemHeap(), 'no /dev/dma_heap/system');
    const body = `
      const heap = lib.DmaHeap.open('system');
      const bufs = [];
      for (let i = 0; i < 20; i++) bufs.push(heap.allocate(65536));
      const mapping = bufs[0].map();
      // Exported per frame: the fd comes registered from its native call (as allocate()'s does).
      const exported = [];
      for (let i = 0; i < 8; i++) exported.push(bufs[2].exportSyncFile('writer'));
      const timeline = lib.SwSyncTimeline.create();
      const fence = timeline.createFence(1);
      fence.wait().catch(() => {});
      bufs[1].importSyncFile(fence, 'write');
      bufs[1].whenReadable().catch(() => {});
      const gpu = lib.DrmDevice.openByDriver('virtio_gpu', { type: 'render' });
      const syncobj = gpu.createSyncobj();
      for (let i = 0; i < 3; i++) syncobj.wait(5n + BigInt(i), { strategy: 'thread' }).catch(() => {});
      globalThis.keep = { heap, bufs, mapping, exported, timeline, fence, gpu, syncobj };
      await new Promise((resolve) => setTimeout(resolve, 20));
    `;
    const run = await runWorkerRounds(body, { rounds: 3 });
    expect(run.stderr).not.toMatch(/terminate called|Assertion failed|open handles/);
    expect({ status: run.status, signal: run.signal }).toEqual({ status: 0, signal: null });
    expect(run.counts).toHaveLength(3);
    for (const count of run.counts) expect(count - run.base).toBeLessThanOrEqual(4);
    // Each round's three wait threads are joined with their environment.
    for (const threads of run.threads) expect(threads - run.baseThreads).toBeLessThanOrEqual(2);
    expect(run.threads[2]).toBeLessThanOrEqual(run.threads[0]!);
  }, 180_000); // a worker loading the package takes seconds under TCG
});

describe('syncobj thread waits', () => {
  it('a completion already on its way when the device closes is dropped, not thrown from the callback', async (ctx) => {
    // Node reports an exception thrown inside a native callback as warning DEP0168.
    const warnings: string[] = [];
    const onWarning = (warning: Error & { code?: string }): void => void warnings.push(`${warning.code}: ${warning.message}`);
    process.on('warning', onWarning);
    onTestFinished(() => void process.off('warning', onWarning));
    for (let round = 0; round < 5; round++) {
      const gpu = openSyncobjDevice(ctx);
      const timeline = gpu.createSyncobj();
      const waiting = timeline.wait(1, { strategy: 'thread' });
      await sleep(20); // the thread is inside its ioctl
      timeline.signalPoint(1);
      // The thread wakes and queues its result while this thread is busy...
      const until = Date.now() + 20;
      while (Date.now() < until);
      // ...so the close lands first: the wait rejects, the late result must vanish.
      gpu.close();
      await expect(waiting).rejects.toBeInstanceOf(AbortError);
      await sleep(10);
    }
    expect(warnings).toEqual([]);
  });
});

describe('unmapping a heap buffer while zlib reads it', () => {
  it('zlib.deflate survives unmap(), and the dma-buf leaves the process at once', async (ctx) => {
    using heap = openSystemHeap(ctx);
    for (let round = 0; round < 3; round++) {
      const buf = heap.allocate(16 * MiB);
      const inode = buf.fdinfo.inode;
      const mapping = buf.map();
      const view = mapping.bytes();
      for (let i = 0; i < view.length; i += 4096) view[i] = i & 0xff;
      const compressed = promisify(deflate)(view);
      mapping.unmap();
      buf.close();
      const maps = readFileSync('/proc/self/maps', 'utf8').split('\n');
      expect(maps.filter((line) => line.split(/\s+/)[4] === String(inode))).toEqual([]);
      await expect(compressed).resolves.toBeInstanceOf(Buffer);
    }
  });
});

describe('DmaHeap.allocate refuses what the machine cannot give', () => {
  it('refuses totalmem() and MemAvailable + 64 MiB with ENOMEM, leaking nothing', (ctx) => {
    using heap = openSystemHeap(ctx);
    const before = fdCount();
    for (const size of [totalmem(), availableMemory() + 64 * MiB]) {
      let caught: unknown;
      try {
        heap.allocate(size).close();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(KernelError);
      expect(caught).toMatchObject({ code: 'ENOMEM', errno: -12, syscall: 'ioctl', request: 'DMA_HEAP_IOCTL_ALLOC' });
    }
    expect(fdCount()).toBe(before);
    // What fits is still given.
    heap.allocate(MiB).close();
  });

  it('refuses more than the free CMA memory from a CMA heap', (ctx) => {
    const name = DmaHeap.list().find((heap) => heap === 'reserved' || heap === 'default_cma_region');
    need(ctx, name !== undefined, 'no CMA heap (CONFIG_DMABUF_HEAPS_CMA and a CMA area)');
    using heap = DmaHeap.open(name!);
    const cmaFree = Number(/^CmaFree:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;
    expect(() => heap.allocate(cmaFree + 16 * MiB)).toThrow(expect.objectContaining({ code: 'ENOMEM' }) as Error);
  });
});
