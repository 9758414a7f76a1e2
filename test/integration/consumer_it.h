// What the consumer's integration files share: the cluster's address, a log ring printed when
// a wait hangs, a loop rig, topic creation and production through the engine, and group
// members that record what they read.
#pragma once
#include <catch2/catch.hpp>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "capi/client_internal.h"
#include "capi/consumer_internal.h"
#include "client/consumer_internal.h"
#include "engine/engine.h"
#include "proto/gen/api_table.h"
#include "proto/gen/create_topics.h"
#include "uvkafka/uvkafka.h"

namespace consumer_it {


inline std::string env(const char *name) {
  const char *v = getenv(name);
  return v ? v : "";
}

inline std::string uniq(const std::string &prefix) { return prefix + "-" + std::to_string(uv_hrtime()); }

// The last debug log lines of every client, printed when a wait hangs: a hang in CI must
// say what the clients were doing, not just time out.
inline std::deque<std::string> g_log_ring;
constexpr size_t kLogRingLines = 300;

inline int g_sessions_lost_logged = 0;  // "Fetch session with node N lost" lines

inline void ring_log(void *, const char *ns, int, const char *label, const char *ts, const char *msg,
              const char *const *extra, size_t n_extra) {
  if (strstr(msg, "Fetch session with node")) g_sessions_lost_logged++;
  std::string line = std::string(ts) + " " + label + " [" + ns + "] " + msg;
  for (size_t i = 0; i < n_extra; i++) line += std::string(" ") + extra[2 * i] + "=" + extra[2 * i + 1];
  g_log_ring.push_back(std::move(line));
  if (g_log_ring.size() > kLogRingLines) g_log_ring.pop_front();
}

// Consumers that crashed for good (no restart): every wait fails at once with the error.
inline std::string g_fatal_crashes;

inline void dump_log_ring() {
  fprintf(stderr, "---- last %zu client log lines ----\n", g_log_ring.size());
  for (const std::string &l : g_log_ring) fprintf(stderr, "%s\n", l.c_str());
  fprintf(stderr, "---- end of client log ----\n");
}

inline uvk_config *base_config() {
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "brokers", env("UVK_TEST_BROKERS").c_str(), err, sizeof err) == 0);
  std::string level = env("UVK_TEST_LOG_LEVEL");  // e.g. DEBUG: everything to stderr as it happens
  if (level.empty()) {
    REQUIRE(uvk_config_set(cfg, "logLevel", "DEBUG", err, sizeof err) == 0);
    REQUIRE(uvk_config_set_logger(cfg, ring_log, nullptr) == 0);
  } else {
    REQUIRE(uvk_config_set(cfg, "logLevel", level.c_str(), err, sizeof err) == 0);
  }
  REQUIRE(uvk_config_set(cfg, "retry.initialRetryTime", "100", err, sizeof err) == 0);
  return cfg;
}

// A wait that sees no event for this long has hung (the longest expected wait is a session
// timeout of 10 s plus a rebalance). Not a timing assertion: it turns a hang into a failure
// that carries the clients' log instead of a killed test binary.
constexpr uint64_t kHangMs = 120000;

struct Rig {
  uv_loop_t loop;
  uvk_client *client = nullptr;
  uv_timer_t watchdog;
  bool hung = false;

  explicit Rig(const char *metadata_max_age = nullptr) {
    INFO("UVK_TEST_BROKERS must point at the test cluster (test/kafka/cluster.sh up)");
    REQUIRE_FALSE(env("UVK_TEST_BROKERS").empty());
    REQUIRE(uv_loop_init(&loop) == 0);
    REQUIRE(uv_timer_init(&loop, &watchdog) == 0);
    watchdog.data = this;
    uv_unref(reinterpret_cast<uv_handle_t *>(&watchdog));
    g_log_ring.clear();
    g_fatal_crashes.clear();
    uvk_config *cfg = base_config();
    char err[256];
    if (metadata_max_age) REQUIRE(uvk_config_set(cfg, "metadataMaxAge", metadata_max_age, err, sizeof err) == 0);
    REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
    uvk_config_free(cfg);
  }
  void arm_watchdog() {
    uv_timer_start(&watchdog, [](uv_timer_t *t) {
      Rig *r = static_cast<Rig *>(t->data);
      r->hung = true;
      uv_stop(&r->loop);
    }, kHangMs, 0);
  }
  // One loop turn batch: runs until a callback calls uv_stop.
  void turn() {
    arm_watchdog();
    int alive = uv_run(&loop, UV_RUN_DEFAULT);
    uv_timer_stop(&watchdog);
    if (hung) {
      dump_log_ring();
      FAIL("no event for " << kHangMs / 1000 << " s: the wait hung (client log above)");
    }
    if (!g_fatal_crashes.empty()) {
      dump_log_ring();
      std::string what = g_fatal_crashes;
      g_fatal_crashes.clear();
      FAIL("a consumer stopped on a crash: " << what);
    }
    if (!alive) FAIL("the loop ran out of work");
  }
  ~Rig() {
    bool done = false;
    CHECK(uvk_client_disconnect(client, [](uvk_client *c, const uvk_error *, void *ud) {
      *static_cast<bool *>(ud) = true;
      uv_stop(static_cast<uv_loop_t *>(uvk_client_loop(c)));
    }, &done) == 0);
    arm_watchdog();
    while (!done && !hung && uv_run(&loop, UV_RUN_DEFAULT)) {
    }
    uv_timer_stop(&watchdog);
    if (!done) dump_log_ring();
    CHECK(done);
    uvk_client_free(client);
    uv_close(reinterpret_cast<uv_handle_t *>(&watchdog), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
  }
};

// CreateTopics through the client's engine (the admin client is a later piece).
struct CreateCtx {
  const char *name;
  int32_t partitions;
  bool done = false;
  int err = 1;
  int16_t code = -1;
  uv_loop_t *loop;
  uvk::Request req;
};

inline void create_topic(Rig &rig, const std::string &name, int32_t partitions) {
  CreateCtx ctx;
  ctx.name = name.c_str();
  ctx.partitions = partitions;
  ctx.loop = &rig.loop;
  ctx.req.api_key = uvk::proto::kCreateTopics;
  ctx.req.min_version = 2;
  ctx.req.max_version = uvk::proto::CreateTopicsRequest::kMaxVersion;
  ctx.req.ud = &ctx;
  ctx.req.encode = [](void *ud, uvk::Buf *out, int16_t version) -> int {
    CreateCtx *c = static_cast<CreateCtx *>(ud);
    uvk::proto::CreateTopicsRequest req;
    uvk::proto::CreateTopicsRequest::CreatableTopic t;
    t.name = uvk::proto::Str{c->name, int32_t(strlen(c->name))};
    t.num_partitions = c->partitions;
    t.replication_factor = -1;  // the broker's default
    req.topics.items = &t;
    req.topics.count = 1;
    return uvk::proto::encode(out, req, version);
  };
  ctx.req.done = [](void *ud, int err, int16_t version, uvk::Reader *body, const uvk::Request *) {
    CreateCtx *c = static_cast<CreateCtx *>(ud);
    c->done = true;
    c->err = err;
    if (err == 0) {
      uvk::Arena arena;
      uvk::proto::CreateTopicsResponse resp;
      c->err = uvk::proto::decode(body, &arena, &resp, version);
      if (c->err == 0 && resp.topics.count == 1) c->code = resp.topics.items[0].error_code;
      uvk::arena_free(&arena);
    }
    uv_stop(c->loop);
  };
  uvk::Engine *e = uvk::client_engine(rig.client);
  REQUIRE(uvk::engine_send(e, -1, &ctx.req, uvk::client_now(rig.client)) == 0);
  while (!ctx.done) rig.turn();
  REQUIRE(ctx.err == 0);
  REQUIRE(ctx.code == 0);
  // Wait until every partition has a leader.
  for (;;) {
    struct M {
      bool done = false;
      size_t with_leader = 0;
    } m;
    const char *topics[] = {name.c_str()};
    REQUIRE(uvk_client_metadata(rig.client, topics, 1, [](uvk_client *c, const uvk_error *, const uvk_metadata *md, void *ud) {
      M *x = static_cast<M *>(ud);
      x->done = true;
      for (size_t p = 0; md && p < uvk_metadata_partition_count(md, 0); p++)
        if (uvk_metadata_partition_leader(md, 0, p) >= 0) x->with_leader++;
      uv_stop(static_cast<uv_loop_t *>(uvk_client_loop(c)));
    }, &m) == 0);
    while (!m.done) rig.turn();
    if (m.with_leader == size_t(partitions)) break;
  }
}

// Produces ids [from, to) as key "k<id%13>", value "<id>", acks -1; with `split`, the first
// half to partition 0 and the rest to partition 1.
inline void produce(Rig &rig, const std::string &topic, int from, int to, bool split = false) {
  // Idempotent: in order per partition even when a batch is retried (the checks rely on it).
  uvk_producer *p = nullptr;
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "idempotent", "true", err, sizeof err) == 0);
  REQUIRE(uvk_producer_new(rig.client, cfg, &p) == 0);
  uvk_config_free(cfg);
  std::vector<std::string> keys, values;
  for (int i = from; i < to; i++) {
    keys.push_back("k" + std::to_string(i % 13));
    values.push_back(std::to_string(i));
  }
  std::vector<uvk_message> msgs;
  for (size_t i = 0; i < keys.size(); i++)
    msgs.push_back(uvk_message{keys[i].data(), keys[i].size(), values[i].data(), values[i].size(),
                               split ? (i < keys.size() / 2 ? 0 : 1) : -1, -1, nullptr, 0});
  struct S {
    bool done = false;
    int code = 1;
    uv_loop_t *loop;
  } s;
  s.loop = &rig.loop;
  REQUIRE(uvk_producer_send(p, topic.c_str(), msgs.data(), msgs.size(), nullptr,
                            [](uvk_producer *, const uvk_error *err, const uvk_record_metadata *, size_t, void *ud) {
                              S *x = static_cast<S *>(ud);
                              x->done = true;
                              x->code = err ? uvk_error_code(err) : 0;
                              uv_stop(x->loop);
                            }, &s) == 0);
  while (!s.done) rig.turn();
  REQUIRE(s.code == 0);
  uvk_producer_free(p);
}

struct Seen {
  int topic_partition;
  int64_t offset;
  std::string key, value;
  std::string topic = "";
};

// One consumer and what it saw.
struct Member {
  Rig *rig;
  uvk_consumer *c = nullptr;
  std::vector<Seen> seen;
  std::map<int32_t, std::vector<long>> values_by_partition;
  int joins = 0;
  int32_t joined_generation = -1;
  std::vector<uvk_topic_partition> assignment;
  bool stopped = false;
  int fail_next = 0;  // handler failures to inject
  bool expect_crash = false;  // a test that stops a consumer by making it crash

  Member(Rig &r, const std::string &group, const std::string &topic, bool from_beginning,
         const char *assigners = "RoundRobinAssigner", bool read_uncommitted = false) : rig(&r) {
    uvk_config *cfg = base_config();
    char err[256];
    REQUIRE(uvk_config_set(cfg, "groupId", group.c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "maxWaitTimeInMs", "200", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "heartbeatInterval", "500", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "sessionTimeout", "10000", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "rebalanceTimeout", "15000", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "partitionAssigners", assigners, err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "readUncommitted", read_uncommitted ? "true" : "false", err, sizeof err) == 0);
    REQUIRE(uvk_consumer_new(r.client, cfg, &c) == 0);
    uvk_config_free(cfg);
    if (topic.rfind("re:", 0) == 0)  // a regular-expression subscription
      REQUIRE(uvk_consumer_subscribe_pattern(c, topic.c_str() + 3, from_beginning ? 1 : 0) == 0);
    else
      REQUIRE(uvk_consumer_subscribe(c, topic.c_str(), from_beginning ? 1 : 0) == 0);
    REQUIRE(uvk_consumer_on(c, UVK_EVENT_GROUP_JOIN, [](void *ud, const uvk_event *ev) {
      Member *m = static_cast<Member *>(ud);
      const uvk_event_group_join *j = static_cast<const uvk_event_group_join *>(ev->payload);
      m->joins++;
      m->joined_generation = uvk_consumer_generation(m->c);
      m->assignment.assign(j->assignment, j->assignment + j->n_assignment);
      uv_stop(&m->rig->loop);
    }, this) > 0);
    REQUIRE(uvk_consumer_on(c, UVK_EVENT_CRASH, [](void *ud, const uvk_event *ev) {
      Member *m = static_cast<Member *>(ud);
      const uvk_event_crash *cr = static_cast<const uvk_event_crash *>(ev->payload);
      if (cr->restart || m->expect_crash) return;
      char text[256];
      uvk_error_format(cr->error, text, sizeof text);
      g_fatal_crashes += std::string(g_fatal_crashes.empty() ? "" : "; ") + text;
      uv_stop(&m->rig->loop);
    }, this) > 0);
  }

  static int on_message(uvk_consumer *, const uvk_batch *b, const uvk_consumer_message *m, void *ud) {
    Member *self = static_cast<Member *>(ud);
    uv_stop(&self->rig->loop);
    if (self->fail_next > 0) {
      self->fail_next--;
      return -1;
    }
    Seen s{b->partition, m->offset, std::string(static_cast<const char *>(m->key), m->key_len),
           std::string(static_cast<const char *>(m->value), m->value_len), b->topic};
    self->seen.push_back(s);
    self->values_by_partition[b->partition].push_back(atol(s.value.c_str()));
    return 0;
  }

  void run_each_message() {
    uvk_run_options o;
    uvk_run_options_init(&o);
    o.each_message = on_message;
    o.ud = this;
    REQUIRE(uvk_consumer_run(c, &o) == 0);
  }

  void stop() {
    REQUIRE(uvk_consumer_stop(c, [](uvk_consumer *, const uvk_error *err, void *ud) {
      Member *m = static_cast<Member *>(ud);
      CHECK(err == nullptr);
      m->stopped = true;
      uv_stop(&m->rig->loop);
    }, this) == 0);
    while (!stopped) rig->turn();
  }

  ~Member() { uvk_consumer_free(c); }
};

inline size_t total_seen(const std::vector<Member *> &ms) {
  size_t n = 0;
  for (Member *m : ms) n += m->seen.size();
  return n;
}

// Every id in [0, n) seen at least once (exactly once when `exact`) across members, and in
// order within each partition.
inline void check_all(const std::vector<Member *> &ms, int n, bool exact) {
  std::vector<int> count(size_t(n), 0);
  for (Member *m : ms)
    for (const Seen &s : m->seen) {
      long v = atol(s.value.c_str());
      REQUIRE(v >= 0);
      REQUIRE(v < n);
      count[size_t(v)]++;
      CHECK(s.key == "k" + std::to_string(v % 13));
    }
  int missing = 0, dup = 0;
  for (int c : count) {
    missing += c == 0;
    dup += c > 1;
  }
  CHECK(missing == 0);
  if (exact) CHECK(dup == 0);
  for (Member *m : ms)
    for (auto &kv : m->values_by_partition) {
      int out_of_order = 0;
      for (size_t i = 1; i < kv.second.size(); i++)
        if (kv.second[i] <= kv.second[i - 1] && out_of_order++ == 0)
          UNSCOPED_INFO("partition " << kv.first << ": value " << kv.second[i] << " after " << kv.second[i - 1]);
      if (exact) CHECK(out_of_order == 0);
    }
  // Offsets only go up within a partition, per member.
  for (Member *m : ms) {
    std::map<std::pair<std::string, int>, int64_t> last;
    int back = 0;
    for (const Seen &s : m->seen) {
      auto it = last.find({s.topic, s.topic_partition});
      if (it != last.end() && s.offset <= it->second && back++ == 0)
        UNSCOPED_INFO("partition " << s.topic_partition << ": offset " << s.offset << " after " << it->second);
      last[{s.topic, s.topic_partition}] = s.offset;
    }
    if (exact) CHECK(back == 0);
  }
}


}  // namespace consumer_it
