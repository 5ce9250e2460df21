// SPDX-License-Identifier: MIT
// KMS discovery ioctls: resources, connectors, encoders, CRTCs, planes,
// properties and blobs (include/uapi/drm/drm_mode.h). Each call returns the
// kernel's answer as plain values; decoding (modes, IN_FORMATS) is lib/'s.
#include <cstdint>
#include <cstring>
#include <vector>

#include "ioctl.h"
#include "napi_util.h"
#include "uapi/drm_mode.h"

namespace dmabuf {
namespace {

using namespace uapi;

// Count-then-fill ioctls can race a hotplug that grows a list between the two
// calls; the kernel then reports the new count and copies nothing past the old
// one. Retrying a few times settles it.
constexpr int kRetries = 5;

template <typename T>
uint64_t Ptr(std::vector<T>& v) {
  return v.empty() ? 0 : reinterpret_cast<uintptr_t>(v.data());
}

Napi::Array U32Array(Napi::Env env, const std::vector<uint32_t>& v, size_t n) {
  Napi::Array out = Napi::Array::New(env, n);
  for (size_t i = 0; i < n; ++i) out.Set(i, Napi::Number::New(env, v[i]));
  return out;
}

Napi::Buffer<uint8_t> Bytes(Napi::Env env, const void* data, size_t length) {
  return Napi::Buffer<uint8_t>::Copy(env, static_cast<const uint8_t*>(data), length);
}

// kmsGetResources(fd) -> {fbs, crtcs, connectors, encoders, minWidth, maxWidth, minHeight, maxHeight} | -errno
Napi::Value GetResources(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  DrmModeCardRes res{};
  std::vector<uint32_t> fbs, crtcs, connectors, encoders;
  for (int attempt = 0; attempt < kRetries; ++attempt) {
    DrmModeCardRes counts{};
    int rc = Ioctl(fd, kDrmIoctlModeGetResources, &counts);
    if (rc < 0) return Result(env, rc);
    fbs.assign(counts.count_fbs, 0);
    crtcs.assign(counts.count_crtcs, 0);
    connectors.assign(counts.count_connectors, 0);
    encoders.assign(counts.count_encoders, 0);
    res = counts;
    res.fb_id_ptr = Ptr(fbs);
    res.crtc_id_ptr = Ptr(crtcs);
    res.connector_id_ptr = Ptr(connectors);
    res.encoder_id_ptr = Ptr(encoders);
    rc = Ioctl(fd, kDrmIoctlModeGetResources, &res);
    if (rc < 0) return Result(env, rc);
    if (res.count_fbs <= fbs.size() && res.count_crtcs <= crtcs.size() &&
        res.count_connectors <= connectors.size() && res.count_encoders <= encoders.size()) {
      break;
    }
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("fbs", U32Array(env, fbs, std::min<size_t>(fbs.size(), res.count_fbs)));
  out.Set("crtcs", U32Array(env, crtcs, std::min<size_t>(crtcs.size(), res.count_crtcs)));
  out.Set("connectors", U32Array(env, connectors, std::min<size_t>(connectors.size(), res.count_connectors)));
  out.Set("encoders", U32Array(env, encoders, std::min<size_t>(encoders.size(), res.count_encoders)));
  out.Set("minWidth", Napi::Number::New(env, res.min_width));
  out.Set("maxWidth", Napi::Number::New(env, res.max_width));
  out.Set("minHeight", Napi::Number::New(env, res.min_height));
  out.Set("maxHeight", Napi::Number::New(env, res.max_height));
  return out;
}

// kmsGetPlaneResources(fd) -> planeIds[] | -errno
Napi::Value GetPlaneResources(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  std::vector<uint32_t> ids;
  DrmModeGetPlaneRes res{};
  for (int attempt = 0; attempt < kRetries; ++attempt) {
    DrmModeGetPlaneRes counts{};
    int rc = Ioctl(fd, kDrmIoctlModeGetPlaneResources, &counts);
    if (rc < 0) return Result(env, rc);
    ids.assign(counts.count_planes, 0);
    res = counts;
    res.plane_id_ptr = Ptr(ids);
    rc = Ioctl(fd, kDrmIoctlModeGetPlaneResources, &res);
    if (rc < 0) return Result(env, rc);
    if (res.count_planes <= ids.size()) break;
  }
  return U32Array(env, ids, std::min<size_t>(ids.size(), res.count_planes));
}

// kmsGetConnector(fd, id) -> {id, encoderId, type, typeId, connection, mmWidth, mmHeight,
//   subpixel, encoders[], modes: Buffer of 68-byte drm_mode_modeinfo} | -errno
// The first call (count_modes 0) is what makes the kernel probe the connector.
Napi::Value GetConnector(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  uint32_t id = U32Arg(info, 1);
  DrmModeGetConnector conn{};
  std::vector<uint32_t> encoders;
  std::vector<DrmModeModeInfo> modes;
  for (int attempt = 0; attempt < kRetries; ++attempt) {
    DrmModeGetConnector counts{};
    counts.connector_id = id;
    int rc = Ioctl(fd, kDrmIoctlModeGetConnector, &counts);
    if (rc < 0) return Result(env, rc);
    encoders.assign(counts.count_encoders, 0);
    modes.assign(counts.count_modes, DrmModeModeInfo{});
    conn = DrmModeGetConnector{};
    conn.connector_id = id;
    conn.count_encoders = encoders.size();
    conn.encoders_ptr = Ptr(encoders);
    conn.count_modes = modes.size();
    conn.modes_ptr = Ptr(modes);
    rc = Ioctl(fd, kDrmIoctlModeGetConnector, &conn);
    if (rc < 0) return Result(env, rc);
    if (conn.count_encoders <= encoders.size() && conn.count_modes <= modes.size()) break;
  }
  size_t nmodes = std::min<size_t>(modes.size(), conn.count_modes);
  Napi::Object out = Napi::Object::New(env);
  out.Set("id", Napi::Number::New(env, conn.connector_id));
  out.Set("encoderId", Napi::Number::New(env, conn.encoder_id));
  out.Set("type", Napi::Number::New(env, conn.connector_type));
  out.Set("typeId", Napi::Number::New(env, conn.connector_type_id));
  out.Set("connection", Napi::Number::New(env, conn.connection));
  out.Set("mmWidth", Napi::Number::New(env, conn.mm_width));
  out.Set("mmHeight", Napi::Number::New(env, conn.mm_height));
  out.Set("subpixel", Napi::Number::New(env, conn.subpixel));
  out.Set("encoders", U32Array(env, encoders, std::min<size_t>(encoders.size(), conn.count_encoders)));
  out.Set("modes", Bytes(env, modes.data(), nmodes * sizeof(DrmModeModeInfo)));
  return out;
}

// kmsGetEncoder(fd, id) -> {id, type, crtcId, possibleCrtcs, possibleClones} | -errno
Napi::Value GetEncoder(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DrmModeGetEncoder enc{};
  enc.encoder_id = U32Arg(info, 1);
  int rc = Ioctl(FdArg(info, 0), kDrmIoctlModeGetEncoder, &enc);
  if (rc < 0) return Result(env, rc);
  Napi::Object out = Napi::Object::New(env);
  out.Set("id", Napi::Number::New(env, enc.encoder_id));
  out.Set("type", Napi::Number::New(env, enc.encoder_type));
  out.Set("crtcId", Napi::Number::New(env, enc.crtc_id));
  out.Set("possibleCrtcs", Napi::Number::New(env, enc.possible_crtcs));
  out.Set("possibleClones", Napi::Number::New(env, enc.possible_clones));
  return out;
}

// kmsGetCrtc(fd, id) -> {id, fbId, x, y, gammaSize, modeValid, mode: Buffer(68)} | -errno
Napi::Value GetCrtc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DrmModeCrtc crtc{};
  crtc.crtc_id = U32Arg(info, 1);
  int rc = Ioctl(FdArg(info, 0), kDrmIoctlModeGetCrtc, &crtc);
  if (rc < 0) return Result(env, rc);
  Napi::Object out = Napi::Object::New(env);
  out.Set("id", Napi::Number::New(env, crtc.crtc_id));
  out.Set("fbId", Napi::Number::New(env, crtc.fb_id));
  out.Set("x", Napi::Number::New(env, crtc.x));
  out.Set("y", Napi::Number::New(env, crtc.y));
  out.Set("gammaSize", Napi::Number::New(env, crtc.gamma_size));
  out.Set("modeValid", Napi::Boolean::New(env, crtc.mode_valid != 0));
  out.Set("mode", Bytes(env, &crtc.mode, sizeof(crtc.mode)));
  return out;
}

// kmsGetPlane(fd, id) -> {id, crtcId, fbId, possibleCrtcs, gammaSize, formats[]} | -errno
Napi::Value GetPlane(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  uint32_t id = U32Arg(info, 1);
  DrmModeGetPlane plane{};
  std::vector<uint32_t> formats;
  for (int attempt = 0; attempt < kRetries; ++attempt) {
    DrmModeGetPlane counts{};
    counts.plane_id = id;
    int rc = Ioctl(fd, kDrmIoctlModeGetPlane, &counts);
    if (rc < 0) return Result(env, rc);
    formats.assign(counts.count_format_types, 0);
    plane = DrmModeGetPlane{};
    plane.plane_id = id;
    plane.count_format_types = formats.size();
    plane.format_type_ptr = Ptr(formats);
    rc = Ioctl(fd, kDrmIoctlModeGetPlane, &plane);
    if (rc < 0) return Result(env, rc);
    if (plane.count_format_types <= formats.size()) break;
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("id", Napi::Number::New(env, plane.plane_id));
  out.Set("crtcId", Napi::Number::New(env, plane.crtc_id));
  out.Set("fbId", Napi::Number::New(env, plane.fb_id));
  out.Set("possibleCrtcs", Napi::Number::New(env, plane.possible_crtcs));
  out.Set("gammaSize", Napi::Number::New(env, plane.gamma_size));
  out.Set("formats", U32Array(env, formats, std::min<size_t>(formats.size(), plane.count_format_types)));
  return out;
}

// kmsObjGetProperties(fd, objId, objType) -> {ids[], values: bigint[]} | -errno
Napi::Value ObjGetProperties(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  std::vector<uint32_t> ids;
  std::vector<uint64_t> values;
  DrmModeObjGetProperties arg{};
  for (int attempt = 0; attempt < kRetries; ++attempt) {
    DrmModeObjGetProperties counts{};
    counts.obj_id = U32Arg(info, 1);
    counts.obj_type = U32Arg(info, 2);
    int rc = Ioctl(fd, kDrmIoctlModeObjGetProperties, &counts);
    if (rc < 0) return Result(env, rc);
    ids.assign(counts.count_props, 0);
    values.assign(counts.count_props, 0);
    arg = counts;
    arg.props_ptr = Ptr(ids);
    arg.prop_values_ptr = Ptr(values);
    rc = Ioctl(fd, kDrmIoctlModeObjGetProperties, &arg);
    if (rc < 0) return Result(env, rc);
    if (arg.count_props <= ids.size()) break;
  }
  size_t n = std::min<size_t>(ids.size(), arg.count_props);
  Napi::Array outValues = Napi::Array::New(env, n);
  for (size_t i = 0; i < n; ++i) outValues.Set(i, BigU64(env, values[i]));
  Napi::Object out = Napi::Object::New(env);
  out.Set("ids", U32Array(env, ids, n));
  out.Set("values", outValues);
  return out;
}

// kmsGetProperty(fd, propId) -> {id, name, flags, values: bigint[], enums: [{value, name}]} | -errno
Napi::Value GetProperty(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  DrmModeGetProperty prop{};
  std::vector<uint64_t> values;
  std::vector<DrmModePropertyEnum> enums;
  for (int attempt = 0; attempt < kRetries; ++attempt) {
    DrmModeGetProperty counts{};
    counts.prop_id = U32Arg(info, 1);
    int rc = Ioctl(fd, kDrmIoctlModeGetProperty, &counts);
    if (rc < 0) return Result(env, rc);
    values.assign(counts.count_values, 0);
    enums.assign(counts.count_enum_blobs, DrmModePropertyEnum{});
    prop = counts;
    prop.values_ptr = Ptr(values);
    prop.enum_blob_ptr = Ptr(enums);
    rc = Ioctl(fd, kDrmIoctlModeGetProperty, &prop);
    if (rc < 0) return Result(env, rc);
    if (prop.count_values <= values.size() && prop.count_enum_blobs <= enums.size()) break;
  }
  size_t nv = std::min<size_t>(values.size(), prop.count_values);
  size_t ne = std::min<size_t>(enums.size(), prop.count_enum_blobs);
  Napi::Array outValues = Napi::Array::New(env, nv);
  for (size_t i = 0; i < nv; ++i) outValues.Set(i, BigU64(env, values[i]));
  Napi::Array outEnums = Napi::Array::New(env, ne);
  for (size_t i = 0; i < ne; ++i) {
    Napi::Object e = Napi::Object::New(env);
    e.Set("value", BigU64(env, enums[i].value));
    e.Set("name", FixedString(env, enums[i].name));
    outEnums.Set(i, e);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("id", Napi::Number::New(env, prop.prop_id));
  out.Set("name", FixedString(env, prop.name));
  out.Set("flags", Napi::Number::New(env, prop.flags));
  out.Set("values", outValues);
  out.Set("enums", outEnums);
  return out;
}

// kmsGetPropBlob(fd, blobId) -> Buffer | -errno
Napi::Value GetPropBlob(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  DrmModeGetBlob head{};
  head.blob_id = U32Arg(info, 1);
  int rc = Ioctl(fd, kDrmIoctlModeGetPropBlob, &head);
  if (rc < 0) return Result(env, rc);
  // Blobs are immutable once created, so the length cannot change.
  std::vector<uint8_t> data(head.length);
  DrmModeGetBlob full{};
  full.blob_id = head.blob_id;
  full.length = data.size();
  full.data = Ptr(data);
  rc = Ioctl(fd, kDrmIoctlModeGetPropBlob, &full);
  if (rc < 0) return Result(env, rc);
  return Bytes(env, data.data(), data.size());
}

}  // namespace

void InitKmsObjects(Napi::Env env, Napi::Object exports) {
  exports.Set("kmsGetResources", Napi::Function::New(env, GetResources));
  exports.Set("kmsGetPlaneResources", Napi::Function::New(env, GetPlaneResources));
  exports.Set("kmsGetConnector", Napi::Function::New(env, GetConnector));
  exports.Set("kmsGetEncoder", Napi::Function::New(env, GetEncoder));
  exports.Set("kmsGetCrtc", Napi::Function::New(env, GetCrtc));
  exports.Set("kmsGetPlane", Napi::Function::New(env, GetPlane));
  exports.Set("kmsObjGetProperties", Napi::Function::New(env, ObjGetProperties));
  exports.Set("kmsGetProperty", Napi::Function::New(env, GetProperty));
  exports.Set("kmsGetPropBlob", Napi::Function::New(env, GetPropBlob));
}

}  // namespace dmabuf
