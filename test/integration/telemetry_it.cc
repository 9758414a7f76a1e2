// KIP-714 client telemetry against the real broker: the test cluster runs
// test/kafka/telemetry/UvkTelemetryPlugin.java on every broker, which decodes each push and
// appends one JSON line to node<N>/telemetry.jsonl in UVK_TEST_TELEMETRY_DIR. The test
// subscribes its own clients (a CLIENT_METRICS resource matching their client ids), makes a
// producer and a consumer with a 1 s push interval, and compares what the plugin got with the
// clients' own numbers at a moment after their traffic stopped.
#include <catch2/catch.hpp>

#include <glob.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "admin_rig.h"
#include "capi/client_internal.h"
#include "engine/engine.h"
#include "proto/gen/api_table.h"
#include "proto/gen/get_telemetry_subscriptions.h"
#include "uvkafka/uvkafka.h"

using namespace admin_it;

namespace {

// ---- a small JSON reader for the plugin's lines ------------------------------------------
struct Json {
  enum Kind { kNull, kBool, kNum, kStr, kArr, kObj } kind = kNull;
  bool b = false;
  double num = 0;
  std::string str;  // also the number's text
  std::vector<Json> arr;
  std::map<std::string, Json> obj;
  const Json &operator[](const std::string &k) const {
    static const Json none;
    auto it = obj.find(k);
    return it == obj.end() ? none : it->second;
  }
};

struct JsonParser {
  const std::string &s;
  size_t i = 0;
  bool ok = true;
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) i++;
  }
  std::string string() {
    std::string out;
    i++;  // "
    while (i < s.size() && s[i] != '"') {
      if (s[i] == '\\' && i + 1 < s.size()) {
        char e = s[++i];
        if (e == 'u' && i + 4 < s.size()) {
          out += char(std::stoi(s.substr(i + 1, 4), nullptr, 16));
          i += 4;
        } else {
          out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        }
        i++;
      } else {
        out += s[i++];
      }
    }
    if (i >= s.size()) ok = false;
    i++;
    return out;
  }
  Json value() {
    ws();
    Json v;
    if (i >= s.size()) {
      ok = false;
      return v;
    }
    char c = s[i];
    if (c == '{') {
      v.kind = Json::kObj;
      i++;
      ws();
      if (i < s.size() && s[i] == '}') {
        i++;
        return v;
      }
      while (ok && i < s.size()) {
        ws();
        std::string k = string();
        ws();
        if (i >= s.size() || s[i] != ':') { ok = false; break; }
        i++;
        v.obj[k] = value();
        ws();
        if (i < s.size() && s[i] == ',') { i++; continue; }
        if (i < s.size() && s[i] == '}') { i++; break; }
        ok = false;
      }
    } else if (c == '[') {
      v.kind = Json::kArr;
      i++;
      ws();
      if (i < s.size() && s[i] == ']') {
        i++;
        return v;
      }
      while (ok && i < s.size()) {
        v.arr.push_back(value());
        ws();
        if (i < s.size() && s[i] == ',') { i++; continue; }
        if (i < s.size() && s[i] == ']') { i++; break; }
        ok = false;
      }
    } else if (c == '"') {
      v.kind = Json::kStr;
      v.str = string();
    } else if (s.compare(i, 4, "true") == 0 || s.compare(i, 5, "false") == 0) {
      v.kind = Json::kBool;
      v.b = s[i] == 't';
      i += v.b ? 4 : 5;
    } else if (s.compare(i, 4, "null") == 0) {
      i += 4;
    } else {
      v.kind = Json::kNum;
      size_t start = i;
      while (i < s.size() && (isdigit(uint8_t(s[i])) || s[i] == '-' || s[i] == '+' || s[i] == '.' || s[i] == 'e' || s[i] == 'E')) i++;
      v.str = s.substr(start, i - start);
      if (v.str.empty()) ok = false;
      else v.num = std::stod(v.str);
    }
    return v;
  }
};

// ---- what the plugin got ------------------------------------------------------------------
struct Got {
  std::string client_id, instance;
  bool terminating = false;
  Json metrics;  // array of {name, unit, kind, temporality, monotonic, start_ns, time_ns, value, attrs}
};

std::vector<Got> received() {
  std::string dir = env("UVK_TEST_TELEMETRY_DIR");
  std::vector<Got> out;
  glob_t g;
  if (glob((dir + "/node*/telemetry.jsonl").c_str(), 0, nullptr, &g) != 0) return out;
  for (size_t k = 0; k < g.gl_pathc; k++) {
    std::ifstream in(g.gl_pathv[k]);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      JsonParser p{line};
      Json j = p.value();
      INFO(line);
      REQUIRE(p.ok);
      REQUIRE(j["error"].kind == Json::kNull);  // the plugin decoded the push
      out.push_back(Got{j["client_id"].str, j["client_instance_id"].str, j["terminating"].b, j["metrics"]});
    }
  }
  globfree(&g);
  return out;
}

std::vector<Got> of_client(const std::string &client_id) {
  std::vector<Got> out;
  for (Got &g : received())
    if (g.client_id == client_id) out.push_back(g);
  return out;
}

// The value of `name` after all of the client's pushes: sums add up under delta temporality
// (1), the latest counts under cumulative (2) and for gauges. -1 when never pushed.
double value_of(const std::vector<Got> &pushes, const std::string &name, uint64_t *latest_ns = nullptr) {
  double v = -1;
  for (const Got &g : pushes)
    for (const Json &m : g.metrics.arr) {
      if (m["name"].str != name) continue;
      bool delta = m["kind"].str == "sum" && m["temporality"].num == 1;
      v = delta ? (v < 0 ? 0 : v) + m["value"].num : m["value"].num;
      if (latest_ns) *latest_ns = uint64_t(m["time_ns"].num);
    }
  return v;
}

// ---- the clients --------------------------------------------------------------------------
struct Counted {
  int connects = 0;
  std::map<int, int> requests;  // api key -> requests answered
  std::map<int, std::pair<int64_t, int64_t>> written_to_answer;  // api key -> min, max ms
};

uvk_client *new_client(Rig &rig, const std::string &client_id, bool push, Counted *counted) {
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "brokers", env("UVK_TEST_BROKERS").c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "clientId", client_id.c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "logLevel", "NOTHING", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "enableMetricsPush", push ? "true" : "false", err, sizeof err) == 0);
  uvk_client *c = nullptr;
  REQUIRE(uvk_client_new(&rig.loop, cfg, &c) == 0);
  uvk_config_free(cfg);
  REQUIRE(uvk_client_on(c, UVK_EVENT_CONNECT, [](void *ud, const uvk_event *) { static_cast<Counted *>(ud)->connects++; },
                        counted) > 0);
  REQUIRE(uvk_client_on(c, UVK_EVENT_REQUEST, [](void *ud, const uvk_event *ev) {
    Counted *x = static_cast<Counted *>(ud);
    const uvk_event_request *r = static_cast<const uvk_event_request *>(ev->payload);
    x->requests[r->api_key]++;
    int64_t ms = r->duration - r->pending_duration;  // from the write to the response
    auto it = x->written_to_answer.find(r->api_key);
    if (it == x->written_to_answer.end()) x->written_to_answer[r->api_key] = {ms, ms};
    else it->second = {std::min(it->second.first, ms), std::max(it->second.second, ms)};
  }, counted) > 0);
  return c;
}

void disconnect(Rig &rig, uvk_client *c) {
  bool closed = false;
  REQUIRE(uvk_client_disconnect(c, [](uvk_client *, const uvk_error *, void *ud) { *static_cast<bool *>(ud) = true; wake(); },
                                &closed) == 0);
  run_until(&rig.loop, &closed);
  uvk_client_free(c);
}

void subscribe_clients(Rig &rig, const std::string &name, const std::string &match, const char *metrics) {
  std::string m = "client_id=" + match;
  uvk_admin_config_op ops[] = {{"metrics", metrics, UVK_CONFIG_SET},
                               {"interval.ms", "1000", UVK_CONFIG_SET},
                               {"match", m.c_str(), UVK_CONFIG_SET}};
  uvk_admin_config_change ch = {UVK_RESOURCE_CLIENT_METRICS, name.c_str(), ops, 3};
  Reply r;
  REQUIRE(uvk_admin_incremental_alter_configs(rig.admin, &ch, 1, 0, on_results, &r) == 0);
  rig.wait(r);
  INFO(r.message);
  REQUIRE(r.code == 0);
  REQUIRE(r.items.size() == 1);
  CHECK(r.items[0].error == 0);
}

void unsubscribe(Rig &rig, const std::string &name) {
  uvk_admin_config_op ops[] = {{"metrics", nullptr, UVK_CONFIG_DELETE},
                               {"interval.ms", nullptr, UVK_CONFIG_DELETE},
                               {"match", nullptr, UVK_CONFIG_DELETE}};
  uvk_admin_config_change ch = {UVK_RESOURCE_CLIENT_METRICS, name.c_str(), ops, 3};
  Reply r;
  REQUIRE(uvk_admin_incremental_alter_configs(rig.admin, &ch, 1, 0, on_results, &r) == 0);
  rig.wait(r);
  CHECK(r.code == 0);
}

// A new subscription reaches each broker through the cluster's metadata shortly after the
// controller took it, and a client that asks before gets an empty one with the default
// interval (5 minutes). So wait until every broker hands the subscription to a client whose
// id matches (GetTelemetrySubscriptions sent to each broker by hand, 100 ms apart).
void wait_subscribed(Rig &rig, const std::string &client_id) {
  Counted none;
  uvk_client *probe = new_client(rig, client_id, false, &none);
  struct Md {
    bool done = false;
    std::vector<int32_t> nodes;
  } md;
  REQUIRE(uvk_client_metadata(probe, nullptr, 0, [](uvk_client *, const uvk_error *e, const uvk_metadata *m, void *ud) {
    Md *x = static_cast<Md *>(ud);
    for (size_t b = 0; !e && m && b < uvk_metadata_broker_count(m); b++) x->nodes.push_back(uvk_metadata_broker_id(m, b));
    x->done = true;
    wake();
  }, &md) == 0);
  run_until(&rig.loop, &md.done);
  REQUIRE_FALSE(md.nodes.empty());
  struct Ask {
    uvk::Request req;
    bool done = false;
    int err = 1;
    int32_t metrics = -1;
  };
  for (int32_t node : md.nodes) {
    bool ok = false;
    for (int attempt = 0; attempt < 300 && !ok; attempt++) {
      if (attempt) rig.pause(100);
      Ask a;
      a.req.api_key = uvk::proto::kGetTelemetrySubscriptions;
      a.req.max_version = 0;
      a.req.ud = &a;
      a.req.encode = [](void *, uvk::Buf *out, int16_t v) {
        return uvk::proto::encode(out, uvk::proto::GetTelemetrySubscriptionsRequest(), v);
      };
      a.req.done = [](void *ud, int err, int16_t v, uvk::Reader *body, const uvk::Request *) {
        Ask *x = static_cast<Ask *>(ud);
        x->done = true;
        x->err = err;
        uvk::Arena arena;
        uvk::proto::GetTelemetrySubscriptionsResponse resp;
        if (err == 0) x->err = uvk::proto::decode(body, &arena, &resp, v);
        if (x->err == 0) x->metrics = resp.requested_metrics.count;
        uvk::arena_free(&arena);
        wake();
      };
      REQUIRE(uvk::engine_send(uvk::client_engine(probe), node, &a.req, uvk::client_now(probe)) == 0);
      run_until(&rig.loop, &a.done);
      REQUIRE(a.err == 0);
      ok = a.metrics > 0;
    }
    INFO("broker " << node << " never handed out the subscription");
    REQUIRE(ok);
  }
  disconnect(rig, probe);
}

void free_producer(Rig &rig, uvk_producer *p) {
  bool closed = false;
  REQUIRE(uvk_producer_disconnect(p, [](uvk_producer *, const uvk_error *, void *ud) { *static_cast<bool *>(ud) = true; wake(); },
                                  &closed) == 0);
  run_until(&rig.loop, &closed);
  uvk_producer_free(p);
}

// Sends n messages and waits for their acknowledgement; the producer stays when `keep` is
// given (the statistics count a producer's messages while it lives).
int produce_on(Rig &rig, uvk_client *c, const std::string &topic, int n, uvk_producer **keep = nullptr) {
  uvk_producer *p = nullptr;
  REQUIRE(uvk_producer_new(c, nullptr, &p) == 0);
  bool connected = false;
  REQUIRE(uvk_producer_connect(p, [](uvk_producer *, const uvk_error *, void *ud) { *static_cast<bool *>(ud) = true; wake(); },
                               &connected) == 0);
  run_until(&rig.loop, &connected);
  std::vector<std::string> values;
  for (int i = 0; i < n; i++) values.push_back("v" + std::to_string(i));
  std::vector<uvk_message> msgs;
  for (int i = 0; i < n; i++) msgs.push_back(uvk_message{nullptr, 0, values[size_t(i)].data(), values[size_t(i)].size(), -1, -1, nullptr, 0});
  struct S {
    bool done = false;
    int code = 1;
  } s;
  uvk_send_options so;
  uvk_send_options_init(&so);
  REQUIRE(uvk_producer_send(p, topic.c_str(), msgs.data(), msgs.size(), &so,
                            [](uvk_producer *, const uvk_error *e, const uvk_record_metadata *, size_t, void *ud) {
                              static_cast<S *>(ud)->done = true;
                              static_cast<S *>(ud)->code = e ? uvk_error_code(e) : 0;
                              wake();
                            }, &s) == 0);
  run_until(&rig.loop, &s.done);
  REQUIRE(s.code == 0);
  if (keep) *keep = p;
  else free_producer(rig, p);
  return n;
}

struct Consumed {
  int n = 0, want = 0;
};

uvk_consumer *consume_on(Rig &rig, uvk_client *c, const std::string &topic, Consumed *got) {
  uvk_config *cfg = uvk_config_new();
  char err[256];
  std::string group = topic + "-g";
  REQUIRE(uvk_config_set(cfg, "groupId", group.c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "maxWaitTimeInMs", "200", err, sizeof err) == 0);
  uvk_consumer *k = nullptr;
  REQUIRE(uvk_consumer_new(c, cfg, &k) == 0);
  uvk_config_free(cfg);
  REQUIRE(uvk_consumer_subscribe(k, topic.c_str(), 1) == 0);
  uvk_run_options o;
  uvk_run_options_init(&o);
  o.each_message = [](uvk_consumer *, const uvk_batch *, const uvk_consumer_message *, void *ud) {
    Consumed *x = static_cast<Consumed *>(ud);
    if (++x->n >= x->want) wake();
    return 0;
  };
  o.ud = got;
  REQUIRE(uvk_consumer_run(k, &o) == 0);
  while (got->n < got->want) {
    int alive = uv_run(&rig.loop, UV_RUN_DEFAULT);
    REQUIRE((alive || got->n >= got->want));
  }
  return k;
}

void stop_consumer(Rig &rig, uvk_consumer *k) {
  bool closed = false;
  REQUIRE(uvk_consumer_disconnect(k, [](uvk_consumer *, const uvk_error *, void *ud) { *static_cast<bool *>(ud) = true; wake(); },
                                  &closed) == 0);
  run_until(&rig.loop, &closed);
  uvk_consumer_free(k);
}

uvk_client_stats stats_of(uvk_client *c) {
  uvk_client_stats st;
  memset(&st, 0, sizeof st);
  st.struct_size = sizeof st;
  REQUIRE(uvk_client_get_stats(c, &st) == 0);
  return st;
}

// Waits (polling the plugin's files, 100 ms apart, at most 30 s) until check() holds.
template <typename F>
bool wait_for(Rig &rig, F check) {
  for (int k = 0; k < 300; k++) {
    if (check()) return true;
    rig.pause(100);
  }
  return check();
}

int64_t wall_ms() {
  uv_timeval64_t tv;
  uv_gettimeofday(&tv);
  return int64_t(tv.tv_sec) * 1000 + tv.tv_usec / 1000;
}

std::set<std::string> names_of(const std::vector<Got> &pushes) {
  std::set<std::string> out;
  for (const Got &g : pushes)
    for (const Json &m : g.metrics.arr) out.insert(m["name"].str);
  return out;
}

}  // namespace

TEST_CASE("telemetry: the broker's plugin gets the producer's and the consumer's metrics, as the clients count them",
          "[integration]") {
  INFO("UVK_TEST_TELEMETRY_DIR must name the cluster directory (test/kafka/cluster.sh exports it)");
  REQUIRE_FALSE(env("UVK_TEST_TELEMETRY_DIR").empty());
  Rig rig;
  std::string tag = uniq("uvk-tel");
  subscribe_clients(rig, tag, tag + "-.*", "org.apache.kafka.producer.,org.apache.kafka.consumer.");
  wait_subscribed(rig, tag + "-probe");
  REQUIRE(create_topic(rig, tag, 1).code == 0);

  Counted pc, cc;
  uvk_client *producer = new_client(rig, tag + "-p", true, &pc);
  uvk_client *consumer = new_client(rig, tag + "-c", true, &cc);
  const int n = 20;
  uvk_producer *prod = nullptr;
  produce_on(rig, producer, tag, n, &prod);
  Consumed got;
  got.want = n;
  uvk_consumer *k = consume_on(rig, consumer, tag, &got);
  CHECK(got.n == n);

  // Traffic has stopped: the clients' own statistics now, and the moment they were taken.
  uvk_client_stats ps = stats_of(producer), cs = stats_of(consumer);
  int64_t at_ns = wall_ms() * 1000000;
  CHECK(ps.txmsgs == n);
  CHECK(cs.rxmsgs == n);
  // A push built after that moment carries the same numbers: what does not move without
  // traffic is equal, what the pushes and long polls themselves move lies between the
  // statistics then and the statistics once that push arrived.
  uint64_t p_latest = 0, c_latest = 0;
  REQUIRE(wait_for(rig, [&] {
    value_of(of_client(tag + "-p"), "org.apache.kafka.producer.record.send.total", &p_latest);
    value_of(of_client(tag + "-c"), "org.apache.kafka.consumer.fetch.manager.records.consumed.total", &c_latest);
    return p_latest >= uint64_t(at_ns) && c_latest >= uint64_t(at_ns);
  }));
  std::vector<Got> pp = of_client(tag + "-p"), cp = of_client(tag + "-c");
  uvk_client_stats ps2 = stats_of(producer), cs2 = stats_of(consumer);
  const char *P = "org.apache.kafka.producer.", *C = "org.apache.kafka.consumer.";
  auto pv = [&](const char *suffix) { return value_of(pp, std::string(P) + suffix); };
  auto cv = [&](const char *suffix) { return value_of(cp, std::string(C) + suffix); };
  CHECK(pv("record.send.total") == double(ps.txmsgs));
  CHECK(pv("connection.creation.total") == double(ps.connects));
  CHECK(ps2.connects == ps.connects);
  CHECK(cv("fetch.manager.records.consumed.total") == double(cs.rxmsgs));
  CHECK(cv("fetch.manager.bytes.consumed.total") == double(cs.rxmsg_bytes));
  CHECK(cv("coordinator.assigned.partitions") == double(cs.assignment_size));
  CHECK(cs.assignment_size == 1);
  CHECK(cv("coordinator.rebalance.total") == double(cs.rebalance_cnt));
  CHECK(cv("connection.creation.total") == double(cs.connects));
  CHECK(pc.connects == ps.connects);  // and the statistics agree with the connect events
  struct Moving {
    const char *suffix;
    int64_t then, later;
  };
  for (const Moving &m : {Moving{"request.total", ps.tx, ps2.tx}, Moving{"response.total", ps.rx, ps2.rx},
                          Moving{"outgoing.byte.total", ps.tx_bytes, ps2.tx_bytes},
                          Moving{"incoming.byte.total", ps.rx_bytes, ps2.rx_bytes}}) {
    INFO("producer " << m.suffix);
    CHECK(pv(m.suffix) >= double(m.then));
    CHECK(pv(m.suffix) <= double(m.later));
  }
  for (const Moving &m : {Moving{"request.total", cs.tx, cs2.tx}, Moving{"response.total", cs.rx, cs2.rx}}) {
    INFO("consumer " << m.suffix);
    CHECK(cv(m.suffix) >= double(m.then));
    CHECK(cv(m.suffix) <= double(m.later));
  }
  // Per broker latency: node.id set, values within what the client's request events measured.
  int per_node = 0;
  for (const Got &g : pp)
    for (const Json &m : g.metrics.arr) {
      if (m["name"].str.find("node.request.latency") == std::string::npos) continue;
      per_node++;
      CHECK(m["attrs"]["node.id"].kind == Json::kNum);
      int64_t lo = INT64_MAX, hi = -1;
      for (const auto &kv : pc.written_to_answer) {
        lo = std::min(lo, kv.second.first);
        hi = std::max(hi, kv.second.second);
      }
      CHECK(m["value"].num >= double(lo));
      CHECK(m["value"].num <= double(hi));
    }
  CHECK(per_node >= 2);
  // Each client pushes only its own kind's names, under one instance id of its own.
  for (const std::string &name : names_of(pp)) CHECK(name.rfind("org.apache.kafka.producer.", 0) == 0);
  for (const std::string &name : names_of(cp)) CHECK(name.rfind("org.apache.kafka.consumer.", 0) == 0);
  std::set<std::string> p_ids, c_ids;
  for (const Got &g : pp) p_ids.insert(g.instance);
  for (const Got &g : cp) c_ids.insert(g.instance);
  CHECK(p_ids.size() == 1);
  CHECK(c_ids.size() == 1);
  CHECK(*p_ids.begin() != *c_ids.begin());
  CHECK(pc.requests[71] >= 1);  // GetTelemetrySubscriptions
  // Fetch and OffsetCommit latency: each push's window lies within what the client's own
  // request events measured for those requests.
  int windows = 0;
  for (const Got &g : cp)
    for (const Json &m : g.metrics.arr) {
      const std::string &name = m["name"].str;
      int key = name.find(".fetch.latency.") != std::string::npos ? 1
                : name.find(".commit.latency.") != std::string::npos ? 8 : -1;
      if (key < 0) continue;
      INFO(name << " = " << m["value"].num);
      REQUIRE(cc.written_to_answer.count(key));
      CHECK(m["value"].num >= double(cc.written_to_answer[key].first));
      CHECK(m["value"].num <= double(cc.written_to_answer[key].second));
      CHECK(m["unit"].str == "ms");
      windows += key == 1;
    }
  CHECK(windows >= 2);  // the consumer fetched during at least one push window (avg and max)
  for (const Got &g : pp) CHECK_FALSE(g.terminating);

  // Disconnecting sends one terminating push each.
  stop_consumer(rig, k);
  free_producer(rig, prod);
  disconnect(rig, producer);
  disconnect(rig, consumer);
  auto terminated = [&](const std::string &id) {
    int t = 0;
    for (const Got &g : of_client(id)) t += g.terminating;
    return t;
  };
  REQUIRE(wait_for(rig, [&] { return terminated(tag + "-p") == 1 && terminated(tag + "-c") == 1; }));
  unsubscribe(rig, tag);
}

TEST_CASE("telemetry: enableMetricsPush false asks for no subscription and pushes nothing", "[integration]") {
  REQUIRE_FALSE(env("UVK_TEST_TELEMETRY_DIR").empty());
  Rig rig;
  std::string tag = uniq("uvk-tel-off");
  subscribe_clients(rig, tag, tag + "-.*", "*");
  wait_subscribed(rig, tag + "-probe");
  REQUIRE(create_topic(rig, tag, 1).code == 0);
  Counted on, off;
  uvk_client *c_on = new_client(rig, tag + "-on", true, &on);
  uvk_client *c_off = new_client(rig, tag + "-off", false, &off);
  produce_on(rig, c_off, tag, 5);
  produce_on(rig, c_on, tag, 5);
  // Two pushes of the client with telemetry on after the other one's traffic: the broker had
  // every chance to hear from the other by then.
  int64_t after_ns = wall_ms() * 1000000;
  REQUIRE(wait_for(rig, [&] {
    int later = 0;
    for (const Got &g : of_client(tag + "-on"))
      for (const Json &m : g.metrics.arr)
        if (m["time_ns"].num >= double(after_ns)) {
          later++;
          break;
        }
    return later >= 2;
  }));
  CHECK(of_client(tag + "-off").empty());
  CHECK(off.requests[71] == 0);  // GetTelemetrySubscriptions
  CHECK(off.requests[72] == 0);  // PushTelemetry
  CHECK(on.requests[71] >= 1);
  CHECK(on.requests[72] >= 1);  // the broker writes a push before it answers: the last answer may still be on its way
  disconnect(rig, c_off);
  disconnect(rig, c_on);
  unsubscribe(rig, tag);
}
