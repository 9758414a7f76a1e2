// A local TCP listener for the driver's tests: accepts and keeps up to four connections,
// never answering.
#pragma once
#include <stdio.h>

#include <catch2/catch.hpp>
#include <uv.h>

namespace io_test {

// A listener that accepts and keeps every connection, never answering.
struct Listener {
  uv_tcp_t server;
  uv_tcp_t peers[4];
  int accepted = 0;
  int closing = 0;
  uint16_t port = 0;
};

inline void on_peer(uv_stream_t *server, int status) {
  Listener *l = static_cast<Listener *>(server->data);
  if (status < 0 || l->accepted >= 4) return;
  uv_tcp_t *peer = &l->peers[l->accepted];
  REQUIRE(uv_tcp_init(server->loop, peer) == 0);
  REQUIRE(uv_accept(server, reinterpret_cast<uv_stream_t *>(peer)) == 0);
  l->accepted++;
}

// Listens on 127.0.0.1 (a port the kernel picks); brokers gets "127.0.0.1:PORT".
inline void listen_local(uv_loop_t *loop, Listener *l, char *brokers, size_t n) {
  REQUIRE(uv_tcp_init(loop, &l->server) == 0);
  l->server.data = l;
  struct sockaddr_in addr;
  REQUIRE(uv_ip4_addr("127.0.0.1", 0, &addr) == 0);
  REQUIRE(uv_tcp_bind(&l->server, reinterpret_cast<const struct sockaddr *>(&addr), 0) == 0);
  REQUIRE(uv_listen(reinterpret_cast<uv_stream_t *>(&l->server), 8, on_peer) == 0);
  struct sockaddr_in bound;
  int len = sizeof bound;
  REQUIRE(uv_tcp_getsockname(&l->server, reinterpret_cast<struct sockaddr *>(&bound), &len) == 0);
  l->port = ntohs(bound.sin_port);
  snprintf(brokers, n, "127.0.0.1:%u", unsigned(l->port));
}

// Runs the loop until `accepted` connections arrived (a 20 s safety net, never a measure).
inline bool run_until_accepted(uv_loop_t *loop, Listener *l, int accepted) {
  uint64_t deadline = uv_now(loop) + 20000;
  while (l->accepted < accepted && uv_now(loop) < deadline) uv_run(loop, UV_RUN_ONCE);
  return l->accepted >= accepted;
}

// Closes the listener and what it accepted, then runs the loop until they are closed.
inline void close_listener(uv_loop_t *loop, Listener *l) {
  for (int i = 0; i < l->accepted; i++) uv_close(reinterpret_cast<uv_handle_t *>(&l->peers[i]), nullptr);
  uv_close(reinterpret_cast<uv_handle_t *>(&l->server), nullptr);
  uv_run(loop, UV_RUN_DEFAULT);
}

}  // namespace io_test
