// SPDX-License-Identifier: MIT
// The last-resort syncobj wait for kernels without SYNCOBJ_EVENTFD, when the
// point has no fence yet to export as a sync_file: a blocking
// SYNCOBJ_TIMELINE_WAIT on a thread of its own. Never on the libuv pool,
// whose four threads the rest of Node needs. The thread waits in 50 ms
// slices so cancel() (abort, timeout, close) ends it promptly.
//
// The threads belong to their environment (InstanceData::thread_waits):
// its cleanup hook cancels and joins them, so a terminated Worker leaves no
// thread issuing ioctls. Completions travel back over one uv_async handle
// per environment, owned here, rather than a ThreadSafeFunction per wait:
// nothing can fail between the thread's end and the JS callback, and the
// handle's lifetime is ours to end after the last thread is joined.
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include <atomic>
#include <cerrno>
#include <memory>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

#include "instance.h"
#include "ioctl.h"
#include "napi_util.h"
#include "uapi/syncobj.h"

namespace dmabuf {

using namespace uapi;

struct ThreadWait {
  int fd;  // a dup of the device fd: the device may be closed meanwhile
  uint32_t handle;
  uint64_t point;
  uint32_t flags;
  std::atomic<bool> cancelled{false};
  std::atomic<bool> finished{false};
  int result = -ECANCELED;  // written by the thread before `finished`
  uv_async_t* wake;
  std::thread thread;
  Napi::FunctionReference on_done;
};

struct ThreadWaits {
  uv_async_t wake;
  Napi::Env env;
  uint64_t next_id = 1;
  std::unordered_map<uint64_t, std::unique_ptr<ThreadWait>> waits;
};

namespace {

constexpr int64_t kSliceNs = 50'000'000;
constexpr uint32_t kWaitForSubmit = 2;

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
  wait->finished.store(true);
  // The handle outlives every thread: it is closed only after all are joined.
  uv_async_send(wait->wake);
}

// On the JS thread: joins finished threads and reports each live result.
// Results of cancelled waits are dropped: whoever cancelled settled them.
void OnWake(uv_async_t* wake) {
  auto* registry = static_cast<ThreadWaits*>(wake->data);
  std::vector<std::unique_ptr<ThreadWait>> done;
  for (auto it = registry->waits.begin(); it != registry->waits.end();) {
    if (it->second->finished.load()) {
      done.push_back(std::move(it->second));
      it = registry->waits.erase(it);
    } else {
      ++it;
    }
  }
  if (registry->waits.empty()) uv_unref(reinterpret_cast<uv_handle_t*>(wake));
  Napi::Env env = registry->env;
  for (auto& wait : done) {
    wait->thread.join();  // it has stored `finished`; only its return is left
    if (wait->cancelled.load() || wait->on_done.IsEmpty()) continue;
    Napi::HandleScope scope(env);
    try {
      wait->on_done.MakeCallback(env.Global(), {Napi::Number::New(env, wait->result)});
    } catch (const Napi::Error& e) {
      napi_fatal_exception(env, e.Value());
    }
  }
}

ThreadWaits* Registry(Napi::Env env, int* error) {
  InstanceData* data = Instance(env);
  if (data->thread_waits != nullptr) return data->thread_waits;
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    *error = -EINVAL;
    return nullptr;
  }
  auto* registry = new ThreadWaits{{}, env, 1, {}};
  int rc = uv_async_init(loop, &registry->wake, OnWake);
  if (rc != 0) {
    delete registry;
    *error = rc;
    return nullptr;
  }
  registry->wake.data = registry;
  uv_unref(reinterpret_cast<uv_handle_t*>(&registry->wake));
  data->thread_waits = registry;
  return registry;
}

// syncobjWaitThread(fd, handle, point: bigint, flags, onDone(rc)) -> cancel() | -errno
Napi::Value Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int error = 0;
  ThreadWaits* registry = Registry(env, &error);
  if (registry == nullptr) return Result(env, error);
  auto wait = std::make_unique<ThreadWait>();
  wait->handle = U32Arg(info, 1);
  wait->point = BigU64Arg(info, 2);
  wait->flags = U32Arg(info, 3);
  wait->wake = &registry->wake;
  wait->on_done = Napi::Persistent(info[4].As<Napi::Function>());
  Napi::Function cancel;
  uint64_t id = registry->next_id++;
  // Made before the thread starts, so nothing can throw once it runs.
  cancel = Napi::Function::New(env, [id](const Napi::CallbackInfo& call) {
    ThreadWaits* waits = Instance(call.Env())->thread_waits;
    if (waits == nullptr) return;
    auto it = waits->waits.find(id);
    if (it != waits->waits.end()) it->second->cancelled.store(true);
  });
  wait->fd = dup(FdArg(info, 0));
  if (wait->fd < 0) return Result(env, -errno);
  ThreadWait* raw = wait.get();
  try {
    raw->thread = std::thread(Run, raw);
  } catch (const std::system_error& e) {
    close(raw->fd);
    return Result(env, e.code().value() > 0 ? -e.code().value() : -EAGAIN);
  }
  registry->waits.emplace(id, std::move(wait));
  uv_ref(reinterpret_cast<uv_handle_t*>(&registry->wake));
  return cancel;
}

}  // namespace

void StopThreadWaits(InstanceData* data) {
  ThreadWaits* registry = data->thread_waits;
  if (registry == nullptr) return;
  data->thread_waits = nullptr;
  for (auto& entry : registry->waits) entry.second->cancelled.store(true);
  // Each thread notices within one 50 ms slice, closes its fd and ends.
  for (auto& entry : registry->waits) entry.second->thread.join();
  registry->waits.clear();
  uv_close(reinterpret_cast<uv_handle_t*>(&registry->wake),
           [](uv_handle_t* handle) { delete static_cast<ThreadWaits*>(handle->data); });
}

void InitSyncobjThreadWait(Napi::Env env, Napi::Object exports) {
  exports.Set("syncobjWaitThread", Napi::Function::New(env, Start));
}

}  // namespace dmabuf
