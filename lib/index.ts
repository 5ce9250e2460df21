// SPDX-License-Identifier: MIT
/**
 * dmabuf: Linux dma-buf, dma-heap, sync_file and DRM interfaces for Node.js.
 * Importing this module opens no device; a missing kernel feature shows up
 * as a FeatureError when something that needs it is opened or called.
 * @module
 */
export { AbortError, ClosedError, FdTypeError, FeatureError, FenceError, KernelError, TimeoutError } from './errors.js';
export type { FailedFence, KernelErrorDetails } from './errors.js';
export type { Access } from './constants.js';
export { DmaBuf, DMA_BUF_NAME_MAX } from './dma-buf.js';
export type { DeriveOptions, FenceAccess, FenceWaiter, MapOptions } from './dma-buf.js';
export { listDmaBufs } from './fdinfo.js';
export type { DmaBufFdInfo, DmaBufHolding } from './fdinfo.js';
export { Mapping } from './mapping.js';
export { CpuAccess } from './cpu-access.js';
export type { CpuAccessMode } from './cpu-access.js';
export { DmaHeap } from './heap.js';
export type { AllocateOptions } from './heap.js';
export { SyncFile } from './sync-file.js';
export type { FenceInfo, FenceState, FenceStatus, SyncFileInfo } from './sync-file.js';
export type { WaitLimits } from './wait-limits.js';
export { EventFd } from './eventfd.js';
export type { EventFdOptions } from './eventfd.js';
export { DrmCap, DrmDevice } from './drm/device.js';
export type { DrmFenceCaps, DrmNode, DrmNodeType, SyncobjPoint, WaitSyncobjsOptions, WaitSyncobjsSyncOptions } from './drm/device.js';
export type { RawDrmVersion as DrmVersion } from './native.js';
export { Syncobj, SyncobjFd } from './drm/syncobj.js';
export type { SyncobjWaitOptions, SyncobjWaitStrategy } from './drm/syncobj.js';
export { GemBuffer } from './drm/gem.js';
export { VgemFence } from './drm/vgem.js';
export { Memfd, Seal } from './memfd.js';
export type { MemfdOptions } from './memfd.js';
export { Udmabuf } from './udmabuf.js';
export type { UdmabufRange } from './udmabuf.js';
export { FdServer, FdSocket, MAX_FDS_PER_MESSAGE } from './fd-socket.js';
export type { FdLike, Message, ReceiveOptions } from './fd-socket.js';
export { SwSyncTimeline } from './sw-sync.js';
export { AccessModeError, PrivilegeError } from './errors.js';
export { VfioDevice } from './vfio/device.js';
export type { ExportDmaBufOptions, VfioFeatures, VfioMemAttr, VfioOpenOptions, VfioRegion } from './vfio/device.js';
export type { VfioPath } from './vfio/open.js';
export type { BarRange } from './vfio/ranges.js';
export { VfioPciBinding, bindToVfioPci } from './vfio/bind.js';
export { listPciDevices, normalizePciAddress, readPciDevice } from './vfio/pci-sysfs.js';
export type { PciDeviceInfo } from './vfio/pci-sysfs.js';
export { Kms, ClientCap } from './kms/kms.js';
export type { DrmLease, KmsOptions } from './kms/kms.js';
export { AtomicRequest, UnknownPropertyError } from './kms/atomic.js';
export type { CommitOptions, CommitResult, KmsObjectRef, PropertyValue } from './kms/atomic.js';
export { Framebuffer } from './kms/framebuffer.js';
export type { FramebufferOptions, FramebufferPlane } from './kms/framebuffer.js';
export { PropertyBlob } from './kms/blob.js';
export { EVENT_QUEUE_LIMIT } from './kms/events.js';
export type { KmsEvent, KmsEventType } from './kms/events.js';
export type {
  ConnectorStatus,
  FormatModifiers,
  KmsConnector,
  KmsCrtc,
  KmsEncoder,
  KmsPlane,
  KmsResources,
  PlaneType,
} from './kms/discovery.js';
export { decodeInFormats } from './kms/discovery.js';
export { ObjectType } from './kms/properties.js';
export type { KmsProperty, PropertyType } from './kms/properties.js';
export { Format, MOD_INVALID, MOD_LINEAR, fourcc, fourccName, modifierName, toModifier } from './kms/fourcc.js';
export { decodeMode, encodeMode } from './kms/mode.js';
export type { DisplayMode } from './kms/mode.js';
export { CTM_3X4_SIZE, decodeCtm3x4, encodeCtm3x4 } from './kms/color-pipeline.js';
export type { ColorPipeline, Colorop } from './kms/color-pipeline.js';
export type { CreateLeaseOptions } from './kms/lease.js';
export { DrmHotplugMonitor } from './kms/hotplug.js';
export type { DrmHotplugEvent, UeventAction } from './kms/hotplug.js';
