// SPDX-License-Identifier: MIT
/**
 * Numeric flags shared with the kernel ABI (Linux x86-64 / arm64 values).
 * @module
 */

export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_ACCMODE = 3;
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;

/** How a new fd may be used: the access mode it is opened with. */
export type Access = 'read' | 'write' | 'readwrite';
export const accessModes: readonly Access[] = ['read', 'write', 'readwrite'];

export function openMode(access: Access): number {
  return access === 'read' ? O_RDONLY : access === 'write' ? O_WRONLY : O_RDWR;
}

// dma-buf sync and sync_file import/export flags
export const DMA_BUF_SYNC_READ = 1;
export const DMA_BUF_SYNC_WRITE = 2;
export const DMA_BUF_SYNC_START = 0;
export const DMA_BUF_SYNC_END = 4;

// eventfd(2)
export const EFD_SEMAPHORE = 1;
export const EFD_NONBLOCK = O_NONBLOCK;
export const EFD_CLOEXEC = O_CLOEXEC;
