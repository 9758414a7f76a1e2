// KIP-951 on the consumer side: a Fetch answer's NOT_LEADER_OR_FOLLOWER that names the
// partition's current leader (and its endpoint, Fetch v16+) moves the partition there at once,
// without a Metadata request; an answer naming no leader takes the Metadata path as before.
// The public client against two fake brokers (test/lib/consumer_rig.h); partition 0 starts on
// b1 and moves to b2.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "consumer_rig.h"
#include "fake_broker.h"
#include "proto/gen/api_table.h"

using namespace uvk_test;

TEST_CASE("consumer: a Fetch naming the new leader (KIP-951) moves the partition there without a Metadata request",
          "[leader_discovery]") {
  for (bool named : {true, false}) {
    INFO("the answer names the leader: " << named);
    ConsumerRig r;
    r.cluster.metadata_max_version = 12;  // topic ids, so Fetch goes by id (v13+)
    r.cluster.fetch_max_version = 17;
    r.cluster.fetch_named_leader_epoch = named ? 1 : -1;  // the metadata's epoch is 0
    r.b1.log[0] = values("v", 3);
    r.start();
    REQUIRE(r.run_until([&] { return r.seen.size() >= 3; }));
    int metadata_before = r.b1.requests[uvk::proto::kMetadata] + r.b2.requests[uvk::proto::kMetadata];
    // The partition moves to b2 (its log with it, two records more); b1 answers NOT_LEADER.
    r.b2.log[0] = r.b1.log[0];
    r.b2.log[0].push_back("w0");
    r.b2.log[0].push_back("w1");
    r.cluster.leaders[0] = 2;
    REQUIRE(r.run_until([&] { return r.seen.size() >= 5; }));
    std::vector<std::string> want = values("v", 3);
    want.push_back("w0");
    want.push_back("w1");
    CHECK(r.seen == want);
    int metadata_after = r.b1.requests[uvk::proto::kMetadata] + r.b2.requests[uvk::proto::kMetadata];
    CHECK(r.b1.request_versions[uvk::proto::kFetch] == 17);
    if (named) CHECK(metadata_after == metadata_before);  // re-routed by the answer alone
    else CHECK(metadata_after > metadata_before);         // the Metadata round trip
  }
}

TEST_CASE("consumer: a leader that the broker list leaves out is looked up again, not fetched from until Metadata expires",
          "[leader_discovery]") {
  // The chaos soak's stalled pipeline partitions: a broker restarts; a Metadata answer taken
  // while it was down still names it as a partition's leader (the answering broker's view
  // lags) but leaves it out of the broker list. That leader had no address, every Fetch for
  // the partition failed before it was sent, and the fresh cache kept the next Metadata
  // request away for metadata.max.age (5 minutes) while the other partitions went on.
  FakeBroker back;  // node 1 after its restart; outlives the rig's loop run
  ConsumerRig r;
  struct StopBack {
    FakeBroker *b;
    ~StopBack() { if (b->loop) fake_broker_stop(b); }
  } stop_back{&back};
  r.extra_config = {{"brokers", r.addr(r.b2)}};
  r.b1.log[0] = values("v", 3);
  r.b2.log[1] = {"u0"};
  r.start();
  REQUIRE(r.run_until([&] { return r.seen.size() >= 3 && r.seen1.size() >= 1; }));
  // Node 1 goes down; Metadata still names it partition 0's leader but lists node 2 only.
  r.cluster.brokers.erase(std::remove(r.cluster.brokers.begin(), r.cluster.brokers.end(), &r.b1), r.cluster.brokers.end());
  fake_broker_stop(&r.b1);
  const int md = r.b2.requests[uvk::proto::kMetadata];
  REQUIRE(r.run_until([&] { return r.b2.requests[uvk::proto::kMetadata] > md; }));
  // Node 1 is back (on a new port, listed again) with one record more; partition 1 goes on meanwhile.
  REQUIRE(fake_broker_start(&back, &r.loop, &r.cluster, 1) == 0);
  back.log[0] = r.b1.log[0];
  back.log[0].push_back("w0");
  r.b2.log[1].push_back("u1");
  REQUIRE(r.run_until([&] { return r.seen1.size() >= 2; }));
  CHECK(r.run_until([&] { return r.seen.size() >= 4; }, 10000));  // was: nothing for 5 minutes
  std::vector<std::string> want = values("v", 3);
  want.push_back("w0");
  CHECK(r.seen == want);
}
