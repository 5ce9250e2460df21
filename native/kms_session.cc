// SPDX-License-Identifier: MIT
// What a DRM file may do: client caps, DRM master, and leases
// (include/uapi/drm/drm.h, drm_mode.h).
#include <cstdint>
#include <vector>

#include "ioctl.h"
#include "napi_util.h"
#include "uapi/drm_mode.h"

namespace dmabuf {
namespace {

using namespace uapi;

// kmsSetClientCap(fd, cap, value) -> 0 | -errno
Napi::Value SetClientCap(const Napi::CallbackInfo& info) {
  DrmSetClientCap arg{};
  arg.capability = U32Arg(info, 1);
  arg.value = U32Arg(info, 2);
  return Result(info.Env(), Ioctl(FdArg(info, 0), kDrmIoctlSetClientCap, &arg));
}

// kmsSetMaster(fd) / kmsDropMaster(fd) -> 0 | -errno
Napi::Value SetMaster(const Napi::CallbackInfo& info) {
  return Result(info.Env(), Ioctl(FdArg(info, 0), kDrmIoctlSetMaster, nullptr));
}
Napi::Value DropMaster(const Napi::CallbackInfo& info) {
  return Result(info.Env(), Ioctl(FdArg(info, 0), kDrmIoctlDropMaster, nullptr));
}

// kmsCreateLease(fd, objectIds: Uint32Array, flags) -> {lesseeId, fd} | -errno
Napi::Value CreateLease(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto ids = info[1].As<Napi::Uint32Array>();
  DrmModeCreateLease arg{};
  arg.object_ids = reinterpret_cast<uintptr_t>(ids.Data());
  arg.object_count = ids.ElementLength();
  arg.flags = U32Arg(info, 2);
  int rc = Ioctl(FdArg(info, 0), kDrmIoctlModeCreateLease, &arg);
  if (rc < 0) return Result(env, rc);
  Napi::Object out = Napi::Object::New(env);
  out.Set("lesseeId", Napi::Number::New(env, arg.lessee_id));
  out.Set("fd", Napi::Number::New(env, arg.fd));
  return out;
}

// Both list ioctls are count-then-fill with the same shape.
template <typename T>
Napi::Value ListIds(const Napi::CallbackInfo& info, unsigned long request, uint32_t T::*count, uint64_t T::*ptr) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  std::vector<uint32_t> ids;
  T arg{};
  for (int attempt = 0; attempt < 5; ++attempt) {
    T counts{};
    int rc = Ioctl(fd, request, &counts);
    if (rc < 0) return Result(env, rc);
    ids.assign(counts.*count, 0);
    arg = T{};
    arg.*count = ids.size();
    arg.*ptr = ids.empty() ? 0 : reinterpret_cast<uintptr_t>(ids.data());
    rc = Ioctl(fd, request, &arg);
    if (rc < 0) return Result(env, rc);
    if (arg.*count <= ids.size()) break;
  }
  size_t n = std::min<size_t>(ids.size(), arg.*count);
  Napi::Array out = Napi::Array::New(env, n);
  for (size_t i = 0; i < n; ++i) out.Set(i, Napi::Number::New(env, ids[i]));
  return out;
}

// kmsListLessees(fd) -> lesseeIds[] | -errno
Napi::Value ListLessees(const Napi::CallbackInfo& info) {
  return ListIds(info, kDrmIoctlModeListLessees, &DrmModeListLessees::count_lessees, &DrmModeListLessees::lessees_ptr);
}

// kmsGetLease(fd) -> objectIds[] | -errno
Napi::Value GetLease(const Napi::CallbackInfo& info) {
  return ListIds(info, kDrmIoctlModeGetLease, &DrmModeGetLease::count_objects, &DrmModeGetLease::objects_ptr);
}

// kmsRevokeLease(fd, lesseeId) -> 0 | -errno
Napi::Value RevokeLease(const Napi::CallbackInfo& info) {
  DrmModeRevokeLease arg{};
  arg.lessee_id = U32Arg(info, 1);
  return Result(info.Env(), Ioctl(FdArg(info, 0), kDrmIoctlModeRevokeLease, &arg));
}

}  // namespace

void InitKmsSession(Napi::Env env, Napi::Object exports) {
  exports.Set("kmsSetClientCap", Napi::Function::New(env, SetClientCap));
  exports.Set("kmsSetMaster", Napi::Function::New(env, SetMaster));
  exports.Set("kmsDropMaster", Napi::Function::New(env, DropMaster));
  exports.Set("kmsCreateLease", Napi::Function::New(env, CreateLease));
  exports.Set("kmsListLessees", Napi::Function::New(env, ListLessees));
  exports.Set("kmsGetLease", Napi::Function::New(env, GetLease));
  exports.Set("kmsRevokeLease", Napi::Function::New(env, RevokeLease));
}

}  // namespace dmabuf
