// Cooperative rebalancing on the classic protocol (KIP-429) against two fake brokers: the
// member follows another leader, whose assignments the test scripts per generation
// (FakeCluster::classic_assign). One journal holds JoinGroup's owned partitions, SyncGroup's
// assignments, commits, listener calls and deliveries in the order they happened, so a case
// reads what was kept, what was revoked and what was fetched while the group rebalanced.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <uv.h>

#include "fake_broker.h"
#include "fake_rig.h"
#include "proto/gen/api_table.h"
#include "uvkafka/uvkafka.h"

using namespace uvk_test;

namespace {

struct Rig : TwoBrokerRig {
  uvk_consumer *consumer = nullptr;
  size_t delivered = 0;
  bool stopped = false;
  int crashes = 0;
  // Once set: partition 0's next batch is held (UVK_PENDING) and `hold_push` reaches its log
  // meanwhile, so the Fetch asked ahead of that batch brings it back while the batch is held.
  bool hold_next = false, holding = false;
  std::string hold_push;

  Rig() {
    b1.log[0] = {"a0", "a1", "a2"};
    b2.log[1] = {"b0", "b1", "b2"};
  }
  ~Rig() {
    if (consumer) uvk_consumer_free(consumer);
  }

  void start(const char *assigners) {
    uvk_config *cfg = uvk_config_new();
    REQUIRE(cfg);
    char err[256];
    std::string seed = addr(b2);
    const char *const kv[][2] = {
        {"brokers", seed.c_str()},     {"clientId", "coop-test"},        {"logLevel", "DEBUG"},
        {"retry.retries", "5"},        {"retry.initialRetryTime", "30"}, {"retry.maxRetryTime", "200"},
        {"maxWaitTimeInMs", "50"},     {"groupId", "coop"},              {"partitionAssigners", assigners},
        {"heartbeatInterval", "50"},
    };
    for (const auto &p : kv) REQUIRE(uvk_config_set(cfg, p[0], p[1], err, sizeof err) == 0);
    log_to(cfg);
    REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
    REQUIRE(uvk_consumer_new(client, cfg, &consumer) == 0);
    uvk_config_free(cfg);
    REQUIRE(uvk_consumer_set_crash_cb(consumer, [](uvk_consumer *, const uvk_error *, void *ud) {
      static_cast<Rig *>(ud)->crashes++;
    }, this) == 0);
    REQUIRE(uvk_consumer_set_rebalance_listener(consumer, [](uvk_consumer *, int kind, const uvk_topic_partition *tps,
                                                             size_t n, void *ud) {
      Rig *r = static_cast<Rig *>(ud);
      std::string e = std::string("listener ") +
                      (kind == UVK_REBALANCE_ASSIGNED ? "assigned" : kind == UVK_REBALANCE_REVOKED ? "revoked" : "lost") + " ";
      for (size_t i = 0; i < n; i++) e += (i ? "," : "") + std::to_string(tps[i].partition);
      r->cluster.journal.push_back(e);
      return 0;
    }, this) == 0);
    REQUIRE(uvk_consumer_subscribe(consumer, cluster.topic.c_str(), 1) == 0);
    uvk_run_options o;
    uvk_run_options_init(&o);
    o.auto_commit_interval = 3600 * 1000;
    o.auto_commit_threshold = 1000000;  // commits only on a revoke and on stop
    o.ud = this;
    o.each_batch = [](uvk_consumer *, const uvk_batch *b, void *ud) {
      Rig *r = static_cast<Rig *>(ud);
      r->delivered += b->n_messages;
      if (b->n_messages)
        r->cluster.journal.push_back("deliver " + std::to_string(b->partition) + " next=" +
                                     std::to_string(b->last_offset + 1));
      if (b->partition == 0 && b->n_messages && r->hold_next) {
        r->hold_next = false;
        r->holding = true;
        r->b1.log[0].push_back(r->hold_push);
        return int(UVK_PENDING);
      }
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

  long find(const std::string &e, size_t from = 0) const {
    for (size_t i = from; i < cluster.journal.size(); i++)
      if (cluster.journal[i] == e) return long(i);
    return -1;
  }
  long find_prefix(const std::string &e, size_t from = 0) const {
    for (size_t i = from; i < cluster.journal.size(); i++)
      if (cluster.journal[i].compare(0, e.size(), e) == 0) return long(i);
    return -1;
  }
  std::string journal() const {
    std::string s;
    for (const std::string &l : cluster.journal) s += l + "\n";
    return s;
  }
};

}  // namespace

TEST_CASE("cooperative-sticky: a rebalance keeps fetching, revokes only what moves, commits it, then rejoins",
          "[coop]") {
  Rig r;
  // gen 1: both partitions; gen 2: partition 1 moves away; gen 3 (the rejoin after the
  // revoke): partition 0 still.
  r.cluster.classic_assign = [](int32_t gen) { return gen == 1 ? std::vector<int32_t>{0, 1} : std::vector<int32_t>{0}; };
  r.start("cooperative-sticky");
  REQUIRE(r.run_until([&] { return r.delivered == 6; }));
  INFO(r.journal());
  CHECK(r.find("join cooperative-sticky gen=-1 owned=") >= 0);  // a new member owns nothing
  CHECK(r.find("listener assigned 0,1") >= 0);
  // The group rebalances; the JoinGroup is held 300 ms, as a broker holds it for the others.
  r.cluster.classic_join_hold_ms = 300;
  r.cluster.inject_errors[uvk::proto::kHeartbeat] = {27};  // REBALANCE_IN_PROGRESS
  REQUIRE(r.run_until([&] { return r.find("join cooperative-sticky gen=1 owned=0,1") >= 0; }));
  size_t join_at = r.cluster.journal.size();
  // Meanwhile partition 0 gets a new message: it is delivered before the rebalance ends.
  r.b1.log[0].push_back("a3");
  REQUIRE(r.run_until([&] { return r.find("sync gen=2 assigned=0") >= 0; }));
  long sync2 = r.find("sync gen=2 assigned=0");
  long during = r.find("deliver 0 next=4", join_at);
  CHECK(during >= 0);
  CHECK(during < sync2);
  // Only partition 1 is revoked, its offsets committed, then the member joins again saying
  // it owns partition 0 (so the leader can hand 1 over); nothing is revoked for partition 0.
  REQUIRE(r.run_until([&] { return r.find("sync gen=3 assigned=0") >= 0; }));
  long revoked = r.find("listener revoked 1");
  long commit = r.find_prefix("commit epoch=2", size_t(sync2));
  long rejoin = r.find("join cooperative-sticky gen=2 owned=0");
  CHECK(revoked > sync2);
  CHECK(commit > revoked);
  CHECK(r.cluster.journal[size_t(commit)].find("1=3") != std::string::npos);
  CHECK(rejoin > commit);
  CHECK(r.find("listener revoked 0") < 0);
  CHECK(r.find("listener revoked 0,1") < 0);
  CHECK(r.find("listener assigned ", size_t(sync2)) > revoked);  // nothing new: an empty call
  CHECK(r.find("listener lost ") < 0);
  // Partition 0 goes on from where it was: nothing delivered twice.
  r.b1.log[0].push_back("a4");
  REQUIRE(r.run_until([&] { return r.delivered == 8; }));
  CHECK(r.find("deliver 0 next=5") >= 0);
  r.stop();
  CHECK(r.crashes == 0);
}

TEST_CASE("cooperative-sticky: a Fetch in flight across the revoke delivers the kept partition, not the revoked one",
          "[coop][keep]") {
  Rig r;
  r.cluster.leaders = {1, 1};  // one Fetch carries both partitions
  r.b1.log[1] = {"b0", "b1", "b2"};
  r.cluster.classic_assign = [](int32_t gen) { return gen == 1 ? std::vector<int32_t>{0, 1} : std::vector<int32_t>{0}; };
  r.start("cooperative-sticky");
  REQUIRE(r.run_until([&] { return r.delivered == 6; }));
  r.cluster.journal_fetches = true;
  r.cluster.park_fetches = true;
  r.b1.log[0].push_back("a3");
  r.b1.log[1].push_back("b3");
  // A Fetch for 0@3 and 1@3 is on the wire; its answer (a3, b3) waits at the broker.
  REQUIRE(r.run_until([&] { return r.cluster.parked_fetches == 1; }));
  size_t parked_at = r.cluster.journal.size();
  r.cluster.inject_errors[uvk::proto::kHeartbeat] = {27};  // REBALANCE_IN_PROGRESS
  // Generation 2 takes partition 1 away: revoked, committed, then the member joins again.
  bool rejoined = r.run_until([&] { return r.find("join cooperative-sticky gen=2 owned=0") >= 0; });
  INFO(r.journal() + r.all_logs());
  REQUIRE(rejoined);
  CHECK(r.find("listener revoked 1") > long(parked_at));
  r.cluster.park_fetches = false;
  fake_cluster_release_fetches(&r.cluster);
  REQUIRE(r.run_until([&] { return r.find("deliver 0 next=4") >= 0; }));
  // Partition 0's answer in flight was delivered, not dropped and asked for again; partition
  // 1's part of it was not delivered (it had left).
  int asked = 0;
  for (const std::string &e : r.cluster.journal) asked += e.rfind("fetch 1 ", 0) == 0 && e.find("0@3") != std::string::npos;
  CHECK(asked == 1);
  CHECK(r.find("deliver 1 next=4") < 0);
  CHECK(r.delivered == 7);
  REQUIRE(r.run_until([&] { return r.find("sync gen=3 assigned=0") >= 0; }));
  CHECK(r.find_prefix("listener revoked 0") < 0);  // partition 0 never stopped
  r.stop();
  CHECK(r.crashes == 0);
}

TEST_CASE("cooperative-sticky: a new partition is added without revoking the others", "[coop]") {
  Rig r;
  r.cluster.classic_assign = [](int32_t gen) { return gen == 1 ? std::vector<int32_t>{0} : std::vector<int32_t>{0, 1}; };
  r.start("cooperative-sticky");
  REQUIRE(r.run_until([&] { return r.delivered == 3; }));
  r.cluster.inject_errors[uvk::proto::kHeartbeat] = {27};
  REQUIRE(r.run_until([&] { return r.delivered == 6; }));
  INFO(r.journal());
  CHECK(r.find("join cooperative-sticky gen=1 owned=0") >= 0);
  CHECK(r.find("listener assigned 0") >= 0);
  CHECK(r.find("listener assigned 1") > r.find("sync gen=2 assigned=0,1"));
  CHECK(r.find_prefix("listener revoked") < 0);
  CHECK(r.find_prefix("join cooperative-sticky gen=2") < 0);  // nothing revoked: no extra round
  r.stop();
  CHECK(r.find("listener revoked 0,1") >= 0);  // the stop gives everything up
}

TEST_CASE("cooperative-sticky: ILLEGAL_GENERATION loses the partitions; the next join owns nothing", "[coop]") {
  Rig r;
  r.cluster.classic_assign = [](int32_t) { return std::vector<int32_t>{0, 1}; };
  r.start("cooperative-sticky");
  REQUIRE(r.run_until([&] { return r.delivered == 6; }));
  r.cluster.inject_errors[uvk::proto::kHeartbeat] = {22};  // ILLEGAL_GENERATION
  REQUIRE(r.run_until([&] {
    long l = r.find("listener lost 0,1");
    return l >= 0 && r.find("listener assigned 0,1", size_t(l)) >= 0;
  }));
  INFO(r.journal());
  long lost = r.find("listener lost 0,1");
  CHECK(r.find("join cooperative-sticky gen=-1 owned=", size_t(lost)) > lost);
  r.stop();
}

TEST_CASE("eager assigners still give everything up on a rebalance", "[coop]") {
  Rig r;
  r.cluster.classic_assign = [](int32_t) { return std::vector<int32_t>{0, 1}; };
  r.start("range");
  REQUIRE(r.run_until([&] { return r.delivered == 6; }));
  r.cluster.inject_errors[uvk::proto::kHeartbeat] = {27};
  REQUIRE(r.run_until([&] { return r.find("sync gen=2 assigned=0,1") >= 0; }));
  INFO(r.journal());
  CHECK(r.find("join range gen=-1 owned=") >= 0);  // v0 metadata: no ownership
  CHECK(r.find("listener revoked 0,1") >= 0);
  r.stop();
}

TEST_CASE("cooperative-sticky: an answer parked for a held batch follows its partition through the revoke of another",
          "[coop][keep][park]") {
  Rig r;
  r.cluster.classic_assign = [](int32_t gen) { return gen == 1 ? std::vector<int32_t>{0, 1} : std::vector<int32_t>{0}; };
  r.start("cooperative-sticky");
  REQUIRE(r.run_until([&] { return r.delivered == 6; }));
  r.cluster.journal_fetches = true;
  r.hold_next = true;
  r.hold_push = "a4";
  r.b1.log[0].push_back("a3");
  // a3 is held; the answer asked ahead of it (a4, from offset 4) is parked.
  REQUIRE(r.run_until([&] { return r.logged("parked until its handler is done"); }));
  size_t parked_at = r.cluster.journal.size();
  r.cluster.inject_errors[uvk::proto::kHeartbeat] = {27};  // REBALANCE_IN_PROGRESS
  // Generation 2 takes partition 1 away (revoked, committed, rejoined); 0 stays, still held.
  bool rejoined = r.run_until([&] { return r.find("sync gen=3 assigned=0") >= 0; });
  INFO(r.journal() + r.all_logs());
  REQUIRE(rejoined);
  CHECK(r.find("listener revoked 1", parked_at) >= 0);
  CHECK(r.find("deliver 0 next=5") < 0);  // held: nothing handed over meanwhile
  REQUIRE(uvk_consumer_done(r.consumer, r.cluster.topic.c_str(), 0, 0) == 0);
  REQUIRE(r.run_until([&] { return r.find("deliver 0 next=5") >= 0; }));
  // The parked answer was handed over: partition 0 was never asked from offset 4 again.
  int asked = 0;
  for (const std::string &e : r.cluster.journal)
    asked += e.rfind("fetch 1 ", 0) == 0 && (e.find(" 0@4") != std::string::npos || e.find(",0@4") != std::string::npos);
  CHECK(asked == 1);
  CHECK(r.delivered == 8);
  r.stop();
  CHECK(r.crashes == 0);
}
