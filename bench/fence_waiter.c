// SPDX-License-Identifier: MIT
// The C side of the fence latency benchmark (bench/fence-latency.mjs): a
// plain poll() waiter. It inherits a sw_sync timeline as fd 3 and, for each
// line "<point>" on stdin, makes a fence at that point, says "ready", blocks
// in poll() until the JS side advances the timeline, and answers the
// CLOCK_MONOTONIC time (ns) it woke at. The JS side took its own
// CLOCK_MONOTONIC time (process.hrtime) just before SW_SYNC_IOC_INC, so the
// difference is signal -> waiter running, the floor a promise can reach.
#include <errno.h>
#include <linux/types.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

struct create_fence { __u32 value; char name[32]; __s32 fence; };
#define SW_SYNC_CREATE_FENCE _IOWR('W', 0, struct create_fence)

int main(void) {
  char line[64];
  while (fgets(line, sizeof line, stdin)) {
    struct create_fence c = {.value = (__u32)strtoul(line, NULL, 10)};
    strcpy(c.name, "bench");
    if (ioctl(3, SW_SYNC_CREATE_FENCE, &c) < 0) { printf("error %s\n", strerror(errno)); fflush(stdout); continue; }
    printf("ready\n");
    fflush(stdout);
    struct pollfd p = {.fd = c.fence, .events = POLLIN};
    int r;
    do r = poll(&p, 1, -1); while (r < 0 && errno == EINTR);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    printf("%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
    fflush(stdout);
    close(c.fence);
  }
  return 0;
}
