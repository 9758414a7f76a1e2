// Statistics (uvk_stats.h) against the fake brokers: every document matches
// test/stats/schema.json, and its numbers match the truth the test sees itself: txmsgs the
// messages acknowledged, rtt windows the request events' timings (exactly: both come from the
// same loop clock), consumer_lag the high watermark minus the committed offset.
#include <catch2/catch.hpp>

#include <stdio.h>
#include <string.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "consumer_rig.h"
#include "engine/stats_hist.h"
#include "fake_rig.h"
#include "json_check.h"
#include "uvkafka/uvkafka.h"

using namespace uvk_test;

namespace {

const JValue &schema() {
  static JValue s;
  static bool loaded = false;
  if (!loaded) {
    std::ifstream in(UVK_STATS_SCHEMA);
    REQUIRE(in.good());
    std::stringstream ss;
    ss << in.rdbuf();
    std::string err;
    REQUIRE(json_parse(ss.str(), &s, &err));
    loaded = true;
  }
  return s;
}

// Parses and checks one document against the schema; returns it.
JValue checked(const std::string &doc) {
  JValue v;
  std::string err;
  INFO(doc);
  REQUIRE(json_parse(doc, &v, &err));
  std::vector<std::string> errs;
  json_check(schema(), schema(), v, "$", &errs);
  std::string all;
  for (const std::string &e : errs) all += e + "\n";
  INFO(all);
  CHECK(errs.empty());
  return v;
}

// One rtt sample per request event, in ms, tagged with the window (document count) it fell in.
struct RttSample {
  size_t window;
  std::string broker;  // "host:port"
  int64_t ms;
};

struct StatsSink {
  std::vector<std::string> docs;
  std::vector<RttSample> rtts;
};

void on_stats(void *ud, const char *json, size_t len) {
  StatsSink *s = static_cast<StatsSink *>(ud);
  REQUIRE(strlen(json) == len);
  s->docs.emplace_back(json, len);
}

void on_request(void *ud, const uvk_event *ev) {
  StatsSink *s = static_cast<StatsSink *>(ud);
  const uvk_event_request *r = static_cast<const uvk_event_request *>(ev->payload);
  s->rtts.push_back(RttSample{s->docs.size(), r->broker, r->duration - r->pending_duration});
}

struct ProducerStatsRig : TwoBrokerRig {
  uvk_producer *producer = nullptr;
  StatsSink sink;
  ~ProducerStatsRig() {
    if (producer) uvk_producer_free(producer);
  }
  void start(const char *interval) {
    uvk_config *cfg = uvk_config_new();
    REQUIRE(cfg);
    char err[256];
    std::string seed = addr(b2);
    REQUIRE(uvk_config_set(cfg, "brokers", seed.c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "clientId", "stats-test", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "statisticsIntervalMs", interval, err, sizeof err) == 0);
    REQUIRE(uvk_config_set_stats_cb(cfg, on_stats, &sink) == 0);
    REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
    REQUIRE(uvk_client_on(client, UVK_EVENT_REQUEST, on_request, &sink) > 0);
    REQUIRE(uvk_producer_new(client, cfg, &producer) == 0);
    uvk_config_free(cfg);
  }
};

}  // namespace

TEST_CASE("the histogram keeps exact min, max, sum and count, and bounded percentiles", "[stats]") {
  uvk::StatsHist h;
  uvk::hist_reset(&h);
  CHECK(uvk::hist_percentile(&h, 50) == 0);
  for (int64_t v = 1; v <= 1000; v++) uvk::hist_add(&h, v);
  CHECK(h.min == 1);
  CHECK(h.max == 1000);
  CHECK(h.cnt == 1000);
  CHECK(h.sum == 500500);
  CHECK(uvk::hist_avg(&h) == 500);
  int64_t p50 = uvk::hist_percentile(&h, 50), p99 = uvk::hist_percentile(&h, 99);
  // A bucket spans at most a quarter of its power of two: the estimate is the bucket's top.
  CHECK(p50 >= 500);
  CHECK(p50 <= 500 + 500 / 4);
  CHECK(p99 >= 990);
  CHECK(p99 <= 1000);  // clamped to max
  CHECK(uvk::hist_percentile(&h, 99.99) == 1000);
  uvk::StatsHist g;
  uvk::hist_reset(&g);
  uvk::hist_add(&g, 0);
  uvk::hist_add(&g, int64_t(1) << 50);  // beyond the last bucket: counted there, max exact
  uvk::hist_merge(&h, &g);
  CHECK(h.min == 0);
  CHECK(h.max == int64_t(1) << 50);
  CHECK(h.cnt == 1002);
}

TEST_CASE("producer statistics: schema, txmsgs as acknowledged, rtt windows as the request events", "[stats]") {
  ProducerStatsRig r;
  r.start("20");
  const int n = 200;
  int acked = 0, failed = 0;
  std::string value = "stats";
  uvk_send_options o;
  uvk_send_options_init(&o);
  o.acks = 1;
  struct Ctx {
    int *acked, *failed;
  } ctx{&acked, &failed};
  for (int i = 0; i < n; i++) {
    uvk_message m;
    memset(&m, 0, sizeof m);
    m.partition = i % 2;
    m.timestamp = -1;
    m.value = value.data();
    m.value_len = value.size();
    REQUIRE(uvk_producer_send(r.producer, r.cluster.topic.c_str(), &m, 1, &o,
                              [](uvk_producer *, const uvk_error *err, const uvk_record_metadata *, size_t, void *ud) {
                                Ctx *c = static_cast<Ctx *>(ud);
                                (err ? *c->failed : *c->acked) += 1;
                              },
                              &ctx) == 0);
  }
  // While sends are pending the typed accessor counts them.
  uvk_client_stats s;
  memset(&s, 0, sizeof s);
  s.struct_size = sizeof s;
  REQUIRE(uvk_client_get_stats(r.client, &s) == 0);
  CHECK(s.msg_cnt == n);
  CHECK(s.msg_size > 0);
  CHECK(s.txmsgs == 0);
  REQUIRE(r.run_until([&] { return acked + failed == n; }));
  REQUIRE(failed == 0);
  size_t at_done = r.sink.docs.size();
  REQUIRE(r.run_until([&] { return r.sink.docs.size() >= at_done + 2; }));

  for (const std::string &d : r.sink.docs) checked(d);
  JValue last = checked(r.sink.docs.back());
  CHECK(last.str("type") == "producer");
  CHECK(last.str("client_id") == "stats-test");
  CHECK(last.str("name").rfind("stats-test#producer-", 0) == 0);
  CHECK(last.num("txmsgs") == acked);
  // Record bytes (key, value, framing), as the producer estimates them for its batches.
  CHECK(last.num("txmsg_bytes") > int64_t(acked) * int64_t(value.size()));
  CHECK(last.num("msg_cnt") == 0);
  CHECK(last.num("msg_size") == 0);
  const JValue *parts = last.get("topics")->get(r.cluster.topic)->get("partitions");
  REQUIRE(parts);
  CHECK(parts->get("0")->num("txmsgs") == n / 2);
  CHECK(parts->get("1")->num("txmsgs") == n / 2);
  CHECK(parts->get("0")->num("txbytes") + parts->get("1")->num("txbytes") == last.num("txmsg_bytes"));
  CHECK(parts->get("0")->num("leader") == 1);
  CHECK(parts->get("1")->num("leader") == 2);
  CHECK(parts->get("0")->num("msgq_cnt") == 0);
  // The brokers' request counters agree with the fake brokers' own count of requests.
  int64_t tx = 0, rx = 0;
  for (const auto &b : last.get("brokers")->members) {
    tx += b.second.num("tx");
    rx += b.second.num("rx");
  }
  CHECK(tx == last.num("tx"));
  CHECK(rx == last.num("rx"));
  CHECK(tx > 0);
  const JValue *b1 = last.get("brokers")->get(r.addr(r.b1) + "/1");
  REQUIRE(b1);
  CHECK(b1->str("state") == "UP");
  CHECK(b1->get("toppars")->get(r.cluster.topic + "-0"));

  // rtt: each document's window per address is exactly the request events in between (a
  // seed connection and the broker it turned out to be share an address: their windows merge).
  size_t windows_with_samples = 0;
  for (size_t w = 0; w < r.sink.docs.size(); w++) {
    JValue d = checked(r.sink.docs[w]);
    struct Win {
      int64_t min = INT64_MAX, max = -1, sum = 0, cnt = 0;
    };
    std::map<std::string, Win> by_addr;
    for (const auto &b : d.get("brokers")->members) {
      const JValue *rtt = b.second.get("rtt");
      CHECK(rtt->num("p50") <= rtt->num("p99"));
      CHECK(rtt->num("p99") <= rtt->num("max"));
      if (rtt->num("cnt") == 0) continue;
      CHECK(rtt->num("p50") >= rtt->num("min"));
      Win &x = by_addr[b.second.str("nodename")];
      x.min = std::min(x.min, rtt->num("min"));
      x.max = std::max(x.max, rtt->num("max"));
      x.sum += rtt->num("sum");
      x.cnt += rtt->num("cnt");
    }
    std::map<std::string, Win> events;
    for (const RttSample &x : r.sink.rtts) {
      if (x.window != w) continue;
      Win &e = events[x.broker];
      e.min = std::min(e.min, x.ms * 1000);
      e.max = std::max(e.max, x.ms * 1000);
      e.sum += x.ms * 1000;
      e.cnt++;
    }
    INFO("document " << w);
    REQUIRE(by_addr.size() == events.size());
    for (const auto &e : events) {
      INFO("broker " << e.first);
      REQUIRE(by_addr.count(e.first));
      const Win &x = by_addr[e.first];
      CHECK(x.cnt == e.second.cnt);
      CHECK(x.min == e.second.min);
      CHECK(x.max == e.second.max);
      CHECK(x.sum == e.second.sum);
      windows_with_samples++;
    }
  }
  CHECK(windows_with_samples > 0);
  // The typed accessor says the same as the document.
  REQUIRE(uvk_client_get_stats(r.client, &s) == 0);
  CHECK(s.txmsgs == acked);
  CHECK(s.msg_cnt == 0);
  CHECK(s.brokers_up == 2);
  CHECK(s.partitions == 2);
  CHECK(s.consumer_lag == -1);
}

TEST_CASE("statistics are off by default, and the accessors check their arguments", "[stats]") {
  ProducerStatsRig r;
  r.start("0");
  bool connected = false;
  REQUIRE(uvk_client_connect(r.client, [](uvk_client *, const uvk_error *err, void *ud) {
    REQUIRE(err == nullptr);
    *static_cast<bool *>(ud) = true;
  }, &connected) == 0);
  REQUIRE(r.run_until([&] { return connected; }));
  CHECK(r.sink.docs.empty());
  uvk_client_stats s;
  memset(&s, 0, sizeof s);
  s.struct_size = 8;
  CHECK(uvk_client_get_stats(r.client, &s) == UVK_EINVAL);
  s.struct_size = sizeof s + 8;
  CHECK(uvk_client_get_stats(r.client, &s) == UVK_EUNSUPPORTED);
  CHECK(uvk_client_get_stats(r.client, nullptr) == UVK_EINVAL);
  // On demand: snprintf semantics.
  size_t need = uvk_client_stats_json(r.client, nullptr, 0);
  REQUIRE(need > 0);
  std::string buf(need + 1, 'x');
  CHECK(uvk_client_stats_json(r.client, &buf[0], buf.size()) == need);
  buf.resize(need);
  JValue d = checked(buf);
  CHECK(d.num("tx") > 0);
  char small[16];
  CHECK(uvk_client_stats_json(r.client, small, sizeof small) >= need);
  CHECK(strlen(small) == sizeof small - 1);
  CHECK(uvk_config_set_stats_cb(nullptr, on_stats, nullptr) == UVK_EINVAL);
  char err[128];
  uvk_config *cfg = uvk_config_new();
  CHECK(uvk_config_set(cfg, "statisticsIntervalMs", "-1", err, sizeof err) != 0);
  uvk_config_free(cfg);
}

TEST_CASE("consumer statistics: consumer_lag is the high watermark minus the committed offset", "[stats]") {
  ConsumerRig r;
  r.b1.log[0] = values("m", 10);
  r.before_run = [](ConsumerRig *) {};
  r.start();
  REQUIRE(r.run_until([&] { return r.seen.size() == 10; }));
  bool committed = false;
  uvk_topic_partition_offset tpo{r.cluster.topic.c_str(), 0, 4};
  REQUIRE(uvk_consumer_commit_offsets(r.consumer, &tpo, 1, [](uvk_consumer *, const uvk_error *err, void *ud) {
    REQUIRE(err == nullptr);
    *static_cast<bool *>(ud) = true;
  }, &committed) == 0);
  REQUIRE(r.run_until([&] { return committed; }));
  REQUIRE(r.cluster.committed[0] == 4);
  size_t need = uvk_client_stats_json(r.client, nullptr, 0);
  std::string buf(need + 1, '\0');
  uvk_client_stats_json(r.client, &buf[0], buf.size());
  buf.resize(need);
  JValue d = checked(buf);
  CHECK(d.str("type") == "consumer");
  CHECK(d.num("rxmsgs") == 10);
  CHECK(d.num("rxmsg_bytes") == 20);  // "m0".."m9"
  const JValue *cgrp = d.get("cgrp");
  REQUIRE(cgrp);
  CHECK(cgrp->str("state") == "up");
  CHECK(cgrp->str("join_state") == "steady");
  CHECK(cgrp->num("rebalance_cnt") == 1);
  CHECK(cgrp->num("assignment_size") == 2);
  const JValue *p0 = d.get("topics")->get(r.cluster.topic)->get("partitions")->get("0");
  REQUIRE(p0);
  CHECK(p0->num("hi_offset") == 10);
  CHECK(p0->num("committed_offset") == r.cluster.committed[0]);
  CHECK(p0->num("consumer_lag") == p0->num("hi_offset") - p0->num("committed_offset"));
  CHECK(p0->num("consumer_lag") == 6);
  CHECK(p0->num("stored_offset") == 10);
  CHECK(p0->num("consumer_lag_stored") == 0);
  CHECK(p0->num("app_offset") == 10);
  CHECK(p0->num("next_offset") == 10);
  CHECK(p0->num("rxmsgs") == 10);
  CHECK(p0->str("fetch_state") == "active");
  uvk_client_stats s;
  memset(&s, 0, sizeof s);
  s.struct_size = sizeof s;
  REQUIRE(uvk_client_get_stats(r.client, &s) == 0);
  CHECK(s.assignment_size == 2);
  CHECK(s.rebalance_cnt == 1);
  CHECK(s.rxmsgs == 10);
  // Partition 1 is empty: its lag counts too (0 or unknown), so the sum is at least p0's.
  CHECK(s.consumer_lag >= 6);
}

TEST_CASE("the document handed to the callback stays valid while the callback asks for another", "[stats]") {
  struct Reentrant {
    uvk_client *client = nullptr;
    int calls = 0;
    bool same = true;
  } re;
  TwoBrokerRig r;
  uvk_config *cfg = uvk_config_new();
  char err[256];
  std::string seed = r.addr(r.b2);
  REQUIRE(uvk_config_set(cfg, "brokers", seed.c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "statisticsIntervalMs", "10", err, sizeof err) == 0);
  REQUIRE(uvk_config_set_stats_cb(cfg, [](void *ud, const char *json, size_t len) {
    Reentrant *x = static_cast<Reentrant *>(ud);
    std::string before(json, len);
    std::vector<char> other(uvk_client_stats_json(x->client, nullptr, 0) + 1);
    uvk_client_stats_json(x->client, other.data(), other.size());
    x->same = x->same && before == std::string(json, len);  // not moved under the caller
    x->calls++;
  }, &re) == 0);
  REQUIRE(uvk_client_new(&r.loop, cfg, &r.client) == 0);
  uvk_config_free(cfg);
  re.client = r.client;
  REQUIRE(r.run_until([&] { return re.calls >= 3; }));
  CHECK(re.same);
}
