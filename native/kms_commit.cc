// SPDX-License-Identifier: MIT
// KMS state changes: framebuffers, property blobs, atomic commits, and the
// events and vblank sequences that report them (include/uapi/drm/drm_mode.h).
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "ioctl.h"
#include "napi_util.h"
#include "plain_call.h"
#include "uapi/drm_mode.h"

namespace dmabuf {
namespace {

using namespace uapi;

// kmsAddFb2(fd, width, height, format, flags, handles[4], pitches[4], offsets[4], modifiers[4]) -> fbId | -errno
Napi::Value AddFb2(const Napi::CallbackInfo& info) {
  DrmModeFbCmd2 arg{};
  arg.width = U32Arg(info, 1);
  arg.height = U32Arg(info, 2);
  arg.pixel_format = U32Arg(info, 3);
  arg.flags = U32Arg(info, 4);
  auto handles = info[5].As<Napi::Uint32Array>();
  auto pitches = info[6].As<Napi::Uint32Array>();
  auto offsets = info[7].As<Napi::Uint32Array>();
  auto modifiers = info[8].As<Napi::BigUint64Array>();
  for (size_t i = 0; i < 4; ++i) {
    arg.handles[i] = handles[i];
    arg.pitches[i] = pitches[i];
    arg.offsets[i] = offsets[i];
    arg.modifier[i] = modifiers[i];
  }
  int rc = Ioctl(FdArg(info, 0), kDrmIoctlModeAddFb2, &arg);
  return Result(info.Env(), rc < 0 ? rc : static_cast<int64_t>(arg.fb_id));
}

// kmsRmFb(fd, fbId) -> 0 | -errno
Napi::Value RmFb(const Napi::CallbackInfo& info) {
  uint32_t id = U32Arg(info, 1);
  return Result(info.Env(), Ioctl(FdArg(info, 0), kDrmIoctlModeRmFb, &id));
}

// kmsCloseFb(fd, fbId) -> 0 | -errno (ENOTTY/EINVAL before Linux 6.8)
Napi::Value CloseFb(const Napi::CallbackInfo& info) {
  DrmModeCloseFb arg{};
  arg.fb_id = U32Arg(info, 1);
  return Result(info.Env(), Ioctl(FdArg(info, 0), kDrmIoctlModeCloseFb, &arg));
}

// kmsCreatePropBlob(fd, bytes: Uint8Array) -> blobId | -errno
Napi::Value CreatePropBlob(const Napi::CallbackInfo& info) {
  auto bytes = info[1].As<Napi::Uint8Array>();
  DrmModeCreateBlob arg{};
  arg.data = reinterpret_cast<uintptr_t>(bytes.Data());
  arg.length = bytes.ByteLength();
  int rc = Ioctl(FdArg(info, 0), kDrmIoctlModeCreatePropBlob, &arg);
  return Result(info.Env(), rc < 0 ? rc : static_cast<int64_t>(arg.blob_id));
}

// kmsDestroyPropBlob(fd, blobId) -> 0 | -errno
Napi::Value DestroyPropBlob(const Napi::CallbackInfo& info) {
  DrmModeDestroyBlob arg{};
  arg.blob_id = U32Arg(info, 1);
  return Result(info.Env(), Ioctl(FdArg(info, 0), kDrmIoctlModeDestroyPropBlob, &arg));
}

// kmsAtomic(fd, words: Uint32Array) -> 0 | -errno
// A plain Node-API callback (plain_call.h): a compositor commits per frame.
// `words` holds the whole request, laid out as lib/kms/atomic-wire.ts says
// (one array, so one Node-API call reads it); the kernel reads its regions
// in place. OUT_FENCE_PTR and WRITEBACK_OUT_FENCE_PTR take a user pointer to
// an s32 the kernel fills with a new sync_file fd: each slot's value becomes
// the address of its fds word here, so JavaScript never handles an address;
// a slot's fd reads -1 where the kernel made no fence.
napi_value Atomic(napi_env env, napi_callback_info info) {
  constexpr size_t kHeader = 8, kRegions = 7;
  plain::Args<2> args(env, info);
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, args.argv[1], &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_uint32_array || length < kHeader) {
    return plain::Int(env, -EINVAL);
  }
  auto* words = static_cast<uint32_t*>(data);
  const uint64_t cap = words[3], nObjs = words[1], nSlots = words[2];
  // Bounds, so a caller's mistake is EINVAL rather than the kernel reading past the array.
  if (reinterpret_cast<uintptr_t>(data) % alignof(uint64_t) != 0) return plain::Int(env, -EINVAL);
  if (kHeader + kRegions * cap > length || nObjs > cap || nSlots > cap) return plain::Int(env, -EINVAL);
  auto* values = reinterpret_cast<uint64_t*>(words + kHeader);  // 8-byte aligned: ArrayBuffers are
  uint32_t* objs = words + kHeader + 2 * cap;
  uint32_t* counts = objs + cap;
  uint32_t* props = counts + cap;
  uint32_t* slots = props + cap;
  auto* fds = reinterpret_cast<int32_t*>(slots + cap);
  uint64_t nProps = 0;
  for (uint64_t i = 0; i < nObjs; ++i) nProps += counts[i];
  if (nProps > cap) return plain::Int(env, -EINVAL);
  for (uint64_t i = 0; i < nSlots; ++i) {
    if (slots[i] >= nProps) return plain::Int(env, -EINVAL);
    fds[i] = -1;
    values[slots[i]] = reinterpret_cast<uintptr_t>(&fds[i]);
  }
  DrmModeAtomic arg{};
  arg.flags = words[0];
  arg.count_objs = static_cast<uint32_t>(nObjs);
  arg.objs_ptr = reinterpret_cast<uintptr_t>(objs);
  arg.count_props_ptr = reinterpret_cast<uintptr_t>(counts);
  arg.props_ptr = reinterpret_cast<uintptr_t>(props);
  arg.prop_values_ptr = reinterpret_cast<uintptr_t>(values);
  std::memcpy(&arg.user_data, words + 4, sizeof(arg.user_data));
  return plain::Int(env, Ioctl(plain::Int32(env, args.argv[0]), kDrmIoctlModeAtomic, &arg));
}

Napi::Object DecodeEvent(Napi::Env env, const uint8_t* p, uint32_t type, uint32_t length) {
  Napi::Object e = Napi::Object::New(env);
  e.Set("type", Napi::Number::New(env, type));
  if ((type == kDrmEventVblank || type == kDrmEventFlipComplete) && length >= sizeof(DrmEventVblank)) {
    DrmEventVblank v;
    std::memcpy(&v, p, sizeof(v));
    e.Set("userData", BigU64(env, v.user_data));
    e.Set("sec", Napi::Number::New(env, v.tv_sec));
    e.Set("usec", Napi::Number::New(env, v.tv_usec));
    e.Set("sequence", Napi::Number::New(env, v.sequence));
    e.Set("crtcId", Napi::Number::New(env, v.crtc_id));
  } else if (type == kDrmEventCrtcSequence && length >= sizeof(DrmEventCrtcSequence)) {
    DrmEventCrtcSequence s;
    std::memcpy(&s, p, sizeof(s));
    e.Set("userData", BigU64(env, s.user_data));
    e.Set("timeNs", Napi::BigInt::New(env, s.time_ns));
    e.Set("sequenceBig", BigU64(env, s.sequence));
  }
  return e;
}

// kmsReadEvents(fd) -> events[] (empty when none is queued) | -errno
// Polls first, so a blocking card fd never blocks the loop.
Napi::Value ReadEvents(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  // Bounded: a producer faster than this reader must not starve the loop.
  for (int round = 0; round < 64; ++round) {
    struct pollfd pfd = {fd, POLLIN, 0};
    int ready;
    do ready = ::poll(&pfd, 1, 0);
    while (ready < 0 && errno == EINTR);
    if (ready < 0) return Result(env, -errno);
    if (ready == 0 || !(pfd.revents & POLLIN)) break;
    alignas(8) uint8_t buf[4096];
    ssize_t got;
    do got = ::read(fd, buf, sizeof(buf));
    while (got < 0 && errno == EINTR);
    if (got < 0) return errno == EAGAIN ? static_cast<Napi::Value>(out) : Result(env, -errno);
    if (got == 0) break;
    size_t off = 0;
    while (off + sizeof(DrmEvent) <= static_cast<size_t>(got)) {
      DrmEvent head;
      std::memcpy(&head, buf + off, sizeof(head));
      if (head.length < sizeof(DrmEvent) || off + head.length > static_cast<size_t>(got)) break;
      out.Set(n++, DecodeEvent(env, buf + off, head.type, head.length));
      off += head.length;
    }
  }
  return out;
}

// kmsCrtcGetSequence(fd, crtcId) -> {active, sequence: bigint, sequenceNs: bigint} | -errno
Napi::Value CrtcGetSequence(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DrmCrtcGetSequence arg{};
  arg.crtc_id = U32Arg(info, 1);
  int rc = Ioctl(FdArg(info, 0), kDrmIoctlCrtcGetSequence, &arg);
  if (rc < 0) return Result(env, rc);
  Napi::Object out = Napi::Object::New(env);
  out.Set("active", Napi::Boolean::New(env, arg.active != 0));
  out.Set("sequence", BigU64(env, arg.sequence));
  out.Set("sequenceNs", Napi::BigInt::New(env, arg.sequence_ns));
  return out;
}

// kmsCrtcQueueSequence(fd, crtcId, flags, sequence: bigint, userData: bigint) -> sequence (bigint) | -errno
Napi::Value CrtcQueueSequence(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DrmCrtcQueueSequence arg{};
  arg.crtc_id = U32Arg(info, 1);
  arg.flags = U32Arg(info, 2);
  arg.sequence = BigU64Arg(info, 3);
  arg.user_data = BigU64Arg(info, 4);
  int rc = Ioctl(FdArg(info, 0), kDrmIoctlCrtcQueueSequence, &arg);
  if (rc < 0) return Result(env, rc);
  return BigU64(env, arg.sequence);
}

}  // namespace

void InitKmsCommit(Napi::Env env, Napi::Object exports) {
  exports.Set("kmsAddFb2", Napi::Function::New(env, AddFb2));
  exports.Set("kmsRmFb", Napi::Function::New(env, RmFb));
  exports.Set("kmsCloseFb", Napi::Function::New(env, CloseFb));
  exports.Set("kmsCreatePropBlob", Napi::Function::New(env, CreatePropBlob));
  exports.Set("kmsDestroyPropBlob", Napi::Function::New(env, DestroyPropBlob));
  plain::Export(env, exports, "kmsAtomic", Atomic);
  exports.Set("kmsReadEvents", Napi::Function::New(env, ReadEvents));
  exports.Set("kmsCrtcGetSequence", Napi::Function::New(env, CrtcGetSequence));
  exports.Set("kmsCrtcQueueSequence", Napi::Function::New(env, CrtcQueueSequence));
}

}  // namespace dmabuf
