#include "io/clock.h"

#include <time.h>

namespace uvk {

int64_t io_wall_ms() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

uint64_t io_seed() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t seed = uint64_t(ts.tv_nsec) ^ uint64_t(ts.tv_sec) << 20 ^ uint64_t(uintptr_t(&ts));
  return seed ? seed : 1;
}

}  // namespace uvk
