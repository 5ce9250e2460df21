// SPDX-License-Identifier: MIT
/**
 * memfd: anonymous memory behind an fd (memfd_create(2)), with file seals.
 * The backing store of udmabuf.
 * @module
 */
import { fstatSync, ftruncateSync } from 'node:fs';

import { assertInt, assertSize, assertString, flag, invalidValue, options } from './args.js';
import { EIO, KernelError, check } from './errors.js';
import { assertFdKind } from './fd-kind.js';
import { FdResource } from './fd-resource.js';
import { native } from './native.js';

const MFD_CLOEXEC = 1;
const MFD_ALLOW_SEALING = 2;

/** File seals (fcntl F_ADD_SEALS). */
export const Seal = {
  /** F_SEAL_SEAL: no more seals can be added. */
  SEAL: 0x1,
  /** F_SEAL_SHRINK: the file can't get smaller (udmabuf requires it). */
  SHRINK: 0x2,
  /** F_SEAL_GROW: the file can't get larger. */
  GROW: 0x4,
  /** F_SEAL_WRITE: no writes, and no writable shared mappings. */
  WRITE: 0x8,
  /** F_SEAL_FUTURE_WRITE (5.1+): no new writes or writable mappings; existing ones keep working. */
  FUTURE_WRITE: 0x10,
} as const;

/** Options of `Memfd.create()`. */
export interface MemfdOptions {
  /** Close on exec (default true). */
  cloexec?: boolean;
}

/** Owns a memfd. Needs Linux 3.17+ (memfd_create); sealing is always allowed. */
export class Memfd extends FdResource {
  private constructor(fd: number) {
    super(fd, 'memfd');
  }

  /**
   * Creates a memfd of `size` bytes that allows sealing.
   * @param name shown in /proc/<pid>/fd as `/memfd:<name>` (at most 249 bytes)
   * @throws {TypeError} / {RangeError} bad name, size or options
   * @throws {KernelError} from memfd_create or ftruncate (ENOMEM, EMFILE…)
   */
  static create(name: string, size: number, opts?: MemfdOptions): Memfd {
    assertString('name', name);
    if (name.includes('\0')) throw invalidValue('name', 'a name without NUL bytes', name);
    assertSize('size', size);
    const cloexec = flag('options.cloexec', options<MemfdOptions>('options', opts, ['cloexec']).cloexec, true);
    const fd = check(native.memfdCreate(name, MFD_ALLOW_SEALING | (cloexec ? MFD_CLOEXEC : 0)), {
      syscall: 'memfd_create',
    });
    const memfd = new Memfd(fd);
    try {
      if (size > 0) ftruncateSync(fd, size);
    } catch (error) {
      memfd.close();
      // EFBIG / EINVAL for a size the file system refuses, as a KernelError like every other refusal.
      throw new KernelError((error as NodeJS.ErrnoException).errno ?? EIO, { syscall: 'ftruncate', context: `memfd of ${size} bytes` });
    }
    return memfd;
  }

  /**
   * Takes ownership of an open memfd.
   * @throws {FdTypeError} the fd is not a memfd
   */
  static fromFd(fd: number): Memfd {
    assertFdKind(fd, 'memfd');
    return new Memfd(fd);
  }

  /** Size in bytes. @throws {ClosedError} after close() */
  get size(): number {
    return fstatSync(this.open()).size;
  }

  /** The seals in force (a mask of `Seal`). @throws {ClosedError} after close() */
  get seals(): number {
    return check(native.fileGetSeals(this.open()), { syscall: 'fcntl', context: 'F_GET_SEALS' });
  }

  /**
   * Adds seals (a mask of `Seal`); seals can never be removed.
   * @throws {TypeError} / {RangeError} seals is not an integer from 0 to 2^31-1
   * @throws {KernelError} EPERM once sealed with Seal.SEAL; EBUSY for WRITE while writable mappings exist
   */
  addSeals(seals: number): void {
    assertInt('seals', seals, 0, 0x7fffffff);
    check(native.fileAddSeals(this.open(), seals), { syscall: 'fcntl', context: 'F_ADD_SEALS' });
  }
}
