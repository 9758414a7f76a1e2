#include "proto/murmur2.h"

namespace uvk {

int32_t murmur2(const void *data, size_t len) {
  const uint8_t *p = static_cast<const uint8_t *>(data);
  const uint32_t m = 0x5bd1e995u;
  const int r = 24;
  // Java mixes the length as an int; Kafka keys never reach 2 GiB.
  uint32_t h = 0x9747b28cu ^ uint32_t(len);
  size_t blocks = len / 4;
  for (size_t i = 0; i < blocks; i++) {
    const uint8_t *b = p + 4 * i;
    uint32_t k = uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24;
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const uint8_t *tail = p + 4 * blocks;
  switch (len & 3) {
    case 3:
      h ^= uint32_t(tail[2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= uint32_t(tail[1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= uint32_t(tail[0]);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return int32_t(h);
}

}  // namespace uvk
