// A handler still pending (UVK_PENDING) when an eager rebalance gives its partition back to
// the same member. Its uvk_consumer_done used to end the new assignment's hold instead: a
// consume-transform-produce pipeline whose old transaction aborted (ILLEGAL_GENERATION) failed
// the batch the new generation had just handed it, that batch came again and went into the
// same transaction twice (the chaos soak's duplicated inputs). Now the partition given back
// delivers nothing until the old handler is done, and that result is ignored. The public
// client against two fake brokers (test/lib/consumer_rig.h); partition 0 lives on b1.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "consumer_rig.h"
#include "fake_broker.h"
#include "proto/gen/api_table.h"
#include "uvkafka/uvkafka.h"

using namespace uvk_test;

TEST_CASE("a pending handler across an eager rebalance: the partition given back waits for it, its result is "
          "ignored", "[pending_rebalance]") {
  ConsumerRig r;
  r.b1.log[0] = values("a", 3);
  r.b2.log[1] = values("b", 3);
  int joins = 0;
  r.before_run = [&](ConsumerRig *rig) {
    REQUIRE(uvk_consumer_on(rig->consumer, UVK_EVENT_GROUP_JOIN,
                          [](void *ud, const uvk_event *) { ++*static_cast<int *>(ud); }, &joins) > 0);
  };
  r.on_batch = [](ConsumerRig *, const uvk_batch *) { return UVK_PENDING; };  // every batch of partition 0
  r.start();
  REQUIRE(r.run_until([&] { return joins == 1 && r.batches == 1; }));
  r.cluster.inject_errors[uvk::proto::kHeartbeat].push_back(27);  // REBALANCE_IN_PROGRESS
  REQUIRE(r.run_until([&] { return joins == 2 && r.seen1.size() >= 6; }));  // partition 1 read again
  // Partition 0 is the member's again, but its first handler is still pending: a window in
  // which it must not be delivered (it was, at once, before).
  CHECK_FALSE(r.run_until([&] { return r.batches > 1; }, 500));
  CHECK(r.batches == 1);
  // The old handler fails (as an aborted transaction does): partition 0 goes on from its
  // committed offset (0) once, and that failure does not come back on the new delivery.
  REQUIRE(uvk_consumer_done(r.consumer, r.cluster.topic.c_str(), 0, -1) == 0);
  REQUIRE(r.run_until([&] { return r.batches == 2; }));
  CHECK(r.seen == std::vector<std::string>({"a0", "a1", "a2", "a0", "a1", "a2"}));
  REQUIRE(uvk_consumer_done(r.consumer, r.cluster.topic.c_str(), 0, 0) == 0);  // the new hold, resolved
  CHECK_FALSE(r.run_until([&] { return r.batches > 2; }, 500));
  CHECK(r.batches == 2);
  CHECK(uvk_consumer_done(r.consumer, r.cluster.topic.c_str(), 0, 0) == UVK_ENOTFOUND);
}

// The chaos soak's 340 inputs twice (seed 5): the coordinator moved during a rebalance, so the
// member rejoined the same generation and got partition 2 back while its pipeline still held a
// batch of it. The new assignment read the committed offset at once (11640); the pending
// transaction then committed 11760 (its TxnOffsetCommit, same generation, accepted), and the
// partition went on from 11640: 120 inputs into the output twice. The offset of a partition
// given back is read only once the old handler is done.
TEST_CASE("a pending handler across an eager rebalance: the partition given back starts from the offset its work "
          "committed", "[pending_rebalance]") {
  ConsumerRig r;
  r.cluster.offset_fetch_committed = true;  // OffsetFetch answers `committed` (0 while there is none)
  r.b1.log[0] = values("a", 3);
  r.b2.log[1] = values("b", 3);
  int joins = 0;
  r.before_run = [&](ConsumerRig *rig) {
    REQUIRE(uvk_consumer_on(rig->consumer, UVK_EVENT_GROUP_JOIN,
                          [](void *ud, const uvk_event *) { ++*static_cast<int *>(ud); }, &joins) > 0);
  };
  r.on_batch = [](ConsumerRig *, const uvk_batch *) { return UVK_PENDING; };
  r.start();
  REQUIRE(r.run_until([&] { return joins == 1 && r.batches == 1; }));
  r.cluster.inject_errors[uvk::proto::kHeartbeat].push_back(27);  // REBALANCE_IN_PROGRESS
  // The new assignment's offsets are loaded: partition 1 is read again from its offset 0.
  REQUIRE(r.run_until([&] { return joins == 2 && r.seen1.size() >= 6; }));
  // The old handler's work commits a0..a2 (a transaction's offsets; here the fake coordinator's
  // committed offset) and is done. The partition goes on from 3, not from the 0 read earlier.
  r.cluster.committed[0] = 3;
  r.b1.log[0].push_back("a3");
  REQUIRE(uvk_consumer_done(r.consumer, r.cluster.topic.c_str(), 0, 0) == 0);
  REQUIRE(r.run_until([&] { return r.batches == 2; }));
  CHECK(r.seen == std::vector<std::string>({"a0", "a1", "a2", "a3"}));
}
