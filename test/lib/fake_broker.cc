// The fake broker's socket core: request framing, the in-order answer queue (held, parked, due), the mischief.
#include "fake_broker.h"

#include <deque>

#include "common/arena.h"
#include "fake_answer.h"

namespace uvk_test {

using namespace uvk;

struct FakeBrokerConn {
  FakeBroker *b = nullptr;
  uv_tcp_t tcp;
  uv_timer_t timer;       // releases a held (long-polling) Fetch answer
  int open_handles = 0;
  bool closing = false;
  std::vector<uint8_t> in;
  struct Out {
    std::vector<uint8_t> bytes;
    uint64_t release_at;  // loop time; 0: now
    bool close_after;
    bool parked_fetch = false;  // parked by park_fetches (fake_cluster_release_fetches)
  };
  std::deque<Out> queue;  // answers in request order
  int32_t generation = 0;  // of the one-member group this connection joins
};

namespace {

struct WriteReq {
  uv_write_t req;
  std::vector<uint8_t> bytes;
  FakeBrokerConn *close_after;  // close this connection once written
};

void on_handle_closed(uv_handle_t *h) {
  FakeBrokerConn *c = static_cast<FakeBrokerConn *>(h->data);
  if (--c->open_handles == 0) delete c;
}

void close_conn(FakeBrokerConn *c) {
  if (c->closing) return;
  c->closing = true;
  FakeBroker *b = c->b;
  for (size_t i = 0; i < b->conns.size(); i++)
    if (b->conns[i] == c) b->conns.erase(b->conns.begin() + long(i));
  uv_close(reinterpret_cast<uv_handle_t *>(&c->tcp), on_handle_closed);
  uv_close(reinterpret_cast<uv_handle_t *>(&c->timer), on_handle_closed);
}

void write_bytes(FakeBrokerConn *c, std::vector<uint8_t> bytes, bool close_after) {
  WriteReq *w = new WriteReq;
  w->bytes = std::move(bytes);
  w->close_after = close_after ? c : nullptr;
  w->req.data = w;
  uv_buf_t buf = uv_buf_init(reinterpret_cast<char *>(w->bytes.data()), unsigned(w->bytes.size()));
  int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t *>(&c->tcp), &buf, 1, [](uv_write_t *req, int) {
    WriteReq *wr = static_cast<WriteReq *>(req->data);
    if (wr->close_after && !wr->close_after->closing) {
      wr->close_after->b->broker_closes++;
      close_conn(wr->close_after);
    }
    delete wr;
  });
  if (rc != 0) {
    delete w;
    close_conn(c);
  }
}

void pump(FakeBrokerConn *c);

void on_timer(uv_timer_t *t) { pump(static_cast<FakeBrokerConn *>(t->data)); }

// Writes the answers that are due, in order; a held one holds those behind it.
void pump(FakeBrokerConn *c) {
  uint64_t now = uv_now(c->b->loop);
  while (!c->closing && !c->queue.empty()) {
    FakeBrokerConn::Out &o = c->queue.front();
    if (o.release_at == UINT64_MAX) return;  // parked until an OffsetCommit arrives
    if (o.release_at > now) {
      uv_timer_start(&c->timer, on_timer, o.release_at - now, 0);
      return;
    }
    std::vector<uint8_t> bytes = std::move(o.bytes);
    bool close_after = o.close_after;
    c->queue.pop_front();
    write_bytes(c, std::move(bytes), close_after);
  }
}

// The one misbehaviour, applied to an answer about to be queued.
void corrupt(FakeBroker *b, FakeBrokerConn::Out *o, size_t body_at) {
  std::vector<uint8_t> &v = o->bytes;
  auto put32 = [&v](size_t at, uint32_t x) {
    if (at + 4 > v.size()) return;
    v[at] = uint8_t(x >> 24), v[at + 1] = uint8_t(x >> 16), v[at + 2] = uint8_t(x >> 8), v[at + 3] = uint8_t(x);
  };
  switch (b->mischief) {
    case kMischiefTruncate:
      put32(0, uint32_t(v.size() - 4 + 1000));
      v.resize(4 + (v.size() - 4) / 2);
      o->close_after = true;
      break;
    case kMischiefLength2G: put32(0, 0x7fffffffu); break;
    case kMischiefNegativeLength: put32(0, uint32_t(-16)); break;
    case kMischiefWrongCorrelation: {
      uint32_t corr = uint32_t(v[4]) << 24 | uint32_t(v[5]) << 16 | uint32_t(v[6]) << 8 | v[7];
      put32(4, corr + 1000);
      break;
    }
    case kMischiefNegativeArray: put32(body_at + b->mischief_offset, uint32_t(-2)); break;
    case kMischiefNone: break;
  }
  b->mischief_done++;
}

// Decodes one request's header and queues its answer; a key nobody answers closes.
void handle(FakeBrokerConn *c, const uint8_t *data, size_t len) {
  FakeBroker *b = c->b;
  Reader f = reader_make(data, len);
  if (len < 4) return;
  int16_t key = int16_t(data[0] << 8 | data[1]), version = int16_t(data[2] << 8 | data[3]);
  proto::RequestHeader h;
  Arena arena;
  proto::decode(&f, &arena, &h, proto::request_header_version(key, version));
  arena_free(&arena);
  b->requests[key]++;
  b->request_versions[key] = version;
  int32_t corr = h.correlation_id;
  FakeAnswer a;
  if (!fake_metadata_answer(b, key, corr, version, &f, &a) && !fake_log_answer(b, key, corr, version, &f, &a) &&
      !fake_group_answer(b, &c->generation, key, corr, version, &f, &a) &&
      !fake_share_answer(b, key, corr, version, &f, &a)) {
    close_conn(c);  // not a request this broker knows
    return;
  }
  if (!a.reply) return;
  if (key == proto::kOffsetCommit)
    for (FakeBrokerConn::Out &held : c->queue)
      if (held.release_at == UINT64_MAX && !held.parked_fetch) held.release_at = 0;  // a parked heartbeat answer goes first
  uint64_t release = a.hold_ms == UINT64_MAX ? UINT64_MAX : a.hold_ms ? uv_now(b->loop) + a.hold_ms : 0;
  FakeBrokerConn::Out o{std::move(a.bytes), release, false, a.parked_fetch};
  if (b->mischief_api == key && b->mischief != kMischiefNone) {
    corrupt(b, &o, a.body_at);
    b->mischief_api = -1;  // once
  }
  c->queue.push_back(std::move(o));
}

void on_alloc(uv_handle_t *, size_t n, uv_buf_t *buf) {
  buf->base = new char[n];
  buf->len = n;
}

void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  FakeBrokerConn *c = static_cast<FakeBrokerConn *>(s->data);
  if (n < 0) {
    if (!c->closing) {
      c->b->client_closes++;
      close_conn(c);
    }
  } else if (n > 0 && !c->closing) {
    c->in.insert(c->in.end(), buf->base, buf->base + n);
    size_t pos = 0;
    while (!c->closing && c->in.size() - pos >= 4) {
      const uint8_t *p = c->in.data() + pos;
      uint32_t size = uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
      if (size > (64u << 20)) {  // the client never sends this: not ours to parse
        close_conn(c);
        break;
      }
      if (c->in.size() - pos - 4 < size) break;
      handle(c, p + 4, size);
      pos += 4 + size;
    }
    if (!c->closing) {
      c->in.erase(c->in.begin(), c->in.begin() + long(pos));
      pump(c);
    }
  }
  delete[] buf->base;
}

void on_connection(uv_stream_t *server, int status) {
  FakeBroker *b = static_cast<FakeBroker *>(server->data);
  if (status < 0) return;
  FakeBrokerConn *c = new FakeBrokerConn;
  c->b = b;
  uv_tcp_init(b->loop, &c->tcp);
  uv_timer_init(b->loop, &c->timer);
  c->tcp.data = c->timer.data = c;
  c->open_handles = 2;
  if (uv_accept(server, reinterpret_cast<uv_stream_t *>(&c->tcp)) != 0) {
    c->closing = true;
    uv_close(reinterpret_cast<uv_handle_t *>(&c->tcp), on_handle_closed);
    uv_close(reinterpret_cast<uv_handle_t *>(&c->timer), on_handle_closed);
    return;
  }
  b->accepted++;
  b->conns.push_back(c);
  uv_read_start(reinterpret_cast<uv_stream_t *>(&c->tcp), on_alloc, on_read);
}

}  // namespace

int fake_broker_start(FakeBroker *b, uv_loop_t *loop, FakeCluster *cluster, int32_t node_id) {
  b->loop = loop;
  b->cluster = cluster;
  b->node_id = node_id;
  int rc = uv_tcp_init(loop, &b->server);
  if (rc != 0) return rc;
  b->server.data = b;
  struct sockaddr_in addr;
  uv_ip4_addr("127.0.0.1", 0, &addr);
  rc = uv_tcp_bind(&b->server, reinterpret_cast<const struct sockaddr *>(&addr), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t *>(&b->server), 16, on_connection);
  if (rc != 0) {
    uv_close(reinterpret_cast<uv_handle_t *>(&b->server), nullptr);
    return rc;
  }
  struct sockaddr_storage bound;
  int len = sizeof bound;
  uv_tcp_getsockname(&b->server, reinterpret_cast<struct sockaddr *>(&bound), &len);
  b->port = ntohs(reinterpret_cast<struct sockaddr_in *>(&bound)->sin_port);
  cluster->brokers.push_back(b);
  return 0;
}

void fake_cluster_release_fetches(FakeCluster *cl) {
  for (FakeBroker *b : cl->brokers)
    for (FakeBrokerConn *c : b->conns) {
      for (FakeBrokerConn::Out &o : c->queue)
        if (o.parked_fetch) {
          o.parked_fetch = false;
          o.release_at = 0;
        }
      pump(c);
    }
}

void fake_broker_stop(FakeBroker *b) {
  while (!b->conns.empty()) close_conn(b->conns.back());
  if (!uv_is_closing(reinterpret_cast<uv_handle_t *>(&b->server)))
    uv_close(reinterpret_cast<uv_handle_t *>(&b->server), nullptr);
}

}  // namespace uvk_test
