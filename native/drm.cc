// SPDX-License-Identifier: MIT
// DRM device ioctls: identity, capabilities, GEM handles, PRIME and dumb
// buffers (include/uapi/drm/drm.h, drm_mode.h).
#include <cerrno>
#include <cstdint>
#include <string>

#include "ioctl.h"
#include "napi_util.h"
#include "uapi/drm.h"

namespace dmabuf {
namespace {

using namespace uapi;

// drmVersion(fd) -> {major, minor, patchlevel, name, date, description} | -errno
Napi::Value Version(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  // First call learns the string lengths, the second fills them.
  DrmVersion lengths{};
  int rc = Ioctl(fd, kDrmIoctlVersion, &lengths);
  if (rc < 0) return Result(env, rc);
  std::string name(lengths.name_len, '\0');
  std::string date(lengths.date_len, '\0');
  std::string desc(lengths.desc_len, '\0');
  DrmVersion full{};
  full.name_len = name.size();
  full.name = reinterpret_cast<uintptr_t>(name.data());
  full.date_len = date.size();
  full.date = reinterpret_cast<uintptr_t>(date.data());
  full.desc_len = desc.size();
  full.desc = reinterpret_cast<uintptr_t>(desc.data());
  rc = Ioctl(fd, kDrmIoctlVersion, &full);
  if (rc < 0) return Result(env, rc);
  Napi::Object out = Napi::Object::New(env);
  out.Set("major", Napi::Number::New(env, full.version_major));
  out.Set("minor", Napi::Number::New(env, full.version_minor));
  out.Set("patchlevel", Napi::Number::New(env, full.version_patchlevel));
  out.Set("name", Napi::String::New(env, name.c_str(), std::min<size_t>(name.size(), full.name_len)));
  out.Set("date", Napi::String::New(env, date.c_str(), std::min<size_t>(date.size(), full.date_len)));
  out.Set("description", Napi::String::New(env, desc.c_str(), std::min<size_t>(desc.size(), full.desc_len)));
  return out;
}

// drmGetCap(fd, capability) -> value (bigint) | -errno (number)
Napi::Value GetCap(const Napi::CallbackInfo& info) {
  DrmGetCap arg{};
  arg.capability = U32Arg(info, 1);
  int rc = Ioctl(FdArg(info, 0), kDrmIoctlGetCap, &arg);
  if (rc < 0) return Result(info.Env(), rc);
  return BigU64(info.Env(), arg.value);
}

// drmGemClose(fd, handle) -> 0 | -errno
Napi::Value GemClose(const Napi::CallbackInfo& info) {
  DrmGemClose arg{};
  arg.handle = U32Arg(info, 1);
  return Result(info.Env(), Ioctl(FdArg(info, 0), kDrmIoctlGemClose, &arg));
}

// drmPrimeHandleToFd(fd, handle, flags) -> dmaBufFd | -errno
Napi::Value PrimeHandleToFd(const Napi::CallbackInfo& info) {
  DrmPrimeHandle arg{};
  arg.handle = U32Arg(info, 1);
  arg.flags = U32Arg(info, 2);
  arg.fd = -1;
  int rc = Ioctl(FdArg(info, 0), kDrmIoctlPrimeHandleToFd, &arg);
  return Result(info.Env(), rc < 0 ? rc : arg.fd);
}

// drmPrimeFdToHandle(fd, dmaBufFd) -> handle | -errno
Napi::Value PrimeFdToHandle(const Napi::CallbackInfo& info) {
  DrmPrimeHandle arg{};
  arg.fd = FdArg(info, 1);
  int rc = Ioctl(FdArg(info, 0), kDrmIoctlPrimeFdToHandle, &arg);
  return Result(info.Env(), rc < 0 ? rc : static_cast<int64_t>(arg.handle));
}

// drmCreateDumb(fd, width, height, bpp) -> {handle, pitch, size} | -errno
Napi::Value CreateDumb(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DrmModeCreateDumb arg{};
  arg.width = U32Arg(info, 1);
  arg.height = U32Arg(info, 2);
  arg.bpp = U32Arg(info, 3);
  int rc = Ioctl(FdArg(info, 0), kDrmIoctlModeCreateDumb, &arg);
  if (rc < 0) return Result(env, rc);
  Napi::Object out = Napi::Object::New(env);
  out.Set("handle", Napi::Number::New(env, arg.handle));
  out.Set("pitch", Napi::Number::New(env, arg.pitch));
  out.Set("size", Napi::Number::New(env, static_cast<double>(arg.size)));
  return out;
}

// drmMapDumb(fd, handle) -> fake mmap offset on the DRM fd | -errno
Napi::Value MapDumb(const Napi::CallbackInfo& info) {
  DrmModeMapDumb arg{};
  arg.handle = U32Arg(info, 1);
  int rc = Ioctl(FdArg(info, 0), kDrmIoctlModeMapDumb, &arg);
  return Result(info.Env(), rc < 0 ? rc : static_cast<int64_t>(arg.offset));
}

// drmDestroyDumb(fd, handle) -> 0 | -errno
Napi::Value DestroyDumb(const Napi::CallbackInfo& info) {
  DrmModeDestroyDumb arg{};
  arg.handle = U32Arg(info, 1);
  return Result(info.Env(), Ioctl(FdArg(info, 0), kDrmIoctlModeDestroyDumb, &arg));
}

}  // namespace

void InitDrm(Napi::Env env, Napi::Object exports) {
  exports.Set("drmVersion", Napi::Function::New(env, Version));
  exports.Set("drmGetCap", Napi::Function::New(env, GetCap));
  exports.Set("drmGemClose", Napi::Function::New(env, GemClose));
  exports.Set("drmPrimeHandleToFd", Napi::Function::New(env, PrimeHandleToFd));
  exports.Set("drmPrimeFdToHandle", Napi::Function::New(env, PrimeFdToHandle));
  exports.Set("drmCreateDumb", Napi::Function::New(env, CreateDumb));
  exports.Set("drmMapDumb", Napi::Function::New(env, MapDumb));
  exports.Set("drmDestroyDumb", Napi::Function::New(env, DestroyDumb));
}

}  // namespace dmabuf
