// SPDX-License-Identifier: MIT
#include "poller.h"

#include <poll.h>
#include <uv.h>

#include <cerrno>

#include "instance.h"
#include "plain_call.h"

namespace dmabuf {

// One watched fd. The uv handle comes first so the handle pointer libuv
// passes back is the watch.
struct PollWatch {
  uv_poll_t handle;
  napi_env env;
  InstanceData* data;
  int fd;
};

namespace {

// A worker's environment may unload the addon right after its cleanup
// hooks, while libuv still has close callbacks (code in this addon) to run.
// So teardown goes through an async cleanup hook, which Node waits for:
// it is released once the last close has completed.
void FinishTeardown(InstanceData* data) {
  if (data->polls_teardown == nullptr || data->polls_closing != 0) return;
  napi_remove_async_cleanup_hook(data->polls_teardown);
  data->polls_teardown = nullptr;
}

void Free(uv_handle_t* handle) {
  auto* watch = reinterpret_cast<PollWatch*>(handle);
  InstanceData* data = watch->data;
  delete watch;
  data->polls_closing -= 1;
  FinishTeardown(data);
}

// Stops the watch and hands its memory to libuv's close callback.
void Release(PollWatch* watch) {
  watch->data->polls_closing += 1;
  uv_poll_stop(&watch->handle);
  uv_close(reinterpret_cast<uv_handle_t*>(&watch->handle), Free);
}

void Teardown(napi_async_cleanup_hook_handle handle, void* arg) {
  auto* data = static_cast<InstanceData*>(arg);
  data->polls_teardown = handle;
  ReleasePollers(data);
  FinishTeardown(data);
}

// Delivers (fd, status, ready) to the environment's listener. Through
// napi_make_callback, so the microtask queue is drained on return: a promise
// the listener settles runs its reactions now, not on some later turn.
void OnPoll(uv_poll_t* handle, int status, int events) {
  auto* watch = reinterpret_cast<PollWatch*>(handle);
  napi_env env = watch->env;
  InstanceData* data = InstanceOf(env);
  if (data == nullptr || data->poll_listener == nullptr) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value listener = nullptr;
  napi_value global = nullptr;
  napi_get_reference_value(env, data->poll_listener, &listener);
  napi_get_global(env, &global);
  uint32_t ready = 0;
  if (events & UV_READABLE) ready |= 1U;
  if (events & UV_WRITABLE) ready |= 2U;
  napi_value argv[3] = {plain::Int(env, watch->fd), plain::Int(env, status), plain::Int(env, static_cast<int32_t>(ready))};
  if (listener != nullptr &&
      napi_make_callback(env, nullptr, global, listener, 3, argv, nullptr) == napi_pending_exception) {
    // lib/fd-watcher.ts never lets an exception escape; should one come
    // anyway, hand it to Node as uncaught rather than lose it.
    napi_value error;
    if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
  }
  napi_close_handle_scope(env, scope);
}

// pollNow(fd, events: 1=readable | 2=writable) -> ready events | -errno.
// A zero-timeout poll(2): asks the file whether it is ready right now.
napi_value PollNow(napi_env env, napi_callback_info info) {
  plain::Args<2> args(env, info);
  uint32_t wanted = plain::Uint32(env, args.argv[1]);
  struct pollfd entry = {plain::Int32(env, args.argv[0]),
                         static_cast<short>(((wanted & 1U) ? POLLIN : 0) | ((wanted & 2U) ? POLLOUT : 0)), 0};
  int rc;
  do {
    rc = poll(&entry, 1, 0);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) return plain::Int(env, -errno);
  if (entry.revents & POLLNVAL) return plain::Int(env, -EBADF);
  uint32_t ready = 0;
  if (entry.revents & (POLLIN | POLLERR | POLLHUP)) ready |= wanted & 1U;
  if (entry.revents & (POLLOUT | POLLERR | POLLHUP)) ready |= wanted & 2U;
  return plain::Int(env, static_cast<int32_t>(ready));
}

// pollListen(listener(fd, status, ready)) -> 0: the environment's one
// receiver of readiness events (lib/fd-watcher.ts sets it once).
napi_value PollListen(napi_env env, napi_callback_info info) {
  plain::Args<1> args(env, info);
  InstanceData* data = InstanceOf(args.data);
  if (data->poll_listener != nullptr) napi_delete_reference(env, data->poll_listener);
  data->poll_listener = nullptr;
  if (napi_create_reference(env, args.argv[0], 1, &data->poll_listener) != napi_ok) return plain::Int(env, -EINVAL);
  return plain::Int(env, 0);
}

// pollStart(fd, events: 1=readable | 2=writable) -> 0 | -errno: watches
// the fd (creating its handle on first use) for exactly these events.
napi_value PollStart(napi_env env, napi_callback_info info) {
  plain::Args<2> args(env, info);
  int fd = plain::Int32(env, args.argv[0]);
  uint32_t wanted = plain::Uint32(env, args.argv[1]);
  InstanceData* data = InstanceOf(args.data);
  PollWatch*& watch = data->polls[fd];
  if (watch == nullptr) {
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
      data->polls.erase(fd);
      return plain::Int(env, -EINVAL);
    }
    auto* fresh = new PollWatch{{}, env, data, fd};
    int rc = uv_poll_init(loop, &fresh->handle, fd);
    if (rc != 0) {  // libuv error codes are -errno on Linux; the handle was never registered
      delete fresh;
      data->polls.erase(fd);
      return plain::Int(env, rc);
    }
    watch = fresh;
  }
  int events = ((wanted & 1U) ? UV_READABLE : 0) | ((wanted & 2U) ? UV_WRITABLE : 0);
  return plain::Int(env, uv_poll_start(&watch->handle, events, OnPoll));
}

// pollStop(fd) -> 0: stops watching; an idle watch does not keep the loop alive.
napi_value PollStop(napi_env env, napi_callback_info info) {
  plain::Args<1> args(env, info);
  InstanceData* data = InstanceOf(args.data);
  auto found = data->polls.find(plain::Int32(env, args.argv[0]));
  if (found != data->polls.end()) uv_poll_stop(&found->second->handle);
  return plain::Int(env, 0);
}

// pollClose(fd) -> 0: releases the fd's handle; must happen before the fd is closed.
napi_value PollClose(napi_env env, napi_callback_info info) {
  plain::Args<1> args(env, info);
  InstanceData* data = InstanceOf(args.data);
  auto found = data->polls.find(plain::Int32(env, args.argv[0]));
  if (found == data->polls.end()) return plain::Int(env, 0);
  Release(found->second);
  data->polls.erase(found);
  return plain::Int(env, 0);
}

}  // namespace

void ReleasePollers(InstanceData* data) {
  for (auto& entry : data->polls) Release(entry.second);
  data->polls.clear();
}

void InitPoller(Napi::Env env, Napi::Object exports) {
  napi_add_async_cleanup_hook(env, Teardown, Instance(env), nullptr);
  plain::Export(env, exports, "pollNow", PollNow);
  plain::Export(env, exports, "pollListen", PollListen);
  plain::Export(env, exports, "pollStart", PollStart);
  plain::Export(env, exports, "pollStop", PollStop);
  plain::Export(env, exports, "pollClose", PollClose);
}

}  // namespace dmabuf
