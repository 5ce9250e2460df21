// SPDX-License-Identifier: MIT
/**
 * GEM buffer objects, by handle on one DRM device.
 * @module
 */
import { assertOneOf, flag, options } from '../args.js';
import { type Access, O_CLOEXEC, O_RDWR, accessModes } from '../constants.js';
import { DmaBuf } from '../dma-buf.js';
import { check } from '../errors.js';
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
   * the dma-buf can be mapped writable.
   * @throws {ClosedError} the handle or device is closed
   * @throws {KernelError} from PRIME_HANDLE_TO_FD (ENOENT: stale handle; EOPNOTSUPP: no PRIME)
   */
  exportDmaBuf(opts?: { access?: Access; cloexec?: boolean }): DmaBuf {
    const o = options<{ access: Access; cloexec: boolean }>('options', opts, ['access', 'cloexec']);
    const access = o.access ?? 'readwrite';
    assertOneOf('options.access', access, accessModes);
    const cloexec = flag('options.cloexec', o.cloexec, true);
    // DRM_RDWR is O_RDWR; DRM_CLOEXEC is O_CLOEXEC. PRIME has no write-only mode.
    const flags = (access === 'read' ? 0 : O_RDWR) | (cloexec ? O_CLOEXEC : 0);
    const fd = check(native.drmPrimeHandleToFd(this.deviceFd(), this.handle, flags), {
      syscall: 'ioctl',
      request: 'DRM_IOCTL_PRIME_HANDLE_TO_FD',
      path: this.device.path,
    });
    return new DmaBuf(fd);
  }
}
