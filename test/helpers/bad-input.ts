// SPDX-License-Identifier: MIT
// The bad-input table: for every public member of the package (every export
// of lib/index.ts, every static, method and accessor of its classes and of
// their non-exported bases), the bad inputs it must refuse with a typed error
// carrying a `code`, losing no fd. test/host/bad-input.test.ts runs it over
// stand-in objects (the library's classes over fds any host has) and fails
// when a member is missing from it; test/devices/bad-input.test.ts runs it
// again over real objects in the VM.
//
// Keys: `Export` for a plain function, `Class.static` for a static,
// `Class#member` for a method or accessor (the class that defines it, which
// may be a base such as FdResource). Adding a public member means adding one
// line here. Members whose object no host can build (Kms, AtomicRequest: a
// Kms sets client caps on a real card node when made) wrap their cases in
// onDevice(): the host test skips them, the device test runs them.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';

import { type TestContext, expect, it } from 'vitest';

import * as api from '../../lib/index.js';
import {
  AbortError,
  type AtomicRequest,
  ClosedError,
  type DmaBuf,
  DmaHeap,
  DrmDevice,
  EventFd,
  FdServer,
  FdSocket,
  type DrmHotplugMonitor,
  type GemBuffer,
  KernelError,
  type Kms,
  type Mapping,
  Memfd,
  type SwSyncTimeline,
  type SyncFile,
  type Syncobj,
  type SyncobjFd,
  TimeoutError,
  Udmabuf,
  type VfioDevice,
} from '../../lib/index.js';

/** The open objects the cases call into; the device test gives real ones, the host test stand-ins. */
export interface Subjects {
  eventfd: EventFd;
  memfd: Memfd;
  dmaBuf: DmaBuf;
  syncFile: SyncFile;
  mapping: Mapping;
  socket: FdSocket;
  server: FdServer;
  heap: DmaHeap;
  drm: DrmDevice;
  gem: GemBuffer;
  syncobj: Syncobj;
  syncobjFd: SyncobjFd;
  udmabuf: Udmabuf;
  timeline: SwSyncTimeline;
  vfio: VfioDevice;
  hotplug: DrmHotplugMonitor;
  /** KMS on a card node, and a request of it: only in the VM (a host has no DRM, and Kms sets client caps when made). */
  kms?: Kms;
  request?: AtomicRequest;
  /** The read end of a pipe: an fd of a kind the library never adopts. */
  pipe: number;
  /** A closed object of each kind (made and closed before the fd count is taken). */
  closed: Omit<Subjects, 'closed' | 'pipe'>;
}

type Case = [label: string, call: (s: Subjects) => unknown];
/** Cases that need a real device: skipped on the host, run by test/devices/bad-input.test.ts. */
interface DeviceOnly {
  deviceOnly: string;
  cases: Case[];
}
/** The bad inputs of one member, or why it has none (it takes no argument and cannot be closed). */
export type Entry = Case[] | DeviceOnly | { none: string };

const onDevice = (cases: Case[]): DeviceOnly => ({ deviceOnly: 'needs KMS (a card node), which no host stand-in has', cases });
/** The Kms (present wherever a deviceOnly case runs). */
const kms = (s: Subjects): Kms => s.kms as Kms;
const closedKms = (s: Subjects): Kms => s.closed.kms as Kms;
const request = (s: Subjects): AtomicRequest => s.request as AtomicRequest;
const closedRequest = (s: Subjects): AtomicRequest => s.closed.request as AtomicRequest;
const objectIds = new WeakMap<Kms, { crtc: number; plane: number; connector: number }>();
/** Ids of a real CRTC, plane and connector of the subjects' Kms (discovered once). */
function ids(s: Subjects): { crtc: number; plane: number; connector: number } {
  let found = objectIds.get(kms(s));
  if (!found) {
    const r = kms(s).discover();
    found = { crtc: r.crtcs[0]!.id, plane: r.planes[0]!.id, connector: r.connectors[0]!.id };
    objectIds.set(kms(s), found);
  }
  return found;
}
const mode = { name: 'm', clock: 25175, hdisplay: 640, hsyncStart: 656, hsyncEnd: 752, htotal: 800, hskew: 0, vdisplay: 480, vsyncStart: 490, vsyncEnd: 492, vtotal: 525, vscan: 0, vrefresh: 60, flags: 0, type: 0, preferred: false };

const any = (v: unknown): never => v as never;
/** An fd number that is certainly not open. */
const notOpen = 0x7ffffff0;
const long = 'x'.repeat(5000);
const typo = { timout: 5 };

export const table: Record<string, Entry> = {
  // Errors and constants: nothing to call with bad input.
  AbortError: { none: 'error class' },
  ClosedError: { none: 'error class' },
  FdTypeError: { none: 'error class' },
  FeatureError: { none: 'error class' },
  FenceError: { none: 'error class' },
  KernelError: { none: 'error class' },
  PrivilegeError: { none: 'error class' },
  TimeoutError: { none: 'error class' },
  DMA_BUF_NAME_MAX: { none: 'constant' },
  DrmCap: { none: 'constant' },
  Seal: { none: 'constant' },
  MAX_FDS_PER_MESSAGE: { none: 'constant' },
  AccessModeError: { none: 'error class' },
  UnknownPropertyError: { none: 'error class' },
  ClientCap: { none: 'constant' },
  CTM_3X4_SIZE: { none: 'constant' },
  EVENT_QUEUE_LIMIT: { none: 'constant' },
  Format: { none: 'constant' },
  MOD_INVALID: { none: 'constant' },
  MOD_LINEAR: { none: 'constant' },
  ObjectType: { none: 'constant' },

  // FdResource: the base of every fd-owning class.
  'FdResource#fd': [['closed object', (s) => s.closed.eventfd.fd]],
  'FdResource#closed': { none: 'a flag, true after close()' },
  'FdResource#close': { none: 'no argument; a second call does nothing' },
  'FdResource#open': { none: 'protected' },
  'FdResource#watcher': { none: 'protected' },

  'DmaBuf.fromFd': [
    ['wrong type', () => api.DmaBuf.fromFd(any('3'))],
    ['NaN', () => api.DmaBuf.fromFd(NaN)],
    ['negative', () => api.DmaBuf.fromFd(-1)],
    ['huge', () => api.DmaBuf.fromFd(2 ** 40)],
    ['foreign fd', (s) => api.DmaBuf.fromFd(s.pipe)],
    ['wrong-kind fd', (s) => api.DmaBuf.fromFd(s.eventfd.fd)],
    ['not open', () => api.DmaBuf.fromFd(notOpen)],
  ],
  'DmaBuf#size': [['closed object', (s) => s.closed.dmaBuf.size]],
  'DmaBuf#fdinfo': [['closed object', (s) => s.closed.dmaBuf.fdinfo]],
  'DmaBuf#name': [['closed object', (s) => s.closed.dmaBuf.name]],
  'DmaBuf#setName': [
    ['wrong type', (s) => s.dmaBuf.setName(any(5))],
    ['oversized string', (s) => s.dmaBuf.setName(long)],
    ['NUL in string', (s) => s.dmaBuf.setName('a\0b')],
    ['closed object', (s) => s.closed.dmaBuf.setName('x')],
  ],
  'DmaBuf#map': [
    ['wrong type', (s) => s.dmaBuf.map(any(5))],
    ['bad access', (s) => s.dmaBuf.map({ access: any('rw') })],
    ['NaN', (s) => s.dmaBuf.map({ offset: NaN })],
    ['negative', (s) => s.dmaBuf.map({ length: -4096 })],
    ['huge', (s) => s.dmaBuf.map({ offset: 2 ** 60 })],
    ['huge length', (s) => s.dmaBuf.map({ length: 2 ** 52 })],
    ['unknown option', (s) => s.dmaBuf.map(any({ acess: 'read' }))],
    ['closed object', (s) => s.closed.dmaBuf.map()],
  ],
  'DmaBuf#unmapAll': { none: '@internal; no argument' },
  'DmaBuf#beginCpuAccess': [
    ['wrong type', (s) => s.dmaBuf.beginCpuAccess(any(1))],
    ['empty string', (s) => s.dmaBuf.beginCpuAccess(any(''))],
    ['closed object', (s) => s.closed.dmaBuf.beginCpuAccess()],
  ],
  'DmaBuf#exportSyncFile': [
    ['wrong type', (s) => s.dmaBuf.exportSyncFile(any(5))],
    ['old options form', (s) => s.dmaBuf.exportSyncFile(any({ read: true }))],
    ['unknown waiter', (s) => s.dmaBuf.exportSyncFile(any('reeder'))],
    ['missing waiter', (s) => s.dmaBuf.exportSyncFile(any(undefined))],
    ['closed object', (s) => s.closed.dmaBuf.exportSyncFile('writer')],
  ],
  'DmaBuf#importSyncFile': [
    ['wrong type', (s) => s.dmaBuf.importSyncFile(any(5), 'write')],
    ['wrong kind', (s) => s.dmaBuf.importSyncFile(any(s.eventfd), 'write')],
    ['old options form', (s) => s.dmaBuf.importSyncFile(s.syncFile, any({ write: true }))],
    ['unknown access', (s) => s.dmaBuf.importSyncFile(s.syncFile, any('writer'))],
    ['closed argument', (s) => s.dmaBuf.importSyncFile(s.closed.syncFile, 'write')],
    ['closed object', (s) => s.closed.dmaBuf.importSyncFile(s.syncFile, 'write')],
  ],
  'DmaBuf#derive': [
    ['wrong type', (s) => s.dmaBuf.derive(any('read'))],
    ['bad access', (s) => s.dmaBuf.derive({ access: any('all') })],
    ['unknown option', (s) => s.dmaBuf.derive(any({ cloexc: true }))],
    ['closed object', (s) => s.closed.dmaBuf.derive()],
  ],
  'DmaBuf#whenReadable': [
    ['wrong type', (s) => s.dmaBuf.whenReadable(any(5))],
    ['NaN', (s) => s.dmaBuf.whenReadable({ timeout: NaN })],
    ['negative', (s) => s.dmaBuf.whenReadable({ timeout: -1 })],
    ['unknown option', (s) => s.dmaBuf.whenReadable(any(typo))],
    ['closed object', (s) => s.closed.dmaBuf.whenReadable()],
  ],
  'DmaBuf#whenWritable': [
    ['wrong signal', (s) => s.dmaBuf.whenWritable({ signal: any({}) })],
    ['unknown option', (s) => s.dmaBuf.whenWritable(any(typo))],
    ['closed object', (s) => s.closed.dmaBuf.whenWritable()],
  ],

  listDmaBufs: [
    ['wrong type', () => api.listDmaBufs(any(5))],
    ['bad pid', () => api.listDmaBufs({ pid: any('me') })],
    ['negative', () => api.listDmaBufs({ pid: -1 })],
    ['NaN', () => api.listDmaBufs({ pid: NaN })],
    ['unknown option', () => api.listDmaBufs(any({ pdi: 1 }))],
  ],

  'Mapping#buffer': [['closed object', (s) => s.closed.mapping.buffer]],
  'Mapping#bytes': [['closed object', (s) => s.closed.mapping.bytes()]],
  'Mapping#read': [
    ['wrong type', (s) => s.mapping.read(any('0'))],
    ['NaN', (s) => s.mapping.read(NaN)],
    ['negative', (s) => s.mapping.read(-1)],
    ['huge', (s) => s.mapping.read(0, 2 ** 40)],
    ['beyond', (s) => s.mapping.read(s.mapping.length + 4096)],
    ['closed object', (s) => s.closed.mapping.read()],
  ],
  'Mapping#copyTo': [
    ['wrong type', (s) => s.mapping.copyTo(any([1, 2]))],
    ['negative', (s) => s.mapping.copyTo(new Uint8Array(4), -1)],
    ['beyond', (s) => s.mapping.copyTo(new Uint8Array(4), s.mapping.length + 1)],
    ['closed object', (s) => s.closed.mapping.copyTo(new Uint8Array(4))],
  ],
  'Mapping#closed': { none: 'a flag, true after unmap()' },
  'Mapping#unmap': { none: 'no argument; a second call does nothing' },
  'Mapping#close': { none: 'no argument; a second call does nothing' },

  'CpuAccess#ended': { none: 'a flag' },
  'CpuAccess#end': { none: 'no argument; a second call does nothing' },

  'DmaHeap.list': { none: 'no argument' },
  'DmaHeap.open': [
    ['wrong type', () => DmaHeap.open(any(1))],
    ['empty string', () => DmaHeap.open('')],
    ['path', () => DmaHeap.open('../etc')],
    ['NUL in string', () => DmaHeap.open('system\0')],
  ],
  'DmaHeap#allocate': [
    ['wrong type', (s) => s.heap.allocate(any('4096'))],
    ['NaN', (s) => s.heap.allocate(NaN)],
    ['negative', (s) => s.heap.allocate(-4096)],
    ['fraction', (s) => s.heap.allocate(4096.5)],
    ['huge', (s) => s.heap.allocate(2 ** 52)],
    ['unknown option', (s) => s.heap.allocate(4096, any({ acces: 'read' }))],
    ['closed object', (s) => s.closed.heap.allocate(4096)],
  ],

  'SyncFile.fromFd': [
    ['wrong type', () => api.SyncFile.fromFd(any(null))],
    ['negative', () => api.SyncFile.fromFd(-5)],
    ['foreign fd', (s) => api.SyncFile.fromFd(s.pipe)],
    ['wrong-kind fd', (s) => api.SyncFile.fromFd(s.memfd.fd)],
  ],
  'SyncFile.adopt': { none: '@internal: the fd comes from the kernel' },
  'SyncFile.mergeAll': [
    ['wrong type', () => api.SyncFile.mergeAll(any('a'))],
    ['empty', () => api.SyncFile.mergeAll([])],
    ['wrong element', (s) => api.SyncFile.mergeAll([s.syncFile, any(s.eventfd)])],
    ['closed element', (s) => api.SyncFile.mergeAll([s.syncFile, s.closed.syncFile])],
    ['unknown option', (s) => api.SyncFile.mergeAll([s.syncFile, s.syncFile], any({ nmae: 'x' }))],
  ],
  'SyncFile#info': [['closed object', (s) => s.closed.syncFile.info()]],
  'SyncFile#status': [['closed object', (s) => s.closed.syncFile.status()]],
  'SyncFile#merge': [
    ['wrong type', (s) => s.syncFile.merge(any(3))],
    ['bad name', (s) => s.syncFile.merge(s.syncFile, { name: any(5) })],
    ['NUL in string', (s) => s.syncFile.merge(s.syncFile, { name: 'a\0b' })],
    ['unknown option', (s) => s.syncFile.merge(s.syncFile, any({ label: 'x' }))],
    ['closed argument', (s) => s.syncFile.merge(s.closed.syncFile)],
    ['closed object', (s) => s.closed.syncFile.merge(s.syncFile)],
  ],
  'SyncFile#setDeadline': [
    ['wrong type', (s) => s.syncFile.setDeadline(any('1'))],
    ['negative', (s) => s.syncFile.setDeadline(-1n)],
    ['huge', (s) => s.syncFile.setDeadline(1n << 64n)],
    ['NaN', (s) => s.syncFile.setDeadline(any(NaN))],
    ['closed object', (s) => s.closed.syncFile.setDeadline(1n)],
  ],
  'SyncFile#wait': [
    ['wrong type', (s) => s.syncFile.wait(any('1'))],
    ['NaN', (s) => s.syncFile.wait({ timeout: NaN })],
    ['Infinity', (s) => s.syncFile.wait({ timeout: Infinity })],
    ['unknown option', (s) => s.syncFile.wait(any(typo))],
    ['closed object', (s) => s.closed.syncFile.wait()],
  ],

  'EventFd.create': [
    ['wrong type', () => EventFd.create(any('1'))],
    ['NaN', () => EventFd.create(NaN)],
    ['negative', () => EventFd.create(-1)],
    ['huge', () => EventFd.create(2 ** 32)],
    ['bad flag', () => EventFd.create(0, { semaphore: any(1) })],
    ['unknown option', () => EventFd.create(0, any({ semaphor: true }))],
  ],
  'EventFd.fromFd': [
    ['wrong type', () => EventFd.fromFd(any(1n))],
    ['foreign fd', (s) => EventFd.fromFd(s.pipe)],
    ['wrong-kind fd', (s) => EventFd.fromFd(s.memfd.fd)],
    ['not open', () => EventFd.fromFd(notOpen)],
  ],
  'EventFd#write': [
    ['wrong type', (s) => s.eventfd.write(any('1'))],
    ['NaN', (s) => s.eventfd.write(NaN)],
    ['zero', (s) => s.eventfd.write(0)],
    ['negative', (s) => s.eventfd.write(-1n)],
    ['huge', (s) => s.eventfd.write(1n << 64n)],
    ['closed object', (s) => s.closed.eventfd.write()],
  ],
  'EventFd#read': [['closed object', (s) => s.closed.eventfd.read()]],
  'EventFd#wait': [
    ['wrong type', (s) => s.eventfd.wait(any(null))],
    ['negative', (s) => s.eventfd.wait({ timeout: -1 })],
    ['unknown option', (s) => s.eventfd.wait(any(typo))],
    ['closed object', (s) => s.closed.eventfd.wait()],
  ],

  'DrmDevice.open': [
    ['wrong type', () => DrmDevice.open(any(0))],
    ['empty string', () => DrmDevice.open('')],
    ['NUL in string', () => DrmDevice.open('/dev/dri/card0\0')],
    ['not a DRM node', () => DrmDevice.open('/dev/null')],
    ['missing', () => DrmDevice.open('/nonexistent/card9')],
  ],
  'DrmDevice.list': { none: 'no argument' },
  'DrmDevice.openByDriver': [
    ['wrong type', () => DrmDevice.openByDriver(any(1))],
    ['bad type', () => DrmDevice.openByDriver('vgem', { type: any('primary') })],
    ['unknown option', () => DrmDevice.openByDriver('vgem', any({ typ: 'card' }))],
    ['no such driver', () => DrmDevice.openByDriver(long)],
  ],
  'DrmDevice.openFirst': [
    ['wrong type', () => DrmDevice.openFirst(any('render'))],
    ['unknown option', () => DrmDevice.openFirst(any({ kind: 'render' }))],
  ],
  'DrmDevice#version': [['closed object', (s) => s.closed.drm.version()]],
  'DrmDevice#driver': [['closed object', (s) => s.closed.drm.driver]],
  'DrmDevice#getCap': [
    ['wrong type', (s) => s.drm.getCap(any('1'))],
    ['NaN', (s) => s.drm.getCap(NaN)],
    ['negative', (s) => s.drm.getCap(-1)],
    ['huge', (s) => s.drm.getCap(2 ** 40)],
    ['closed object', (s) => s.closed.drm.getCap(1)],
  ],
  'DrmDevice#createDumb': [
    ['wrong type', (s) => s.drm.createDumb(any(16))],
    ['missing width', (s) => s.drm.createDumb(any({ height: 16 }))],
    ['NaN', (s) => s.drm.createDumb({ width: NaN, height: 16 })],
    ['negative', (s) => s.drm.createDumb({ width: 16, height: -16 })],
    ['huge', (s) => s.drm.createDumb({ width: 2 ** 20, height: 16 })],
    ['unknown option', (s) => s.drm.createDumb(any({ width: 16, height: 16, depth: 24 }))],
    ['closed object', (s) => s.closed.drm.createDumb({ width: 16, height: 16 })],
  ],
  'DrmDevice#importDmaBuf': [
    ['wrong type', (s) => s.drm.importDmaBuf(any(3))],
    ['wrong kind', (s) => s.drm.importDmaBuf(any(s.syncFile))],
    ['closed argument', (s) => s.drm.importDmaBuf(s.closed.dmaBuf)],
    ['closed object', (s) => s.closed.drm.importDmaBuf(s.dmaBuf)],
  ],
  'DrmDevice#fenceCaps': [['closed object', (s) => s.closed.drm.fenceCaps()]],
  'DrmDevice#createSyncobj': [
    ['bad flag', (s) => s.drm.createSyncobj({ signaled: any('yes') })],
    ['unknown option', (s) => s.drm.createSyncobj(any({ signalled: true }))],
    ['closed object', (s) => s.closed.drm.createSyncobj()],
  ],
  'DrmDevice#importSyncobj': [
    ['wrong type', (s) => s.drm.importSyncobj(any(3))],
    ['wrong kind', (s) => s.drm.importSyncobj(any(s.syncFile))],
    ['closed argument', (s) => s.drm.importSyncobj(s.closed.syncobjFd)],
    ['closed object', (s) => s.closed.drm.importSyncobj(s.syncobjFd)],
  ],
  'DrmDevice#waitSyncobjs': [
    ['wrong type', (s) => s.drm.waitSyncobjs(any({}))],
    ['empty', (s) => s.drm.waitSyncobjs([])],
    ['wrong element', (s) => s.drm.waitSyncobjs([any(null)])],
    ['negative point', (s) => s.drm.waitSyncobjs([{ syncobj: s.syncobj, point: -1 }])],
    ['NaN timeout', (s) => s.drm.waitSyncobjs([{ syncobj: s.syncobj }], { timeout: NaN })],
    ['negative timeout', (s) => s.drm.waitSyncobjs([{ syncobj: s.syncobj }], { timeout: -1 })],
    ['wrong signal', (s) => s.drm.waitSyncobjs([{ syncobj: s.syncobj }], { signal: any({}) })],
    ['unknown option', (s) => s.drm.waitSyncobjs([{ syncobj: s.syncobj }], any({ any: true }))],
    ['closed argument', (s) => s.drm.waitSyncobjs([{ syncobj: s.closed.syncobj }])],
    ['closed object', (s) => s.closed.drm.waitSyncobjs([{ syncobj: s.syncobj }])],
  ],
  'DrmDevice#waitSyncobjsSync': [
    ['wrong type', (s) => s.drm.waitSyncobjsSync(any({}))],
    ['empty', (s) => s.drm.waitSyncobjsSync([])],
    ['wrong element', (s) => s.drm.waitSyncobjsSync([any(null)])],
    ['wrong-kind syncobj', (s) => s.drm.waitSyncobjsSync([{ syncobj: any(s.syncobjFd) }])],
    ['negative point', (s) => s.drm.waitSyncobjsSync([{ syncobj: s.syncobj, point: -1 }])],
    ['NaN timeout', (s) => s.drm.waitSyncobjsSync([{ syncobj: s.syncobj }], { timeout: NaN })],
    ['negative timeout', (s) => s.drm.waitSyncobjsSync([{ syncobj: s.syncobj }], { timeout: -1 })],
    ['huge deadline', (s) => s.drm.waitSyncobjsSync([{ syncobj: s.syncobj }], { deadlineNs: 1n << 64n })],
    ['unknown option', (s) => s.drm.waitSyncobjsSync([{ syncobj: s.syncobj }], any(typo))],
    ['closed argument', (s) => s.drm.waitSyncobjsSync([{ syncobj: s.closed.syncobj }])],
    ['closed object', (s) => s.closed.drm.waitSyncobjsSync([{ syncobj: s.syncobj }])],
  ],
  // On the host (and the VM's render node) kms() is refused with FeatureError before the options are read; on the card node they are.
  'DrmDevice#kms': [
    ['wrong type', (s) => (s.kms?.device ?? s.drm).kms(any(5))],
    ['unknown option', (s) => (s.kms?.device ?? s.drm).kms(any({ writeBack: true }))],
    ['bad flag', (s) => (s.kms?.device ?? s.drm).kms({ colorPipeline: any('yes') })],
    ['closed object', (s) => s.closed.drm.kms()],
  ],
  'DrmDevice#ownsHandle': { none: '@internal; takes a handle the library itself holds' },
  'DrmDevice#hasSyncobjEventfd': { none: '@internal; no argument' },
  'DrmDevice#syncobjWaits': { none: '@internal; no argument' },
  'DrmDevice#close': { none: 'no argument; a second call does nothing' },
  'DrmDevice#fdForHandles': { none: '@internal; no argument' },

  // DeviceHandle: the base of GemBuffer and Syncobj.
  'DeviceHandle#closed': { none: 'a flag' },
  'DeviceHandle#close': { none: 'no argument; a second call does nothing' },
  'DeviceHandle#forget': { none: '@internal; no argument' },
  'DeviceHandle#deviceFd': { none: '@internal; no argument' },
  'DeviceHandle#liveHandle': { none: '@internal; no argument' },

  'GemBuffer#exportDmaBuf': [
    ['wrong type', (s) => s.gem.exportDmaBuf(any('read'))],
    ['bad access', (s) => s.gem.exportDmaBuf({ access: any('ro') })],
    ['unknown option', (s) => s.gem.exportDmaBuf(any({ access: 'read', flags: 2 }))],
    ['closed object', (s) => s.closed.gem.exportDmaBuf()],
  ],

  'Syncobj#signal': [['closed object', (s) => s.closed.syncobj.signal()]],
  'Syncobj#reset': [['closed object', (s) => s.closed.syncobj.reset()]],
  'Syncobj#signalPoint': [
    ['wrong type', (s) => s.syncobj.signalPoint(any('1'))],
    ['zero', (s) => s.syncobj.signalPoint(0)],
    ['negative', (s) => s.syncobj.signalPoint(-1)],
    ['NaN', (s) => s.syncobj.signalPoint(NaN)],
    ['huge', (s) => s.syncobj.signalPoint(1n << 64n)],
    ['closed object', (s) => s.closed.syncobj.signalPoint(1)],
  ],
  'Syncobj#query': [
    ['wrong type', (s) => s.syncobj.query(any(true))],
    ['unknown option', (s) => s.syncobj.query(any({ submitted: true }))],
    ['closed object', (s) => s.closed.syncobj.query()],
  ],
  'Syncobj#transfer': [
    ['wrong type', (s) => s.syncobj.transfer(any(1))],
    ['negative', (s) => s.syncobj.transfer(s.syncobj, { point: -1 })],
    ['unknown option', (s) => s.syncobj.transfer(s.syncobj, any({ to: 1 }))],
    ['closed argument', (s) => s.syncobj.transfer(s.closed.syncobj)],
  ],
  'Syncobj#exportSyncFile': [
    ['wrong type', (s) => s.syncobj.exportSyncFile(any(1))],
    ['NaN', (s) => s.syncobj.exportSyncFile({ point: NaN })],
    ['unknown option', (s) => s.syncobj.exportSyncFile(any({ pt: 1 }))],
    ['closed object', (s) => s.closed.syncobj.exportSyncFile()],
  ],
  'Syncobj#importSyncFile': [
    ['wrong type', (s) => s.syncobj.importSyncFile(any(3))],
    ['wrong kind', (s) => s.syncobj.importSyncFile(any(s.dmaBuf))],
    ['closed argument', (s) => s.syncobj.importSyncFile(s.closed.syncFile)],
    ['unknown option', (s) => s.syncobj.importSyncFile(s.syncFile, any({ pt: 1 }))],
  ],
  'Syncobj#exportFd': [['closed object', (s) => s.closed.syncobj.exportFd()]],
  'Syncobj#wait': [
    ['wrong type', (s) => s.syncobj.wait(any('0'))],
    ['negative', (s) => s.syncobj.wait(-1)],
    ['bad strategy', (s) => s.syncobj.wait(0n, { strategy: any('spin') })],
    ['unknown option', (s) => s.syncobj.wait(0n, any(typo))],
    ['closed object', (s) => s.closed.syncobj.wait()],
  ],
  'SyncobjFd.fromFd': [
    ['wrong type', () => api.SyncobjFd.fromFd(any('4'))],
    ['foreign fd', (s) => api.SyncobjFd.fromFd(s.pipe)],
    ['wrong-kind fd', (s) => api.SyncobjFd.fromFd(s.eventfd.fd)],
  ],

  'VgemFence.attach': [
    ['wrong type', () => api.VgemFence.attach(any(1))],
    ['wrong kind', (s) => api.VgemFence.attach(any(s.dmaBuf))],
    ['unknown option', (s) => api.VgemFence.attach(s.gem, any({ writer: true }))],
    ['closed argument', (s) => api.VgemFence.attach(s.closed.gem)],
  ],
  'VgemFence#signaled': { none: 'a flag' },
  'VgemFence#signal': { none: 'no argument; a second call is ENOENT from the kernel (covered by vgem-fences.test.ts)' },

  'Memfd.create': [
    ['wrong type', () => Memfd.create(any(1), 4096)],
    ['NUL in string', () => Memfd.create('a\0b', 4096)],
    ['oversized string', () => Memfd.create(long, 4096)],
    ['NaN', () => Memfd.create('m', NaN)],
    ['negative', () => Memfd.create('m', -1)],
    ['unknown option', () => Memfd.create('m', 4096, any({ cloexc: true }))],
  ],
  'Memfd.fromFd': [
    ['foreign fd', (s) => Memfd.fromFd(s.pipe)],
    ['wrong-kind fd', (s) => Memfd.fromFd(s.eventfd.fd)],
    ['not open', () => Memfd.fromFd(notOpen)],
  ],
  'Memfd#size': [['closed object', (s) => s.closed.memfd.size]],
  'Memfd#seals': [['closed object', (s) => s.closed.memfd.seals]],
  'Memfd#addSeals': [
    ['wrong type', (s) => s.memfd.addSeals(any('1'))],
    ['NaN', (s) => s.memfd.addSeals(NaN)],
    ['Infinity', (s) => s.memfd.addSeals(Infinity)],
    ['fraction', (s) => s.memfd.addSeals(1.5)],
    ['huge', (s) => s.memfd.addSeals(2 ** 53)],
    ['negative', (s) => s.memfd.addSeals(-1)],
    ['closed object', (s) => s.closed.memfd.addSeals(0)],
  ],

  'Udmabuf.open': { none: 'no argument' },
  'Udmabuf.allocate': [
    ['wrong type', () => Udmabuf.allocate(any('4096'))],
    ['zero', () => Udmabuf.allocate(0)],
    ['NaN', () => Udmabuf.allocate(NaN)],
    ['unknown option', () => Udmabuf.allocate(4096, any({ nam: 'x' }))],
  ],
  'Udmabuf#create': [
    ['wrong type', (s) => s.udmabuf.create(any(3))],
    ['unaligned', (s) => s.udmabuf.create(s.memfd, { offset: 1 })],
    ['negative', (s) => s.udmabuf.create(s.memfd, { size: -4096 })],
    ['unknown option', (s) => s.udmabuf.create(s.memfd, any({ length: 4096 }))],
    ['closed argument', (s) => s.udmabuf.create(s.closed.memfd)],
    ['closed object', (s) => s.closed.udmabuf.create(s.memfd)],
  ],
  'Udmabuf#createList': [
    ['wrong type', (s) => s.udmabuf.createList(any({}))],
    ['empty', (s) => s.udmabuf.createList([])],
    ['wrong element', (s) => s.udmabuf.createList([any(5)])],
    ['unknown key', (s) => s.udmabuf.createList([any({ memfd: s.memfd, length: 4096 })])],
    ['unknown option', (s) => s.udmabuf.createList([{ memfd: s.memfd }], any({ cloexc: true }))],
  ],

  'FdSocket.pair': { none: 'no argument' },
  'FdSocket.connect': [
    ['wrong type', () => FdSocket.connect(any(1))],
    ['empty string', () => FdSocket.connect('')],
    ['NUL in string', () => FdSocket.connect('/tmp/a\0b')],
    ['oversized string', () => FdSocket.connect(`/tmp/${long}`)],
  ],
  'FdSocket.fromFd': [
    ['foreign fd', (s) => FdSocket.fromFd(s.pipe)],
    ['wrong-kind fd', (s) => FdSocket.fromFd(s.eventfd.fd)],
    ['NaN', () => FdSocket.fromFd(NaN)],
  ],
  'FdSocket#send': [
    ['wrong type', (s) => s.socket.send(any(5))],
    ['fds not an array', (s) => s.socket.send('x', any(3))],
    ['bad fd element', (s) => s.socket.send('x', [any('3')])],
    ['null fd element', (s) => s.socket.send('x', [any(null)])],
    ['negative fd', (s) => s.socket.send('x', [-1])],
    ['too many fds', (s) => s.socket.send('x', new Array(254).fill(0))],
    ['closed fd object', (s) => s.socket.send('x', [s.closed.eventfd])],
    ['unknown option', (s) => s.socket.send('x', [], any(typo))],
    ['closed object', (s) => s.closed.socket.send('x')],
  ],
  'FdSocket#receive': [
    ['wrong type', (s) => s.socket.receive(any(1))],
    ['NaN', (s) => s.socket.receive({ maxBytes: NaN })],
    ['negative', (s) => s.socket.receive({ maxFds: -1 })],
    ['huge', (s) => s.socket.receive({ maxFds: 254 })],
    ['unknown option', (s) => s.socket.receive(any({ maxfds: 1 }))],
    ['closed object', (s) => s.closed.socket.receive()],
  ],
  'FdServer.listen': [
    ['wrong type', () => FdServer.listen(any(1))],
    ['empty string', () => FdServer.listen('')],
    ['NUL in string', () => FdServer.listen('/tmp/dmabuf-bad-input\0x')],
    ['oversized string', () => FdServer.listen(`/tmp/${long}`)],
    ['negative', () => FdServer.listen('/tmp/dmabuf-bad-input', { backlog: -1 })],
    ['unknown option', () => FdServer.listen('/tmp/dmabuf-bad-input', any({ backlg: 1 }))],
  ],
  'FdServer#accept': [
    ['wrong type', (s) => s.server.accept(any('x'))],
    ['unknown option', (s) => s.server.accept(any(typo))],
    ['closed object', (s) => s.closed.server.accept()],
  ],
  'FdServer#close': { none: 'no argument; a second call does nothing' },

  'SwSyncTimeline.create': { none: 'no argument' },
  'SwSyncTimeline#value': { none: 'a counter' },
  'SwSyncTimeline#createFence': [
    ['wrong type', (s) => s.timeline.createFence(any('1'))],
    ['negative', (s) => s.timeline.createFence(-1)],
    ['huge', (s) => s.timeline.createFence(2 ** 32)],
    ['bad name', (s) => s.timeline.createFence(1, any(5))],
    ['NUL in string', (s) => s.timeline.createFence(1, 'a\0b')],
    ['closed object', (s) => s.closed.timeline.createFence(1)],
  ],
  'SwSyncTimeline#advance': [
    ['wrong type', (s) => s.timeline.advance(any('1'))],
    ['zero', (s) => s.timeline.advance(0)],
    ['NaN', (s) => s.timeline.advance(NaN)],
    ['huge', (s) => s.timeline.advance(2 ** 31)],
    ['closed object', (s) => s.closed.timeline.advance()],
  ],

  'VfioDevice.open': [
    ['wrong type', () => api.VfioDevice.open(any(4))],
    ['empty string', () => api.VfioDevice.open('')],
    ['not an address', () => api.VfioDevice.open('00:04')],
    ['bad via', () => api.VfioDevice.open('0000:00:04.0', { via: any('usb') })],
    ['unknown option', () => api.VfioDevice.open('0000:00:04.0', any({ path: 'group' }))],
  ],
  'VfioDevice#info': [['closed object', (s) => s.closed.vfio.info]],
  'VfioDevice#region': [
    ['wrong type', (s) => s.vfio.region(any('0'))],
    ['negative', (s) => s.vfio.region(-1)],
    ['NaN', (s) => s.vfio.region(NaN)],
    ['closed object', (s) => s.closed.vfio.region(0)],
  ],
  'VfioDevice#regions': [['closed object', (s) => s.closed.vfio.regions()]],
  'VfioDevice#features': [['closed object', (s) => s.closed.vfio.features]],
  'VfioDevice#exportDmaBuf': [
    ['wrong type', (s) => s.vfio.exportDmaBuf(any('0'), [])],
    ['negative', (s) => s.vfio.exportDmaBuf(-1, [])],
    ['bad access', (s) => s.vfio.exportDmaBuf(0, [], { access: any('x') })],
    ['unknown option', (s) => s.vfio.exportDmaBuf(0, [], any({ acess: 'read' }))],
    ['closed object', (s) => s.closed.vfio.exportDmaBuf(0, [{ offset: 0, length: 4096 }])],
  ],
  'VfioDevice#close': { none: 'no argument; a second call does nothing' },
  'VfioDevice#revoke': [
    ['wrong type', (s) => s.vfio.revoke(any(3))],
    ['closed argument', (s) => s.vfio.revoke(s.closed.dmaBuf)],
  ],
  'VfioDevice#setMemAttr': [
    ['wrong type', (s) => s.vfio.setMemAttr(any(3), 'wc')],
    ['bad attr', (s) => s.vfio.setMemAttr(s.dmaBuf, any('uc'))],
    ['empty string', (s) => s.vfio.setMemAttr(s.dmaBuf, any(''))],
  ],
  'VfioPciBinding#restored': { none: 'a flag' },
  'VfioPciBinding#restore': { none: 'no argument; a second call does nothing' },
  bindToVfioPci: [
    ['wrong type', () => api.bindToVfioPci(any(4))],
    ['not an address', () => api.bindToVfioPci('vfio')],
    ['oversized string', () => api.bindToVfioPci(long)],
  ],
  listPciDevices: [
    ['wrong type', () => api.listPciDevices(any('x'))],
    ['negative', () => api.listPciDevices({ vendor: -1 })],
    ['huge', () => api.listPciDevices({ device: 2 ** 16 })],
    ['unknown option', () => api.listPciDevices(any({ vendorId: 0x1234 }))],
  ],
  normalizePciAddress: [
    ['wrong type', () => api.normalizePciAddress(5)],
    ['empty string', () => api.normalizePciAddress('')],
    ['NUL in string', () => api.normalizePciAddress('00:04.0\0')],
  ],
  readPciDevice: [
    ['wrong type', () => api.readPciDevice(any(undefined))],
    ['not an address', () => api.readPciDevice('zz:zz.z')],
    ['absent device', () => api.readPciDevice('ffff:ff:1f.7')],
  ],

  'DrmHotplugMonitor.open': { none: 'no argument' },
  'DrmHotplugMonitor#overflows': { none: 'a counter' },
  'DrmHotplugMonitor#next': [
    ['wrong type', (s) => s.hotplug.next(any(5))],
    ['NaN', (s) => s.hotplug.next({ timeout: NaN })],
    ['negative', (s) => s.hotplug.next({ timeout: -1 })],
    ['wrong signal', (s) => s.hotplug.next({ signal: any('abort') })],
    ['unknown option', (s) => s.hotplug.next(any(typo))],
    ['closed object', (s) => s.closed.hotplug.next()],
  ],
  'DrmHotplugMonitor#events': [
    ['wrong type', (s) => s.hotplug.events(any(5))],
    ['wrong signal', (s) => s.hotplug.events({ signal: any({}) })],
    ['unknown option', (s) => s.hotplug.events(any({ signl: 1 }))],
    ['closed object', (s) => s.closed.hotplug.events()],
  ],

  // KMS: plain functions run anywhere; Kms and AtomicRequest need a card node.
  fourcc: [
    ['wrong type', () => api.fourcc(any(0x34325258))],
    ['empty string', () => api.fourcc('')],
    ['oversized string', () => api.fourcc('XRGB8888')],
    ['NUL in string', () => api.fourcc('XR2\0')],
  ],
  fourccName: { none: 'total: any number names four bytes' },
  modifierName: { none: 'total: any bigint has a name' },
  toModifier: [
    ['wrong type', () => api.toModifier('modifier', any(0))],
    ['negative', () => api.toModifier('modifier', -1n)],
    ['huge', () => api.toModifier('modifier', 1n << 64n)],
    ['unknown name', () => api.toModifier('modifier', any('TILED'))],
    ['oversized string', () => api.toModifier('modifier', any(`0x${'f'.repeat(17)}`))],
  ],
  encodeMode: [
    ['wrong type', () => api.encodeMode(any('640x480'))],
    ['missing field', () => api.encodeMode(any({ ...mode, clock: undefined }))],
    ['NaN', () => api.encodeMode({ ...mode, hdisplay: NaN })],
    ['negative', () => api.encodeMode({ ...mode, vtotal: -1 })],
    ['huge', () => api.encodeMode({ ...mode, htotal: 2 ** 16 })],
    ['bad name', () => api.encodeMode({ ...mode, name: any(5) })],
    ['unknown key', () => api.encodeMode(any({ ...mode, refresh: 60 }))],
  ],
  decodeMode: [
    ['wrong type', () => api.decodeMode(any(new Uint8Array(68).buffer))],
    ['too short', () => api.decodeMode(Buffer.alloc(67))],
    ['negative offset', () => api.decodeMode(Buffer.alloc(68), -1)],
    ['NaN offset', () => api.decodeMode(Buffer.alloc(68), NaN)],
    ['beyond', () => api.decodeMode(Buffer.alloc(68), 1)],
  ],
  encodeCtm3x4: [
    ['wrong type', () => api.encodeCtm3x4(any('identity'))],
    ['too few', () => api.encodeCtm3x4([1, 0, 0])],
    ['NaN', () => api.encodeCtm3x4([NaN, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0])],
    ['huge', () => api.encodeCtm3x4([2 ** 31, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0])],
    ['wrong element', () => api.encodeCtm3x4([any('1'), 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0])],
  ],
  decodeCtm3x4: [
    ['wrong type', () => api.decodeCtm3x4(any([1, 2, 3]))],
    ['too short', () => api.decodeCtm3x4(Buffer.alloc(api.CTM_3X4_SIZE - 1))],
  ],
  decodeInFormats: [
    ['wrong type', () => api.decodeInFormats(any('blob'))],
    ['too short', () => api.decodeInFormats(Buffer.alloc(8))],
    ['counts past the end', () => api.decodeInFormats(Buffer.from(new Uint32Array([1, 0, 1000, 24, 0, 0]).buffer))],
  ],

  'Framebuffer#id': { none: 'a number, kept after close()' },
  'Framebuffer#remove': { none: 'no argument; after close() it does nothing' },
  'PropertyBlob#id': { none: 'a number, kept after close()' },

  'Kms#close': { none: '@internal: DrmDevice#close calls it' },
  'Kms#pendingEvents': { none: 'a counter' },
  'Kms#configure': onDevice([
    ['wrong type', (s) => kms(s).configure(any(5))],
    ['bad flag', (s) => kms(s).configure({ writeback: any('yes') })],
    ['unknown option', (s) => kms(s).configure(any({ writeBack: true }))],
    ['closed object', (s) => closedKms(s).configure({})],
  ]),
  'Kms#discover': onDevice([['closed object', (s) => closedKms(s).discover()]]),
  'Kms#properties': onDevice([
    ['wrong type', (s) => kms(s).properties(any('1'))],
    ['NaN', (s) => kms(s).properties(NaN)],
    ['zero', (s) => kms(s).properties(0)],
    ['negative', (s) => kms(s).properties(-1)],
    ['huge', (s) => kms(s).properties(2 ** 40)],
    ['id not a number', (s) => kms(s).properties(any({ id: '1' }))],
    ['no such object', (s) => kms(s).properties(0xfffffff0)],
    ['closed object', (s) => closedKms(s).properties(ids(s).crtc)],
  ]),
  'Kms#colorPipelines': onDevice([
    ['without the cap', (s) => kms(s).colorPipelines(ids(s).plane)],
    ['closed object', (s) => closedKms(s).colorPipelines(1)],
  ]),
  'Kms#addFramebuffer': onDevice([
    ['wrong type', (s) => kms(s).addFramebuffer(any(5))],
    ['missing width', (s) => kms(s).addFramebuffer(any({ height: 16, format: 'XR24', buffer: s.dmaBuf, pitch: 64 }))],
    ['NaN', (s) => kms(s).addFramebuffer({ width: NaN, height: 16, format: 'XR24', buffer: s.dmaBuf, pitch: 64 })],
    ['huge', (s) => kms(s).addFramebuffer({ width: 2 ** 16, height: 16, format: 'XR24', buffer: s.dmaBuf, pitch: 64 })],
    ['bad format', (s) => kms(s).addFramebuffer({ width: 16, height: 16, format: 'XRGB8888', buffer: s.dmaBuf, pitch: 64 })],
    ['negative format', (s) => kms(s).addFramebuffer({ width: 16, height: 16, format: -1, buffer: s.dmaBuf, pitch: 64 })],
    ['no planes', (s) => kms(s).addFramebuffer({ width: 16, height: 16, format: 'XR24' })],
    ['wrong-kind buffer', (s) => kms(s).addFramebuffer({ width: 16, height: 16, format: 'XR24', buffer: any(s.eventfd), pitch: 64 })],
    ['missing pitch', (s) => kms(s).addFramebuffer({ width: 16, height: 16, format: 'XR24', buffer: s.dmaBuf })],
    ['bad modifier', (s) => kms(s).addFramebuffer({ width: 16, height: 16, format: 'XR24', buffer: s.dmaBuf, pitch: 64, modifier: any('TILED') })],
    ['unknown option', (s) => kms(s).addFramebuffer(any({ width: 16, height: 16, format: 'XR24', buffer: s.dmaBuf, pitch: 64, stride: 64 }))],
    ['closed argument', (s) => kms(s).addFramebuffer({ width: 16, height: 16, format: 'XR24', buffer: s.closed.dmaBuf, pitch: 64 })],
    ['closed object', (s) => closedKms(s).addFramebuffer({ width: 16, height: 16, format: 'XR24', buffer: s.dmaBuf, pitch: 64 })],
  ]),
  'Kms#createBlob': onDevice([
    ['wrong type', (s) => kms(s).createBlob(any([1, 2, 3]))],
    ['empty', (s) => kms(s).createBlob(new Uint8Array(0))],
    ['closed object', (s) => closedKms(s).createBlob(new Uint8Array(4))],
  ]),
  'Kms#createModeBlob': onDevice([
    ['wrong type', (s) => kms(s).createModeBlob(any(5))],
    ['negative', (s) => kms(s).createModeBlob({ ...mode, clock: -1 })],
    ['unknown key', (s) => kms(s).createModeBlob(any({ ...mode, refresh: 60 }))],
    ['closed object', (s) => closedKms(s).createModeBlob(mode)],
  ]),
  'Kms#createCtm3x4Blob': onDevice([
    ['wrong type', (s) => kms(s).createCtm3x4Blob(any('identity'))],
    ['too few', (s) => kms(s).createCtm3x4Blob([1])],
    ['NaN', (s) => kms(s).createCtm3x4Blob(new Array<number>(12).fill(NaN))],
    ['closed object', (s) => closedKms(s).createCtm3x4Blob(new Array<number>(12).fill(0))],
  ]),
  'Kms#request': onDevice([['closed object', (s) => closedKms(s).request()]]),
  'Kms#events': onDevice([['closed object', (s) => closedKms(s).events()]]),
  'Kms#crtcSequence': onDevice([
    ['wrong type', (s) => kms(s).crtcSequence(any('1'))],
    ['NaN', (s) => kms(s).crtcSequence(NaN)],
    ['negative', (s) => kms(s).crtcSequence(-1)],
    ['no such CRTC', (s) => kms(s).crtcSequence(0xfffffff0)],
    ['closed object', (s) => closedKms(s).crtcSequence(ids(s).crtc)],
  ]),
  'Kms#waitSequence': onDevice([
    ['wrong type', (s) => kms(s).waitSequence(any('1'), 1)],
    ['NaN', (s) => kms(s).waitSequence(ids(s).crtc, NaN)],
    ['negative', (s) => kms(s).waitSequence(ids(s).crtc, -1)],
    ['bad flag', (s) => kms(s).waitSequence(ids(s).crtc, 1, { relative: any('yes') })],
    ['unknown option', (s) => kms(s).waitSequence(ids(s).crtc, 1, any({ relativ: true }))],
    ['no such CRTC', (s) => kms(s).waitSequence(0xfffffff0, 1)],
    ['closed object', (s) => closedKms(s).waitSequence(ids(s).crtc, 1)],
  ]),
  'Kms#setMaster': onDevice([['closed object', (s) => closedKms(s).setMaster()]]),
  'Kms#dropMaster': onDevice([['closed object', (s) => closedKms(s).dropMaster()]]),
  'Kms#createLease': onDevice([
    ['wrong type', (s) => kms(s).createLease(any(5))],
    ['empty', (s) => kms(s).createLease([])],
    ['wrong element', (s) => kms(s).createLease([any('crtc')])],
    ['zero', (s) => kms(s).createLease([0])],
    ['bad flag', (s) => kms(s).createLease([ids(s).crtc], { nonblock: any('yes') })],
    ['unknown option', (s) => kms(s).createLease([ids(s).crtc], any({ nonblocking: true }))],
    ['closed object', (s) => closedKms(s).createLease([ids(s).crtc])],
  ]),
  'Kms#listLessees': onDevice([['closed object', (s) => closedKms(s).listLessees()]]),
  'Kms#leasedObjects': onDevice([['closed object', (s) => closedKms(s).leasedObjects()]]),
  'Kms#revokeLease': onDevice([
    ['wrong type', (s) => kms(s).revokeLease(any('1'))],
    ['zero', (s) => kms(s).revokeLease(0)],
    ['NaN', (s) => kms(s).revokeLease(NaN)],
    ['huge', (s) => kms(s).revokeLease(2 ** 32)],
    ['no such lessee', (s) => kms(s).revokeLease(0xfffffff0)],
    ['closed object', (s) => closedKms(s).revokeLease(1)],
  ]),

  'AtomicRequest#size': { none: 'a count' },
  'AtomicRequest#set': onDevice([
    ['wrong type', (s) => request(s).set(any('1'), 'ACTIVE', 1)],
    ['zero', (s) => request(s).set(0, 'ACTIVE', 1)],
    ['NaN', (s) => request(s).set(NaN, 'ACTIVE', 1)],
    ['property not a string', (s) => request(s).set(ids(s).crtc, any(5), 1)],
    ['unknown property', (s) => request(s).set(ids(s).crtc, 'ACTIV', 1)],
    ['no such object', (s) => request(s).set(0xfffffff0, 'ACTIVE', 1)],
    ['fraction', (s) => request(s).set(ids(s).crtc, 'ACTIVE', 1.5)],
    ['wrong value type', (s) => request(s).set(ids(s).crtc, 'ACTIVE', any(Symbol('x')))],
    ['unknown enum name', (s) => request(s).set(ids(s).plane, 'type', 'Primaryy')],
    ['fence to another property', (s) => request(s).set(ids(s).crtc, 'ACTIVE', s.syncFile)],
    ['out fence through set', (s) => request(s).set(ids(s).crtc, 'OUT_FENCE_PTR', 0)],
    ['closed object', (s) => closedRequest(s).set(ids(s).crtc, 'ACTIVE', 1)],
  ]),
  'AtomicRequest#inFence': onDevice([
    ['wrong type', (s) => request(s).inFence(ids(s).plane, any(s.eventfd))],
    ['bad plane', (s) => request(s).inFence(any('plane'), s.syncFile)],
    ['closed object', (s) => closedRequest(s).inFence(ids(s).plane, s.syncFile)],
  ]),
  'AtomicRequest#outFence': onDevice([
    ['wrong type', (s) => request(s).outFence(any(null))],
    ['negative', (s) => request(s).outFence(-1)],
    ['not a CRTC', (s) => request(s).outFence(ids(s).plane)],
    ['closed object', (s) => closedRequest(s).outFence(ids(s).crtc)],
  ]),
  'AtomicRequest#writebackFence': onDevice([
    ['wrong type', (s) => request(s).writebackFence(any('1'))],
    ['huge', (s) => request(s).writebackFence(2 ** 32)],
    ['not a writeback connector', (s) => request(s).writebackFence(ids(s).crtc)],
    ['closed object', (s) => closedRequest(s).writebackFence(ids(s).connector)],
  ]),
  'AtomicRequest#unset': onDevice([
    ['wrong type', (s) => request(s).unset(any({}))],
    ['property not a string', (s) => request(s).unset(ids(s).crtc, any(5))],
    ['unknown property', (s) => request(s).unset(ids(s).crtc, 'ACTIV')],
    ['closed object', (s) => closedRequest(s).unset(ids(s).crtc, 'ACTIVE')],
  ]),
  'AtomicRequest#commit': onDevice([
    ['wrong type', (s) => request(s).commit(any(5))],
    ['bad flag', (s) => request(s).commit({ testOnly: any('yes') })],
    ['unknown option', (s) => request(s).commit(any({ testonly: true }))],
  ]),
};

/** Every public member of the package, named as the table names them. */
export function publicMembers(): string[] {
  const names = new Set<string>();
  const fnKeys = new Set(['length', 'name', 'prototype']);
  for (const [name, value] of Object.entries(api)) {
    if (typeof value !== 'function' || !/^[A-Z]/.test(name)) {
      names.add(name);
      continue;
    }
    let cls: Function | null = value;
    if (Object.getOwnPropertyNames(cls.prototype).length <= 1 && cls.prototype instanceof Error) {
      names.add(name); // an error class: no members of its own
      continue;
    }
    for (const key of Object.getOwnPropertyNames(cls)) if (!fnKeys.has(key)) names.add(`${cls.name}.${key}`);
    // Instance members, up the chain to (not including) Object and Error.
    while (cls && cls !== Object && cls !== Error && cls.prototype) {
      for (const key of Object.getOwnPropertyNames(cls.prototype)) if (key !== 'constructor') names.add(`${cls.name}#${key}`);
      cls = Object.getPrototypeOf(cls) as Function | null;
      if (cls === Function.prototype) break;
    }
  }
  return [...names].sort();
}

/** Whether `error` is one the library promises: a TypeError, RangeError or its own error class, with a string code. */
export function isTyped(error: unknown): boolean {
  const known = [TypeError, RangeError, KernelError, ClosedError, AbortError, TimeoutError];
  return known.some((type) => error instanceof type) && typeof (error as { code?: unknown }).code === 'string';
}

export function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/**
 * Calls `call` and returns what it threw or rejected with; `'accepted'` when
 * it returned, `'pending'` when its promise had not settled within `ms` (a
 * wait that ignored a misspelt timeout). A returned object that owns an fd
 * is closed so nothing leaks.
 */
export async function outcome(call: () => unknown, ms = 2000): Promise<unknown> {
  try {
    const value = call();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise((resolve) => {
      timer = setTimeout(() => resolve('pending'), ms);
    });
    const settled = value instanceof Promise ? await Promise.race([value, late]) : value;
    clearTimeout(timer);
    if (settled === 'pending') return settled;
    (settled as { close?: () => void } | undefined)?.close?.();
    return 'accepted';
  } catch (error) {
    return error;
  }
}

/** A FIFO (a named pipe) opened read-write: an fd of a kind the library never adopts. Returns it and its cleanup. */
export function openPipe(): [number, () => void] {
  const fifo = `${tmpdir()}/dmabuf-bad-input-${process.pid}-${Date.now()}.fifo`;
  execFileSync('mkfifo', [fifo]);
  const fd = openSync(fifo, 'r+');
  unlinkSync(fifo);
  return [fd, () => closeSync(fd)];
}

/**
 * One test per (member, bad input) of the table: the call throws or rejects
 * with a typed error with a code (not accepted, not left pending), and the
 * process has as many fds after it as before. `onDevice` entries are skipped
 * on the host (`where: 'host'`) and run in the VM.
 */
export function defineCases(subjects: () => Subjects, guard: (ctx: TestContext) => void = () => undefined, where: 'host' | 'device' = 'host'): void {
  for (const [member, entry] of Object.entries(table)) {
    const deviceOnly = 'deviceOnly' in entry;
    const cases = Array.isArray(entry) ? entry : 'cases' in entry ? entry.cases : [];
    for (const [label, call] of cases) {
      it(`${member}: ${label}`, async (ctx) => {
        if (deviceOnly && where === 'host') ctx.skip(entry.deviceOnly);
        guard(ctx);
        const fds = fdCount();
        const error = await outcome(() => call(subjects()));
        expect(error, 'accepted the bad input').not.toBe('accepted');
        expect(error, 'still waiting: the bad input was ignored').not.toBe('pending');
        expect(isTyped(error), `untyped: ${String(error)}`).toBe(true);
        expect(fdCount()).toBe(fds);
      });
    }
  }
}
