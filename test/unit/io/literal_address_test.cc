// A client given numeric broker addresses connects without the resolver, so it never starts
// libuv's threadpool and the process keeps a single thread; a host name still resolves.
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include <catch2/catch.hpp>
#include <uv.h>

#include "listener.h"
#include "uvkafka/uvkafka.h"

using namespace io_test;

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

}  // namespace

TEST_CASE("io: numeric addresses connect on the loop thread alone; names still resolve", "[io]") {
  REQUIRE(threads_now() == 1);  // the test process itself starts no thread
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  Listener l;
  char brokers[64];
  listen_local(&loop, &l, brokers, sizeof brokers);
  uvk_client *numeric = client_for(&loop, brokers);
  REQUIRE(run_until_accepted(&loop, &l, 1));
  CHECK(threads_now() == 1);

  snprintf(brokers, sizeof brokers, "localhost:%u", unsigned(l.port));
  uvk_client *named = client_for(&loop, brokers);
  CHECK(run_until_accepted(&loop, &l, 2));

  uvk_client_free(named);
  uvk_client_free(numeric);
  close_listener(&loop, &l);
  CHECK(uv_loop_close(&loop) == 0);
}
