// SPDX-License-Identifier: MIT
// sync_file ioctls (include/uapi/linux/sync_file.h).
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "ioctl.h"
#include "napi_util.h"
#include "uapi/sync_file.h"

namespace dmabuf {
namespace {

using namespace uapi;

// syncFileMerge(name, fd1, fd2) -> mergedFd | -errno
Napi::Value Merge(const Napi::CallbackInfo& info) {
  SyncMergeData arg{};
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::strncpy(arg.name, name.c_str(), sizeof(arg.name) - 1);
  arg.fd2 = FdArg(info, 2);
  arg.fence = -1;
  int rc = Ioctl(FdArg(info, 1), kSyncIocMerge, &arg);
  return Result(info.Env(), rc < 0 ? rc : arg.fence);
}

Napi::Object FenceInfo(Napi::Env env, const SyncFenceInfo& fence) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("timeline", FixedString(env, fence.obj_name));
  out.Set("driver", FixedString(env, fence.driver_name));
  out.Set("status", Napi::Number::New(env, fence.status));
  out.Set("flags", Napi::Number::New(env, fence.flags));
  out.Set("timestampNs", BigU64(env, fence.timestamp_ns));
  return out;
}

// syncFileStatus(fd) -> {status, fences} | -errno
// One SYNC_IOC_FILE_INFO with num_fences = 0: the kernel then reports the
// file's own fence (dma_fence_get_status), which for a merged file stays 0
// until every member has signalled. The status is wrapped in an object
// because a failed fence's status is itself a negative errno, which the
// bare-number convention would confuse with a failed ioctl. `fences` is the
// member count the same call reports.
Napi::Value Status(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SyncFileInfo head{};
  int rc = Ioctl(FdArg(info, 0), kSyncIocFileInfo, &head);
  if (rc < 0) return Result(env, rc);
  Napi::Object out = Napi::Object::New(env);
  out.Set("status", Napi::Number::New(env, head.status));
  out.Set("fences", Napi::Number::New(env, head.num_fences));
  return out;
}

// syncFileInfo(fd) -> {name, status, flags, fences[]} | -errno
// `status` is the file's own status, from the num_fences = 0 call. The call
// that fills the array overwrites it with "the first non-positive member
// status", which says "error" while other members are still pending; that
// aggregate is not kept, the members' own statuses are in `fences`.
Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  // A sync_file's fences are fixed at creation, so the count learnt by the
  // first call cannot change before the second.
  SyncFileInfo head{};
  int rc = Ioctl(fd, kSyncIocFileInfo, &head);
  if (rc < 0) return Result(env, rc);
  std::vector<SyncFenceInfo> fences(head.num_fences);
  if (!fences.empty()) {
    SyncFileInfo full{};
    full.num_fences = head.num_fences;
    full.sync_fence_info = reinterpret_cast<uintptr_t>(fences.data());
    rc = Ioctl(fd, kSyncIocFileInfo, &full);
    if (rc < 0) return Result(env, rc);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("name", FixedString(env, head.name));
  out.Set("status", Napi::Number::New(env, head.status));
  out.Set("flags", Napi::Number::New(env, head.flags));
  Napi::Array list = Napi::Array::New(env, fences.size());
  for (size_t i = 0; i < fences.size(); ++i) list.Set(i, FenceInfo(env, fences[i]));
  out.Set("fences", list);
  return out;
}

// syncFileSetDeadline(fd, deadlineNs: bigint) -> 0 | -errno
Napi::Value SetDeadline(const Napi::CallbackInfo& info) {
  SyncSetDeadline arg{};
  arg.deadline_ns = BigU64Arg(info, 1);
  return Result(info.Env(), Ioctl(FdArg(info, 0), kSyncIocSetDeadline, &arg));
}

}  // namespace

void InitSyncFile(Napi::Env env, Napi::Object exports) {
  exports.Set("syncFileMerge", Napi::Function::New(env, Merge));
  exports.Set("syncFileStatus", Napi::Function::New(env, Status));
  exports.Set("syncFileInfo", Napi::Function::New(env, Info));
  exports.Set("syncFileSetDeadline", Napi::Function::New(env, SetDeadline));
}

}  // namespace dmabuf
