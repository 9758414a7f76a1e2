#include "common/arena.h"

#include <string.h>

namespace uvk {

struct ArenaChunk {
  ArenaChunk *next;
  size_t size;  // usable bytes after the header
};

static const size_t kChunkHeader = (sizeof(ArenaChunk) + 15) & ~size_t(15);
static const size_t kMinChunk = 4096;

void *arena_alloc_raw(Arena *a, size_t size, size_t align) {
  if (size == 0) size = 1;
  if (a->limit && (size > a->limit || a->used > a->limit - size)) return nullptr;
  uintptr_t at = (uintptr_t(a->cur) + (align - 1)) & ~uintptr_t(align - 1);
  if (!a->cur || at + size > uintptr_t(a->end) || at < uintptr_t(a->cur)) {
    size_t want = size + align;
    size_t chunk = a->head ? a->head->size * 2 : a->first_chunk ? a->first_chunk : kMinChunk;
    // A request over half the doubled chunk gets a chunk of its own size: doubling would
    // leave up to half of it unused (a 72 KB array in a 128 KB chunk).
    if (chunk < want || want > chunk / 2) chunk = want;
    if (chunk > SIZE_MAX - kChunkHeader) return nullptr;
    auto *c = static_cast<ArenaChunk *>(mem_alloc(a->alloc, kChunkHeader + chunk));
    if (!c) return nullptr;
    c->next = a->head;
    c->size = chunk;
    a->head = c;
    a->cur = reinterpret_cast<uint8_t *>(c) + kChunkHeader;
    a->end = a->cur + chunk;
    at = (uintptr_t(a->cur) + (align - 1)) & ~uintptr_t(align - 1);
  }
  a->cur = reinterpret_cast<uint8_t *>(at + size);
  a->used += size;
  return reinterpret_cast<void *>(at);
}

void *arena_alloc(Arena *a, size_t size, size_t align) {
  void *p = arena_alloc_raw(a, size, align);
  if (p) memset(p, 0, size ? size : 1);
  return p;
}

void arena_reset(Arena *a) {
  if (!a->head) return;
  ArenaChunk *keep = a->head;
  // Keep the newest (largest) chunk, free the rest.
  ArenaChunk *c = keep->next;
  while (c) {
    ArenaChunk *n = c->next;
    mem_free(a->alloc, c);
    c = n;
  }
  keep->next = nullptr;
  a->cur = reinterpret_cast<uint8_t *>(keep) + kChunkHeader;
  a->end = a->cur + keep->size;
  a->used = 0;
}

void arena_free(Arena *a) {
  ArenaChunk *c = a->head;
  while (c) {
    ArenaChunk *n = c->next;
    mem_free(a->alloc, c);
    c = n;
  }
  a->head = nullptr;
  a->cur = a->end = nullptr;
  a->used = 0;
}

}  // namespace uvk
