// SPDX-License-Identifier: MIT
// Importing the package never throws, and absent devices show up as clear
// errors only when something is opened.
import { existsSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import * as dmabuf from '../../lib/index.js';

describe('package surface', () => {
  it('exports the classes', () => {
    for (const name of ['DmaBuf', 'DmaHeap', 'SyncFile', 'EventFd', 'DrmDevice', 'Mapping', 'KernelError', 'FeatureError']) {
      expect(typeof (dmabuf as Record<string, unknown>)[name]).toBe('function');
    }
  });

  it('rejects bad heap names before touching the kernel', () => {
    expect(() => dmabuf.DmaHeap.open(1 as unknown as string)).toThrow(TypeError);
    expect(() => dmabuf.DmaHeap.open('../etc')).toThrow(TypeError);
    expect(() => dmabuf.DmaHeap.open('')).toThrow(TypeError);
  });

  it('a machine without dma-heaps gets a FeatureError naming the kernel option', (ctx) => {
    if (existsSync('/dev/dma_heap')) ctx.skip('this machine has dma-heaps');
    expect(dmabuf.DmaHeap.list()).toEqual([]);
    expect(() => dmabuf.DmaHeap.open('system')).toThrow(dmabuf.FeatureError);
    expect(() => dmabuf.DmaHeap.open('system')).toThrow(/CONFIG_DMABUF_HEAPS/);
  });

  it('a machine without DRM lists no nodes and names what is missing', (ctx) => {
    if (existsSync('/dev/dri')) ctx.skip('this machine has DRM devices');
    expect(dmabuf.DrmDevice.list()).toEqual([]);
    expect(() => dmabuf.DrmDevice.openByDriver('vgem')).toThrow(/present: none/);
    expect(() => dmabuf.DrmDevice.open('/dev/dri/card0')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
