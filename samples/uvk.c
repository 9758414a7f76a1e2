/* uvk: the uvkafka command-line tool, written in C99 against the public C ABI only.
 *
 *   uvk produce -b BROKERS -t TOPIC [-p PARTITION] [-K DELIM] [-H name=value]...
 *               [--acks -1|0|1] [--compression none|gzip|snappy|lz4|zstd] [--idempotent] [--linger-ms N]
 *               [-X key=value]... [--tls] [--tls-ca F] [--tls-cert F] [--tls-key F]
 *               [--tls-insecure] [--sasl plain|scram-sha-256|scram-sha-512] [--user U]
 *               [--password P]
 *
 * produce reads stdin, one message per line (`key DELIM value` with -K), and exits 0 only
 * when every message was acknowledged, with one summary line on stderr. Exit 1: failure (the
 * cause on stderr); 2: usage error. `uvk consume` is in uvk_consume.c, `uvk perf` in uvk_perf.c, `uvk topics` and
 * `uvk groups` in uvk_admin.c. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "uvk_cli.h"
#include "uvkafka/uvkafka.h"

#define MAX_HEADERS 64
#define BATCH 1000

static void usage(void) {
  fprintf(stderr,
          "usage: uvk produce -b BROKERS -t TOPIC [-p PARTITION] [-K DELIM] [-H name=value]...\n"
          "                   [--acks -1|0|1] [--compression none|gzip|snappy|lz4|zstd] [--idempotent]\n"
          "                   [--linger-ms N] [-X key=value]... [--tls] [--tls-ca F]\n"
          "                   [--tls-cert F] [--tls-key F] [--tls-insecure]\n"
          "                   [--sasl plain|scram-sha-256|scram-sha-512] [--user U] [--password P]\n"
          "       uvk consume -b BROKERS -t TOPIC[,TOPIC...] [-g GROUP] [-o beginning|end|stored] [-c COUNT]\n"
          "                   [-e] [-f FORMAT | -K DELIM] [-D DELIM] [-Z] [-u] [-q] [-v] [-X key=value]...\n"
          "                   (uvk consume -h for all its flags)\n"
          "       uvk perf produce|consume ...   (uvk perf for its flags)\n"
          "       uvk topics create|delete|list|describe ...   uvk groups list|describe|offsets ...\n");
}

typedef struct State {
  uv_loop_t loop;
  uvk_client *client;
  uvk_producer *producer;
  long pending;      /* sends not completed */
  long acked, failed;
  int first_error;
  char error_text[512];
  int waiting_room;  /* a send hit UVK_EQUEUEFULL */
  int closed;
} State;

static void on_sent(uvk_producer *p, const uvk_error *err, const uvk_record_metadata *md, size_t n, void *ud) {
  State *s = (State *)ud;
  (void)p;
  (void)md;
  (void)n;
  s->pending--;
  if (err && !s->first_error) {
    /* The message, then the cause's (retries exceeded), then the broker's words if new. */
    const uvk_error *cause = uvk_error_cause(err);
    const char *msg = uvk_error_message(err);
    const char *cmsg = cause ? uvk_error_message(cause) : NULL;
    const char *broker = uvk_error_broker_message(cause ? cause : err);
    s->first_error = uvk_error_code(err);
    snprintf(s->error_text, sizeof s->error_text, "%s%s%s%s%s", msg, cmsg ? ": " : "", cmsg ? cmsg : "",
             broker && !strstr(msg, broker) && !(cmsg && strstr(cmsg, broker)) ? ": " : "",
             broker && !strstr(msg, broker) && !(cmsg && strstr(cmsg, broker)) ? broker : "");
  }
  if (s->pending == 0 || s->waiting_room) uv_stop(&s->loop);
}

static void on_drain(uvk_producer *p, const uvk_error *err, void *ud) {
  State *s = (State *)ud;
  (void)p;
  (void)err;
  s->waiting_room = 0;
  uv_stop(&s->loop);
}

static void on_closed(uvk_client *c, const uvk_error *err, void *ud) {
  State *s = (State *)ud;
  (void)c;
  (void)err;
  s->closed = 1;
}

/* Up to BATCH lines; uvk_producer_send copies them (borrow = 0), so the batch is reused. */
typedef struct Batch {
  char *lines[BATCH];
  uvk_message msgs[BATCH];
  size_t n;
} Batch;

static int send_batch(State *s, const char *topic, Batch *b, const uvk_send_options *o, long *msg_count) {
  int rc;
  if (b->n == 0) return 0;
  for (;;) {
    rc = uvk_producer_send(s->producer, topic, b->msgs, b->n, o, on_sent, s);
    if (rc != UVK_EQUEUEFULL) break;
    s->waiting_room = 1;
    while (s->waiting_room) uv_run(&s->loop, UV_RUN_DEFAULT);
  }
  if (rc != 0) {
    char why[512];
    /* A bare UVK_EINVAL for a topic: say which rule its name breaks. */
    if (rc == UVK_EINVAL && uvk_name_check(UVK_NAME_TOPIC, topic, why, sizeof why) != 0)
      fprintf(stderr, "uvk: send failed: %s\n", why);
    else
      fprintf(stderr, "uvk: send failed: %s\n", uvk_strerror(rc));
    return -1;
  }
  s->pending++;
  *msg_count += (long)b->n;
  for (size_t i = 0; i < b->n; i++) free(b->lines[i]);
  b->n = 0;
  return 0;
}

static int produce(int argc, char **argv) {
  const char *brokers = NULL, *topic = NULL, *delim = NULL;
  int partition = -1;
  uvk_header headers[MAX_HEADERS];
  size_t n_headers = 0;
  uvk_send_options opts;
  uvk_config *cfg = uvk_config_new();
  State s;
  Batch *batch;
  long messages = 0;
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  int rc = 0;
  uvk_send_options_init(&opts);
  memset(&s, 0, sizeof s);
  if (!cfg) return 1;
  uvk_cli_set(cfg, "clientId", "uvk");
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED()          \
  do {                  \
    if (!v) {           \
      usage();          \
      goto bad_usage;   \
    }                   \
    i++;                \
  } while (0)
    int used = uvk_cli_common_flag(cfg, a, v);
    if (used < 0) { usage(); goto bad_usage; }
    if (used > 0) { i += used - 1; continue; }
    if (strcmp(a, "-b") == 0) { NEED(); brokers = v; }
    else if (strcmp(a, "-t") == 0) { NEED(); topic = v; }
    else if (strcmp(a, "-p") == 0) { NEED(); partition = atoi(v); }
    else if (strcmp(a, "-K") == 0) { NEED(); delim = v; }
    else if (strcmp(a, "-H") == 0) {
      NEED();
      const char *eq = strchr(v, '=');
      if (!eq || n_headers == MAX_HEADERS) { usage(); goto bad_usage; }
      char *name = strndup(v, (size_t)(eq - v));
      headers[n_headers].name = name;
      headers[n_headers].value = eq + 1;
      headers[n_headers].value_len = strlen(eq + 1);
      n_headers++;
    } else if (strcmp(a, "--acks") == 0) {
      NEED();
      opts.acks = atoi(v);
      if (opts.acks != -1 && opts.acks != 0 && opts.acks != 1) { usage(); goto bad_usage; }
    } else if (strcmp(a, "--compression") == 0) {
      NEED();
      static const char *const names[] = {"none", "gzip", "snappy", "lz4", "zstd"};
      int found = -1;
      for (int k = 0; k < 5; k++)
        if (strcmp(v, names[k]) == 0) found = k;
      if (found < 0) { usage(); goto bad_usage; }
      opts.compression = found;
    } else if (strcmp(a, "--linger-ms") == 0) { NEED(); if (uvk_cli_set(cfg, "linger", v)) goto bad_usage; }
    else if (strcmp(a, "--idempotent") == 0) { if (uvk_cli_set(cfg, "idempotent", "true")) goto bad_usage; }
    else { usage(); goto bad_usage; }
#undef NEED
  }
  if (!brokers || !topic) { usage(); goto bad_usage; }
  if (uvk_cli_set(cfg, "brokers", brokers)) goto bad_usage;
  goto args_ok;
bad_usage:
  for (size_t i = 0; i < n_headers; i++) free((void *)headers[i].name);
  uvk_config_free(cfg);
  return 2;
args_ok:
  if (uv_loop_init(&s.loop) != 0) return 1;
  rc = uvk_client_new(&s.loop, cfg, &s.client);
  if (rc == 0) rc = uvk_producer_new(s.client, cfg, &s.producer);
  uvk_config_free(cfg);
  if (rc != 0) {
    fprintf(stderr, "uvk: cannot create the client: %s\n", uvk_strerror(rc));
    return 1;
  }
  uvk_producer_set_drain_cb(s.producer, on_drain, &s);
  batch = (Batch *)calloc(1, sizeof *batch);
  if (!batch) return 1;
  size_t dlen = delim ? strlen(delim) : 0;
  while ((len = getline(&line, &cap, stdin)) >= 0) {
    if (len > 0 && line[len - 1] == '\n') line[--len] = '\0';
    char *copy = (char *)malloc((size_t)len + 1);
    if (!copy) return 1;
    memcpy(copy, line, (size_t)len + 1);
    uvk_message *m = &batch->msgs[batch->n];
    memset(m, 0, sizeof *m);
    m->partition = partition;
    m->timestamp = -1;
    m->headers = n_headers ? headers : NULL;
    m->n_headers = n_headers;
    char *sep = delim && dlen ? strstr(copy, delim) : NULL;
    if (sep) {
      m->key = copy;
      m->key_len = (size_t)(sep - copy);
      m->value = sep + dlen;
      m->value_len = strlen(sep + dlen);
    } else {
      m->value = copy;
      m->value_len = (size_t)len;
    }
    batch->lines[batch->n++] = copy;
    if (batch->n == BATCH && send_batch(&s, topic, batch, &opts, &messages) != 0) { rc = 1; break; }
    /* Let completions happen while reading a long stream. */
    uv_run(&s.loop, UV_RUN_NOWAIT);
  }
  free(line);
  if (rc == 0 && send_batch(&s, topic, batch, &opts, &messages) != 0) rc = 1;
  free(batch);
  while (s.pending > 0) uv_run(&s.loop, UV_RUN_DEFAULT);
  uvk_producer_free(s.producer);
  uvk_client_disconnect(s.client, on_closed, &s);
  while (!s.closed) uv_run(&s.loop, UV_RUN_DEFAULT);
  uvk_client_free(s.client);
  uv_run(&s.loop, UV_RUN_DEFAULT);
  uv_loop_close(&s.loop);
  for (size_t i = 0; i < n_headers; i++) free((void *)headers[i].name);
  if (s.first_error || rc != 0) {
    fprintf(stderr, "uvk produce: %ld message(s) read, FAILED: %s\n", messages,
            s.first_error ? s.error_text : "see above");
    return 1;
  }
  fprintf(stderr, "uvk produce: %ld message(s) acknowledged by %s (topic %s)\n", messages, brokers, topic);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "produce") == 0) return produce(argc - 2, argv + 2);
  if (argc >= 2 && strcmp(argv[1], "consume") == 0) return uvk_consume_main(argc - 2, argv + 2);
  if (argc >= 2 && strcmp(argv[1], "perf") == 0) return uvk_perf_main(argc - 2, argv + 2);
  if (argc >= 2 && (strcmp(argv[1], "topics") == 0 || strcmp(argv[1], "groups") == 0))
    return uvk_admin_main(argv[1], argc - 2, argv + 2);
  if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
    printf("uvk %s\n", uvk_version());
    return 0;
  }
  usage();
  return 2;
}
