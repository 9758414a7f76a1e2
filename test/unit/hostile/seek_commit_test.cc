// Seeks and commits around the consumer's handlers, found through the Node package's suite:
// isStale() sees a seek made while a partition's handler runs or is held; a committed offset
// loaded after a seek does not move the sought position back; an auto-commit that a
// threshold asked for while another was in flight follows it. The public client against two
// fake brokers (test/lib/consumer_rig.h); partition 0 lives on b1.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "consumer_rig.h"
#include "fake_broker.h"
#include "uvkafka/uvkafka.h"

using namespace uvk_test;

TEST_CASE("isStale: a seek inside the running handler makes its batch stale", "[seek_commit]") {
  ConsumerRig r;
  r.b1.log[0] = values("v", 4);
  int before = -1, after = -1;
  r.on_batch = [&](ConsumerRig *rig, const uvk_batch *b) {
    if (rig->batches == 1) {
      before = uvk_consumer_is_stale(rig->consumer, b->topic, 0);
      REQUIRE(uvk_consumer_seek(rig->consumer, b->topic, 0, 1) == 0);
      after = uvk_consumer_is_stale(rig->consumer, b->topic, 0);
    }
    return 0;
  };
  r.start();
  REQUIRE(r.run_until([&] { return r.batches >= 1; }));
  CHECK(before == 0);
  CHECK(after == 1);
}

TEST_CASE("isStale: a seek while the handler's batch is held makes it stale", "[seek_commit]") {
  ConsumerRig r;
  r.b1.log[0] = values("v", 4);
  std::string topic;
  r.on_batch = [&](ConsumerRig *rig, const uvk_batch *b) {
    if (rig->batches == 1) {
      topic = b->topic;
      return int(UVK_PENDING);
    }
    return 0;
  };
  r.start();
  REQUIRE(r.run_until([&] { return r.batches == 1; }));
  CHECK(uvk_consumer_is_stale(r.consumer, topic.c_str(), 0) == 0);
  REQUIRE(uvk_consumer_seek(r.consumer, topic.c_str(), 0, 1) == 0);
  CHECK(uvk_consumer_is_stale(r.consumer, topic.c_str(), 0) == 1);
  REQUIRE(uvk_consumer_done(r.consumer, topic.c_str(), 0, 0) == 0);
}

TEST_CASE("OffsetFetch: the committed offset does not override a seek made while it loaded", "[seek_commit]") {
  ConsumerRig r;
  r.b1.log[0] = values("v", 6);
  r.cluster.offset_fetch_committed = true;
  r.cluster.committed[0] = 2;
  // The join event comes before the committed offsets are asked for: the seek is first.
  r.before_run = [](ConsumerRig *rig) {
    REQUIRE(uvk_consumer_on(rig->consumer, UVK_EVENT_GROUP_JOIN,
                            [](void *ud, const uvk_event *) {
                              ConsumerRig *g = static_cast<ConsumerRig *>(ud);
                              REQUIRE(uvk_consumer_seek(g->consumer, g->cluster.topic.c_str(), 0, 4) == 0);
                            },
                            rig) > 0);
  };
  r.start();
  REQUIRE(r.run_until([&] { return r.seen.size() >= 2; }));
  CHECK(r.seen == std::vector<std::string>{"v4", "v5"});
}

TEST_CASE("auto-commit: a threshold reached while a commit is in flight commits when it completes", "[seek_commit]") {
  ConsumerRig r;
  r.b1.log[0] = values("v", 4);
  r.auto_commit = 1;
  r.auto_commit_threshold = 1;
  r.auto_resolve = 0;
  // Every Fetch answer checks the threshold too: long polls keep them away, so only the
  // completed commit can send the next one.
  r.max_wait = "10000";
  r.on_batch = [](ConsumerRig *rig, const uvk_batch *b) {
    if (rig->batches == 1) {
      // The first resolve sends a commit (offset 1); the second finds it in flight.
      REQUIRE(uvk_consumer_resolve_offset(rig->consumer, b->topic, 0, b->messages[0].offset) == 0);
      REQUIRE(uvk_consumer_commit_offsets_if_necessary(rig->consumer) == 0);
      REQUIRE(uvk_consumer_resolve_offset(rig->consumer, b->topic, 0, b->last_offset) == 0);
      REQUIRE(uvk_consumer_commit_offsets_if_necessary(rig->consumer) == 0);
    }
    return 0;
  };
  r.start();
  auto committed = [&](const std::string &what) {
    for (const std::string &e : r.cluster.journal)
      if (e.find(what) != std::string::npos) return true;
    return false;
  };
  REQUIRE(r.run_until([&] { return committed(" 0=1"); }));
  // No interval is set and no Fetch answers for 10 s: only the re-check commits offset 4.
  REQUIRE(r.run_until([&] { return committed(" 0=4"); }, 3000));
  CHECK(r.cluster.committed[0] == 4);
}
