// SPDX-License-Identifier: MIT
// The hot calls (made per frame or per fence: CPU-access sync, sync_file
// export and status, eventfd, heap allocation, mmap, syncobj query/signal,
// fd ownership) are plain Node-API callbacks rather than node-addon-api
// functions. node-addon-api wraps every call in a CallbackInfo object, a
// C++ try/catch and std::function dispatch; measured, that wrapper costs
// about three plain calls (24 vs 7 ns on the host, 524 vs 156 ns under QEMU
// TCG), more than the ioctl itself on a fast path (issue 14).
//
// The convention is the addon's usual one: arguments arrive already checked
// by lib/ (so these only convert), and the result is a non-negative value or
// -errno. Conversions never throw; a failed conversion reads as 0 / -1,
// which the kernel then refuses (fd -1 is EBADF).
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>

namespace dmabuf::plain {

// The call's first N arguments (missing ones read as undefined).
template <size_t N>
struct Args {
  napi_value argv[N];
  // The function's data: the environment's instance data (Export), with no
  // napi_get_instance_data call per call.
  void* data = nullptr;
  Args(napi_env env, napi_callback_info info) {
    size_t argc = N;
    // Node-API fills the slots past the arguments given with undefined itself.
    napi_get_cb_info(env, info, &argc, argv, nullptr, &data);
  }
};

inline int32_t Int32(napi_env env, napi_value value, int32_t fallback = -1) {
  int32_t out = fallback;
  if (napi_get_value_int32(env, value, &out) != napi_ok) return fallback;
  return out;
}

inline uint32_t Uint32(napi_env env, napi_value value) {
  uint32_t out = 0;
  napi_get_value_uint32(env, value, &out);
  return out;
}

// Sizes and offsets: Numbers lib/ has checked to be safe integers.
inline uint64_t Size(napi_env env, napi_value value) {
  int64_t out = 0;
  napi_get_value_int64(env, value, &out);
  return static_cast<uint64_t>(out);
}

inline uint64_t BigU64(napi_env env, napi_value value) {
  uint64_t out = 0;
  bool lossless = true;
  napi_get_value_bigint_uint64(env, value, &out, &lossless);
  return out;
}

// A result that fits an int32: an fd, 0, a status or -errno.
inline napi_value Int(napi_env env, int32_t value) {
  napi_value out;
  napi_create_int32(env, value, &out);
  return out;
}

inline napi_value Number(napi_env env, double value) {
  napi_value out;
  napi_create_double(env, value, &out);
  return out;
}

inline napi_value BigInt(napi_env env, uint64_t value) {
  napi_value out;
  napi_create_bigint_uint64(env, value, &out);
  return out;
}

// exports[name] = a plain function.
// The environment's instance data (set before any Export) rides along as
// the function's data, for Args::data.
inline void Export(napi_env env, napi_value exports, const char* name, napi_callback callback) {
  void* instance = nullptr;
  napi_get_instance_data(env, &instance);
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, callback, instance, &fn);
  napi_set_named_property(env, exports, name, fn);
}

}  // namespace dmabuf::plain
