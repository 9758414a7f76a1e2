// The allocator every internal allocation goes through. A client may install its own
// (per-client hook) so tests can inject allocation failures; nullptr means libc.
#pragma once
#include <stddef.h>
#include <string.h>

namespace uvk {

struct Allocator {
  void *(*malloc_fn)(void *ud, size_t size);
  void *(*realloc_fn)(void *ud, void *ptr, size_t size);
  void (*free_fn)(void *ud, void *ptr);
  void *ud;
};

// The libc allocator; never null.
const Allocator *default_allocator();

inline const Allocator *alloc_or_default(const Allocator *a) {
  return a ? a : default_allocator();
}
inline void *mem_alloc(const Allocator *a, size_t n) {
  a = alloc_or_default(a);
  return a->malloc_fn(a->ud, n ? n : 1);
}
inline void *mem_realloc(const Allocator *a, void *p, size_t n) {
  a = alloc_or_default(a);
  return a->realloc_fn(a->ud, p, n ? n : 1);
}
inline void mem_free(const Allocator *a, void *p) {
  if (!p) return;
  a = alloc_or_default(a);
  a->free_fn(a->ud, p);
}
inline char *mem_strdup(const Allocator *a, const char *s) {
  size_t n = strlen(s);
  char *d = static_cast<char *>(mem_alloc(a, n + 1));
  if (d) memcpy(d, s, n + 1);
  return d;
}

}  // namespace uvk
