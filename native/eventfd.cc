// SPDX-License-Identifier: MIT
// eventfd(2): a 64-bit counter behind an fd, the wake-up channel that DRM
// syncobj and VFIO interrupts signal through.
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "napi_util.h"
#include "plain_call.h"

namespace dmabuf {
namespace {

// eventfdCreate(initval, flags) -> fd | -errno
Napi::Value Create(const Napi::CallbackInfo& info) {
  int fd = eventfd(U32Arg(info, 0), static_cast<int>(U32Arg(info, 1)));
  return Result(info.Env(), fd < 0 ? -errno : fd);
}

// eventfdRead(fd) -> value (bigint) | -errno (number; -EAGAIN when zero and
// non-blocking). Plain calls, read and write (plain_call.h): per wake-up.
napi_value Read(napi_env env, napi_callback_info info) {
  plain::Args<1> args(env, info);
  int fd = plain::Int32(env, args.argv[0]);
  uint64_t value = 0;
  ssize_t n;
  do {
    n = read(fd, &value, sizeof(value));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return plain::Int(env, -errno);
  if (n != sizeof(value)) return plain::Int(env, -EIO);
  return plain::BigInt(env, value);
}

// eventfdWrite(fd, value: bigint) -> 0 | -errno
napi_value Write(napi_env env, napi_callback_info info) {
  plain::Args<2> args(env, info);
  int fd = plain::Int32(env, args.argv[0]);
  uint64_t value = plain::BigU64(env, args.argv[1]);
  ssize_t n;
  do {
    n = write(fd, &value, sizeof(value));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return plain::Int(env, -errno);
  return plain::Int(env, n == sizeof(value) ? 0 : -EIO);
}

}  // namespace

void InitEventFd(Napi::Env env, Napi::Object exports) {
  exports.Set("eventfdCreate", Napi::Function::New(env, Create));
  plain::Export(env, exports, "eventfdRead", Read);
  plain::Export(env, exports, "eventfdWrite", Write);
}

}  // namespace dmabuf
