// An auto-commit of many partitions: one OffsetCommit carries every partition that has a new
// resolved offset. It used to stop at 512, and the partitions after those were left out of
// every periodic commit while the first 512 kept moving.
#include <catch2/catch.hpp>

#include <string>

#include "consumer_rig.h"
#include "fake_broker.h"
#include "uvkafka/uvkafka.h"

using namespace uvk_test;

namespace {

// The partitions named in a journal line "commit epoch=E p=o p=o ...": its words after two.
int partitions_in(const std::string &line) {
  int words = line.empty() ? 0 : 1;
  for (char ch : line) words += ch == ' ';
  return words - 2;
}

}  // namespace

TEST_CASE("auto-commit: one commit carries every partition with a new offset, beyond 512", "[commit_many]") {
  const int32_t kPartitions = 700;
  ConsumerRig r;
  r.cluster.leaders.clear();
  for (int32_t p = 0; p < kPartitions; p++) {
    r.cluster.leaders.push_back(p % 2 ? 2 : 1);
    (p % 2 ? r.b2 : r.b1).log[p] = values("m", 1);
  }
  r.auto_commit = 1;
  r.auto_commit_threshold = kPartitions;  // the first commit comes once every message is resolved
  r.start();
  REQUIRE(r.run_until([&] { return !r.cluster.committed.empty(); }));
  std::string first;
  for (const std::string &line : r.cluster.journal)
    if (line.rfind("commit ", 0) == 0) {
      first = line;
      break;
    }
  INFO(first.substr(0, 80));
  CHECK(partitions_in(first) == kPartitions);
  CHECK(r.cluster.committed.size() == size_t(kPartitions));
  for (const auto &pc : r.cluster.committed) CHECK(pc.second == 1);
}
