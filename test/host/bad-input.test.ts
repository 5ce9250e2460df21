// SPDX-License-Identifier: MIT
// Bad input to every public member is refused with a typed error carrying a
// `code`, and costs no fd. The table (test/helpers/bad-input.ts) must cover
// every export of lib/index.ts: a new public member without an entry fails
// here. On a host the objects are stand-ins: the library's own classes over
// fds any host has (/dev/null, a memfd), enough for every check that runs
// before the kernel is asked. test/devices/bad-input.test.ts repeats the
// table over real devices in the VM.
import { openSync } from 'node:fs';
import { tmpdir } from 'node:os';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  DmaBuf,
  DmaHeap,
  DrmDevice,
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
import { type Subjects, fdCount, isTyped, openPipe, outcome, publicMembers, table } from '../helpers/bad-input.js';

/** Calls a constructor TypeScript keeps private: stand-ins are built the way the library builds its objects. */
function make<T>(cls: { prototype: T }, ...args: unknown[]): T {
  return new (cls as unknown as new (...a: unknown[]) => T)(...args);
}

const nullFd = (): number => openSync('/dev/null', 'r+');

let serverCount = 0;
/** The other ends of the socket pairs. */
const peers: FdSocket[] = [];

/** One set of stand-ins: open, or closed. */
function standIns(memfd: Memfd): Omit<Subjects, 'closed' | 'pipe'> {
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
    vfio: make(VfioDevice, { fd: nullFd(), via: 'group', iommu: 'noiommu', noIommu: true }, { address: '0000:00:04.0', iommuGroup: 0 }),
  };
}

function closeAll(objects: object): void {
  for (const value of Object.values(objects)) (value as { close?: () => void }).close?.();
}

describe('bad input, on every public member', () => {
  const before = fdCount();
  let subjects: Subjects;
  let release: () => void = () => undefined;
  let backing: Memfd;

  beforeAll(() => {
    backing = Memfd.create('bad-input-backing', 4 * 4096);
    const [pipe, closePipe] = openPipe();
    const open = standIns(backing);
    const closed = standIns(backing);
    closeAll(closed);
    subjects = { ...open, closed, pipe };
    release = () => {
      closeAll(open);
      closePipe();
    };
  });

  afterAll(() => {
    release();
    for (const peer of peers) peer.close();
    backing.close();
    expect(fdCount()).toBe(before);
  });

  it('the table names every public member, and only those', () => {
    const members = publicMembers();
    expect(members.filter((m) => !(m in table)), 'members without an entry').toEqual([]);
    expect(Object.keys(table).filter((k) => !members.includes(k)), 'entries for no member').toEqual([]);
  });

  for (const [member, entry] of Object.entries(table)) {
    if (!Array.isArray(entry)) continue;
    for (const [label, call] of entry) {
      it(`${member}: ${label}`, async () => {
        const fds = fdCount();
        const error = await outcome(() => call(subjects));
        expect(error, 'accepted the bad input').not.toBe('accepted');
        expect(error, 'still waiting: the bad input was ignored').not.toBe('pending');
        expect(isTyped(error), `untyped: ${String(error)}`).toBe(true);
        expect(fdCount()).toBe(fds);
      });
    }
  }
});
