// SPDX-License-Identifier: MIT
// Every open refused for lack of permission is a PrivilegeError naming what
// is missing, run for real as uid/gid 65534 (nobody) in a child process:
// dma-heap, udmabuf, DRM nodes (by path and by driver) and sw_sync.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { distEntry, need, requireDevices } from '../helpers/env.js';

interface Outcome {
  name: string;
  code?: string;
  privilege?: string;
  path?: string;
  message?: string;
}

/** Runs `call` (an expression over the package `m`) as nobody and returns what it threw. */
function asNobody(call: string): Outcome {
  const script = `
    const m = await import(${JSON.stringify(distEntry.href)});
    try { ${call}; console.log(JSON.stringify({ name: 'none' })); }
    catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, privilege: e.privilege, path: e.path, message: e.message })); }`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 30_000 });
  expect(child.stderr).toBe('');
  return JSON.parse(child.stdout) as Outcome;
}

const root = process.getuid?.() === 0;

describe('opens refused for lack of permission (as uid 65534)', () => {
  const cases: [string, string, () => boolean, Partial<Outcome>, RegExp][] = [
    ["DmaHeap.open('system')", "m.DmaHeap.open('system')", () => existsSync('/dev/dma_heap/system'), { privilege: 'node-access', path: '/dev/dma_heap/system' }, /dma-heap 'system' needs read access/],
    ['Udmabuf.open()', 'm.Udmabuf.open()', () => existsSync('/dev/udmabuf'), { privilege: 'node-access', path: '/dev/udmabuf' }, /udmabuf needs read-write access to \/dev\/udmabuf/],
    ["DrmDevice.openByDriver('vgem')", "m.DrmDevice.openByDriver('vgem')", () => existsSync('/dev/dri'), { privilege: 'node-access' }, /DRM driver 'vgem': .*refused access \(EACCES\), so it may be there/],
    ["DrmDevice.openFirst()", 'm.DrmDevice.openFirst()', () => existsSync('/dev/dri'), { privilege: 'node-access' }, /a DRM render node: .*refused access/],
    ['DrmDevice.open(card0)', "m.DrmDevice.open('/dev/dri/card0')", () => existsSync('/dev/dri/card0'), { privilege: 'node-access', path: '/dev/dri/card0' }, /DRM node \/dev\/dri\/card0 needs read-write access/],
    ['SwSyncTimeline.create()', 'm.SwSyncTimeline.create()', () => root, { privilege: 'root' }, /a sw_sync timeline needs root/],
  ];
  for (const [label, call, present, fields, message] of cases) {
    it(`${label}: PrivilegeError EACCES`, (ctx) => {
      need(ctx, root, 'needs root to start a child as uid 65534');
      need(ctx, present(), `${label}: the node is not here`);
      const outcome = asNobody(call);
      expect(outcome).toMatchObject({ name: 'PrivilegeError', code: 'EACCES', ...fields });
      expect(outcome.message).toMatch(message);
      expect(outcome.message).toContain('uid 65534');
    });
  }

  it('the rig runs these (REQUIRE_DEVICES)', () => {
    if (requireDevices) expect(root).toBe(true);
  });
});
