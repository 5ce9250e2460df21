// SPDX-License-Identifier: MIT
import { defineConfig } from 'vitest/config';

// Four projects: `host` needs no kernel feature beyond eventfd and runs
// anywhere; `devices` needs DRM, dma-heaps and friends and runs in the VM
// rig (scripts/vm/run), where REQUIRE_DEVICES=1 turns a skip into a failure;
// `stock` runs in the rig on the stock kernel (DMABUF_VM_VARIANT=stock: the
// same kernel without the project's patches) and checks that the proposed
// interfaces fail there as they do on users' kernels; `iommu` runs in the rig
// on the machine with an IOMMU (DMABUF_VM_MACHINE=iommu) and drives VFIO
// through type1 and cdev + iommufd. Each project's include is its own
// directory, so no file runs in two of them.
export default defineConfig({
  test: {
    pool: 'forks',
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'host', include: ['test/host/**/*.test.ts'] } },
      { extends: true, test: { name: 'devices', include: ['test/devices/**/*.test.ts'] } },
      { extends: true, test: { name: 'stock', include: ['test/stock/**/*.test.ts'] } },
      { extends: true, test: { name: 'iommu', include: ['test/iommu/**/*.test.ts'] } },
    ],
  },
});
