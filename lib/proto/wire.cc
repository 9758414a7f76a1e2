#include "proto/wire.h"

namespace uvk {
namespace proto {

void w_tag_end(Enc *w, size_t value_start) {
  Buf *b = w->out;
  if (b->failed || value_start > b->len) return;
  size_t size = b->len - value_start;
  uint8_t tmp[10];
  size_t k = 0;
  uint64_t v = size;
  while (v >= 0x80) {
    tmp[k++] = uint8_t(v | 0x80);
    v >>= 7;
  }
  tmp[k++] = uint8_t(v);
  if (!buf_reserve(b, k)) return;
  memmove(b->data + value_start + k, b->data + value_start, size);
  memcpy(b->data + value_start, tmp, k);
  b->len += k;
}

}  // namespace proto
}  // namespace uvk
