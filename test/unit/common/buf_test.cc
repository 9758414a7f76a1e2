#include <catch2/catch.hpp>

#include "common/buf.h"

using namespace uvk;

namespace {
struct FailAfter {
  int left;
};
void *fa_malloc(void *ud, size_t n) {
  auto *f = static_cast<FailAfter *>(ud);
  return f->left-- > 0 ? malloc(n) : nullptr;
}
void *fa_realloc(void *ud, void *p, size_t n) {
  auto *f = static_cast<FailAfter *>(ud);
  return f->left-- > 0 ? realloc(p, n) : nullptr;
}
void fa_free(void *, void *p) { free(p); }
}  // namespace

TEST_CASE("big-endian writes", "[common]") {
  Buf b;
  put_i16(&b, 0x0102);
  put_i32(&b, 0x03040506);
  put_i64(&b, 0x0708090a0b0c0d0eLL);
  REQUIRE(b.len == 14);
  for (size_t i = 0; i < b.len; i++) CHECK(b.data[i] == i + 1);
  patch_be32(&b, 2, 0xdeadbeef);
  CHECK(b.data[2] == 0xde);
  CHECK(b.data[5] == 0xef);
  buf_clear(&b);
  CHECK(b.len == 0);
  CHECK(b.cap >= 14);
  buf_free(&b);
}

TEST_CASE("an allocation failure is sticky and drops later writes", "[common]") {
  FailAfter f{1};
  Allocator a{fa_malloc, fa_realloc, fa_free, &f};
  Buf b;
  b.alloc = &a;
  put_raw(&b, "abc", 3);  // first allocation succeeds
  CHECK_FALSE(b.failed);
  std::string big(100000, 'x');
  put_raw(&b, big.data(), big.size());  // needs a realloc, which fails
  CHECK(b.failed);
  put_u8(&b, 1);
  CHECK(b.len == 3);
  buf_free(&b);
}
