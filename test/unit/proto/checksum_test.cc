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
  for (auto fn : {crc32c_portable, crc32c_hw, crc32c_hw_serial, crc32c}) {
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

TEST_CASE("CRC32C: three streams agree with the portable table on random lengths, offsets and seeds",
          "[crc32c]") {
  // Lengths up to 64 KB cross every block size of the three-stream path (3 x 2048, 3 x 256,
  // 3 x 32 bytes) and its tails; offsets 0-15 cover every alignment of the 8-byte loads.
  std::vector<uint8_t> data((64u << 10) + 16);
  uint32_t x = 7;
  auto next = [&x] { return x = x * 1664525u + 1013904223u; };
  for (auto &b : data) b = uint8_t(next() >> 24);
  std::vector<size_t> lens;
  for (size_t n = 0; n <= 200; n++) lens.push_back(n);
  for (size_t k : {size_t(96), size_t(768), size_t(6144)})
    for (size_t d : {size_t(0), size_t(1), size_t(7), size_t(8), size_t(95)}) lens.push_back(k + d), lens.push_back(k - 1);
  lens.push_back(64u << 10);
  for (int i = 0; i < 400; i++) lens.push_back(next() % ((64u << 10) + 1));
  size_t bad = 0;
  for (size_t len : lens) {
    size_t off = next() % 16;
    uint32_t seed = (len & 1) ? next() : 0;
    uint32_t want = crc32c_portable(seed, data.data() + off, len);
    if (crc32c_hw(seed, data.data() + off, len) != want || crc32c_hw_serial(seed, data.data() + off, len) != want ||
        crc32c(seed, data.data() + off, len) != want) {
      bad++;
      UNSCOPED_INFO("length " << len << " offset " << off << " seed " << seed);
    }
  }
  CHECK(bad == 0);
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
