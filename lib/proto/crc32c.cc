#include "proto/crc32c.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#include <wmmintrin.h>
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
static inline uint64_t load64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const void *data, size_t len) {
  const uint8_t *p = static_cast<const uint8_t *>(data);
  uint64_t c = ~crc;
#if defined(__x86_64__)
  while (len >= 8) {
    c = _mm_crc32_u64(c, load64(p));
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

#if defined(__x86_64__)
// Three streams at once. The crc32 instruction's result is ready 3 cycles after it starts but
// a new one can start every cycle, so one dependent chain runs at a third of the speed: the
// input is cut into three equal blocks, each gets its own chain, and the chains are joined by
// moving the first two forward over the bytes after them (a multiplication by x^(8n) mod P).

// x^n mod P, reflected (bit 31 is x^0), as the CRC register holds polynomials.
constexpr uint32_t xpow_mod(uint32_t n) {
  uint32_t v = 0x80000000u;
  while (n--) v = (v >> 1) ^ (kPoly & (0u - (v & 1u)));
  return v;
}

// The register `c` moved over n zero bytes: c * x^(8n) mod P. A carry-less product of two
// reflected 32-bit values is their product times x in the reflected 64-bit form, and crc32
// of a 64-bit word w from 0 is w * x^32 mod P, so the constant is x^(8n - 33).
__attribute__((target("sse4.2,pclmul"))) static inline uint64_t crc_shift(uint64_t c, uint32_t k) {
  __m128i prod = _mm_clmulepi64_si128(_mm_cvtsi64_si128(int64_t(c)), _mm_cvtsi32_si128(int(k)), 0);
  return _mm_crc32_u64(0, uint64_t(_mm_cvtsi128_si64(prod)));
}

// Blocks of 3 x B bytes while at least that much is left; `c` is the running register.
template <size_t B>
__attribute__((target("sse4.2,pclmul"))) static inline uint64_t crc_3way(uint64_t c, const uint8_t **pp,
                                                                          size_t *len) {
  constexpr uint32_t k1 = xpow_mod(8 * B - 33), k2 = xpow_mod(16 * B - 33);
  const uint8_t *p = *pp;
  while (*len >= 3 * B) {
    uint64_t c1 = 0, c2 = 0;
    for (size_t i = 0; i < B; i += 8) {
      c = _mm_crc32_u64(c, load64(p + i));
      c1 = _mm_crc32_u64(c1, load64(p + B + i));
      c2 = _mm_crc32_u64(c2, load64(p + 2 * B + i));
    }
    c = crc_shift(c, k2) ^ crc_shift(c1, k1) ^ c2;
    p += 3 * B;
    *len -= 3 * B;
  }
  *pp = p;
  return c;
}

__attribute__((target("sse4.2,pclmul"))) static uint32_t crc32c_sse42_3way(uint32_t crc, const void *data,
                                                                           size_t len) {
  const uint8_t *p = static_cast<const uint8_t *>(data);
  uint64_t c = ~crc;
  c = crc_3way<2048>(c, &p, &len);
  c = crc_3way<256>(c, &p, &len);
  c = crc_3way<32>(c, &p, &len);
  return crc32c_sse42(~uint32_t(c), p, len);
}

static bool pclmul_available() { return __builtin_cpu_supports("pclmul"); }
#else
static uint32_t crc32c_sse42_3way(uint32_t crc, const void *data, size_t len) {
  return crc32c_sse42(crc, data, len);
}
static bool pclmul_available() { return false; }
#endif

bool crc32c_hw_available() { return __builtin_cpu_supports("sse4.2"); }

uint32_t crc32c_hw_serial(uint32_t crc, const void *data, size_t len) {
  return crc32c_hw_available() ? crc32c_sse42(crc, data, len) : crc32c_portable(crc, data, len);
}

uint32_t crc32c_hw(uint32_t crc, const void *data, size_t len) {
  if (!crc32c_hw_available()) return crc32c_portable(crc, data, len);
  return pclmul_available() ? crc32c_sse42_3way(crc, data, len) : crc32c_sse42(crc, data, len);
}
#else
bool crc32c_hw_available() { return false; }
uint32_t crc32c_hw(uint32_t crc, const void *data, size_t len) { return crc32c_portable(crc, data, len); }
uint32_t crc32c_hw_serial(uint32_t crc, const void *data, size_t len) { return crc32c_portable(crc, data, len); }
#endif

uint32_t crc32c(uint32_t crc, const void *data, size_t len) {
  return crc32c_hw(crc, data, len);
}

}  // namespace uvk
