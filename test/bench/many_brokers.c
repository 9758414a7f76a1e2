/* Threads and memory against a cluster of many brokers: librdkafka's mock cluster in one
 * process, the client under test in another.
 *
 *   many_brokers serve N [SECONDS]       mock cluster of N brokers, topic "many" with N
 *                                        partitions (one per broker); prints the bootstrap
 *                                        list, serves SECONDS (600) or until killed
 *   many_brokers uvkafka|rdkafka BOOTSTRAP N
 *                                        produces one message to each of the N partitions (so
 *                                        the client talks to every broker), then prints one
 *                                        JSON line: threads, peak RSS, seconds, acknowledged
 *
 * librdkafka keeps a thread per broker; uvkafka runs on the caller's loop thread whatever
 * the number of brokers. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <uv.h>

#include "bench_clock.h"
#include "uvkafka/uvkafka.h"
#ifdef HAVE_RDKAFKA
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#endif

static int threads_now(void) {
  int n = 0;
  DIR *d = opendir("/proc/self/task");
  if (!d) return -1;
  for (struct dirent *e; (e = readdir(d));)
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

static long max_rss_kb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

static void report(const char *client, int brokers, int threads, double secs, long acked) {
  printf("{\"client\":\"%s\",\"brokers\":%d,\"threads\":%d,\"max_rss_kb\":%ld,\"seconds\":%.3f,\"acked\":%ld}\n",
         client, brokers, threads, max_rss_kb(), secs, acked);
}

typedef struct {
  uv_loop_t loop;
  long pending, acked;
  int threads_peak;
} U;

static void u_sent(uvk_producer *p, const uvk_error *err, const uvk_record_metadata *md, size_t n, void *ud) {
  U *u = (U *)ud;
  (void)p, (void)md, (void)n;
  if (!err) u->acked++;
  else fprintf(stderr, "uvkafka: %s\n", uvk_error_message(err));
  int t = threads_now();
  if (t > u->threads_peak) u->threads_peak = t;
  if (--u->pending == 0) uv_stop(&u->loop);
}

static int run_uvkafka(const char *bootstrap, int n) {
  U u;
  char err[256];
  memset(&u, 0, sizeof u);
  uv_loop_init(&u.loop);
  uvk_config *cfg = uvk_config_new();
  if (uvk_config_set(cfg, "brokers", bootstrap, err, sizeof err) || uvk_config_set(cfg, "logLevel", getenv("UVK_LOG") ? getenv("UVK_LOG") : "NOTHING", err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return 2;
  }
  uvk_client *client;
  uvk_producer *p;
  if (uvk_client_new(&u.loop, cfg, &client) || uvk_producer_new(client, cfg, &p)) return 1;
  uvk_config_free(cfg);
  double t0 = now_s();
  uvk_send_options o;
  uvk_send_options_init(&o);
  o.acks = 1;
  for (int i = 0; i < n; i++) {
    uvk_message m = {NULL, 0, "x", 1, i, -1, NULL, 0};
    if (uvk_producer_send(p, "many", &m, 1, &o, u_sent, &u) == 0) u.pending++;
  }
  if (u.pending) uv_run(&u.loop, UV_RUN_DEFAULT);
  double secs = now_s() - t0;
  int t = threads_now();
  report("uvkafka", n, t > u.threads_peak ? t : u.threads_peak, secs, u.acked);
  uvk_producer_free(p);
  uvk_client_free(client);
  uv_run(&u.loop, UV_RUN_DEFAULT);
  return u.acked == n ? 0 : 1;
}

#ifdef HAVE_RDKAFKA
static long r_acked;
static void r_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk, (void)opaque;
  if (!m->err) r_acked++;
}

static int run_rdkafka(const char *bootstrap, int n) {
  char err[256];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err);
  rd_kafka_conf_set(conf, "acks", "1", err, sizeof err);
  rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
  rd_kafka_conf_set_dr_msg_cb(conf, r_dr);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  double t0 = now_s();
  for (int i = 0; i < n; i++)
    rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("many"), RD_KAFKA_V_PARTITION(i), RD_KAFKA_V_VALUE("x", 1), RD_KAFKA_V_END);
  rd_kafka_flush(rk, 120000);
  double secs = now_s() - t0;
  report("librdkafka", n, threads_now(), secs, r_acked);
  rd_kafka_destroy(rk);
  return r_acked == n ? 0 : 1;
}

static int serve(int n, unsigned seconds) {
  char err[256];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, n);
  if (!mc || rd_kafka_mock_topic_create(mc, "many", n, 1) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    fprintf(stderr, "cannot create the mock cluster\n");
    return 1;
  }
  printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);
  sleep(seconds);
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
#endif

int main(int argc, char **argv) {
  if ((argc == 3 || argc == 4) && strcmp(argv[1], "serve") == 0) {
#ifdef HAVE_RDKAFKA
    return serve(atoi(argv[2]), argc == 4 ? (unsigned)atoi(argv[3]) : 600u);
#else
    fprintf(stderr, "built without librdkafka\n");
    return 2;
#endif
  }
  if (argc == 4 && strcmp(argv[1], "uvkafka") == 0) return run_uvkafka(argv[2], atoi(argv[3]));
#ifdef HAVE_RDKAFKA
  if (argc == 4 && strcmp(argv[1], "rdkafka") == 0) return run_rdkafka(argv[2], atoi(argv[3]));
#endif
  fprintf(stderr, "usage: many_brokers serve N [SECONDS] | uvkafka|rdkafka BOOTSTRAP N\n");
  return 2;
}
