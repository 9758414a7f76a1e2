// Shared encode/decode steps for the generated codecs (lib/proto/gen): the primitive Kafka
// wire types in their classic and compact ("flexible version") forms, tagged-field framing,
// and arena-backed arrays. The generated code is a straight list of calls to these, so the
// hostile-input checks live here, once.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <new>

#include "common/arena.h"
#include "common/buf.h"
#include "common/reader.h"
#include "proto/types.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {
namespace proto {

// An empty, non-null byte string: the default of "bytes" fields (null is different).
inline const uint8_t kNoBytes[1] = {0};

// Encoder state: the output and the first error (UVK_EUNSUPPORTED when a value cannot be
// written at this version, as the Java client refuses too).
struct Enc {
  Buf *out;
  int err;
};

inline void enc_fail(Enc *w, int code) {
  if (!w->err) w->err = code;
}

inline bool str_eq(Str s, const char *lit, int32_t len) {
  return s.data && s.len == len && memcmp(s.data, lit, size_t(len)) == 0;
}

inline bool uuid_is_zero(const Uuid &u) {
  for (uint8_t b : u.b)
    if (b) return false;
  return true;
}

inline void w_bool(Enc *w, bool v) { put_u8(w->out, v ? 1 : 0); }
inline void w_uuid(Enc *w, const Uuid &u) { put_raw(w->out, u.b, 16); }

// A length (strings, bytes, arrays) in the classic or compact form; -1 is null.
inline void w_len16(Enc *w, int32_t n, bool compact) {
  if (compact) put_uvarint(w->out, uint64_t(int64_t(n) + 1));
  else put_i16(w->out, int16_t(n));
}
inline void w_len32(Enc *w, int32_t n, bool compact) {
  if (compact) put_uvarint(w->out, uint64_t(int64_t(n) + 1));
  else put_i32(w->out, n);
}

inline void w_str(Enc *w, Str s, bool compact, bool nullable) {
  if (!s.data) {
    if (!nullable) return enc_fail(w, UVK_EINVAL);
    return w_len16(w, -1, compact);
  }
  if (s.len < 0 || (!compact && s.len > 0x7fff)) return enc_fail(w, UVK_ETOOLARGE);
  w_len16(w, s.len, compact);
  put_raw(w->out, s.data, size_t(s.len));
}

inline void w_bytes(Enc *w, Bytes b, bool compact, bool nullable) {
  if (!b.data) {
    if (!nullable) return enc_fail(w, UVK_EINVAL);
    return w_len32(w, -1, compact);
  }
  if (b.len < 0) return enc_fail(w, UVK_EINVAL);
  w_len32(w, b.len, compact);
  put_raw(w->out, b.data, size_t(b.len));
}

// Array header; false when the caller must not write elements (null or error).
inline bool w_arr(Enc *w, int32_t count, bool compact, bool nullable) {
  if (count < 0) {
    if (!nullable) {
      enc_fail(w, UVK_EINVAL);
      return false;
    }
    w_len32(w, -1, compact);
    return false;
  }
  w_len32(w, count, compact);
  return true;
}

// Tagged field framing: the value is written after the tag, then its size is inserted
// in front of it (a minimal uvarint, as the Java client writes it).
inline size_t w_tag_begin(Enc *w, uint32_t tag) {
  put_uvarint(w->out, tag);
  return w->out->len;
}
void w_tag_end(Enc *w, size_t value_start);

// ---- decoding ----------------------------------------------------------------------------

inline bool r_bool(Reader *r) { return get_u8(r) != 0; }
inline void r_uuid(Reader *r, Uuid *u) {
  const uint8_t *p = rd_take(r, 16);
  if (p) memcpy(u->b, p, 16);
}

// A length in the classic or compact form: -1 for null, else 0..INT32_MAX.
inline int32_t r_len16(Reader *r, bool compact) {
  if (compact) return int32_t(int64_t(get_uvarint32(r)) - 1);
  return get_i16(r);
}
inline int32_t r_len32(Reader *r, bool compact) {
  if (compact) return int32_t(int64_t(get_uvarint32(r)) - 1);
  return get_i32(r);
}

inline Str r_str(Reader *r, bool compact, bool nullable) {
  Str s;
  int32_t n = r_len16(r, compact);
  if (n < 0) {
    if (n != -1 || !nullable) rd_fail(r, UVK_EPROTO);
    return s;
  }
  const uint8_t *p = rd_take(r, size_t(n));
  if (p) {
    s.data = reinterpret_cast<const char *>(p);
    s.len = n;
  }
  return s;
}

inline Bytes r_bytes(Reader *r, bool compact, bool nullable) {
  Bytes b;
  int32_t n = r_len32(r, compact);
  if (n < 0) {
    if (n != -1 || !nullable) rd_fail(r, UVK_EPROTO);
    return b;
  }
  const uint8_t *p = rd_take(r, size_t(n));
  if (p) {
    b.data = p;
    b.len = n;
  }
  return b;
}

// Reads an array header and allocates `count` default-constructed items in the arena.
// `min_item` is the fewest bytes one item can take at this version: a count the remaining
// input cannot hold is rejected before anything is allocated.
template <class T>
inline bool r_arr(Reader *r, Arena *a, Array<T> *out, bool compact, bool nullable, size_t min_item) {
  int32_t n = r_len32(r, compact);
  out->items = nullptr;
  out->count = 0;
  if (!rd_ok(r)) return false;
  if (n < 0) {
    if (n != -1 || !nullable) rd_fail(r, UVK_EPROTO);
    else out->count = -1;
    return false;
  }
  if (min_item > 0 && size_t(n) > rd_left(r) / min_item) {
    rd_fail(r, UVK_EPROTO);
    return false;
  }
  if (n == 0) return false;
  void *mem = arena_alloc(a, sizeof(T) * size_t(n), alignof(T));
  if (!mem) {
    rd_fail(r, UVK_ENOMEM);
    return false;
  }
  T *items = static_cast<T *>(mem);
  for (int32_t i = 0; i < n; i++) new (&items[i]) T();
  out->items = items;
  out->count = n;
  return true;
}

// Allocates one default-constructed T (nullable struct fields).
template <class T>
inline T *r_new(Reader *r, Arena *a) {
  void *mem = arena_alloc(a, sizeof(T), alignof(T));
  if (!mem) {
    rd_fail(r, UVK_ENOMEM);
    return nullptr;
  }
  return new (mem) T();
}

// The tagged-field section: returns the number of fields; each is read with r_tag().
inline uint32_t r_tag_count(Reader *r) { return get_uvarint32(r); }
// One tagged field: its tag, and a reader over exactly its value.
inline uint32_t r_tag(Reader *r, Reader *value) {
  uint32_t tag = get_uvarint32(r);
  uint32_t size = get_uvarint32(r);
  const uint8_t *p = rd_take(r, size);
  *value = reader_make(p ? p : reinterpret_cast<const uint8_t *>(""), p ? size : 0);
  return tag;
}
// A tagged value's reader failed: the whole decode fails.
inline void r_tag_done(Reader *r, const Reader *value) {
  if (value->err) rd_fail(r, value->err);
}

}  // namespace proto
}  // namespace uvk
