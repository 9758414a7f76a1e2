// uvk_client_connect warns once when SIGPIPE would end the process (libuv writes with
// write(2)), and stays quiet when the application ignores it.
#include <signal.h>
#include <string.h>
#include <uv.h>

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "uvkafka/uvkafka.h"

namespace {

struct Captured {
  std::vector<std::string> warnings;
};

void capture(void *ud, const char *, int level, const char *, const char *, const char *message,
             const char *const *, size_t) {
  if (level == UVK_LOG_WARN) static_cast<Captured *>(ud)->warnings.push_back(message);
}

// Connects a client (to a port nobody listens on) with SIGPIPE set to `action`, then takes
// it apart; returns the warnings that mention SIGPIPE.
size_t sigpipe_warnings(void (*action)(int)) {
  struct sigaction saved, want;
  memset(&want, 0, sizeof want);
  want.sa_handler = action;
  REQUIRE(sigaction(SIGPIPE, &want, &saved) == 0);
  Captured cap;
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "brokers", "127.0.0.1:1", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "retry.retries", "0", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "connectionTimeout", "200", err, sizeof err) == 0);
  REQUIRE(uvk_config_set_logger(cfg, capture, &cap) == 0);
  uvk_client *client = nullptr;
  REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
  uvk_config_free(cfg);
  bool connected = false;
  REQUIRE(uvk_client_connect(client, [](uvk_client *, const uvk_error *, void *ud) {
    *static_cast<bool *>(ud) = true;
  }, &connected) == 0);
  while (!connected && uv_run(&loop, UV_RUN_ONCE)) {
  }
  CHECK(connected);
  uvk_client_free(client);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
  REQUIRE(sigaction(SIGPIPE, &saved, nullptr) == 0);
  size_t n = 0;
  for (const std::string &w : cap.warnings) n += w.find("SIGPIPE") != std::string::npos;
  return n;
}

}  // namespace

TEST_CASE("connect warns once when SIGPIPE has its default action, not when it is ignored") {
  CHECK(sigpipe_warnings(SIG_DFL) == 1);
  CHECK(sigpipe_warnings(SIG_IGN) == 0);
}
