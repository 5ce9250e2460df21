// SPDX-License-Identifier: MIT
// The bad-input table (test/helpers/bad-input.ts) again, over real objects:
// a system-heap dma-buf and its mapping, a sw_sync fence, virtio-gpu's
// syncobjs, a vgem dumb buffer, udmabuf. Here a bad input that slips past
// the library's checks reaches a real driver, which must still answer with
// a typed error and keep no fd. VfioDevice stays a stand-in: the rig's two
// edu devices belong to the VFIO test files, which run in parallel.
import { type TestContext, afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DmaHeap, DrmDevice, Memfd, SwSyncTimeline, Udmabuf } from '../../lib/index.js';
import { type Subjects, defineCases, fdCount, openPipe } from '../helpers/bad-input.js';
import { has, need, requireDevices } from '../helpers/env.js';
import { closeAll, peers, standIns } from '../helpers/stand-ins.js';

type Open = Omit<Subjects, 'closed' | 'pipe'>;

/** One set of real objects; what has no device here comes from the stand-ins. */
function real(memfd: Memfd, devices: DrmDevice[]): Open {
  const base = standIns(memfd);
  // Keep the stand-ins that are real anyway (eventfd, memfd, sockets, the uevent socket) and the VfioDevice.
  const { eventfd, memfd: ownMemfd, socket, server, vfio, hotplug, ...replaced } = base;
  closeAll(replaced);
  const heap = DmaHeap.open('system');
  const dmaBuf = heap.allocate(4 * 4096);
  const gpu = DrmDevice.openByDriver('virtio_gpu', { type: 'render' });
  const vgem = DrmDevice.openByDriver('vgem');
  // virtio-gpu's card node for KMS: the KMS test files each make a vkms device of their own, so no master is fought over.
  const card = DrmDevice.openByDriver('virtio_gpu', { type: 'card' });
  devices.push(gpu, vgem, card);
  const kms = card.kms();
  const syncobj = gpu.createSyncobj();
  const timeline = SwSyncTimeline.create();
  return {
    eventfd,
    memfd: ownMemfd,
    socket,
    server,
    vfio,
    hotplug,
    kms,
    request: kms.request(),
    heap,
    dmaBuf,
    mapping: dmaBuf.map({ length: 4096 }),
    syncFile: timeline.createFence(1),
    drm: gpu,
    gem: vgem.createDumb({ width: 16, height: 16 }),
    syncobj,
    syncobjFd: syncobj.exportFd(),
    udmabuf: Udmabuf.open(),
    timeline,
  };
}

describe('bad input, over real devices', () => {
  const before = fdCount();
  let subjects: Subjects;
  let release: () => void = () => undefined;
  let ready = false;

  beforeAll(() => {
    const present = has.systemHeap() && has.dri() && DrmDevice.list().some((n) => n.driver === 'virtio_gpu');
    if (!present && !requireDevices) return;
    const backing = Memfd.create('bad-input-backing', 4 * 4096);
    const devices: DrmDevice[] = [];
    const [pipe, closePipe] = openPipe();
    const open = real(backing, devices);
    const closed = real(backing, devices);
    closed.mapping.unmap();
    closeAll(closed);
    closed.kms?.device.close(); // its Kms and request now answer ClosedError
    subjects = { ...open, closed, pipe };
    ready = true;
    release = () => {
      open.timeline.advance(); // signal the fence before its timeline goes
      closeAll(open);
      for (const device of devices) device.close();
      closePipe();
      backing.close();
      for (const peer of peers) peer.close();
    };
  });

  afterAll(() => {
    release();
    expect(fdCount()).toBe(before);
  });

  const needDevices = (ctx: TestContext): void => need(ctx, ready, 'no system heap or virtio-gpu (the VM rig has both)');
  it('has its devices', needDevices);
  defineCases(() => subjects, needDevices, 'device');
});
