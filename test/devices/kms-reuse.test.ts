// SPDX-License-Identifier: MIT
// One request built once and committed again, as a compositor's frame loop
// does: every commit applies what the request holds at that moment (set()
// between commits replaces a value on the request's kept encoding, unset()
// takes one out), each commit's out-fences are new SyncFiles, and a
// framebuffer or in-fence closed since the last commit is refused at the
// next one, leaving the request usable. What the display showed is read back
// through writeback, pixel by pixel, and from the plane's committed state.
import { describe, expect, it } from 'vitest';

import { type AtomicRequest, type Kms, type SyncFile, SwSyncTimeline } from '../../lib/index.js';
import { leavesNoFdsOpen } from '../helpers/env.js';
import { capture, dumbFb, hex, modeset, openKms, placePlane, primaryFbId, sleep, type Pipe, type TestFb } from '../helpers/kms.js';

const A = 0x000000ff;
const B = 0x00ff8000;
const C = 0x0000c000;
const FRAME_TIMEOUT = { timeout: 10_000 };

/** What one commit put on the screen, as the writeback connector captured it. */
interface Shown {
  /** The primary plane's colour (bottom-right corner, away from the overlay). */
  primary: string;
  /** The overlay's top-left corner, found by scanning the capture for its colour. */
  overlayAt: [number, number] | undefined;
  /** The commit's OUT_FENCE, signalled (the caller closes it). */
  outFence: SyncFile | undefined;
}

/**
 * Commits `req` (which captures into `out`) with a flip event, waits for the
 * flip and the capture, and says what was shown.
 */
async function show(req: AtomicRequest, pipe: Pipe, out: TestFb): Promise<Shown> {
  out.fill(() => 0);
  const { flipped, outFences, writebackFences } = req.commit({ event: true });
  await flipped;
  using wb = writebackFences.get(pipe.writeback!.id)!;
  await wb.wait(FRAME_TIMEOUT);
  const outFence = outFences.get(pipe.crtc.id);
  await outFence?.wait(FRAME_TIMEOUT);
  const px = out.read();
  const { width: w } = out;
  const at = px.findIndex((p) => (p & 0xffffff) === C);
  return { primary: hex(px[px.length - 1]! & 0xffffff), overlayAt: at < 0 ? undefined : [at % w, Math.floor(at / w)], outFence };
}

/** The code of what `fn` throws, or 'returned'. */
function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  return 'returned';
}

describe('KMS requests committed again', () => {
  leavesNoFdsOpen();

  it('apply at every commit what set() and unset() left in them, with new out-fences each time', async (ctx) => {
    using f = openKms(ctx);
    const { kms, pipe } = f;
    const { hdisplay: w, vdisplay: h } = pipe.mode;
    using a = dumbFb(kms, w, h, 'XR24', () => A);
    using b = dumbFb(kms, w, h, 'XR24', () => B);
    using small = dumbFb(kms, 32, 32, 'XR24', () => C);
    using out = dumbFb(kms, w, h, 'XR24', () => 0);
    using blob = kms.createModeBlob(pipe.mode);
    modeset(kms, pipe, a.fb, blob).commit({ allowModeset: true });

    const req = kms.request().set(pipe.primary, 'FB_ID', b.fb).outFence(pipe.crtc);
    placePlane(req, pipe, pipe.overlay!, small, 10, 20);
    capture(req, pipe, out);
    const fences: SyncFile[] = [];
    const frame = async (): Promise<Omit<Shown, 'outFence'>> => {
      const { outFence, ...shown } = await show(req, pipe, out);
      if (outFence) fences.push(outFence);
      return shown;
    };
    try {
      // The first commit, then the same request again with one value of each kind replaced.
      expect(await frame()).toEqual({ primary: hex(B), overlayAt: [10, 20] });
      req.set(pipe.primary, 'FB_ID', a.fb).set(pipe.overlay!, 'CRTC_X', 40);
      expect(await frame()).toEqual({ primary: hex(A), overlayAt: [40, 20] });
      req.set(pipe.primary, 'FB_ID', b.fb).set(pipe.overlay!, 'CRTC_Y', 30);
      expect(await frame()).toEqual({ primary: hex(B), overlayAt: [40, 30] });
      expect(primaryFbId(kms, pipe)).toBe(b.fb.id);

      // Unchanged, it applies again: another request moved the plane in between.
      kms.request().set(pipe.primary, 'FB_ID', a.fb).set(pipe.overlay!, 'CRTC_X', 0).commit();
      expect(primaryFbId(kms, pipe)).toBe(a.fb.id);
      expect(await frame()).toEqual({ primary: hex(B), overlayAt: [40, 30] });

      // unset() takes FB_ID out of the request: the kernel keeps showing B, not the A set just before.
      const size = req.size;
      req.set(pipe.primary, 'FB_ID', a.fb).unset(pipe.primary, 'FB_ID');
      expect(req.size).toBe(size - 1);
      req.set(pipe.overlay!, 'CRTC_X', 50);
      expect(await frame()).toEqual({ primary: hex(B), overlayAt: [50, 30] });
      expect(primaryFbId(kms, pipe)).toBe(b.fb.id);
      req.set(pipe.primary, 'FB_ID', a.fb); // and set again
      expect(req.size).toBe(size);
      expect(await frame()).toEqual({ primary: hex(A), overlayAt: [50, 30] });

      // One new OUT_FENCE per commit: its own fd, signalled at its own frame.
      expect(fences).toHaveLength(6);
      expect(new Set(fences).size).toBe(6);
      expect(new Set(fences.map((fence) => fence.fd)).size).toBe(6);
      const stamps = fences.map((fence) => fence.info().fences[0]!.timestampNs);
      for (let i = 1; i < stamps.length; i++) expect(stamps[i]!).toBeGreaterThan(stamps[i - 1]!);
    } finally {
      for (const fence of fences) fence.close();
    }
  });

  it('read framebuffers and in-fences at each commit: closed ones are refused then, and the request stays usable', async (ctx) => {
    using f = openKms(ctx);
    const { kms, pipe } = f;
    const { hdisplay: w, vdisplay: h } = pipe.mode;
    using a = dumbFb(kms, w, h, 'XR24', () => A);
    using b = dumbFb(kms, w, h, 'XR24', () => B);
    using out = dumbFb(kms, w, h, 'XR24', () => 0);
    using blob = kms.createModeBlob(pipe.mode);
    modeset(kms, pipe, a.fb, blob).commit({ allowModeset: true });
    using timeline = SwSyncTimeline.create();
    const first = timeline.createFence(1, 'first frame');
    timeline.advance(1);

    const req = kms.request().set(pipe.primary, 'FB_ID', b.fb).inFence(pipe.primary, first);
    capture(req, pipe, out);
    expect((await show(req, pipe, out)).primary).toBe(hex(B));
    {
      using late = dumbFb(kms, w, h, 'XR24', () => C);
      req.set(pipe.primary, 'FB_ID', late.fb);
      expect((await show(req, pipe, out)).primary).toBe(hex(C));
      expect((await show(req, pipe, out)).primary).toBe(hex(C)); // the same fence and framebuffer, read again
    } // `late` closed
    expect(codeOf(() => req.commit())).toBe('ERR_DMABUF_CLOSED');
    req.set(pipe.primary, 'FB_ID', a.fb);
    expect((await show(req, pipe, out)).primary).toBe(hex(A));

    first.close();
    expect(codeOf(() => req.commit())).toBe('ERR_DMABUF_CLOSED');
    // A new in-fence, not yet signalled, holds this commit back: the request sends it, not the closed one.
    using second = timeline.createFence(2, 'second frame');
    req.set(pipe.primary, 'FB_ID', b.fb).inFence(pipe.primary, second);
    out.fill(() => 0);
    const { flipped, writebackFences } = req.commit({ nonblock: true, event: true });
    using wb = writebackFences.get(pipe.writeback!.id)!;
    let flippedYet = false;
    void flipped!.then(() => (flippedYet = true));
    await sleep(300);
    expect(flippedYet).toBe(false);
    expect(wb.status().state).toBe('active');
    timeline.advance(1);
    await flipped;
    await wb.wait(FRAME_TIMEOUT);
    expect(hex(out.read()[0]! & 0xffffff)).toBe(hex(B));
  });
});
