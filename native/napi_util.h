// SPDX-License-Identifier: MIT
// Small helpers shared by the per-concept files. The TypeScript layer checks
// every argument before calling in (see lib/native.ts), so these only convert.
#pragma once

#include <napi.h>

#include <cerrno>
#include <cstdint>

namespace dmabuf {

// The raw surface's one return convention: a non-negative result, or -errno.
inline Napi::Value Result(Napi::Env env, int64_t value) {
  return Napi::Number::New(env, static_cast<double>(value));
}

inline int FdArg(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Number>().Int32Value();
}

inline uint32_t U32Arg(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Number>().Uint32Value();
}

// Sizes and offsets arrive as Numbers already checked to be safe integers.
inline uint64_t U64Arg(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<uint64_t>(info[i].As<Napi::Number>().Int64Value());
}

// 64-bit kernel values that can exceed 2^53 (timeline points, timestamps).
inline uint64_t BigU64Arg(const Napi::CallbackInfo& info, size_t i) {
  bool lossless = true;
  return info[i].As<Napi::BigInt>().Uint64Value(&lossless);
}

inline Napi::Value BigU64(Napi::Env env, uint64_t value) {
  return Napi::BigInt::New(env, value);
}

// Copies a fixed-size, possibly unterminated kernel string.
template <size_t N>
inline Napi::String FixedString(Napi::Env env, const char (&chars)[N]) {
  size_t len = 0;
  while (len < N && chars[len] != '\0') ++len;
  return Napi::String::New(env, chars, len);
}

}  // namespace dmabuf
