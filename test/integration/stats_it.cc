// Statistics against the real broker: every document matches test/stats/schema.json, txmsgs
// equals the messages the broker acknowledged, each document's rtt window equals the request
// events' timings between it and the previous one, and consumer_lag equals the high watermark
// (the offset after the last acknowledged message) minus the offset the group committed.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "../lib/json_check.h"
#include "uvkafka/uvkafka.h"

using namespace uvk_test;

namespace {

std::string env(const char *name) {
  const char *v = getenv(name);
  return v ? v : "";
}

JValue checked(const std::string &doc) {
  static JValue schema;
  static bool loaded = false;
  if (!loaded) {
    std::ifstream in(UVK_STATS_SCHEMA);
    REQUIRE(in.good());
    std::stringstream ss;
    ss << in.rdbuf();
    std::string err;
    REQUIRE(json_parse(ss.str(), &schema, &err));
    loaded = true;
  }
  JValue v;
  std::string err;
  INFO(doc);
  REQUIRE(json_parse(doc, &v, &err));
  std::vector<std::string> errs;
  json_check(schema, schema, v, "$", &errs);
  std::string all;
  for (const std::string &e : errs) all += e + "\n";
  INFO(all);
  CHECK(errs.empty());
  return v;
}

struct Sample {
  size_t window;
  std::string broker;
  int64_t us;
};

struct Sink {
  std::vector<std::string> docs;
  std::vector<Sample> rtts;
};

struct Rig {
  uv_loop_t loop;
  uv_timer_t tick;
  uvk_client *client = nullptr;
  Sink sink;

  Rig() {
    INFO("UVK_TEST_BROKERS must point at the test cluster (test/kafka/cluster.sh up)");
    REQUIRE_FALSE(env("UVK_TEST_BROKERS").empty());
    REQUIRE(uv_loop_init(&loop) == 0);
    uv_timer_init(&loop, &tick);
  }
  uvk_config *config(const char *client_id) {
    uvk_config *cfg = uvk_config_new();
    char err[256];
    REQUIRE(uvk_config_set(cfg, "brokers", env("UVK_TEST_BROKERS").c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "clientId", client_id, err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "logLevel", "NOTHING", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "statisticsIntervalMs", "100", err, sizeof err) == 0);
    REQUIRE(uvk_config_set_stats_cb(cfg, [](void *ud, const char *json, size_t len) {
      static_cast<Sink *>(ud)->docs.emplace_back(json, len);
    }, &sink) == 0);
    return cfg;
  }
  void listen() {
    REQUIRE(uvk_client_on(client, UVK_EVENT_REQUEST, [](void *ud, const uvk_event *ev) {
      Sink *s = static_cast<Sink *>(ud);
      const uvk_event_request *r = static_cast<const uvk_event_request *>(ev->payload);
      s->rtts.push_back(Sample{s->docs.size(), r->broker, (r->duration - r->pending_duration) * 1000});
    }, &sink) > 0);
  }
  // Runs the loop until pred() holds (a 60 s safety net fails the test instead of hanging).
  template <typename F>
  void run_until(F pred) {
    uv_timer_start(&tick, [](uv_timer_t *) {}, 10, 10);
    uint64_t deadline = uv_now(&loop) + 60000;
    while (!pred()) {
      REQUIRE(uv_now(&loop) < deadline);
      uv_run(&loop, UV_RUN_ONCE);
    }
    uv_timer_stop(&tick);
  }
  void close() {
    bool done = false;
    REQUIRE(uvk_client_disconnect(client, [](uvk_client *, const uvk_error *, void *ud) {
      *static_cast<bool *>(ud) = true;
    }, &done) == 0);
    run_until([&] { return done; });
    uvk_client_free(client);
    client = nullptr;
  }
  ~Rig() {
    uv_close(reinterpret_cast<uv_handle_t *>(&tick), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
  }
};

// Every document's rtt windows, merged per address, equal the request events in between.
void check_rtt_windows(const Sink &s) {
  size_t with_samples = 0;
  for (size_t w = 0; w < s.docs.size(); w++) {
    JValue d = checked(s.docs[w]);
    struct Win {
      int64_t min = INT64_MAX, max = -1, sum = 0, cnt = 0;
    };
    std::map<std::string, Win> doc, ev;
    for (const auto &b : d.get("brokers")->members) {
      const JValue *rtt = b.second.get("rtt");
      if (rtt->num("cnt") == 0) continue;
      Win &x = doc[b.second.str("nodename")];
      x.min = std::min(x.min, rtt->num("min"));
      x.max = std::max(x.max, rtt->num("max"));
      x.sum += rtt->num("sum");
      x.cnt += rtt->num("cnt");
    }
    for (const Sample &x : s.rtts) {
      if (x.window != w) continue;
      Win &e = ev[x.broker];
      e.min = std::min(e.min, x.us);
      e.max = std::max(e.max, x.us);
      e.sum += x.us;
      e.cnt++;
    }
    INFO("document " << w);
    REQUIRE(doc.size() == ev.size());
    for (const auto &e : ev) {
      INFO("broker " << e.first);
      REQUIRE(doc.count(e.first) == 1);
      CHECK(doc[e.first].cnt == e.second.cnt);
      CHECK(doc[e.first].min == e.second.min);  // min <= every measured duration, and is one
      CHECK(doc[e.first].max == e.second.max);  // max >= every measured duration, and is one
      CHECK(doc[e.first].sum == e.second.sum);
      with_samples++;
    }
  }
  CHECK(with_samples > 0);
}

}  // namespace

TEST_CASE("statistics on the real broker: schema, txmsgs, rtt, consumer_lag", "[integration]") {
  srand(unsigned(time(nullptr)) ^ unsigned(getpid()));
  std::string topic = "uvk-stats-" + std::to_string(rand());
  const int n = 50;
  int64_t high = -1;  // the offset after the last acknowledged message
  {
    Rig r;
    uvk_config *cfg = r.config("uvk-stats-producer");
    REQUIRE(uvk_client_new(&r.loop, cfg, &r.client) == 0);
    r.listen();
    uvk_producer *p = nullptr;
    REQUIRE(uvk_producer_new(r.client, cfg, &p) == 0);
    uvk_config_free(cfg);
    struct Acks {
      int ok = 0, failed = 0;
      int64_t high = -1;
    } acks;
    uvk_send_options o;
    uvk_send_options_init(&o);
    for (int i = 0; i < n; i++) {
      std::string v = "value-" + std::to_string(i);
      uvk_message m;
      memset(&m, 0, sizeof m);
      m.partition = 0;
      m.timestamp = -1;
      m.value = v.data();
      m.value_len = v.size();
      REQUIRE(uvk_producer_send(p, topic.c_str(), &m, 1, &o,
                                [](uvk_producer *, const uvk_error *err, const uvk_record_metadata *md, size_t nmd,
                                   void *ud) {
                                  Acks *a = static_cast<Acks *>(ud);
                                  if (err) {
                                    a->failed++;
                                    return;
                                  }
                                  a->ok++;
                                  for (size_t k = 0; k < nmd; k++) a->high = std::max(a->high, md[k].base_offset + 1);
                                },
                                &acks) == 0);
    }
    r.run_until([&] { return acks.ok + acks.failed == n; });
    REQUIRE(acks.failed == 0);
    high = acks.high;
    REQUIRE(high == n);  // a fresh topic: offsets 0..n-1
    size_t at = r.sink.docs.size();
    r.run_until([&] { return r.sink.docs.size() >= at + 2; });
    JValue last = checked(r.sink.docs.back());
    CHECK(last.str("type") == "producer");
    CHECK(last.num("txmsgs") == acks.ok);
    CHECK(last.num("msg_cnt") == 0);
    CHECK(last.get("topics")->get(topic)->get("partitions")->get("0")->num("txmsgs") == acks.ok);
    check_rtt_windows(r.sink);
    uvk_producer_free(p);
    r.close();
  }
  {
    Rig r;
    uvk_config *cfg = r.config("uvk-stats-consumer");
    char err[256];
    std::string group = topic + "-group";
    REQUIRE(uvk_config_set(cfg, "groupId", group.c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_client_new(&r.loop, cfg, &r.client) == 0);
    r.listen();
    uvk_consumer *c = nullptr;
    REQUIRE(uvk_consumer_new(r.client, cfg, &c) == 0);
    uvk_config_free(cfg);
    REQUIRE(uvk_consumer_subscribe(c, topic.c_str(), 1) == 0);
    int seen = 0;
    uvk_run_options o;
    uvk_run_options_init(&o);
    o.auto_commit = 0;
    o.ud = &seen;
    o.each_message = [](uvk_consumer *, const uvk_batch *, const uvk_consumer_message *, void *ud) {
      ++*static_cast<int *>(ud);
      return 0;
    };
    REQUIRE(uvk_consumer_run(c, &o) == 0);
    r.run_until([&] { return seen == n; });
    const int64_t commit_at = 20;
    bool committed = false;
    uvk_topic_partition_offset tpo{topic.c_str(), 0, commit_at};
    REQUIRE(uvk_consumer_commit_offsets(c, &tpo, 1, [](uvk_consumer *, const uvk_error *e, void *ud) {
      REQUIRE(e == nullptr);
      *static_cast<bool *>(ud) = true;
    }, &committed) == 0);
    r.run_until([&] { return committed; });
    size_t need = uvk_client_stats_json(r.client, nullptr, 0);
    std::string buf(need + 1, '\0');
    uvk_client_stats_json(r.client, &buf[0], buf.size());
    buf.resize(need);
    JValue d = checked(buf);
    const JValue *p0 = d.get("topics")->get(topic)->get("partitions")->get("0");
    REQUIRE(p0);
    CHECK(p0->num("hi_offset") == high);
    CHECK(p0->num("committed_offset") == commit_at);
    CHECK(p0->num("consumer_lag") == high - commit_at);
    CHECK(p0->num("rxmsgs") == n);
    CHECK(d.num("rxmsgs") == n);
    CHECK(d.get("cgrp")->num("assignment_size") >= 1);
    size_t at = r.sink.docs.size();
    r.run_until([&] { return r.sink.docs.size() >= at + 1; });
    check_rtt_windows(r.sink);
    bool stopped = false;
    REQUIRE(uvk_consumer_stop(c, [](uvk_consumer *, const uvk_error *, void *ud) { *static_cast<bool *>(ud) = true; },
                              &stopped) == 0);
    r.run_until([&] { return stopped; });
    uvk_consumer_free(c);
    r.close();
  }
}

TEST_CASE("send queue on the real broker: every send from 4 threads completes once, statistics agree", "[integration]") {
  std::string topic = "uvk-stats-sq-" + std::to_string(rand()) + "-" + std::to_string(getpid());
  Rig r;
  uvk_config *cfg = r.config("uvk-stats-send-queue");
  REQUIRE(uvk_client_new(&r.loop, cfg, &r.client) == 0);
  uvk_producer *p = nullptr;
  REQUIRE(uvk_producer_new(r.client, cfg, &p) == 0);
  uvk_config_free(cfg);
  uvk_send_queue *q = nullptr;
  REQUIRE(uvk_send_queue_new(p, nullptr, &q) == 0);
  const int threads = 4, per_thread = 5000, total = threads * per_thread;
  // Completions run on the loop thread: plain counters, one slot per send.
  std::vector<int> calls(static_cast<size_t>(total), 0);
  int ok = 0, failed = 0;
  struct Ctx {
    std::vector<int> *calls;
    int *ok, *failed;
    int i;
  };
  std::vector<Ctx> ctx(static_cast<size_t>(total));
  for (int i = 0; i < total; i++) ctx[size_t(i)] = Ctx{&calls, &ok, &failed, i};
  std::atomic<int> refused{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; t++)
    ts.emplace_back([&, t] {
      for (int i = t * per_thread; i < (t + 1) * per_thread; i++) {
        std::string v = "sq-" + std::to_string(i);
        uvk_message m;
        memset(&m, 0, sizeof m);
        m.partition = -1;
        m.timestamp = -1;
        m.value = v.data();
        m.value_len = v.size();
        int rc = uvk_send_queue_send(q, topic.c_str(), &m, 1, nullptr, -1,
                                     [](uvk_producer *, const uvk_error *err, const uvk_record_metadata *, size_t,
                                        void *ud) {
                                       Ctx *c = static_cast<Ctx *>(ud);
                                       (*c->calls)[size_t(c->i)]++;
                                       (err ? *c->failed : *c->ok) += 1;
                                     },
                                     &ctx[size_t(i)]);
        if (rc != 0) refused++;
      }
    });
  r.run_until([&] { return ok + failed + refused.load() == total; });
  for (std::thread &t : ts) t.join();
  CHECK(refused.load() == 0);
  CHECK(failed == 0);
  CHECK(ok == total);
  for (int i = 0; i < total; i++) {
    INFO("send " << i);
    CHECK(calls[size_t(i)] == 1);
  }
  uvk_send_queue_stats qs;
  memset(&qs, 0, sizeof qs);
  qs.struct_size = sizeof qs;
  REQUIRE(uvk_send_queue_get_stats(q, &qs) == 0);
  CHECK(qs.messages == uint64_t(total));
  CHECK(qs.queued_messages == 0);
  uvk_client_stats s;
  memset(&s, 0, sizeof s);
  s.struct_size = sizeof s;
  REQUIRE(uvk_client_get_stats(r.client, &s) == 0);
  CHECK(s.txmsgs == ok);  // the statistics count what the broker acknowledged
  CHECK(s.msg_cnt == 0);
  uvk_send_queue_release(q);
  uvk_producer_free(p);
  r.close();
}
