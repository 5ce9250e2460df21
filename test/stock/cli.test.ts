// SPDX-License-Identifier: MIT
// `dmabuf probe` on the stock kernel (no project patches): the proposed
// DERIVE and the proposed VFIO revoke and memory attribute must be reported
// unsupported with the kernel's errno, the merged VFIO export supported.
import { describe, expect, it } from 'vitest';

import { readPciDevice } from '../../lib/index.js';
import { type ProbeJson, json, runCli, withEduDevicesLocked } from '../helpers/cli.js';
import { LOCK_WAIT_MS, findEdu } from '../helpers/vfio.js';

describe('dmabuf probe on the stock kernel', () => {
  it('reports DERIVE and the VFIO proposals unsupported with their errno, and gives the device back', async (ctx) => {
    const edu = findEdu(ctx, 1);
    const before = readPciDevice(edu.address);
    const r = await withEduDevicesLocked(() => runCli(['probe', '--json', '--vfio-device', edu.address]));
    expect(r.status).toBe(0);
    const doc = json<ProbeJson>(r);
    expect(doc.dmabuf).toMatchObject({ derive: false, exportSyncFile: true });
    const problem = (feature: string) => doc.problems.find((p) => p.feature === feature);
    expect(problem('dmabuf derive')).toMatchObject({ code: 'ENOTTY', message: expect.stringMatching(/proposed/) });
    expect(doc.vfio.devices).toContainEqual({ address: edu.address, dmaBuf: true, dmaBufRevoke: false, dmaBufMemAttr: false });
    expect(doc.vfio.dmaBuf).toBe(true);
    for (const feature of ['dmaBufRevoke', 'dmaBufMemAttr']) {
      expect(problem(`vfio ${edu.address} ${feature}`)).toMatchObject({ code: 'ENOTTY', message: expect.stringMatching(/proposed/) });
    }
    const table = (await withEduDevicesLocked(() => runCli(['probe']))).stdout;
    expect(table).toMatch(/^dmabuf derive +no \(ENOTTY\) /m);
    const after = readPciDevice(edu.address);
    expect({ driver: after.driver, override: after.driverOverride }).toEqual({ driver: before.driver, override: before.driverOverride });
  }, LOCK_WAIT_MS);
});
