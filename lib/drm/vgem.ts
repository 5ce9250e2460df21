// SPDX-License-Identifier: MIT
/**
 * vgem's software fences: put an unsignalled fence on a buffer's implicit
 * fences and signal it when you choose. The tool for testing implicit sync
 * without a GPU.
 * @module
 */
import { assertInstance, flag, options } from '../args.js';
import { EOPNOTSUPP, FeatureError, check } from '../errors.js';
import { native } from '../native.js';
import type { DrmDevice } from './device.js';
import { GemBuffer } from './gem.js';

const VGEM_FENCE_WRITE = 1;

/**
 * A fence vgem attached to a buffer. Signal it with `signal()`; vgem signals
 * a forgotten fence by itself after 10 s. The fence belongs to the DRM file
 * (vgem keeps it by id per open device), not to the GEM handle: it can be
 * signalled after the buffer's handle is closed, for as long as the device
 * is open. Closing the device signals it (vgem does so for every fence of
 * the file it releases).
 */
export class VgemFence {
  /** The device whose file holds the fence. */
  readonly device: DrmDevice;
  /** vgem's fence id, as DRM_IOCTL_VGEM_FENCE_ATTACH returned it. */
  readonly id: number;
  #signaled = false;

  private constructor(device: DrmDevice, id: number) {
    this.device = device;
    this.id = id;
  }

  /**
   * Attaches an unsignalled fence to `gem`'s reservation
   * (DRM_IOCTL_VGEM_FENCE_ATTACH). As a `write` fence it blocks readers and
   * writers; otherwise only writers. Needs a vgem device (CONFIG_DRM_VGEM).
   * @throws {TypeError} gem is not a GemBuffer
   * @throws {FeatureError} the buffer's device is not vgem
   * @throws {KernelError} EBUSY when a conflicting fence is already attached
   */
  static attach(gem: GemBuffer, opts?: { write?: boolean }): VgemFence {
    assertInstance('gem', gem, GemBuffer);
    const write = flag('options.write', options<{ write: boolean }>('options', opts, ['write']).write, false);
    if (gem.device.driver !== 'vgem') {
      throw new FeatureError(EOPNOTSUPP, 'VGEM_FENCE_ATTACH', `needs a vgem device, this is '${gem.device.driver}'`, {
        syscall: 'ioctl',
        request: 'DRM_IOCTL_VGEM_FENCE_ATTACH',
        path: gem.device.path,
      });
    }
    const id = check(native.vgemFenceAttach(gem.deviceFd(), gem.handle, write ? VGEM_FENCE_WRITE : 0), {
      syscall: 'ioctl',
      request: 'DRM_IOCTL_VGEM_FENCE_ATTACH',
      path: gem.device.path,
    });
    return new VgemFence(gem.device, id);
  }

  /** True once `signal()` succeeded. */
  get signaled(): boolean {
    return this.#signaled;
  }

  /**
   * Signals the fence (DRM_IOCTL_VGEM_FENCE_SIGNAL). Works after the
   * buffer's GemBuffer is closed; needs the device open.
   * @throws {ClosedError} the device is closed (which signalled the fence already)
   * @throws {KernelError} ETIMEDOUT if vgem already signalled it on its own; ENOENT if signalled before
   */
  signal(): void {
    check(native.vgemFenceSignal(this.device.fdForHandles(), this.id), {
      syscall: 'ioctl',
      request: 'DRM_IOCTL_VGEM_FENCE_SIGNAL',
      path: this.device.path,
    });
    this.#signaled = true;
  }
}
