/* game_server: a game server's loop with Kafka inside it. One uv_loop_t runs a 60 Hz tick
 * timer (the game), a producer that sends a burst of events every tick, and a consumer group
 * member that reads them back as fast as the broker hands them over. It reports how late the
 * ticks ran (tick jitter) while all of that happens, as one JSON line on stdout.
 *
 *   game_server BROKERS [EVENTS_PER_TICK=500] [TICKS=600] [SIZE=100]
 *
 * Exit 0: every produced event was consumed; 1: a failure (on stderr); 2: usage. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "uvkafka/uvkafka.h"

#define TICK_NS (1000000000ull / 60)

typedef struct Game {
  uv_loop_t loop;
  uv_timer_t tick;
  uvk_client *client;
  uvk_admin *admin;
  uvk_producer *producer;
  uvk_consumer *consumer;
  char topic[96];
  char *payload;
  size_t size;
  long per_tick, ticks_wanted, ticks;
  long produced, acked, consumed, failed;
  uint64_t start_ns, consume_start_ns, consume_end_ns;
  double *lateness_ms; /* one per tick */
  int stopping;
} Game;

static void fail(Game *g, const char *what, const uvk_error *err) {
  char buf[512] = "";
  if (err) uvk_error_format(err, buf, sizeof buf);
  fprintf(stderr, "game_server: %s: %s\n", what, buf);
  g->failed++;
}

static void on_stopped(uvk_consumer *c, const uvk_error *err, void *ud) {
  Game *g = (Game *)ud;
  (void)c;
  if (err) fail(g, "consumer stop", err);
  uv_stop(&g->loop);
}

static void finish(Game *g) {
  if (g->stopping) return;
  g->stopping = 1;
  uv_timer_stop(&g->tick);
  if (uvk_consumer_stop(g->consumer, on_stopped, g) != 0) uv_stop(&g->loop);
}

static void on_sent(uvk_producer *p, const uvk_error *err, const uvk_record_metadata *md, size_t n,
                    void *ud) {
  Game *g = (Game *)ud;
  (void)p;
  (void)md;
  (void)n;
  if (err) {
    fail(g, "send", err);
    finish(g);
    return;
  }
  g->acked += g->per_tick;
}

/* The game's frame: due every TICK_NS from the start; how late it runs is the jitter. */
static void on_tick(uv_timer_t *t) {
  Game *g = (Game *)t->data;
  uint64_t now = uv_hrtime();
  uint64_t due = g->start_ns + (uint64_t)g->ticks * TICK_NS;
  g->lateness_ms[g->ticks] = now > due ? (double)(now - due) / 1e6 : 0.0;
  g->ticks++;
  if (g->ticks <= g->ticks_wanted - 60) { /* the last second only drains */
    uvk_message msgs[1000];
    long n = g->per_tick < 1000 ? g->per_tick : 1000;
    for (long i = 0; i < n; i++) {
      memset(&msgs[i], 0, sizeof msgs[i]);
      msgs[i].value = g->payload;
      msgs[i].value_len = g->size;
      msgs[i].partition = -1;
      msgs[i].timestamp = -1;
    }
    uvk_send_options o;
    uvk_send_options_init(&o);
    o.acks = 1;
    o.borrow = 1; /* one payload buffer for every event, alive until the end */
    if (uvk_producer_send(g->producer, g->topic, msgs, (size_t)n, &o, on_sent, g) == 0) g->produced += n;
    else g->failed++;
  }
  if (g->ticks >= g->ticks_wanted) {
    uv_timer_stop(t);
    if (g->consumed >= g->produced) { /* the consumer caught up before the last frame */
      g->consume_end_ns = uv_hrtime();
      finish(g);
    }
    return;
  }
  uint64_t next = g->start_ns + (uint64_t)g->ticks * TICK_NS;
  now = uv_hrtime();
  uv_timer_start(t, on_tick, next > now ? (next - now + 999999) / 1000000 : 0, 0);
}

static int on_message(uvk_consumer *c, const uvk_batch *b, const uvk_consumer_message *m, void *ud) {
  Game *g = (Game *)ud;
  (void)c;
  (void)b;
  (void)m;
  if (g->consumed == 0) g->consume_start_ns = uv_hrtime();
  g->consumed++;
  if (g->ticks >= g->ticks_wanted && g->consumed >= g->produced) {
    g->consume_end_ns = uv_hrtime();
    finish(g);
  }
  return 0;
}

static void on_created(uvk_admin *a, const uvk_error *err, const uvk_admin_result *r, size_t n, void *ud) {
  Game *g = (Game *)ud;
  (void)a;
  (void)r;
  (void)n;
  if (err) {
    fail(g, "create topic", err);
    uv_stop(&g->loop);
    return;
  }
  uvk_run_options ro;
  uvk_run_options_init(&ro);
  ro.each_message = on_message;
  ro.ud = g;
  if (uvk_consumer_subscribe(g->consumer, g->topic, 1) != 0 || uvk_consumer_run(g->consumer, &ro) != 0) {
    fail(g, "consumer run", NULL);
    uv_stop(&g->loop);
    return;
  }
  g->start_ns = uv_hrtime();
  uv_timer_start(&g->tick, on_tick, 0, 0);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: game_server BROKERS [EVENTS_PER_TICK=500] [TICKS=600] [SIZE=100]\n");
    return 2;
  }
  Game g;
  memset(&g, 0, sizeof g);
  g.per_tick = argc > 2 ? atol(argv[2]) : 500;
  g.ticks_wanted = argc > 3 ? atol(argv[3]) : 600;
  g.size = argc > 4 ? (size_t)atol(argv[4]) : 100;
  if (g.per_tick < 1 || g.per_tick > 1000 || g.ticks_wanted < 120 || g.size < 1 || g.size > 1000000) {
    fprintf(stderr, "game_server: EVENTS_PER_TICK 1..1000, TICKS >= 120, SIZE 1..1000000\n");
    return 2;
  }
  g.payload = (char *)malloc(g.size);
  g.lateness_ms = (double *)calloc((size_t)g.ticks_wanted, sizeof(double));
  if (!g.payload || !g.lateness_ms) return 1;
  memset(g.payload, 'x', g.size);
  snprintf(g.topic, sizeof g.topic, "game-server-%llu", (unsigned long long)uv_hrtime());
  uv_loop_init(&g.loop);
  uv_timer_init(&g.loop, &g.tick);
  g.tick.data = &g;

  char why[256] = "";
  char group[128];
  snprintf(group, sizeof group, "%s-group", g.topic);
  uvk_config *cfg = uvk_config_new();
  if (!cfg || uvk_config_set(cfg, "brokers", argv[1], why, sizeof why) != 0 ||
      uvk_config_set(cfg, "logLevel", "WARN", why, sizeof why) != 0 ||
      uvk_config_set(cfg, "groupId", group, why, sizeof why) != 0 ||
      uvk_client_new(&g.loop, cfg, &g.client) != 0 || uvk_admin_new(g.client, cfg, &g.admin) != 0 ||
      uvk_producer_new(g.client, cfg, &g.producer) != 0 || uvk_consumer_new(g.client, cfg, &g.consumer) != 0) {
    fprintf(stderr, "game_server: setup failed %s\n", why);
    return 1;
  }
  uvk_config_free(cfg);

  uvk_admin_new_topic t;
  uvk_admin_new_topic_init(&t, g.topic);
  t.num_partitions = 3;
  if (uvk_admin_create_topics(g.admin, &t, 1, NULL, on_created, &g) != 0) return 1;
  uv_run(&g.loop, UV_RUN_DEFAULT);

  long ticks = g.ticks;
  qsort(g.lateness_ms, (size_t)ticks, sizeof(double), cmp_double);
  double secs = g.consume_end_ns > g.consume_start_ns ? (double)(g.consume_end_ns - g.consume_start_ns) / 1e9 : 0;
  printf("{\"ticks\":%ld,\"tick_hz\":60,\"events_per_tick\":%ld,\"size\":%zu,\"produced\":%ld,\"acked\":%ld,"
         "\"consumed\":%ld,\"consume_msgs_per_sec\":%.0f,\"tick_late_p50_ms\":%.3f,\"tick_late_p99_ms\":%.3f,"
         "\"tick_late_max_ms\":%.3f,\"failed\":%ld}\n",
         ticks, g.per_tick, g.size, g.produced, g.acked, g.consumed, secs > 0 ? (double)g.consumed / secs : 0,
         ticks ? g.lateness_ms[ticks / 2] : 0, ticks ? g.lateness_ms[(ticks * 99) / 100] : 0,
         ticks ? g.lateness_ms[ticks - 1] : 0, g.failed);
  int ok = g.failed == 0 && g.consumed >= g.produced && g.produced > 0;
  uvk_consumer_free(g.consumer);
  uvk_producer_free(g.producer);
  uvk_admin_free(g.admin);
  uvk_client_free(g.client);
  uv_close((uv_handle_t *)&g.tick, NULL);
  uv_run(&g.loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&g.loop) != 0) { /* the client must have released every handle */
    fprintf(stderr, "game_server: handles left on the loop after the client was freed\n");
    ok = 0;
  }
  free(g.payload);
  free(g.lateness_ms);
  return ok ? 0 : 1;
}
