// Helpers for integration tests that talk to the broker through the client's engine: a loop
// with a watchdog and the client's request events counted by API and version, one raw request,
// CreateTopics. Each test binary includes it once.
#pragma once
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "capi/client_internal.h"
#include "engine/engine.h"
#include "proto/gen/api_table.h"
#include "proto/gen/create_topics.h"
#include "uvkafka/uvkafka.h"

namespace {

std::string env(const char *name) {
  const char *v = getenv(name);
  return v ? v : "";
}

std::string uniq(const std::string &prefix) { return prefix + "-" + std::to_string(uv_hrtime()); }

constexpr uint64_t kHangMs = 120000;  // no event for this long: a hang, reported as a failure

struct Rig {
  uv_loop_t loop;
  uvk_client *client = nullptr;
  uv_timer_t watchdog;
  bool hung = false;
  std::map<int, std::vector<int>> versions;  // api key -> the version of each request sent

  // key / value: one more client setting (e.g. allowAutoTopicCreation false).
  explicit Rig(const char *key = nullptr, const char *value = nullptr) {
    INFO("UVK_TEST_BROKERS must point at the test cluster (test/kafka/cluster.sh up)");
    REQUIRE_FALSE(env("UVK_TEST_BROKERS").empty());
    REQUIRE(uv_loop_init(&loop) == 0);
    REQUIRE(uv_timer_init(&loop, &watchdog) == 0);
    watchdog.data = this;
    uv_unref(reinterpret_cast<uv_handle_t *>(&watchdog));
    uvk_config *cfg = uvk_config_new();
    char err[256];
    REQUIRE(uvk_config_set(cfg, "brokers", env("UVK_TEST_BROKERS").c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "retry.initialRetryTime", "100", err, sizeof err) == 0);
    if (key) REQUIRE(uvk_config_set(cfg, key, value, err, sizeof err) == 0);
    std::string level = env("UVK_TEST_LOG_LEVEL");  // e.g. DEBUG: the client's log to stderr
    if (!level.empty()) REQUIRE(uvk_config_set(cfg, "logLevel", level.c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
    uvk_config_free(cfg);
    REQUIRE(uvk_client_on(client, UVK_EVENT_REQUEST, [](void *ud, const uvk_event *ev) {
      const uvk_event_request *r = static_cast<const uvk_event_request *>(ev->payload);
      static_cast<Rig *>(ud)->versions[r->api_key].push_back(r->api_version);
    }, this) > 0);
  }
  void turn() {
    uv_timer_start(&watchdog, [](uv_timer_t *t) {
      Rig *r = static_cast<Rig *>(t->data);
      r->hung = true;
      uv_stop(&r->loop);
    }, kHangMs, 0);
    int alive = uv_run(&loop, UV_RUN_DEFAULT);
    uv_timer_stop(&watchdog);
    if (hung) FAIL("no event for " << kHangMs / 1000 << " s: the wait hung");
    if (!alive) FAIL("the loop ran out of work");
  }
  ~Rig() {
    bool done = false;
    CHECK(uvk_client_disconnect(client, [](uvk_client *c, const uvk_error *, void *ud) {
      *static_cast<bool *>(ud) = true;
      uv_stop(static_cast<uv_loop_t *>(uvk_client_loop(c)));
    }, &done) == 0);
    while (!done && uv_run(&loop, UV_RUN_DEFAULT)) {
    }
    CHECK(done);
    uvk_client_free(client);
    uv_close(reinterpret_cast<uv_handle_t *>(&watchdog), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
  }
  size_t count(int api_key) { return versions[api_key].size(); }
};

// One request through the client's engine to `node` (-1: any broker), answered into `decode`.
struct Raw {
  uvk::Request req;
  bool done = false;
  int err = 1;
  uv_loop_t *loop = nullptr;
  std::function<int(uvk::Buf *, int16_t)> encode;
  std::function<int(uvk::Reader *, int16_t)> decode;
};

void raw_send(Rig &rig, int32_t node, int16_t api_key, int16_t min_v, int16_t max_v, Raw *raw) {
  raw->loop = &rig.loop;
  raw->req.api_key = api_key;
  raw->req.min_version = min_v;
  raw->req.max_version = max_v;
  raw->req.ud = raw;
  raw->req.encode = [](void *ud, uvk::Buf *out, int16_t version) { return static_cast<Raw *>(ud)->encode(out, version); };
  raw->req.done = [](void *ud, int err, int16_t version, uvk::Reader *body, const uvk::Request *) {
    Raw *r = static_cast<Raw *>(ud);
    r->done = true;
    r->err = err != 0 ? err : r->decode(body, version);
    uv_stop(r->loop);
  };
  REQUIRE(uvk::engine_send(uvk::client_engine(rig.client), node, &raw->req, uvk::client_now(rig.client)) == 0);
  while (!raw->done) rig.turn();
  REQUIRE(raw->err == 0);
}

// CreateTopics: the topic's error code (0: created).
int16_t create_topic_code(Rig &rig, const std::string &name, int32_t partitions) {
  Raw raw;
  int16_t code = -1;
  raw.encode = [&](uvk::Buf *out, int16_t v) {
    uvk::proto::CreateTopicsRequest req;
    uvk::proto::CreateTopicsRequest::CreatableTopic t;
    t.name = uvk::proto::Str{name.c_str(), int32_t(name.size())};
    t.num_partitions = partitions;
    t.replication_factor = -1;
    req.topics.items = &t;
    req.topics.count = 1;
    return uvk::proto::encode(out, req, v);
  };
  raw.decode = [&](uvk::Reader *body, int16_t v) {
    uvk::Arena arena;
    uvk::proto::CreateTopicsResponse resp;
    int rc = uvk::proto::decode(body, &arena, &resp, v);
    if (rc == 0 && resp.topics.count == 1) code = resp.topics.items[0].error_code;
    uvk::arena_free(&arena);
    return rc;
  };
  raw_send(rig, -1, uvk::proto::kCreateTopics, 2, uvk::proto::CreateTopicsRequest::kMaxVersion, &raw);
  return code;
}

void create_topic(Rig &rig, const std::string &name, int32_t partitions) {
  REQUIRE(create_topic_code(rig, name, partitions) == 0);
}

}  // namespace
