// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';

import { ClosedError, FeatureError, KernelError } from '../../lib/index.js';
import { check } from '../../lib/errors.js';

describe('errors', () => {
  it('KernelError is shaped like a Node fs error', () => {
    const error = new KernelError(-13, { syscall: 'ioctl', request: 'DMA_BUF_IOCTL_DERIVE', path: '/dev/x' });
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('EACCES');
    expect(error.errno).toBe(-13);
    expect(error.syscall).toBe('ioctl');
    expect(error.request).toBe('DMA_BUF_IOCTL_DERIVE');
    expect(error.path).toBe('/dev/x');
    expect(error.message).toBe("EACCES: permission denied, ioctl DMA_BUF_IOCTL_DERIVE '/dev/x'");
  });

  it('FeatureError names the feature and what provides it', () => {
    const error = new FeatureError(-25, 'DMA_BUF_IOCTL_DERIVE', 'a proposed interface', { syscall: 'ioctl' });
    expect(error).toBeInstanceOf(KernelError);
    expect(error.code).toBe('ENOTTY');
    expect(error.feature).toBe('DMA_BUF_IOCTL_DERIVE');
    expect(error.message).toMatch(/^DMA_BUF_IOCTL_DERIVE is not supported here \(a proposed interface\)/);
  });

  it('check() passes results through and throws on -errno', () => {
    expect(check(5, { syscall: 'ioctl' })).toBe(5);
    expect(check({ a: 1 }, { syscall: 'ioctl' })).toEqual({ a: 1 });
    expect(() => check(-22, { syscall: 'mmap' })).toThrow(expect.objectContaining({ code: 'EINVAL', syscall: 'mmap' }));
  });

  it('ClosedError has a stable code', () => {
    expect(new ClosedError('dma-buf').code).toBe('ERR_DMABUF_CLOSED');
  });
});

describe('errno names libuv does not know', () => {
  it('names ETIME (DRM syncobj timeouts) and EBADFD', () => {
    expect(new KernelError(-62, { syscall: 'ioctl' }).code).toBe('ETIME');
    expect(new KernelError(-62, { syscall: 'ioctl' }).message).toBe('ETIME: timer expired, ioctl');
    expect(new KernelError(-77, { syscall: 'ioctl' }).code).toBe('EBADFD');
    expect(new KernelError(-4000, { syscall: 'ioctl' }).code).toBe('E4000');
  });
});
