// SPDX-License-Identifier: MIT
/**
 * dma-buf: a buffer shared between devices and processes, as an fd.
 * @module
 */
import { constants as bufferConstants } from 'node:buffer';
import { fstatSync } from 'node:fs';

import { assertInstance, assertOneOf, assertSize, assertString, flag, options, rangeError } from './args.js';
import {
  type Access,
  DMA_BUF_SYNC_READ,
  DMA_BUF_SYNC_WRITE,
  O_CLOEXEC,
  accessModes,
  openMode,
} from './constants.js';
import { CpuAccess, type CpuAccessMode } from './cpu-access.js';
import { EINVAL, ENOTTY, FeatureError, type FenceError, KernelError, check, checkFeature } from './errors.js';
import { assertFdKind } from './fd-kind.js';
import { FdResource } from './fd-resource.js';
import { READABLE, WRITABLE } from './fd-watcher.js';
import { type WaitLimits, checkWaitLimits } from './wait-limits.js';
import { type DmaBufFdInfo, readDmaBufFdInfo } from './fdinfo.js';
import { Mapping } from './mapping.js';
import { WeakMembers } from './weak-members.js';
import { native } from './native.js';
import { type FenceNames, SyncFile, fenceFailure, fenceNames } from './sync-file.js';
import { VFIO_DMA_BUF_PROPOSED, VFIO_EXPORTER } from './vfio/proposed.js';

/** Who will wait on an exported sync_file: a reader (waits for writers) or a writer (waits for everyone). */
export type FenceWaiter = 'reader' | 'writer';
const fenceWaiters: readonly FenceWaiter[] = ['reader', 'writer'];

/** What an imported fence's work does to the buffer: writes it (exclusive) or only reads it (shared). */
export type FenceAccess = 'write' | 'read';
const fenceAccesses: readonly FenceAccess[] = ['write', 'read'];

const legacyExport =
  "exportSyncFile no longer takes {read, write} flags (they read backwards: {read: true} exported every fence): " +
  "pass who will wait, exportSyncFile('reader') for the writers' fences a reader waits for, " +
  "or exportSyncFile('writer') for every fence a writer waits for";
const legacyImport =
  "importSyncFile no longer takes {write}: pass what the fence's work does to the buffer, " +
  "importSyncFile(file, 'write') for a writer's (exclusive) fence or importSyncFile(file, 'read') for a reader's";

/** A required choice among names; an object (the old flag form) gets `legacy` as its message. */
function assertNamed<T extends string>(fn: string, name: string, value: unknown, allowed: readonly T[], legacy: string): asserts value is T {
  if (typeof value === 'object' && value !== null) {
    throw Object.assign(new TypeError(legacy), { code: 'ERR_INVALID_ARG_TYPE' });
  }
  if (value === undefined) {
    throw Object.assign(new TypeError(`${fn} needs ${name}: one of ${allowed.map((a) => `'${a}'`).join(', ')}`), {
      code: 'ERR_INVALID_ARG_TYPE',
    });
  }
  assertOneOf(name, value, allowed);
}

const isClosed = (mapping: Mapping): boolean => mapping.closed;

/** Longest name DMA_BUF_SET_NAME keeps, in bytes, without the terminating NUL. */
export const DMA_BUF_NAME_MAX = 31;

/** Options of `DmaBuf.map()`. */
export interface MapOptions {
  /** `'read'`, `'write'` or `'readwrite'` (default). A mapping can't exceed the fd's own access. */
  access?: Access;
  /** Byte offset into the buffer, page aligned (default 0). */
  offset?: number;
  /** Bytes to map (default: the rest of the buffer from `offset`). */
  length?: number;
}

/** Options of `DmaBuf.derive()`. */
export interface DeriveOptions {
  /** The alias's access: `'read'` (default), `'write'` or `'readwrite'`; at most the original's. */
  access?: Access;
  /** Close the alias on exec (default true). */
  cloexec?: boolean;
}

/** @internal Key of DmaBuf's tracked mappings, for VfioDevice and tests. */
export const trackedMappings = Symbol('dmabuf.trackedMappings');

/**
 * Owns a dma-buf fd. A dma-buf can come from a heap (`DmaHeap`), a DRM
 * driver (`GemBuffer.exportDmaBuf`), udmabuf, VFIO, or another process.
 */
export class DmaBuf extends FdResource {
  /**
   * Mappings made by map(), weakly (a mapping's owner decides its lifetime),
   * kept only for buffers an exporter may revoke (VfioDevice's, and any
   * taken with fromFd): a WeakRef per map() is the costliest part of a map
   * for the heap, GEM and udmabuf buffers that cannot be revoked.
   */
  #mappings: WeakMembers<Mapping> | undefined;
  /** The size, read once: a dma-buf's size is fixed when it is created. */
  #size: number | undefined;

  /** @internal use DmaBuf.fromFd; `registered` when the native call registered the fd (FdResource) */
  constructor(fd: number, registered = false) {
    super(fd, 'dma-buf', registered);
  }

  /**
   * Takes ownership of an open dma-buf fd.
   * @throws {FdTypeError} the fd is not a dma-buf (a pipe, /dev/null, a sync_file…)
   * @throws {KernelError} EBADF: the fd is not open
   */
  static fromFd(fd: number): DmaBuf {
    assertFdKind(fd, 'dmaBuf');
    const buf = new DmaBuf(fd);
    buf[trackedMappings](); // it may be a VFIO buffer: VfioDevice.revoke() unmaps what it mapped
    return buf;
  }

  /**
   * Size in bytes (the dma-buf inode's size, as lseek(SEEK_END) reports it).
   * @throws {ClosedError} after close()
   */
  get size(): number {
    const fd = this.open();
    return (this.#size ??= fstatSync(fd).size);
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
   * every fd of the buffer. DMA_BUF_SET_NAME, kernel 5.8+. Only names that
   * read back exactly are accepted: the kernel keeps at most 31 bytes and
   * stops at NUL, and fdinfo prints the name on one line, so a newline
   * would cut it; a lone UTF-16 surrogate has no UTF-8 form.
   * @param name at most 31 bytes of UTF-8; no NUL, no newline, no lone surrogate
   * @throws {TypeError} (code ERR_INVALID_ARG_VALUE) the name holds NUL, a newline or a lone surrogate
   * @throws {RangeError} (code ERR_OUT_OF_RANGE) the name is longer than 31 bytes of UTF-8
   * @throws {ClosedError} after close()
   * @throws {KernelError} from DMA_BUF_SET_NAME (EBUSY on kernels before 6.4 once the buffer is attached to a device)
   */
  setName(name: string): void {
    assertString('name', name);
    const bad = /\0|\n|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.exec(name);
    if (bad) {
      const what = bad[0] === '\0' ? 'NUL' : bad[0] === '\n' ? 'a newline' : 'a lone surrogate';
      throw Object.assign(
        new TypeError(`name must be text the kernel can store and fdinfo can show: it holds ${what} at index ${bad.index}`),
        { code: 'ERR_INVALID_ARG_VALUE' },
      );
    }
    const bytes = Buffer.byteLength(name, 'utf8');
    if (bytes > DMA_BUF_NAME_MAX) {
      throw rangeError(`name must be at most ${DMA_BUF_NAME_MAX} bytes of UTF-8, received ${bytes} bytes`);
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
    this.#mappings?.add(mapping);
    return mapping;
  }

  /**
   * @internal Unmaps every live mapping made through this object (their
   * ArrayBuffers then read zeros): used before the exporter revokes the
   * buffer, after which touching the old memory would kill the process with
   * SIGBUS.
   */
  unmapAll(): void {
    if (!this.#mappings) return;
    for (const mapping of this.#mappings) mapping.unmap();
    this.#mappings.clear();
  }

  /**
   * @internal The mappings made through this object from now on (a symbol:
   * no public member); the first call starts tracking them.
   */
  [trackedMappings](): WeakMembers<Mapping> {
    return (this.#mappings ??= new WeakMembers<Mapping>(isClosed));
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
    // Compared directly first (a per-frame call); the full check only for a bad mode.
    if (mode !== 'readwrite' && mode !== 'write' && mode !== 'read') assertOneOf('mode', mode, accessModes);
    return new CpuAccess(this, this.open(), mode);
  }

  /**
   * A snapshot of the fences that `waiter` must wait for before touching the
   * buffer, as a SyncFile (DMA_BUF_IOCTL_EXPORT_SYNC_FILE, kernel 6.0+):
   * - `'reader'`: the writers' fences (kernel flag DMA_BUF_SYNC_READ), what a
   *   reader waits for before reading;
   * - `'writer'`: every fence, readers' and writers' (DMA_BUF_SYNC_WRITE),
   *   what a writer waits for before writing.
   * The argument names who will wait, not the kernel's flag bits, so the
   * answer cannot be got backwards; it is required.
   * @param waiter `'reader'` or `'writer'`
   * @throws {TypeError} (code ERR_INVALID_ARG_TYPE) waiter is missing or not
   *   `'reader'`/`'writer'`, including the old `{read, write}` object form
   * @throws {ClosedError} after close()
   * @throws {FeatureError} the kernel predates the ioctl (ENOTTY)
   */
  exportSyncFile(waiter: FenceWaiter): SyncFile {
    // Compared directly first: the full check (and its messages) only for a bad argument.
    if (waiter !== 'writer' && waiter !== 'reader') assertNamed('exportSyncFile', 'waiter', waiter, fenceWaiters, legacyExport);
    const flags = waiter === 'reader' ? DMA_BUF_SYNC_READ : DMA_BUF_SYNC_WRITE;
    const fd = this.#ioctl(native.dmaBufExportSyncFile(this.open(), flags), 'DMA_BUF_IOCTL_EXPORT_SYNC_FILE');
    return SyncFile.adopt(fd, true);
  }

  /**
   * Adds a SyncFile's fence to the buffer's implicit fences
   * (DMA_BUF_IOCTL_IMPORT_SYNC_FILE, kernel 6.0+). `access` says what the
   * fence's work does to the buffer:
   * - `'write'`: it writes the buffer (an exclusive fence, DMA_BUF_SYNC_WRITE):
   *   every later reader and writer waits for it;
   * - `'read'`: it only reads the buffer (a shared fence): later writers wait
   *   for it, readers do not.
   * Required, so the choice is always explicit. The SyncFile stays owned by
   * the caller.
   * @param access `'write'` or `'read'`
   * @throws {TypeError} syncFile is not a SyncFile; (code ERR_INVALID_ARG_TYPE)
   *   access is missing or not `'write'`/`'read'`, including the old `{write}` form
   * @throws {ClosedError} either object is closed
   * @throws {FeatureError} the kernel predates the ioctl (ENOTTY)
   */
  importSyncFile(syncFile: SyncFile, access: FenceAccess): void {
    assertInstance('syncFile', syncFile, SyncFile);
    assertNamed('importSyncFile', 'access', access, fenceAccesses, legacyImport);
    const flags = access === 'write' ? DMA_BUF_SYNC_READ | DMA_BUF_SYNC_WRITE : DMA_BUF_SYNC_READ;
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
   * reading it is safe (dma-buf poll EPOLLIN). Rejects with FenceError if one
   * of those fences signalled with an error while this wait was pending.
   * Waits on the event loop; no thread is blocked. poll carries no error, so
   * each wakeup also holds a snapshot of the pending fences
   * (`exportSyncFile('reader')`, Linux 6.0+; without it failures go
   * unnoticed) whose members' statuses tell a failure. A fence that had
   * already failed before the call is not seen: the kernel drops signalled
   * fences from what it exports.
   * @throws {AbortError} (rejection) the signal fired, or the DmaBuf was closed while waiting
   * @throws {TimeoutError} (rejection) `timeout` ms elapsed first
   * @throws {FenceError} (rejection) a writer's fence signalled with an error
   */
  whenReadable(limits: WaitLimits = {}): Promise<void> {
    return this.#whenReady(READABLE, 'reader', limits, "dma-buf writers' fences");
  }

  /**
   * Resolves when every implicit fence on the buffer (readers' and writers')
   * has signalled, so writing it is safe (dma-buf poll EPOLLOUT). Rejects
   * with FenceError if one of them failed while this wait was pending, as
   * `whenReadable` (with `exportSyncFile('writer')` snapshots).
   * @throws {AbortError} (rejection) the signal fired, or the DmaBuf was closed while waiting
   * @throws {TimeoutError} (rejection) `timeout` ms elapsed first
   * @throws {FenceError} (rejection) a fence signalled with an error
   */
  whenWritable(limits: WaitLimits = {}): Promise<void> {
    return this.#whenReady(WRITABLE, 'writer', limits, 'dma-buf fences');
  }

  #whenReady(events: number, waiter: FenceWaiter, limits: WaitLimits, what: string): Promise<void> {
    // The fences pending at the last wakeup, and the first failure seen among them.
    let snapshot: SyncFile | undefined;
    let names: FenceNames[] | undefined;
    let failure: FenceError | undefined;
    const release = (): void => {
      snapshot?.close();
      snapshot = undefined;
    };
    try {
      const checked = checkWaitLimits(limits);
      const waiting = this.watcher().wait(
        events,
        () => {
          // Exported before poll, so a fence that signals in between is in it.
          const next = this.#snapshot(waiter);
          if (snapshot) failure ??= fenceFailure(snapshot.fd, 0, what, names);
          release();
          snapshot = next;
          // Names of the pending fences, for the error: the kernel hides them once they signal.
          names = snapshot && fenceNames(snapshot.fd);
          const ready = check(native.pollNow(this.open(), events), { syscall: 'poll', context: what });
          if (!(ready & events)) return { done: false };
          if (snapshot) failure ??= fenceFailure(snapshot.fd, 0, what, names);
          if (failure) throw failure;
          return { done: true, value: undefined };
        },
        checked,
        what,
      );
      return waiting.finally(release);
    } catch (error) {
      release();
      return Promise.reject(error);
    }
  }

  /** The fences `waiter` waits for now, or undefined on a kernel without EXPORT_SYNC_FILE. */
  #snapshot(waiter: FenceWaiter): SyncFile | undefined {
    try {
      return this.exportSyncFile(waiter);
    } catch (error) {
      if (error instanceof FeatureError) return undefined;
      throw error;
    }
  }

  /** ENOTTY means this kernel lacks the ioctl: a FeatureError saying which kernel has it. */
  #ioctl(result: number, request: string): number {
    if (result >= 0) return result; // the error's details are built only for a failure
    const requires = requirement[request] ?? 'a newer kernel';
    return checkFeature(result, { missing: ENOTTY, feature: request, requires }, { syscall: 'ioctl', request });
  }
}

const requirement: Record<string, string> = {
  DMA_BUF_IOCTL_EXPORT_SYNC_FILE: 'needs Linux 6.0+',
  DMA_BUF_IOCTL_IMPORT_SYNC_FILE: 'needs Linux 6.0+',
  DMA_BUF_IOCTL_DERIVE: 'a proposed interface, not in mainline Linux; needs a kernel carrying the DMA_BUF_IOCTL_DERIVE patch',
};
