// Arena: bump allocation for decoded messages. A decoded response's arrays live here and
// its strings/bytes point into the received frame, so freeing a response is one call.
// `limit` caps the total bytes an arena may hold, so a hostile frame cannot make us
// allocate without bound.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include <new>

#include "common/alloc.h"

namespace uvk {

struct ArenaChunk;

struct Arena {
  ArenaChunk *head = nullptr;
  uint8_t *cur = nullptr;
  uint8_t *end = nullptr;
  size_t used = 0;   // bytes handed out, all chunks
  size_t limit = 0;  // 0 = no limit
  size_t first_chunk = 0;  // size of the first chunk when it is known to be small; 0: 4 KB
  const Allocator *alloc = nullptr;
};

// Zero-filled memory aligned to `align` (a power of two <= 16); nullptr on failure or limit.
void *arena_alloc(Arena *a, size_t size, size_t align = alignof(max_align_t));
// The same, not zeroed: for arrays whose every element used is written first.
void *arena_alloc_raw(Arena *a, size_t size, size_t align = alignof(max_align_t));
// Frees every chunk but the first, which is kept for reuse.
void arena_reset(Arena *a);
void arena_free(Arena *a);

template <typename T>
T *arena_new_array(Arena *a, size_t n) {
  if (n > SIZE_MAX / sizeof(T)) return nullptr;
  return static_cast<T *>(arena_alloc(a, n * sizeof(T), alignof(T)));
}

// Like arena_new_array, not zeroed (arena_alloc_raw).
template <typename T>
T *arena_new_array_raw(Arena *a, size_t n) {
  if (n > SIZE_MAX / sizeof(T)) return nullptr;
  return static_cast<T *>(arena_alloc_raw(a, n * sizeof(T), alignof(T)));
}

// Like arena_new_array, with every element value-initialised (T()): generated protocol
// structs carry non-zero defaults (-1 epochs, ...) that zero-filled memory would lose.
template <typename T>
T *arena_construct_array(Arena *a, size_t n) {
  T *p = arena_new_array<T>(a, n);
  if (p)
    for (size_t i = 0; i < n; i++) new (&p[i]) T();
  return p;
}

}  // namespace uvk
