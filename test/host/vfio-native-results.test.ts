// SPDX-License-Identifier: MIT
// The VFIO bindings that read a u32 out of the ioctl's struct must still
// report a failed ioctl as a negative errno. (They once returned -EPERM from
// VFIO_DEVICE_BIND_IOMMUFD as 4294967295, which the library took for a device
// id.) Any fd that is not a VFIO node makes the ioctl fail with ENOTTY.
import { closeSync, openSync } from 'node:fs';

import { afterAll, describe, expect, it } from 'vitest';

import { native } from '../../lib/native.js';

const ENOTTY = -25;

describe('VFIO bindings with u32 results', () => {
  const fd = openSync('/dev/null', 'r+');
  afterAll(() => closeSync(fd));

  it('report a failed ioctl as -errno, not as a large unsigned number', () => {
    expect(native.vfioGroupGetStatus(fd)).toBe(ENOTTY);
    expect(native.vfioDeviceBindIommufd(fd, fd)).toBe(ENOTTY);
    expect(native.iommuIoasAlloc(fd)).toBe(ENOTTY);
  });
});
