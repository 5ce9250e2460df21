// SPDX-License-Identifier: MIT
/**
 * Property blobs created by this file (DRM_IOCTL_MODE_CREATEPROPBLOB): a
 * mode for MODE_ID, a colour matrix for a colorop's DATA, and so on.
 * @module
 */
import { typeError } from '../args.js';
import { check } from '../errors.js';
import { native } from '../native.js';
import type { DrmDevice } from '../drm/device.js';
import { DeviceHandle } from '../drm/device-handle.js';

/**
 * A blob id owned by this object, destroyed by `close()`
 * (DESTROYPROPBLOB). A blob still referenced by a property stays alive in
 * the kernel until it is replaced, so closing right after a commit is safe.
 */
export class PropertyBlob extends DeviceHandle {
  /** The blob's size in bytes (drm_mode_create_blob.length). */
  readonly length: number;

  /** @internal created by Kms */
  constructor(device: DrmDevice, id: number, length: number) {
    super(
      device,
      id,
      () =>
        check(native.kmsDestroyPropBlob(device.fdForHandles(), id), {
          syscall: 'ioctl',
          request: 'DRM_IOCTL_MODE_DESTROYPROPBLOB',
          path: device.path,
        }),
      'property blob',
    );
    this.length = length;
  }

  /** The blob id, for blob properties such as MODE_ID. */
  get id(): number {
    return this.handle;
  }
}

/** CREATEPROPBLOB. @throws {KernelError} EINVAL for an empty blob */
export function createBlob(device: DrmDevice, bytes: Uint8Array): PropertyBlob {
  if (!(bytes instanceof Uint8Array)) throw typeError('bytes must be a Uint8Array');
  const id = check(native.kmsCreatePropBlob(device.fdForHandles(), bytes), {
    syscall: 'ioctl',
    request: 'DRM_IOCTL_MODE_CREATEPROPBLOB',
    path: device.path,
  });
  return new PropertyBlob(device, id, bytes.length);
}
