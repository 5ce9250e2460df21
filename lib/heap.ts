// SPDX-License-Identifier: MIT
/**
 * dma-heaps: /dev/dma_heap/<name> allocators of dma-bufs.
 * @module
 */
import { openSync, readdirSync } from 'node:fs';
import { totalmem } from 'node:os';

import { assertOneOf, assertSize, assertString, flag, options, valueError } from './args.js';
import { type Access, O_CLOEXEC, O_RDONLY, accessModes, openMode } from './constants.js';
import { DmaBuf } from './dma-buf.js';
import { EIO, ENOENT, ENOMEM, FeatureError, KernelError, check } from './errors.js';
import { FdResource } from './fd-resource.js';
import { native } from './native.js';

const HEAP_DIR = '/dev/dma_heap';

export interface AllocateOptions {
  /** Close the dma-buf on exec (default true). */
  cloexec?: boolean;
  /** The dma-buf fd's access: `'readwrite'` (default), `'read'` or `'write'`. */
  access?: Access;
}

/**
 * An open dma-heap. Needs CONFIG_DMABUF_HEAPS (Linux 5.6+) and read
 * permission on /dev/dma_heap/<name> (root, or a udev rule granting it).
 */
export class DmaHeap extends FdResource {
  /** The heap's name, e.g. `'system'`. */
  readonly name: string;

  private constructor(fd: number, name: string) {
    super(fd, `dma-heap '${name}'`);
    this.name = name;
  }

  /**
   * The heaps this kernel offers (the entries of /dev/dma_heap), sorted.
   * Empty when the kernel has no dma-heaps.
   */
  static list(): string[] {
    try {
      return readdirSync(HEAP_DIR).sort();
    } catch {
      return [];
    }
  }

  /**
   * Opens /dev/dma_heap/<name>.
   * @throws {TypeError} name is not a plain heap name
   * @throws {FeatureError} the kernel has no dma-heaps (no /dev/dma_heap)
   * @throws {KernelError} ENOENT: no such heap (the message lists the ones that exist); EACCES: no permission
   */
  static open(name: string): DmaHeap {
    assertString('name', name);
    if (name === '' || name.includes('/') || name.includes('\0') || name === '.' || name === '..') {
      throw valueError(`name must be a heap name such as 'system', received ${JSON.stringify(name)}`);
    }
    const path = `${HEAP_DIR}/${name}`;
    let fd: number;
    try {
      fd = openSync(path, O_RDONLY | O_CLOEXEC);
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      const heaps = DmaHeap.list();
      if (e.code === 'ENOENT' && heaps.length === 0) {
        throw new FeatureError(ENOENT, 'dma-heap', 'needs CONFIG_DMABUF_HEAPS (Linux 5.6+); /dev/dma_heap is missing', {
          syscall: 'open',
          path,
        });
      }
      const context = e.code === 'ENOENT' ? `no dma-heap '${name}' (available: ${heaps.join(', ')})` : undefined;
      throw new KernelError(e.errno ?? EIO, { syscall: 'open', path, ...(context ? { context } : {}) });
    }
    return new DmaHeap(fd, name);
  }

  /**
   * Allocates a dma-buf of `size` bytes (DMA_HEAP_IOCTL_ALLOC; the kernel
   * rounds up to whole pages).
   * @throws {TypeError} / {RangeError} size is not a non-negative safe integer, bad options
   * @throws {ClosedError} after close()
   * @throws {KernelError} EINVAL for size 0, ENOMEM when the heap cannot supply it or
   *   the size exceeds the machine's memory (refused before the call, see below)
   */
  allocate(size: number, opts?: AllocateOptions): DmaBuf {
    assertSize('size', size);
    // The system heap has no up-front size check: it allocates page by page
    // until memory runs out, and the OOM killer then picks some process. A
    // request larger than all of RAM cannot succeed, so it never reaches it.
    if (size > totalmem()) {
      throw new KernelError(ENOMEM, {
        syscall: 'ioctl',
        request: 'DMA_HEAP_IOCTL_ALLOC',
        context: `${size} bytes from dma-heap '${this.name}' exceeds this machine's ${totalmem()} bytes of memory`,
      });
    }
    const o = options<AllocateOptions>('options', opts, ['cloexec', 'access']);
    const cloexec = flag('options.cloexec', o.cloexec, true);
    const access = o.access ?? 'readwrite';
    assertOneOf('options.access', access, accessModes);
    const fdFlags = openMode(access) | (cloexec ? O_CLOEXEC : 0);
    const fd = check(native.dmaHeapAlloc(this.open(), size, fdFlags), {
      syscall: 'ioctl',
      request: 'DMA_HEAP_IOCTL_ALLOC',
      context: `allocating ${size} bytes from dma-heap '${this.name}'`,
    });
    return new DmaBuf(fd);
  }
}
