// SPDX-License-Identifier: MIT
// Readiness of an fd on the environment's own libuv loop (uv_poll). Fences
// (sync_file, dma-buf, eventfd) become readable when they signal, so a wait
// costs one epoll registration and no thread.
//
// Watches are keyed by fd number in the environment's InstanceData and
// report through one JavaScript function per environment (pollListen), so a
// watched fd costs a uv_poll_t and a map entry: no wrapped object, no
// reference or callback per fd.
#pragma once

#include <napi.h>

#include "instance.h"

namespace dmabuf {

void InitPoller(Napi::Env env, Napi::Object exports);

}  // namespace dmabuf
