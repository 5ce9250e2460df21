// SPDX-License-Identifier: MIT
// include/uapi/linux/vfio.h and include/uapi/linux/iommufd.h: the parts
// needed to open a VFIO PCI device (legacy group + container, or the device
// cdev bound to iommufd), read its regions, and export BAR ranges as
// dma-bufs. Every VFIO and iommufd request is _IO(';', n): the size travels
// in the struct's own argsz/size field, not in the request number.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ioc.h"

namespace dmabuf::uapi {

constexpr unsigned kVfioType = ';';
constexpr unsigned kVfioBase = 100;

constexpr unsigned long VfioIo(unsigned n) { return Ioc(kIocNone, kVfioType, kVfioBase + n, 0); }

// Container (/dev/vfio/vfio)
constexpr unsigned long kVfioGetApiVersion = VfioIo(0);
constexpr unsigned long kVfioCheckExtension = VfioIo(1);
constexpr unsigned long kVfioSetIommu = VfioIo(2);
// Group (/dev/vfio/<n> or /dev/vfio/noiommu-<n>)
constexpr unsigned long kVfioGroupGetStatus = VfioIo(3);
constexpr unsigned long kVfioGroupSetContainer = VfioIo(4);
constexpr unsigned long kVfioGroupGetDeviceFd = VfioIo(6);
// Device
constexpr unsigned long kVfioDeviceGetInfo = VfioIo(7);
constexpr unsigned long kVfioDeviceGetRegionInfo = VfioIo(8);
constexpr unsigned long kVfioDeviceFeature = VfioIo(17);
constexpr unsigned long kVfioDeviceBindIommufd = VfioIo(18);
constexpr unsigned long kVfioDeviceAttachIommufdPt = VfioIo(19);
static_assert(kVfioGetApiVersion == 0x3b64UL);
static_assert(kVfioDeviceFeature == 0x3b75UL);

constexpr int kVfioApiVersion = 0;

struct VfioGroupStatus {
  uint32_t argsz;
  uint32_t flags;  // VIABLE = 1, CONTAINER_SET = 2
};
static_assert(sizeof(VfioGroupStatus) == 8);

struct VfioDeviceInfo {
  uint32_t argsz;
  uint32_t flags;
  uint32_t num_regions;
  uint32_t num_irqs;
  uint32_t cap_offset;
  uint32_t pad;
};
static_assert(sizeof(VfioDeviceInfo) == 24);

struct VfioRegionInfo {
  uint32_t argsz;
  uint32_t flags;  // READ = 1, WRITE = 2, MMAP = 4, CAPS = 8
  uint32_t index;
  uint32_t cap_offset;
  uint64_t size;
  uint64_t offset;
};
static_assert(sizeof(VfioRegionInfo) == 32);
static_assert(offsetof(VfioRegionInfo, size) == 16);

// VFIO_DEVICE_FEATURE's header; the feature's data follows it in memory.
struct VfioDeviceFeature {
  uint32_t argsz;
  uint32_t flags;  // feature index in the low 16 bits, GET/SET/PROBE above
};
static_assert(sizeof(VfioDeviceFeature) == 8);
constexpr uint32_t kVfioFeatureGet = 1U << 16;
constexpr uint32_t kVfioFeatureSet = 1U << 17;
constexpr uint32_t kVfioFeatureProbe = 1U << 18;
constexpr uint32_t kVfioFeatureMask = 0xffffU;

// Feature indexes: DMA_BUF merged in Linux 6.19; REVOKE and MEMATTR are
// proposed (June 2026 series, v3) and answer ENOTTY on other kernels.
constexpr uint32_t kVfioFeatureDmaBuf = 11;
constexpr uint32_t kVfioFeatureDmaBufRevoke = 13;
constexpr uint32_t kVfioFeatureDmaBufMemattr = 14;

// Feature 11 data: BAR ranges as a dma-buf; `nr_ranges` ranges follow.
struct VfioFeatureDmaBuf {
  uint32_t region_index;
  uint32_t open_flags;
  uint32_t flags;
  uint32_t nr_ranges;
};
static_assert(sizeof(VfioFeatureDmaBuf) == 16);

struct VfioRegionDmaRange {
  uint64_t offset;
  uint64_t length;
};
static_assert(sizeof(VfioRegionDmaRange) == 16);

// Proposed (June 2026 series, v3): feature 13 DMA_BUF_REVOKE and feature 14
// DMA_BUF_MEMATTR, both SET.
struct VfioFeatureDmaBufRevoke {
  int32_t dmabuf_fd;
};
static_assert(sizeof(VfioFeatureDmaBufRevoke) == 4);

struct VfioFeatureDmaBufMemattr {
  int32_t dmabuf_fd;
  uint32_t memattr;  // NC = 0, WC = 1
};
static_assert(sizeof(VfioFeatureDmaBufMemattr) == 8);

struct VfioDeviceBindIommufd {
  uint32_t argsz;
  uint32_t flags;
  int32_t iommufd;
  uint32_t out_devid;
  uint64_t token_uuid_ptr;
};
static_assert(sizeof(VfioDeviceBindIommufd) == 24);

struct VfioDeviceAttachIommufdPt {
  uint32_t argsz;
  uint32_t flags;
  uint32_t pt_id;
  uint32_t pasid;
};
static_assert(sizeof(VfioDeviceAttachIommufdPt) == 16);

// iommufd (/dev/iommu): an IO address space for a cdev-bound device.
constexpr unsigned long kIommuIoasAlloc = Ioc(kIocNone, kVfioType, 0x81, 0);
static_assert(kIommuIoasAlloc == 0x3b81UL);

struct IommuIoasAlloc {
  uint32_t size;
  uint32_t flags;
  uint32_t out_ioas_id;
};
static_assert(sizeof(IommuIoasAlloc) == 12);

}  // namespace dmabuf::uapi
