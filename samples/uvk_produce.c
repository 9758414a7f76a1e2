/* uvk produce: sends stdin (or -l FILE), one message per line (per -D delimiter), and waits
 * for every acknowledgement.
 *
 *   uvk produce -b BROKERS -t TOPIC [-p PARTITION] [-K DELIM] [-k KEY] [-D DELIM] [-Z]
 *               [-H name=value]... [-l FILE] [-T] [-c COUNT] [-q] [FILE...]
 *               [--acks -1|0|1] [--compression|-z none|gzip|snappy|lz4|zstd] [--idempotent]
 *               [--linger-ms N] [-X key=value]... (+ the TLS / SASL flags)
 *
 * Input is read on the loop (a pipe or terminal through uv_poll, a file in chunks), so
 * SIGINT / SIGTERM stop it between reads: what was read is sent, the acknowledgements are
 * awaited and counted, exit 0; a second signal exits at once. Exit 0 only when every message
 * sent was acknowledged, with one summary line on stderr; 1: failure (the cause on stderr);
 * 2: usage error. Each FILE named is one message, whole (kcat). With -X transactionalId (or transactional.id) everything read goes in one
 * transaction, committed at the end of the input, aborted when stopped by a signal. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "uvk_cli.h"
#include "uvk_format.h"
#include "uvkafka/uvkafka.h"

#define MAX_HEADERS 64
#define SEND_MAX 1000
#define CHUNK (1 << 16)
#define MAX_FILES 256

typedef struct Produce {
  uv_loop_t loop;
  uvk_client *client;
  uvk_producer *producer;
  uvk_send_options opts;
  const char *topic;
  int partition;
  int fd, own_fd;
  uv_poll_t in_poll;
  uv_idle_t in_idle; /* for input epoll cannot watch: a regular file */
  int polled, reading, eof, stopping, stop_signal;
  /* input not yet cut into messages */
  char *in;
  size_t in_len, in_cap;
  /* cut, not yet sent */
  uvk_message *msgs;
  char **bufs;
  size_t n_msgs, msgs_cap;
  uvk_cli_format key_delim, delim, fixed_key; /* escapes only (no tokens) */
  int have_key_delim, have_fixed_key, null_empty, tee;
  long limit, read_count;
  uvk_header headers[MAX_HEADERS];
  size_t n_headers;
  long pending_sends, acked, failed;
  int first_error;
  char error_text[512];
  /* -X transactionalId: everything read in one transaction, aborted when stopped */
  enum { TXN_NONE, TXN_OPEN, TXN_ENDING, TXN_DONE } txn;
  int aborted;
} Produce;

typedef struct Sent {
  Produce *s;
  size_t n;
} Sent;

static void usage(void) {
  fprintf(stderr,
          "usage: uvk produce -b BROKERS -t TOPIC [-p PARTITION] [-K DELIM] [-k KEY] [-D DELIM] [-Z]\n"
          "                   [-H name=value]... [-l FILE] [-T] [-c COUNT] [-q] [FILE...]\n"
          "                   [--acks -1|0|1] [--compression|-z none|gzip|snappy|lz4|zstd] [--idempotent]\n"
          "                   [--linger-ms N] [-X key=value]... [--tls] [--tls-ca F]\n"
          "                   [--tls-cert F] [--tls-key F] [--tls-insecure]\n"
          "                   [--sasl plain|scram-sha-256|scram-sha-512] [--user U] [--password P]\n");
}

static void pump(Produce *s);

static void on_sent(uvk_producer *p, const uvk_error *err, const uvk_record_metadata *md, size_t n, void *ud) {
  Sent *sent = (Sent *)ud;
  Produce *s = sent->s;
  (void)p;
  (void)md;
  (void)n;
  s->pending_sends--;
  if (err) s->failed += (long)sent->n;
  else s->acked += (long)sent->n;
  free(sent);
  if (err && !s->first_error) {
    /* The message, then the cause's (retries exceeded), then the broker's words if new. */
    const uvk_error *cause = uvk_error_cause(err);
    const char *msg = uvk_error_message(err);
    const char *cmsg = cause ? uvk_error_message(cause) : NULL;
    const char *broker = uvk_error_broker_message(cause ? cause : err);
    int new_words = broker && !strstr(msg, broker) && !(cmsg && strstr(cmsg, broker));
    s->first_error = uvk_error_code(err);
    snprintf(s->error_text, sizeof s->error_text, "%s%s%s%s%s", msg, cmsg ? ": " : "", cmsg ? cmsg : "",
             new_words ? ": " : "", new_words ? broker : "");
  }
  pump(s);
}

static void on_drain(uvk_producer *p, const uvk_error *err, void *ud) {
  (void)p;
  (void)err;
  pump((Produce *)ud);
}

static const char *find(const char *p, size_t n, const uvk_cli_format *d) {
  size_t dl = d->used;
  if (dl == 0 || n < dl) return NULL;
  for (const char *q = p; q + dl <= p + n; q++) {
    q = (const char *)memchr(q, d->text[0], (size_t)(p + n - q));
    if (!q || q + dl > p + n) return NULL;
    if (memcmp(q, d->text, dl) == 0) return q;
  }
  return NULL;
}

/* One message from bytes [p, p + n): copied, since uvk_producer_send copies only on send. */
static int cut(Produce *s, const char *p, size_t n) {
  /* an empty line is no message (kcat skips it too) */
  if (n == 0 || (s->limit > 0 && s->read_count >= s->limit)) return 0;
  if (s->n_msgs == s->msgs_cap) {
    size_t cap = s->msgs_cap ? s->msgs_cap * 2 : 1024;
    uvk_message *m = (uvk_message *)realloc(s->msgs, cap * sizeof *m);
    char **b = m ? (char **)realloc(s->bufs, cap * sizeof *b) : NULL;
    if (m) s->msgs = m;
    if (!b) return -1;
    s->bufs = b;
    s->msgs_cap = cap;
  }
  char *copy = (char *)malloc(n + 1);
  if (!copy) return -1;
  memcpy(copy, p, n);
  copy[n] = '\0';
  if (s->tee) {
    fwrite(p, 1, n, stdout);
    fwrite(s->delim.text, 1, s->delim.used, stdout);
  }
  uvk_message *m = &s->msgs[s->n_msgs];
  memset(m, 0, sizeof *m);
  m->partition = s->partition;
  m->timestamp = -1;
  m->headers = s->n_headers ? s->headers : NULL;
  m->n_headers = s->n_headers;
  const char *sep = s->have_key_delim ? find(copy, n, &s->key_delim) : NULL;
  if (sep) {
    m->key = copy;
    m->key_len = (size_t)(sep - copy);
    m->value = sep + s->key_delim.used;
    m->value_len = n - m->key_len - s->key_delim.used;
  } else {
    m->value = copy;
    m->value_len = n;
    if (s->have_fixed_key) {
      m->key = s->fixed_key.text;
      m->key_len = s->fixed_key.used;
    }
  }
  if (s->null_empty && m->key && m->key_len == 0) m->key = NULL;
  if (s->null_empty && m->value_len == 0) m->value = NULL;
  s->bufs[s->n_msgs++] = copy;
  s->read_count++;
  return 0;
}

/* Cuts every complete message out of the input; at the end also the unterminated rest. */
static int cut_all(Produce *s, int at_end) {
  size_t off = 0;
  const char *d;
  while ((d = find(s->in + off, s->in_len - off, &s->delim)) != NULL) {
    if (cut(s, s->in + off, (size_t)(d - (s->in + off))) != 0) return -1;
    off = (size_t)(d - s->in) + s->delim.used;
  }
  if (at_end && off < s->in_len) {
    if (cut(s, s->in + off, s->in_len - off) != 0) return -1;
    off = s->in_len;
  }
  memmove(s->in, s->in + off, s->in_len - off);
  s->in_len -= off;
  return 0;
}

static void reading(Produce *s, int on);

static void read_some(Produce *s) {
  if (s->in_cap - s->in_len < CHUNK) {
    char *in = (char *)realloc(s->in, s->in_cap + CHUNK);
    if (!in) { s->eof = 1; return; }
    s->in = in;
    s->in_cap += CHUNK;
  }
  ssize_t r = read(s->fd, s->in + s->in_len, CHUNK);
  if (r < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (r <= 0) {
    if (r < 0) fprintf(stderr, "uvk: reading input: %s\n", strerror(errno));
    s->eof = 1;
  } else {
    s->in_len += (size_t)r;
  }
  if (cut_all(s, s->eof) != 0) s->eof = 1;
  if (s->tee) fflush(stdout);
  if (s->limit > 0 && s->read_count >= s->limit) s->eof = 1;
  pump(s);
}

static void on_readable(uv_poll_t *h, int status, int events) {
  (void)status;
  (void)events;
  read_some((Produce *)h->data);
}

static void on_idle(uv_idle_t *h) { read_some((Produce *)h->data); }

static void reading(Produce *s, int on) {
  if (on == s->reading) return;
  s->reading = on;
  if (s->polled) {
    if (on) uv_poll_start(&s->in_poll, UV_READABLE | UV_DISCONNECT, on_readable);
    else uv_poll_stop(&s->in_poll);
  } else {
    if (on) uv_idle_start(&s->in_idle, on_idle);
    else uv_idle_stop(&s->in_idle);
  }
}

static void finish(Produce *s) {
  uv_stop(&s->loop);
}

static void on_txn_end(uvk_producer *p, const uvk_error *err, void *ud) {
  Produce *s = (Produce *)ud;
  (void)p;
  if (err && !s->first_error) {
    s->first_error = uvk_error_code(err);
    uvk_error_format(err, s->error_text, sizeof s->error_text);
  }
  s->txn = TXN_DONE;
  finish(s);
}

/* Everything is answered: commit the transaction, or abort it after a stop or a failure. */
static void end(Produce *s) {
  if (s->txn == TXN_ENDING) return;
  if (s->txn != TXN_OPEN) {
    finish(s);
    return;
  }
  s->txn = TXN_ENDING;
  s->aborted = s->stopping || s->first_error;
  int rc = s->aborted ? uvk_producer_abort_transaction(s->producer, on_txn_end, s)
                      : uvk_producer_commit_transaction(s->producer, on_txn_end, s);
  if (rc != 0) {
    if (!s->first_error) {
      s->first_error = rc;
      snprintf(s->error_text, sizeof s->error_text, "ending the transaction: %s", uvk_strerror(rc));
    }
    s->txn = TXN_DONE;
    finish(s);
  }
}

/* Sends what was cut; reads more once all of it is accepted; ends when all is answered. */
static void pump(Produce *s) {
  size_t done = 0;
  while (done < s->n_msgs) {
    size_t n = s->n_msgs - done < SEND_MAX ? s->n_msgs - done : SEND_MAX;
    Sent *sent = (Sent *)malloc(sizeof *sent);
    if (!sent) break;
    sent->s = s;
    sent->n = n;
    int rc = uvk_producer_send(s->producer, s->topic, s->msgs + done, n, &s->opts, on_sent, sent);
    if (rc != 0) {
      free(sent);
      if (rc != UVK_EQUEUEFULL) {
        char why[512];
        /* A bare UVK_EINVAL for a topic: say which rule its name breaks. */
        if (rc != UVK_EINVAL || uvk_name_check(UVK_NAME_TOPIC, s->topic, why, sizeof why) == 0)
          snprintf(why, sizeof why, "%s", uvk_strerror(rc));
        fprintf(stderr, "uvk: send failed: %s\n", why);
        if (!s->first_error) {
          s->first_error = rc;
          snprintf(s->error_text, sizeof s->error_text, "%s", why);
        }
        s->failed += (long)(s->n_msgs - done);
        for (size_t i = done; i < s->n_msgs; i++) free(s->bufs[i]);
        done = s->n_msgs;
        s->eof = 1;
      }
      break;
    }
    s->pending_sends++;
    for (size_t i = done; i < done + n; i++) free(s->bufs[i]);
    done += n;
  }
  if (done > 0 && done < s->n_msgs) {  /* nothing to move (and maybe no arrays yet) otherwise */
    memmove(s->msgs, s->msgs + done, (s->n_msgs - done) * sizeof *s->msgs);
    memmove(s->bufs, s->bufs + done, (s->n_msgs - done) * sizeof *s->bufs);
  }
  s->n_msgs -= done;
  reading(s, s->n_msgs == 0 && !s->eof && !s->stopping);
  if (s->n_msgs == 0 && (s->eof || s->stopping) && s->pending_sends == 0) end(s);
}

/* Files named on the command line: each one whole is a message (no -K split); stdin is not read. */
static int add_files(Produce *s, const char *const *files, size_t n) {
  int key_delim = s->have_key_delim;
  s->have_key_delim = 0;
  s->eof = 1;
  for (size_t i = 0; i < n; i++) {
    size_t len = 0;
    char *text = uvk_cli_read_file(files[i], (size_t)1 << 30, &len);
    if (!text || cut(s, text, len) != 0) {
      s->first_error = UVK_EINVAL;
      snprintf(s->error_text, sizeof s->error_text, "cannot read %s", files[i]);
      free(text);
      s->have_key_delim = key_delim;
      return -1;
    }
    free(text);
  }
  s->have_key_delim = key_delim;
  return 0;
}

static void on_stop_request(void *ud, int signo) {
  Produce *s = (Produce *)ud;
  if (signo == SIGPIPE) return; /* only -T writes to stdout; its reader leaving stops nothing */
  s->stopping = 1;
  if (!s->stop_signal) s->stop_signal = signo;
  if (s->txn == TXN_OPEN) {
    /* the transaction is aborted: what was read but not sent need not go out */
    for (size_t i = 0; i < s->n_msgs; i++) free(s->bufs[i]);
    s->n_msgs = 0;
  }
  pump(s);
}

static int add_header(Produce *s, const char *v) {
  const char *eq = strchr(v, '=');
  if (s->n_headers == MAX_HEADERS) return -1;
  size_t nl = eq ? (size_t)(eq - v) : strlen(v);
  char *name = (char *)malloc(nl + 1);
  if (!name) return -1;
  memcpy(name, v, nl);
  name[nl] = '\0';
  s->headers[s->n_headers].name = name;
  s->headers[s->n_headers].value = eq ? eq + 1 : NULL; /* kcat: -H name alone is a null value */
  s->headers[s->n_headers].value_len = eq ? strlen(eq + 1) : 0;
  s->n_headers++;
  return 0;
}

int uvk_produce_main(int argc, char **argv) {
  const char *brokers = NULL, *file = NULL, *delim = "\\n";
  int quiet = 0, rc = 0;
  const char *files[MAX_FILES];
  size_t n_files = 0;
  char txn_id[256];
  uvk_config *cfg = uvk_config_new();
  Produce *s = (Produce *)calloc(1, sizeof *s);
  if (!cfg || !s) return 1;
  uvk_send_options_init(&s->opts);
  s->partition = -1;
  uvk_cli_set(cfg, "clientId", "uvk");
  if (uvk_cli_env_config(cfg) != 0) goto bad_usage;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    int used = uvk_cli_take_common(cfg, argc, argv, &i);
    if (used < 0) goto bad_usage;
    if (used) continue;
    if (strcmp(a, "--idempotent") == 0) { if (uvk_cli_set(cfg, "idempotent", "true")) goto bad_usage; continue; }
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      usage();
      uvk_config_free(cfg);
      free(s);
      return 0;
    }
    if (strcmp(a, "-Z") == 0) { s->null_empty = 1; continue; }
    if (strcmp(a, "-T") == 0) { s->tee = 1; continue; }
    if (strcmp(a, "-q") == 0) { quiet = 1; continue; }
    if (a[0] != '-' && n_files < MAX_FILES) { /* kcat: each file named is one message */
      files[n_files++] = a;
      continue;
    }
    if (!v) goto bad_usage;
    i++;
    if (strcmp(a, "-b") == 0) brokers = v;
    else if (strcmp(a, "-t") == 0) s->topic = v;
    else if (strcmp(a, "-p") == 0) s->partition = atoi(v);
    else if (strcmp(a, "-K") == 0) s->have_key_delim = uvk_cli_format_add(&s->key_delim, v, 0) == 0;
    else if (strcmp(a, "-k") == 0) s->have_fixed_key = uvk_cli_format_add(&s->fixed_key, v, 0) == 0;
    else if (strcmp(a, "-D") == 0) delim = v;
    else if (strcmp(a, "-l") == 0) file = v;
    else if (strcmp(a, "-c") == 0) s->limit = atol(v);
    else if (strcmp(a, "-H") == 0) { if (add_header(s, v)) goto bad_usage; }
    else if (strcmp(a, "--acks") == 0) {
      s->opts.acks = atoi(v);
      if (s->opts.acks != -1 && s->opts.acks != 0 && s->opts.acks != 1) goto bad_usage;
    } else if (strcmp(a, "--compression") == 0 || strcmp(a, "-z") == 0) {
      static const char *const names[] = {"none", "gzip", "snappy", "lz4", "zstd"};
      int found = -1;
      for (int k = 0; k < 5; k++)
        if (strcmp(v, names[k]) == 0) found = k;
      if (found < 0) goto bad_usage;
      s->opts.compression = found;
    } else if (strcmp(a, "--linger-ms") == 0) { if (uvk_cli_set(cfg, "linger", v)) goto bad_usage; }
    else goto bad_usage;
  }
  brokers = uvk_cli_brokers(cfg, brokers);
  if (uvk_config_get(cfg, "transactionalId", txn_id, sizeof txn_id) <= 0) txn_id[0] = '\0';
  if (!brokers || !s->topic || uvk_cli_format_add(&s->delim, delim, 0) || s->delim.used == 0) goto bad_usage;
  if (file && n_files) goto bad_usage; /* -l reads one file line by line */
  s->fd = STDIN_FILENO;
  if (file) {
    s->fd = open(file, O_RDONLY);
    if (s->fd < 0) {
      fprintf(stderr, "uvk: %s: %s\n", file, strerror(errno));
      uvk_config_free(cfg);
      return 1;
    }
    s->own_fd = 1;
  }
  goto args_ok;
bad_usage:
  usage();
  for (size_t i = 0; i < s->n_headers; i++) free((void *)s->headers[i].name);
  uvk_config_free(cfg);
  free(s);
  return 2;
args_ok:
  if (s->tee) uvk_cli_stdout_mode(0);
  if (uv_loop_init(&s->loop) != 0) return 1;
  rc = uvk_client_new(&s->loop, cfg, &s->client);
  if (rc == 0) rc = uvk_producer_new(s->client, cfg, &s->producer);
  uvk_config_free(cfg);
  if (rc != 0) {
    fprintf(stderr, "uvk: cannot create the client: %s\n", uvk_strerror(rc));
    return rc == UVK_EINVAL ? 2 : 1;
  }
  uvk_producer_set_drain_cb(s->producer, on_drain, s);
  if (txn_id[0]) {
    rc = uvk_producer_begin_transaction(s->producer);
    if (rc != 0) {
      fprintf(stderr, "uvk: cannot begin the transaction: %s\n", uvk_strerror(rc));
      return 1;
    }
    s->txn = TXN_OPEN;
  }
  if (uvk_cli_stop_init(&s->loop, quiet, on_stop_request, s) != 0) return 1;
  s->polled = uvk_cli_poll_init(&s->loop, &s->in_poll, s->fd) == 0;
  if (!s->polled) uv_idle_init(&s->loop, &s->in_idle);
  s->in_poll.data = s->in_idle.data = s;
  uvk_cli_progress_start(&s->loop, quiet || s->tee ? -1 : s->fd, &s->acked, "message(s) acknowledged");
  if (n_files) add_files(s, files, n_files);
  pump(s);
  uv_run(&s->loop, UV_RUN_DEFAULT);
  uvk_cli_progress_stop();
  fflush(stdout);
  uv_close(s->polled ? (uv_handle_t *)&s->in_poll : (uv_handle_t *)&s->in_idle, NULL);
  uvk_producer_free(s->producer);
  uvk_cli_client_close(&s->loop, s->client);
  uvk_cli_stop_close();
  uv_run(&s->loop, UV_RUN_DEFAULT);
  uv_loop_close(&s->loop);
  if (s->own_fd) close(s->fd);
  for (size_t i = 0; i < s->n_headers; i++) free((void *)s->headers[i].name);
  rc = 0;
  if (s->first_error) {
    fprintf(stderr, "uvk produce: %ld message(s) read, %ld acknowledged, FAILED: %s\n", s->read_count, s->acked,
            s->error_text);
    rc = 1;
  } else if (!quiet) {
    const char *why = s->stop_signal == SIGINT ? ", stopped by SIGINT" : s->stop_signal == SIGTERM ? ", stopped by SIGTERM" : "";
    if (s->aborted)
      fprintf(stderr, "uvk produce: transaction %s aborted%s: %ld message(s) acknowledged, none committed (topic %s)\n",
              txn_id, why, s->acked, s->topic);
    else
      fprintf(stderr, "uvk produce: %ld message(s) acknowledged by %s (topic %s)%s%s%s\n", s->acked, brokers, s->topic,
              txn_id[0] ? ", committed in transaction " : "", txn_id, why);
  }
  free(s->in);
  free(s->msgs);
  free(s->bufs);
  free(s);
  return rc;
}
