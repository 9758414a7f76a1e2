#include "io/driver.h"
#include "io/xthread.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <new>

#include "common/tls_record.h"
#include "io/clock.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

struct IoConn {
  IoConn *next;
  IoDriver *d;
  ConnId id;
  uv_tcp_t tcp;
  uv_stream_t *stream;     // &tcp, or the stream the socket hook delivered
  uv_getaddrinfo_t gai;
  uv_connect_t connect_req;
  uv_write_t write_req;
  struct addrinfo *addrs;  // from getaddrinfo, tried in turn
  struct addrinfo *trying;
  struct addrinfo literal_ai;           // a numeric host: the one address, no resolver
  struct sockaddr_storage literal_sa;
  Buf wbuf;                // the write in flight: TLS records (a copy), or the engine's own buffer (taken)
  bool taken;              // wbuf is the engine's output buffer: given back when written
  TlsConn *tls;            // null for plaintext
  bool tls_ready;          // handshake done: the engine has been told "connected"
  bool tls_heard;          // the peer sent bytes during the handshake
  Buf plain;               // decrypted bytes on their way to the engine
  char host[256];
  uint16_t port;
  bool resolving, tcp_open, connected, writing, want_write, closed;
  bool foreign;            // stream came from the socket hook: release it after closing
  bool awaiting_hook;      // the hook has not called ready yet: keep this memory
  bool in_open;            // inside the hook's open call
  bool ready_pending;      // ready arrived inside open: handled on the next turn
  int ready_status;
  uv_stream_t *ready_stream;
  char rbuf[64 * 1024];
};

namespace {

// Around every callback from the loop: the owner knows library code is on the stack. The
// destructor reads nothing of the driver after busy_fn, which may have freed it.
struct Busy {
  void (*fn)(void *, bool);
  void *ud;
  explicit Busy(IoDriver *d) : fn(d->busy_fn), ud(d->busy_ud) {
    if (fn) fn(ud, true);
  }
  ~Busy() {
    if (fn) fn(ud, false);
  }
  Busy(const Busy &) = delete;
  Busy &operator=(const Busy &) = delete;
};

IoConn *find(IoDriver *d, ConnId id) {
  for (IoConn *c = d->conns; c; c = c->next)
    if (c->id == id && !c->closed) return c;
  return nullptr;
}

void maybe_done(IoDriver *d) {
  if (d->closing && d->open_handles == 0 && d->closed_cb) {
    void (*cb)(void *) = d->closed_cb;
    d->closed_cb = nullptr;
    if (d->owns_loop) uv_loop_close(&d->own_loop);
    cb(d->closed_ud);
  }
}

void free_conn_mem(IoDriver *d, IoConn *c) {
  for (IoConn **p = &d->conns; *p; p = &(*p)->next)
    if (*p == c) {
      *p = c->next;
      break;
    }
  if (c->addrs) uv_freeaddrinfo(c->addrs);
  buf_free(&c->wbuf);
  buf_free(&c->plain);
  tls_conn_free(c->tls);
  c->~IoConn();
  mem_free(d->alloc, c);
}

void on_tcp_closed(uv_handle_t *h) {
  Busy busy(static_cast<IoConn *>(h->data)->d);
  IoConn *c = static_cast<IoConn *>(h->data);
  IoDriver *d = c->d;
  d->open_handles--;
  if (c->foreign && d->socket_release) d->socket_release(d->socket_ud, h);
  if (!c->resolving && !c->awaiting_hook) free_conn_mem(d, c);
  maybe_done(d);
}

// Closes the socket; the memory goes once libuv (and the socket hook) are done with it.
void shut(IoConn *c) {
  if (c->closed) return;
  c->closed = true;
  if (c->tcp_open) {
    uv_close(reinterpret_cast<uv_handle_t *>(c->stream), on_tcp_closed);
  } else if (!c->resolving && !c->awaiting_hook) {
    free_conn_mem(c->d, c);
  }
  // still resolving: on_resolved frees it; waiting for the hook: hook_ready does
}

void fail(IoConn *c, int err) {
  IoDriver *d = c->d;
  ConnId id = c->id;
  if (err == UVK_ETLS && c->tls) engine_note_conn_error(d->engine, id, tls_conn_error(c->tls));
  shut(c);
  engine_on_conn_error(d->engine, id, err, io_now(d));
}

// fail() with why, in words that name the likely fix; libuv's status adds the system's.
void fail_why(IoConn *c, int err, int status, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void fail_why(IoConn *c, int err, int status, const char *fmt, ...) {
  char why[320];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  if (status < 0 && n >= 0 && size_t(n) < sizeof why)
    snprintf(why + n, sizeof why - size_t(n), " (%s: %s)", uv_err_name(status), uv_strerror(status));
  engine_note_conn_error(c->d->engine, c->id, why);
  fail(c, err);
}

void start_write(IoConn *c);

// Writes what the socket takes now, without blocking and without SIGPIPE (uv_try_write's
// write(2) raises it on a connection the broker reset): bytes written, 0 when the socket is
// full (or this is no socket: uv_write then goes on as before), -1 when the connection broke.
ssize_t write_now(IoConn *c, const uint8_t *data, size_t n) {
#ifdef MSG_NOSIGNAL
  uv_os_fd_t fd;
  if (uv_fileno(reinterpret_cast<uv_handle_t *>(c->stream), &fd) != 0) return 0;
  ssize_t w;
  do {
    w = send(fd, data, n, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (w < 0 && errno == EINTR);
  if (w >= 0) return w;
  return errno == EPIPE || errno == ECONNRESET ? -1 : 0;
#else
  (void)c, (void)data, (void)n;
  return 0;  // no MSG_NOSIGNAL: every write goes through uv_write
#endif
}

void on_write(uv_write_t *req, int status) {
  Busy busy(static_cast<IoConn *>(req->data)->d);
  IoConn *c = static_cast<IoConn *>(req->data);
  c->writing = false;
  if (c->closed) return;  // a taken buffer is freed with the connection
  if (status < 0) {
    fail(c, UVK_ECLOSED);
    return;
  }
  if (c->taken) {
    c->taken = false;
    engine_conn_output_return(c->d->engine, c->id, &c->wbuf, io_now(c->d));
    if (c->closed) return;
  }
  if (c->want_write) start_write(c);
}

void start_write(IoConn *c) {
  IoDriver *d = c->d;
  c->want_write = false;
  if (c->writing || !c->connected || c->closed) {
    c->want_write = !c->closed;
    return;
  }
  const uint8_t *data;
  uv_buf_t b;
  if (c->tls) {
    // Plaintext from the engine (once the handshake is done) becomes ciphertext; the
    // handshake's own records are in the TLS output already.
    buf_clear(&c->wbuf);
    size_t n = c->tls_ready ? engine_conn_output(d->engine, c->id, &data) : 0;
    if (n > 0) {
      int rc = tls_conn_write(c->tls, data, n);
      if (rc != 0) {
        fail(c, rc);
        return;
      }
      engine_conn_output_done(d->engine, c->id, n, io_now(d));
    }
    Buf *out = tls_conn_output(c->tls);
    if (out->len == 0) return;
    put_raw(&c->wbuf, out->data, out->len);
    buf_clear(out);
    if (c->wbuf.failed) {
      fail(c, UVK_ENOMEM);
      return;
    }
    b = uv_buf_init(reinterpret_cast<char *>(c->wbuf.data), unsigned(c->wbuf.len));
  } else {
    // Straight from the connection's output: the socket usually takes all of it, and what
    // it did not take is written by uv_write from the engine's buffer, which the driver
    // takes until then (before, it was copied into a second buffer as large as the output).
    size_t n = engine_conn_output(d->engine, c->id, &data);
    while (n > 0) {
      ssize_t w = write_now(c, data, n);
      // Broken: the output stays where it is and the read side reports the reset (failing
      // the connection here could re-enter the engine, which may be calling us).
      if (w < 0) return;
      if (w == 0) break;  // the socket is full: a write request takes the rest
      engine_conn_output_done(d->engine, c->id, size_t(w), io_now(d));
      if (size_t(w) < n) {
        n = engine_conn_output(d->engine, c->id, &data);
        break;  // the socket is full: the rest waits in a write request
      }
      n = engine_conn_output(d->engine, c->id, &data);
    }
    if (n == 0) return;
    size_t from = 0;
    buf_free(&c->wbuf);
    n = engine_conn_output_take(d->engine, c->id, &c->wbuf, &from);
    if (n == 0) return;
    c->taken = true;
    b = uv_buf_init(reinterpret_cast<char *>(c->wbuf.data + from), unsigned(n));
  }
  c->write_req.data = c;
  c->writing = true;
  if (uv_write(&c->write_req, c->stream, &b, 1, on_write) != 0) {
    c->writing = false;
    fail(c, UVK_ECLOSED);
  }
}

// The rest of a large response is read straight into the engine's frame buffer (one copy
// less on the consume path); headers, small frames and TLS records go through rbuf.
constexpr size_t kReadInPlaceMin = 16 * 1024;

void on_alloc(uv_handle_t *h, size_t, uv_buf_t *buf) {
  IoConn *c = static_cast<IoConn *>(h->data);
  uint8_t *at = nullptr;
  size_t n = c->d->tls || c->closed ? 0 : engine_read_window(c->d->engine, c->id, kReadInPlaceMin, &at);
  // Reads no larger than rbuf's: larger ones drained the socket and woke the loop 4x as often.
  if (n > 0) *buf = uv_buf_init(reinterpret_cast<char *>(at), unsigned(n < sizeof c->rbuf ? n : sizeof c->rbuf));
  else *buf = uv_buf_init(c->rbuf, sizeof c->rbuf);
}

// The transport is up: plaintext connections are ready now, TLS ones after the handshake.
void transport_up(IoConn *c) {
  IoDriver *d = c->d;
  if (!d->tls) {
    engine_on_connected(d->engine, c->id, io_now(d));
    if (!c->closed && c->want_write) start_write(c);
    return;
  }
  c->tls = tls_conn_new(d->tls, c->host);
  if (!c->tls) {
    fail(c, UVK_ENOMEM);
    return;
  }
  int rc = tls_conn_handshake(c->tls);  // writes the ClientHello
  if (rc < 0) {
    fail(c, rc);
    return;
  }
  start_write(c);
}

void on_tls_bytes(IoConn *c, const uint8_t *data, size_t n) {
  IoDriver *d = c->d;
  if (!c->tls_heard && !could_start_tls_record(data, n)) {
    fail_why(c, UVK_ETLS, 0, "%s", "the TLS handshake failed: the peer does not speak TLS (its first bytes are "
                                  "no TLS record): is this listener PLAINTEXT? Drop ssl (--tls), or use the SSL one");
    return;
  }
  c->tls_heard = true;
  int rc = tls_conn_feed(c->tls, data, n);
  if (rc == 0 && !c->tls_ready) {
    rc = tls_conn_handshake(c->tls);
    if (rc == 1) {
      c->tls_ready = true;
      rc = 0;
      start_write(c);  // the handshake's last flight
      if (c->closed) return;
      engine_on_connected(d->engine, c->id, io_now(d));
      if (c->closed) return;
    }
  }
  if (rc == 0 && c->tls_ready) {
    buf_clear(&c->plain);
    rc = tls_conn_read(c->tls, &c->plain);
    if (c->plain.len > 0) {
      engine_on_read(d->engine, c->id, c->plain.data, c->plain.len, io_now(d));
      if (c->closed) return;
    }
  }
  if (rc != 0) {
    fail(c, rc);
    return;
  }
  start_write(c);  // TLS may answer on its own (alerts, renegotiation refusals)
}

void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  Busy busy(static_cast<IoConn *>(s->data)->d);
  IoConn *c = static_cast<IoConn *>(s->data);
  if (c->closed) return;
  if (n > 0) {
    if (c->tls) on_tls_bytes(c, reinterpret_cast<const uint8_t *>(buf->base), size_t(n));
    else if (buf->base != c->rbuf) engine_on_read_landed(c->d->engine, c->id, size_t(n), io_now(c->d));
    else engine_on_read(c->d->engine, c->id, reinterpret_cast<const uint8_t *>(buf->base), size_t(n),
                        io_now(c->d));
  } else if (n < 0) {
    // EOF or a reset is the network's doing even mid-handshake: a retriable connection
    // failure. (It used to be UVK_ETLS, which is final, so one RST during the handshake
    // failed every pending send with an empty "TLS failure".) Real TLS failures, a bad
    // certificate or the broker's alert, come from tls_conn_* in on_tls_bytes as UVK_ETLS.
    if (c->tls && !c->tls_ready && !c->tls_heard)
      fail_why(c, UVK_ECLOSED, n == UV_EOF ? 0 : int(n), "%s", "the TLS handshake failed: the broker closed the "
               "connection without answering the ClientHello; the peer likely does not speak TLS: is this listener "
               "PLAINTEXT (or SASL_PLAINTEXT)? Drop ssl (--tls), or use the SSL one");
    else
      fail_why(c, UVK_ECLOSED, int(n), "%s", n == UV_EOF ? "the broker closed the connection" : "the connection broke");
  }
}

void try_next_address(IoConn *c);

void on_connect(uv_connect_t *req, int status) {
  IoConn *c = static_cast<IoConn *>(req->data);
  Busy busy(c->d);
  if (c->closed) return;
  if (status < 0) {
    // This address refused: close this socket and try the next one.
    c->trying = c->trying->ai_next;
    if (!c->trying) {
      if (status == UV_ECONNREFUSED)
        fail_why(c, UVK_ECONNECT, 0, strchr(c->host, ':') ? "connection refused by [%s]:%u (nothing listens there: "
                 "is the broker up, and is this its port?)" : "connection refused by %s:%u (nothing listens there: "
                 "is the broker up, and is this its port?)", c->host, unsigned(c->port));
      else
        fail_why(c, UVK_ECONNECT, status, strchr(c->host, ':') ? "cannot connect to [%s]:%u" : "cannot connect to %s:%u",
                 c->host, unsigned(c->port));
      return;
    }
    c->tcp_open = false;
    uv_close(reinterpret_cast<uv_handle_t *>(&c->tcp), [](uv_handle_t *h) {
      IoConn *ic = static_cast<IoConn *>(h->data);
      ic->d->open_handles--;
      if (ic->closed) {
        free_conn_mem(ic->d, ic);
        maybe_done(ic->d);
        return;
      }
      try_next_address(ic);
    });
    return;
  }
  c->connected = true;
  uv_tcp_nodelay(&c->tcp, 1);
  uv_read_start(c->stream, on_alloc, on_read);
  transport_up(c);
}

// The socket hook delivered a stream (or failed). Runs on a loop callback, not inside the
// engine: the hook calls it from its own callback, or we run it on the next turn.
void hook_ready_now(IoConn *c, int status, uv_stream_t *stream) {
  IoDriver *d = c->d;
  c->awaiting_hook = false;
  d->open_handles--;
  if (c->closed) {
    // The engine gave up meanwhile: close what arrived and hand it back.
    if (status == 0 && stream) {
      c->foreign = true;
      c->tcp_open = true;
      c->stream = stream;
      stream->data = c;
      d->open_handles++;
      uv_close(reinterpret_cast<uv_handle_t *>(stream), on_tcp_closed);
    } else {
      free_conn_mem(d, c);
      maybe_done(d);
    }
    return;
  }
  if (status != 0 || !stream) {
    fail(c, UVK_ECONNECT);
    return;
  }
  c->foreign = true;
  c->tcp_open = true;
  c->stream = stream;
  stream->data = c;
  d->open_handles++;
  c->connected = true;
  if (uv_read_start(stream, on_alloc, on_read) != 0) {
    fail(c, UVK_ECONNECT);
    return;
  }
  transport_up(c);
}

void on_defer(uv_timer_t *t);

void hook_ready(void *token, int status, void *stream) {
  IoConn *c = static_cast<IoConn *>(token);
  Busy busy(c->d);
  if (c->in_open) {
    // Called from inside open: the engine is still in its EngineIo call. Next turn.
    c->ready_pending = true;
    c->ready_status = status;
    c->ready_stream = static_cast<uv_stream_t *>(stream);
    uv_timer_start(&c->d->defer_timer, on_defer, 0, 0);
    return;
  }
  hook_ready_now(c, status, static_cast<uv_stream_t *>(stream));
}

// The TCP handle for c->trying, its socket made now so that the buffer sizes asked for are
// set before the handshake (Linux sizes the window it offers from them).
int open_tcp(IoConn *c) {
  IoDriver *d = c->d;
  int rc = uv_tcp_init_ex(d->loop, &c->tcp, unsigned(c->trying->ai_family));
  if (rc != 0) return rc;
  uv_handle_t *h = reinterpret_cast<uv_handle_t *>(&c->tcp);
  int v = d->recv_buffer;
  if (v > 0) uv_recv_buffer_size(h, &v);  // a kernel that refuses leaves its own: not fatal
  v = d->send_buffer;
  if (v > 0) uv_send_buffer_size(h, &v);
  return 0;
}

void try_next_address(IoConn *c) {
  IoDriver *d = c->d;
  if (open_tcp(c) != 0) {
    fail(c, UVK_ECONNECT);
    return;
  }
  c->tcp.data = c;
  c->tcp_open = true;
  d->open_handles++;
  c->connect_req.data = c;
  if (uv_tcp_connect(&c->connect_req, &c->tcp, c->trying->ai_addr, on_connect) != 0) fail(c, UVK_ECONNECT);
}

void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
  IoConn *c = static_cast<IoConn *>(req->data);
  IoDriver *d = c->d;
  Busy busy(d);
  c->resolving = false;
  d->open_handles--;
  c->addrs = res;
  if (c->closed) {
    free_conn_mem(d, c);
    maybe_done(d);
    return;
  }
  if (status < 0 || !res) {
    fail_why(c, UVK_ECONNECT, status, "cannot resolve the broker host \"%s\": check the name in brokers", c->host);
    return;
  }
  c->trying = res;
  try_next_address(c);
}

// A numeric host (IPv4, or IPv6 without brackets) needs no resolver: connecting straight
// away keeps libuv's threadpool, where getaddrinfo runs, from ever starting, so a client
// given IP addresses runs on the loop thread alone. False when host is a name.
bool connect_literal(IoConn *c, const char *host, uint16_t port) {
  IoDriver *d = c->d;
  memset(&c->literal_sa, 0, sizeof c->literal_sa);
  memset(&c->literal_ai, 0, sizeof c->literal_ai);
  struct sockaddr_in *v4 = reinterpret_cast<struct sockaddr_in *>(&c->literal_sa);
  struct sockaddr_in6 *v6 = reinterpret_cast<struct sockaddr_in6 *>(&c->literal_sa);
  unsigned char probe[16];
  if (uv_inet_pton(AF_INET, host, probe) == 0 && uv_ip4_addr(host, port, v4) == 0) {
    c->literal_ai.ai_family = AF_INET;
    c->literal_ai.ai_addrlen = sizeof *v4;
  } else if (uv_inet_pton(AF_INET6, host, probe) == 0 && uv_ip6_addr(host, port, v6) == 0) {
    c->literal_ai.ai_family = AF_INET6;
    c->literal_ai.ai_addrlen = sizeof *v6;
  } else {
    return false;
  }
  c->literal_ai.ai_socktype = SOCK_STREAM;
  c->literal_ai.ai_addr = reinterpret_cast<struct sockaddr *>(&c->literal_sa);
  c->trying = &c->literal_ai;
  // A synchronous failure is not reported from inside io_connect (the engine is the caller):
  // the connection goes quietly and the engine's connect timeout reports it, as when
  // getaddrinfo cannot start.
  if (open_tcp(c) != 0) {
    c->closed = true;
    free_conn_mem(d, c);
    return true;
  }
  c->tcp.data = c;
  c->tcp_open = true;
  d->open_handles++;
  c->connect_req.data = c;
  if (uv_tcp_connect(&c->connect_req, &c->tcp, c->trying->ai_addr, on_connect) != 0) shut(c);
  return true;
}

// ---- EngineIo ---------------------------------------------------------------------------

void io_connect(void *ud, ConnId id, const char *host, uint16_t port) {
  IoDriver *d = static_cast<IoDriver *>(ud);
  void *mem = mem_alloc(d->alloc, sizeof(IoConn));
  if (!mem) return;  // the engine's connect timeout reports it
  IoConn *c = new (mem) IoConn();
  c->d = d;
  c->id = id;
  c->stream = reinterpret_cast<uv_stream_t *>(&c->tcp);
  snprintf(c->host, sizeof c->host, "%s", host);
  c->port = port;
  c->next = d->conns;
  d->conns = c;
  if (d->socket_open) {
    // Until the hook answers it holds our token: the driver cannot finish closing before.
    c->awaiting_hook = true;
    d->open_handles++;
    c->in_open = true;
    int rc = d->socket_open(d->socket_ud, d->loop, host, port, d->tls ? 1 : 0, hook_ready, c);
    c->in_open = false;
    if (rc != 0) {
      // Refused at once: the engine hears it on the next turn, like a refused connect.
      c->ready_pending = true;
      c->ready_status = rc;
      c->ready_stream = nullptr;
      uv_timer_start(&d->defer_timer, on_defer, 0, 0);
    }
    return;
  }
  if (connect_literal(c, host, port)) return;
  char service[8];
  snprintf(service, sizeof service, "%u", unsigned(port));
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  c->gai.data = c;
  c->resolving = true;
  d->open_handles++;
  // A bracketed IPv6 literal arrives without brackets; getaddrinfo takes it as is.
  if (uv_getaddrinfo(d->loop, &c->gai, on_resolved, host, service, &hints) != 0) {
    c->resolving = false;
    d->open_handles--;
    c->closed = true;
    free_conn_mem(d, c);
  }
}

void io_want_write(void *ud, ConnId id) {
  IoConn *c = find(static_cast<IoDriver *>(ud), id);
  if (!c) return;
  if (c->writing || !c->connected) {
    c->want_write = true;
    return;
  }
  start_write(c);
}

void io_close_conn(void *ud, ConnId id) {
  IoConn *c = find(static_cast<IoDriver *>(ud), id);
  if (c) shut(c);
}

// The engine's deadline runs after the rest of the turn it fell due in (the application's
// timers and I/O callbacks of that turn), not before them: a linger that ends in the turn
// where the application sends more then seals those messages too, instead of leaving them
// a whole linger for the next batch. The idle handle makes that turn's poll return at once.
void on_turn_end(uv_check_t *h) {
  IoDriver *d = static_cast<IoDriver *>(h->data);
  Busy busy(d);
  uv_check_stop(&d->turn_end);
  uv_idle_stop(&d->turn_idle);
  if (!d->timer_due || d->closing) return;
  d->timer_due = false;
  engine_on_timer(d->engine, io_now(d));
}

void on_timer(uv_timer_t *t) {
  IoDriver *d = static_cast<IoDriver *>(t->data);
  d->timer_due = true;
  uv_check_start(&d->turn_end, on_turn_end);
  uv_idle_start(&d->turn_idle, [](uv_idle_t *) {});
}

void io_set_timer(void *ud, uint64_t deadline) {
  IoDriver *d = static_cast<IoDriver *>(ud);
  if (d->closing) return;
  if (deadline == UINT64_MAX) {
    uv_timer_stop(&d->timer);
    return;
  }
  uint64_t now = io_now(d);
  uv_timer_start(&d->timer, on_timer, deadline > now ? deadline - now : 0, 0);
}

void on_defer(uv_timer_t *t) {
  Busy busy(static_cast<IoDriver *>(t->data));
  IoDriver *d = static_cast<IoDriver *>(t->data);
  // Socket-hook answers that came inside open (or an open that failed) go first.
  for (bool again = true; again;) {
    again = false;
    for (IoConn *c = d->conns; c; c = c->next)
      if (c->ready_pending) {
        c->ready_pending = false;
        hook_ready_now(c, c->ready_status, c->ready_stream);
        again = true;  // the list may have changed
        break;
      }
  }
  if (!d->closing) engine_run_deferred(d->engine, io_now(d));
}

void io_defer(void *ud) {
  IoDriver *d = static_cast<IoDriver *>(ud);
  if (!d->closing) uv_timer_start(&d->defer_timer, on_defer, 0, 0);
}

void on_handle_closed(uv_handle_t *h) {
  Busy busy(static_cast<IoDriver *>(h->data));
  IoDriver *d = static_cast<IoDriver *>(h->data);
  d->open_handles--;
  maybe_done(d);
}

}  // namespace

int io_init(IoDriver *d, uv_loop_t *loop, const Allocator *a, EngineIo *io) {
  memset(static_cast<void *>(d), 0, sizeof *d);
  d->alloc = a;
  if (!loop) {
    int rc = uv_loop_init(&d->own_loop);
    if (rc != 0) return UVK_ENOMEM;
    d->owns_loop = true;
    loop = &d->own_loop;
  }
  d->loop = loop;
  uv_timer_init(loop, &d->timer);
  uv_timer_init(loop, &d->defer_timer);
  uv_check_init(loop, &d->turn_end);
  uv_idle_init(loop, &d->turn_idle);
  d->timer.data = d->defer_timer.data = d->turn_end.data = d->turn_idle.data = d;
  // The timer runs only while the engine has a deadline (a request, a retry, a connect),
  // so it keeps the loop alive exactly while there is work.
  d->open_handles = 4;
  io->ud = d;
  io->connect = io_connect;
  io->want_write = io_want_write;
  io->close = io_close_conn;
  io->set_timer = io_set_timer;
  io->defer = io_defer;
  io->wall_ms = [](void *) { return io_wall_ms(); };
  return 0;
}

void io_close(IoDriver *d, void (*closed_cb)(void *ud), void *ud) {
  d->closing = true;
  d->closed_cb = closed_cb;
  d->closed_ud = ud;
  for (IoConn *c = d->conns, *next; c; c = next) {
    next = c->next;
    shut(c);
  }
  // Hook answers waiting for the next turn: that turn will not come (the defer timer
  // closes now), so settle them here; for closed connections this only closes streams.
  for (bool again = true; again;) {
    again = false;
    for (IoConn *c = d->conns; c; c = c->next)
      if (c->ready_pending) {
        c->ready_pending = false;
        hook_ready_now(c, c->ready_status, c->ready_stream);
        again = true;
        break;
      }
  }
  io_async_close_all(d);
  uv_close(reinterpret_cast<uv_handle_t *>(&d->timer), on_handle_closed);
  uv_close(reinterpret_cast<uv_handle_t *>(&d->defer_timer), on_handle_closed);
  uv_close(reinterpret_cast<uv_handle_t *>(&d->turn_end), on_handle_closed);
  uv_close(reinterpret_cast<uv_handle_t *>(&d->turn_idle), on_handle_closed);
}

void io_handle_released(IoDriver *d) {
  Busy busy(d);
  d->open_handles--;
  maybe_done(d);
}

uint64_t io_now(const IoDriver *d) { return uv_now(d->loop); }

void io_run(IoDriver *d) { uv_run(d->loop, UV_RUN_DEFAULT); }

bool io_wake(IoDriver *d) {
  if (d->closing) return false;
  uv_timer_start(&d->defer_timer, on_defer, 0, 0);
  return true;
}

bool io_sigpipe_kills(void) {
  struct sigaction now;
  if (sigaction(SIGPIPE, nullptr, &now) != 0) return false;
  return !(now.sa_flags & SA_SIGINFO) && now.sa_handler == SIG_DFL;
}

}  // namespace uvk
