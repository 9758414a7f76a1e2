/* An idle consumer: what a group member costs while its topic gets no messages.
 *
 *   idle_bench uvkafka|rdkafka BROKERS TOPIC SECONDS [FETCH_WAIT_MS]
 *
 * Joins a fresh group on TOPIC, waits until it has its assignment, then measures SECONDS of
 * idling and prints one JSON line: CPU seconds (user + system, whole process), context
 * switches (voluntary + involuntary: each is a thread waking up), threads, peak RSS. Without
 * FETCH_WAIT_MS each client keeps its default fetch wait (KafkaJS's maxWaitTimeInMs 5000 for
 * uvkafka, fetch.wait.max.ms 500 for librdkafka); with it both use that. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <uv.h>

#include "bench_clock.h"
#include "uvkafka/uvkafka.h"
#ifdef HAVE_RDKAFKA
#include <librdkafka/rdkafka.h>
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

static long switches(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_nvcsw + ru.ru_nivcsw;
}

static void report(const char *client, double secs, double cpu, long csw) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("{\"client\":\"%s\",\"seconds\":%.1f,\"cpu_s\":%.4f,\"context_switches\":%ld,\"threads\":%d,"
         "\"max_rss_kb\":%ld}\n",
         client, secs, cpu, csw, threads_now(), ru.ru_maxrss);
}

typedef struct {
  uv_loop_t loop;
  int joined, done;
  uv_timer_t timer;
} U;

static void on_join(void *ud, const uvk_event *ev) {
  U *u = (U *)ud;
  (void)ev;
  u->joined = 1;
  uv_stop(&u->loop);
}

static int on_message(uvk_consumer *c, const uvk_batch *b, const uvk_consumer_message *m, void *ud) {
  (void)c, (void)b, (void)m, (void)ud;
  return 0;
}

static void on_timer(uv_timer_t *t) {
  U *u = (U *)t->data;
  u->done = 1;
  uv_stop(&u->loop);
}

static void on_stopped(uvk_consumer *c, const uvk_error *e, void *ud) {
  (void)c, (void)e;
  uv_stop((uv_loop_t *)ud);
}

static const char *g_wait;

static int run_uvkafka(const char *brokers, const char *topic, double secs) {
  U u;
  char err[256], group[64];
  memset(&u, 0, sizeof u);
  uv_loop_init(&u.loop);
  snprintf(group, sizeof group, "idle-bench-uvk-%llu", (unsigned long long)uv_hrtime());
  uvk_config *cfg = uvk_config_new();
  if (uvk_config_set(cfg, "brokers", brokers, err, sizeof err) || uvk_config_set(cfg, "groupId", group, err, sizeof err) ||
      uvk_config_set(cfg, "logLevel", "NOTHING", err, sizeof err) ||
      (g_wait && uvk_config_set(cfg, "maxWaitTimeInMs", g_wait, err, sizeof err))) {
    fprintf(stderr, "%s\n", err);
    return 2;
  }
  uvk_client *client;
  uvk_consumer *c;
  if (uvk_client_new(&u.loop, cfg, &client) || uvk_consumer_new(client, cfg, &c)) return 1;
  uvk_config_free(cfg);
  uvk_consumer_on(c, UVK_EVENT_GROUP_JOIN, on_join, &u);
  if (uvk_consumer_subscribe(c, topic, 0) != 0) return 1;
  uvk_run_options o;
  uvk_run_options_init(&o);
  o.each_message = on_message;
  if (uvk_consumer_run(c, &o) != 0) return 1;
  while (!u.joined) uv_run(&u.loop, UV_RUN_DEFAULT);
  /* let the first fetches settle, then measure */
  uv_timer_init(&u.loop, &u.timer);
  u.timer.data = &u;
  uv_timer_start(&u.timer, on_timer, 2000, 0);
  while (!u.done) uv_run(&u.loop, UV_RUN_DEFAULT);
  u.done = 0;
  double c0 = cpu_s();
  long s0 = switches();
  uv_timer_start(&u.timer, on_timer, (uint64_t)(secs * 1000), 0);
  while (!u.done) uv_run(&u.loop, UV_RUN_DEFAULT);
  report("uvkafka", secs, cpu_s() - c0, switches() - s0);
  uv_close((uv_handle_t *)&u.timer, NULL);
  uvk_consumer_stop(c, on_stopped, &u.loop);
  uv_run(&u.loop, UV_RUN_DEFAULT);
  uvk_consumer_free(c);
  uvk_client_free(client);
  uv_run(&u.loop, UV_RUN_DEFAULT);
  return 0;
}

#ifdef HAVE_RDKAFKA
static int r_assigned;
static void r_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts, void *opaque) {
  (void)opaque;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    rd_kafka_assign(rk, parts);
    r_assigned = 1;
  } else {
    rd_kafka_assign(rk, NULL);
  }
}

static int run_rdkafka(const char *brokers, const char *topic, double secs) {
  char err[512], group[64];
  snprintf(group, sizeof group, "idle-bench-rk-%llu", (unsigned long long)uv_hrtime());
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "group.id", group, err, sizeof err) != RD_KAFKA_CONF_OK ||
      (g_wait && rd_kafka_conf_set(conf, "fetch.wait.max.ms", g_wait, err, sizeof err) != RD_KAFKA_CONF_OK)) {
    fprintf(stderr, "%s\n", err);
    return 2;
  }
  rd_kafka_conf_set_rebalance_cb(conf, r_rebalance);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) return 1;
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(sub, topic, RD_KAFKA_PARTITION_UA);
  if (rd_kafka_subscribe(rk, sub) != 0) return 1;
  rd_kafka_topic_partition_list_destroy(sub);
  while (!r_assigned) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
    if (m) rd_kafka_message_destroy(m);
  }
  double settle = now_s() + 2;
  while (now_s() < settle) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
    if (m) rd_kafka_message_destroy(m);
  }
  double c0 = cpu_s(), end = now_s() + secs;
  long s0 = switches();
  /* the application's poll loop, as librdkafka asks for: a 1 s timeout */
  while (now_s() < end) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 1000);
    if (m) rd_kafka_message_destroy(m);
  }
  report("librdkafka", secs, cpu_s() - c0, switches() - s0);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return 0;
}
#endif

int main(int argc, char **argv) {
  if (argc != 5 && argc != 6) {
    fprintf(stderr, "usage: idle_bench uvkafka|rdkafka BROKERS TOPIC SECONDS [FETCH_WAIT_MS]\n");
    return 2;
  }
  g_wait = argc == 6 ? argv[5] : NULL;
  double secs = atof(argv[4]);
  if (strcmp(argv[1], "uvkafka") == 0) return run_uvkafka(argv[2], argv[3], secs);
#ifdef HAVE_RDKAFKA
  if (strcmp(argv[1], "rdkafka") == 0) return run_rdkafka(argv[2], argv[3], secs);
#endif
  fprintf(stderr, "unknown client %s\n", argv[1]);
  return 2;
}
