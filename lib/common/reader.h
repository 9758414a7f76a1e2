// Reader: a bounds-checked cursor over bytes that came from the network.
// Every getter checks the remaining length; on a short read it sets `err` (sticky),
// returns 0 and leaves the cursor at the end, so a decoder reads straight through and
// checks `err` once. Nothing here trusts a length it was given.
#pragma once
#include <stdint.h>
#include <string.h>

#include "uvkafka/uvk_errors.h"

namespace uvk {

struct Reader {
  const uint8_t *p = nullptr;
  const uint8_t *end = nullptr;
  int err = 0;  // 0 or a negative UVK_E* code
};

inline Reader reader_make(const uint8_t *data, size_t len) {
  Reader r;
  r.p = data;
  r.end = data + len;
  return r;
}
inline size_t rd_left(const Reader *r) { return size_t(r->end - r->p); }
inline bool rd_ok(const Reader *r) { return r->err == 0; }
inline void rd_fail(Reader *r, int code) {
  if (r->err == 0) r->err = code;
  r->p = r->end;
}
// Takes n bytes; nullptr (and err set) when fewer remain.
inline const uint8_t *rd_take(Reader *r, size_t n) {
  if (r->err || rd_left(r) < n) {
    rd_fail(r, UVK_EPROTO);
    return nullptr;
  }
  const uint8_t *q = r->p;
  r->p += n;
  return q;
}
inline uint8_t get_u8(Reader *r) {
  const uint8_t *q = rd_take(r, 1);
  return q ? q[0] : 0;
}
inline uint16_t get_be16(Reader *r) {
  const uint8_t *q = rd_take(r, 2);
  return q ? uint16_t((q[0] << 8) | q[1]) : 0;
}
inline uint32_t get_be32(Reader *r) {
  const uint8_t *q = rd_take(r, 4);
  return q ? (uint32_t(q[0]) << 24) | (uint32_t(q[1]) << 16) | (uint32_t(q[2]) << 8) | q[3] : 0;
}
inline uint64_t get_be64(Reader *r) {
  uint64_t hi = get_be32(r);
  return (hi << 32) | get_be32(r);
}
inline int8_t get_i8(Reader *r) { return int8_t(get_u8(r)); }
inline int16_t get_i16(Reader *r) { return int16_t(get_be16(r)); }
inline int32_t get_i32(Reader *r) { return int32_t(get_be32(r)); }
inline int64_t get_i64(Reader *r) { return int64_t(get_be64(r)); }
inline double get_f64(Reader *r) {
  uint64_t u = get_be64(r);
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
}
// Unsigned varint of at most 10 bytes (5 when max_bytes is 5, for 32-bit values).
inline uint64_t get_uvarint_n(Reader *r, int max_bytes) {
  uint64_t v = 0;
  // With 10 bytes left no byte needs its own bounds check (record fields are mostly 1-2 byte
  // varints; a set err left p == end, so it takes the checked loop below).
  if (r->end - r->p >= 10) {
    const uint8_t *p = r->p;
    if (p[0] < 0x80) {
      r->p = p + 1;
      return p[0];
    }
    if (p[1] < 0x80) {
      r->p = p + 2;
      return uint64_t(p[0] & 0x7f) | uint64_t(p[1]) << 7;
    }
    for (int i = 0; i < max_bytes; i++) {
      uint8_t byte = p[i];
      v |= uint64_t(byte & 0x7f) << (7 * i);
      if (!(byte & 0x80)) {
        r->p = p + i + 1;
        return v;
      }
    }
    rd_fail(r, UVK_EPROTO);  // too many continuation bytes
    return 0;
  }
  for (int i = 0; i < max_bytes; i++) {
    if (r->err || r->p >= r->end) {
      rd_fail(r, UVK_EPROTO);
      return 0;
    }
    uint8_t byte = *r->p++;
    v |= uint64_t(byte & 0x7f) << (7 * i);
    if (!(byte & 0x80)) return v;
  }
  rd_fail(r, UVK_EPROTO);  // too many continuation bytes
  return 0;
}
inline uint32_t get_uvarint32(Reader *r) {
  uint64_t v = get_uvarint_n(r, 5);
  if (v > UINT32_MAX) {
    rd_fail(r, UVK_EPROTO);
    return 0;
  }
  return uint32_t(v);
}
inline uint64_t get_uvarint64(Reader *r) { return get_uvarint_n(r, 10); }
inline int32_t get_varint(Reader *r) {
  uint32_t u = get_uvarint32(r);
  return int32_t((u >> 1) ^ (~(u & 1) + 1));
}
inline int64_t get_varlong(Reader *r) {
  uint64_t u = get_uvarint64(r);
  return int64_t((u >> 1) ^ (~(u & 1) + 1));
}

}  // namespace uvk
