// SPDX-License-Identifier: MIT
// The VFIO dma-buf export on the rig's stock kernel (no project patches):
// what users have today. The merged export works; the proposed mmap, revoke
// and memory attribute must each be a FeatureError, and leak no fd.
// test/devices/vfio-proposed.test.ts covers the patched kernel, where they work.
import { describe, expect, it } from 'vitest';

import { FeatureError, VfioDevice } from '../../lib/index.js';
import { native } from '../../lib/native.js';
import { fdCount } from '../helpers/env.js';
import { claimEdu } from '../helpers/vfio.js';

const page = native.pageSize;

/** The error `fn` threw, or undefined. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('VFIO on a kernel without the proposed dma-buf series', () => {
  const claim = claimEdu(0);

  it('probes: the export is there, revoke and memattr are not', (ctx) => {
    using dev = VfioDevice.open(claim.address(ctx));
    expect(dev.features).toEqual({ dmaBuf: true, dmaBufRevoke: false, dmaBufMemAttr: false });
  });

  it('exports as usual, and revoke, setMemAttr and map are FeatureErrors naming the proposal', (ctx) => {
    using dev = VfioDevice.open(claim.address(ctx));
    using buf = dev.exportDmaBuf(0, [{ offset: 0, length: page }]);
    const before = fdCount();
    for (const [feature, call] of [
      ['VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE', () => dev.revoke(buf)],
      ['VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR', () => dev.setMemAttr(buf, 'wc')],
      ['mmap of a VFIO dma-buf', () => buf.map()],
    ] as const) {
      const error = thrown(call);
      expect(error).toBeInstanceOf(FeatureError);
      expect(error).toMatchObject({ feature, requires: expect.stringMatching(/proposed/) });
    }
    // The kernel's own answers: ENOTTY for the features, EINVAL for mmap (no mmap op).
    expect(native.vfioRevokeDmaBuf(dev.fd, buf.fd)).toBe(-25);
    expect(native.mmap(buf.fd, 0, page, 3)).toBe(-22);
    expect(fdCount()).toBe(before);
    expect(buf.size).toBe(page);
  });
});
