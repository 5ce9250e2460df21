// SPDX-License-Identifier: MIT
// Linux ioctl request encoding (asm-generic/ioctl.h, used by x86, arm64,
// riscv). Ours rather than <linux/ioctl.h> so every request number in the
// project is spelled out next to the struct it carries.
#pragma once

#include <cstdint>

namespace dmabuf::uapi {

constexpr unsigned kIocNone = 0U;
constexpr unsigned kIocWrite = 1U;
constexpr unsigned kIocRead = 2U;

constexpr unsigned long Ioc(unsigned dir, unsigned type, unsigned nr, unsigned size) {
  return (static_cast<unsigned long>(dir) << 30) | (static_cast<unsigned long>(size) << 16) |
         (static_cast<unsigned long>(type) << 8) | nr;
}
template <typename T>
constexpr unsigned long IoW(unsigned type, unsigned nr) {
  return Ioc(kIocWrite, type, nr, sizeof(T));
}
template <typename T>
constexpr unsigned long IoR(unsigned type, unsigned nr) {
  return Ioc(kIocRead, type, nr, sizeof(T));
}
template <typename T>
constexpr unsigned long IoWR(unsigned type, unsigned nr) {
  return Ioc(kIocRead | kIocWrite, type, nr, sizeof(T));
}

}  // namespace dmabuf::uapi
