// SPDX-License-Identifier: MIT
// dma-heap allocation (/dev/dma_heap/<name>, include/uapi/linux/dma-heap.h).
#include "instance.h"
#include "ioctl.h"
#include "napi_util.h"
#include "plain_call.h"
#include "uapi/dma_buf.h"

namespace dmabuf {
namespace {

// dmaHeapAlloc(heapFd, length, fdFlags) -> dmaBufFd | -errno. A plain call (plain_call.h).
// The new fd is registered as owned by this environment (OwnNewFd): release it with fdClose.
napi_value HeapAlloc(napi_env env, napi_callback_info info) {
  plain::Args<3> args(env, info);
  uapi::DmaHeapAllocationData arg{};
  arg.len = plain::Size(env, args.argv[1]);
  arg.fd_flags = plain::Uint32(env, args.argv[2]);
  int rc = Ioctl(plain::Int32(env, args.argv[0]), uapi::kDmaHeapIoctlAlloc, &arg);
  return plain::Int(env, rc < 0 ? rc : OwnNewFd(InstanceOf(args.data), static_cast<int32_t>(arg.fd)));
}

}  // namespace

void InitHeap(Napi::Env env, Napi::Object exports) {
  plain::Export(env, exports, "dmaHeapAlloc", HeapAlloc);
}

}  // namespace dmabuf
