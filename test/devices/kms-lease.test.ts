// SPDX-License-Identifier: MIT
// DRM leases: one connector + CRTC + primary plane handed to a lessee file,
// which can modeset them, cannot see or touch the rest, and loses them when
// the lease is revoked.
import { describe, expect, it } from 'vitest';

import { KernelError } from '../../lib/index.js';
import { leavesNoFdsOpen } from '../helpers/env.js';
import { dumbFb, modeset, openKms, pipeOf } from '../helpers/kms.js';

describe('KMS leases', () => {
  leavesNoFdsOpen();

  it('a lessee sees and modesets only its objects, and loses them on revoke', async (ctx) => {
    // Two independent pipes: connector i -> encoder i -> CRTC i <- primary i.
    using f = openKms(ctx, {
      crtcs: [{ writeback: false }, { writeback: false }],
      planes: [{ type: 'primary', crtcs: [0] }, { type: 'primary', crtcs: [1] }],
      encoders: [{ crtcs: [0] }, { crtcs: [1] }],
      connectors: [{ encoders: [0] }, { encoders: [1] }],
    });
    const { kms } = f;
    const res = kms.discover();
    const crtc = res.crtcs[0]!;
    const connector = res.connectors.find((c) => c.possibleCrtcs.includes(crtc.id))!;
    const primary = res.planes.find((p) => p.possibleCrtcs.includes(crtc.id))!;
    const lease = kms.createLease([connector, crtc, primary]);
    using lessee = lease.device;
    expect(lease.lesseeId).toBeGreaterThan(0);
    expect(lessee.lesseeId).toBe(lease.lesseeId);
    expect(kms.listLessees()).toEqual([lease.lesseeId]);

    const lk = lessee.kms();
    expect(lk.leasedObjects().sort((a, b) => a - b)).toEqual([connector.id, crtc.id, primary.id].sort((a, b) => a - b));
    const seen = lk.discover();
    expect(seen.connectors.map((c) => c.id)).toEqual([connector.id]);
    expect(seen.crtcs.map((c) => c.id)).toEqual([crtc.id]);
    expect(seen.planes.map((p) => p.id)).toEqual([primary.id]);

    // The lessee is master of its lease: it can modeset.
    const pipe = pipeOf(lk);
    using fb = dumbFb(lk, pipe.mode.hdisplay, pipe.mode.vdisplay);
    using blob = lk.createModeBlob(pipe.mode);
    const { flipped } = modeset(lk, pipe, fb.fb, blob).commit({ allowModeset: true, event: true });
    expect((await flipped!).crtcId).toBe(crtc.id);

    // The rest is invisible to it: not in discovery, and not settable.
    const otherCrtc = res.crtcs[1]!;
    const otherPlane = res.planes.find((p) => p.possibleCrtcs.includes(otherCrtc.id))!;
    expect(() => lk.request().set(otherCrtc, 'ACTIVE', 0)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => lk.properties(otherPlane)).toThrow(KernelError);
    expect(() => lk.createLease([otherCrtc])).toThrow(KernelError);

    kms.revokeLease(lease.lesseeId);
    expect(kms.listLessees()).toEqual([]);
    const after = lk.discover();
    expect([...after.connectors, ...after.crtcs, ...after.planes]).toEqual([]);
    // Names looked up before the revoke are cached; the kernel refuses the commit.
    expect(() => lk.request().set(crtc, 'ACTIVE', 0).commit({ allowModeset: true, testOnly: true })).toThrow(KernelError);
    // The lessor still drives everything, including what was leased.
    expect(kms.properties(crtc).find((p) => p.name === 'ACTIVE')).toBeDefined();
  });

  it('leasing needs master and leasable objects', (ctx) => {
    using f = openKms(ctx);
    const { kms, pipe } = f;
    expect(() => kms.createLease([])).toThrow(TypeError);
    expect(() => kms.createLease([0x7ffffff0])).toThrow(KernelError);
    kms.dropMaster();
    expect(() => kms.createLease([pipe.connector, pipe.crtc, pipe.primary])).toThrow(expect.objectContaining({ privilege: 'drm-master' }));
    kms.setMaster();
  });
});
