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
    ms.push_back(AssignMember{members[i].first.c_str(), subs[i].data(), int32_t(subs[i].size()), nullptr, 0, -1});
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

namespace {

// cooperative-sticky with ownership: members as {id, owned partitions of "t", generation}.
struct Owned {
  std::string id;
  std::vector<int32_t> owned;
  int32_t generation;
};

std::map<std::string, std::set<int32_t>> run_sticky(const std::vector<Owned> &ms, int partitions,
                                                    const char *topic_of_owned = "t") {
  const char *sub[] = {"t"};
  std::vector<TopicPartitions> tps(ms.size());
  std::vector<AssignMember> members;
  for (size_t i = 0; i < ms.size(); i++) {
    tps[i] = TopicPartitions{topic_of_owned, ms[i].owned.data(), int32_t(ms[i].owned.size())};
    members.push_back(AssignMember{ms[i].id.c_str(), sub, 1, &tps[i], ms[i].owned.empty() ? 0 : 1, ms[i].generation});
  }
  AssignTopic ts[] = {{"t", partitions}};
  const BuiltinAssignor *a = builtin_assignor("cooperative-sticky");
  REQUIRE(a);
  Arena arena;
  std::vector<MemberPlan> plans(members.size());
  REQUIRE(a->assign(members.data(), int32_t(members.size()), ts, 1, &arena, plans.data()) == 0);
  std::map<std::string, std::set<int32_t>> out;
  for (size_t i = 0; i < members.size(); i++) {
    auto &s = out[ms[i].id];
    for (int32_t k = 0; k < plans[i].n; k++) {
      CHECK(plans[i].parts[k].topic == 0);
      CHECK(s.insert(plans[i].parts[k].partition).second);
    }
  }
  arena_free(&arena);
  return out;
}

std::vector<int32_t> range_of(int32_t from, int32_t to) {
  std::vector<int32_t> v;
  for (int32_t p = from; p < to; p++) v.push_back(p);
  return v;
}

}  // namespace

TEST_CASE("assignor: cooperative-sticky balances a new group and keeps what members own") {
  auto l = run_sticky({{"c", {}, -1}, {"a", {}, -1}, {"b", {}, -1}}, 12);
  std::set<int32_t> all;
  for (auto &m : l) {
    CHECK(m.second.size() == 4);
    all.insert(m.second.begin(), m.second.end());
  }
  CHECK(all.size() == 12);
  // Everyone keeps what they own when the group is already balanced.
  l = run_sticky({{"a", {0, 5, 7}, 3}, {"b", {1, 2, 3}, 3}, {"c", {4, 6, 8}, 3}}, 9);
  CHECK(l["a"] == std::set<int32_t>({0, 5, 7}));
  CHECK(l["b"] == std::set<int32_t>({1, 2, 3}));
  CHECK(l["c"] == std::set<int32_t>({4, 6, 8}));
}

TEST_CASE("assignor: cooperative-sticky hands a partition over only after its owner gave it up") {
  // a and b own 6 each; c joins. Round 1: a and b each give 2 up (left out of their plans),
  // c gets nothing yet (they are still owned).
  auto r1 = run_sticky({{"a", range_of(0, 6), 1}, {"b", range_of(6, 12), 1}, {"c", {}, -1}}, 12);
  CHECK(r1["a"].size() == 4);
  CHECK(r1["b"].size() == 4);
  CHECK(r1["c"].empty());
  for (int32_t p : r1["a"]) CHECK(p < 6);
  for (int32_t p : r1["b"]) CHECK(p >= 6);
  // Round 2: they own 4 each now; c gets the 4 nobody owns, a and b keep theirs.
  std::vector<int32_t> a(r1["a"].begin(), r1["a"].end()), b(r1["b"].begin(), r1["b"].end());
  auto r2 = run_sticky({{"a", a, 2}, {"b", b, 2}, {"c", {}, -1}}, 12);
  CHECK(r2["a"] == r1["a"]);
  CHECK(r2["b"] == r1["b"]);
  CHECK(r2["c"].size() == 4);
  for (int32_t p : r2["c"]) CHECK((r1["a"].count(p) == 0 && r1["b"].count(p) == 0));
}

TEST_CASE("assignor: cooperative-sticky gives a departed member's partitions out without revoking any") {
  auto l = run_sticky({{"a", range_of(0, 4), 5}, {"b", range_of(4, 8), 5}}, 12);  // c (8..11) left
  CHECK(l["a"].size() == 6);
  CHECK(l["b"].size() == 6);
  for (int32_t p = 0; p < 4; p++) CHECK(l["a"].count(p) == 1);
  for (int32_t p = 4; p < 8; p++) CHECK(l["b"].count(p) == 1);
}

TEST_CASE("assignor: cooperative-sticky settles double claims by generation and ignores bad claims") {
  // b claims partition 1 from an older generation: a's claim (newer) wins, b is not given it.
  auto l = run_sticky({{"a", {0, 1}, 5}, {"b", {1, 2}, 4}}, 4);
  CHECK(l["a"].count(1) == 1);
  CHECK(l["b"].count(1) == 0);
  CHECK(l["b"].count(2) == 1);
  // Partitions that do not exist, and a topic nobody subscribes to, are not claims.
  l = run_sticky({{"a", {-1, 7, 99}, 1}, {"b", {}, -1}}, 4);
  CHECK(l["a"].size() == 2);
  CHECK(l["b"].size() == 2);
  l = run_sticky({{"a", {0, 1, 2, 3}, 1}, {"b", {}, -1}}, 4, "other");
  CHECK(l["a"].size() == 2);
  CHECK(l["b"].size() == 2);
}

TEST_CASE("assignor: subscription v3 carries owned partitions, generation and rack; v1 takes the generation from sticky user data") {
  Arena arena;
  // Java's layout, by hand: version 3 | topics ["t"] | user data (Java's cooperative: the
  // generation, 4 bytes) | owned [t: [0, 2]] | generation 7 | rack null.
  const uint8_t java[] = {0, 3, 0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 4, 0, 0, 0, 7,
                          0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2,
                          0, 0, 0, 7, 0xff, 0xff};
  MemberMetadata md;
  REQUIRE(member_metadata_decode(java, sizeof java, &arena, &md) == 0);
  CHECK(md.version == 3);
  REQUIRE(md.n_owned == 1);
  CHECK(std::string(md.owned[0].topic) == "t");
  REQUIRE(md.owned[0].n == 2);
  CHECK(md.owned[0].partitions[1] == 2);
  CHECK(md.generation == 7);
  CHECK(md.rack == nullptr);
  // Cut inside a field: refused (cut between fields, the later ones are just absent).
  for (size_t cut = 1; cut < sizeof java; cut++)
    if (cut != 9 && cut != 17 && cut != 36 && cut != 40) CHECK(member_metadata_decode(java, cut, &arena, &md) != 0);
  // Ours round-trips, with the sticky user data librdkafka writes.
  const char *topics[] = {"t"};
  int32_t parts[] = {0, 2};
  TopicPartitions owned{"t", parts, 2};
  Buf ud, b;
  sticky_user_data_encode(&ud, &owned, 1, 9);
  member_metadata_encode_v3(&b, topics, 1, ud.data, int32_t(ud.len), &owned, 1, 9, "rack-a");
  REQUIRE(member_metadata_decode(b.data, b.len, &arena, &md) == 0);
  CHECK(md.generation == 9);
  REQUIRE(md.n_owned == 1);
  CHECK(md.owned[0].n == 2);
  CHECK(std::string(md.rack) == "rack-a");
  // A v1 subscription (owned partitions, no generation field): the sticky user data's.
  Buf v1;
  member_metadata_encode(&v1, 1, topics, 1, ud.data, int32_t(ud.len));
  put_i32(&v1, 1);  // owned: [t: [0, 2]]
  put_i16(&v1, 1);
  put_raw(&v1, "t", 1);
  put_i32(&v1, 2);
  put_i32(&v1, 0);
  put_i32(&v1, 2);
  REQUIRE(member_metadata_decode(v1.data, v1.len, &arena, &md) == 0);
  CHECK(md.generation == 9);
  CHECK(md.n_owned == 1);
  buf_free(&v1);
  buf_free(&ud);
  buf_free(&b);
  arena_free(&arena);
}
