// SPDX-License-Identifier: MIT
// vgem's software fences (include/uapi/drm/vgem_drm.h): an unsignalled fence
// on a BO's reservation that user space signals, for implicit-sync tests.
#include "ioctl.h"
#include "napi_util.h"
#include "uapi/drm.h"

namespace dmabuf {
namespace {

using namespace uapi;

// vgemFenceAttach(fd, handle, flags) -> fenceId | -errno
Napi::Value FenceAttach(const Napi::CallbackInfo& info) {
  VgemFenceAttach arg{};
  arg.handle = U32Arg(info, 1);
  arg.flags = U32Arg(info, 2);
  int rc = Ioctl(FdArg(info, 0), kDrmIoctlVgemFenceAttach, &arg);
  return Result(info.Env(), rc < 0 ? rc : static_cast<int64_t>(arg.out_fence));
}

// vgemFenceSignal(fd, fenceId) -> 0 | -errno
Napi::Value FenceSignal(const Napi::CallbackInfo& info) {
  VgemFenceSignal arg{};
  arg.fence = U32Arg(info, 1);
  return Result(info.Env(), Ioctl(FdArg(info, 0), kDrmIoctlVgemFenceSignal, &arg));
}

}  // namespace

void InitVgem(Napi::Env env, Napi::Object exports) {
  exports.Set("vgemFenceAttach", Napi::Function::New(env, FenceAttach));
  exports.Set("vgemFenceSignal", Napi::Function::New(env, FenceSignal));
}

}  // namespace dmabuf
