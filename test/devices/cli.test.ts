// SPDX-License-Identifier: MIT
// `dmabuf probe`, `ls` and `info` in the rig, where every interface exists:
// the probe must find each one, see the privilege it lacks as nobody, and
// `ls` must see other processes' buffers and count shared ones once.
// The probe with --vfio-device on edu #1 is here too; test/stock/cli.test.ts
// covers the stock kernel, where the proposed interfaces are missing.
import { spawn } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { basename } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DmaHeap, readPciDevice } from '../../lib/index.js';
import { type ProbeJson, json, runCli, withEduDevicesLocked } from '../helpers/cli.js';
import { has, need } from '../helpers/env.js';
import { LOCK_WAIT_MS, findEdu } from '../helpers/vfio.js';

const RIG_DRIVERS = ['vgem', 'vkms', 'virtio_gpu'];

/**
 * The nodes the rig boots with. KMS test files running alongside make vkms
 * devices of their own through configfs and remove them again; the probe
 * sees those too, but what it finds there depends on the moment.
 */
function isBootNode(path: string): boolean {
  try {
    const device = basename(readlinkSync(`/sys/class/drm/${basename(path)}/device`));
    return device === 'vgem' || device === 'vkms' || /^[0-9a-f]{4}:/.test(device);
  } catch {
    return false;
  }
}

/** The problems the rig's drivers really have: no syncobjs on vgem and vkms, no KMS on vgem, no writeback on virtio_gpu. */
function expectedProblem(feature: string, driver: string): boolean {
  const cap = feature.split(' ')[1];
  if (cap === undefined) return false;
  if (/^syncobj(Timeline|Eventfd)?$/.test(cap)) return driver !== 'virtio_gpu';
  if (cap === 'atomic') return driver === 'vgem';
  if (cap === 'writeback') return driver === 'vgem' || driver === 'virtio_gpu';
  return false;
}

describe('dmabuf probe in the rig', () => {
  it('--json finds every interface the rig kernel has, with no problem', async (ctx) => {
    need(ctx, has.systemHeap(), 'no system dma-heap');
    const doc = json<ProbeJson>(await withEduDevicesLocked(() => runCli(['probe', '--json'])));
    // The only things missing are what the drivers lack.
    const drm = doc.drm.filter((n) => isBootNode(n.path));
    const driverOf = new Map(drm.map((n) => [n.path, n.driver]));
    const problems = doc.problems.filter((p) => !p.feature.startsWith('/dev/dri/') || driverOf.has(p.feature.split(' ')[0]!));
    for (const p of problems) expect(expectedProblem(p.feature, driverOf.get(p.feature.split(' ')[0]!) ?? ''), `${p.feature}: ${p.message}`).toBe(true);
    expect(doc.heaps).toContain('system');
    expect(doc.heaps.some((h) => h !== 'system')).toBe(true); // the CMA heap(s)
    expect(doc.udmabuf).toBe(true);
    expect(doc.dmabuf).toEqual({ mmap: true, sync: true, exportSyncFile: true, importSyncFile: true, derive: true, setName: true });
    expect(doc.swSync).toBe(true);
    expect(doc.eventfd).toBe(true);
    expect(new Set(drm.map((n) => n.driver))).toEqual(new Set(RIG_DRIVERS));
    for (const node of drm) {
      expect(node.caps.prime, `${node.path} prime`).toBe(true);
      // Dumb buffers on every card node, never on a render node.
      expect(node.caps.dumb, `${node.path} dumb`).toBe(node.type === 'card');
      const virtio = node.driver === 'virtio_gpu';
      expect({ path: node.path, syncobj: node.caps.syncobj, timeline: node.caps.syncobjTimeline, eventfd: node.caps.syncobjEventfd }).toEqual({
        path: node.path,
        syncobj: virtio,
        timeline: virtio,
        eventfd: virtio,
      });
    }
    expect(drm.filter((n) => n.driver === 'virtio_gpu').map((n) => n.type).sort()).toEqual(['card', 'render']);
    // Atomic KMS on the two KMS drivers' card nodes; writeback on vkms.
    const card = (driver: string) => drm.find((n) => n.driver === driver && n.type === 'card')!.caps;
    expect([card('vkms').atomic, card('vkms').writeback, card('virtio_gpu').atomic, card('vgem').atomic]).toEqual([true, true, true, false]);
  }, LOCK_WAIT_MS);

  it('as uid 65534 the heaps and DRM nodes are "not permitted", naming the privilege; exit 0', async (ctx) => {
    need(ctx, has.systemHeap() && has.dri(), 'no dma-heaps or DRM nodes');
    // Unprivileged, the probe cannot open any VFIO device, so it needs no edu lock.
    const r = await runCli(['probe', '--json'], { uid: 65534, gid: 65534 });
    expect(r.status).toBe(0);
    const doc = json<ProbeJson>(r);
    expect(doc.heaps).toEqual([]);
    const problem = (feature: string) => doc.problems.find((p) => p.feature === feature);
    for (const heap of DmaHeap.list()) {
      expect(problem(`heap ${heap}`)).toEqual({
        feature: `heap ${heap}`,
        code: 'EACCES',
        message: expect.stringMatching(new RegExp(`^not permitted: needs node-access \\(read-write access to /dev/dma_heap/${heap}: root`)),
      });
    }
    const drm = doc.drm.filter((n) => isBootNode(n.path));
    expect(drm.length).toBeGreaterThanOrEqual(RIG_DRIVERS.length);
    for (const node of drm) {
      expect(problem(node.path)).toMatchObject({ code: 'EACCES', message: expect.stringMatching(`^not permitted: needs node-access \\(read-write access to ${node.path}: root`) });
      expect(node.driver).toBe('unknown');
      expect(Object.values(node.caps).every((v) => v === false)).toBe(true);
    }
    expect(problem('sw_sync')).toMatchObject({ code: 'EACCES', message: expect.stringMatching(/^not permitted: needs root \(debugfs/) });
    // The human table says the same.
    const table = (await runCli(['probe'], { uid: 65534, gid: 65534 })).stdout;
    expect(table).toMatch(/^heap system +not permitted \(EACCES\) +not permitted: needs node-access \(read-write access to \/dev\/dma_heap\/system/m);
  });

  it('--vfio-device lends an edu device to vfio-pci, finds its dma-buf export, and gives it back', async (ctx) => {
    const edu = findEdu(ctx, 1);
    const before = readPciDevice(edu.address);
    const r = await withEduDevicesLocked(() => runCli(['probe', '--json', '--vfio-device', edu.address]));
    expect(r.status).toBe(0);
    const doc = json<ProbeJson>(r);
    expect(doc.vfio.devices).toContainEqual({ address: edu.address, dmaBuf: true, dmaBufRevoke: true, dmaBufMemAttr: true });
    expect(doc.vfio.dmaBuf).toBe(true);
    expect(doc.problems.filter((p) => p.feature.startsWith('vfio'))).toEqual([]);
    const after = readPciDevice(edu.address);
    expect({ driver: after.driver, override: after.driverOverride }).toEqual({ driver: before.driver, override: before.driverOverride });
  }, LOCK_WAIT_MS);
});

/** A `sleep` holding `fds` as its fds 3, 4...; killed by the returned function. */
async function holder(...fds: number[]): Promise<{ pid: number; kill: () => void }> {
  const child = spawn('sleep', ['60'], { stdio: ['ignore', 'ignore', 'ignore', ...fds] });
  await new Promise((r) => setTimeout(r, 200));
  return { pid: child.pid!, kill: () => child.kill() };
}

interface LsJson {
  buffers: { pid: number; command: string; fd: number; inode: number; size: number; exporter: string; name: string; shared: boolean }[];
  processes: { pid: number; command: string; buffers: number; size: number }[];
  exporters: { exporter: string; buffers: number; size: number }[];
  total: { buffers: number; size: number };
  unreadable: unknown[];
}

describe('dmabuf ls in the rig', () => {
  it('sees a buffer a child process holds, with its size, exporter and name', async (ctx) => {
    need(ctx, has.systemHeap(), 'no system dma-heap');
    using heap = DmaHeap.open('system');
    using buf = heap.allocate(3 * 4096);
    buf.setName('cli-ls');
    const child = await holder(buf.fd);
    try {
      const doc = json<LsJson>(await runCli(['ls', '--pid', String(child.pid), '--json']));
      const inode = buf.fdinfo.inode;
      expect(doc.buffers).toEqual([
        // `shared` is among the processes read: with --pid, only the child.
        { pid: child.pid, command: 'sleep', fd: 3, inode, size: 12288, exporter: 'system', name: 'cli-ls', shared: false },
      ]);
      expect(doc.processes).toEqual([{ pid: child.pid, command: 'sleep', buffers: 1, size: 12288 }]);
      expect(doc.exporters).toEqual([{ exporter: 'system', buffers: 1, size: 12288 }]);
      const table = (await runCli(['ls', '--pid', String(child.pid)])).stdout;
      expect(table).toMatch(new RegExp(`^${child.pid} +sleep +3 +${inode} +12 KiB +system +cli-ls$`, 'm'));
      expect(table).toMatch(/^total +1 +12 KiB$/m);
    } finally {
      child.kill();
    }
  });

  it('counts a buffer shared by two processes once in the totals', async (ctx) => {
    need(ctx, has.systemHeap(), 'no system dma-heap');
    using heap = DmaHeap.open('system');
    using buf = heap.allocate(5 * 4096);
    // Two fds of the same buffer in one child, and a second child: three processes in all with this one.
    const a = await holder(buf.fd, buf.fd);
    const b = await holder(buf.fd);
    try {
      const doc = json<LsJson>(await runCli(['ls', '--json', '--sort', 'size']));
      const inode = buf.fdinfo.inode;
      const mine = doc.buffers.filter((x) => x.inode === inode);
      expect(new Set(mine.map((x) => x.pid))).toEqual(new Set([process.pid, a.pid, b.pid]));
      expect(mine.every((x) => x.shared && x.size === 20480)).toBe(true);
      expect(doc.processes.find((p) => p.pid === a.pid)).toMatchObject({ buffers: 1, size: 20480 });
      // Totals count each inode once, however many fds and processes hold it.
      const unique = new Map(doc.buffers.map((x) => [x.inode, x.size]));
      const sum = (sizes: Iterable<number>): number => [...sizes].reduce((s, n) => s + n, 0);
      expect(doc.total).toEqual({ buffers: unique.size, size: sum(unique.values()) });
      const system = new Map(doc.buffers.filter((x) => x.exporter === 'system').map((x) => [x.inode, x.size]));
      expect(doc.exporters.find((e) => e.exporter === 'system')).toEqual({ exporter: 'system', buffers: system.size, size: sum(system.values()) });
      // --sort size: largest first.
      const sizes = doc.buffers.map((x) => x.size);
      expect(sizes).toEqual([...sizes].sort((x, y) => y - x));
    } finally {
      a.kill();
      b.kill();
    }
  });
});

describe('dmabuf info in the rig', () => {
  it('lists every DRM node with driver, version and caps, and vkms\'s connectors, CRTC and planes', async (ctx) => {
    need(ctx, has.dri(), 'no /dev/dri');
    const r = await runCli(['info', '--json']);
    expect(r.status).toBe(0);
    type Obj = { kind: string; id: number; summary: string; properties: Record<string, string> };
    type Node = { path: string; driver: string; version: string; type: string; caps: Record<string, string | null>; kms?: { objects: Obj[]; note?: string } };
    const doc = json<{ nodes: Node[]; problems: { feature: string }[] }>(r);
    const nodes = doc.nodes.filter((n) => isBootNode(n.path));
    expect(doc.problems.filter((p) => isBootNode(p.feature))).toEqual([]);
    expect(new Set(nodes.map((n) => n.driver))).toEqual(new Set(RIG_DRIVERS));
    for (const node of nodes) {
      expect(node.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(node.caps.PRIME).not.toBe('0');
      expect(node.kms !== undefined, node.path).toBe(node.type === 'card');
    }
    const virtio = nodes.find((n) => n.driver === 'virtio_gpu' && n.type === 'render')!;
    expect(virtio.caps.SYNCOBJ_TIMELINE).toBe('1');
    const vkms = nodes.find((n) => n.driver === 'vkms')!;
    const objects = vkms.kms!.objects;
    const kinds = (kind: string) => objects.filter((o) => o.kind === kind);
    expect(kinds('connector').map((c) => c.summary)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Virtual-\d+ connected, \d+ mode/), expect.stringMatching(/^Writeback-\d+ .*writeback/)]),
    );
    expect(kinds('crtc').length).toBeGreaterThanOrEqual(1);
    expect(kinds('crtc')[0]!.properties).toHaveProperty('ACTIVE');
    const planeTypes = kinds('plane').map((p) => p.summary.split(',')[0]);
    expect(planeTypes).toEqual(expect.arrayContaining(['primary', 'cursor', 'overlay']));
    expect(kinds('plane')[0]!.summary).toMatch(/formats .*(XR24|XRGB8888)/);
    expect(kinds('plane')[0]!.properties.type).toMatch(/^(Primary|Overlay|Cursor)$/);
    const table = await runCli(['info', vkms.path]);
    expect(table.status).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^NODE +ITEM +VALUE$/);
    expect(table.stdout).toContain(`${vkms.path}: vkms `);
    expect(table.stdout).toMatch(/^ +connector \d+ +Virtual-\d+ connected/m);
    expect(table.stdout).toMatch(/^ +plane \d+ +primary, formats /m);
  });
});
