// SPDX-License-Identifier: MIT
// Module entry: one Init per concept. Loading never touches a device, so
// importing the package works on machines without /dev/dri or dma-heaps.
#include <napi.h>

#include "instance.h"
#include "poller.h"

namespace dmabuf {

void InitDmaBuf(Napi::Env env, Napi::Object exports);
void InitHeap(Napi::Env env, Napi::Object exports);
void InitMapping(Napi::Env env, Napi::Object exports);
void InitSyncFile(Napi::Env env, Napi::Object exports);
void InitDrm(Napi::Env env, Napi::Object exports);
void InitVgem(Napi::Env env, Napi::Object exports);
void InitEventFd(Napi::Env env, Napi::Object exports);
void InitUdmabuf(Napi::Env env, Napi::Object exports);
void InitMemfd(Napi::Env env, Napi::Object exports);
void InitUnixSocket(Napi::Env env, Napi::Object exports);
void InitSyncobj(Napi::Env env, Napi::Object exports);
void InitSwSync(Napi::Env env, Napi::Object exports);
void InitSyncobjThreadWait(Napi::Env env, Napi::Object exports);
void InitVfio(Napi::Env env, Napi::Object exports);
void InitFd(Napi::Env env, Napi::Object exports);
void InitKmsObjects(Napi::Env env, Napi::Object exports);
void InitKmsCommit(Napi::Env env, Napi::Object exports);
void InitKmsSession(Napi::Env env, Napi::Object exports);
void InitNetlinkUevent(Napi::Env env, Napi::Object exports);

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new InstanceData();
  env.SetInstanceData(data);
  // Runs when the environment is torn down, before Node finalizes its
  // objects (cleanup hooks run newest first; Node-API's own teardown hook was
  // added before this module loaded), while the loop can still close handles.
  napi_add_env_cleanup_hook(env, [](void* arg) { CleanupInstance(static_cast<InstanceData*>(arg)); }, data);
  InitFd(env, exports);
  InitDmaBuf(env, exports);
  InitHeap(env, exports);
  InitMapping(env, exports);
  InitSyncFile(env, exports);
  InitDrm(env, exports);
  InitVgem(env, exports);
  InitEventFd(env, exports);
  InitUdmabuf(env, exports);
  InitMemfd(env, exports);
  InitUnixSocket(env, exports);
  InitSyncobj(env, exports);
  InitSwSync(env, exports);
  InitSyncobjThreadWait(env, exports);
  InitVfio(env, exports);
  InitKmsObjects(env, exports);
  InitKmsCommit(env, exports);
  InitKmsSession(env, exports);
  InitNetlinkUevent(env, exports);
  InitPoller(env, exports);
  return exports;
}

}  // namespace dmabuf

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return dmabuf::Init(env, exports); }

NODE_API_MODULE(dmabuf, InitModule)
