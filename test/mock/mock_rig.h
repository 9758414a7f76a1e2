// A librdkafka mock cluster (rdkafka_mock.h) in this process, and a uvkafka client on a
// loop of its own talking to it. The mock runs on its own thread and injects broker error
// codes on demand (rd_kafka_mock_push_request_errors). The rig records every answered
// request (api key, broker node, the consumer's member id at that moment) from the client's
// UVK_EVENT_REQUEST events, so tests assert what the client did by the requests it sent,
// never by wall-clock time.
#pragma once
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <string.h>

#include <functional>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <uv.h>

#include "uvkafka/uvkafka.h"

namespace mock {

// Kafka API keys used by the tests.
enum : int16_t {
  kProduce = 0, kFetch = 1, kListOffsets = 2, kMetadata = 3, kOffsetCommit = 8, kOffsetFetch = 9,
  kFindCoordinator = 10, kJoinGroup = 11, kHeartbeat = 12, kSyncGroup = 14, kInitProducerId = 22
};

struct Req {
  int16_t api_key;
  int16_t api_version;
  int32_t node;           // the mock broker's id (-1: not known)
  std::string member_id;  // the consumer's member id when the answer arrived (JoinGroup: the id it sent)
};

struct Sent {
  bool done = false;
  int code = 0;          // uvk_error_code, 0 on success
  int kafka = 0;         // uvk_error_kafka_code
  int cause_kafka = 0;   // the cause's Kafka code (UVK_ERETRIES)
  int retry_count = 0;
  int md_error = 0;      // md[0].error
  int64_t offset = -2;   // md[0].base_offset
};

struct Reapers {
  std::vector<std::thread> threads;
  ~Reapers() {
    for (auto &t : threads) t.join();
  }
};
inline Reapers &reapers() {
  static Reapers r;
  return r;
}

class Rig {
 public:
  uv_loop_t loop;
  rd_kafka_t *rk = nullptr;
  rd_kafka_mock_cluster_t *mc = nullptr;
  uvk_client *client = nullptr;
  std::vector<Req> reqs;
  std::map<int, int32_t> node_of_port;
  uvk_consumer *watched = nullptr;  // member ids are sampled from this consumer

  explicit Rig(int brokers, std::vector<std::pair<std::string, std::string>> extra = {}) {
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    // UVK_MOCK_DEBUG=1 prints the mock's own log (what it received and answered).
    bool debug = getenv("UVK_MOCK_DEBUG") != nullptr;
    rd_kafka_conf_set(conf, "log_level", debug ? "7" : "0", err, sizeof err);
    if (debug) rd_kafka_conf_set(conf, "debug", "mock,protocol", err, sizeof err);
    // The instance only hosts the mock cluster: it has no brokers and sends nothing.
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    REQUIRE(rk != nullptr);
    mc = rd_kafka_mock_cluster_new(rk, brokers);
    REQUIRE(mc != nullptr);
    REQUIRE(uv_loop_init(&loop) == 0);
    uvk_config *cfg = base_config(extra);
    REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
    uvk_config_free(cfg);
    REQUIRE(uvk_client_on(client, UVK_EVENT_REQUEST, on_request, this) > 0);
    // Callbacks only record (nothing may throw through the C library); the test checks after.
    int connect_err = 1;
    REQUIRE(uvk_client_connect(client, [](uvk_client *, const uvk_error *e, void *ud) {
      *static_cast<int *>(ud) = e ? uvk_error_code(e) : 0;
    }, &connect_err) == 0);
    wait([&] { return connect_err != 1; });
    REQUIRE(connect_err == 0);
    // Broker ids by port, from the cluster's own metadata.
    int md_err = 1;
    md_ud_ = &md_err;
    REQUIRE(uvk_client_metadata(client, nullptr, 0, [](uvk_client *, const uvk_error *e, const uvk_metadata *md, void *ud) {
      Rig *r = static_cast<Rig *>(ud);
      *r->md_ud_ = e ? uvk_error_code(e) : 0;
      for (size_t i = 0; md && i < uvk_metadata_broker_count(md); i++)
        r->node_of_port[uvk_metadata_broker_port(md, i)] = uvk_metadata_broker_id(md, i);
    }, this) == 0);
    wait([&] { return md_err != 1; });
    REQUIRE(md_err == 0);
    REQUIRE(node_of_port.size() == size_t(brokers));
    reqs.clear();
  }

  ~Rig() {
    uvk_client_free(client);
    uv_run(&loop, UV_RUN_DEFAULT);  // lets the client release its handles
    uv_loop_close(&loop);
    // Destroying a 2.0.2 mock cluster takes about a second (its thread sleeps in poll before
    // it sees the request): that happens on a thread of its own, joined at exit, so the
    // tests do not wait for it one after another.
    rd_kafka_mock_cluster_t *m = mc;
    rd_kafka_t *k = rk;
    reapers().threads.emplace_back([m, k] {
      rd_kafka_mock_cluster_destroy(m);
      rd_kafka_destroy(k);
    });
  }

  // The client's settings: short retry waits so a test spends little time backing off.
  uvk_config *base_config(const std::vector<std::pair<std::string, std::string>> &extra) {
    char err[256];
    uvk_config *cfg = uvk_config_new();
    const char *lvl = getenv("UVK_LOG");
    std::vector<std::pair<std::string, std::string>> kv = {
        {"brokers", rd_kafka_mock_cluster_bootstraps(mc)},
        {"logLevel", lvl ? lvl : "NOTHING"},
        {"retry.initialRetryTime", "20"},
        {"retry.maxRetryTime", "200"},
    };
    for (auto &e : extra) kv.push_back(e);
    for (auto &e : kv) {
      INFO(e.first << "=" << e.second);
      REQUIRE(uvk_config_set(cfg, e.first.c_str(), e.second.c_str(), err, sizeof err) == 0);
    }
    return cfg;
  }

  // Runs the loop until pred holds; false when the safety deadline passed first. The
  // deadline is only a net against a hang: it fails the test, it never decides a result.
  bool run_until(const std::function<bool()> &pred, uint64_t safety_ms = 30000) {
    uv_timer_t guard;
    bool hung = false;
    uv_timer_init(&loop, &guard);
    guard.data = &hung;
    uv_timer_start(&guard, [](uv_timer_t *t) { *static_cast<bool *>(t->data) = true; }, safety_ms, 0);
    while (!pred() && !hung) uv_run(&loop, UV_RUN_ONCE);
    uv_close(reinterpret_cast<uv_handle_t *>(&guard), nullptr);
    uv_run(&loop, UV_RUN_NOWAIT);  // the guard's close callback
    return !hung;
  }
  void wait(const std::function<bool()> &pred, uint64_t safety_ms = 30000) { REQUIRE(run_until(pred, safety_ms)); }

  size_t count(int16_t api, int32_t node = -1, size_t from = 0) const {
    size_t n = 0;
    for (size_t i = from; i < reqs.size(); i++)
      if (reqs[i].api_key == api && (node < 0 || reqs[i].node == node)) n++;
    return n;
  }
  // Index of the first request of `api` at or after `from`, or reqs.size().
  size_t find(int16_t api, size_t from = 0) const {
    for (size_t i = from; i < reqs.size(); i++)
      if (reqs[i].api_key == api) return i;
    return reqs.size();
  }

  // The api keys of the answered requests from `from` on, keeping only those in `apis`.
  std::vector<int16_t> sequence(std::vector<int16_t> apis, size_t from = 0) const {
    std::vector<int16_t> out;
    for (size_t i = from; i < reqs.size(); i++)
      for (int16_t a : apis)
        if (reqs[i].api_key == a) out.push_back(a);
    return out;
  }

  void push_errors(int16_t api, std::vector<rd_kafka_resp_err_t> errs) {
    rd_kafka_mock_push_request_errors_array(mc, api, errs.size(), errs.data());
  }

  // One message to topic/partition; waits for its completion.
  Sent send(uvk_producer *p, const char *topic, int32_t partition, const std::string &value) {
    uvk_send_options o;
    uvk_send_options_init(&o);
    uvk_message m = {nullptr, 0, value.data(), value.size(), partition, -1, nullptr, 0};
    Sent s;
    REQUIRE(uvk_producer_send(p, topic, &m, 1, &o, [](uvk_producer *, const uvk_error *e, const uvk_record_metadata *md,
                                                       size_t n, void *ud) {
      Sent *x = static_cast<Sent *>(ud);
      x->done = true;
      x->code = uvk_error_code(e);
      x->kafka = uvk_error_kafka_code(e);
      x->cause_kafka = uvk_error_kafka_code(uvk_error_cause(e));
      x->retry_count = uvk_error_retry_count(e);
      if (n > 0) x->md_error = md[0].error, x->offset = md[0].base_offset;
    }, &s) == 0);
    wait([&] { return s.done; });
    return s;
  }

  uvk_producer *new_producer(std::vector<std::pair<std::string, std::string>> extra = {}) {
    uvk_config *cfg = base_config(extra);
    uvk_producer *p = nullptr;
    REQUIRE(uvk_producer_new(client, cfg, &p) == 0);
    uvk_config_free(cfg);
    return p;
  }

 private:
  int *md_ud_ = nullptr;

  static void on_request(void *ud, const uvk_event *ev) {
    Rig *r = static_cast<Rig *>(ud);
    const uvk_event_request *q = static_cast<const uvk_event_request *>(ev->payload);
    const char *colon = strrchr(q->broker, ':');
    int port = colon ? atoi(colon + 1) : -1;
    auto it = r->node_of_port.find(port);
    r->reqs.push_back(Req{q->api_key, q->api_version, it == r->node_of_port.end() ? -1 : it->second,
                          r->watched ? uvk_consumer_member_id(r->watched) : ""});
  }
};

// A producer on the rig's client, freed before the rig (declare it after the rig).
struct Producer {
  uvk_producer *p;
  explicit Producer(Rig &r, std::vector<std::pair<std::string, std::string>> extra = {}) : p(r.new_producer(extra)) {}
  ~Producer() { uvk_producer_free(p); }
  Producer(const Producer &) = delete;
  Producer &operator=(const Producer &) = delete;
};

// A consumer group member on the rig's client that records what it is handed.
struct Member {
  Rig *rig;
  uvk_consumer *c = nullptr;
  struct Join {
    std::string member_id;
    int32_t generation;
  };
  std::vector<Join> joins;
  std::vector<std::pair<int64_t, std::string>> got;  // (offset, value) in delivery order
  std::vector<int64_t> committed;                    // offsets of successful commits
  int rebalancing = 0;
  std::string crash;
  bool stopped = false;

  Member(Rig *r, const char *group, const char *topic, int from_beginning,
         std::vector<std::pair<std::string, std::string>> extra = {}) : rig(r) {
    std::vector<std::pair<std::string, std::string>> kv = {
        {"groupId", group},
        // The mock holds an empty fetch for maxWait: keep it short. Its rebalances wait
        // sessionTimeout - 1 s for members that do not rejoin, and a group's first one 3 s,
        // which the session must outlast.
        {"maxWaitTimeInMs", "100"},
        {"sessionTimeout", "4000"},
        {"heartbeatInterval", "200"},
        {"rebalanceTimeout", "5000"},
    };
    for (auto &e : extra) kv.push_back(e);
    uvk_config *cfg = rig->base_config(kv);
    REQUIRE(uvk_consumer_new(rig->client, cfg, &c) == 0);
    uvk_config_free(cfg);
    rig->watched = c;
    REQUIRE(uvk_consumer_subscribe(c, topic, from_beginning) == 0);
    REQUIRE(uvk_consumer_on(c, UVK_EVENT_GROUP_JOIN, [](void *ud, const uvk_event *ev) {
      auto *m = static_cast<Member *>(ud);
      auto *j = static_cast<const uvk_event_group_join *>(ev->payload);
      m->joins.push_back(Join{j->member_id, uvk_consumer_generation(m->c)});
    }, this) > 0);
    REQUIRE(uvk_consumer_on(c, UVK_EVENT_REBALANCING, [](void *ud, const uvk_event *) {
      static_cast<Member *>(ud)->rebalancing++;
    }, this) > 0);
    REQUIRE(uvk_consumer_on(c, UVK_EVENT_COMMIT_OFFSETS, [](void *ud, const uvk_event *ev) {
      auto *m = static_cast<Member *>(ud);
      auto *co = static_cast<const uvk_event_commit_offsets *>(ev->payload);
      for (size_t i = 0; i < co->n_offsets; i++) m->committed.push_back(co->offsets[i].offset);
    }, this) > 0);
    REQUIRE(uvk_consumer_on(c, UVK_EVENT_CRASH, [](void *ud, const uvk_event *ev) {
      auto *m = static_cast<Member *>(ud);
      auto *cr = static_cast<const uvk_event_crash *>(ev->payload);
      char text[256];
      uvk_error_format(cr->error, text, sizeof text);
      m->crash += text;
      m->crash += cr->restart ? " (restart)\n" : " (final)\n";
    }, this) > 0);
  }

  void run() {
    uvk_run_options o;
    uvk_run_options_init(&o);
    o.ud = this;
    o.each_message = [](uvk_consumer *, const uvk_batch *, const uvk_consumer_message *msg, void *ud) -> int {
      auto *m = static_cast<Member *>(ud);
      m->got.emplace_back(msg->offset, std::string(static_cast<const char *>(msg->value), msg->value_len));
      return 0;
    };
    REQUIRE(uvk_consumer_run(c, &o) == 0);
  }

  bool committed_at_least(int64_t offset) const {
    for (int64_t o : committed)
      if (o >= offset) return true;
    return false;
  }

  ~Member() {
    if (rig->watched == c) rig->watched = nullptr;
    if (uvk_consumer_stop(c, [](uvk_consumer *, const uvk_error *, void *ud) {
          static_cast<Member *>(ud)->stopped = true;
        }, this) == 0)
      rig->run_until([&] { return stopped; });
    uvk_consumer_free(c);
  }
};

}  // namespace mock
