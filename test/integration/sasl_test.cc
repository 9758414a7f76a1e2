// SASL against the real cluster's SASL_PLAINTEXT listener: each mechanism gets metadata and
// a produce round trip; a wrong password is one clear, non-retriable error that carries the
// broker's message and never the password. Needs UVK_TEST_SASL_PLAINTEXT_BROKERS,
// UVK_TEST_USER and UVK_TEST_PASSWORD.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include <string>

#include "uvkafka/uvkafka.h"

namespace {

std::string env(const char *name) {
  const char *v = getenv(name);
  return v ? v : "";
}

struct Done {
  bool done = false;
  int code = 1;
  std::string message;
  int retry_count = -1;
};

void stop(uvk_client *c) { uv_stop(static_cast<uv_loop_t *>(uvk_client_loop(c))); }

void on_done(uvk_client *c, const uvk_error *err, void *ud) {
  Done *d = static_cast<Done *>(ud);
  d->done = true;
  d->code = err ? uvk_error_code(err) : 0;
  if (err && uvk_error_broker_message(err)) d->message = uvk_error_broker_message(err);
  stop(c);
}

struct Logs {
  std::string all;
};

void keep_log(void *ud, const char *, int, const char *, const char *, const char *message,
              const char *const *, size_t) {
  static_cast<Logs *>(ud)->all += std::string(message) + "\n";
}

void run_until(uv_loop_t *loop, const bool *flag) {
  while (!*flag) {
    int alive = uv_run(loop, UV_RUN_DEFAULT);
    if (!*flag && !alive) FAIL("the loop ran out of work before the callback came");
  }
}

// Connects with `mechanism` and `password`; returns the connect result.
Done connect_with(const char *mechanism, const std::string &password, Logs *logs, bool produce) {
  INFO("the SASL listener of the test cluster must be in UVK_TEST_SASL_PLAINTEXT_BROKERS");
  REQUIRE_FALSE(env("UVK_TEST_SASL_PLAINTEXT_BROKERS").empty());
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "brokers", env("UVK_TEST_SASL_PLAINTEXT_BROKERS").c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "sasl.mechanism", mechanism, err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "sasl.username", env("UVK_TEST_USER").c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "sasl.password", password.c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "logLevel", "DEBUG", err, sizeof err) == 0);
  REQUIRE(uvk_config_set_logger(cfg, keep_log, logs) == 0);
  uvk_client *client = nullptr;
  REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
  uvk_producer *producer = nullptr;
  REQUIRE(uvk_producer_new(client, cfg, &producer) == 0);
  uvk_config_free(cfg);
  Done d;
  REQUIRE(uvk_client_connect(client, on_done, &d) == 0);
  run_until(&loop, &d.done);
  if (d.code == 0 && produce) {
    std::string topic = std::string("uvk-it-sasl-") + mechanism + "-" + std::to_string(uv_hrtime());
    uvk_message m = {"k", 1, "over sasl", 9, -1, -1, nullptr, 0};
    struct Sent {
      bool done = false;
      int code = 1;
      int64_t offset = -2;
      uv_loop_t *loop;
    } s;
    s.loop = &loop;
    REQUIRE(uvk_producer_send(producer, topic.c_str(), &m, 1, nullptr,
                              [](uvk_producer *, const uvk_error *e, const uvk_record_metadata *md, size_t n, void *ud) {
                                Sent *x = static_cast<Sent *>(ud);
                                x->done = true;
                                x->code = e ? uvk_error_code(e) : 0;
                                if (n == 1) x->offset = md[0].base_offset;
                                uv_stop(x->loop);
                              }, &s) == 0);
    run_until(&loop, &s.done);
    CHECK(s.code == 0);
    CHECK(s.offset == 0);
  }
  uvk_producer_free(producer);
  Done closed;
  REQUIRE(uvk_client_disconnect(client, on_done, &closed) == 0);
  run_until(&loop, &closed.done);
  uvk_client_free(client);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
  return d;
}

}  // namespace

TEST_CASE("sasl: every mechanism authenticates, reads metadata and produces", "[integration]") {
  for (const char *mech : {"plain", "scram-sha-256", "scram-sha-512"}) {
    DYNAMIC_SECTION(mech) {
      Logs logs;
      Done d = connect_with(mech, env("UVK_TEST_PASSWORD"), &logs, true);
      CHECK(d.code == 0);
      CHECK(logs.all.find(env("UVK_TEST_PASSWORD")) == std::string::npos);
    }
  }
}

TEST_CASE("sasl: a wrong password is one clear error, without the password", "[integration]") {
  const std::string wrong = "not-the-password-" + std::to_string(uv_hrtime());
  for (const char *mech : {"plain", "scram-sha-256", "scram-sha-512"}) {
    DYNAMIC_SECTION(mech) {
      Logs logs;
      Done d = connect_with(mech, wrong, &logs, false);
      CHECK(d.code == UVK_EAUTH);
      INFO("broker message: " << d.message);
      CHECK(!d.message.empty());
      CHECK(d.message.find("uthentication failed") != std::string::npos);
      CHECK(d.message.find(wrong) == std::string::npos);
      CHECK(logs.all.find(wrong) == std::string::npos);
      CHECK(logs.all.find("SASL authentication failed") != std::string::npos);
    }
  }
}
