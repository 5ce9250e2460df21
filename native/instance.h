// SPDX-License-Identifier: MIT
// State that belongs to one Node.js environment (the main thread or a
// worker), never to the process: the addon must work in worker_threads.
#pragma once

#include <napi.h>

#include <cstddef>
#include <unordered_map>
#include <unordered_set>

namespace dmabuf {

struct InstanceData;

// One live mmap handed to JavaScript as an external ArrayBuffer.
struct MappingState {
  void* address;
  size_t length;
  bool unmapped;
  InstanceData* owner;  // cleared when the environment goes away first
};

struct InstanceData {
  Napi::FunctionReference poller_constructor;
  // libuv aborts if two uv_poll handles watch one fd, so refuse that instead.
  std::unordered_set<int> polled_fds;
  std::unordered_map<void*, MappingState*> mappings;

  ~InstanceData() {
    for (auto& entry : mappings) entry.second->owner = nullptr;
  }
};

inline InstanceData* Instance(Napi::Env env) { return env.GetInstanceData<InstanceData>(); }

// Tags let a method refuse an object of another kind instead of
// reinterpreting its memory (napi_type_tag_object).
inline constexpr napi_type_tag kPollerTag = {0x6a1c0e3d5f2b4a11ULL, 0x9d83b7c2e4f60a55ULL};

}  // namespace dmabuf
