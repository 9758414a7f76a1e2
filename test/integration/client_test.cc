// The client against the real Kafka test cluster (test/kafka/cluster.sh): bootstrap,
// metadata, a dead seed, protocolVersionCap, disconnect with work pending, embedding in a
// loop that runs the test's own timers — and on 3 nodes, a broker killed and restarted.
// Needs UVK_TEST_BROKERS; without it every test fails (never skips).
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include <string>
#include <vector>

#include "uvkafka/uvkafka.h"
#include "cluster_ctl.h"

namespace {

std::string env(const char *name) {
  const char *v = getenv(name);
  return v ? v : "";
}

struct Result {
  bool done = false;
  int code = 1;  // uvk_error_code, 0 on success
  std::vector<int32_t> broker_ids;
  int32_t controller = -2;
  std::vector<std::string> topics;
  std::vector<int> topic_errors;
  std::vector<size_t> partitions;
  std::vector<int32_t> leaders;
};

// Every completion also stops uv_run: with libuv 1.44 a UV_RUN_ONCE whose timers phase
// completes the work would otherwise go on to block in poll while idle connections stay open.
void done(uvk_client *c, Result *r) {
  r->done = true;
  uv_stop(static_cast<uv_loop_t *>(uvk_client_loop(c)));
}

void on_client(uvk_client *c, const uvk_error *err, void *ud) {
  Result *r = static_cast<Result *>(ud);
  done(c, r);
  r->code = err ? uvk_error_code(err) : 0;
}

void on_metadata(uvk_client *c, const uvk_error *err, const uvk_metadata *md, void *ud) {
  Result *r = static_cast<Result *>(ud);
  done(c, r);
  r->code = err ? uvk_error_code(err) : 0;
  if (!md) return;
  r->controller = uvk_metadata_controller_id(md);
  for (size_t i = 0; i < uvk_metadata_broker_count(md); i++) r->broker_ids.push_back(uvk_metadata_broker_id(md, i));
  for (size_t t = 0; t < uvk_metadata_topic_count(md); t++) {
    r->topics.push_back(uvk_metadata_topic_name(md, t));
    r->topic_errors.push_back(uvk_metadata_topic_error(md, t));
    r->partitions.push_back(uvk_metadata_partition_count(md, t));
    for (size_t p = 0; p < uvk_metadata_partition_count(md, t); p++)
      r->leaders.push_back(uvk_metadata_partition_leader(md, t, p));
  }
}

// Runs the loop until *flag; the callback that sets it calls uv_stop. A loop with nothing
// left to run before the flag is set is a failure, not a spin.
void run_until(uv_loop_t *loop, const bool *flag) {
  while (!*flag) {
    int alive = uv_run(loop, UV_RUN_DEFAULT);
    if (!*flag && !alive) FAIL("the loop ran out of work before the callback came");
  }
}

struct Fixture {
  uv_loop_t loop;
  uvk_client *client = nullptr;
  Fixture(const std::string &brokers, const char *cap = nullptr) {
    REQUIRE(uv_loop_init(&loop) == 0);
    INFO("UVK_TEST_BROKERS must point at the test cluster (test/kafka/cluster.sh up)");
    REQUIRE_FALSE(env("UVK_TEST_BROKERS").empty());
    uvk_config *cfg = uvk_config_new();
    char err[256];
    REQUIRE(uvk_config_set(cfg, "brokers", brokers.c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "clientId", "uvk-integration", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "logLevel", "NOTHING", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "retry.initialRetryTime", "100", err, sizeof err) == 0);
    if (cap) REQUIRE(uvk_config_set(cfg, "protocolVersionCap", cap, err, sizeof err) == 0);
    REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
    uvk_config_free(cfg);
  }
  Result metadata(const std::vector<std::string> &topics, bool all = false) {
    std::vector<const char *> names;
    for (const auto &t : topics) names.push_back(t.c_str());
    Result r;
    REQUIRE(uvk_client_metadata(client, all ? nullptr : names.data(), names.size(), on_metadata, &r) == 0);
    CHECK_FALSE(r.done);  // never called back from inside the call
    run_until(&loop, &r.done);
    return r;
  }
  // Lets the loop run for `ms` (the cluster needs time to notice a dead broker; there is no
  // event to wait for, so the tests poll metadata at this pace, with a bound).
  void pause(uint64_t ms) {
    uv_timer_t t;
    bool fired = false;
    uv_timer_init(&loop, &t);
    t.data = &fired;
    uv_timer_start(
        &t,
        [](uv_timer_t *h) {
          *static_cast<bool *>(h->data) = true;
          uv_stop(h->loop);
        },
        ms, 0);
    run_until(&loop, &fired);
    uv_close(reinterpret_cast<uv_handle_t *>(&t), nullptr);
    uv_run(&loop, UV_RUN_NOWAIT);
  }
  ~Fixture() {
    Result r;
    if (uvk_client_disconnect(client, on_client, &r) == 0) run_until(&loop, &r.done);
    uvk_client_free(client);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);  // the client left no handle behind
  }
};

int nodes() { return atoi(env("UVK_TEST_NODES").c_str()); }

}  // namespace

TEST_CASE("client: bootstrap and cluster metadata", "[integration]") {
  Fixture f(env("UVK_TEST_BROKERS"));
  Result c;
  REQUIRE(uvk_client_connect(f.client, on_client, &c) == 0);
  CHECK_FALSE(c.done);
  run_until(&f.loop, &c.done);
  CHECK(c.code == 0);
  Result m = f.metadata({}, true);
  REQUIRE(m.code == 0);
  CHECK(int(m.broker_ids.size()) == nodes());
  CHECK(m.controller >= 1);
}

TEST_CASE("client: metadata of a new topic (auto-created) gets leaders", "[integration]") {
  Fixture f(env("UVK_TEST_BROKERS"));
  std::string topic = "uvk-int-meta-" + std::to_string(uv_hrtime());
  Result m;
  // Creation takes a moment: ask again until the partitions have leaders (bounded).
  for (int attempt = 0; attempt < 300; attempt++) {
    if (attempt) f.pause(100);
    m = f.metadata({topic});
    REQUIRE(m.code == 0);
    REQUIRE(m.topics.size() == 1);
    if (m.topic_errors[0] == 0 && m.partitions[0] > 0) break;
  }
  CHECK(m.topics[0] == topic);
  CHECK(m.topic_errors[0] == 0);
  REQUIRE(m.partitions[0] > 0);
  for (int32_t leader : m.leaders) CHECK(leader >= 1);
}

TEST_CASE("client: a dead seed first in the list", "[integration]") {
  Fixture f("127.0.0.1:1," + env("UVK_TEST_BROKERS"));
  Result c;
  REQUIRE(uvk_client_connect(f.client, on_client, &c) == 0);
  run_until(&f.loop, &c.done);
  CHECK(c.code == 0);
}

TEST_CASE("client: only dead seeds: retries run out with a clear error", "[integration]") {
  Fixture f("127.0.0.1:1,127.0.0.1:2");
  Result c;
  REQUIRE(uvk_client_connect(f.client, on_client, &c) == 0);
  run_until(&f.loop, &c.done);
  CHECK(c.code == UVK_ERETRIES);
}

TEST_CASE("client: protocolVersionCap 2.4 still talks to the cluster", "[integration]") {
  Fixture f(env("UVK_TEST_BROKERS"), "2.4");
  Result m = f.metadata({}, true);
  CHECK(m.code == 0);
  CHECK(int(m.broker_ids.size()) == nodes());
}

TEST_CASE("client: disconnect fails pending work with UVK_ECLOSED", "[integration]") {
  Fixture f(env("UVK_TEST_BROKERS"));
  Result m, d;
  REQUIRE(uvk_client_metadata(f.client, nullptr, 0, on_metadata, &m) == 0);
  REQUIRE(uvk_client_disconnect(f.client, on_client, &d) == 0);
  CHECK(uvk_client_disconnect(f.client, on_client, &d) == UVK_ESTATE);
  run_until(&f.loop, &d.done);
  CHECK(m.done);
  CHECK(m.code == UVK_ECLOSED);
  CHECK(d.code == 0);
  const char *topic = "x";
  CHECK(uvk_client_metadata(f.client, &topic, 1, on_metadata, &m) == UVK_ECLOSED);
}

TEST_CASE("client: embedded in a loop that runs the test's own timers", "[integration]") {
  Fixture f(env("UVK_TEST_BROKERS"));
  Result c;
  REQUIRE(uvk_client_connect(f.client, on_client, &c) == 0);
  run_until(&f.loop, &c.done);
  CHECK(c.code == 0);
  for (int i = 0; i < 3; i++) CHECK(f.metadata({}, true).code == 0);
  // The test's own repeating timer shares the loop with the client's sockets and timers, and
  // calls into the client from its callback: the request it makes there completes.
  struct Ticks {
    uvk_client *client = nullptr;
    int n = 0;
    int rc = 1;
    Result m;
  } ticks;
  ticks.client = f.client;
  uv_timer_t timer;
  REQUIRE(uv_timer_init(&f.loop, &timer) == 0);
  timer.data = &ticks;
  REQUIRE(uv_timer_start(&timer, [](uv_timer_t *t) {
    Ticks *k = static_cast<Ticks *>(t->data);
    if (k->n++ == 0) k->rc = uvk_client_metadata(k->client, nullptr, 0, on_metadata, &k->m);
  }, 1, 1) == 0);
  run_until(&f.loop, &ticks.m.done);
  CHECK(ticks.rc == 0);
  CHECK(ticks.m.code == 0);
  CHECK(int(ticks.m.broker_ids.size()) == nodes());
  uv_close(reinterpret_cast<uv_handle_t *>(&timer), nullptr);
}

TEST_CASE("client: a broker killed and restarted", "[integration3]") {
  REQUIRE(nodes() == 3);
  std::string cluster = env("UVK_TEST_CLUSTER_SH");
  REQUIRE_FALSE(cluster.empty());
  Fixture f(env("UVK_TEST_BROKERS"));
  REQUIRE(f.metadata({}, true).broker_ids.size() == 3);
  std::string out;
  int rc = cluster_ctl("kill 2", out);
  INFO("cluster.sh kill 2: " << out);
  REQUIRE(rc == 0);
  // The cluster notices (session timeout); ask until it reports two brokers (bounded).
  size_t seen = 3;
  for (int attempt = 0; attempt < 600 && seen != 2; attempt++) {
    f.pause(100);
    Result m = f.metadata({}, true);
    if (m.code == 0) seen = m.broker_ids.size();
  }
  CHECK(seen == 2);
  rc = cluster_ctl("start 2", out);
  INFO("cluster.sh start 2: " << out);
  REQUIRE(rc == 0);
  for (int attempt = 0; attempt < 600 && seen != 3; attempt++) {
    f.pause(100);
    Result m = f.metadata({}, true);
    if (m.code == 0) seen = m.broker_ids.size();
  }
  CHECK(seen == 3);
}

namespace {

struct EventLog {
  int connects = 0, requests = 0, metadata_requests = 0, bad = 0;
};

void on_event(void *ud, const uvk_event *ev) {
  EventLog *l = static_cast<EventLog *>(ud);
  if (ev->type == UVK_EVENT_CONNECT) {
    l->connects++;
    const uvk_event_connection *c = static_cast<const uvk_event_connection *>(ev->payload);
    if (!c || !c->broker || !strchr(c->broker, ':')) l->bad++;
  } else if (ev->type == UVK_EVENT_REQUEST) {
    l->requests++;
    const uvk_event_request *r = static_cast<const uvk_event_request *>(ev->payload);
    if (!r || r->size <= 0 || r->duration < 0 || r->pending_duration < 0 || r->sent_at < r->created_at ||
        strcmp(r->client_id, "uvk-integration") != 0 || strcmp(ev->name, "request") != 0)
      l->bad++;
    if (r && r->api_key == 3) {
      l->metadata_requests++;
      if (strcmp(r->api_name, "Metadata") != 0 || r->api_version < 0) l->bad++;
    }
  }
}

struct BrokersCb {
  int calls = 0;
  std::string list;
};

int supply_brokers(void *ud, uvk_brokers *out) {
  BrokersCb *b = static_cast<BrokersCb *>(ud);
  b->calls++;
  size_t start = 0;
  while (start < b->list.size()) {
    size_t comma = b->list.find(',', start);
    if (comma == std::string::npos) comma = b->list.size();
    int rc = uvk_brokers_add(out, b->list.substr(start, comma - start).c_str());
    if (rc != 0) return rc;
    start = comma + 1;
  }
  return 0;
}

struct LogCount {
  int connection_errors = 0;
};

void count_log(void *ud, const char *ns, int level, const char *, const char *, const char *message,
               const char *const *, size_t) {
  if (strcmp(ns, "Connection") == 0 && level == UVK_LOG_ERROR && strstr(message, "Connection error"))
    static_cast<LogCount *>(ud)->connection_errors++;
}

}  // namespace

TEST_CASE("client: instrumentation events from the real cluster; off stops them", "[integration]") {
  Fixture f(env("UVK_TEST_BROKERS"));
  EventLog log;
  int64_t id = uvk_client_on(f.client, UVK_EVENT_CONNECT, on_event, &log);
  REQUIRE(id > 0);
  int64_t rid = uvk_client_on(f.client, UVK_EVENT_REQUEST, on_event, &log);
  REQUIRE(rid > 0);
  CHECK(uvk_client_on(f.client, 999, on_event, &log) == UVK_EINVAL);
  CHECK(uvk_client_on(f.client, UVK_EVENT_REQUEST, nullptr, &log) == UVK_EINVAL);
  REQUIRE(f.metadata({}, true).code == 0);
  CHECK(log.connects >= 1);
  CHECK(log.requests >= 2);  // ApiVersions and Metadata at least
  CHECK(log.metadata_requests == 1);
  CHECK(log.bad == 0);
  REQUIRE(uvk_client_off(f.client, rid) == 0);
  CHECK(uvk_client_off(f.client, rid) == UVK_ENOTFOUND);
  int before = log.requests;
  REQUIRE(f.metadata({}, true).code == 0);
  CHECK(log.requests == before);
}

TEST_CASE("client: the brokers callback is asked on every connect", "[integration]") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  BrokersCb cb;
  cb.list = env("UVK_TEST_BROKERS");
  REQUIRE_FALSE(cb.list.empty());
  uvk_config *cfg = uvk_config_new();
  REQUIRE(uvk_config_set_brokers_cb(cfg, supply_brokers, &cb) == 0);
  char err[256];
  REQUIRE(uvk_config_set(cfg, "logLevel", "NOTHING", err, sizeof err) == 0);
  uvk_client *client = nullptr;
  REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
  uvk_config_free(cfg);
  int calls_at_new = cb.calls;
  for (int round = 1; round <= 2; round++) {
    Result c;
    REQUIRE(uvk_client_connect(client, on_client, &c) == 0);
    run_until(&loop, &c.done);
    CHECK(c.code == 0);
    CHECK(cb.calls == calls_at_new + round);
  }
  cb.list = "";  // no brokers: the connect call itself fails
  Result none;
  CHECK(uvk_client_connect(client, on_client, &none) == UVK_EINVAL);
  CHECK_FALSE(none.done);
  Result d;
  REQUIRE(uvk_client_disconnect(client, on_client, &d) == 0);
  run_until(&loop, &d.done);
  uvk_client_free(client);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("client: connection errors reach a custom logger", "[integration]") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  LogCount logs;
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "brokers", "127.0.0.1:1", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "logLevel", "ERROR", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "retry.retries", "2", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "retry.initialRetryTime", "20", err, sizeof err) == 0);
  REQUIRE(uvk_config_set_logger(cfg, count_log, &logs) == 0);
  uvk_client *client = nullptr;
  REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
  uvk_config_free(cfg);
  Result c;
  REQUIRE(uvk_client_connect(client, on_client, &c) == 0);
  run_until(&loop, &c.done);
  CHECK(c.code == UVK_ERETRIES);
  CHECK(logs.connection_errors == 3);  // the first attempt and two retries
  uvk_client_free(client);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}

namespace {

// A socket hook as an application would write one: plain libuv TCP, counted.
struct Hook {
  int opens = 0, releases = 0;
  bool refuse = false;       // open returns an error
  bool fail_inside = false;  // calls ready(error) from inside open (against the contract)
};

struct HookSocket {
  uv_tcp_t tcp;  // first: release() gets &tcp back
  uv_connect_t req;
  uvk_socket_ready_fn ready;
  void *token;
};

int hook_open(void *ud, void *loop, const char *host, uint16_t port, int tls, uvk_socket_ready_fn ready,
              void *token) {
  Hook *h = static_cast<Hook *>(ud);
  h->opens++;
  if (tls != 0 || h->refuse) return -1;
  if (h->fail_inside) {
    ready(token, -1, nullptr);
    return 0;
  }
  sockaddr_in addr;
  if (uv_ip4_addr(host, port, &addr) != 0) return -1;
  HookSocket *s = new HookSocket();
  s->ready = ready;
  s->token = token;
  uv_tcp_init(static_cast<uv_loop_t *>(loop), &s->tcp);
  s->tcp.data = s;
  s->req.data = s;
  int rc = uv_tcp_connect(&s->req, &s->tcp, reinterpret_cast<const sockaddr *>(&addr), [](uv_connect_t *req, int status) {
    HookSocket *hs = static_cast<HookSocket *>(req->data);
    if (status < 0) {
      hs->ready(hs->token, status, nullptr);
      uv_close(reinterpret_cast<uv_handle_t *>(&hs->tcp), [](uv_handle_t *t) { delete static_cast<HookSocket *>(t->data); });
      return;
    }
    hs->ready(hs->token, 0, &hs->tcp);
  });
  if (rc != 0) {
    uv_close(reinterpret_cast<uv_handle_t *>(&s->tcp), [](uv_handle_t *t) { delete static_cast<HookSocket *>(t->data); });
    return -1;
  }
  return 0;
}

void hook_release(void *ud, void *stream) {
  static_cast<Hook *>(ud)->releases++;
  delete reinterpret_cast<HookSocket *>(stream);
}

int hooked_connect(Hook *hook, const std::string &brokers) {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "brokers", brokers.c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "logLevel", "NOTHING", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "retry.retries", "1", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "retry.initialRetryTime", "20", err, sizeof err) == 0);
  REQUIRE(uvk_config_set_socket_factory(cfg, hook_open, hook_release, hook) == 0);
  uvk_client *client = nullptr;
  REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
  uvk_config_free(cfg);
  Result c;
  REQUIRE(uvk_client_connect(client, on_client, &c) == 0);
  run_until(&loop, &c.done);
  if (c.code == 0) {
    Result m;
    REQUIRE(uvk_client_metadata(client, nullptr, 0, on_metadata, &m) == 0);
    run_until(&loop, &m.done);
    CHECK(m.code == 0);
    CHECK(int(m.broker_ids.size()) == nodes());
  }
  Result d;
  REQUIRE(uvk_client_disconnect(client, on_client, &d) == 0);
  run_until(&loop, &d.done);
  uvk_client_free(client);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
  return c.code;
}

}  // namespace

TEST_CASE("client: the socket hook carries the connections", "[integration]") {
  Hook hook;
  CHECK(hooked_connect(&hook, env("UVK_TEST_BROKERS")) == 0);
  CHECK(hook.opens >= 1);
  CHECK(hook.releases == hook.opens);  // every stream handed back after closing
}

TEST_CASE("client: a socket hook that refuses fails the connect cleanly", "[integration]") {
  Hook refusing;
  refusing.refuse = true;
  CHECK(hooked_connect(&refusing, env("UVK_TEST_BROKERS")) == UVK_ERETRIES);
  CHECK(refusing.opens == 2);  // the first attempt and one retry
  CHECK(refusing.releases == 0);
  Hook early;
  early.fail_inside = true;
  CHECK(hooked_connect(&early, env("UVK_TEST_BROKERS")) == UVK_ERETRIES);
  CHECK(early.opens == 2);
}

namespace {

// Counts live blocks: every allocation of the client must come through here and be freed.
struct Heap {
  long live = 0, total = 0;
};
void *heap_malloc(void *ud, size_t n) {
  Heap *h = static_cast<Heap *>(ud);
  void *p = malloc(n);
  if (p) h->live++, h->total++;
  return p;
}
void *heap_realloc(void *ud, void *p, size_t n) {
  Heap *h = static_cast<Heap *>(ud);
  void *q = realloc(p, n);
  if (q && !p) h->live++, h->total++;
  return q;
}
void heap_free(void *ud, void *p) {
  if (p) static_cast<Heap *>(ud)->live--;
  free(p);
}

}  // namespace

TEST_CASE("client: every allocation goes through the allocator hook and is freed", "[integration]") {
  Heap heap;
  {
    uv_loop_t loop;
    REQUIRE(uv_loop_init(&loop) == 0);
    uvk_config *cfg = uvk_config_new();
    char err[256];
    REQUIRE(uvk_config_set(cfg, "brokers", env("UVK_TEST_BROKERS").c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "logLevel", "NOTHING", err, sizeof err) == 0);
    REQUIRE(uvk_config_set_allocator(cfg, heap_malloc, heap_realloc, heap_free, &heap) == 0);
    uvk_client *client = nullptr;
    REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
    uvk_config_free(cfg);
    std::string topic = "uvk-int-alloc-" + std::to_string(uv_hrtime());
    Result m;
    const char *topics[] = {topic.c_str()};
    REQUIRE(uvk_client_metadata(client, topics, 1, on_metadata, &m) == 0);
    run_until(&loop, &m.done);
    CHECK(m.code == 0);
    Result d;
    REQUIRE(uvk_client_disconnect(client, on_client, &d) == 0);
    run_until(&loop, &d.done);
    CHECK(heap.live > 0);  // the client itself is still there
    uvk_client_free(client);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
  }
  CHECK(heap.total > 10);
  CHECK(heap.live == 0);
}
