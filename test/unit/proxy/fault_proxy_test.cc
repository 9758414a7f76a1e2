// The TCP fault proxy itself: every fault does what integration tests rely on it to do.
#include <catch2/catch.hpp>

#include <string.h>

#include <string>

#include "fault_proxy.h"

using namespace uvk_test;

namespace {

// A "broker" that sends `greeting` to each connection and echoes what it reads.
struct Server {
  uv_tcp_t tcp;
  uv_tcp_t conn;
  bool has_conn = false;
  int accepted = 0;
  std::string greeting;
  std::string received;  // every byte read from clients
  uint16_t port = 0;
};

// The client side under test.
struct Client {
  uv_tcp_t tcp;
  uv_connect_t creq;
  uv_write_t wreq;
  std::string got;
  size_t want = 0;        // close once this many bytes arrived (0: keep reading)
  int read_status = 0;    // the first negative nread (UV_EOF, UV_ECONNRESET)
  bool connected = false;
  bool closed = false;
  uint64_t first_byte_at = 0;
  std::string to_send;
};

void alloc_cb(uv_handle_t *, size_t n, uv_buf_t *b) {
  b->base = static_cast<char *>(malloc(n));
  b->len = n;
}

void server_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  if (n > 0) {
    static_cast<Server *>(s->data)->received.append(b->base, size_t(n));
    auto *w = new uv_write_t;
    char *copy = static_cast<char *>(malloc(size_t(n)));
    memcpy(copy, b->base, size_t(n));
    w->data = copy;
    uv_buf_t out = uv_buf_init(copy, unsigned(n));
    uv_write(w, s, &out, 1, [](uv_write_t *req, int) {
      free(req->data);
      delete req;
    });
  } else if (n < 0) {
    uv_close(reinterpret_cast<uv_handle_t *>(s), nullptr);
  }
  free(b->base);
}

void server_conn(uv_stream_t *l, int status) {
  Server *s = static_cast<Server *>(l->data);
  REQUIRE(status == 0);
  REQUIRE_FALSE(s->has_conn);
  uv_tcp_init(l->loop, &s->conn);
  REQUIRE(uv_accept(l, reinterpret_cast<uv_stream_t *>(&s->conn)) == 0);
  s->conn.data = s;
  s->has_conn = true;
  s->accepted++;
  if (!s->greeting.empty()) {
    auto *w = new uv_write_t;
    uv_buf_t out = uv_buf_init(&s->greeting[0], unsigned(s->greeting.size()));
    uv_write(w, reinterpret_cast<uv_stream_t *>(&s->conn), &out, 1,
             [](uv_write_t *req, int) { delete req; });
  }
  uv_read_start(reinterpret_cast<uv_stream_t *>(&s->conn), alloc_cb, server_read);
}

void server_start(uv_loop_t *loop, Server *s) {
  uv_tcp_init(loop, &s->tcp);
  s->tcp.data = s;
  struct sockaddr_in a;
  uv_ip4_addr("127.0.0.1", 0, &a);
  REQUIRE(uv_tcp_bind(&s->tcp, reinterpret_cast<const sockaddr *>(&a), 0) == 0);
  REQUIRE(uv_listen(reinterpret_cast<uv_stream_t *>(&s->tcp), 8, server_conn) == 0);
  struct sockaddr_in bound;
  int len = sizeof bound;
  uv_tcp_getsockname(&s->tcp, reinterpret_cast<sockaddr *>(&bound), &len);
  s->port = ntohs(bound.sin_port);
}

void server_stop(Server *s) {
  uv_close(reinterpret_cast<uv_handle_t *>(&s->tcp), nullptr);
  if (s->has_conn && !uv_is_closing(reinterpret_cast<uv_handle_t *>(&s->conn)))
    uv_close(reinterpret_cast<uv_handle_t *>(&s->conn), nullptr);
}

void client_close(Client *c) {
  if (!uv_is_closing(reinterpret_cast<uv_handle_t *>(&c->tcp)))
    uv_close(reinterpret_cast<uv_handle_t *>(&c->tcp),
             [](uv_handle_t *h) { static_cast<Client *>(h->data)->closed = true; });
}

void client_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  Client *c = static_cast<Client *>(s->data);
  if (n > 0) {
    if (c->got.empty()) c->first_byte_at = uv_now(s->loop);
    c->got.append(b->base, size_t(n));
    if (c->want && c->got.size() >= c->want) client_close(c);
  } else if (n < 0) {
    c->read_status = int(n);
    client_close(c);
  }
  free(b->base);
}

void client_connected(uv_connect_t *req, int status) {
  Client *c = static_cast<Client *>(req->data);
  REQUIRE(status == 0);
  c->connected = true;
  uv_read_start(reinterpret_cast<uv_stream_t *>(&c->tcp), alloc_cb, client_read);
  if (!c->to_send.empty()) {
    uv_buf_t out = uv_buf_init(&c->to_send[0], unsigned(c->to_send.size()));
    uv_write(&c->wreq, reinterpret_cast<uv_stream_t *>(&c->tcp), &out, 1, nullptr);
  }
}

void client_start(uv_loop_t *loop, Client *c, uint16_t port) {
  uv_tcp_init(loop, &c->tcp);
  c->tcp.data = c;
  c->creq.data = c;
  struct sockaddr_in a;
  uv_ip4_addr("127.0.0.1", port, &a);
  REQUIRE(uv_tcp_connect(&c->creq, &c->tcp, reinterpret_cast<const sockaddr *>(&a),
                         client_connected) == 0);
}

std::string pattern(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; i++) s += char('a' + i % 26);
  return s;
}

struct Fixture {
  uv_loop_t loop;
  Server server;
  FaultProxy *proxy = nullptr;
  uint16_t proxy_port = 0;
  Fixture() {
    uv_loop_init(&loop);
    server_start(&loop, &server);
  }
  void start_proxy() {
    REQUIRE(fault_proxy_start(&loop, "127.0.0.1", server.port, &proxy, &proxy_port) == 0);
  }
  size_t accepted = 0, writes = 0;
  uint64_t bytes = 0;
  // Runs until the client has closed, records the proxy's counters, then tears everything
  // down; the loop must close clean (no handle left behind).
  void finish(Client *c) {
    while (!c->closed) uv_run(&loop, UV_RUN_ONCE);
    accepted = fault_proxy_accepted(proxy);
    writes = fault_proxy_b2c_writes(proxy);
    bytes = fault_proxy_b2c_bytes(proxy);
    fault_proxy_stop(proxy);
    server_stop(&server);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
  }
};

}  // namespace

TEST_CASE("fault proxy: bytes pass through both ways unchanged", "[proxy]") {
  Fixture f;
  f.server.greeting = "hi:";
  f.start_proxy();
  Client c;
  c.to_send = pattern(5000);
  c.want = 3 + 5000;
  client_start(&f.loop, &c, f.proxy_port);
  f.finish(&c);
  CHECK(c.got == "hi:" + pattern(5000));
  CHECK(f.server.accepted == 1);
}

TEST_CASE("fault proxy: one byte per write towards the client", "[proxy]") {
  Fixture f;
  f.server.greeting = pattern(300);
  f.start_proxy();
  fault_proxy_set(f.proxy, FaultConfig{0, 0, -1, false, true});
  Client c;
  c.want = 300;
  client_start(&f.loop, &c, f.proxy_port);
  f.finish(&c);
  CHECK(c.got == pattern(300));
  CHECK(f.writes == 300);
}

TEST_CASE("fault proxy: reset after N bytes", "[proxy]") {
  Fixture f;
  f.server.greeting = pattern(1000);
  f.start_proxy();
  fault_proxy_set(f.proxy, FaultConfig{0, 0, 10, false, false});
  Client c;
  client_start(&f.loop, &c, f.proxy_port);
  f.finish(&c);
  // Exactly 10 bytes left the proxy; the client may lose some of them to the RST (Linux
  // drops unread data on reset), but it never sees more, and it sees the connection end.
  CHECK(f.bytes == 10);
  CHECK(c.got.size() <= 10);
  CHECK(c.got == pattern(c.got.size()));
  CHECK((c.read_status == UV_ECONNRESET || c.read_status == UV_EOF));
}

TEST_CASE("fault proxy: latency delays delivery", "[proxy]") {
  Fixture f;
  f.server.greeting = "x";
  f.start_proxy();
  fault_proxy_set(f.proxy, FaultConfig{50, 0, -1, false, false});
  Client c;
  c.want = 1;
  uv_update_time(&f.loop);
  uint64_t t0 = uv_now(&f.loop);
  client_start(&f.loop, &c, f.proxy_port);
  f.finish(&c);
  CHECK(c.got == "x");
  // A lower bound the proxy guarantees by construction (its timer), not a performance claim.
  CHECK(c.first_byte_at - t0 >= 50);
}

TEST_CASE("fault proxy: blackhole accepts but never reaches the broker", "[proxy]") {
  Fixture f;
  f.start_proxy();
  fault_proxy_set(f.proxy, FaultConfig{0, 0, -1, true, false});
  Client c;
  c.to_send = "anyone there?";
  client_start(&f.loop, &c, f.proxy_port);
  // Once connected and written, the client half-closes; the proxy sees EOF and drops the
  // connection, which ends the client's read with EOF.
  while (!c.connected) uv_run(&f.loop, UV_RUN_ONCE);
  uv_shutdown_t sreq;
  sreq.data = &c;
  uv_shutdown(&sreq, reinterpret_cast<uv_stream_t *>(&c.tcp),
              [](uv_shutdown_t *, int) {});
  f.finish(&c);
  CHECK(c.got.empty());
  CHECK(f.server.accepted == 0);
  CHECK(f.accepted == 1);
}

TEST_CASE("fault proxy: muted answers: requests reach the broker, answers are dropped until unmuted", "[proxy]") {
  Fixture f;
  f.start_proxy();
  FaultConfig mute;
  mute.mute_answers = true;
  fault_proxy_set(f.proxy, mute);
  Client c;
  c.to_send = "ping";
  c.want = 4;
  client_start(&f.loop, &c, f.proxy_port);
  // The server reads the request and echoes it; the echo reaches the proxy and goes no further.
  while (fault_proxy_b2c_muted(f.proxy) < 4) uv_run(&f.loop, UV_RUN_ONCE);
  CHECK(f.server.received == "ping");
  CHECK(c.got.empty());
  // Unmuted, the same connection carries answers again (from the next byte on).
  fault_proxy_set(f.proxy, FaultConfig());
  uint64_t muted = fault_proxy_b2c_muted(f.proxy);
  uv_write_t w;
  char pong[] = "pong";
  uv_buf_t out = uv_buf_init(pong, 4);
  REQUIRE(uv_write(&w, reinterpret_cast<uv_stream_t *>(&c.tcp), &out, 1, nullptr) == 0);
  f.finish(&c);
  CHECK(f.server.received == "pingpong");
  CHECK(c.got == "pong");
  CHECK(muted == 4);
}
