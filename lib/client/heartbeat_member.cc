// The member id of heartbeat_member.h.
#include "client/heartbeat_member.h"

namespace uvk {

int member_id_random(Rng *rng, char out[23]) {
  static const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  uint8_t b[18] = {};
  uint64_t r1 = rng_next(rng), r2 = rng_next(rng);
  memcpy(b, &r1, 8);
  memcpy(b + 8, &r2, 8);
  b[6] = uint8_t((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = uint8_t((b[8] & 0x3f) | 0x80);
  int n = 0;
  for (int i = 0; i < 16; i += 3) {
    uint32_t v = uint32_t(b[i]) << 16 | uint32_t(b[i + 1]) << 8 | uint32_t(b[i + 2]);
    out[n++] = kB64[(v >> 18) & 63];
    out[n++] = kB64[(v >> 12) & 63];
    if (i + 1 < 16) out[n++] = kB64[(v >> 6) & 63];
    if (i + 2 < 16) out[n++] = kB64[v & 63];
  }
  out[n] = 0;
  return n;
}

}  // namespace uvk
