// SPDX-License-Identifier: MIT
// A NUL byte in a heap name or a device path is an argument error, refused
// before any open (Node's own open would otherwise fail without an errno).
import { describe, expect, it } from 'vitest';

import { DmaHeap, DrmDevice } from '../../lib/index.js';

describe('paths and names given to opens', () => {
  it('NUL in a heap name or DRM path is TypeError ERR_INVALID_ARG_VALUE, not EIO', () => {
    for (const call of [() => DmaHeap.open('sys\0tem'), () => DmaHeap.open('\0'), () => DrmDevice.open('/dev/dri/card0\0x')]) {
      expect(call).toThrow(TypeError);
      expect(call).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining('NUL') }));
    }
  });
});
