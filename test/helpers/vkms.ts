// SPDX-License-Identifier: MIT
// A vkms device of the test file's own, built through vkms's configfs
// (Documentation/gpu/vkms.rst, drivers/gpu/drm/vkms/vkms_configfs.c).
//
// Why: only one fd per card node is DRM master, and test files run in
// parallel, so files that modeset must not share the boot-time vkms card.
// configfs builds a new vkms instance at run time with the pipeline a test
// asks for: mkdir the planes, CRTCs, encoders and connectors, link them with
// symlinks, write 1 to `enabled`. The instance is a faux device named after
// its configfs directory (/sys/devices/faux/<name>), and its card node is
// found through that name, so two files creating devices at once cannot mix
// them up.
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

import type { TestContext } from 'vitest';

import { need } from './env.js';

export const CONFIGFS_VKMS = '/sys/kernel/config/vkms';

/** Plane types as vkms's configfs `type` attribute takes them (the KMS "type" property's values). */
const PLANE_TYPE = { overlay: 0, primary: 1, cursor: 2 } as const;
/** Connector states as the `status` attribute takes them (enum drm_connector_status). */
export const CONNECTOR_STATUS = { connected: 1, disconnected: 2, unknown: 3 } as const;

export type VkmsPlaneType = keyof typeof PLANE_TYPE;
export type VkmsConnectorStatus = keyof typeof CONNECTOR_STATUS;

export interface VkmsPipeline {
  /** One entry per CRTC; `writeback` adds a writeback connector to it. Default: one CRTC with writeback. */
  crtcs?: { writeback?: boolean }[];
  /** Planes and the CRTC indices each may use (default [0]). vkms wants exactly one primary per CRTC, at most one cursor. Default: primary, overlay, cursor. */
  planes?: { type: VkmsPlaneType; crtcs?: number[] }[];
  /** Encoders and their CRTC indices (default: all CRTCs). Default: one encoder. */
  encoders?: { crtcs?: number[] }[];
  /** Connectors, their status (default connected) and encoder indices (default: all encoders). Default: one connector. */
  connectors?: { status?: VkmsConnectorStatus; encoders?: number[] }[];
}

export interface VkmsDevice extends Disposable {
  /** The configfs directory name, which is also the faux device's name (and its debugfs directory under /sys/kernel/debug/dri). */
  readonly name: string;
  /** /sys/kernel/config/vkms/<name> */
  readonly configPath: string;
  /** /dev/dri/cardN of the enabled device. */
  readonly cardPath: string;
  /** Changes connector `index`'s status at run time; vkms then sends a hotplug uevent (HOTPLUG=1). */
  setConnectorStatus(index: number, status: VkmsConnectorStatus): void;
  /** Disables the device (its card node goes away) and removes its configfs tree. Safe to call twice. */
  dispose(): void;
}

export const DEFAULT_PIPELINE: Required<VkmsPipeline> = {
  crtcs: [{ writeback: true }],
  planes: [{ type: 'primary' }, { type: 'overlay' }, { type: 'cursor' }],
  encoders: [{}],
  connectors: [{ status: 'connected' }],
};

let created = 0;

/** True when vkms's configfs is there (CONFIG_DRM_VKMS and configfs mounted). */
export function hasVkmsConfigfs(): boolean {
  return existsSync(CONFIGFS_VKMS);
}

/**
 * A new, enabled vkms device with `pipeline`, or a skip (a failure in the VM
 * rig) when vkms's configfs is missing. Call dispose() (or `using`) when done.
 */
export function createVkms(ctx: TestContext, pipeline: VkmsPipeline = {}): VkmsDevice {
  need(ctx, hasVkmsConfigfs(), `no ${CONFIGFS_VKMS} (CONFIG_DRM_VKMS, configfs mounted on /sys/kernel/config, root)`);
  return buildVkms(pipeline);
}

/** createVkms without the skip: throws when configfs or vkms is missing. */
export function buildVkms(pipeline: VkmsPipeline = {}): VkmsDevice {
  const p = { ...DEFAULT_PIPELINE, ...pipeline };
  // Unique per process and call; "vkms" itself is the boot-time device's name and refused by vkms.
  const name = `dmabuf-${process.pid}-${++created}`;
  const root = `${CONFIGFS_VKMS}/${name}`;
  const items = {
    crtcs: p.crtcs.map((_, i) => `${root}/crtcs/crtc${i}`),
    planes: p.planes.map((_, i) => `${root}/planes/plane${i}`),
    encoders: p.encoders.map((_, i) => `${root}/encoders/encoder${i}`),
    connectors: p.connectors.map((_, i) => `${root}/connectors/connector${i}`),
  };
  const links: string[] = [];
  const link = (target: string, dir: string): void => {
    const path = `${dir}/${basename(target)}`;
    symlinkSync(target, path);
    links.push(path);
  };
  const pick = (list: string[], indices: number[] | undefined, what: string): string[] =>
    (indices ?? list.map((_, i) => i)).map((i) => {
      const item = list[i];
      if (item === undefined) throw new RangeError(`${what} index ${i} does not exist`);
      return item;
    });

  mkdirSync(root);
  let enabled = false;
  let disposed = false;
  const dispose = (): void => {
    if (disposed) return;
    disposed = true;
    // Disable first (the card node goes), then undo the tree in reverse: links
    // before the items they point at, items before the device directory.
    if (enabled) writeFileSync(`${root}/enabled`, '0');
    enabled = false;
    for (const path of links.reverse()) unlinkSync(path);
    for (const dir of [...items.connectors, ...items.encoders, ...items.planes, ...items.crtcs]) {
      if (existsSync(dir)) rmdirSync(dir);
    }
    rmdirSync(root);
  };

  try {
    p.crtcs.forEach((crtc, i) => {
      mkdirSync(items.crtcs[i]!);
      writeFileSync(`${items.crtcs[i]}/writeback`, crtc.writeback === false ? '0' : '1');
    });
    p.planes.forEach((plane, i) => {
      mkdirSync(items.planes[i]!);
      writeFileSync(`${items.planes[i]}/type`, String(PLANE_TYPE[plane.type]));
      for (const crtc of pick(items.crtcs, plane.crtcs ?? [0], 'CRTC')) link(crtc, `${items.planes[i]}/possible_crtcs`);
    });
    p.encoders.forEach((encoder, i) => {
      mkdirSync(items.encoders[i]!);
      for (const crtc of pick(items.crtcs, encoder.crtcs, 'CRTC')) link(crtc, `${items.encoders[i]}/possible_crtcs`);
    });
    p.connectors.forEach((connector, i) => {
      mkdirSync(items.connectors[i]!);
      writeFileSync(`${items.connectors[i]}/status`, String(CONNECTOR_STATUS[connector.status ?? 'connected']));
      for (const enc of pick(items.encoders, connector.encoders, 'encoder')) link(enc, `${items.connectors[i]}/possible_encoders`);
    });
    // EINVAL here: vkms found the pipeline invalid (its reason is in the kernel log).
    writeFileSync(`${root}/enabled`, '1');
    enabled = true;
    const cardPath = cardOf(name);
    return {
      name,
      configPath: root,
      cardPath,
      setConnectorStatus(index: number, status: VkmsConnectorStatus): void {
        const dir = items.connectors[index];
        if (dir === undefined) throw new RangeError(`connector index ${index} does not exist`);
        writeFileSync(`${dir}/status`, String(CONNECTOR_STATUS[status]));
      },
      dispose,
      [Symbol.dispose]: dispose,
    };
  } catch (error) {
    try {
      dispose();
    } catch {
      // Keep the first error; a half-built tree is gone with the VM anyway.
    }
    throw error;
  }
}

/**
 * The card node of the faux device `name`: the /sys/class/drm entry whose
 * `device` link ends in that name. Registration is synchronous in the write
 * to `enabled` (drm_dev_register, devtmpfs waits for its node), so it is
 * there as soon as the write returns.
 */
export function cardOf(name: string): string {
  for (const entry of readdirSync('/sys/class/drm')) {
    if (!/^card\d+$/.test(entry)) continue;
    let device: string;
    try {
      device = readlinkSync(`/sys/class/drm/${entry}/device`);
    } catch {
      continue;
    }
    if (basename(device) === name) return `/dev/dri/${entry}`;
  }
  throw new Error(`vkms device ${name} has no card node in /sys/class/drm`);
}

/** vkms's own account of a device's configuration (debugfs `vkms_config`): plane types, CRTC writeback, connector status. */
export function readVkmsConfig(name: string): { planes: number[]; crtcs: number[]; encoders: number; connectors: number[] } {
  const text = readFileSync(`/sys/kernel/debug/dri/${name}/vkms_config`, 'utf8');
  const out = { planes: [] as number[], crtcs: [] as number[], encoders: 0, connectors: [] as number[] };
  let section = '';
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (/^(plane|crtc|connector):$/.test(trimmed)) section = trimmed.slice(0, -1);
    else if (trimmed === 'encoder') out.encoders++;
    else if (section === 'plane' && trimmed.startsWith('type=')) out.planes.push(Number(trimmed.slice(5)));
    else if (section === 'crtc' && trimmed.startsWith('writeback=')) out.crtcs.push(Number(trimmed.slice(10)));
    else if (section === 'connector' && trimmed.startsWith('status=')) out.connectors.push(Number(trimmed.slice(7)));
  }
  return out;
}
