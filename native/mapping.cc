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
//
// What V8 is told about an unmapped range's length: native/unmapped_count.h.
// map/unmap can be per frame: both are plain Node-API calls
// (native/plain_call.h).
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include "instance.h"
#include "napi_util.h"
#include "plain_call.h"

namespace dmabuf {
namespace {

// Private anonymous pages over [address, address + length), atomically
// replacing whatever is mapped there.
void* Reserve(void* address, size_t length) {
  return mmap(address, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
}

// Reached when the ArrayBuffer object is collected, or when its environment
// is torn down: nothing can reach the range any more, mapped or replaced.
// (An external buffer's finalizer gets the memory's address, then its hint.)
void FinalizeMapping(napi_env env, void* /*address*/, void* hint) {
  auto* state = static_cast<MappingState*>(hint);
  // Called from inside a failing napi_create_external_arraybuffer (Node does,
  // for a length over buffer.constants.MAX_LENGTH): Map() cleans up then.
  if (state->creating) {
    state->creating = false;
    return;
  }
  munmap(state->address, state->length);
  // The environment may have released its instance data already (teardown).
  if (InstanceData* instance = InstanceOf(env)) {
    instance->mappings.erase(state->address);
    if (state->uncounted) instance->unmapped_count.Collected(state->length);
  }
  delete state;
}

// mmap(fd, offset, length, prot: 1=read | 2=write) -> ArrayBuffer | -errno
napi_value Map(napi_env env, napi_callback_info info) {
  plain::Args<4> args(env, info);
  int fd = plain::Int32(env, args.argv[0]);
  auto offset = static_cast<off_t>(plain::Size(env, args.argv[1]));
  auto length = static_cast<size_t>(plain::Size(env, args.argv[2]));
  uint32_t access = plain::Uint32(env, args.argv[3]);
  int prot = ((access & 1U) ? PROT_READ : 0) | ((access & 2U) ? PROT_WRITE : 0);
  InstanceData* instance = InstanceOf(args.data);
  instance->unmapped_count.Repay(env);
  void* address = mmap(nullptr, length, prot, MAP_SHARED, fd, offset);
  if (address == MAP_FAILED) return plain::Int(env, -errno);
  // The buffer's own finalizer: Node runs it on this thread once the
  // backing store is freed, which is after the object is collected (the
  // object holds the store; Node refuses to transfer an external buffer, so
  // no other object can), or when the environment is torn down. Either way
  // nothing can reach the range then. (One weak reference per mapping: a
  // napi_add_finalizer would add a second, and its bookkeeping, per map.)
  auto* state = new MappingState{address, length, false, true, false};
  napi_value buffer;
  napi_status status = napi_create_external_arraybuffer(env, address, length, FinalizeMapping, /*hint=*/state, &buffer);
  state->creating = false;
  if (status != napi_ok) {
    munmap(address, length);  // nothing was handed out
    delete state;
    return plain::Int(env, -ENOMEM);  // (Node's own exception, if it set one, is what JavaScript sees)
  }
  instance->mappings[address] = state;
  return buffer;
}

// munmap(arrayBuffer) -> 0 | -errno (EINVAL: not a live mapping of ours)
napi_value Unmap(napi_env env, napi_callback_info info) {
  plain::Args<1> args(env, info);
  void* data = nullptr;
  size_t length = 0;
  if (napi_get_arraybuffer_info(env, args.argv[0], &data, &length) != napi_ok) return plain::Int(env, -EINVAL);
  InstanceData* instance = InstanceOf(args.data);
  auto& mappings = instance->mappings;
  auto it = mappings.find(data);
  if (it == mappings.end() || it->second->unmapped || it->second->length != length) return plain::Int(env, -EINVAL);
  MappingState* state = it->second;
  if (Reserve(state->address, state->length) == MAP_FAILED) return plain::Int(env, -errno);  // still mapped, still attached
  state->unmapped = true;
  state->uncounted = instance->unmapped_count.Unmapped(env, state->length);
  return plain::Int(env, 0);
}

}  // namespace

void InitMapping(Napi::Env env, Napi::Object exports) {
  plain::Export(env, exports, "mmap", Map);
  plain::Export(env, exports, "munmap", Unmap);
  exports.Set("pageSize", Napi::Number::New(env, static_cast<double>(sysconf(_SC_PAGESIZE))));
}

}  // namespace dmabuf
