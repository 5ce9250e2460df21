// SPDX-License-Identifier: MIT
/**
 * Probe steps per DRM node: open + version, PRIME, dumb buffers (card
 * nodes), syncobj, timeline syncobjs, SYNCOBJ_EVENTFD, and the KMS caps.
 * Each is tried, not read off a capability bit alone.
 * @module
 */
import { DrmCap, DrmDevice, type DrmNodeType } from '../index.js';
import { type DrmNodeEntry, drmNodes } from './drm-nodes.js';
import { probeKms } from './kms-facts.js';
import { type Outcome, Unsupported, attempt, notTried, ok } from './outcome.js';

export type DrmCapName = 'prime' | 'dumb' | 'syncobj' | 'syncobjTimeline' | 'syncobjEventfd' | 'atomic' | 'writeback';
export const drmCapNames: readonly DrmCapName[] = ['prime', 'dumb', 'syncobj', 'syncobjTimeline', 'syncobjEventfd', 'atomic', 'writeback'];

export interface DrmResult {
  path: string;
  type: DrmNodeType;
  /** DRM_IOCTL_VERSION's name; `'unknown'` for a node that could not be opened (sysfs names only the bus driver). */
  driver: string;
  version: string | undefined;
  open: Outcome;
  caps: Record<DrmCapName, Outcome>;
}

/** How long the eventfd step waits for a signal it just sent. */
const EVENTFD_TIMEOUT_MS = 5000;

function mismatch(what: string): Error {
  return Object.assign(new Error(what), { code: 'ERR_PROBE_MISMATCH' });
}

async function probeCaps(device: DrmDevice, type: DrmNodeType): Promise<Record<DrmCapName, Outcome>> {
  const prime = await attempt(() => {
    const bits = device.getCap(DrmCap.PRIME);
    // DRM_PRIME_CAP_IMPORT = 1, DRM_PRIME_CAP_EXPORT = 2.
    if (bits === 0n) throw new Unsupported('EOPNOTSUPP', 'DRM_CAP_PRIME is 0: the driver has no PRIME');
    return [bits & 1n ? 'import' : '', bits & 2n ? 'export' : ''].filter(Boolean).join(' + ');
  });
  const dumb: Outcome =
    type === 'render'
      ? { status: 'n/a', detail: 'dumb buffers are for card nodes' }
      : await attempt(() => {
          using bo = device.createDumb({ width: 64, height: 64 });
          if (!ok(prime)) return '64x64 created';
          // With PRIME, export it too: the dumb buffer as a dma-buf is what tests use.
          using buffer = bo.exportDmaBuf();
          return `64x64 created, exported as a ${buffer.size}-byte dma-buf`;
        });
  const syncobj = await attempt(() => device.createSyncobj().close());
  const syncobjTimeline = ok(syncobj)
    ? await attempt(() => {
        if (device.getCap(DrmCap.SYNCOBJ_TIMELINE) === 0n) {
          throw new Unsupported('EOPNOTSUPP', 'DRM_CAP_SYNCOBJ_TIMELINE is 0: the driver has no timeline syncobjs');
        }
        using s = device.createSyncobj();
        s.signalPoint(1);
        const point = s.query();
        if (point !== 1n) throw mismatch(`point 1 signalled but the timeline reads ${point}`);
        return 'point 1 signalled and queried';
      })
    : notTried('needs syncobj', syncobj);
  const syncobjEventfd = ok(syncobj)
    ? await attempt(async () => {
        // Wait through DRM_IOCTL_SYNCOBJ_EVENTFD only (no fallback), then signal.
        using s = device.createSyncobj();
        const timeline = ok(syncobjTimeline);
        const fired = s.wait(timeline ? 1n : 0n, { strategy: 'eventfd', timeout: EVENTFD_TIMEOUT_MS });
        if (timeline) s.signalPoint(1);
        else s.signal();
        await fired;
        return `fired on a ${timeline ? 'timeline point' : 'binary'} signal`;
      })
    : notTried('needs syncobj', syncobj);
  return { prime, dumb, syncobj, syncobjTimeline, syncobjEventfd, ...(await probeKms(device, type)) };
}

async function probeNode(node: DrmNodeEntry): Promise<DrmResult> {
  let device: DrmDevice | undefined;
  const open = await attempt(() => {
    device = DrmDevice.open(node.path);
  });
  if (!device) {
    const skipped = notTried(`${node.path} could not be opened`, open);
    const caps = Object.fromEntries(drmCapNames.map((name) => [name, skipped])) as Record<DrmCapName, Outcome>;
    return { path: node.path, type: node.type, driver: 'unknown', version: undefined, open, caps };
  }
  try {
    const v = device.version();
    return {
      path: node.path,
      type: node.type,
      driver: v.name,
      version: `${v.major}.${v.minor}.${v.patchlevel}`,
      open,
      caps: await probeCaps(device, node.type),
    };
  } finally {
    device.close();
  }
}

export async function probeDrm(step: (what: string) => void): Promise<DrmResult[]> {
  const results: DrmResult[] = [];
  for (const node of drmNodes()) {
    step(`trying ${node.path}`);
    results.push(await probeNode(node));
  }
  return results;
}
