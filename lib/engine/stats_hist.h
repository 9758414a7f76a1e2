// A small fixed-size latency histogram for statistics (rtt, throttle): exact min, max, sum
// and count, and percentiles from log-linear buckets (4 per power of two), so recording a
// sample never allocates. Values are non-negative integers in any unit (we record ms).
#pragma once
#include <stdint.h>

namespace uvk {

inline constexpr int kHistSub = 4;                    // buckets per power of two
inline constexpr int kHistBuckets = 2 * kHistSub + 40 * kHistSub;  // up to 2^41: beyond any ms timeout

struct StatsHist {
  int64_t min, max, sum, cnt;
  uint32_t buckets[kHistBuckets];
};

void hist_reset(StatsHist *h);
void hist_add(StatsHist *h, int64_t v);
void hist_merge(StatsHist *into, const StatsHist *from);
// The value at percentile q (0..100): the upper bound of the bucket holding it, clamped to
// [min, max]; 0 when empty.
int64_t hist_percentile(const StatsHist *h, double q);
inline int64_t hist_avg(const StatsHist *h) { return h->cnt ? h->sum / h->cnt : 0; }

}  // namespace uvk
