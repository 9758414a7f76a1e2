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
extern "C" size_t uvk_fuzz_reached;  // the target counts what got past its decoder's checks

TEST_CASE("the fuzz corpus replays without a crash", "[fuzz]") {
  std::string dir = UVK_SOURCE_ROOT "/test/fuzz/corpus/" UVK_FUZZ_CORPUS;
  DIR *d = opendir(dir.c_str());
  REQUIRE(d != nullptr);
  size_t files = 0;
  while (dirent *e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    INFO(e->d_name);
    std::ifstream f(dir + "/" + e->d_name, std::ios::binary);
    REQUIRE(f.is_open());
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    // The target returns 0 whatever it was given (libFuzzer's contract); what fails is a
    // crash, an abort() of the target's own checks, or the sanitizers.
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    files++;
  }
  closedir(d);
  CHECK(files >= 10);
  // The corpus is not only refusals: some inputs get past the decoder's checks (records
  // walked, a message decoded, a SCRAM step taken, a config key accepted).
  CHECK(uvk_fuzz_reached > 0);
}
