// SPDX-License-Identifier: MIT
// DRM syncobj ioctls: binary and timeline fences owned by a DRM file.
// Handles arrive as Uint32Array and points as BigUint64Array, which are
// exactly the arrays the kernel reads, so they are passed by address.
#include <cerrno>

#include "ioctl.h"
#include "napi_util.h"
#include "plain_call.h"
#include "uapi/syncobj.h"

namespace dmabuf {
namespace {

using namespace uapi;

uint64_t Address(const Napi::TypedArray& array) {
  return reinterpret_cast<uintptr_t>(static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset());
}

int64_t BigI64Arg(const Napi::CallbackInfo& info, size_t i) {
  bool lossless = true;
  return info[i].As<Napi::BigInt>().Int64Value(&lossless);
}

// syncobjCreate(fd, flags) -> handle | -errno
Napi::Value Create(const Napi::CallbackInfo& info) {
  DrmSyncobjCreate arg{};
  arg.flags = U32Arg(info, 1);
  int rc = Ioctl(FdArg(info, 0), kDrmIoctlSyncobjCreate, &arg);
  return Result(info.Env(), rc < 0 ? rc : static_cast<int64_t>(arg.handle));
}

// syncobjDestroy(fd, handle) -> 0 | -errno
Napi::Value Destroy(const Napi::CallbackInfo& info) {
  DrmSyncobjDestroy arg{};
  arg.handle = U32Arg(info, 1);
  return Result(info.Env(), Ioctl(FdArg(info, 0), kDrmIoctlSyncobjDestroy, &arg));
}

// syncobjHandleToFd(fd, handle, flags, point: bigint) -> fd | -errno
Napi::Value HandleToFd(const Napi::CallbackInfo& info) {
  DrmSyncobjHandle arg{};
  arg.handle = U32Arg(info, 1);
  arg.flags = U32Arg(info, 2);
  arg.point = BigU64Arg(info, 3);
  arg.fd = -1;
  int rc = Ioctl(FdArg(info, 0), kDrmIoctlSyncobjHandleToFd, &arg);
  return Result(info.Env(), rc < 0 ? rc : arg.fd);
}

// syncobjFdToHandle(fd, objectFd, flags, handle, point: bigint) -> handle | -errno
Napi::Value FdToHandle(const Napi::CallbackInfo& info) {
  DrmSyncobjHandle arg{};
  arg.fd = FdArg(info, 1);
  arg.flags = U32Arg(info, 2);
  arg.handle = U32Arg(info, 3);
  arg.point = BigU64Arg(info, 4);
  int rc = Ioctl(FdArg(info, 0), kDrmIoctlSyncobjFdToHandle, &arg);
  return Result(info.Env(), rc < 0 ? rc : static_cast<int64_t>(arg.handle));
}

// syncobjWait(fd, handles, timeoutNs: bigint, flags, deadlineNs: bigint) -> firstSignaled | -errno
Napi::Value Wait(const Napi::CallbackInfo& info) {
  auto handles = info[1].As<Napi::Uint32Array>();
  DrmSyncobjWait arg{};
  arg.handles = Address(handles);
  arg.count_handles = static_cast<uint32_t>(handles.ElementLength());
  arg.timeout_nsec = BigI64Arg(info, 2);
  arg.flags = U32Arg(info, 3);
  arg.deadline_nsec = BigU64Arg(info, 4);
  int rc = Ioctl(FdArg(info, 0), kDrmIoctlSyncobjWait, &arg);
  return Result(info.Env(), rc < 0 ? rc : static_cast<int64_t>(arg.first_signaled));
}

// syncobjTimelineWait(fd, handles, points, timeoutNs, flags, deadlineNs) -> firstSignaled | -errno
Napi::Value TimelineWait(const Napi::CallbackInfo& info) {
  auto handles = info[1].As<Napi::Uint32Array>();
  auto points = info[2].As<Napi::BigUint64Array>();
  if (points.ElementLength() != handles.ElementLength()) return Result(info.Env(), -EINVAL);
  DrmSyncobjTimelineWait arg{};
  arg.handles = Address(handles);
  arg.points = Address(points);
  arg.count_handles = static_cast<uint32_t>(handles.ElementLength());
  arg.timeout_nsec = BigI64Arg(info, 3);
  arg.flags = U32Arg(info, 4);
  arg.deadline_nsec = BigU64Arg(info, 5);
  int rc = Ioctl(FdArg(info, 0), kDrmIoctlSyncobjTimelineWait, &arg);
  return Result(info.Env(), rc < 0 ? rc : static_cast<int64_t>(arg.first_signaled));
}

// One handle, by value: the binary calls and query are made per frame, and
// a one-element array built per call would cost more than the ioctl.
napi_value OneHandleOp(napi_env env, napi_callback_info info, unsigned long request) {
  plain::Args<2> args(env, info);
  uint32_t handle = plain::Uint32(env, args.argv[1]);
  DrmSyncobjArray arg{};
  arg.handles = reinterpret_cast<uintptr_t>(&handle);
  arg.count_handles = 1;
  return plain::Int(env, Ioctl(plain::Int32(env, args.argv[0]), request, &arg));
}

// syncobjReset(fd, handle) / syncobjSignal(fd, handle) -> 0 | -errno. Plain calls (plain_call.h).
napi_value Reset(napi_env env, napi_callback_info info) { return OneHandleOp(env, info, kDrmIoctlSyncobjReset); }
napi_value Signal(napi_env env, napi_callback_info info) { return OneHandleOp(env, info, kDrmIoctlSyncobjSignal); }

Napi::Value TimelineArrayOp(const Napi::CallbackInfo& info, unsigned long request) {
  auto handles = info[1].As<Napi::Uint32Array>();
  auto points = info[2].As<Napi::BigUint64Array>();
  if (points.ElementLength() != handles.ElementLength()) return Result(info.Env(), -EINVAL);
  DrmSyncobjTimelineArray arg{};
  arg.handles = Address(handles);
  arg.points = Address(points);
  arg.count_handles = static_cast<uint32_t>(handles.ElementLength());
  arg.flags = U32Arg(info, 3);
  return Result(info.Env(), Ioctl(FdArg(info, 0), request, &arg));
}

// syncobjTimelineSignal(fd, handles, points, flags) -> 0 | -errno
Napi::Value TimelineSignal(const Napi::CallbackInfo& info) {
  return TimelineArrayOp(info, kDrmIoctlSyncobjTimelineSignal);
}

// syncobjQuery(fd, handle, flags) -> point (bigint) | -errno (number). A plain call.
napi_value Query(napi_env env, napi_callback_info info) {
  plain::Args<3> args(env, info);
  uint32_t handle = plain::Uint32(env, args.argv[1]);
  uint64_t point = 0;
  DrmSyncobjTimelineArray arg{};
  arg.handles = reinterpret_cast<uintptr_t>(&handle);
  arg.points = reinterpret_cast<uintptr_t>(&point);
  arg.count_handles = 1;
  arg.flags = plain::Uint32(env, args.argv[2]);
  int rc = Ioctl(plain::Int32(env, args.argv[0]), kDrmIoctlSyncobjQuery, &arg);
  return rc < 0 ? plain::Int(env, rc) : plain::BigInt(env, point);
}

// syncobjTransfer(fd, src, srcPoint, dst, dstPoint, flags) -> 0 | -errno
Napi::Value Transfer(const Napi::CallbackInfo& info) {
  DrmSyncobjTransfer arg{};
  arg.src_handle = U32Arg(info, 1);
  arg.src_point = BigU64Arg(info, 2);
  arg.dst_handle = U32Arg(info, 3);
  arg.dst_point = BigU64Arg(info, 4);
  arg.flags = U32Arg(info, 5);
  return Result(info.Env(), Ioctl(FdArg(info, 0), kDrmIoctlSyncobjTransfer, &arg));
}

// syncobjEventfd(fd, handle, point, eventfd, flags) -> 0 | -errno
Napi::Value Eventfd(const Napi::CallbackInfo& info) {
  DrmSyncobjEventfd arg{};
  arg.handle = U32Arg(info, 1);
  arg.point = BigU64Arg(info, 2);
  arg.fd = FdArg(info, 3);
  arg.flags = U32Arg(info, 4);
  return Result(info.Env(), Ioctl(FdArg(info, 0), kDrmIoctlSyncobjEventfd, &arg));
}

}  // namespace

void InitSyncobj(Napi::Env env, Napi::Object exports) {
  exports.Set("syncobjCreate", Napi::Function::New(env, Create));
  exports.Set("syncobjDestroy", Napi::Function::New(env, Destroy));
  exports.Set("syncobjHandleToFd", Napi::Function::New(env, HandleToFd));
  exports.Set("syncobjFdToHandle", Napi::Function::New(env, FdToHandle));
  exports.Set("syncobjWait", Napi::Function::New(env, Wait));
  exports.Set("syncobjTimelineWait", Napi::Function::New(env, TimelineWait));
  plain::Export(env, exports, "syncobjReset", Reset);
  plain::Export(env, exports, "syncobjSignal", Signal);
  exports.Set("syncobjTimelineSignal", Napi::Function::New(env, TimelineSignal));
  plain::Export(env, exports, "syncobjQuery", Query);
  exports.Set("syncobjTransfer", Napi::Function::New(env, Transfer));
  exports.Set("syncobjEventfd", Napi::Function::New(env, Eventfd));
}

}  // namespace dmabuf
