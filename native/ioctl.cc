// SPDX-License-Identifier: MIT
#include "ioctl.h"

#include <sys/ioctl.h>

#include <cerrno>

namespace dmabuf {

int Ioctl(int fd, unsigned long request, void* arg) {
  int ret;
  do {
    ret = ::ioctl(fd, request, arg);
  } while (ret == -1 && (errno == EINTR || errno == EAGAIN));
  return ret == -1 ? -errno : ret;
}

}  // namespace dmabuf
