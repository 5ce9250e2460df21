// SPDX-License-Identifier: MIT
// Readiness of an fd on the environment's own libuv loop (uv_poll). Fences
// (sync_file, dma-buf, eventfd) become readable when they signal, so a wait
// costs one epoll registration and no thread.
#pragma once

#include <napi.h>
#include <uv.h>

#include "instance.h"

namespace dmabuf {

class Poller : public Napi::ObjectWrap<Poller> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  explicit Poller(const Napi::CallbackInfo& info);
  ~Poller() override;

 private:
  // start(events: 1=readable | 2=writable) -> 0 | -errno
  Napi::Value Start(const Napi::CallbackInfo& info);
  // stop(): stops watching; an idle poller does not keep the loop alive.
  Napi::Value Stop(const Napi::CallbackInfo& info);
  // close(): releases the handle; must happen before the fd is closed.
  Napi::Value Close(const Napi::CallbackInfo& info);

  static void OnPoll(uv_poll_t* handle, int status, int events);
  // Stops and closes the handle; also run by the environment's cleanup hook.
  void Release();
  friend void ReleasePollers(InstanceData* data);
  bool CheckTag(const Napi::CallbackInfo& info);

  uv_poll_t* handle_ = nullptr;
  int fd_ = -1;
  Napi::FunctionReference callback_;
};

}  // namespace dmabuf
