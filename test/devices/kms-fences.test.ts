// SPDX-License-Identifier: MIT
// Explicit fences through KMS: a plane's IN_FENCE_FD holds a commit back
// until it signals, and the CRTC's OUT_FENCE and the writeback fence come
// out of the commit as SyncFiles. A failed in-fence: what the kernel does.
import { describe, expect, it } from 'vitest';

import { SwSyncTimeline, type CommitResult } from '../../lib/index.js';
import { leavesNoFdsOpen } from '../helpers/env.js';
import { capture, dumbFb, hex, modeset, openKms, primaryFbId, sleep, type KmsFixture, type TestFb } from '../helpers/kms.js';

const A = 0x000000ff;
const B = 0x00ff8000;

/** A running CRTC showing A, and a fenced commit switching to B with all three completions asked for. */
function fencedFlip(f: KmsFixture, a: TestFb, b: TestFb, out: TestFb, timeline: SwSyncTimeline): CommitResult {
  const { kms, pipe } = f;
  using fence = timeline.createFence(1, 'client render');
  const req = kms.request().set(pipe.primary, 'FB_ID', b.fb).inFence(pipe.primary, fence).outFence(pipe.crtc);
  capture(req, pipe, out);
  // The kernel took its own reference to the fence: closing ours (above) changes nothing.
  return req.commit({ nonblock: true, event: true });
}

describe('KMS fences', () => {
  leavesNoFdsOpen();

  it('an unsignalled IN_FENCE_FD holds back the flip, OUT_FENCE and writeback; signalling releases all three', async (ctx) => {
    using f = openKms(ctx);
    const { kms, pipe } = f;
    const { hdisplay: w, vdisplay: h } = pipe.mode;
    using a = dumbFb(kms, w, h, 'XR24', () => A);
    using b = dumbFb(kms, w, h, 'XR24', () => B);
    using out = dumbFb(kms, w, h, 'XR24', () => 0);
    using blob = kms.createModeBlob(pipe.mode);
    modeset(kms, pipe, a.fb, blob).commit({ allowModeset: true });
    using timeline = SwSyncTimeline.create();
    const { flipped, outFences, writebackFences } = fencedFlip(f, a, b, out, timeline);
    using outFence = outFences.get(pipe.crtc.id)!;
    using wbFence = writebackFences.get(pipe.writeback!.id)!;
    let flippedYet = false;
    void flipped!.then(() => (flippedYet = true));
    await sleep(500); // ~30 vblanks of vkms
    expect(flippedYet).toBe(false);
    expect(outFence.status().state).toBe('active');
    expect(wbFence.status().state).toBe('active');
    expect(primaryFbId(kms, pipe)).toBe(b.fb.id); // committed state, not yet shown

    timeline.advance(1);
    const flip = await flipped!;
    await outFence.wait({ timeout: 10_000 });
    await wbFence.wait({ timeout: 10_000 });
    expect(flip.crtcId).toBe(pipe.crtc.id);
    expect(outFence.info().fences[0]?.timestampNs).toBeGreaterThan(0n);
    const px = out.read();
    expect(hex(px[0]! & 0xffffff)).toBe(hex(B));
    expect(hex(px[w * h - 1]! & 0xffffff)).toBe(hex(B));
  });

  it('an IN_FENCE_FD that fails (sw_sync timeline destroyed: -ENOENT) does not stop the commit: the frame is shown', async (ctx) => {
    using f = openKms(ctx);
    const { kms, pipe } = f;
    const { hdisplay: w, vdisplay: h } = pipe.mode;
    using a = dumbFb(kms, w, h, 'XR24', () => A);
    using b = dumbFb(kms, w, h, 'XR24', () => B);
    using out = dumbFb(kms, w, h, 'XR24', () => 0);
    using blob = kms.createModeBlob(pipe.mode);
    modeset(kms, pipe, a.fb, blob).commit({ allowModeset: true });
    const timeline = SwSyncTimeline.create();
    const { flipped, outFences, writebackFences } = fencedFlip(f, a, b, out, timeline);
    using outFence = outFences.get(pipe.crtc.id)!;
    using wbFence = writebackFences.get(pipe.writeback!.id)!;
    await sleep(200);
    expect(outFence.status().state).toBe('active');
    timeline.close(); // signals its pending fences with -ENOENT
    // The atomic helpers wait for the fence to signal and ignore its error
    // (dma_fence_wait returns once it is signalled), so the flip goes ahead,
    // the out-fences signal without error, and the new buffer is scanned out.
    await flipped!;
    await outFence.wait({ timeout: 10_000 });
    await wbFence.wait({ timeout: 10_000 });
    expect(outFence.status()).toMatchObject({ state: 'signaled' });
    expect(hex(out.read()[0]! & 0xffffff)).toBe(hex(B));
  });
});
