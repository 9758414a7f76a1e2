// A minimal protobuf reader for the tests: a message as its fields, and the OTLP metrics a
// MetricsData holds, read by field number from opentelemetry-proto's .proto files (not
// from our encoder), so a round trip through it checks the encoder's field numbers.
#pragma once
#include <catch2/catch.hpp>

#include <stdint.h>
#include <string.h>

#include <map>
#include <string>
#include <vector>

namespace pbtest {

struct Field {
  uint32_t num;
  uint32_t wire;
  uint64_t v;         // varint or fixed64
  std::string bytes;  // length-delimited
};

inline uint64_t varint(const std::string &s, size_t *at) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    REQUIRE(*at < s.size());
    uint8_t b = uint8_t(s[(*at)++]);
    v |= uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      // Canonical: no redundant trailing zero groups.
      if (shift > 0) REQUIRE(b != 0);
      return v;
    }
  }
  FAIL("varint too long");
  return 0;
}

inline std::vector<Field> fields(const std::string &s) {
  std::vector<Field> out;
  size_t at = 0;
  while (at < s.size()) {
    uint64_t key = varint(s, &at);
    Field f{uint32_t(key >> 3), uint32_t(key & 7), 0, {}};
    if (f.wire == 0) {
      f.v = varint(s, &at);
    } else if (f.wire == 1) {
      REQUIRE(at + 8 <= s.size());
      for (int k = 0; k < 8; k++) f.v |= uint64_t(uint8_t(s[at + size_t(k)])) << (8 * k);
      at += 8;
    } else if (f.wire == 2) {
      uint64_t n = varint(s, &at);
      REQUIRE(at + n <= s.size());
      f.bytes = s.substr(at, size_t(n));
      at += size_t(n);
    } else {
      FAIL("unexpected wire type " << f.wire);
    }
    out.push_back(f);
  }
  return out;
}

inline std::vector<Field> all(const std::vector<Field> &fs, uint32_t num) {
  std::vector<Field> out;
  for (const Field &f : fs)
    if (f.num == num) out.push_back(f);
  return out;
}

inline const Field *one(const std::vector<Field> &fs, uint32_t num) {
  const Field *hit = nullptr;
  for (const Field &f : fs)
    if (f.num == num) {
      REQUIRE(hit == nullptr);  // at most once
      hit = &f;
    }
  return hit;
}

// One data point of a metric, as the tests compare it.
struct Point {
  std::string metric, unit, description;
  bool sum = false;
  uint64_t temporality = 0;
  bool monotonic = false;
  uint64_t start_ns = 0, time_ns = 0;
  bool is_double = false;
  double d = 0;
  int64_t i = 0;
  std::map<std::string, std::string> attrs;  // int values as decimal text
};

struct Decoded {
  std::map<std::string, std::string> resource;
  std::string scope_name, scope_version;
  std::vector<Point> points;
  const Point *find(const std::string &name) const {
    for (const Point &p : points)
      if (p.metric == name) return &p;
    return nullptr;
  }
};

inline std::map<std::string, std::string> key_values(const std::vector<Field> &fs, uint32_t num) {
  std::map<std::string, std::string> out;
  for (const Field &kv : all(fs, num)) {
    std::vector<Field> k = fields(kv.bytes);
    const Field *key = one(k, 1), *val = one(k, 2);
    REQUIRE(key);
    REQUIRE(val);
    std::vector<Field> any = fields(val->bytes);
    REQUIRE(any.size() == 1);
    if (any[0].num == 1) out[key->bytes] = any[0].bytes;                              // string_value
    else if (any[0].num == 3) out[key->bytes] = std::to_string(int64_t(any[0].v));    // int_value
    else FAIL("AnyValue field " << any[0].num);
  }
  return out;
}

inline Decoded decode_metrics_data(const std::string &bytes) {
  Decoded d;
  std::vector<Field> md = fields(bytes);
  std::vector<Field> rms = all(md, 1);
  REQUIRE(rms.size() == 1);
  std::vector<Field> rm = fields(rms[0].bytes);
  if (const Field *res = one(rm, 1)) d.resource = key_values(fields(res->bytes), 1);
  std::vector<Field> sms = all(rm, 2);
  REQUIRE(sms.size() == 1);
  std::vector<Field> sm = fields(sms[0].bytes);
  if (const Field *sc = one(sm, 1)) {
    std::vector<Field> scope = fields(sc->bytes);
    if (const Field *n = one(scope, 1)) d.scope_name = n->bytes;
    if (const Field *v = one(scope, 2)) d.scope_version = v->bytes;
  }
  for (const Field &mf : all(sm, 2)) {
    std::vector<Field> m = fields(mf.bytes);
    Point base;
    if (const Field *n = one(m, 1)) base.metric = n->bytes;
    if (const Field *n = one(m, 2)) base.description = n->bytes;
    if (const Field *n = one(m, 3)) base.unit = n->bytes;
    const Field *gauge = one(m, 5), *sum = one(m, 7);
    REQUIRE((gauge != nullptr) != (sum != nullptr));
    std::vector<Field> data = fields(gauge ? gauge->bytes : sum->bytes);
    base.sum = sum != nullptr;
    if (sum) {
      if (const Field *t = one(data, 2)) base.temporality = t->v;
      if (const Field *mono = one(data, 3)) base.monotonic = mono->v != 0;
    }
    for (const Field &pf : all(data, 1)) {
      std::vector<Field> p = fields(pf.bytes);
      Point pt = base;
      if (const Field *f = one(p, 2)) pt.start_ns = f->v;
      if (const Field *f = one(p, 3)) pt.time_ns = f->v;
      const Field *dbl = one(p, 4), *in = one(p, 6);
      REQUIRE((dbl != nullptr) != (in != nullptr));
      if (dbl) {
        REQUIRE(dbl->wire == 1);
        pt.is_double = true;
        memcpy(&pt.d, &dbl->v, sizeof pt.d);
      } else {
        REQUIRE(in->wire == 1);
        pt.i = int64_t(in->v);
      }
      pt.attrs = key_values(p, 7);
      d.points.push_back(pt);
    }
  }
  return d;
}

}  // namespace pbtest
