/* Wall and CPU clocks shared by the benchmarks. */
#ifndef UVK_BENCH_CLOCK_H
#define UVK_BENCH_CLOCK_H
#include <sys/resource.h>
#include <time.h>

/* Monotonic seconds. */
static inline double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* User + system CPU seconds of the whole process (every thread). */
static inline double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         (double)ru.ru_stime.tv_usec / 1e6;
}

#endif
