// SPDX-License-Identifier: MIT
// The one way this project calls ioctl(2).
#pragma once

namespace dmabuf {

// Calls ioctl(fd, request, arg), restarting on EINTR and EAGAIN the way
// libdrm's drmIoctl does. Returns the ioctl's non-negative result, or -errno.
// Callers zero their argument structs at declaration (`T arg{}`), so padding
// and reserved fields always reach the kernel as 0.
int Ioctl(int fd, unsigned long request, void* arg);

}  // namespace dmabuf
