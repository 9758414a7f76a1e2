// Broker errors on FindCoordinator, JoinGroup and SyncGroup, answered in well-formed
// responses by our fake brokers (test/lib/fake_broker.h, `inject_errors`): librdkafka
// 2.0.2's mock answers these three APIs with malformed frames (docs/reliability.md).
// The public client (C API, one uv loop, a consumer group) against two fake brokers; each
// case checks the order of group requests the client completed (its REQUEST events), what
// the brokers saw (member ids, the code each request was answered with), and that the group
// then forms and every message is consumed. Non-retriable codes must stop the consumer with
// the Kafka code and send nothing more. No sleeps: the loop runs until a condition holds.
#include <catch2/catch.hpp>

#include <string.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include <uv.h>

#include "consumer_rig.h"
#include "fake_broker.h"
#include "fake_rig.h"
#include "capi/consumer_internal.h"
#include "client/consumer_internal.h"
#include "engine/engine.h"
#include "proto/gen/api_table.h"
#include "uvkafka/uvkafka.h"

using namespace uvk_test;

namespace {

const int kInitialRetryMs = 50;  // retry.initialRetryTime below

struct Completed {  // a group request the client saw answered (UVK_EVENT_REQUEST)
  int16_t api_key;
  int64_t created_at, duration;
};

struct Crash {
  int code, kafka, restart;
};

struct Harness : TwoBrokerRig {
  uvk_consumer *consumer = nullptr;
  std::vector<Completed> completed;
  std::vector<Crash> crashes;  // CRASH events
  int crash_cb_calls = 0, crash_cb_kafka = 0;
  int joins = 0;  // GROUP_JOIN events
  std::vector<std::string> delivered;
  std::function<void(uvk_consumer *)> before_run;  // custom assigners, listeners

  Harness() {
    b1.log[0] = {"a0", "a1", "a2"};
    b2.log[1] = {"b0", "b1", "b2"};
  }

  ~Harness() {
    if (consumer) uvk_consumer_free(consumer);
  }

  // auto_commit: commit only on a rebalance or stop (interval and threshold far away), so
  // offsets are pending when the group rebalances.
  void start_consumer(bool auto_commit = false) {
    uvk_config *cfg = uvk_config_new();
    REQUIRE(cfg);
    char err[256];
    std::string seed = "127.0.0.1:" + std::to_string(b2.port);
    std::string initial = std::to_string(kInitialRetryMs);
    const char *const kv[][2] = {
        {"brokers", seed.c_str()},      {"clientId", "group-errors-test"}, {"logLevel", "DEBUG"},
        {"retry.retries", "5"},         {"retry.initialRetryTime", initial.c_str()},
        {"retry.maxRetryTime", "200"},  {"requestTimeout", "5000"},        {"connectionTimeout", "2000"},
        {"maxWaitTimeInMs", "50"},      {"groupId", "group-errors"},       {"heartbeatInterval", "100"},
    };
    for (const auto &p : kv) REQUIRE(uvk_config_set(cfg, p[0], p[1], err, sizeof err) == 0);
    log_to(cfg);
    REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
    REQUIRE(uvk_client_on(client, UVK_EVENT_REQUEST,
                          [](void *ud, const uvk_event *ev) {
                            const auto *r = static_cast<const uvk_event_request *>(ev->payload);
                            if (r->api_key == uvk::proto::kFindCoordinator || r->api_key == uvk::proto::kJoinGroup ||
                                r->api_key == uvk::proto::kSyncGroup)
                              static_cast<Harness *>(ud)->completed.push_back({r->api_key, r->created_at, r->duration});
                          },
                          this) > 0);
    REQUIRE(uvk_consumer_new(client, cfg, &consumer) == 0);
    uvk_config_free(cfg);
    REQUIRE(uvk_consumer_on(consumer, UVK_EVENT_GROUP_JOIN,
                            [](void *ud, const uvk_event *) { static_cast<Harness *>(ud)->joins++; }, this) > 0);
    REQUIRE(uvk_consumer_on(consumer, UVK_EVENT_CRASH,
                            [](void *ud, const uvk_event *ev) {
                              const auto *c = static_cast<const uvk_event_crash *>(ev->payload);
                              static_cast<Harness *>(ud)->crashes.push_back(
                                  {uvk_error_code(c->error), uvk_error_kafka_code(c->error), c->restart});
                            },
                            this) > 0);
    REQUIRE(uvk_consumer_set_crash_cb(consumer, [](uvk_consumer *, const uvk_error *e, void *ud) {
      Harness *h = static_cast<Harness *>(ud);
      h->crash_cb_calls++;
      h->crash_cb_kafka = e ? uvk_error_kafka_code(e) : 0;
    }, this) == 0);
    REQUIRE(uvk_consumer_subscribe(consumer, cluster.topic.c_str(), 1) == 0);
    if (before_run) before_run(consumer);
    uvk_run_options o;
    uvk_run_options_init(&o);
    o.auto_commit = auto_commit ? 1 : 0;
    o.auto_commit_interval = 3600 * 1000;
    o.auto_commit_threshold = 1000000;
    o.ud = this;
    o.each_batch = [](uvk_consumer *, const uvk_batch *b, void *ud) {
      Harness *h = static_cast<Harness *>(ud);
      for (size_t i = 0; i < b->n_messages; i++)
        h->delivered.push_back(std::string(static_cast<const char *>(b->messages[i].value), b->messages[i].value_len));
      return 0;
    };
    REQUIRE(uvk_consumer_run(consumer, &o) == 0);
  }

  void stop_consumer() {
    bool stopped = false;
    REQUIRE(uvk_consumer_stop(consumer, [](uvk_consumer *, const uvk_error *, void *ud) {
      *static_cast<bool *>(ud) = true;
    }, &stopped) == 0);
    REQUIRE(run_until([&] { return stopped; }));
  }

  // The group requests as letters: F(ind), J(oin), S(ync).
  std::string client_sequence() const {
    std::string s;
    for (const Completed &c : completed) s += letter(c.api_key);
    return s;
  }
  // What the brokers saw: letter, the member id sent in [], the injected code after '!'.
  std::string broker_sequence() const {
    std::string s;
    for (const FakeCluster::GroupRequest &r : cluster.group_requests) {
      if (!s.empty()) s += " ";
      s += letter(r.api_key);
      if (r.api_key != uvk::proto::kFindCoordinator) s += "[" + r.member_id + "]";
      if (r.error) s += "!" + std::to_string(r.error);
    }
    return s;
  }
  static char letter(int16_t key) {
    return key == uvk::proto::kFindCoordinator ? 'F' : key == uvk::proto::kJoinGroup ? 'J' : 'S';
  }
};

int api_of(char letter) {
  return letter == 'F' ? uvk::proto::kFindCoordinator : letter == 'J' ? uvk::proto::kJoinGroup : uvk::proto::kSyncGroup;
}

// A retriable case: inject `codes` on `api` (F, J or S); the brokers must see `expect`
// (see broker_sequence), then the group forms once and all six messages arrive.
// `backoff_after`: requests (index into the sequence) that must follow the previous
// one's answer by a retry backoff, not at once.
void retriable_case(char api, std::vector<int16_t> codes, const std::string &expect,
                    std::vector<size_t> backoff_after = {}) {
  Harness h;
  for (int16_t c : codes) h.cluster.inject_errors[api_of(api)].push_back(c);
  h.start_consumer();
  bool ok = h.run_until([&] { return h.joins >= 1 && h.delivered.size() >= 6; });
  INFO(h.all_logs());
  INFO("brokers saw: " << h.broker_sequence());
  REQUIRE(ok);
  CHECK(h.broker_sequence() == expect);
  // Every injected code was served, and the client saw each of those answers.
  CHECK(h.cluster.inject_errors[api_of(api)].empty());
  std::string letters;
  for (const FakeCluster::GroupRequest &r : h.cluster.group_requests) letters += Harness::letter(r.api_key);
  CHECK(h.client_sequence() == letters);
  for (size_t i : backoff_after) {
    REQUIRE(i > 0);
    REQUIRE(i < h.completed.size());
    const Completed &prev = h.completed[i - 1], &next = h.completed[i];
    // Queued only after the retry wait: at least the initial retry time less its 20 %
    // randomisation (a lower bound, timers never fire early), not immediately.
    CHECK(next.created_at - (prev.created_at + prev.duration) >= kInitialRetryMs * 8 / 10 - 1);
  }
  CHECK(h.joins == 1);
  CHECK(h.crashes.empty());
  std::vector<std::string> got = h.delivered;
  std::sort(got.begin(), got.end());
  CHECK(got == std::vector<std::string>({"a0", "a1", "a2", "b0", "b1", "b2"}));
  CHECK(std::string(uvk_consumer_member_id(h.consumer)) == "member-1");
  h.stop_consumer();
}

// A non-retriable case: the consumer reports `code` once (CRASH, restart 0, and the crash
// callback) and then sends no group request at all (watched over many retry times).
void fatal_case(char api, int16_t code, const std::string &expect) {
  Harness h;
  h.cluster.inject_errors[api_of(api)].push_back(code);
  h.start_consumer();
  bool ok = h.run_until([&] { return !h.crashes.empty(); });
  INFO(h.all_logs());
  INFO("brokers saw: " << h.broker_sequence());
  REQUIRE(ok);
  // No retry loop: once the crash is reported, nothing is left that could send a group
  // request later (the state a retry would need, read instead of watching a time window):
  // the consumer stopped, no group timer (retries, deferred work) nor heartbeat armed, no
  // group operation in flight.
  {
    uvk::Consumer *c = uvk::consumer_of(h.consumer);
    REQUIRE(c != nullptr);
    CHECK_FALSE(c->running);
    CHECK(c->state == uvk::kGroupStopped);
    CHECK_FALSE(uvk::engine_timer_pending(c->e, &c->group_timer));
    CHECK_FALSE(uvk::engine_timer_pending(c->e, &c->heartbeat_timer));
    CHECK_FALSE(c->heartbeat_in_flight);
    CHECK(c->pending == nullptr);
  }
  CHECK(h.broker_sequence() == expect);
  REQUIRE(h.crashes.size() == 1);
  CHECK(h.crashes[0].code == UVK_EKAFKA);
  CHECK(h.crashes[0].kafka == code);
  CHECK(h.crashes[0].restart == 0);
  CHECK(h.crash_cb_calls == 1);
  CHECK(h.crash_cb_kafka == code);
  CHECK(h.joins == 0);
  CHECK(h.delivered.empty());
}

}  // namespace

// ---- FindCoordinator: retried by the lookup itself after its backoff --------------------

TEST_CASE("group errors: COORDINATOR_NOT_AVAILABLE on FindCoordinator is retried", "[group_errors]") {
  retriable_case('F', {15}, "F!15 F J[] S[member-1]", {1});
}

TEST_CASE("group errors: COORDINATOR_LOAD_IN_PROGRESS on FindCoordinator is retried", "[group_errors]") {
  retriable_case('F', {14}, "F!14 F J[] S[member-1]", {1});
}

TEST_CASE("group errors: NOT_COORDINATOR on FindCoordinator is retried", "[group_errors]") {
  retriable_case('F', {16}, "F!16 F J[] S[member-1]", {1});
}

TEST_CASE("group errors: the three coordinator errors in a row on FindCoordinator", "[group_errors]") {
  retriable_case('F', {15, 14, 16}, "F!15 F!14 F!16 F J[] S[member-1]", {1, 2, 3});
}

// ---- JoinGroup ---------------------------------------------------------------------------

TEST_CASE("group errors: NOT_COORDINATOR on JoinGroup looks the coordinator up again", "[group_errors]") {
  retriable_case('J', {16}, "F J[]!16 F J[] S[member-1]", {2});
}

TEST_CASE("group errors: COORDINATOR_LOAD_IN_PROGRESS on JoinGroup rejoins after the backoff", "[group_errors]") {
  // Ours also drops the cached coordinator for this code (the three coordinator errors are
  // handled alike), so the rejoin goes through FindCoordinator.
  retriable_case('J', {14}, "F J[]!14 F J[] S[member-1]", {2});
}

TEST_CASE("group errors: REBALANCE_IN_PROGRESS on JoinGroup rejoins", "[group_errors]") {
  retriable_case('J', {27}, "F J[]!27 J[] S[member-1]");
}

TEST_CASE("group errors: MEMBER_ID_REQUIRED on JoinGroup rejoins with the id it carries", "[group_errors]") {
  retriable_case('J', {79}, "F J[]!79 J[member-1] S[member-1]");
}

TEST_CASE("group errors: UNKNOWN_MEMBER_ID on JoinGroup rejoins with an empty member id", "[group_errors]") {
  // MEMBER_ID_REQUIRED first, so the member holds an id the coordinator then disowns.
  retriable_case('J', {79, 25}, "F J[]!79 J[member-1]!25 J[] S[member-1]");
}

// ---- SyncGroup ---------------------------------------------------------------------------

TEST_CASE("group errors: REBALANCE_IN_PROGRESS on SyncGroup rejoins", "[group_errors]") {
  retriable_case('S', {27}, "F J[] S[member-1]!27 J[member-1] S[member-1]");
}

TEST_CASE("group errors: ILLEGAL_GENERATION on SyncGroup rejoins with the same member id", "[group_errors]") {
  retriable_case('S', {22}, "F J[] S[member-1]!22 J[member-1] S[member-1]");
}

TEST_CASE("group errors: UNKNOWN_MEMBER_ID on SyncGroup rejoins with an empty member id", "[group_errors]") {
  retriable_case('S', {25}, "F J[] S[member-1]!25 J[] S[member-1]");
}

TEST_CASE("group errors: NOT_COORDINATOR on SyncGroup looks the coordinator up again", "[group_errors]") {
  retriable_case('S', {16}, "F J[] S[member-1]!16 F J[member-1] S[member-1]", {3});
}

// ---- Non-retriable: reported with the Kafka code, no retry loop ---------------------------

TEST_CASE("group errors: GROUP_AUTHORIZATION_FAILED on FindCoordinator stops the consumer", "[group_errors]") {
  fatal_case('F', 30, "F!30");
}

TEST_CASE("group errors: GROUP_AUTHORIZATION_FAILED on JoinGroup stops the consumer", "[group_errors]") {
  fatal_case('J', 30, "F J[]!30");
}

TEST_CASE("group errors: INCONSISTENT_GROUP_PROTOCOL on JoinGroup stops the consumer", "[group_errors]") {
  fatal_case('J', 23, "F J[]!23");
}

// ---- the coordinator lost on the commit before a rejoin -----------------------------------

// Heartbeat answered REBALANCE_IN_PROGRESS: the consumer commits what it processed, then
// rejoins. The commit is refused with NOT_COORDINATOR (as when the coordinator dies right
// then), so the consumer forgets the coordinator; the rejoin must look it up again. It used
// to send JoinGroup to node -1, which the engine refused as invalid: a fatal crash.
TEST_CASE("group errors: NOT_COORDINATOR on the commit before a rejoin looks the coordinator up again", "[group_errors]") {
  Harness h;
  h.start_consumer(true);
  bool ok = h.run_until([&] { return h.joins >= 1 && h.delivered.size() >= 6; });
  INFO(h.all_logs());
  REQUIRE(ok);
  REQUIRE(h.broker_sequence() == "F J[] S[member-1]");
  h.cluster.inject_errors[uvk::proto::kOffsetCommit].push_back(16);  // NOT_COORDINATOR
  h.cluster.inject_errors[uvk::proto::kHeartbeat].push_back(27);     // REBALANCE_IN_PROGRESS
  ok = h.run_until([&] { return h.joins >= 2 || !h.crashes.empty(); });
  INFO("brokers saw: " << h.broker_sequence());
  REQUIRE(ok);
  CHECK(h.crashes.empty());
  CHECK(h.joins == 2);
  CHECK(h.cluster.inject_errors[uvk::proto::kHeartbeat].empty());
  CHECK(h.cluster.inject_errors[uvk::proto::kOffsetCommit].empty());
  // The second join went through a fresh FindCoordinator, with the member id it had.
  CHECK(h.broker_sequence() == "F J[] S[member-1] F J[member-1] S[member-1]");
  h.stop_consumer();
}

// ---- committed offsets still unstable when the group rebalances -------------------------

// OffsetFetch answered UNSTABLE_OFFSET_COMMIT (a transaction of the previous owner still
// commits offsets: KIP-447) is retried after a backoff on the group timer. The group
// rebalances meanwhile and the JoinGroup fails once (the coordinator loading, as when a
// broker died): the group's retry takes the group timer, so the OffsetFetch retry never
// comes. The new generation must still load its committed offsets and fetch; it used to
// find "an OffsetFetch in flight" left from the old generation and stall for good (the
// chaos soak: a pipeline partition never fetched again).
TEST_CASE("group errors: UNSTABLE_OFFSET_COMMIT, then a rebalance whose JoinGroup fails: the new generation fetches",
          "[group_errors]") {
  Harness h;
  h.cluster.inject_errors[uvk::proto::kOffsetFetch].assign(1000, 88);  // UNSTABLE_OFFSET_COMMIT
  h.start_consumer();
  uvk::Consumer *c = uvk::consumer_of(h.consumer);
  REQUIRE(c != nullptr);
  bool ok = h.run_until([&] { return h.joins >= 1 && h.b2.requests[uvk::proto::kOffsetFetch] >= 2; });
  INFO(h.all_logs());
  REQUIRE(ok);
  CHECK(h.delivered.empty());
  h.cluster.inject_errors[uvk::proto::kHeartbeat].push_back(27);  // REBALANCE_IN_PROGRESS
  h.cluster.inject_errors[uvk::proto::kJoinGroup].push_back(14);  // COORDINATOR_LOAD_IN_PROGRESS
  ok = h.run_until([&] { return h.joins >= 2 || !h.crashes.empty(); });
  INFO("brokers saw: " << h.broker_sequence());
  REQUIRE(ok);
  CHECK(h.crashes.empty());
  CHECK(h.cluster.inject_errors[uvk::proto::kJoinGroup].empty());
  h.cluster.inject_errors[uvk::proto::kOffsetFetch].clear();  // the transaction finished
  ok = h.run_until([&] { return h.delivered.size() >= 6; }, 5000);
  INFO("OffsetFetch requests: " << h.b2.requests[uvk::proto::kOffsetFetch]);
  CHECK(ok);
  std::vector<std::string> got = h.delivered;
  std::sort(got.begin(), got.end());
  CHECK(got == std::vector<std::string>({"a0", "a1", "a2", "b0", "b1", "b2"}));
  h.stop_consumer();
}

// ---- a custom assigner that fails ---------------------------------------------------------

namespace {

struct Assigner {
  int calls = 0;
  int fail_first = 0;   // this many calls return `code`
  int code = UVK_EINVAL;
};

int failing_assign(void *ud, const uvk_group_member *members, size_t n_members, const uvk_assign_topic *topics,
                   size_t n_topics, uvk_assignment_builder *out) {
  Assigner *a = static_cast<Assigner *>(ud);
  if (++a->calls <= a->fail_first) return a->code;
  std::vector<uvk_topic_partition> tps;
  for (size_t t = 0; t < n_topics; t++)
    for (int32_t p = 0; p < topics[t].n_partitions; p++) tps.push_back(uvk_topic_partition{topics[t].topic, p});
  for (size_t m = 0; m < n_members; m++)  // everything to the first member
    if (int rc = uvk_assignment_set_partitions(out, members[m].member_id, 0, m == 0 ? tps.data() : nullptr,
                                               m == 0 ? tps.size() : 0, nullptr, 0))
      return rc;
  return 0;
}

}  // namespace

TEST_CASE("custom assigner: a negative return (UVK_EINVAL) fails the join, which is retried", "[group_errors][assigner]") {
  Harness h;
  Assigner a;
  a.fail_first = 2;
  h.before_run = [&](uvk_consumer *c) { REQUIRE(uvk_consumer_add_assigner(c, "Failing", 0, nullptr, 0, failing_assign, &a) == 0); };
  h.start_consumer();
  bool ok = h.run_until([&] { return h.joins >= 1 && h.delivered.size() >= 6; });
  INFO(h.all_logs());
  INFO("brokers saw: " << h.broker_sequence());
  REQUIRE(ok);
  CHECK(a.calls == 3);
  CHECK(h.crashes.empty());  // retried within the retry policy: no CRASH at all
  CHECK(h.crash_cb_calls == 0);
  CHECK(h.logged("Custom assigner 'Failing' failed: UVK_EINVAL"));
  // Each failure starts the join over (the coordinator is cached): three joins, one SyncGroup.
  CHECK(h.broker_sequence() == "F J[] J[member-1] J[member-1] S[member-1]");
  h.stop_consumer();
}

TEST_CASE("custom assigner: one that always fails restarts the consumer (CRASH restart 1), never stops it",
          "[group_errors][assigner]") {
  Harness h;
  Assigner a;
  a.fail_first = 1000000;
  a.code = UVK_ENOTFOUND;  // any negative code, not only UVK_EINVAL
  h.before_run = [&](uvk_consumer *c) { REQUIRE(uvk_consumer_add_assigner(c, "Failing", 0, nullptr, 0, failing_assign, &a) == 0); };
  h.start_consumer();
  // retry.retries 5: the sixth failure exhausts them (a restart), then it goes on assigning.
  bool ok = h.run_until([&] { return !h.crashes.empty() && a.calls >= 8; });
  INFO(h.all_logs());
  REQUIRE(ok);
  for (const Crash &c : h.crashes) CHECK(c.restart == 1);
  CHECK(h.crashes[0].code == UVK_ERETRIES);
  CHECK(h.crash_cb_calls == 0);
  CHECK(uvk_consumer_is_running(h.consumer) == 1);
  CHECK(h.delivered.empty());
  h.stop_consumer();
}

// The chaos soak's stalled member (docs/reliability.md): its coordinator's broker went down
// with no group request in flight, and a Metadata answer taken meanwhile left it out of the
// broker list. Every heartbeat to the remembered node then failed inside engine_send (unknown
// node) and was dropped without a word: the member never heartbeat again nor saw a rebalance.
TEST_CASE("group errors: the coordinator's broker leaves the broker list while down: heartbeats find the new one",
          "[group_errors]") {
  ConsumerRig r;
  // Both seeds (the metadata refresh needs a live one); beats far enough apart that node 2 dies
  // between two of them and the refresh comes first.
  r.extra_config = {{"brokers", r.addr(r.b1) + "," + r.addr(r.b2)}, {"heartbeatInterval", "500"}};
  r.b2.log[1] = {"b0"};
  int answered = 0;  // heartbeats the client got an answer to
  r.before_run = [&](ConsumerRig *rig) {
    REQUIRE(uvk_consumer_on(rig->consumer, UVK_EVENT_HEARTBEAT,
                            [](void *ud, const uvk_event *) { ++*static_cast<int *>(ud); }, &answered) > 0);
  };
  r.start();
  // Every heartbeat node 2 got is answered: none in flight when it dies.
  REQUIRE(r.run_until([&] {
    return answered > 0 && answered == r.b2.requests[uvk::proto::kHeartbeat] && !r.seen1.empty();
  }));
  const int b1_beats = r.b1.requests[uvk::proto::kHeartbeat];
  // Node 2 dies: the group and partition 1 move to node 1, and Metadata names node 1 only.
  r.cluster.coordinator = 1;
  r.cluster.leaders = {1, 1};
  r.cluster.brokers.erase(std::remove(r.cluster.brokers.begin(), r.cluster.brokers.end(), &r.b2), r.cluster.brokers.end());
  fake_broker_stop(&r.b2);
  r.b1.log[1] = {"b0", "b1"};
  // The Fetch of partition 1 fails and refreshes the metadata; then the heartbeats must find node 1.
  bool ok = r.run_until([&] { return r.b1.requests[uvk::proto::kHeartbeat] > b1_beats; }, 15000);
  CHECK(ok);  // was: no heartbeat ever again (each one failed at once against the forgotten node 2)
  CHECK(r.run_until([&] { return r.seen1.size() >= 2; }));  // partition 1 read on at node 1
}
