// The Java client as the oracle: every message version it wrote (test/oracle/prepare.sh)
// must decode with our codecs and encode back to exactly the same bytes, and every version
// we generate must be covered.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <string.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/buf.h"
#include "proto/gen/dispatch.h"
#include "uvkafka/uvkafka.h"

using namespace uvk;
using namespace uvk::proto;

namespace {

struct Sample {
  int16_t version;
  std::vector<uint8_t> bytes;
};

struct OracleData {
  std::map<std::string, std::vector<Sample>> samples;
  std::map<std::pair<std::string, int>, std::string> skips;
  std::string error;
};

std::vector<uint8_t> unhex(const std::string &h) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(uint8_t(strtoul(h.substr(i, 2).c_str(), nullptr, 16)));
  return out;
}

std::string hex_window(const std::vector<uint8_t> &b, size_t at) {
  static const char *d = "0123456789abcdef";
  std::string s;
  size_t from = at > 8 ? at - 8 : 0;
  for (size_t i = from; i < b.size() && i < at + 8; i++) {
    if (i == at) s += '[';
    s += d[b[i] >> 4];
    s += d[b[i] & 15];
    if (i == at) s += ']';
  }
  return s;
}

const OracleData &oracle() {
  static OracleData data;
  static bool loaded = false;
  if (loaded) return data;
  loaded = true;
  const char *dir = getenv("UVK_ORACLE_DIR");
  if (!dir || !*dir) {
    data.error = "UVK_ORACLE_DIR is not set: run test/oracle/prepare.sh OUT and source OUT/env";
    return data;
  }
  std::ifstream f(std::string(dir) + "/messages.txt");
  if (!f) {
    data.error = std::string("cannot read ") + dir + "/messages.txt (run test/oracle/prepare.sh)";
    return data;
  }
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::string first, second, third;
    in >> first >> second;
    if (first == "skip") {  // skip <Message> <version> <reason...>
      int version = 0;
      in >> version;
      std::string reason;
      std::getline(in, reason);
      data.skips[{second, version}] = reason;
      continue;
    }
    in >> third;
    data.samples[first].push_back(Sample{int16_t(atoi(second.c_str())), unhex(third)});
  }
  return data;
}

}  // namespace

TEST_CASE("the Java oracle's data is present", "[oracle]") {
  const OracleData &o = oracle();
  INFO(o.error);
  REQUIRE(o.error.empty());
  CHECK(o.samples.size() > 100);
}

TEST_CASE("every generated message version is covered by the Java oracle", "[oracle]") {
  const OracleData &o = oracle();
  REQUIRE(o.error.empty());
  size_t n = 0;
  const MessageInfo *msgs = proto_messages(&n);
  size_t covered = 0;
  for (size_t i = 0; i < n; i++) {
    std::set<int> have;
    auto it = o.samples.find(msgs[i].name);
    if (it != o.samples.end())
      for (const Sample &s : it->second) have.insert(s.version);
    for (int v = msgs[i].min_version; v <= msgs[i].max_version; v++) {
      INFO(msgs[i].name << " v" << v);
      auto skip = o.skips.find({msgs[i].name, v});
      if (skip != o.skips.end()) INFO("the oracle could not write it:" << skip->second);
      CHECK(have.count(v) == 1);
      covered += have.count(v);
    }
  }
  WARN(covered << " message versions checked against the Java client");
}

TEST_CASE("our codecs reproduce the Java client's bytes", "[oracle]") {
  const OracleData &o = oracle();
  REQUIRE(o.error.empty());
  for (const auto &entry : o.samples) {
    const std::string &name = entry.first;
    DYNAMIC_SECTION(name) {
      for (const Sample &s : entry.second) {
        Buf out;
        int rc = proto_roundtrip(name.c_str(), s.version, s.bytes.data(), s.bytes.size(), &out);
        std::vector<uint8_t> ours(out.data, out.data + out.len);
        buf_free(&out);
        INFO(name << " v" << s.version << " (" << s.bytes.size() << " bytes from Java)");
        REQUIRE(rc == 0);
        size_t at = 0;
        while (at < ours.size() && at < s.bytes.size() && ours[at] == s.bytes[at]) at++;
        INFO("first difference at byte " << at << ": java " << hex_window(s.bytes, at) << " ours "
                                         << hex_window(ours, at));
        CHECK(ours == s.bytes);
      }
    }
  }
}
