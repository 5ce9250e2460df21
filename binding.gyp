{
  "targets": [
    {
      "target_name": "dmabuf",
      "sources": [
        "native/addon.cc",
        "native/ioctl.cc",
        "native/poller.cc",
        "native/mapping.cc",
        "native/dma_buf.cc",
        "native/heap.cc",
        "native/sync_file.cc",
        "native/drm.cc",
        "native/vgem.cc",
        "native/eventfd.cc",
        "native/udmabuf.cc",
        "native/memfd.cc",
        "native/unix_socket.cc",
        "native/netlink_uevent.cc",
        "native/syncobj.cc",
        "native/sw_sync.cc",
        "native/syncobj_thread_wait.cc",
        "native/vfio.cc",
        "native/fd.cc",
        "native/kms_objects.cc",
        "native/kms_commit.cc",
        "native/kms_session.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": [
        "NAPI_VERSION=9",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++20", "-fexceptions", "-fstack-protector-strong", "-Wall", "-Wextra"],
      "conditions": [
        ["OS!='linux'", {"sources": []}]
      ]
    }
  ]
}
