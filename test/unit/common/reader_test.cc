#include <catch2/catch.hpp>

#include "common/buf.h"
#include "common/reader.h"

using namespace uvk;

TEST_CASE("varints round-trip at their edges", "[common]") {
  Buf b;
  const int64_t longs[] = {0, 1, -1, 63, -64, 64, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN};
  for (int64_t v : longs) put_varlong(&b, v);
  const int32_t ints[] = {0, 1, -1, 300, -300, INT32_MAX, INT32_MIN};
  for (int32_t v : ints) put_varint(&b, v);
  put_uvarint(&b, UINT32_MAX);
  REQUIRE_FALSE(b.failed);
  Reader r = reader_make(b.data, b.len);
  for (int64_t v : longs) CHECK(get_varlong(&r) == v);
  for (int32_t v : ints) CHECK(get_varint(&r) == v);
  CHECK(get_uvarint32(&r) == UINT32_MAX);
  CHECK(rd_ok(&r));
  CHECK(rd_left(&r) == 0);
  buf_free(&b);
}

TEST_CASE("zigzag matches Kafka's encoding", "[common]") {
  Buf b;
  put_varint(&b, -1);  // zigzag(-1) = 1
  put_varint(&b, 1);   // zigzag(1) = 2
  put_varint(&b, 150); // zigzag(150) = 300 = 0xac 0x02
  REQUIRE(b.len == 4);
  CHECK(b.data[0] == 0x01);
  CHECK(b.data[1] == 0x02);
  CHECK(b.data[2] == 0xac);
  CHECK(b.data[3] == 0x02);
  buf_free(&b);
}

TEST_CASE("short reads fail and stay failed", "[common]") {
  const uint8_t bytes[] = {0x00, 0x01, 0x02};
  Reader r = reader_make(bytes, sizeof bytes);
  CHECK(get_i16(&r) == 1);
  CHECK(get_i32(&r) == 0);
  CHECK(r.err == UVK_EPROTO);
  CHECK(get_i8(&r) == 0);
  CHECK(r.err == UVK_EPROTO);
}

TEST_CASE("overlong and unterminated varints are rejected", "[common]") {
  const uint8_t unterminated[] = {0x80, 0x80};
  Reader r = reader_make(unterminated, sizeof unterminated);
  get_uvarint32(&r);
  CHECK(r.err == UVK_EPROTO);
  const uint8_t overlong[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  r = reader_make(overlong, sizeof overlong);
  get_uvarint32(&r);
  CHECK(r.err == UVK_EPROTO);
  const uint8_t too_big[] = {0xff, 0xff, 0xff, 0xff, 0x1f};  // > UINT32_MAX
  r = reader_make(too_big, sizeof too_big);
  get_uvarint32(&r);
  CHECK(r.err == UVK_EPROTO);
}
