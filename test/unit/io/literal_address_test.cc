// A client given numeric broker addresses connects without the resolver, so it never starts
// libuv's threadpool and the process keeps a single thread; a host name still resolves.
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include <catch2/catch.hpp>
#include <uv.h>

#include "uvkafka/uvkafka.h"

namespace {

int threads_now() {
  int n = 0;
  DIR *d = opendir("/proc/self/task");
  if (!d) return -1;
  for (struct dirent *e; (e = readdir(d));)
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

// A listener that accepts and keeps every connection, never answering.
struct Listener {
  uv_tcp_t server;
  uv_tcp_t peers[4];
  int accepted = 0;
  int closing = 0;
};

void on_peer(uv_stream_t *server, int status) {
  Listener *l = static_cast<Listener *>(server->data);
  if (status < 0 || l->accepted >= 4) return;
  uv_tcp_t *peer = &l->peers[l->accepted];
  REQUIRE(uv_tcp_init(server->loop, peer) == 0);
  REQUIRE(uv_accept(server, reinterpret_cast<uv_stream_t *>(peer)) == 0);
  l->accepted++;
}

void ignore_connect(uvk_client *, const uvk_error *, void *) {}

uvk_client *client_for(uv_loop_t *loop, const char *brokers) {
  uvk_config *cfg = uvk_config_new();
  REQUIRE(cfg);
  REQUIRE(uvk_config_set(cfg, "brokers", brokers, nullptr, 0) == 0);
  REQUIRE(uvk_config_set(cfg, "logLevel", "NOTHING", nullptr, 0) == 0);
  uvk_client *c = nullptr;
  REQUIRE(uvk_client_new(loop, cfg, &c) == 0);
  uvk_config_free(cfg);
  REQUIRE(uvk_client_connect(c, ignore_connect, nullptr) == 0);
  return c;
}

// Runs the loop until `accepted` connections arrived (a 20 s safety net, never a measure).
bool run_until_accepted(uv_loop_t *loop, Listener *l, int accepted) {
  uint64_t deadline = uv_now(loop) + 20000;
  while (l->accepted < accepted && uv_now(loop) < deadline) uv_run(loop, UV_RUN_ONCE);
  return l->accepted >= accepted;
}

}  // namespace

TEST_CASE("io: numeric addresses connect on the loop thread alone; names still resolve", "[io]") {
  REQUIRE(threads_now() == 1);  // the test process itself starts no thread
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  Listener l;
  REQUIRE(uv_tcp_init(&loop, &l.server) == 0);
  l.server.data = &l;
  struct sockaddr_in addr;
  REQUIRE(uv_ip4_addr("127.0.0.1", 0, &addr) == 0);
  REQUIRE(uv_tcp_bind(&l.server, reinterpret_cast<const struct sockaddr *>(&addr), 0) == 0);
  REQUIRE(uv_listen(reinterpret_cast<uv_stream_t *>(&l.server), 8, on_peer) == 0);
  struct sockaddr_in bound;
  int len = sizeof bound;
  REQUIRE(uv_tcp_getsockname(&l.server, reinterpret_cast<struct sockaddr *>(&bound), &len) == 0);
  char brokers[64];
  snprintf(brokers, sizeof brokers, "127.0.0.1:%u", unsigned(ntohs(bound.sin_port)));

  uvk_client *numeric = client_for(&loop, brokers);
  REQUIRE(run_until_accepted(&loop, &l, 1));
  CHECK(threads_now() == 1);

  snprintf(brokers, sizeof brokers, "localhost:%u", unsigned(ntohs(bound.sin_port)));
  uvk_client *named = client_for(&loop, brokers);
  CHECK(run_until_accepted(&loop, &l, 2));

  uvk_client_free(named);
  uvk_client_free(numeric);
  for (int i = 0; i < l.accepted; i++) uv_close(reinterpret_cast<uv_handle_t *>(&l.peers[i]), nullptr);
  uv_close(reinterpret_cast<uv_handle_t *>(&l.server), nullptr);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}
