// SPDX-License-Identifier: MIT
// include/uapi/drm/drm.h, drm_mode.h (dumb buffers) and vgem_drm.h.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ioc.h"

namespace dmabuf::uapi {

constexpr unsigned kDrmType = 'd';
constexpr unsigned kDrmCommandBase = 0x40;

struct DrmVersion {
  int32_t version_major;
  int32_t version_minor;
  int32_t version_patchlevel;
  uint64_t name_len;  // __kernel_size_t: 64-bit on the 64-bit ABIs we build for
  uint64_t name;
  uint64_t date_len;
  uint64_t date;
  uint64_t desc_len;
  uint64_t desc;
};
static_assert(sizeof(void*) == 8, "DRM layouts below assume a 64-bit ABI");
static_assert(sizeof(DrmVersion) == 64);
static_assert(offsetof(DrmVersion, name_len) == 16);
static_assert(offsetof(DrmVersion, desc) == 56);

struct DrmGetCap {
  uint64_t capability;
  uint64_t value;
};
static_assert(sizeof(DrmGetCap) == 16);

struct DrmGemClose {
  uint32_t handle;
  uint32_t pad;
};
static_assert(sizeof(DrmGemClose) == 8);

struct DrmPrimeHandle {
  uint32_t handle;
  uint32_t flags;
  int32_t fd;
};
static_assert(sizeof(DrmPrimeHandle) == 12);
static_assert(offsetof(DrmPrimeHandle, fd) == 8);

struct DrmModeCreateDumb {
  uint32_t height;
  uint32_t width;
  uint32_t bpp;
  uint32_t flags;
  uint32_t handle;
  uint32_t pitch;
  uint64_t size;
};
static_assert(sizeof(DrmModeCreateDumb) == 32);
static_assert(offsetof(DrmModeCreateDumb, handle) == 16);
static_assert(offsetof(DrmModeCreateDumb, size) == 24);

struct DrmModeMapDumb {
  uint32_t handle;
  uint32_t pad;
  uint64_t offset;
};
static_assert(sizeof(DrmModeMapDumb) == 16);

struct DrmModeDestroyDumb {
  uint32_t handle;
};
static_assert(sizeof(DrmModeDestroyDumb) == 4);

constexpr unsigned long kDrmIoctlVersion = IoWR<DrmVersion>(kDrmType, 0x00);
constexpr unsigned long kDrmIoctlGemClose = IoW<DrmGemClose>(kDrmType, 0x09);
constexpr unsigned long kDrmIoctlGetCap = IoWR<DrmGetCap>(kDrmType, 0x0c);
constexpr unsigned long kDrmIoctlPrimeHandleToFd = IoWR<DrmPrimeHandle>(kDrmType, 0x2d);
constexpr unsigned long kDrmIoctlPrimeFdToHandle = IoWR<DrmPrimeHandle>(kDrmType, 0x2e);
constexpr unsigned long kDrmIoctlModeCreateDumb = IoWR<DrmModeCreateDumb>(kDrmType, 0xb2);
constexpr unsigned long kDrmIoctlModeMapDumb = IoWR<DrmModeMapDumb>(kDrmType, 0xb3);
constexpr unsigned long kDrmIoctlModeDestroyDumb = IoWR<DrmModeDestroyDumb>(kDrmType, 0xb4);
static_assert(kDrmIoctlVersion == 0xc0406400UL);
static_assert(kDrmIoctlGetCap == 0xc010640cUL);
static_assert(kDrmIoctlPrimeHandleToFd == 0xc00c642dUL);
static_assert(kDrmIoctlModeCreateDumb == 0xc02064b2UL);

// --- vgem: software fences on a BO's reservation, for implicit-sync tests ---
struct VgemFenceAttach {
  uint32_t handle;
  uint32_t flags;  // kVgemFenceWrite
  uint32_t out_fence;
  uint32_t pad;
};
static_assert(sizeof(VgemFenceAttach) == 16);

struct VgemFenceSignal {
  uint32_t fence;
  uint32_t flags;
};
static_assert(sizeof(VgemFenceSignal) == 8);

constexpr uint32_t kVgemFenceWrite = 0x1;
constexpr unsigned long kDrmIoctlVgemFenceAttach = IoWR<VgemFenceAttach>(kDrmType, kDrmCommandBase + 1);
constexpr unsigned long kDrmIoctlVgemFenceSignal = IoW<VgemFenceSignal>(kDrmType, kDrmCommandBase + 2);
static_assert(kDrmIoctlVgemFenceAttach == 0xc0106441UL);
static_assert(kDrmIoctlVgemFenceSignal == 0x40086442UL);

}  // namespace dmabuf::uapi
