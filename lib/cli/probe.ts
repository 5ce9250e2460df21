// SPDX-License-Identifier: MIT
/**
 * `dmabuf probe`: tries every interface the library binds and reports what
 * works here, as one table or (`--json`) the documented JSON contract.
 * @module
 */
import { release } from 'node:os';

import { normalizePciAddress } from '../index.js';
import type { Palette } from './colour.js';
import type { Context } from './context.js';
import { type DmaBufFeature, dmaBufFeatures, probeDmaBuf } from './probe-dmabuf.js';
import { type DrmCapName, type DrmResult, drmCapNames, probeDrm } from './probe-drm.js';
import { type FdResults, probeFds } from './probe-fds.js';
import { type MemoryResults, probeMemory } from './probe-memory.js';
import { type VfioResults, probeVfio } from './probe-vfio.js';
import { type Outcome, type Problem, ok, problemOf } from './outcome.js';
import { progressOn } from './progress.js';
import { type Row, renderTable } from './table.js';
import { toJson } from './json.js';

export interface ProbeOptions {
  json: boolean;
  vfioDevice: string | undefined;
}

/** Everything the probe found, before it is shaped for output. */
export interface ProbeReport {
  kernel: string;
  memory: MemoryResults;
  dmabuf: Record<DmaBufFeature, Outcome>;
  fds: FdResults;
  drm: DrmResult[];
  vfio: VfioResults;
}

/** The `--json` contract (README, "Command line"). Field order is part of it. */
export interface ProbeJson {
  kernel: string;
  heaps: string[];
  udmabuf: boolean;
  dmabuf: Record<DmaBufFeature, boolean>;
  swSync: boolean;
  eventfd: boolean;
  drm: { path: string; driver: string; type: 'card' | 'render'; caps: Record<DrmCapName, boolean> }[];
  vfio: {
    devices: { address: string; dmaBuf: boolean; dmaBufRevoke: boolean; dmaBufMemAttr: boolean }[];
    dmaBuf: boolean | null;
  };
  problems: Problem[];
}

export async function runProbe(options: ProbeOptions): Promise<ProbeReport> {
  const progress = progressOn(process.stderr);
  const step = (what: string): void => progress.step(what);
  try {
    const memory = await probeMemory(step);
    let dmabuf: Record<DmaBufFeature, Outcome>;
    if (memory.buffer) {
      try {
        dmabuf = await probeDmaBuf(memory.buffer, step);
      } finally {
        memory.buffer.close();
      }
    } else {
      dmabuf = Object.fromEntries(dmaBufFeatures.map((f) => [f, memory.noBuffer!])) as Record<DmaBufFeature, Outcome>;
    }
    const fds = await probeFds(step);
    const drm = await probeDrm(step);
    const vfio = await probeVfio(step, options.vfioDevice);
    return { kernel: release(), memory, dmabuf, fds, drm, vfio };
  } finally {
    progress.done();
  }
}

/** Each outcome with the feature name it is reported under, in table order. */
function outcomes(report: ProbeReport): [feature: string, outcome: Outcome][] {
  const { memory, fds, vfio } = report;
  const list: [string, Outcome][] = [];
  if (memory.noHeaps) list.push(['dma-heap', memory.noHeaps]);
  for (const heap of memory.heaps) list.push([`heap ${heap.name}`, heap.outcome]);
  list.push(['memfd seals', memory.memfdSeals], ['udmabuf', memory.udmabuf]);
  for (const f of dmaBufFeatures) list.push([`dmabuf ${f}`, report.dmabuf[f]]);
  list.push(['sw_sync', fds.swSync], ['eventfd', fds.eventfd], ['fd passing', fds.fdPassing]);
  for (const node of report.drm) {
    list.push([node.path, node.open]);
    // A node that did not open has one problem (the open), not one per cap.
    if (ok(node.open)) for (const cap of drmCapNames) list.push([`${node.path} ${cap}`, node.caps[cap]]);
  }
  if (vfio.bind) list.push([`vfio bind ${vfio.lent}`, vfio.bind]);
  for (const dev of vfio.devices) {
    list.push([`vfio ${dev.address}`, dev.open]);
    if (ok(dev.open)) {
      list.push([`vfio ${dev.address} dmaBuf`, dev.dmaBuf], [`vfio ${dev.address} dmaBufRevoke`, dev.dmaBufRevoke]);
      list.push([`vfio ${dev.address} dmaBufMemAttr`, dev.dmaBufMemAttr]);
    }
  }
  if (vfio.restore) list.push([`vfio restore ${vfio.lent}`, vfio.restore]);
  return list;
}

export function probeJson(report: ProbeReport): ProbeJson {
  const flags = <K extends string>(from: Record<K, Outcome>, keys: readonly K[]): Record<K, boolean> =>
    Object.fromEntries(keys.map((k) => [k, ok(from[k])])) as Record<K, boolean>;
  const devices = report.vfio.devices.map((d) => ({
    address: d.address,
    dmaBuf: ok(d.dmaBuf),
    dmaBufRevoke: ok(d.dmaBufRevoke),
    dmaBufMemAttr: ok(d.dmaBufMemAttr),
  }));
  const probed = report.vfio.devices.filter((d) => ok(d.open));
  return {
    kernel: report.kernel,
    heaps: report.memory.heaps.filter((h) => ok(h.outcome)).map((h) => h.name),
    udmabuf: ok(report.memory.udmabuf),
    dmabuf: flags(report.dmabuf, dmaBufFeatures),
    swSync: ok(report.fds.swSync),
    eventfd: ok(report.fds.eventfd),
    drm: report.drm.map((n) => ({ path: n.path, driver: n.driver, type: n.type, caps: flags(n.caps, drmCapNames) })),
    vfio: { devices, dmaBuf: probed.length === 0 ? null : probed.some((d) => ok(d.dmaBuf)) },
    problems: outcomes(report).flatMap(([feature, outcome]) => problemOf(feature, outcome) ?? []),
  };
}

function resultCell(outcome: Outcome, palette: Palette): string {
  switch (outcome.status) {
    case 'supported':
      return palette.green('yes');
    case 'n/a':
      return palette.dim('n/a');
    case 'not permitted':
      return palette.red(`not permitted (${outcome.code})`);
    default:
      return palette.red(`${outcome.status === 'unsupported' ? 'no' : 'failed'} (${outcome.code})`);
  }
}

function detailCell(outcome: Outcome): string {
  if (outcome.status === 'supported') return outcome.detail ?? '';
  if (outcome.status === 'n/a') return outcome.detail;
  return outcome.message;
}

export function probeTable(report: ProbeReport, palette: Palette): string {
  const rows: Row[] = [['kernel', report.kernel, '']];
  for (const [feature, outcome] of outcomes(report)) {
    // A node's open row carries its identity: driver, version, node type.
    const node = report.drm.find((n) => n.path === feature);
    const detail = node && ok(outcome) ? `${node.driver} ${node.version}, ${node.type} node` : detailCell(outcome);
    rows.push([feature, resultCell(outcome, palette), detail]);
  }
  if (report.drm.length === 0) rows.push(['DRM', palette.red('none'), 'no /dev/dri nodes']);
  if (report.vfio.devices.length === 0) rows.push(['VFIO', palette.dim('none'), 'no device bound to vfio-pci (see --vfio-device)']);
  return renderTable(['FEATURE', 'RESULT', 'DETAIL'], rows);
}

/** The `probe` command. Exit status 0 whenever it ran; 1 if a lent device could not be given back. */
export async function probeCommand(ctx: Context, options: ProbeOptions): Promise<number> {
  const vfioDevice = options.vfioDevice === undefined ? undefined : normalizePciAddress(options.vfioDevice);
  const report = await runProbe({ ...options, vfioDevice });
  ctx.out(options.json ? toJson(probeJson(report)) : probeTable(report, ctx.palette));
  const restore = report.vfio.restore;
  if (restore && !ok(restore)) {
    ctx.err(`dmabuf probe: ${vfioDevice} was not given back: ${detailCell(restore)}\n`);
    return 1;
  }
  return 0;
}
