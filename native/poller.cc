// SPDX-License-Identifier: MIT
#include "poller.h"

#include <poll.h>

#include <cerrno>
#include <vector>

#include "instance.h"
#include "napi_util.h"

namespace dmabuf {

namespace {

// pollNow(fd, events: 1=readable | 2=writable) -> ready events | -errno.
// A zero-timeout poll(2): asks the file whether it is ready right now.
Napi::Value PollNow(const Napi::CallbackInfo& info) {
  uint32_t wanted = U32Arg(info, 1);
  struct pollfd entry = {FdArg(info, 0), static_cast<short>(((wanted & 1U) ? POLLIN : 0) | ((wanted & 2U) ? POLLOUT : 0)), 0};
  int rc;
  do {
    rc = poll(&entry, 1, 0);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) return Result(info.Env(), -errno);
  if (entry.revents & POLLNVAL) return Result(info.Env(), -EBADF);
  uint32_t ready = 0;
  if (entry.revents & (POLLIN | POLLERR | POLLHUP)) ready |= wanted & 1U;
  if (entry.revents & (POLLOUT | POLLERR | POLLHUP)) ready |= wanted & 2U;
  return Result(info.Env(), ready);
}

}  // namespace

void Poller::Init(Napi::Env env, Napi::Object exports) {
  exports.Set("pollNow", Napi::Function::New(env, PollNow));
  Napi::Function ctor = DefineClass(env, "Poller",
                                    {InstanceMethod<&Poller::Start>("start"),
                                     InstanceMethod<&Poller::Stop>("stop"),
                                     InstanceMethod<&Poller::Close>("close")});
  Instance(env)->poller_constructor = Napi::Persistent(ctor);
  // Construction goes through pollerCreate so a failure is an errno, not a throw.
  exports.Set("pollerCreate", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
                Napi::Env env = info.Env();
                int fd = FdArg(info, 0);
                InstanceData* data = Instance(env);
                if (data->polled_fds.count(fd) != 0) return Result(env, -EEXIST);
                uv_loop_t* loop = nullptr;
                if (napi_get_uv_event_loop(env, &loop) != napi_ok) return Result(env, -EINVAL);
                auto* handle = new uv_poll_t;
                int rc = uv_poll_init(loop, handle, fd);
                if (rc != 0) {  // libuv error codes are -errno on Linux
                  delete handle;
                  return Result(env, rc);
                }
                handle->data = nullptr;
                // The handle is adopted by the new Poller; pass it through an
                // External. Construction fails when the environment is being
                // torn down (a Worker terminated mid-call), by a throw or, as
                // the throw cannot become a JS exception then, silently: if
                // the handle was not adopted it is still ours to close, or
                // the worker's loop cannot close and Node aborts.
                auto unadopted = [handle]() {
                  if (handle->data != nullptr) return false;
                  uv_close(reinterpret_cast<uv_handle_t*>(handle),
                           [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
                  return true;
                };
                Napi::Object poller;
                try {
                  poller = data->poller_constructor.New({Napi::External<uv_poll_t>::New(env, handle), info[0], info[1]});
                } catch (const Napi::Error&) {
                  unadopted();
                  throw;
                }
                if (unadopted()) return Result(env, -ECANCELED);
                return poller;
              }));
}

void ReleasePollers(InstanceData* data) {
  // Release() erases from the set, so walk a copy.
  std::vector<Poller*> live(data->pollers.begin(), data->pollers.end());
  for (Poller* poller : live) poller->Release();
}

Poller::Poller(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Poller>(info) {
  if (info.Length() != 3 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "Poller is created with pollerCreate()");
  }
  auto* handle = info[0].As<Napi::External<uv_poll_t>>().Data();
  fd_ = FdArg(info, 1);
  callback_ = Napi::Persistent(info[2].As<Napi::Function>());
  napi_type_tag_object(info.Env(), info.This(), &kPollerTag);
  // Adopt the handle last: until here a throw leaves it to pollerCreate.
  handle_ = handle;
  handle_->data = this;
  InstanceData* data = Instance(info.Env());
  data->polled_fds.insert(fd_);
  data->pollers.insert(this);
}

Poller::~Poller() { Release(); }

bool Poller::CheckTag(const Napi::CallbackInfo& info) {
  bool ok = false;
  napi_check_object_type_tag(info.Env(), info.This(), &kPollerTag, &ok);
  return ok;
}

void Poller::Release() {
  if (handle_ == nullptr) return;
  uv_poll_stop(handle_);
  handle_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(handle_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
  handle_ = nullptr;
  InstanceData* data = Instance(Env());
  if (data != nullptr) {
    data->polled_fds.erase(fd_);
    data->pollers.erase(this);
  }
}

Napi::Value Poller::Start(const Napi::CallbackInfo& info) {
  if (!CheckTag(info) || handle_ == nullptr) return Result(info.Env(), -EBADF);
  int events = 0;
  uint32_t wanted = U32Arg(info, 0);
  if (wanted & 1U) events |= UV_READABLE;
  if (wanted & 2U) events |= UV_WRITABLE;
  return Result(info.Env(), uv_poll_start(handle_, events, &Poller::OnPoll));
}

Napi::Value Poller::Stop(const Napi::CallbackInfo& info) {
  if (!CheckTag(info) || handle_ == nullptr) return Result(info.Env(), -EBADF);
  return Result(info.Env(), uv_poll_stop(handle_));
}

Napi::Value Poller::Close(const Napi::CallbackInfo& info) {
  if (!CheckTag(info)) return Result(info.Env(), -EBADF);
  Release();
  callback_.Reset();
  return Result(info.Env(), 0);
}

void Poller::OnPoll(uv_poll_t* handle, int status, int events) {
  auto* self = static_cast<Poller*>(handle->data);
  if (self == nullptr || self->callback_.IsEmpty()) return;
  Napi::Env env = self->Env();
  Napi::HandleScope scope(env);
  uint32_t ready = 0;
  if (events & UV_READABLE) ready |= 1U;
  if (events & UV_WRITABLE) ready |= 2U;
  // The JS side (lib/fd-watcher.ts) never lets an exception escape; should
  // one come anyway, hand it to Node as uncaught rather than lose it.
  try {
    self->callback_.MakeCallback(env.Global(), {Napi::Number::New(env, status), Napi::Number::New(env, ready)});
  } catch (const Napi::Error& e) {
    napi_fatal_exception(env, e.Value());
  }
}

}  // namespace dmabuf
