// The consumer opens its fetch connection to a partition's leader while the partition's
// committed offsets load (consumer_offsets_load.cc, engine_open_lane), so the first Fetch
// does not wait for a connect and ApiVersions after the OffsetFetch answer.
#include <catch2/catch.hpp>

#include <utility>

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
