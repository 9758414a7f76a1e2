// A partition whose start (ListOffsets, latest) fails at first: a just-created topic whose
// leader is not settled answers NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE or
// UNKNOWN_TOPIC_OR_PARTITION for a while. The consumer asks again once the metadata is
// refreshed, and no Fetch goes out before every partition's start is known (KafkaJS resolves
// all offsets before it fetches): a record produced once the consumer fetches comes after
// every partition's start, so it is delivered. The public client against two fake brokers
// (test/lib/consumer_rig.h); partition 0 lives on b1, partition 1 on b2.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "consumer_rig.h"
#include "fake_broker.h"
#include "proto/gen/api_table.h"
#include "uvkafka/uvkafka.h"

using namespace uvk_test;

TEST_CASE("a partition whose ListOffsets fails starts once its leader answers, before any Fetch",
          "[list_offsets_retry]") {
  const int16_t code = GENERATE(int16_t(6), int16_t(5), int16_t(3));
  const int failures = GENERATE(1, 3);
  const bool paused = GENERATE(false, true);
  CAPTURE(code, failures, paused);
  ConsumerRig r;
  r.from_beginning = 0;  // latest: where the log ends when the start is asked for
  r.cluster.offset_fetch_committed = true;
  r.cluster.committed = {{0, -1}, {1, -1}};  // nothing committed: both are listed
  for (int i = 0; i < failures; i++) r.cluster.list_offsets_errors[1].push_back(code);
  bool produced = false;
  // The Node sample's order: the job is produced once the consumer fetches.
  r.cluster.on_fetch = [&](FakeBroker *) {
    if (produced) return;
    produced = true;
    r.b2.log[1].push_back("job-1");
    if (paused) {
      const int32_t one = 1;
      CHECK(uvk_consumer_resume(r.consumer, r.cluster.topic.c_str(), &one, 1) == 0);
    }
  };
  if (paused) {  // paused while its start is asked for (and refused); resumed at the first Fetch
    r.before_run = [](ConsumerRig *rig) {
      const int32_t one = 1;
      REQUIRE(uvk_consumer_pause(rig->consumer, rig->cluster.topic.c_str(), &one, 1) == 0);
    };
  }
  r.start();
  REQUIRE(r.run_until([&] { return !r.seen1.empty(); }, 5000));
  CHECK(r.seen1 == std::vector<std::string>{"job-1"});
  CHECK(r.b2.requests[uvk::proto::kListOffsets] >= failures + 1);
  CHECK(r.cluster.list_offsets_errors[1].empty());
}
