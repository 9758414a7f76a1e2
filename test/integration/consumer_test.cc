// The consumer against the real cluster: group membership, assignments, delivery exactly as
// produced (by our producer and by kcat under every codec), commits, pause / resume / seek,
// eachBatch. Every wait ends on an event (a handler or a consumer event calls uv_stop).
#include <catch2/catch.hpp>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "capi/client_internal.h"
#include "capi/consumer_internal.h"
#include "client/consumer_internal.h"
#include "engine/engine.h"
#include "proto/gen/api_table.h"
#include "proto/gen/create_topics.h"
#include "uvkafka/uvkafka.h"

namespace {

std::string env(const char *name) {
  const char *v = getenv(name);
  return v ? v : "";
}

std::string uniq(const std::string &prefix) { return prefix + "-" + std::to_string(uv_hrtime()); }

// The last debug log lines of every client, printed when a wait hangs: a hang in CI must
// say what the clients were doing, not just time out.
std::deque<std::string> g_log_ring;
constexpr size_t kLogRingLines = 300;

int g_sessions_lost_logged = 0;  // "Fetch session with node N lost" lines

void ring_log(void *, const char *ns, int, const char *label, const char *ts, const char *msg,
              const char *const *extra, size_t n_extra) {
  if (strstr(msg, "Fetch session with node")) g_sessions_lost_logged++;
  std::string line = std::string(ts) + " " + label + " [" + ns + "] " + msg;
  for (size_t i = 0; i < n_extra; i++) line += std::string(" ") + extra[2 * i] + "=" + extra[2 * i + 1];
  g_log_ring.push_back(std::move(line));
  if (g_log_ring.size() > kLogRingLines) g_log_ring.pop_front();
}

// Consumers that crashed for good (no restart): every wait fails at once with the error.
std::string g_fatal_crashes;

void dump_log_ring() {
  fprintf(stderr, "---- last %zu client log lines ----\n", g_log_ring.size());
  for (const std::string &l : g_log_ring) fprintf(stderr, "%s\n", l.c_str());
  fprintf(stderr, "---- end of client log ----\n");
}

uvk_config *base_config() {
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "brokers", env("UVK_TEST_BROKERS").c_str(), err, sizeof err) == 0);
  std::string level = env("UVK_TEST_LOG_LEVEL");  // e.g. DEBUG: everything to stderr as it happens
  if (level.empty()) {
    REQUIRE(uvk_config_set(cfg, "logLevel", "DEBUG", err, sizeof err) == 0);
    REQUIRE(uvk_config_set_logger(cfg, ring_log, nullptr) == 0);
  } else {
    REQUIRE(uvk_config_set(cfg, "logLevel", level.c_str(), err, sizeof err) == 0);
  }
  REQUIRE(uvk_config_set(cfg, "retry.initialRetryTime", "100", err, sizeof err) == 0);
  return cfg;
}

// A wait that sees no event for this long has hung (the longest expected wait is a session
// timeout of 10 s plus a rebalance). Not a timing assertion: it turns a hang into a failure
// that carries the clients' log instead of a killed test binary.
constexpr uint64_t kHangMs = 120000;

struct Rig {
  uv_loop_t loop;
  uvk_client *client = nullptr;
  uv_timer_t watchdog;
  bool hung = false;

  explicit Rig(const char *metadata_max_age = nullptr) {
    INFO("UVK_TEST_BROKERS must point at the test cluster (test/kafka/cluster.sh up)");
    REQUIRE_FALSE(env("UVK_TEST_BROKERS").empty());
    REQUIRE(uv_loop_init(&loop) == 0);
    REQUIRE(uv_timer_init(&loop, &watchdog) == 0);
    watchdog.data = this;
    uv_unref(reinterpret_cast<uv_handle_t *>(&watchdog));
    g_log_ring.clear();
    g_fatal_crashes.clear();
    uvk_config *cfg = base_config();
    char err[256];
    if (metadata_max_age) REQUIRE(uvk_config_set(cfg, "metadataMaxAge", metadata_max_age, err, sizeof err) == 0);
    REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
    uvk_config_free(cfg);
  }
  void arm_watchdog() {
    uv_timer_start(&watchdog, [](uv_timer_t *t) {
      Rig *r = static_cast<Rig *>(t->data);
      r->hung = true;
      uv_stop(&r->loop);
    }, kHangMs, 0);
  }
  // One loop turn batch: runs until a callback calls uv_stop.
  void turn() {
    arm_watchdog();
    int alive = uv_run(&loop, UV_RUN_DEFAULT);
    uv_timer_stop(&watchdog);
    if (hung) {
      dump_log_ring();
      FAIL("no event for " << kHangMs / 1000 << " s: the wait hung (client log above)");
    }
    if (!g_fatal_crashes.empty()) {
      dump_log_ring();
      std::string what = g_fatal_crashes;
      g_fatal_crashes.clear();
      FAIL("a consumer stopped on a crash: " << what);
    }
    if (!alive) FAIL("the loop ran out of work");
  }
  ~Rig() {
    bool done = false;
    CHECK(uvk_client_disconnect(client, [](uvk_client *c, const uvk_error *, void *ud) {
      *static_cast<bool *>(ud) = true;
      uv_stop(static_cast<uv_loop_t *>(uvk_client_loop(c)));
    }, &done) == 0);
    arm_watchdog();
    while (!done && !hung && uv_run(&loop, UV_RUN_DEFAULT)) {
    }
    uv_timer_stop(&watchdog);
    if (!done) dump_log_ring();
    CHECK(done);
    uvk_client_free(client);
    uv_close(reinterpret_cast<uv_handle_t *>(&watchdog), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
  }
};

// CreateTopics through the client's engine (the admin client is a later piece).
struct CreateCtx {
  const char *name;
  int32_t partitions;
  bool done = false;
  int err = 1;
  int16_t code = -1;
  uv_loop_t *loop;
  uvk::Request req;
};

void create_topic(Rig &rig, const std::string &name, int32_t partitions) {
  CreateCtx ctx;
  ctx.name = name.c_str();
  ctx.partitions = partitions;
  ctx.loop = &rig.loop;
  ctx.req.api_key = uvk::proto::kCreateTopics;
  ctx.req.min_version = 2;
  ctx.req.max_version = uvk::proto::CreateTopicsRequest::kMaxVersion;
  ctx.req.ud = &ctx;
  ctx.req.encode = [](void *ud, uvk::Buf *out, int16_t version) -> int {
    CreateCtx *c = static_cast<CreateCtx *>(ud);
    uvk::proto::CreateTopicsRequest req;
    uvk::proto::CreateTopicsRequest::CreatableTopic t;
    t.name = uvk::proto::Str{c->name, int32_t(strlen(c->name))};
    t.num_partitions = c->partitions;
    t.replication_factor = -1;  // the broker's default
    req.topics.items = &t;
    req.topics.count = 1;
    return uvk::proto::encode(out, req, version);
  };
  ctx.req.done = [](void *ud, int err, int16_t version, uvk::Reader *body, const uvk::Request *) {
    CreateCtx *c = static_cast<CreateCtx *>(ud);
    c->done = true;
    c->err = err;
    if (err == 0) {
      uvk::Arena arena;
      uvk::proto::CreateTopicsResponse resp;
      c->err = uvk::proto::decode(body, &arena, &resp, version);
      if (c->err == 0 && resp.topics.count == 1) c->code = resp.topics.items[0].error_code;
      uvk::arena_free(&arena);
    }
    uv_stop(c->loop);
  };
  uvk::Engine *e = uvk::client_engine(rig.client);
  REQUIRE(uvk::engine_send(e, -1, &ctx.req, uvk::client_now(rig.client)) == 0);
  while (!ctx.done) rig.turn();
  REQUIRE(ctx.err == 0);
  REQUIRE(ctx.code == 0);
  // Wait until every partition has a leader.
  for (;;) {
    struct M {
      bool done = false;
      size_t with_leader = 0;
    } m;
    const char *topics[] = {name.c_str()};
    REQUIRE(uvk_client_metadata(rig.client, topics, 1, [](uvk_client *c, const uvk_error *, const uvk_metadata *md, void *ud) {
      M *x = static_cast<M *>(ud);
      x->done = true;
      for (size_t p = 0; md && p < uvk_metadata_partition_count(md, 0); p++)
        if (uvk_metadata_partition_leader(md, 0, p) >= 0) x->with_leader++;
      uv_stop(static_cast<uv_loop_t *>(uvk_client_loop(c)));
    }, &m) == 0);
    while (!m.done) rig.turn();
    if (m.with_leader == size_t(partitions)) break;
  }
}

// Produces ids [from, to) as key "k<id%13>", value "<id>", acks -1; with `split`, the first
// half to partition 0 and the rest to partition 1.
void produce(Rig &rig, const std::string &topic, int from, int to, bool split = false) {
  // Idempotent: in order per partition even when a batch is retried (the checks rely on it).
  uvk_producer *p = nullptr;
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "idempotent", "true", err, sizeof err) == 0);
  REQUIRE(uvk_producer_new(rig.client, cfg, &p) == 0);
  uvk_config_free(cfg);
  std::vector<std::string> keys, values;
  for (int i = from; i < to; i++) {
    keys.push_back("k" + std::to_string(i % 13));
    values.push_back(std::to_string(i));
  }
  std::vector<uvk_message> msgs;
  for (size_t i = 0; i < keys.size(); i++)
    msgs.push_back(uvk_message{keys[i].data(), keys[i].size(), values[i].data(), values[i].size(),
                               split ? (i < keys.size() / 2 ? 0 : 1) : -1, -1, nullptr, 0});
  struct S {
    bool done = false;
    int code = 1;
    uv_loop_t *loop;
  } s;
  s.loop = &rig.loop;
  REQUIRE(uvk_producer_send(p, topic.c_str(), msgs.data(), msgs.size(), nullptr,
                            [](uvk_producer *, const uvk_error *err, const uvk_record_metadata *, size_t, void *ud) {
                              S *x = static_cast<S *>(ud);
                              x->done = true;
                              x->code = err ? uvk_error_code(err) : 0;
                              uv_stop(x->loop);
                            }, &s) == 0);
  while (!s.done) rig.turn();
  REQUIRE(s.code == 0);
  uvk_producer_free(p);
}

struct Seen {
  int topic_partition;
  int64_t offset;
  std::string key, value;
  std::string topic = "";
};

// One consumer and what it saw.
struct Member {
  Rig *rig;
  uvk_consumer *c = nullptr;
  std::vector<Seen> seen;
  std::map<int32_t, std::vector<long>> values_by_partition;
  int joins = 0;
  int32_t joined_generation = -1;
  std::vector<uvk_topic_partition> assignment;
  bool stopped = false;
  int fail_next = 0;  // handler failures to inject
  bool expect_crash = false;  // a test that stops a consumer by making it crash

  Member(Rig &r, const std::string &group, const std::string &topic, bool from_beginning,
         const char *assigners = "RoundRobinAssigner", bool read_uncommitted = false) : rig(&r) {
    uvk_config *cfg = base_config();
    char err[256];
    REQUIRE(uvk_config_set(cfg, "groupId", group.c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "maxWaitTimeInMs", "200", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "heartbeatInterval", "500", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "sessionTimeout", "10000", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "rebalanceTimeout", "15000", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "partitionAssigners", assigners, err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "readUncommitted", read_uncommitted ? "true" : "false", err, sizeof err) == 0);
    REQUIRE(uvk_consumer_new(r.client, cfg, &c) == 0);
    uvk_config_free(cfg);
    if (topic.rfind("re:", 0) == 0)  // a regular-expression subscription
      REQUIRE(uvk_consumer_subscribe_pattern(c, topic.c_str() + 3, from_beginning ? 1 : 0) == 0);
    else
      REQUIRE(uvk_consumer_subscribe(c, topic.c_str(), from_beginning ? 1 : 0) == 0);
    REQUIRE(uvk_consumer_on(c, UVK_EVENT_GROUP_JOIN, [](void *ud, const uvk_event *ev) {
      Member *m = static_cast<Member *>(ud);
      const uvk_event_group_join *j = static_cast<const uvk_event_group_join *>(ev->payload);
      m->joins++;
      m->joined_generation = uvk_consumer_generation(m->c);
      m->assignment.assign(j->assignment, j->assignment + j->n_assignment);
      uv_stop(&m->rig->loop);
    }, this) > 0);
    REQUIRE(uvk_consumer_on(c, UVK_EVENT_CRASH, [](void *ud, const uvk_event *ev) {
      Member *m = static_cast<Member *>(ud);
      const uvk_event_crash *cr = static_cast<const uvk_event_crash *>(ev->payload);
      if (cr->restart || m->expect_crash) return;
      char text[256];
      uvk_error_format(cr->error, text, sizeof text);
      g_fatal_crashes += std::string(g_fatal_crashes.empty() ? "" : "; ") + text;
      uv_stop(&m->rig->loop);
    }, this) > 0);
  }

  static int on_message(uvk_consumer *, const uvk_batch *b, const uvk_consumer_message *m, void *ud) {
    Member *self = static_cast<Member *>(ud);
    uv_stop(&self->rig->loop);
    if (self->fail_next > 0) {
      self->fail_next--;
      return -1;
    }
    Seen s{b->partition, m->offset, std::string(static_cast<const char *>(m->key), m->key_len),
           std::string(static_cast<const char *>(m->value), m->value_len), b->topic};
    self->seen.push_back(s);
    self->values_by_partition[b->partition].push_back(atol(s.value.c_str()));
    return 0;
  }

  void run_each_message() {
    uvk_run_options o;
    uvk_run_options_init(&o);
    o.each_message = on_message;
    o.ud = this;
    REQUIRE(uvk_consumer_run(c, &o) == 0);
  }

  void stop() {
    REQUIRE(uvk_consumer_stop(c, [](uvk_consumer *, const uvk_error *err, void *ud) {
      Member *m = static_cast<Member *>(ud);
      CHECK(err == nullptr);
      m->stopped = true;
      uv_stop(&m->rig->loop);
    }, this) == 0);
    while (!stopped) rig->turn();
  }

  ~Member() { uvk_consumer_free(c); }
};

size_t total_seen(const std::vector<Member *> &ms) {
  size_t n = 0;
  for (Member *m : ms) n += m->seen.size();
  return n;
}

// Every id in [0, n) seen at least once (exactly once when `exact`) across members, and in
// order within each partition.
void check_all(const std::vector<Member *> &ms, int n, bool exact) {
  std::vector<int> count(size_t(n), 0);
  for (Member *m : ms)
    for (const Seen &s : m->seen) {
      long v = atol(s.value.c_str());
      REQUIRE(v >= 0);
      REQUIRE(v < n);
      count[size_t(v)]++;
      CHECK(s.key == "k" + std::to_string(v % 13));
    }
  int missing = 0, dup = 0;
  for (int c : count) {
    missing += c == 0;
    dup += c > 1;
  }
  CHECK(missing == 0);
  if (exact) CHECK(dup == 0);
  for (Member *m : ms)
    for (auto &kv : m->values_by_partition) {
      int out_of_order = 0;
      for (size_t i = 1; i < kv.second.size(); i++)
        if (kv.second[i] <= kv.second[i - 1] && out_of_order++ == 0)
          UNSCOPED_INFO("partition " << kv.first << ": value " << kv.second[i] << " after " << kv.second[i - 1]);
      if (exact) CHECK(out_of_order == 0);
    }
  // Offsets only go up within a partition, per member.
  for (Member *m : ms) {
    std::map<std::pair<std::string, int>, int64_t> last;
    int back = 0;
    for (const Seen &s : m->seen) {
      auto it = last.find({s.topic, s.topic_partition});
      if (it != last.end() && s.offset <= it->second && back++ == 0)
        UNSCOPED_INFO("partition " << s.topic_partition << ": offset " << s.offset << " after " << it->second);
      last[{s.topic, s.topic_partition}] = s.offset;
    }
    if (exact) CHECK(back == 0);
  }
}

}  // namespace

TEST_CASE("consumer: one member reads every message once, in order per partition", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-consume-one");
  create_topic(rig, topic, 4);
  const int n = 5000;
  produce(rig, topic, 0, n);
  Member m(rig, uniq("uvk-it-group"), topic, true);
  m.run_each_message();
  while (m.seen.size() < size_t(n)) rig.turn();
  CHECK(m.joins == 1);
  CHECK(m.assignment.size() == 4);
  std::string member = uvk_consumer_member_id(m.c);
  CHECK_FALSE(member.empty());
  struct D {
    bool done = false;
    std::string state, protocol, member;
    size_t members = 0;
    uv_loop_t *loop;
  } d;
  d.loop = &rig.loop;
  REQUIRE(uvk_consumer_describe_group(m.c, [](uvk_consumer *, const uvk_error *err, const uvk_group_description *g, void *ud) {
    D *x = static_cast<D *>(ud);
    x->done = true;
    CHECK(err == nullptr);
    if (g) {
      x->state = g->state;
      x->protocol = g->protocol;
      x->members = g->n_members;
      if (g->n_members) x->member = g->members[0].member_id;
    }
    uv_stop(x->loop);
  }, &d) == 0);
  while (!d.done) rig.turn();
  CHECK(d.state == "Stable");
  CHECK(d.protocol == "RoundRobinAssigner");
  CHECK(d.members == 1);
  CHECK(d.member == member);
  m.stop();
  check_all({&m}, n, true);
}

TEST_CASE("consumer: fetches run in incremental fetch sessions, and a lost session is replaced", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-consume-session");
  create_topic(rig, topic, 6);
  Member m(rig, uniq("uvk-it-group-session"), topic, true);
  struct Fetches {
    int started = 0, finished = 0;
    uv_loop_t *loop;
  } f;
  f.loop = &rig.loop;
  REQUIRE(uvk_consumer_on(m.c, UVK_EVENT_FETCH_START, [](void *ud, const uvk_event *) {
    static_cast<Fetches *>(ud)->started++;
  }, &f) > 0);
  REQUIRE(uvk_consumer_on(m.c, UVK_EVENT_FETCH, [](void *ud, const uvk_event *) {
    Fetches *x = static_cast<Fetches *>(ud);
    x->finished++;
    uv_stop(x->loop);
  }, &f) > 0);
  m.run_each_message();
  // Several rounds, so offsets move and the later requests are incremental.
  int n = 0;
  for (int round = 0; round < 4; round++, n += 500) {
    produce(rig, topic, n, n + 500);
    while (m.seen.size() < size_t(n + 500)) rig.turn();
  }
  uvk::Consumer *c = uvk::consumer_of(m.c);
  int with_session = 0;
  for (int32_t i = 0; i < c->n_fsessions; i++)
    if (c->fsessions[i].id != 0 && c->fsessions[i].epoch >= 2) with_session++;
  INFO(c->n_fsessions << " broker(s) fetched from");
  CHECK(with_session >= 1);

  // Pause everything and let the fetches in flight finish, then make every session unknown to
  // its broker: the next request fails with FETCH_SESSION_ID_NOT_FOUND and a new one starts.
  REQUIRE(uvk_consumer_pause(m.c, topic.c_str(), nullptr, 0) == 0);
  while (f.finished < f.started) rig.turn();
  g_sessions_lost_logged = 0;
  for (int32_t i = 0; i < c->n_fsessions; i++) {
    c->fsessions[i].id = 0x7ffffff0 - i;
    c->fsessions[i].epoch = 5;
  }
  REQUIRE(uvk_consumer_resume(m.c, topic.c_str(), nullptr, 0) == 0);
  produce(rig, topic, n, n + 500);
  n += 500;
  while (m.seen.size() < size_t(n)) rig.turn();
  CHECK(g_sessions_lost_logged >= 1);
  int renewed = 0;
  for (int32_t i = 0; i < c->n_fsessions; i++)
    renewed += c->fsessions[i].id != 0 && c->fsessions[i].id != 0x7ffffff0 - i;
  CHECK(renewed >= 1);
  m.stop();
  check_all({&m}, n, true);
}

TEST_CASE("consumer: three members over six partitions; a member leaves and nothing is lost", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-consume-group");
  create_topic(rig, topic, 6);
  std::string group = uniq("uvk-it-group3");
  Member a(rig, group, topic, true), b(rig, group, topic, true), c(rig, group, topic, true);
  std::vector<Member *> all = {&a, &b, &c};
  for (Member *m : all) m->run_each_message();
  // Wait for one generation in which all three hold an assignment.
  auto settled = [&] {
    int32_t g = a.joined_generation;
    size_t total = 0;
    for (Member *m : all) {
      if (m->joined_generation != g || g < 0) return false;
      total += m->assignment.size();
    }
    return total == 6;
  };
  while (!settled()) rig.turn();
  std::set<int32_t> parts;
  for (Member *m : all) {
    CHECK(m->assignment.size() == 2);  // round robin: 6 / 3
    for (const uvk_topic_partition &tp : m->assignment) {
      CHECK(std::string(tp.topic) == topic);
      CHECK(parts.insert(tp.partition).second);  // disjoint
    }
  }
  CHECK(parts.size() == 6);  // complete
  const int n = 6000;
  produce(rig, topic, 0, n / 2);
  while (total_seen(all) < size_t(n / 4)) rig.turn();
  // c leaves (stop commits and sends LeaveGroup); a and b take its partitions.
  c.stop();
  produce(rig, topic, n / 2, n);
  std::vector<Member *> rest = {&a, &b};
  auto covered = [&] {
    std::set<long> ids;
    for (Member *m : all)
      for (const Seen &s : m->seen) ids.insert(atol(s.value.c_str()));
    return ids.size() == size_t(n);
  };
  while (!covered()) rig.turn();
  size_t after = 0;
  for (Member *m : rest) after += m->assignment.size();
  CHECK(after == 6);
  a.stop();
  b.stop();
  check_all(all, n, false);  // at least once across a rebalance
}

TEST_CASE("consumer: a member that dies without leaving is replaced after the session timeout; nothing is lost",
          "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-consume-dead");
  create_topic(rig, topic, 4);
  std::string group = uniq("uvk-it-group-dead");
  Member a(rig, group, topic, true);
  Member *b = new Member(rig, group, topic, true);
  a.run_each_message();
  b->run_each_message();
  while (!(a.joined_generation >= 0 && a.joined_generation == b->joined_generation && a.assignment.size() == 2 &&
           b->assignment.size() == 2))
    rig.turn();
  const int n = 4000;
  produce(rig, topic, 0, n / 2);
  while (a.seen.size() + b->seen.size() < size_t(n / 4)) rig.turn();
  // b vanishes: no LeaveGroup, no more heartbeats (as if its process was killed). What it
  // saw stays counted; what it did not commit comes again to a.
  std::vector<Seen> b_seen = b->seen;
  delete b;
  Member dead_copy(rig, uniq("uvk-it-unused"), topic, true);  // holds b's messages for check_all
  dead_copy.seen = b_seen;
  produce(rig, topic, n / 2, n);  // half of these land on b's partitions: only a can read them
  auto covered = [&] {
    std::set<long> ids;
    for (const Seen &s : a.seen) ids.insert(atol(s.value.c_str()));
    for (const Seen &s : b_seen) ids.insert(atol(s.value.c_str()));
    return ids.size() == size_t(n);
  };
  while (!covered()) rig.turn();
  CHECK(a.assignment.size() == 4);  // a took over after the coordinator dropped b
  a.stop();
  check_all({&a, &dead_copy}, n, false);
}

TEST_CASE("consumer: a pattern subscription picks up matching topics created while it runs", "[integration]") {
  Rig rig("500");  // metadataMaxAge: the topic list is read again every 500 ms
  std::string prefix = uniq("uvk-it-re");
  create_topic(rig, prefix + "-a", 2);
  produce(rig, prefix + "-a", 0, 100);
  Member m(rig, uniq("uvk-it-group-re"), "re:^" + prefix + "-(a|b)$", true);
  m.run_each_message();
  while (m.seen.size() < 100) rig.turn();
  create_topic(rig, prefix + "-b", 2);
  create_topic(rig, prefix + "-c", 2);  // does not match
  produce(rig, prefix + "-c", 200, 300);
  produce(rig, prefix + "-b", 100, 200);
  while (m.seen.size() < 200) rig.turn();
  CHECK(m.joins >= 2);  // it rejoined to get the new topic assigned
  std::set<std::string> topics;
  for (const uvk_topic_partition &tp : m.assignment) topics.insert(tp.topic);
  CHECK(topics == std::set<std::string>({prefix + "-a", prefix + "-b"}));
  m.stop();
  check_all({&m}, 200, true);  // 0..199 once each; nothing from -c (ids 200+ would fail)
  std::string bad = "re:(";
  uvk_consumer *c = nullptr;
  uvk_config *cfg = base_config();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "groupId", "g", err, sizeof err) == 0);
  REQUIRE(uvk_consumer_new(rig.client, cfg, &c) == 0);
  uvk_config_free(cfg);
  CHECK(uvk_consumer_subscribe_pattern(c, "(", 0) == UVK_EINVAL);
  uvk_consumer_free(c);
}

namespace {
// A custom assigner: every partition to the member whose user data is "A".
int all_to_a(void *ud, const uvk_group_member *members, size_t n, const uvk_assign_topic *topics, size_t n_topics,
             uvk_assignment_builder *out) {
  int *calls = static_cast<int *>(ud);
  (*calls)++;
  for (size_t i = 0; i < n; i++) {
    int err = 1;
    uvk_member_metadata *md = uvk_member_metadata_decode(members[i].metadata, members[i].metadata_len, &err);
    if (!md) return err;
    bool is_a = md->user_data_len == 1 && memcmp(md->user_data, "A", 1) == 0;
    bool subscribed = md->n_topics == 1 && n_topics == 1 && strcmp(md->topics[0], topics[0].topic) == 0;
    uvk_member_metadata_free(md);
    if (!subscribed) return UVK_EINVAL;
    if (!is_a) continue;
    std::vector<uvk_topic_partition> parts;
    for (int32_t p = 0; p < topics[0].n_partitions; p++) parts.push_back(uvk_topic_partition{topics[0].topic, p});
    parts.push_back(uvk_topic_partition{"uvk-it-nobody-subscribed", 0});  // reported and ignored
    int rc = uvk_assignment_set_partitions(out, members[i].member_id, 0, parts.data(), parts.size(), nullptr, 0);
    if (rc != 0) return rc;
  }
  return 0;
}
}  // namespace

TEST_CASE("consumer: a custom assigner decides the assignment", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-consume-custom");
  create_topic(rig, topic, 4);
  std::string group = uniq("uvk-it-group-custom");
  int calls = 0;
  Member a(rig, group, topic, true), b(rig, group, topic, true);
  REQUIRE(uvk_consumer_add_assigner(a.c, "uvk-test-all-to-a", 0, "A", 1, all_to_a, &calls) == 0);
  REQUIRE(uvk_consumer_add_assigner(b.c, "uvk-test-all-to-a", 0, "B", 1, all_to_a, &calls) == 0);
  CHECK(uvk_consumer_add_assigner(b.c, "uvk-test-all-to-a", 0, nullptr, 0, all_to_a, &calls) == UVK_EINVAL);
  int unsubscribed = 0;
  REQUIRE(uvk_consumer_on(a.c, UVK_EVENT_RECEIVED_UNSUBSCRIBED_TOPICS, [](void *ud, const uvk_event *ev) {
    const uvk_event_unsubscribed_topics *u = static_cast<const uvk_event_unsubscribed_topics *>(ev->payload);
    CHECK(u->n_topics_not_subscribed == 1);
    CHECK(std::string(u->topics_not_subscribed[0]) == "uvk-it-nobody-subscribed");
    ++*static_cast<int *>(ud);
  }, &unsubscribed) > 0);
  // B first: alone, it leads and its assigner gives it nothing (an empty assignment must
  // still be sent). Then A joins and gets everything.
  b.run_each_message();
  while (b.joins == 0) rig.turn();
  CHECK(b.assignment.empty());
  a.run_each_message();
  while (!(a.joined_generation >= 0 && a.joined_generation == b.joined_generation && a.assignment.size() == 4))
    rig.turn();
  CHECK(b.assignment.empty());
  CHECK(calls >= 1);
  CHECK(unsubscribed >= 1);
  produce(rig, topic, 0, 500);
  while (a.seen.size() < 500) rig.turn();
  CHECK(b.seen.empty());
  a.stop();
  b.stop();
  check_all({&a}, 500, true);
  // The helpers refuse what is not ConsumerProtocol.
  int err = 0;
  const unsigned char junk[] = {0, 0, 0x7f, 0xff, 0xff, 0xff};
  CHECK(uvk_member_metadata_decode(junk, sizeof junk, &err) == nullptr);
  CHECK(err == UVK_EPROTO);
  CHECK(uvk_member_assignment_decode(junk, sizeof junk, &err) == nullptr);
}

namespace {
// Work that finishes after the session timeout: each message is done by a timer, not in the
// handler. The loop keeps heartbeating meanwhile.
struct SlowWork {
  Member *m;
  uv_timer_t timer;
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  std::string value;
  int handled = 0;
  int32_t generation_at_start = -1;
};
}  // namespace

TEST_CASE("consumer: a handler that finishes after the session timeout keeps its membership", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-consume-slow");
  create_topic(rig, topic, 1);
  produce(rig, topic, 0, 3);
  Member m(rig, uniq("uvk-it-group-slow"), topic, true);  // sessionTimeout 10 s
  SlowWork w;
  w.m = &m;
  REQUIRE(uv_timer_init(&rig.loop, &w.timer) == 0);
  w.timer.data = &w;
  uvk_run_options o;
  uvk_run_options_init(&o);
  o.ud = &w;
  o.each_message = [](uvk_consumer *c, const uvk_batch *b, const uvk_consumer_message *msg, void *ud) -> int {
    SlowWork *x = static_cast<SlowWork *>(ud);
    if (x->generation_at_start < 0) x->generation_at_start = uvk_consumer_generation(c);
    x->topic = b->topic;
    x->partition = b->partition;
    x->offset = msg->offset;
    x->value.assign(static_cast<const char *>(msg->value), msg->value_len);
    // The first message takes 12 s (past the 10 s session timeout); the others 10 ms.
    uint64_t ms = x->handled == 0 ? 12000 : 10;
    uv_timer_start(&x->timer, [](uv_timer_t *t) {
      SlowWork *y = static_cast<SlowWork *>(t->data);
      y->handled++;
      y->m->seen.push_back(Seen{y->partition, y->offset, "k" + std::to_string(atoi(y->value.c_str()) % 13), y->value, y->topic});
      y->m->values_by_partition[y->partition].push_back(atol(y->value.c_str()));
      CHECK(uvk_consumer_done(y->m->c, y->topic.c_str(), y->partition, 0) == 0);
      uv_stop(t->loop);
    }, ms, 0);
    return UVK_PENDING;
  };
  REQUIRE(uvk_consumer_run(m.c, &o) == 0);
  while (m.seen.size() < 3) rig.turn();
  CHECK(m.joins == 1);  // never dropped from the group
  CHECK(uvk_consumer_generation(m.c) == w.generation_at_start);
  CHECK(uvk_consumer_done(m.c, topic.c_str(), 0, 0) == UVK_ENOTFOUND);  // nothing pending now
  uv_close(reinterpret_cast<uv_handle_t *>(&w.timer), nullptr);
  m.stop();
  check_all({&m}, 3, true);
}

TEST_CASE("consumer: commit, stop, and a new member resumes at the committed offset", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-consume-commit");
  create_topic(rig, topic, 4);
  std::string group = uniq("uvk-it-group-commit");
  produce(rig, topic, 0, 1000);
  {
    Member first(rig, group, topic, true);
    first.run_each_message();
    while (first.seen.size() < 1000) rig.turn();
    first.stop();  // commits what it processed
    check_all({&first}, 1000, true);
  }
  produce(rig, topic, 1000, 1500);
  Member second(rig, group, topic, true);
  second.run_each_message();
  while (second.seen.size() < 500) rig.turn();
  second.stop();
  // Only the new messages: nothing from before the commit came again.
  for (const Seen &s : second.seen) CHECK(atol(s.value.c_str()) >= 1000);
  CHECK(second.seen.size() == 500);
}

TEST_CASE("consumer: a failing handler gets the same message again; nothing is skipped", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-consume-retry");
  create_topic(rig, topic, 1);
  produce(rig, topic, 0, 100);
  Member m(rig, uniq("uvk-it-group-retry"), topic, true);
  m.fail_next = 3;
  m.run_each_message();
  while (m.seen.size() < 100) rig.turn();
  m.stop();
  check_all({&m}, 100, true);
  CHECK(m.seen.front().offset == 0);
}

TEST_CASE("consumer: pause, resume and seek", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-consume-pause");
  create_topic(rig, topic, 2);
  produce(rig, topic, 0, 1000, true);  // ids 0..499 on partition 0, 500..999 on partition 1
  Member m(rig, uniq("uvk-it-group-pause"), topic, true);
  int32_t zero = 0;
  REQUIRE(uvk_consumer_pause(m.c, topic.c_str(), &zero, 1) == 0);
  CHECK(uvk_consumer_is_paused(m.c, topic.c_str(), 0) == 1);
  CHECK(uvk_consumer_is_paused(m.c, topic.c_str(), 1) == 0);
  m.run_each_message();
  while (m.seen.size() < 500) rig.turn();
  for (const Seen &s : m.seen) CHECK(s.topic_partition == 1);  // nothing from the paused one
  REQUIRE(uvk_consumer_resume(m.c, topic.c_str(), &zero, 1) == 0);
  while (m.seen.size() < 1000) rig.turn();
  check_all({&m}, 1000, true);
  // Seek partition 1 back to offset 400: its last 100 messages come again.
  REQUIRE(uvk_consumer_seek(m.c, topic.c_str(), 1, 400) == 0);
  while (m.seen.size() < 1100) rig.turn();
  for (size_t i = 1000; i < 1100; i++) {
    CHECK(m.seen[i].topic_partition == 1);
    CHECK(m.seen[i].offset == int64_t(400 + (i - 1000)));
  }
  CHECK(uvk_consumer_seek(m.c, topic.c_str(), 7, 0) == UVK_ENOTFOUND);
  m.stop();
}

namespace {
struct BatchRig {
  Member *m;
  int batches = 0;
  bool resolved_half = false;
};
}  // namespace

TEST_CASE("consumer: eachBatch without auto-resolve: only what the handler resolves moves on", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-consume-batch");
  create_topic(rig, topic, 1);
  produce(rig, topic, 0, 300);
  Member m(rig, uniq("uvk-it-group-batch"), topic, true);
  BatchRig br{&m};
  uvk_run_options o;
  uvk_run_options_init(&o);
  o.each_batch_auto_resolve = 0;
  o.ud = &br;
  o.each_batch = [](uvk_consumer *c, const uvk_batch *b, void *ud) -> int {
    BatchRig *x = static_cast<BatchRig *>(ud);
    x->batches++;
    uv_stop(&x->m->rig->loop);
    CHECK(uvk_consumer_is_running(c) == 1);
    // Resolve one message per call: the rest of the batch must come again.
    const uvk_consumer_message *msg = &b->messages[0];
    x->m->seen.push_back(Seen{b->partition, msg->offset, std::string(static_cast<const char *>(msg->key), msg->key_len),
                              std::string(static_cast<const char *>(msg->value), msg->value_len)});
    x->m->values_by_partition[b->partition].push_back(atol(x->m->seen.back().value.c_str()));
    CHECK(b->first_offset == msg->offset);
    CHECK(b->offset_lag_low >= b->offset_lag);
    REQUIRE(uvk_consumer_resolve_offset(c, b->topic, b->partition, msg->offset) == 0);
    return 0;
  };
  REQUIRE(uvk_consumer_run(m.c, &o) == 0);
  while (m.seen.size() < 300) rig.turn();
  m.stop();
  check_all({&m}, 300, true);
  CHECK(br.batches == 300);
}

TEST_CASE("consumer: messages kcat wrote under every codec are read back exactly", "[integration]") {
  Rig rig;
  for (const char *codec : {"none", "gzip", "snappy", "lz4", "zstd"}) {
    DYNAMIC_SECTION("codec " << codec) {
      std::string topic = uniq(std::string("uvk-it-consume-kcat-") + codec);
      create_topic(rig, topic, 3);
      std::string cmd = "kcat -P -q -b '" + env("UVK_TEST_BROKERS") + "' -t '" + topic + "' -K '\\t' -z " + codec +
                        " -X linger.ms=20";
      FILE *f = popen(cmd.c_str(), "w");
      REQUIRE(f);
      for (int i = 0; i < 2000; i++) fprintf(f, "k%d\t%d\n", i % 13, i);
      REQUIRE(pclose(f) == 0);
      Member m(rig, uniq("uvk-it-group-kcat"), topic, true);
      m.run_each_message();
      while (m.seen.size() < 2000) rig.turn();
      m.stop();
      check_all({&m}, 2000, true);
    }
  }
}

namespace {

// A KafkaJS member (test/interop/kafkajs_member.js) in a child process; its stdout lines
// arrive through a pipe in our loop, so waiting on them is waiting on events.
struct KafkaJs {
  uv_process_t proc;
  uv_pipe_t in, out;
  std::string buf;
  std::vector<int32_t> partitions;
  bool joined = false, exited = false;
  int64_t exit_status = -1;
  std::vector<Seen> seen;
  uv_loop_t *loop;

  static void on_alloc(uv_handle_t *, size_t, uv_buf_t *b) {
    static char mem[65536];
    *b = uv_buf_init(mem, sizeof mem);
  }
  static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
    KafkaJs *k = static_cast<KafkaJs *>(s->data);
    if (n < 0) {
      uv_close(reinterpret_cast<uv_handle_t *>(s), nullptr);
      return;
    }
    k->buf.append(b->base, size_t(n));
    size_t nl;
    while ((nl = k->buf.find('\n')) != std::string::npos) {
      std::string line = k->buf.substr(0, nl);
      k->buf.erase(0, nl + 1);
      if (line.rfind("JOIN ", 0) == 0) {
        k->joined = true;
        k->partitions.clear();
        size_t sp = line.find(' ', 5);
        std::string list = sp == std::string::npos ? "" : line.substr(sp + 1);
        for (size_t at = 0; at < list.size();) {
          size_t comma = list.find(',', at);
          k->partitions.push_back(atoi(list.substr(at, comma - at).c_str()));
          at = comma == std::string::npos ? list.size() : comma + 1;
        }
      } else if (line.rfind("MSG ", 0) == 0) {
        int p = 0;
        long long off = 0;
        char value[64] = "";
        if (sscanf(line.c_str(), "MSG %d %lld %63s", &p, &off, value) == 3)
          k->seen.push_back(Seen{p, off, "", value});
      }
    }
    uv_stop(k->loop);
  }
  static void on_exit(uv_process_t *p, int64_t status, int) {
    KafkaJs *k = static_cast<KafkaJs *>(p->data);
    k->exited = true;
    k->exit_status = status;
    uv_close(reinterpret_cast<uv_handle_t *>(p), nullptr);
    uv_stop(k->loop);
  }

  KafkaJs(uv_loop_t *l, const std::string &group, const std::string &topic) : loop(l) {
    std::string node_path;
    FILE *f = popen((std::string(UVK_SOURCE_ROOT) + "/test/lib/kafkajs.sh").c_str(), "r");
    REQUIRE(f);
    char line[4096];
    if (fgets(line, sizeof line, f)) node_path = line;
    REQUIRE(pclose(f) == 0);
    while (!node_path.empty() && node_path.back() == '\n') node_path.pop_back();
    INFO("npm kafkajs is needed for the interop test (test/lib/kafkajs.sh)");
    REQUIRE_FALSE(node_path.empty());
    std::string script = std::string(UVK_SOURCE_ROOT) + "/test/interop/kafkajs_member.js";
    std::string brokers = env("UVK_TEST_BROKERS");
    std::string np = "NODE_PATH=" + node_path, path = "PATH=" + env("PATH");
    char *args[] = {const_cast<char *>("node"), const_cast<char *>(script.c_str()),
                    const_cast<char *>(brokers.c_str()), const_cast<char *>(group.c_str()),
                    const_cast<char *>(topic.c_str()), nullptr};
    char *envp[] = {const_cast<char *>(np.c_str()), const_cast<char *>(path.c_str()), nullptr};
    REQUIRE(uv_pipe_init(loop, &in, 0) == 0);
    REQUIRE(uv_pipe_init(loop, &out, 0) == 0);
    in.data = out.data = this;
    uv_stdio_container_t stdio[3];
    stdio[0].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_READABLE_PIPE);
    stdio[0].data.stream = reinterpret_cast<uv_stream_t *>(&in);
    stdio[1].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
    stdio[1].data.stream = reinterpret_cast<uv_stream_t *>(&out);
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = 2;
    uv_process_options_t o;
    memset(&o, 0, sizeof o);
    o.file = "node";
    o.args = args;
    o.env = envp;
    o.stdio = stdio;
    o.stdio_count = 3;
    o.exit_cb = on_exit;
    proc.data = this;
    REQUIRE(uv_spawn(loop, &proc, &o) == 0);
    REQUIRE(uv_read_start(reinterpret_cast<uv_stream_t *>(&out), on_alloc, on_read) == 0);
  }
  // Closing its stdin makes it leave the group and exit.
  void leave() { uv_close(reinterpret_cast<uv_handle_t *>(&in), nullptr); }
};

}  // namespace

TEST_CASE("consumer: a group of one uvkafka and one KafkaJS member splits the partitions and reads every message once",
          "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-consume-kafkajs");
  create_topic(rig, topic, 6);
  std::string group = uniq("uvk-it-group-kafkajs");
  KafkaJs js(&rig.loop, group, topic);
  Member m(rig, group, topic, true);  // RoundRobinAssigner: the protocol KafkaJS speaks
  m.run_each_message();
  // Both in one generation: each holds three of the six partitions.
  while (!(js.joined && js.partitions.size() == 3 && m.assignment.size() == 3) && !js.exited) rig.turn();
  REQUIRE_FALSE(js.exited);
  std::set<int32_t> parts(js.partitions.begin(), js.partitions.end());
  for (const uvk_topic_partition &tp : m.assignment) CHECK(parts.insert(tp.partition).second);
  CHECK(parts.size() == 6);
  const int n = 3000;
  produce(rig, topic, 0, n);
  while (m.seen.size() + js.seen.size() < size_t(n) && !js.exited) rig.turn();
  js.leave();
  while (!js.exited) rig.turn();
  CHECK(js.exit_status == 0);
  m.stop();
  CHECK(m.seen.size() > 0);
  CHECK(js.seen.size() > 0);
  std::vector<int> count(size_t(n), 0);
  for (const Seen &s : m.seen) count[size_t(atol(s.value.c_str()))]++;
  for (const Seen &s : js.seen) count[size_t(atol(s.value.c_str()))]++;
  int missing = 0, dup = 0;
  for (int c : count) {
    missing += c == 0;
    dup += c > 1;
  }
  CHECK(missing == 0);
  CHECK(dup == 0);
}

// ---- transactions (the producer's) and read_committed (the consumer's) --------------------

namespace {

struct TxnRig {
  Rig *rig;
  uvk_producer *p = nullptr;
  explicit TxnRig(Rig &r, const std::string &id) : rig(&r) {
    uvk_config *cfg = uvk_config_new();
    char err[256];
    REQUIRE(uvk_config_set(cfg, "transactionalId", id.c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_producer_new(r.client, cfg, &p) == 0);
    uvk_config_free(cfg);
  }
  ~TxnRig() { uvk_producer_free(p); }
  struct Done {
    bool done = false;
    int code = 1;
    uv_loop_t *loop;
  };
  static void on_done(uvk_producer *, const uvk_error *err, void *ud) {
    Done *d = static_cast<Done *>(ud);
    d->done = true;
    d->code = err ? uvk_error_code(err) : 0;
    uv_stop(d->loop);
  }
  // Sends values prefix0..prefixN-1 (keys spread them over the partitions) and waits.
  void send(const std::string &topic, const std::string &prefix, int n) {
    std::vector<std::string> keys, values;
    for (int i = 0; i < n; i++) {
      keys.push_back("k" + std::to_string(i % 13));
      values.push_back(prefix + std::to_string(i));
    }
    std::vector<uvk_message> msgs;
    for (int i = 0; i < n; i++)
      msgs.push_back(uvk_message{keys[size_t(i)].data(), keys[size_t(i)].size(), values[size_t(i)].data(),
                                 values[size_t(i)].size(), -1, -1, nullptr, 0});
    struct S {
      bool done = false;
      int code = 1;
      uv_loop_t *loop;
    } s;
    s.loop = &rig->loop;
    REQUIRE(uvk_producer_send(p, topic.c_str(), msgs.data(), msgs.size(), nullptr,
                              [](uvk_producer *, const uvk_error *err, const uvk_record_metadata *, size_t, void *ud) {
                                S *x = static_cast<S *>(ud);
                                x->done = true;
                                x->code = err ? uvk_error_code(err) : 0;
                                uv_stop(x->loop);
                              }, &s) == 0);
    while (!s.done) rig->turn();
    REQUIRE(s.code == 0);
  }
  int end(bool commit) {
    Done d;
    d.loop = &rig->loop;
    int rc = commit ? uvk_producer_commit_transaction(p, on_done, &d) : uvk_producer_abort_transaction(p, on_done, &d);
    if (rc != 0) return rc;
    while (!d.done) rig->turn();
    return d.code;
  }
};

}  // namespace

TEST_CASE("transactions: read_committed consumers see committed messages only; read_uncommitted see all",
          "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-txn");
  create_topic(rig, topic, 3);
  TxnRig t(rig, uniq("uvk-it-txn-id"));
  uvk_message m = {"k", 1, "v", 1, -1, -1, nullptr, 0};
  // Outside a transaction a transactional producer refuses sends.
  CHECK(uvk_producer_send(t.p, topic.c_str(), &m, 1, nullptr,
                          [](uvk_producer *, const uvk_error *, const uvk_record_metadata *, size_t, void *) {}, nullptr) ==
        UVK_ESTATE);
  CHECK(uvk_producer_commit_transaction(t.p, TxnRig::on_done, nullptr) == UVK_ESTATE);
  REQUIRE(uvk_producer_begin_transaction(t.p) == 0);
  CHECK(uvk_producer_begin_transaction(t.p) == UVK_ESTATE);  // one at a time
  t.send(topic, "aborted-", 300);
  REQUIRE(t.end(false) == 0);
  REQUIRE(uvk_producer_begin_transaction(t.p) == 0);
  t.send(topic, "committed-", 300);
  REQUIRE(t.end(true) == 0);
  // Committed, read_committed (the default): exactly the 300 committed messages. The aborted
  // ones sit before them in every partition, so a consumer that let them through would see
  // them first.
  Member rc(rig, uniq("uvk-it-group-txn-rc"), topic, true);
  rc.run_each_message();
  while (rc.seen.size() < 300) rig.turn();
  int aborted_seen = 0, committed_seen = 0;
  for (const Seen &s : rc.seen) {
    aborted_seen += s.value.rfind("aborted-", 0) == 0;
    committed_seen += s.value.rfind("committed-", 0) == 0;
  }
  CHECK(aborted_seen == 0);
  CHECK(committed_seen == 300);
  rc.stop();
  // read_uncommitted: both transactions' messages.
  Member ru(rig, uniq("uvk-it-group-txn-ru"), topic, true, "RoundRobinAssigner", true);
  ru.run_each_message();
  while (ru.seen.size() < 600) rig.turn();
  aborted_seen = committed_seen = 0;
  for (const Seen &s : ru.seen) {
    aborted_seen += s.value.rfind("aborted-", 0) == 0;
    committed_seen += s.value.rfind("committed-", 0) == 0;
  }
  CHECK(aborted_seen == 300);
  CHECK(committed_seen == 300);
  ru.stop();
}

TEST_CASE("transactions: sendOffsets commits a group's offsets with the transaction", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-txn-offsets");
  create_topic(rig, topic, 2);
  produce(rig, topic, 0, 40, true);  // 20 per partition
  std::string group = uniq("uvk-it-group-txn-offsets");
  TxnRig t(rig, uniq("uvk-it-txn-id"));
  REQUIRE(uvk_producer_begin_transaction(t.p) == 0);
  uvk_topic_partition_offset offs[] = {{topic.c_str(), 0, 5}, {topic.c_str(), 1, 7}};
  TxnRig::Done d;
  d.loop = &rig.loop;
  REQUIRE(uvk_producer_send_offsets(t.p, group.c_str(), offs, 2, TxnRig::on_done, &d) == 0);
  while (!d.done) rig.turn();
  REQUIRE(d.code == 0);
  t.send(topic, "out-", 10);  // and some output in the same transaction
  REQUIRE(t.end(true) == 0);
  // A member of that group starts where the transaction put the offsets.
  Member m(rig, group, topic, true);
  m.run_each_message();
  while (m.seen.size() < size_t(15 + 13 + 10)) rig.turn();
  std::map<int, int64_t> first;
  for (const Seen &s : m.seen)
    if (!first.count(s.topic_partition)) first[s.topic_partition] = s.offset;
  CHECK(first[0] == 5);
  CHECK(first[1] == 7);
  m.stop();
}

TEST_CASE("transactions: offsets sent with a consumer's group metadata are refused once the group moved on (KIP-447)",
          "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-txn-fenced");
  create_topic(rig, topic, 2);
  std::string group = uniq("uvk-it-group-txn-fenced");
  Member a(rig, group, topic, true);
  a.run_each_message();
  while (a.joins < 1) rig.turn();
  uvk_group_metadata then;
  REQUIRE(uvk_consumer_group_metadata(a.c, &then) == 0);
  CHECK(std::string(then.group_id) == group);
  CHECK(then.group_instance_id == nullptr);
  std::string then_member = then.member_id;
  then.member_id = then_member.c_str();
  int32_t then_generation = then.generation_id;
  REQUIRE(then_generation > 0);
  Member b(rig, group, topic, true);  // a second member: a rebalance, a new generation
  b.run_each_message();
  while (b.joins < 1 || a.joined_generation == then_generation) rig.turn();

  TxnRig t(rig, uniq("uvk-it-txn-fenced-id"));
  uvk_topic_partition_offset offs[] = {{topic.c_str(), 0, 0}};
  struct Refused {
    bool done = false;
    int kafka_code = 0;
    uv_loop_t *loop;
  } stale;
  stale.loop = &rig.loop;
  REQUIRE(uvk_producer_begin_transaction(t.p) == 0);
  REQUIRE(uvk_producer_send_consumer_offsets(t.p, &then, offs, 1, [](uvk_producer *, const uvk_error *err, void *ud) {
    Refused *r = static_cast<Refused *>(ud);
    r->done = true;
    r->kafka_code = err ? uvk_error_kafka_code(err) : 0;
    uv_stop(r->loop);
  }, &stale) == 0);
  while (!stale.done) rig.turn();
  CHECK(stale.kafka_code == 22);  // ILLEGAL_GENERATION: the zombie's offsets never land
  REQUIRE(t.end(false) == 0);

  uvk_group_metadata now;
  REQUIRE(uvk_consumer_group_metadata(a.c, &now) == 0);
  CHECK(now.generation_id == a.joined_generation);
  TxnRig::Done fresh;
  fresh.loop = &rig.loop;
  REQUIRE(uvk_producer_begin_transaction(t.p) == 0);
  REQUIRE(uvk_producer_send_consumer_offsets(t.p, &now, offs, 1, TxnRig::on_done, &fresh) == 0);
  while (!fresh.done) rig.turn();
  CHECK(fresh.code == 0);
  CHECK(t.end(true) == 0);
  CHECK(uvk_producer_send_consumer_offsets(t.p, nullptr, offs, 1, TxnRig::on_done, &fresh) == UVK_EINVAL);
  a.stop();
  b.stop();
}
