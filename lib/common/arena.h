// Arena: bump allocation for decoded messages. A decoded response's arrays live here and
// its strings/bytes point into the received frame, so freeing a response is one call.
// `limit` caps the total bytes an arena may hold, so a hostile frame cannot make us
// allocate without bound.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"

namespace uvk {

struct ArenaChunk;

struct Arena {
  ArenaChunk *head = nullptr;
  uint8_t *cur = nullptr;
  uint8_t *end = nullptr;
  size_t used = 0;   // bytes handed out, all chunks
  size_t limit = 0;  // 0 = no limit
  const Allocator *alloc = nullptr;
};

// Zero-filled memory aligned to `align` (a power of two <= 16); nullptr on failure or limit.
void *arena_alloc(Arena *a, size_t size, size_t align = alignof(max_align_t));
// Frees every chunk but the first, which is kept for reuse.
void arena_reset(Arena *a);
void arena_free(Arena *a);

template <typename T>
T *arena_new_array(Arena *a, size_t n) {
  if (n > SIZE_MAX / sizeof(T)) return nullptr;
  return static_cast<T *>(arena_alloc(a, n * sizeof(T), alignof(T)));
}

}  // namespace uvk
