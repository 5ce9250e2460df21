// SPDX-License-Identifier: MIT
// The C column of the benchmarks: a small server that bench/run.mjs starts
// once and asks, line by line on stdin, "<op> <iterations>"; it runs that
// loop with plain syscalls and answers "<ns per op>" (or "skip <reason>").
// A server rather than one run per batch so that C batches interleave with
// the JS ones in the same run, at the cost of one pipe round trip per batch
// (outside the timed loop).
//
// It works on the same kernel objects as the JS side: the fds are inherited
//   3 dma-heap (system)   4 a 64 KiB dma-buf   5 a sync_file
//   6 a DRM device with syncobjs (virtio_gpu)   7 the 16 MiB copy target
//   8 the vkms card, DRM master, its CRTC lit by the JS side
//   9 the 64 KiB map target (the dma-buf of fd 4, else a memfd)
// each closed ("ignore") when the machine lacks it; argv[1] is the syncobj
// handle on fd 6 (the fd shares its DRM file with the JS side, so the handle
// is valid here) and argv[2] the copy length. argv[3..7] are the plane update
// the KMS ops commit on fd 8 (the same open file, so the same DRM master), as
// comma lists: object ids, property counts, property ids, and the values
// showing framebuffer A and B.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <linux/types.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

// Our own copies of the layouts (native/uapi holds the checked ones).
struct heap_alloc { __u64 len; __u32 fd; __u32 fd_flags; __u64 heap_flags; };
struct buf_sync { __u64 flags; };
struct flags_fd { __u32 flags; __s32 fd; };
struct file_info { char name[32]; __s32 status; __u32 flags; __u32 num_fences; __u32 pad; __u64 info; };
struct syncobj_array { __u64 handles; __u32 count_handles; __u32 pad; };
struct timeline_array { __u64 handles; __u64 points; __u32 count_handles; __u32 flags; };
struct mode_atomic {
  __u32 flags; __u32 count_objs; __u64 objs_ptr; __u64 count_props_ptr; __u64 props_ptr;
  __u64 prop_values_ptr; __u64 reserved; __u64 user_data;
};
struct drm_event_head { __u32 type; __u32 length; };

#define HEAP_ALLOC _IOWR('H', 0, struct heap_alloc)
#define BUF_SYNC _IOW('b', 0, struct buf_sync)
#define EXPORT_SYNC_FILE _IOWR('b', 2, struct flags_fd)
#define SYNC_FILE_INFO _IOWR('>', 4, struct file_info)
#define SYNCOBJ_SIGNAL _IOWR('d', 0xC5, struct syncobj_array)
#define SYNCOBJ_QUERY _IOWR('d', 0xCB, struct timeline_array)
#define MODE_ATOMIC _IOWR('d', 0xBC, struct mode_atomic)
#define ATOMIC_TEST_ONLY 0x100
#define ATOMIC_FLIP (0x200 | 0x1) /* NONBLOCK | PAGE_FLIP_EVENT */
#define EVENT_FLIP_COMPLETE 0x02

enum { HEAP = 3, BUF = 4, SYNC = 5, DRM = 6, COPY = 7, KMS = 8, MAP = 9 };

static __u32 syncobj;
static size_t copy_len;
static char *copy_src;
static int failed;

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

// The same retry rule as the addon's ioctl helper; a failure ends the batch.
static int xioctl(int fd, unsigned long req, void *arg) {
  int r;
  do r = ioctl(fd, req, arg); while (r == -1 && (errno == EINTR || errno == EAGAIN));
  if (r == -1) failed = errno;
  return r;
}

static int usable(int fd) { return fcntl(fd, F_GETFD) != -1; }

static void op_eventfd(long n) {
  static int efd = -1;
  if (efd < 0) efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  uint64_t v = 1;
  for (long i = 0; i < n; i++)
    if (write(efd, &v, 8) != 8 || read(efd, &v, 8) != 8) failed = errno;
}

static void op_sync(long n) {
  for (long i = 0; i < n; i++) {
    struct buf_sync s = {.flags = 3};
    xioctl(BUF, BUF_SYNC, &s);
    s.flags = 3 | 4;
    xioctl(BUF, BUF_SYNC, &s);
  }
}

static void op_export(long n) {
  for (long i = 0; i < n; i++) {
    struct flags_fd e = {.flags = 3, .fd = -1};
    if (xioctl(BUF, EXPORT_SYNC_FILE, &e) < 0) return;
    struct file_info fi = {0};
    xioctl(e.fd, SYNC_FILE_INFO, &fi);
    close(e.fd);
  }
}

static void op_status(long n) {
  for (long i = 0; i < n; i++) {
    struct file_info fi = {0};
    xioctl(SYNC, SYNC_FILE_INFO, &fi);
  }
}

static void op_alloc(long n) {
  for (long i = 0; i < n; i++) {
    struct heap_alloc a = {.len = 4096, .fd_flags = O_RDWR | O_CLOEXEC};
    if (xioctl(HEAP, HEAP_ALLOC, &a) < 0) return;
    close((int)a.fd);
  }
}

static void op_map(long n) {
  for (long i = 0; i < n; i++) {
    void *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_SHARED, MAP, 0);
    if (p == MAP_FAILED) { failed = errno; return; }
    ((volatile char *)p)[0] = 1;
    munmap(p, 65536);
  }
}

static void op_query(long n) {
  __u64 point = 0;
  for (long i = 0; i < n; i++) {
    struct timeline_array q = {.handles = (uintptr_t)&syncobj, .points = (uintptr_t)&point, .count_handles = 1};
    xioctl(DRM, SYNCOBJ_QUERY, &q);
  }
}

static void op_signal(long n) {
  for (long i = 0; i < n; i++) {
    struct syncobj_array s = {.handles = (uintptr_t)&syncobj, .count_handles = 1};
    xioctl(DRM, SYNCOBJ_SIGNAL, &s);
  }
}

static void op_copy(long n) {
  static char *dst;
  if (!dst) {
    dst = mmap(NULL, copy_len, PROT_READ | PROT_WRITE, MAP_SHARED, COPY, 0);
    if (dst == MAP_FAILED) { dst = NULL; failed = errno; return; }
  }
  for (long i = 0; i < n; i++) {
    memcpy(dst, copy_src, copy_len);
    __asm__ volatile("" ::: "memory"); // the copy is observable: keep every one
  }
}

// The plane update from argv: a comma list into a fresh array of `size`-byte numbers.
#define MAX_PROPS 64
static __u32 kms_objs[MAX_PROPS], kms_counts[MAX_PROPS], kms_props[MAX_PROPS];
static __u64 kms_values[2][MAX_PROPS];
static __u32 kms_nobjs;

static __u32 parse_list(const char *s, void *out, size_t size) {
  __u32 n = 0;
  for (char *end; s && *s && n < MAX_PROPS; s = *end ? end + 1 : end, n++) {
    unsigned long long v = strtoull(s, &end, 0);
    if (size == 4) ((__u32 *)out)[n] = (__u32)v;
    else ((__u64 *)out)[n] = v;
  }
  return n;
}

static struct mode_atomic atomic_of(__u32 flags, int fb) {
  return (struct mode_atomic){
    .flags = flags, .count_objs = kms_nobjs, .objs_ptr = (uintptr_t)kms_objs,
    .count_props_ptr = (uintptr_t)kms_counts, .props_ptr = (uintptr_t)kms_props,
    .prop_values_ptr = (uintptr_t)kms_values[fb],
  };
}

static void op_kms_test(long n) {
  for (long i = 0; i < n; i++) {
    struct mode_atomic a = atomic_of(ATOMIC_TEST_ONLY, 1);
    xioctl(KMS, MODE_ATOMIC, &a);
  }
}

// A real flip, then poll() until its event is there and read() it (the
// open file is non-blocking once libuv watches it for the JS side).
static void op_kms_flip(long n) {
  static int shown;
  for (long i = 0; i < n && !failed; i++) {
    shown ^= 1;
    struct mode_atomic a = atomic_of(ATOMIC_FLIP, shown);
    if (xioctl(KMS, MODE_ATOMIC, &a) < 0) return;
    _Alignas(8) char buf[4096];
    struct pollfd pfd = {.fd = KMS, .events = POLLIN};
    ssize_t got;
    do got = poll(&pfd, 1, -1); while (got < 0 && errno == EINTR);
    do got = read(KMS, buf, sizeof buf); while (got < 0 && errno == EINTR);
    struct drm_event_head head;
    if (got < (ssize_t)sizeof head) { failed = got < 0 ? errno : EIO; return; }
    memcpy(&head, buf, sizeof head);
    if (head.type != EVENT_FLIP_COMPLETE) failed = EPROTO;
  }
}

struct op { const char *name; int fd; void (*run)(long); };
static const struct op ops[] = {
  {"eventfd", -1, op_eventfd}, {"sync", BUF, op_sync},       {"export", BUF, op_export},
  {"status", SYNC, op_status}, {"alloc", HEAP, op_alloc},    {"map", MAP, op_map},
  {"query", DRM, op_query},    {"signal", DRM, op_signal},   {"copy", COPY, op_copy},
  {"kmsTest", KMS, op_kms_test}, {"kmsFlip", KMS, op_kms_flip},
};

int main(int argc, char **argv) {
  syncobj = argc > 1 ? (__u32)strtoul(argv[1], NULL, 0) : 0;
  copy_len = argc > 2 ? (size_t)strtoull(argv[2], NULL, 0) : 16u << 20;
  if (argc > 7) {
    kms_nobjs = parse_list(argv[3], kms_objs, 4);
    parse_list(argv[4], kms_counts, 4);
    parse_list(argv[5], kms_props, 4);
    parse_list(argv[6], kms_values[0], 8);
    parse_list(argv[7], kms_values[1], 8);
  }
  copy_src = malloc(copy_len);
  if (!copy_src) return 1;
  memset(copy_src, 0x5a, copy_len);
  char line[128], name[32];
  long n;
  while (fgets(line, sizeof line, stdin)) {
    if (sscanf(line, "%31s %ld", name, &n) != 2 || n < 1) { printf("skip bad request\n"); fflush(stdout); continue; }
    const struct op *op = NULL;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
      if (!strcmp(ops[i].name, name)) op = &ops[i];
    if (!op) printf("skip no such operation in C\n");
    else if (op->fd >= 0 && !usable(op->fd)) printf("skip not on this machine\n");
    else {
      failed = 0;
      double t0 = now_ns();
      op->run(n);
      double ns = (now_ns() - t0) / n;
      if (failed) printf("skip C failed: %s\n", strerror(failed));
      else printf("%.2f\n", ns);
    }
    fflush(stdout);
  }
  return 0;
}
