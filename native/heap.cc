// SPDX-License-Identifier: MIT
// dma-heap allocation (/dev/dma_heap/<name>, include/uapi/linux/dma-heap.h).
#include "ioctl.h"
#include "napi_util.h"
#include "uapi/dma_buf.h"

namespace dmabuf {
namespace {

// dmaHeapAlloc(heapFd, length, fdFlags) -> dmaBufFd | -errno
Napi::Value HeapAlloc(const Napi::CallbackInfo& info) {
  uapi::DmaHeapAllocationData arg{};
  arg.len = U64Arg(info, 1);
  arg.fd_flags = U32Arg(info, 2);
  int rc = Ioctl(FdArg(info, 0), uapi::kDmaHeapIoctlAlloc, &arg);
  return Result(info.Env(), rc < 0 ? rc : static_cast<int32_t>(arg.fd));
}

}  // namespace

void InitHeap(Napi::Env env, Napi::Object exports) {
  exports.Set("dmaHeapAlloc", Napi::Function::New(env, HeapAlloc));
}

}  // namespace dmabuf
