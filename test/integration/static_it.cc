// Static membership (groupInstanceId, KIP-345) on the real cluster, both group protocols:
// two static members in this process and a third as `uvk consume --group-instance-id` in
// its own process, which is stopped (SIGKILL for classic, SIGTERM for the consumer protocol,
// which needs the leave with epoch -2 to keep the assignment) and started again with the
// same id. It must get the same partitions back while the two others see no rebalance: no
// new GROUP_JOIN, the same generation / member epoch. Every message is read (the killed
// member's uncommitted work may be read twice, on its own partitions only).
#include "group_rig.h"

using namespace group_rig;

namespace {

// Runs one restart scenario; `protocol` "classic" or "consumer".
void restart_keeps_partitions(const char *protocol, int sig) {
  std::string topic = uniq(std::string("static-") + protocol);
  make_topic(topic, 6);
  Group g(topic, uniq(std::string("static-group-") + protocol));
  Member *m1 = g.add("m1", protocol, "static-m1");
  Member *m2 = g.add("m2", protocol, "static-m2");
  REQUIRE(g.run_until([&] { return g.members[0]->owned().size() + g.members[1]->owned().size() == 6; }));
  std::vector<std::string> flags = {"--group-instance-id", "static-cli"};
  if (std::string(protocol) == "consumer") flags.insert(flags.end(), {"--group-protocol", "consumer"});
  else flags.insert(flags.end(), {"--assigner", "range"});
  CliMember first;
  first.start(g, flags);
  // Three members (two partitions each: the third member is the process), then messages on
  // every partition; the process reads from both of its own.
  REQUIRE(g.run_until([&] { return g.balanced(2, 4); }));
  produce(topic, 1, 300);
  REQUIRE(g.run_until([&] { return first.partitions.size() == 2 && g.seen.size() + first.values.size() >= 300; }));
  std::set<int> cli_parts = first.partitions;
  int32_t gen1 = uvk_consumer_generation(m1->c), gen2 = uvk_consumer_generation(m2->c);
  size_t joins1 = m1->history.size(), joins2 = m2->history.size();
  first.kill(sig);
  REQUIRE(g.run_until([&] { return first.exited; }));
  CliMember second;
  second.start(g, flags);
  produce(topic, 301, 600);  // new messages on every partition: the restarted one prints its own
  REQUIRE(g.run_until([&] {
    std::set<std::string> all;
    for (const auto &kv : g.seen) all.insert(kv.first);
    for (const auto &kv : first.values) all.insert(kv.first);
    for (const auto &kv : second.values) all.insert(kv.first);
    return all.size() == 600 && second.partitions.size() == 2;
  }));
  CHECK(second.partitions == cli_parts);                // the same partitions back
  CHECK(uvk_consumer_generation(m1->c) == gen1);        // no rebalance for the others
  CHECK(uvk_consumer_generation(m2->c) == gen2);
  CHECK(m1->history.size() == joins1);
  CHECK(m2->history.size() == joins2);
  second.kill(SIGTERM);
  REQUIRE(g.run_until([&] { return second.exited; }));
  for (Member *m : {m1, m2}) g.stop(m);
  for (const auto &kv : g.seen) CHECK(kv.second == 1);
  for (const auto &kv : second.values) CHECK(cli_parts.count(kv.second) == 1);
}

}  // namespace

TEST_CASE("static member (classic): SIGKILLed and restarted within the session timeout, same partitions, no rebalance",
          "[integration][static]") {
  restart_keeps_partitions("classic", SIGKILL);
}

TEST_CASE("static member (consumer protocol): stopped and restarted, same partitions, no new epoch for the others",
          "[integration][static]") {
  restart_keeps_partitions("consumer", SIGTERM);
}
