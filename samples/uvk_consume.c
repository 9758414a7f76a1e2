/* uvk consume: reads topics through a consumer group and prints one line per message.
 *
 *   uvk consume -b BROKERS -t TOPIC[,TOPIC...] [-g GROUP] [--from-beginning] [-c COUNT] [-e]
 *               [-f FORMAT] [--assigner NAME] [-X key=value]... (+ the TLS / SASL flags)
 *
 * FORMAT tokens: %t topic, %p partition, %o offset, %k key, %v value, %h headers (n=v,...),
 * %T timestamp, %% a percent sign; default "%v". -c stops after COUNT messages, -e once every
 * assigned partition is at its end. Without -g a fresh group id. The consumer commits what it
 * printed when it stops. Exit 0: done; 1: failure (the cause on stderr); 2: usage error. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "uvk_cli.h"
#include "uvkafka/uvkafka.h"

#define MAX_TOPICS 64

typedef struct Consume {
  uv_loop_t loop;
  uvk_client *client;
  uvk_consumer *consumer;
  const char *format;
  long count, limit;
  int to_end;
  int joined;
  int done;     /* stop requested */
  int stopped;
  int closed;
  int failed;
  char error_text[512];
} Consume;

static void usage(void) {
  fprintf(stderr,
          "usage: uvk consume -b BROKERS -t TOPIC[,TOPIC...] [-g GROUP] [--from-beginning] [-c COUNT] [-e]\n"
          "                   [-f FORMAT] [--assigner NAME] [-X key=value]... [--tls] [--tls-ca F]\n"
          "                   [--tls-cert F] [--tls-key F] [--tls-insecure]\n"
          "                   [--sasl plain|scram-sha-256|scram-sha-512] [--user U] [--password P]\n");
}

static void put_bytes(const void *p, size_t n) {
  if (p) fwrite(p, 1, n, stdout);
}

static void print_message(const Consume *s, const uvk_batch *b, const uvk_consumer_message *m) {
  for (const char *f = s->format; *f; f++) {
    if (*f != '%' || !f[1]) {
      putchar(*f);
      continue;
    }
    f++;
    switch (*f) {
      case 't': fputs(b->topic, stdout); break;
      case 'p': printf("%d", (int)b->partition); break;
      case 'o': printf("%lld", (long long)m->offset); break;
      case 'T': printf("%lld", (long long)m->timestamp); break;
      case 'k': put_bytes(m->key, m->key_len); break;
      case 'v': put_bytes(m->value, m->value_len); break;
      case 'h':
        for (size_t i = 0; i < m->n_headers; i++) {
          printf("%s%s=", i ? "," : "", m->headers[i].name);
          put_bytes(m->headers[i].value, m->headers[i].value_len);
        }
        break;
      case '%': putchar('%'); break;
      default: putchar('%'); putchar(*f); break;
    }
  }
  putchar('\n');
}

static void request_stop(Consume *s);

/* -e: every assigned partition has been fetched at least once and is at its high watermark. */
static int all_at_end(Consume *s) {
  uvk_topic_partition tps[1024];
  size_t n = uvk_consumer_assignment(s->consumer, tps, 1024);
  if (!s->joined || n > 1024) return 0;
  for (size_t i = 0; i < n; i++) {
    int64_t pos = -1, hw = -1;
    if (uvk_consumer_position(s->consumer, tps[i].topic, tps[i].partition, &pos, &hw) != 0) return 0;
    if (hw < 0 || pos < hw) return 0;
  }
  return 1;
}

static int on_message(uvk_consumer *c, const uvk_batch *b, const uvk_consumer_message *m, void *ud) {
  Consume *s = (Consume *)ud;
  (void)c;
  if (s->done) return 0;
  print_message(s, b, m);
  s->count++;
  if (s->limit > 0 && s->count >= s->limit) request_stop(s);
  return 0;
}

static void on_event(void *ud, const uvk_event *ev) {
  Consume *s = (Consume *)ud;
  if (ev->type == UVK_EVENT_GROUP_JOIN) s->joined = 1;
  if (ev->type == UVK_EVENT_FETCH && s->to_end && !s->done && all_at_end(s)) request_stop(s);
}

static void on_crash(uvk_consumer *c, const uvk_error *err, void *ud) {
  Consume *s = (Consume *)ud;
  (void)c;
  s->failed = 1;
  uvk_error_format(err, s->error_text, sizeof s->error_text);
  request_stop(s);
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

static void on_closed(uvk_client *c, const uvk_error *err, void *ud) {
  Consume *s = (Consume *)ud;
  (void)c;
  (void)err;
  s->closed = 1;
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

int uvk_consume_main(int argc, char **argv) {
  const char *brokers = NULL, *topics = NULL, *group = NULL;
  int from_beginning = 0;
  char fresh_group[64];
  Consume s;
  uvk_config *cfg = uvk_config_new();
  int rc;
  memset(&s, 0, sizeof s);
  s.format = "%v";
  if (!cfg) return 1;
  uvk_cli_set(cfg, "clientId", "uvk");
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    int used = uvk_cli_common_flag(cfg, a, v);
    if (used < 0) goto bad_usage;
    if (used > 0) {
      i += used - 1;
      continue;
    }
    if (strcmp(a, "--from-beginning") == 0) { from_beginning = 1; continue; }
    if (strcmp(a, "-e") == 0) { s.to_end = 1; continue; }
    if (!v) { usage(); goto bad_usage; }
    i++;
    if (strcmp(a, "-b") == 0) brokers = v;
    else if (strcmp(a, "-t") == 0) topics = v;
    else if (strcmp(a, "-g") == 0) group = v;
    else if (strcmp(a, "-c") == 0) s.limit = atol(v);
    else if (strcmp(a, "-f") == 0) s.format = v;
    else if (strcmp(a, "--assigner") == 0) { if (uvk_cli_set(cfg, "partitionAssigners", v)) goto bad_usage; }
    else { usage(); goto bad_usage; }
  }
  if (!brokers || !topics || s.limit < 0) { usage(); goto bad_usage; }
  if (!group) {
    snprintf(fresh_group, sizeof fresh_group, "uvk-consume-%ld-%ld", (long)getpid(), (long)time(NULL));
    group = fresh_group;
  }
  if (uvk_cli_set(cfg, "brokers", brokers) || uvk_cli_set(cfg, "groupId", group)) goto bad_usage;
  goto args_ok;
bad_usage:
  uvk_config_free(cfg);
  return 2;
args_ok:
  if (uv_loop_init(&s.loop) != 0) return 1;
  rc = uvk_client_new(&s.loop, cfg, &s.client);
  if (rc == 0) rc = uvk_consumer_new(s.client, cfg, &s.consumer);
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
  uvk_consumer_on(s.consumer, UVK_EVENT_GROUP_JOIN, on_event, &s);
  uvk_consumer_on(s.consumer, UVK_EVENT_FETCH, on_event, &s);
  uvk_run_options o;
  uvk_run_options_init(&o);
  o.each_message = on_message;
  o.ud = &s;
  rc = uvk_consumer_run(s.consumer, &o);
  if (rc != 0) {
    fprintf(stderr, "uvk: cannot run the consumer: %s\n", uvk_strerror(rc));
    return 1;
  }
  while (!s.stopped) uv_run(&s.loop, UV_RUN_DEFAULT);
  fflush(stdout);
  uvk_consumer_free(s.consumer);
  uvk_client_disconnect(s.client, on_closed, &s);
  while (!s.closed) uv_run(&s.loop, UV_RUN_DEFAULT);
  uvk_client_free(s.client);
  uv_run(&s.loop, UV_RUN_DEFAULT);
  uv_loop_close(&s.loop);
  if (s.failed) {
    fprintf(stderr, "uvk consume: %ld message(s), FAILED: %s\n", s.count, s.error_text);
    return 1;
  }
  fprintf(stderr, "uvk consume: %ld message(s) from %s (group %s)\n", s.count, topics, group);
  return 0;
}
