// The producer when the leader in its cached metadata has left the broker list: a newer
// Metadata response (asked for another topic) no longer names that broker — it was fenced
// and its partitions moved — while this topic's metadata still points at it. Seen against
// the real cluster when the KRaft controller, also a partition leader, was killed
// (test/integration/fault_test.cc); this reproduces it with the scripted cluster.
#include <catch2/catch.hpp>

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
};

struct Ensured {
  int calls = 0;
};

void ensure(fake::Cluster &c, const char *topic) {
  const char *names[] = {topic};
  Ensured done;
  REQUIRE(metadata_ensure(c.e, names, 1, [](void *ud, const uvk_error *) { static_cast<Ensured *>(ud)->calls++; },
                          &done, c.now) == 0);
  c.run_until([&] { return done.calls > 0; });
}

}  // namespace

TEST_CASE("producer: a cached leader no longer among the brokers: refresh and resend, not a failure",
          "[producer]") {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  c.brokers.push_back(fake::Broker{2, "b2", 9092});
  c.topics["t"] = fake::topic({2});
  c.topics["other"] = fake::topic({1});
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  Producer *p = producer_new(c.e, ProducerConfig(), nullptr);
  ensure(c, "t");  // cached: t's partition 0 led by broker 2
  // Broker 2 is fenced: it leaves the broker list and t moves to broker 1. Only the other
  // topic's metadata is asked for, so t's cached entry still names broker 2.
  c.brokers.pop_back();
  c.topics["t"].leaders = {1};
  ensure(c, "other");
  std::vector<std::string> values = {"a", "b", "c"};
  std::vector<uvk_message> msgs;
  for (const std::string &v : values) msgs.push_back(uvk_message{nullptr, 0, v.data(), v.size(), 0, -1, nullptr, 0});
  uvk_topic_messages tm{"t", msgs.data(), msgs.size()};
  uvk_send_options o;
  uvk_send_options_init(&o);
  Sent s;
  REQUIRE(producer_send(p, &tm, 1, o, [](void *ud, const uvk_error *err, const uvk_record_metadata *, size_t) {
    Sent *x = static_cast<Sent *>(ud);
    x->calls++;
    x->code = err ? uvk_error_code(err) : 0;
  }, &s, c.now) == 0);
  c.run_until([&] { return s.calls > 0; });
  c.advance(60000);  // nothing more may arrive
  CHECK(s.calls == 1);
  CHECK(s.code == 0);  // was UVK_ENOTFOUND: the batch failed at once, without a retry
  REQUIRE(c.topics["t"].log[0].size() == 3);
  for (size_t i = 0; i < values.size(); i++) CHECK(c.topics["t"].log[0][i] == values[i]);
  producer_free(p);
}
