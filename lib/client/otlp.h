// A small OTLP metrics encoder (opentelemetry-proto's metrics/v1 and common/v1 messages, as
// KIP-714 clients push them): MetricsData -> one ResourceMetrics -> one ScopeMetrics ->
// Metrics, each a Gauge or a Sum of NumberDataPoints. Canonical protobuf: fields in number
// order, minimal varints, nothing written for an empty string.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

namespace uvk {

struct OtlpAttr {
  const char *key;
  const char *str;  // a string value; null: int_value below
  int64_t int_value;
};

struct OtlpPoint {
  const OtlpAttr *attrs;
  size_t n_attrs;
  uint64_t start_ns;  // 0: not written (gauges)
  uint64_t time_ns;
  bool is_double;     // as_double, else as_int
  double d;
  int64_t i;
};

enum OtlpTemporality { kOtlpUnspecified = 0, kOtlpDelta = 1, kOtlpCumulative = 2 };

struct OtlpMetric {
  const char *name;
  const char *description;
  const char *unit;
  bool sum;          // a Sum (monotonic counter), else a Gauge
  OtlpTemporality temporality;  // Sum only
  const OtlpPoint *points;
  size_t n_points;
};

struct OtlpScope {
  const OtlpAttr *resource;  // Resource.attributes
  size_t n_resource;
  const char *scope_name;
  const char *scope_version;
};

// Appends one MetricsData message to out. UVK_ENOMEM when the buffer could not grow.
int otlp_encode_metrics(Buf *out, const OtlpScope &scope, const OtlpMetric *metrics, size_t n);

}  // namespace uvk
