#include <catch2/catch.hpp>

extern "C" int uvk_abi_c_check(void);
extern "C" int uvk_abi_events_first(void);
int uvk_abi_cxx_check();

TEST_CASE("abi: a strict C99 program uses the public API", "[abi]") {
  CHECK(uvk_abi_c_check() == 0);
  CHECK(uvk_abi_events_first() == 0);
}

TEST_CASE("abi: a pedantic C++ program uses the public API", "[abi]") {
  CHECK(uvk_abi_cxx_check() == 0);
}
