// The OTLP encoder (lib/client/otlp.cc): bytes derived by hand from opentelemetry-proto's
// field numbers, and round trips through the test's own protobuf reader.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "client/otlp.h"
#include "otlp_decode.h"
#include "uvkafka/uvkafka.h"

using namespace uvk;

namespace {

std::string encode(const OtlpScope &scope, const OtlpMetric *m, size_t n) {
  Buf b;
  REQUIRE(otlp_encode_metrics(&b, scope, m, n) == 0);
  std::string s(reinterpret_cast<const char *>(b.data), b.len);
  buf_free(&b);
  return s;
}

}  // namespace

TEST_CASE("otlp: one gauge, byte for byte from the .proto field numbers", "[otlp]") {
  OtlpPoint p{nullptr, 0, 0, 1, false, 0, 5};
  OtlpMetric m{"m", nullptr, nullptr, false, kOtlpUnspecified, &p, 1};
  OtlpScope scope{nullptr, 0, "s", nullptr};
  const uint8_t want[] = {
      0x0a, 0x24,                    // MetricsData.resource_metrics (1), 36 bytes
      0x0a, 0x00,                    //  ResourceMetrics.resource (1): empty
      0x12, 0x20,                    //  ResourceMetrics.scope_metrics (2), 32 bytes
      0x0a, 0x03, 0x0a, 0x01, 's',   //   ScopeMetrics.scope (1): name (1) "s"
      0x12, 0x19,                    //   ScopeMetrics.metrics (2), 25 bytes
      0x0a, 0x01, 'm',               //    Metric.name (1) "m"
      0x2a, 0x14,                    //    Metric.gauge (5), 20 bytes
      0x0a, 0x12,                    //     Gauge.data_points (1), 18 bytes
      0x19, 1, 0, 0, 0, 0, 0, 0, 0,  //      time_unix_nano (3, fixed64) 1
      0x31, 5, 0, 0, 0, 0, 0, 0, 0,  //      as_int (6, sfixed64) 5
  };
  std::string got = encode(scope, &m, 1);
  CHECK(got == std::string(reinterpret_cast<const char *>(want), sizeof want));
}

TEST_CASE("otlp: a monotonic delta sum with attributes, byte for byte", "[otlp]") {
  OtlpAttr a{"k", "v", 0};
  OtlpPoint p{&a, 1, 2, 3, false, 0, -1};
  OtlpMetric m{"c", nullptr, "1", true, kOtlpDelta, &p, 1};
  OtlpScope scope{nullptr, 0, nullptr, nullptr};
  const uint8_t want[] = {
      0x0a, 0x3b, 0x0a, 0x00, 0x12, 0x37,
      0x0a, 0x00,                                // empty scope
      0x12, 0x33,                                // Metric, 51 bytes
      0x0a, 0x01, 'c', 0x1a, 0x01, '1',          //  name "c", unit (3) "1"
      0x3a, 0x2b,                                //  Metric.sum (7), 43 bytes
      0x0a, 0x25,                                //   data_points (1), 37 bytes
      0x11, 2, 0, 0, 0, 0, 0, 0, 0,              //    start_time_unix_nano (2) 2
      0x19, 3, 0, 0, 0, 0, 0, 0, 0,              //    time_unix_nano (3) 3
      0x31, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // as_int -1
      0x3a, 0x08, 0x0a, 0x01, 'k', 0x12, 0x03, 0x0a, 0x01, 'v',  // attributes (7): k = "v"
      0x10, 0x01,                                //   aggregation_temporality (2) DELTA
      0x18, 0x01,                                //   is_monotonic (3) true
  };
  std::string got = encode(scope, &m, 1);
  CHECK(got == std::string(reinterpret_cast<const char *>(want), sizeof want));
}

TEST_CASE("otlp: many metrics round-trip through a protobuf reader (multi-byte lengths)", "[otlp]") {
  std::vector<std::string> names, nodes;
  for (int k = 0; k < 200; k++) {
    names.push_back("org.apache.kafka.producer.node.request.latency.avg." + std::to_string(k));
    nodes.push_back(std::to_string(k));
  }
  std::vector<OtlpAttr> attrs(200);
  std::vector<OtlpPoint> points(200);
  std::vector<OtlpMetric> metrics(200);
  for (int k = 0; k < 200; k++) {
    attrs[size_t(k)] = OtlpAttr{"node.id", nodes[size_t(k)].c_str(), 0};
    points[size_t(k)] = OtlpPoint{&attrs[size_t(k)], 1, k % 2 ? 1000u : 0u, 1700000000000000000ull + uint64_t(k),
                                  k % 3 == 0, 0.5 + k, int64_t(k) * 1000};
    metrics[size_t(k)] = OtlpMetric{names[size_t(k)].c_str(), "described", "ms", k % 2 == 1,
                                    k % 4 == 1 ? kOtlpDelta : kOtlpCumulative, &points[size_t(k)], 1};
  }
  OtlpAttr res[2] = {{"client_id", "uvk", 0}, {"generation", nullptr, 300}};
  OtlpScope scope{res, 2, "uvkafka", "0.1.0"};
  std::string got = encode(scope, metrics.data(), metrics.size());
  REQUIRE(got.size() > 16384);  // three-byte lengths on the outer messages
  pbtest::Decoded d = pbtest::decode_metrics_data(got);
  CHECK(d.scope_name == "uvkafka");
  CHECK(d.scope_version == "0.1.0");
  CHECK(d.resource.at("client_id") == "uvk");
  CHECK(d.resource.at("generation") == "300");
  REQUIRE(d.points.size() == 200);
  for (int k = 0; k < 200; k++) {
    const pbtest::Point &p = d.points[size_t(k)];
    CHECK(p.metric == names[size_t(k)]);
    CHECK(p.unit == "ms");
    CHECK(p.description == "described");
    CHECK(p.sum == (k % 2 == 1));
    if (p.sum) {
      CHECK(p.monotonic);
      CHECK(p.temporality == (k % 4 == 1 ? 1u : 2u));
      CHECK(p.start_ns == 1000);
    } else {
      CHECK(p.start_ns == 0);
    }
    CHECK(p.time_ns == 1700000000000000000ull + uint64_t(k));
    CHECK(p.is_double == (k % 3 == 0));
    if (p.is_double) CHECK(p.d == 0.5 + k);
    else CHECK(p.i == int64_t(k) * 1000);
    CHECK(p.attrs.at("node.id") == nodes[size_t(k)]);
  }
}

TEST_CASE("otlp: a failed allocation reports UVK_ENOMEM", "[otlp]") {
  Allocator none{};
  none.malloc_fn = [](void *, size_t) -> void * { return nullptr; };
  none.realloc_fn = [](void *, void *, size_t) -> void * { return nullptr; };
  none.free_fn = [](void *, void *) {};
  Buf b;
  b.alloc = &none;
  OtlpPoint p{nullptr, 0, 0, 1, false, 0, 5};
  OtlpMetric m{"m", nullptr, nullptr, false, kOtlpUnspecified, &p, 1};
  OtlpScope scope{nullptr, 0, "s", nullptr};
  CHECK(otlp_encode_metrics(&b, scope, &m, 1) == UVK_ENOMEM);
}
