/* uvk perf: throughput, CPU and latency of the producer and the consumer (C99, public ABI).
 *
 *   uvk perf produce -b BROKERS -t TOPIC -n COUNT -s SIZE [--acks N] [--compression C]
 *                    [--linger-ms N] [--idempotent] [--rate MSGS_PER_S] [--threads N] [--stats-ms N]
 *                    [-X key=value]...
 *   uvk perf consume -b BROKERS -t TOPIC -n COUNT [-g GROUP] [--each message|batch] [--stats-ms N]
 *                    [-X key=value]...
 *
 * A progress line goes to stderr once a second when stderr is a terminal. The last line of
 * stdout is one JSON object: client, mode, msgs, failed, seconds, msgs_per_sec, mb_per_sec,
 * cpu_s, max_rss_kb, p50_ms, p99_ms, p999_ms. Produce latency runs from the send call to the
 * acknowledgement; consume latency is end to end, from the timestamp `uvk perf produce`
 * writes into each value (the first 8 bytes: wall-clock microseconds) to its delivery
 * (needs SIZE >= 8; otherwise the latency fields are null).
 * --threads N: N application threads send one message per call through the producer's
 * thread-safe send queue (uvk_send_queue_send, copying, waiting for room); the loop runs on
 * the main thread.
 * --stats-ms N: the client's statistics document (uvk_stats.h, docs/operations.md) every N ms,
 * one JSON line each on stderr (stdout keeps its last-line result). */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "uvk_cli.h"
#include "uvkafka/uvkafka.h"

#define CHUNK 500 /* messages per send call when not rate-limited */

typedef struct Perf {
  uv_loop_t loop;
  uvk_client *client;
  uvk_producer *producer;
  uvk_consumer *consumer;
  long n, size, done, failed, in_flight;
  uint64_t bytes;
  double *lat_ms; /* one per message with a latency */
  long n_lat;
  int room;
  int tty;
  double start, last_progress, cpu0;
  int stopped;
  uv_timer_t pace; /* --rate: wakes the loop when the next message is due */
  char error[256];
} Perf;

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t wall_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         (double)ru.ru_stime.tv_usec / 1e6;
}

static long max_rss_kb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

static void progress(Perf *p) {
  if (!p->tty) return;
  double now = mono_s();
  if (now - p->last_progress < 1.0) return;
  p->last_progress = now;
  fprintf(stderr, "\r%ld / %ld messages, %.0f msg/s   ", p->done, p->n, (double)p->done / (now - p->start));
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void print_pct(const Perf *p, const char *name, double q, int last) {
  if (p->n_lat == 0) {
    printf("\"%s\":null%s", name, last ? "" : ",");
    return;
  }
  long i = (long)(q * (double)(p->n_lat - 1) + 0.5);
  printf("\"%s\":%.3f%s", name, p->lat_ms[i], last ? "" : ",");
}

static void report(Perf *p, const char *mode, double seconds) {
  double cpu = cpu_s() - p->cpu0;
  if (p->tty) fprintf(stderr, "\n");
  qsort(p->lat_ms, (size_t)p->n_lat, sizeof(double), cmp_double);
  printf("{\"client\":\"uvkafka %s\",\"mode\":\"%s\",\"msgs\":%ld,\"failed\":%ld,\"seconds\":%.3f,"
         "\"msgs_per_sec\":%.1f,\"mb_per_sec\":%.3f,\"cpu_s\":%.3f,\"max_rss_kb\":%ld,",
         uvk_version(), mode, p->done, p->failed, seconds, seconds > 0 ? (double)p->done / seconds : 0.0,
         seconds > 0 ? (double)p->bytes / seconds / 1e6 : 0.0, cpu, max_rss_kb());
  print_pct(p, "p50_ms", 0.50, 0);
  print_pct(p, "p99_ms", 0.99, 0);
  print_pct(p, "p999_ms", 0.999, 1);
  printf("}\n");
}

/* ---- produce ---------------------------------------------------------------------------- */

typedef struct Chunk {
  Perf *p;
  double sent_at;
  long n;
} Chunk;

static void on_sent(uvk_producer *pr, const uvk_error *err, const uvk_record_metadata *md, size_t n_md, void *ud) {
  Chunk *c = (Chunk *)ud;
  Perf *p = c->p;
  double lat = (mono_s() - c->sent_at) * 1000.0;
  (void)pr, (void)md, (void)n_md;
  if (err) {
    p->failed += c->n;
    if (!p->error[0]) uvk_error_format(err, p->error, sizeof p->error);
  } else {
    long i;
    for (i = 0; i < c->n; i++) p->lat_ms[p->n_lat++] = lat;
  }
  p->done += c->n;
  p->in_flight -= c->n;
  free(c);
  progress(p);
  uv_stop(&p->loop);
}

static void on_room(uvk_producer *pr, const uvk_error *e, void *ud) {
  Perf *p = (Perf *)ud;
  (void)pr, (void)e;
  p->room = 1;
  uv_stop(&p->loop);
}

/* Sends messages [from, from + k) in one call; 0 or the send error. */
static int send_chunk(Perf *p, const char *topic, char *payload, long k, const uvk_send_options *o) {
  uvk_message msgs[CHUNK];
  Chunk *c = (Chunk *)malloc(sizeof *c);
  long i;
  int rc;
  if (!c) return UVK_ENOMEM;
  c->p = p;
  c->n = k;
  for (i = 0; i < k; i++) {
    memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].value = payload;
    msgs[i].value_len = (size_t)p->size;
    msgs[i].partition = -1;
    msgs[i].timestamp = -1;
  }
  if (p->size >= 8) {
    uint64_t t = wall_us();
    memcpy(payload, &t, 8); /* copied by the send (borrow is off) */
  }
  c->sent_at = mono_s();
  while ((rc = uvk_producer_send(p->producer, topic, msgs, (size_t)k, o, on_sent, c)) == UVK_EQUEUEFULL) {
    p->room = 0;
    while (!p->room) uv_run(&p->loop, UV_RUN_DEFAULT);
    c->sent_at = mono_s();
  }
  if (rc != 0) {
    free(c);
    return rc;
  }
  p->in_flight += k;
  p->bytes += (uint64_t)(k * p->size);
  return 0;
}

static void tick(uv_timer_t *t) { uv_stop(t->loop); }

static int perf_produce(Perf *p, uvk_config *cfg, const char *topic, double rate, int acks, int codec) {
  uvk_send_options o;
  char *payload = (char *)calloc(1, (size_t)(p->size > 0 ? p->size : 1));
  long sent = 0;
  int rc = 0;
  if (!payload) return 1;
  memset(payload, 'x', (size_t)p->size);
  if (uvk_producer_new(p->client, cfg, &p->producer) != 0) return 1;
  uvk_producer_set_drain_cb(p->producer, on_room, p);
  uvk_send_options_init(&o);
  o.acks = acks;
  o.compression = codec;
  uv_timer_init(&p->loop, &p->pace);
  p->start = mono_s();
  while (sent < p->n && rc == 0) {
    long k = p->n - sent < CHUNK ? p->n - sent : CHUNK;
    if (rate > 0) {
      /* One message per call, at its due time. */
      double due = p->start + (double)sent / rate, now = mono_s();
      k = 1;
      if (due > now) {
        uv_timer_start(&p->pace, tick, (uint64_t)((due - now) * 1000.0) + 1, 0); /* never 0: no spinning */
        uv_run(&p->loop, UV_RUN_DEFAULT);
        continue;
      }
    }
    rc = send_chunk(p, topic, payload, k, &o);
    if (rc == 0) sent += k;
    uv_run(&p->loop, UV_RUN_NOWAIT);
  }
  if (rc != 0) fprintf(stderr, "uvk perf: send failed: %s\n", uvk_strerror(rc));
  while (p->in_flight > 0) uv_run(&p->loop, UV_RUN_DEFAULT);
  report(p, "produce", mono_s() - p->start);
  uv_close((uv_handle_t *)&p->pace, NULL); /* finishes in main's last uv_run */
  uvk_producer_free(p->producer);
  free(payload);
  return rc != 0 || p->failed ? 1 : 0;
}

/* ---- consume ---------------------------------------------------------------------------- */

static void note(Perf *p, const uvk_consumer_message *m) {
  p->bytes += m->value_len;
  if (m->value_len >= 8 && p->n_lat < p->n) {
    uint64_t t;
    memcpy(&t, m->value, 8);
    uint64_t now = wall_us();
    /* Only plausible stamps (written by uvk perf produce within the last day). */
    if (t <= now && now - t < 86400000000ull) p->lat_ms[p->n_lat++] = (double)(now - t) / 1000.0;
  }
}

static int each_batch(uvk_consumer *c, const uvk_batch *b, void *ud) {
  Perf *p = (Perf *)ud;
  size_t i;
  (void)c;
  for (i = 0; i < b->n_messages; i++) note(p, &b->messages[i]);
  p->done += (long)b->n_messages;
  progress(p);
  if (p->done >= p->n) uv_stop(&p->loop);
  return 0;
}

static int each_message(uvk_consumer *c, const uvk_batch *b, const uvk_consumer_message *m, void *ud) {
  Perf *p = (Perf *)ud;
  (void)c, (void)b;
  note(p, m);
  p->done++;
  progress(p);
  if (p->done >= p->n) uv_stop(&p->loop);
  return 0;
}

static void on_crash(uvk_consumer *c, const uvk_error *err, void *ud) {
  Perf *p = (Perf *)ud;
  (void)c;
  uvk_error_format(err, p->error, sizeof p->error);
  p->failed = 1;
  uv_stop(&p->loop);
}

static void on_stopped(uvk_consumer *c, const uvk_error *err, void *ud) {
  Perf *p = (Perf *)ud;
  (void)c, (void)err;
  p->stopped = 1;
  uv_stop(&p->loop);
}

static int perf_consume(Perf *p, uvk_config *cfg, const char *topic, int batch) {
  uvk_run_options o;
  if (uvk_consumer_new(p->client, cfg, &p->consumer) != 0 || uvk_consumer_subscribe(p->consumer, topic, 1) != 0)
    return 1;
  uvk_consumer_set_crash_cb(p->consumer, on_crash, p);
  uvk_run_options_init(&o);
  if (batch) o.each_batch = each_batch;
  else o.each_message = each_message;
  o.ud = p;
  p->start = mono_s();
  if (uvk_consumer_run(p->consumer, &o) != 0) return 1;
  while (p->done < p->n && !p->failed) uv_run(&p->loop, UV_RUN_DEFAULT);
  double seconds = mono_s() - p->start;
  uvk_consumer_stop(p->consumer, on_stopped, p);
  while (!p->stopped) uv_run(&p->loop, UV_RUN_DEFAULT);
  report(p, batch ? "consume-batch" : "consume-message", seconds);
  uvk_consumer_free(p->consumer);
  return p->failed ? 1 : 0;
}

/* ---- main ------------------------------------------------------------------------------- */

/* ---- produce from N threads (uvk_send_queue) ------------------------------------------- */

typedef struct Sender {
  Perf *p;
  uvk_send_queue *q;
  const char *topic;
  const uvk_send_options *o;
  long from, to; /* message numbers this thread sends */
  int rc;
  uv_thread_t tid;
} Sender;

static uv_mutex_t g_ended_mu;
static int g_ended; /* senders finished (under g_ended_mu) */

typedef struct QSlot {
  Perf *p;
  double sent_at;
} QSlot;

static void on_sent_slot(uvk_producer *pr, const uvk_error *err, const uvk_record_metadata *md, size_t n_md,
                         void *ud) {
  QSlot *slot = (QSlot *)ud;
  Perf *p = slot->p;
  (void)pr, (void)md, (void)n_md;
  if (err) {
    p->failed++;
    if (!p->error[0]) uvk_error_format(err, p->error, sizeof p->error);
  } else {
    p->lat_ms[p->n_lat++] = (mono_s() - slot->sent_at) * 1000.0;
  }
  p->done++;
  progress(p);
}

static QSlot *g_slots;

static void sender_main(void *arg) {
  Sender *s = (Sender *)arg;
  char *payload = (char *)malloc((size_t)(s->p->size > 0 ? s->p->size : 1));
  long i;
  if (!payload) {
    s->rc = UVK_ENOMEM;
    return;
  }
  memset(payload, 'x', (size_t)s->p->size);
  for (i = s->from; i < s->to; i++) {
    uvk_message m;
    memset(&m, 0, sizeof m);
    m.value = payload;
    m.value_len = (size_t)s->p->size;
    m.partition = -1;
    m.timestamp = -1;
    if (s->p->size >= 8) {
      uint64_t t = wall_us();
      memcpy(payload, &t, 8); /* copied by the queue */
    }
    g_slots[i].p = s->p;
    g_slots[i].sent_at = mono_s();
    s->rc = uvk_send_queue_send(s->q, s->topic, &m, 1, s->o, -1, on_sent_slot, &g_slots[i]);
    if (s->rc != 0) break;
  }
  free(payload);
  uv_mutex_lock(&g_ended_mu);
  g_ended++;
  uv_mutex_unlock(&g_ended_mu);
}

static int perf_produce_threads(Perf *p, uvk_config *cfg, const char *topic, int threads, int acks, int codec) {
  uvk_send_options o;
  uvk_send_queue *q = NULL;
  Sender *s = (Sender *)calloc((size_t)threads, sizeof *s);
  int i, rc = 0, ended = 0;
  g_slots = (QSlot *)calloc((size_t)p->n, sizeof *g_slots);
  if (!s || !g_slots) return 1;
  if (uvk_producer_new(p->client, cfg, &p->producer) != 0) return 1;
  if (uvk_send_queue_new(p->producer, NULL, &q) != 0 || uv_mutex_init(&g_ended_mu) != 0) return 1;
  uvk_send_options_init(&o);
  o.acks = acks;
  o.compression = codec;
  p->start = mono_s();
  for (i = 0; i < threads; i++) {
    s[i].p = p;
    s[i].q = q;
    s[i].topic = topic;
    s[i].o = &o;
    s[i].from = p->n * i / threads;
    s[i].to = p->n * (i + 1) / threads;
    if (uv_thread_create(&s[i].tid, sender_main, &s[i]) != 0) return 1;
  }
  p->bytes = (uint64_t)p->n * (uint64_t)p->size;
  /* The queue's wake-up keeps the loop alive: run turns until every accepted message
   * completed (all of them, unless a sender failed). */
  while (p->done < p->n) {
    uvk_send_queue_stats st;
    st.struct_size = sizeof st;
    uv_mutex_lock(&g_ended_mu);
    ended = g_ended;
    uv_mutex_unlock(&g_ended_mu);
    if (ended == threads && uvk_send_queue_get_stats(q, &st) == 0 && p->done >= (long)st.messages) break;
    uv_run(&p->loop, UV_RUN_ONCE);
  }
  for (i = 0; i < threads; i++) {
    uv_thread_join(&s[i].tid);
    if (s[i].rc != 0) {
      fprintf(stderr, "uvk perf: send failed: %s\n", uvk_strerror(s[i].rc));
      rc = s[i].rc;
    }
  }
  report(p, "produce", mono_s() - p->start);
  uvk_producer_free(p->producer);
  uvk_send_queue_release(q);
  uv_mutex_destroy(&g_ended_mu);
  free(g_slots);
  free(s);
  return rc != 0 || p->failed ? 1 : 0;
}

/* --stats-ms: one statistics document per line on stderr. */
static void print_stats(void *ud, const char *json, size_t len) {
  (void)ud;
  fprintf(stderr, "%.*s\n", (int)len, json);
}

static void perf_usage(void) {
  fprintf(stderr,
          "usage: uvk perf produce -b BROKERS -t TOPIC -n COUNT -s SIZE [--acks N] [--compression C]\n"
          "                        [--linger-ms N] [--idempotent] [--rate MSGS_PER_S] [--threads N]\n"
          "                        [--stats-ms N] [-X key=value]...\n"
          "       uvk perf consume -b BROKERS -t TOPIC -n COUNT [-g GROUP] [--each message|batch]\n"
          "                        [--stats-ms N] [-X key=value]...   (+ the TLS / SASL flags)\n"
          "  --stats-ms N: a statistics JSON document every N ms, one line each on stderr\n");
}

static int codec_of(const char *name) {
  if (strcmp(name, "none") == 0) return UVK_COMPRESSION_NONE;
  if (strcmp(name, "gzip") == 0) return UVK_COMPRESSION_GZIP;
  if (strcmp(name, "snappy") == 0) return UVK_COMPRESSION_SNAPPY;
  if (strcmp(name, "lz4") == 0) return UVK_COMPRESSION_LZ4;
  if (strcmp(name, "zstd") == 0) return UVK_COMPRESSION_ZSTD;
  return -1;
}

int uvk_perf_main(int argc, char **argv) {
  Perf p;
  const char *mode = argc > 0 ? argv[0] : "", *brokers = NULL, *topic = NULL, *group = NULL;
  double rate = 0;
  int threads = 0;
  int acks = -1, codec = UVK_COMPRESSION_NONE, batch = 1, rc, i;
  char group_buf[64];
  uvk_config *cfg;
  memset(&p, 0, sizeof p);
  p.n = -1;
  p.size = 100;
  if (strcmp(mode, "produce") != 0 && strcmp(mode, "consume") != 0) {
    perf_usage();
    return 2;
  }
  cfg = uvk_config_new();
  if (!cfg) return 1;
  uvk_cli_set(cfg, "logLevel", "ERROR");
  for (i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    int used = uvk_cli_take_common(cfg, argc, argv, &i);
    if (used < 0) goto usage;
    if (used) continue;
    if (!v) goto usage;
    if (strcmp(a, "-b") == 0) brokers = v;
    else if (strcmp(a, "-t") == 0) topic = v;
    else if (strcmp(a, "-n") == 0) p.n = atol(v);
    else if (strcmp(a, "-s") == 0) p.size = atol(v);
    else if (strcmp(a, "-g") == 0) group = v;
    else if (strcmp(a, "--acks") == 0) acks = atoi(v);
    else if (strcmp(a, "--rate") == 0) rate = atof(v);
    else if (strcmp(a, "--threads") == 0) threads = atoi(v);
    else if (strcmp(a, "--compression") == 0) {
      if ((codec = codec_of(v)) < 0) goto usage;
    } else if (strcmp(a, "--linger-ms") == 0) {
      if (uvk_cli_set(cfg, "linger", v)) goto usage;
    } else if (strcmp(a, "--stats-ms") == 0) {
      if (atoi(v) <= 0 || uvk_cli_set(cfg, "statisticsIntervalMs", v)) goto usage;
      uvk_config_set_stats_cb(cfg, print_stats, NULL);
    } else if (strcmp(a, "--each") == 0) {
      if (strcmp(v, "batch") == 0) batch = 1;
      else if (strcmp(v, "message") == 0) batch = 0;
      else goto usage;
    } else if (strcmp(a, "--idempotent") == 0) {
      if (uvk_cli_set(cfg, "idempotent", "true")) goto usage;
      continue;
    } else {
      goto usage;
    }
    i++;
  }
  if (!brokers || !topic || p.n <= 0 || p.size < 0 || (acks != -1 && acks != 0 && acks != 1)) goto usage;
  if (threads < 0 || threads > 256 || (threads > 0 && (rate > 0 || strcmp(mode, "produce") != 0))) goto usage;
  if (uvk_cli_set(cfg, "brokers", brokers)) goto usage;
  if (strcmp(mode, "consume") == 0) {
    if (!group) {
      snprintf(group_buf, sizeof group_buf, "uvk-perf-%llu", (unsigned long long)uv_hrtime());
      group = group_buf;
    }
    if (uvk_cli_set(cfg, "groupId", group)) goto usage;
  }
  p.lat_ms = (double *)malloc(sizeof(double) * (size_t)p.n);
  if (!p.lat_ms || uv_loop_init(&p.loop) != 0) return 1;
  p.tty = isatty(2);
  if (uvk_client_new(&p.loop, cfg, &p.client) != 0) {
    fprintf(stderr, "uvk perf: the client could not be created\n");
    return 1;
  }
  p.cpu0 = cpu_s();
  if (threads > 0) rc = perf_produce_threads(&p, cfg, topic, threads, acks, codec);
  else rc = strcmp(mode, "produce") == 0 ? perf_produce(&p, cfg, topic, rate, acks, codec)
                                          : perf_consume(&p, cfg, topic, batch);
  uvk_config_free(cfg);
  if (p.error[0]) fprintf(stderr, "uvk perf: FAILED: %s\n", p.error);
  uvk_cli_client_close(&p.loop, p.client);
  uv_run(&p.loop, UV_RUN_DEFAULT);
  uv_loop_close(&p.loop);
  free(p.lat_ms);
  return rc;
usage:
  uvk_config_free(cfg);
  perf_usage();
  return 2;
}
