// SPDX-License-Identifier: MIT
/**
 * A bracket of CPU access to a dma-buf's mapping (DMA_BUF_IOCTL_SYNC).
 * @module
 */
import { DMA_BUF_SYNC_END, DMA_BUF_SYNC_READ, DMA_BUF_SYNC_START, DMA_BUF_SYNC_WRITE } from './constants.js';
import { type KernelErrorDetails, check } from './errors.js';
import { native } from './native.js';

/** What the CPU is about to do with the mapping. */
export type CpuAccessMode = 'read' | 'write' | 'readwrite';

export function syncFlags(mode: CpuAccessMode): number {
  return (mode === 'write' ? 0 : DMA_BUF_SYNC_READ) | (mode === 'read' ? 0 : DMA_BUF_SYNC_WRITE);
}

/** The buffer a CpuAccess brackets: whether it is still open, and its fd. */
export interface CpuAccessTarget {
  readonly closed: boolean;
}

// Error details per mode and direction, built once: a begin/end pair is a hot
// path (once per frame in a render loop) and should allocate nothing.
function details(verb: string, mode: CpuAccessMode): KernelErrorDetails {
  return Object.freeze({ syscall: 'ioctl', request: 'DMA_BUF_IOCTL_SYNC', context: `${verb} CPU ${mode} access` });
}
const modes = ['read', 'write', 'readwrite'] as const;
const BEGIN = Object.fromEntries(modes.map((m) => [m, details('begin', m)])) as Record<CpuAccessMode, KernelErrorDetails>;
const END = Object.fromEntries(modes.map((m) => [m, details('end', m)])) as Record<CpuAccessMode, KernelErrorDetails>;

/**
 * Between DMA_BUF_IOCTL_SYNC START and END. The kernel requires END to carry
 * the same read/write bits as START; this object guarantees it. `end()` is
 * also `[Symbol.dispose]`, so `using access = buf.beginCpuAccess('write')`
 * ends the access when the block exits, however it exits.
 */
export class CpuAccess implements Disposable {
  /** What the CPU access was begun for; `end()` ends it with the same bits. */
  readonly mode: CpuAccessMode;
  #target: CpuAccessTarget | undefined;
  readonly #fd: number;

  /** @internal the caller checks that the buffer is open (passing its fd) and mode is valid */
  constructor(target: CpuAccessTarget, fd: number, mode: CpuAccessMode) {
    check(native.dmaBufSync(fd, syncFlags(mode) | DMA_BUF_SYNC_START), BEGIN[mode]);
    this.mode = mode;
    this.#target = target;
    this.#fd = fd;
  }

  /** True once ended. */
  get ended(): boolean {
    return this.#target === undefined;
  }

  /**
   * Ends the access (DMA_BUF_IOCTL_SYNC END). Calling it again does nothing;
   * if the buffer's fd was closed first there is nothing left to end.
   * @throws {KernelError} from DMA_BUF_IOCTL_SYNC
   */
  end(): void {
    const target = this.#target;
    this.#target = undefined;
    // A closed target's fd number may belong to something else by now.
    if (target === undefined || target.closed) return;
    check(native.dmaBufSync(this.#fd, syncFlags(this.mode) | DMA_BUF_SYNC_END), END[this.mode]);
  }

  /** Same as `end()`, for `using`. */
  [Symbol.dispose](): void {
    this.end();
  }
}
