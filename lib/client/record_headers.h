// A record's headers as uvk_header views for the handlers: values point into the record,
// names are copied into the arena so they are NUL-terminated (arena_alloc zeroes).
#pragma once
#include <string.h>

#include "common/arena.h"
#include "proto/records.h"
#include "uvkafka/uvkafka.h"

namespace uvk {

// Sets *out and returns how many headers were read (fewer than claimed when the arena runs out
// or the headers end early).
inline size_t record_headers_copy(Arena *arena, const RecordView &rec, const uvk_header **out) {
  *out = nullptr;
  size_t n = rec.n_headers > 0 ? size_t(rec.n_headers) : 0;
  if (!n) return 0;
  uvk_header *hs = arena_new_array<uvk_header>(arena, n);
  Reader hr = reader_make(rec.headers, rec.headers_len);
  RecordHeader h;
  size_t k = 0;
  while (hs && k < n && header_next(&hr, &h) == 1) {
    char *name = static_cast<char *>(arena_alloc(arena, size_t(h.key_len) + 1, 1));
    if (!name) break;
    memcpy(name, h.key, size_t(h.key_len));
    hs[k++] = uvk_header{name, h.value, h.value ? size_t(h.value_len) : 0};
  }
  *out = hs;
  return k;
}

}  // namespace uvk
