// SPDX-License-Identifier: MIT
// The proposed VFIO dma-buf series (v3: mmap, DMA_BUF_REVOKE, DMA_BUF_MEMATTR)
// against a rig kernel that carries the project's implementation of it
// (scripts/vm/patches/0002-*), as one describe block per open path: the
// no-IOMMU machine runs it through the group, the IOMMU machine through the
// type1 group and through the cdev + iommufd. The dma-buf is the same object
// whichever way the device was opened; these blocks check that it is.
import { spawn } from 'node:child_process';
import { once } from 'node:events';

import { type TestContext, describe, expect, it } from 'vitest';

import { KernelError, VfioDevice, type VfioOpenOptions } from '../../lib/index.js';
import { native } from '../../lib/native.js';
import { distEntry } from './env.js';
import { claimEdu } from './vfio.js';

const page = native.pageSize;
/** edu registers: 0x00 identification, 0x04 liveness check (reads back the inverse of what was written). */
const EDU_ID = 0x010000ed;

/**
 * The proposed-series tests on edu #index, opened `via` the given path, which
 * must give the IOMMU model `iommu` (VfioDevice.iommu).
 */
export function describeProposedVfio(index: 0 | 1, via: NonNullable<VfioOpenOptions['via']>, iommu: string): void {
  describe(`VFIO dma-bufs (via '${via}', ${iommu}): the proposed mmap, revoke and memory attribute`, () => {
    const claim = claimEdu(index);
    const open = (ctx: TestContext): VfioDevice => VfioDevice.open(claim.address(ctx), { via });

    it('maps BAR registers through the dma-buf', (ctx) => {
      using dev = open(ctx);
      expect(dev.iommu).toBe(iommu);
      using buf = dev.exportDmaBuf(0, [{ offset: 0, length: page }]);
      using map = buf.map();
      const regs = new Uint32Array(map.buffer);
      expect(regs[0]).toBe(EDU_ID);
      regs[1] = 0x12345678;
      expect(regs[1]).toBe(~0x12345678 >>> 0);
    });

    it('maps several ranges end to end, in the order given', (ctx) => {
      using dev = open(ctx);
      using buf = dev.exportDmaBuf(0, [
        { offset: 2 * page, length: page },
        { offset: 0, length: page },
      ]);
      using map = buf.map({ offset: page, length: page });
      expect(new Uint32Array(map.buffer)[0]).toBe(EDU_ID);
    });

    it('a read-only export maps read-only and refuses a writable mapping', (ctx) => {
      using dev = open(ctx);
      using buf = dev.exportDmaBuf(0, [{ offset: 0, length: page }], { access: 'read' });
      using map = buf.map({ access: 'read' });
      // Not read back: read() copies with memcpy, whose access widths edu's registers reject (they answer ~0).
      expect(map).toMatchObject({ access: 'read', length: page, closed: false });
      expect(() => buf.map()).toThrow(expect.objectContaining({ name: 'KernelError', code: 'EACCES' }));
    });

    it('setMemAttr chooses the memory type of later mappings', (ctx) => {
      using dev = open(ctx);
      using buf = dev.exportDmaBuf(0, [{ offset: 0, length: page }]);
      dev.setMemAttr(buf, 'wc');
      {
        using map = buf.map();
        expect(new Uint32Array(map.buffer)[0]).toBe(EDU_ID);
      }
      dev.setMemAttr(buf, 'nc');
      // A value the kernel does not know: ENOENT, through the raw binding (the facade only takes 'nc' | 'wc').
      expect(native.vfioSetDmaBufMemattr(dev.fd, buf.fd, 7)).toBe(-2);
    });

    it('revoke is permanent: this process\'s mappings read zeros, new ones fail, a second revoke is EBADFD', (ctx) => {
      using dev = open(ctx);
      using buf = dev.exportDmaBuf(0, [{ offset: 0, length: page }]);
      const map = buf.map();
      const view = new Uint32Array(map.buffer);
      expect(view[0]).toBe(EDU_ID);
      dev.revoke(buf);
      expect(map.closed).toBe(true);
      expect(view[0]).toBe(0); // zero pages, not a SIGBUS
      expect(() => buf.map()).toThrow(expect.objectContaining({ name: 'KernelError', code: 'ENODEV' }));
      expect(() => dev.revoke(buf)).toThrow(expect.objectContaining({ code: 'EBADFD' }));
      expect(() => dev.setMemAttr(buf, 'wc')).toThrow(KernelError);
      expect(buf.size).toBe(page);
    });

    it('revoke reaches other processes: their next access is SIGBUS', async (ctx) => {
      using dev = open(ctx);
      using buf = dev.exportDmaBuf(0, [{ offset: 0, length: page }]);
      const entry = distEntry.href;
      const script = `
        const { DmaBuf } = await import(${JSON.stringify(entry)});
        const map = DmaBuf.fromFd(3).map();
        const regs = new Uint32Array(map.buffer);
        console.log('before ' + regs[0].toString(16));
        process.stdin.once('data', () => console.log('after ' + regs[0].toString(16)));`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit', buf.fd] });
      let out = '';
      child.stdout!.setEncoding('utf8');
      await new Promise<void>((resolve) => {
        child.stdout!.on('data', (chunk: string) => {
          out += chunk;
          if (out.includes('before')) resolve();
        });
      });
      expect(out).toContain(`before ${EDU_ID.toString(16)}`);
      dev.revoke(buf);
      child.stdin!.write('go\n');
      const [code, signal] = await once(child, 'exit');
      expect({ code, signal }).toEqual({ code: null, signal: 'SIGBUS' });
      expect(out).not.toContain('after');
    });

    it('closing the device unmaps mappings made here and leaves the dma-buf dead', (ctx) => {
      const dev = open(ctx);
      using buf = dev.exportDmaBuf(0, [{ offset: 0, length: page }]);
      const map = buf.map();
      dev.close();
      expect(map.closed).toBe(true);
      expect(() => buf.map()).toThrow(expect.objectContaining({ code: 'ENODEV' }));
      using again = open(ctx);
      expect(() => again.revoke(buf)).toThrow(expect.objectContaining({ code: 'ENODEV' }));
    });
  });
}
