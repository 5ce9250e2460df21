// SPDX-License-Identifier: MIT
// State that belongs to one Node.js environment (the main thread or a
// worker), never to the process: the addon must work in worker_threads.
//
// When an environment goes away (a Worker ends or is terminated) no
// JavaScript runs any more, so neither close() nor the FinalizationRegistry
// safety net can release anything. The cleanup hook (CleanupInstance, run
// by Node before it finalizes this environment's objects) does it instead,
// in an order that never leaves anything pointing at a freed resource:
// thread waits are cancelled and joined, poll handles are released, and
// only then are the fds this environment still owns closed.
#pragma once

#include <napi.h>

#include <cstddef>
#include <unordered_map>

#include "owned_fds.h"
#include "unmapped_count.h"

namespace dmabuf {

struct PollWatch;  // native/poller.cc
struct ThreadWaits;  // native/syncobj_thread_wait.cc

// One live mmap handed to JavaScript as an external ArrayBuffer.
struct MappingState {
  void* address;
  size_t length;
  bool unmapped;
  // While napi_create_external_arraybuffer runs (native/mapping.cc).
  bool creating;
  // Its length was taken off V8's external memory count at unmap (native/unmapped_count.h).
  bool uncounted;
};

struct InstanceData {
  // The watched fds (one uv_poll handle each: libuv aborts if two watch one
  // fd) and the one function their events go to.
  std::unordered_map<int, PollWatch*> polls;
  napi_ref poll_listener = nullptr;
  // Handles being closed, and the async cleanup hook that holds the
  // environment's teardown until they are (native/poller.cc).
  size_t polls_closing = 0;
  napi_async_cleanup_hook_handle polls_teardown = nullptr;
  std::unordered_map<void*, MappingState*> mappings;
  UnmappedCount unmapped_count;
  // fds owned by objects of this environment (lib/fd-resource.ts registers
  // them with fdOwn and releases them with fdClose).
  OwnedFds owned_fds;
  ThreadWaits* thread_waits = nullptr;
};

inline InstanceData* Instance(Napi::Env env) { return env.GetInstanceData<InstanceData>(); }

// The instance data of a plain call (plain::Args::data).
inline InstanceData* InstanceOf(void* data) { return static_cast<InstanceData*>(data); }

// The instance data where only a napi_env is at hand (finalizers, libuv
// callbacks); null once the environment has released it.
inline InstanceData* InstanceOf(napi_env env) {
  void* data = nullptr;
  napi_get_instance_data(env, &data);
  return static_cast<InstanceData*>(data);
}

// Registers an fd a call has just made as owned by this environment, and
// returns it (a negative errno passes through). For the calls made per frame
// (sync_file export, heap allocation): the object that wraps the fd then
// needs no fdOwn call of its own (lib/fd-resource.ts, "registered").
int OwnNewFd(InstanceData* data, int fd);

// Releases what the environment still holds; registered by Init.
void CleanupInstance(InstanceData* data);
// The parts of it that live with their concept.
void StopThreadWaits(InstanceData* data);  // native/syncobj_thread_wait.cc
void ReleasePollers(InstanceData* data);    // native/poller.cc

}  // namespace dmabuf
