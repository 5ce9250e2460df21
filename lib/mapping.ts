// SPDX-License-Identifier: MIT
/**
 * A CPU mapping of a buffer.
 * @module
 */
import { assertInstance, assertSize, rangeError } from './args.js';
import { ClosedError, check } from './errors.js';
import { native } from './native.js';
import type { Access } from './constants.js';

// Error details made once: map/unmap can be per frame.
const MMAP = Object.freeze({ syscall: 'mmap', context: 'mapping a dma-buf' });
const MUNMAP = Object.freeze({ syscall: 'munmap' });

/**
 * Owns one mmap of a buffer, exposed as an ArrayBuffer over the mapped
 * memory. A mapping keeps the buffer alive on its own: closing the buffer's
 * fd does not unmap it.
 *
 * `unmap()` (also `close()` and `[Symbol.dispose]`) takes the buffer's
 * pages out of the process at once, so the buffer can be freed or revoked,
 * but it never frees memory that something may still be reading: work on
 * the libuv pool (`zlib.deflate(view)`, `fs.write`, crypto) holds a raw
 * pointer into it. The range is replaced with private zero pages instead:
 * views made earlier keep their length, read zeros, and their writes go
 * nowhere. The range is released once the ArrayBuffer is garbage-collected.
 * (It is not detached: Node's zlib aborts the process when its input is
 * detached mid-stream.) The Mapping itself throws ClosedError after
 * unmap().
 *
 * Bracket CPU reads and writes with `DmaBuf.beginCpuAccess()` so caches are
 * kept coherent with devices.
 *
 * A read-only mapping (`access: 'read'`) never exposes its ArrayBuffer:
 * Node has no read-only ArrayBuffer, and a single write into PROT_READ
 * memory would kill the process with SIGSEGV. Read it with `read()` or
 * `copyTo()`, which copy; map `'readwrite'` for zero-copy access.
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
    this.#buffer = check(native.mmap(fd, offset, length, prot), MMAP);
    this.offset = offset;
    this.length = length;
    this.access = access;
  }

  /**
   * The mapped memory, zero-copy. Writable mappings only.
   * @throws {ClosedError} after unmap()
   * @throws {Error} code ERR_DMABUF_READ_ONLY_MAPPING for a read-only mapping: use read() or copyTo()
   */
  get buffer(): ArrayBuffer {
    const buffer = this.#live();
    if (this.access === 'read') {
      throw Object.assign(
        new Error('a read-only mapping exposes no ArrayBuffer (a write would crash the process); use read() or copyTo()'),
        { code: 'ERR_DMABUF_READ_ONLY_MAPPING' },
      );
    }
    return buffer;
  }

  /** A Uint8Array over the whole mapping, zero-copy. Writable mappings only; see `buffer`. */
  bytes(): Uint8Array {
    return new Uint8Array(this.buffer);
  }

  /**
   * A copy of `length` bytes from `offset` (default: all of it).
   * @throws {RangeError} outside the mapping
   * @throws {ClosedError} after unmap()
   */
  read(offset = 0, length?: number): Buffer {
    const buffer = this.#live();
    assertSize('offset', offset);
    if (offset > this.length) throw rangeError(`offset ${offset} is beyond the mapping's ${this.length} bytes`);
    const count = length ?? this.length - offset;
    assertSize('length', count);
    if (offset + count > this.length) throw rangeError(`${offset}+${count} is beyond the mapping's ${this.length} bytes`);
    return Buffer.from(new Uint8Array(buffer, offset, count));
  }

  /**
   * Copies from the mapping into `target`, starting at `offset`; returns the bytes copied.
   * @throws {TypeError} target is not a Uint8Array
   * @throws {RangeError} offset beyond the mapping
   * @throws {ClosedError} after unmap()
   */
  copyTo(target: Uint8Array, offset = 0): number {
    const buffer = this.#live();
    assertSize('offset', offset);
    if (offset > this.length) throw rangeError(`offset ${offset} is beyond the mapping's ${this.length} bytes`);
    assertInstance('target', target, Uint8Array);
    const count = Math.max(0, Math.min(target.length, this.length - offset));
    target.set(new Uint8Array(buffer, offset, count));
    return count;
  }

  #live(): ArrayBuffer {
    if (!this.#buffer) throw new ClosedError('mapping');
    return this.#buffer;
  }

  /** True once unmapped. */
  get closed(): boolean {
    return this.#buffer === undefined;
  }

  /**
   * Unmaps: the buffer's pages leave the process; stale views read zeros
   * (see the class). Calling it again does nothing.
   */
  unmap(): void {
    const buffer = this.#buffer;
    if (!buffer) return;
    this.#buffer = undefined;
    check(native.munmap(buffer), MUNMAP);
  }

  /** Same as unmap(). */
  close(): void {
    this.unmap();
  }

  /** Same as `unmap()`, for `using`. */
  [Symbol.dispose](): void {
    this.unmap();
  }
}
