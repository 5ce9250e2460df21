// SPDX-License-Identifier: MIT
// What an AtomicRequest hands the kernel: a property set again is replaced,
// unset() forgets one or all of an object's, and a request larger than any
// before (the reused arrays grow) reaches the kernel whole, negative
// positions included.
import { describe, expect, it } from 'vitest';

import { KernelError, UnknownPropertyError } from '../../lib/index.js';
import { dumbFb, modeset, openKms, placePlane } from '../helpers/kms.js';

const PLANE_PROPS = ['FB_ID', 'CRTC_ID', 'SRC_X', 'SRC_Y', 'SRC_W', 'SRC_H', 'CRTC_X', 'CRTC_Y', 'CRTC_W', 'CRTC_H'];

describe('KMS atomic requests', () => {
  it('set again replaces, unset forgets one or all, and a large request arrives whole', (ctx) => {
    using f = openKms(ctx, { planes: [{ type: 'primary' }, { type: 'overlay' }, { type: 'overlay' }, { type: 'overlay' }, { type: 'overlay' }] });
    const { kms, pipe } = f;
    const { hdisplay: w, vdisplay: h } = pipe.mode;
    using fb = dumbFb(kms, w, h);
    using small = dumbFb(kms, 32, 32);
    using blob = kms.createModeBlob(pipe.mode);
    const overlays = kms.discover().planes.filter((p) => p.type === 'overlay');
    expect(overlays).toHaveLength(4);
    const test = (r: ReturnType<typeof kms.request>): unknown => r.commit({ testOnly: true, allowModeset: true });
    const refusal = (r: ReturnType<typeof kms.request>): unknown => {
      try {
        test(r);
      } catch (error) {
        expect(error).toBeInstanceOf(KernelError);
        return (error as KernelError).code;
      }
      return 'accepted';
    };

    const req = modeset(kms, pipe, fb.fb, blob);
    const base = req.size;
    req.set(pipe.crtc, 'ACTIVE', 2);
    expect(req.size).toBe(base);
    expect(refusal(req)).toBe('EINVAL');
    req.set(pipe.crtc, 'ACTIVE', 1); // replaced: the kernel sees 1 only
    expect(refusal(req)).toBe('accepted');

    req.set(overlays[0]!, 'FB_ID', small.fb); // a framebuffer without a CRTC
    expect(req.size).toBe(base + 1);
    expect(refusal(req)).toBe('EINVAL');
    req.unset(overlays[0]!, 'FB_ID');
    expect(req.size).toBe(base);
    expect(refusal(req)).toBe('accepted');
    expect(() => req.unset(overlays[0]!, 'FB_IDX')).toThrow(UnknownPropertyError);

    placePlane(req, pipe, overlays[0]!, small, 0, 0).set(overlays[0]!, 'SRC_W', 64 << 16); // larger than its framebuffer
    expect(refusal(req)).toBe('ENOSPC');
    req.unset(overlays[0]!);
    expect(req.size).toBe(base);
    expect(refusal(req)).toBe('accepted');

    // Over 32 properties on six objects; the last plane's values decide the outcome.
    for (const plane of overlays.slice(0, 3)) for (const name of PLANE_PROPS) req.set(plane, name, name === 'FB_ID' || name === 'CRTC_ID' ? null : 0);
    const last = overlays[3]!;
    placePlane(req, pipe, last, small, -5, 7).set(last, 'SRC_H', 64 << 16);
    expect(req.size).toBeGreaterThan(32);
    expect(refusal(req)).toBe('ENOSPC');
    req.set(last, 'SRC_H', 32 << 16);
    req.commit({ allowModeset: true });
    const value = (name: string): unknown => kms.properties(last).find((p) => p.name === name)?.value;
    expect([value('FB_ID'), value('CRTC_ID'), value('CRTC_X'), value('CRTC_Y'), value('SRC_H')]).toEqual([small.fb.id, pipe.crtc.id, -5, 7, 32 << 16]);
  });

  it("names a property by the object it is set on, whatever was set or refused before (FB_ID is a plane's, never a CRTC's)", (ctx) => {
    using f = openKms(ctx);
    const { kms, pipe } = f;
    using fb = dumbFb(kms, 32, 32);
    const props = (obj: { id: number }): Map<string, number> => new Map(kms.properties(obj).map((p) => [p.name, p.id]));
    const req = kms.request();
    req.set(pipe.primary, 'FB_ID', fb.fb).set(pipe.primary, 'CRTC_ID', pipe.crtc);
    // A refused name on another object, then the first object's names on it: refused too.
    expect(() => req.set(pipe.crtc, 'FB_IDX', 1)).toThrow(UnknownPropertyError);
    expect(() => req.set(pipe.crtc, 'CRTC_ID', pipe.crtc)).toThrow(UnknownPropertyError);
    expect(() => req.set(pipe.crtc, 'FB_ID', fb.fb)).toThrow(UnknownPropertyError);
    // One property (DRM core shares CRTC_ID's id between connectors and planes) on two
    // objects: two entries, each object's own.
    req.set(pipe.connector, 'CRTC_ID', pipe.crtc).set(pipe.primary, 'CRTC_ID', pipe.crtc);
    expect(props(pipe.connector).get('CRTC_ID')).toBe(props(pipe.primary).get('CRTC_ID'));
    expect(req.size).toBe(3);
    req.unset(pipe.connector, 'CRTC_ID');
    expect(req.size).toBe(2);
    req.set(pipe.primary, 'FB_ID', null);
    expect(req.size).toBe(2);
  });
});
