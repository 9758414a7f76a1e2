#include "common/buf.h"

namespace uvk {

bool buf_grow(Buf *b, size_t extra) {
  if (b->failed) return false;
  if (extra > SIZE_MAX / 2 - b->len) {
    b->failed = true;
    return false;
  }
  size_t need = b->len + extra;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need) cap *= 2;
  void *p = mem_realloc(b->alloc, b->data, cap);
  if (!p) {
    b->failed = true;
    return false;
  }
  b->data = static_cast<uint8_t *>(p);
  b->cap = cap;
  return true;
}

void buf_free(Buf *b) {
  mem_free(b->alloc, b->data);
  b->data = nullptr;
  b->len = b->cap = 0;
  b->failed = false;
}

}  // namespace uvk
