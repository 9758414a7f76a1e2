// sendOffsets when a coordinator's broker goes down (the chaos soak's liveness finding,
// docs/reliability.md): a Metadata answer taken while the group coordinator's broker was down
// leaves it out of the broker list, and every later TxnOffsetCommit failed at once with
// UVK_ECONNECT (engine_send: unknown node) while the cached coordinator still named it, so a
// pipeline aborted every transaction. Here the scripted cluster takes a broker down (refused
// connections, left out of Metadata, FindCoordinator answering COORDINATOR_NOT_AVAILABLE for
// it), then moves its coordinators or brings it back; sendOffsets must wait, look the
// coordinator up again and succeed, within the transaction timeout.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "client/producer.h"
#include "engine/metadata.h"
// Before fake_cluster.h: its frame() names proto::encode, so these answers' encoders must be
// declared first.
#include "proto/gen/add_offsets_to_txn.h"
#include "proto/gen/add_partitions_to_txn.h"
#include "proto/gen/end_txn.h"
#include "proto/gen/txn_offset_commit.h"
#include "fake_cluster.h"

using namespace uvk;

namespace {

struct Done {
  int calls = 0;
  int err = 1;
  uint64_t at = 0;
};

// Three brokers; the transaction coordinator on node 1, group "g"'s on node 2. Requests of the
// transaction that reach a broker other than their coordinator are refused (NOT_COORDINATOR).
struct TxnRig {
  fake::Cluster c;
  Producer *p = nullptr;
  std::map<std::string, int64_t> committed;       // "topic/partition" -> offset, from TxnOffsetCommit
  std::vector<std::string> offset_commits;        // where each TxnOffsetCommit went ("b2:9092")
  int end_commits = 0, end_aborts = 0;
  std::vector<std::string> partitions_added;      // where each AddPartitionsToTxn was taken

  explicit TxnRig(int32_t txn_timeout_ms = 60000) {
    c.brokers.push_back(fake::Broker{1, "b1", 9092});
    c.brokers.push_back(fake::Broker{2, "b2", 9092});
    c.brokers.push_back(fake::Broker{3, "b3", 9092});
    c.topics["in"] = fake::topic({1});
    c.topics["out"] = fake::topic({2});
    c.coordinator_node = 1;
    c.group_coordinator_node = 2;
    c.extra_apis = {{proto::kAddPartitionsToTxn, 3}, {proto::kAddOffsetsToTxn, 3}, {proto::kTxnOffsetCommit, 4},
                    {proto::kEndTxn, 4}};
    c.other = [this](int16_t key, int32_t corr, int16_t version, Reader *body, std::vector<uint8_t> *resp) {
      return answer(key, corr, version, body, resp);
    };
    c.start(fake::Cluster::default_config(), {"b1:9092", "b2:9092", "b3:9092"});
    ProducerConfig pc;
    pc.transactional_id = "tx";
    pc.transaction_timeout_ms = txn_timeout_ms;
    p = producer_new(c.e, pc, nullptr);
    REQUIRE(p);
  }
  ~TxnRig() { producer_free(p); }

  std::string addr(int32_t node) const { return "b" + std::to_string(node) + ":9092"; }

  bool answer(int16_t key, int32_t corr, int16_t version, Reader *body, std::vector<uint8_t> *resp) {
    const std::string at = c.seen.back().addr;
    Arena a;
    if (key == proto::kAddOffsetsToTxn) {
      proto::AddOffsetsToTxnRequest req;
      REQUIRE(proto::decode(body, &a, &req, version) == 0);
      proto::AddOffsetsToTxnResponse r;
      r.error_code = at == addr(c.coordinator_node) ? 0 : 16;  // NOT_COORDINATOR
      *resp = fake::Cluster::frame(corr, key, version, r);
    } else if (key == proto::kTxnOffsetCommit) {
      proto::TxnOffsetCommitRequest req;
      REQUIRE(proto::decode(body, &a, &req, version) == 0);
      const bool here = at == addr(c.group_coordinator_node);
      offset_commits.push_back(at);
      using RT = proto::TxnOffsetCommitResponse::TxnOffsetCommitResponseTopic;
      using RP = proto::TxnOffsetCommitResponse::TxnOffsetCommitResponsePartition;
      std::vector<RT> ts(size_t(req.topics.count));
      std::vector<std::vector<RP>> ps(ts.size());
      for (size_t i = 0; i < ts.size(); i++) {
        const auto &t = req.topics.items[i];
        ts[i].name = t.name;
        for (int32_t j = 0; j < t.partitions.count; j++) {
          RP rp;
          rp.partition_index = t.partitions.items[j].partition_index;
          rp.error_code = here ? 0 : 16;
          ps[i].push_back(rp);
          if (here)
            committed[std::string(t.name.data, size_t(t.name.len)) + "/" + std::to_string(rp.partition_index)] =
                t.partitions.items[j].committed_offset;
        }
        ts[i].partitions.items = ps[i].data();
        ts[i].partitions.count = int32_t(ps[i].size());
      }
      proto::TxnOffsetCommitResponse r;
      r.topics.items = ts.data();
      r.topics.count = int32_t(ts.size());
      *resp = fake::Cluster::frame(corr, key, version, r);
    } else if (key == proto::kAddPartitionsToTxn) {
      proto::AddPartitionsToTxnRequest req;
      REQUIRE(proto::decode(body, &a, &req, version) == 0);
      const int16_t code = at == addr(c.coordinator_node) ? 0 : 16;
      if (code == 0) partitions_added.push_back(at);
      using RT = proto::AddPartitionsToTxnResponse::AddPartitionsToTxnTopicResult;
      using RP = proto::AddPartitionsToTxnResponse::AddPartitionsToTxnPartitionResult;
      std::vector<RT> ts(size_t(req.v3_and_below_topics.count));
      std::vector<std::vector<RP>> ps(ts.size());
      for (size_t i = 0; i < ts.size(); i++) {
        const auto &t = req.v3_and_below_topics.items[i];
        ts[i].name = t.name;
        for (int32_t j = 0; j < t.partitions.count; j++) ps[i].push_back(RP{t.partitions.items[j], code});
        ts[i].results_by_partition.items = ps[i].data();
        ts[i].results_by_partition.count = int32_t(ps[i].size());
      }
      proto::AddPartitionsToTxnResponse r;
      r.results_by_topic_v3_and_below.items = ts.data();
      r.results_by_topic_v3_and_below.count = int32_t(ts.size());
      *resp = fake::Cluster::frame(corr, key, version, r);
    } else if (key == proto::kEndTxn) {
      proto::EndTxnRequest req;
      REQUIRE(proto::decode(body, &a, &req, version) == 0);
      proto::EndTxnResponse r;
      r.error_code = at == addr(c.coordinator_node) ? 0 : 16;
      if (r.error_code == 0) (req.committed ? end_commits : end_aborts)++;
      *resp = fake::Cluster::frame(corr, key, version, r);
    } else {
      FAIL("unexpected api key " << key);
    }
    arena_free(&a);
    return true;
  }

  static void done_fn(void *ud, int err) {
    Done *d = static_cast<Done *>(ud);
    d->calls++;
    d->err = err;
  }

  Done send_offsets(int64_t offset, bool wait = true) {
    TxnOffset o{"in", 0, offset};
    Done d;
    pending = &d;
    REQUIRE(producer_send_offsets(p, "g", &o, 1, nullptr, [](void *ud, int err) {
      TxnRig *r = static_cast<TxnRig *>(ud);
      r->pending->calls++;
      r->pending->err = err;
      r->pending->at = r->c.now;
    }, this, c.now) == 0);
    if (wait) c.run_until([&] { return d.calls > 0; });
    pending = nullptr;
    return d;
  }
  Done *pending = nullptr;

  int end(bool commit) {
    Done d;
    REQUIRE((commit ? producer_commit_transaction : producer_abort_transaction)(p, done_fn, &d, c.now) == 0);
    c.run_until([&] { return d.calls > 0; });
    return d.err;
  }

  // One whole transaction whose offsets must land at the group coordinator.
  void transaction(int64_t offset) {
    REQUIRE(producer_begin_transaction(p) == 0);
    Done d = send_offsets(offset);
    REQUIRE(d.err == 0);
    REQUIRE(end(true) == 0);
    REQUIRE(committed["in/0"] == offset);
  }

  // The broker goes down: its connections drop, new ones are refused, and a Metadata answer
  // taken meanwhile leaves it out (asked for another topic, as any refresh would be).
  void take_down(int32_t node) {
    fake::Broker &b = c.brokers[size_t(node - 1)];
    b.refuse = -1;
    b.hidden = true;
    for (fake::Conn &k : c.conns)
      if (!k.closed && k.host == b.host && k.port == b.port) {
        k.closed = true;
        engine_on_conn_error(c.e, k.id, UVK_ECLOSED, c.now);
      }
    c.topics["other"] = fake::topic({3});
    const char *names[] = {"other"};
    Done md;
    REQUIRE(metadata_ensure(c.e, names, 1, [](void *ud, const uvk_error *) { static_cast<Done *>(ud)->calls++; },
                            &md, c.now) == 0);
    c.run_until([&] { return md.calls > 0; });
    REQUIRE_FALSE(engine_broker_known(c.e, node));
  }

  void bring_back(int32_t node) {
    fake::Broker &b = c.brokers[size_t(node - 1)];
    b.refuse = 0;
    b.hidden = false;
  }

  size_t find_coordinator_requests() const { return c.coordinator_keys.size(); }
};

}  // namespace

TEST_CASE("sendOffsets: the group coordinator left the broker list while down and the group moved",
          "[producer][txn]") {
  TxnRig r;
  r.transaction(10);
  r.take_down(2);
  r.c.group_coordinator_node = 3;  // __consumer_offsets' partition elected a leader on node 3
  REQUIRE(producer_begin_transaction(r.p) == 0);
  Done d = r.send_offsets(20);
  CHECK(d.err == 0);  // was UVK_ECONNECT at once: the cached coordinator named a node no longer known
  CHECK(r.offset_commits.back() == "b3:9092");
  CHECK(r.end(true) == 0);
  CHECK(r.committed["in/0"] == 20);
  CHECK(r.end_commits == 2);
  CHECK(r.end_aborts == 0);
}

TEST_CASE("sendOffsets: the group coordinator left the broker list while down, then comes back",
          "[producer][txn]") {
  TxnRig r;
  r.transaction(10);
  r.take_down(2);
  REQUIRE(producer_begin_transaction(r.p) == 0);
  Done d;
  r.pending = &d;
  TxnOffset o{"in", 0, 20};
  REQUIRE(producer_send_offsets(r.p, "g", &o, 1, nullptr, [](void *ud, int err) {
    TxnRig *x = static_cast<TxnRig *>(ud);
    x->pending->calls++;
    x->pending->err = err;
  }, &r, r.c.now) == 0);
  // While node 2 is down its coordinator is not available: the client asks, and asks again.
  const size_t before = r.find_coordinator_requests();
  r.c.run_until([&] { return d.calls > 0 || r.find_coordinator_requests() >= before + 3; });
  CHECK(d.calls == 0);  // was: failed at once with UVK_ECONNECT, no FindCoordinator asked
  r.bring_back(2);
  r.c.run_until([&] { return d.calls > 0; });
  CHECK(d.err == 0);
  CHECK(r.offset_commits.back() == "b2:9092");
  CHECK(r.end(true) == 0);
  CHECK(r.committed["in/0"] == 20);
  CHECK(r.end_aborts == 0);
}

TEST_CASE("sendOffsets: the group coordinator refuses connections past the retry count, within the "
          "transaction timeout", "[producer][txn]") {
  TxnRig r;
  r.transaction(10);
  // Node 2 restarts: still listed, it refuses the next 6 connections (1 + retry.retries 5
  // attempts of the retry policy alone), then accepts.
  for (fake::Conn &k : r.c.conns)
    if (!k.closed && k.host == "b2") {
      k.closed = true;
      engine_on_conn_error(r.c.e, k.id, UVK_ECLOSED, r.c.now);
    }
  r.c.brokers[1].refuse = 6;
  REQUIRE(producer_begin_transaction(r.p) == 0);
  Done d = r.send_offsets(20);
  CHECK(d.err == 0);  // was UVK_ECONNECT once the retry count was spent
  CHECK(r.c.brokers[1].refuse == 0);
  CHECK(r.offset_commits.back() == "b2:9092");
  CHECK(r.end(true) == 0);
  CHECK(r.committed["in/0"] == 20);
}

TEST_CASE("sendOffsets: a group coordinator that never comes back fails the call once the "
          "transaction timeout has passed", "[producer][txn]") {
  TxnRig r(20000);
  r.transaction(10);
  r.take_down(2);
  REQUIRE(producer_begin_transaction(r.p) == 0);
  const uint64_t start = r.c.now;
  const size_t before = r.find_coordinator_requests();
  Done d = r.send_offsets(20);
  CHECK(d.err != 0);
  // Looked up again and again, past one lookup's retries (1 + retry.retries 5 requests)...
  CHECK(r.find_coordinator_requests() > before + 6);
  // ... and no new attempt once the 20 s passed: the call ends within the lookup running then.
  CHECK(d.at >= start + 10000);
  CHECK(d.at < start + 2 * 20000);
  CHECK(r.end(false) == 0);  // the abort still goes through
  CHECK(r.end_aborts == 1);
  CHECK(r.committed["in/0"] == 10);
}

TEST_CASE("sendOffsets: the transaction coordinator left the broker list while down and moved",
          "[producer][txn]") {
  TxnRig r;
  r.transaction(10);
  r.take_down(1);
  r.c.coordinator_node = 3;  // __transaction_state's partition moved to node 3
  REQUIRE(producer_begin_transaction(r.p) == 0);
  Done d = r.send_offsets(20);
  CHECK(d.err == 0);  // AddOffsetsToTxn went to the forgotten node 1: UVK_ECONNECT at once
  CHECK(r.end(true) == 0);
  CHECK(r.committed["in/0"] == 20);
  CHECK(r.end_commits == 2);
}

TEST_CASE("a transaction's record, offsets and commit: the transaction coordinator left the broker "
          "list while down and moved", "[producer][txn]") {
  TxnRig r;
  r.transaction(10);
  r.take_down(1);
  r.c.coordinator_node = 3;
  REQUIRE(producer_begin_transaction(r.p) == 0);
  const char *names[] = {"out"};
  Done md;
  REQUIRE(metadata_ensure(r.c.e, names, 1, [](void *ud, const uvk_error *) { static_cast<Done *>(ud)->calls++; },
                          &md, r.c.now) == 0);
  r.c.run_until([&] { return md.calls > 0; });
  uvk_message m{nullptr, 0, "v", 1, 0, -1, nullptr, 0};
  uvk_topic_messages tm{"out", &m, 1};
  uvk_send_options o;
  uvk_send_options_init(&o);
  Done sent;
  REQUIRE(producer_send(r.p, &tm, 1, o, [](void *ud, const uvk_error *err, const uvk_record_metadata *, size_t) {
    Done *x = static_cast<Done *>(ud);
    x->calls++;
    x->err = err ? uvk_error_code(err) : 0;
  }, &sent, r.c.now) == 0);
  r.c.run_until([&] { return sent.calls > 0; });
  CHECK(sent.err == 0);  // AddPartitionsToTxn found the new coordinator
  REQUIRE(!r.partitions_added.empty());
  CHECK(r.partitions_added.back() == "b3:9092");
  Done d = r.send_offsets(20);
  CHECK(d.err == 0);
  CHECK(r.end(true) == 0);  // EndTxn at node 3
  CHECK(r.end_commits == 2);
  CHECK(r.committed["in/0"] == 20);
  CHECK(r.c.topics["out"].log[0] == std::vector<std::string>{"v"});
}
