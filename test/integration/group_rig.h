// Shared by the consumer-group integration tests (cgroup_it.cc, static_it.cc): members of
// one group in this process on one loop (Group, Member), topics and messages made with the
// `uvk` tool (UVK_CLI), and `uvk consume` run as a separate process whose printed
// "<partition> <value>" lines are read on the loop (CliMember), so it can be SIGKILLed.
#pragma once
#include <catch2/catch.hpp>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <uv.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "uvkafka/uvkafka.h"

namespace group_rig {

std::string env(const char *name) {
  const char *v = getenv(name);
  return v ? v : "";
}

std::string sh(const std::string &cmd, int *status) {
  FILE *f = popen(cmd.c_str(), "r");
  REQUIRE(f);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  int st = pclose(f);
  *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

std::string cli() { return "'" + env("UVK_CLI") + "'"; }

// A topic of `partitions` partitions holding values "<from>".."<to>" (keyless, spread).
void make_topic(const std::string &topic, int partitions) {
  int st = -1;
  std::string out = sh(cli() + " topics create -b " + env("UVK_TEST_BROKERS") + " -t " + topic + " --partitions " +
                           std::to_string(partitions) + " 2>&1",
                       &st);
  INFO(out);
  REQUIRE(st == 0);
}
// Round-robin (not the sticky default), so every partition gets some of the values.
void produce(const std::string &topic, int from, int to) {
  int st = -1;
  std::string out = sh("seq " + std::to_string(from) + " " + std::to_string(to) + " | " + cli() + " produce -q -X partitioner=default -b " +
                           env("UVK_TEST_BROKERS") + " -t " + topic + " 2>&1",
                       &st);
  INFO(out);
  REQUIRE(st == 0);
}

struct Group;

struct Member {
  Group *g = nullptr;
  std::string name;
  uvk_consumer *c = nullptr;
  std::vector<std::set<int>> history;  // the assignment after each GROUP_JOIN (reconciliation)
  std::vector<std::pair<int, std::set<int>>> listener;  // rebalance listener calls: kind, partitions
  std::vector<size_t> listener_at;  // history.size() at each listener call
  std::set<int> owned() const { return history.empty() ? std::set<int>() : history.back(); }
};

struct Group {
  uv_loop_t loop;
  uvk_client *client = nullptr;
  std::string topic, group;
  std::vector<Member *> members;
  std::map<std::string, int> seen;                    // value -> deliveries
  std::map<std::string, int> partition_of;            // value -> partition
  std::map<int, std::vector<std::string>> by_partition;
  std::string crash;

  Group(const std::string &t, const std::string &gid) : topic(t), group(gid) {
    INFO("UVK_TEST_BROKERS and UVK_CLI must be set (test/kafka/cluster.sh up; meson test)");
    REQUIRE_FALSE(env("UVK_TEST_BROKERS").empty());
    REQUIRE_FALSE(env("UVK_CLI").empty());
    REQUIRE(uv_loop_init(&loop) == 0);
    uvk_config *cfg = uvk_config_new();
    char err[256];
    REQUIRE(uvk_config_set(cfg, "brokers", env("UVK_TEST_BROKERS").c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "logLevel", "WARN", err, sizeof err) == 0);
    REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
    uvk_config_free(cfg);
  }
  ~Group() {
    for (Member *m : members) {
      if (m->c) uvk_consumer_free(m->c);
      delete m;
    }
    bool done = false;
    uvk_client_disconnect(client, [](uvk_client *, const uvk_error *, void *ud) { *static_cast<bool *>(ud) = true; },
                          &done);
    run_until([&] { return done; });
    uvk_client_free(client);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
  }

  // A member with groupProtocol `protocol` (consumer: the uniform assignor), static when
  // `instance` is not empty; classic members use `assigners` and heartbeat every
  // `heartbeat` ms (a rebalance waits for every member's next heartbeat).
  Member *add(const std::string &name, const char *protocol = "consumer", const std::string &instance = "",
              const char *assigners = "range", const char *heartbeat = "3000") {
    Member *m = new Member();
    m->g = this;
    m->name = name;
    members.push_back(m);
    uvk_config *cfg = uvk_config_new();
    char err[256];
    const char *const kv[][2] = {
        {"groupId", group.c_str()},  {"groupProtocol", protocol}, {"groupRemoteAssignor", "uniform"},
        {"maxWaitTimeInMs", "200"},  {"groupInstanceId", instance.c_str()},
        {"partitionAssigners", assigners}, {"heartbeatInterval", heartbeat},
    };
    for (const auto &p : kv) REQUIRE(uvk_config_set(cfg, p[0], p[1], err, sizeof err) == 0);
    REQUIRE(uvk_consumer_new(client, cfg, &m->c) == 0);
    uvk_config_free(cfg);
    REQUIRE(uvk_consumer_on(m->c, UVK_EVENT_GROUP_JOIN, [](void *ud, const uvk_event *) {
      Member *mm = static_cast<Member *>(ud);
      uvk_topic_partition tps[64];
      size_t n = uvk_consumer_assignment(mm->c, tps, 64);
      std::set<int> s;
      for (size_t i = 0; i < n && i < 64; i++) s.insert(tps[i].partition);
      mm->history.push_back(s);
    }, m) > 0);
    REQUIRE(uvk_consumer_set_crash_cb(m->c, [](uvk_consumer *, const uvk_error *e, void *ud) {
      Member *mm = static_cast<Member *>(ud);
      mm->g->crash += mm->name + ": " + (e ? uvk_err_name(uvk_error_code(e)) : "?") + "; ";
    }, m) == 0);
    REQUIRE(uvk_consumer_set_rebalance_listener(m->c, [](uvk_consumer *, int kind, const uvk_topic_partition *tps,
                                                         size_t n, void *ud) {
      std::set<int> s;
      for (size_t i = 0; i < n; i++) s.insert(tps[i].partition);
      Member *mm = static_cast<Member *>(ud);
      mm->listener.push_back({kind, s});
      mm->listener_at.push_back(mm->history.size());
      return 0;
    }, m) == 0);
    REQUIRE(uvk_consumer_subscribe(m->c, topic.c_str(), 1) == 0);
    uvk_run_options o;
    uvk_run_options_init(&o);
    o.auto_commit_interval = 3600 * 1000;  // commits on a revoke and on stop only
    o.auto_commit_threshold = -1;
    o.ud = m;
    o.each_batch = [](uvk_consumer *, const uvk_batch *b, void *ud) {
      Member *mm = static_cast<Member *>(ud);
      for (size_t i = 0; i < b->n_messages; i++) {
        std::string v(static_cast<const char *>(b->messages[i].value), b->messages[i].value_len);
        mm->g->seen[v]++;
        mm->g->partition_of[v] = b->partition;
        mm->g->by_partition[b->partition].push_back(v);
      }
      return 0;
    };
    REQUIRE(uvk_consumer_run(m->c, &o) == 0);
    return m;
  }

  void stop(Member *m) {
    bool done = false;
    REQUIRE(uvk_consumer_stop(m->c, [](uvk_consumer *, const uvk_error *, void *ud) {
      *static_cast<bool *>(ud) = true;
    }, &done) == 0);
    REQUIRE(run_until([&] { return done; }));
  }

  // Runs the loop until pred() holds (re-checked on a 20 ms tick); 120 s without it is a
  // hang, which fails the test instead of killing the binary.
  bool run_until(const std::function<bool()> &pred, uint64_t limit_ms = 120000) {
    uv_timer_t tick;
    uv_timer_init(&loop, &tick);
    uv_timer_start(&tick, [](uv_timer_t *) {}, 20, 20);
    uint64_t deadline = uv_now(&loop) + limit_ms;
    bool ok = true;
    while (!pred()) {
      if (uv_now(&loop) > deadline || !crash.empty()) {
        ok = false;
        break;
      }
      uv_run(&loop, UV_RUN_ONCE);
    }
    uv_close(reinterpret_cast<uv_handle_t *>(&tick), nullptr);
    uv_run(&loop, UV_RUN_NOWAIT);
    INFO("crashes: " << crash);
    CHECK(crash.empty());
    return ok;
  }

  // Every member owns `each` partitions and together they own all `total` once.
  bool balanced(size_t each, size_t total) const {
    std::set<int> all;
    size_t sum = 0;
    for (const Member *m : members) {
      if (!m->c) continue;
      std::set<int> o = m->owned();
      if (o.size() != each) return false;
      sum += o.size();
      all.insert(o.begin(), o.end());
    }
    return sum == total && all.size() == total;
  }
  size_t distinct() const { return seen.size(); }
};

std::string uniq(const std::string &p) { return p + "-" + std::to_string(uv_hrtime()); }

// `uvk consume` in its own process (extra flags appended), printing "<partition> <value>".
struct CliMember {
  uv_loop_t *loop = nullptr;
  uv_process_t proc;
  uv_pipe_t out;
  bool exited = false;
  std::string buf;
  std::map<std::string, int> values;  // value -> partition, as printed
  std::set<int> partitions;

  // A process still running when the test ends (a failed REQUIRE) is killed, so the loop
  // can close.
  ~CliMember() {
    if (!loop || exited) return;
    uv_process_kill(&proc, SIGKILL);
    while (!exited) uv_run(loop, UV_RUN_ONCE);
  }
  void start(Group &g, const std::vector<std::string> &extra) {
    exited = false;
    loop = &g.loop;
    REQUIRE(uv_pipe_init(&g.loop, &out, 0) == 0);
    std::string cli_path = env("UVK_CLI");
    std::vector<std::string> args = {cli_path, "consume", "-b", env("UVK_TEST_BROKERS"), "-t", g.topic, "-g", g.group,
                                     "--from-beginning", "-q", "-f", "%p %s\\n"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char *> argv;
    for (std::string &a : args) argv.push_back(&a[0]);
    argv.push_back(nullptr);
    uv_stdio_container_t stdio[3];
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
    stdio[1].data.stream = reinterpret_cast<uv_stream_t *>(&out);
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = 2;
    uv_process_options_t po;
    memset(&po, 0, sizeof po);
    po.file = cli_path.c_str();
    po.args = argv.data();
    po.stdio = stdio;
    po.stdio_count = 3;
    po.exit_cb = [](uv_process_t *p, int64_t, int) {
      static_cast<CliMember *>(p->data)->exited = true;
      uv_close(reinterpret_cast<uv_handle_t *>(p), nullptr);
    };
    proc.data = this;
    REQUIRE(uv_spawn(&g.loop, &proc, &po) == 0);
    out.data = this;
    REQUIRE(uv_read_start(reinterpret_cast<uv_stream_t *>(&out),
                          [](uv_handle_t *, size_t n, uv_buf_t *b) {
                            b->base = static_cast<char *>(malloc(n));
                            b->len = n;
                          },
                          [](uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
                            CliMember *ch = static_cast<CliMember *>(s->data);
                            if (n > 0) {
                              ch->buf.append(b->base, size_t(n));
                              size_t nl;
                              while ((nl = ch->buf.find('\n')) != std::string::npos) {
                                std::string line = ch->buf.substr(0, nl);
                                ch->buf.erase(0, nl + 1);
                                size_t sp = line.find(' ');
                                if (sp == std::string::npos) continue;
                                int p = atoi(line.substr(0, sp).c_str());
                                ch->values[line.substr(sp + 1)] = p;
                                ch->partitions.insert(p);
                              }
                            } else if (n < 0) {
                              uv_close(reinterpret_cast<uv_handle_t *>(s), nullptr);
                            }
                            free(b->base);
                          }) == 0);
  }
  void kill(int sig) { REQUIRE(uv_process_kill(&proc, sig) == 0); }
};

}  // namespace group_rig
