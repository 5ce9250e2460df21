// SPDX-License-Identifier: MIT
/**
 * sw_sync: software fence timelines for tests. Each open of the debugfs
 * file is a timeline; fences on it signal when the timeline reaches their
 * value, and signal with -ENOENT if the timeline is closed first.
 * @module
 */

import { assertInt, assertString, valueError } from './args.js';
import { O_CLOEXEC, O_RDWR } from './constants.js';
import { EIO, ENOENT, FeatureError, check } from './errors.js';
import { openFd } from './fd-native.js';
import { openError } from './node-access.js';
import { FdResource } from './fd-resource.js';
import { native } from './native.js';
import { SyncFile } from './sync-file.js';

const PATHS = ['/sys/kernel/debug/sync/sw_sync', '/sys/kernel/debug/sw_sync'];

/**
 * A sw_sync timeline. Needs CONFIG_SW_SYNC, debugfs mounted at
 * /sys/kernel/debug, and root (debugfs is root-only by default).
 */
export class SwSyncTimeline extends FdResource {
  #value = 0;

  private constructor(fd: number) {
    super(fd, 'sw_sync timeline');
  }

  /**
   * Opens a new timeline at value 0.
   * @throws {FeatureError} no sw_sync file (CONFIG_SW_SYNC off, or debugfs not mounted)
   * @throws {PrivilegeError} EACCES/EPERM without root (privilege `'root'`)
   * @throws {KernelError} other open errors
   */
  static create(): SwSyncTimeline {
    for (const path of PATHS) {
      try {
        return new SwSyncTimeline(openFd(path, O_RDWR | O_CLOEXEC));
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        if (e.code !== 'ENOENT') {
          throw openError(e.errno ?? EIO, path, 'a sw_sync timeline', {
            privilege: 'root',
            how: 'root: debugfs (and its sw_sync file) is readable by root only',
          });
        }
      }
    }
    throw new FeatureError(ENOENT, 'sw_sync', 'needs CONFIG_SW_SYNC and debugfs mounted at /sys/kernel/debug', {
      syscall: 'open',
      path: PATHS[0]!,
    });
  }

  /** How far this object has advanced the timeline. */
  get value(): number {
    return this.#value;
  }

  /**
   * A fence that signals when the timeline reaches `value` (SW_SYNC_IOC_CREATE_FENCE).
   * @throws {RangeError} value outside 0..2^32-1
   * @throws {ClosedError} after close()
   */
  createFence(value: number, name = `sw_sync ${value}`): SyncFile {
    assertInt('value', value, 0, 0xffffffff);
    assertString('name', name);
    if (name.includes('\0')) throw valueError('name must not contain NUL bytes');
    const fd = check(native.swSyncCreateFence(this.open(), value, name), {
      syscall: 'ioctl',
      request: 'SW_SYNC_IOC_CREATE_FENCE',
    });
    return SyncFile.adopt(fd);
  }

  /**
   * Advances the timeline by `count`, signalling the fences it passes (SW_SYNC_IOC_INC).
   * @throws {RangeError} count outside 1..2^31-1
   * @throws {ClosedError} after close()
   */
  advance(count = 1): void {
    assertInt('count', count, 1, 0x7fffffff);
    check(native.swSyncInc(this.open(), count), { syscall: 'ioctl', request: 'SW_SYNC_IOC_INC' });
    this.#value += count;
  }
}
