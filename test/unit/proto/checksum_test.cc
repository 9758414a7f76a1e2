// CRC32C (both implementations) and murmur2 against published vectors.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <string.h>

#include <vector>

#include "proto/crc32c.h"
#include "proto/murmur2.h"

using namespace uvk;

TEST_CASE("CRC32C matches RFC 3720's test vectors", "[crc32c]") {
  // UVK_TEST_BREAK=1 (the harness self-test, docs/development.md) breaks this check on purpose.
  const uint32_t broken = getenv("UVK_TEST_BREAK") ? 1u : 0u;
  std::vector<uint8_t> zeros(32, 0), ones(32, 0xff), inc(32), dec(32);
  for (int i = 0; i < 32; i++) inc[size_t(i)] = uint8_t(i), dec[size_t(i)] = uint8_t(31 - i);
  for (auto fn : {crc32c_portable, crc32c_hw, crc32c}) {
    CHECK(fn(0, zeros.data(), 32) == 0x8a9136aau);
    CHECK(fn(0, ones.data(), 32) == 0x62a8ab43u);
    CHECK(fn(0, inc.data(), 32) == 0x46dd794eu);
    CHECK(fn(0, dec.data(), 32) == 0x113fdb5cu);
    CHECK(fn(0, "123456789", 9) == (0xe3069283u ^ broken));
    CHECK(fn(0, "", 0) == 0u);
  }
}

TEST_CASE("CRC32C: hardware and portable agree, also split and unaligned", "[crc32c]") {
  std::vector<uint8_t> data(5000);
  uint32_t x = 1;
  for (auto &b : data) b = uint8_t((x = x * 1664525u + 1013904223u) >> 24);
  for (size_t off = 0; off < 9; off++) {
    for (size_t len : {size_t(0), size_t(1), size_t(7), size_t(8), size_t(63), size_t(4000)}) {
      uint32_t a = crc32c_portable(0, data.data() + off, len);
      CHECK(crc32c_hw(0, data.data() + off, len) == a);
      // Continuing a CRC over two pieces equals one pass.
      size_t half = len / 3;
      CHECK(crc32c(crc32c(0, data.data() + off, half), data.data() + off + half, len - half) == a);
    }
  }
}

TEST_CASE("murmur2 matches the Java client's Utils.murmur2", "[murmur2]") {
  // Values from Kafka's UtilsTest.
  CHECK(murmur2("21", 2) == -973932308);
  CHECK(murmur2("foobar", 6) == -790332482);
  CHECK(murmur2("a-little-bit-long-string", 24) == -985981536);
  CHECK(murmur2("a-little-bit-longer-string", 26) == -1486304829);
  CHECK(murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", 48) == -58897971);
  CHECK(murmur2("abc", 3) == 479470107);
  // Bytes >= 0x80 (Java masks them with 0xff in the tail): the value is what
  // org.apache.kafka.common.utils.Utils.murmur2(new byte[]{(byte) 0x80, (byte) 0xff, 0x7f})
  // returns (kafka-clients 4.1.1).
  const uint8_t high[] = {0x80, 0xff, 0x7f};
  CHECK(murmur2(high, 3) == -1765891516);
}
