// Transactions against the real broker: the protocol the broker's finalized feature
// transaction.version asks for (KIP-890's transactions v2 on Kafka 4.x, v1 on 3.9), the
// epoch bump after every transaction (seen on the broker with DescribeProducers), and
// KIP-1050's error classes as the C ABI reports them. Runs in 'integration' (Kafka 4.4) and
// 'compat' (Kafka 3.9). Every wait ends on a callback (uv_stop).
#include <catch2/catch.hpp>

#include "proto/gen/api_versions.h"
#include "proto/gen/describe_producers.h"
#include "raw_rig.h"

namespace {

// The broker's finalized transaction.version, asked with an ApiVersions of our own (not the
// connection's: the client's reading of it is what is under test).
int broker_transaction_version(Rig &rig) {
  int level = 0;
  Raw raw;
  uvk::Arena arena;
  raw.encode = [](uvk::Buf *out, int16_t v) {
    uvk::proto::ApiVersionsRequest req;
    req.client_software_name = uvk::proto::cstr("uvk-test");
    req.client_software_version = uvk::proto::cstr("1");
    return uvk::proto::encode(out, req, v);
  };
  raw.decode = [&](uvk::Reader *body, int16_t v) {
    uvk::proto::ApiVersionsResponse resp;
    int rc = uvk::proto::decode(body, &arena, &resp, v);
    for (int32_t i = 0; rc == 0 && i < resp.finalized_features.count; i++)
      if (std::string(resp.finalized_features.items[i].name.data, size_t(resp.finalized_features.items[i].name.len)) ==
          "transaction.version")
        level = resp.finalized_features.items[i].max_version_level;
    return rc;
  };
  raw_send(rig, -1, uvk::proto::kApiVersions, 3, 3, &raw);
  uvk::arena_free(&arena);
  return level;
}

// The epoch of producer `pid` in the broker's state for topic/partition (-1: not there).
int32_t broker_producer_epoch(Rig &rig, const std::string &topic, int32_t partition, int64_t pid_hint, int64_t *pid_out) {
  int32_t node = -1;
  REQUIRE(uvk::engine_leader(uvk::client_engine(rig.client), topic.c_str(), partition, &node) == 0);
  int32_t epoch = -1;
  Raw raw;
  raw.encode = [&](uvk::Buf *out, int16_t v) {
    uvk::proto::DescribeProducersRequest req;
    uvk::proto::DescribeProducersRequest::TopicRequest t;
    t.name = uvk::proto::Str{topic.c_str(), int32_t(topic.size())};
    t.partition_indexes.items = &partition;
    t.partition_indexes.count = 1;
    req.topics.items = &t;
    req.topics.count = 1;
    return uvk::proto::encode(out, req, v);
  };
  raw.decode = [&](uvk::Reader *body, int16_t v) {
    uvk::Arena arena;
    uvk::proto::DescribeProducersResponse resp;
    int rc = uvk::proto::decode(body, &arena, &resp, v);
    for (int32_t i = 0; rc == 0 && i < resp.topics.count; i++)
      for (int32_t j = 0; j < resp.topics.items[i].partitions.count; j++) {
        const auto &pr = resp.topics.items[i].partitions.items[j];
        for (int32_t k = 0; k < pr.active_producers.count; k++)
          if (pid_hint < 0 || pr.active_producers.items[k].producer_id == pid_hint) {
            epoch = pr.active_producers.items[k].producer_epoch;
            *pid_out = pr.active_producers.items[k].producer_id;
          }
      }
    uvk::arena_free(&arena);
    return rc;
  };
  raw_send(rig, node, uvk::proto::kDescribeProducers, 0, 0, &raw);
  return epoch;
}

struct Txn {
  Rig *rig;
  uvk_producer *p = nullptr;
  Txn(Rig &r, const std::string &id, const char *timeout = nullptr) : rig(&r) {
    uvk_config *cfg = uvk_config_new();
    char err[256];
    REQUIRE(uvk_config_set(cfg, "transactionalId", id.c_str(), err, sizeof err) == 0);
    if (timeout) REQUIRE(uvk_config_set(cfg, "transactionTimeout", timeout, err, sizeof err) == 0);
    REQUIRE(uvk_producer_new(r.client, cfg, &p) == 0);
    uvk_config_free(cfg);
  }
  ~Txn() { uvk_producer_free(p); }
  struct Done {
    bool done = false;
    int code = 1;
    int kafka = 0;
    uvk_txn_error_class cls = UVK_TXN_ERR_NONE;
    uv_loop_t *loop;
  };
  static void on_done(Done *d, const uvk_error *err) {
    d->done = true;
    d->code = err ? uvk_error_code(err) : 0;
    d->kafka = err ? uvk_error_kafka_code(err) : 0;
    d->cls = uvk_error_txn_class(err);
    uv_stop(d->loop);
  }
  // n messages of `size` bytes to one partition; the send's outcome.
  Done send(const std::string &topic, int32_t partition, int n, size_t size = 8) {
    std::vector<std::string> values(size_t(n), std::string(size, 'v'));
    std::vector<uvk_message> msgs;
    for (int i = 0; i < n; i++)
      msgs.push_back(uvk_message{"k", 1, values[size_t(i)].data(), values[size_t(i)].size(), partition, -1, nullptr, 0});
    Done d;
    d.loop = &rig->loop;
    REQUIRE(uvk_producer_send(p, topic.c_str(), msgs.data(), msgs.size(), nullptr,
                              [](uvk_producer *, const uvk_error *err, const uvk_record_metadata *, size_t, void *ud) {
                                on_done(static_cast<Done *>(ud), err);
                              }, &d) == 0);
    while (!d.done) rig->turn();
    return d;
  }
  Done end(bool commit) {
    Done d;
    d.loop = &rig->loop;
    auto cb = [](uvk_producer *, const uvk_error *err, void *ud) { on_done(static_cast<Done *>(ud), err); };
    int rc = commit ? uvk_producer_commit_transaction(p, cb, &d) : uvk_producer_abort_transaction(p, cb, &d);
    if (rc != 0) {
      d.done = true;
      d.code = rc;
      d.cls = uvk_txn_error_class_of(rc);
      return d;
    }
    while (!d.done) rig->turn();
    return d;
  }
  Done send_offsets(const std::string &group, const std::string &topic, int64_t offset) {
    uvk_topic_partition_offset o = {topic.c_str(), 0, offset};
    Done d;
    d.loop = &rig->loop;
    REQUIRE(uvk_producer_send_offsets(p, group.c_str(), &o, 1, [](uvk_producer *, const uvk_error *err, void *ud) {
      on_done(static_cast<Done *>(ud), err);
    }, &d) == 0);
    while (!d.done) rig->turn();
    return d;
  }
};

}  // namespace

TEST_CASE("transactions: the protocol follows the broker's transaction.version; v2 bumps the epoch per transaction",
          "[integration]") {
  Rig rig;
  int level = broker_transaction_version(rig);
  std::string kafka = env("UVK_TEST_KAFKA_VERSION");
  INFO("Kafka " << kafka << ", finalized transaction.version " << level);
  // The test clusters are formatted at their release's latest metadata version: Kafka 4.x
  // finalizes transactions v2, 3.9 does not. Otherwise one of the two paths goes untested.
  if (kafka.rfind("4.", 0) == 0) REQUIRE(level >= 2);
  if (kafka.rfind("3.", 0) == 0) REQUIRE(level < 2);
  bool v2 = level >= 2;
  std::string topic = uniq("uvk-it-txnv");
  create_topic(rig, topic, 1);
  Txn t(rig, uniq("uvk-it-txnv-id"));
  std::vector<int32_t> epochs;
  int64_t pid = -1;
  const bool commit[] = {true, false, true};
  for (int i = 0; i < 3; i++) {
    REQUIRE(uvk_producer_begin_transaction(t.p) == 0);
    REQUIRE(t.send(topic, 0, 20).code == 0);
    // The epoch the acknowledged batches carry (the commit markers are written after EndTxn
    // is answered, so the partition's state is read here, not after the end).
    epochs.push_back(broker_producer_epoch(rig, topic, 0, pid, &pid));
    if (i == 2) REQUIRE(t.send_offsets(uniq("uvk-it-txnv-group"), topic, 5).code == 0);
    Txn::Done d = t.end(commit[i]);
    REQUIRE(d.code == 0);
  }
  INFO("epochs of each transaction's batches on the broker: " << epochs[0] << " " << epochs[1] << " " << epochs[2]);
  REQUIRE(pid >= 0);
  const std::vector<int> &produce = rig.versions[uvk::proto::kProduce];
  const std::vector<int> &end_txn = rig.versions[uvk::proto::kEndTxn];
  const std::vector<int> &offsets = rig.versions[uvk::proto::kTxnOffsetCommit];
  REQUIRE(!produce.empty());
  REQUIRE(end_txn.size() >= 3);
  REQUIRE(offsets.size() >= 1);
  if (v2) {
    // No AddPartitionsToTxn / AddOffsetsToTxn round trips: Produce v12+ and TxnOffsetCommit
    // v5 join the transaction; EndTxn v5 bumps the epoch after each (an abort too).
    CHECK(rig.count(uvk::proto::kAddPartitionsToTxn) == 0);
    CHECK(rig.count(uvk::proto::kAddOffsetsToTxn) == 0);
    // v13 (topics by id) where the broker offers it: Kafka 4.1 and later.
    for (int v : produce) CHECK(v == (kafka.rfind("4.0", 0) == 0 ? 12 : 13));
    for (int v : end_txn) CHECK(v == 5);
    for (int v : offsets) CHECK(v == 5);
    CHECK(epochs[1] == epochs[0] + 1);
    CHECK(epochs[2] == epochs[1] + 1);
  } else {
    CHECK(rig.count(uvk::proto::kAddPartitionsToTxn) >= 3);
    CHECK(rig.count(uvk::proto::kAddOffsetsToTxn) == 1);
    for (int v : produce) CHECK(v <= 11);
    for (int v : end_txn) CHECK(v <= 4);
    for (int v : offsets) CHECK(v <= 4);
    CHECK(epochs[1] == epochs[0]);
    CHECK(epochs[2] == epochs[0]);
  }
}

TEST_CASE("transactions: a producer fenced by a newer one with its id gets producer-fatal errors; the new one goes on",
          "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-txnf");
  create_topic(rig, topic, 1);
  std::string id = uniq("uvk-it-txnf-id");
  Txn old_one(rig, id);
  REQUIRE(uvk_producer_begin_transaction(old_one.p) == 0);
  REQUIRE(old_one.send(topic, 0, 5).code == 0);
  // The newer producer's InitProducerId fences the old epoch (and aborts its transaction).
  Txn new_one(rig, id);
  REQUIRE(uvk_producer_begin_transaction(new_one.p) == 0);
  REQUIRE(new_one.send(topic, 0, 5).code == 0);
  Txn::Done d = old_one.end(true);
  INFO("old producer's commit: " << uvk_err_name(d.code) << " kafka " << d.kafka);
  CHECK(d.code != 0);
  CHECK(d.cls == UVK_TXN_ERR_PRODUCER_FATAL);
  // Its later calls say the same at once.
  int rc = uvk_producer_begin_transaction(old_one.p);
  CHECK(rc != 0);
  CHECK(uvk_txn_error_class_of(rc) == UVK_TXN_ERR_PRODUCER_FATAL);
  REQUIRE(new_one.end(true).code == 0);
}

TEST_CASE("transactions: a send the broker refuses makes the transaction abortable; abort, and the next commits",
          "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-txna");
  create_topic(rig, topic, 1);
  Txn t(rig, uniq("uvk-it-txna-id"));
  REQUIRE(uvk_producer_begin_transaction(t.p) == 0);
  REQUIRE(t.send(topic, 0, 3).code == 0);
  // Over the broker's message.max.bytes (1 MiB by default): MESSAGE_TOO_LARGE.
  Txn::Done big = t.send(topic, 0, 1, size_t(2) << 20);
  INFO("the big send: " << uvk_err_name(big.code) << " kafka " << big.kafka);
  CHECK(big.code != 0);
  CHECK(big.cls == UVK_TXN_ERR_ABORTABLE);
  Txn::Done c = t.end(true);
  CHECK(c.code == UVK_ESTATE);
  CHECK(c.cls == UVK_TXN_ERR_ABORTABLE);
  REQUIRE(t.end(false).code == 0);
  REQUIRE(uvk_producer_begin_transaction(t.p) == 0);
  REQUIRE(t.send(topic, 0, 3).code == 0);
  REQUIRE(t.end(true).code == 0);
}

TEST_CASE("transactions: a transaction timeout over the broker's maximum is fatal, and said at once afterwards",
          "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-txnt");
  create_topic(rig, topic, 1);
  // transaction.max.timeout.ms is 15 minutes by default: InitProducerId answers
  // INVALID_TRANSACTION_TIMEOUT, which no new producer with this configuration escapes.
  Txn t(rig, uniq("uvk-it-txnt-id"), "3600000");
  REQUIRE(uvk_producer_begin_transaction(t.p) == 0);
  Txn::Done s = t.send(topic, 0, 1);
  INFO("the send: " << uvk_err_name(s.code) << " kafka " << s.kafka);
  CHECK(s.kafka == UVK_KAFKA_INVALID_TRANSACTION_TIMEOUT);
  CHECK(s.cls == UVK_TXN_ERR_FATAL);
  Txn::Done c = t.end(true);
  CHECK(c.code == UVK_ERR_KAFKA(UVK_KAFKA_INVALID_TRANSACTION_TIMEOUT));
  CHECK(c.cls == UVK_TXN_ERR_FATAL);
  CHECK(uvk_txn_error_class_of(uvk_producer_begin_transaction(t.p)) == UVK_TXN_ERR_FATAL);
}
