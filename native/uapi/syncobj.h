// SPDX-License-Identifier: MIT
// DRM syncobj (include/uapi/drm/drm.h) and sw_sync (drivers/dma-buf/sw_sync.c).
#pragma once

#include <cstddef>
#include <cstdint>

#include "drm.h"
#include "ioc.h"

namespace dmabuf::uapi {

struct DrmSyncobjCreate {
  uint32_t handle;
  uint32_t flags;  // kSyncobjCreateSignaled
};
static_assert(sizeof(DrmSyncobjCreate) == 8);

struct DrmSyncobjDestroy {
  uint32_t handle;
  uint32_t pad;
};
static_assert(sizeof(DrmSyncobjDestroy) == 8);

// `point` arrived with timeline sync_file import/export; older kernels take
// the first 16 bytes (DRM matches ioctls by number and zero-fills the rest).
struct DrmSyncobjHandle {
  uint32_t handle;
  uint32_t flags;
  int32_t fd;
  uint32_t pad;
  uint64_t point;
};
static_assert(sizeof(DrmSyncobjHandle) == 24);
static_assert(offsetof(DrmSyncobjHandle, point) == 16);

struct DrmSyncobjTransfer {
  uint32_t src_handle;
  uint32_t dst_handle;
  uint64_t src_point;
  uint64_t dst_point;
  uint32_t flags;
  uint32_t pad;
};
static_assert(sizeof(DrmSyncobjTransfer) == 32);

struct DrmSyncobjWait {
  uint64_t handles;
  int64_t timeout_nsec;  // absolute CLOCK_MONOTONIC
  uint32_t count_handles;
  uint32_t flags;
  uint32_t first_signaled;
  uint32_t pad;
  uint64_t deadline_nsec;
};
static_assert(sizeof(DrmSyncobjWait) == 40);
static_assert(offsetof(DrmSyncobjWait, first_signaled) == 24);

struct DrmSyncobjTimelineWait {
  uint64_t handles;
  uint64_t points;
  int64_t timeout_nsec;
  uint32_t count_handles;
  uint32_t flags;
  uint32_t first_signaled;
  uint32_t pad;
  uint64_t deadline_nsec;
};
static_assert(sizeof(DrmSyncobjTimelineWait) == 48);
static_assert(offsetof(DrmSyncobjTimelineWait, first_signaled) == 32);

struct DrmSyncobjEventfd {
  uint32_t handle;
  uint32_t flags;
  uint64_t point;
  int32_t fd;
  uint32_t pad;
};
static_assert(sizeof(DrmSyncobjEventfd) == 24);
static_assert(offsetof(DrmSyncobjEventfd, fd) == 16);

struct DrmSyncobjArray {
  uint64_t handles;
  uint32_t count_handles;
  uint32_t pad;
};
static_assert(sizeof(DrmSyncobjArray) == 16);

struct DrmSyncobjTimelineArray {
  uint64_t handles;
  uint64_t points;
  uint32_t count_handles;
  uint32_t flags;
};
static_assert(sizeof(DrmSyncobjTimelineArray) == 24);

constexpr unsigned long kDrmIoctlSyncobjCreate = IoWR<DrmSyncobjCreate>(kDrmType, 0xbf);
constexpr unsigned long kDrmIoctlSyncobjDestroy = IoWR<DrmSyncobjDestroy>(kDrmType, 0xc0);
constexpr unsigned long kDrmIoctlSyncobjHandleToFd = IoWR<DrmSyncobjHandle>(kDrmType, 0xc1);
constexpr unsigned long kDrmIoctlSyncobjFdToHandle = IoWR<DrmSyncobjHandle>(kDrmType, 0xc2);
constexpr unsigned long kDrmIoctlSyncobjWait = IoWR<DrmSyncobjWait>(kDrmType, 0xc3);
constexpr unsigned long kDrmIoctlSyncobjReset = IoWR<DrmSyncobjArray>(kDrmType, 0xc4);
constexpr unsigned long kDrmIoctlSyncobjSignal = IoWR<DrmSyncobjArray>(kDrmType, 0xc5);
constexpr unsigned long kDrmIoctlSyncobjTimelineWait = IoWR<DrmSyncobjTimelineWait>(kDrmType, 0xca);
constexpr unsigned long kDrmIoctlSyncobjQuery = IoWR<DrmSyncobjTimelineArray>(kDrmType, 0xcb);
constexpr unsigned long kDrmIoctlSyncobjTransfer = IoWR<DrmSyncobjTransfer>(kDrmType, 0xcc);
constexpr unsigned long kDrmIoctlSyncobjTimelineSignal = IoWR<DrmSyncobjTimelineArray>(kDrmType, 0xcd);
constexpr unsigned long kDrmIoctlSyncobjEventfd = IoWR<DrmSyncobjEventfd>(kDrmType, 0xcf);
static_assert(kDrmIoctlSyncobjCreate == 0xc00864bfUL);
static_assert(kDrmIoctlSyncobjWait == 0xc02864c3UL);
static_assert(kDrmIoctlSyncobjTimelineWait == 0xc03064caUL);
static_assert(kDrmIoctlSyncobjEventfd == 0xc01864cfUL);

// --- sw_sync: software timelines in debugfs, for tests ---
constexpr unsigned kSwSyncType = 'W';

struct SwSyncCreateFenceData {
  uint32_t value;
  char name[32];
  int32_t fence;
};
static_assert(sizeof(SwSyncCreateFenceData) == 40);
static_assert(offsetof(SwSyncCreateFenceData, fence) == 36);

constexpr unsigned long kSwSyncIocCreateFence = IoWR<SwSyncCreateFenceData>(kSwSyncType, 0);
constexpr unsigned long kSwSyncIocInc = IoW<uint32_t>(kSwSyncType, 1);
static_assert(kSwSyncIocCreateFence == 0xc0285700UL);
static_assert(kSwSyncIocInc == 0x40045701UL);

}  // namespace dmabuf::uapi
