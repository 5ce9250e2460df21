// SPDX-License-Identifier: MIT
/**
 * The probe's and `info`'s KMS facts (atomic modesetting, writeback
 * connectors, connectors/CRTCs/encoders/planes with their properties), from
 * the library's KMS discovery (`DrmDevice.kms()`). Setting client caps and
 * reading objects needs no DRM master, so this never takes it from a
 * compositor; opening a card node with no master does make this process
 * master for as long as the probe holds the node (a moment).
 * @module
 */
import type { DrmDevice, Kms, KmsProperty, KmsResources } from '../index.js';
import { type Outcome, Unsupported, attempt, notTried, ok } from './outcome.js';

export interface KmsCaps {
  atomic: Outcome;
  writeback: Outcome;
}

/**
 * What a node offers for atomic KMS: `atomic` when the ATOMIC client cap
 * can be set, `writeback` when, with WRITEBACK_CONNECTORS set, the device
 * lists a writeback connector. Render nodes have no KMS at all.
 */
export async function probeKms(device: DrmDevice, type: 'card' | 'render'): Promise<KmsCaps> {
  if (type === 'render') {
    const na: Outcome = { status: 'n/a', detail: 'render nodes have no KMS' };
    return { atomic: na, writeback: na };
  }
  let kms: Kms | undefined;
  const atomic = await attempt(() => {
    kms = device.kms({ writeback: false });
    const { crtcs, planes, connectors } = kms.discover();
    return `${connectors.length} connector(s), ${crtcs.length} CRTC(s), ${planes.length} plane(s)`;
  });
  const writeback = ok(atomic)
    ? await attempt(() => {
        kms!.configure({ writeback: true });
        const count = kms!.discover().connectors.filter((c) => c.writeback).length;
        if (count === 0) throw new Unsupported('ENODEV', 'the device has no writeback connector');
        return `${count} writeback connector(s)`;
      })
    : notTried('needs atomic KMS', atomic);
  return { atomic, writeback };
}

/** One KMS object for `info`: its kind, id, a one-line summary, and its properties. */
export interface KmsObject {
  kind: 'connector' | 'encoder' | 'crtc' | 'plane';
  id: number;
  summary: string;
  properties: Record<string, string>;
}

export interface KmsListing {
  objects: KmsObject[];
  /** Why there are none, when nothing could be listed. */
  note: string | undefined;
}

/** A property's value as text: enum names rather than numbers, blob and object ids as `#id`. */
function propertyText(p: KmsProperty): string {
  if (p.valueName !== undefined) return Array.isArray(p.valueName) ? p.valueName.join('|') || '(none)' : p.valueName;
  if (p.type === 'blob' || p.type === 'object') return p.value === 0 || p.value === 0n ? '(none)' : `#${p.value}`;
  return String(p.value);
}

function properties(list: readonly KmsProperty[]): Record<string, string> {
  return Object.fromEntries(list.map((p) => [p.name, propertyText(p)]));
}

function objectsOf(r: KmsResources): KmsObject[] {
  const modeText = (m: { name: string; vrefresh: number } | null | undefined): string => (m ? `${m.name}@${m.vrefresh}` : 'no mode');
  return [
    ...r.connectors.map((c): KmsObject => ({
      kind: 'connector',
      id: c.id,
      summary: `${c.name} ${c.status}${c.writeback ? ', writeback' : ''}, ${c.modes.length} mode(s)${c.modes[0] ? ` (first ${modeText(c.modes[0])})` : ''}`,
      properties: properties(c.properties),
    })),
    ...r.encoders.map((e): KmsObject => ({ kind: 'encoder', id: e.id, summary: `${e.type}, CRTC ${e.crtcId || 'none'}`, properties: {} })),
    ...r.crtcs.map((c): KmsObject => ({
      kind: 'crtc',
      id: c.id,
      summary: `${c.active ? 'active' : 'inactive'}, ${modeText(c.mode)}, gamma size ${c.gammaSize}`,
      properties: properties(c.properties),
    })),
    ...r.planes.map((p): KmsObject => {
      const modifiers = new Set((p.inFormats ?? []).flatMap((f) => f.modifiers));
      return {
        kind: 'plane',
        id: p.id,
        summary: `${p.type}, formats ${p.formats.map((f) => f.trim()).join(' ')}${modifiers.size ? `; modifiers ${[...modifiers].join(' ')}` : ''}`,
        properties: properties(p.properties),
      };
    }),
  ];
}

/** The KMS objects of a card node (with atomic and writeback caps set, so every object shows). */
export function kmsObjects(device: DrmDevice): KmsListing {
  try {
    return { objects: objectsOf(device.kms({ writeback: true }).discover()), note: undefined };
  } catch (error) {
    return { objects: [], note: `no KMS: ${(error as Error).message}` };
  }
}
