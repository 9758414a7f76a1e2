/* uvk share consume: reads a topic through a share group (KIP-932) and prints each record it
 * acquires in a kcat format; %d in FORMAT is the record's delivery count.
 *
 *   uvk share consume -b BROKERS -t TOPIC[,TOPIC...] -g GROUP [-c COUNT]
 *                     [--ack accept|release|reject] [-f FORMAT] [-u] [-q] [-v]
 *                     [-X key=value]... [-F FILE] (+ the TLS / SASL flags)
 *
 * Each printed record is acknowledged with --ack (default accept) once it is written out;
 * with -c the records acquired beyond COUNT are released unprinted, then the share consumer
 * closes (releasing nothing else, leaving the group). SIGINT / SIGTERM close it the same way.
 * Exit 0: done; 1: failure (the cause on stderr); 2: usage error. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "uvk_cli.h"
#include "uvk_format.h"
#include "uvkafka/uvkafka.h"

#define MAX_TOPICS 64

typedef struct Share {
  uv_loop_t loop;
  uvk_client *client;
  uvk_share_consumer *sc;
  uvk_cli_format format;
  long count, limit;
  int ack;  /* UVK_SHARE_ACCEPT, _RELEASE or _REJECT */
  int quiet;
  int done;
  int stopped;
  int failed;
  int stop_signal;
  char error_text[512];
} Share;

static void usage(void) {
  fprintf(stderr,
          "usage: uvk share consume -b BROKERS -t TOPIC[,TOPIC...] -g GROUP [-c COUNT]\n"
          "                         [--ack accept|release|reject] [-f FORMAT] [-u] [-q] [-v]\n"
          "                         [-X key=value]... [-F FILE] [--tls] [--tls-ca F]\n"
          "                         [--tls-cert F] [--tls-key F] [--tls-insecure]\n"
          "                         [--sasl plain|scram-sha-256|scram-sha-512] [--user U] [--password P]\n"
          "   FORMAT: kcat's tokens (%%s %%k %%t %%p %%o %%T %%h ...) and %%d, the delivery count\n");
}

static void request_stop(Share *s);

static void fail(Share *s, const char *what) {
  if (!s->failed) {
    s->failed = 1;
    snprintf(s->error_text, sizeof s->error_text, "%s", what);
  }
  request_stop(s);
}

static int on_record(uvk_share_consumer *sc, const uvk_share_record *r, void *ud) {
  Share *s = (Share *)ud;
  uvk_batch b;
  uvk_consumer_message m;
  if (s->done || (s->limit > 0 && s->count >= s->limit)) return -1; /* not printed: released */
  memset(&b, 0, sizeof b);
  memset(&m, 0, sizeof m);
  b.topic = r->topic;
  b.partition = r->partition;
  m.offset = r->offset;
  m.timestamp = r->timestamp;
  m.key = r->key;
  m.key_len = r->key_len;
  m.value = r->value;
  m.value_len = r->value_len;
  m.headers = r->headers;
  m.n_headers = r->n_headers;
  s->format.delivery_count = r->delivery_count;
  uvk_cli_format_print(stdout, &s->format, &b, &m);
  if (fflush(stdout) != 0) {
    if (errno == EPIPE) {
      s->stop_signal = SIGPIPE;
      request_stop(s);
    } else {
      fail(s, strerror(errno));
    }
    return -1; /* the line may not be out: released */
  }
  s->count++;
  if (s->ack != UVK_SHARE_ACCEPT) uvk_share_ack(sc, r->topic, r->partition, r->offset, s->ack);
  if (s->limit > 0 && s->count >= s->limit) request_stop(s);
  return 0;
}

static void on_ack(uvk_share_consumer *sc, const char *topic, int32_t partition, const int64_t *offsets, size_t n,
                   const uvk_error *err, void *ud) {
  Share *s = (Share *)ud;
  char text[512];
  (void)sc;
  if (!err || s->quiet) return;
  uvk_error_format(err, text, sizeof text);
  uvk_cli_progress_clear();
  fprintf(stderr, "%% Acknowledgement of %zu record(s) of %s:%d (first offset %lld) failed: %s\n", n, topic,
          (int)partition, n ? (long long)offsets[0] : -1LL, text);
}

static void on_crash(uvk_share_consumer *sc, const uvk_error *err, void *ud) {
  Share *s = (Share *)ud;
  char text[512];
  (void)sc;
  uvk_error_format(err, text, sizeof text);
  s->failed = 1;
  snprintf(s->error_text, sizeof s->error_text, "%s", text);
  s->done = 1;
  s->stopped = 1;
  uv_stop(&s->loop);
}

static void on_closed_share(uvk_share_consumer *sc, const uvk_error *err, void *ud) {
  Share *s = (Share *)ud;
  (void)sc;
  if (err && !s->failed) {
    s->failed = 1;
    uvk_error_format(err, s->error_text, sizeof s->error_text);
  }
  s->stopped = 1;
  uv_stop(&s->loop);
}

static void request_stop(Share *s) {
  if (s->done) return;
  s->done = 1;
  fflush(stdout);
  if (uvk_share_consumer_close(s->sc, on_closed_share, s) != 0) {
    s->stopped = 1;
    uv_stop(&s->loop);
  }
}

static void on_stop_request(void *ud, int signo) {
  Share *s = (Share *)ud;
  if (!s->stop_signal) s->stop_signal = signo;
  request_stop(s);
}

static int consume(int argc, char **argv) {
  const char *brokers = NULL, *topics = NULL, *group = NULL, *format = NULL;
  char group_id[256];
  int unbuffered = 0, rc;
  Share s;
  uvk_config *cfg = uvk_config_new();
  memset(&s, 0, sizeof s);
  s.ack = UVK_SHARE_ACCEPT;
  s.format.share = 1;
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
    if (strcmp(a, "-u") == 0) { unbuffered = 1; continue; }
    if (strcmp(a, "-q") == 0) {
      s.quiet = 1;
      if (uvk_cli_set(cfg, "logLevel", "ERROR")) goto bad_usage;
      continue;
    }
    if (strcmp(a, "-v") == 0) {
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
    else if (strcmp(a, "--ack") == 0) {
      if (strcmp(v, "accept") == 0) s.ack = UVK_SHARE_ACCEPT;
      else if (strcmp(v, "release") == 0) s.ack = UVK_SHARE_RELEASE;
      else if (strcmp(v, "reject") == 0) s.ack = UVK_SHARE_REJECT;
      else { fprintf(stderr, "uvk: --ack %s: accept, release or reject\n", v); goto bad_usage; }
    }
    else { usage(); goto bad_usage; }
  }
  brokers = uvk_cli_brokers(cfg, brokers);
  if (!group && uvk_config_get(cfg, "groupId", group_id, sizeof group_id) > 0) group = group_id;
  if (!brokers || !topics || !group || s.limit < 0) { usage(); goto bad_usage; }
  if (format ? uvk_cli_format_add(&s.format, format, 1)
             : uvk_cli_format_add(&s.format, "%s", 1) || uvk_cli_format_add(&s.format, "\\n", 0))
    goto bad_usage;
  if (uvk_cli_set(cfg, "groupId", group)) goto bad_usage;
  goto args_ok;
bad_usage:
  uvk_config_free(cfg);
  return 2;
args_ok:
  uvk_cli_stdout_mode(unbuffered);
  if (uv_loop_init(&s.loop) != 0) return 1;
  rc = uvk_client_new(&s.loop, cfg, &s.client);
  if (rc == 0) rc = uvk_share_consumer_new(s.client, cfg, &s.sc);
  uvk_config_free(cfg);
  if (rc != 0) {
    fprintf(stderr, "uvk: cannot create the share consumer: %s\n", uvk_strerror(rc));
    return rc == UVK_EINVAL ? 2 : 1;
  }
  {
    char list[4096];
    int n = 0;
    snprintf(list, sizeof list, "%s", topics);
    for (char *t = strtok(list, ","); t && n < MAX_TOPICS; t = strtok(NULL, ","), n++) {
      if (uvk_share_consumer_subscribe(s.sc, t) != 0) {
        fprintf(stderr, "uvk: cannot subscribe to '%s'\n", t);
        return 2;
      }
    }
  }
  uvk_share_consumer_set_crash_cb(s.sc, on_crash, &s);
  uvk_share_consumer_set_ack_cb(s.sc, on_ack, &s);
  if (uvk_cli_stop_init(&s.loop, s.quiet, on_stop_request, &s) != 0) {
    fprintf(stderr, "uvk: cannot watch for signals\n");
    return 1;
  }
  {
    uvk_share_run_options o;
    uvk_share_run_options_init(&o);
    o.each_record = on_record;
    o.ud = &s;
    if (s.limit > 0 && s.limit < o.max_records) o.max_records = (int32_t)s.limit;
    uvk_cli_progress_start(&s.loop, s.quiet ? -1 : STDOUT_FILENO, &s.count, "record(s) written");
    rc = uvk_share_consumer_run(s.sc, &o);
  }
  if (rc != 0) {
    fprintf(stderr, "uvk: cannot run the share consumer: %s\n", uvk_strerror(rc));
    return 1;
  }
  while (!s.stopped) uv_run(&s.loop, UV_RUN_DEFAULT);
  fflush(stdout);
  uvk_cli_progress_stop();
  uvk_share_consumer_free(s.sc);
  uvk_cli_client_close(&s.loop, s.client);
  uvk_cli_stop_close();
  uv_run(&s.loop, UV_RUN_DEFAULT);
  uv_loop_close(&s.loop);
  if (s.failed) {
    fprintf(stderr, "uvk share consume: %ld record(s), FAILED: %s\n", s.count, s.error_text);
    return 1;
  }
  if (!s.quiet) fprintf(stderr, "uvk share consume: %ld record(s) from %s (share group %s)\n", s.count, topics, group);
  return 0;
}

int uvk_share_main(int argc, char **argv) {
  if (argc >= 1 && strcmp(argv[0], "consume") == 0) return consume(argc - 1, argv + 1);
  usage();
  return 2;
}
