// SPDX-License-Identifier: MIT
// The proposed DMA_BUF_IOCTL_DERIVE on the rig's stock kernel (the same
// kernel without the project's patches, DMABUF_VM_VARIANT=stock): what users
// have today. derive() must be a FeatureError there, and must not leak an fd.
// test/devices/derive.test.ts covers the patched kernel, where it works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type DmaBuf, DmaHeap, FeatureError, KernelError } from '../../lib/index.js';
import { fdCount, has, need, requireDevices } from '../helpers/env.js';
import { openVgem, vgemBuffer } from '../helpers/vgem.js';

/** The error derive() throws, or undefined if it returned (the alias is closed). */
function deriveError(buf: DmaBuf, ...args: Parameters<DmaBuf['derive']>): unknown {
  try {
    buf.derive(...args).close();
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('DmaBuf.derive on a kernel without DMA_BUF_IOCTL_DERIVE', () => {
  let fds = 0;
  let supported = false;
  beforeAll(() => {
    fds = fdCount();
    if (!has.systemHeap()) return;
    using heap = DmaHeap.open('system');
    using buf = heap.allocate(4096);
    supported = deriveError(buf) === undefined;
  });
  afterAll(() => {
    expect(fdCount()).toBe(fds);
  });

  /** Outside the rig a kernel may carry the patch: skip there. In the rig, the stock kernel must not. */
  function needStock(ctx: Parameters<typeof need>[0]): void {
    need(ctx, has.systemHeap(), 'no system heap');
    if (requireDevices) {
      expect(supported, `the ${process.env.DMABUF_VM_VARIANT ?? 'rig'} kernel carries DMA_BUF_IOCTL_DERIVE; the stock one must not`).toBe(false);
    } else if (supported) {
      ctx.skip('this kernel carries DMA_BUF_IOCTL_DERIVE');
    }
  }

  it('is a FeatureError (ENOTTY) naming the ioctl and saying it is a proposed interface', (ctx) => {
    needStock(ctx);
    using heap = DmaHeap.open('system');
    using buf = heap.allocate(4096);
    const before = fdCount();
    const error = deriveError(buf) as FeatureError;
    expect(fdCount()).toBe(before);
    expect(error).toBeInstanceOf(FeatureError);
    expect(error).toBeInstanceOf(KernelError);
    expect(error).toMatchObject({
      name: 'FeatureError',
      code: 'ENOTTY',
      syscall: 'ioctl',
      request: 'DMA_BUF_IOCTL_DERIVE',
      feature: 'DMA_BUF_IOCTL_DERIVE',
    });
    expect(error.requires).toMatch(/proposed interface, not in mainline Linux/);
    expect(error.message).toMatch(/proposed interface/);
  });

  it('fails the same way for every access mode and cloexec, with no fd left behind', (ctx) => {
    needStock(ctx);
    using heap = DmaHeap.open('system');
    using buf = heap.allocate(8192);
    const before = fdCount();
    for (const access of ['read', 'write', 'readwrite'] as const) {
      for (const cloexec of [true, false]) {
        expect(deriveError(buf, { access, cloexec }), `${access}, cloexec ${cloexec}`).toBeInstanceOf(FeatureError);
      }
    }
    expect(fdCount()).toBe(before);
  });

  it('leaves the buffer usable: it still maps, syncs and exports fences', (ctx) => {
    needStock(ctx);
    using heap = DmaHeap.open('system');
    using buf = heap.allocate(4096);
    expect(deriveError(buf, { access: 'read' })).toBeInstanceOf(FeatureError);
    using map = buf.map();
    {
      using _ = buf.beginCpuAccess('write');
      map.bytes().set([5, 6, 7]);
    }
    {
      using _ = buf.beginCpuAccess('read');
      expect([...map.read(0, 3)]).toEqual([5, 6, 7]);
    }
    using fence = buf.exportSyncFile('reader');
    expect(fence.status().state).toBe('signaled');
  });

  it('is a FeatureError for another exporter too (a vgem dumb buffer through PRIME)', (ctx) => {
    needStock(ctx);
    using device = openVgem(ctx);
    using pair = vgemBuffer(device);
    const before = fdCount();
    expect(deriveError(pair.buf)).toBeInstanceOf(FeatureError);
    expect(fdCount()).toBe(before);
  });
});
