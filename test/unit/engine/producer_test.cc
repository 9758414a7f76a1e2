// The producer (lib/client/producer) against the scripted cluster with a fake clock:
// leader moves, retries running out, the memory bound, linger and flush, shutdown — and in
// every case each send completes exactly once.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "client/producer.h"
#include "engine/metadata.h"
#include "fake_cluster.h"

using namespace uvk;

namespace {

struct Sent {
  int calls = 0;
  int code = 1;
  int cause = 0;
  std::vector<uvk_record_metadata> md;
};

void on_sent(void *ud, const uvk_error *err, const uvk_record_metadata *md, size_t n) {
  Sent *s = static_cast<Sent *>(ud);
  s->calls++;
  s->code = err ? uvk_error_code(err) : 0;
  const uvk_error *cause = err ? uvk_error_cause(err) : nullptr;
  s->cause = cause ? uvk_error_code(cause) : 0;
  s->md.assign(md, md + n);
}

struct Messages {
  std::vector<std::string> values;
  std::vector<uvk_message> msgs;
  Messages(int n, int32_t partition, size_t size = 10) {
    for (int i = 0; i < n; i++) values.push_back(std::to_string(i) + std::string(size, 'x'));
    for (const std::string &v : values) msgs.push_back(uvk_message{nullptr, 0, v.data(), v.size(), partition, -1, nullptr, 0});
  }
};

int send(Producer *p, fake::Cluster &c, const char *topic, const Messages &m, Sent *s) {
  uvk_topic_messages tm{topic, m.msgs.data(), m.msgs.size()};
  uvk_send_options o;
  uvk_send_options_init(&o);
  return producer_send(p, &tm, 1, o, on_sent, s, c.now);
}

struct Flushed {
  int calls = 0, err = 1;
};
void on_flushed(void *ud, int err) {
  Flushed *f = static_cast<Flushed *>(ud);
  f->calls++;
  f->err = err;
}

}  // namespace

TEST_CASE("producer: the leader moved: NOT_LEADER refreshes metadata and resends there",
          "[producer]") {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  c.brokers.push_back(fake::Broker{2, "b2", 9092});
  c.topics["t"] = fake::topic({1});
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  Producer *p = producer_new(c.e, ProducerConfig(), nullptr);
  // Learn leader 1, then move the partition to broker 2 behind the producer's back.
  const char *names[] = {"t"};
  struct {
    int calls = 0;
  } ensured;
  REQUIRE(metadata_ensure(c.e, names, 1, [](void *ud, const uvk_error *) { static_cast<decltype(ensured) *>(ud)->calls++; },
                          &ensured, c.now) == 0);
  c.run_until([&] { return ensured.calls > 0; });
  c.topics["t"].leaders = {2};
  Messages m(20, -1);
  Sent s;
  REQUIRE(send(p, c, "t", m, &s) == 0);
  c.run_until([&] { return s.calls > 0; });
  CHECK(s.calls == 1);
  CHECK(s.code == 0);
  REQUIRE(s.md.size() == 1);
  CHECK(s.md[0].base_offset == 0);
  REQUIRE(c.topics["t"].log[0].size() == 20);
  for (int i = 0; i < 20; i++) CHECK(c.topics["t"].log[0][size_t(i)] == m.values[size_t(i)]);
  CHECK(c.requests[proto::kProduce] == 2);   // once to 1 (NOT_LEADER), once to 2
  CHECK(c.requests[proto::kMetadata] == 2);  // the first lookup and the refresh
  CHECK(producer_buffered(p) == 0);
  producer_free(p);
}

// KIP-951: the old leader's NOT_LEADER_OR_FOLLOWER names the new one (newer epoch): the
// batch goes there at once, no Metadata request; a named leader with an epoch no newer than
// the cached one is not believed (the refresh path as before).
TEST_CASE("producer: NOT_LEADER naming the new leader resends there without a metadata refresh",
          "[producer]") {
  for (int32_t epoch : {5, -1}) {
    fake::Cluster c;
    c.brokers.push_back(fake::Broker{1, "b1", 9092});
    c.brokers.push_back(fake::Broker{2, "b2", 9092});
    c.topics["t"] = fake::topic({1});
    c.start(fake::Cluster::default_config(), {"b1:9092"});
    Producer *p = producer_new(c.e, ProducerConfig(), nullptr);
    const char *names[] = {"t"};
    int ensured = 0;
    REQUIRE(metadata_ensure(c.e, names, 1, [](void *ud, const uvk_error *) { ++*static_cast<int *>(ud); }, &ensured,
                            c.now) == 0);
    c.run_until([&] { return ensured > 0; });
    c.topics["t"].leaders = {2};
    c.topics["t"].named_leader_epoch = epoch;
    Messages m(20, -1);
    Sent s;
    REQUIRE(send(p, c, "t", m, &s) == 0);
    c.run_until([&] { return s.calls > 0; });
    INFO("named leader epoch " << epoch);
    CHECK(s.code == 0);
    REQUIRE(c.topics["t"].log[0].size() == 20);
    CHECK(c.requests[proto::kProduce] == 2);  // once to 1 (NOT_LEADER), once to 2
    CHECK(c.requests[proto::kMetadata] == (epoch >= 0 ? 1 : 2));
    producer_free(p);
  }
}

TEST_CASE("producer: retries run out: the send fails once, with the last error as cause",
          "[producer]") {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  c.topics["t"] = fake::topic({1});
  c.topics["t"].produce_error = 7;  // REQUEST_TIMED_OUT, retriable
  c.topics["t"].produce_errors = -1;
  EngineConfig cfg = fake::Cluster::default_config();
  cfg.retry.retries = 3;
  c.start(cfg, {"b1:9092"});
  Producer *p = producer_new(c.e, ProducerConfig(), nullptr);
  Messages m(5, 0);
  Sent s;
  REQUIRE(send(p, c, "t", m, &s) == 0);
  c.run_until([&] { return s.calls > 0; });
  c.advance(60000);  // nothing more may arrive
  CHECK(s.calls == 1);
  CHECK(s.code == UVK_ERETRIES);
  CHECK(s.cause == UVK_ERR_KAFKA(7));
  REQUIRE(s.md.size() == 1);
  CHECK(s.md[0].error == UVK_ERETRIES);
  CHECK(c.requests[proto::kProduce] == 4);
  CHECK(c.topics["t"].log[0].empty());
  producer_free(p);
}

TEST_CASE("producer: bufferMemory refuses with UVK_EQUEUEFULL; drain says when to go on",
          "[producer]") {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  c.topics["t"] = fake::topic({1});
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  ProducerConfig pc;
  pc.buffer_memory = 4096;
  Producer *p = producer_new(c.e, pc, nullptr);
  int drained = 0;
  producer_set_drain(p, [](void *ud, int) { ++*static_cast<int *>(ud); }, &drained);
  Messages big(1, 0, 5000);
  Sent too_big;
  CHECK(send(p, c, "t", big, &too_big) == UVK_ETOOLARGE);
  Messages m(4, 0, 800);  // about 3.5 KiB with the per-message overhead
  Sent a, b;
  REQUIRE(send(p, c, "t", m, &a) == 0);
  CHECK(producer_buffered(p) > 3000);
  CHECK(send(p, c, "t", m, &b) == UVK_EQUEUEFULL);
  CHECK(drained == 0);
  c.run_until([&] { return a.calls > 0; });
  CHECK(a.code == 0);
  CHECK(producer_buffered(p) == 0);
  CHECK(drained == 1);
  REQUIRE(send(p, c, "t", m, &b) == 0);
  c.run_until([&] { return b.calls > 0; });
  CHECK(b.code == 0);
  CHECK(too_big.calls == 0);
  CHECK(c.topics["t"].log[0].size() == 8);
  producer_free(p);
}

TEST_CASE("producer: linger holds batches back; flush sends them at once", "[producer]") {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  c.topics["t"] = fake::topic({1, 1});
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  ProducerConfig pc;
  pc.linger_ms = 10000;
  Producer *p = producer_new(c.e, pc, nullptr);
  Messages m0(3, 0), m1(2, 1);
  Sent s0, s1;
  REQUIRE(send(p, c, "t", m0, &s0) == 0);
  REQUIRE(send(p, c, "t", m1, &s1) == 0);
  c.advance(5000);
  CHECK(c.requests[proto::kProduce] == 0);
  Flushed f;
  REQUIRE(producer_flush(p, on_flushed, &f, c.now) == 0);
  c.run_until([&] { return f.calls > 0; });
  CHECK(s0.calls == 1);
  CHECK(s1.calls == 1);
  CHECK(f.err == 0);
  CHECK(c.requests[proto::kProduce] == 1);  // both partitions in one request
  CHECK(c.topics["t"].log[0].size() == 3);
  CHECK(c.topics["t"].log[1].size() == 2);
  // With nothing pending a flush completes on the next turn.
  Flushed empty;
  REQUIRE(producer_flush(p, on_flushed, &empty, c.now) == 0);
  CHECK(empty.calls == 0);
  c.run_until([&] { return empty.calls > 0; });
  producer_free(p);
}

TEST_CASE("producer: a shutdown fails queued messages once, with UVK_ECLOSED", "[producer]") {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  c.topics["t"] = fake::topic({1});
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  ProducerConfig pc;
  pc.linger_ms = 10000;
  Producer *p = producer_new(c.e, pc, nullptr);
  Messages m(3, 0);
  Sent s;
  REQUIRE(send(p, c, "t", m, &s) == 0);
  c.advance(10);
  REQUIRE(s.calls == 0);
  engine_shutdown(c.e);
  c.pump();
  // The engine's shutdown turn fires the linger timer: the batch cannot go, it fails.
  CHECK(s.calls == 1);
  CHECK(s.code == UVK_ECLOSED);
  Sent after;
  CHECK(send(p, c, "t", m, &after) == UVK_ECLOSED);
  producer_free(p);
  CHECK(s.calls == 1);
}

TEST_CASE("producer: freeing the producer completes pending sends once", "[producer]") {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092, 0, true});  // never answers
  c.topics["t"] = fake::topic({1});
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  Producer *p = producer_new(c.e, ProducerConfig(), nullptr);
  Messages m(3, 0);
  Sent s;
  REQUIRE(send(p, c, "t", m, &s) == 0);
  c.pump();
  CHECK(s.calls == 0);
  producer_free(p);  // the metadata request is still unanswered
  CHECK(s.calls == 1);
  CHECK(s.code == UVK_ECLOSED);
}

namespace {

Producer *idempotent_producer(fake::Cluster &c) {
  ProducerConfig pc;
  pc.idempotent = true;
  return producer_new(c.e, pc, nullptr);
}

}  // namespace

TEST_CASE("producer: idempotent: a producer id first, then growing sequence numbers", "[producer]") {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  c.topics["t"] = fake::topic({1});
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  Producer *p = idempotent_producer(c);
  Messages a(3, 0), b(5, 0), d(2, 0);
  Sent sa, sb, sd;
  uvk_topic_messages tm{"t", a.msgs.data(), a.msgs.size()};
  uvk_send_options acks1;
  uvk_send_options_init(&acks1);
  acks1.acks = 1;
  CHECK(producer_send(p, &tm, 1, acks1, on_sent, &sa, c.now) == UVK_EINVAL);  // acks -1 only
  REQUIRE(send(p, c, "t", a, &sa) == 0);
  c.run_until([&] { return sa.calls > 0; });
  REQUIRE(send(p, c, "t", b, &sb) == 0);
  REQUIRE(send(p, c, "t", d, &sd) == 0);
  c.run_until([&] { return sb.calls > 0 && sd.calls > 0; });
  CHECK(sa.code == 0);
  CHECK(sb.code == 0);
  CHECK(sd.code == 0);
  REQUIRE(c.init_pid_requests.size() == 1);
  CHECK(c.init_pid_requests[0].first == -1);
  // b and d were sealed in the same turn into one batch (8 messages).
  CHECK(c.topics["t"].base_seqs[0] == std::vector<int32_t>({0, 3}));
  CHECK(c.topics["t"].next_seq[0] == 10);
  CHECK(c.topics["t"].log[0].size() == 10);
  producer_free(p);
}

TEST_CASE("producer: idempotent: an answer lost after the write is not written twice", "[producer]") {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  c.topics["t"] = fake::topic({1});
  c.drop_produce_answers = 1;
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  Producer *p = idempotent_producer(c);
  Messages m(4, 0);
  Sent s;
  REQUIRE(send(p, c, "t", m, &s) == 0);
  c.run_until([&] { return s.calls > 0; });
  CHECK(s.calls == 1);
  CHECK(s.code == 0);
  CHECK(c.requests[proto::kProduce] == 2);       // the lost one and the duplicate
  CHECK(c.topics["t"].log[0].size() == 4);       // stored once
  REQUIRE(s.md.size() == 1);
  CHECK(s.md[0].base_offset == -1);               // DUPLICATE_SEQUENCE_NUMBER: no offset
  producer_free(p);
}

TEST_CASE("producer: without idempotence the same loss writes twice (why idempotence exists)",
          "[producer]") {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  c.topics["t"] = fake::topic({1});
  c.drop_produce_answers = 1;
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  Producer *p = producer_new(c.e, ProducerConfig(), nullptr);
  Messages m(4, 0);
  Sent s;
  REQUIRE(send(p, c, "t", m, &s) == 0);
  c.run_until([&] { return s.calls > 0; });
  CHECK(s.code == 0);
  CHECK(c.topics["t"].log[0].size() == 8);
  producer_free(p);
}

TEST_CASE("producer: idempotent: UNKNOWN_PRODUCER_ID bumps the epoch and renumbers", "[producer]") {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  c.topics["t"] = fake::topic({1});
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  Producer *p = idempotent_producer(c);
  Messages first(3, 0), second(2, 0);
  Sent s1, s2;
  REQUIRE(send(p, c, "t", first, &s1) == 0);
  c.run_until([&] { return s1.calls > 0; });
  REQUIRE(s1.code == 0);
  c.topics["t"].produce_error = 59;  // the broker lost our state (e.g. log truncation)
  c.topics["t"].produce_errors = 1;
  REQUIRE(send(p, c, "t", second, &s2) == 0);
  c.run_until([&] { return s2.calls > 0; });
  CHECK(s2.code == 0);
  REQUIRE(c.init_pid_requests.size() == 2);
  CHECK(c.init_pid_requests[1].first == 1000);  // the same id, asking for a new epoch
  CHECK(c.topics["t"].seq_epoch[0] == 1);
  CHECK(c.topics["t"].base_seqs[0] == std::vector<int32_t>({0, 0}));  // renumbered from 0
  CHECK(c.topics["t"].log[0].size() == 5);
  producer_free(p);
}

TEST_CASE("producer: idempotent: a batch in flight at a new producer id is numbered again, not reusing "
          "numbers a later batch gets (acknowledged as its duplicate, lost)", "[producer]") {
  // Found by the chaos soak (seed 5): Kafka gives an idempotent producer a new id with epoch 0
  // on every InitProducerId, so the epoch alone did not show that a batch in flight at the
  // bump was numbered under the old id. It kept sequence 0 and was written first under the
  // new id; the next batch was numbered from 0 again, and the broker answered it as a
  // duplicate of the first, with the first's offset: acknowledged, never written.
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  c.topics["t"] = fake::topic({1});
  c.kafka_idempotence = true;
  c.hold_produce = true;
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  Producer *p = idempotent_producer(c);
  // Two batches of the same size: Kafka's duplicate check compares first and last sequence.
  Messages first(2, 0), second(2, 0);
  first.values = {"a0", "a1"};
  second.values = {"b0", "b1"};
  for (size_t i = 0; i < 2; i++) {
    first.msgs[i].value = first.values[i].data(), first.msgs[i].value_len = 2;
    second.msgs[i].value = second.values[i].data(), second.msgs[i].value_len = 2;
  }
  Sent s1, s2;
  c.topics["t"].produce_error = 59;  // UNKNOWN_PRODUCER_ID: a new producer id
  c.topics["t"].produce_errors = 1;
  REQUIRE(send(p, c, "t", first, &s1) == 0);
  c.run_until([&] { return c.held_produce.size() == 1; });
  REQUIRE(send(p, c, "t", second, &s2) == 0);  // waits: one batch in flight until one is acknowledged
  c.pump();
  c.hold_produce = false;
  c.release_produce();
  c.run_until([&] { return s1.calls > 0 && s2.calls > 0; });
  CHECK(s1.code == 0);
  CHECK(s2.code == 0);
  CHECK(c.topics["t"].log[0] == std::vector<std::string>({"a0", "a1", "b0", "b1"}));
  CHECK(c.init_pid_requests.size() == 2);
  CHECK(c.producer_id == 1001);
  REQUIRE(s1.md.size() == 1);
  REQUIRE(s2.md.size() == 1);
  CHECK(s1.md[0].base_offset == 0);
  CHECK(s2.md[0].base_offset == 2);
  CHECK(c.topics["t"].base_seqs[0] == std::vector<int32_t>({0, 2}));
  producer_free(p);
}

TEST_CASE("producer: MESSAGE_TOO_LARGE splits the batch; only the big one fails, order kept",
          "[producer]") {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  c.topics["t"] = fake::topic({1});
  c.max_batch_bytes = 1000;
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  ProducerConfig pc;
  pc.linger_ms = 50;
  pc.batch_size = 1 << 20;  // all in one batch
  Producer *p = producer_new(c.e, pc, nullptr);
  Messages small1(1, 0, 5), big(1, 0, 2000), small2(2, 0, 5);
  small1.values[0] = "first", small2.values[0] = "third", small2.values[1] = "fourth";
  for (size_t i = 0; i < 2; i++) small2.msgs[i].value = small2.values[i].data(), small2.msgs[i].value_len = small2.values[i].size();
  small1.msgs[0].value = small1.values[0].data(), small1.msgs[0].value_len = small1.values[0].size();
  Sent s1, sb, s2;
  REQUIRE(send(p, c, "t", small1, &s1) == 0);
  REQUIRE(send(p, c, "t", big, &sb) == 0);
  REQUIRE(send(p, c, "t", small2, &s2) == 0);
  c.run_until([&] { return s1.calls && sb.calls && s2.calls; });
  CHECK(s1.code == 0);
  CHECK(sb.code == UVK_ERR_KAFKA(10));
  CHECK(s2.code == 0);
  CHECK(c.topics["t"].log[0] == std::vector<std::string>({"first", "third", "fourth"}));
  producer_free(p);
}

TEST_CASE("producer: a burst of single-message sends to many new topics keeps send order per topic",
          "[producer]") {
  // Ten topics, unknown until the first metadata answer: every send waits for metadata,
  // then all are routed at once; each partition's log must hold its messages in send order.
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  const int kTopics = 10, kSends = 3000;
  std::vector<std::string> names;
  for (int t = 0; t < kTopics; t++) {
    names.push_back("t" + std::to_string(t));
    c.topics[names.back()] = fake::topic({1});
  }
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  ProducerConfig pc;
  pc.linger_ms = 5;
  Producer *p = producer_new(c.e, pc, nullptr);
  std::vector<Messages> msgs;
  msgs.reserve(kSends);
  std::vector<Sent> sent(kSends);
  std::map<std::string, std::vector<std::string>> expected;
  for (int i = 0; i < kSends; i++) {
    const std::string &topic = names[size_t(i * 7 % kTopics)];
    msgs.emplace_back(1, 0);
    msgs.back().values[0] = "m" + std::to_string(i);
    msgs.back().msgs[0].value = msgs.back().values[0].data();
    msgs.back().msgs[0].value_len = msgs.back().values[0].size();
    expected[topic].push_back(msgs.back().values[0]);
    REQUIRE(send(p, c, topic.c_str(), msgs.back(), &sent[size_t(i)]) == 0);
  }
  c.run_until([&] {
    for (const Sent &s : sent)
      if (s.calls == 0) return false;
    return true;
  });
  for (const Sent &s : sent) {
    CHECK(s.calls == 1);
    CHECK(s.code == 0);
  }
  for (const std::string &t : names) CHECK(c.topics[t].log[0] == expected[t]);
  producer_free(p);
}

// Once a topic's metadata is cached a send is routed inside the call, straight from the
// caller's array: values must be copied then (borrow is off), and no callback may run
// inside the call.
TEST_CASE("producer: a send routed inside the call copies the caller's messages", "[producer]") {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  c.topics["t"] = fake::topic({1});
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  Producer *p = producer_new(c.e, ProducerConfig(), nullptr);
  Messages first(2, 0);
  Sent s1;
  REQUIRE(send(p, c, "t", first, &s1) == 0);
  c.run_until([&] { return s1.calls > 0; });
  REQUIRE(s1.code == 0);
  int metadata_before = c.requests[proto::kMetadata];
  Messages second(3, 0);
  std::vector<std::string> expect = second.values;
  Sent s2;
  REQUIRE(send(p, c, "t", second, &s2) == 0);
  CHECK(s2.calls == 0);
  for (std::string &v : second.values) v.assign(v.size(), 'y');  // the caller reuses its buffers
  c.run_until([&] { return s2.calls > 0; });
  CHECK(s2.code == 0);
  REQUIRE(s2.md.size() == 1);
  CHECK(std::string(s2.md[0].topic) == "t");
  CHECK(s2.md[0].base_offset == 2);
  REQUIRE(c.topics["t"].log[0].size() == 5);
  for (size_t i = 0; i < 3; i++) CHECK(c.topics["t"].log[0][2 + i] == expect[i]);
  CHECK(c.requests[proto::kMetadata] == metadata_before);  // the cache answered
  producer_free(p);
}

TEST_CASE("producer: a message failing in a send routed inside the call completes on the next turn",
          "[producer]") {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  c.topics["t"] = fake::topic({1});
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  Producer *p = producer_new(c.e, ProducerConfig(), nullptr);
  Messages first(1, 0);
  Sent s1;
  REQUIRE(send(p, c, "t", first, &s1) == 0);
  c.run_until([&] { return s1.calls > 0; });
  REQUIRE(s1.code == 0);
  // A partitioner naming a partition the topic does not have.
  producer_set_partitioner(p, [](void *, const char *, const uvk_partition_info *, size_t, const uvk_message *) {
    return int32_t(7);
  }, nullptr);
  Messages bad(2, -1);
  Sent s2;
  REQUIRE(send(p, c, "t", bad, &s2) == 0);
  CHECK(s2.calls == 0);
  CHECK(producer_buffered(p) > 0);
  c.run_until([&] { return s2.calls > 0; });
  CHECK(s2.calls == 1);
  CHECK(s2.code != 0);
  REQUIRE(s2.md.size() == 1);
  CHECK(s2.md[0].partition == 7);
  CHECK(s2.md[0].error == UVK_ERR_KAFKA(3));
  CHECK(producer_buffered(p) == 0);
  CHECK(c.topics["t"].log[0].size() == 1);
  producer_free(p);
}
