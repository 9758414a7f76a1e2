// The consumer against the real cluster with a transactional producer (consumer_it.h):
// read_committed against read_uncommitted, and offsets committed with a transaction (KIP-447).
#include "consumer_it.h"

using namespace consumer_it;

// ---- transactions (the producer's) and read_committed (the consumer's) --------------------

namespace {

struct TxnRig {
  Rig *rig;
  uvk_producer *p = nullptr;
  explicit TxnRig(Rig &r, const std::string &id) : rig(&r) {
    uvk_config *cfg = uvk_config_new();
    char err[256];
    REQUIRE(uvk_config_set(cfg, "transactionalId", id.c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_producer_new(r.client, cfg, &p) == 0);
    uvk_config_free(cfg);
  }
  ~TxnRig() { uvk_producer_free(p); }
  struct Done {
    bool done = false;
    int code = 1;
    uv_loop_t *loop;
  };
  static void on_done(uvk_producer *, const uvk_error *err, void *ud) {
    Done *d = static_cast<Done *>(ud);
    d->done = true;
    d->code = err ? uvk_error_code(err) : 0;
    uv_stop(d->loop);
  }
  // Sends values prefix0..prefixN-1 (keys spread them over the partitions) and waits.
  void send(const std::string &topic, const std::string &prefix, int n) {
    std::vector<std::string> keys, values;
    for (int i = 0; i < n; i++) {
      keys.push_back("k" + std::to_string(i % 13));
      values.push_back(prefix + std::to_string(i));
    }
    std::vector<uvk_message> msgs;
    for (int i = 0; i < n; i++)
      msgs.push_back(uvk_message{keys[size_t(i)].data(), keys[size_t(i)].size(), values[size_t(i)].data(),
                                 values[size_t(i)].size(), -1, -1, nullptr, 0});
    struct S {
      bool done = false;
      int code = 1;
      uv_loop_t *loop;
    } s;
    s.loop = &rig->loop;
    REQUIRE(uvk_producer_send(p, topic.c_str(), msgs.data(), msgs.size(), nullptr,
                              [](uvk_producer *, const uvk_error *err, const uvk_record_metadata *, size_t, void *ud) {
                                S *x = static_cast<S *>(ud);
                                x->done = true;
                                x->code = err ? uvk_error_code(err) : 0;
                                uv_stop(x->loop);
                              }, &s) == 0);
    while (!s.done) rig->turn();
    REQUIRE(s.code == 0);
  }
  int end(bool commit) {
    Done d;
    d.loop = &rig->loop;
    int rc = commit ? uvk_producer_commit_transaction(p, on_done, &d) : uvk_producer_abort_transaction(p, on_done, &d);
    if (rc != 0) return rc;
    while (!d.done) rig->turn();
    return d.code;
  }
};

}  // namespace

TEST_CASE("transactions: read_committed consumers see committed messages only; read_uncommitted see all",
          "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-txn");
  create_topic(rig, topic, 3);
  TxnRig t(rig, uniq("uvk-it-txn-id"));
  uvk_message m = {"k", 1, "v", 1, -1, -1, nullptr, 0};
  // Outside a transaction a transactional producer refuses sends.
  CHECK(uvk_producer_send(t.p, topic.c_str(), &m, 1, nullptr,
                          [](uvk_producer *, const uvk_error *, const uvk_record_metadata *, size_t, void *) {}, nullptr) ==
        UVK_ESTATE);
  CHECK(uvk_producer_commit_transaction(t.p, TxnRig::on_done, nullptr) == UVK_ESTATE);
  REQUIRE(uvk_producer_begin_transaction(t.p) == 0);
  CHECK(uvk_producer_begin_transaction(t.p) == UVK_ESTATE);  // one at a time
  t.send(topic, "aborted-", 300);
  REQUIRE(t.end(false) == 0);
  REQUIRE(uvk_producer_begin_transaction(t.p) == 0);
  t.send(topic, "committed-", 300);
  REQUIRE(t.end(true) == 0);
  // Committed, read_committed (the default): exactly the 300 committed messages. The aborted
  // ones sit before them in every partition, so a consumer that let them through would see
  // them first.
  Member rc(rig, uniq("uvk-it-group-txn-rc"), topic, true);
  rc.run_each_message();
  while (rc.seen.size() < 300) rig.turn();
  int aborted_seen = 0, committed_seen = 0;
  for (const Seen &s : rc.seen) {
    aborted_seen += s.value.rfind("aborted-", 0) == 0;
    committed_seen += s.value.rfind("committed-", 0) == 0;
  }
  CHECK(aborted_seen == 0);
  CHECK(committed_seen == 300);
  rc.stop();
  // read_uncommitted: both transactions' messages.
  Member ru(rig, uniq("uvk-it-group-txn-ru"), topic, true, "RoundRobinAssigner", true);
  ru.run_each_message();
  while (ru.seen.size() < 600) rig.turn();
  aborted_seen = committed_seen = 0;
  for (const Seen &s : ru.seen) {
    aborted_seen += s.value.rfind("aborted-", 0) == 0;
    committed_seen += s.value.rfind("committed-", 0) == 0;
  }
  CHECK(aborted_seen == 300);
  CHECK(committed_seen == 300);
  ru.stop();
}

TEST_CASE("transactions: sendOffsets commits a group's offsets with the transaction", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-txn-offsets");
  create_topic(rig, topic, 2);
  produce(rig, topic, 0, 40, true);  // 20 per partition
  std::string group = uniq("uvk-it-group-txn-offsets");
  TxnRig t(rig, uniq("uvk-it-txn-id"));
  REQUIRE(uvk_producer_begin_transaction(t.p) == 0);
  uvk_topic_partition_offset offs[] = {{topic.c_str(), 0, 5}, {topic.c_str(), 1, 7}};
  TxnRig::Done d;
  d.loop = &rig.loop;
  REQUIRE(uvk_producer_send_offsets(t.p, group.c_str(), offs, 2, TxnRig::on_done, &d) == 0);
  while (!d.done) rig.turn();
  REQUIRE(d.code == 0);
  t.send(topic, "out-", 10);  // and some output in the same transaction
  REQUIRE(t.end(true) == 0);
  // A member of that group starts where the transaction put the offsets.
  Member m(rig, group, topic, true);
  m.run_each_message();
  while (m.seen.size() < size_t(15 + 13 + 10)) rig.turn();
  std::map<int, int64_t> first;
  for (const Seen &s : m.seen)
    if (!first.count(s.topic_partition)) first[s.topic_partition] = s.offset;
  CHECK(first[0] == 5);
  CHECK(first[1] == 7);
  m.stop();
}

TEST_CASE("transactions: offsets sent with a consumer's group metadata are refused once the group moved on (KIP-447)",
          "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-txn-fenced");
  create_topic(rig, topic, 2);
  std::string group = uniq("uvk-it-group-txn-fenced");
  Member a(rig, group, topic, true);
  a.run_each_message();
  while (a.joins < 1) rig.turn();
  uvk_group_metadata then;
  REQUIRE(uvk_consumer_group_metadata(a.c, &then) == 0);
  CHECK(std::string(then.group_id) == group);
  CHECK(then.group_instance_id == nullptr);
  std::string then_member = then.member_id;
  then.member_id = then_member.c_str();
  int32_t then_generation = then.generation_id;
  REQUIRE(then_generation > 0);
  Member b(rig, group, topic, true);  // a second member: a rebalance, a new generation
  b.run_each_message();
  while (b.joins < 1 || a.joined_generation == then_generation) rig.turn();

  TxnRig t(rig, uniq("uvk-it-txn-fenced-id"));
  uvk_topic_partition_offset offs[] = {{topic.c_str(), 0, 0}};
  struct Refused {
    bool done = false;
    int kafka_code = 0;
    uv_loop_t *loop;
  } stale;
  stale.loop = &rig.loop;
  REQUIRE(uvk_producer_begin_transaction(t.p) == 0);
  REQUIRE(uvk_producer_send_consumer_offsets(t.p, &then, offs, 1, [](uvk_producer *, const uvk_error *err, void *ud) {
    Refused *r = static_cast<Refused *>(ud);
    r->done = true;
    r->kafka_code = err ? uvk_error_kafka_code(err) : 0;
    uv_stop(r->loop);
  }, &stale) == 0);
  while (!stale.done) rig.turn();
  CHECK(stale.kafka_code == 22);  // ILLEGAL_GENERATION: the zombie's offsets never land
  REQUIRE(t.end(false) == 0);

  uvk_group_metadata now;
  REQUIRE(uvk_consumer_group_metadata(a.c, &now) == 0);
  CHECK(now.generation_id == a.joined_generation);
  TxnRig::Done fresh;
  fresh.loop = &rig.loop;
  REQUIRE(uvk_producer_begin_transaction(t.p) == 0);
  REQUIRE(uvk_producer_send_consumer_offsets(t.p, &now, offs, 1, TxnRig::on_done, &fresh) == 0);
  while (!fresh.done) rig.turn();
  CHECK(fresh.code == 0);
  CHECK(t.end(true) == 0);
  CHECK(uvk_producer_send_consumer_offsets(t.p, nullptr, offs, 1, TxnRig::on_done, &fresh) == UVK_EINVAL);
  a.stop();
  b.stop();
}
