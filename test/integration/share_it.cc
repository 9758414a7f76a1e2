// Share groups (KIP-932) on the real broker: three uvkafka share consumers and Kafka's Java
// KafkaShareConsumer (test/integration/JavaShare.java, run as a source file on the cluster's
// jars) split a one-partition topic, each record accepted exactly once; a member SIGKILLed
// while it holds records: they reach another member after the group's lock timeout with
// delivery count 2; `uvk share consume`: RELEASE redelivers, the delivery-count limit
// archives, REJECT archives, `uvk groups list` says "share"; and transactions: markers and
// aborted records acknowledged as gaps, never handed.
#include <catch2/catch.hpp>

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "admin_rig.h"

using namespace admin_it;

namespace {

struct Got {
  int64_t offset;
  int32_t delivery_count;
};

struct Member {
  uv_loop_t *loop = nullptr;
  uvk_client *client = nullptr;
  uvk_share_consumer *s = nullptr;
  std::vector<Got> got;
  int (*decide)(Member *, const uvk_share_record *) = nullptr;  // null: accept
  bool closed = false;
  int crashed = 0;
  // A test that failed half-way: free what is left (no close), so the rig's loop can end.
  ~Member() {
    if (s) uvk_share_consumer_free(s);
    if (!client) return;
    bool done = false;
    if (uvk_client_disconnect(client, [](uvk_client *, const uvk_error *, void *ud) {
          *static_cast<bool *>(ud) = true;
          wake();
        }, &done) == 0)
      while (!done && uv_run(loop, UV_RUN_DEFAULT)) {
      }
    uvk_client_free(client);
  }
};

// A child process killed (SIGKILL) and reaped when the test ends early.
struct Child {
  pid_t pid = -1;
  ~Child() {
    if (pid <= 0) return;
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
};

// Waits (bounded: 120 s) for something outside the loop, a JVM starting, checking every 100 ms.
template <typename F>
bool within_2min(Rig &rig, F check) {
  for (int i = 0; i < 1200; i++) {
    if (check()) return true;
    rig.pause(100);
  }
  return false;
}

// A share consumer on its own client over the rig's loop.
void start(Rig &rig, Member *m, const std::string &group, const std::string &topic, int32_t max_records) {
  m->loop = &rig.loop;
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "brokers", env("UVK_TEST_BROKERS").c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "logLevel", "NOTHING", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "groupId", group.c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "maxWaitTimeInMs", "500", err, sizeof err) == 0);
  REQUIRE(uvk_client_new(&rig.loop, cfg, &m->client) == 0);
  REQUIRE(uvk_share_consumer_new(m->client, cfg, &m->s) == 0);
  uvk_config_free(cfg);
  REQUIRE(uvk_share_consumer_subscribe(m->s, topic.c_str()) == 0);
  REQUIRE(uvk_share_consumer_set_crash_cb(m->s, [](uvk_share_consumer *, const uvk_error *, void *ud) {
    static_cast<Member *>(ud)->crashed++;
    wake();
  }, m) == 0);
  uvk_share_run_options o;
  uvk_share_run_options_init(&o);
  o.max_records = max_records;
  o.ud = m;
  o.each_record = [](uvk_share_consumer *, const uvk_share_record *r, void *ud) {
    Member *mm = static_cast<Member *>(ud);
    mm->got.push_back(Got{r->offset, r->delivery_count});
    wake();
    return mm->decide ? mm->decide(mm, r) : 0;
  };
  REQUIRE(uvk_share_consumer_run(m->s, &o) == 0);
}

void stop(Rig &rig, Member *m) {
  if (!m->s) return;
  REQUIRE(uvk_share_consumer_close(m->s, [](uvk_share_consumer *, const uvk_error *, void *ud) {
    static_cast<Member *>(ud)->closed = true;
    wake();
  }, m) == 0);
  run_until(&rig.loop, &m->closed);
  uvk_share_consumer_free(m->s);
  m->s = nullptr;
  bool done = false;
  REQUIRE(uvk_client_disconnect(m->client, [](uvk_client *, const uvk_error *, void *ud) {
    *static_cast<bool *>(ud) = true;
    wake();
  }, &done) == 0);
  run_until(&rig.loop, &done);
  uvk_client_free(m->client);
  m->client = nullptr;
}

// The group's configs (Kafka 4 group configs: share.auto.offset.reset, the record lock, the
// delivery-count limit), set before any member joins.
void group_configs(Rig &rig, const std::string &group, const std::vector<std::pair<std::string, std::string>> &kv) {
  std::vector<uvk_admin_config_op> ops;
  for (const auto &p : kv) ops.push_back(uvk_admin_config_op{p.first.c_str(), p.second.c_str(), UVK_CONFIG_SET});
  uvk_admin_config_change ch{UVK_RESOURCE_GROUP, group.c_str(), ops.data(), ops.size()};
  Reply r;
  REQUIRE(uvk_admin_incremental_alter_configs(rig.admin, &ch, 1, 0, on_results, &r) == 0);
  rig.wait(r);
  REQUIRE(r.code == 0);
  for (const Item &it : r.items) {
    INFO(it.name << ": " << it.message);
    REQUIRE(it.error == 0);
  }
}

std::string read_file(const std::string &path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Run {
  int status;
  std::string out;
};
Run sh(const std::string &cmd) {
  Run r{-1, ""};
  FILE *f = popen(cmd.c_str(), "r");
  REQUIRE(f);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) r.out.append(buf, n);
  int st = pclose(f);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string cli() {
  std::string c = env("UVK_CLI");
  INFO("UVK_CLI must name the uvk tool (meson sets it)");
  REQUIRE_FALSE(c.empty());
  return "'" + c + "'";
}

}  // namespace

TEST_CASE("share: three uvkafka share consumers and Java's KafkaShareConsumer accept each record once", "[integration]") {
  std::string cp = env("UVK_TEST_KAFKA_CLASSPATH");
  INFO("UVK_TEST_KAFKA_CLASSPATH must name the cluster's jars (cluster.sh exports it)");
  REQUIRE_FALSE(cp.empty());
  Rig rig;
  std::string topic = uniq("uvk-it-share"), group = topic + "-g";
  REQUIRE(create_topic(rig, topic, 1).code == 0);
  group_configs(rig, group, {{"share.auto.offset.reset", "earliest"}});
  // The Java member: a child process whose stdin ending tells it to close.
  std::string out = "/tmp/" + topic + ".java";
  int to_java[2];
  REQUIRE(pipe(to_java) == 0);
  Child java_child;
  pid_t java = fork();
  REQUIRE(java >= 0);
  if (java == 0) {
    dup2(to_java[0], 0);
    close(to_java[1]);
    std::string log = std::string("-Dlog4j2.configurationFile=") + UVK_SOURCE_ROOT + "/test/kafka/tools-log4j2.properties";
    std::string src = std::string(UVK_SOURCE_ROOT) + "/test/integration/JavaShare.java";
    std::string bs = env("UVK_TEST_BROKERS");
    execlp("java", "java", "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", log.c_str(), "-cp", cp.c_str(),
           src.c_str(), bs.c_str(), group.c_str(), topic.c_str(), out.c_str(), static_cast<char *>(nullptr));
    _exit(127);
  }
  close(to_java[0]);
  java_child.pid = java;
  Member m[3];
  for (Member &mm : m) start(rig, &mm, group, topic, 10);
  // Every member is in before the records come (the Java one once its first poll returned).
  REQUIRE(within_2min(rig, [&] { return read_file(out).find("POLLING") != std::string::npos; }));
  for (Member &mm : m) REQUIRE(rig.eventually([&] { return uvk_share_consumer_member_epoch(mm.s) > 0; }));
  const int kRounds = 20, kPerRound = 10, kTotal = kRounds * kPerRound;
  auto java_lines = [&] {
    std::vector<Got> v;
    std::istringstream in(read_file(out));
    std::string line;
    while (std::getline(in, line)) {
      long long off;
      int dc;
      if (sscanf(line.c_str(), "%lld %d", &off, &dc) == 2) v.push_back(Got{off, dc});
    }
    return v;
  };
  auto consumed = [&] {
    size_t n = java_lines().size();
    for (Member &mm : m) n += mm.got.size();
    return n;
  };
  for (int round = 0; round < kRounds; round++) {
    produce(rig, topic, kPerRound);  // one batch a round: members take turns at them
    INFO("round " << round);
    REQUIRE(rig.eventually([&] { return consumed() >= size_t((round + 1) * kPerRound); }));
  }
  for (Member &mm : m) stop(rig, &mm);
  close(to_java[1]);  // the Java member closes, acknowledging its last records
  int st = 0;
  REQUIRE(waitpid(java, &st, 0) == java);
  java_child.pid = -1;
  CHECK(WIFEXITED(st));
  CHECK(WEXITSTATUS(st) == 0);
  std::vector<Got> all = java_lines();
  size_t from_java = all.size();
  std::set<size_t> members_with_records;
  if (from_java) members_with_records.insert(3);
  for (size_t i = 0; i < 3; i++) {
    all.insert(all.end(), m[i].got.begin(), m[i].got.end());
    if (!m[i].got.empty()) members_with_records.insert(i);
    CHECK(m[i].crashed == 0);
  }
  UNSCOPED_INFO("records: java " << from_java << ", uvkafka " << m[0].got.size() << " " << m[1].got.size() << " "
                                 << m[2].got.size());
  std::set<int64_t> offsets;
  for (const Got &g : all) {
    CHECK(g.delivery_count == 1);  // nobody failed: each record delivered once
    offsets.insert(g.offset);
  }
  CHECK(all.size() == size_t(kTotal));  // exactly once
  CHECK(offsets.size() == size_t(kTotal));
  CHECK(*offsets.begin() == 0);
  CHECK(*offsets.rbegin() == kTotal - 1);
  CHECK(members_with_records.size() >= 2);  // the partition was shared
  unlink(out.c_str());
}

TEST_CASE("share: a member SIGKILLed while holding records: another gets them after the lock timeout, delivery count 2",
          "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-share-kill"), group = topic + "-g";
  REQUIRE(create_topic(rig, topic, 1).code == 0);
  group_configs(rig, group, {{"share.auto.offset.reset", "earliest"}, {"share.record.lock.duration.ms", "2000"}});
  produce(rig, topic, 5);
  // The victim: a child process with its own loop whose handler keeps every record
  // (UVK_PENDING) and tells the parent their offsets through a pipe.
  int from_child[2];
  REQUIRE(pipe(from_child) == 0);
  Child victim;
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(from_child[0]);
    uv_loop_t loop;
    uv_loop_init(&loop);
    uvk_config *cfg = uvk_config_new();
    char err[256];
    uvk_config_set(cfg, "brokers", env("UVK_TEST_BROKERS").c_str(), err, sizeof err);
    uvk_config_set(cfg, "logLevel", "NOTHING", err, sizeof err);
    uvk_config_set(cfg, "groupId", group.c_str(), err, sizeof err);
    uvk_client *c = nullptr;
    uvk_share_consumer *s = nullptr;
    if (uvk_client_new(&loop, cfg, &c) != 0 || uvk_share_consumer_new(c, cfg, &s) != 0) _exit(3);
    uvk_share_consumer_subscribe(s, topic.c_str());
    static int fd;
    fd = from_child[1];
    uvk_share_run_options o;
    uvk_share_run_options_init(&o);
    o.each_record = [](uvk_share_consumer *, const uvk_share_record *r, void *) {
      char line[64];
      int n = snprintf(line, sizeof line, "%lld %d\n", static_cast<long long>(r->offset), int(r->delivery_count));
      if (write(fd, line, size_t(n)) != n) _exit(4);
      return UVK_PENDING;
    };
    if (uvk_share_consumer_run(s, &o) != 0) _exit(5);
    uv_run(&loop, UV_RUN_DEFAULT);  // until killed
    _exit(6);
  }
  close(from_child[1]);
  victim.pid = child;
  // Wait (bounded) for the child to report its five records.
  std::string held;
  while (std::count(held.begin(), held.end(), '\n') < 5) {
    struct pollfd p{from_child[0], POLLIN, 0};
    REQUIRE(poll(&p, 1, 60000) == 1);
    char buf[256];
    ssize_t n = read(from_child[0], buf, sizeof buf);
    REQUIRE(n > 0);
    held.append(buf, size_t(n));
  }
  CHECK(held == "0 1\n1 1\n2 1\n3 1\n4 1\n");
  REQUIRE(kill(child, SIGKILL) == 0);
  int st = 0;
  REQUIRE(waitpid(child, &st, 0) == child);
  victim.pid = -1;
  CHECK(WIFSIGNALED(st));
  close(from_child[0]);
  // The survivor gets them once their 2 s lock ran out (the session timeout is 10 s: it is
  // the lock, not the membership, that frees them).
  Member m;
  start(rig, &m, group, topic, 500);
  REQUIRE(within_2min(rig, [&] { return m.got.size() >= 5; }));
  REQUIRE(m.got.size() == 5);
  for (size_t i = 0; i < 5; i++) {
    CHECK(m.got[i].offset == int64_t(i));
    CHECK(m.got[i].delivery_count == 2);
  }
  stop(rig, &m);
}

TEST_CASE("share: uvk share consume: RELEASE redelivers up to the delivery-count limit, REJECT archives", "[integration]") {
  std::string uvk = cli();
  Rig rig;
  std::string b = env("UVK_TEST_BROKERS");
  std::string topic = uniq("uvk-it-share-cli"), group = topic + "-g";
  REQUIRE(create_topic(rig, topic, 1).code == 0);
  group_configs(rig, group, {{"share.auto.offset.reset", "earliest"}, {"share.delivery.count.limit", "2"}});
  std::string log = "/tmp/" + topic + ".log";  // the runs' debug logs, shown when a check fails
  std::string base = "timeout 60 " + uvk + " share consume -v -b " + b + " -t " + topic + " -g " + group +
                     " -f '%o %s %d\\n' 2>>" + log;
  struct ShowLog {
    std::string path;
    ~ShowLog() { unlink(path.c_str()); }
  } show_log{log};
  // One record at a time (a fetch acquires a whole batch). v0 released twice: delivered with
  // counts 1 and 2, then archived at the limit of 2 ...
  produce(rig, topic, 1);
  Run r1 = sh(base + " -c 2 --ack release");
  INFO(read_file(log));
  CHECK(r1.status == 0);
  CHECK(r1.out == "0 v0 1\n0 v0 2\n");
  // ... so the next record delivered is the next one produced.
  produce(rig, topic, 1);
  Run r2 = sh(base + " -c 1 --ack reject");
  CHECK(r2.status == 0);
  CHECK(r2.out == "1 v0 1\n");
  // REJECT archived offset 1 at once: the next delivery is offset 2.
  produce(rig, topic, 1);
  Run r3 = sh(base + " -c 1");
  CHECK(r3.status == 0);
  CHECK(r3.out == "2 v0 1\n");
  // uvk groups list names the group's type.
  Run l = sh(uvk + " groups list -b " + b);
  REQUIRE(l.status == 0);
  bool found = false;
  std::istringstream in(l.out);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(group + " ", 0) == 0) found = line.find(" share") != std::string::npos;
  CHECK(found);
  CHECK(sh(uvk + " share consume -b " + b + " -t " + topic + " -g " + group + " --ack maybe").status == 2);
  CHECK(sh(uvk + " share consume -b " + b + " -t " + topic + " -f '%d %Q'").status == 2);
}

namespace {

// One transaction of `values` on partition 0 from a transactional producer, committed or aborted.
void transaction(Rig &rig, uvk_producer *p, const std::string &topic, const std::vector<std::string> &values, bool commit) {
  REQUIRE(uvk_producer_begin_transaction(p) == 0);
  std::vector<uvk_message> msgs;
  for (const std::string &v : values) msgs.push_back(uvk_message{nullptr, 0, v.data(), v.size(), 0, -1, nullptr, 0});
  struct S {
    bool done = false;
    int code = 1;
  } sent, ended;
  REQUIRE(uvk_producer_send(p, topic.c_str(), msgs.data(), msgs.size(), nullptr,
                            [](uvk_producer *, const uvk_error *e, const uvk_record_metadata *, size_t, void *ud) {
                              S *x = static_cast<S *>(ud);
                              x->done = true;
                              x->code = e ? uvk_error_code(e) : 0;
                              wake();
                            }, &sent) == 0);
  run_until(&rig.loop, &sent.done);
  REQUIRE(sent.code == 0);
  auto on_end = [](uvk_producer *, const uvk_error *e, void *ud) {
    S *x = static_cast<S *>(ud);
    x->done = true;
    x->code = e ? uvk_error_code(e) : 0;
    wake();
  };
  REQUIRE((commit ? uvk_producer_commit_transaction(p, on_end, &ended) : uvk_producer_abort_transaction(p, on_end, &ended)) == 0);
  run_until(&rig.loop, &ended.done);
  REQUIRE(ended.code == 0);
}

}  // namespace

TEST_CASE("share: transaction markers and aborted records are not delivered; each committed record is, once, and the "
          "group's start offset reaches the end", "[integration]") {
  // Offsets 2, 5 and 7 are transaction markers (control records) and 3-4 an aborted
  // transaction's records: acquired offsets without a record for the handler, which the
  // member acknowledges as gaps. One left unacknowledged would hold the group's start offset
  // back until its 30 s lock ran out, and then come again.
  Rig rig;
  std::string topic = uniq("uvk-it-share-txn"), group = topic + "-g";
  REQUIRE(create_topic(rig, topic, 1).code == 0);
  group_configs(rig, group, {{"share.auto.offset.reset", "earliest"}, {"share.isolation.level", "read_committed"}});
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "transactionalId", (topic + "-txn").c_str(), err, sizeof err) == 0);
  uvk_producer *p = nullptr;
  REQUIRE(uvk_producer_new(rig.client, cfg, &p) == 0);
  uvk_config_free(cfg);
  transaction(rig, p, topic, {"a0", "a1"}, true);  // 0, 1; marker 2
  transaction(rig, p, topic, {"x0", "x1"}, false);  // 3, 4 aborted; marker 5
  transaction(rig, p, topic, {"c0"}, true);         // 6; marker 7
  Member m;
  start(rig, &m, group, topic, 500);
  REQUIRE(within_2min(rig, [&] { return m.got.size() >= 3; }));
  // The group's start offset as described lags one state write behind the broker's (the write
  // carries the start offset from before the acknowledgement it records): a fourth committed
  // record, accepted, writes the one the first three and the gaps moved it to.
  transaction(rig, p, topic, {"d0"}, true);  // 8; marker 9
  uvk_producer_free(p);
  REQUIRE(within_2min(rig, [&] { return m.got.size() >= 4; }));
  std::string last;
  auto settled = [&] {
    Reply r;
    REQUIRE(uvk_admin_describe_share_group_offsets(rig.admin, group.c_str(), nullptr, on_offsets, &r) == 0);
    rig.wait(r);
    last.clear();
    for (const Offset &o : r.offsets)
      last += o.topic + ":" + std::to_string(o.partition) + "=" + std::to_string(o.offset) + " lag " + std::to_string(o.high) + "; ";
    for (const Offset &o : r.offsets)
      if (o.topic == topic && o.partition == 0) return r.code == 0 && o.offset >= 8 && o.high == 0;
    return false;
  };
  bool done = rig.eventually(settled);  // within 10 s, a third of the lock
  INFO("share group offsets: " << last);
  CHECK(done);
  std::vector<int64_t> offsets;
  for (const Got &g : m.got) {
    offsets.push_back(g.offset);
    CHECK(g.delivery_count == 1);
  }
  CHECK(offsets == std::vector<int64_t>{0, 1, 6, 8});
  CHECK(m.crashed == 0);
  stop(rig, &m);
}

TEST_CASE("share: admin describes a share group and its start offsets, alters and deletes them, deletes the group",
          "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-share-admin"), group = topic + "-g";
  REQUIRE(create_topic(rig, topic, 1).code == 0);
  group_configs(rig, group, {{"share.auto.offset.reset", "earliest"}});
  produce(rig, topic, 5);
  const char *ids[] = {group.c_str()};
  auto describe = [&] {
    struct D {
      bool done = false;
      int code = 1, kafka = 0;
      std::string state, type;
      size_t members = 0;
      std::string assigned;
    } d;
    REQUIRE(uvk_admin_describe_share_groups(rig.admin, ids, 1, [](uvk_admin *, const uvk_error *e,
                                                                   const uvk_group_description *gs, size_t n, void *ud) {
      D *x = static_cast<D *>(ud);
      x->done = true;
      x->code = e ? uvk_error_code(e) : 0;
      x->kafka = e ? uvk_error_kafka_code(e) : 0;
      if (!e && n == 1) {
        x->state = gs[0].state;
        x->type = gs[0].group_protocol;
        x->members = gs[0].n_members;
        for (size_t m = 0; m < gs[0].n_members; m++)
          for (size_t k = 0; k < gs[0].members[m].n_assignment; k++)
            x->assigned += std::string(gs[0].members[m].assignment[k].topic) + ":" +
                           std::to_string(gs[0].members[m].assignment[k].partition) + " ";
      }
      wake();
    }, &d) == 0);
    run_until(&rig.loop, &d.done);
    return d;
  };
  std::string last_offsets;
  int64_t lag = -9;
  auto start_offset = [&] {
    Reply r;
    REQUIRE(uvk_admin_describe_share_group_offsets(rig.admin, group.c_str(), nullptr, on_offsets, &r) == 0);
    rig.wait(r);
    REQUIRE(r.code == 0);
    last_offsets.clear();
    for (const Offset &o : r.offsets)
      last_offsets += o.topic + ":" + std::to_string(o.partition) + "=" + std::to_string(o.offset) + " lag " +
                      std::to_string(o.high) + " error " + std::to_string(o.error) + "; ";
    lag = -9;
    for (const Offset &o : r.offsets)
      if (o.topic == topic && o.partition == 0) {
        lag = o.high;
        return o.offset;
      }
    return int64_t(-9);
  };
  Member m;
  start(rig, &m, group, topic, 500);
  REQUIRE(within_2min(rig, [&] { return m.got.size() == 5; }));
  // The members and their partitions, while the member is in.
  REQUIRE(rig.eventually([&] { return describe().assigned == topic + ":0 "; }));
  auto d = describe();
  CHECK(d.code == 0);
  CHECK(d.type == "share");
  CHECK(d.state == "Stable");
  CHECK(d.members == 1);
  // Everything was accepted: no lag left (the share coordinator learns it shortly after the
  // acknowledgements); the start offset is the group's, somewhere up to the end.
  bool done = rig.eventually([&] {
    int64_t so = start_offset();
    return so >= 0 && so <= 5 && lag == 0;
  });
  INFO("share group offsets: " << last_offsets);
  REQUIRE(done);
  stop(rig, &m);
  // Altered start offset (the group is empty now): the next member reads from offset 2.
  REQUIRE(rig.eventually([&] { return describe().members == 0; }));
  uvk_admin_seek seek{0, 2};
  Reply alt;
  REQUIRE(uvk_admin_alter_share_group_offsets(rig.admin, group.c_str(), topic.c_str(), &seek, 1, on_offsets, &alt) == 0);
  rig.wait(alt);
  REQUIRE(alt.code == 0);
  REQUIRE(alt.offsets.size() == 1);
  CHECK(alt.offsets[0].error == 0);
  CHECK(start_offset() == 2);
  Member again;
  start(rig, &again, group, topic, 500);
  REQUIRE(within_2min(rig, [&] { return again.got.size() == 3; }));
  CHECK(again.got[0].offset == 2);
  CHECK(again.got[0].delivery_count == 1);
  stop(rig, &again);
  REQUIRE(rig.eventually([&] { return describe().members == 0; }));
  // Deleting the topic's state, then the group.
  const char *topics[] = {topic.c_str()};
  Reply del;
  REQUIRE(uvk_admin_delete_share_group_offsets(rig.admin, group.c_str(), topics, 1, on_results, &del) == 0);
  rig.wait(del);
  CHECK(del.code == 0);
  REQUIRE(del.items.size() == 1);
  CHECK(del.items[0].error == 0);
  CHECK(start_offset() == -9);  // no start offset for the topic any more
  Reply gone;
  REQUIRE(uvk_admin_delete_groups(rig.admin, ids, 1, on_results, &gone) == 0);
  rig.wait(gone);
  CHECK(gone.code == 0);
  auto after = describe();
  CHECK(after.code != 0);
  CHECK(after.kafka == 69);  // GROUP_ID_NOT_FOUND
}
