// SPDX-License-Identifier: MIT
/**
 * Every node in /dev/dri, including those this process may not open
 * (DrmDevice.list() leaves those out; the CLI has to say they are there).
 * @module
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';

import type { DrmNodeType } from '../index.js';

export interface DrmNodeEntry {
  path: string;
  /** `card0`, `renderD128`. */
  name: string;
  type: DrmNodeType;
  /** The bus device (PCI address or platform device), from sysfs. */
  bus: string | undefined;
}

function busOf(name: string): string | undefined {
  try {
    return basename(readlinkSync(`/sys/class/drm/${name}/device`));
  } catch {
    return undefined;
  }
}

/** The nodes, card nodes first, each group in number order. */
export function drmNodes(): DrmNodeEntry[] {
  let names: string[];
  try {
    names = readdirSync('/dev/dri');
  } catch {
    return [];
  }
  const number = (n: string): number => Number(/\d+$/.exec(n)?.[0] ?? 0);
  return names
    .filter((n) => /^(card|renderD)\d+$/.test(n))
    .map((name): DrmNodeEntry => ({
      path: `/dev/dri/${name}`,
      name,
      type: name.startsWith('card') ? 'card' : 'render',
      bus: busOf(name),
    }))
    .sort((a, b) => (a.type === b.type ? number(a.name) - number(b.name) : a.type === 'card' ? -1 : 1));
}
