// Buf: a growable byte buffer that encoders append to. It is reused across requests
// (clear() keeps the capacity), so steady-state encoding allocates nothing.
// Writes after an allocation failure are dropped and `failed` stays set: encoders
// write unconditionally and the caller checks once at the end.
#pragma once
#include <stdint.h>
#include <string.h>

#include "common/alloc.h"

namespace uvk {

struct Buf {
  uint8_t *data = nullptr;
  size_t len = 0;
  size_t cap = 0;
  bool failed = false;
  const Allocator *alloc = nullptr;
};

// Makes room for `extra` more bytes; false (and failed set) when memory runs out.
bool buf_grow(Buf *b, size_t extra);
void buf_free(Buf *b);
inline void buf_clear(Buf *b) { b->len = 0; b->failed = false; }

inline bool buf_reserve(Buf *b, size_t extra) {
  if (b->cap - b->len >= extra) return !b->failed;
  return buf_grow(b, extra);
}

inline void put_raw(Buf *b, const void *p, size_t n) {
  if (n == 0 || !buf_reserve(b, n)) return;
  memcpy(b->data + b->len, p, n);
  b->len += n;
}
inline void put_u8(Buf *b, uint8_t v) {
  if (!buf_reserve(b, 1)) return;
  b->data[b->len++] = v;
}
inline void put_be16(Buf *b, uint16_t v) {
  if (!buf_reserve(b, 2)) return;
  uint8_t *p = b->data + b->len;
  p[0] = uint8_t(v >> 8); p[1] = uint8_t(v);
  b->len += 2;
}
inline void put_be32(Buf *b, uint32_t v) {
  if (!buf_reserve(b, 4)) return;
  uint8_t *p = b->data + b->len;
  p[0] = uint8_t(v >> 24); p[1] = uint8_t(v >> 16); p[2] = uint8_t(v >> 8); p[3] = uint8_t(v);
  b->len += 4;
}
inline void put_be64(Buf *b, uint64_t v) {
  put_be32(b, uint32_t(v >> 32));
  put_be32(b, uint32_t(v));
}
inline void put_i8(Buf *b, int8_t v) { put_u8(b, uint8_t(v)); }
inline void put_i16(Buf *b, int16_t v) { put_be16(b, uint16_t(v)); }
inline void put_i32(Buf *b, int32_t v) { put_be32(b, uint32_t(v)); }
inline void put_i64(Buf *b, int64_t v) { put_be64(b, uint64_t(v)); }
inline void put_f64(Buf *b, double v) {
  uint64_t u;
  memcpy(&u, &v, sizeof u);
  put_be64(b, u);
}

// Unsigned LEB128-style varint (Kafka's "unsigned varint").
inline void put_uvarint(Buf *b, uint64_t v) {
  if (!buf_reserve(b, 10)) return;
  uint8_t *p = b->data + b->len;
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = uint8_t(v) | 0x80;
    v >>= 7;
  }
  p[n++] = uint8_t(v);
  b->len += n;
}
// Signed varints are zigzag-encoded.
inline void put_varint(Buf *b, int32_t v) {
  put_uvarint(b, uint32_t((uint32_t(v) << 1) ^ uint32_t(v >> 31)));
}
inline void put_varlong(Buf *b, int64_t v) {
  put_uvarint(b, (uint64_t(v) << 1) ^ uint64_t(v >> 63));
}
inline size_t uvarint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) { v >>= 7; n++; }
  return n;
}
inline size_t varint_size(int32_t v) {
  return uvarint_size(uint32_t((uint32_t(v) << 1) ^ uint32_t(v >> 31)));
}
inline size_t varlong_size(int64_t v) {
  return uvarint_size((uint64_t(v) << 1) ^ uint64_t(v >> 63));
}

// Overwrites a big-endian int32 at `off` (length prefixes written after the body).
inline void patch_be32(Buf *b, size_t off, uint32_t v) {
  if (b->failed || off + 4 > b->len) return;
  uint8_t *p = b->data + off;
  p[0] = uint8_t(v >> 24); p[1] = uint8_t(v >> 16); p[2] = uint8_t(v >> 8); p[3] = uint8_t(v);
}

}  // namespace uvk
