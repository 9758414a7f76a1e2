/* Producer throughput and CPU per message, uvkafka or librdkafka, against the same broker.
 *
 *   produce_bench uvkafka|rdkafka BROKERS TOPIC N SIZE ACKS LINGER_MS BATCH_BYTES [CODEC [RATE]]
 *
 * Sends N messages of SIZE bytes (keyless, so both spread them over partitions), waits for
 * every delivery report, and prints one line: client, messages/s, MB/s, CPU microseconds per
 * message (user + system, the whole process), wall seconds, peak RSS. Both clients get the
 * same batching (linger, batch bytes), acks and codec; librdkafka runs its own threads,
 * uvkafka one loop.
 * With RATE (messages per second) each message is sent on its own at its due time (checked
 * every millisecond) and the line adds latency percentiles, send call to delivery report;
 * one untimed message goes first, so both clients are connected and know the topic.
 * BENCH_SEND=tick (librdkafka, with RATE) sends in bursts every ~1 ms as uvkafka's timer does,
 * instead of each message at its own due time.
 * BENCH_TRACE=FILE (with RATE) also writes each message's times, partition and offset and the
 * client's per-batch debug log into FILE (bench_trace.h; test/bench/lat_trace.py reads it).
 * BATCH_BYTES "default" leaves each client's own batch size (uvkafka's batchSize / batchSizeMax,
 * librdkafka's batch.size).
 * BENCH_BUFFER_KB (default 262144) caps what each client may hold unsent: uvkafka's
 * bufferMemory and librdkafka's queue.buffering.max.kbytes (its message-count cap is lifted).
 * Built three ways (test/bench/meson.build): with both clients, and with one client alone
 * (produce_bench_uvkafka; produce_bench_rdkafka and _peer, -DBENCH_NO_UVKAFKA), because a
 * shared library loaded but unused still adds the pages its loading touches to the peak RSS. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <uv.h>

#include "bench_clock.h"
#include "bench_latency.h"
#include "bench_trace.h"
#ifndef BENCH_NO_UVKAFKA
#include "uvkafka/uvkafka.h"
#endif
#ifdef HAVE_RDKAFKA
#include <librdkafka/rdkafka.h>
#endif

/* The unsent-message cap both clients get, in KB (BENCH_BUFFER_KB); 0 with
 * BENCH_BUFFER_KB=default: each client keeps its own default (uvkafka's bufferMemory 32 MB,
 * librdkafka's 100,000 messages / 1 GB). */
static long buffer_kb(void) {
  const char *v = getenv("BENCH_BUFFER_KB");
  if (v && strcmp(v, "default") == 0) return 0;
  long kb = v ? atol(v) : 0;
  return kb > 0 ? kb : 262144;
}

#ifndef BENCH_NO_UVKAFKA
typedef struct {
  uv_loop_t loop;
  long pending, failed;
  int room;
} U;

static void u_sent(uvk_producer *p, const uvk_error *err, const uvk_record_metadata *md, size_t n, void *ud) {
  U *u = (U *)ud;
  (void)p, (void)md, (void)n;
  u->pending--;
  if (err) u->failed++;
  if (u->pending == 0) uv_stop(&u->loop);
}

static void u_room(uvk_producer *p, const uvk_error *e, void *ud) {
  U *u = (U *)ud;
  (void)p, (void)e;
  u->room = 1;
  uv_stop(&u->loop);
}

static void u_log(void *ud, const char *ns, int level, const char *label, const char *timestamp, const char *message,
                  const char *const *extra, size_t n_extra) {
  (void)ud, (void)level, (void)label, (void)timestamp, (void)extra, (void)n_extra;
  if (strcmp(ns, "Producer") == 0) trace_log(message);
}

static void set(uvk_config *c, const char *k, const char *v) {
  char err[256];
  if (uvk_config_set(c, k, v, err, sizeof err) != 0) {
    fprintf(stderr, "%s\n", err);
    exit(2);
  }
}

/* Fixed-rate mode: one message per send, ud is its index; latency recorded per message. */
typedef struct {
  uv_loop_t *loop;
  uvk_producer *p;
  const char *topic;
  uvk_message msg;
  uvk_send_options o;
  long n, sent, acked, failed;
  double rate;
  uint64_t t0;
  uint64_t *sent_at;
  double *lat_ms;
} R;
static R r_state;

static void r_sent(uvk_producer *p, const uvk_error *err, const uvk_record_metadata *md, size_t n, void *ud) {
  (void)p;
  long i = (long)(intptr_t)ud;
  uint64_t at = uv_hrtime();
  r_state.lat_ms[i] = (double)(at - r_state.sent_at[i]) / 1e6;
  if (n > 0) trace_msg(i, r_state.sent_at[i], at, md[0].partition, md[0].base_offset);
  if (err) r_state.failed++;
  if (++r_state.acked == r_state.n) uv_stop(r_state.loop);
}

static void r_tick(uv_timer_t *t) {
  R *r = &r_state;
  uint64_t now = uv_hrtime();
  long due = (long)((double)(now - r->t0) / 1e9 * r->rate) + 1;
  if (due > r->n) due = r->n;
  for (; r->sent < due; r->sent++) {
    r->sent_at[r->sent] = uv_hrtime();
    int rc = uvk_producer_send(r->p, r->topic, &r->msg, 1, &r->o, r_sent, (void *)(intptr_t)r->sent);
    if (rc != 0) {
      fprintf(stderr, "send: %s\n", uvk_strerror(rc));
      exit(1);
    }
  }
  if (r->sent == r->n) uv_timer_stop(t);
}

static long run_uvkafka(const char *brokers, const char *topic, long n, size_t size, int acks, const char *linger,
                        const char *batch, int codec, double rate, double *lat_ms) {
  U u;
  memset(&u, 0, sizeof u);
  uv_loop_init(&u.loop);
  uvk_config *cfg = uvk_config_new();
  set(cfg, "brokers", brokers);
  set(cfg, "linger", linger);
  if (strcmp(batch, "default") != 0) set(cfg, "batchSize", batch);
  char buffer_bytes[32];
  snprintf(buffer_bytes, sizeof buffer_bytes, "%ld", buffer_kb() * 1024);
  if (buffer_kb() > 0) set(cfg, "bufferMemory", buffer_bytes);
  set(cfg, "logLevel", trace_s.on ? "DEBUG" : "ERROR");
  if (trace_s.on) uvk_config_set_logger(cfg, u_log, NULL);
  uvk_client *client;
  uvk_producer *p;
  if (uvk_client_new(&u.loop, cfg, &client) != 0 || uvk_producer_new(client, cfg, &p) != 0) exit(1);
  uvk_config_free(cfg);
  uvk_producer_set_drain_cb(p, u_room, &u);
  uvk_send_options o;
  uvk_send_options_init(&o);
  o.acks = acks;
  o.compression = codec;
  o.borrow = 1;  /* the payload is static: no copy needed */
  char *payload = malloc(size);
  memset(payload, 'x', size);
  uv_timer_t tick; /* fixed-rate mode; closed before the loop's last run */
  if (rate > 0) {
    R *r = &r_state;
    memset(r, 0, sizeof *r);
    r->loop = &u.loop;
    r->p = p;
    r->topic = topic;
    r->msg.value = payload;
    r->msg.value_len = size;
    r->msg.partition = -1;
    r->msg.timestamp = -1;
    r->o = o;
    r->n = n;
    r->rate = rate;
    r->sent_at = calloc((size_t)n, sizeof *r->sent_at);
    r->lat_ms = lat_ms;
    uv_timer_init(&u.loop, &tick);
    /* One untimed message first: the connection and the topic's metadata are in place
     * before the clock starts (as for librdkafka below), so the percentiles are steady
     * state, not the first messages waiting for the bootstrap. */
    u.pending = 1;
    if (uvk_producer_send(p, topic, &r->msg, 1, &o, u_sent, &u) != 0) exit(1);
    while (u.pending > 0) uv_run(&u.loop, UV_RUN_DEFAULT);
    r->t0 = uv_hrtime();
    uv_timer_start(&tick, r_tick, 0, 1);
    while (r->acked < n) uv_run(&u.loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&tick, NULL);
    trace_write("uvkafka", r->t0);
    free(r->sent_at);
    u.failed += r->failed;
    n = 0; /* nothing more to send below */
  }
  enum { PER = 1000 };
  uvk_message msgs[PER];
  for (int i = 0; i < PER; i++) {
    memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].value = payload;
    msgs[i].value_len = size;
    msgs[i].partition = -1;
    msgs[i].timestamp = -1;
  }
  for (long sent = 0; sent < n; sent += PER) {
    size_t k = (size_t)(n - sent < PER ? n - sent : PER);
    int rc;
    while ((rc = uvk_producer_send(p, topic, msgs, k, &o, u_sent, &u)) == UVK_EQUEUEFULL) {
      u.room = 0;
      while (!u.room) uv_run(&u.loop, UV_RUN_DEFAULT);
    }
    if (rc != 0) {
      fprintf(stderr, "send: %s\n", uvk_strerror(rc));
      exit(1);
    }
    u.pending++;
    uv_run(&u.loop, UV_RUN_NOWAIT);
  }
  while (u.pending > 0) uv_run(&u.loop, UV_RUN_DEFAULT);
  uvk_producer_free(p);
  uvk_client_free(client);
  uv_run(&u.loop, UV_RUN_DEFAULT);
  free(payload);
  return u.failed;
}

#endif

#ifdef HAVE_RDKAFKA
static long rk_failed;
static double *rk_lat_ms;
static uint64_t *rk_sent_at;
static void rk_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk, (void)opaque;
  if (m->err) rk_failed++;
  if (rk_lat_ms) {
    long i = (long)(intptr_t)m->_private;
    uint64_t at = uv_hrtime();
    rk_lat_ms[i] = (double)(at - rk_sent_at[i]) / 1e6;
    trace_msg(i, rk_sent_at[i], at, m->partition, m->offset);
  }
}

static void rk_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
  (void)rk, (void)level, (void)fac;
  trace_log(buf);
}

/* Fixed rate: message i is due at t0 + i / rate; between sends the application thread
 * serves delivery reports (rd_kafka_poll) and sleeps in steps of at most 1 ms, the same
 * granularity as uvkafka's timer. */
static uint64_t rk_t0;
static void rk_send_at_rate(rd_kafka_t *rk, const char *topic, char *payload, size_t size, long n, double rate) {
  rk_sent_at = calloc((size_t)n, sizeof *rk_sent_at);
  /* The untimed first message (see run_uvkafka); its report is not a latency sample. */
  double *lat = rk_lat_ms;
  rk_lat_ms = NULL;
  if (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(payload, size), RD_KAFKA_V_MSGFLAGS(0),
                        RD_KAFKA_V_END) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      rd_kafka_flush(rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR)
    exit(1);
  rk_lat_ms = lat;
  uint64_t t0 = uv_hrtime();
  /* BENCH_SEND=tick: in bursts, as uvkafka's 1 ms timer sends (every ~1 ms, what is due by
   * then), so both clients see the same arrivals; by default each message at its own time. */
  const char *mode = getenv("BENCH_SEND");
  int tick = mode && strcmp(mode, "tick") == 0;
  for (long i = 0; i < n; i++) {
    uint64_t due = t0 + (uint64_t)((double)i / rate * 1e9);
    while (tick && uv_hrtime() < due) {  /* 1 ms steps: what fell due meanwhile goes at once */
      struct timespec ts = {0, 1000000};
      rd_kafka_poll(rk, 0);
      nanosleep(&ts, NULL);
    }
    for (uint64_t now; (now = uv_hrtime()) < due;) {
      rd_kafka_poll(rk, 0);
      uint64_t wait = due - now;
      struct timespec ts = {0, (long)(wait < 1000000 ? wait : 1000000)};
      nanosleep(&ts, NULL);
    }
    rk_sent_at[i] = uv_hrtime();
    while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(payload, size), RD_KAFKA_V_MSGFLAGS(0),
                             RD_KAFKA_V_OPAQUE((void *)(intptr_t)i), RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
      rd_kafka_poll(rk, 1);
  }
  rk_t0 = t0;
}

static long run_rdkafka(const char *brokers, const char *topic, long n, size_t size, int acks, const char *linger,
                        const char *batch, int codec, double rate, double *lat_ms) {
  static const char *const codecs[] = {"none", "gzip", "snappy", "lz4", "zstd"};
  char err[512], acks_s[8], buffer_s[32];
  snprintf(buffer_s, sizeof buffer_s, "%ld", buffer_kb());
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  snprintf(acks_s, sizeof acks_s, "%d", acks);
  if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err) ||
      rd_kafka_conf_set(conf, "linger.ms", linger, err, sizeof err) ||
      (strcmp(batch, "default") != 0 && rd_kafka_conf_set(conf, "batch.size", batch, err, sizeof err)) ||
      rd_kafka_conf_set(conf, "acks", acks_s, err, sizeof err) ||
      rd_kafka_conf_set(conf, "compression.codec", codecs[codec], err, sizeof err) ||
      rd_kafka_conf_set(conf, "enable.idempotence", "false", err, sizeof err) ||
      (buffer_kb() > 0 && (rd_kafka_conf_set(conf, "queue.buffering.max.kbytes", buffer_s, err, sizeof err) ||
                           rd_kafka_conf_set(conf, "queue.buffering.max.messages", "10000000", err, sizeof err)))) {
    fprintf(stderr, "%s\n", err);
    exit(2);
  }
  rd_kafka_conf_set_dr_msg_cb(conf, rk_dr);
  if (trace_s.on && (rd_kafka_conf_set(conf, "debug", "msg,protocol", err, sizeof err) != RD_KAFKA_CONF_OK)) {
    fprintf(stderr, "%s\n", err);
    exit(2);
  }
  if (trace_s.on) rd_kafka_conf_set_log_cb(conf, rk_log);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) exit(1);
  char *payload = malloc(size);
  memset(payload, 'x', size);
  rk_lat_ms = lat_ms;
  if (rate > 0) {
    rk_send_at_rate(rk, topic, payload, size, n, rate);
    n = 0; /* sent */
  }
  for (long i = 0; i < n; i++) {
    while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(payload, size),
                             RD_KAFKA_V_MSGFLAGS(0), RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
      rd_kafka_poll(rk, 10);
    if ((i & 1023) == 0) rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, 600000);
  if (rate > 0) trace_write("librdkafka", rk_t0);
  rd_kafka_destroy(rk);
  free(payload);
  free(rk_sent_at);
  return rk_failed;
}
#endif

int main(int argc, char **argv) {
  if (argc < 9) {
    fprintf(stderr, "usage: produce_bench uvkafka|rdkafka BROKERS TOPIC N SIZE ACKS LINGER_MS BATCH_BYTES [CODEC 0-4]\n");
    return 2;
  }
  const char *which = argv[1], *brokers = argv[2], *topic = argv[3];
  long n = atol(argv[4]);
  size_t size = (size_t)atol(argv[5]);
  int acks = atoi(argv[6]);
  const char *linger = argv[7], *batch = argv[8];
  int codec = argc > 9 ? atoi(argv[9]) : 0;
  double rate = argc > 10 ? atof(argv[10]) : 0;
  double *lat_ms = rate > 0 ? calloc((size_t)n, sizeof *lat_ms) : NULL;
  if (rate > 0) trace_init(n);
  double t0 = now_s(), c0 = cpu_s();
  long failed;
  if (strcmp(which, "uvkafka") == 0) {
#ifndef BENCH_NO_UVKAFKA
    failed = run_uvkafka(brokers, topic, n, size, acks, linger, batch, codec, rate, lat_ms);
#else
    fprintf(stderr, "built without uvkafka\n");
    return 2;
#endif
  } else {
#ifdef HAVE_RDKAFKA
    failed = run_rdkafka(brokers, topic, n, size, acks, linger, batch, codec, rate, lat_ms);
#else
    fprintf(stderr, "built without librdkafka\n");
    return 2;
#endif
  }
  double wall = now_s() - t0, cpu = cpu_s() - c0;
  char lat[128] = "";
  if (lat_ms) {
    latency_sort(lat_ms, (size_t)n);
    snprintf(lat, sizeof lat, ", p50 %.2f ms, p99 %.2f ms, p999 %.2f ms", latency_pct(lat_ms, (size_t)n, 50),
             latency_pct(lat_ms, (size_t)n, 99), latency_pct(lat_ms, (size_t)n, 99.9));
  }
  printf("%-8s n=%ld size=%zu acks=%d linger=%s batch=%s codec=%d: %.0f msg/s, %.1f MB/s, %.2f us CPU/msg, %.2f s, "
         "%ld KB peak RSS%s%s\n",
         which, n, size, acks, linger, batch, codec, (double)n / wall, (double)n * (double)size / wall / 1e6,
         cpu * 1e6 / (double)n, wall, peak_rss_kb(), lat, failed ? " (FAILURES)" : "");
  free(lat_ms);
  return failed ? 1 : 0;
}
