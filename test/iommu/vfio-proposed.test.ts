// SPDX-License-Identifier: MIT
// The proposed VFIO dma-buf series (mmap, revoke, memory attribute) behind a
// real IOMMU, through both open paths, on edu #1: the same checks as the
// no-IOMMU run (test/devices/vfio-proposed.test.ts).
import { describeProposedVfio } from '../helpers/vfio-proposed.js';

describeProposedVfio(1, 'group', 'type1v2');
describeProposedVfio(1, 'cdev', 'iommufd');
