// SPDX-License-Identifier: MIT
// The proposed VFIO dma-buf series against the rig kernel (no-IOMMU machine,
// through the group). Uses edu #1; vfio.test.ts has edu #0. The IOMMU machine
// runs the same block through type1 and cdev (test/iommu).
import { describeProposedVfio } from '../helpers/vfio-proposed.js';

describeProposedVfio(1, 'auto', 'noiommu');
