// Codecs: round trips, corrupt input, output limits, xerial vs raw snappy, user codecs.
#include <catch2/catch.hpp>

#include <string.h>

#include <vector>

#include "codec/codec.h"
#include "uvkafka/uvkafka.h"

using namespace uvk;

namespace {
typedef std::vector<uint8_t> Bytes;
Bytes sample(size_t n) {
  Bytes b(n);
  uint32_t x = 9;
  for (size_t i = 0; i < n; i++) b[i] = uint8_t(i % 7 == 0 ? (x = x * 1103515245u + 12345u) >> 24 : 'a' + i % 5);
  return b;
}
Bytes of(const Buf &b) { return Bytes(b.data, b.data + b.len); }
}  // namespace

TEST_CASE("every codec the build was configured to require is there", "[codec]") {
  // meson -Dsnappy=enabled -Dlz4=enabled -Dzstd=enabled (what CI configures) sets these: the
  // codec tests below skip a codec that is not built, which must not hide a lost one.
  CHECK(uvk_codec_available(UVK_CODEC_GZIP) == 1);
  if (UVK_TEST_REQUIRE_SNAPPY) CHECK(uvk_codec_available(UVK_CODEC_SNAPPY) == 1);
  if (UVK_TEST_REQUIRE_LZ4) CHECK(uvk_codec_available(UVK_CODEC_LZ4) == 1);
  if (UVK_TEST_REQUIRE_ZSTD) CHECK(uvk_codec_available(UVK_CODEC_ZSTD) == 1);
  // A codec that is not built says so when used, never compresses silently as another.
  for (int id = 2; id <= 4; id++) {
    if (codec_available(id)) continue;
    WARN(codec_name(id) << " is not built: its round trips are not tested");
    uvk::Buf out;
    const uint8_t byte = 1;
    CHECK(codec_compress(id, &byte, 1, &out) == UVK_EUNSUPPORTED);
    buf_free(&out);
  }
}

TEST_CASE("built-in codecs round-trip, sizes from 0 to 300 KiB", "[codec]") {
  for (int id = 1; id <= 4; id++) {
    if (!codec_available(id)) continue;
    for (size_t n : {size_t(0), size_t(1), size_t(100), size_t(70000), size_t(300000)}) {
      INFO(codec_name(id) << " " << n);
      Bytes src = sample(n);
      Buf c, d;
      REQUIRE(codec_compress(id, src.data(), n, &c) == 0);
      REQUIRE(codec_decompress(id, c.data, c.len, &d, 1u << 20) == 0);
      CHECK(of(d) == src);
      // One byte less than needed is too large, never a silent truncation.
      if (n > 0) {
        Buf e;
        CHECK(codec_decompress(id, c.data, c.len, &e, n - 1) == UVK_ETOOLARGE);
        buf_free(&e);
      }
      // Exactly the size needed is enough.
      if (n > 0) {
        Buf e;
        CHECK(codec_decompress(id, c.data, c.len, &e, n) == 0);
        CHECK(of(e) == src);
        buf_free(&e);
      }
      // Stopped at a limit, the buffer holds no more than the limit: the byte that tells
      // "too large" from "done" is not reserved in it (that doubled a 64 KiB buffer).
      if (n > 65536) {
        Buf e;
        CHECK(codec_decompress(id, c.data, c.len, &e, 65536) == UVK_ETOOLARGE);
        CHECK(e.cap <= 65536);
        buf_free(&e);
      }
      // Truncated compressed input is an error.
      if (c.len > 2) {
        Buf e;
        CHECK(codec_decompress(id, c.data, c.len / 2, &e, 1u << 20) < 0);
        buf_free(&e);
      }
      buf_free(&c);
      buf_free(&d);
    }
  }
}

TEST_CASE("garbage never decompresses into a crash", "[codec]") {
  Bytes junk = sample(4096);
  for (int id = 1; id <= 4; id++) {
    if (!codec_available(id)) continue;
    for (size_t n = 0; n < 200; n += 7) {
      Buf d;
      int rc = codec_decompress(id, junk.data(), n, &d, 1u << 16);
      CHECK(rc <= 0);
      buf_free(&d);
    }
  }
}

TEST_CASE("snappy: xerial framing as Java writes it, raw blocks as old clients did", "[codec]") {
  if (!codec_available(kCodecSnappy)) return;
  Bytes src = sample(100000);
  Buf framed;
  REQUIRE(snappy_compress_framed(src.data(), src.size(), &framed) == 0);
  const uint8_t magic[] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
  REQUIRE(framed.len > 16);
  CHECK(memcmp(framed.data, magic, 16) == 0);
  // 100000 bytes in 32 KiB blocks: four [length][block] chunks.
  size_t off = 16, chunks = 0;
  while (off + 4 <= framed.len) {
    size_t n = size_t(framed.data[off]) << 24 | size_t(framed.data[off + 1]) << 16 |
               size_t(framed.data[off + 2]) << 8 | framed.data[off + 3];
    off += 4 + n;
    chunks++;
  }
  CHECK(off == framed.len);
  CHECK(chunks == 4);
  // A raw block (the first chunk's payload) decodes too.
  size_t first = size_t(framed.data[18]) << 8 | framed.data[19];
  Buf raw;
  REQUIRE(snappy_decompress_any(framed.data + 20, first, &raw, 1u << 20) == 0);
  CHECK(of(raw) == Bytes(src.begin(), src.begin() + 32768));
  buf_free(&framed);
  buf_free(&raw);
}

namespace {
// A toy codec: XOR with 0x5a, registered for the lz4 id.
int xor_fn(void *ud, const uint8_t *src, size_t len, uvk_codec_out *out) {
  ++*static_cast<int *>(ud);
  for (size_t i = 0; i < len; i++) {
    uint8_t b = src[i] ^ 0x5a;
    int rc = uvk_codec_out_write(out, &b, 1);
    if (rc != 0) return rc;
  }
  return 0;
}
}  // namespace

TEST_CASE("a user codec replaces a built-in one and can be removed", "[codec][capi]") {
  int calls = 0;
  CHECK(uvk_codec_register(9, xor_fn, xor_fn, &calls) == UVK_EINVAL);
  CHECK(uvk_codec_register(UVK_CODEC_LZ4, nullptr, xor_fn, &calls) == UVK_EINVAL);
  REQUIRE(uvk_codec_register(UVK_CODEC_LZ4, xor_fn, xor_fn, &calls) == 0);
  CHECK(uvk_codec_available(UVK_CODEC_LZ4) == 1);
  Bytes src = sample(1000);
  Buf c, d;
  REQUIRE(codec_compress(kCodecLz4, src.data(), src.size(), &c) == 0);
  CHECK(c.len == src.size());
  CHECK(c.data[0] == (src[0] ^ 0x5a));
  REQUIRE(codec_decompress(kCodecLz4, c.data, c.len, &d, 1u << 20) == 0);
  CHECK(of(d) == src);
  Buf e;
  CHECK(codec_decompress(kCodecLz4, c.data, c.len, &e, 10) == UVK_ETOOLARGE);
  CHECK(calls == 3);
  CHECK(uvk_codec_unregister(UVK_CODEC_LZ4) == 0);
  CHECK(uvk_codec_unregister(UVK_CODEC_LZ4) == UVK_ENOTFOUND);
  CHECK(uvk_codec_available(UVK_CODEC_NONE) == 1);
  CHECK(uvk_codec_available(UVK_CODEC_GZIP) == 1);
  CHECK(uvk_codec_available(6) == 0);
  for (Buf *x : {&c, &d, &e}) buf_free(x);
}
