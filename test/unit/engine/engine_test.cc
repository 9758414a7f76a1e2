// The engine against a scripted cluster with a fake clock (fake_cluster.h): reconnect
// backoff, metadata cache and refresh, coordinator lookup, idle close and the events the
// engine reports.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/coordinator.h"
#include "engine/kafka_errors.h"
#include "engine/metadata.h"
#include "fake_cluster.h"

using namespace uvk;

namespace {

struct FetchResult {
  int calls = 0;
  int code = 1;
  int cause = 0;  // the cause's code when the retries ran out
};

void record(FetchResult *r, const uvk_error *err) {
  r->calls++;
  r->code = err ? uvk_error_code(err) : 0;
  const uvk_error *cause = err ? uvk_error_cause(err) : nullptr;
  r->cause = cause ? uvk_error_code(cause) : 0;
}

void on_fetch(void *ud, const uvk_error *err, MetadataSnapshot *snap) {
  record(static_cast<FetchResult *>(ud), err);
  if (snap) {
    metadata_snapshot_free(snap);
    mem_free(nullptr, snap);
  }
}

void on_ensure(void *ud, const uvk_error *err) { record(static_cast<FetchResult *>(ud), err); }

struct CoordResult {
  int calls = 0;
  int code = 1;
  int32_t node = -2;
};

void on_coordinator(void *ud, const uvk_error *err, int32_t node) {
  CoordResult *r = static_cast<CoordResult *>(ud);
  r->calls++;
  r->code = err ? uvk_error_code(err) : 0;
  r->node = node;
}

void two_brokers(fake::Cluster &c) {
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  c.brokers.push_back(fake::Broker{2, "b2", 9092});
}

}  // namespace

TEST_CASE("engine: each attempt on a failing address waits for its backoff, which grows",
          "[engine]") {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "a", 1, -1});
  c.brokers.push_back(fake::Broker{2, "b", 2, -1});
  EngineConfig cfg = fake::Cluster::default_config();
  cfg.retry.retries = 6;
  c.start(cfg, {"a:1", "b:2"});
  FetchResult r;
  REQUIRE(metadata_fetch(c.e, nullptr, -1, on_fetch, &r, c.now) == 0);
  c.run_until([&] { return r.calls > 0; });
  CHECK(r.code == UVK_ERETRIES);
  REQUIRE(c.attempts.size() == 7);  // the first try and six retries
  // Seeds alternate while both back off; every attempt starts at or after its backoff end.
  for (const fake::Attempt &a : c.attempts) CHECK(a.at >= a.retry_at);
  for (size_t i = 1; i < c.attempts.size(); i++) CHECK(c.attempts[i].addr != c.attempts[i - 1].addr);
  const AddrHealth *ha = engine_addr_health(c.e, "a", 1);
  const AddrHealth *hb = engine_addr_health(c.e, "b", 2);
  REQUIRE(ha);
  REQUIRE(hb);
  CHECK(ha->failures == 4);
  CHECK(hb->failures == 3);
  // The fourth wait of a: the schedule multiplies by 2 (randomised by +-20%) each time, up
  // to maxRetryTime; after three failures it is well above the first wait's range.
  CHECK(ha->wait > 360);
  CHECK(ha->wait <= cfg.retry.max_retry_time);
}

TEST_CASE("engine: a request to an address in backoff waits, then connects", "[engine]") {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "a", 1, 1});  // refuses once
  EngineConfig cfg = fake::Cluster::default_config();
  cfg.retry.retries = 0;
  c.start(cfg, {"a:1"});
  FetchResult first;
  REQUIRE(metadata_fetch(c.e, nullptr, -1, on_fetch, &first, c.now) == 0);
  c.run_until([&] { return first.calls > 0; });
  CHECK(first.code == UVK_ERETRIES);  // retries 0: the first retriable failure ends it
  CHECK(first.cause == UVK_ECONNECT);
  const AddrHealth *h = engine_addr_health(c.e, "a", 1);
  REQUIRE(h);
  REQUIRE(h->failures == 1);
  uint64_t backoff_end = h->retry_at;
  CHECK(backoff_end >= c.now + 240);  // initialRetryTime 300, factor 0.2
  CHECK(backoff_end <= c.now + 360);

  c.advance(10);
  FetchResult second;
  REQUIRE(metadata_fetch(c.e, nullptr, -1, on_fetch, &second, c.now) == 0);
  c.pump();
  CHECK(c.attempts.size() == 1);  // no socket yet: the request waits in the connection
  c.run_until([&] { return second.calls > 0; });
  CHECK(second.code == 0);
  REQUIRE(c.attempts.size() == 2);
  CHECK(c.attempts[1].at == backoff_end);
  CHECK(engine_addr_health(c.e, "a", 1)->failures == 0);  // ready: forgiven
}

TEST_CASE("engine: metadata cache, leader lookup, refresh after NOT_LEADER", "[engine]") {
  fake::Cluster c;
  two_brokers(c);
  c.topics["t"] = fake::topic({1, 2});
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  const char *topics[] = {"t"};
  FetchResult r1;
  REQUIRE(metadata_ensure(c.e, topics, 1, on_ensure, &r1, c.now) == 0);
  CHECK(r1.calls == 0);
  c.run_until([&] { return r1.calls > 0; });
  REQUIRE(r1.code == 0);
  int32_t leader = -1;
  REQUIRE(engine_leader(c.e, "t", 0, &leader) == 0);
  CHECK(leader == 1);
  REQUIRE(engine_leader(c.e, "t", 1, &leader) == 0);
  CHECK(leader == 2);
  CHECK(engine_leader(c.e, "t", 2, &leader) == UVK_ENOTFOUND);
  CHECK(engine_leader(c.e, "other", 0, &leader) == UVK_ENOTFOUND);
  int metadata_requests = c.requests[proto::kMetadata];
  CHECK(metadata_requests == 1);

  // Fresh: a second ensure answers from the cache (still on a later turn).
  FetchResult r2;
  REQUIRE(metadata_ensure(c.e, topics, 1, on_ensure, &r2, c.now) == 0);
  CHECK(r2.calls == 0);
  c.run_until([&] { return r2.calls > 0; });
  CHECK(r2.code == 0);
  CHECK(c.requests[proto::kMetadata] == metadata_requests);

  // The leader moves; a produce to broker 1 would get NOT_LEADER_OR_FOLLOWER.
  c.topics["t"].leaders = {2, 2};
  CHECK_FALSE(metadata_cache_on_error(&c.e->mcache, "t", 0));   // no error: nothing stale
  CHECK_FALSE(metadata_cache_on_error(&c.e->mcache, "t", 87));  // INVALID_RECORD: not metadata
  CHECK(metadata_cache_on_error(&c.e->mcache, "t", 6));
  FetchResult r3;
  REQUIRE(metadata_ensure(c.e, topics, 1, on_ensure, &r3, c.now) == 0);
  c.run_until([&] { return r3.calls > 0; });
  CHECK(r3.code == 0);
  CHECK(c.requests[proto::kMetadata] == metadata_requests + 1);
  REQUIRE(engine_leader(c.e, "t", 0, &leader) == 0);
  CHECK(leader == 2);
}

TEST_CASE("engine: cached metadata is refreshed after metadataMaxAge", "[engine]") {
  fake::Cluster c;
  two_brokers(c);
  c.topics["t"] = fake::topic({1});
  EngineConfig cfg = fake::Cluster::default_config();
  cfg.metadata_max_age_ms = 5000;
  c.start(cfg, {"b1:9092"});
  const char *topics[] = {"t"};
  FetchResult r1, r2, r3;
  REQUIRE(metadata_ensure(c.e, topics, 1, on_ensure, &r1, c.now) == 0);
  c.run_until([&] { return r1.calls > 0; });
  c.advance(4999);
  REQUIRE(metadata_ensure(c.e, topics, 1, on_ensure, &r2, c.now) == 0);
  c.run_until([&] { return r2.calls > 0; });
  CHECK(c.requests[proto::kMetadata] == 1);
  c.advance(1);
  REQUIRE(metadata_ensure(c.e, topics, 1, on_ensure, &r3, c.now) == 0);
  c.run_until([&] { return r3.calls > 0; });
  CHECK(r3.code == 0);
  CHECK(c.requests[proto::kMetadata] == 2);
}

TEST_CASE("engine: a topic being created is asked for until it has leaders", "[engine]") {
  fake::Cluster c;
  two_brokers(c);
  c.topics["new"] = fake::topic({2, 1, 2}, 0, 2);  // LEADER_NOT_AVAILABLE twice
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  const char *topics[] = {"new"};
  FetchResult r;
  REQUIRE(metadata_ensure(c.e, topics, 1, on_ensure, &r, c.now) == 0);
  c.run_until([&] { return r.calls > 0; });
  CHECK(r.code == 0);
  CHECK(c.requests[proto::kMetadata] == 3);
  int32_t leader = -1;
  REQUIRE(engine_leader(c.e, "new", 2, &leader) == 0);
  CHECK(leader == 2);
}

TEST_CASE("engine: a topic error that cannot heal fails metadata_ensure", "[engine]") {
  fake::Cluster c;
  two_brokers(c);
  c.topics["secret"] = fake::topic({}, 29);  // TOPIC_AUTHORIZATION_FAILED
  EngineConfig cfg = fake::Cluster::default_config();
  cfg.allow_auto_topic_creation = false;
  c.start(cfg, {"b1:9092"});
  const char *topics[] = {"secret"};
  FetchResult r;
  REQUIRE(metadata_ensure(c.e, topics, 1, on_ensure, &r, c.now) == 0);
  c.run_until([&] { return r.calls > 0; });
  CHECK(r.code == UVK_ERR_KAFKA(29));
  CHECK(c.requests[proto::kMetadata] == 1);

  // UNKNOWN_TOPIC_OR_PARTITION is retriable (the topic may be on its way); when the retries
  // run out it is the cause.
  const char *missing[] = {"missing"};
  FetchResult m;
  REQUIRE(metadata_ensure(c.e, missing, 1, on_ensure, &m, c.now) == 0);
  c.run_until([&] { return m.calls > 0; });
  CHECK(m.code == UVK_ERETRIES);
  CHECK(m.cause == UVK_ERR_KAFKA(3));
  CHECK(c.requests[proto::kMetadata] == 2 + cfg.retry.retries);
}

TEST_CASE("engine: coordinator lookups of one turn share one FindCoordinator request",
          "[engine]") {
  fake::Cluster c;
  two_brokers(c);
  c.coordinator_node = 2;
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  CoordResult g1, g2, g3;
  REQUIRE(coordinator_find(c.e, kCoordinatorGroup, "g1", on_coordinator, &g1, c.now) == 0);
  REQUIRE(coordinator_find(c.e, kCoordinatorGroup, "g2", on_coordinator, &g2, c.now) == 0);
  REQUIRE(coordinator_find(c.e, kCoordinatorGroup, "g1", on_coordinator, &g3, c.now) == 0);
  c.run_until([&] { return g1.calls && g2.calls && g3.calls; });
  CHECK(g1.code == 0);
  CHECK(g2.code == 0);
  CHECK(g3.code == 0);
  CHECK(g1.node == 2);
  CHECK(g2.node == 2);
  REQUIRE(c.coordinator_keys.size() == 1);
  CHECK(c.coordinator_keys[0].size() == 2);  // g1 asked once
  CHECK(coordinator_cached(c.e, kCoordinatorGroup, "g1") == 2);

  // Cached: answered without a request, on a later turn.
  CoordResult again;
  REQUIRE(coordinator_find(c.e, kCoordinatorGroup, "g2", on_coordinator, &again, c.now) == 0);
  CHECK(again.calls == 0);
  c.run_until([&] { return again.calls > 0; });
  CHECK(again.node == 2);
  CHECK(c.coordinator_keys.size() == 1);
  // Invalidated (NOT_COORDINATOR seen): asked again.
  coordinator_invalidate(c.e, kCoordinatorGroup, "g2");
  CoordResult fresh;
  REQUIRE(coordinator_find(c.e, kCoordinatorGroup, "g2", on_coordinator, &fresh, c.now) == 0);
  c.run_until([&] { return fresh.calls > 0; });
  CHECK(fresh.node == 2);
  CHECK(c.coordinator_keys.size() == 2);
}

TEST_CASE("engine: a broker without FindCoordinator v4 gets one request per key", "[engine]") {
  fake::Cluster c;
  two_brokers(c);
  c.find_coordinator_max = 3;
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  CoordResult a, b;
  REQUIRE(coordinator_find(c.e, kCoordinatorGroup, "ga", on_coordinator, &a, c.now) == 0);
  REQUIRE(coordinator_find(c.e, kCoordinatorTransaction, "tx", on_coordinator, &b, c.now) == 0);
  c.run_until([&] { return a.calls && b.calls; });
  CHECK(a.code == 0);
  CHECK(b.code == 0);
  CHECK(a.node == 1);
  REQUIRE(c.coordinator_keys.size() == 2);
  CHECK(c.coordinator_keys[0].size() == 1);
  CHECK(c.coordinator_keys[1].size() == 1);
}

TEST_CASE("engine: COORDINATOR_NOT_AVAILABLE is retried", "[engine]") {
  fake::Cluster c;
  two_brokers(c);
  c.coordinator_errors = 2;
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  CoordResult r;
  REQUIRE(coordinator_find(c.e, kCoordinatorGroup, "g", on_coordinator, &r, c.now) == 0);
  c.run_until([&] { return r.calls > 0; });
  CHECK(r.code == 0);
  CHECK(r.node == 1);
  CHECK(c.coordinator_keys.size() == 3);
}

TEST_CASE("engine: coordinator_cancel withdraws a lookup, between retries or with its request out",
          "[engine]") {
  fake::Cluster c;
  two_brokers(c);
  c.coordinator_errors = 1000;  // COORDINATOR_NOT_AVAILABLE: the lookup waits and asks again
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  CoordResult waiting, other;
  REQUIRE(coordinator_find(c.e, kCoordinatorGroup, "g", on_coordinator, &waiting, c.now) == 0);
  c.run_until([&] { return c.coordinator_keys.size() == 2; });  // between its first retries
  CHECK(coordinator_cancel(c.e, on_coordinator, &waiting));
  CHECK_FALSE(coordinator_cancel(c.e, on_coordinator, &waiting));  // gone
  CHECK_FALSE(coordinator_cancel(c.e, on_coordinator, &other));    // never asked
  c.advance(60000);
  CHECK(waiting.calls == 0);
  CHECK(c.coordinator_keys.size() == 2);  // no new attempt

  // Its request out (a broker that never answers): cancelled now, the request's timeout later
  // ends the lookup without a call and without a retry.
  c.brokers[0].silent = true;
  c.brokers[1].silent = true;
  CoordResult out;
  REQUIRE(coordinator_find(c.e, kCoordinatorGroup, "g", on_coordinator, &out, c.now) == 0);
  const int before = c.requests[proto::kFindCoordinator];
  c.run_until([&] { return c.requests[proto::kFindCoordinator] == before + 1; });
  CHECK(coordinator_cancel(c.e, on_coordinator, &out));
  c.advance(120000);
  CHECK(out.calls == 0);
  CHECK(c.requests[proto::kFindCoordinator] == before + 1);
}

TEST_CASE("engine: idle connections close; events report connect, request, disconnect",
          "[engine]") {
  fake::Cluster c;
  two_brokers(c);
  EngineConfig cfg = fake::Cluster::default_config();
  cfg.connections_max_idle_ms = 1000;
  c.start(cfg, {"b1:9092"});
  FetchResult r;
  uint64_t t0 = c.now;
  REQUIRE(metadata_fetch(c.e, nullptr, -1, on_fetch, &r, c.now) == 0);
  c.run_until([&] { return r.calls > 0; });
  REQUIRE(r.code == 0);
  CHECK(c.count(kEngineEventConnect) == 1);
  REQUIRE(c.count(kEngineEventRequest) == 2);  // ApiVersions, Metadata
  for (const EngineEvent &ev : c.events)
    if (ev.kind == kEngineEventRequest) {
      CHECK(ev.size > 8);
      CHECK(std::string(ev.conn->label) == "b1:9092");
    }
  CHECK(c.count(kEngineEventDisconnect) == 0);
  c.advance(999);
  CHECK(c.count(kEngineEventDisconnect) == 0);
  c.advance(1);
  CHECK(c.count(kEngineEventDisconnect) == 1);
  REQUIRE(c.conns.size() == 1);
  CHECK(c.conns[0].closed);
  CHECK(c.now == t0 + 1000);
  CHECK(engine_idle(c.e));
}

TEST_CASE("engine: request_timeout and request_queue_size events", "[engine]") {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092, 0, true});  // never answers
  EngineConfig cfg = fake::Cluster::default_config();
  cfg.conn.request_timeout_ms = 500;
  cfg.retry.retries = 0;
  c.start(cfg, {"b1:9092"});
  FetchResult r;
  REQUIRE(metadata_fetch(c.e, nullptr, -1, on_fetch, &r, c.now) == 0);
  c.run_until([&] { return r.calls > 0; });
  CHECK(r.code == UVK_ERETRIES);
  CHECK(r.cause == UVK_ETIMEDOUT);
  // ApiVersions went unanswered: it timed out; Metadata waited in the queue behind it.
  CHECK(c.count(kEngineEventRequestTimeout) >= 1);
  REQUIRE_FALSE(c.queue_sizes.empty());
  CHECK(c.queue_sizes.front() == 1);
  CHECK(c.queue_sizes.back() == 0);
  CHECK(c.count(kEngineEventConnect) == 0);
  CHECK(c.count(kEngineEventDisconnect) == 0);  // never ready: a failed attempt instead
  CHECK(engine_addr_health(c.e, "b1", 9092)->failures == 1);
}

namespace {

struct OwnedReq {
  Request req;
  std::vector<int> *order;  // ids of completed requests, in completion order
  int id = 0;
  int cancelled = 0;
  int err = 1;
};

int encode_all_topics(void *, Buf *out, int16_t version) {
  proto::MetadataRequest m;
  m.topics.items = nullptr;  // null: every topic
  m.topics.count = -1;
  m.allow_auto_topic_creation = false;
  return proto::encode(out, m, version);
}

void owned_done(void *ud, int err, int16_t, Reader *, const Request *) {
  OwnedReq *o = static_cast<OwnedReq *>(ud);
  o->err = err;
  o->order->push_back(o->id);
}

}  // namespace

TEST_CASE("engine: engine_cancel_owner detaches one owner's requests; their answers still come in order",
          "[engine]") {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "a", 1});
  c.start(fake::Cluster::default_config(), {"a:1"});
  int owner_a = 0, owner_b = 0;
  std::vector<int> order;
  OwnedReq reqs[3];
  const void *owners[3] = {&owner_a, &owner_b, &owner_a};
  for (int i = 0; i < 3; i++) {
    reqs[i].order = &order;
    reqs[i].id = i;
    reqs[i].req.api_key = 3;  // Metadata
    reqs[i].req.min_version = 1;
    reqs[i].req.max_version = 12;
    reqs[i].req.encode = encode_all_topics;
    reqs[i].req.done = owned_done;
    reqs[i].req.ud = &reqs[i];
    reqs[i].req.owner = owners[i];
    REQUIRE(engine_send(c.e, -1, &reqs[i].req, c.now) == 0);
  }
  engine_cancel_owner(c.e, &owner_a, [](Request *r) { static_cast<OwnedReq *>(r->ud)->cancelled++; });
  CHECK(reqs[0].cancelled == 1);
  CHECK(reqs[1].cancelled == 0);
  CHECK(reqs[2].cancelled == 1);
  CHECK(reqs[0].req.owner == nullptr);
  CHECK(reqs[1].req.owner == &owner_b);
  CHECK(order.empty());  // nothing completes inside the call
  engine_cancel_owner(c.e, &owner_a, [](Request *r) { static_cast<OwnedReq *>(r->ud)->cancelled++; });
  CHECK(reqs[0].cancelled == 1);  // once only: the owner was cleared
  c.run_until([&] { return order.size() == 3; });
  CHECK(order == std::vector<int>{0, 1, 2});
  for (const OwnedReq &o : reqs) CHECK(o.err == 0);
}

TEST_CASE("engine: a timer callback that re-arms or cancels another timer due in the same turn", "[engine][timer]") {
  fake::Cluster c;
  two_brokers(c);
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  struct Log {
    Engine *e;
    EngineTimer a, b, later;
    std::vector<std::string> fired;
    bool cancel_b = false;
  } log;
  log.e = c.e;
  auto fire_b = [](void *ud, uint64_t) { static_cast<Log *>(ud)->fired.push_back("b"); };
  auto fire_later = [](void *ud, uint64_t) { static_cast<Log *>(ud)->fired.push_back("later"); };
  auto fire_a = [](void *ud, uint64_t now) {
    Log *l = static_cast<Log *>(ud);
    l->fired.push_back("a");
    // b is due in this turn too; a moves it 50 ms on (or cancels it).
    if (l->cancel_b) {
      engine_cancel_timer(l->e, &l->b);
      CHECK_FALSE(engine_timer_pending(l->e, &l->b));
    } else {
      engine_add_timer(l->e, &l->b, now + 50, [](void *u, uint64_t) { static_cast<Log *>(u)->fired.push_back("b"); }, l);
    }
  };
  log.cancel_b = GENERATE(false, true);
  uint64_t t0 = c.now;
  // Added in this order, the due list holds a first: its callback runs while b waits.
  engine_add_timer(c.e, &log.later, t0 + 1000, fire_later, &log);
  engine_add_timer(c.e, &log.a, t0 + 10, fire_a, &log);
  engine_add_timer(c.e, &log.b, t0 + 10, fire_b, &log);
  c.advance(10);
  CHECK(log.fired == std::vector<std::string>{"a"});  // neither b (moved or cancelled) nor later
  CHECK(engine_timer_pending(c.e, &log.later));
  CHECK(engine_timer_pending(c.e, &log.b) == !log.cancel_b);
  c.advance(50);
  if (log.cancel_b) CHECK(log.fired == std::vector<std::string>{"a"});
  else CHECK(log.fired == std::vector<std::string>{"a", "b"});
  c.advance(1000);
  CHECK(log.fired.back() == "later");
  CHECK(std::count(log.fired.begin(), log.fired.end(), "later") == 1);
  engine_cancel_timer(c.e, &log.b);
}

TEST_CASE("engine: a request for any broker goes to the ready connection with the fewest requests in flight",
          "[engine]") {
  std::vector<int> order;
  OwnedReq first, stuck;  // outlive the cluster: its engine ends `stuck` when it is freed
  fake::Cluster c;
  two_brokers(c);
  c.coordinator_node = 2;
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  FetchResult md;
  REQUIRE(metadata_fetch(c.e, nullptr, -1, on_fetch, &md, c.now) == 0);
  c.run_until([&] { return md.calls > 0; });
  REQUIRE(md.code == 0);
  for (OwnedReq *o : {&first, &stuck}) {
    o->order = &order;
    o->req.api_key = proto::kMetadata;
    o->req.min_version = 1;
    o->req.max_version = 12;
    o->req.encode = encode_all_topics;
    o->req.done = owned_done;
    o->req.ud = o;
  }
  // b2's connection is ready (and the newest), then b2 stops answering: a request waits there.
  REQUIRE(engine_send(c.e, 2, &first.req, c.now) == 0);
  c.run_until([&] { return order.size() == 1; });
  c.brokers[1].silent = true;
  REQUIRE(engine_send(c.e, 2, &stuck.req, c.now) == 0);
  c.pump();
  const size_t seen = c.seen.size();
  CoordResult g;
  REQUIRE(coordinator_find(c.e, kCoordinatorGroup, "g", on_coordinator, &g, c.now) == 0);
  c.run_until([&] { return g.calls > 0; });
  CHECK(g.code == 0);  // was: asked of the silent b2, it waited for the request timeout
  CHECK(g.node == 2);
  REQUIRE(c.seen.size() > seen);
  for (size_t i = seen; i < c.seen.size(); i++)
    if (c.seen[i].api_key == proto::kFindCoordinator) CHECK(c.seen[i].addr == "b1:9092");
}
