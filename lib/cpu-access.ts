// SPDX-License-Identifier: MIT
/**
 * A bracket of CPU access to a dma-buf's mapping (DMA_BUF_IOCTL_SYNC).
 * @module
 */
import { DMA_BUF_SYNC_END, DMA_BUF_SYNC_READ, DMA_BUF_SYNC_START, DMA_BUF_SYNC_WRITE } from './constants.js';
import { check } from './errors.js';
import { native } from './native.js';

/** What the CPU is about to do with the mapping. */
export type CpuAccessMode = 'read' | 'write' | 'readwrite';

export function syncFlags(mode: CpuAccessMode): number {
  return (mode === 'write' ? 0 : DMA_BUF_SYNC_READ) | (mode === 'read' ? 0 : DMA_BUF_SYNC_WRITE);
}

/**
 * Between DMA_BUF_IOCTL_SYNC START and END. The kernel requires END to carry
 * the same read/write bits as START; this object guarantees it. `end()` is
 * also `[Symbol.dispose]`, so `using access = buf.beginCpuAccess('write')`
 * ends the access when the block exits, however it exits.
 */
export class CpuAccess implements Disposable {
  /** What the CPU access was begun for; `end()` ends it with the same bits. */
  readonly mode: CpuAccessMode;
  #fd: (() => number | undefined) | undefined;

  /** @internal */
  constructor(fd: () => number | undefined, mode: CpuAccessMode) {
    const open = fd();
    if (open === undefined) throw new Error('unreachable: caller checks the buffer is open');
    check(native.dmaBufSync(open, syncFlags(mode) | DMA_BUF_SYNC_START), {
      syscall: 'ioctl',
      request: 'DMA_BUF_IOCTL_SYNC',
      context: `begin CPU ${mode} access`,
    });
    this.mode = mode;
    this.#fd = fd;
  }

  /** True once ended. */
  get ended(): boolean {
    return this.#fd === undefined;
  }

  /**
   * Ends the access (DMA_BUF_IOCTL_SYNC END). Calling it again does nothing;
   * if the buffer's fd was closed first there is nothing left to end.
   * @throws {KernelError} from DMA_BUF_IOCTL_SYNC
   */
  end(): void {
    const fd = this.#fd?.();
    this.#fd = undefined;
    if (fd === undefined) return;
    check(native.dmaBufSync(fd, syncFlags(this.mode) | DMA_BUF_SYNC_END), {
      syscall: 'ioctl',
      request: 'DMA_BUF_IOCTL_SYNC',
      context: `end CPU ${this.mode} access`,
    });
  }

  /** Same as `end()`, for `using`. */
  [Symbol.dispose](): void {
    this.end();
  }
}
