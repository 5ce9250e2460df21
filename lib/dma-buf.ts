// SPDX-License-Identifier: MIT
/**
 * dma-buf: a buffer shared between devices and processes, as an fd.
 * @module
 */
import { constants as bufferConstants } from 'node:buffer';
import { fstatSync } from 'node:fs';

import { assertInstance, assertOneOf, assertSize, assertString, flag, options, rangeError, valueError } from './args.js';
import {
  type Access,
  DMA_BUF_SYNC_READ,
  DMA_BUF_SYNC_WRITE,
  O_CLOEXEC,
  accessModes,
  openMode,
} from './constants.js';
import { CpuAccess, type CpuAccessMode } from './cpu-access.js';
import { EINVAL, ENOTTY, FeatureError, KernelError, check, checkFeature } from './errors.js';
import { assertFdKind } from './fd-kind.js';
import { FdResource } from './fd-resource.js';
import { READABLE, WRITABLE } from './fd-watcher.js';
import { type WaitLimits, checkWaitLimits } from './wait-limits.js';
import { type DmaBufFdInfo, readDmaBufFdInfo } from './fdinfo.js';
import { Mapping } from './mapping.js';
import { native } from './native.js';
import { SyncFile } from './sync-file.js';
import { VFIO_DMA_BUF_PROPOSED, VFIO_EXPORTER } from './vfio/proposed.js';

/** Longest name DMA_BUF_SET_NAME keeps, in bytes, without the terminating NUL. */
export const DMA_BUF_NAME_MAX = 31;

export interface MapOptions {
  /** `'read'`, `'write'` or `'readwrite'` (default). A mapping can't exceed the fd's own access. */
  access?: Access;
  /** Byte offset into the buffer, page aligned (default 0). */
  offset?: number;
  /** Bytes to map (default: the rest of the buffer from `offset`). */
  length?: number;
}

export interface DeriveOptions {
  /** The alias's access: `'read'` (default), `'write'` or `'readwrite'`; at most the original's. */
  access?: Access;
  /** Close the alias on exec (default true). */
  cloexec?: boolean;
}

/**
 * Owns a dma-buf fd. A dma-buf can come from a heap (`DmaHeap`), a DRM
 * driver (`GemBuffer.exportDmaBuf`), udmabuf, VFIO, or another process.
 */
export class DmaBuf extends FdResource {
  /** Mappings made by map(), weakly: a mapping's owner decides its lifetime. */
  readonly #mappings = new Set<WeakRef<Mapping>>();

  /** @internal use DmaBuf.fromFd */
  constructor(fd: number) {
    super(fd, 'dma-buf');
  }

  /**
   * Takes ownership of an open dma-buf fd.
   * @throws {FdTypeError} the fd is not a dma-buf (a pipe, /dev/null, a sync_file…)
   * @throws {KernelError} EBADF: the fd is not open
   */
  static fromFd(fd: number): DmaBuf {
    assertFdKind(fd, 'dmaBuf');
    return new DmaBuf(fd);
  }

  /**
   * Size in bytes (the dma-buf inode's size, as lseek(SEEK_END) reports it).
   * @throws {ClosedError} after close()
   */
  get size(): number {
    return fstatSync(this.open()).size;
  }

  /**
   * The kernel's fdinfo for this fd: size, exporter, name, inode, flags.
   * Needs /proc mounted.
   * @throws {ClosedError} after close()
   */
  get fdinfo(): DmaBufFdInfo {
    return readDmaBufFdInfo('self', this.open());
  }

  /** The buffer's name (DMA_BUF_SET_NAME), `''` if unnamed. @throws {ClosedError} after close() */
  get name(): string {
    return this.fdinfo.name;
  }

  /**
   * Names the buffer; the name shows in fdinfo and debugfs and is shared by
   * every fd of the buffer. DMA_BUF_SET_NAME, kernel 5.8+.
   * @param name at most 31 bytes of UTF-8, no NUL
   * @throws {RangeError} the name is longer than 31 bytes or contains NUL
   * @throws {ClosedError} after close()
   * @throws {KernelError} from DMA_BUF_SET_NAME (EBUSY on kernels before 6.4 once the buffer is attached to a device)
   */
  setName(name: string): void {
    assertString('name', name);
    const bytes = Buffer.byteLength(name, 'utf8');
    if (bytes > DMA_BUF_NAME_MAX || name.includes('\0')) {
      throw rangeError(`name must be at most ${DMA_BUF_NAME_MAX} bytes of UTF-8 without NUL, received ${bytes} bytes`);
    }
    check(native.dmaBufSetName(this.open(), name), { syscall: 'ioctl', request: 'DMA_BUF_SET_NAME' });
  }

  /**
   * Maps the buffer into this process (mmap MAP_SHARED). The exporter must
   * support mmap (the system and CMA heaps, udmabuf, most DRM drivers do).
   * @throws {TypeError} / {RangeError} malformed options
   * @throws {ClosedError} after close()
   * @throws {FeatureError} a VFIO dma-buf on a kernel without the proposed VFIO dma-buf mmap
   * @throws {KernelError} from mmap: EINVAL beyond the buffer or unsupported by the exporter, EACCES beyond the fd's access
   */
  map(opts?: MapOptions): Mapping {
    const o = options<MapOptions>('options', opts, ['access', 'offset', 'length']);
    const access = o.access ?? 'readwrite';
    assertOneOf('options.access', access, accessModes);
    const offset = o.offset ?? 0;
    assertSize('options.offset', offset);
    const fd = this.open();
    const length = o.length ?? Math.max(this.size - offset, 0);
    assertSize('options.length', length, { min: 1 });
    // An ArrayBuffer cannot be longer than this; the mapping would be unusable.
    if (length > bufferConstants.MAX_LENGTH) throw rangeError(`options.length must be at most ${bufferConstants.MAX_LENGTH} bytes, received ${length}`);
    let mapping: Mapping;
    try {
      mapping = new Mapping(fd, offset, length, access);
    } catch (error) {
      throw this.#explainMapFailure(error);
    }
    this.#mappings.add(new WeakRef(mapping));
    return mapping;
  }

  /**
   * @internal Unmaps every live mapping made through this object, detaching
   * their ArrayBuffers: used before the exporter revokes the buffer, after
   * which touching the old memory would kill the process with SIGBUS.
   */
  unmapAll(): void {
    for (const ref of this.#mappings) ref.deref()?.unmap();
    this.#mappings.clear();
  }

  /**
   * Merged kernels give VFIO's dma-bufs no mmap at all (EINVAL, the answer
   * for an exporter without mmap); CPU mapping of them is a proposed
   * extension, so that refusal is a FeatureError rather than a bad argument.
   */
  #explainMapFailure(error: unknown): unknown {
    if (!(error instanceof KernelError) || error.errno !== EINVAL) return error;
    if (this.fdinfo.exporter !== VFIO_EXPORTER) return error;
    return new FeatureError(EINVAL, 'mmap of a VFIO dma-buf', VFIO_DMA_BUF_PROPOSED, { syscall: 'mmap', context: 'mapping a dma-buf' });
  }

  /**
   * Begins CPU access to mappings of this buffer (DMA_BUF_IOCTL_SYNC START),
   * returning a scope whose `end()` / `[Symbol.dispose]` issues the matching
   * END. Use `using access = buf.beginCpuAccess('write')`.
   * @throws {TypeError} mode is not 'read', 'write' or 'readwrite'
   * @throws {ClosedError} after close()
   * @throws {KernelError} from DMA_BUF_IOCTL_SYNC
   */
  beginCpuAccess(mode: CpuAccessMode = 'readwrite'): CpuAccess {
    assertOneOf('mode', mode, accessModes);
    this.open();
    return new CpuAccess(() => (this.closed ? undefined : this.fd), mode);
  }

  /**
   * A snapshot of the buffer's implicit fences as a SyncFile
   * (DMA_BUF_IOCTL_EXPORT_SYNC_FILE, kernel 6.0+). With `write` (the
   * default) it holds every fence, which is what a writer must wait for;
   * with only `read` it holds the writers' fences, which is what a reader
   * must wait for.
   * @throws {TypeError} neither read nor write requested
   * @throws {ClosedError} after close()
   * @throws {FeatureError} the kernel predates the ioctl (ENOTTY)
   */
  exportSyncFile(opts?: { read?: boolean; write?: boolean }): SyncFile {
    const o = options<{ read: boolean; write: boolean }>('options', opts, ['read', 'write']);
    const read = flag('options.read', o.read, true);
    const write = flag('options.write', o.write, true);
    if (!read && !write) throw valueError('exportSyncFile needs read, write or both');
    const flags = (read ? DMA_BUF_SYNC_READ : 0) | (write ? DMA_BUF_SYNC_WRITE : 0);
    const fd = this.#ioctl(native.dmaBufExportSyncFile(this.open(), flags), 'DMA_BUF_IOCTL_EXPORT_SYNC_FILE');
    return SyncFile.adopt(fd);
  }

  /**
   * Adds a SyncFile's fence to the buffer's implicit fences
   * (DMA_BUF_IOCTL_IMPORT_SYNC_FILE, kernel 6.0+). As a `write` fence every
   * later implicitly-synchronised access waits for it; as a read fence
   * (default) only later writers do. The SyncFile stays owned by the caller.
   * @throws {TypeError} syncFile is not a SyncFile
   * @throws {ClosedError} either object is closed
   * @throws {FeatureError} the kernel predates the ioctl (ENOTTY)
   */
  importSyncFile(syncFile: SyncFile, opts?: { write?: boolean }): void {
    assertInstance('syncFile', syncFile, SyncFile);
    const write = flag('options.write', options<{ write: boolean }>('options', opts, ['write']).write, false);
    const flags = write ? DMA_BUF_SYNC_READ | DMA_BUF_SYNC_WRITE : DMA_BUF_SYNC_READ;
    this.#ioctl(native.dmaBufImportSyncFile(this.open(), flags, syncFile.fd), 'DMA_BUF_IOCTL_IMPORT_SYNC_FILE');
  }

  /**
   * A second fd for the same buffer (same memory, same fences) with at most
   * this fd's access: hand a consumer a read-only alias so it cannot map
   * the buffer writable. PROPOSED interface (DMA_BUF_IOCTL_DERIVE, posted
   * May 2026, not in mainline): restricts CPU mmap only, never device DMA.
   * @throws {FeatureError} the kernel lacks DMA_BUF_IOCTL_DERIVE (ENOTTY)
   * @throws {KernelError} EACCES: more access than this fd has; EINVAL: bad flags
   * @throws {ClosedError} after close()
   */
  derive(opts?: DeriveOptions): DmaBuf {
    const o = options<DeriveOptions>('options', opts, ['access', 'cloexec']);
    const access = o.access ?? 'read';
    assertOneOf('options.access', access, accessModes);
    const cloexec = flag('options.cloexec', o.cloexec, true);
    const flags = openMode(access) | (cloexec ? O_CLOEXEC : 0);
    return new DmaBuf(this.#ioctl(native.dmaBufDerive(this.open(), flags), 'DMA_BUF_IOCTL_DERIVE'));
  }

  /**
   * Resolves when the buffer's writers' implicit fences have signalled, so
   * reading it is safe (dma-buf poll EPOLLIN). Waits on the event loop; no
   * thread is blocked.
   * @throws {AbortError} (rejection) the signal fired, or the DmaBuf was closed while waiting
   * @throws {TimeoutError} (rejection) `timeout` ms elapsed first
   */
  whenReadable(limits: WaitLimits = {}): Promise<void> {
    return this.#whenReady(READABLE, limits, "dma-buf writers' fences");
  }

  /**
   * Resolves when every implicit fence on the buffer (readers' and writers')
   * has signalled, so writing it is safe (dma-buf poll EPOLLOUT).
   * @throws {AbortError} (rejection) the signal fired, or the DmaBuf was closed while waiting
   * @throws {TimeoutError} (rejection) `timeout` ms elapsed first
   */
  whenWritable(limits: WaitLimits = {}): Promise<void> {
    return this.#whenReady(WRITABLE, limits, 'dma-buf fences');
  }

  #whenReady(events: number, limits: WaitLimits, what: string): Promise<void> {
    try {
      const checked = checkWaitLimits(limits);
      return this.watcher().wait(
        events,
        () => {
          const ready = check(native.pollNow(this.open(), events), { syscall: 'poll', context: what });
          return ready & events ? { done: true, value: undefined } : { done: false };
        },
        checked,
        what,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** ENOTTY means this kernel lacks the ioctl: a FeatureError saying which kernel has it. */
  #ioctl(result: number, request: string): number {
    const requires = requirement[request] ?? 'a newer kernel';
    return checkFeature(result, { missing: ENOTTY, feature: request, requires }, { syscall: 'ioctl', request });
  }
}

const requirement: Record<string, string> = {
  DMA_BUF_IOCTL_EXPORT_SYNC_FILE: 'needs Linux 6.0+',
  DMA_BUF_IOCTL_IMPORT_SYNC_FILE: 'needs Linux 6.0+',
  DMA_BUF_IOCTL_DERIVE: 'a proposed interface, not in mainline Linux; needs a kernel carrying the DMA_BUF_IOCTL_DERIVE patch',
};
