// groupProtocol consumer (KIP-848) on the real cluster: members of one group in this
// process (one loop), plus `uvk consume` as a separate process that is SIGKILLed. Checks
// balance, that a joining member only moves partitions (the others keep their position:
// with commits only on a revoke, a partition taken away and given back would be read again
// from its committed offset and show duplicates), that a killed member's partitions go to
// the others, and that every message is read (duplicates only on the killed member's
// partitions). Needs UVK_TEST_BROKERS and UVK_CLI (meson sets it to the built tool).
#include "group_rig.h"

using namespace group_rig;

namespace {

// What a describe said, copied out of the callback.
struct Described {
  bool done = false;
  int err = 1;
  std::string state, protocol, group_protocol;
  int32_t group_epoch = -2;
  std::map<std::string, std::set<int>> assignment;  // member id -> partitions
  std::map<std::string, int32_t> epochs;
  void take(const uvk_error *e, const uvk_group_description *d) {
    done = true;
    err = e ? uvk_error_code(e) : 0;
    if (!d) return;
    state = d->state;
    protocol = d->protocol;
    group_protocol = d->group_protocol ? d->group_protocol : "";
    group_epoch = d->group_epoch;
    for (size_t i = 0; i < d->n_members; i++) {
      const uvk_group_member_description &m = d->members[i];
      epochs[m.member_id] = m.member_epoch;
      for (size_t k = 0; k < m.n_assignment; k++) assignment[m.member_id].insert(m.assignment[k].partition);
    }
  }
};

// The admin's describeGroups and the consumer's own describeGroup agree with what the
// members own: ConsumerGroupDescribe behind both.
void check_described(Group &g, Member *asker, size_t members, size_t each) {
  std::map<std::string, std::set<int>> owned;
  for (Member *m : g.members) owned[uvk_consumer_member_id(m->c)] = m->owned();
  uvk_admin *admin = nullptr;
  REQUIRE(uvk_admin_new(g.client, nullptr, &admin) == 0);
  Described a, c;
  const char *ids[] = {g.group.c_str()};
  REQUIRE(uvk_admin_describe_groups(admin, ids, 1, [](uvk_admin *, const uvk_error *e, const uvk_group_description *d,
                                                      size_t n, void *ud) {
    static_cast<Described *>(ud)->take(e, n == 1 ? d : nullptr);
  }, &a) == 0);
  REQUIRE(uvk_consumer_describe_group(asker->c, [](uvk_consumer *, const uvk_error *e, const uvk_group_description *d,
                                                   void *ud) { static_cast<Described *>(ud)->take(e, d); }, &c) == 0);
  REQUIRE(g.run_until([&] { return a.done && c.done; }));
  uvk_admin_free(admin);
  for (Described *d : {&a, &c}) {
    CHECK(d->err == 0);
    CHECK(d->state == "Stable");
    CHECK(d->group_protocol == "consumer");
    CHECK(d->protocol == "uniform");
    CHECK(d->group_epoch > 0);
    CHECK(d->assignment.size() == members);
    for (const auto &kv : d->assignment) {
      CHECK(kv.second.size() == each);
      CHECK(d->epochs[kv.first] > 0);
      CHECK(owned[kv.first] == kv.second);  // as the member itself says
    }
  }
}

}  // namespace

TEST_CASE("consumer protocol: 3 members balance 12 partitions, a 4th only moves partitions, every message once",
          "[integration][cgroup]") {
  std::string topic = uniq("cg-balance");
  make_topic(topic, 12);
  produce(topic, 1, 1200);
  Group g(topic, uniq("cg-balance-group"));
  Member *m1 = g.add("m1");
  Member *m2 = g.add("m2");
  Member *m3 = g.add("m3");
  REQUIRE(g.run_until([&] { return g.balanced(4, 12) && g.distinct() == 1200; }));
  check_described(g, m2, 3, 4);
  std::map<Member *, std::set<int>> before;
  std::map<Member *, size_t> calls_before;
  for (Member *m : {m1, m2, m3}) {
    before[m] = m->owned();
    calls_before[m] = m->listener.size();
  }
  uint64_t t0 = uv_now(&g.loop);
  g.add("m4");
  REQUIRE(g.run_until([&] { return g.balanced(3, 12); }));
  uint64_t rebalance_ms = uv_now(&g.loop) - t0;
  WARN("measured: a 4th member joined and the group was balanced again after " << rebalance_ms << " ms");
  for (Member *m : {m1, m2, m3}) {
    INFO(m->name);
    // Each of the first three only gave partitions away; it took none in this rebalance.
    for (size_t i = 0; i < m->history.size(); i++) {
      if (m->history[i] == before[m]) {
        for (size_t k = i + 1; k < m->history.size(); k++)
          for (int p : m->history[k]) CHECK(before[m].count(p) == 1);
      }
    }
  }
  // The listener heard only of what moved: revoked partitions are ones the member lost, and
  // nothing was assigned to the first three (as Java's, each reconciliation ends with an
  // "assigned" call naming what is new: nothing here).
  for (Member *m : {m1, m2, m3}) {
    INFO(m->name);
    std::set<int> revoked;
    for (size_t i = calls_before[m]; i < m->listener.size(); i++) {
      if (m->listener[i].first == UVK_REBALANCE_ASSIGNED) {
        CHECK(m->listener[i].second.empty());
        continue;
      }
      CHECK(m->listener[i].first == UVK_REBALANCE_REVOKED);
      revoked.insert(m->listener[i].second.begin(), m->listener[i].second.end());
    }
    for (int p : revoked) CHECK(m->owned().count(p) == 0);
    CHECK(revoked.size() + m->owned().size() == before[m].size());
  }
  produce(topic, 1201, 2400);
  REQUIRE(g.run_until([&] { return g.distinct() == 2400; }));
  for (Member *m : g.members) g.stop(m);
  int dups = 0;
  for (const auto &kv : g.seen) dups += kv.second - 1;
  CHECK(dups == 0);  // kept partitions never restarted, moved ones started at the commit
  CHECK(g.distinct() == 2400);
}

TEST_CASE("consumer protocol: a SIGKILLed member's partitions go to the others, nothing is lost",
          "[integration][cgroup]") {
  std::string topic = uniq("cg-kill");
  make_topic(topic, 12);
  Group g(topic, uniq("cg-kill-group"));
  // The two members here first, the process third, the messages last: a process that joined
  // first owned all 12 partitions for a moment and could read from every one of them (it did
  // on Kafka 4.4, which assigns at once).
  Member *m1 = g.add("m1");
  Member *m2 = g.add("m2");
  REQUIRE(g.run_until([&] { return g.balanced(6, 12); }));
  // The member to kill: `uvk consume` in its own process.
  CliMember child;
  child.start(g, {"--group-protocol", "consumer", "--remote-assignor", "uniform"});
  // Three members: the two here own 8 partitions, the process the other 4 and has read them.
  REQUIRE(g.run_until([&] { return g.balanced(4, 8); }));
  produce(topic, 1, 600);
  REQUIRE(g.run_until([&] { return child.partitions.size() == 4; }));
  std::set<int> killed_parts = child.partitions;
  child.kill(SIGKILL);
  uint64_t t0 = uv_now(&g.loop);
  REQUIRE(g.run_until([&] { return child.exited && g.balanced(6, 12); }));
  WARN("measured: the killed member's partitions were reassigned after " << uv_now(&g.loop) - t0 << " ms");
  REQUIRE(g.run_until([&] {
    std::set<std::string> all;
    for (const auto &kv : g.seen) all.insert(kv.first);
    for (const auto &kv : child.values) all.insert(kv.first);
    return all.size() == 600;
  }));
  for (Member *m : {m1, m2}) g.stop(m);
  // Duplicates only where the killed member read without committing.
  for (const auto &kv : child.values) {
    if (g.seen.count(kv.first)) CHECK(killed_parts.count(kv.second) == 1);
  }
  for (const auto &kv : g.seen) CHECK(kv.second == 1);
}
