// SPDX-License-Identifier: MIT
/**
 * Probe steps on one dma-buf: mmap, DMA_BUF_IOCTL_SYNC, EXPORT/IMPORT_SYNC_FILE,
 * the proposed DERIVE, SET_NAME.
 * @module
 */
import type { DmaBuf, SyncFile } from '../index.js';
import { type Outcome, attempt } from './outcome.js';

export type DmaBufFeature = 'mmap' | 'sync' | 'exportSyncFile' | 'importSyncFile' | 'derive' | 'setName';
export const dmaBufFeatures: readonly DmaBufFeature[] = ['mmap', 'sync', 'exportSyncFile', 'importSyncFile', 'derive', 'setName'];

/**
 * The probe's only call of DmaBuf.exportSyncFile: every fence (what a writer
 * would wait for). Kept in one place so a change to its options is one line.
 */
function exportAllFences(buffer: DmaBuf): SyncFile {
  return buffer.exportSyncFile('writer');
}

function check(condition: boolean, what: string): void {
  if (!condition) throw Object.assign(new Error(what), { code: 'ERR_PROBE_MISMATCH' });
}

export async function probeDmaBuf(buffer: DmaBuf, step: (what: string) => void): Promise<Record<DmaBufFeature, Outcome>> {
  step('trying dma-buf mmap, SYNC, sync_file export/import, DERIVE and SET_NAME');
  const mmap = await attempt(() => {
    using mapping = buffer.map();
    mapping.bytes()[0] = 0xa5;
    check(mapping.bytes()[0] === 0xa5, 'a byte written through the mapping did not read back');
    return `${buffer.size} bytes mapped read-write`;
  });
  const sync = await attempt(() => {
    using mapping = buffer.map();
    using access = buffer.beginCpuAccess('readwrite');
    mapping.bytes()[1] = 0x5a;
    access.end();
    return 'START/END around a write';
  });
  let exported: SyncFile | undefined;
  const exportSyncFile = await attempt(() => {
    exported = exportAllFences(buffer);
    return `fence ${exported.status().state}`;
  });
  const importSyncFile = exported
    ? await attempt(() => buffer.importSyncFile(exported!, 'write'))
    : await attempt(() => {
        throw Object.assign(new Error('not tried: no sync_file was exported to import back'), { code: 'ERR_PROBE_SKIPPED' });
      });
  exported?.close();
  const derive = await attempt(() => {
    using alias = buffer.derive({ access: 'read' });
    check(alias.fdinfo.inode === buffer.fdinfo.inode, 'the derived fd is not the same buffer');
    return 'a read-only alias of the same buffer';
  });
  const setName = await attempt(() => {
    buffer.setName('dmabuf-probe');
    check(buffer.name === 'dmabuf-probe', 'the name did not show in fdinfo');
  });
  return { mmap, sync, exportSyncFile, importSyncFile, derive, setName };
}
