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
#include <unordered_set>

namespace dmabuf {

class Poller;
struct ThreadWaits;  // native/syncobj_thread_wait.cc

// One live mmap handed to JavaScript as an external ArrayBuffer.
struct MappingState {
  void* address;
  size_t length;
  bool unmapped;
};

struct InstanceData {
  Napi::FunctionReference poller_constructor;
  // libuv aborts if two uv_poll handles watch one fd, so refuse that instead.
  std::unordered_set<int> polled_fds;
  std::unordered_set<Poller*> pollers;
  std::unordered_map<void*, MappingState*> mappings;
  // fds owned by objects of this environment (lib/fd-resource.ts registers
  // them with fdOwn and releases them with fdClose).
  std::unordered_set<int> owned_fds;
  ThreadWaits* thread_waits = nullptr;
};

inline InstanceData* Instance(Napi::Env env) { return env.GetInstanceData<InstanceData>(); }

// Releases what the environment still holds; registered by Init.
void CleanupInstance(InstanceData* data);
// The parts of it that live with their concept.
void StopThreadWaits(InstanceData* data);  // native/syncobj_thread_wait.cc
void ReleasePollers(InstanceData* data);    // native/poller.cc

// Tags let a method refuse an object of another kind instead of
// reinterpreting its memory (napi_type_tag_object).
inline constexpr napi_type_tag kPollerTag = {0x6a1c0e3d5f2b4a11ULL, 0x9d83b7c2e4f60a55ULL};

}  // namespace dmabuf
