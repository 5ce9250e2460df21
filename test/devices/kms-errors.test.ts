// SPDX-License-Identifier: MIT
// Bad input to KMS: impossible configurations refused by TEST_ONLY with
// nothing changed, unknown names as typed errors, a non-master file refused
// clearly, master handed over, closed objects, and no leaked fds.
import { describe, expect, it } from 'vitest';

import { ClosedError, DrmDevice, KernelError, PrivilegeError, SwSyncTimeline, UnknownPropertyError } from '../../lib/index.js';
import { native } from '../../lib/native.js';
import { leavesNoFdsOpen } from '../helpers/env.js';
import { dumbFb, modeset, openKms, pipeOf } from '../helpers/kms.js';

describe('KMS bad input', () => {
  leavesNoFdsOpen();

  it('kms() with a bad options bag throws before it sets any client cap', (ctx) => {
    using f = openKms(ctx);
    using fresh = DrmDevice.open(f.vkms.cardPath);
    // Without UNIVERSAL_PLANES (which ATOMIC implies) the kernel lists no primary or cursor planes.
    const before = native.kmsGetPlaneResources(fresh.fd);
    expect(() => fresh.kms({ colorPipeline: 'yes' as unknown as boolean })).toThrow(TypeError);
    expect(native.kmsGetPlaneResources(fresh.fd)).toEqual(before);
    expect((native.kmsGetPlaneResources(f.device.fd) as number[]).length).toBeGreaterThan((before as number[]).length);
  });

  it('TEST_ONLY of impossible configurations is a KernelError and changes nothing', (ctx) => {
    // Two CRTCs; the overlay may only go on the first.
    using f = openKms(ctx, {
      crtcs: [{ writeback: true }, { writeback: false }],
      planes: [{ type: 'primary', crtcs: [0] }, { type: 'primary', crtcs: [1] }, { type: 'overlay', crtcs: [0] }],
    });
    const { kms, pipe } = f;
    const { hdisplay: w, vdisplay: h } = pipe.mode;
    using fb = dumbFb(kms, w, h);
    using small = dumbFb(kms, 32, 32);
    using blob = kms.createModeBlob(pipe.mode);
    modeset(kms, pipe, fb.fb, blob).commit({ allowModeset: true });
    const res = kms.discover();
    const snapshot = JSON.stringify(res, (_, v: unknown) => (typeof v === 'bigint' ? `${v}` : v));
    const overlay = res.planes.find((p) => p.type === 'overlay')!;
    const otherCrtc = res.crtcs[1]!;
    expect(overlay.possibleCrtcs).toEqual([pipe.crtc.id]);

    const refused = (build: (r: ReturnType<typeof kms.request>) => unknown, code: string | RegExp): void => {
      const req = kms.request();
      build(req);
      let error: unknown;
      try {
        req.commit({ testOnly: true, allowModeset: true });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(KernelError);
      expect(error).toMatchObject({ code: typeof code === 'string' ? code : expect.stringMatching(code), request: 'DRM_IOCTL_MODE_ATOMIC' });
      expect((error as Error).message).toMatch(/atomic commit \(TEST_ONLY, ALLOW_MODESET\)/);
    };
    // A source rectangle larger than its framebuffer.
    refused((r) => r.set(overlay, 'FB_ID', small.fb).set(overlay, 'CRTC_ID', pipe.crtc).set(overlay, 'SRC_W', 64 << 16).set(overlay, 'SRC_H', 64 << 16).set(overlay, 'CRTC_W', 64).set(overlay, 'CRTC_H', 64), 'ENOSPC');
    // Scaling, which vkms planes cannot do (the helpers' scale check says ERANGE).
    refused((r) => r.set(overlay, 'FB_ID', small.fb).set(overlay, 'CRTC_ID', pipe.crtc).set(overlay, 'SRC_W', 32 << 16).set(overlay, 'SRC_H', 32 << 16).set(overlay, 'CRTC_W', 64).set(overlay, 'CRTC_H', 64), 'ERANGE');
    // A plane on a CRTC it cannot use.
    refused((r) => r.set(overlay, 'FB_ID', small.fb).set(overlay, 'CRTC_ID', otherCrtc).set(overlay, 'SRC_W', 32 << 16).set(overlay, 'SRC_H', 32 << 16).set(overlay, 'CRTC_W', 32).set(overlay, 'CRTC_H', 32), 'EINVAL');
    // A framebuffer id that does not exist (the core refuses the value itself).
    refused((r) => r.set(pipe.primary, 'FB_ID', 0x7fff0000), /^(EINVAL|ENOENT)$/);
    // A value outside the property's range.
    refused((r) => r.set(pipe.crtc, 'ACTIVE', 2), 'EINVAL');
    expect(JSON.stringify(kms.discover(), (_, v: unknown) => (typeof v === 'bigint' ? `${v}` : v))).toBe(snapshot);

    // A framebuffer larger than the device allows never gets an id.
    expect(() => kms.addFramebuffer({ buffer: small.gem, width: 9000, height: 32, format: 'XR24' })).toThrow(expect.objectContaining({ code: 'EINVAL', request: 'DRM_IOCTL_MODE_ADDFB2' }));
    // A pitch too small for the width.
    expect(() => kms.addFramebuffer({ buffer: small.gem, width: 32, height: 32, format: 'XR24', pitch: 64 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    // An unknown property or enum name is a typed error before the kernel is asked.
    expect(() => kms.request().set(pipe.primary, 'NO_SUCH_PROP', 1)).toThrow(UnknownPropertyError);
    expect(() => kms.request().set(pipe.primary, 'NO_SUCH_PROP', 1)).toThrow(/has no property 'NO_SUCH_PROP' \(it has: .*FB_ID/);
    expect(() => kms.request().set(pipe.primary, 'rotation', 'upside-down')).toThrow(/no value named 'upside-down'/);
    expect(() => kms.request().set(pipe.crtc, 'OUT_FENCE_PTR', 1)).toThrow(/outFence/);
    expect(() => kms.request().set(0x7ffffff0, 'FB_ID', 1)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => kms.request().set(pipe.primary, 'FB_ID', 1.5)).toThrow(TypeError);
    expect(() => kms.request().set(pipe.primary, 'MODE_ID' as string, 1)).toThrow(UnknownPropertyError);
  });

  it('a second, non-master file is refused with a PrivilegeError; master can be handed over', (ctx) => {
    using f = openKms(ctx);
    const { kms, pipe } = f;
    using second = DrmDevice.open(f.vkms.cardPath);
    const kms2 = second.kms();
    using fb = dumbFb(kms, pipe.mode.hdisplay, pipe.mode.vdisplay);
    using blob = kms2.createModeBlob(pipe.mode);
    const fb2 = kms2.addFramebuffer({ buffer: second.importDmaBuf(fb.buf), width: fb.width, height: fb.height, format: 'XR24', pitch: fb.gem.pitch });
    const attempt = (): unknown => modeset(kms2, pipeOf(kms2), fb2, blob).commit({ allowModeset: true, testOnly: true });
    expect(attempt).toThrow(PrivilegeError);
    expect(attempt).toThrow(expect.objectContaining({ code: 'EACCES', privilege: 'drm-master' }));
    expect(attempt).toThrow(/not DRM master/);
    expect(() => kms2.setMaster()).toThrow(expect.objectContaining({ code: 'EBUSY' }));
    // Handed over: the second file commits, the first is refused.
    kms.dropMaster();
    kms2.setMaster();
    attempt();
    expect(() => modeset(kms, pipe, fb.fb, kms.createModeBlob(pipe.mode)).commit({ allowModeset: true, testOnly: true })).toThrow(PrivilegeError);
    expect(() => kms.dropMaster()).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    kms2.dropMaster();
    kms.setMaster();
    fb2.close();
  });

  it('EBUSY: a nonblocking commit while the previous one is still pending', async (ctx) => {
    using f = openKms(ctx);
    const { kms, pipe } = f;
    using a = dumbFb(kms, pipe.mode.hdisplay, pipe.mode.vdisplay);
    using blob = kms.createModeBlob(pipe.mode);
    modeset(kms, pipe, a.fb, blob).commit({ allowModeset: true });
    using timeline = SwSyncTimeline.create();
    using fence = timeline.createFence(1);
    const first = kms.request().set(pipe.primary, 'FB_ID', a.fb).inFence(pipe.primary, fence).commit({ nonblock: true, event: true });
    const next = kms.request().set(pipe.primary, 'FB_ID', a.fb);
    expect(() => next.commit({ nonblock: true, event: true })).toThrow(expect.objectContaining({ code: 'EBUSY', message: expect.stringMatching(/has not completed yet/) }));
    expect(kms.pendingEvents).toBe(1); // the refused commit left no expectation behind
    timeline.advance(1);
    await first.flipped;
    await next.commit({ nonblock: true, event: true }).flipped;
  });

  it('closed framebuffers, blobs, fences and devices throw ClosedError', (ctx) => {
    using f = openKms(ctx);
    const { kms, pipe } = f;
    const fb = dumbFb(kms, 32, 32);
    const req = kms.request().set(pipe.primary, 'FB_ID', fb.fb);
    fb.fb.close();
    fb.fb.close(); // twice is fine
    expect(() => req.commit({ testOnly: true })).toThrow(ClosedError);
    expect(() => kms.request().set(pipe.primary, 'FB_ID', fb.fb).commit({ testOnly: true })).toThrow(ClosedError);
    fb[Symbol.dispose]();
    const blob = kms.createModeBlob(pipe.mode);
    blob.close();
    expect(() => kms.request().set(pipe.crtc, 'MODE_ID', blob).commit({ testOnly: true })).toThrow(ClosedError);
    using timeline = SwSyncTimeline.create();
    const fence = timeline.createFence(1);
    fence.close();
    expect(() => kms.request().inFence(pipe.primary, fence).commit({ testOnly: true })).toThrow(ClosedError);
    const live = dumbFb(kms, 32, 32);
    f.device.close();
    expect(() => kms.discover()).toThrow(ClosedError);
    expect(() => kms.request()).toThrow(ClosedError);
    expect(() => kms.addFramebuffer({ buffer: live.gem, width: 32, height: 32, format: 'XR24' })).toThrow(ClosedError);
    expect(live.fb.closed).toBe(true);
    live.fb.close(); // the device took it with it: no ioctl, no throw
    live[Symbol.dispose]();
  });
});
