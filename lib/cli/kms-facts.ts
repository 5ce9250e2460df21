// SPDX-License-Identifier: MIT
/**
 * The probe's and `info`'s KMS facts (atomic modesetting, writeback
 * connectors, connectors/CRTCs/planes), kept in this one module because the
 * library's KMS discovery (lib/kms/) is being built separately.
 *
 * TODO(kms): wire lib/kms once it is merged: set the ATOMIC and
 * WRITEBACK_CONNECTORS client caps on the card node to fill `atomic` and
 * `writeback`, and list connectors (status, modes), CRTCs and planes
 * (formats, modifiers) with their properties in `kmsObjects`. Until then
 * both report "not probed" and the rest of the CLI is unaffected.
 * @module
 * @internal
 */
import type { DrmDevice } from '../index.js';
import type { Outcome } from './outcome.js';

const NOT_BUILT = 'not probed: this build of dmabuf has no KMS discovery yet';

export interface KmsCaps {
  atomic: Outcome;
  writeback: Outcome;
}

/** What a node offers for atomic KMS. Render nodes have no KMS at all. */
export function probeKms(_device: DrmDevice, type: 'card' | 'render'): KmsCaps {
  if (type === 'render') {
    const na: Outcome = { status: 'n/a', detail: 'render nodes have no KMS' };
    return { atomic: na, writeback: na };
  }
  const todo: Outcome = { status: 'n/a', detail: NOT_BUILT };
  return { atomic: todo, writeback: todo };
}

/** One KMS object for `info`: its kind, id, a one-line summary, and its properties. */
export interface KmsObject {
  kind: 'connector' | 'crtc' | 'plane' | 'encoder';
  id: number;
  summary: string;
  properties: Record<string, string | number | boolean | null>;
}

export interface KmsListing {
  objects: KmsObject[];
  /** Why there are none, when nothing could be listed. */
  note: string | undefined;
}

/** The KMS objects of a card node. */
export function kmsObjects(_device: DrmDevice): KmsListing {
  return { objects: [], note: NOT_BUILT };
}
