/* Latency percentiles and peak memory shared by the benchmarks. */
#ifndef UVK_BENCH_LATENCY_H
#define UVK_BENCH_LATENCY_H
#include <stddef.h>
#include <stdlib.h>
#include <sys/resource.h>

static int latency_cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static inline void latency_sort(double *ms, size_t n) { qsort(ms, n, sizeof *ms, latency_cmp); }

/* The pct-th percentile of n sorted values (nearest rank). */
static inline double latency_pct(const double *sorted, size_t n, double pct) {
  if (n == 0) return 0;
  size_t rank = (size_t)(pct / 100.0 * (double)n + 0.999999);
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return sorted[rank - 1];
}

/* Peak resident set of the whole process, KB (Linux reports ru_maxrss in KB). */
static inline long peak_rss_kb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

#endif
