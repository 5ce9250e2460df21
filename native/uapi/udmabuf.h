// SPDX-License-Identifier: MIT
// include/uapi/linux/udmabuf.h: dma-bufs over memfd pages.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ioc.h"

namespace dmabuf::uapi {

constexpr unsigned kUdmabufType = 'u';
constexpr uint32_t kUdmabufFlagsCloexec = 0x01;

struct UdmabufCreate {
  uint32_t memfd;
  uint32_t flags;
  uint64_t offset;
  uint64_t size;
};
static_assert(sizeof(UdmabufCreate) == 24);
static_assert(offsetof(UdmabufCreate, offset) == 8);

struct UdmabufCreateItem {
  uint32_t memfd;
  uint32_t pad;
  uint64_t offset;
  uint64_t size;
};
static_assert(sizeof(UdmabufCreateItem) == 24);

// Header of UDMABUF_CREATE_LIST; `count` items follow it in memory.
struct UdmabufCreateListHeader {
  uint32_t flags;
  uint32_t count;
};
static_assert(sizeof(UdmabufCreateListHeader) == 8);

constexpr unsigned long kUdmabufCreate = IoW<UdmabufCreate>(kUdmabufType, 0x42);
// The request encodes the header's size only, as the kernel's flexible array does.
constexpr unsigned long kUdmabufCreateList = IoW<UdmabufCreateListHeader>(kUdmabufType, 0x43);
static_assert(kUdmabufCreate == 0x40187542UL);
static_assert(kUdmabufCreateList == 0x40087543UL);

}  // namespace dmabuf::uapi
