// SPDX-License-Identifier: MIT
// VFIO: containers, groups, device fds (by group or by cdev + iommufd),
// region info, and VFIO_DEVICE_FEATURE (probe, BAR ranges as dma-bufs, the
// proposed revoke and memory attribute).
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "ioctl.h"
#include "napi_util.h"
#include "uapi/vfio.h"

namespace dmabuf {
namespace {

using namespace uapi;

// Several VFIO requests take a plain integer as the ioctl argument, not a pointer.
// Results read from a u32 field are widened to int64_t before meeting the
// (negative) errno in `rc < 0 ? rc : field`: an int/uint32_t conditional is
// unsigned, and -EPERM would come out as 4294967295, a "success".
void* IntArg(uint32_t value) { return reinterpret_cast<void*>(static_cast<uintptr_t>(value)); }

// vfioGetApiVersion(containerFd) -> version | -errno
Napi::Value GetApiVersion(const Napi::CallbackInfo& info) {
  return Result(info.Env(), Ioctl(FdArg(info, 0), kVfioGetApiVersion, nullptr));
}

// vfioCheckExtension(containerFd, extension) -> 0 (absent) | >0 | -errno
Napi::Value CheckExtension(const Napi::CallbackInfo& info) {
  return Result(info.Env(), Ioctl(FdArg(info, 0), kVfioCheckExtension, IntArg(U32Arg(info, 1))));
}

// vfioSetIommu(containerFd, type) -> 0 | -errno
Napi::Value SetIommu(const Napi::CallbackInfo& info) {
  return Result(info.Env(), Ioctl(FdArg(info, 0), kVfioSetIommu, IntArg(U32Arg(info, 1))));
}

// vfioGroupGetStatus(groupFd) -> flags | -errno
Napi::Value GroupGetStatus(const Napi::CallbackInfo& info) {
  VfioGroupStatus status{};
  status.argsz = sizeof(status);
  int rc = Ioctl(FdArg(info, 0), kVfioGroupGetStatus, &status);
  return Result(info.Env(), rc < 0 ? rc : static_cast<int64_t>(status.flags));
}

// vfioGroupSetContainer(groupFd, containerFd) -> 0 | -errno
Napi::Value GroupSetContainer(const Napi::CallbackInfo& info) {
  int container = FdArg(info, 1);
  return Result(info.Env(), Ioctl(FdArg(info, 0), kVfioGroupSetContainer, &container));
}

// vfioGroupGetDeviceFd(groupFd, name) -> deviceFd | -errno
Napi::Value GroupGetDeviceFd(const Napi::CallbackInfo& info) {
  std::string name = info[1].As<Napi::String>().Utf8Value();
  return Result(info.Env(), Ioctl(FdArg(info, 0), kVfioGroupGetDeviceFd, name.data()));
}

// vfioDeviceGetInfo(deviceFd) -> {flags, numRegions, numIrqs} | -errno
Napi::Value DeviceGetInfo(const Napi::CallbackInfo& info) {
  VfioDeviceInfo dev{};
  dev.argsz = sizeof(dev);
  int rc = Ioctl(FdArg(info, 0), kVfioDeviceGetInfo, &dev);
  if (rc < 0) return Result(info.Env(), rc);
  auto out = Napi::Object::New(info.Env());
  out.Set("flags", dev.flags);
  out.Set("numRegions", dev.num_regions);
  out.Set("numIrqs", dev.num_irqs);
  return out;
}

// vfioDeviceGetRegionInfo(deviceFd, index) -> {flags, size, offset} | -errno
// Region sizes and offsets stay below 2^53 (offsets are index << 40).
Napi::Value DeviceGetRegionInfo(const Napi::CallbackInfo& info) {
  VfioRegionInfo region{};
  region.argsz = sizeof(region);
  region.index = U32Arg(info, 1);
  int rc = Ioctl(FdArg(info, 0), kVfioDeviceGetRegionInfo, &region);
  if (rc < 0) return Result(info.Env(), rc);
  auto out = Napi::Object::New(info.Env());
  out.Set("flags", region.flags);
  out.Set("size", static_cast<double>(region.size));
  out.Set("offset", static_cast<double>(region.offset));
  return out;
}

// Issues VFIO_DEVICE_FEATURE with `data` after the header.
int Feature(int fd, uint32_t flags, const void* data, size_t size) {
  std::vector<uint8_t> block(sizeof(VfioDeviceFeature) + size, 0);
  VfioDeviceFeature header{};
  header.argsz = static_cast<uint32_t>(block.size());
  header.flags = flags;
  std::memcpy(block.data(), &header, sizeof(header));
  if (size > 0) std::memcpy(block.data() + sizeof(header), data, size);
  return Ioctl(fd, kVfioDeviceFeature, block.data());
}

// vfioDeviceFeatureProbe(deviceFd, feature, ops) -> 0 (supported) | -errno
// `ops`: kVfioFeatureGet and/or kVfioFeatureSet, the operations to ask about.
Napi::Value DeviceFeatureProbe(const Napi::CallbackInfo& info) {
  uint32_t flags = kVfioFeatureProbe | (U32Arg(info, 2) & (kVfioFeatureGet | kVfioFeatureSet)) |
                   (U32Arg(info, 1) & kVfioFeatureMask);
  return Result(info.Env(), Feature(FdArg(info, 0), flags, nullptr, 0));
}

// vfioExportDmaBuf(deviceFd, regionIndex, openFlags, ranges: Float64Array [offset, length]*) -> dmaBufFd | -errno
Napi::Value ExportDmaBuf(const Napi::CallbackInfo& info) {
  auto pairs = info[3].As<Napi::Float64Array>();
  size_t count = pairs.ElementLength() / 2;
  std::vector<uint8_t> data(sizeof(VfioFeatureDmaBuf) + count * sizeof(VfioRegionDmaRange), 0);
  VfioFeatureDmaBuf request{};
  request.region_index = U32Arg(info, 1);
  request.open_flags = U32Arg(info, 2);
  request.nr_ranges = static_cast<uint32_t>(count);
  std::memcpy(data.data(), &request, sizeof(request));
  for (size_t i = 0; i < count; ++i) {
    VfioRegionDmaRange range{};
    range.offset = static_cast<uint64_t>(pairs[i * 2]);
    range.length = static_cast<uint64_t>(pairs[i * 2 + 1]);
    std::memcpy(data.data() + sizeof(request) + i * sizeof(range), &range, sizeof(range));
  }
  return Result(info.Env(), Feature(FdArg(info, 0), kVfioFeatureGet | kVfioFeatureDmaBuf, data.data(), data.size()));
}

// vfioRevokeDmaBuf(deviceFd, dmaBufFd) -> 0 | -errno   (proposed feature 13)
Napi::Value RevokeDmaBuf(const Napi::CallbackInfo& info) {
  VfioFeatureDmaBufRevoke data{};
  data.dmabuf_fd = FdArg(info, 1);
  return Result(info.Env(), Feature(FdArg(info, 0), kVfioFeatureSet | kVfioFeatureDmaBufRevoke, &data, sizeof(data)));
}

// vfioSetDmaBufMemattr(deviceFd, dmaBufFd, memattr) -> 0 | -errno   (proposed feature 14)
Napi::Value SetDmaBufMemattr(const Napi::CallbackInfo& info) {
  VfioFeatureDmaBufMemattr data{};
  data.dmabuf_fd = FdArg(info, 1);
  data.memattr = U32Arg(info, 2);
  return Result(info.Env(), Feature(FdArg(info, 0), kVfioFeatureSet | kVfioFeatureDmaBufMemattr, &data, sizeof(data)));
}

// vfioDeviceBindIommufd(deviceFd, iommufd) -> devid | -errno
Napi::Value DeviceBindIommufd(const Napi::CallbackInfo& info) {
  VfioDeviceBindIommufd bind{};
  bind.argsz = sizeof(bind);
  bind.iommufd = FdArg(info, 1);
  int rc = Ioctl(FdArg(info, 0), kVfioDeviceBindIommufd, &bind);
  return Result(info.Env(), rc < 0 ? rc : static_cast<int64_t>(bind.out_devid));
}

// iommuIoasAlloc(iommufd) -> ioasId | -errno
Napi::Value IoasAlloc(const Napi::CallbackInfo& info) {
  IommuIoasAlloc alloc{};
  alloc.size = sizeof(alloc);
  int rc = Ioctl(FdArg(info, 0), kIommuIoasAlloc, &alloc);
  return Result(info.Env(), rc < 0 ? rc : static_cast<int64_t>(alloc.out_ioas_id));
}

// vfioDeviceAttachIommufdPt(deviceFd, ptId) -> 0 | -errno
Napi::Value DeviceAttachIommufdPt(const Napi::CallbackInfo& info) {
  VfioDeviceAttachIommufdPt attach{};
  attach.argsz = sizeof(attach);
  attach.pt_id = U32Arg(info, 1);
  return Result(info.Env(), Ioctl(FdArg(info, 0), kVfioDeviceAttachIommufdPt, &attach));
}

}  // namespace

void InitVfio(Napi::Env env, Napi::Object exports) {
  exports.Set("vfioGetApiVersion", Napi::Function::New(env, GetApiVersion));
  exports.Set("vfioCheckExtension", Napi::Function::New(env, CheckExtension));
  exports.Set("vfioSetIommu", Napi::Function::New(env, SetIommu));
  exports.Set("vfioGroupGetStatus", Napi::Function::New(env, GroupGetStatus));
  exports.Set("vfioGroupSetContainer", Napi::Function::New(env, GroupSetContainer));
  exports.Set("vfioGroupGetDeviceFd", Napi::Function::New(env, GroupGetDeviceFd));
  exports.Set("vfioDeviceGetInfo", Napi::Function::New(env, DeviceGetInfo));
  exports.Set("vfioDeviceGetRegionInfo", Napi::Function::New(env, DeviceGetRegionInfo));
  exports.Set("vfioDeviceFeatureProbe", Napi::Function::New(env, DeviceFeatureProbe));
  exports.Set("vfioExportDmaBuf", Napi::Function::New(env, ExportDmaBuf));
  exports.Set("vfioRevokeDmaBuf", Napi::Function::New(env, RevokeDmaBuf));
  exports.Set("vfioSetDmaBufMemattr", Napi::Function::New(env, SetDmaBufMemattr));
  exports.Set("vfioDeviceBindIommufd", Napi::Function::New(env, DeviceBindIommufd));
  exports.Set("iommuIoasAlloc", Napi::Function::New(env, IoasAlloc));
  exports.Set("vfioDeviceAttachIommufdPt", Napi::Function::New(env, DeviceAttachIommufdPt));
}

}  // namespace dmabuf
