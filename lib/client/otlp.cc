#include "client/otlp.h"

#include <string.h>

#include "uvkafka/uvkafka.h"

namespace uvk {

namespace {

// Wire types of protobuf.
const uint32_t kVarint = 0, kFixed64 = 1, kLen = 2;

void tag(Buf *b, uint32_t field, uint32_t wire) { put_uvarint(b, (uint64_t(field) << 3) | wire); }

void fixed64(Buf *b, uint32_t field, uint64_t v) {
  tag(b, field, kFixed64);
  uint8_t le[8];
  for (int k = 0; k < 8; k++) le[k] = uint8_t(v >> (8 * k));
  put_raw(b, le, 8);
}

void string_field(Buf *b, uint32_t field, const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n == 0) return;  // proto3: the default is not written
  tag(b, field, kLen);
  put_uvarint(b, n);
  put_raw(b, s, n);
}

// A nested message: its tag now, its length once its body is written (the body then moves
// right by the varint's size), so lengths stay canonical without a sizing pass.
size_t begin(Buf *b, uint32_t field) {
  tag(b, field, kLen);
  return b->len;
}
void end(Buf *b, size_t start) {
  if (b->failed) return;
  size_t body = b->len - start;
  size_t n = uvarint_size(body);
  if (!buf_reserve(b, n)) return;
  memmove(b->data + start + n, b->data + start, body);
  uint64_t v = body;
  for (size_t k = 0; k < n; k++, v >>= 7) b->data[start + k] = uint8_t(v & 0x7f) | (k + 1 < n ? 0x80 : 0);
  b->len += n;
}

// KeyValue { string key = 1; AnyValue value = 2 }, AnyValue { string_value = 1; int_value = 3 }.
void key_value(Buf *b, uint32_t field, const OtlpAttr &a) {
  size_t kv = begin(b, field);
  string_field(b, 1, a.key);
  size_t any = begin(b, 2);
  if (a.str) {
    // An empty string is still a set oneof member: written explicitly.
    tag(b, 1, kLen);
    put_uvarint(b, strlen(a.str));
    put_raw(b, a.str, strlen(a.str));
  } else {
    tag(b, 3, kVarint);
    put_uvarint(b, uint64_t(a.int_value));
  }
  end(b, any);
  end(b, kv);
}

// NumberDataPoint { start_time_unix_nano = 2 (fixed64); time_unix_nano = 3 (fixed64);
// as_double = 4 (double); as_int = 6 (sfixed64); attributes = 7 }.
void data_point(Buf *b, uint32_t field, const OtlpPoint &p) {
  size_t dp = begin(b, field);
  if (p.start_ns) fixed64(b, 2, p.start_ns);
  fixed64(b, 3, p.time_ns);
  if (p.is_double) {
    uint64_t u;
    memcpy(&u, &p.d, sizeof u);
    fixed64(b, 4, u);
  } else {
    fixed64(b, 6, uint64_t(p.i));
  }
  for (size_t k = 0; k < p.n_attrs; k++) key_value(b, 7, p.attrs[k]);
  end(b, dp);
}

// Metric { name = 1; description = 2; unit = 3; gauge = 5 | sum = 7 }; Gauge { data_points = 1 };
// Sum { data_points = 1; aggregation_temporality = 2; is_monotonic = 3 }.
void metric(Buf *b, const OtlpMetric &m) {
  size_t mm = begin(b, 2);  // ScopeMetrics.metrics
  string_field(b, 1, m.name);
  string_field(b, 2, m.description);
  string_field(b, 3, m.unit);
  size_t data = begin(b, m.sum ? 7 : 5);
  for (size_t k = 0; k < m.n_points; k++) data_point(b, 1, m.points[k]);
  if (m.sum) {
    if (m.temporality != kOtlpUnspecified) {
      tag(b, 2, kVarint);
      put_uvarint(b, uint64_t(m.temporality));
    }
    tag(b, 3, kVarint);
    put_uvarint(b, 1);
  }
  end(b, data);
  end(b, mm);
}

}  // namespace

// MetricsData { resource_metrics = 1 }; ResourceMetrics { resource = 1; scope_metrics = 2 };
// Resource { attributes = 1 }; ScopeMetrics { scope = 1; metrics = 2 };
// InstrumentationScope { name = 1; version = 2 }.
int otlp_encode_metrics(Buf *out, const OtlpScope &scope, const OtlpMetric *metrics, size_t n) {
  size_t rm = begin(out, 1);
  size_t res = begin(out, 1);
  for (size_t k = 0; k < scope.n_resource; k++) key_value(out, 1, scope.resource[k]);
  end(out, res);
  size_t sm = begin(out, 2);
  size_t sc = begin(out, 1);
  string_field(out, 1, scope.scope_name);
  string_field(out, 2, scope.scope_version);
  end(out, sc);
  for (size_t k = 0; k < n; k++) metric(out, metrics[k]);
  end(out, sm);
  end(out, rm);
  return out->failed ? UVK_ENOMEM : 0;
}

}  // namespace uvk
