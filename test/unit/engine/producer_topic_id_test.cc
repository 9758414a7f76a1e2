// Produce v13 (topics by id) against the scripted cluster: the version follows the ids the
// metadata gives, UNKNOWN_TOPIC_ID / INCONSISTENT_TOPIC_ID refresh and re-route, and a topic
// deleted and created again under its name gets the producer's next records, numbered
// from 0 by an idempotent producer, each acknowledged once.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "client/producer.h"
#include "fake_cluster.h"

using namespace uvk;

namespace {

struct Sent {
  int calls = 0;
  int code = 1;
};

void on_sent(void *ud, const uvk_error *err, const uvk_record_metadata *, size_t) {
  Sent *s = static_cast<Sent *>(ud);
  s->calls++;
  s->code = err ? uvk_error_code(err) : 0;
}

struct Messages {
  std::vector<std::string> values;
  std::vector<uvk_message> msgs;
  Messages(const char *prefix, int n) {
    for (int i = 0; i < n; i++) values.push_back(std::string(prefix) + std::to_string(i));
    for (const std::string &v : values) msgs.push_back(uvk_message{nullptr, 0, v.data(), v.size(), 0, -1, nullptr, 0});
  }
};

int send(Producer *p, fake::Cluster &c, const char *topic, const Messages &m, Sent *s) {
  uvk_topic_messages tm{topic, m.msgs.data(), m.msgs.size()};
  uvk_send_options o;
  uvk_send_options_init(&o);
  return producer_send(p, &tm, 1, o, on_sent, s, c.now);
}

std::vector<int16_t> produce_versions(const fake::Cluster &c) {
  std::vector<int16_t> v;
  for (const fake::Seen &s : c.seen)
    if (s.api_key == proto::kProduce) v.push_back(s.version);
  return v;
}

const std::string kIdA = std::string(15, '\0') + "A", kIdB = std::string(15, '\0') + "B";

fake::Topic topic_with_id(const std::string &id) {
  fake::Topic t = fake::topic({1});
  t.id = id;
  return t;
}

Producer *new_producer(fake::Cluster &c, bool idempotent) {
  ProducerConfig pc;
  pc.idempotent = idempotent;
  return producer_new(c.e, pc, nullptr);
}

}  // namespace

TEST_CASE("producer: Produce v13 names topics by id; a request with a topic without one stays at v12",
          "[producer][topic_id]") {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  c.topics["a"] = topic_with_id(kIdA);
  c.topics["n"] = fake::topic({1});  // no id in the metadata
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  Producer *p = new_producer(c, false);
  Messages m("a", 3);
  Sent s;
  REQUIRE(send(p, c, "a", m, &s) == 0);
  c.run_until([&] { return s.calls > 0; });
  CHECK(s.code == 0);
  CHECK(c.topics["a"].log[0] == m.values);
  CHECK(produce_versions(c) == std::vector<int16_t>({13}));
  // Both topics in one send, one leader: one request, by name, since "n" has no id.
  Messages ma("x", 2), mn("y", 2);
  uvk_topic_messages tms[] = {{"a", ma.msgs.data(), ma.msgs.size()}, {"n", mn.msgs.data(), mn.msgs.size()}};
  uvk_send_options o;
  uvk_send_options_init(&o);
  Sent s2;
  REQUIRE(producer_send(p, tms, 2, o, on_sent, &s2, c.now) == 0);
  c.run_until([&] { return s2.calls > 0; });
  CHECK(s2.code == 0);
  CHECK(produce_versions(c) == std::vector<int16_t>({13, 12}));
  CHECK(c.topics["a"].log[0].size() == 5);
  CHECK(c.topics["n"].log[0] == mn.values);
  producer_free(p);
}

TEST_CASE("producer: INCONSISTENT_TOPIC_ID refreshes the metadata and sends again", "[producer][topic_id]") {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  c.topics["a"] = topic_with_id(kIdA);
  c.topics["a"].produce_error = 103;
  c.topics["a"].produce_errors = 1;
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  Producer *p = new_producer(c, true);
  Messages m("a", 4);
  Sent s;
  REQUIRE(send(p, c, "a", m, &s) == 0);
  c.run_until([&] { return s.calls > 0; });
  CHECK(s.calls == 1);
  CHECK(s.code == 0);
  CHECK(c.topics["a"].log[0] == m.values);
  CHECK(c.requests[proto::kMetadata] == 2);  // the first lookup and the refresh the error asked for
  CHECK(produce_versions(c) == std::vector<int16_t>({13, 13}));
  producer_free(p);
}

// The topic is deleted and created again between two sends: the producer's cached id names
// the old one (UNKNOWN_TOPIC_ID), the refresh brings the new id, and the idempotent producer
// starts the partition's sequence numbers at 0 under the same epoch (the scripted broker, like
// a real one with state for the producer, refuses anything else: OUT_OF_ORDER_SEQUENCE would
// cost an epoch bump here).
TEST_CASE("producer: a topic re-created under its name gets the next records, numbered from 0",
          "[producer][topic_id]") {
  for (bool idempotent : {true, false}) {
    INFO("idempotent " << idempotent);
    fake::Cluster c;
    c.brokers.push_back(fake::Broker{1, "b1", 9092});
    c.topics["t"] = topic_with_id(kIdA);
    c.start(fake::Cluster::default_config(), {"b1:9092"});
    Producer *p = new_producer(c, idempotent);
    Messages first("old", 3), second("new", 2);
    Sent s1, s2;
    REQUIRE(send(p, c, "t", first, &s1) == 0);
    c.run_until([&] { return s1.calls > 0; });
    REQUIRE(s1.code == 0);
    c.topics["t"] = topic_with_id(kIdB);  // deleted and created again: empty, no producer state
    REQUIRE(send(p, c, "t", second, &s2) == 0);
    c.run_until([&] { return s2.calls > 0; });
    CHECK(s2.calls == 1);
    CHECK(s2.code == 0);
    CHECK(c.topics["t"].log[0] == second.values);  // in the new topic, once
    CHECK(produce_versions(c) == std::vector<int16_t>({13, 13, 13}));  // old id (refused), then the new one
    if (idempotent) {
      CHECK(c.topics["t"].base_seqs[0] == std::vector<int32_t>({0}));
      CHECK(c.topics["t"].seq_epoch[0] == 0);
      CHECK(c.init_pid_requests.size() == 1);  // no epoch bump was needed
    }
    producer_free(p);
  }
}
