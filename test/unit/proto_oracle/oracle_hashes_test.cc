// murmur2 and CRC32C against the Java client's Utils.murmur2 and java.util.zip.CRC32C.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "proto/crc32c.h"
#include "proto/murmur2.h"

using namespace uvk;

namespace {
std::vector<uint8_t> unhex(const std::string &h) {
  std::vector<uint8_t> out;
  if (h == "-") return out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(uint8_t(strtoul(h.substr(i, 2).c_str(), nullptr, 16)));
  return out;
}
bool open_oracle(const char *file, std::ifstream *f) {
  const char *dir = getenv("UVK_ORACLE_DIR");
  if (!dir || !*dir) return false;
  f->open(std::string(dir) + "/" + file);
  return bool(*f);
}
}  // namespace

TEST_CASE("murmur2 agrees with Utils.murmur2 on every oracle key", "[oracle][murmur2]") {
  std::ifstream f;
  INFO("needs $UVK_ORACLE_DIR/murmur2.txt: run test/oracle/prepare.sh OUT and source OUT/env");
  REQUIRE(open_oracle("murmur2.txt", &f));
  std::string line;
  size_t n = 0;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::string key;
    long long hash, part;
    in >> key >> hash >> part;
    std::vector<uint8_t> k = unhex(key);
    int32_t h = murmur2(k.data(), k.size());
    INFO("key " << key);
    CHECK(h == int32_t(hash));
    CHECK(int32_t(uint32_t(h) & 0x7fffffffu) % 1000 == int32_t(part));
    n++;
  }
  CHECK(n >= 3000);
}

TEST_CASE("CRC32C agrees with java.util.zip.CRC32C", "[oracle][crc32c]") {
  std::ifstream f;
  INFO("needs $UVK_ORACLE_DIR/crc32c.txt: run test/oracle/prepare.sh OUT and source OUT/env");
  REQUIRE(open_oracle("crc32c.txt", &f));
  std::string line;
  size_t n = 0;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::string data;
    unsigned long long crc;
    in >> data >> crc;
    std::vector<uint8_t> d = unhex(data);
    INFO("length " << d.size());
    CHECK(crc32c(0, d.data(), d.size()) == uint32_t(crc));
    CHECK(crc32c_portable(0, d.data(), d.size()) == uint32_t(crc));
    n++;
  }
  CHECK(n >= 300);
}
