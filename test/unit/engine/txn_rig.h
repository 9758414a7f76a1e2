// The scripted cluster of the transaction tests (producer_txn_coordinator_test.cc,
// producer_txn_deadline_test.cc): three brokers, the transaction coordinator on node 1 and
// group "g"'s on node 2, answering AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and
// EndTxn; a test can make a coordinator answer an error, hold answers back, or take a broker down.
#pragma once
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>
#include <utility>
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

namespace txn_rig {

using namespace uvk;

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
  // api key -> (error code its coordinator answers, how many more times; -1: always)
  std::map<int16_t, std::pair<int16_t, int>> inject;
  std::set<int16_t> hold;                          // api keys whose answers wait in `held`
  std::set<std::string> hold_only_at;              // when not empty: `hold` holds these brokers' answers only
  std::vector<std::pair<std::string, std::vector<uint8_t>>> held;  // (broker address, answer)

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

  // The error the coordinator answers `key` with this time (0: none).
  int16_t injected(int16_t key) {
    auto it = inject.find(key);
    if (it == inject.end() || it->second.second == 0) return 0;
    if (it->second.second > 0) it->second.second--;
    return it->second.first;
  }

  bool answer(int16_t key, int32_t corr, int16_t version, Reader *body, std::vector<uint8_t> *resp) {
    const std::string at = c.seen.back().addr;
    const int16_t forced = injected(key);
    Arena a;
    if (key == proto::kAddOffsetsToTxn) {
      proto::AddOffsetsToTxnRequest req;
      REQUIRE(proto::decode(body, &a, &req, version) == 0);
      proto::AddOffsetsToTxnResponse r;
      r.error_code = at == addr(c.coordinator_node) ? forced : 16;  // NOT_COORDINATOR
      *resp = fake::Cluster::frame(corr, key, version, r);
    } else if (key == proto::kTxnOffsetCommit) {
      proto::TxnOffsetCommitRequest req;
      REQUIRE(proto::decode(body, &a, &req, version) == 0);
      const bool here = at == addr(c.group_coordinator_node) && forced == 0;
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
          rp.error_code = here ? 0 : forced ? forced : 16;
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
      const int16_t code = at == addr(c.coordinator_node) ? forced : 16;
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
      r.error_code = at == addr(c.coordinator_node) ? forced : 16;
      if (r.error_code == 0) (req.committed ? end_commits : end_aborts)++;
      *resp = fake::Cluster::frame(corr, key, version, r);
    } else {
      FAIL("unexpected api key " << key);
    }
    arena_free(&a);
    if (hold.count(key) && (hold_only_at.empty() || hold_only_at.count(at))) {  // processed, but the answer is late
      held.emplace_back(at, std::move(*resp));
      return false;
    }
    return true;
  }

  // Delivers the held answers now, on the connections they were asked on.
  void release_held() {
    std::vector<std::pair<std::string, std::vector<uint8_t>>> late;
    late.swap(held);
    for (auto &h : late) {
      const fake::Conn *k = nullptr;
      for (const fake::Conn &x : c.conns)
        if (!x.closed && x.open && x.host + ":" + std::to_string(x.port) == h.first) k = &x;
      REQUIRE(k);
      engine_on_read(c.e, k->id, h.second.data(), h.second.size(), c.now);
    }
    c.pump();
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

  void send_offsets_async(int64_t offset, Done *d) {
    TxnOffset o{"in", 0, offset};
    pending = d;
    REQUIRE(producer_send_offsets(p, "g", &o, 1, nullptr, [](void *ud, int err) {
      TxnRig *r = static_cast<TxnRig *>(ud);
      r->pending->calls++;
      r->pending->err = err;
      r->pending->at = r->c.now;
    }, this, c.now) == 0);
  }

  Done *pending_end = nullptr;
  void end_async(bool commit, Done *d) {
    pending_end = d;
    REQUIRE((commit ? producer_commit_transaction : producer_abort_transaction)(p, [](void *ud, int err) {
      TxnRig *r = static_cast<TxnRig *>(ud);
      r->pending_end->calls++;
      r->pending_end->err = err;
      r->pending_end->at = r->c.now;
    }, this, c.now) == 0);
  }

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

}  // namespace txn_rig
