// SPDX-License-Identifier: MIT
// include/uapi/linux/dma-buf.h and include/uapi/linux/dma-heap.h.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ioc.h"

namespace dmabuf::uapi {

constexpr unsigned kDmaBufType = 'b';

struct DmaBufSync {
  uint64_t flags;
};
static_assert(sizeof(DmaBufSync) == 8);

constexpr uint64_t kDmaBufSyncRead = 1U << 0;
constexpr uint64_t kDmaBufSyncWrite = 2U << 0;
constexpr uint64_t kDmaBufSyncStart = 0U << 2;
constexpr uint64_t kDmaBufSyncEnd = 1U << 2;

// Shared by EXPORT_SYNC_FILE, IMPORT_SYNC_FILE and the proposed DERIVE.
struct DmaBufFlagsFd {
  uint32_t flags;
  int32_t fd;
};
static_assert(sizeof(DmaBufFlagsFd) == 8);
static_assert(offsetof(DmaBufFlagsFd, fd) == 4);

constexpr unsigned long kDmaBufIoctlSync = IoW<DmaBufSync>(kDmaBufType, 0);
// The kernel header encodes SET_NAME with the size of a pointer; on 64-bit
// that is the _B (u64) variant, which the kernel accepts on every ABI.
constexpr unsigned long kDmaBufSetName = IoW<uint64_t>(kDmaBufType, 1);
constexpr unsigned long kDmaBufIoctlExportSyncFile = IoWR<DmaBufFlagsFd>(kDmaBufType, 2);
constexpr unsigned long kDmaBufIoctlImportSyncFile = IoW<DmaBufFlagsFd>(kDmaBufType, 3);
// Proposed (May 2026), not in mainline: a kernel without it answers ENOTTY.
constexpr unsigned long kDmaBufIoctlDerive = IoWR<DmaBufFlagsFd>(kDmaBufType, 4);

constexpr size_t kDmaBufNameLen = 32;  // including the terminating NUL

static_assert(kDmaBufIoctlSync == 0x40086200UL);
static_assert(kDmaBufSetName == 0x40086201UL);
static_assert(kDmaBufIoctlExportSyncFile == 0xc0086202UL);
static_assert(kDmaBufIoctlImportSyncFile == 0x40086203UL);

// --- dma-heap ---
constexpr unsigned kDmaHeapType = 'H';

struct DmaHeapAllocationData {
  uint64_t len;
  uint32_t fd;
  uint32_t fd_flags;
  uint64_t heap_flags;
};
static_assert(sizeof(DmaHeapAllocationData) == 24);
static_assert(offsetof(DmaHeapAllocationData, fd) == 8);
static_assert(offsetof(DmaHeapAllocationData, fd_flags) == 12);
static_assert(offsetof(DmaHeapAllocationData, heap_flags) == 16);

constexpr unsigned long kDmaHeapIoctlAlloc = IoWR<DmaHeapAllocationData>(kDmaHeapType, 0);
static_assert(kDmaHeapIoctlAlloc == 0xc0184800UL);

}  // namespace dmabuf::uapi
