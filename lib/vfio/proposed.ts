// SPDX-License-Identifier: MIT
/**
 * Facts about VFIO dma-bufs that both DmaBuf (which may hold one received
 * from elsewhere) and VfioDevice need, kept here so neither imports the other.
 * @module
 */

/** fdinfo's exp_name for VFIO PCI dma-bufs: the exporting module (variant drivers share it). */
export const VFIO_EXPORTER = 'vfio_pci_core';

/** `requires` of the FeatureErrors for the proposed VFIO dma-buf mmap, revoke and memory attribute. */
export const VFIO_DMA_BUF_PROPOSED =
  'a proposed interface (VFIO dma-buf series, v3, June 2026), not in mainline Linux; needs a kernel carrying that series';
