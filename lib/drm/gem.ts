// SPDX-License-Identifier: MIT
/**
 * GEM buffer objects, by handle on one DRM device.
 * @module
 */
import { closeFd } from '../fd-native.js';

import { assertOneOf, flag, options } from '../args.js';
import { type Access, O_ACCMODE, O_CLOEXEC, O_RDONLY, O_RDWR, accessModes } from '../constants.js';
import { DmaBuf } from '../dma-buf.js';
import { AccessModeError, check } from '../errors.js';
import { readDmaBufFdInfo } from '../fdinfo.js';
import { native } from '../native.js';
import type { DrmDevice } from './device.js';
import { DeviceHandle } from './device-handle.js';

/**
 * A GEM handle owned by this object, closed exactly once (DRM_IOCTL_GEM_CLOSE).
 * Handles are per DRM file and the kernel does not count their users, so the
 * device keeps one GemBuffer per handle; closing the device releases them all.
 */
export class GemBuffer extends DeviceHandle {
  /** Bytes. */
  readonly size: number;
  /** Bytes per row for dumb buffers, 0 for imported buffers. */
  readonly pitch: number;

  /** @internal created by DrmDevice */
  constructor(device: DrmDevice, handle: number, size: number, pitch: number, release: () => void) {
    super(device, handle, release, 'GEM handle');
    this.size = size;
    this.pitch = pitch;
  }

  /**
   * Exports the object as a dma-buf (DRM_IOCTL_PRIME_HANDLE_TO_FD). Needs
   * DRM_CAP_PRIME export. `access` other than `'read'` asks for DRM_RDWR so
   * the dma-buf can be mapped writable (PRIME has no write-only mode:
   * `'write'` gets read-write).
   *
   * The kernel makes one dma-buf per GEM object and keeps it for as long as
   * the object has a handle, even after every fd of it is closed; later
   * exports return new fds of that same file, with the access mode of the
   * first export (an imported object's is the original dma-buf's). So an
   * export whose access differs from that mode cannot be honoured: the fd
   * is closed and AccessModeError thrown, rather than hand out more or less
   * access than asked. To get a read-only fd of a buffer already exported
   * read-write, use `DmaBuf.derive()` where the kernel has it. Reads
   * /proc/self/fdinfo to learn the mode.
   * @throws {ClosedError} the handle or device is closed
   * @throws {AccessModeError} the object's dma-buf already exists with another access mode
   * @throws {KernelError} from PRIME_HANDLE_TO_FD (ENOENT: stale handle; EOPNOTSUPP: no PRIME); reading fdinfo
   */
  exportDmaBuf(opts?: { access?: Access; cloexec?: boolean }): DmaBuf {
    const o = options<{ access: Access; cloexec: boolean }>('options', opts, ['access', 'cloexec']);
    const access = o.access ?? 'readwrite';
    assertOneOf('options.access', access, accessModes);
    const cloexec = flag('options.cloexec', o.cloexec, true);
    // DRM_RDWR is O_RDWR; DRM_CLOEXEC is O_CLOEXEC.
    const mode = access === 'read' ? O_RDONLY : O_RDWR;
    const fd = check(native.drmPrimeHandleToFd(this.deviceFd(), this.handle, mode | (cloexec ? O_CLOEXEC : 0)), {
      syscall: 'ioctl',
      request: 'DRM_IOCTL_PRIME_HANDLE_TO_FD',
      path: this.device.path,
    });
    let actual: number;
    try {
      actual = readDmaBufFdInfo('self', fd).flags & O_ACCMODE;
    } catch (error) {
      closeFd(fd);
      throw error;
    }
    if (actual !== mode) {
      closeFd(fd);
      const [want, got] = [mode, actual].map((m) => (m === O_RDONLY ? 'read' : m === O_RDWR ? 'readwrite' : 'write'));
      throw new AccessModeError(
        `GEM handle ${this.handle} already has a dma-buf opened '${got}'; the kernel reuses it (and its access mode) for ` +
          `every export while the handle lives, so '${access}' cannot be had`,
        want!,
        got!,
      );
    }
    return new DmaBuf(fd);
  }
}
