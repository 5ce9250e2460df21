// SPDX-License-Identifier: MIT
/**
 * dma-heaps: /dev/dma_heap/<name> allocators of dma-bufs.
 * @module
 */
import { readdirSync } from 'node:fs';

import { assertOneOf, assertPath, assertSize, assertString, flag, options, valueError } from './args.js';
import { type Access, O_CLOEXEC, O_RDONLY, accessModes, openMode } from './constants.js';
import { DmaBuf } from './dma-buf.js';
import { EIO, ENOENT, FeatureError, KernelError } from './errors.js';
import { openFd } from './fd-native.js';
import { openError } from './node-access.js';
import { FdResource } from './fd-resource.js';
import { availableMemory, cmaFree, isCmaHeap } from './memory-facts.js';
import { native } from './native.js';

const HEAP_DIR = '/dev/dma_heap';
const HEAP_ACCESS = {
  privilege: 'node-access',
  how: 'read access to its node: run as root, or grant the node to your user or group (a udev rule)',
} as const;

const ALLOCATE_KEYS = ['cloexec', 'access'] as const;

/** Options of `DmaHeap.allocate()`. */
export interface AllocateOptions {
  /** Close the dma-buf on exec (default true). */
  cloexec?: boolean;
  /** The dma-buf fd's access: `'readwrite'` (default), `'read'` or `'write'`. */
  access?: Access;
}

/** allocate() without options: read-write, close on exec. Kept apart so that call checks no options. */
const DEFAULT_FD_FLAGS = openMode('readwrite') | O_CLOEXEC;

/** The new dma-buf fd's flags from allocate()'s options, each checked. */
function fdFlagsOf(opts: AllocateOptions): number {
  const o = options<AllocateOptions>('options', opts, ALLOCATE_KEYS);
  const cloexec = flag('options.cloexec', o.cloexec, true);
  const access = o.access ?? 'readwrite';
  assertOneOf('options.access', access, accessModes);
  return openMode(access) | (cloexec ? O_CLOEXEC : 0);
}

/**
 * An open dma-heap. Needs CONFIG_DMABUF_HEAPS (Linux 5.6+) and read
 * permission on /dev/dma_heap/<name> (root, or a udev rule granting it).
 */
export class DmaHeap extends FdResource {
  /** The heap's name, e.g. `'system'`. */
  readonly name: string;
  #cma: boolean | undefined;

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
   * @throws {TypeError} (code ERR_INVALID_ARG_VALUE) name is not a plain heap name (empty, '/', NUL)
   * @throws {FeatureError} the kernel has no dma-heaps (no /dev/dma_heap)
   * @throws {PrivilegeError} EACCES/EPERM: no read access to the heap's node (privilege `'node-access'`)
   * @throws {KernelError} ENOENT: no such heap (the message lists the ones that exist)
   */
  static open(name: string): DmaHeap {
    assertString('name', name);
    assertPath('name', name); // no NUL: the kernel would open a shorter name
    if (name.includes('/') || name === '.' || name === '..') {
      throw valueError(`name must be a heap name such as 'system', received ${JSON.stringify(name)}`);
    }
    const path = `${HEAP_DIR}/${name}`;
    let fd: number;
    try {
      fd = openFd(path, O_RDONLY | O_CLOEXEC);
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
      throw openError(e.errno ?? EIO, path, `dma-heap '${name}'`, HEAP_ACCESS, context);
    }
    return new DmaHeap(fd, name);
  }

  /**
   * Allocates a dma-buf of `size` bytes (DMA_HEAP_IOCTL_ALLOC; the kernel
   * rounds up to whole pages).
   * @throws {TypeError} / {RangeError} size is not a non-negative safe integer, bad options
   * @throws {ClosedError} after close()
   * @throws {KernelError} EINVAL for size 0; ENOMEM when the heap cannot supply it, or
   *   (refused before asking the kernel) when `size` exceeds the memory the
   *   machine has available (MemAvailable) or, for a CMA heap, the free CMA
   *   memory (CmaFree).
   *
   * The up-front refusal guards against the one request that is sure to
   * end badly: the system heap has no size check of its own and allocates
   * page by page until memory runs out, and the OOM killer then picks a
   * victim, often this process. It cannot protect against a request that
   * fits now but not once other processes (or other allocations of this
   * one) take their share (MemAvailable is re-read only when a request,
   * with those since the last reading, is over an eighth of that reading,
   * or the reading is over a second old), nor against several allocations
   * that fit one by one but not together; nor does it see cgroup memory limits, which the
   * heaps' pages are not charged to. Keep large allocations well under what
   * the machine has.
   */
  allocate(size: number, opts?: AllocateOptions): DmaBuf {
    assertSize('size', size);
    this.#refuseBeyondAvailable(size);
    const fdFlags = opts === undefined ? DEFAULT_FD_FLAGS : fdFlagsOf(opts);
    const fd = native.dmaHeapAlloc(this.open(), size, fdFlags);
    if (fd < 0) {
      throw new KernelError(fd, { syscall: 'ioctl', request: 'DMA_HEAP_IOCTL_ALLOC', context: `allocating ${size} bytes from dma-heap '${this.name}'` });
    }
    return new DmaBuf(fd, true);
  }

  /** See allocate(): what the machine cannot give is refused with ENOMEM before the kernel tries. */
  #refuseBeyondAvailable(size: number): void {
    const available = availableMemory(size);
    if (size > available) throw this.#beyond(size, 'of memory available (MemAvailable)', available);
    if (!(this.#cma ??= isCmaHeap(this.name))) return;
    const cma = cmaFree();
    if (cma !== undefined && size > cma) throw this.#beyond(size, 'of free CMA memory (CmaFree)', cma);
  }

  #beyond(size: number, what: string, limit: number): KernelError {
    return new KernelError(-12 /* ENOMEM */, {
      syscall: 'ioctl',
      request: 'DMA_HEAP_IOCTL_ALLOC',
      context: `${size} bytes from dma-heap '${this.name}' exceed the ${limit} bytes ${what}`,
    });
  }
}
