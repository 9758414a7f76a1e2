// One group consumer of the fake cluster's topic (test/lib/fake_rig.h: partition 0 lives on
// b1, b2 coordinates the group) with an eachBatch handler that records partition 0's values
// and lets the test decide what each call does. Include after catch2 (it REQUIREs).
#pragma once
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "fake_rig.h"
#include "proto/gen/api_table.h"
#include "uvkafka/uvkafka.h"

namespace uvk_test {

struct ConsumerRig : TwoBrokerRig {
  uvk_consumer *consumer = nullptr;
  std::vector<std::string> seen;  // partition 0's values, in delivery order
  std::vector<std::string> seen1;  // partition 1's
  int batches = 0;
  std::vector<size_t> sizes;  // messages per eachBatch call of partition 0
  // What the eachBatch handler does with batch number `batches` (1-based): return value.
  std::function<int(ConsumerRig *, const uvk_batch *)> on_batch;
  // Called after the consumer is made, before it runs (listeners, say).
  std::function<void(ConsumerRig *)> before_run;
  // Called on the client's config before the client is made (an allocator, say).
  std::function<void(uvk_config *)> configure;
  int auto_resolve = 1;
  int from_beginning = 1;  // 0: partitions without a committed offset start at the end
  int auto_commit = 0;
  int64_t auto_commit_threshold = -1;
  std::string max_wait = "50";  // maxWaitTimeInMs: how long an empty Fetch is held
  std::string request_timeout = "30000";  // requestTimeout
  std::vector<std::pair<std::string, std::string>> extra_config;  // more keys for the config
  bool debug_logs = false;  // the client's DEBUG log lines go to `logs`

  ~ConsumerRig() {
    if (consumer) uvk_consumer_free(consumer);
  }

  void start() {
    uvk_config *cfg = uvk_config_new();
    REQUIRE(cfg);
    char err[256];
    std::string seed = addr(b2);
    const char *const kv[][2] = {
        {"brokers", seed.c_str()},     {"clientId", "consumer-rig"},  {"retry.initialRetryTime", "20"},
        {"retry.maxRetryTime", "50"},  {"maxWaitTimeInMs", max_wait.c_str()}, {"groupId", "consumer-rig-group"},
        {"heartbeatInterval", "100"}, {"requestTimeout", request_timeout.c_str()},
    };
    for (const auto &p : kv) REQUIRE(uvk_config_set(cfg, p[0], p[1], err, sizeof err) == 0);
    if (configure) configure(cfg);
    for (const auto &p : extra_config) REQUIRE(uvk_config_set(cfg, p.first.c_str(), p.second.c_str(), err, sizeof err) == 0);
    if (debug_logs) {
      REQUIRE(uvk_config_set(cfg, "logLevel", "DEBUG", err, sizeof err) == 0);
      log_to(cfg);
    }
    REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
    REQUIRE(uvk_consumer_new(client, cfg, &consumer) == 0);
    uvk_config_free(cfg);
    REQUIRE(uvk_consumer_subscribe(consumer, cluster.topic.c_str(), from_beginning) == 0);
    if (before_run) before_run(this);
    uvk_run_options o;
    uvk_run_options_init(&o);
    o.auto_commit = auto_commit;
    o.auto_commit_threshold = auto_commit_threshold;
    o.each_batch_auto_resolve = auto_resolve;
    o.ud = this;
    o.each_batch = [](uvk_consumer *, const uvk_batch *b, void *ud) {
      ConsumerRig *r = static_cast<ConsumerRig *>(ud);
      if (b->partition != 0) {
        for (size_t i = 0; i < b->n_messages; i++)
          r->seen1.emplace_back(static_cast<const char *>(b->messages[i].value), b->messages[i].value_len);
        return 0;
      }
      r->batches++;
      r->sizes.push_back(b->n_messages);
      for (size_t i = 0; i < b->n_messages; i++)
        r->seen.emplace_back(static_cast<const char *>(b->messages[i].value), b->messages[i].value_len);
      return r->on_batch ? r->on_batch(r, b) : 0;
    };
    REQUIRE(uvk_consumer_run(consumer, &o) == 0);
  }

  int fetches() { return b1.requests[uvk::proto::kFetch]; }
};

inline std::vector<std::string> values(const char *prefix, int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; i++) v.push_back(prefix + std::to_string(i));
  return v;
}

}  // namespace uvk_test
