// SPDX-License-Identifier: MIT
// What V8 is told about the address space of unmapped mappings.
//
// V8 counts an ArrayBuffer's length as external memory from its creation
// until the object is swept, and starts a full GC each time the count has
// grown ~64 MB since the last one. An unmapped mapping's range holds zero
// pages until its ArrayBuffer is collected (native/mapping.cc): no memory,
// but address space, and commit charge where overcommit is strict. So its
// length is taken off V8's count at unmap(), up to a budget (kBudget,
// 1 GiB): a frame loop mapping and unmapping 8 MB frames then brings a full
// GC per ~1.1 GB mapped rather than per 64 MB (every ~136 frames rather
// than every 8), and the zero ranges waiting for that GC stay within the
// budget plus the 64 MB. (Without a budget the GCs stop altogether and the ranges pile up:
// seen, 39 GiB of address space in a loop of 32 MiB frames.)
//
// V8 takes the length off again when it sweeps the object, so a collected
// mapping's length is owed back. It is repaid at the next map(), everything
// owed in one call: V8 checks its limit at every increase, and one small
// repayment per collected mapping after a large sweep would find the count
// over a limit just reset below it, and start a GC per 64 MB repaid.
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>

namespace dmabuf {

class UnmappedCount {
 public:
  // Up to this many bytes of unmapped, not yet collected ranges go uncounted.
  static constexpr int64_t kBudget = int64_t{1} << 30;

  // Before a map(): hands back to V8 what collected mappings owe it.
  void Repay(napi_env env) {
    if (owed_ == 0) return;
    int64_t count;
    napi_adjust_external_memory(env, owed_, &count);
    owed_ = 0;
  }

  // At unmap() of `length` bytes: true when they were taken off V8's count.
  bool Unmapped(napi_env env, size_t length) {
    auto bytes = static_cast<int64_t>(length);
    if (uncounted_ + bytes > kBudget) return false;
    int64_t count;
    napi_adjust_external_memory(env, -bytes, &count);
    uncounted_ += bytes;
    return true;
  }

  // When an ArrayBuffer that Unmapped() took off the count is collected.
  void Collected(size_t length) {
    uncounted_ -= static_cast<int64_t>(length);
    owed_ += static_cast<int64_t>(length);
  }

 private:
  int64_t uncounted_ = 0;  // unmapped, not yet collected, taken off V8's count
  int64_t owed_ = 0;       // collected since the last Repay(): V8 took them off a second time
};

}  // namespace dmabuf
