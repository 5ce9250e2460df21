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
// V8 counts an ArrayBuffer's length as external memory from its creation
// until the object is swept, and starts a full GC each time the count has
// grown ~64 MB since the last one. An unmapped range holds no memory, so
// unmap() takes its length off the count: a loop that maps and unmaps a
// frame no longer forces a full GC every 64 MB it maps (every 8 frames of
// 8 MB, before). V8 takes the length off again when it sweeps the object,
// so the finalizer owes it back. It is repaid at the next map(), all owed
// lengths in one call: V8 checks its limit on every increase, and a
// thousand small repayments after one large sweep would each find the
// count over a limit just reset below it, one full GC per 64 MB. A mapping
// dropped without unmap() keeps the buffer's pages in the process, and
// stays counted.
// map/unmap can be per frame: both are plain Node-API calls
// (native/plain_call.h).
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

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
    if (state->unmapped) instance->external_owed += static_cast<int64_t>(state->length);
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
  if (instance->external_owed != 0) {
    int64_t ignored;
    napi_adjust_external_memory(env, instance->external_owed, &ignored);
    instance->external_owed = 0;
  }
  void* address = mmap(nullptr, length, prot, MAP_SHARED, fd, offset);
  if (address == MAP_FAILED) return plain::Int(env, -errno);
  // The buffer's own finalizer: Node runs it on this thread once the
  // backing store is freed, which is after the object is collected (the
  // object holds the store; Node refuses to transfer an external buffer, so
  // no other object can), or when the environment is torn down. Either way
  // nothing can reach the range then. (One weak reference per mapping: a
  // napi_add_finalizer would add a second, and its bookkeeping, per map.)
  auto* state = new MappingState{address, length, false, true};
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
  auto& mappings = InstanceOf(args.data)->mappings;
  auto it = mappings.find(data);
  if (it == mappings.end() || it->second->unmapped || it->second->length != length) return plain::Int(env, -EINVAL);
  MappingState* state = it->second;
  if (Reserve(state->address, state->length) == MAP_FAILED) return plain::Int(env, -errno);  // still mapped, still attached
  state->unmapped = true;
  int64_t ignored;  // the count after; nothing to do with it
  napi_adjust_external_memory(env, -static_cast<int64_t>(state->length), &ignored);
  return plain::Int(env, 0);
}

}  // namespace

void InitMapping(Napi::Env env, Napi::Object exports) {
  plain::Export(env, exports, "mmap", Map);
  plain::Export(env, exports, "munmap", Unmap);
  exports.Set("pageSize", Napi::Number::New(env, static_cast<double>(sysconf(_SC_PAGESIZE))));
}

}  // namespace dmabuf
