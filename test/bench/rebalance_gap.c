/* What a rebalance costs the partitions that do not move: a producer writes one message to
 * every partition each 20 ms; three members of a group read them; a fourth joins. For every
 * partition the longest time between two deliveries (by whichever member) from the join until
 * the group is balanced again plus 3 s is measured, separately for the partitions that stayed
 * with their member and for those that moved, next to the longest gap of the 3 s before the
 * join (the baseline). kept_across_assignment_ms: the longest gap of a kept partition that
 * spans the moment its member applied a new assignment (a GROUP_JOIN event), which is what the
 * rebalance itself costs it, apart from the gaps a loaded machine adds anywhere. Also: the
 * longest time from a message's timestamp to its delivery (steady, kept), the longest lateness
 * of a 10 ms timer on this loop, and how often a gap exceeded one fetch wait, per partition
 * and second (steady: all 12 partitions over 3 s; kept: the kept ones from the join to the end).
 *
 *   rebalance_gap BROKERS consumer|cooperative|eager [FETCH_WAIT_MS]
 *
 * consumer: groupProtocol consumer (KIP-848, the broker's uniform assignor); cooperative:
 * classic with cooperative-sticky (KIP-429); eager: classic with range. FETCH_WAIT_MS is
 * maxWaitTimeInMs (default 100): a partition that keeps being fetched shows gaps of about the
 * production interval, never much more than one fetch wait. Prints one JSON line. A fresh
 * 12-partition topic and group each run. A measurement, not a test: the machine's load shows. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "uvkafka/uvkafka.h"

#define NPART 12
#define NMEM 4
#define PRODUCE_EVERY_MS 20

typedef struct Bench Bench;

typedef struct {
  Bench *b;
  uvk_consumer *c;
  int owned[NPART]; /* 1: in the latest assignment */
  int joins;
  uint64_t joined_at[32]; /* hrtime of each GROUP_JOIN while measuring (an assignment applied) */
  int n_joined_at;
} Mem;

struct Bench {
  uv_loop_t loop;
  uvk_client *client;
  uvk_producer *producer;
  uv_timer_t produce_timer, tick;
  const char *mode, *wait;
  char topic[96], group[112];
  Mem mem[NMEM];
  int n_mem;
  int created, failed;
  uint64_t last[NPART];    /* hrtime of the latest delivery, ns */
  uint64_t max_gap[NPART]; /* longest gap since measuring started, ns */
  uint64_t across[NPART];  /* longest gap spanning a GROUP_JOIN of the member that delivered after it */
  int64_t latency[NPART];  /* longest time from a message's timestamp to its delivery, ms */
  int over[NPART];         /* gaps longer than one fetch wait */
  uint64_t wait_ns;
  uint64_t last_tick, max_lag; /* the 10 ms tick's lateness: the loop itself held up, ns */
  int measuring;
  int in_flight;
  long sent;
};

static uint64_t now_ns(void) { return uv_hrtime(); }

static int64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_sent(uvk_producer *p, const uvk_error *err, const uvk_record_metadata *md, size_t n, void *ud) {
  Bench *b = (Bench *)ud;
  (void)p, (void)md, (void)n;
  b->in_flight--;
  if (err) b->failed = 1;
}

static void produce_tick(uv_timer_t *t) {
  Bench *b = (Bench *)t->data;
  if (b->in_flight > 4) return; /* the broker is slow: skip a beat rather than queue up */
  uvk_message msgs[NPART];
  char values[NPART][32];
  memset(msgs, 0, sizeof msgs);
  for (int p = 0; p < NPART; p++) {
    int n = snprintf(values[p], sizeof values[p], "%ld", b->sent++);
    msgs[p].value = values[p];
    msgs[p].value_len = (size_t)n;
    msgs[p].partition = p;
    msgs[p].timestamp = -1;
  }
  uvk_send_options o;
  uvk_send_options_init(&o);
  o.acks = 1;
  if (uvk_producer_send(b->producer, b->topic, msgs, NPART, &o, on_sent, b) == 0) b->in_flight++;
}

static int on_batch(uvk_consumer *c, const uvk_batch *batch, void *ud) {
  Mem *m = (Mem *)ud;
  Bench *b = m->b;
  (void)c;
  if (batch->n_messages == 0 || batch->partition < 0 || batch->partition >= NPART) return 0;
  uint64_t t = now_ns();
  int p = batch->partition;
  if (b->measuring && b->last[p] && t - b->last[p] > b->max_gap[p]) b->max_gap[p] = t - b->last[p];
  if (b->measuring && b->last[p] && t - b->last[p] > b->wait_ns) b->over[p]++;
  int64_t wall = wall_ms();
  for (size_t i = 0; b->measuring && i < batch->n_messages; i++)
    if (wall - batch->messages[i].timestamp > b->latency[p]) b->latency[p] = wall - batch->messages[i].timestamp;
  for (int i = 0; b->measuring && b->last[p] && i < m->n_joined_at; i++)
    if (m->joined_at[i] > b->last[p] && m->joined_at[i] <= t && t - b->last[p] > b->across[p]) b->across[p] = t - b->last[p];
  b->last[p] = t;
  return 0;
}

static void on_join(void *ud, const uvk_event *ev) {
  Mem *m = (Mem *)ud;
  (void)ev;
  uvk_topic_partition tps[NPART * 2];
  size_t n = uvk_consumer_assignment(m->c, tps, NPART * 2);
  memset(m->owned, 0, sizeof m->owned);
  for (size_t i = 0; i < n && i < NPART * 2; i++)
    if (tps[i].partition >= 0 && tps[i].partition < NPART) m->owned[tps[i].partition] = 1;
  m->joins++;
  if (m->b->measuring && m->n_joined_at < 32) m->joined_at[m->n_joined_at++] = now_ns();
}

static int owned_count(const Mem *m) {
  int k = 0;
  for (int p = 0; p < NPART; p++) k += m->owned[p];
  return k;
}

/* Every member owns `each` and together they own every partition once. */
static int balanced(const Bench *b, int each) {
  int seen[NPART] = {0};
  for (int i = 0; i < b->n_mem; i++) {
    if (owned_count(&b->mem[i]) != each) return 0;
    for (int p = 0; p < NPART; p++) seen[p] += b->mem[i].owned[p];
  }
  for (int p = 0; p < NPART; p++)
    if (seen[p] != 1) return 0;
  return 1;
}

static void add_member(Bench *b) {
  Mem *m = &b->mem[b->n_mem++];
  memset(m, 0, sizeof *m);
  m->b = b;
  uvk_config *cfg = uvk_config_new();
  char err[256];
  int consumer = strcmp(b->mode, "consumer") == 0;
  const char *kv[][2] = {
      {"groupId", b->group},
      {"groupProtocol", consumer ? "consumer" : "classic"},
      {"partitionAssigners", strcmp(b->mode, "cooperative") == 0 ? "cooperative-sticky" : "range"},
      {"maxWaitTimeInMs", b->wait},
      {"heartbeatInterval", "500"},
  };
  for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
    if (uvk_config_set(cfg, kv[i][0], kv[i][1], err, sizeof err) != 0) {
      fprintf(stderr, "config %s: %s\n", kv[i][0], err);
      exit(2);
    }
  if (uvk_consumer_new(b->client, cfg, &m->c) != 0) exit(2);
  uvk_config_free(cfg);
  uvk_consumer_on(m->c, UVK_EVENT_GROUP_JOIN, on_join, m);
  uvk_consumer_subscribe(m->c, b->topic, 0);
  uvk_run_options o;
  uvk_run_options_init(&o);
  o.each_batch = on_batch;
  o.ud = m;
  if (uvk_consumer_run(m->c, &o) != 0) exit(2);
}

static void tick(uv_timer_t *t) {
  Bench *b = (Bench *)t->data;
  uint64_t now = now_ns();
  if (b->measuring && b->last_tick && now - b->last_tick > 10000000 && now - b->last_tick - 10000000 > b->max_lag)
    b->max_lag = now - b->last_tick - 10000000;
  b->last_tick = now;
}

/* Runs the loop until pred holds or limit_ms passes; 1 when it holds. */
static int run_until(Bench *b, int (*pred)(Bench *), uint64_t limit_ms) {
  uint64_t end = uv_now(&b->loop) + limit_ms;
  while (!pred(b)) {
    if (uv_now(&b->loop) > end || b->failed) return 0;
    uv_run(&b->loop, UV_RUN_ONCE);
  }
  return 1;
}

static uint64_t g_until;
static int time_passed(Bench *b) { return uv_now(&b->loop) >= g_until; }
static int is_created(Bench *b) { return b->created; }
static int three_balanced(Bench *b) { return balanced(b, 4); }
static int four_balanced(Bench *b) { return balanced(b, 3); }

static void on_created(uvk_admin *a, const uvk_error *err, const uvk_admin_result *r, size_t n, void *ud) {
  Bench *b = (Bench *)ud;
  (void)a, (void)r, (void)n;
  if (err) b->failed = 1;
  b->created = 1;
}

int main(int argc, char **argv) {
  if (argc < 3 || (strcmp(argv[2], "consumer") && strcmp(argv[2], "cooperative") && strcmp(argv[2], "eager"))) {
    fprintf(stderr, "usage: rebalance_gap BROKERS consumer|cooperative|eager [FETCH_WAIT_MS]\n");
    return 2;
  }
  static Bench bench;
  Bench *b = &bench;
  b->mode = argv[2];
  b->wait = argc > 3 ? argv[3] : "100";
  b->wait_ns = (uint64_t)atoi(b->wait) * 1000000;
  unsigned long long stamp = (unsigned long long)uv_hrtime();
  snprintf(b->topic, sizeof b->topic, "gap-%.16s-%llu", b->mode, stamp);
  snprintf(b->group, sizeof b->group, "gap-%.16s-%llu-group", b->mode, stamp);
  uv_loop_init(&b->loop);
  uvk_config *cfg = uvk_config_new();
  char err[256];
  if (uvk_config_set(cfg, "brokers", argv[1], err, sizeof err) != 0 ||
      uvk_config_set(cfg, "logLevel", "ERROR", err, sizeof err) != 0 || uvk_client_new(&b->loop, cfg, &b->client) != 0) {
    fprintf(stderr, "client: %s\n", err);
    return 2;
  }
  uvk_config_free(cfg);
  uvk_admin *admin;
  if (uvk_admin_new(b->client, NULL, &admin) != 0) return 2;
  uvk_admin_new_topic nt;
  uvk_admin_new_topic_init(&nt, b->topic);
  nt.num_partitions = NPART;
  uvk_admin_create_topics(admin, &nt, 1, NULL, on_created, b);
  if (!run_until(b, is_created, 30000) || b->failed) {
    fprintf(stderr, "could not create %s\n", b->topic);
    return 1;
  }
  if (uvk_producer_new(b->client, NULL, &b->producer) != 0) return 2;
  uv_timer_init(&b->loop, &b->produce_timer);
  b->produce_timer.data = b;
  uv_timer_start(&b->produce_timer, produce_tick, PRODUCE_EVERY_MS, PRODUCE_EVERY_MS);
  uv_timer_init(&b->loop, &b->tick);
  b->tick.data = b;
  uv_timer_start(&b->tick, tick, 10, 10);
  for (int i = 0; i < 3; i++) add_member(b);
  if (!run_until(b, three_balanced, 120000)) {
    fprintf(stderr, "three members never balanced\n");
    return 1;
  }
  g_until = uv_now(&b->loop) + 2000; /* warm up: offsets found, fetch sessions set up */
  run_until(b, time_passed, 10000);
  g_until = uv_now(&b->loop) + 3000; /* steady state: its gaps are the baseline */
  b->measuring = 1;
  run_until(b, time_passed, 10000);
  uint64_t steady_max = 0, steady_lag = b->max_lag;
  int64_t steady_latency = 0;
  int steady_over = 0;
  for (int p = 0; p < NPART; p++) {
    steady_over += b->over[p];
    if (b->max_gap[p] > steady_max) steady_max = b->max_gap[p];
    if (b->latency[p] > steady_latency) steady_latency = b->latency[p];
  }
  int before[NMEM][NPART];
  for (int i = 0; i < 3; i++) memcpy(before[i], b->mem[i].owned, sizeof before[i]);
  memset(b->max_gap, 0, sizeof b->max_gap);
  memset(b->across, 0, sizeof b->across);
  memset(b->latency, 0, sizeof b->latency);
  memset(b->over, 0, sizeof b->over);
  b->max_lag = 0;
  for (int i = 0; i < b->n_mem; i++) b->mem[i].n_joined_at = 0;
  b->measuring = 1;
  uint64_t t0 = uv_now(&b->loop);
  add_member(b);
  if (!run_until(b, four_balanced, 120000)) {
    fprintf(stderr, "four members never balanced\n");
    return 1;
  }
  uint64_t balanced_ms = uv_now(&b->loop) - t0;
  g_until = uv_now(&b->loop) + 3000;
  run_until(b, time_passed, 10000);
  b->measuring = 0;
  double window_s = (double)(uv_now(&b->loop) - t0) / 1000.0;
  /* Kept: the same one of the first three owned it before and owns it now. */
  uint64_t kept_max = 0, moved_max = 0, moved_min = UINT64_MAX, kept_across = 0;
  int64_t kept_latency = 0;
  int kept_over = 0;
  int kept = 0, moved = 0;
  for (int p = 0; p < NPART; p++) {
    int stayed = 0;
    for (int i = 0; i < 3; i++) stayed |= before[i][p] && b->mem[i].owned[p];
    if (stayed) {
      kept++;
      if (b->max_gap[p] > kept_max) kept_max = b->max_gap[p];
      if (b->across[p] > kept_across) kept_across = b->across[p];
      if (b->latency[p] > kept_latency) kept_latency = b->latency[p];
      kept_over += b->over[p];
    } else {
      moved++;
      if (b->max_gap[p] > moved_max) moved_max = b->max_gap[p];
      if (b->max_gap[p] < moved_min) moved_min = b->max_gap[p];
    }
  }
  printf("{\"mode\":\"%s\",\"fetch_wait_ms\":%s,\"produce_every_ms\":%d,\"steady_max_gap_ms\":%.0f,"
         "\"steady_max_latency_ms\":%lld,\"steady_loop_lag_ms\":%.0f,"
         "\"balanced_after_ms\":%llu,\"kept\":%d,\"kept_max_gap_ms\":%.0f,\"kept_across_assignment_ms\":%.0f,"
         "\"kept_max_latency_ms\":%lld,\"loop_lag_ms\":%.0f,\"moved\":%d,\"moved_gap_ms\":[%.0f,%.0f],"
         "\"over_wait_per_partition_s\":{\"steady\":%.3f,\"kept\":%.3f}}\n",
         b->mode, b->wait, PRODUCE_EVERY_MS, steady_max / 1e6, (long long)steady_latency, steady_lag / 1e6,
         (unsigned long long)balanced_ms, kept, kept_max / 1e6, kept_across / 1e6, (long long)kept_latency,
         b->max_lag / 1e6, moved, moved ? moved_min / 1e6 : 0.0, moved_max / 1e6, steady_over / (3.0 * NPART),
         kept ? kept_over / (window_s * kept) : 0.0);
  fflush(stdout);
  _exit(b->failed ? 1 : 0); /* a measurement: the broker drops the members after their session */
}
