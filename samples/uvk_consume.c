/* uvk consume: reads topics through a consumer group and prints each message in a kcat format.
 *
 *   uvk consume -b BROKERS -t TOPIC[,TOPIC...] [-g GROUP | -p PARTITION]
 *               [-o beginning|end|stored|N|-N|s@TS] [-o e@TS] [--from-beginning] [-c COUNT]
 *               [-e] [-f FORMAT | -K DELIM | -J] [-D DELIM] [-Z] [-u] [-q] [-v]
 *               [--assigner NAME] [--group-protocol classic|consumer] [--remote-assignor uniform|range]
 *               [--group-instance-id ID]
 *               [-X key=value]... [-F FILE] (+ the TLS / SASL flags)
 *
 * FORMAT: kcat's tokens and escapes (uvk_format.h), or -J kcat's JSON envelope; default
 * "%s\n" (with -K: "%k" DELIM "%s\n"; -D replaces the "\n"). -c stops after COUNT messages,
 * -e once every assigned partition is at its end. Without -g a fresh group id, read from the
 * beginning unless -o says otherwise (as kcat); -p reads one partition of it (uvk_start.c). A batch is flushed to stdout before its offsets are resolved,
 * so a commit never covers a line that was not written. SIGINT / SIGTERM stop
 * cleanly (commit, leave the group, exit 0), as does a closed stdout pipe. Exit 0: done; 1:
 * failure (the cause on stderr); 2: usage error. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "uvk_cli.h"
#include "uvk_format.h"
#include "uvk_start.h"
#include "uvkafka/uvkafka.h"

#define MAX_TOPICS 64

typedef struct Consume {
  uv_loop_t loop;
  uvk_client *client;
  uvk_consumer *consumer;
  uvk_cli_format format;
  uvk_cli_start start;
  long count, limit;
  int to_end;
  int json; /* -J */
  int quiet;
  int verbose; /* -v: the rebalance listener's calls on stderr */
  int joined;
  int done;     /* stop requested */
  int stopped;
  int failed;
  int stop_signal; /* what stopped it: SIGINT, SIGTERM, SIGPIPE (stdout gone) or 0 */
  char error_text[512];
} Consume;

static void usage(void) {
  fprintf(stderr,
          "usage: uvk consume -b BROKERS -t TOPIC[,TOPIC...] [-g GROUP | -p PARTITION]\n"
          "                   [-o beginning|end|stored|N|-N|s@TS] [-o e@TS] [--from-beginning] [-c COUNT]\n"
          "                   [-e] [-f FORMAT | -K DELIM | -J] [-D DELIM] [-Z] [-u] [-q] [-v]\n"
          "                   [--assigner NAME] [--group-protocol classic|consumer]\n"
          "                   [--remote-assignor uniform|range] [--group-instance-id ID]\n"
          "                   [-X key=value]... [-F FILE] [--tls] [--tls-ca F]\n"
          "                   [--tls-cert F] [--tls-key F] [--tls-insecure]\n"
          "                   [--sasl plain|scram-sha-256|scram-sha-512] [--user U] [--password P]\n");
}

static void request_stop(Consume *s);

static void fail(Consume *s, const char *what) {
  if (!s->failed) {
    s->failed = 1;
    snprintf(s->error_text, sizeof s->error_text, "%s", what);
  }
  request_stop(s);
}

/* -e: every assigned partition has been fetched at least once and is at its high watermark. */
static int all_at_end(Consume *s) {
  uvk_topic_partition tps[1024];
  size_t n = uvk_consumer_assignment(s->consumer, tps, 1024);
  if (!s->joined || n > 1024 || s->start.awaiting) return 0;
  for (size_t i = 0; i < n; i++) {
    int64_t pos = -1, hw = -1;
    if (uvk_cli_start_excluded(&s->start, tps[i].partition) ||
        uvk_cli_start_ended(&s->start, tps[i].topic, tps[i].partition))
      continue;
    if (uvk_consumer_position(s->consumer, tps[i].topic, tps[i].partition, &pos, &hw) != 0) return 0;
    if (hw < 0 || pos < hw) return 0;
  }
  return 1;
}

static int on_batch(uvk_consumer *c, const uvk_batch *b, void *ud) {
  Consume *s = (Consume *)ud;
  size_t n = b->n_messages;
  int ended = 0;
  if (s->done || n == 0) return 0;
  if (s->limit > 0 && (long)n > s->limit - s->count) n = (size_t)(s->limit - s->count);
  for (size_t i = 0; s->start.end_ts >= 0 && i < n; i++) {
    if (b->messages[i].timestamp < s->start.end_ts) continue;
    n = i; /* -o e@TS: this message and the rest of the partition are left out */
    ended = 1;
    break;
  }
  for (size_t i = 0; i < n; i++) {
    if (s->json) uvk_cli_json_print(stdout, b, &b->messages[i]);
    else uvk_cli_format_print(stdout, &s->format, b, &b->messages[i]);
  }
  if (fflush(stdout) != 0) {
    /* Not resolved: the lines may not all be out. A reader that went away is a quiet stop. */
    if (errno == EPIPE) {
      s->stop_signal = SIGPIPE;
      request_stop(s);
    } else {
      fail(s, strerror(errno));
    }
    return 0;
  }
  if (n > 0) uvk_consumer_resolve_offset(c, b->topic, b->partition, b->messages[n - 1].offset);
  s->count += (long)n;
  if (ended && uvk_cli_start_end(&s->start, b->topic, b->partition)) request_stop(s);
  if (s->limit > 0 && s->count >= s->limit) request_stop(s);
  return 0;
}

/* -v: "% Rebalance: revoked t:0 t:3" for each listener call. */
static int on_rebalance(uvk_consumer *c, int kind, const uvk_topic_partition *tps, size_t n, void *ud) {
  (void)c;
  (void)ud;
  uvk_cli_progress_clear();
  fprintf(stderr, "%% Rebalance: %s", kind == UVK_REBALANCE_ASSIGNED ? "assigned" : kind == UVK_REBALANCE_REVOKED ? "revoked" : "lost");
  for (size_t i = 0; i < n; i++) fprintf(stderr, " %s:%d", tps[i].topic, (int)tps[i].partition);
  fprintf(stderr, "\n");
  return 0;
}

static void on_event(void *ud, const uvk_event *ev) {
  Consume *s = (Consume *)ud;
  if (ev->type == UVK_EVENT_GROUP_JOIN) {
    const uvk_event_group_join *j = (const uvk_event_group_join *)ev->payload;
    s->joined = 1;
    uvk_cli_start_on_join(&s->start, j->assignment, j->n_assignment);
    uvk_cli_progress_clear();
    if (!s->quiet)
      fprintf(stderr, "%% Group %s joined (member %s): %zu partition(s) assigned\n", j->group_id, j->member_id,
              j->n_assignment);
  }
  if (ev->type == UVK_EVENT_FETCH && s->to_end && !s->done && all_at_end(s)) request_stop(s);
}

static void on_crash(uvk_consumer *c, const uvk_error *err, void *ud) {
  Consume *s = (Consume *)ud;
  char text[512];
  (void)c;
  uvk_error_format(err, text, sizeof text);
  fail(s, text);
}

static void on_stopped(uvk_consumer *c, const uvk_error *err, void *ud) {
  Consume *s = (Consume *)ud;
  (void)c;
  if (err && !s->failed) {
    s->failed = 1;
    uvk_error_format(err, s->error_text, sizeof s->error_text);
  }
  s->stopped = 1;
  uv_stop(&s->loop);
}

static void request_stop(Consume *s) {
  if (s->done) return;
  s->done = 1;
  fflush(stdout);
  if (uvk_consumer_stop(s->consumer, on_stopped, s) != 0) {
    s->stopped = 1;
    uv_stop(&s->loop);
  }
}

static void on_stop_request(void *ud, int signo) {
  Consume *s = (Consume *)ud;
  if (!s->stop_signal) s->stop_signal = signo;
  request_stop(s);
}

static const char *stop_reason(int signo) {
  switch (signo) {
    case SIGINT: return ", stopped by SIGINT";
    case SIGTERM: return ", stopped by SIGTERM";
    case SIGPIPE: return ", stopped: stdout closed";
    default: return "";
  }
}

int uvk_consume_main(int argc, char **argv) {
  const char *brokers = NULL, *topics = NULL, *group = NULL, *format = NULL, *key_delim = NULL;
  const char *delim = "\\n";
  int from_beginning = 0, unbuffered = 0, start_given = 0;
  char fresh_group[64], group_id[256];
  Consume s;
  uvk_config *cfg = uvk_config_new();
  int rc;
  memset(&s, 0, sizeof s);
  s.start.only_partition = -1;
  s.start.end_ts = -1;
  if (!cfg) return 1;
  uvk_cli_set(cfg, "clientId", "uvk");
  if (uvk_cli_env_config(cfg) != 0) goto bad_usage;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    int used = uvk_cli_take_common(cfg, argc, argv, &i);
    if (used < 0) goto bad_usage;
    if (used) continue;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      usage();
      uvk_config_free(cfg);
      return 0;
    }
    if (strcmp(a, "--from-beginning") == 0) { from_beginning = 1; continue; }
    if (strcmp(a, "-e") == 0) { s.to_end = 1; continue; }
    if (strcmp(a, "-u") == 0) { unbuffered = 1; continue; }
    if (strcmp(a, "-Z") == 0) { s.format.null_as_text = 1; continue; }
    if (strcmp(a, "-J") == 0) { s.json = 1; continue; }
    if (strcmp(a, "-q") == 0) {
      s.quiet = 1;
      if (uvk_cli_set(cfg, "logLevel", "ERROR")) goto bad_usage;
      continue;
    }
    if (strcmp(a, "-v") == 0) {
      s.quiet = 0;
      s.verbose = 1;
      if (uvk_cli_set(cfg, "logLevel", "DEBUG")) goto bad_usage;
      continue;
    }
    if (!v) { usage(); goto bad_usage; }
    i++;
    if (strcmp(a, "-b") == 0) brokers = v;
    else if (strcmp(a, "-t") == 0) topics = v;
    else if (strcmp(a, "-g") == 0 || strcmp(a, "-G") == 0) group = v;
    else if (strcmp(a, "-c") == 0) s.limit = atol(v);
    else if (strcmp(a, "-f") == 0) format = v;
    else if (strcmp(a, "-K") == 0) key_delim = v;
    else if (strcmp(a, "-D") == 0) delim = v;
    else if (strcmp(a, "-o") == 0) {
      start_given = strncmp(v, "e@", 2) != 0 || start_given;
      if (uvk_cli_start_parse(&s.start, v, &from_beginning)) {
        fprintf(stderr, "uvk: -o %s: beginning, end, stored, N, -N or s@TIMESTAMP_MS\n", v);
        goto bad_usage;
      }
    }
    else if (strcmp(a, "-p") == 0) s.start.only_partition = atoi(v);
    else if (strcmp(a, "--assigner") == 0) { if (uvk_cli_set(cfg, "partitionAssigners", v)) goto bad_usage; }
    else if (strcmp(a, "--group-protocol") == 0) { if (uvk_cli_set(cfg, "groupProtocol", v)) goto bad_usage; }
    else if (strcmp(a, "--remote-assignor") == 0) { if (uvk_cli_set(cfg, "groupRemoteAssignor", v)) goto bad_usage; }
    else if (strcmp(a, "--group-instance-id") == 0) { if (uvk_cli_set(cfg, "groupInstanceId", v)) goto bad_usage; }
    else { usage(); goto bad_usage; }
  }
  brokers = uvk_cli_brokers(cfg, brokers);
  if (!group && uvk_config_get(cfg, "groupId", group_id, sizeof group_id) > 0) group = group_id;
  if (!brokers || !topics || s.limit < 0 || (group && s.start.only_partition >= 0)) { usage(); goto bad_usage; }
  if (format ? uvk_cli_format_add(&s.format, format, 1)
             : (key_delim && (uvk_cli_format_add(&s.format, "%k", 1) || uvk_cli_format_add(&s.format, key_delim, 0))) ||
                   uvk_cli_format_add(&s.format, "%s", 1) || uvk_cli_format_add(&s.format, delim, 0))
    goto bad_usage;
  /* kcat reads from the beginning without a group, from the group's offsets with one */
  if (!group && !start_given) from_beginning = 1;
  if (!group) {
    snprintf(fresh_group, sizeof fresh_group, "uvk-consume-%ld-%ld", (long)getpid(), (long)time(NULL));
    group = fresh_group;
  }
  if (uvk_cli_set(cfg, "groupId", group)) goto bad_usage;
  goto args_ok;
bad_usage:
  uvk_config_free(cfg);
  return 2;
args_ok:
  uvk_cli_stdout_mode(unbuffered);
  if (uv_loop_init(&s.loop) != 0) return 1;
  rc = uvk_client_new(&s.loop, cfg, &s.client);
  if (rc == 0) rc = uvk_consumer_new(s.client, cfg, &s.consumer);
  if (rc == 0 && (s.start.kind == START_FROM_END || s.start.kind == START_TIME))
    rc = uvk_admin_new(s.client, cfg, &s.start.admin);
  s.start.consumer = s.consumer;
  uvk_config_free(cfg);
  if (rc != 0) {
    fprintf(stderr, "uvk: cannot create the consumer: %s\n", uvk_strerror(rc));
    return rc == UVK_EINVAL ? 2 : 1;
  }
  {
    char list[4096];
    snprintf(list, sizeof list, "%s", topics);
    int n = 0;
    for (char *t = strtok(list, ","); t && n < MAX_TOPICS; t = strtok(NULL, ","), n++) {
      if (uvk_consumer_subscribe(s.consumer, t, from_beginning) != 0) {
        fprintf(stderr, "uvk: cannot subscribe to '%s'\n", t);
        return 2;
      }
    }
  }
  uvk_consumer_set_crash_cb(s.consumer, on_crash, &s);
  if (s.verbose) uvk_consumer_set_rebalance_listener(s.consumer, on_rebalance, &s);
  uvk_consumer_on(s.consumer, UVK_EVENT_GROUP_JOIN, on_event, &s);
  uvk_consumer_on(s.consumer, UVK_EVENT_FETCH, on_event, &s);
  if (uvk_cli_stop_init(&s.loop, s.quiet, on_stop_request, &s) != 0) {
    fprintf(stderr, "uvk: cannot watch for signals\n");
    return 1;
  }
  uvk_run_options o;
  uvk_run_options_init(&o);
  o.each_batch = on_batch;
  o.each_batch_auto_resolve = 0;
  o.ud = &s;
  uvk_cli_progress_start(&s.loop, s.quiet ? -1 : STDOUT_FILENO, &s.count, "message(s) written");
  rc = uvk_consumer_run(s.consumer, &o);
  if (rc != 0) {
    fprintf(stderr, "uvk: cannot run the consumer: %s\n", uvk_strerror(rc));
    return 1;
  }
  while (!s.stopped) uv_run(&s.loop, UV_RUN_DEFAULT);
  fflush(stdout);
  uvk_cli_progress_stop();
  uvk_consumer_free(s.consumer);
  if (s.start.admin) uvk_admin_free(s.start.admin);
  uvk_cli_client_close(&s.loop, s.client);
  uvk_cli_stop_close();
  uv_run(&s.loop, UV_RUN_DEFAULT);
  uv_loop_close(&s.loop);
  if (s.failed) {
    fprintf(stderr, "uvk consume: %ld message(s), FAILED: %s\n", s.count, s.error_text);
    return 1;
  }
  if (!s.quiet)
    fprintf(stderr, "uvk consume: %ld message(s) from %s (group %s)%s\n", s.count, topics, group,
            stop_reason(s.stop_signal));
  return 0;
}
