// A burst of sends before the topic's metadata is known: later sends to the same topics ride
// on the first one's metadata lookup (lib/client/producer.cc ensure_host) instead of asking
// for metadata once each, and every send still completes once, in order. The public client
// against two fake brokers (test/lib/fake_rig.h).
#include <catch2/catch.hpp>

#include <string.h>

#include <string>
#include <vector>

#include "fake_broker.h"
#include "fake_rig.h"
#include "proto/gen/api_table.h"
#include "uvkafka/uvkafka.h"

using namespace uvk_test;

namespace {

struct Rig : TwoBrokerRig {
  uvk_producer *producer = nullptr;
  std::vector<int> codes;  // per send: its completion's code, -1 until it ran
  int calls = 0;

  ~Rig() {
    if (producer) uvk_producer_free(producer);
  }
  void start() {
    uvk_config *cfg = uvk_config_new();
    REQUIRE(cfg);
    char err[256];
    std::string seed = addr(b2);
    REQUIRE(uvk_config_set(cfg, "brokers", seed.c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "clientId", "producer-burst", err, sizeof err) == 0);
    REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
    REQUIRE(uvk_producer_new(client, cfg, &producer) == 0);
    uvk_config_free(cfg);
  }
  int metadata_requests() { return b1.requests[uvk::proto::kMetadata] + b2.requests[uvk::proto::kMetadata]; }
};

struct Ctx {
  Rig *r;
  size_t i;
};

}  // namespace

TEST_CASE("a burst of sends before the metadata is known asks for it once, not once per send", "[producer]") {
  Rig r;
  r.start();
  const size_t n = 5000;
  r.codes.assign(n, -1);
  std::vector<Ctx> ctx(n);
  std::string value = "burst";
  uvk_message m;
  memset(&m, 0, sizeof m);
  m.partition = 0;
  m.timestamp = -1;
  m.value = value.data();
  m.value_len = value.size();
  uvk_send_options o;
  uvk_send_options_init(&o);
  o.acks = 1;
  for (size_t i = 0; i < n; i++) {
    ctx[i] = Ctx{&r, i};
    REQUIRE(uvk_producer_send(r.producer, r.cluster.topic.c_str(), &m, 1, &o,
                              [](uvk_producer *, const uvk_error *err, const uvk_record_metadata *, size_t, void *ud) {
                                Ctx *c = static_cast<Ctx *>(ud);
                                c->r->codes[c->i] = err ? uvk_error_code(err) : 0;
                                c->r->calls++;
                              },
                              &ctx[i]) == 0);
  }
  REQUIRE(r.run_until([&] { return r.calls == int(n); }));
  for (size_t i = 0; i < n; i++) {
    INFO("send " << i);
    CHECK(r.codes[i] == 0);
  }
  CHECK(r.b1.log[0].size() == n);
  // The bootstrap lookup, the burst's one, maybe a refresh: never one per send.
  CHECK(r.metadata_requests() < 10);
}

TEST_CASE("sends riding on another's metadata lookup complete with UVK_ECLOSED when the producer is freed",
          "[producer]") {
  Rig r;
  r.start();
  const size_t n = 100;
  r.codes.assign(n, -1);
  std::vector<Ctx> ctx(n);
  std::string value = "gone";
  uvk_message m;
  memset(&m, 0, sizeof m);
  m.partition = -1;
  m.timestamp = -1;
  m.value = value.data();
  m.value_len = value.size();
  for (size_t i = 0; i < n; i++) {
    ctx[i] = Ctx{&r, i};
    REQUIRE(uvk_producer_send(r.producer, r.cluster.topic.c_str(), &m, 1, nullptr,
                              [](uvk_producer *, const uvk_error *err, const uvk_record_metadata *, size_t, void *ud) {
                                Ctx *c = static_cast<Ctx *>(ud);
                                c->r->codes[c->i] = err ? uvk_error_code(err) : 0;
                                c->r->calls++;
                              },
                              &ctx[i]) == 0);
  }
  uvk_producer_free(r.producer);  // before any metadata answer: every send ends here, once
  r.producer = nullptr;
  CHECK(r.calls == int(n));
  for (size_t i = 0; i < n; i++) {
    INFO("send " << i);
    CHECK(r.codes[i] == UVK_ECLOSED);
  }
  r.close_client();  // the host's lookup answers into nothing and frees itself
}
