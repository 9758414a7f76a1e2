// A client allocator (uvk_config_set_allocator) that counts: the hostile tests check that a
// broker's lying length or count cannot make the client reserve more than the bytes it sent.
#pragma once

#include <stdlib.h>

namespace uvk_test {

// Every allocation of the client, through uvk_config_set_allocator: bytes held now, the
// peak, and the largest single request.
struct Memory {
  size_t now = 0, peak = 0, largest = 0;
};
struct Header {
  size_t size;
  size_t pad;  // keeps the payload 16-byte aligned
};
inline void note(Memory *m, size_t size) {
  if (size > m->largest) m->largest = size;
  if (m->now > m->peak) m->peak = m->now;
}
inline void *mem_malloc(void *ud, size_t n) {
  Memory *m = static_cast<Memory *>(ud);
  Header *h = static_cast<Header *>(malloc(sizeof(Header) + n));
  if (!h) return nullptr;
  h->size = n;
  m->now += n;
  note(m, n);
  return h + 1;
}
inline void mem_free_fn(void *ud, void *p) {
  if (!p) return;
  Header *h = static_cast<Header *>(p) - 1;
  static_cast<Memory *>(ud)->now -= h->size;
  free(h);
}
inline void *mem_realloc_fn(void *ud, void *p, size_t n) {
  if (!p) return mem_malloc(ud, n);
  Memory *m = static_cast<Memory *>(ud);
  Header *old = static_cast<Header *>(p) - 1;
  size_t old_size = old->size;
  Header *h = static_cast<Header *>(realloc(old, sizeof(Header) + n));
  if (!h) return nullptr;
  h->size = n;
  m->now = m->now - old_size + n;
  note(m, n);
  return h + 1;
}

}  // namespace uvk_test
