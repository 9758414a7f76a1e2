// Shared by the admin integration tests: a client + admin on a private loop (Rig), reply
// collectors for every callback type, and small helpers (create a topic, produce).
#pragma once
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "uvkafka/uvkafka.h"

namespace admin_it {

inline std::string env(const char *name) {
  const char *v = getenv(name);
  return v ? v : "";
}

inline std::string uniq(const char *prefix) { return std::string(prefix) + "-" + std::to_string(uv_hrtime()); }

struct Item {
  std::string name;
  int error = 0;
  std::string message;
};

struct Offset {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -9, high = -9, low = -9;
  std::string metadata;
  int error = 0;
};

struct Group {
  std::string id, state, protocol_type, protocol;
  size_t members = 0;
};

struct ConfigValue {
  std::string value;
  bool has_value = false, is_default = false, read_only = false;
  size_t synonyms = 0;
};

struct Reply {
  bool done = false;
  int code = 1;  // 0 when err was NULL
  int kafka = 0;
  std::string message;
  std::vector<Item> items;
  std::vector<Offset> offsets;
  std::vector<std::string> names;
  std::vector<Group> groups;
  std::map<std::string, std::map<std::string, ConfigValue>> configs;  // resource -> key -> value
  std::vector<Item> config_errors;
  // metadata
  size_t brokers = 0;
  int32_t controller = -2;
  std::string cluster_id;
  std::map<std::string, size_t> partitions;  // topic -> partition count
  std::map<std::string, int> topic_errors;
};

// The loop under test: every callback stops it, so run_until (UV_RUN_DEFAULT) returns to
// check its flag. (UV_RUN_ONCE would block in poll after a callback that came from a timer.)
inline uv_loop_t *g_loop = nullptr;
inline void wake() {
  if (g_loop) uv_stop(g_loop);
}

inline void run_until(uv_loop_t *loop, const bool *flag) {
  while (!*flag) {
    int alive = uv_run(loop, UV_RUN_DEFAULT);
    if (!*flag && !alive) FAIL("the loop ran out of work before the callback came");
  }
}

inline void take_error(Reply *r, const uvk_error *e) {
  wake();
  r->done = true;
  r->code = e ? uvk_error_code(e) : 0;
  r->kafka = e ? uvk_error_kafka_code(e) : 0;
  if (e && uvk_error_broker_message(e)) r->message = uvk_error_broker_message(e);
}

struct Rig {
  uv_loop_t loop;
  uvk_client *client = nullptr;
  uvk_admin *admin = nullptr;
  uv_loop_t *outer = nullptr;

  // A client on the PLAINTEXT listener; `extra` keys (e.g. brokers, sasl.*) override.
  explicit Rig(const std::vector<std::pair<std::string, std::string>> &extra = {}) {
    std::string brokers = env("UVK_TEST_BROKERS");
    INFO("UVK_TEST_BROKERS must point at the test cluster (test/kafka/cluster.sh up)");
    REQUIRE_FALSE(brokers.empty());
    REQUIRE(uv_loop_init(&loop) == 0);
    outer = g_loop;  // a Rig made inside another's wait gives the loop back when it goes
    g_loop = &loop;
    uvk_config *cfg = uvk_config_new();
    char err[256];
    REQUIRE(uvk_config_set(cfg, "brokers", brokers.c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "logLevel", "NOTHING", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "allowAutoTopicCreation", "false", err, sizeof err) == 0);
    for (const auto &kv : extra) {
      INFO(kv.first << ": " << err);
      REQUIRE(uvk_config_set(cfg, kv.first.c_str(), kv.second.c_str(), err, sizeof err) == 0);
    }
    REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
    REQUIRE(uvk_admin_new(client, cfg, &admin) == 0);
    uvk_config_free(cfg);
  }
  ~Rig() {
    uvk_admin_free(admin);
    bool closed = false;
    if (uvk_client_disconnect(client, [](uvk_client *, const uvk_error *, void *ud) { *static_cast<bool *>(ud) = true; wake(); },
                              &closed) == 0)
      while (!closed && uv_run(&loop, UV_RUN_DEFAULT)) {
      }
    uvk_client_free(client);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    g_loop = outer;
  }
  // Runs the loop until the reply came (every admin call completes: success, broker error,
  // or retries exhausted; the loop never runs dry before).
  void wait(Reply &r) { run_until(&loop, &r.done); }
  // Paces polling for cluster state that spreads to the brokers without an event to wait
  // for (metadata and configs reach every broker shortly after the controller changes them).
  void pause(uint64_t ms) {
    uv_timer_t t;
    bool fired = false;
    uv_timer_init(&loop, &t);
    t.data = &fired;
    uv_timer_start(&t, [](uv_timer_t *h) { *static_cast<bool *>(h->data) = true; wake(); }, ms, 0);
    run_until(&loop, &fired);
    uv_close(reinterpret_cast<uv_handle_t *>(&t), nullptr);
    uv_run(&loop, UV_RUN_NOWAIT);
  }
  // Asks `check` up to 100 times, 100 ms apart, until it holds.
  template <typename F>
  bool eventually(F check) {
    for (int attempt = 0; attempt < 100; attempt++) {
      if (check()) return true;
      pause(100);
    }
    return false;
  }
};

inline void on_results(uvk_admin *, const uvk_error *e, const uvk_admin_result *rs, size_t n, void *ud) {
  Reply *r = static_cast<Reply *>(ud);
  take_error(r, e);
  for (size_t i = 0; i < n; i++)
    r->items.push_back(Item{rs[i].name, rs[i].error, rs[i].error_message ? rs[i].error_message : ""});
}

inline void on_offsets(uvk_admin *, const uvk_error *e, const uvk_admin_partition_offset *os, size_t n, void *ud) {
  Reply *r = static_cast<Reply *>(ud);
  take_error(r, e);
  for (size_t i = 0; i < n; i++)
    r->offsets.push_back(Offset{os[i].topic, os[i].partition, os[i].offset, os[i].high, os[i].low,
                                os[i].metadata ? os[i].metadata : "", os[i].error});
}

inline void on_names(uvk_admin *, const uvk_error *e, const char *const *names, size_t n, void *ud) {
  Reply *r = static_cast<Reply *>(ud);
  take_error(r, e);
  for (size_t i = 0; i < n; i++) r->names.push_back(names[i]);
}

inline void on_metadata(uvk_admin *, const uvk_error *e, const uvk_metadata *md, void *ud) {
  Reply *r = static_cast<Reply *>(ud);
  take_error(r, e);
  if (!md) return;
  r->brokers = uvk_metadata_broker_count(md);
  r->controller = uvk_metadata_controller_id(md);
  r->cluster_id = uvk_metadata_cluster_id(md) ? uvk_metadata_cluster_id(md) : "";
  for (size_t t = 0; t < uvk_metadata_topic_count(md); t++) {
    r->partitions[uvk_metadata_topic_name(md, t)] = uvk_metadata_partition_count(md, t);
    r->topic_errors[uvk_metadata_topic_name(md, t)] = uvk_metadata_topic_error(md, t);
  }
}

inline void on_groups(uvk_admin *, const uvk_error *e, const uvk_group_description *gs, size_t n, void *ud) {
  Reply *r = static_cast<Reply *>(ud);
  take_error(r, e);
  for (size_t i = 0; i < n; i++)
    r->groups.push_back(Group{gs[i].group_id, gs[i].state, gs[i].protocol_type, gs[i].protocol, gs[i].n_members});
}

inline void on_configs(uvk_admin *, const uvk_error *e, const uvk_admin_described_resource *rs, size_t n, void *ud) {
  Reply *r = static_cast<Reply *>(ud);
  take_error(r, e);
  for (size_t i = 0; i < n; i++) {
    r->config_errors.push_back(Item{rs[i].name, rs[i].error, rs[i].error_message ? rs[i].error_message : ""});
    auto &m = r->configs[rs[i].name];
    for (size_t j = 0; j < rs[i].n_entries; j++) {
      const uvk_admin_config_value &v = rs[i].entries[j];
      ConfigValue cv;
      cv.has_value = v.value != nullptr;
      cv.value = v.value ? v.value : "";
      cv.is_default = v.is_default != 0;
      cv.read_only = v.read_only != 0;
      cv.synonyms = v.n_synonyms;
      m[v.name] = cv;
    }
  }
}

inline int nodes() { return atoi(env("UVK_TEST_NODES").c_str()); }

inline Reply create_topic(Rig &rig, const std::string &topic, int partitions, const uvk_admin_config_entry *cfg = nullptr,
                   size_t n_cfg = 0, int validate_only = 0) {
  uvk_admin_new_topic t;
  uvk_admin_new_topic_init(&t, topic.c_str());
  t.num_partitions = partitions;
  t.config_entries = cfg;
  t.n_config_entries = n_cfg;
  uvk_admin_topic_options o;
  uvk_admin_topic_options_init(&o);
  o.validate_only = validate_only;
  Reply r;
  REQUIRE(uvk_admin_create_topics(rig.admin, &t, 1, &o, on_results, &r) == 0);
  CHECK_FALSE(r.done);  // never from inside the call
  rig.wait(r);
  return r;
}

inline Reply topic_metadata(Rig &rig, const std::string &topic) {
  const char *names[] = {topic.c_str()};
  Reply r;
  REQUIRE(uvk_admin_fetch_topic_metadata(rig.admin, names, 1, on_metadata, &r) == 0);
  rig.wait(r);
  return r;
}

// Produces `n` messages spread over the topic's partitions; returns the send's error code,
// UVK_ERR_KAFKA(code) for a broker's error (0 when every message was acknowledged).
inline int try_produce(Rig &rig, const std::string &topic, int n) {
  uvk_producer *p = nullptr;
  REQUIRE(uvk_producer_new(rig.client, nullptr, &p) == 0);
  std::vector<std::string> values;
  for (int i = 0; i < n; i++) values.push_back("v" + std::to_string(i));
  std::vector<uvk_message> msgs;
  for (int i = 0; i < n; i++) msgs.push_back(uvk_message{nullptr, 0, values[size_t(i)].data(), values[size_t(i)].size(), -1, -1, nullptr, 0});
  struct S {
    bool done = false;
    int acked = 0, code = 1;
  } s;
  uvk_send_options so;
  uvk_send_options_init(&so);
  REQUIRE(uvk_producer_send(p, topic.c_str(), msgs.data(), msgs.size(), &so,
                            [](uvk_producer *, const uvk_error *e, const uvk_record_metadata *, size_t nmd, void *ud) {
                              S *st = static_cast<S *>(ud);
                              st->done = true;
                              st->code = e ? uvk_error_code(e) : 0;
                              if (e && st->code == UVK_EKAFKA) st->code = UVK_ERR_KAFKA(uvk_error_kafka_code(e));
                              st->acked = e ? 0 : int(nmd);
                              wake();
                            },
                            &s) == 0);
  run_until(&rig.loop, &s.done);
  bool closed = false;
  REQUIRE(uvk_producer_disconnect(
              p, [](uvk_producer *, const uvk_error *, void *ud) { *static_cast<bool *>(ud) = true; wake(); }, &closed) == 0);
  run_until(&rig.loop, &closed);
  uvk_producer_free(p);
  return s.code;
}

// Produces `n` messages; returns how many were acknowledged (all, or the test fails).
inline int produce(Rig &rig, const std::string &topic, int n) {
  REQUIRE(try_produce(rig, topic, n) == 0);
  return n;
}

inline int64_t sum_high(const Reply &r) {
  int64_t s = 0;
  for (const Offset &o : r.offsets) s += o.high;
  return s;
}

// Partition-level replies (reassignments, elections, group offsets deleted) and a
// partition's leader as the admin's metadata sees it.
struct PartReply {
  bool done = false;
  int code = 1, kafka = 0;
  std::vector<Offset> parts;  // topic, partition, error
  std::vector<std::string> messages;
  size_t ongoing = 0;
};

inline void on_partitions(uvk_admin *, const uvk_error *e, const uvk_admin_partition_result *rs, size_t n, void *ud) {
  PartReply *r = static_cast<PartReply *>(ud);
  wake();
  r->done = true;
  r->code = e ? uvk_error_code(e) : 0;
  r->kafka = e ? uvk_error_kafka_code(e) : 0;
  for (size_t i = 0; i < n; i++) {
    Offset o;
    o.topic = rs[i].topic;
    o.partition = rs[i].partition;
    o.error = rs[i].error;
    r->parts.push_back(o);
    r->messages.push_back(rs[i].error_message ? rs[i].error_message : "");
  }
}

inline void on_reassignments(uvk_admin *, const uvk_error *e, const uvk_admin_reassignment_state *, size_t n, void *ud) {
  PartReply *r = static_cast<PartReply *>(ud);
  wake();
  r->done = true;
  r->code = e ? uvk_error_code(e) : 0;
  r->ongoing = n;
}

inline int32_t leader_of(Rig &rig, const std::string &topic, int32_t partition) {
  const char *names[] = {topic.c_str()};
  struct L {
    bool done = false;
    int32_t partition, leader = -1;
  } l;
  l.partition = partition;
  REQUIRE(uvk_admin_fetch_topic_metadata(rig.admin, names, 1,
                                         [](uvk_admin *, const uvk_error *e, const uvk_metadata *md, void *ud) {
                                           L *x = static_cast<L *>(ud);
                                           wake();
                                           x->done = true;
                                           if (e || !md || uvk_metadata_topic_count(md) != 1) return;
                                           for (size_t p = 0; p < uvk_metadata_partition_count(md, 0); p++)
                                             if (uvk_metadata_partition_id(md, 0, p) == x->partition)
                                               x->leader = uvk_metadata_partition_leader(md, 0, p);
                                         },
                                         &l) == 0);
  run_until(&rig.loop, &l.done);
  return l.leader;
}

}  // namespace admin_it
