#include <catch2/catch.hpp>

#include "common/arena.h"

using namespace uvk;

TEST_CASE("arena hands out aligned zeroed memory across chunks", "[common]") {
  Arena a;
  for (int i = 0; i < 1000; i++) {
    auto *p = static_cast<uint64_t *>(arena_alloc(&a, 24, 8));
    REQUIRE(p != nullptr);
    CHECK((uintptr_t(p) & 7) == 0);
    CHECK(p[0] == 0);
    p[0] = ~0ull;
  }
  CHECK(a.used == 24000);
  arena_reset(&a);
  CHECK(a.used == 0);
  CHECK(arena_alloc(&a, 8) != nullptr);
  arena_free(&a);
}

TEST_CASE("arena limit refuses oversized requests", "[common]") {
  Arena a;
  a.limit = 1000;
  CHECK(arena_alloc(&a, 600) != nullptr);
  CHECK(arena_alloc(&a, 600) == nullptr);
  CHECK(arena_alloc(&a, SIZE_MAX) == nullptr);
  CHECK(arena_new_array<uint64_t>(&a, SIZE_MAX / 4) == nullptr);
  arena_free(&a);
}
