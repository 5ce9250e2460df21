// SPDX-License-Identifier: MIT
/**
 * Probe steps for VFIO: every PCI device bound to vfio-pci, and with
 * `--vfio-device` one more, lent to vfio-pci for the probe and given back.
 * Per device: DMA_BUF by exporting a page of a BAR, and the proposed
 * MEMATTR and REVOKE by using them on that buffer, so an unsupported one
 * reports the kernel's own errno.
 * @module
 */
import { type DmaBuf, VfioDevice, bindToVfioPci, listPciDevices } from '../index.js';
import { type Outcome, attempt, notTried } from './outcome.js';

export interface VfioDeviceResult {
  address: string;
  open: Outcome;
  dmaBuf: Outcome;
  dmaBufRevoke: Outcome;
  dmaBufMemAttr: Outcome;
}

export interface VfioResults {
  devices: VfioDeviceResult[];
  /** The `--vfio-device` address, lent to vfio-pci for the probe. */
  lent: string | undefined;
  /** Lending it, and giving it back. */
  bind: Outcome | undefined;
  restore: Outcome | undefined;
}

/** One page of the first implemented BAR, as a dma-buf. */
function exportFirstBar(device: VfioDevice): DmaBuf {
  const bar = device.regions().find((r) => r.index < 6 && r.size > 0);
  if (!bar) throw Object.assign(new Error(`${device.address} has no implemented BAR`), { code: 'ENODEV' });
  return device.exportDmaBuf(bar.index, [{ offset: 0, length: 4096 }]);
}

async function probeDevice(address: string): Promise<VfioDeviceResult> {
  let device: VfioDevice | undefined;
  const open = await attempt(() => {
    device = VfioDevice.open(address);
    return `via ${device.via} (${device.iommu})`;
  });
  if (!device) {
    const skipped = notTried(`${address} could not be opened`, open);
    return { address, open, dmaBuf: skipped, dmaBufRevoke: skipped, dmaBufMemAttr: skipped };
  }
  try {
    const dev = device;
    let buffer: DmaBuf | undefined;
    const dmaBuf = await attempt(() => {
      buffer = exportFirstBar(dev);
      return `${buffer.size} bytes of a BAR exported`;
    });
    if (!buffer) {
      // No buffer to use them on: the feature probe is all there is.
      const { dmaBufRevoke: revoke, dmaBufMemAttr: memAttr } = dev.features;
      const byProbe = (has: boolean, name: string): Outcome =>
        has ? { status: 'supported', detail: 'VFIO_DEVICE_FEATURE_PROBE' } : notTried(`${name} not tried (no dma-buf to use it on); the feature probe says no`, dmaBuf);
      return { address, open, dmaBuf, dmaBufRevoke: byProbe(revoke, 'DMA_BUF_REVOKE'), dmaBufMemAttr: byProbe(memAttr, 'DMA_BUF_MEMATTR') };
    }
    const buf = buffer;
    // MEMATTR first: REVOKE leaves the buffer unusable.
    const dmaBufMemAttr = await attempt(() => {
      dev.setMemAttr(buf, 'wc');
      return 'write-combining set on the exported buffer';
    });
    const dmaBufRevoke = await attempt(() => {
      dev.revoke(buf);
      return 'the exported buffer revoked';
    });
    buf.close();
    return { address, open, dmaBuf, dmaBufRevoke, dmaBufMemAttr };
  } finally {
    device.close();
  }
}

/**
 * @param lend a PCI address to bind to vfio-pci for the probe (needs root);
 *   given back before this returns, even when a step fails
 */
export async function probeVfio(step: (what: string) => void, lend: string | undefined): Promise<VfioResults> {
  let binding: ReturnType<typeof bindToVfioPci> | undefined;
  let bind: Outcome | undefined;
  if (lend !== undefined) {
    step(`binding ${lend} to vfio-pci`);
    bind = await attempt(() => {
      binding = bindToVfioPci(lend);
      return binding.changed ? `lent by ${binding.previousDriver ?? 'no driver'}` : 'already bound to vfio-pci';
    });
  }
  let bound: string[];
  try {
    bound = listPciDevices()
      .filter((d) => d.driver === 'vfio-pci')
      .map((d) => d.address);
  } catch {
    bound = []; // No /sys/bus/pci: no PCI devices to probe.
  }
  const devices: VfioDeviceResult[] = [];
  let restore: Outcome | undefined;
  try {
    for (const address of bound) {
      step(`trying VFIO device ${address}`);
      devices.push(await probeDevice(address));
    }
  } finally {
    if (binding) {
      step(`giving ${binding.address} back`);
      const b = binding;
      restore = await attempt(() => {
        b.restore();
        return b.previousDriver ? `back on ${b.previousDriver}` : 'unbound, as it was';
      });
    }
  }
  return { devices, lent: lend, bind, restore };
}
