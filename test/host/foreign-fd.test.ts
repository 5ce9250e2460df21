// SPDX-License-Identifier: MIT
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DmaBuf, EventFd, FdTypeError, KernelError, SyncFile } from '../../lib/index.js';
import { fdCount } from '../helpers/env.js';

describe('adopting fds of the wrong kind', () => {
  it('refuses /dev/null as a dma-buf, sync_file or eventfd, and leaves the fd open', () => {
    const before = fdCount();
    const fd = openSync('/dev/null', 'r');
    try {
      for (const adopt of [DmaBuf.fromFd, SyncFile.fromFd, EventFd.fromFd]) {
        const error = (() => {
          try {
            adopt(fd);
          } catch (e) {
            return e;
          }
        })();
        expect(error).toBeInstanceOf(FdTypeError);
        expect((error as FdTypeError).code).toBe('ERR_INVALID_FD_TYPE');
        expect((error as Error).message).toContain('/dev/null');
      }
    } finally {
      closeSync(fd);
    }
    expect(fdCount()).toBe(before);
  });

  it('refuses a pipe (a FIFO) as a dma-buf or sync_file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmabuf-fifo-'));
    const path = join(dir, 'fifo');
    execFileSync('mkfifo', [path]);
    const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
    try {
      expect(() => DmaBuf.fromFd(fd)).toThrow(FdTypeError);
      expect(() => SyncFile.fromFd(fd)).toThrow(FdTypeError);
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true });
    }
  });

  it('refuses an eventfd as a dma-buf', () => {
    using efd = EventFd.create();
    expect(() => DmaBuf.fromFd(efd.fd)).toThrow(FdTypeError);
    expect(() => SyncFile.fromFd(efd.fd)).toThrow(/is not a sync_file \(it is anon_inode:\[eventfd\]\)/);
  });

  it('reports a closed fd as EBADF', () => {
    const fd = openSync('/dev/null', 'r');
    closeSync(fd);
    const error = (() => {
      try {
        DmaBuf.fromFd(fd);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(KernelError);
    expect((error as KernelError).code).toBe('EBADF');
  });

  it('refuses non-integer fds with a TypeError or RangeError', () => {
    expect(() => DmaBuf.fromFd('3' as unknown as number)).toThrow(TypeError);
    expect(() => DmaBuf.fromFd(-1)).toThrow(RangeError);
    expect(() => SyncFile.fromFd(1.5)).toThrow(RangeError);
  });
});
