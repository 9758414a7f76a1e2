#include "fault_proxy.h"

#include <stdlib.h>
#include <string.h>

#include <new>

namespace uvk_test {

namespace {

struct Conn;

struct Chunk {
  Chunk *next;
  uint64_t due;
  size_t len, off;
  char data[1];  // len bytes follow
};

// One direction of a connection: bytes read from `from` wait here until due, then go to `to`.
struct Pipe {
  Conn *conn;
  uv_tcp_t *to;
  Chunk *head = nullptr, *tail = nullptr;
  uv_timer_t timer;
  bool writing = false;   // one_byte_writes: a write is in flight
  uint64_t next_free = 0; // bandwidth limit: when the link is free again
  bool b2c = false;
};

struct WriteReq {
  uv_write_t req;
  Pipe *pipe;
  char *data;
};

}  // namespace

struct FaultProxy {
  uv_loop_t *loop;
  uv_tcp_t listener;
  struct sockaddr_in target;
  FaultConfig cfg;
  Conn *conns = nullptr;
  size_t accepted = 0, open = 0;
  size_t b2c_writes = 0;
  uint64_t b2c_bytes = 0;
  uint64_t b2c_muted = 0;
  bool stopping = false, listener_closed = false;
};

namespace {

struct Conn {
  FaultProxy *proxy;
  Conn *prev = nullptr, *next = nullptr;
  uv_tcp_t client, upstream;
  uv_connect_t connect_req;
  Pipe c2b, b2c;
  bool upstream_ready = false, blackhole = false, closing = false;
  int64_t b2c_forwarded = 0;
  int handles_open = 0;  // tcp handles and timers still to be closed
};

void conn_close(Conn *c, bool reset);

void free_chunks(Pipe *p) {
  while (p->head) {
    Chunk *n = p->head->next;
    free(p->head);
    p->head = n;
  }
  p->tail = nullptr;
}

void on_handle_closed(uv_handle_t *h) {
  Conn *c = static_cast<Conn *>(h->data);
  if (--c->handles_open > 0) return;
  FaultProxy *p = c->proxy;
  free_chunks(&c->c2b);
  free_chunks(&c->b2c);
  if (c->prev) c->prev->next = c->next; else p->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  p->open--;
  delete c;
  if (p->stopping && p->listener_closed && p->open == 0) {
    p->~FaultProxy();
    free(p);
  }
}

void close_handle(uv_handle_t *h, uv_close_cb cb) {
  if (!uv_is_closing(h)) uv_close(h, cb);
}

// Timers carry their Pipe in ->data; hand the Conn to the common close callback.
void on_timer_closed(uv_handle_t *h) {
  h->data = static_cast<Pipe *>(h->data)->conn;
  on_handle_closed(h);
}

void conn_close(Conn *c, bool reset) {
  if (c->closing) return;
  c->closing = true;
  if (reset) uv_tcp_close_reset(&c->client, on_handle_closed);
  else close_handle(reinterpret_cast<uv_handle_t *>(&c->client), on_handle_closed);
  close_handle(reinterpret_cast<uv_handle_t *>(&c->upstream), on_handle_closed);
  close_handle(reinterpret_cast<uv_handle_t *>(&c->c2b.timer), on_timer_closed);
  close_handle(reinterpret_cast<uv_handle_t *>(&c->b2c.timer), on_timer_closed);
}

void pipe_flush(Pipe *p);

void on_write(uv_write_t *req, int status) {
  WriteReq *w = reinterpret_cast<WriteReq *>(req);
  Pipe *p = w->pipe;
  free(w->data);
  free(w);
  if (status < 0) {
    if (status != UV_ECANCELED) conn_close(p->conn, false);
    return;
  }
  p->writing = false;
  if (!p->conn->closing) pipe_flush(p);
}

void write_bytes(Pipe *p, const char *data, size_t len) {
  WriteReq *w = static_cast<WriteReq *>(malloc(sizeof(WriteReq)));
  w->pipe = p;
  w->data = static_cast<char *>(malloc(len));
  memcpy(w->data, data, len);
  uv_buf_t b = uv_buf_init(w->data, unsigned(len));
  if (uv_write(&w->req, reinterpret_cast<uv_stream_t *>(p->to), &b, 1, on_write) != 0) {
    free(w->data);
    free(w);
    conn_close(p->conn, false);
  }
}

void on_pipe_timer(uv_timer_t *t) { pipe_flush(static_cast<Pipe *>(t->data)); }

// Writes every chunk that is due; re-arms the timer for the next one.
void pipe_flush(Pipe *p) {
  Conn *c = p->conn;
  if (c->closing || (!p->b2c && !c->upstream_ready)) return;
  const FaultConfig &cfg = c->proxy->cfg;
  uint64_t now = uv_now(c->proxy->loop);
  while (p->head && !p->writing) {
    Chunk *ch = p->head;
    if (ch->due > now) {
      uv_timer_start(&p->timer, on_pipe_timer, ch->due - now, 0);
      return;
    }
    size_t n = ch->len - ch->off;
    if (p->b2c && cfg.one_byte_writes) n = 1;
    if (p->b2c && cfg.reset_after_bytes >= 0) {
      int64_t room = cfg.reset_after_bytes - c->b2c_forwarded;
      if (room <= 0) {
        conn_close(c, true);
        return;
      }
      if (int64_t(n) > room) n = size_t(room);
    }
    write_bytes(p, ch->data + ch->off, n);
    if (p->b2c) c->proxy->b2c_writes++, c->proxy->b2c_bytes += n;
    if (c->closing) return;
    if (p->b2c) c->b2c_forwarded += int64_t(n);
    ch->off += n;
    if (ch->off == ch->len) {
      p->head = ch->next;
      if (!p->head) p->tail = nullptr;
      free(ch);
    }
    if (p->b2c && cfg.one_byte_writes) p->writing = true;  // next byte after this write
  }
  if (p->b2c && cfg.reset_after_bytes >= 0 && c->b2c_forwarded >= cfg.reset_after_bytes)
    conn_close(c, true);
}

void pipe_push_chunk(Pipe *p, const char *data, size_t len);

void pipe_push(Pipe *p, const char *data, size_t len) {
  const FaultConfig &cfg = p->conn->proxy->cfg;
  // Under a bandwidth limit the bytes trickle: slices of 1/20 s worth, each due when the
  // link has carried the one before, so one response reaches the client in many reads
  // instead of one late burst of a whole socket read.
  size_t slice = len;
  if (p->b2c && cfg.bytes_per_sec > 0) slice = cfg.bytes_per_sec / 20 > 0 ? cfg.bytes_per_sec / 20 : 1;
  for (size_t off = 0; off < len; off += slice)
    pipe_push_chunk(p, data + off, len - off < slice ? len - off : slice);
}

void pipe_push_chunk(Pipe *p, const char *data, size_t len) {
  const FaultConfig &cfg = p->conn->proxy->cfg;
  uint64_t now = uv_now(p->conn->proxy->loop);
  uint64_t due = now + cfg.latency_ms;
  if (p->b2c && cfg.bytes_per_sec > 0) {
    uint64_t start = due > p->next_free ? due : p->next_free;
    p->next_free = start + uint64_t(len) * 1000 / cfg.bytes_per_sec;
    due = p->next_free;
  }
  Chunk *ch = static_cast<Chunk *>(malloc(sizeof(Chunk) + len));
  ch->next = nullptr;
  ch->due = due;
  ch->len = len;
  ch->off = 0;
  memcpy(ch->data, data, len);
  if (p->tail) p->tail->next = ch; else p->head = ch;
  p->tail = ch;
  pipe_flush(p);
}

void on_alloc(uv_handle_t *, size_t suggested, uv_buf_t *buf) {
  buf->base = static_cast<char *>(malloc(suggested));
  buf->len = buf->base ? suggested : 0;
}

void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  Conn *c = static_cast<Conn *>(s->data);
  if (n > 0 && !c->closing) {
    bool from_client = s == reinterpret_cast<uv_stream_t *>(&c->client);
    if (!from_client && c->proxy->cfg.mute_answers) c->proxy->b2c_muted += uint64_t(n);
    else if (!(from_client && c->blackhole)) pipe_push(from_client ? &c->c2b : &c->b2c, buf->base, size_t(n));
  } else if (n < 0) {
    conn_close(c, false);  // EOF or error on either side ends the whole connection
  }
  free(buf->base);
}

void on_upstream_connected(uv_connect_t *req, int status) {
  Conn *c = static_cast<Conn *>(req->data);
  if (c->closing) return;
  if (status < 0) {
    conn_close(c, true);
    return;
  }
  c->upstream_ready = true;
  uv_read_start(reinterpret_cast<uv_stream_t *>(&c->upstream), on_alloc, on_read);
  pipe_flush(&c->c2b);
}

void init_pipe(Conn *c, Pipe *p, uv_tcp_t *to, bool b2c) {
  p->conn = c;
  p->to = to;
  p->b2c = b2c;
  uv_timer_init(c->proxy->loop, &p->timer);
  p->timer.data = p;
  c->handles_open++;
}

void on_connection(uv_stream_t *server, int status) {
  FaultProxy *p = static_cast<FaultProxy *>(server->data);
  if (status < 0 || p->stopping) return;
  Conn *c = new Conn();
  c->proxy = p;
  uv_tcp_init(p->loop, &c->client);
  c->client.data = c;
  c->handles_open++;
  if (uv_accept(server, reinterpret_cast<uv_stream_t *>(&c->client)) != 0) {
    c->closing = true;
    uv_close(reinterpret_cast<uv_handle_t *>(&c->client), [](uv_handle_t *h) {
      delete static_cast<Conn *>(h->data);
    });
    return;
  }
  uv_tcp_init(p->loop, &c->upstream);
  c->upstream.data = c;
  c->handles_open++;
  uv_tcp_nodelay(&c->client, 1);
  uv_tcp_nodelay(&c->upstream, 1);
  init_pipe(c, &c->c2b, &c->upstream, false);
  init_pipe(c, &c->b2c, &c->client, true);
  c->next = p->conns;
  if (p->conns) p->conns->prev = c;
  p->conns = c;
  p->accepted++;
  p->open++;
  c->blackhole = p->cfg.blackhole;
  uv_read_start(reinterpret_cast<uv_stream_t *>(&c->client), on_alloc, on_read);
  if (c->blackhole) return;
  c->connect_req.data = c;
  if (uv_tcp_connect(&c->connect_req, &c->upstream,
                     reinterpret_cast<const struct sockaddr *>(&p->target),
                     on_upstream_connected) != 0)
    conn_close(c, true);
}

}  // namespace

int fault_proxy_start(uv_loop_t *loop, const char *target_ip, uint16_t target_port,
                      FaultProxy **out, uint16_t *port) {
  void *mem = malloc(sizeof(FaultProxy));
  if (!mem) return UV_ENOMEM;
  FaultProxy *p = new (mem) FaultProxy();
  p->loop = loop;
  int rc = uv_ip4_addr(target_ip, target_port, &p->target);
  struct sockaddr_in any;
  if (rc == 0) rc = uv_ip4_addr("127.0.0.1", 0, &any);
  if (rc == 0) rc = uv_tcp_init(loop, &p->listener);
  if (rc != 0) {
    p->~FaultProxy();
    free(p);
    return rc;
  }
  p->listener.data = p;
  rc = uv_tcp_bind(&p->listener, reinterpret_cast<const struct sockaddr *>(&any), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t *>(&p->listener), 64, on_connection);
  struct sockaddr_in bound;
  int len = sizeof bound;
  if (rc == 0)
    rc = uv_tcp_getsockname(&p->listener, reinterpret_cast<struct sockaddr *>(&bound), &len);
  if (rc != 0) {
    p->stopping = true;
    uv_close(reinterpret_cast<uv_handle_t *>(&p->listener), [](uv_handle_t *h) {
      FaultProxy *fp = static_cast<FaultProxy *>(h->data);
      fp->~FaultProxy();
      free(fp);
    });
    return rc;
  }
  *port = ntohs(bound.sin_port);
  *out = p;
  return 0;
}

void fault_proxy_set(FaultProxy *p, const FaultConfig &cfg) {
  p->cfg = cfg;
  for (Conn *c = p->conns; c; c = c->next) {
    pipe_flush(&c->c2b);
    if (!c->closing) pipe_flush(&c->b2c);
  }
}

void fault_proxy_reset_all(FaultProxy *p) {
  for (Conn *c = p->conns; c; c = c->next) conn_close(c, true);
}

size_t fault_proxy_accepted(const FaultProxy *p) { return p->accepted; }
size_t fault_proxy_open(const FaultProxy *p) { return p->open; }
size_t fault_proxy_b2c_writes(const FaultProxy *p) { return p->b2c_writes; }
uint64_t fault_proxy_b2c_bytes(const FaultProxy *p) { return p->b2c_bytes; }
uint64_t fault_proxy_b2c_muted(const FaultProxy *p) { return p->b2c_muted; }

void fault_proxy_stop(FaultProxy *p) {
  if (p->stopping) return;
  p->stopping = true;
  for (Conn *c = p->conns; c; c = c->next) conn_close(c, false);
  uv_close(reinterpret_cast<uv_handle_t *>(&p->listener), [](uv_handle_t *h) {
    FaultProxy *fp = static_cast<FaultProxy *>(h->data);
    fp->listener_closed = true;
    if (fp->open == 0) {
      fp->~FaultProxy();
      free(fp);
    }
  });
}

}  // namespace uvk_test
