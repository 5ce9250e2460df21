// SPDX-License-Identifier: MIT
/**
 * The lifetime of a per-DRM-file handle (GEM object, syncobj).
 * @module
 */
import { ClosedError } from '../errors.js';
import type { DrmDevice } from './device.js';

/**
 * A handle on one DrmDevice, released exactly once: by `close()`, or by the
 * device itself when the device closes (the kernel drops every handle of a
 * DRM file with it). Handles are not reference-counted by the kernel, so the
 * device keeps one object per handle.
 */
export abstract class DeviceHandle implements Disposable {
  /** The device whose DRM file the handle belongs to; the handle means nothing on another fd. */
  readonly device: DrmDevice;
  /** The kernel's handle number, valid on `device`'s fd until `close()`. */
  readonly handle: number;
  readonly #label: string;
  #release: (() => void) | undefined;

  protected constructor(device: DrmDevice, handle: number, release: () => void, label: string) {
    this.device = device;
    this.handle = handle;
    this.#release = release;
    this.#label = label;
  }

  /** True once closed, or once its device is. */
  get closed(): boolean {
    return this.#release === undefined || this.device.closed;
  }

  /** Releases the handle. Calling it again does nothing. */
  close(): void {
    const release = this.#release;
    this.#release = undefined;
    if (release && !this.device.closed) release();
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal the device went away and took the handle with it */
  forget(): void {
    this.#release = undefined;
  }

  /**
   * @internal the handle, for a request that names it (an atomic commit's
   * framebuffer or blob id): the check deviceFd() makes, without fetching
   * the fd, which the commit has already (one call fewer per frame)
   * @throws {ClosedError} the handle or its device is closed
   */
  liveHandle(): number {
    if (this.closed) throw new ClosedError(`${this.#label} ${this.handle}`);
    return this.handle;
  }

  /**
   * @internal the device's fd, for ioctls on this handle
   * @throws {ClosedError} the handle or its device is closed
   */
  deviceFd(): number {
    this.liveHandle();
    return this.device.fdForHandles();
  }
}
