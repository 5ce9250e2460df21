// SPDX-License-Identifier: MIT
// memfd_create(2) and file seals: anonymous memory as an fd, the backing
// store udmabuf needs. Node has no binding for either.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "napi_util.h"

namespace dmabuf {
namespace {

// memfdCreate(name, flags) -> fd | -errno   (flags: MFD_CLOEXEC=1, MFD_ALLOW_SEALING=2)
Napi::Value Create(const Napi::CallbackInfo& info) {
  std::string name = info[0].As<Napi::String>().Utf8Value();
  int fd = memfd_create(name.c_str(), U32Arg(info, 1));
  return Result(info.Env(), fd < 0 ? -errno : fd);
}

// fileAddSeals(fd, seals) -> 0 | -errno
Napi::Value AddSeals(const Napi::CallbackInfo& info) {
  int rc = fcntl(FdArg(info, 0), F_ADD_SEALS, static_cast<int>(U32Arg(info, 1)));
  return Result(info.Env(), rc < 0 ? -errno : 0);
}

// fileGetSeals(fd) -> seals | -errno
Napi::Value GetSeals(const Napi::CallbackInfo& info) {
  int rc = fcntl(FdArg(info, 0), F_GET_SEALS);
  return Result(info.Env(), rc < 0 ? -errno : rc);
}

}  // namespace

void InitMemfd(Napi::Env env, Napi::Object exports) {
  exports.Set("memfdCreate", Napi::Function::New(env, Create));
  exports.Set("fileAddSeals", Napi::Function::New(env, AddSeals));
  exports.Set("fileGetSeals", Napi::Function::New(env, GetSeals));
}

}  // namespace dmabuf
