// SPDX-License-Identifier: MIT
// Plane colour pipelines (PLANE_COLOR_PIPELINE, Linux 6.19+) on the boot-time
// vkms device (booted with vkms.enable_plane_pipeline=1; configfs-made vkms
// devices have no pipeline): a 3x4 matrix that swaps red and blue shows up
// swapped in the writeback capture, and bypassing the pipeline restores it.
import { describe, expect, it } from 'vitest';

import { leavesNoFdsOpen } from '../helpers/env.js';
import { capture, dumbFb, hex, modeset, openBootKms } from '../helpers/kms.js';

const SWAP_RB = [0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0];

describe('KMS colour pipelines', () => {
  leavesNoFdsOpen();

  it('lists the primary plane pipeline and applies a red/blue swap matrix; bypass restores', async (ctx) => {
    using f = openBootKms(ctx, { colorPipeline: true });
    const { kms, pipe } = f;
    const [pipeline] = kms.colorPipelines(pipe.primary);
    expect(pipeline).toBeDefined();
    expect(pipeline!.colorops.map((op) => op.type)).toEqual(['1D Curve', '3x4 Matrix', '3x4 Matrix', '1D Curve']);
    expect(pipeline!.colorops[0]!.curveTypes).toEqual(expect.arrayContaining(['sRGB EOTF', 'sRGB Inverse EOTF']));
    expect(pipeline!.colorops.every((op) => op.bypass === true)).toBe(true);
    const matrixOp = pipeline!.colorops[1]!;

    const { hdisplay: w, vdisplay: h } = pipe.mode;
    const PIXEL = 0x00204080; // R 0x20, G 0x40, B 0x80
    using src = dumbFb(kms, w, h, 'XR24', () => PIXEL);
    using out = dumbFb(kms, w, h, 'XR24', () => 0);
    using modeBlob = kms.createModeBlob(pipe.mode);
    using ctm = kms.createCtm3x4Blob(SWAP_RB);
    const shot = async (build: (r: ReturnType<typeof kms.request>) => unknown): Promise<number> => {
      const req = modeset(kms, pipe, src.fb, modeBlob);
      build(req);
      capture(req, pipe, out);
      const { writebackFences } = req.commit({ allowModeset: true });
      using fence = writebackFences.get(pipe.writeback!.id)!;
      await fence.wait({ timeout: 10_000 });
      return out.read()[(h >> 1) * w + (w >> 1)]! & 0xffffff;
    };

    const swapped = await shot((r) => r.set(pipe.primary, 'COLOR_PIPELINE', pipeline!.id).set(matrixOp, 'BYPASS', false).set(matrixOp, 'DATA', ctm));
    expect(hex(swapped)).toBe(hex(0x00804020));
    expect(kms.colorPipelines(pipe.primary)[0]!.colorops[1]).toMatchObject({ bypass: false, matrix: SWAP_RB });

    const restored = await shot((r) => r.set(pipe.primary, 'COLOR_PIPELINE', 'Bypass'));
    expect(hex(restored)).toBe(hex(PIXEL));
    // Leave the shared boot device as found: pipeline off, CRTC off.
    kms.request().set(matrixOp, 'BYPASS', true).set(matrixOp, 'DATA', null).commit();
    kms
      .request()
      .set(pipe.primary, 'FB_ID', null)
      .set(pipe.primary, 'CRTC_ID', null)
      .set(pipe.connector, 'CRTC_ID', null)
      .set(pipe.writeback!, 'CRTC_ID', null)
      .set(pipe.crtc, 'ACTIVE', 0)
      .set(pipe.crtc, 'MODE_ID', null)
      .commit({ allowModeset: true });
  });

  it('needs the cap to be asked for', (ctx) => {
    using f = openBootKms(ctx);
    expect(() => f.kms.colorPipelines(f.pipe.primary)).toThrow(/colorPipeline: true/);
  });
});
