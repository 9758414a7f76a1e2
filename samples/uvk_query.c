/* uvk query: offsets for a time, kcat's -Q.
 *
 *   uvk query -b BROKERS -t TOPIC:PARTITION:TIMESTAMP_MS [-t ...]... [-J] [-X key=value]...
 *
 * Prints `TOPIC [PARTITION] offset N` per -t, in the order given: the first offset whose
 * timestamp is >= TIMESTAMP_MS, or -1 when no message is that late. -J: kcat's JSON (one
 * object, a member per topic, one per partition inside, no newline after it). Exit 0: done; 1: the cluster failed
 * or a partition does not exist; 2: usage error. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "uvk_cli.h"
#include "uvkafka/uvkafka.h"

#define MAX_QUERIES 64

typedef struct Query {
  char topic[256];
  int32_t partition;
  int64_t ts;
  int64_t offset;
  int answered, found;
} Query;

typedef struct Queries {
  uv_loop_t loop;
  uvk_client *client;
  uvk_admin *admin;
  Query q[MAX_QUERIES];
  size_t n, waiting;
  int failed;
} Queries;

typedef struct Asked {
  Queries *qs;
  size_t i;
} Asked;

static void usage(void) {
  fprintf(stderr, "usage: uvk query -b BROKERS -t TOPIC:PARTITION:TIMESTAMP_MS [-t ...]... [-J] [-X key=value]...\n"
                  "                 (+ the TLS / SASL flags)\n");
}

static void on_offsets(uvk_admin *ad, const uvk_error *err, const uvk_admin_partition_offset *os, size_t n, void *ud) {
  Asked *asked = (Asked *)ud;
  Queries *qs = asked->qs;
  Query *q = &qs->q[asked->i];
  (void)ad;
  free(asked);
  q->answered = 1;
  if (err) {
    char text[512];
    uvk_error_format(err, text, sizeof text);
    fprintf(stderr, "uvk: offsets of %s for %lld: %s\n", q->topic, (long long)q->ts, text);
    qs->failed = 1;
  }
  for (size_t i = 0; i < n && !err; i++) {
    if (os[i].partition != q->partition) continue;
    q->found = 1;
    /* fetchTopicOffsetsByTimestamp gives the end offset when no message is that late */
    q->offset = os[i].error ? -1 : os[i].offset >= os[i].high ? -1 : os[i].offset;
  }
  if (!err && !q->found) {
    fprintf(stderr, "uvk: %s has no partition %d\n", q->topic, (int)q->partition);
    qs->failed = 1;
  }
  if (--qs->waiting == 0) uv_stop(&qs->loop);
}

static int parse(Query *q, const char *v) {
  const char *c1 = strrchr(v, ':'), *c2;
  char *end;
  if (!c1 || c1 == v) return -1;
  for (c2 = c1 - 1; c2 > v && *c2 != ':'; c2--) {
  }
  if (c2 == v || (size_t)(c2 - v) >= sizeof q->topic) return -1;
  memcpy(q->topic, v, (size_t)(c2 - v));
  q->topic[c2 - v] = '\0';
  q->partition = (int32_t)strtol(c2 + 1, &end, 10);
  if (end != c1 || q->partition < 0) return -1;
  q->ts = strtoll(c1 + 1, &end, 10);
  return *end || end == c1 + 1 ? -1 : 0;
}

static void print_json(const Queries *qs) {
  putchar('{');
  for (size_t i = 0; i < qs->n; i++) {
    size_t first = 0;
    while (strcmp(qs->q[first].topic, qs->q[i].topic) != 0) first++;
    if (first != i) continue; /* printed with its topic's first query */
    printf("%s\"%s\":{\"topic\":\"%s\"", i ? "," : "", qs->q[i].topic, qs->q[i].topic);
    for (size_t k = i; k < qs->n; k++)
      if (strcmp(qs->q[k].topic, qs->q[i].topic) == 0)
        printf(",\"%d\":{\"partition\":%d,\"offset\":%lld}", (int)qs->q[k].partition, (int)qs->q[k].partition,
               (long long)qs->q[k].offset);
    putchar('}');
  }
  putchar('}'); /* no newline, as kcat */
}

int uvk_query_main(int argc, char **argv) {
  const char *brokers = NULL;
  int json = 0, rc;
  Queries *qs = (Queries *)calloc(1, sizeof *qs);
  uvk_config *cfg = uvk_config_new();
  if (!qs || !cfg) return 1;
  uvk_cli_set(cfg, "clientId", "uvk");
  uvk_cli_set(cfg, "allowAutoTopicCreation", "false");
  if (uvk_cli_env_config(cfg) != 0) goto bad_usage;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    int used = uvk_cli_take_common(cfg, argc, argv, &i);
    if (used < 0) goto bad_usage;
    if (used) continue;
    if (strcmp(a, "-J") == 0) json = 1;
    else if (strcmp(a, "-b") == 0 && v) brokers = argv[++i];
    else if (strcmp(a, "-t") == 0 && v && qs->n < MAX_QUERIES) {
      if (parse(&qs->q[qs->n], v) != 0) goto bad_usage;
      qs->n++;
      i++;
    } else goto bad_usage;
  }
  if (!uvk_cli_brokers(cfg, brokers) || qs->n == 0) goto bad_usage;
  if (uv_loop_init(&qs->loop) != 0) return 1;
  rc = uvk_client_new(&qs->loop, cfg, &qs->client);
  if (rc == 0) rc = uvk_admin_new(qs->client, cfg, &qs->admin);
  uvk_config_free(cfg);
  if (rc != 0) {
    fprintf(stderr, "uvk: cannot create the admin client: %s\n", uvk_strerror(rc));
    return 1;
  }
  for (size_t i = 0; i < qs->n; i++) {
    Asked *asked = (Asked *)malloc(sizeof *asked);
    if (!asked) return 1;
    asked->qs = qs;
    asked->i = i;
    rc = uvk_admin_fetch_topic_offsets_by_timestamp(qs->admin, qs->q[i].topic, qs->q[i].ts, on_offsets, asked);
    if (rc != 0) {
      free(asked);
      fprintf(stderr, "uvk: %s: %s\n", qs->q[i].topic, uvk_strerror(rc));
      qs->failed = 1;
      continue;
    }
    qs->waiting++;
  }
  while (qs->waiting > 0) uv_run(&qs->loop, UV_RUN_DEFAULT);
  if (!qs->failed && json) print_json(qs);
  for (size_t i = 0; i < qs->n && !qs->failed && !json; i++)
    printf("%s [%d] offset %lld\n", qs->q[i].topic, (int)qs->q[i].partition, (long long)qs->q[i].offset);
  fflush(stdout);
  uvk_admin_free(qs->admin);
  uvk_cli_client_close(&qs->loop, qs->client);
  uv_run(&qs->loop, UV_RUN_DEFAULT);
  uv_loop_close(&qs->loop);
  rc = qs->failed ? 1 : 0;
  free(qs);
  return rc;
bad_usage:
  usage();
  uvk_config_free(cfg);
  free(qs);
  return 2;
}
