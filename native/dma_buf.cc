// SPDX-License-Identifier: MIT
// dma-buf fd ioctls (include/uapi/linux/dma-buf.h).
#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "instance.h"
#include "ioctl.h"
#include "napi_util.h"
#include "plain_call.h"
#include "uapi/dma_buf.h"

namespace dmabuf {
namespace {

using namespace uapi;

// dmaBufSync(fd, flags) -> 0 | -errno. A plain call: twice per CPU access.
napi_value Sync(napi_env env, napi_callback_info info) {
  plain::Args<2> args(env, info);
  DmaBufSync arg{};
  arg.flags = plain::Uint32(env, args.argv[1]);
  return plain::Int(env, Ioctl(plain::Int32(env, args.argv[0]), kDmaBufIoctlSync, &arg));
}

// dmaBufSetName(fd, name) -> 0 | -errno
Napi::Value SetName(const Napi::CallbackInfo& info) {
  std::string name = info[1].As<Napi::String>().Utf8Value();
  if (name.size() >= kDmaBufNameLen || name.find('\0') != std::string::npos) return Result(info.Env(), -EINVAL);
  char buffer[kDmaBufNameLen] = {};
  std::memcpy(buffer, name.data(), name.size());
  // The argument is the string's address itself, not a pointer to a struct.
  return Result(info.Env(), Ioctl(FdArg(info, 0), kDmaBufSetName, buffer));
}

// dmaBufExportSyncFile(fd, flags) -> syncFileFd | -errno. A plain call: per frame in a producer.
// The new fd is registered as owned by this environment (OwnNewFd): release it with fdClose.
napi_value ExportSyncFile(napi_env env, napi_callback_info info) {
  plain::Args<2> args(env, info);
  DmaBufFlagsFd arg{};
  arg.flags = plain::Uint32(env, args.argv[1]);
  arg.fd = -1;
  int rc = Ioctl(plain::Int32(env, args.argv[0]), kDmaBufIoctlExportSyncFile, &arg);
  return plain::Int(env, rc < 0 ? rc : OwnNewFd(InstanceOf(args.data), arg.fd));
}

// dmaBufImportSyncFile(fd, flags, syncFileFd) -> 0 | -errno
Napi::Value ImportSyncFile(const Napi::CallbackInfo& info) {
  DmaBufFlagsFd arg{};
  arg.flags = U32Arg(info, 1);
  arg.fd = FdArg(info, 2);
  return Result(info.Env(), Ioctl(FdArg(info, 0), kDmaBufIoctlImportSyncFile, &arg));
}

// dmaBufDerive(fd, openFlags) -> aliasFd | -errno (proposed ioctl; ENOTTY without it)
Napi::Value Derive(const Napi::CallbackInfo& info) {
  DmaBufFlagsFd arg{};
  arg.flags = U32Arg(info, 1);
  arg.fd = -1;
  int rc = Ioctl(FdArg(info, 0), kDmaBufIoctlDerive, &arg);
  return Result(info.Env(), rc < 0 ? rc : arg.fd);
}

}  // namespace

void InitDmaBuf(Napi::Env env, Napi::Object exports) {
  plain::Export(env, exports, "dmaBufSync", Sync);
  exports.Set("dmaBufSetName", Napi::Function::New(env, SetName));
  plain::Export(env, exports, "dmaBufExportSyncFile", ExportSyncFile);
  exports.Set("dmaBufImportSyncFile", Napi::Function::New(env, ImportSyncFile));
  exports.Set("dmaBufDerive", Napi::Function::New(env, Derive));
}

}  // namespace dmabuf
