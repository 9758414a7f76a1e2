// Mixed consumer groups on the real cluster: uvkafka members in this process and, in their own
// processes, Kafka's Java consumer (test/interop/JavaGroupMember.java on the cluster's cached
// jars) or librdkafka 2.16 (test/interop/rdkafka_member.py on the confluent-kafka wheel that
// test/lib/rdkafka_wheel.sh unpacks). Together they read every message exactly once: with
// commits only on a revoke and on stop (uvkafka) and after every printed batch (the peers),
// a partition that moved too early or was read by two members at once shows up as a
// duplicate or a gap. Also a classic group moved online to the consumer protocol by
// restarting its members one by one. Needs UVK_TEST_BROKERS, UVK_CLI and
// UVK_TEST_KAFKA_CLASSPATH (test/kafka/cluster.sh exports it).
#include <unistd.h>

#include "group_rig.h"

extern char **environ;

using namespace group_rig;

namespace {

// A peer member in its own process: its stdin is a pipe (closing it stops the peer), its
// stdout lines are "A <assignment>", "R <revoked>", "M <partition> <value>", "S".
struct Peer {
  uv_loop_t *loop = nullptr;
  uv_process_t proc;
  uv_pipe_t in, out;
  bool exited = false, in_open = false, stopped = false;
  std::string buf;
  std::map<std::string, int> values;  // value -> times printed
  std::set<int> assignment;           // the latest "A" line
  std::vector<std::string> lines;     // "A"/"R" lines, in order

  ~Peer() {
    if (!loop || exited) return;
    uv_process_kill(&proc, SIGKILL);
    while (!exited) uv_run(loop, UV_RUN_ONCE);
  }

  void line(const std::string &l) {
    if (l.size() >= 2 && l[0] == 'M') {
      size_t sp = l.find(' ', 2);
      if (sp != std::string::npos) values[l.substr(sp + 1)]++;
    } else if (l.size() >= 1 && l[0] == 'A') {
      lines.push_back(l);
      assignment.clear();
      for (size_t i = 2; i < l.size();) {
        assignment.insert(atoi(l.c_str() + i));
        size_t c = l.find(',', i);
        if (c == std::string::npos) break;
        i = c + 1;
      }
    } else if (l.size() >= 1 && l[0] == 'R') {
      lines.push_back(l);
    } else if (l == "S") {
      stopped = true;
    }
  }

  void start(Group &g, std::vector<std::string> args, const std::vector<std::string> &extra_env) {
    loop = &g.loop;
    exited = stopped = false;
    assignment.clear();
    REQUIRE(uv_pipe_init(loop, &in, 0) == 0);
    REQUIRE(uv_pipe_init(loop, &out, 0) == 0);
    std::vector<char *> argv;
    for (std::string &a : args) argv.push_back(&a[0]);
    argv.push_back(nullptr);
    std::vector<std::string> envs(extra_env);
    for (char **e = environ; *e; e++) envs.push_back(*e);
    std::vector<char *> envp;
    for (std::string &e : envs) envp.push_back(&e[0]);
    envp.push_back(nullptr);
    uv_stdio_container_t stdio[3];
    stdio[0].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_READABLE_PIPE);
    stdio[0].data.stream = reinterpret_cast<uv_stream_t *>(&in);
    stdio[1].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
    stdio[1].data.stream = reinterpret_cast<uv_stream_t *>(&out);
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = 2;
    uv_process_options_t po;
    memset(&po, 0, sizeof po);
    po.file = argv[0];
    po.args = argv.data();
    po.env = envp.data();
    po.stdio = stdio;
    po.stdio_count = 3;
    po.exit_cb = [](uv_process_t *p, int64_t, int) {
      static_cast<Peer *>(p->data)->exited = true;
      uv_close(reinterpret_cast<uv_handle_t *>(p), nullptr);
    };
    proc.data = this;
    INFO(args[0]);
    REQUIRE(uv_spawn(loop, &proc, &po) == 0);
    in_open = true;
    out.data = this;
    REQUIRE(uv_read_start(reinterpret_cast<uv_stream_t *>(&out),
                          [](uv_handle_t *, size_t n, uv_buf_t *b) {
                            b->base = static_cast<char *>(malloc(n));
                            b->len = n;
                          },
                          [](uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
                            Peer *pe = static_cast<Peer *>(s->data);
                            if (n > 0) {
                              pe->buf.append(b->base, size_t(n));
                              size_t nl;
                              while ((nl = pe->buf.find('\n')) != std::string::npos) {
                                std::string l = pe->buf.substr(0, nl);
                                pe->buf.erase(0, nl + 1);
                                pe->line(l);
                              }
                            } else if (n < 0) {
                              uv_close(reinterpret_cast<uv_handle_t *>(s), nullptr);
                            }
                            free(b->base);
                          }) == 0);
  }

  // Closes its stdin: it commits, leaves the group and exits.
  void stop(Group &g) {
    if (in_open) uv_close(reinterpret_cast<uv_handle_t *>(&in), nullptr);
    in_open = false;
    REQUIRE(g.run_until([&] { return exited; }, 60000));
    CHECK(stopped);
  }
};

void java_member(Peer *p, Group &g, const char *protocol, const char *assignor) {
  std::string root = UVK_SOURCE_ROOT;
  INFO("UVK_TEST_KAFKA_CLASSPATH must be set (test/kafka/cluster.sh up)");
  REQUIRE_FALSE(env("UVK_TEST_KAFKA_CLASSPATH").empty());
  p->start(g, {"/usr/bin/env", "java", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
               "-Dlog4j2.configurationFile=" + root + "/test/kafka/tools-log4j2.properties", "-cp",
               env("UVK_TEST_KAFKA_CLASSPATH"), root + "/test/interop/JavaGroupMember.java", env("UVK_TEST_BROKERS"),
               g.topic, g.group, protocol, assignor},
           {});
}

// librdkafka 2.16: the wheel's package, put on PYTHONPATH (downloaded once into the cache).
void rdkafka_member(Peer *p, Group &g, const char *protocol, const char *assignor) {
  std::string root = UVK_SOURCE_ROOT;
  int st = -1;
  std::string so = sh("'" + root + "/test/lib/rdkafka_wheel.sh'", &st);
  INFO(so);
  REQUIRE(st == 0);
  size_t libs = so.rfind("/confluent_kafka.libs/");
  REQUIRE(libs != std::string::npos);
  p->start(g, {"/usr/bin/env", "python3", root + "/test/interop/rdkafka_member.py", env("UVK_TEST_BROKERS"), g.topic,
               g.group, protocol, assignor},
           {"PYTHONPATH=" + so.substr(0, libs)});
}

// Every value 1..n read exactly once by the uvkafka members and the peers together.
bool all_once(const Group &g, const std::vector<const Peer *> &peers, int n, int *dups = nullptr) {
  int missing = 0, twice = 0;
  for (int v = 1; v <= n; v++) {
    std::string s = std::to_string(v);
    auto it = g.seen.find(s);
    int k = it == g.seen.end() ? 0 : it->second;
    for (const Peer *p : peers) {
      auto pit = p->values.find(s);
      k += pit == p->values.end() ? 0 : pit->second;
    }
    missing += k == 0;
    twice += k > 1 ? k - 1 : 0;
  }
  if (dups) *dups = twice;
  return missing == 0;
}

size_t owned(const std::vector<Member *> &ms) {
  size_t n = 0;
  for (const Member *m : ms) n += m->c ? m->owned().size() : 0;
  return n;
}

// Every partition a member heard "revoked" for left it (the stop's last call left out).
void check_only_moved_revoked(const Member *m, bool stopped) {
  INFO(m->name);
  size_t n = m->listener.size() - (stopped && !m->listener.empty() ? 1 : 0);
  for (size_t i = 0; i < n; i++) {
    CHECK(m->listener[i].first != UVK_REBALANCE_LOST);
    if (m->listener[i].first != UVK_REBALANCE_REVOKED) continue;
    size_t next = m->listener_at[i];
    REQUIRE(next < m->history.size());
    for (int p : m->listener[i].second) CHECK(m->history[next].count(p) == 0);
  }
}

}  // namespace

TEST_CASE("interop: uvkafka and Java's consumer (group.protocol=consumer) read every message once together",
          "[integration][interop]") {
  std::string topic = uniq("interop-java");
  make_topic(topic, 12);
  produce(topic, 1, 600);
  Group g(topic, uniq("interop-java-group"));
  Member *m1 = g.add("m1", "consumer");
  REQUIRE(g.run_until([&] { return m1->owned().size() == 12; }));
  Peer java;
  java_member(&java, g, "consumer", "uniform");
  // The broker's uniform assignor splits the 12 partitions 6 and 6.
  REQUIRE(g.run_until([&] { return m1->owned().size() == 6 && java.assignment.size() == 6; }, 90000));
  for (int p : java.assignment) CHECK(m1->owned().count(p) == 0);
  produce(topic, 601, 1200);
  REQUIRE(g.run_until([&] { return all_once(g, {&java}, 1200); }));
  // A second uvkafka member joins: three ways, every message still once.
  Member *m2 = g.add("m2", "consumer");
  REQUIRE(g.run_until([&] { return m1->owned().size() == 4 && m2->owned().size() == 4 && java.assignment.size() == 4; }));
  produce(topic, 1201, 1800);
  REQUIRE(g.run_until([&] { return all_once(g, {&java}, 1800); }));
  java.stop(g);
  REQUIRE(g.run_until([&] { return owned({m1, m2}) == 12; }));
  produce(topic, 1801, 2400);
  REQUIRE(g.run_until([&] { return all_once(g, {&java}, 2400); }));
  for (Member *m : {m1, m2}) g.stop(m);
  int dups = -1;
  CHECK(all_once(g, {&java}, 2400, &dups));
  CHECK(dups == 0);
  CHECK(java.values.size() > 0);
  CHECK(g.seen.size() > 0);
}

TEST_CASE("interop: uvkafka and librdkafka 2.16 (cooperative-sticky) share a classic group, every message once",
          "[integration][interop]") {
  std::string topic = uniq("interop-rdk");
  make_topic(topic, 12);
  produce(topic, 1, 600);
  Group g(topic, uniq("interop-rdk-group"));
  // librdkafka first: it leads, so its assignor reads our subscriptions (owned partitions,
  // generation) and we read its assignments.
  Peer rdk;
  rdkafka_member(&rdk, g, "classic", "cooperative-sticky");
  REQUIRE(g.run_until([&] { return rdk.assignment.size() == 12; }, 60000));
  Member *m1 = g.add("m1", "classic", "", "cooperative-sticky", "300");
  Member *m2 = g.add("m2", "classic", "", "cooperative-sticky", "300");
  REQUIRE(g.run_until([&] { return m1->owned().size() == 4 && m2->owned().size() == 4 && rdk.assignment.size() == 4; }));
  REQUIRE(g.run_until([&] { return all_once(g, {&rdk}, 600); }));
  // librdkafka leaves: a uvkafka member leads now and hands its partitions out.
  rdk.stop(g);
  REQUIRE(g.run_until([&] { return m1->owned().size() == 6 && m2->owned().size() == 6; }));
  produce(topic, 601, 1200);
  REQUIRE(g.run_until([&] { return all_once(g, {&rdk}, 1200); }));
  // librdkafka comes back and joins under our leader, whose assignor moves partitions to it
  // in two rounds.
  Peer rdk2;
  rdkafka_member(&rdk2, g, "classic", "cooperative-sticky");
  REQUIRE(g.run_until([&] { return m1->owned().size() == 4 && m2->owned().size() == 4 && rdk2.assignment.size() == 4; },
                      60000));
  produce(topic, 1201, 1800);
  REQUIRE(g.run_until([&] { return all_once(g, {&rdk, &rdk2}, 1800); }));
  for (const Member *m : {m1, m2}) check_only_moved_revoked(m, false);
  rdk2.stop(g);
  for (Member *m : {m1, m2}) g.stop(m);
  int dups = -1;
  CHECK(all_once(g, {&rdk, &rdk2}, 1800, &dups));
  CHECK(dups == 0);
  CHECK(rdk.values.size() > 0);
  CHECK(rdk2.values.size() > 0);
}

namespace {

// The group as describeGroups gives it.
struct Described {
  std::string type;      // "classic" or "consumer"
  std::string state;
  int32_t epoch = -1;    // consumer protocol: the group epoch
  std::vector<int32_t> member_epochs;
  bool done = false;
};

Described describe(Group &g) {
  uvk_admin *admin = nullptr;
  REQUIRE(uvk_admin_new(g.client, nullptr, &admin) == 0);
  Described out;
  const char *ids[] = {g.group.c_str()};
  REQUIRE(uvk_admin_describe_groups(admin, ids, 1, [](uvk_admin *, const uvk_error *, const uvk_group_description *d,
                                                      size_t n, void *ud) {
    Described *o = static_cast<Described *>(ud);
    if (n == 1) {
      o->type = d->group_protocol ? d->group_protocol : "";
      o->state = d->state ? d->state : "";
      o->epoch = d->group_epoch;
      for (size_t i = 0; i < d->n_members; i++) o->member_epochs.push_back(d->members[i].member_epoch);
    }
    o->done = true;
  }, &out) == 0);
  REQUIRE(g.run_until([&] { return out.done; }));
  uvk_admin_free(admin);
  return out;
}

std::string group_type(Group &g) { return describe(g).type; }

// Until the coordinator says the group is settled: Stable and (consumer protocol) every member
// at the group epoch. A restart before that can cost a member still catching up its partitions
// (see the downgrade note in docs/consumer.md). The broker has no event for it: asked every 100 ms.
bool settled(Group &g, size_t members) {
  for (int i = 0; i < 600; i++) {
    Described d = describe(g);
    bool ok = d.state == "Stable" && d.member_epochs.size() == members;
    for (int32_t e : d.member_epochs) ok = ok && (d.type != "consumer" || e == d.epoch);
    if (ok) return true;
    uint64_t until = uv_now(&g.loop) + 100;
    g.run_until([&] { return uv_now(&g.loop) >= until; });
  }
  return false;
}

// "consumer E=5 [5,5,4]" / "classic Stable", and each live member's generation.
std::string snapshot(Group &g) {
  Described d = describe(g);
  std::string s = d.type + " " + d.state + " E=" + std::to_string(d.epoch) + " [";
  for (int32_t e : d.member_epochs) s += std::to_string(e) + ",";
  s += "]";
  for (const Member *m : g.members)
    if (m->c) s += " " + m->name + "=" + std::to_string(uvk_consumer_generation(m->c));
  return s;
}

// Three members of protocol `from` restarted one by one with protocol `to` (classic members
// with assigner `assigners`); after each restart the group is balanced again and 300 more
// messages are read; in the end the group has the type `to` and every message was read once.
void migrate(const char *from, const char *to, const char *assigners) {
  std::string topic = uniq("migrate");
  make_topic(topic, 12);
  produce(topic, 1, 600);
  Group g(topic, uniq("migrate-group"));
  auto add = [&](const std::string &name, const char *protocol) {
    return strcmp(protocol, "classic") == 0 ? g.add(name, "classic", "", assigners, "300") : g.add(name, "consumer");
  };
  std::vector<Member *> live = {add("a1", from), add("a2", from), add("a3", from)};
  REQUIRE(g.run_until([&] { return g.balanced(4, 12) && g.distinct() == 600; }));
  CHECK(group_type(g) == from);
  int next = 601;
  std::string before;  // the group as each restart began
  for (int round = 0; round < 3; round++) {
    INFO("round " << round);
    REQUIRE(settled(g, 3));
    before += "round " + std::to_string(round) + ": " + snapshot(g) + "\n";
    Member *old = live[0];
    live.erase(live.begin());
    g.stop(old);
    uvk_consumer_free(old->c);
    old->c = nullptr;
    live.push_back(add("b" + std::to_string(round + 1), to));
    // Mixed (round 0, 1), then one protocol only: balanced again, nothing lost.
    REQUIRE(g.run_until([&] { return g.balanced(4, 12); }));
    produce(topic, next, next + 299);
    next += 300;
    REQUIRE(g.run_until([&] { return g.distinct() == size_t(next - 1); }));
  }
  CHECK(group_type(g) == to);  // converted when the last member of the other protocol left
  for (Member *m : live) g.stop(m);
  int dups = 0;
  std::map<int, int> dup_parts;  // partition -> values read twice
  for (const auto &kv : g.seen) {
    dups += kv.second - 1;
    if (kv.second > 1) dup_parts[g.partition_of[kv.first]]++;
  }
  std::string story;  // each member's assignments and listener calls, for a failure
  for (const Member *m : g.members) {
    story += m->name + ":";
    for (size_t i = 0; i < m->listener.size(); i++) {
      story += m->listener[i].first == UVK_REBALANCE_ASSIGNED ? " +" : m->listener[i].first == UVK_REBALANCE_REVOKED ? " -" : " lost";
      for (int p : m->listener[i].second) story += std::to_string(p) + ",";
    }
    story += "\n";
  }
  for (const auto &kv : dup_parts) story += "partition " + std::to_string(kv.first) + ": " + std::to_string(kv.second) + " read twice\n";
  INFO(story + before);
  CHECK(dups == 0);
  CHECK(g.distinct() == size_t(next - 1));
}

}  // namespace

TEST_CASE("interop: a classic group migrated online to the consumer protocol, members restarted one by one",
          "[integration][interop]") {
  migrate("classic", "consumer", "range");
}

TEST_CASE("interop: a cooperative-sticky classic group migrated online to the consumer protocol", "[integration][interop]") {
  migrate("classic", "consumer", "cooperative-sticky");
}

TEST_CASE("interop: a consumer-protocol group migrated online back to classic (range), members restarted one by one",
          "[integration][interop][downgrade]") {
  migrate("consumer", "classic", "range");
}

TEST_CASE("interop: a consumer-protocol group migrated online back to classic (cooperative-sticky)",
          "[integration][interop][downgrade]") {
  migrate("consumer", "classic", "cooperative-sticky");
}
