// SPDX-License-Identifier: MIT
// Opening, owning and closing fds natively. Inside a worker, Node tracks the
// fds that fs.open/fs.close handle ("unmanaged mode"): closing one it did not
// open warns, and fds it opened are closed again when the worker exits, so
// fds the addon makes must be closed here, and fds the library opens by path
// are opened here, out of Node's bookkeeping. The per-environment set of
// owned fds lets the environment's cleanup hook close what JavaScript could
// not (a terminated worker runs no JS, not even FinalizationRegistry).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "instance.h"
#include "napi_util.h"
#include "plain_call.h"

namespace dmabuf {

int OwnNewFd(InstanceData* data, int fd) {
  data->owned_fds.Insert(fd);
  return fd;
}

namespace {

// fdOpen(path, flags) -> fd | -errno
Napi::Value Open(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int fd;
  do {
    fd = open(path.c_str(), static_cast<int>(U32Arg(info, 1)));
  } while (fd < 0 && errno == EINTR);
  return Result(info.Env(), fd < 0 ? -errno : fd);
}

// fdOwn(fd) -> 0: the fd now belongs to an object of this environment.
// Plain calls, own and close (plain_call.h): once per fd object.
napi_value Own(napi_env env, napi_callback_info info) {
  plain::Args<1> args(env, info);
  InstanceOf(args.data)->owned_fds.Insert(plain::Int32(env, args.argv[0]));
  return plain::Int(env, 0);
}

// fdClose(fd) -> 0 | -errno. Linux releases the fd even when close(2)
// reports EINTR, so it is never retried (a retry could close a reused number).
napi_value Close(napi_env env, napi_callback_info info) {
  plain::Args<1> args(env, info);
  int fd = plain::Int32(env, args.argv[0]);
  InstanceOf(args.data)->owned_fds.Erase(fd);
  int rc = close(fd);
  return plain::Int(env, rc == 0 || errno == EINTR ? 0 : -errno);
}

}  // namespace

void CleanupInstance(InstanceData* data) {
  StopThreadWaits(data);
  ReleasePollers(data);
  data->owned_fds.ForEach([](int fd) { close(fd); });
  data->owned_fds.Clear();
}

void InitFd(Napi::Env env, Napi::Object exports) {
  exports.Set("fdOpen", Napi::Function::New(env, Open));
  plain::Export(env, exports, "fdOwn", Own);
  plain::Export(env, exports, "fdClose", Close);
}

}  // namespace dmabuf
