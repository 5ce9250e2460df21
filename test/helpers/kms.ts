// SPDX-License-Identifier: MIT
// KMS test plumbing: a vkms card of the file's own (test/helpers/vkms.ts)
// opened as DRM master, its display pipe picked out of discovery, and
// CPU-filled framebuffers to show and read back.
import { readlinkSync, readdirSync } from 'node:fs';
import { basename } from 'node:path';

import type { TestContext } from 'vitest';

import {
  type DmaBuf,
  DrmDevice,
  type Framebuffer,
  type GemBuffer,
  type Kms,
  type KmsConnector,
  type KmsCrtc,
  type KmsOptions,
  type KmsPlane,
  type DisplayMode,
  type Mapping,
  type PropertyBlob,
} from '../../lib/index.js';
import { need } from './env.js';
import { type VkmsDevice, type VkmsPipeline, createVkms } from './vkms.js';

/** One display pipe of a vkms device. */
export interface Pipe {
  crtc: KmsCrtc;
  connector: KmsConnector;
  /** Undefined on a pipe without writeback (and on a lessee's view). */
  writeback: KmsConnector | undefined;
  primary: KmsPlane;
  overlay: KmsPlane | undefined;
  cursor: KmsPlane | undefined;
  /** The connector's smallest mode: vkms composes in software, under TCG. */
  mode: DisplayMode;
}

export interface KmsFixture extends Disposable {
  vkms: VkmsDevice;
  device: DrmDevice;
  kms: Kms;
  pipe: Pipe;
}

/** Picks the first CRTC's pipe out of a discovery. */
export function pipeOf(kms: Kms): Pipe {
  const res = kms.discover();
  const crtc = res.crtcs[0]!;
  const on = (p: KmsPlane): boolean => p.possibleCrtcs.includes(crtc.id);
  const connector = res.connectors.find((c) => !c.writeback && c.status === 'connected')!;
  const writeback = res.connectors.find((c) => c.writeback && c.possibleCrtcs.includes(crtc.id));
  const mode = [...connector.modes].sort((a, b) => a.hdisplay * a.vdisplay - b.hdisplay * b.vdisplay)[0]!;
  return {
    crtc,
    connector,
    writeback,
    primary: res.planes.find((p) => p.type === 'primary' && on(p))!,
    overlay: res.planes.find((p) => p.type === 'overlay' && on(p)),
    cursor: res.planes.find((p) => p.type === 'cursor' && on(p)),
    mode,
  };
}

/**
 * SET_MASTER, retried for a while: another test file that lists or opens
 * DRM nodes by driver can hold master of a card for a moment.
 */
export function becomeMaster(kms: Kms): void {
  for (let tries = 0; ; tries++) {
    try {
      kms.setMaster();
      return;
    } catch (error) {
      if (tries > 200) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
}

/** A vkms device of this test file's own, opened as DRM master. */
export function openKms(ctx: TestContext, pipeline?: VkmsPipeline, opts?: KmsOptions): KmsFixture {
  const vkms = createVkms(ctx, pipeline);
  let device: DrmDevice | undefined;
  try {
    device = DrmDevice.open(vkms.cardPath);
    const kms = device.kms(opts);
    becomeMaster(kms);
    const dev = device;
    return {
      vkms,
      device,
      kms,
      pipe: pipeOf(kms),
      [Symbol.dispose]() {
        dev.close();
        vkms.dispose();
      },
    };
  } catch (error) {
    device?.close();
    vkms.dispose();
    throw error;
  }
}

/** The card node of the vkms device made at boot (configfs-made ones are faux devices with other names). */
function bootVkmsCard(): string | undefined {
  for (const entry of readdirSync('/sys/class/drm')) {
    if (!/^card\d+$/.test(entry)) continue;
    try {
      if (basename(readlinkSync(`/sys/class/drm/${entry}/device`)) === 'vkms') return `/dev/dri/${entry}`;
    } catch {
      // not a device-backed entry
    }
  }
  return undefined;
}

/**
 * The boot-time vkms device (the only one with the plane colour pipeline:
 * vkms.enable_plane_pipeline applies to it, not to configfs devices), as DRM
 * master. Another test file may hold master for a moment (drm-buffers opens
 * vkms by driver), so SET_MASTER is retried for a while.
 */
export function openBootKms(ctx: TestContext, opts?: KmsOptions): Omit<KmsFixture, 'vkms'> {
  const card = bootVkmsCard();
  need(ctx, card !== undefined, 'no boot-time vkms device (CONFIG_DRM_VKMS)');
  const device = DrmDevice.open(card!);
  try {
    const kms = device.kms(opts);
    becomeMaster(kms);
    return { device, kms, pipe: pipeOf(kms), [Symbol.dispose]: () => device.close() };
  } catch (error) {
    device.close();
    throw error;
  }
}

/** A CPU-filled XRGB/ARGB8888 dumb framebuffer. */
export interface TestFb extends Disposable {
  gem: GemBuffer;
  buf: DmaBuf;
  map: Mapping;
  fb: Framebuffer;
  width: number;
  height: number;
  /** Pixels as 0xAARRGGBB, row-major (pitch removed). */
  read(): Uint32Array;
  fill(pixel: (x: number, y: number) => number): void;
}

export function dumbFb(kms: Kms, width: number, height: number, format = 'XR24', pixel?: (x: number, y: number) => number): TestFb {
  const gem = kms.device.createDumb({ width, height, bpp: 32 });
  const buf = gem.exportDmaBuf();
  const map = buf.map();
  const fb = kms.addFramebuffer({ buffer: gem, width, height, format });
  const stride = gem.pitch / 4;
  const out: TestFb = {
    gem,
    buf,
    map,
    fb,
    width,
    height,
    read() {
      using _ = buf.beginCpuAccess('read');
      const all = new Uint32Array(map.buffer.slice(0, gem.pitch * height));
      const px = new Uint32Array(width * height);
      for (let y = 0; y < height; y++) px.set(all.subarray(y * stride, y * stride + width), y * width);
      return px;
    },
    fill(f) {
      using _ = buf.beginCpuAccess('write');
      const all = new Uint32Array(map.buffer, 0, stride * height);
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) all[y * stride + x] = f(x, y);
    },
    [Symbol.dispose]() {
      fb.close();
      map.close();
      buf.close();
      gem.close();
    },
  };
  if (pixel) out.fill(pixel);
  return out;
}

/**
 * Sets up a full modeset of `pipe` showing `fb` on the primary plane (to be
 * committed with allowModeset). The writeback connector is routed to the
 * CRTC here too: routing it later would be a modeset of its own.
 */
export function modeset(kms: Kms, pipe: Pipe, fb: Framebuffer, modeBlob: PropertyBlob) {
  const { crtc, connector, primary, mode } = pipe;
  const req = kms.request();
  if (pipe.writeback) req.set(pipe.writeback, 'CRTC_ID', crtc);
  return req
    .set(connector, 'CRTC_ID', crtc)
    .set(crtc, 'MODE_ID', modeBlob)
    .set(crtc, 'ACTIVE', 1)
    .set(primary, 'FB_ID', fb)
    .set(primary, 'CRTC_ID', crtc)
    .set(primary, 'SRC_X', 0)
    .set(primary, 'SRC_Y', 0)
    .set(primary, 'SRC_W', mode.hdisplay << 16)
    .set(primary, 'SRC_H', mode.vdisplay << 16)
    .set(primary, 'CRTC_X', 0)
    .set(primary, 'CRTC_Y', 0)
    .set(primary, 'CRTC_W', mode.hdisplay)
    .set(primary, 'CRTC_H', mode.vdisplay);
}

/** Places `fb` on `plane` at (x, y), unscaled. */
export function placePlane(req: ReturnType<Kms['request']>, pipe: Pipe, plane: KmsPlane, fb: TestFb, x: number, y: number) {
  return req
    .set(plane, 'FB_ID', fb.fb)
    .set(plane, 'CRTC_ID', pipe.crtc)
    .set(plane, 'SRC_X', 0)
    .set(plane, 'SRC_Y', 0)
    .set(plane, 'SRC_W', fb.width << 16)
    .set(plane, 'SRC_H', fb.height << 16)
    .set(plane, 'CRTC_X', x)
    .set(plane, 'CRTC_Y', y)
    .set(plane, 'CRTC_W', fb.width)
    .set(plane, 'CRTC_H', fb.height);
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Adds a writeback capture of the CRTC into `target` to the request, with its fence (the connector is routed by `modeset`). */
export function capture(req: ReturnType<Kms['request']>, pipe: Pipe, target: TestFb) {
  return req.set(pipe.writeback!, 'WRITEBACK_FB_ID', target.fb).writebackFence(pipe.writeback!);
}

/** The primary plane's FB_ID as the kernel holds it (its committed state, shown or not yet). */
export const primaryFbId = (kms: Kms, pipe: Pipe): unknown => kms.properties(pipe.primary).find((p) => p.name === 'FB_ID')?.value;

export const hex = (v: number): string => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
