/* Producer throughput and CPU per message, uvkafka or librdkafka, against the same broker.
 *
 *   produce_bench uvkafka|rdkafka BROKERS TOPIC N SIZE ACKS LINGER_MS BATCH_BYTES [CODEC]
 *
 * Sends N messages of SIZE bytes (keyless, so both spread them over partitions), waits for
 * every delivery report, and prints one line: client, messages/s, MB/s, CPU microseconds per
 * message (user + system, the whole process), wall seconds. Both clients get the same batching
 * (linger, batch bytes), acks and codec; librdkafka runs its own threads, uvkafka one loop. */
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

static void set(uvk_config *c, const char *k, const char *v) {
  char err[256];
  if (uvk_config_set(c, k, v, err, sizeof err) != 0) {
    fprintf(stderr, "%s\n", err);
    exit(2);
  }
}

static long run_uvkafka(const char *brokers, const char *topic, long n, size_t size, int acks, const char *linger,
                        const char *batch, int codec) {
  U u;
  memset(&u, 0, sizeof u);
  uv_loop_init(&u.loop);
  uvk_config *cfg = uvk_config_new();
  set(cfg, "brokers", brokers);
  set(cfg, "linger", linger);
  set(cfg, "batchSize", batch);
  set(cfg, "bufferMemory", "268435456");
  set(cfg, "logLevel", "ERROR");
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

#ifdef HAVE_RDKAFKA
static long rk_failed;
static void rk_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk, (void)opaque;
  if (m->err) rk_failed++;
}

static long run_rdkafka(const char *brokers, const char *topic, long n, size_t size, int acks, const char *linger,
                        const char *batch, int codec) {
  static const char *const codecs[] = {"none", "gzip", "snappy", "lz4", "zstd"};
  char err[512], acks_s[8];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  snprintf(acks_s, sizeof acks_s, "%d", acks);
  if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err) ||
      rd_kafka_conf_set(conf, "linger.ms", linger, err, sizeof err) ||
      rd_kafka_conf_set(conf, "batch.size", batch, err, sizeof err) ||
      rd_kafka_conf_set(conf, "acks", acks_s, err, sizeof err) ||
      rd_kafka_conf_set(conf, "compression.codec", codecs[codec], err, sizeof err) ||
      rd_kafka_conf_set(conf, "enable.idempotence", "false", err, sizeof err) ||
      rd_kafka_conf_set(conf, "queue.buffering.max.kbytes", "262144", err, sizeof err) ||
      rd_kafka_conf_set(conf, "queue.buffering.max.messages", "1000000", err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    exit(2);
  }
  rd_kafka_conf_set_dr_msg_cb(conf, rk_dr);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) exit(1);
  char *payload = malloc(size);
  memset(payload, 'x', size);
  for (long i = 0; i < n; i++) {
    while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(payload, size),
                             RD_KAFKA_V_MSGFLAGS(0), RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
      rd_kafka_poll(rk, 10);
    if ((i & 1023) == 0) rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, 600000);
  rd_kafka_destroy(rk);
  free(payload);
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
  double t0 = now_s(), c0 = cpu_s();
  long failed;
  if (strcmp(which, "uvkafka") == 0) {
    failed = run_uvkafka(brokers, topic, n, size, acks, linger, batch, codec);
  } else {
#ifdef HAVE_RDKAFKA
    failed = run_rdkafka(brokers, topic, n, size, acks, linger, batch, codec);
#else
    fprintf(stderr, "built without librdkafka\n");
    return 2;
#endif
  }
  double wall = now_s() - t0, cpu = cpu_s() - c0;
  printf("%-8s n=%ld size=%zu acks=%d linger=%s batch=%s codec=%d: %.0f msg/s, %.1f MB/s, %.2f us CPU/msg, %.2f s%s\n",
         which, n, size, acks, linger, batch, codec, (double)n / wall, (double)n * (double)size / wall / 1e6,
         cpu * 1e6 / (double)n, wall, failed ? " (FAILURES)" : "");
  return failed ? 1 : 0;
}
