// SPDX-License-Identifier: MIT
// mmap(2) of a buffer fd as an external ArrayBuffer.
//
// Unmapping must never free memory something can still reach: zlib, fs.write
// or crypto on the libuv pool hold a raw pointer into the memory until their
// job ends, and munmap would turn their next access into SIGSEGV (or
// EFAULT). Detaching the ArrayBuffer does not help: it cannot stop a thread
// already inside, and zlib re-checks its input's length between chunks and
// aborts the process when it finds it detached. So munmap() neither unmaps
// nor detaches: it replaces the range, atomically, with private anonymous
// pages (mmap MAP_FIXED). The buffer's pages leave this process at once, so
// its reference on the dma-buf is dropped and the exporter can free or
// revoke it; a stale view keeps its length, reads zeros, and its writes land
// in private memory nobody reads. The replacement range is released when
// the ArrayBuffer object is collected: a pool job keeps the object (or a
// view of it) reachable while it runs, so by then nothing can reach it.
// Untouched anonymous pages cost address space, not memory.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include "instance.h"
#include "napi_util.h"

namespace dmabuf {
namespace {

// Reached when the ArrayBuffer object is collected, or when its environment
// is torn down: nothing can reach the range any more, mapped or replaced.
void FinalizeMapping(napi_env env, void* data, void* /*hint*/) {
  auto* state = static_cast<MappingState*>(data);
  munmap(state->address, state->length);
  InstanceData* instance = nullptr;
  if (napi_get_instance_data(env, reinterpret_cast<void**>(&instance)) == napi_ok && instance != nullptr) {
    instance->mappings.erase(state->address);
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
  auto* state = new MappingState{address, length, false};
  Napi::ArrayBuffer buffer;
  try {
    // No backing-store finalizer: the backing store can be released while
    // a pool thread still holds a pointer taken from it; the object's
    // finalizer (below) is the one that knows nothing can reach the range.
    buffer = Napi::ArrayBuffer::New(env, address, length);
  } catch (const Napi::Error&) {
    munmap(address, length);
    delete state;
    throw;
  }
  if (napi_add_finalizer(env, buffer, state, FinalizeMapping, nullptr, nullptr) != napi_ok) {
    // Never reached in practice; the range then stays reserved (zeros)
    // rather than risk freeing memory the unreturned ArrayBuffer points at.
    mmap(address, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
    delete state;
    return Result(env, -ENOMEM);
  }
  Instance(env)->mappings[address] = state;
  return buffer;
}

// munmap(arrayBuffer) -> 0 | -errno (EINVAL: not a live mapping of ours)
Napi::Value Unmap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArrayBuffer()) return Result(env, -EINVAL);
  auto buffer = info[0].As<Napi::ArrayBuffer>();
  InstanceData* data = Instance(env);
  auto it = data->mappings.find(buffer.Data());
  if (it == data->mappings.end() || it->second->unmapped || it->second->length != buffer.ByteLength()) {
    return Result(env, -EINVAL);
  }
  MappingState* state = it->second;
  void* replaced = mmap(state->address, state->length, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
  if (replaced == MAP_FAILED) return Result(env, -errno);  // still mapped, still attached
  state->unmapped = true;
  return Result(env, 0);
}

}  // namespace

void InitMapping(Napi::Env env, Napi::Object exports) {
  exports.Set("mmap", Napi::Function::New(env, Map));
  exports.Set("munmap", Napi::Function::New(env, Unmap));
  exports.Set("pageSize", Napi::Number::New(env, static_cast<double>(sysconf(_SC_PAGESIZE))));
}

}  // namespace dmabuf
