// The library's clocks, read here and nowhere else: the layers above lib/io get time through
// the engine's seam (a `now` argument, EngineIo::wall_ms). The loop's monotonic time is
// io_now (driver.h), libuv's cached uv_now.
#pragma once
#include <stdint.h>

namespace uvk {

// Wall-clock milliseconds since the epoch.
int64_t io_wall_ms();
// A seed for the engine's retry jitter when the configuration gives none.
uint64_t io_seed();

}  // namespace uvk
