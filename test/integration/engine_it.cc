// The engine and the libuv driver without the C ABI on top, against the real cluster: the
// pieces the producer and consumer build on (metadata_ensure and leader lookup, batched
// coordinator lookup), also under protocolVersionCap 2.4 (FindCoordinator v0-v3 only).
// Needs UVK_TEST_BROKERS; without it every test fails.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include <functional>
#include <string>

#include "engine/coordinator.h"
#include "engine/metadata.h"
#include "engine/version_table.h"
#include "io/driver.h"
#include "uvkafka/uvkafka.h"

using namespace uvk;

namespace {

struct Rig {
  uv_loop_t loop;
  IoDriver io;
  Engine *e = nullptr;
  EngineTimer close_timer;
  bool closed = false;

  explicit Rig(const KafkaRelease *cap = nullptr) {
    const char *brokers = getenv("UVK_TEST_BROKERS");
    INFO("UVK_TEST_BROKERS must point at the test cluster (test/kafka/cluster.sh up)");
    REQUIRE(brokers);
    REQUIRE(uv_loop_init(&loop) == 0);
    EngineIo eio;
    REQUIRE(io_init(&io, &loop, nullptr, &eio) == 0);
    EngineConfig cfg;
    cfg.conn.client_id = "uvk-engine-it";
    cfg.conn.cap = cap;
    cfg.retry.initial_retry_time = 100;
    e = engine_new(cfg, eio, nullptr);
    REQUIRE(e);
    io.engine = e;
    std::string list = brokers;
    size_t start = 0;
    while (start < list.size()) {
      size_t comma = list.find(',', start);
      if (comma == std::string::npos) comma = list.size();
      std::string one = list.substr(start, comma - start);
      size_t colon = one.rfind(':');
      REQUIRE(engine_add_seed(e, one.substr(0, colon).c_str(), uint16_t(atoi(one.c_str() + colon + 1))) == 0);
      start = comma + 1;
    }
  }

  // Runs the loop until done(). A prepare handle (it runs after the timers phase, before
  // the loop waits for I/O) stops the loop once done() holds, so a completion from a timer
  // never leaves the loop blocked on idle sockets.
  void run_until(const std::function<bool()> &done) {
    uv_prepare_t check;
    uv_prepare_init(&loop, &check);
    check.data = const_cast<std::function<bool()> *>(&done);
    uv_prepare_start(&check, [](uv_prepare_t *h) {
      if ((*static_cast<std::function<bool()> *>(h->data))()) uv_stop(h->loop);
    });
    while (!done()) {
      int alive = uv_run(&loop, UV_RUN_DEFAULT);
      if (!done() && !alive) FAIL("the loop ran out of work first");
    }
    uv_close(reinterpret_cast<uv_handle_t *>(&check), nullptr);
    uv_run(&loop, UV_RUN_NOWAIT);
  }

  ~Rig() {
    // As uvk_client_disconnect does: fail what is pending, then close the sockets.
    engine_shutdown(e);
    engine_add_timer(e, &close_timer, io_now(&io), [](void *ud, uint64_t) {
      Rig *r = static_cast<Rig *>(ud);
      io_close(&r->io, [](void *p) { static_cast<Rig *>(p)->closed = true; }, r);
    }, this);
    run_until([this] { return closed; });
    engine_free(e);
    CHECK(uv_loop_close(&loop) == 0);
  }
};

struct Found {
  int calls = 0, code = 1;
  int32_t node = -2;
};

void on_found(void *ud, const uvk_error *err, int32_t node) {
  Found *f = static_cast<Found *>(ud);
  f->calls++;
  f->code = err ? uvk_error_code(err) : 0;
  f->node = node;
}

void coordinators(Rig &r, uint64_t expect_requests) {
  std::string base = "uvk-it-group-" + std::to_string(uv_hrtime());
  std::string keys[3] = {base + "-a", base + "-b", base + "-c"};
  Found found[3];
  for (int i = 0; i < 3; i++)
    REQUIRE(coordinator_find(r.e, kCoordinatorGroup, keys[i].c_str(), on_found, &found[i], io_now(&r.io)) == 0);
  r.run_until([&] { return found[0].calls && found[1].calls && found[2].calls; });
  int nodes = atoi(getenv("UVK_TEST_NODES") ? getenv("UVK_TEST_NODES") : "0");
  for (const Found &f : found) {
    CHECK(f.code == 0);
    CHECK(f.node >= 1);
    CHECK(f.node <= nodes);
  }
  // The coordinator may be loading right after start: its retries add requests, which are
  // not counted here; the first attempts went out in exactly expect_requests requests.
  CHECK(coordinator_first_requests_sent(r.e) == expect_requests);
  CHECK(coordinator_requests_sent(r.e) >= expect_requests);
  CHECK(coordinator_cached(r.e, kCoordinatorGroup, keys[1].c_str()) == found[1].node);
}

}  // namespace

TEST_CASE("engine: coordinators of three groups in one FindCoordinator request", "[integration]") {
  Rig r;
  coordinators(r, 1);
}

TEST_CASE("engine: coordinator lookup capped at Kafka 2.4 uses one request per key", "[integration]") {
  Rig r(version_table_find(2, 4, 0));
  coordinators(r, 4);  // the batch cannot go out (v4 is past the cap), then three singles
}

TEST_CASE("engine: metadata_ensure creates a topic and finds its leaders", "[integration]") {
  Rig r;
  std::string topic = "uvk-it-ensure-" + std::to_string(uv_hrtime());
  const char *topics[] = {topic.c_str()};
  struct {
    int calls = 0, code = 1;
  } done;
  REQUIRE(metadata_ensure(r.e, topics, 1, [](void *ud, const uvk_error *err) {
    auto *d = static_cast<decltype(done) *>(ud);
    d->calls++;
    d->code = err ? uvk_error_code(err) : 0;
  }, &done, io_now(&r.io)) == 0);
  r.run_until([&] { return done.calls > 0; });
  REQUIRE(done.code == 0);
  int32_t leader = -1;
  REQUIRE(engine_leader(r.e, topic.c_str(), 0, &leader) == 0);
  CHECK(leader >= 1);
}
