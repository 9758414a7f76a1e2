// Consumer group assignors and the ConsumerProtocol bytes. The expected layouts are worked
// out by hand from the algorithms' definitions (KafkaJS's RoundRobinAssigner, Java's
// RangeAssignor and RoundRobinAssignor), not taken from our own output.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "client/assignor.h"

using namespace uvk;

namespace {

using Layout = std::map<std::string, std::vector<std::string>>;  // member -> "topic/partition"

Layout run(const char *name, const std::vector<std::pair<std::string, std::vector<std::string>>> &members,
           const std::vector<std::pair<std::string, int>> &topics) {
  const BuiltinAssignor *a = builtin_assignor(name);
  REQUIRE(a);
  std::vector<std::vector<const char *>> subs(members.size());
  std::vector<AssignMember> ms;
  for (size_t i = 0; i < members.size(); i++) {
    for (const std::string &t : members[i].second) subs[i].push_back(t.c_str());
    ms.push_back(AssignMember{members[i].first.c_str(), subs[i].data(), int32_t(subs[i].size())});
  }
  std::vector<AssignTopic> ts;
  for (const auto &t : topics) ts.push_back(AssignTopic{t.first.c_str(), t.second});
  Arena arena;
  std::vector<MemberPlan> plans(ms.size());
  REQUIRE(a->assign(ms.data(), int32_t(ms.size()), ts.data(), int32_t(ts.size()), &arena, plans.data()) == 0);
  Layout out;
  for (size_t i = 0; i < ms.size(); i++) {
    auto &v = out[members[i].first];
    for (int32_t k = 0; k < plans[i].n; k++)
      v.push_back(topics[size_t(plans[i].parts[k].topic)].first + "/" + std::to_string(plans[i].parts[k].partition));
  }
  arena_free(&arena);
  return out;
}

}  // namespace

TEST_CASE("assignor: KafkaJS RoundRobinAssigner deals all partitions in turn to sorted members") {
  // Members given out of order: sorted they are a, b, c. Topics in the order given.
  Layout l = run("RoundRobinAssigner", {{"c", {"x", "y"}}, {"a", {"x", "y"}}, {"b", {"x", "y"}}}, {{"x", 4}, {"y", 2}});
  CHECK(l["a"] == std::vector<std::string>({"x/0", "x/3"}));
  CHECK(l["b"] == std::vector<std::string>({"x/1", "y/0"}));
  CHECK(l["c"] == std::vector<std::string>({"x/2", "y/1"}));
}

TEST_CASE("assignor: Java range gives each subscriber a contiguous range per topic") {
  // 7 partitions over 3 members: 3, 2, 2. Topic y only has subscriber b.
  Layout l = run("range", {{"b", {"x", "y"}}, {"a", {"x"}}, {"c", {"x"}}}, {{"x", 7}, {"y", 2}});
  CHECK(l["a"] == std::vector<std::string>({"x/0", "x/1", "x/2"}));
  CHECK(l["b"] == std::vector<std::string>({"x/3", "x/4", "y/0", "y/1"}));
  CHECK(l["c"] == std::vector<std::string>({"x/5", "x/6"}));
}

TEST_CASE("assignor: Java roundrobin skips members not subscribed to a topic") {
  // Topic-partitions sorted by topic name: a/0 a/1 b/0 b/1 b/2. Members m1 (a, b), m2 (b).
  Layout l = run("roundrobin", {{"m2", {"b"}}, {"m1", {"a", "b"}}}, {{"b", 3}, {"a", 2}});
  CHECK(l["m1"] == std::vector<std::string>({"a/0", "a/1", "b/1"}));
  CHECK(l["m2"] == std::vector<std::string>({"b/0", "b/2"}));
}

TEST_CASE("assignor: every partition exactly once, for any member count") {
  for (const char *name : {"RoundRobinAssigner", "range", "roundrobin"})
    for (int members = 1; members <= 7; members++) {
      std::vector<std::pair<std::string, std::vector<std::string>>> ms;
      for (int i = 0; i < members; i++) ms.push_back({"m" + std::to_string(i), {"t1", "t2"}});
      Layout l = run(name, ms, {{"t1", 6}, {"t2", 5}});
      std::multiset<std::string> all;
      for (auto &kv : l) all.insert(kv.second.begin(), kv.second.end());
      CHECK(all.size() == 11);
      CHECK(std::set<std::string>(all.begin(), all.end()).size() == 11);
    }
}

TEST_CASE("assignor: member metadata and assignment bytes round-trip; hostile bytes are refused") {
  Buf b;
  const char *topics[] = {"orders", "payments"};
  member_metadata_encode(&b, 0, topics, 2, nullptr, 0);
  // version 0 | 2 topics | "orders" | "payments" | user data length 0
  const uint8_t expect[] = {0, 0, 0, 0, 0, 2, 0, 6, 'o', 'r', 'd', 'e', 'r', 's', 0, 8,
                            'p', 'a', 'y', 'm', 'e', 'n', 't', 's', 0, 0, 0, 0};
  REQUIRE(b.len == sizeof expect);
  CHECK(memcmp(b.data, expect, sizeof expect) == 0);
  Arena arena;
  MemberMetadata md;
  REQUIRE(member_metadata_decode(b.data, b.len, &arena, &md) == 0);
  REQUIRE(md.n_topics == 2);
  CHECK(std::string(md.topics[1]) == "payments");
  for (size_t cut = 0; cut < 22; cut++) CHECK(member_metadata_decode(b.data, cut, &arena, &md) != 0);
  const uint8_t huge[] = {0, 0, 0x7f, 0xff, 0xff, 0xff};  // 2^31-1 topics in 6 bytes
  CHECK(member_metadata_decode(huge, sizeof huge, &arena, &md) != 0);

  AssignTopic ts[] = {{"orders", 4}, {"payments", 2}};
  AssignedPartition parts[] = {{0, 1}, {1, 0}, {0, 3}};
  MemberPlan plan{parts, 3};
  Buf a;
  REQUIRE(plan_encode(&a, plan, ts) == 0);
  MemberAssignment ma;
  REQUIRE(member_assignment_decode(a.data, a.len, &arena, &ma) == 0);
  REQUIRE(ma.n_topics == 2);
  CHECK(std::string(ma.topics[0].topic) == "orders");
  REQUIRE(ma.topics[0].n == 2);
  CHECK(ma.topics[0].partitions[0] == 1);
  CHECK(ma.topics[0].partitions[1] == 3);
  CHECK(ma.topics[1].partitions[0] == 0);
  CHECK(member_assignment_decode(nullptr, 0, &arena, &ma) == 0);  // KafkaJS: nothing assigned
  CHECK(ma.n_topics == 0);
  buf_free(&a);
  buf_free(&b);
  arena_free(&arena);
}
