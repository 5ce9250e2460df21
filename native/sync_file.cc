// SPDX-License-Identifier: MIT
// sync_file ioctls (include/uapi/linux/sync_file.h).
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "ioctl.h"
#include "napi_util.h"
#include "plain_call.h"
#include "uapi/sync_file.h"

namespace dmabuf {
namespace {

using namespace uapi;

// Below every fence status (the most negative is -MAX_ERRNO, -4095).
constexpr int32_t kSyncStatusIoctlError = -0x10000;

// syncFileMerge(name, fd1, fd2) -> mergedFd | -errno
Napi::Value Merge(const Napi::CallbackInfo& info) {
  SyncMergeData arg{};
  std::string name = info[0].As<Napi::String>().Utf8Value();
  // At most 31 bytes fit; a longer name is cut before the character that
  // would straddle the limit, never inside it (a UTF-8 continuation byte
  // starts with the bits 10).
  size_t length = std::min(name.size(), sizeof(arg.name) - 1);
  while (length > 0 && length < name.size() && (static_cast<unsigned char>(name[length]) & 0xC0) == 0x80) --length;
  std::memcpy(arg.name, name.data(), length);
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

// syncFileStatus(fd) -> the file's status (1 signalled, 0 active, -errno of
// a failed fence), or kSyncStatusIoctlError - errno when the ioctl fails.
// One SYNC_IOC_FILE_INFO with num_fences = 0: the kernel then reports the
// file's own fence (dma_fence_get_status), which for a merged file stays 0
// until every member has signalled. A failed fence's status is itself a
// negative errno (at most 4095), so a failed ioctl is put below all of them
// rather than returned as a bare -errno. A plain call (see plain_call.h):
// status() and every wakeup of wait() make it.
napi_value Status(napi_env env, napi_callback_info info) {
  plain::Args<1> args(env, info);
  SyncFileInfo head{};
  int rc = Ioctl(plain::Int32(env, args.argv[0]), kSyncIocFileInfo, &head);
  return plain::Int(env, rc < 0 ? kSyncStatusIoctlError + rc : head.status);
}

// syncFileFenceCount(fd) -> how many fences the file holds | -errno
napi_value FenceCount(napi_env env, napi_callback_info info) {
  plain::Args<1> args(env, info);
  SyncFileInfo head{};
  int rc = Ioctl(plain::Int32(env, args.argv[0]), kSyncIocFileInfo, &head);
  return plain::Int(env, rc < 0 ? rc : static_cast<int32_t>(head.num_fences));
}

// syncFileMemberFailed(fd) -> 1 if a member fence signalled with an error,
// 0 if none has, -errno. The check a wait makes once the file has signalled:
// the file's own status can miss a member's error (a merge records it only
// if signalling was enabled first; a dma_fence_chain from a timeline syncobj
// never carries it). One ioctl into a stack array for up to 16 members, no
// objects built; the names for an error message are read only on failure.
napi_value MemberFailed(napi_env env, napi_callback_info info) {
  plain::Args<1> args(env, info);
  int fd = plain::Int32(env, args.argv[0]);
  constexpr uint32_t kOnStack = 16;
  SyncFenceInfo on_stack[kOnStack];
  std::vector<SyncFenceInfo> on_heap;
  SyncFileInfo full{};
  full.num_fences = kOnStack;
  full.sync_fence_info = reinterpret_cast<uintptr_t>(on_stack);
  int rc = Ioctl(fd, kSyncIocFileInfo, &full);
  if (rc == -EINVAL) {  // more members than the stack array holds: ask how many
    SyncFileInfo head{};
    rc = Ioctl(fd, kSyncIocFileInfo, &head);
    if (rc < 0) return plain::Int(env, rc);
    on_heap.resize(head.num_fences);
    full = SyncFileInfo{};
    full.num_fences = head.num_fences;
    full.sync_fence_info = reinterpret_cast<uintptr_t>(on_heap.data());
    rc = Ioctl(fd, kSyncIocFileInfo, &full);
  }
  if (rc < 0) return plain::Int(env, rc);
  const SyncFenceInfo* fences = on_heap.empty() ? on_stack : on_heap.data();
  for (uint32_t i = 0; i < full.num_fences; ++i) {
    if (fences[i].status < 0) return plain::Int(env, 1);
  }
  return plain::Int(env, 0);
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
  plain::Export(env, exports, "syncFileStatus", Status);
  plain::Export(env, exports, "syncFileFenceCount", FenceCount);
  plain::Export(env, exports, "syncFileMemberFailed", MemberFailed);
  exports.Set("syncFileInfo", Napi::Function::New(env, Info));
  exports.Set("syncFileSetDeadline", Napi::Function::New(env, SetDeadline));
}

}  // namespace dmabuf
