// SPDX-License-Identifier: MIT
// AF_UNIX sockets that carry fds (SCM_RIGHTS). Always non-blocking and
// close-on-exec: waiting happens on the event loop (lib/fd-socket.ts).
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "napi_util.h"

namespace dmabuf {
namespace {

constexpr int kSocketFlags = SOCK_CLOEXEC | SOCK_NONBLOCK;
// The most fds one message may carry (the kernel's SCM_MAX_FD is 253).
constexpr size_t kMaxFds = 253;

// Fills a sockaddr_un; false when the path does not fit.
bool Address(const std::string& path, sockaddr_un* addr) {
  std::memset(addr, 0, sizeof(*addr));
  addr->sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr->sun_path)) return false;
  std::memcpy(addr->sun_path, path.data(), path.size());
  return true;
}

// socketPair() -> [fd, fd] | -errno  (SOCK_SEQPACKET: message boundaries kept)
Napi::Value Pair(const Napi::CallbackInfo& info) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | kSocketFlags, 0, fds) < 0) return Result(info.Env(), -errno);
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, fds[0]);
  out.Set(1u, fds[1]);
  return out;
}

// socketListen(path, backlog) -> fd | -errno
Napi::Value Listen(const Napi::CallbackInfo& info) {
  sockaddr_un addr;
  if (!Address(info[0].As<Napi::String>().Utf8Value(), &addr)) return Result(info.Env(), -ENAMETOOLONG);
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | kSocketFlags, 0);
  if (fd < 0) return Result(info.Env(), -errno);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0 ||
      listen(fd, static_cast<int>(U32Arg(info, 1))) < 0) {
    int error = errno;
    close(fd);
    return Result(info.Env(), -error);
  }
  return Result(info.Env(), fd);
}

// socketAccept(fd) -> fd | -errno (-EAGAIN: nobody waiting)
Napi::Value Accept(const Napi::CallbackInfo& info) {
  int fd;
  do {
    fd = accept4(FdArg(info, 0), nullptr, nullptr, kSocketFlags);
  } while (fd < 0 && errno == EINTR);
  return Result(info.Env(), fd < 0 ? -errno : fd);
}

// socketConnect(path) -> fd | -errno
Napi::Value Connect(const Napi::CallbackInfo& info) {
  sockaddr_un addr;
  if (!Address(info[0].As<Napi::String>().Utf8Value(), &addr)) return Result(info.Env(), -ENAMETOOLONG);
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | kSocketFlags, 0);
  if (fd < 0) return Result(info.Env(), -errno);
  int rc;
  do {
    rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    int error = errno;
    close(fd);
    return Result(info.Env(), -error);
  }
  return Result(info.Env(), fd);
}

// sendFds(fd, data: Uint8Array, fds: number[]) -> bytes sent | -errno
Napi::Value Send(const Napi::CallbackInfo& info) {
  auto data = info[1].As<Napi::Uint8Array>();
  auto list = info[2].As<Napi::Array>();
  size_t count = list.Length();
  if (count > kMaxFds) return Result(info.Env(), -EINVAL);
  // A message must carry at least one byte for the fds to travel with it.
  uint8_t zero = 0;
  iovec iov = {data.ByteLength() > 0 ? static_cast<void*>(data.Data()) : &zero,
               data.ByteLength() > 0 ? data.ByteLength() : 1};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  std::vector<char> control(count > 0 ? CMSG_SPACE(count * sizeof(int)) : 0, 0);
  if (count > 0) {
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(count * sizeof(int));
    for (size_t i = 0; i < count; ++i) {
      int fd = list.Get(i).As<Napi::Number>().Int32Value();
      std::memcpy(CMSG_DATA(cmsg) + i * sizeof(int), &fd, sizeof(int));
    }
  }
  ssize_t n;
  do {
    n = sendmsg(FdArg(info, 0), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  return Result(info.Env(), n < 0 ? -errno : n);
}

// recvFds(fd, maxBytes, maxFds) -> {data, fds, dataTruncated, fdsTruncated} | -errno
// When the kernel had more fds than room (MSG_CTRUNC), the ones that did
// arrive are closed here, so a truncated message never leaks an fd.
Napi::Value Receive(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t max_bytes = U32Arg(info, 1);
  size_t max_fds = std::min<size_t>(U32Arg(info, 2), kMaxFds);
  std::vector<uint8_t> data(std::max<size_t>(max_bytes, 1));
  std::vector<char> control(CMSG_SPACE(std::max<size_t>(max_fds, 1) * sizeof(int)), 0);
  iovec iov = {data.data(), data.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = max_fds > 0 ? CMSG_SPACE(max_fds * sizeof(int)) : 0;
  ssize_t n;
  do {
    n = recvmsg(FdArg(info, 0), &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Result(env, -errno);
  std::vector<int> fds;
  for (cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
    if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
      fds.push_back(fd);
    }
  }
  bool fds_truncated = (msg.msg_flags & MSG_CTRUNC) != 0;
  if (fds_truncated) {
    for (int fd : fds) close(fd);
    fds.clear();
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("data", Napi::Buffer<uint8_t>::Copy(env, data.data(), static_cast<size_t>(n)));
  Napi::Array list = Napi::Array::New(env, fds.size());
  for (size_t i = 0; i < fds.size(); ++i) list.Set(i, fds[i]);
  out.Set("fds", list);
  out.Set("dataTruncated", Napi::Boolean::New(env, (msg.msg_flags & MSG_TRUNC) != 0));
  out.Set("fdsTruncated", Napi::Boolean::New(env, fds_truncated));
  return out;
}

}  // namespace

void InitUnixSocket(Napi::Env env, Napi::Object exports) {
  exports.Set("socketPair", Napi::Function::New(env, Pair));
  exports.Set("socketListen", Napi::Function::New(env, Listen));
  exports.Set("socketAccept", Napi::Function::New(env, Accept));
  exports.Set("socketConnect", Napi::Function::New(env, Connect));
  exports.Set("sendFds", Napi::Function::New(env, Send));
  exports.Set("recvFds", Napi::Function::New(env, Receive));
}

}  // namespace dmabuf
