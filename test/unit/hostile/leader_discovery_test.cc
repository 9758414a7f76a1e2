// KIP-951 on the consumer side: a Fetch answer's NOT_LEADER_OR_FOLLOWER that names the
// partition's current leader (and its endpoint, Fetch v16+) moves the partition there at once,
// without a Metadata request; an answer naming no leader takes the Metadata path as before.
// The public client against two fake brokers (test/lib/consumer_rig.h); partition 0 starts on
// b1 and moves to b2.
#include <catch2/catch.hpp>

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
