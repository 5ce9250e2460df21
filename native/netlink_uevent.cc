// SPDX-License-Identifier: MIT
// Kernel uevents over NETLINK_KOBJECT_UEVENT: the socket device managers
// (udevd, mdev) read. Always non-blocking and close-on-exec; waiting happens
// on the event loop and parsing in lib/kms/hotplug.ts.
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "napi_util.h"

namespace dmabuf {
namespace {

// ueventOpen(groups) -> fd | -errno. Group 1 is the kernel's broadcast (the
// uevent socket is created with NL_CFG_F_NONROOT_RECV, so any user may join);
// group 2 is where udevd re-sends its own, processed messages.
Napi::Value Open(const Napi::CallbackInfo& info) {
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
  if (fd < 0) return Result(info.Env(), -errno);
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_pid = 0;  // let the kernel pick a unique port id
  addr.nl_groups = U32Arg(info, 0);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0) {
    int error = errno;
    close(fd);
    return Result(info.Env(), -error);
  }
  return Result(info.Env(), fd);
}

// ueventReceive(fd, maxBytes) -> {data, senderPort, truncated} | -errno
// (-EAGAIN: nothing queued; -ENOBUFS: the socket's buffer overflowed and the
// kernel dropped messages). senderPort is 0 for messages from the kernel;
// anything else came from a user-space process.
Napi::Value Receive(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<uint8_t> data(std::max<uint32_t>(U32Arg(info, 1), 1));
  iovec iov = {data.data(), data.size()};
  sockaddr_nl sender{};
  msghdr msg{};
  msg.msg_name = &sender;
  msg.msg_namelen = sizeof(sender);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  ssize_t n;
  do {
    n = recvmsg(FdArg(info, 0), &msg, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Result(env, -errno);
  Napi::Object out = Napi::Object::New(env);
  out.Set("data", Napi::Buffer<uint8_t>::Copy(env, data.data(), static_cast<size_t>(n)));
  out.Set("senderPort", Napi::Number::New(env, sender.nl_pid));
  out.Set("truncated", Napi::Boolean::New(env, (msg.msg_flags & MSG_TRUNC) != 0));
  return out;
}

}  // namespace

void InitNetlinkUevent(Napi::Env env, Napi::Object exports) {
  exports.Set("ueventOpen", Napi::Function::New(env, Open));
  exports.Set("ueventReceive", Napi::Function::New(env, Receive));
}

}  // namespace dmabuf
