// The client against the real brokers through the TCP fault proxy (test/lib/fault_proxy.*).
// The socket hook (uvk_config_set_socket_factory) routes every broker connection, the
// bootstrap address and every address metadata advertises, through a FaultProxy of its own
// (one per host:port, started on first use, on the test's loop). Each case produces N
// messages (idempotent, acks -1) with a fault on the wire, reads them back through the same
// proxies and checks: every delivery report succeeded, every message read exactly once, in
// the order sent within each partition. Needs UVK_TEST_BROKERS (test/kafka/cluster.sh up).
#include <catch2/catch.hpp>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include <algorithm>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "fault_proxy.h"
#include "proxy_hook.h"
#include "uvkafka/uvkafka.h"

namespace {

using uvk_test::FaultConfig;
using uvk_test::FaultProxy;

std::string env(const char *name) {
  const char *v = getenv(name);
  return v ? v : "";
}

std::string uniq(const std::string &prefix) { return prefix + "-" + std::to_string(uv_hrtime()); }

// The client's last log lines, printed when a case fails: a fault that wedges the client
// must say what it was doing.
std::deque<std::string> g_log;

void ring_log(void *, const char *ns, int, const char *label, const char *ts, const char *msg,
              const char *const *extra, size_t n_extra) {
  std::string line = std::string(ts) + " " + label + " [" + ns + "] " + msg;
  for (size_t i = 0; i < n_extra; i++) line += std::string(" ") + extra[2 * i] + "=" + extra[2 * i + 1];
  g_log.push_back(std::move(line));
  if (g_log.size() > 300) g_log.pop_front();
}

void dump_log() {
  fprintf(stderr, "---- last %zu client log lines ----\n", g_log.size());
  for (const std::string &l : g_log) fprintf(stderr, "%s\n", l.c_str());
  fprintf(stderr, "---- end of client log ----\n");
}

// ---- the proxies and the socket hook (proxy_hook.h) -----------------------------------------

using uvk_test::Proxies;
using uvk_test::hook_open;
using uvk_test::hook_release;

// ---- the rig: a client whose every connection goes through the proxies --------------------

struct Options {
  FaultConfig produce_fault, consume_fault;
  int n = 3000;
  size_t value_pad = 20;        // bytes of padding per value (bigger responses)
  const char *request_timeout = "10000";
  const char *max_bytes = nullptr;  // consumer maxBytes / maxBytesPerPartition, when set
  const char *batch_size = nullptr;
  int reset_all_after_reports = -1;    // reset every proxy connection at this delivery report
  bool reset_all_mid_consume = false;  // ... and once a third has been read back
  int slow_after_reports = -1;  // hold every response from this report on until a request times out
  bool blackhole_until_timeout = false;  // lift the blackhole at the client's first request timeout
  size_t faulty_opens = 0;      // when set, only the first connections carry the produce fault
  const char *brokers_env = "UVK_TEST_BROKERS";  // the listener the client under test uses
  std::vector<std::pair<std::string, std::string>> extra;  // more client config (ssl, sasl)
};

struct Rig {
  uv_loop_t loop;
  Proxies proxies;
  uvk_client *client = nullptr;
  uv_timer_t deadline;
  bool expired = false;
  const Options *opt;
  // Events seen on the client.
  int request_timeouts = 0, produce_timeouts = 0, connects = 0;
  int32_t max_fetch_response = 0;
  bool lift_on_timeout = false;
  int lifted = 0;

  explicit Rig(const Options &o) : opt(&o) {
    INFO(o.brokers_env << " must point at the test cluster (test/kafka/cluster.sh up)");
    REQUIRE_FALSE(env("UVK_TEST_BROKERS").empty());
    REQUIRE_FALSE(env(o.brokers_env).empty());
    REQUIRE(uv_loop_init(&loop) == 0);
    REQUIRE(uv_timer_init(&loop, &deadline) == 0);
    deadline.data = this;
    uv_unref(reinterpret_cast<uv_handle_t *>(&deadline));
    proxies.loop = &loop;
    g_log.clear();
    uvk_config *cfg = uvk_config_new();
    char err[256];
    REQUIRE(uvk_config_set(cfg, "brokers", env(o.brokers_env).c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "clientId", "uvk-proxy-it", err, sizeof err) == 0);
    for (const auto &kv : o.extra) {
      INFO(kv.first << ": " << err);
      REQUIRE(uvk_config_set(cfg, kv.first.c_str(), kv.second.c_str(), err, sizeof err) == 0);
    }
    REQUIRE(uvk_config_set(cfg, "logLevel", "DEBUG", err, sizeof err) == 0);
    REQUIRE(uvk_config_set_logger(cfg, ring_log, nullptr) == 0);
    REQUIRE(uvk_config_set(cfg, "retry.initialRetryTime", "100", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "retry.retries", "10", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "requestTimeout", o.request_timeout, err, sizeof err) == 0);
    REQUIRE(uvk_config_set_socket_factory(cfg, hook_open, hook_release, &proxies) == 0);
    REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
    uvk_config_free(cfg);
    REQUIRE(uvk_client_on(client, UVK_EVENT_REQUEST_TIMEOUT, [](void *ud, const uvk_event *ev) {
      Rig *r = static_cast<Rig *>(ud);
      const uvk_event_request *q = static_cast<const uvk_event_request *>(ev->payload);
      r->request_timeouts++;
      if (q->api_name && strcmp(q->api_name, "Produce") == 0) r->produce_timeouts++;
      if (r->lift_on_timeout) {
        // The client gave up on a connection that never answered: new ones get through.
        r->lift_on_timeout = false;
        r->lifted++;
        r->proxies.set(FaultConfig());
      }
    }, this) > 0);
    REQUIRE(uvk_client_on(client, UVK_EVENT_CONNECT, [](void *ud, const uvk_event *) {
      static_cast<Rig *>(ud)->connects++;
    }, this) > 0);
    REQUIRE(uvk_client_on(client, UVK_EVENT_REQUEST, [](void *ud, const uvk_event *ev) {
      Rig *r = static_cast<Rig *>(ud);
      const uvk_event_request *q = static_cast<const uvk_event_request *>(ev->payload);
      if (q->api_name && strcmp(q->api_name, "Fetch") == 0) r->max_fetch_response = std::max(r->max_fetch_response, q->size);
    }, this) > 0);
  }

  // A safety net for one phase, not a timing assertion: a wedged client fails the case (with
  // its log) instead of hanging the binary.
  void arm(uint64_t ms) {
    expired = false;
    uv_timer_start(&deadline, [](uv_timer_t *t) {
      Rig *r = static_cast<Rig *>(t->data);
      r->expired = true;
      uv_stop(&r->loop);
    }, ms, 0);
  }
  // Runs the loop until a callback calls uv_stop.
  void turn() {
    int alive = uv_run(&loop, UV_RUN_DEFAULT);
    if (expired) {
      dump_log();
      FAIL("the phase did not finish within its safety deadline (client log above)");
    }
    if (!alive) FAIL("the loop ran out of work");
  }

  ~Rig() {
    uv_timer_stop(&deadline);
    bool done = false;
    CHECK(uvk_client_disconnect(client, [](uvk_client *c, const uvk_error *, void *ud) {
      *static_cast<bool *>(ud) = true;
      uv_stop(static_cast<uv_loop_t *>(uvk_client_loop(c)));
    }, &done) == 0);
    arm(30000);
    while (!done && !expired && uv_run(&loop, UV_RUN_DEFAULT)) {
    }
    CHECK(done);
    uvk_client_free(client);
    proxies.stop();
    uv_close(reinterpret_cast<uv_handle_t *>(&deadline), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
  }
};

// The topic is made by a client of its own that talks to the brokers directly: the cases are
// about produce and consume through the faults, not about the set-up.
void create_topic(const std::string &topic, int32_t partitions) {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "brokers", env("UVK_TEST_BROKERS").c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "logLevel", "NOTHING", err, sizeof err) == 0);
  uvk_client *client = nullptr;
  REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
  uvk_admin *admin = nullptr;
  REQUIRE(uvk_admin_new(client, nullptr, &admin) == 0);
  uvk_config_free(cfg);
  uvk_admin_new_topic t;
  uvk_admin_new_topic_init(&t, topic.c_str());
  t.num_partitions = partitions;
  struct R {
    bool done = false;
    int code = 1;
    uv_loop_t *loop;
  } r;
  r.loop = &loop;
  REQUIRE(uvk_admin_create_topics(admin, &t, 1, nullptr, [](uvk_admin *, const uvk_error *e, const uvk_admin_result *,
                                                             size_t, void *ud) {
    R *x = static_cast<R *>(ud);
    x->done = true;
    x->code = e ? uvk_error_code(e) : 0;
    uv_stop(x->loop);
  }, &r) == 0);
  while (!r.done) REQUIRE(uv_run(&loop, UV_RUN_DEFAULT) != 0);
  REQUIRE(r.code == 0);
  uvk_admin_free(admin);
  bool closed = false;
  REQUIRE(uvk_client_disconnect(client, [](uvk_client *c, const uvk_error *, void *ud) {
    *static_cast<bool *>(ud) = true;
    uv_stop(static_cast<uv_loop_t *>(uvk_client_loop(c)));
  }, &closed) == 0);
  while (!closed && uv_run(&loop, UV_RUN_DEFAULT)) {
  }
  uvk_client_free(client);
  uv_run(&loop, UV_RUN_DEFAULT);
  REQUIRE(uv_loop_close(&loop) == 0);
}

std::string key_of(int id) { return "k" + std::to_string(id % 13); }
std::string value_of(int id, size_t pad) { return std::to_string(id) + "-" + std::string(pad, 'p'); }

struct Produced {
  Rig *rig;
  uvk_producer *producer = nullptr;
  size_t unacked_at_reset = 0;  // bytes buffered when the proxies were reset
  int reports = 0, failed = 0, first_error = 0;
  int sends = 0;
};

// Produces ids [0, n) in sends of 250 (all queued at once), idempotent, acks -1.
void produce(Rig &rig, const std::string &topic, Produced *out) {
  const Options &o = *rig.opt;
  uvk_producer *p = nullptr;
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "idempotent", "true", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "linger", "5", err, sizeof err) == 0);
  if (o.batch_size) {
    // Small batches throughout: a seal would otherwise pack a backlog up to batchSizeMax.
    REQUIRE(uvk_config_set(cfg, "batchSize", o.batch_size, err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "batchSizeMax", o.batch_size, err, sizeof err) == 0);
  }
  REQUIRE(uvk_producer_new(rig.client, cfg, &p) == 0);
  uvk_config_free(cfg);
  uvk_send_options so;
  uvk_send_options_init(&so);
  so.acks = -1;
  out->rig = &rig;
  out->producer = p;
  const int per_send = 250;
  for (int from = 0; from < o.n; from += per_send) {
    int to = std::min(o.n, from + per_send);
    std::vector<std::string> keys, values;
    for (int i = from; i < to; i++) {
      keys.push_back(key_of(i));
      values.push_back(value_of(i, o.value_pad));
    }
    std::vector<uvk_message> msgs;
    for (size_t i = 0; i < keys.size(); i++)
      msgs.push_back(uvk_message{keys[i].data(), keys[i].size(), values[i].data(), values[i].size(), -1, -1,
                                 nullptr, 0});
    REQUIRE(uvk_producer_send(p, topic.c_str(), msgs.data(), msgs.size(), &so,
                              [](uvk_producer *, const uvk_error *e, const uvk_record_metadata *, size_t, void *ud) {
                                Produced *x = static_cast<Produced *>(ud);
                                x->reports++;
                                if (e) {
                                  x->failed++;
                                  if (!x->first_error) x->first_error = uvk_error_code(e);
                                }
                                if (x->reports == x->rig->opt->reset_all_after_reports) {
                                  // The later sends are queued or on the wire: what is not
                                  // acknowledged yet must survive the reset.
                                  x->unacked_at_reset = uvk_producer_buffered_bytes(x->producer);
                                  x->rig->proxies.reset_all();
                                }
                                if (x->reports == x->rig->opt->slow_after_reports) {
                                  // Requests on the wire now reach the broker (and are written)
                                  // but their answers come after requestTimeout: the client must
                                  // retry them without writing anything twice.
                                  x->unacked_at_reset = uvk_producer_buffered_bytes(x->producer);
                                  FaultConfig slow;
                                  slow.latency_ms = 3 * 1500;
                                  x->rig->proxies.set(slow);
                                  x->rig->lift_on_timeout = true;
                                }
                                uv_stop(&x->rig->loop);
                              }, out) == 0);
    out->sends++;
  }
  rig.arm(60000);
  while (out->reports < out->sends) rig.turn();
  uvk_producer_free(p);
}

struct Consumed {
  Rig *rig;
  std::vector<int> count;                     // per id
  std::map<int32_t, std::vector<int>> order;  // ids per partition, as read
  size_t total = 0, wrong_key = 0;
  bool reset_done = false, stopped = false;
  std::string crash;
};

void consume(Rig &rig, const std::string &topic, Consumed *out) {
  const Options &o = *rig.opt;
  out->rig = &rig;
  out->count.assign(size_t(o.n), 0);
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "groupId", uniq("uvk-it-proxy").c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "maxWaitTimeInMs", "200", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "heartbeatInterval", "500", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "sessionTimeout", "10000", err, sizeof err) == 0);
  if (o.max_bytes) {
    REQUIRE(uvk_config_set(cfg, "maxBytes", o.max_bytes, err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "maxBytesPerPartition", o.max_bytes, err, sizeof err) == 0);
  }
  uvk_consumer *c = nullptr;
  REQUIRE(uvk_consumer_new(rig.client, cfg, &c) == 0);
  uvk_config_free(cfg);
  REQUIRE(uvk_consumer_subscribe(c, topic.c_str(), 1) == 0);
  REQUIRE(uvk_consumer_on(c, UVK_EVENT_CRASH, [](void *ud, const uvk_event *ev) {
    Consumed *x = static_cast<Consumed *>(ud);
    const uvk_event_crash *cr = static_cast<const uvk_event_crash *>(ev->payload);
    if (cr->restart) return;
    char text[256];
    uvk_error_format(cr->error, text, sizeof text);
    x->crash = text;
    uv_stop(&x->rig->loop);
  }, out) > 0);
  uvk_run_options ro;
  uvk_run_options_init(&ro);
  ro.ud = out;
  ro.each_message = [](uvk_consumer *, const uvk_batch *b, const uvk_consumer_message *m, void *ud) -> int {
    Consumed *x = static_cast<Consumed *>(ud);
    std::string value(static_cast<const char *>(m->value), m->value_len);
    int id = atoi(value.c_str());
    if (id >= 0 && size_t(id) < x->count.size()) x->count[size_t(id)]++;
    if (std::string(static_cast<const char *>(m->key), m->key_len) != key_of(id)) x->wrong_key++;
    x->order[b->partition].push_back(id);
    x->total++;
    if (x->rig->opt->reset_all_mid_consume && !x->reset_done && x->total >= x->count.size() / 3) {
      x->reset_done = true;
      x->rig->proxies.reset_all();  // fetches (and the group's requests) on the wire die
    }
    uv_stop(&x->rig->loop);
    return 0;
  };
  REQUIRE(uvk_consumer_run(c, &ro) == 0);
  rig.arm(60000);
  while (out->total < size_t(o.n) && out->crash.empty()) rig.turn();
  INFO("consumer crash: " << out->crash);
  CHECK(out->crash.empty());
  REQUIRE(uvk_consumer_stop(c, [](uvk_consumer *, const uvk_error *, void *ud) {
    Consumed *x = static_cast<Consumed *>(ud);
    x->stopped = true;
    uv_stop(&x->rig->loop);
  }, out) == 0);
  rig.arm(30000);
  while (!out->stopped) rig.turn();
  uvk_consumer_free(c);
}

// Everything produced came back exactly once, in the order sent within each partition.
void check_complete(const Options &o, const Produced &p, const Consumed &c) {
  INFO("produce: " << p.reports << " reports, " << p.failed << " failed, first error " << p.first_error);
  CHECK(p.reports == p.sends);
  CHECK(p.failed == 0);
  int missing = 0, duplicated = 0;
  for (size_t i = 0; i < c.count.size(); i++) {
    if ((c.count[i] == 0 && missing++ == 0) || (c.count[i] > 1 && duplicated++ == 0))
      UNSCOPED_INFO("message " << i << " read " << c.count[i] << " times");
  }
  CHECK(c.total == size_t(o.n));
  CHECK(missing == 0);
  CHECK(duplicated == 0);
  CHECK(c.wrong_key == 0);
  int out_of_order = 0;
  for (const auto &kv : c.order)
    for (size_t i = 1; i < kv.second.size(); i++)
      if (kv.second[i] <= kv.second[i - 1] && out_of_order++ == 0)
        UNSCOPED_INFO("partition " << kv.first << ": " << kv.second[i] << " after " << kv.second[i - 1]);
  CHECK(out_of_order == 0);
}

int cluster_nodes() {
  std::string n = env("UVK_TEST_NODES");
  return n.empty() ? 1 : atoi(n.c_str());
}

// One case: a fresh topic (4 partitions), a fresh client behind fresh proxies.
struct Outcome {
  size_t accepted = 0, proxies = 0, b2c_writes = 0;
  uint64_t b2c_bytes = 0;
  int request_timeouts = 0, produce_timeouts = 0, connects = 0, lifted = 0;
  int32_t max_fetch_response = 0;
  size_t unacked_at_reset = 0;
};

Outcome run_case(const Options &o, const char *name) {
  std::string topic = uniq(std::string("uvk-it-proxy-") + name);
  create_topic(topic, 4);
  Outcome out;
  Produced p;
  Consumed c;
  {
    Rig rig(o);
    rig.proxies.set(o.produce_fault);
    rig.lift_on_timeout = o.blackhole_until_timeout;
    rig.proxies.clean_from_open = o.faulty_opens ? o.faulty_opens + 1 : 0;
    produce(rig, topic, &p);
    if (p.failed) {
      // check_complete fails the case; a read back could only wait for what is not there.
      dump_log();
      fprintf(stderr, "produce: %d of %d sends failed, first error %d\n", p.failed, p.sends, p.first_error);
      c.count.assign(size_t(o.n), 0);
      check_complete(o, p, c);
      return out;
    }
    // For the read back: the consume fault, on the connections open now and on later ones.
    rig.proxies.set(o.consume_fault);
    if (o.blackhole_until_timeout) {
      // Every connection from here on is a new one that is never answered until the
      // client times out on it.
      rig.lift_on_timeout = true;
      rig.proxies.reset_all();
    }
    consume(rig, topic, &c);
    out.accepted = rig.proxies.accepted();
    out.proxies = rig.proxies.list.size();
    out.b2c_writes = rig.proxies.b2c_writes();
    out.b2c_bytes = rig.proxies.b2c_bytes();
    out.request_timeouts = rig.request_timeouts;
    out.produce_timeouts = rig.produce_timeouts;
    out.connects = rig.connects;
    out.lifted = rig.lifted;
    out.max_fetch_response = rig.max_fetch_response;
    CHECK(rig.proxies.start_failures == 0);
  }
  check_complete(o, p, c);
  out.unacked_at_reset = p.unacked_at_reset;
  INFO("proxies " << out.proxies << ", connections through them " << out.accepted << ", broker->client writes "
                  << out.b2c_writes << " of " << out.b2c_bytes << " bytes");
  // Every broker was reached through its own proxy (4 partitions lead on every node); the
  // hook is the client's only way to a broker, so every byte it read came through them.
  CHECK(out.proxies == size_t(cluster_nodes()));
  CHECK(out.b2c_bytes > 0);
  return out;
}

}  // namespace

TEST_CASE("proxy: 50 ms added each way: nothing lost, duplicated or reordered", "[integration]") {
  Options o;
  o.produce_fault.latency_ms = o.consume_fault.latency_ms = 50;
  Outcome r = run_case(o, "latency");
  CHECK(r.request_timeouts == 0);
}

TEST_CASE("proxy: a 200 KB/s link: fetch responses arrive in many pieces, nothing lost", "[integration]") {
  Options o;
  o.value_pad = 100;  // ~300 KB to read back: over a second of link time
  o.produce_fault.bytes_per_sec = o.consume_fault.bytes_per_sec = 200000;
  Outcome r = run_case(o, "bandwidth");
  // A fetch response longer than one 1/20 s slice (10,000 bytes) cannot have come in one read.
  INFO("largest fetch response " << r.max_fetch_response << " bytes");
  CHECK(r.max_fetch_response > 10000);
  CHECK(r.b2c_writes >= r.b2c_bytes / 10000);
  CHECK(r.request_timeouts == 0);
}

TEST_CASE("proxy: connections reset mid-response and all at once with requests in flight", "[integration]") {
  Options o;
  // Every connection dies after 30,000 broker bytes, inside whatever response is passing.
  // Fetches are kept well under that (maxBytes 4 KiB, batches of 4 KiB) so each connection
  // still completes several of them before its reset.
  o.produce_fault.reset_after_bytes = o.consume_fault.reset_after_bytes = 30000;
  o.max_bytes = "4096";
  o.batch_size = "4096";
  o.value_pad = 60;
  o.reset_all_after_reports = 3;  // 12 sends; 9 queued or in flight then
  o.reset_all_mid_consume = true;
  Outcome r = run_case(o, "reset");
  INFO("connections through the proxies " << r.accepted << ", client connects " << r.connects);
  // The client came back after the resets: many more connections than brokers.
  CHECK(r.accepted > size_t(cluster_nodes()) + 2);
  CHECK(r.unacked_at_reset > 0);  // the reset of every connection caught sends unanswered
}

TEST_CASE("proxy: connections that accept but never answer until the client times out", "[integration]") {
  Options o;
  o.request_timeout = "1500";
  o.produce_fault.blackhole = true;  // from the first connection (bootstrap) on
  o.consume_fault.blackhole = true;  // and again for every connection of the read back
  o.blackhole_until_timeout = true;
  Outcome r = run_case(o, "blackhole");
  // Both blackholes ended the only way they could: the client timed out on them.
  CHECK(r.lifted == 2);
  CHECK(r.request_timeouts >= 2);
}

TEST_CASE("proxy: every broker byte in its own write", "[integration]") {
  Options o;
  o.n = 2000;
  o.value_pad = 4;
  o.produce_fault.one_byte_writes = o.consume_fault.one_byte_writes = true;
  Outcome r = run_case(o, "onebyte");
  CHECK(r.b2c_writes == r.b2c_bytes);
  CHECK(r.request_timeouts == 0);
}

TEST_CASE("proxy: the first connections reset inside their first response", "[integration]") {
  Options o;
  // 100 bytes is inside the ApiVersions answer, the first response on every connection.
  o.produce_fault.reset_after_bytes = 100;
  o.faulty_opens = 3;
  Outcome r = run_case(o, "reset-first");
  INFO("connections through the proxies " << r.accepted);
  CHECK(r.accepted > 3);
}

TEST_CASE("proxy: produce requests written by the broker but answered after requestTimeout", "[integration]") {
  Options o;
  o.request_timeout = "1500";
  o.batch_size = "4096";  // many requests, so several are on the wire at the third report
  o.value_pad = 60;
  o.slow_after_reports = 3;
  Outcome r = run_case(o, "late-answer");
  CHECK(r.lifted == 1);
  CHECK(r.produce_timeouts >= 1);  // a Produce on the wire timed out (and was retried)
  CHECK(r.unacked_at_reset > 0);
}

TEST_CASE("proxy: TLS and SCRAM: handshakes reset midway, then every byte in its own write", "[integration]") {
  Options o;
  o.brokers_env = "UVK_TEST_SASL_SSL_BROKERS";
  REQUIRE_FALSE(env("UVK_TEST_CA").empty());
  o.extra = {{"ssl", "true"},
             {"ssl.ca", env("UVK_TEST_CA")},
             {"sasl.mechanism", "scram-sha-256"},
             {"sasl.username", env("UVK_TEST_USER")},
             {"sasl.password", env("UVK_TEST_PASSWORD")}};
  // 1,500 bytes is inside the broker's first TLS flight (its certificate chain).
  o.produce_fault.reset_after_bytes = 1500;
  o.faulty_opens = 2;
  // The read back: every TLS record reaches the client one byte at a time.
  o.consume_fault.one_byte_writes = true;
  o.n = 2000;
  o.value_pad = 4;
  Outcome r = run_case(o, "tls");
  INFO("connections through the proxies " << r.accepted);
  CHECK(r.accepted > 2);
  CHECK(r.b2c_writes > 10000);  // the read back came one byte per write
}
