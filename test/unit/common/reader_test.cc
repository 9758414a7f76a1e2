#include <catch2/catch.hpp>

#include <string.h>

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

TEST_CASE("varints with 10 or more bytes left (the unchecked fast path) read and fail alike", "[common]") {
  // The same inputs as above, padded so the reader takes its fast path.
  const uint8_t overlong[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 0, 0, 0, 0};
  Reader r = reader_make(overlong, sizeof overlong);
  get_uvarint32(&r);
  CHECK(r.err == UVK_EPROTO);
  const uint8_t too_big[] = {0xff, 0xff, 0xff, 0xff, 0x1f, 0, 0, 0, 0, 0, 0, 0};
  r = reader_make(too_big, sizeof too_big);
  get_uvarint32(&r);
  CHECK(r.err == UVK_EPROTO);
  uint8_t eleven[11];
  memset(eleven, 0xff, sizeof eleven);
  r = reader_make(eleven, sizeof eleven);
  get_uvarint64(&r);  // 10 continuation bytes: too long for 64 bits
  CHECK(r.err == UVK_EPROTO);
  CHECK(rd_left(&r) == 0);
  // A sticky error stays: nothing more is read.
  const uint8_t ok[] = {0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  r = reader_make(ok, sizeof ok);
  rd_fail(&r, UVK_EPROTO);
  CHECK(get_varint(&r) == 0);
  // Values across the boundary between the two paths decode the same.
  Buf b;
  for (int64_t v : {int64_t(0), int64_t(-1), int64_t(63), int64_t(-64), int64_t(1) << 40, INT64_MIN, INT64_MAX})
    put_varlong(&b, v);
  r = reader_make(b.data, b.len);
  for (int64_t v : {int64_t(0), int64_t(-1), int64_t(63), int64_t(-64), int64_t(1) << 40, INT64_MIN, INT64_MAX})
    CHECK(get_varlong(&r) == v);
  CHECK(rd_ok(&r));
  CHECK(rd_left(&r) == 0);
  buf_free(&b);
}
