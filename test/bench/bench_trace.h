/* Latency traces of produce_bench's fixed-rate mode (BENCH_TRACE=FILE): each message's send
 * and acknowledgement times, partition and offset, and the client's per-batch debug log
 * lines with the monotonic time they were logged (uv_hrtime, the clock of the latencies), for
 * test/bench/lat_trace.py. librdkafka logs from its own threads, hence the lock. */
#ifndef UVK_BENCH_TRACE_H
#define UVK_BENCH_TRACE_H
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

typedef struct {
  uint64_t ns;
  char *line;
} TraceLine;

static struct {
  int on;
  pthread_mutex_t mu;
  TraceLine *lines;
  size_t n, cap;
  long n_msgs;
  uint64_t *send_ns, *ack_ns;
  int32_t *partition;
  int64_t *offset;
} trace_s = {0, PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 0, NULL, NULL, NULL, NULL};

static inline void trace_init(long n_msgs) {
  trace_s.on = getenv("BENCH_TRACE") != NULL && n_msgs > 0;
  if (!trace_s.on) return;
  trace_s.n_msgs = n_msgs;
  trace_s.send_ns = calloc((size_t)n_msgs, sizeof *trace_s.send_ns);
  trace_s.ack_ns = calloc((size_t)n_msgs, sizeof *trace_s.ack_ns);
  trace_s.partition = calloc((size_t)n_msgs, sizeof *trace_s.partition);
  trace_s.offset = calloc((size_t)n_msgs, sizeof *trace_s.offset);
}

static inline void trace_log(const char *msg) {
  uint64_t ns = uv_hrtime();
  pthread_mutex_lock(&trace_s.mu);
  if (trace_s.n == trace_s.cap) {
    trace_s.cap = trace_s.cap ? trace_s.cap * 2 : 4096;
    trace_s.lines = realloc(trace_s.lines, trace_s.cap * sizeof *trace_s.lines);
  }
  trace_s.lines[trace_s.n].ns = ns;
  trace_s.lines[trace_s.n++].line = strdup(msg);
  pthread_mutex_unlock(&trace_s.mu);
}

static inline void trace_msg(long i, uint64_t send_ns, uint64_t ack_ns, int32_t partition, int64_t offset) {
  if (!trace_s.on || i < 0 || i >= trace_s.n_msgs) return;
  trace_s.send_ns[i] = send_ns;
  trace_s.ack_ns[i] = ack_ns;
  trace_s.partition[i] = partition;
  trace_s.offset[i] = offset;
}

/* Times in ns relative to t0 (the first timed send's due time); log lines before it are negative. */
static inline void trace_write(const char *client, uint64_t t0) {
  if (!trace_s.on) return;
  FILE *f = fopen(getenv("BENCH_TRACE"), "w");
  if (!f) {
    perror("BENCH_TRACE");
    return;
  }
  fprintf(f, "C %s\n", client);
  for (long i = 0; i < trace_s.n_msgs; i++)
    fprintf(f, "M %ld %lld %lld %d %lld\n", i, (long long)(trace_s.send_ns[i] - t0),
            (long long)(trace_s.ack_ns[i] - t0), trace_s.partition[i], (long long)trace_s.offset[i]);
  for (size_t i = 0; i < trace_s.n; i++) {
    for (char *c = trace_s.lines[i].line; *c; c++)
      if (*c == '\n') *c = ' ';
    fprintf(f, "L %lld %s\n", (long long)(trace_s.lines[i].ns - t0), trace_s.lines[i].line);
  }
  fclose(f);
}

#endif
