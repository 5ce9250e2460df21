// SPDX-License-Identifier: MIT
/**
 * A CPU mapping of a buffer.
 * @module
 */
import { ClosedError, check } from './errors.js';
import { native } from './native.js';
import type { Access } from './constants.js';

/**
 * Owns one mmap of a buffer, exposed as an ArrayBuffer over the mapped
 * memory. `unmap()` (also `close()` and `[Symbol.dispose]`) detaches the
 * ArrayBuffer before unmapping, so views made earlier read as length 0
 * instead of faulting. A mapping keeps the buffer alive on its own: closing
 * the buffer's fd does not unmap it.
 *
 * Bracket CPU reads and writes with `DmaBuf.beginCpuAccess()` so caches are
 * kept coherent with devices.
 */
export class Mapping implements Disposable {
  #buffer: ArrayBuffer | undefined;
  /** Offset of the mapping in the buffer, in bytes. */
  readonly offset: number;
  /** Length of the mapping, in bytes. */
  readonly length: number;
  /** The protection the mapping was made with. */
  readonly access: Access;

  /** @internal */
  constructor(fd: number, offset: number, length: number, access: Access) {
    const prot = access === 'read' ? 1 : access === 'write' ? 2 : 3;
    this.#buffer = check(native.mmap(fd, offset, length, prot), { syscall: 'mmap', context: 'mapping a dma-buf' });
    this.offset = offset;
    this.length = length;
    this.access = access;
  }

  /**
   * The mapped memory.
   * @throws {ClosedError} after unmap()
   */
  get buffer(): ArrayBuffer {
    if (!this.#buffer) throw new ClosedError('mapping');
    return this.#buffer;
  }

  /** A Uint8Array over the whole mapping. @throws {ClosedError} after unmap() */
  bytes(): Uint8Array {
    return new Uint8Array(this.buffer);
  }

  /** True once unmapped. */
  get closed(): boolean {
    return this.#buffer === undefined;
  }

  /** Unmaps; the ArrayBuffer is detached first. Calling it again does nothing. */
  unmap(): void {
    const buffer = this.#buffer;
    if (!buffer) return;
    this.#buffer = undefined;
    check(native.munmap(buffer), { syscall: 'munmap' });
  }

  /** Same as unmap(). */
  close(): void {
    this.unmap();
  }

  [Symbol.dispose](): void {
    this.unmap();
  }
}
