// SPDX-License-Identifier: MIT
// KMS layouts from include/uapi/drm/drm.h and drm_mode.h (Linux 7.2), ours
// and checked, so a build against old headers still speaks the current ABI.
#pragma once

#include <cstddef>
#include <cstdint>

#include "drm.h"
#include "ioc.h"

namespace dmabuf::uapi {

struct DrmSetClientCap {
  uint64_t capability;
  uint64_t value;
};
static_assert(sizeof(DrmSetClientCap) == 16);

// struct drm_mode_modeinfo: 68 bytes, also the MODE_ID blob's payload.
struct DrmModeModeInfo {
  uint32_t clock;
  uint16_t hdisplay, hsync_start, hsync_end, htotal, hskew;
  uint16_t vdisplay, vsync_start, vsync_end, vtotal, vscan;
  uint32_t vrefresh;
  uint32_t flags;
  uint32_t type;
  char name[32];
};
static_assert(sizeof(DrmModeModeInfo) == 68);
static_assert(offsetof(DrmModeModeInfo, vrefresh) == 24);
static_assert(offsetof(DrmModeModeInfo, name) == 36);

struct DrmModeCardRes {
  uint64_t fb_id_ptr;
  uint64_t crtc_id_ptr;
  uint64_t connector_id_ptr;
  uint64_t encoder_id_ptr;
  uint32_t count_fbs;
  uint32_t count_crtcs;
  uint32_t count_connectors;
  uint32_t count_encoders;
  uint32_t min_width, max_width, min_height, max_height;
};
static_assert(sizeof(DrmModeCardRes) == 64);
static_assert(offsetof(DrmModeCardRes, count_fbs) == 32);

struct DrmModeCrtc {
  uint64_t set_connectors_ptr;
  uint32_t count_connectors;
  uint32_t crtc_id;
  uint32_t fb_id;
  uint32_t x, y;
  uint32_t gamma_size;
  uint32_t mode_valid;
  DrmModeModeInfo mode;
};
static_assert(sizeof(DrmModeCrtc) == 104);
static_assert(offsetof(DrmModeCrtc, mode) == 36);

struct DrmModeGetPlane {
  uint32_t plane_id;
  uint32_t crtc_id;
  uint32_t fb_id;
  uint32_t possible_crtcs;
  uint32_t gamma_size;
  uint32_t count_format_types;
  uint64_t format_type_ptr;
};
static_assert(sizeof(DrmModeGetPlane) == 32);

struct DrmModeGetPlaneRes {
  uint64_t plane_id_ptr;
  uint32_t count_planes;
  uint32_t pad;  // implicit in the kernel's struct (u64 alignment)
};
static_assert(sizeof(DrmModeGetPlaneRes) == 16);

struct DrmModeGetEncoder {
  uint32_t encoder_id;
  uint32_t encoder_type;
  uint32_t crtc_id;
  uint32_t possible_crtcs;
  uint32_t possible_clones;
};
static_assert(sizeof(DrmModeGetEncoder) == 20);

struct DrmModeGetConnector {
  uint64_t encoders_ptr;
  uint64_t modes_ptr;
  uint64_t props_ptr;
  uint64_t prop_values_ptr;
  uint32_t count_modes;
  uint32_t count_props;
  uint32_t count_encoders;
  uint32_t encoder_id;
  uint32_t connector_id;
  uint32_t connector_type;
  uint32_t connector_type_id;
  uint32_t connection;
  uint32_t mm_width;
  uint32_t mm_height;
  uint32_t subpixel;
  uint32_t pad;
};
static_assert(sizeof(DrmModeGetConnector) == 80);
static_assert(offsetof(DrmModeGetConnector, connection) == 60);

struct DrmModeGetProperty {
  uint64_t values_ptr;
  uint64_t enum_blob_ptr;
  uint32_t prop_id;
  uint32_t flags;
  char name[32];
  uint32_t count_values;
  uint32_t count_enum_blobs;
};
static_assert(sizeof(DrmModeGetProperty) == 64);
static_assert(offsetof(DrmModeGetProperty, count_values) == 56);

struct DrmModePropertyEnum {
  uint64_t value;
  char name[32];
};
static_assert(sizeof(DrmModePropertyEnum) == 40);

struct DrmModeObjGetProperties {
  uint64_t props_ptr;
  uint64_t prop_values_ptr;
  uint32_t count_props;
  uint32_t obj_id;
  uint32_t obj_type;
  uint32_t pad;  // implicit tail padding
};
static_assert(sizeof(DrmModeObjGetProperties) == 32);

struct DrmModeGetBlob {
  uint32_t blob_id;
  uint32_t length;
  uint64_t data;
};
static_assert(sizeof(DrmModeGetBlob) == 16);

struct DrmModeCreateBlob {
  uint64_t data;
  uint32_t length;
  uint32_t blob_id;
};
static_assert(sizeof(DrmModeCreateBlob) == 16);

struct DrmModeDestroyBlob {
  uint32_t blob_id;
};
static_assert(sizeof(DrmModeDestroyBlob) == 4);

struct DrmModeFbCmd2 {
  uint32_t fb_id;
  uint32_t width;
  uint32_t height;
  uint32_t pixel_format;
  uint32_t flags;
  uint32_t handles[4];
  uint32_t pitches[4];
  uint32_t offsets[4];
  uint32_t pad;  // implicit: modifier[] is u64-aligned
  uint64_t modifier[4];
};
static_assert(sizeof(DrmModeFbCmd2) == 104);
static_assert(offsetof(DrmModeFbCmd2, modifier) == 72);

struct DrmModeCloseFb {
  uint32_t fb_id;
  uint32_t pad;
};
static_assert(sizeof(DrmModeCloseFb) == 8);

struct DrmModeAtomic {
  uint32_t flags;
  uint32_t count_objs;
  uint64_t objs_ptr;
  uint64_t count_props_ptr;
  uint64_t props_ptr;
  uint64_t prop_values_ptr;
  uint64_t reserved;
  uint64_t user_data;
};
static_assert(sizeof(DrmModeAtomic) == 56);

struct DrmCrtcGetSequence {
  uint32_t crtc_id;
  uint32_t active;
  uint64_t sequence;
  int64_t sequence_ns;
};
static_assert(sizeof(DrmCrtcGetSequence) == 24);

struct DrmCrtcQueueSequence {
  uint32_t crtc_id;
  uint32_t flags;
  uint64_t sequence;
  uint64_t user_data;
};
static_assert(sizeof(DrmCrtcQueueSequence) == 24);

struct DrmModeCreateLease {
  uint64_t object_ids;
  uint32_t object_count;
  uint32_t flags;
  uint32_t lessee_id;
  uint32_t fd;
};
static_assert(sizeof(DrmModeCreateLease) == 24);

struct DrmModeListLessees {
  uint32_t count_lessees;
  uint32_t pad;
  uint64_t lessees_ptr;
};
static_assert(sizeof(DrmModeListLessees) == 16);

struct DrmModeGetLease {
  uint32_t count_objects;
  uint32_t pad;
  uint64_t objects_ptr;
};
static_assert(sizeof(DrmModeGetLease) == 16);

struct DrmModeRevokeLease {
  uint32_t lessee_id;
};
static_assert(sizeof(DrmModeRevokeLease) == 4);

// Events read() from the card fd: a header, then the body.
struct DrmEvent {
  uint32_t type;
  uint32_t length;
};
struct DrmEventVblank {
  DrmEvent base;
  uint64_t user_data;
  uint32_t tv_sec;
  uint32_t tv_usec;
  uint32_t sequence;
  uint32_t crtc_id;
};
static_assert(sizeof(DrmEventVblank) == 32);
struct DrmEventCrtcSequence {
  DrmEvent base;
  uint64_t user_data;
  int64_t time_ns;
  uint64_t sequence;
};
static_assert(sizeof(DrmEventCrtcSequence) == 32);

constexpr uint32_t kDrmEventVblank = 0x01;
constexpr uint32_t kDrmEventFlipComplete = 0x02;
constexpr uint32_t kDrmEventCrtcSequence = 0x03;

constexpr unsigned long kDrmIoctlSetClientCap = IoW<DrmSetClientCap>(kDrmType, 0x0d);
constexpr unsigned long kDrmIoctlSetMaster = Ioc(kIocNone, kDrmType, 0x1e, 0);
constexpr unsigned long kDrmIoctlDropMaster = Ioc(kIocNone, kDrmType, 0x1f, 0);
constexpr unsigned long kDrmIoctlCrtcGetSequence = IoWR<DrmCrtcGetSequence>(kDrmType, 0x3b);
constexpr unsigned long kDrmIoctlCrtcQueueSequence = IoWR<DrmCrtcQueueSequence>(kDrmType, 0x3c);
constexpr unsigned long kDrmIoctlModeGetResources = IoWR<DrmModeCardRes>(kDrmType, 0xa0);
constexpr unsigned long kDrmIoctlModeGetCrtc = IoWR<DrmModeCrtc>(kDrmType, 0xa1);
constexpr unsigned long kDrmIoctlModeGetEncoder = IoWR<DrmModeGetEncoder>(kDrmType, 0xa6);
constexpr unsigned long kDrmIoctlModeGetConnector = IoWR<DrmModeGetConnector>(kDrmType, 0xa7);
constexpr unsigned long kDrmIoctlModeGetProperty = IoWR<DrmModeGetProperty>(kDrmType, 0xaa);
constexpr unsigned long kDrmIoctlModeGetPropBlob = IoWR<DrmModeGetBlob>(kDrmType, 0xac);
constexpr unsigned long kDrmIoctlModeRmFb = IoWR<uint32_t>(kDrmType, 0xaf);
constexpr unsigned long kDrmIoctlModeGetPlaneResources = IoWR<DrmModeGetPlaneRes>(kDrmType, 0xb5);
constexpr unsigned long kDrmIoctlModeGetPlane = IoWR<DrmModeGetPlane>(kDrmType, 0xb6);
constexpr unsigned long kDrmIoctlModeAddFb2 = IoWR<DrmModeFbCmd2>(kDrmType, 0xb8);
constexpr unsigned long kDrmIoctlModeObjGetProperties = IoWR<DrmModeObjGetProperties>(kDrmType, 0xb9);
constexpr unsigned long kDrmIoctlModeAtomic = IoWR<DrmModeAtomic>(kDrmType, 0xbc);
constexpr unsigned long kDrmIoctlModeCreatePropBlob = IoWR<DrmModeCreateBlob>(kDrmType, 0xbd);
constexpr unsigned long kDrmIoctlModeDestroyPropBlob = IoWR<DrmModeDestroyBlob>(kDrmType, 0xbe);
constexpr unsigned long kDrmIoctlModeCreateLease = IoWR<DrmModeCreateLease>(kDrmType, 0xc6);
constexpr unsigned long kDrmIoctlModeListLessees = IoWR<DrmModeListLessees>(kDrmType, 0xc7);
constexpr unsigned long kDrmIoctlModeGetLease = IoWR<DrmModeGetLease>(kDrmType, 0xc8);
constexpr unsigned long kDrmIoctlModeRevokeLease = IoWR<DrmModeRevokeLease>(kDrmType, 0xc9);
constexpr unsigned long kDrmIoctlModeCloseFb = IoWR<DrmModeCloseFb>(kDrmType, 0xd0);
// Spot checks against the numbers libdrm's headers expand to.
static_assert(kDrmIoctlSetClientCap == 0x4010640dUL);
static_assert(kDrmIoctlSetMaster == 0x641eUL);
static_assert(kDrmIoctlModeGetResources == 0xc04064a0UL);
static_assert(kDrmIoctlModeAddFb2 == 0xc06864b8UL);
static_assert(kDrmIoctlModeAtomic == 0xc03864bcUL);
static_assert(kDrmIoctlModeRmFb == 0xc00464afUL);
static_assert(kDrmIoctlModeCreateLease == 0xc01864c6UL);

}  // namespace dmabuf::uapi
