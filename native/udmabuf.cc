// SPDX-License-Identifier: MIT
// udmabuf (/dev/udmabuf): a dma-buf over the pages of a sealed memfd.
#include <cstring>
#include <vector>

#include "ioctl.h"
#include "napi_util.h"
#include "uapi/udmabuf.h"

namespace dmabuf {
namespace {

using namespace uapi;

// udmabufCreate(devFd, memfd, offset, size, flags) -> dmaBufFd | -errno
Napi::Value Create(const Napi::CallbackInfo& info) {
  UdmabufCreate arg{};
  arg.memfd = static_cast<uint32_t>(FdArg(info, 1));
  arg.offset = U64Arg(info, 2);
  arg.size = U64Arg(info, 3);
  arg.flags = U32Arg(info, 4);
  return Result(info.Env(), Ioctl(FdArg(info, 0), kUdmabufCreate, &arg));
}

// udmabufCreateList(devFd, items: Float64Array [memfd, offset, size]*, flags) -> dmaBufFd | -errno
Napi::Value CreateList(const Napi::CallbackInfo& info) {
  auto triples = info[1].As<Napi::Float64Array>();
  size_t count = triples.ElementLength() / 3;
  // Header and items in one contiguous block, as the kernel reads them.
  std::vector<uint8_t> block(sizeof(UdmabufCreateListHeader) + count * sizeof(UdmabufCreateItem), 0);
  UdmabufCreateListHeader header{};
  header.flags = U32Arg(info, 2);
  header.count = static_cast<uint32_t>(count);
  std::memcpy(block.data(), &header, sizeof(header));
  for (size_t i = 0; i < count; ++i) {
    UdmabufCreateItem item{};
    item.memfd = static_cast<uint32_t>(triples[i * 3]);
    item.offset = static_cast<uint64_t>(triples[i * 3 + 1]);
    item.size = static_cast<uint64_t>(triples[i * 3 + 2]);
    std::memcpy(block.data() + sizeof(header) + i * sizeof(item), &item, sizeof(item));
  }
  return Result(info.Env(), Ioctl(FdArg(info, 0), kUdmabufCreateList, block.data()));
}

}  // namespace

void InitUdmabuf(Napi::Env env, Napi::Object exports) {
  exports.Set("udmabufCreate", Napi::Function::New(env, Create));
  exports.Set("udmabufCreateList", Napi::Function::New(env, CreateList));
}

}  // namespace dmabuf
