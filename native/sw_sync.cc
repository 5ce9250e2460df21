// SPDX-License-Identifier: MIT
// sw_sync (debugfs sync/sw_sync): a software timeline whose fences user
// space creates and signals. Test fences that hardware smoke tests control.
#include <cstring>
#include <string>

#include "ioctl.h"
#include "napi_util.h"
#include "uapi/syncobj.h"

namespace dmabuf {
namespace {

using namespace uapi;

// swSyncCreateFence(timelineFd, value, name) -> syncFileFd | -errno
Napi::Value CreateFence(const Napi::CallbackInfo& info) {
  SwSyncCreateFenceData arg{};
  arg.value = U32Arg(info, 1);
  std::string name = info[2].As<Napi::String>().Utf8Value();
  std::strncpy(arg.name, name.c_str(), sizeof(arg.name) - 1);
  arg.fence = -1;
  int rc = Ioctl(FdArg(info, 0), kSwSyncIocCreateFence, &arg);
  return Result(info.Env(), rc < 0 ? rc : arg.fence);
}

// swSyncInc(timelineFd, count) -> 0 | -errno
Napi::Value Inc(const Napi::CallbackInfo& info) {
  uint32_t count = U32Arg(info, 1);
  return Result(info.Env(), Ioctl(FdArg(info, 0), kSwSyncIocInc, &count));
}

}  // namespace

void InitSwSync(Napi::Env env, Napi::Object exports) {
  exports.Set("swSyncCreateFence", Napi::Function::New(env, CreateFence));
  exports.Set("swSyncInc", Napi::Function::New(env, Inc));
}

}  // namespace dmabuf
