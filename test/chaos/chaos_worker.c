/* chaos_worker: the client processes of the chaos soak (test/chaos/soak.py), over the public
 * C ABI. Each prints what the checker needs, one line per event, flushed at once, so a
 * SIGKILL loses at most the line being written.
 *
 *   chaos_worker produce  BROKERS TOPIC PARTITIONS ID [PER_TICK=20]
 *     idempotent, acks -1; every 10 ms one send of PER_TICK values "ID:SEQ" to the next
 *     partition (round robin), at most 64 sends in flight.
 *     "A SEQ COUNT PARTITION BASE_OFFSET": SEQ .. SEQ+COUNT-1 acknowledged at BASE_OFFSET ..
 *     "F SEQ COUNT CODE": that send failed (its values may or may not be in the log).
 *   chaos_worker pipeline BROKERS GROUP IN OUT TXID
 *     consume-transform-produce: reads IN (read_committed) in GROUP and writes each value
 *     "IN-PARTITION:IN-OFFSET:VALUE" to the same partition of OUT in transactions that also
 *     commit the consumed offsets (sendOffsets); the group's own autocommit is off.
 *     "B GEN PARTITION FIRST LAST": a batch taken into the next transaction;
 *     "T N gen GEN P@NEXT...": a transaction with N records committed, the offsets it committed;
 *     "X CODE WHY gen GEN P@NEXT...": one aborted. The offsets carry
 *     the group metadata of when the records arrived (KIP-447); CHAOS_PLAIN_OFFSETS=1 sends
 *     them without it, as KafkaJS's sendOffsets does.
 *
 *   chaos_worker admin BROKERS reassign TOPIC PARTITION R1,R2,...   (alterPartitionReassignments)
 *   chaos_worker admin BROKERS elect TOPIC                          (preferred leader election)
 *     the nemesis's admin faults; prints each partition's outcome, exits 0 once answered.
 *
 * CHAOS_LOG=INFO|DEBUG: the library's log on stderr (default ERROR).
 * CHAOS_PROXY=FILE: every broker connection through a TCP fault proxy (chaos_proxy.cc);
 * SIGUSR1 applies the fault FILE names.
 * SIGTERM: finish (flush / stop the consumer and commit), "S ..." summary, exit 0. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "uvkafka/uvkafka.h"

int chaos_proxy_install(uvk_config *cfg, uv_loop_t *loop, const char *ctl); /* chaos_proxy.cc */

#define MAX_IN_FLIGHT 64
#define MAX_QUEUED 20000

typedef struct Worker {
  uv_loop_t loop;
  uv_timer_t tick;
  uv_signal_t sigterm;
  uvk_client *client;
  uvk_producer *producer;
  uvk_consumer *consumer;
  const char *topic, *group, *out;
  int32_t partitions, next_partition;
  long id, per_tick, seq, in_flight, acked, failed, txns, aborts;
  int stopping;
  int in_txn;
  int commit_tries; /* commits of the open transaction that timed out (retriable) */
  char why[128]; /* why the open transaction is being aborted */
  int plain_offsets; /* CHAOS_PLAIN_OFFSETS=1: sendOffsets without the group metadata (KafkaJS's) */
} Worker;

static void die(const char *what, const uvk_error *err) {
  fprintf(stderr, "chaos_worker: %s: %s\n", what, err ? uvk_error_message(err) : "failed");
  exit(1);
}

static uvk_config *base_config(const char *brokers, const char *client_id) {
  char why[256] = "";
  uvk_config *cfg = uvk_config_new();
  if (!cfg || uvk_config_set(cfg, "brokers", brokers, why, sizeof why) != 0 ||
      uvk_config_set(cfg, "clientId", client_id, why, sizeof why) != 0 ||
      uvk_config_set(cfg, "logLevel", getenv("CHAOS_LOG") ? getenv("CHAOS_LOG") : "ERROR", why, sizeof why) != 0 ||
      uvk_config_set(cfg, "retry.retries", "1000", why, sizeof why) != 0 ||
      uvk_config_set(cfg, "retry.maxRetryTime", "2000", why, sizeof why) != 0) {
    fprintf(stderr, "chaos_worker: config: %s\n", why);
    exit(2);
  }
  return cfg;
}

static void set(uvk_config *cfg, const char *k, const char *v) {
  char why[256] = "";
  if (uvk_config_set(cfg, k, v, why, sizeof why) != 0) {
    fprintf(stderr, "chaos_worker: config %s: %s\n", k, why);
    exit(2);
  }
}

/* ---- produce ---------------------------------------------------------------------- */

typedef struct Send {
  Worker *w;
  long seq, count;
  int32_t partition;
  char *buf;
  uvk_message *msgs;
} Send;

static void produce_done(uvk_producer *p, const uvk_error *err, void *ud) {
  Worker *w = (Worker *)ud;
  (void)p;
  if (err) fprintf(stderr, "chaos_worker: producer finish: %s\n", uvk_error_message(err));
  printf("S produce sent %ld acked %ld failed %ld\n", w->seq, w->acked, w->failed);
  fflush(stdout);
  uv_stop(&w->loop);
}

static void on_sent(uvk_producer *p, const uvk_error *err, const uvk_record_metadata *md, size_t n, void *ud) {
  Send *s = (Send *)ud;
  Worker *w = s->w;
  (void)p;
  w->in_flight--;
  if (err || n != 1 || md[0].error != 0) {
    printf("F %ld %ld %d\n", s->seq, s->count, err ? uvk_error_code(err) : (n ? md[0].error : -1));
    w->failed += s->count;
  } else {
    printf("A %ld %ld %d %lld\n", s->seq, s->count, (int)md[0].partition, (long long)md[0].base_offset);
    w->acked += s->count;
  }
  fflush(stdout);
  free(s->buf);
  free(s->msgs);
  free(s);
}

static void on_tick(uv_timer_t *t) {
  Worker *w = (Worker *)t->data;
  if (w->stopping || w->in_flight >= MAX_IN_FLIGHT) return;
  Send *s = (Send *)calloc(1, sizeof *s);
  size_t width = 48;
  if (!s || !(s->buf = (char *)malloc((size_t)w->per_tick * width)) ||
      !(s->msgs = (uvk_message *)calloc((size_t)w->per_tick, sizeof *s->msgs)))
    die("out of memory", NULL);
  s->w = w;
  s->seq = w->seq;
  s->count = w->per_tick;
  s->partition = w->next_partition;
  w->next_partition = (w->next_partition + 1) % w->partitions;
  for (long i = 0; i < w->per_tick; i++) {
    char *v = s->buf + (size_t)i * width;
    int len = snprintf(v, width, "%ld:%ld", w->id, w->seq + i);
    s->msgs[i].value = v;
    s->msgs[i].value_len = (size_t)len;
    s->msgs[i].partition = s->partition;
    s->msgs[i].timestamp = -1;
  }
  uvk_send_options o;
  uvk_send_options_init(&o);
  o.borrow = 1;
  int rc = uvk_producer_send(w->producer, w->topic, s->msgs, (size_t)s->count, &o, on_sent, s);
  if (rc != 0) {  /* queue full: nothing was taken, the same numbers go next time */
    free(s->buf);
    free(s->msgs);
    free(s);
    return;
  }
  w->seq += s->count;
  w->in_flight++;
}

static void produce_stop(Worker *w) {
  uv_timer_stop(&w->tick);
  if (uvk_producer_disconnect(w->producer, produce_done, w) != 0) produce_done(w->producer, NULL, w);
}

/* ---- pipeline --------------------------------------------------------------------- */

/* Batches waiting for a transaction: their records (already transformed) and offsets, and
 * the group metadata of when they arrived (KIP-447 fencing: a rebalance since refuses them). */
typedef struct TxnSet {
  char **values;
  int32_t *partition;
  size_t n_values, cap;
  uvk_topic_partition_offset held[256];
  char topics[256][128];
  size_t n_held;
  uvk_group_metadata group;
  char member_id[256];
  char instance_id[256];
} TxnSet;

static TxnSet sets[2];
static TxnSet *cur = &sets[0], *nxt = &sets[1];

static void start_txn(Worker *w);

static void release(Worker *w, TxnSet *s, int result) {
  for (size_t i = 0; i < s->n_held; i++)
    if (uvk_consumer_done(w->consumer, s->held[i].topic, s->held[i].partition, result) != 0)
      printf("D %d not pending\n", (int)s->held[i].partition);
  for (size_t i = 0; i < s->n_values; i++) free(s->values[i]);
  s->n_values = 0;
  s->n_held = 0;
}

static void txn_over(Worker *w, int committed, int code) {
  if (committed) {
    printf("T %zu", cur->n_values);
    w->txns++;
  } else {
    printf("X %d %s", code, w->why[0] ? w->why : "-");
    w->aborts++;
  }
  printf(" gen %d", (int)cur->group.generation_id);  /* and each partition's next offset: */
  for (size_t i = 0; i < cur->n_held; i++) printf(" %d@%lld", (int)cur->held[i].partition, (long long)cur->held[i].offset);
  printf("\n");
  w->why[0] = '\0';
  fflush(stdout);
  release(w, cur, committed ? 0 : -1);  /* aborted: fetched again from the committed offsets */
  w->in_txn = 0;  /* only now: batches delivered during the release wait in nxt */
  start_txn(w);
}

static void on_aborted(uvk_producer *p, const uvk_error *err, void *ud) {
  (void)p;
  txn_over((Worker *)ud, 0, err ? uvk_error_code(err) : 0);
}

/* A commit that failed leaves the transaction open: a retriable failure (its deadline passed,
   the first may have landed) is committed again, twice at most, anything else is aborted. */
static void after_txn(uvk_producer *p, const uvk_error *err, void *ud) {
  Worker *w = (Worker *)ud;
  if (err && uvk_error_txn_class(err) == UVK_TXN_ERR_RETRIABLE && w->commit_tries++ < 2 &&
      uvk_producer_commit_transaction(p, after_txn, w) == 0)
    return;
  if (err) {
    snprintf(w->why, sizeof w->why, "commit:%d", uvk_error_code(err));
    if (uvk_producer_abort_transaction(p, on_aborted, w) == 0) return;
  }
  txn_over(w, err == NULL, err ? uvk_error_code(err) : 0);
}

static void on_offsets_sent(uvk_producer *p, const uvk_error *err, void *ud) {
  Worker *w = (Worker *)ud;
  if (err) {
    const char *name = uvk_error_kafka_name(err);
    snprintf(w->why, sizeof w->why, "%s", name ? name : uvk_error_message(err));
  }
  if (err || uvk_producer_commit_transaction(p, after_txn, w) != 0) {
    if (uvk_producer_abort_transaction(p, on_aborted, w) != 0) {
      fprintf(stderr, "chaos_worker: cannot abort: %s\n", err ? uvk_error_message(err) : "-");
      exit(1);  /* a fatal transactional state: a restart fences and recovers */
    }
  }
}

static void on_txn_sent(uvk_producer *p, const uvk_error *err, const uvk_record_metadata *md, size_t n, void *ud) {
  (void)p;
  (void)err;
  (void)md;
  (void)n;
  (void)ud;  /* commit waits for every send of the transaction and fails if one did */
}

/* One transaction for every batch waiting: their records to OUT, their offsets to the group. */
static void start_txn(Worker *w) {
  if (w->in_txn || nxt->n_held == 0) return;
  TxnSet *t = cur;
  cur = nxt;
  nxt = t;
  if (uvk_producer_begin_transaction(w->producer) != 0) {
    fprintf(stderr, "chaos_worker: begin transaction refused\n");
    exit(1);
  }
  w->in_txn = 1;
  w->commit_tries = 0;
  uvk_message *msgs = (uvk_message *)calloc(cur->n_values + 1, sizeof *msgs);
  if (!msgs) die("out of memory", NULL);
  for (size_t i = 0; i < cur->n_values; i++) {
    msgs[i].value = cur->values[i];
    msgs[i].value_len = strlen(cur->values[i]);
    msgs[i].partition = cur->partition[i];
    msgs[i].timestamp = -1;
  }
  uvk_producer_send(w->producer, w->out, msgs, cur->n_values, NULL, on_txn_sent, w);  /* copied */
  free(msgs);
  int rc = w->plain_offsets ? uvk_producer_send_offsets(w->producer, w->group, cur->held, cur->n_held, on_offsets_sent, w)
                            : uvk_producer_send_consumer_offsets(w->producer, &cur->group, cur->held, cur->n_held,
                                                                 on_offsets_sent, w);
  if (rc != 0) on_offsets_sent(w->producer, NULL, w);
}

static int on_batch(uvk_consumer *c, const uvk_batch *b, void *ud) {
  Worker *w = (Worker *)ud;
  TxnSet *s = nxt;
  if (b->n_messages == 0) return 0;
  uvk_group_metadata g;
  uvk_consumer_group_metadata(c, &g);
  if (s->n_held == sizeof s->held / sizeof s->held[0] || (s->n_held && s->n_values + b->n_messages > MAX_QUEUED) ||
      (s->n_held && g.generation_id != s->group.generation_id))
    return -1;  /* the next transaction is full or of another generation: fetched again shortly */
  if (s->n_values + b->n_messages > s->cap) {  /* one batch may hold more than MAX_QUEUED records */
    size_t cap = s->n_values + b->n_messages;
    char **v = (char **)realloc(s->values, cap * sizeof *v);
    if (v) s->values = v;
    int32_t *pp = (int32_t *)realloc(s->partition, cap * sizeof *pp);
    if (pp) s->partition = pp;
    if (!v || !pp) die("out of memory", NULL);
    s->cap = cap;
  }
  if (s->n_held == 0) {
    snprintf(s->member_id, sizeof s->member_id, "%s", g.member_id);
    snprintf(s->instance_id, sizeof s->instance_id, "%s", g.group_instance_id ? g.group_instance_id : "");
    s->group = g;
    s->group.member_id = s->member_id;
    s->group.group_instance_id = g.group_instance_id ? s->instance_id : NULL;
  }
  for (size_t i = 0; i < b->n_messages; i++) {
    const uvk_consumer_message *m = &b->messages[i];
    char *v = (char *)malloc(m->value_len + 48);
    if (!v) die("out of memory", NULL);
    int k = snprintf(v, 48, "%d:%lld:", (int)b->partition, (long long)m->offset);
    memcpy(v + k, m->value, m->value_len);
    v[(size_t)k + m->value_len] = '\0';
    s->values[s->n_values] = v;
    s->partition[s->n_values] = b->partition;
    s->n_values++;
  }
  printf("B %d %d %lld %lld\n", (int)g.generation_id, (int)b->partition, (long long)b->first_offset,
         (long long)b->last_offset);
  fflush(stdout);  /* a SIGKILLed life's batches are what a duplicate is traced to */
  snprintf(s->topics[s->n_held], sizeof s->topics[0], "%s", b->topic);
  s->held[s->n_held].topic = s->topics[s->n_held];
  s->held[s->n_held].partition = b->partition;
  s->held[s->n_held].offset = b->last_offset + 1;
  s->n_held++;
  start_txn(w);
  return UVK_PENDING;
}

static void on_consumer_stopped(uvk_consumer *c, const uvk_error *err, void *ud) {
  Worker *w = (Worker *)ud;
  (void)c;
  if (err) fprintf(stderr, "chaos_worker: consumer stop: %s\n", uvk_error_message(err));
  printf("S pipeline transactions %ld aborted %ld\n", w->txns, w->aborts);
  fflush(stdout);
  uv_stop(&w->loop);
}

static void on_crash(uvk_consumer *c, const uvk_error *err, void *ud) {
  (void)c;
  (void)ud;
  die("consumer crashed", err);
}

/* ---- admin ------------------------------------------------------------------------ */

static void on_admin(uvk_admin *a, const uvk_error *err, const uvk_admin_partition_result *r, size_t n, void *ud) {
  Worker *w = (Worker *)ud;
  (void)a;
  printf("admin: %s\n", err ? uvk_error_message(err) : "ok");
  for (size_t i = 0; i < n; i++)
    printf("  %s %d: %d %s\n", r[i].topic, (int)r[i].partition, r[i].error, r[i].error_message ? r[i].error_message : "");
  fflush(stdout);
  uv_stop(&w->loop);
}

static int admin_main(Worker *w, int argc, char **argv) {
  uvk_config *cfg = base_config(argv[2], "chaos-admin");
  uvk_admin *admin = NULL;
  if (uvk_client_new(&w->loop, cfg, &w->client) != 0 || uvk_admin_new(w->client, cfg, &admin) != 0) die("admin", NULL);
  uvk_config_free(cfg);
  int rc = -1;
  if (strcmp(argv[3], "reassign") == 0 && argc == 7) {
    int32_t replicas[16];
    size_t n = 0;
    for (char *t = strtok(argv[6], ","); t && n < 16; t = strtok(NULL, ",")) replicas[n++] = atoi(t);
    uvk_admin_reassignment r = {argv[4], atoi(argv[5]), replicas, n};
    rc = uvk_admin_alter_partition_reassignments(admin, &r, 1, 10000, on_admin, w);
  } else if (strcmp(argv[3], "elect") == 0 && argc == 5) {
    uvk_admin_topic_partitions tp = {argv[4], NULL, 0};
    rc = uvk_admin_elect_leaders(admin, 0, &tp, 1, 10000, on_admin, w);
  } else {
    return 2;
  }
  if (rc != 0) {
    fprintf(stderr, "chaos_worker: admin call refused (%d)\n", rc);
    return 1;
  }
  uv_run(&w->loop, UV_RUN_DEFAULT);
  return 0;
}

/* ---- main ------------------------------------------------------------------------- */

static void on_signal(uv_signal_t *s, int signum) {
  Worker *w = (Worker *)s->data;
  (void)signum;
  if (w->stopping++) exit(1);
  if (w->consumer) {
    if (uvk_consumer_stop(w->consumer, on_consumer_stopped, w) != 0) on_consumer_stopped(w->consumer, NULL, w);
  } else {
    produce_stop(w);
  }
}

static int usage(void) {
  fprintf(stderr, "usage: chaos_worker produce BROKERS TOPIC PARTITIONS ID [PER_TICK]\n"
                  "       chaos_worker pipeline BROKERS GROUP IN OUT TXID\n"
                  "       chaos_worker admin BROKERS reassign TOPIC PARTITION R1,R2,... | elect TOPIC\n");
  return 2;
}

int main(int argc, char **argv) {
  static Worker w;
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  if (argc < 2) return usage();
  uv_loop_init(&w.loop);
  uv_signal_init(&w.loop, &w.sigterm);
  w.sigterm.data = &w;
  uv_signal_start(&w.sigterm, on_signal, SIGTERM);
  if (strcmp(argv[1], "admin") == 0 && argc >= 5) {
    int rc = admin_main(&w, argc, argv);
    if (rc == 2) return usage();
    fflush(stdout);
    _exit(rc);  /* the answer is in: no need to close the connections politely */
  }
  const char *proxy = getenv("CHAOS_PROXY");
  if (strcmp(argv[1], "produce") == 0 && (argc == 6 || argc == 7)) {
    w.topic = argv[3];
    w.partitions = atoi(argv[4]);
    w.id = atol(argv[5]);
    w.per_tick = argc == 7 ? atol(argv[6]) : 20;
    if (w.partitions < 1 || w.per_tick < 1 || w.per_tick > 1000) return usage();
    char cid[64];
    snprintf(cid, sizeof cid, "chaos-producer-%ld", w.id);
    uvk_config *cfg = base_config(argv[2], cid);
    set(cfg, "idempotent", "true");
    if (proxy && chaos_proxy_install(cfg, &w.loop, proxy) != 0) die("proxy", NULL);
    if (uvk_client_new(&w.loop, cfg, &w.client) != 0 || uvk_producer_new(w.client, cfg, &w.producer) != 0)
      die("producer", NULL);
    uvk_config_free(cfg);
    uv_timer_init(&w.loop, &w.tick);
    w.tick.data = &w;
    uv_timer_start(&w.tick, on_tick, 10, 10);
  } else if (strcmp(argv[1], "pipeline") == 0 && argc == 7) {
    w.group = argv[3];
    w.topic = argv[4];
    w.out = argv[5];
    w.plain_offsets = getenv("CHAOS_PLAIN_OFFSETS") && strcmp(getenv("CHAOS_PLAIN_OFFSETS"), "1") == 0;
    char cid[160];
    snprintf(cid, sizeof cid, "chaos-%s", argv[6]);
    uvk_config *cfg = base_config(argv[2], cid);
    set(cfg, "groupId", w.group);
    set(cfg, "transactionalId", argv[6]);
    if (proxy && chaos_proxy_install(cfg, &w.loop, proxy) != 0) die("proxy", NULL);
    if (uvk_client_new(&w.loop, cfg, &w.client) != 0 || uvk_producer_new(w.client, cfg, &w.producer) != 0 ||
        uvk_consumer_new(w.client, cfg, &w.consumer) != 0)
      die("pipeline", NULL);
    uvk_config_free(cfg);
    uvk_consumer_set_crash_cb(w.consumer, on_crash, &w);
    uvk_run_options ro;
    uvk_run_options_init(&ro);
    ro.each_batch = on_batch;
    ro.ud = &w;
    ro.auto_commit = 0;
    if (uvk_consumer_subscribe(w.consumer, w.topic, 1) != 0 || uvk_consumer_run(w.consumer, &ro) != 0)
      die("consumer run", NULL);
  } else {
    return usage();
  }
  uv_run(&w.loop, UV_RUN_DEFAULT);
  fflush(stdout);
  return 0;
}
