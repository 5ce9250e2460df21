// SPDX-License-Identifier: MIT
/**
 * `dmabuf info`: what each DRM device is and offers (driver, version, nodes,
 * DRM_CAP_* values) and, for card nodes, its KMS objects, in the spirit of
 * drm_info, as tables or `--json`.
 * @module
 */
import { DrmDevice } from '../index.js';
import type { Context } from './context.js';
import { type DrmNodeEntry, drmNodes } from './drm-nodes.js';
import { type KmsListing, kmsObjects } from './kms-facts.js';
import { toJson } from './json.js';
import { type Problem, outcomeOf, problemOf } from './outcome.js';
import { type Row, renderTable } from './table.js';

/** DRM_CAP_* numbers (include/uapi/drm/drm.h), in the kernel's order. */
const DRM_CAPS: [name: string, cap: number][] = [
  ['DUMB_BUFFER', 0x1],
  ['VBLANK_HIGH_CRTC', 0x2],
  ['DUMB_PREFERRED_DEPTH', 0x3],
  ['DUMB_PREFER_SHADOW', 0x4],
  ['PRIME', 0x5],
  ['TIMESTAMP_MONOTONIC', 0x6],
  ['ASYNC_PAGE_FLIP', 0x7],
  ['CURSOR_WIDTH', 0x8],
  ['CURSOR_HEIGHT', 0x9],
  ['ADDFB2_MODIFIERS', 0x10],
  ['PAGE_FLIP_TARGET', 0x11],
  ['CRTC_IN_VBLANK_EVENT', 0x12],
  ['SYNCOBJ', 0x13],
  ['SYNCOBJ_TIMELINE', 0x14],
  ['ATOMIC_ASYNC_PAGE_FLIP', 0x15],
];

export interface NodeInfo {
  path: string;
  type: 'card' | 'render';
  driver: string;
  version: string;
  description: string;
  date: string;
  bus: string | undefined;
  /** DRM_CAP_* values; null where this kernel does not know the cap (EINVAL). */
  caps: Record<string, string | null>;
  syncobjEventfd: boolean;
  /** Card nodes only; undefined on render nodes. */
  kms: KmsListing | undefined;
}

export interface InfoReport {
  nodes: NodeInfo[];
  problems: Problem[];
}

function describeNode(entry: DrmNodeEntry): NodeInfo {
  using device = DrmDevice.open(entry.path);
  const v = device.version();
  const caps: Record<string, string | null> = {};
  for (const [name, cap] of DRM_CAPS) {
    try {
      caps[name] = device.getCap(cap).toString();
    } catch {
      caps[name] = null;
    }
  }
  return {
    path: entry.path,
    type: entry.type,
    driver: v.name,
    version: `${v.major}.${v.minor}.${v.patchlevel}`,
    description: v.description,
    date: v.date,
    bus: entry.bus,
    caps,
    syncobjEventfd: device.fenceCaps().syncobjEventfd,
    kms: entry.type === 'card' ? kmsObjects(device) : undefined,
  };
}

/** @param path one node, or every node in /dev/dri */
export function collectInfo(path: string | undefined): InfoReport {
  const entries = drmNodes();
  const chosen = path === undefined ? entries : (entries.filter((e) => e.path === path || e.name === path) as DrmNodeEntry[]);
  const report: InfoReport = { nodes: [], problems: [] };
  if (path !== undefined && chosen.length === 0) {
    // Not under /dev/dri by that name: open it as given, so the error says what it is.
    chosen.push({ path, name: path, type: 'card', bus: undefined });
  }
  for (const entry of chosen) {
    try {
      report.nodes.push(describeNode(entry));
    } catch (error) {
      if (path !== undefined) throw error;
      const problem = problemOf(entry.path, outcomeOf(error));
      if (problem) report.problems.push(problem);
    }
  }
  return report;
}

function render(report: InfoReport, ctx: Context): string {
  const rows: Row[] = [];
  for (const node of report.nodes) {
    rows.push({ section: `${node.path}: ${node.driver} ${node.version} (${node.description}), ${node.type} node${node.bus ? `, ${node.bus}` : ''}` });
    const caps = Object.entries(node.caps)
      .filter(([, v]) => v !== null && v !== '0')
      .map(([k, v]) => (v === '1' ? k : `${k}=${v}`));
    rows.push(['', 'caps', caps.join(' ') || 'none']);
    rows.push(['', 'SYNCOBJ_EVENTFD', node.syncobjEventfd ? ctx.palette.green('yes') : 'no']);
    if (node.kms) {
      if (node.kms.objects.length === 0) rows.push(['', 'KMS', node.kms.note ?? 'no objects']);
      for (const o of node.kms.objects) {
        rows.push(['', `${o.kind} ${o.id}`, o.summary]);
        for (const [name, value] of Object.entries(o.properties)) rows.push(['', '', `${name} = ${String(value)}`]);
      }
    }
  }
  for (const p of report.problems) rows.push([p.feature, ctx.palette.red(p.code), p.message]);
  if (rows.length === 0) return 'No DRM devices (/dev/dri is empty or missing).\n';
  return renderTable(['NODE', 'ITEM', 'VALUE'], rows);
}

/** The `info` command. @throws {KernelError} / {FdTypeError} the path given cannot be opened as a DRM node */
export function infoCommand(ctx: Context, options: { json: boolean; path: string | undefined }): number {
  const report = collectInfo(options.path);
  ctx.out(options.json ? toJson(report) : render(report, ctx));
  return 0;
}
