// Fixed-bucket latency histogram; see stats_hist.h.
#include "engine/stats_hist.h"

#include <string.h>

namespace uvk {

namespace {

// Values below 2*kHistSub get a bucket each; above, each power of two splits in kHistSub.
int bucket_of(int64_t v) {
  if (v < 2 * kHistSub) return int(v);
  int log2 = 63 - __builtin_clzll(uint64_t(v));         // >= 3
  int shift = log2 - 2;                                  // keeps the top 3 bits (kHistSub = 4)
  int sub = int(uint64_t(v) >> shift) - kHistSub;        // 0..3
  int b = 2 * kHistSub + (log2 - 3) * kHistSub + sub;
  return b < kHistBuckets ? b : kHistBuckets - 1;
}

// The largest value that falls in bucket b.
int64_t bucket_upper(int b) {
  if (b < 2 * kHistSub) return b;
  int k = b - 2 * kHistSub;
  int log2 = 3 + k / kHistSub, sub = k % kHistSub;
  int shift = log2 - 2;
  return ((int64_t(kHistSub + sub) + 1) << shift) - 1;
}

}  // namespace

void hist_reset(StatsHist *h) {
  memset(h, 0, sizeof *h);
}

void hist_add(StatsHist *h, int64_t v) {
  if (v < 0) v = 0;
  if (h->cnt == 0 || v < h->min) h->min = v;
  if (h->cnt == 0 || v > h->max) h->max = v;
  h->sum += v;
  h->cnt++;
  h->buckets[bucket_of(v)]++;
}

void hist_merge(StatsHist *into, const StatsHist *from) {
  if (from->cnt == 0) return;
  if (into->cnt == 0 || from->min < into->min) into->min = from->min;
  if (into->cnt == 0 || from->max > into->max) into->max = from->max;
  into->sum += from->sum;
  into->cnt += from->cnt;
  for (int i = 0; i < kHistBuckets; i++) into->buckets[i] += from->buckets[i];
}

int64_t hist_percentile(const StatsHist *h, double q) {
  if (h->cnt == 0) return 0;
  // The rank of the sample at q, 1-based: ceil(q/100 * cnt), at least 1.
  double want = q / 100.0 * double(h->cnt);
  int64_t rank = int64_t(want);
  if (double(rank) < want) rank++;
  if (rank < 1) rank = 1;
  int64_t seen = 0;
  for (int b = 0; b < kHistBuckets; b++) {
    seen += h->buckets[b];
    if (seen >= rank) {
      int64_t v = bucket_upper(b);
      return v < h->min ? h->min : v > h->max ? h->max : v;
    }
  }
  return h->max;
}

}  // namespace uvk
