// What the fault cases share (fault_test.cc, fault_coordinator_test.cc): a client on its own
// loop with a log ring printed when a wait hangs, cluster control beside the loop (a node put
// back whatever happens), and the cluster's health, controller and coordinators as the
// client sees them.
#pragma once
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "capi/client_internal.h"
#include "cluster_ctl.h"
#include "common/arena.h"
#include "engine/coordinator.h"
#include "engine/engine.h"
#include "proto/gen/api_table.h"
#include "proto/gen/describe_quorum.h"
#include "uvkafka/uvkafka.h"

namespace fault_it {


inline std::string env(const char *name) {
  const char *v = getenv(name);
  return v ? v : "";
}

inline std::string uniq(const std::string &prefix) { return prefix + "-" + std::to_string(uv_hrtime()); }

// The clients' last log lines, printed when a wait hangs (a hang must say what the client
// was doing, not just time out).
inline std::deque<std::string> g_log_ring;

inline void ring_log(void *, const char *ns, int, const char *label, const char *ts, const char *msg,
              const char *const *extra, size_t n_extra) {
  std::string line = std::string(ts) + " " + label + " [" + ns + "] " + msg;
  for (size_t i = 0; i < n_extra; i++) line += std::string(" ") + extra[2 * i] + "=" + extra[2 * i + 1];
  g_log_ring.push_back(std::move(line));
  if (g_log_ring.size() > 300) g_log_ring.pop_front();
}

inline void dump_log_ring() {
  fprintf(stderr, "---- last %zu client log lines ----\n", g_log_ring.size());
  for (const std::string &l : g_log_ring) fprintf(stderr, "%s\n", l.c_str());
  fprintf(stderr, "---- end of client log ----\n");
}

// Every callback of these tests calls wake(): the test body looks at its flags after each
// uv_run returns.
inline uv_loop_t *g_loop = nullptr;
inline void wake() {
  if (g_loop) uv_stop(g_loop);
}

// No callback at all for this long means something hangs. A safety net, not a timing
// assertion: the longest legitimate quiet spell is a fenced broker plus a few retries.
constexpr uint64_t kHangMs = 90000;

typedef std::vector<std::pair<std::string, std::string>> Keys;

struct Rig {
  uv_loop_t loop;
  uvk_client *client = nullptr;
  uv_timer_t watchdog;
  bool hung = false;
  int request_timeouts = 0;  // UVK_EVENT_REQUEST_TIMEOUT: requests that got no answer in time
  std::function<void()> on_request_timeout;  // called after each of them, when set

  // A client with enough retries to wait out a fenced broker (the test cluster fences one
  // after 4 s) and a leader election; `extra` keys override.
  explicit Rig(const Keys &extra = {}) {
    INFO("UVK_TEST_BROKERS must point at the test cluster (test/kafka/cluster.sh up --nodes 3)");
    REQUIRE_FALSE(env("UVK_TEST_BROKERS").empty());
    REQUIRE(atoi(env("UVK_TEST_NODES").c_str()) == 3);
    INFO("UVK_TEST_CLUSTER_SH must name test/kafka/cluster.sh (meson's env_cluster sets it)");
    REQUIRE_FALSE(env("UVK_TEST_CLUSTER_SH").empty());
    REQUIRE(uv_loop_init(&loop) == 0);
    g_loop = &loop;
    REQUIRE(uv_timer_init(&loop, &watchdog) == 0);
    watchdog.data = this;
    uv_unref(reinterpret_cast<uv_handle_t *>(&watchdog));
    g_log_ring.clear();
    uvk_config *cfg = uvk_config_new();
    char err[256];
    REQUIRE(uvk_config_set(cfg, "brokers", env("UVK_TEST_BROKERS").c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "clientId", "uvk-fault-it", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "logLevel", "DEBUG", err, sizeof err) == 0);
    REQUIRE(uvk_config_set_logger(cfg, ring_log, nullptr) == 0);
    REQUIRE(uvk_config_set(cfg, "retry.initialRetryTime", "100", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "retry.maxRetryTime", "2000", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "retry.retries", "20", err, sizeof err) == 0);
    for (const auto &kv : extra) {
      INFO(kv.first << ": " << err);
      REQUIRE(uvk_config_set(cfg, kv.first.c_str(), kv.second.c_str(), err, sizeof err) == 0);
    }
    REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
    uvk_config_free(cfg);
    REQUIRE(uvk_client_on(client, UVK_EVENT_REQUEST_TIMEOUT, [](void *ud, const uvk_event *) {
      Rig *r = static_cast<Rig *>(ud);
      r->request_timeouts++;
      if (r->on_request_timeout) r->on_request_timeout();
    }, this) > 0);
  }

  // Runs the loop until a callback wakes it; fails on a hang.
  void turn() {
    uv_update_time(&loop);  // after a blocking cluster.sh call the cached loop time is old
    uv_timer_start(&watchdog, [](uv_timer_t *t) {
      Rig *r = static_cast<Rig *>(t->data);
      r->hung = true;
      uv_stop(&r->loop);
    }, kHangMs, 0);
    int alive = uv_run(&loop, UV_RUN_DEFAULT);
    uv_timer_stop(&watchdog);
    if (hung) {
      dump_log_ring();
      FAIL("no callback for " << kHangMs / 1000 << " s: something hangs (client log above)");
    }
    if (!alive) FAIL("the loop ran out of work before the callback came");
  }
  template <typename F>
  void until(F done) {
    while (!done()) turn();
  }
  // Lets the loop run for `ms`: paces polling for cluster state that has no event.
  void pause(uint64_t ms) {
    uv_timer_t t;
    bool fired = false;
    uv_update_time(&loop);
    uv_timer_init(&loop, &t);
    t.data = &fired;
    uv_timer_start(&t, [](uv_timer_t *h) { *static_cast<bool *>(h->data) = true; wake(); }, ms, 0);
    until([&] { return fired; });
    uv_close(reinterpret_cast<uv_handle_t *>(&t), nullptr);
    uv_run(&loop, UV_RUN_NOWAIT);
  }

  ~Rig() {
    bool done = false;
    if (uvk_client_disconnect(client, [](uvk_client *, const uvk_error *, void *ud) {
          *static_cast<bool *>(ud) = true;
          wake();
        }, &done) == 0)
      while (!done && uv_run(&loop, UV_RUN_DEFAULT)) {
      }
    uvk_client_free(client);
    uv_close(reinterpret_cast<uv_handle_t *>(&watchdog), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
    g_loop = nullptr;
  }
};

// One line per case on stderr, for the record of what the fault did (not an assertion).
#define FAULT_SUMMARY(...) fprintf(stderr, "[faults] " __VA_ARGS__)

// ---- cluster control -------------------------------------------------------------------

// Puts a node back whatever happened to the test: `cluster.sh start N` continues a stopped
// node and restarts a dead one, and waits until it serves again.
struct NodeGuard {
  int node = -1;
  void arm(int n) { node = n; }
  int restore(std::string &out) {
    out.clear();
    if (node < 0) return 0;
    int rc = cluster_ctl("start " + std::to_string(node), out);
    node = -1;
    return rc;
  }
  ~NodeGuard() {
    std::string out;
    int n = node;
    if (n >= 0 && restore(out) != 0) fprintf(stderr, "could not restore node %d: %s\n", n, out.c_str());
  }
};

// `cluster.sh VERB N` run beside the loop (uv_spawn), so the client keeps working while the
// fault lands: the kill reaches the node while requests are on the wire.
struct AsyncCtl {
  uv_loop_t *loop = nullptr;
  uv_process_t proc;
  bool started = false, exited = false, closed = false;
  int64_t status = -1;
  char path[64] = "";

  void start(uv_loop_t *l, const char *verb, int node) {
    loop = l;
    strcpy(path, "/tmp/uvk-fault-ctl-XXXXXX");
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    std::string sh = env("UVK_TEST_CLUSTER_SH"), n = std::to_string(node);
    char *args[] = {&sh[0], const_cast<char *>(verb), &n[0], nullptr};
    uv_stdio_container_t io[3];
    io[0].flags = UV_IGNORE;
    io[1].flags = UV_INHERIT_FD;
    io[1].data.fd = fd;
    io[2].flags = UV_INHERIT_FD;
    io[2].data.fd = fd;
    uv_process_options_t o;
    memset(&o, 0, sizeof o);
    o.file = sh.c_str();
    o.args = args;
    o.stdio = io;
    o.stdio_count = 3;
    o.exit_cb = [](uv_process_t *p, int64_t st, int) {
      AsyncCtl *a = static_cast<AsyncCtl *>(p->data);
      a->exited = true;
      a->status = st;
      uv_close(reinterpret_cast<uv_handle_t *>(p), [](uv_handle_t *h) {
        static_cast<AsyncCtl *>(h->data)->closed = true;
        wake();
      });
    };
    proc.data = this;
    int rc = uv_spawn(loop, &proc, &o);
    close(fd);
    if (rc != 0) FAIL("uv_spawn " << sh << ": " << uv_strerror(rc));  // (uv_strerror(0) allocates)
    started = true;
  }
  bool done() const { return !started || closed; }
  std::string output() const {
    std::string out;
    FILE *f = fopen(path, "r");
    if (!f) return out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    fclose(f);
    return out;
  }
  ~AsyncCtl() {
    while (started && !closed && uv_run(loop, UV_RUN_ONCE)) {
    }
    if (*path) unlink(path);
  }
};

// ---- what the cluster looks like -------------------------------------------------------

struct Md {
  bool done = false;
  int code = 1;
  size_t brokers = 0;
  size_t partitions = 0, degraded = 0;  // partitions without a leader or with a short ISR
  size_t degraded_here = 0;             // of those, the ones the fault cases lean on
  std::vector<std::string> degraded_names;  // "topic[p] leader L, isr I of R", for the message
  std::map<int32_t, int32_t> leaders;   // first topic: partition -> leader
};

// The partitions a fault case depends on: the internal topics (group offsets, transactions)
// and the topics the cases create. Topics other suites left behind are reported, not waited for:
// one of them lagging (seen in CI after the kill/restart suites) says nothing about this client.
inline bool fault_cases_use(const char *topic) {
  return topic && (strncmp(topic, "__", 2) == 0 || strncmp(topic, "uvk-it-fault", 12) == 0);
}

inline Md metadata(Rig &rig, const std::vector<std::string> &topics) {
  std::vector<const char *> names;
  for (const auto &t : topics) names.push_back(t.c_str());
  Md m;
  REQUIRE(uvk_client_metadata(rig.client, names.empty() ? nullptr : names.data(), names.size(),
                              [](uvk_client *, const uvk_error *e, const uvk_metadata *md, void *ud) {
    Md *x = static_cast<Md *>(ud);
    x->done = true;
    x->code = e ? uvk_error_code(e) : 0;
    wake();
    if (!md) return;
    x->brokers = uvk_metadata_broker_count(md);
    for (size_t t = 0; t < uvk_metadata_topic_count(md); t++)
      for (size_t p = 0; p < uvk_metadata_partition_count(md, t); p++) {
        x->partitions++;
        int32_t leader = uvk_metadata_partition_leader(md, t, p);
        size_t isr = uvk_metadata_partition_isr_count(md, t, p), replicas = uvk_metadata_partition_replica_count(md, t, p);
        if (leader < 0 || isr < replicas) {
          const char *name = uvk_metadata_topic_name(md, t);
          x->degraded++;
          if (fault_cases_use(name)) x->degraded_here++;
          if (x->degraded_names.size() < 8)
            x->degraded_names.push_back(std::string(name ? name : "?") + "[" +
                                        std::to_string(uvk_metadata_partition_id(md, t, p)) + "] leader " +
                                        std::to_string(leader) + ", isr " + std::to_string(isr) + " of " +
                                        std::to_string(replicas));
        }
        if (t == 0) x->leaders[uvk_metadata_partition_id(md, t, p)] = leader;
      }
  }, &m) == 0);
  rig.until([&] { return m.done; });
  return m;
}

inline int32_t leader_of(Rig &rig, const std::string &topic, int32_t partition) {
  Md m = metadata(rig, {topic});
  REQUIRE(m.code == 0);
  return m.leaders.count(partition) ? m.leaders[partition] : -1;
}

// Waits (polling metadata, bounded) until all three brokers serve and every partition of
// every topic has a leader and its full ISR: each case starts and ends on a whole cluster,
// so a node still catching up cannot turn the next case's kill into a lost quorum.
inline std::string join(const std::vector<std::string> &parts) {
  std::string out;
  for (const auto &p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

inline void wait_healthy(Rig &rig) {
  Md last;
  for (int attempt = 0; attempt < 600; attempt++) {
    last = metadata(rig, {});
    if (last.code == 0 && last.brokers == 3 && last.degraded_here == 0) {
      if (last.degraded) WARN("partitions of other suites still degraded: " << join(last.degraded_names));
      return;
    }
    rig.pause(200);
  }
  FAIL("the cluster did not get whole again: " << last.brokers << " brokers, " << last.degraded_here
                                                << " partitions the fault cases use and " << last.degraded << " of "
                                                << last.partitions << " in all degraded: " << join(last.degraded_names));
}

// The active KRaft controller: DescribeQuorum (a broker forwards it to the controllers)
// names the leader of the metadata log. The Metadata response's controller id is not it —
// in KRaft brokers answer with a random live broker.
inline int32_t active_controller(Rig &rig) {  // -1 when the answer is an error
  struct Q {
    bool done = false;
    int err = 1;
    int16_t code = -1;
    int32_t leader = -1;
    uvk::Request req;
  } q;
  q.req.api_key = uvk::proto::kDescribeQuorum;
  q.req.min_version = 0;
  q.req.max_version = uvk::proto::DescribeQuorumRequest::kMaxVersion;
  q.req.ud = &q;
  q.req.encode = [](void *, uvk::Buf *out, int16_t version) -> int {
    uvk::proto::DescribeQuorumRequest req;
    uvk::proto::DescribeQuorumRequest::PartitionData p;
    p.partition_index = 0;
    uvk::proto::DescribeQuorumRequest::TopicData t;
    t.topic_name = uvk::proto::Str{"__cluster_metadata", 18};
    t.partitions.items = &p;
    t.partitions.count = 1;
    req.topics.items = &t;
    req.topics.count = 1;
    return uvk::proto::encode(out, req, version);
  };
  q.req.done = [](void *ud, int err, int16_t version, uvk::Reader *body, const uvk::Request *) {
    Q *x = static_cast<Q *>(ud);
    x->done = true;
    x->err = err;
    wake();
    if (err) return;
    uvk::Arena arena;
    uvk::proto::DescribeQuorumResponse resp;
    x->err = uvk::proto::decode(body, &arena, &resp, version);
    x->code = resp.error_code;
    if (x->err == 0 && resp.topics.count == 1 && resp.topics.items[0].partitions.count == 1) {
      x->code = resp.error_code ? resp.error_code : resp.topics.items[0].partitions.items[0].error_code;
      x->leader = resp.topics.items[0].partitions.items[0].leader_id;
    }
    uvk::arena_free(&arena);
  };
  REQUIRE(uvk::engine_send(uvk::client_engine(rig.client), -1, &q.req, uvk::client_now(rig.client)) == 0);
  rig.until([&] { return q.done; });
  return q.err == 0 && q.code == 0 ? q.leader : -1;
}

// Asks until the quorum has a leader other than `not_this` (polling, bounded: an election
// after a kill takes the controllers' fetch timeout).
inline int32_t active_controller_other_than(Rig &rig, int32_t not_this) {
  int32_t leader = -1;
  for (int attempt = 0; attempt < 300; attempt++) {
    leader = active_controller(rig);
    if (leader >= 0 && leader != not_this) return leader;
    rig.pause(100);
  }
  return leader;
}

// The broker coordinating `key` (a group or a transactional id), by the engine's
// FindCoordinator lookup (what the consumer and the producer themselves use).
inline int32_t coordinator_of(Rig &rig, uvk::CoordinatorType type, const std::string &key) {
  struct C {
    bool done = false;
    int code = 1;
    int32_t node = -1;
  } c;
  REQUIRE(uvk::coordinator_find(uvk::client_engine(rig.client), type, key.c_str(),
                                [](void *ud, const uvk_error *e, int32_t node) {
    C *x = static_cast<C *>(ud);
    x->done = true;
    x->code = e ? uvk_error_code(e) : 0;
    x->node = node;
    wake();
  }, &c, uvk::client_now(rig.client)) == 0);
  rig.until([&] { return c.done; });
  REQUIRE(c.code == 0);
  return c.node;
}

}  // namespace fault_it
