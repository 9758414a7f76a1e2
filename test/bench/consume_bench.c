/* Consumer throughput and CPU per message, uvkafka or librdkafka, against the same broker.
 *
 *   consume_bench uvkafka-batch|uvkafka-message|uvkafka-async|rdkafka BROKERS TOPIC N
 *
 * A fresh consumer group reads the topic from the beginning until N messages arrived (the
 * topic must hold at least N, e.g. written by produce_bench), touching every value so
 * nothing is skipped unread. Prints one line: client, messages/s, MB/s, CPU microseconds per
 * message (user + system, the whole process), wall seconds, from the start of the group join
 * to the N-th message (both clients pay for the join), and in brackets the rate from the first
 * message to the N-th (the join left out). Both use 1 MiB per partition and
 * 50 MiB per fetch; librdkafka runs its own threads, uvkafka one loop. uvkafka-async is
 * eachBatch with a handler that finishes on the next loop turn (UVK_PENDING, then
 * uvk_consumer_done), as the Node and Python bindings' async handlers do; with
 * UVK_BENCH_HOLD_MS=N it finishes N ms later instead (a handler waiting on I/O). */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <uv.h>

#include "bench_clock.h"
#include "uvkafka/uvkafka.h"
#ifdef HAVE_RDKAFKA
#include <librdkafka/rdkafka.h>
#endif

typedef struct {
  const char *topic;
  int32_t partition;
} Held;

typedef struct {
  uv_loop_t loop;
  long n, seen;
  uint64_t bytes, checksum;
  double first_at, last_at;  /* the first and the N-th message (the group join is behind) */
  uvk_consumer *consumer;  /* uvkafka-async: batches held until the next loop turn */
  uv_timer_t done_timer;
  Held held[256];
  int n_held;
  uint64_t hold_ms;
} U;

static void touch(U *u, const void *value, size_t len) {
  const unsigned char *v = (const unsigned char *)value;
  if (u->first_at == 0) u->first_at = now_s();
  u->bytes += len;
  if (len) u->checksum += v[0] + v[len - 1];
}

static void done_at(U *u) {
  if (u->last_at == 0) u->last_at = now_s();
  uv_stop(&u->loop);
}

static int on_batch(uvk_consumer *c, const uvk_batch *b, void *ud) {
  U *u = (U *)ud;
  (void)c;
  for (size_t i = 0; i < b->n_messages; i++) touch(u, b->messages[i].value, b->messages[i].value_len);
  u->seen += (long)b->n_messages;
  if (u->seen >= u->n) done_at(u);
  return 0;
}

static void finish_held(uv_timer_t *t) {
  U *u = (U *)t->data;
  for (int i = 0; i < u->n_held; i++) uvk_consumer_done(u->consumer, u->held[i].topic, u->held[i].partition, 0);
  u->n_held = 0;
}

static int on_batch_async(uvk_consumer *c, const uvk_batch *b, void *ud) {
  U *u = (U *)ud;
  on_batch(c, b, ud);
  if (u->n_held == (int)(sizeof u->held / sizeof u->held[0])) return 0;
  u->held[u->n_held].topic = b->topic;
  u->held[u->n_held].partition = b->partition;
  u->n_held++;
  if (u->n_held == 1) uv_timer_start(&u->done_timer, finish_held, u->hold_ms, 0);
  return UVK_PENDING;
}

static int on_message(uvk_consumer *c, const uvk_batch *b, const uvk_consumer_message *m, void *ud) {
  U *u = (U *)ud;
  (void)c, (void)b;
  touch(u, m->value, m->value_len);
  if (++u->seen >= u->n) done_at(u);
  return 0;
}

static void set(uvk_config *c, const char *k, const char *v) {
  char err[256];
  if (uvk_config_set(c, k, v, err, sizeof err) != 0) {
    fprintf(stderr, "%s\n", err);
    exit(2);
  }
}

static void stopped(uvk_consumer *c, const uvk_error *e, void *ud) {
  (void)c, (void)e;
  uv_stop((uv_loop_t *)ud);
}

static void run_uvkafka(const char *brokers, const char *topic, long n, int batch, U *u) {
  uv_loop_init(&u->loop);
  uvk_config *cfg = uvk_config_new();
  char group[64];
  snprintf(group, sizeof group, "consume-bench-%llu", (unsigned long long)uv_hrtime());
  set(cfg, "brokers", brokers);
  set(cfg, "groupId", group);
  set(cfg, "maxBytesPerPartition", "1048576");
  set(cfg, "maxBytes", "52428800");
  set(cfg, "logLevel", "ERROR");
  uvk_client *client;
  uvk_consumer *c;
  if (uvk_client_new(&u->loop, cfg, &client) != 0 || uvk_consumer_new(client, cfg, &c) != 0) exit(1);
  uvk_config_free(cfg);
  if (uvk_consumer_subscribe(c, topic, 1) != 0) exit(1);
  uvk_run_options o;
  uvk_run_options_init(&o);
  if (batch == 2) o.each_batch = on_batch_async;
  else if (batch) o.each_batch = on_batch;
  else o.each_message = on_message;
  o.ud = u;
  u->consumer = c;
  uv_timer_init(&u->loop, &u->done_timer);
  u->done_timer.data = u;
  const char *hold = getenv("UVK_BENCH_HOLD_MS");
  u->hold_ms = hold ? (uint64_t)atol(hold) : 0;
  u->n = n;
  if (uvk_consumer_run(c, &o) != 0) exit(1);
  while (u->seen < n) uv_run(&u->loop, UV_RUN_DEFAULT);
  uvk_consumer_stop(c, stopped, &u->loop);
  uv_run(&u->loop, UV_RUN_DEFAULT);
  uvk_consumer_free(c);
  uvk_client_free(client);
  uv_close((uv_handle_t *)&u->done_timer, NULL);
  uv_run(&u->loop, UV_RUN_DEFAULT);
}

#ifdef HAVE_RDKAFKA
static void run_rdkafka(const char *brokers, const char *topic, long n, U *u) {
  char err[512], group[64];
  snprintf(group, sizeof group, "consume-bench-rk-%llu", (unsigned long long)uv_hrtime());
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  const char *kv[][2] = {{"bootstrap.servers", brokers},
                         {"group.id", group},
                         {"auto.offset.reset", "earliest"},
                         {"max.partition.fetch.bytes", "1048576"},
                         {"fetch.max.bytes", "52428800"},
                         {"enable.auto.commit", "true"}};
  for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
    if (rd_kafka_conf_set(conf, kv[i][0], kv[i][1], err, sizeof err) != RD_KAFKA_CONF_OK) {
      fprintf(stderr, "%s\n", err);
      exit(2);
    }
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) exit(1);
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(sub, topic, RD_KAFKA_PARTITION_UA);
  if (rd_kafka_subscribe(rk, sub) != 0) exit(1);
  rd_kafka_topic_partition_list_destroy(sub);
  while (u->seen < n) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 1000);
    if (!m) continue;
    if (!m->err) {
      touch(u, m->payload, m->len);
      u->seen++;
    }
    rd_kafka_message_destroy(m);
  }
  u->last_at = now_s();
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
}
#endif

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: consume_bench uvkafka-batch|uvkafka-message|uvkafka-async|rdkafka BROKERS TOPIC N\n");
    return 2;
  }
  const char *which = argv[1];
  long n = atol(argv[4]);
  U u;
  memset(&u, 0, sizeof u);
  double t0 = now_s(), c0 = cpu_s();
  if (strcmp(which, "uvkafka-batch") == 0) {
    run_uvkafka(argv[2], argv[3], n, 1, &u);
  } else if (strcmp(which, "uvkafka-message") == 0) {
    run_uvkafka(argv[2], argv[3], n, 0, &u);
  } else if (strcmp(which, "uvkafka-async") == 0) {
    run_uvkafka(argv[2], argv[3], n, 2, &u);
#ifdef HAVE_RDKAFKA
  } else if (strcmp(which, "rdkafka") == 0) {
    run_rdkafka(argv[2], argv[3], n, &u);
#endif
  } else {
    fprintf(stderr, "unknown client %s\n", which);
    return 2;
  }
  double wall = now_s() - t0, cpu = cpu_s() - c0;
  double flow = u.last_at > u.first_at && u.first_at > 0 ? (double)(u.seen - 1) / (u.last_at - u.first_at) : 0;
  printf("%-16s n=%ld: %.0f msg/s, %.1f MB/s, %.2f us CPU/msg, %.2f s (checksum %llu) [%.0f msg/s after the first]\n",
         which, u.seen, (double)u.seen / wall, (double)u.bytes / wall / 1e6, cpu * 1e6 / (double)u.seen, wall,
         (unsigned long long)u.checksum, flow);
  return 0;
}
