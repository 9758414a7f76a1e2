// When a batch's linger ends in a loop turn where the application sends more to the same
// partition (from its own timer, due in that same turn), those messages leave with the batch:
// the engine's deadline runs at the end of the turn (lib/io/driver.cc on_turn_end), not
// before the application's callbacks of that turn, which then waited a whole linger more.
// The public client against the fake brokers of test/lib/fake_rig.h, on a real loop.
#include <catch2/catch.hpp>

#include <string.h>

#include <string>

#include "fake_broker.h"
#include "fake_rig.h"
#include "proto/gen/api_table.h"
#include "uvkafka/uvkafka.h"

using namespace uvk_test;

namespace {

struct Rig : TwoBrokerRig {
  uvk_producer *producer = nullptr;
  uvk_message msg;
  std::string value = "m";
  uvk_send_options o;
  int done = 0, failed = 0;
  int64_t offsets[3] = {-1, -1, -1};

  ~Rig() {
    if (producer) uvk_producer_free(producer);
  }
  void start(const char *linger) {
    uvk_config *cfg = uvk_config_new();
    REQUIRE(cfg);
    char err[256];
    std::string seed = addr(b1);
    REQUIRE(uvk_config_set(cfg, "brokers", seed.c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "linger", linger, err, sizeof err) == 0);
    REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
    REQUIRE(uvk_producer_new(client, cfg, &producer) == 0);
    uvk_config_free(cfg);
    memset(&msg, 0, sizeof msg);
    msg.partition = 0;  // led by broker 1
    msg.timestamp = -1;
    msg.value = value.data();
    msg.value_len = value.size();
    uvk_send_options_init(&o);
    o.acks = 1;
  }
  void send(int i) {
    REQUIRE(uvk_producer_send(producer, cluster.topic.c_str(), &msg, 1, &o,
                              [](uvk_producer *, const uvk_error *err, const uvk_record_metadata *md, size_t n,
                                 void *ud) {
                                *static_cast<int64_t *>(ud) = err || n == 0 ? -2 : md[0].base_offset;
                              },
                              &offsets[i]) == 0);
  }
};

}  // namespace

TEST_CASE("a linger ending in the turn the application sends more takes those messages too", "[producer]") {
  Rig r;
  r.start("5");
  // The connection and the topic's metadata first, so the next sends are routed in the call.
  r.send(0);
  REQUIRE(r.run_until([&] { return r.offsets[0] != -1; }));
  REQUIRE(r.offsets[0] >= 0);
  int produce_before = r.b1.requests[uvk::proto::kProduce];

  // The first message opens a batch whose linger (5 ms) ends when the application's own
  // 5 ms timer, started right after in the same turn, fires: both are due at the same loop
  // time, so they fall due in the same turn, the producer's timer first (started first).
  r.send(1);
  uv_timer_t app;
  uv_timer_init(&r.loop, &app);
  app.data = &r;
  uv_timer_start(&app, [](uv_timer_t *t) { static_cast<Rig *>(t->data)->send(2); }, 5, 0);
  REQUIRE(r.run_until([&] { return r.offsets[1] != -1 && r.offsets[2] != -1; }));
  uv_close(reinterpret_cast<uv_handle_t *>(&app), nullptr);
  REQUIRE(r.offsets[1] >= 0);
  REQUIRE(r.offsets[2] >= 0);
  // One Produce request with one batch: consecutive offsets, acknowledged together.
  CHECK(r.b1.requests[uvk::proto::kProduce] - produce_before == 1);
  CHECK(r.offsets[2] == r.offsets[1] + 1);
}
