// SPDX-License-Identifier: MIT
// eventfd(2): a 64-bit counter behind an fd, the wake-up channel that DRM
// syncobj and VFIO interrupts signal through.
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "napi_util.h"

namespace dmabuf {
namespace {

// eventfdCreate(initval, flags) -> fd | -errno
Napi::Value Create(const Napi::CallbackInfo& info) {
  int fd = eventfd(U32Arg(info, 0), static_cast<int>(U32Arg(info, 1)));
  return Result(info.Env(), fd < 0 ? -errno : fd);
}

// eventfdRead(fd) -> value (bigint) | -errno (number; -EAGAIN when zero and non-blocking)
Napi::Value Read(const Napi::CallbackInfo& info) {
  uint64_t value = 0;
  ssize_t n;
  do {
    n = read(FdArg(info, 0), &value, sizeof(value));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Result(info.Env(), -errno);
  if (n != sizeof(value)) return Result(info.Env(), -EIO);
  return BigU64(info.Env(), value);
}

// eventfdWrite(fd, value: bigint) -> 0 | -errno
Napi::Value Write(const Napi::CallbackInfo& info) {
  uint64_t value = BigU64Arg(info, 1);
  ssize_t n;
  do {
    n = write(FdArg(info, 0), &value, sizeof(value));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Result(info.Env(), -errno);
  return Result(info.Env(), n == sizeof(value) ? 0 : -EIO);
}

}  // namespace

void InitEventFd(Napi::Env env, Napi::Object exports) {
  exports.Set("eventfdCreate", Napi::Function::New(env, Create));
  exports.Set("eventfdRead", Napi::Function::New(env, Read));
  exports.Set("eventfdWrite", Napi::Function::New(env, Write));
}

}  // namespace dmabuf
