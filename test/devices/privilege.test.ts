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

/** Runs each of `calls` (expressions over the package `m`) as nobody, in one child, and returns what each threw. */
function asNobody(calls: string[]): Outcome[] {
  const attempts = calls.map(
    (call) => `(() => { try { ${call}; return { name: 'none' }; } catch (e) { return { name: e.name, code: e.code, privilege: e.privilege, path: e.path, message: e.message }; } })()`,
  );
  const script = `
    const m = await import(${JSON.stringify(distEntry.href)});
    console.log(JSON.stringify([${attempts.join(',')}]));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 60_000 });
  expect(child.stderr).toBe('');
  return JSON.parse(child.stdout) as Outcome[];
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
  // One child for all of them: starting Node as another user is slow in the emulated rig.
  let outcomes: Outcome[] | undefined;
  const outcome = (i: number): Outcome => {
    outcomes ??= asNobody(cases.map(([, call]) => call));
    return outcomes[i]!;
  };
  cases.forEach(([label, , present, fields, message], i) => {
    it(`${label}: PrivilegeError EACCES`, (ctx) => {
      need(ctx, root, 'needs root to start a child as uid 65534');
      need(ctx, present(), `${label}: the node is not here`);
      const got = outcome(i);
      expect(got).toMatchObject({ name: 'PrivilegeError', code: 'EACCES', ...fields });
      expect(got.message).toMatch(message);
      expect(got.message).toContain('uid 65534');
    });
  });

  it('the rig runs these (REQUIRE_DEVICES)', () => {
    if (requireDevices) expect(root).toBe(true);
  });
});
