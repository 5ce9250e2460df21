// SPDX-License-Identifier: MIT
// mmap(2) of a buffer fd as an external ArrayBuffer. Unmapping detaches the
// ArrayBuffer first, so a stale view reads as length 0 instead of faulting.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include "instance.h"
#include "napi_util.h"

namespace dmabuf {
namespace {

void FinalizeMapping(Napi::Env /*env*/, void* /*data*/, MappingState* state) {
  // Reached when the ArrayBuffer is collected (or detached): unmap what
  // close() did not, so a forgotten mapping does not outlive its buffer.
  if (!state->unmapped) {
    munmap(state->address, state->length);
    if (state->owner != nullptr) state->owner->mappings.erase(state->address);
  }
  delete state;
}

// mmap(fd, offset, length, prot: 1=read | 2=write) -> ArrayBuffer | -errno
Napi::Value Map(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  auto offset = static_cast<off_t>(U64Arg(info, 1));
  auto length = static_cast<size_t>(U64Arg(info, 2));
  uint32_t access = U32Arg(info, 3);
  int prot = ((access & 1U) ? PROT_READ : 0) | ((access & 2U) ? PROT_WRITE : 0);
  void* address = mmap(nullptr, length, prot, MAP_SHARED, fd, offset);
  if (address == MAP_FAILED) return Result(env, -errno);
  auto* state = new MappingState{address, length, false, Instance(env)};
  state->owner->mappings[address] = state;
  return Napi::ArrayBuffer::New(env, address, length, FinalizeMapping, state);
}

// munmap(arrayBuffer) -> 0 | -errno (EINVAL: not a live mapping of ours)
Napi::Value Unmap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArrayBuffer()) return Result(env, -EINVAL);
  auto buffer = info[0].As<Napi::ArrayBuffer>();
  InstanceData* data = Instance(env);
  auto it = data->mappings.find(buffer.Data());
  if (it == data->mappings.end() || it->second->length != buffer.ByteLength()) return Result(env, -EINVAL);
  MappingState* state = it->second;
  data->mappings.erase(it);
  // Unmap before detaching: detaching may run FinalizeMapping, which frees state.
  int rc = munmap(state->address, state->length) == 0 ? 0 : -errno;
  state->unmapped = true;
  buffer.Detach();
  return Result(env, rc);
}

}  // namespace

void InitMapping(Napi::Env env, Napi::Object exports) {
  exports.Set("mmap", Napi::Function::New(env, Map));
  exports.Set("munmap", Napi::Function::New(env, Unmap));
  exports.Set("pageSize", Napi::Number::New(env, static_cast<double>(sysconf(_SC_PAGESIZE))));
}

}  // namespace dmabuf
