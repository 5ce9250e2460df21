// SPDX-License-Identifier: MIT
/**
 * Framebuffers: a buffer (or up to four planes of buffers) described to KMS
 * with a size, a pixel format and a modifier (DRM_IOCTL_MODE_ADDFB2).
 * @module
 */
import { assertInt, options, typeError, valueError } from '../args.js';
import { DmaBuf } from '../dma-buf.js';
import { EINVAL, ENOTTY, check } from '../errors.js';
import { native } from '../native.js';
import type { DrmDevice } from '../drm/device.js';
import { DeviceHandle } from '../drm/device-handle.js';
import { GemBuffer } from '../drm/gem.js';
import { fourccName, toFourcc, toModifier } from './fourcc.js';

/** One plane of a framebuffer's memory. */
export interface FramebufferPlane {
  /** A GEM buffer of this device, or any dma-buf (imported into the device with PRIME for the call). */
  buffer: GemBuffer | DmaBuf;
  /** Bytes per row. Default: the dumb buffer's pitch (required for a DmaBuf). */
  pitch?: number;
  /** Byte offset of the plane in the buffer. Default 0. */
  offset?: number;
}

/** What `Kms.addFramebuffer()` takes (drm_mode_fb_cmd2 of DRM_IOCTL_MODE_ADDFB2). */
export interface FramebufferOptions {
  /** Width in pixels, 1 to 65535 (the device's limits may be narrower). */
  width: number;
  /** Height in pixels, 1 to 65535 (the device's limits may be narrower). */
  height: number;
  /** FourCC name (`'XR24'`) or code. */
  format: string | number;
  /** The memory, one entry per format plane (one for RGB formats, two for NV12…). */
  planes?: FramebufferPlane[];
  /** Shorthand for `planes: [{ buffer, pitch, offset }]`. */
  buffer?: GemBuffer | DmaBuf;
  /** With `buffer`: bytes per row (see `FramebufferPlane.pitch`). */
  pitch?: number;
  /** With `buffer`: byte offset of the image in the buffer (see `FramebufferPlane.offset`). Default 0. */
  offset?: number;
  /**
   * A format modifier for every plane (bigint, `'LINEAR'` or hex). Given, it
   * sets DRM_MODE_FB_MODIFIERS (the driver must have DRM_CAP_ADDFB2_MODIFIERS);
   * absent, the driver picks its implicit layout (linear for dumb buffers).
   */
  modifier?: bigint | string;
}

const FB_MODIFIERS = 1 << 1;

/**
 * A framebuffer id on one DRM file, owned by this object. `close()` uses
 * DRM_IOCTL_MODE_CLOSEFB where the kernel has it (6.8+), which leaves planes
 * that show it on screen; `remove()` is RMFB, which turns them off. Closing
 * the device removes every framebuffer of the file.
 */
export class Framebuffer extends DeviceHandle {
  /** Width in pixels, as given to ADDFB2. */
  readonly width: number;
  /** Height in pixels, as given to ADDFB2. */
  readonly height: number;
  /** FourCC name. */
  readonly format: string;
  static #closeFbMissing = false;

  /** @internal created by Kms.addFramebuffer */
  constructor(device: DrmDevice, id: number, width: number, height: number, format: number) {
    super(
      device,
      id,
      () => {
        if (!Framebuffer.#closeFbMissing) {
          const rc = native.kmsCloseFb(device.fdForHandles(), id);
          if (rc !== ENOTTY && rc !== EINVAL) {
            check(rc, { syscall: 'ioctl', request: 'DRM_IOCTL_MODE_CLOSEFB', path: device.path });
            return;
          }
          // EINVAL for an unknown core ioctl number on kernels before 6.8.
          Framebuffer.#closeFbMissing = true;
        }
        check(native.kmsRmFb(device.fdForHandles(), id), { syscall: 'ioctl', request: 'DRM_IOCTL_MODE_RMFB', path: device.path });
      },
      'framebuffer',
    );
    this.width = width;
    this.height = height;
    this.format = fourccName(format);
  }

  /** The framebuffer id, for FB_ID and WRITEBACK_FB_ID. */
  get id(): number {
    return this.handle;
  }

  /**
   * Removes the framebuffer and turns off every plane showing it
   * (DRM_IOCTL_MODE_RMFB). Calling it after close() does nothing.
   * @throws {KernelError} from RMFB
   */
  remove(): void {
    if (this.closed) return;
    const fd = this.deviceFd();
    this.forget();
    check(native.kmsRmFb(fd, this.handle), { syscall: 'ioctl', request: 'DRM_IOCTL_MODE_RMFB', path: this.device.path });
  }
}

/**
 * ADDFB2 on `device`. DmaBuf planes are imported with PRIME for the call;
 * a handle the device did not already hold is closed again afterwards (the
 * framebuffer keeps its own reference to the buffer).
 */
export function addFramebuffer(device: DrmDevice, opts: FramebufferOptions): Framebuffer {
  const o = options<FramebufferOptions>('options', opts, ['width', 'height', 'format', 'planes', 'buffer', 'pitch', 'offset', 'modifier']);
  assertInt('options.width', o.width, 1, 0xffff);
  assertInt('options.height', o.height, 1, 0xffff);
  const format = toFourcc('options.format', o.format as string | number);
  const planes = o.planes ?? (o.buffer !== undefined ? [{ buffer: o.buffer, pitch: o.pitch, offset: o.offset } as FramebufferPlane] : []);
  if (!Array.isArray(planes) || planes.length < 1 || planes.length > 4) {
    throw typeError('options.planes must hold 1 to 4 planes (or give options.buffer)');
  }
  const handles = new Uint32Array(4);
  const pitches = new Uint32Array(4);
  const offsets = new Uint32Array(4);
  const modifiers = new BigUint64Array(4);
  const modifier = o.modifier === undefined ? undefined : toModifier('options.modifier', o.modifier);
  const fd = device.fdForHandles();
  const imported: number[] = [];
  try {
    planes.forEach((plane, i) => {
      const p = options<FramebufferPlane>(`options.planes[${i}]`, plane, ['buffer', 'pitch', 'offset']);
      let pitch = p.pitch;
      if (p.buffer instanceof GemBuffer) {
        if (p.buffer.device !== device) throw valueError(`options.planes[${i}].buffer is a GemBuffer of another device; export it as a DmaBuf`);
        handles[i] = p.buffer.handle;
        p.buffer.deviceFd(); // ClosedError for a closed handle
        pitch ??= p.buffer.pitch || undefined;
      } else if (p.buffer instanceof DmaBuf) {
        const handle = check(native.drmPrimeFdToHandle(fd, p.buffer.fd), {
          syscall: 'ioctl',
          request: 'DRM_IOCTL_PRIME_FD_TO_HANDLE',
          path: device.path,
        });
        if (!device.ownsHandle(handle)) imported.push(handle);
        handles[i] = handle;
      } else {
        throw typeError(`options.planes[${i}].buffer must be a GemBuffer or a DmaBuf`);
      }
      if (pitch === undefined) throw typeError(`options.planes[${i}].pitch is required for a dma-buf`);
      assertInt(`options.planes[${i}].pitch`, pitch, 1, 0xffffffff);
      const offset = p.offset ?? 0;
      assertInt(`options.planes[${i}].offset`, offset, 0, 0xffffffff);
      pitches[i] = pitch;
      offsets[i] = offset;
      if (modifier !== undefined) modifiers[i] = modifier;
    });
    const id = check(
      native.kmsAddFb2(fd, o.width, o.height, format, modifier === undefined ? 0 : FB_MODIFIERS, handles, pitches, offsets, modifiers),
      { syscall: 'ioctl', request: 'DRM_IOCTL_MODE_ADDFB2', path: device.path, context: `framebuffer ${o.width}x${o.height} ${fourccName(format)}` },
    );
    return new Framebuffer(device, id, o.width, o.height, format);
  } finally {
    for (const handle of new Set(imported)) native.drmGemClose(fd, handle);
  }
}
