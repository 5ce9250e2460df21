// SPDX-License-Identifier: MIT
// Stand-ins: the library's own classes built over fds any host has
// (/dev/null, a memfd), the way the library builds them, so the argument
// checks that run before the kernel is asked can be exercised without the
// device. Only for tests: a stand-in's ioctls fail (ENOTTY).
import { openSync } from 'node:fs';
import { tmpdir } from 'node:os';

import {
  DmaBuf,
  DmaHeap,
  DrmDevice,
  DrmHotplugMonitor,
  EventFd,
  FdServer,
  FdSocket,
  GemBuffer,
  Mapping,
  Memfd,
  SwSyncTimeline,
  SyncFile,
  Syncobj,
  SyncobjFd,
  Udmabuf,
  VfioDevice,
} from '../../lib/index.js';
import type { Subjects } from './bad-input.js';

/** Calls a constructor TypeScript keeps private: stand-ins are built the way the library builds its objects. */
export function make<T>(cls: { prototype: T }, ...args: unknown[]): T {
  return new (cls as unknown as new (...a: unknown[]) => T)(...args);
}

export const nullFd = (): number => openSync('/dev/null', 'r+');

let serverCount = 0;
/** The other ends of the socket pairs. */
export const peers: FdSocket[] = [];

/** One set of stand-ins: open, or closed. */
export function standIns(memfd: Memfd): Omit<Subjects, 'closed' | 'pipe'> {
  const drm = make(DrmDevice, nullFd(), '/dev/null');
  const [socket, peer] = FdSocket.pair();
  peers.push(peer);
  return {
    eventfd: EventFd.create(),
    memfd: Memfd.create('bad-input', 4 * 4096),
    // A second fd of the memfd, as a dma-buf: it can even be mapped.
    dmaBuf: new DmaBuf(openSync(`/proc/self/fd/${memfd.fd}`, 'r+')),
    syncFile: SyncFile.adopt(nullFd()),
    mapping: new Mapping(memfd.fd, 0, 4096, 'readwrite'),
    socket,
    server: FdServer.listen(`${tmpdir()}/dmabuf-bad-input-${process.pid}-${serverCount++}.sock`),
    heap: make(DmaHeap, nullFd(), 'system'),
    drm,
    gem: new GemBuffer(drm, 1, 4096, 0, () => undefined),
    syncobj: new Syncobj(drm, 1, () => undefined),
    syncobjFd: new SyncobjFd(nullFd()),
    udmabuf: make(Udmabuf, nullFd()),
    timeline: make(SwSyncTimeline, nullFd()),
    // A real netlink uevent socket: any Linux host can open one.
    hotplug: DrmHotplugMonitor.open(),
    vfio: make(VfioDevice, { fd: nullFd(), via: 'group', iommu: 'noiommu', noIommu: true }, { address: '0000:00:04.0', iommuGroup: 0 }),
  };
}

/** Closes each object; a Kms (closed by its device, `close(error)` is internal) and an AtomicRequest (no close) are left alone. */
export function closeAll(objects: object): void {
  for (const [key, value] of Object.entries(objects)) {
    if (key === 'kms' || key === 'request') continue;
    (value as { close?: () => void } | undefined)?.close?.();
  }
}


