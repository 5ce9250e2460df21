// SPDX-License-Identifier: MIT
// KMS on a vkms device of this file's own: discovery, a full modeset with
// its page-flip event, composition of three planes checked pixel by pixel
// through writeback, vblank sequences, and events nobody awaits.
import { describe, expect, it } from 'vitest';

import { Format, fourcc, fourccName } from '../../lib/index.js';
import { leavesNoFdsOpen } from '../helpers/env.js';
import { capture, dumbFb, hex, modeset, openKms, placePlane, primaryFbId } from '../helpers/kms.js';

const bigintToString = (_: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}` : v);

describe('KMS on vkms: discovery, modeset, events, writeback', () => {
  leavesNoFdsOpen();

  it('discovers the Virtual connector with modes, primary/overlay/cursor planes and a writeback connector', (ctx) => {
    using f = openKms(ctx);
    const res = f.kms.discover();
    const virtual = res.connectors.find((c) => c.type === 'Virtual')!;
    // typeId counts connectors of a type across every device, so the number varies.
    expect(virtual).toMatchObject({ name: `Virtual-${virtual.typeId}`, status: 'connected', writeback: false });
    expect(virtual.modes.length).toBeGreaterThan(0);
    expect(virtual.modes.some((m) => m.preferred)).toBe(true);
    expect(virtual.possibleCrtcs).toEqual([res.crtcs[0]!.id]);
    expect(res.planes.map((p) => p.type).sort()).toEqual(['cursor', 'overlay', 'primary']);
    for (const plane of res.planes) {
      expect(plane.formats).toEqual(expect.arrayContaining(['XR24', 'AR24']));
      expect(plane.formatCodes).toContain(Format.XRGB8888);
      expect(plane.inFormats?.find((e) => e.format === 'XR24')?.modifiers).toContain('LINEAR');
      expect(plane.possibleCrtcs).toEqual([res.crtcs[0]!.id]);
    }
    const wb = res.connectors.find((c) => c.writeback)!;
    expect(wb.name).toMatch(/^Writeback-\d+$/);
    expect(wb.writebackFormats).toEqual(expect.arrayContaining(['XR24', 'AR24']));
    // Property metadata: types, flags, enum names, current values.
    const props = Object.fromEntries(f.pipe.primary.properties.map((p) => [p.name, p]));
    expect(props.type).toMatchObject({ type: 'enum', immutable: true, valueName: 'Primary' });
    expect(props.FB_ID).toMatchObject({ type: 'object', atomic: true, objectType: 'FB', value: 0 });
    expect(props.CRTC_X).toMatchObject({ type: 'signed-range', min: -2147483648, max: 2147483647 });
    expect(props.IN_FENCE_FD).toMatchObject({ type: 'signed-range', value: -1 });
    expect(props.IN_FORMATS).toMatchObject({ type: 'blob', immutable: true });
    expect(props.rotation).toMatchObject({ type: 'bitmask', valueName: ['rotate-0'] });
    expect(Object.fromEntries(f.pipe.crtc.properties.map((p) => [p.name, p])).ACTIVE).toMatchObject({ type: 'range', value: 0, min: 0, max: 1 });
    // Plain data: survives JSON (bigints, where a u64 needs one, by a replacer).
    expect(JSON.parse(JSON.stringify(res, bigintToString)).connectors[0].name).toBe(res.connectors[0]!.name);
    expect(fourccName(fourcc('XR24'))).toBe('XR24');
  });

  it('a full modeset flips with an event carrying sequence and timestamp; vblank sequences follow', async (ctx) => {
    using f = openKms(ctx);
    const { kms, pipe } = f;
    using fb = dumbFb(kms, pipe.mode.hdisplay, pipe.mode.vdisplay, 'XR24', () => 0x00336699);
    using blob = kms.createModeBlob(pipe.mode);
    const { flipped } = modeset(kms, pipe, fb.fb, blob).commit({ allowModeset: true, event: true });
    // The event of the commit that turns the CRTC on comes before its first
    // vblank: vkms (like the DRM core for any driver) reports sequence and
    // timestamp 0 then. Flips of a running CRTC carry real ones (below).
    expect(await flipped!).toMatchObject({ type: 'flip', crtcId: pipe.crtc.id });
    const crtc = kms.discover().crtcs[0]!;
    expect(crtc.active).toBe(true);
    expect(crtc.mode).toMatchObject({ hdisplay: pipe.mode.hdisplay, vdisplay: pipe.mode.vdisplay });
    expect(primaryFbId(kms, pipe)).toBe(fb.fb.id);

    const now = kms.crtcSequence(pipe.crtc);
    expect(now.active).toBe(true);
    const later = await kms.waitSequence(pipe.crtc, 2, { relative: true });
    expect(later).toMatchObject({ type: 'sequence', crtcId: pipe.crtc.id });
    expect(later.sequence).toBeGreaterThanOrEqual(now.sequence + 2);
    expect(later.timestampNs).toBeGreaterThan(now.timestampNs);

    // A page flip to a second framebuffer (no modeset).
    using fb2 = dumbFb(kms, pipe.mode.hdisplay, pipe.mode.vdisplay, 'XR24', () => 0x00aa0000);
    const before = process.hrtime.bigint();
    const second = kms.request().set(pipe.primary, 'FB_ID', fb2.fb).commit({ nonblock: true, event: true });
    const flip = await second.flipped!;
    expect(flip).toMatchObject({ type: 'flip', crtcId: pipe.crtc.id });
    expect(flip.sequence).toBeGreaterThan(later.sequence);
    // CLOCK_MONOTONIC, the clock process.hrtime reads: the vblank after the commit.
    expect(flip.timestampNs).toBeGreaterThan(before);
    expect(flip.timestampNs).toBeLessThanOrEqual(process.hrtime.bigint());
  });

  it('composes primary, overlay and an ARGB cursor in one commit; writeback captures it pixel-exact', async (ctx) => {
    using f = openKms(ctx);
    const { kms, pipe } = f;
    const { hdisplay: w, vdisplay: h } = pipe.mode;
    const PRIMARY = 0xff204080;
    const OVERLAY = 0xffc0a000;
    const CURSOR = 0xff00ff00;
    using primary = dumbFb(kms, w, h, 'XR24', () => PRIMARY & 0xffffff);
    using overlay = dumbFb(kms, 64, 48, 'XR24', () => OVERLAY & 0xffffff);
    // Left half opaque green, right half fully transparent: the overlay shows through exactly.
    using cursor = dumbFb(kms, 32, 32, 'AR24', (x) => (x < 16 ? CURSOR : 0x00000000));
    using out = dumbFb(kms, w, h, 'XR24', () => 0);
    using blob = kms.createModeBlob(pipe.mode);
    const req = modeset(kms, pipe, primary.fb, blob);
    placePlane(req, pipe, pipe.overlay!, overlay, 100, 80);
    placePlane(req, pipe, pipe.cursor!, cursor, 140, 100);
    capture(req, pipe, out);
    const { flipped, writebackFences } = req.commit({ allowModeset: true, event: true });
    await flipped;
    using wbFence = writebackFences.get(pipe.writeback!.id)!;
    await wbFence.wait({ timeout: 10_000 });
    const px = out.read();
    const at = (x: number, y: number): string => hex(px[y * w + x]! | 0xff000000);
    expect(at(0, 0)).toBe(hex(PRIMARY));
    expect(at(w - 1, h - 1)).toBe(hex(PRIMARY));
    expect(at(99, 80)).toBe(hex(PRIMARY));
    expect(at(100, 80)).toBe(hex(OVERLAY));
    expect(at(163, 99)).toBe(hex(OVERLAY));
    expect(at(139, 127)).toBe(hex(OVERLAY));
    expect(at(164, 99)).toBe(hex(PRIMARY));
    expect(at(140, 100)).toBe(hex(CURSOR));
    expect(at(155, 131)).toBe(hex(CURSOR));
    expect(at(156, 100)).toBe(hex(OVERLAY)); // transparent cursor over the overlay
    expect(at(170, 131)).toBe(hex(PRIMARY)); // transparent cursor over the primary
    // Every pixel, against the expected picture.
    let wrong = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let want = PRIMARY;
        if (x >= 100 && x < 164 && y >= 80 && y < 128) want = OVERLAY;
        if (x >= 140 && x < 156 && y >= 100 && y < 132) want = CURSOR;
        if ((px[y * w + x]! | 0xff000000) >>> 0 !== want >>> 0) wrong++;
      }
    }
    expect(wrong).toBe(0);
  });

  it('events nobody awaits are read anyway: 150 flips in a row, then the next commit and the iterator still work', async (ctx) => {
    using f = openKms(ctx);
    const { kms, pipe } = f;
    using a = dumbFb(kms, pipe.mode.hdisplay, pipe.mode.vdisplay, 'XR24', () => 0x000000ff);
    using b = dumbFb(kms, pipe.mode.hdisplay, pipe.mode.vdisplay, 'XR24', () => 0x0000ff00);
    using blob = kms.createModeBlob(pipe.mode);
    modeset(kms, pipe, a.fb, blob).commit({ allowModeset: true });
    // Blocking commits with events whose promises are dropped on the floor.
    // Unread, their 32-byte events would exhaust the file's 4 KiB event
    // budget after 128 and the kernel would refuse the next commit (ENOMEM).
    for (let i = 0; i < 150; i++) kms.request().set(pipe.primary, 'FB_ID', i % 2 ? a.fb : b.fb).commit({ event: true });
    const events = kms.events();
    const last = kms.request().set(pipe.primary, 'FB_ID', b.fb).commit({ nonblock: true, event: true });
    const flip = await last.flipped!;
    // The iterator sees the same event as the commit's promise.
    let seen;
    do seen = (await events.next()).value;
    while (seen && seen.userData !== flip.userData);
    expect(seen).toEqual(flip);
    await events.return!();
    expect(kms.pendingEvents).toBe(0);
  });

  it('closing the device rejects pending sequence waits and flips, and ends iterators', async (ctx) => {
    using f = openKms(ctx);
    const { kms, pipe } = f;
    using a = dumbFb(kms, pipe.mode.hdisplay, pipe.mode.vdisplay);
    using blob = kms.createModeBlob(pipe.mode);
    modeset(kms, pipe, a.fb, blob).commit({ allowModeset: true });
    const events = kms.events();
    const next = events.next().then(
      (r) => ({ r }),
      (e: unknown) => ({ e }),
    );
    const sequence = kms.waitSequence(pipe.crtc, 100_000, { relative: true });
    const { flipped } = kms.request().set(pipe.primary, 'FB_ID', a.fb).commit({ nonblock: true, event: true });
    f.device.close();
    await expect(sequence).rejects.toMatchObject({ name: 'AbortError', message: expect.stringMatching(/closed/) });
    // The flip may have completed and been read before close; if not, it rejects.
    await flipped!.then(
      () => undefined,
      (e: Error) => expect(e.name).toBe('AbortError'),
    );
    const ended = await next;
    if ('e' in ended) expect(ended.e).toMatchObject({ name: 'AbortError' });
    expect(() => kms.request()).toThrow(expect.objectContaining({ code: 'ERR_DMABUF_CLOSED' }));
  });
});
