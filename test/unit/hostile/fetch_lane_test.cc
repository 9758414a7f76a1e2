// Round trips the start of a consumer does not wait for: it opens its fetch connection to a
// partition's leader while the partition's committed offsets load (consumer_offsets_load.cc,
// engine_open_lane), so the first Fetch does not wait for a connect and ApiVersions after the
// OffsetFetch answer; and it asks for the subscribed topics' metadata as it starts
// (group_warm_metadata), so the leader assigns right after JoinGroup.
#include <catch2/catch.hpp>

#include <algorithm>
#include <utility>
#include <vector>

#include "consumer_rig.h"
#include "proto/gen/api_table.h"

using namespace uvk_test;

TEST_CASE("join: the leader's fetch connection is open before the OffsetFetch answer arrives", "[fetch_lane]") {
  int b1_accepted_at_offset_fetch = -1;  // b1's connections when the OffsetFetch answer came
  std::pair<ConsumerRig *, int *> ctx{nullptr, &b1_accepted_at_offset_fetch};  // outlives the client
  ConsumerRig r;  // b2 coordinates the group, b1 leads partition 0 and serves nothing else
  ctx.first = &r;
  r.b1.log[0] = values("v", 3);
  r.before_run = [&](ConsumerRig *rig) {
    REQUIRE(uvk_client_on(rig->client, UVK_EVENT_REQUEST,
                          [](void *ud, const uvk_event *ev) {
                            auto *p = static_cast<std::pair<ConsumerRig *, int *> *>(ud);
                            const auto *req = static_cast<const uvk_event_request *>(ev->payload);
                            if (req->api_key == uvk::proto::kOffsetFetch && *p->second < 0)
                              *p->second = p->first->b1.accepted;
                          },
                          &ctx) > 0);
  };
  r.start();
  REQUIRE(r.run_until([&] { return r.seen.size() >= 3; }));
  CHECK(r.seen == values("v", 3));
  // Before: b1's first connection came with the ListOffsets sent after this answer.
  CHECK(b1_accepted_at_offset_fetch >= 1);
}

TEST_CASE("join: the leader assigns right after JoinGroup, the topic's metadata asked for at the start", "[fetch_lane]") {
  std::vector<int> done;  // the API key of each request answered, in order
  ConsumerRig r;
  r.b1.log[0] = values("v", 2);
  r.before_run = [&](ConsumerRig *rig) {
    REQUIRE(uvk_client_on(rig->client, UVK_EVENT_REQUEST,
                          [](void *ud, const uvk_event *ev) {
                            static_cast<std::vector<int> *>(ud)->push_back(
                                static_cast<const uvk_event_request *>(ev->payload)->api_key);
                          },
                          &done) > 0);
  };
  r.start();
  REQUIRE(r.run_until([&] { return r.seen.size() >= 2; }));
  CHECK(r.seen == values("v", 2));
  auto last_join = std::find(done.rbegin(), done.rend(), int(uvk::proto::kJoinGroup));
  REQUIRE(last_join != done.rend());
  size_t at = size_t(done.rend() - last_join);  // the index after the last JoinGroup
  REQUIRE(at < done.size());
  // Before: JoinGroup, Metadata (the leader's topics), SyncGroup.
  CHECK(done[at] == int(uvk::proto::kSyncGroup));
  CHECK(std::find(done.begin(), done.begin() + long(at), int(uvk::proto::kMetadata)) != done.begin() + long(at));
}
