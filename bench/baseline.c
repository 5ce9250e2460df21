// SPDX-License-Identifier: MIT
// The C baseline for bench/run.mjs: the same operations, straight syscalls,
// same iteration counts. Prints one JSON object of nanoseconds per operation.
// Built and run by bench/run.mjs in the same machine or VM as the JS side.
#include <errno.h>
#include <fcntl.h>
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

// Our own copies of the three layouts (see native/uapi for the checked ones).
struct heap_alloc { __u64 len; __u32 fd; __u32 fd_flags; __u64 heap_flags; };
struct buf_sync { __u64 flags; };
struct flags_fd { __u32 flags; __s32 fd; };
struct file_info { char name[32]; __s32 status; __u32 flags; __u32 num_fences; __u32 pad; __u64 info; };

#define HEAP_ALLOC _IOWR('H', 0, struct heap_alloc)
#define BUF_SYNC _IOW('b', 0, struct buf_sync)
#define EXPORT_SYNC_FILE _IOWR('b', 2, struct flags_fd)
#define SYNC_FILE_INFO _IOWR('>', 4, struct file_info)

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int xioctl(int fd, unsigned long req, void *arg) {
  int r;
  do r = ioctl(fd, req, arg); while (r == -1 && (errno == EINTR || errno == EAGAIN));
  if (r == -1) { perror("ioctl"); exit(1); }
  return r;
}

static int heap_alloc(int heap, __u64 len) {
  struct heap_alloc a = {.len = len, .fd_flags = O_RDWR | O_CLOEXEC};
  xioctl(heap, HEAP_ALLOC, &a);
  return (int)a.fd;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 10000;
  printf("{");
  // eventfd write + read
  int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  uint64_t v = 1;
  double t0 = now_ns();
  for (long i = 0; i < n; i++) {
    if (write(efd, &v, 8) != 8 || read(efd, &v, 8) != 8) { perror("eventfd"); return 1; }
  }
  printf("\"eventfd write+read\":%.1f", (now_ns() - t0) / n);
  close(efd);

  int heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
  if (heap >= 0) {
    t0 = now_ns();
    for (long i = 0; i < n; i++) close(heap_alloc(heap, 65536));
    printf(",\"heap allocate 64 KiB + close\":%.1f", (now_ns() - t0) / n);

    int buf = heap_alloc(heap, 65536);
    t0 = now_ns();
    for (long i = 0; i < n; i++) {
      struct buf_sync s = {.flags = 3};
      xioctl(buf, BUF_SYNC, &s);
      s.flags = 3 | 4;
      xioctl(buf, BUF_SYNC, &s);
    }
    printf(",\"cpu access begin+end\":%.1f", (now_ns() - t0) / n);

    t0 = now_ns();
    for (long i = 0; i < n; i++) {
      struct flags_fd e = {.flags = 3, .fd = -1};
      xioctl(buf, EXPORT_SYNC_FILE, &e);
      struct file_info fi;
      memset(&fi, 0, sizeof fi);
      xioctl(e.fd, SYNC_FILE_INFO, &fi);
      close(e.fd);
    }
    printf(",\"export sync_file + status + close\":%.1f", (now_ns() - t0) / n);

    t0 = now_ns();
    for (long i = 0; i < n; i++) {
      void *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
      if (p == MAP_FAILED) { perror("mmap"); return 1; }
      ((volatile char *)p)[0] = 1;
      munmap(p, 65536);
    }
    printf(",\"map 64 KiB + touch + unmap\":%.1f", (now_ns() - t0) / n);
    close(buf);
    close(heap);
  }
  printf("}\n");
  return 0;
}
