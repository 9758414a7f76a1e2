// KIP-714 client telemetry (lib/client/telemetry.cc) against the scripted cluster and its
// fake clock: subscription, pushes on the interval with the subscribed metrics only, delta
// and cumulative sums, compression, the terminating push, and the broker's errors.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

// The telemetry codecs before fake_cluster.h: its frame() template must see their encoders.
#include "proto/gen/get_telemetry_subscriptions.h"
#include "proto/gen/push_telemetry.h"
// clang-format off
#include "client/telemetry.h"
#include "codec/codec.h"
#include "engine/metadata.h"
#include "fake_cluster.h"
#include "../client/otlp_decode.h"

using namespace uvk;

namespace {

struct Push {
  uint64_t at;
  proto::PushTelemetryRequest req;
  std::string metrics;  // decompressed
};

// The broker side: answers GetTelemetrySubscriptions from `sub` and PushTelemetry with the
// next of `push_errors` (then 0), recording every push.
struct TelemetryBroker {
  fake::Cluster *c;
  proto::GetTelemetrySubscriptionsResponse sub;
  std::vector<std::string> metric_names;  // sub.requested_metrics
  std::vector<proto::Str> metric_strs;
  std::vector<int8_t> codecs;
  std::vector<int16_t> push_errors;
  std::vector<int32_t> push_throttles;
  std::vector<Push> pushes;
  std::vector<uint64_t> subscribed_at;
  std::vector<proto::Uuid> subscribe_ids;
  bool answer_pushes = true;

  explicit TelemetryBroker(fake::Cluster *cl) : c(cl) {
    sub.client_instance_id.b[0] = 0x42;
    sub.subscription_id = 7;
    sub.push_interval_ms = 1000;
    sub.telemetry_max_bytes = 1 << 20;
    c->extra_apis = {{proto::kGetTelemetrySubscriptions, 0}, {proto::kPushTelemetry, 0}};
    c->other = [this](int16_t key, int32_t corr, int16_t version, Reader *body, std::vector<uint8_t> *resp) {
      Arena a;
      if (key == proto::kGetTelemetrySubscriptions) {
        proto::GetTelemetrySubscriptionsRequest req;
        REQUIRE(proto::decode(body, &a, &req, version) == 0);
        subscribed_at.push_back(c->now);
        subscribe_ids.push_back(req.client_instance_id);
        metric_strs.clear();
        for (const std::string &s : metric_names) metric_strs.push_back(proto::Str{s.data(), int32_t(s.size())});
        sub.requested_metrics = proto::Array<proto::Str>{metric_strs.data(), int32_t(metric_strs.size())};
        sub.accepted_compression_types = proto::Array<int8_t>{codecs.data(), int32_t(codecs.size())};
        *resp = fake::Cluster::frame(corr, key, version, sub);
      } else if (key == proto::kPushTelemetry) {
        Push p{c->now, {}, {}};
        REQUIRE(proto::decode(body, &a, &p.req, version) == 0);
        Buf out;
        if (p.req.compression_type == 0) put_raw(&out, p.req.metrics.data, size_t(p.req.metrics.len));
        else REQUIRE(codec_decompress(p.req.compression_type, p.req.metrics.data, size_t(p.req.metrics.len), &out, 1 << 24) == 0);
        p.metrics.assign(reinterpret_cast<const char *>(out.data), out.len);
        buf_free(&out);
        p.req.metrics = proto::Bytes{nullptr, 0};
        pushes.push_back(p);
        proto::PushTelemetryResponse r;
        if (!push_errors.empty()) {
          r.error_code = push_errors.front();
          push_errors.erase(push_errors.begin());
        }
        if (!push_throttles.empty()) {
          r.throttle_time_ms = push_throttles.front();
          push_throttles.erase(push_throttles.begin());
        }
        *resp = fake::Cluster::frame(corr, key, version, r);
      } else {
        FAIL("unexpected api key " << key);
      }
      arena_free(&a);
      return key != proto::kPushTelemetry || answer_pushes;
    };
  }
};

// The client's metrics: a counter the test moves and a gauge.
struct Source {
  int64_t sent = 0;
  int64_t queue = 3;
  int collects = 0;
};

void collect(void *ud, TelemetrySink *s) {
  Source *src = static_cast<Source *>(ud);
  src->collects++;
  TelemetryValue v{};
  v.name = "org.apache.kafka.producer.record.send.total";
  v.unit = "1";
  v.sum = true;
  v.i = src->sent;
  telemetry_add(s, v);
  TelemetryValue g{};
  g.name = "org.apache.kafka.consumer.coordinator.assigned.partitions";
  g.i = src->queue;
  g.attrs[0] = OtlpAttr{"node.id", nullptr, 1};
  g.n_attrs = 1;
  telemetry_add(s, g);
}

void on_meta(void *ud, const uvk_error *, MetadataSnapshot *snap) {
  ++*static_cast<int *>(ud);
  if (snap) {
    metadata_snapshot_free(snap);
    mem_free(nullptr, snap);
  }
}

// A cluster of one broker with a ready connection.
struct Rig {
  fake::Cluster c;
  TelemetryBroker b{&c};
  Source src;
  Telemetry t;
  Rig(bool offer = true) {
    c.brokers.push_back(fake::Broker{1, "b1", 9092});
    if (!offer) c.extra_apis.clear();
    c.start(fake::Cluster::default_config(), {"b1:9092"});
    int done = 0;
    REQUIRE(metadata_fetch(c.e, nullptr, -1, on_meta, &done, c.now) == 0);
    c.run_until([&] { return done > 0; });
    telemetry_init(&t, c.e, nullptr, collect, &src);
  }
  ~Rig() { telemetry_free(&t); }
  pbtest::Decoded last() {
    REQUIRE(!b.pushes.empty());
    return pbtest::decode_metrics_data(b.pushes.back().metrics);
  }
};

}  // namespace

TEST_CASE("telemetry: a broker without the API is never asked, and nothing is logged", "[telemetry]") {
  Rig r(false);
  telemetry_start(&r.t, r.c.now);
  r.c.advance(10000);
  CHECK(r.t.state == kTelemetryOff);
  CHECK(r.c.requests[proto::kGetTelemetrySubscriptions] == 0);
  CHECK(r.c.requests[proto::kPushTelemetry] == 0);
}

TEST_CASE("telemetry: subscribed prefixes are pushed every interval, delta sums, gzip", "[telemetry]") {
  Rig r;
  r.b.metric_names = {"org.apache.kafka.producer."};
  r.b.codecs = {9, kCodecGzip};  // an unknown type first: skipped
  r.b.sub.delta_temporality = true;
  telemetry_start(&r.t, r.c.now);
  r.c.run_until([&] { return r.b.subscribed_at.size() == 1; });
  CHECK(proto::uuid_is_zero(r.b.subscribe_ids[0]));  // the first request has no id yet
  uint64_t subscribed = r.b.subscribed_at[0];
  r.src.sent = 10;
  r.c.run_until([&] { return r.b.pushes.size() == 1; });
  // The first push after 0.5 to 1.5 intervals.
  CHECK(r.b.pushes[0].at >= subscribed + 500);
  CHECK(r.b.pushes[0].at <= subscribed + 1500);
  CHECK(r.b.pushes[0].req.client_instance_id.b[0] == 0x42);
  CHECK(r.b.pushes[0].req.subscription_id == 7);
  CHECK(r.b.pushes[0].req.compression_type == kCodecGzip);
  CHECK_FALSE(r.b.pushes[0].req.terminating);
  pbtest::Decoded d = r.last();
  REQUIRE(d.points.size() == 1);  // the consumer gauge is not subscribed
  CHECK(d.points[0].metric == "org.apache.kafka.producer.record.send.total");
  CHECK(d.points[0].sum);
  CHECK(d.points[0].monotonic);
  CHECK(d.points[0].temporality == 1);  // DELTA
  CHECK(d.points[0].i == 10);
  CHECK(d.points[0].time_ns == r.b.pushes[0].at * 1000000u);
  CHECK(d.scope_name == "uvkafka");
  r.src.sent = 25;
  r.c.run_until([&] { return r.b.pushes.size() == 2; });
  CHECK(r.b.pushes[1].at == r.b.pushes[0].at + 1000);  // then every interval
  d = r.last();
  REQUIRE(d.points.size() == 1);
  CHECK(d.points[0].i == 15);  // the difference to the previous push
  CHECK(d.points[0].start_ns == r.b.pushes[0].at * 1000000u);
  CHECK(r.t.pushes == 2);
  CHECK(r.b.subscribed_at.size() == 1);
}

TEST_CASE("telemetry: '*' subscribes everything, cumulative sums, uncompressed when nothing fits", "[telemetry]") {
  Rig r;
  r.b.metric_names = {"*"};
  r.b.codecs = {};
  telemetry_start(&r.t, r.c.now);
  r.src.sent = 4;
  r.c.run_until([&] { return r.b.pushes.size() == 1; });
  r.src.sent = 9;
  r.c.run_until([&] { return r.b.pushes.size() == 2; });
  CHECK(r.b.pushes[1].req.compression_type == 0);
  pbtest::Decoded d = r.last();
  REQUIRE(d.points.size() == 2);
  const pbtest::Point *sent = d.find("org.apache.kafka.producer.record.send.total");
  REQUIRE(sent);
  CHECK(sent->temporality == 2);  // CUMULATIVE
  CHECK(sent->i == 9);
  CHECK(sent->start_ns == r.b.subscribed_at[0] * 1000000u - 0);
  const pbtest::Point *g = d.find("org.apache.kafka.consumer.coordinator.assigned.partitions");
  REQUIRE(g);
  CHECK_FALSE(g->sum);
  CHECK(g->i == 3);
  CHECK(g->attrs.at("node.id") == "1");
}

TEST_CASE("telemetry: an empty subscription pushes nothing and asks again after the interval", "[telemetry]") {
  Rig r;
  r.b.sub.push_interval_ms = 5000;
  telemetry_start(&r.t, r.c.now);
  r.c.run_until([&] { return r.b.subscribed_at.size() == 2; });
  CHECK(r.b.subscribed_at[1] == r.b.subscribed_at[0] + 5000);
  CHECK(r.b.subscribe_ids[1].b[0] == 0x42);  // later requests carry the instance id
  CHECK(r.b.pushes.empty());
  CHECK(r.src.collects == 0);
}

TEST_CASE("telemetry: UNKNOWN_SUBSCRIPTION_ID re-subscribes at once", "[telemetry]") {
  Rig r;
  r.b.metric_names = {"org.apache.kafka."};
  r.b.push_errors = {117};
  telemetry_start(&r.t, r.c.now);
  r.c.run_until([&] { return r.b.subscribed_at.size() == 2; });
  REQUIRE(r.b.pushes.size() == 1);
  CHECK(r.b.subscribed_at[1] == r.b.pushes[0].at);
  r.c.run_until([&] { return r.b.pushes.size() == 2; });
  CHECK(r.t.pushes == 1);
  CHECK(r.t.push_errors == 1);
}

TEST_CASE("telemetry: UNSUPPORTED_COMPRESSION_TYPE re-subscribes and picks another codec", "[telemetry]") {
  Rig r;
  r.b.metric_names = {"org.apache.kafka."};
  r.b.codecs = {kCodecGzip};
  r.b.push_errors = {76};
  telemetry_start(&r.t, r.c.now);
  r.c.run_until([&] { return r.b.pushes.size() == 2; });
  CHECK(r.b.pushes[0].req.compression_type == kCodecGzip);
  CHECK(r.b.pushes[1].req.compression_type == 0);  // gzip refused: uncompressed
  CHECK(r.b.subscribed_at.size() == 2);
}

TEST_CASE("telemetry: INVALID_RECORD turns telemetry off", "[telemetry]") {
  Rig r;
  r.b.metric_names = {"org.apache.kafka."};
  r.b.push_errors = {87};
  telemetry_start(&r.t, r.c.now);
  r.c.run_until([&] { return r.b.pushes.size() == 1; });
  r.c.advance(20000);
  CHECK(r.t.state == kTelemetryOff);
  CHECK(r.b.pushes.size() == 1);
  CHECK(r.b.subscribed_at.size() == 1);
  CHECK(telemetry_close(&r.t, [](void *) { FAIL("no terminating push when off"); }, nullptr, r.c.now) == 1);
}

TEST_CASE("telemetry: TELEMETRY_TOO_LARGE and throttling wait; a throttle longer than the interval counts", "[telemetry]") {
  Rig r;
  r.b.metric_names = {"org.apache.kafka."};
  r.b.push_errors = {118, 0};
  r.b.push_throttles = {0, 7000};
  telemetry_start(&r.t, r.c.now);
  r.c.run_until([&] { return r.b.pushes.size() == 3; });
  CHECK(r.b.pushes[1].at == r.b.pushes[0].at + 1000);
  CHECK(r.b.pushes[2].at >= r.b.pushes[1].at + 7000);  // the broker's throttle time
  CHECK(r.b.subscribed_at.size() == 1);
}

TEST_CASE("telemetry: metrics beyond TelemetryMaxBytes are not sent", "[telemetry]") {
  Rig r;
  r.b.metric_names = {"org.apache.kafka."};
  r.b.sub.telemetry_max_bytes = 20;
  telemetry_start(&r.t, r.c.now);
  r.c.run_until([&] { return r.src.collects >= 3; });
  CHECK(r.b.pushes.empty());
  CHECK(r.t.state == kTelemetryWaiting);
}

TEST_CASE("telemetry: close sends one terminating push and reports when it is answered", "[telemetry]") {
  Rig r;
  r.b.metric_names = {"org.apache.kafka.producer."};
  telemetry_start(&r.t, r.c.now);
  r.c.run_until([&] { return r.b.pushes.size() == 1; });
  int closed = 0;
  REQUIRE(telemetry_close(&r.t, [](void *ud) { ++*static_cast<int *>(ud); }, &closed, r.c.now) == 0);
  CHECK(closed == 0);  // never inside the call
  r.c.run_until([&] { return closed == 1; });
  REQUIRE(r.b.pushes.size() == 2);
  CHECK(r.b.pushes[1].req.terminating);
  CHECK(r.t.state == kTelemetryOff);
  r.c.advance(10000);
  CHECK(r.b.pushes.size() == 2);
  CHECK(closed == 1);
}

TEST_CASE("telemetry: a close that the broker does not answer is released after a second", "[telemetry]") {
  Rig r;
  r.b.metric_names = {"org.apache.kafka.producer."};
  telemetry_start(&r.t, r.c.now);
  r.c.run_until([&] { return r.b.pushes.size() == 1; });
  r.b.answer_pushes = false;
  int closed = 0;
  uint64_t at = r.c.now;
  REQUIRE(telemetry_close(&r.t, [](void *ud) { ++*static_cast<int *>(ud); }, &closed, r.c.now) == 0);
  r.c.run_until([&] { return closed == 1; });
  CHECK(r.c.now == at + 1000);
}

TEST_CASE("telemetry: close without a subscription has nothing to push", "[telemetry]") {
  Rig r;
  telemetry_start(&r.t, r.c.now);
  r.c.run_until([&] { return r.b.subscribed_at.size() == 1; });
  CHECK(telemetry_close(&r.t, [](void *) { FAIL("not called"); }, nullptr, r.c.now) == 1);
  CHECK(r.b.pushes.empty());
}

TEST_CASE("telemetry: a hostile subscription (huge prefix list, zero interval) stays bounded", "[telemetry]") {
  Rig r;
  for (int k = 0; k < 5000; k++) r.b.metric_names.push_back("x" + std::to_string(k));
  r.b.metric_names.push_back(std::string(100000, 'a'));
  r.b.sub.push_interval_ms = 0;  // default interval: 5 minutes
  telemetry_start(&r.t, r.c.now);
  r.c.run_until([&] { return r.b.subscribed_at.size() == 1; });
  r.c.pump();
  CHECK(r.t.n_prefixes == 1024);
  CHECK(r.t.push_interval_ms == 300000);
}
