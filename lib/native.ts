// SPDX-License-Identifier: MIT
/**
 * The one place that loads the compiled addon, and the full type of its raw
 * surface. Every function takes fds and plain values and returns a result
 * or `-errno` (a negative number); policy lives in the classes that call it.
 * @module
 */
import { loadAddon } from './load-addon.js';

/** A result or a negative errno. */
export type Errno = number;

/** Where syncFileStatus puts a failed ioctl: below every fence status (-4095 at least). */
export const SYNC_STATUS_IOCTL_ERROR = -0x10000;

/** The -errno of a failed syncFileStatus call, or 0 when `result` is a status. */
export function syncStatusErrno(result: number): number {
  return result <= SYNC_STATUS_IOCTL_ERROR ? result - SYNC_STATUS_IOCTL_ERROR : 0;
}

export interface RawSyncFenceInfo {
  timeline: string;
  driver: string;
  status: number;
  flags: number;
  timestampNs: bigint;
}

export interface RawSyncFileInfo {
  name: string;
  status: number;
  flags: number;
  fences: RawSyncFenceInfo[];
}

/** What DRM_IOCTL_VERSION says about a device's driver (`DrmDevice.version()`). */
export interface RawDrmVersion {
  /** The driver's major version. */
  major: number;
  /** The driver's minor version. */
  minor: number;
  /** The driver's patch level. */
  patchlevel: number;
  /** The driver's name, e.g. `'vgem'` or `'virtio_gpu'`. */
  name: string;
  /** The date string the driver reports (often a fixed, old date). */
  date: string;
  /** The driver's one-line description. */
  description: string;
}

export interface RawDumb {
  handle: number;
  pitch: number;
  size: number;
}

/** A uv_poll handle on one fd. `events`: 1 readable, 2 writable. */
/** One netlink datagram (native/netlink_uevent.cc). */
export interface RawUevent {
  data: Buffer;
  /** The sender's netlink port id: 0 for the kernel. */
  senderPort: number;
  /** The message was longer than the buffer and was cut. */
  truncated: boolean;
}

export interface RawReceived {
  data: Buffer;
  fds: number[];
  dataTruncated: boolean;
  fdsTruncated: boolean;
}

export interface RawVfioDeviceInfo {
  flags: number;
  numRegions: number;
  numIrqs: number;
}

export interface RawVfioRegionInfo {
  flags: number;
  size: number;
  offset: number;
}

export interface RawKmsResources {
  fbs: number[];
  crtcs: number[];
  connectors: number[];
  encoders: number[];
  minWidth: number;
  maxWidth: number;
  minHeight: number;
  maxHeight: number;
}

export interface RawKmsConnector {
  id: number;
  encoderId: number;
  type: number;
  typeId: number;
  /** 1 connected, 2 disconnected, 3 unknown */
  connection: number;
  mmWidth: number;
  mmHeight: number;
  subpixel: number;
  encoders: number[];
  /** count x 68-byte struct drm_mode_modeinfo */
  modes: Buffer;
}

export interface RawKmsEncoder {
  id: number;
  type: number;
  crtcId: number;
  possibleCrtcs: number;
  possibleClones: number;
}

export interface RawKmsCrtc {
  id: number;
  fbId: number;
  x: number;
  y: number;
  gammaSize: number;
  modeValid: boolean;
  /** a 68-byte struct drm_mode_modeinfo */
  mode: Buffer;
}

export interface RawKmsPlane {
  id: number;
  crtcId: number;
  fbId: number;
  possibleCrtcs: number;
  gammaSize: number;
  formats: number[];
}

export interface RawKmsProperty {
  id: number;
  name: string;
  flags: number;
  values: bigint[];
  enums: { value: bigint; name: string }[];
}

/** type 1 vblank, 2 flip complete (sec/usec/sequence/crtcId), 3 CRTC sequence (timeNs/sequenceBig) */
export interface RawKmsEvent {
  type: number;
  userData?: bigint;
  sec?: number;
  usec?: number;
  sequence?: number;
  crtcId?: number;
  timeNs?: bigint;
  sequenceBig?: bigint;
}

export interface NativeBinding {
  // dma-buf (native/dma_buf.cc)
  dmaBufSync(fd: number, flags: number): Errno;
  dmaBufSetName(fd: number, name: string): Errno;
  /** The new fd comes registered as owned (fdOwn done): wrap it with `registered`, or release it with fdClose. */
  dmaBufExportSyncFile(fd: number, flags: number): Errno;
  dmaBufImportSyncFile(fd: number, flags: number, syncFileFd: number): Errno;
  dmaBufDerive(fd: number, openFlags: number): Errno;
  // dma-heap (native/heap.cc)
  /** The new fd comes registered as owned (fdOwn done): wrap it with `registered`, or release it with fdClose. */
  dmaHeapAlloc(heapFd: number, length: number, fdFlags: number): Errno;
  // mmap (native/mapping.cc); access: 1 read, 2 write
  mmap(fd: number, offset: number, length: number, access: number): ArrayBuffer | Errno;
  munmap(buffer: ArrayBuffer): Errno;
  /** sysconf(_SC_PAGESIZE) */
  readonly pageSize: number;
  // udmabuf (native/udmabuf.cc); items: [memfd, offset, size] triples
  udmabufCreate(devFd: number, memfd: number, offset: number, size: number, flags: number): Errno;
  udmabufCreateList(devFd: number, items: Float64Array, flags: number): Errno;
  // memfd and seals (native/memfd.cc)
  memfdCreate(name: string, flags: number): Errno;
  fileAddSeals(fd: number, seals: number): Errno;
  fileGetSeals(fd: number): Errno;
  // sync_file (native/sync_file.cc)
  syncFileMerge(name: string, fd1: number, fd2: number): Errno;
  /**
   * The file's own status (SYNC_IOC_FILE_INFO with num_fences = 0, one
   * ioctl): 1 signalled, 0 active, or the fence's negative error (>= -4095).
   * A failed ioctl is `SYNC_STATUS_IOCTL_ERROR - errno`, below every fence
   * status; `syncStatusErrno()` tells the two apart.
   */
  syncFileStatus(fd: number): number;
  /** How many fences the file holds (1 unless merged). */
  syncFileFenceCount(fd: number): Errno;
  /** 1 if a member fence signalled with an error, 0 if none has. */
  syncFileMemberFailed(fd: number): Errno;
  /** `status` is the file's own (as syncFileStatus); each member's is in `fences`. */
  syncFileInfo(fd: number): RawSyncFileInfo | Errno;
  syncFileSetDeadline(fd: number, deadlineNs: bigint): Errno;
  // DRM (native/drm.cc)
  drmVersion(fd: number): RawDrmVersion | Errno;
  drmGetCap(fd: number, capability: number): bigint | Errno;
  drmGemClose(fd: number, handle: number): Errno;
  drmPrimeHandleToFd(fd: number, handle: number, flags: number): Errno;
  drmPrimeFdToHandle(fd: number, dmaBufFd: number): Errno;
  drmCreateDumb(fd: number, width: number, height: number, bpp: number): RawDumb | Errno;
  drmMapDumb(fd: number, handle: number): Errno;
  drmDestroyDumb(fd: number, handle: number): Errno;
  // vgem (native/vgem.cc)
  vgemFenceAttach(fd: number, handle: number, flags: number): Errno;
  vgemFenceSignal(fd: number, fence: number): Errno;
  // eventfd (native/eventfd.cc)
  eventfdCreate(initval: number, flags: number): Errno;
  eventfdRead(fd: number): bigint | Errno;
  eventfdWrite(fd: number, value: bigint): Errno;
  // AF_UNIX SOCK_SEQPACKET sockets with SCM_RIGHTS (native/unix_socket.cc)
  socketPair(): [number, number] | Errno;
  socketListen(path: string, backlog: number): Errno;
  socketAccept(fd: number): Errno;
  socketConnect(path: string): Errno;
  sendFds(fd: number, data: Uint8Array, fds: number[]): Errno;
  recvFds(fd: number, maxBytes: number, maxFds: number): RawReceived | Errno;
  // kernel uevents over NETLINK_KOBJECT_UEVENT (native/netlink_uevent.cc)
  ueventOpen(groups: number): Errno;
  ueventReceive(fd: number, maxBytes: number): RawUevent | Errno;
  // DRM syncobj (native/syncobj.cc); timeouts are absolute CLOCK_MONOTONIC ns
  syncobjCreate(fd: number, flags: number): Errno;
  syncobjDestroy(fd: number, handle: number): Errno;
  syncobjHandleToFd(fd: number, handle: number, flags: number, point: bigint): Errno;
  syncobjFdToHandle(fd: number, objectFd: number, flags: number, handle: number, point: bigint): Errno;
  syncobjWait(fd: number, handles: Uint32Array, timeoutNs: bigint, flags: number, deadlineNs: bigint): Errno;
  syncobjTimelineWait(
    fd: number,
    handles: Uint32Array,
    points: BigUint64Array,
    timeoutNs: bigint,
    flags: number,
    deadlineNs: bigint,
  ): Errno;
  syncobjReset(fd: number, handle: number): Errno;
  syncobjSignal(fd: number, handle: number): Errno;
  syncobjTimelineSignal(fd: number, handles: Uint32Array, points: BigUint64Array, flags: number): Errno;
  /** The syncobj's last signalled (or, with flag 1, submitted) point; a number is -errno. */
  syncobjQuery(fd: number, handle: number, flags: number): bigint | Errno;
  syncobjTransfer(fd: number, src: number, srcPoint: bigint, dst: number, dstPoint: bigint, flags: number): Errno;
  syncobjEventfd(fd: number, handle: number, point: bigint, eventfd: number, flags: number): Errno;
  /** Blocking wait on a dedicated thread (kernels without SYNCOBJ_EVENTFD); returns cancel(). */
  syncobjWaitThread(fd: number, handle: number, point: bigint, flags: number, onDone: (rc: number) => void): (() => void) | Errno;
  // sw_sync (native/sw_sync.cc)
  swSyncCreateFence(timelineFd: number, value: number, name: string): Errno;
  swSyncInc(timelineFd: number, count: number): Errno;
  // VFIO and iommufd (native/vfio.cc); ranges: [offset, length] pairs; probe ops: 1<<16 GET, 1<<17 SET
  vfioGetApiVersion(containerFd: number): Errno;
  vfioCheckExtension(containerFd: number, extension: number): Errno;
  vfioSetIommu(containerFd: number, type: number): Errno;
  vfioGroupGetStatus(groupFd: number): Errno;
  vfioGroupSetContainer(groupFd: number, containerFd: number): Errno;
  vfioGroupGetDeviceFd(groupFd: number, name: string): Errno;
  vfioDeviceGetInfo(deviceFd: number): RawVfioDeviceInfo | Errno;
  vfioDeviceGetRegionInfo(deviceFd: number, index: number): RawVfioRegionInfo | Errno;
  vfioDeviceFeatureProbe(deviceFd: number, feature: number, ops: number): Errno;
  vfioExportDmaBuf(deviceFd: number, regionIndex: number, openFlags: number, ranges: Float64Array): Errno;
  vfioRevokeDmaBuf(deviceFd: number, dmaBufFd: number): Errno;
  vfioSetDmaBufMemattr(deviceFd: number, dmaBufFd: number, memattr: number): Errno;
  vfioDeviceBindIommufd(deviceFd: number, iommufd: number): Errno;
  iommuIoasAlloc(iommufd: number): Errno;
  vfioDeviceAttachIommufdPt(deviceFd: number, ptId: number): Errno;
  // fds owned by this environment (native/fd.cc); its cleanup hook closes what is left
  fdOpen(path: string, flags: number): Errno;
  fdOwn(fd: number): Errno;
  fdClose(fd: number): Errno;
  // KMS discovery (native/kms_objects.cc)
  kmsGetResources(fd: number): RawKmsResources | Errno;
  kmsGetPlaneResources(fd: number): number[] | Errno;
  kmsGetConnector(fd: number, id: number): RawKmsConnector | Errno;
  kmsGetEncoder(fd: number, id: number): RawKmsEncoder | Errno;
  kmsGetCrtc(fd: number, id: number): RawKmsCrtc | Errno;
  kmsGetPlane(fd: number, id: number): RawKmsPlane | Errno;
  kmsObjGetProperties(fd: number, objId: number, objType: number): { ids: number[]; values: bigint[] } | Errno;
  kmsGetProperty(fd: number, propId: number): RawKmsProperty | Errno;
  kmsGetPropBlob(fd: number, blobId: number): Buffer | Errno;
  // KMS state changes (native/kms_commit.cc); arrays of 4 for ADDFB2's planes
  kmsAddFb2(
    fd: number,
    width: number,
    height: number,
    format: number,
    flags: number,
    handles: Uint32Array,
    pitches: Uint32Array,
    offsets: Uint32Array,
    modifiers: BigUint64Array,
  ): Errno;
  kmsRmFb(fd: number, fbId: number): Errno;
  kmsCloseFb(fd: number, fbId: number): Errno;
  kmsCreatePropBlob(fd: number, bytes: Uint8Array): Errno;
  kmsDestroyPropBlob(fd: number, blobId: number): Errno;
  /** One atomic request laid out as lib/kms/atomic-wire.ts describes; the kernel writes out-fence fds into it. */
  kmsAtomic(fd: number, words: Uint32Array): Errno;
  kmsReadEvents(fd: number): RawKmsEvent[] | Errno;
  kmsCrtcGetSequence(fd: number, crtcId: number): { active: boolean; sequence: bigint; sequenceNs: bigint } | Errno;
  kmsCrtcQueueSequence(fd: number, crtcId: number, flags: number, sequence: bigint, userData: bigint): bigint | Errno;
  // DRM file state: client caps, master, leases (native/kms_session.cc)
  kmsSetClientCap(fd: number, cap: number, value: number): Errno;
  kmsSetMaster(fd: number): Errno;
  kmsDropMaster(fd: number): Errno;
  kmsCreateLease(fd: number, objectIds: Uint32Array, flags: number): { lesseeId: number; fd: number } | Errno;
  kmsListLessees(fd: number): number[] | Errno;
  kmsGetLease(fd: number): number[] | Errno;
  kmsRevokeLease(fd: number, lesseeId: number): Errno;
  // readiness (native/poller.cc)
  pollNow(fd: number, events: number): Errno;
  /** Sets the environment's one receiver of readiness events of watched fds. */
  pollListen(listener: (fd: number, status: number, events: number) => void): Errno;
  /** Watches `fd` for `events` (creating its uv_poll handle on first use). */
  pollStart(fd: number, events: number): Errno;
  /** Stops watching `fd`; the handle stays for the next start. */
  pollStop(fd: number): Errno;
  /** Releases `fd`'s handle: before the fd is closed. */
  pollClose(fd: number): Errno;
}

/**
 * The addon. Loading it opens no device, so it works on any Linux machine.
 * DMABUF_ADDON names another build of it, such as the sanitizer build
 * (`npm run build:asan` -> build-asan/Release/dmabuf.node). When none
 * loads, the error says what to do (lib/load-addon.ts).
 */
export const native: NativeBinding = loadAddon<NativeBinding>(process.env.DMABUF_ADDON);
