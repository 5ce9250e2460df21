// SPDX-License-Identifier: MIT
// include/uapi/linux/sync_file.h and the sw_sync debugfs interface
// (drivers/dma-buf/sw_sync.c).
#pragma once

#include <cstddef>
#include <cstdint>

#include "ioc.h"

namespace dmabuf::uapi {

constexpr unsigned kSyncType = '>';

struct SyncMergeData {
  char name[32];
  int32_t fd2;
  int32_t fence;
  uint32_t flags;
  uint32_t pad;
};
static_assert(sizeof(SyncMergeData) == 48);
static_assert(offsetof(SyncMergeData, fd2) == 32);
static_assert(offsetof(SyncMergeData, fence) == 36);

struct SyncFenceInfo {
  char obj_name[32];
  char driver_name[32];
  int32_t status;
  uint32_t flags;
  uint64_t timestamp_ns;
};
static_assert(sizeof(SyncFenceInfo) == 80);
static_assert(offsetof(SyncFenceInfo, status) == 64);
static_assert(offsetof(SyncFenceInfo, timestamp_ns) == 72);

struct SyncFileInfo {
  char name[32];
  int32_t status;
  uint32_t flags;
  uint32_t num_fences;
  uint32_t pad;
  uint64_t sync_fence_info;  // user pointer to SyncFenceInfo[num_fences]
};
static_assert(sizeof(SyncFileInfo) == 56);
static_assert(offsetof(SyncFileInfo, status) == 32);
static_assert(offsetof(SyncFileInfo, num_fences) == 40);
static_assert(offsetof(SyncFileInfo, sync_fence_info) == 48);

struct SyncSetDeadline {
  uint64_t deadline_ns;
  uint64_t pad;
};
static_assert(sizeof(SyncSetDeadline) == 16);

constexpr unsigned long kSyncIocMerge = IoWR<SyncMergeData>(kSyncType, 3);
constexpr unsigned long kSyncIocFileInfo = IoWR<SyncFileInfo>(kSyncType, 4);
constexpr unsigned long kSyncIocSetDeadline = IoW<SyncSetDeadline>(kSyncType, 5);
static_assert(kSyncIocMerge == 0xc0303e03UL);
static_assert(kSyncIocFileInfo == 0xc0383e04UL);

}  // namespace dmabuf::uapi
