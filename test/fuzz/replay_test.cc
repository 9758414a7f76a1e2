// Replays a committed fuzz corpus through a fuzz target's entry point (the test command
// runs this in both builds; the ASan build turns any memory error into a failure).
#include <catch2/catch.hpp>

#include <dirent.h>
#include <stdint.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

TEST_CASE("the fuzz corpus replays without a crash", "[fuzz]") {
  std::string dir = UVK_SOURCE_ROOT "/test/fuzz/corpus/" UVK_FUZZ_CORPUS;
  DIR *d = opendir(dir.c_str());
  REQUIRE(d != nullptr);
  size_t files = 0;
  while (dirent *e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream f(dir + "/" + e->d_name, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    INFO(e->d_name);
    CHECK(LLVMFuzzerTestOneInput(bytes.data(), bytes.size()) == 0);
    files++;
  }
  closedir(d);
  CHECK(files >= 10);
}
