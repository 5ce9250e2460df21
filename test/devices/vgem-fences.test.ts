// SPDX-License-Identifier: MIT
// Implicit fences through a real driver: vgem puts an unsignalled fence on a
// buffer, and everything exported from that buffer must wait for it.
import { readFile } from 'node:fs/promises';

import { describe, expect, it } from 'vitest';

import {
  AbortError,
  ClosedError,
  type DmaBuf,
  DmaHeap,
  DrmDevice,
  FeatureError,
  SyncFile,
  TimeoutError,
  VgemFence,
} from '../../lib/index.js';
import { has, leavesNoFdsOpen, need } from '../helpers/env.js';
import { openSwSync } from '../helpers/syncobj.js';
import { openVgem, vgemBuffer } from '../helpers/vgem.js';

describe('vgem fences, sync_file export/import and waits', () => {
  leavesNoFdsOpen();

  it('identifies the device and exports a dumb BO as a dma-buf', (ctx) => {
    using device = openVgem(ctx);
    expect(device.driver).toBe('vgem');
    expect(device.version().major).toBeGreaterThanOrEqual(1);
    using pair = vgemBuffer(device);
    const { gem, buf } = pair;
    expect(gem.size).toBe(64 * 64 * 4);
    expect(gem.pitch).toBe(64 * 4);
    expect(buf.size).toBe(gem.size);
    // PRIME exports are named after the DRM core, not the driver.
    expect(buf.fdinfo.exporter).toBe('drm');
  });

  it('a sync_file exported from a fenced buffer is pending until vgem signals, then wait() resolves', async (ctx) => {
    using device = openVgem(ctx);
    using pair = vgemBuffer(device);
    const { gem, buf } = pair;
    const fence = VgemFence.attach(gem, { write: true });
    using sync = buf.exportSyncFile('reader');
    const info = sync.info();
    expect(info.state).toBe('active');
    expect(info.fences.length).toBeGreaterThanOrEqual(1);
    expect(info.fences[0]!.driver).toBe('vgem');
    let settled = false;
    const waiting = sync.wait().then(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    fence.signal();
    await waiting;
    const after = sync.info();
    expect(after.state).toBe('signaled');
    expect(after.fences[0]!.timestampNs).toBeGreaterThan(0n);
  });

  it("a read fence: exportSyncFile('reader') has nothing pending, 'writer' has it; the old flag form is refused", async (ctx) => {
    using device = openVgem(ctx);
    using pair = vgemBuffer(device);
    const { gem, buf } = pair;
    const fence = VgemFence.attach(gem, { write: false });
    using forReaders = buf.exportSyncFile('reader');
    using forWriters = buf.exportSyncFile('writer');
    expect(forReaders.status().state).toBe('signaled');
    expect(forWriters.status().state).toBe('active');
    expect(forWriters.info().fences.map((f) => f.driver)).toContain('vgem');
    // {read: true} used to export every fence (both flags defaulted to true).
    for (const old of [{ read: true }, { write: true }, {}]) {
      expect(() => buf.exportSyncFile(old as never)).toThrow(
        expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining("exportSyncFile('reader')") }),
      );
    }
    expect(() => buf.exportSyncFile(undefined as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => buf.exportSyncFile('read' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    fence.signal();
    await forWriters.wait({ timeout: 5000 });
  });

  it("importSyncFile(file, 'read') makes writers wait but not readers; 'write' makes both wait", async (ctx) => {
    using device = openVgem(ctx);
    need(ctx, has.systemHeap(), 'no system heap');
    using pair = vgemBuffer(device);
    const fence = VgemFence.attach(pair.gem, { write: true });
    using pending = pair.buf.exportSyncFile('writer');
    using heap = DmaHeap.open('system');
    using readTarget = heap.allocate(4096);
    using writeTarget = heap.allocate(4096);
    readTarget.importSyncFile(pending, 'read');
    writeTarget.importSyncFile(pending, 'write');
    const state = (target: DmaBuf, waiter: 'reader' | 'writer'): string => {
      using file = target.exportSyncFile(waiter);
      return file.status().state;
    };
    expect(state(readTarget, 'reader')).toBe('signaled');
    expect(state(readTarget, 'writer')).toBe('active');
    expect(state(writeTarget, 'reader')).toBe('active');
    expect(() => readTarget.importSyncFile(pending, { write: true } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining("importSyncFile(file, 'write')") }),
    );
    expect(() => readTarget.importSyncFile(pending, undefined as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    fence.signal();
    await writeTarget.whenReadable({ timeout: 5000 });
  });

  it('a VgemFence can be signalled after its GemBuffer is closed, while the device is open', async (ctx) => {
    const device = openVgem(ctx);
    try {
      const gem = device.createDumb({ width: 16, height: 16 });
      const buf = gem.exportDmaBuf();
      const fence = VgemFence.attach(gem, { write: true });
      expect(fence.device).toBe(device);
      using sync = buf.exportSyncFile('reader');
      buf.close();
      gem.close();
      expect(sync.status().state).toBe('active');
      fence.signal(); // used to throw ClosedError: the fence lives in the DRM file, not the handle
      expect(fence.signaled).toBe(true);
      await sync.wait({ timeout: 1000 });
      const later = device.createDumb({ width: 16, height: 16 });
      const orphan = VgemFence.attach(later, { write: true });
      device.close();
      expect(() => orphan.signal()).toThrow(ClosedError);
    } finally {
      device.close();
    }
  });

  it('mmap + CPU access through one fd sees what was written through another', (ctx) => {
    using device = openVgem(ctx);
    const { gem, buf } = vgemBuffer(device);
    using _gem = gem;
    using writer = buf;
    using reader = gem.exportDmaBuf();
    using w = writer.map();
    using r = reader.map({ access: 'read' });
    {
      using _ = writer.beginCpuAccess('write');
      new Uint32Array(w.buffer).fill(0xdeadbeef);
    }
    {
      using _ = reader.beginCpuAccess('read');
      const words = new Uint32Array(r.read().buffer.slice(0));
      expect(words[0]).toBe(0xdeadbeef);
      expect(words[words.length - 1]).toBe(0xdeadbeef);
    }
  });

  it('importSyncFile makes another buffer wait for the fence', async (ctx) => {
    using device = openVgem(ctx);
    need(ctx, has.systemHeap(), 'no system heap');
    using pair = vgemBuffer(device);
    const { gem, buf } = pair;
    using heap = DmaHeap.open('system');
    using other = heap.allocate(4096);
    const fence = VgemFence.attach(gem, { write: true });
    {
      using pending = buf.exportSyncFile('writer');
      other.importSyncFile(pending, 'write');
    }
    using fromOther = other.exportSyncFile('reader');
    expect(fromOther.status().state).toBe('active');
    fence.signal();
    await fromOther.wait({ timeout: 5000 });
    expect(fromOther.status().state).toBe('signaled');
  });

  it('merge() waits for both fences', async (ctx) => {
    using device = openVgem(ctx);
    using a = vgemBuffer(device);
    using b = vgemBuffer(device);
    const fa = VgemFence.attach(a.gem, { write: true });
    const fb = VgemFence.attach(b.gem, { write: true });
    using sa = a.buf.exportSyncFile('writer');
    using sb = b.buf.exportSyncFile('writer');
    using merged = sa.merge(sb, { name: 'both' });
    expect(merged.info().name).toBe('both');
    fa.signal();
    await sa.wait({ timeout: 5000 });
    expect(merged.status().state).toBe('active');
    fb.signal();
    await merged.wait({ timeout: 5000 });
    expect(() => sa.merge({} as SyncFile)).toThrow(TypeError);
  });

  it('wait() honours timeout, AbortSignal and close()', async (ctx) => {
    using device = openVgem(ctx);
    using pair = vgemBuffer(device);
    const { gem, buf } = pair;
    const fence = VgemFence.attach(gem, { write: true });
    try {
      using sync = buf.exportSyncFile('writer');
      await expect(sync.wait({ timeout: 30 })).rejects.toBeInstanceOf(TimeoutError);
      const controller = new AbortController();
      const aborted = sync.wait({ signal: controller.signal });
      controller.abort();
      await expect(aborted).rejects.toBeInstanceOf(AbortError);
      const other = buf.exportSyncFile('writer');
      const closing = other.wait();
      other.close();
      await expect(closing).rejects.toThrow(/closed while waiting/);
      await expect(other.wait()).rejects.toBeInstanceOf(ClosedError);
    } finally {
      fence.signal();
    }
  });

  it('1,000 pending waits do not stall fs.promises, and all settle once signalled', async (ctx) => {
    using device = openVgem(ctx);
    using pair = vgemBuffer(device);
    const { buf } = pair;
    // The buffer's write fence comes from sw_sync, not VGEM_FENCE_ATTACH: vgem
    // signals its own fences after 10 s, which a slow (TCG, loaded) guest can
    // reach while the 1,000 waits are still being set up.
    using timeline = openSwSync(ctx);
    {
      using pending = timeline.createFence(1);
      buf.importSyncFile(pending, 'write');
    }
    const files = Array.from({ length: 1000 }, () => buf.exportSyncFile('writer'));
    try {
      let settled = 0;
      const waits = files.map((f) => f.wait().then(() => settled++));
      // With a libuv pool thread parked per wait, this read would never run.
      const text = await readFile('/proc/self/status', 'utf8');
      expect(text).toContain('Pid:');
      expect(settled).toBe(0);
      timeline.advance();
      await Promise.all(waits);
      expect(settled).toBe(1000);
    } finally {
      for (const f of files) f.close();
    }
  });

  it('vgem fence helpers refuse other drivers and stale handles', (ctx) => {
    using device = openVgem(ctx);
    const { gem, buf } = vgemBuffer(device);
    buf.close();
    gem.close();
    gem.close();
    expect(() => gem.exportDmaBuf()).toThrow(ClosedError);
    expect(() => VgemFence.attach(gem)).toThrow(ClosedError);
  });

  it("a vgem fence on another driver's buffer is a FeatureError naming that driver", (ctx) => {
    need(ctx, DrmDevice.list().some((n) => n.driver === 'vkms'), 'no vkms card node (CONFIG_DRM_VKMS)');
    using vkms = DrmDevice.openByDriver('vkms');
    using gem = vkms.createDumb({ width: 16, height: 16 });
    const error = (() => {
      try {
        VgemFence.attach(gem);
      } catch (e) {
        return e as FeatureError;
      }
    })();
    expect(error).toBeInstanceOf(FeatureError);
    // Linux's EOPNOTSUPP; Node names errno 95 ENOTSUP, and so do we.
    expect(error?.code).toBe('ENOTSUP');
    expect(error?.message).toContain("this is 'vkms'");
  });
});
