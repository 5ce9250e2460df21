// SPDX-License-Identifier: MIT
// The last-resort syncobj wait for kernels without SYNCOBJ_EVENTFD, when the
// point has no fence yet to export as a sync_file: a blocking
// SYNCOBJ_TIMELINE_WAIT on a thread of its own. Never on the libuv pool,
// whose four threads the rest of Node needs. The thread waits in 50 ms
// slices so cancel() (abort, timeout, close) ends it promptly.
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <thread>

#include "ioctl.h"
#include "napi_util.h"
#include "uapi/syncobj.h"

namespace dmabuf {
namespace {

using namespace uapi;

constexpr int64_t kSliceNs = 50'000'000;
constexpr uint32_t kWaitForSubmit = 2;

struct ThreadWait {
  int fd;  // a dup of the device fd: the device may be closed meanwhile
  uint32_t handle;
  uint64_t point;
  uint32_t flags;
  int result = -ECANCELED;
  std::atomic<bool> cancelled{false};
  Napi::ThreadSafeFunction done;
};

int64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void Run(ThreadWait* wait) {
  int rc = -ECANCELED;
  while (!wait->cancelled.load()) {
    DrmSyncobjTimelineWait arg{};
    uint32_t handle = wait->handle;
    uint64_t point = wait->point;
    arg.handles = reinterpret_cast<uintptr_t>(&handle);
    arg.points = reinterpret_cast<uintptr_t>(&point);
    arg.count_handles = 1;
    arg.flags = wait->flags | kWaitForSubmit;
    arg.timeout_nsec = MonotonicNs() + kSliceNs;
    rc = Ioctl(wait->fd, kDrmIoctlSyncobjTimelineWait, &arg);
    if (rc != -ETIME) break;
    rc = -ECANCELED;
  }
  close(wait->fd);
  wait->result = rc;
  Napi::ThreadSafeFunction done = wait->done;
  // Freed on the JS thread, after the callback: cancel() also runs there, so
  // it can never reach a freed ThreadWait (the JS side stops calling it once
  // onDone has run).
  done.BlockingCall(wait, [](Napi::Env env, Napi::Function callback, ThreadWait* w) {
    int result = w->result;
    delete w;
    callback.Call({Napi::Number::New(env, result)});
  });
  done.Release();
}

// syncobjWaitThread(fd, handle, point: bigint, flags, onDone(rc)) -> cancel() | -errno
Napi::Value Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = dup(FdArg(info, 0));
  if (fd < 0) return Result(env, -errno);
  auto* wait = new ThreadWait();
  wait->fd = fd;
  wait->handle = U32Arg(info, 1);
  wait->point = BigU64Arg(info, 2);
  wait->flags = U32Arg(info, 3);
  wait->done = Napi::ThreadSafeFunction::New(env, info[4].As<Napi::Function>(), "dmabuf syncobj wait", 0, 1);
  std::atomic<bool>* cancelled = &wait->cancelled;
  // cancel() only flips the flag; `wait` lives until onDone has been called.
  std::thread(Run, wait).detach();
  return Napi::Function::New(env, [cancelled](const Napi::CallbackInfo&) { cancelled->store(true); });
}

}  // namespace

void InitSyncobjThreadWait(Napi::Env env, Napi::Object exports) {
  exports.Set("syncobjWaitThread", Napi::Function::New(env, Start));
}

}  // namespace dmabuf
