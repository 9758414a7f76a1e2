#include "proto/crc32c.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define UVK_CRC32C_X86 1
#endif

namespace uvk {

namespace {

const uint32_t kPoly = 0x82f63b78u;  // reflected Castagnoli polynomial

// Built at compile time, and the CPU check below is not a function-local static either: the
// guards those need (__cxa_guard_*) were all libuvkafka took from libstdc++, which then had
// to be loaded (about 1 MB of resident pages) into every process using the library.
struct Tables {
  uint32_t t[8][256] = {};
  constexpr Tables() {
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t c = i;
      for (int k = 0; k < 8; k++) c = (c >> 1) ^ (kPoly & (0u - (c & 1u)));
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
      for (int s = 1; s < 8; s++) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
  }
};

constexpr Tables kTables;

const Tables &tables() { return kTables; }

}  // namespace

uint32_t crc32c_portable(uint32_t crc, const void *data, size_t len) {
  const Tables &tb = tables();
  const uint8_t *p = static_cast<const uint8_t *>(data);
  uint32_t c = ~crc;
  while (len >= 8) {
    uint32_t lo, hi;
    memcpy(&lo, p, 4);
    memcpy(&hi, p + 4, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    lo = __builtin_bswap32(lo);
    hi = __builtin_bswap32(hi);
#endif
    lo ^= c;
    c = tb.t[7][lo & 0xff] ^ tb.t[6][(lo >> 8) & 0xff] ^ tb.t[5][(lo >> 16) & 0xff] ^ tb.t[4][lo >> 24] ^
        tb.t[3][hi & 0xff] ^ tb.t[2][(hi >> 8) & 0xff] ^ tb.t[1][(hi >> 16) & 0xff] ^ tb.t[0][hi >> 24];
    p += 8;
    len -= 8;
  }
  while (len--) c = (c >> 8) ^ tb.t[0][(c ^ *p++) & 0xff];
  return ~c;
}

#ifdef UVK_CRC32C_X86
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const void *data, size_t len) {
  const uint8_t *p = static_cast<const uint8_t *>(data);
  uint64_t c = ~crc;
#if defined(__x86_64__)
  while (len >= 8) {
    uint64_t v;
    memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    len -= 8;
  }
#endif
  uint32_t c32 = uint32_t(c);
  while (len >= 4) {
    uint32_t v;
    memcpy(&v, p, 4);
    c32 = _mm_crc32_u32(c32, v);
    p += 4;
    len -= 4;
  }
  while (len--) c32 = _mm_crc32_u8(c32, *p++);
  return ~c32;
}

bool crc32c_hw_available() { return __builtin_cpu_supports("sse4.2"); }

uint32_t crc32c_hw(uint32_t crc, const void *data, size_t len) {
  return crc32c_hw_available() ? crc32c_sse42(crc, data, len) : crc32c_portable(crc, data, len);
}
#else
bool crc32c_hw_available() { return false; }
uint32_t crc32c_hw(uint32_t crc, const void *data, size_t len) { return crc32c_portable(crc, data, len); }
#endif

uint32_t crc32c(uint32_t crc, const void *data, size_t len) {
  return crc32c_hw(crc, data, len);
}

}  // namespace uvk
