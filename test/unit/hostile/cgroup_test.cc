// groupProtocol consumer (KIP-848) against two fake brokers whose ConsumerGroupHeartbeat
// answers a test scripts (test/lib/fake_broker.h, `cg_script`). The fake cluster keeps one
// journal of heartbeats and commits as they arrive, and the handler writes its deliveries
// into it, so a case reads the order of events: what was committed before a partition was
// given back, what was delivered after. No sleeps: the loop runs until a condition holds.
#include <catch2/catch.hpp>

#include <string.h>

#include <string>
#include <vector>

#include <uv.h>

#include "fake_broker.h"
#include "fake_rig.h"
#include "proto/gen/api_table.h"
#include "uvkafka/uvkafka.h"

using namespace uvk_test;

namespace {

using Reply = FakeCluster::CgReply;
using Req = FakeCluster::CgRequest;

struct Rig : TwoBrokerRig {
  uvk_consumer *consumer = nullptr;
  std::vector<std::string> delivered;  // "p:value"
  int crashes = 0, crash_kafka = 0;
  bool stopped = false;
  bool listen = false;           // set a rebalance listener (journal: "listener revoked 1")
  int pend_kind = 0;             // the listener answers UVK_PENDING to calls of this kind
  int pending = 0;               // calls answered UVK_PENDING so far

  Rig() {
    b1.log[0] = {"a0", "a1", "a2"};
    b2.log[1] = {"b0", "b1", "b2"};
    cluster.metadata_max_version = 12;  // topic ids
  }
  ~Rig() {
    if (consumer) uvk_consumer_free(consumer);
  }

  // threshold: autoCommitThreshold (huge: commits only on a revoke and on stop).
  void start(int64_t threshold, const char *assignor = "range", const char *protocol = "consumer",
             const char *instance = "") {
    uvk_config *cfg = uvk_config_new();
    REQUIRE(cfg);
    char err[256];
    std::string seed = addr(b2);
    const char *const kv[][2] = {
        {"brokers", seed.c_str()},     {"clientId", "cgroup-test"},       {"logLevel", "DEBUG"},
        {"retry.retries", "5"},        {"retry.initialRetryTime", "30"},  {"retry.maxRetryTime", "200"},
        {"maxWaitTimeInMs", "50"},     {"groupId", "cg"},                 {"groupProtocol", "consumer"},
        {"groupRemoteAssignor", assignor}, {"rackId", "rack-a"},  {"groupProtocol", protocol},
        {"groupInstanceId", instance},     {"heartbeatInterval", "100"},
    };
    for (const auto &p : kv) REQUIRE(uvk_config_set(cfg, p[0], p[1], err, sizeof err) == 0);
    log_to(cfg);
    REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
    REQUIRE(uvk_consumer_new(client, cfg, &consumer) == 0);
    uvk_config_free(cfg);
    REQUIRE(uvk_consumer_set_crash_cb(consumer, [](uvk_consumer *, const uvk_error *e, void *ud) {
      Rig *r = static_cast<Rig *>(ud);
      r->crashes++;
      r->crash_kafka = e ? uvk_error_kafka_code(e) : 0;
    }, this) == 0);
    if (listen)
      REQUIRE(uvk_consumer_set_rebalance_listener(consumer, [](uvk_consumer *, int kind, const uvk_topic_partition *tps,
                                                               size_t n, void *ud) {
        Rig *r = static_cast<Rig *>(ud);
        std::string e = std::string("listener ") +
                        (kind == UVK_REBALANCE_ASSIGNED ? "assigned" : kind == UVK_REBALANCE_REVOKED ? "revoked" : "lost") + " ";
        for (size_t i = 0; i < n; i++) e += (i ? "," : "") + std::to_string(tps[i].partition);
        r->cluster.journal.push_back(e);
        if (kind != r->pend_kind) return 0;
        r->pending++;
        return UVK_PENDING;
      }, this) == 0);
    REQUIRE(uvk_consumer_subscribe(consumer, cluster.topic.c_str(), 1) == 0);
    uvk_run_options o;
    uvk_run_options_init(&o);
    o.auto_commit_interval = 3600 * 1000;
    o.auto_commit_threshold = threshold;
    o.ud = this;
    o.each_batch = [](uvk_consumer *, const uvk_batch *b, void *ud) {
      Rig *r = static_cast<Rig *>(ud);
      for (size_t i = 0; i < b->n_messages; i++) {
        std::string v(static_cast<const char *>(b->messages[i].value), b->messages[i].value_len);
        r->delivered.push_back(std::to_string(b->partition) + ":" + v);
      }
      if (b->n_messages)
        r->cluster.journal.push_back("deliver " + std::to_string(b->partition) + " next=" +
                                     std::to_string(b->last_offset + 1));
      return 0;
    };
    REQUIRE(uvk_consumer_run(consumer, &o) == 0);
  }

  void stop() {
    REQUIRE(uvk_consumer_stop(consumer, [](uvk_consumer *, const uvk_error *, void *ud) {
      *static_cast<bool *>(ud) = true;
    }, &stopped) == 0);
    REQUIRE(run_until([&] { return stopped; }));
  }

  size_t count(const std::string &prefix) const {
    size_t n = 0;
    for (const std::string &d : delivered) n += d.compare(0, prefix.size(), prefix) == 0 ? 1 : 0;
    return n;
  }
  // Index of the first journal entry equal to `e` at or after `from`, or -1.
  long find(const std::string &e, size_t from = 0) const {
    for (size_t i = from; i < cluster.journal.size(); i++)
      if (cluster.journal[i] == e) return long(i);
    return -1;
  }
  std::string journal() const {
    std::string s;
    for (const std::string &l : cluster.journal) s += l + "\n";
    return s;
  }
};

Reply assign(int32_t epoch, std::vector<int32_t> parts) {
  Reply r;
  r.epoch = epoch;
  r.assign = true;
  r.partitions = std::move(parts);
  return r;
}
Reply keep(int32_t epoch) {
  Reply r;
  r.epoch = epoch;
  return r;
}

}  // namespace

TEST_CASE("consumer protocol: joins at epoch 0 with its own member id, owns what it is given, leaves at -1",
          "[cgroup]") {
  Rig r;
  r.cluster.cg_script = [](const Req &q) { return q.epoch == 0 ? assign(1, {0, 1}) : keep(1); };
  r.start(1000000);
  REQUIRE(r.run_until([&] { return r.delivered.size() == 6 && r.find("cgh epoch=1 owned=0,1") >= 0; }));
  const Req &first = r.cluster.cg_requests.at(0);
  CHECK(first.epoch == 0);
  CHECK(first.member_id.size() == 22);  // a client-generated Uuid (v1), base64
  CHECK(first.names == std::vector<std::string>{r.cluster.topic});
  CHECK(first.assignor == "range");
  CHECK(first.rack == "rack-a");
  CHECK(first.owned_sent);
  CHECK(first.owned.empty());
  CHECK(first.rebalance_timeout == 60000);
  for (const Req &q : r.cluster.cg_requests) CHECK(q.member_id == first.member_id);
  CHECK(r.count("0:") == 3);
  CHECK(r.count("1:") == 3);
  r.stop();
  INFO(r.journal());
  CHECK(r.find("commit epoch=1 0=3 1=3") >= 0);  // the stop's commit carries the member epoch
  CHECK(r.cluster.cg_requests.back().epoch == -1);  // left the group
  CHECK(r.crashes == 0);
}

TEST_CASE("consumer protocol: a revoke arriving while a commit is in flight waits for it, commits, then lets go",
          "[cgroup]") {
  Rig r;
  bool parked = false;
  r.cluster.cg_script = [&](const Req &q) {
    Reply out = keep(q.epoch);
    if (q.epoch == 0) out = assign(1, {0, 1});
    if (q.epoch == 1 && r.delivered.size() == 6 && !parked) {
      parked = true;
      out = assign(2, {0});  // partition 1 moves away...
      out.park_until_commit = true;  // ... answered once the next commit is on the wire
    }
    out.interval_ms = 20;
    return out;
  };
  r.start(1);  // a commit after each batch
  REQUIRE(r.run_until([&] { return parked; }));
  r.b1.log[0].push_back("a3");  // more to read, hence a commit after the parked heartbeat
  r.b2.log[1].push_back("b3");
  bool done = r.run_until([&] { return r.find("cgh epoch=2 owned=0") >= 0 && r.count("0:") == 4; });
  INFO(r.journal() + r.all_logs());
  REQUIRE(done);
  long revoked_at = r.find("cgh epoch=2 owned=0");
  // The commit that released the parked answer was in flight when the revoke came.
  long first_commit = -1;
  for (size_t i = 0; i < r.cluster.journal.size() && first_commit < 0; i++)
    if (r.cluster.journal[i].rfind("commit", 0) == 0) first_commit = long(i);
  REQUIRE(first_commit >= 0);
  CHECK(first_commit < revoked_at);
  // Everything partition 1 delivered before the revoke was committed before it.
  int64_t next1 = 0;
  for (long i = 0; i < revoked_at; i++) {
    const std::string &e = r.cluster.journal[size_t(i)];
    if (e.rfind("deliver 1 next=", 0) == 0) next1 = std::stoll(e.substr(15));
  }
  int64_t committed1 = -1;
  for (long i = 0; i < revoked_at; i++) {
    const std::string &e = r.cluster.journal[size_t(i)];
    size_t at = e.find(" 1=");
    if (e.rfind("commit", 0) == 0 && at != std::string::npos) committed1 = std::stoll(e.substr(at + 3));
  }
  if (next1 > 0) CHECK(committed1 == next1);
  // Nothing of partition 1 after it was given back.
  for (size_t i = size_t(revoked_at); i < r.cluster.journal.size(); i++)
    CHECK(r.cluster.journal[i].rfind("deliver 1", 0) != 0);
  r.stop();
  CHECK(r.crashes == 0);
}

// How many Fetches asked for partition@offset (journal_fetches), from journal entry `from`.
static int fetches_of(const Rig &r, const std::string &part_at, size_t from = 0) {
  int n = 0;
  for (size_t i = from; i < r.cluster.journal.size(); i++) {
    const std::string &e = r.cluster.journal[i];
    if (e.rfind("fetch ", 0) != 0) continue;
    std::string list = "," + e.substr(e.find(' ', 6) + 1) + ",";
    n += list.find("," + part_at + ",") != std::string::npos ? 1 : 0;
  }
  return n;
}

TEST_CASE("consumer protocol: a Fetch in flight across a revoke delivers the kept partition, not the revoked one",
          "[cgroup][keep]") {
  Rig r;
  r.cluster.leaders = {1, 1};  // one Fetch carries both partitions
  r.b1.log[1] = {"b0", "b1", "b2"};
  r.listen = true;
  bool revoke = false;
  r.cluster.cg_script = [&](const Req &q) {
    Reply out = keep(q.epoch);
    if (q.epoch == 0) out = assign(1, {0, 1});
    if (q.epoch == 1 && revoke) out = assign(2, {0});
    out.interval_ms = 20;
    return out;
  };
  r.start(1000000);  // commits only on the revoke and on stop
  REQUIRE(r.run_until([&] { return r.delivered.size() == 6; }));
  r.cluster.journal_fetches = true;
  r.cluster.park_fetches = true;
  r.b1.log[0].push_back("a3");
  r.b1.log[1].push_back("b3");
  // A Fetch for 0@3 and 1@3 is on the wire; its answer (a3, b3) waits at the broker.
  REQUIRE(r.run_until([&] { return r.cluster.parked_fetches == 1; }));
  CHECK(fetches_of(r, "0@3") == 1);
  revoke = true;  // partition 1 moves away while that Fetch is in flight
  bool acked = r.run_until([&] { return r.find("cgh epoch=2 owned=0") >= 0; });
  INFO(r.journal() + r.all_logs());
  REQUIRE(acked);
  long revoked = r.find("listener revoked 1");
  CHECK(revoked >= 0);
  CHECK(r.find("commit epoch=2 0=3 1=3") > revoked);
  r.cluster.park_fetches = false;
  fake_cluster_release_fetches(&r.cluster);
  REQUIRE(r.run_until([&] { return r.count("0:a3") == 1; }));
  // The answer in flight delivered partition 0: it was not dropped and asked for again...
  CHECK(fetches_of(r, "0@3") == 1);
  // ... and nothing of partition 1, which left the assignment while the answer travelled.
  CHECK(r.count("1:b3") == 0);
  // The next Fetch goes on from there, and the member keeps reading partition 0.
  r.b1.log[0].push_back("a4");
  REQUIRE(r.run_until([&] { return r.count("0:a4") == 1; }));
  CHECK(fetches_of(r, "1@3") == 1);  // never asked for again
  CHECK(r.count("0:") == 5);         // nothing twice
  r.stop();
  CHECK(r.find("commit epoch=2 0=5") >= 0);
  CHECK(r.crashes == 0);
}

TEST_CASE("consumer protocol: a partition being revoked that a newer target gives back starts again as a new one",
          "[cgroup][keep]") {
  Rig r;
  r.cluster.offset_fetch_committed = true;  // OffsetFetch answers what was committed
  r.listen = true;
  r.pend_kind = UVK_REBALANCE_REVOKED;  // the revoke waits (uvk_consumer_rebalance_done)
  int phase = 0;                        // 1: take partition 1 away; 2: give it back
  r.cluster.cg_script = [&](const Req &q) {
    Reply out = keep(q.epoch);
    if (q.epoch == 0) out = assign(1, {0, 1});
    if (phase == 1 && q.epoch == 1) out = assign(2, {0});
    if (phase == 2 && q.epoch == 2) out = assign(3, {0, 1});
    out.interval_ms = 20;
    return out;
  };
  r.start(1000000);
  REQUIRE(r.run_until([&] { return r.delivered.size() == 6; }));
  phase = 1;
  REQUIRE(r.run_until([&] { return r.pending == 1; }));  // "revoked 1" told, the revoke held
  phase = 2;
  size_t from = r.cluster.cg_requests.size();
  REQUIRE(r.run_until([&] { return r.cluster.cg_requests.size() >= from + 2; }));  // epoch 3's target taken
  CHECK(uvk_consumer_rebalance_done(r.consumer) == 0);
  long revoked = r.find("listener revoked 1");
  REQUIRE(revoked >= 0);
  bool back = r.run_until([&] { return r.find("listener assigned 1", size_t(revoked)) >= 0; });
  INFO(r.journal() + r.all_logs());
  REQUIRE(back);  // it comes back as new (it stayed "revoking" before, and nothing was told)...
  long commit = r.find("commit epoch=3 0=3 1=3");
  CHECK(commit > revoked);
  CHECK(r.find("listener assigned 1", size_t(revoked)) > commit);
  r.b1.log[0].push_back("a3");
  r.b2.log[1].push_back("b3");
  // ... and is fetched again from its committed offset (stuck as "revoking" before: never).
  REQUIRE(r.run_until([&] { return r.count("1:b3") == 1 && r.count("0:a3") == 1; }));
  CHECK(r.count("1:") == 4);
  r.pend_kind = 0;
  r.stop();
  CHECK(r.crashes == 0);
}

TEST_CASE("consumer protocol: fenced while committing a revoke: partitions lost, rejoin at epoch 0, committed offsets kept",
          "[cgroup]") {
  Rig r;
  r.cluster.offset_fetch_committed = true;
  r.cluster.committed[0] = 1;  // committed before: partition 0 starts at offset 1
  bool revoked = false;
  int joins = 0;
  r.cluster.cg_script = [&](const Req &q) {
    Reply out;
    if (q.epoch == 0) {
      out = ++joins == 1 ? assign(1, {0, 1}) : assign(5, {0, 1});
    } else if (q.epoch == 1 && !revoked && r.delivered.size() == 5) {
      revoked = true;  // everything read, nothing committed: the revoke must commit first
      r.cluster.inject_errors[uvk::proto::kOffsetCommit] = {110};  // ... and is fenced
      out = assign(2, {0});
    } else {
      out = keep(q.epoch);
    }
    out.interval_ms = 20;
    return out;
  };
  r.start(1000000);  // no commit before the revoke's
  REQUIRE(r.run_until([&] { return joins == 2 && r.delivered.size() == 10; }));
  r.stop();
  INFO(r.journal());
  long refused = r.find("commit epoch=2 0=3 1=3");
  REQUIRE(refused >= 0);
  long rejoined = r.find("cgh epoch=0 owned=", size_t(refused));
  CHECK(rejoined > refused);
  CHECK(r.find("cgh epoch=2 owned=0") < 0);  // the revoke was never acknowledged
  CHECK(r.count("0:a0") == 0);               // the committed offset held before and after
  CHECK(r.count("0:") == 4);                 // a1, a2 twice: only uncommitted work repeats
  CHECK(r.count("1:") == 6);
  CHECK(r.find("commit epoch=5 0=3 1=3") > rejoined);
  CHECK(r.crashes == 0);
}

TEST_CASE("consumer protocol: an assigned topic id not yet in metadata is taken once metadata names it", "[cgroup]") {
  Rig r;
  r.cluster.metadata_topic_ids = false;
  r.cluster.cg_script = [](const Req &q) { return q.epoch == 0 ? assign(1, {0, 1}) : keep(1); };
  r.start(1000000);
  auto metadata = [&] { return r.b1.requests[uvk::proto::kMetadata] + r.b2.requests[uvk::proto::kMetadata]; };
  REQUIRE(r.run_until([&] { return metadata() >= 3; }));  // asked again while the id stays unknown
  CHECK(r.delivered.empty());
  CHECK(r.find("cgh epoch=1 owned=0,1") < 0);
  r.cluster.metadata_topic_ids = true;
  REQUIRE(r.run_until([&] { return r.delivered.size() == 6 && r.find("cgh epoch=1 owned=0,1") >= 0; }));
  r.stop();
  CHECK(r.crashes == 0);
}

TEST_CASE("consumer protocol: a non-retriable heartbeat error stops the consumer with that error", "[cgroup]") {
  Rig r;
  r.cluster.cg_script = [](const Req &) {
    Reply out;
    out.error = 112;  // UNSUPPORTED_ASSIGNOR
    return out;
  };
  r.start(1000000, "uniform");
  REQUIRE(r.run_until([&] { return r.crashes > 0; }));
  CHECK(r.crash_kafka == 112);
  size_t sent = r.cluster.cg_requests.size();
  CHECK(sent == 1);
}

TEST_CASE("consumer protocol: groupProtocol and groupRemoteAssignor reject unknown values", "[cgroup][config]") {
  uvk_config *cfg = uvk_config_new();
  char err[256] = "";
  CHECK(uvk_config_set(cfg, "groupProtocol", "eager", err, sizeof err) == UVK_EINVAL);
  CHECK(std::string(err).find("classic or consumer") != std::string::npos);
  CHECK(uvk_config_set(cfg, "groupRemoteAssignor", "sticky", err, sizeof err) == UVK_EINVAL);
  CHECK(uvk_config_set(cfg, "groupProtocol", "CONSUMER", err, sizeof err) == 0);
  char v[32];
  CHECK(uvk_config_get(cfg, "groupProtocol", v, sizeof v) > 0);
  CHECK(std::string(v) == "consumer");
  uvk_config_free(cfg);
}

TEST_CASE("consumer protocol, static member: instance id sent, UNRELEASED_INSTANCE_ID waited out, leaves with -2",
          "[cgroup][static]") {
  Rig r;
  int refused = 0;
  r.cluster.cg_script = [&](const Req &q) {
    Reply out;
    if (q.epoch == 0 && refused < 2) {
      refused++;
      out.error = 111;  // the killed previous instance still holds the id
      return out;
    }
    return q.epoch == 0 ? assign(1, {0, 1}) : keep(1);
  };
  r.start(1000000, "range", "consumer", "node-a");
  REQUIRE(r.run_until([&] { return r.delivered.size() == 6; }));
  r.stop();
  INFO(r.journal() + r.all_logs());
  CHECK(refused == 2);
  CHECK(r.crashes == 0);
  REQUIRE(r.cluster.cg_requests.size() >= 4);
  for (size_t i = 0; i < 3; i++) CHECK(r.cluster.cg_requests[i].epoch == 0);
  CHECK(r.cluster.cg_requests.back().epoch == -2);  // a static member keeps its assignment
  CHECK(r.logged("still held by a previous member"));
}

TEST_CASE("consumer protocol, static member: FENCED_INSTANCE_ID stops the consumer with that error", "[cgroup][static]") {
  Rig r;
  r.cluster.cg_script = [&](const Req &q) {
    if (q.epoch == 0) return assign(1, {0, 1});
    Reply out;
    out.error = 82;  // FENCED_INSTANCE_ID: another member took over the instance id
    return out;
  };
  r.start(1000000, "range", "consumer", "node-a");
  REQUIRE(r.run_until([&] { return r.crashes > 0; }));
  CHECK(r.crash_kafka == 82);
  size_t sent = r.cluster.cg_requests.size();
  CHECK(sent == 2);
  CHECK(r.logged("Another member joined with groupInstanceId 'node-a'"));
}

TEST_CASE("classic protocol, static member: JoinGroup names the instance, no LeaveGroup on stop, FENCED_INSTANCE_ID is fatal",
          "[cgroup][static]") {
  SECTION("joins and stops without leaving") {
    Rig r;
    r.start(1000000, "range", "classic", "node-b");
    REQUIRE(r.run_until([&] { return r.delivered.size() == 6; }));
    CHECK(r.cluster.join_instance_id == "node-b");
    r.stop();
    CHECK(r.b1.requests[uvk::proto::kLeaveGroup] + r.b2.requests[uvk::proto::kLeaveGroup] == 0);
    CHECK(r.find("commit epoch=1 0=3 1=3") >= 0);  // the stop's commit (generation 1)
  }
  SECTION("a fenced heartbeat stops it instead of rejoining") {
    Rig r;
    r.cluster.inject_errors[uvk::proto::kHeartbeat] = {82};
    r.start(1000000, "range", "classic", "node-b");
    REQUIRE(r.run_until([&] { return r.crashes > 0; }));
    CHECK(r.crash_kafka == 82);
    CHECK(r.b2.requests[uvk::proto::kJoinGroup] == 1);
  }
  SECTION("a dynamic member still leaves") {
    Rig r;
    r.start(1000000, "range", "classic", "");
    REQUIRE(r.run_until([&] { return r.delivered.size() == 6; }));
    CHECK(r.cluster.join_instance_id.empty());
    r.stop();
    CHECK(r.b1.requests[uvk::proto::kLeaveGroup] + r.b2.requests[uvk::proto::kLeaveGroup] == 1);
  }
}

TEST_CASE("rebalance listener, consumer protocol: assigned, revoked before the commit and the ack, lost when fenced, revoked on stop",
          "[cgroup][listener]") {
  Rig r;
  r.listen = true;
  r.pend_kind = UVK_REBALANCE_REVOKED;  // the revoke finishes later (uvk_consumer_rebalance_done)
  bool revoke_sent = false, fence = false;
  r.cluster.cg_script = [&](const Req &q) {
    Reply out = keep(q.epoch);
    if (q.epoch == 0) out = assign(q.member_id.empty() ? 1 : (fence ? 7 : 1), {0, 1});
    if (q.epoch == 1 && r.delivered.size() == 6 && !revoke_sent) {
      revoke_sent = true;
      out = assign(2, {0});
    }
    if (q.epoch == 2 && fence) out.error = 110;  // FENCED_MEMBER_EPOCH
    out.interval_ms = 20;
    return out;
  };
  r.start(1000000);
  REQUIRE(r.run_until([&] { return r.pending == 1; }));  // the revoke listener was called...
  long revoked_at = r.find("listener revoked 1");
  REQUIRE(revoked_at >= 0);
  CHECK(r.find("listener assigned 0,1") >= 0);
  CHECK(r.find("listener assigned 0,1") < revoked_at);
  // ... and while it has not finished, nothing is committed and the partition is not given back.
  REQUIRE(r.run_until([&] { return r.cluster.cg_requests.size() >= 6; }));  // heartbeats go on meanwhile
  CHECK(r.find("cgh epoch=2 owned=0") < 0);
  for (size_t i = size_t(revoked_at); i < r.cluster.journal.size(); i++) CHECK(r.cluster.journal[i].rfind("commit", 0) != 0);
  CHECK(uvk_consumer_rebalance_done(r.consumer) == 0);
  CHECK(uvk_consumer_rebalance_done(r.consumer) == UVK_ENOTFOUND);
  REQUIRE(r.run_until([&] { return r.find("cgh epoch=2 owned=0") >= 0; }));
  long commit_at = r.find("commit epoch=2 0=3 1=3");
  CHECK(commit_at > revoked_at);
  CHECK(r.find("cgh epoch=2 owned=0") > commit_at);
  // Fenced: the listener hears "lost" for what is left, then the member rejoins.
  fence = true;
  REQUIRE(r.run_until([&] { return r.find("listener lost 0") >= 0 && r.find("cgh epoch=0 owned=", size_t(commit_at)) >= 0; }));
  REQUIRE(r.run_until([&] { return r.find("listener assigned 0,1", size_t(commit_at)) >= 0; }));
  fence = false;
  r.pend_kind = 0;
  r.stop();
  INFO(r.journal());
  long stop_revoke = long(r.cluster.journal.size()) - 1;
  while (stop_revoke >= 0 && r.cluster.journal[size_t(stop_revoke)].rfind("listener revoked", 0) != 0) stop_revoke--;
  CHECK(r.cluster.journal[size_t(stop_revoke)] == "listener revoked 0,1");
  CHECK(r.crashes == 0);
}

TEST_CASE("rebalance listener, classic: assigned after the join, revoked before the stop's commit", "[cgroup][listener]") {
  Rig r;
  r.listen = true;
  r.start(1000000, "range", "classic");
  REQUIRE(r.run_until([&] { return r.delivered.size() == 6; }));
  r.stop();
  INFO(r.journal());
  long assigned = r.find("listener assigned 0,1");
  long revoked = r.find("listener revoked 0,1");
  long commit = r.find("commit epoch=1 0=3 1=3");
  CHECK(assigned >= 0);
  CHECK(revoked > assigned);
  CHECK(commit > revoked);
}

// The chaos soak: a member away longer than its session (its broker stopped) was dropped; the
// group's last consumer-protocol member gone, the broker turned it back into a classic group,
// and the member's next heartbeat got GROUP_ID_NOT_FOUND ("Group ... is not a consumer
// group"). That ended the consumer; the membership is gone, as when fenced: it rejoins at
// epoch 0 (which upgrades the group again).
TEST_CASE("consumer protocol: GROUP_ID_NOT_FOUND to a member (epoch > 0): partitions lost, rejoin at epoch 0",
          "[cgroup]") {
  Rig r;
  bool drop = false;
  int refused = 0;
  r.cluster.cg_script = [&](const Req &q) {
    Reply out = q.epoch == 0 ? assign(refused ? 2 : 1, {0, 1}) : keep(q.epoch);
    if (q.epoch == 1 && drop && !refused) {
      refused++;
      out = Reply();
      out.error = 69;  // GROUP_ID_NOT_FOUND
    }
    out.interval_ms = 50;  // heartbeats go on while the test waits
    return out;
  };
  r.start(1000000);
  REQUIRE(r.run_until([&] { return r.delivered.size() == 6; }));
  drop = true;
  REQUIRE(r.run_until([&] { return r.find("cgh epoch=2 owned=0,1") >= 0 || r.crashes > 0; }));
  INFO(r.journal());
  CHECK(r.crashes == 0);
  CHECK(refused == 1);
  CHECK(r.find("cgh epoch=0 owned=", size_t(r.find("cgh epoch=1 owned=0,1"))) >= 0);  // rejoined at 0
  CHECK(r.logged("Fenced by the group coordinator (GROUP_ID_NOT_FOUND)"));
  r.stop();
  CHECK(r.crashes == 0);
}

// Joining (epoch 0) and refused with GROUP_ID_NOT_FOUND: a classic group the broker will not
// convert (group.consumer.migration.policy, or a classic group it cannot upgrade): the
// consumer stops with that code, as the Java client does.
TEST_CASE("consumer protocol: GROUP_ID_NOT_FOUND to a join (epoch 0) stops the consumer with that error", "[cgroup]") {
  Rig r;
  r.cluster.cg_script = [](const Req &) {
    Reply out;
    out.error = 69;
    return out;
  };
  r.start(1000000);
  REQUIRE(r.run_until([&] { return r.crashes > 0; }));
  CHECK(r.crash_kafka == 69);
  CHECK(r.cluster.cg_requests.size() == 1);
}
