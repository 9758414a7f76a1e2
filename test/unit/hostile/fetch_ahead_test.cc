// How the consumer hands a fetch answer to its handlers. It asks for the next Fetch before it
// hands an answer over (fetch ahead), on the predicted position; an answer its handlers
// overtake (a hold, a partial eachBatch resolve, a seek) is dropped, so nothing is lost or
// delivered twice. One handler call takes all the consecutive uncompressed record batches of
// a partition's answer; a compressed batch ends the call. The public client against two fake
// brokers (test/lib/consumer_rig.h); partition 0 lives on b1.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "consumer_rig.h"
#include "fake_broker.h"
#include "codec/codec.h"
#include "common/buf.h"
#include "proto/records.h"
#include "uvkafka/uvkafka.h"

using namespace uvk_test;

namespace {

using Rig = ConsumerRig;

// One record batch of `vals` from offset `base`: under `codec`, or a transaction's commit
// marker (a control batch of one record) when `control`.
void put_batch(uvk::Buf *out, int64_t base, const std::vector<std::string> &vals, int codec, bool control = false) {
  uvk::BatchWriter w;
  uvk::BatchParams p;
  p.base_offset = base;
  p.base_timestamp = 1700000000000;
  p.codec = codec;
  if (control) {
    p.control = p.transactional = true;
    p.producer_id = 7;
    p.producer_epoch = 0;
  }
  uvk::batch_begin(&w, out, p);
  if (control) {
    const uint8_t key[4] = {0, 0, 0, 1};  // version 0, type 1: commit
    uvk::Buf v;
    uvk::control_record_value(&v, 1, 0);
    uvk::batch_append(&w, p.base_timestamp, key, 4, v.data, int32_t(v.len), nullptr, 0);
    uvk::buf_free(&v);
  }
  for (const std::string &s : vals)
    uvk::batch_append(&w, p.base_timestamp, nullptr, -1, reinterpret_cast<const uint8_t *>(s.data()),
                      int32_t(s.size()), nullptr, 0);
  uvk::Buf scratch;
  REQUIRE(uvk::batch_finish(&w, &scratch) == 0);
  uvk::buf_free(&scratch);
}

}  // namespace

TEST_CASE("delivery: one eachBatch call per run of uncompressed record batches; a compressed one ends it",
          "[fetch_ahead]") {
  Rig r;
  r.b1.log[0] = values("v", 8);  // the high watermark; the first Fetch is answered by the bytes below
  uvk::Buf out;
  put_batch(&out, 0, {"v0", "v1"}, uvk::kCodecNone);
  put_batch(&out, 2, {}, uvk::kCodecNone, true);
  put_batch(&out, 3, {"v3", "v4"}, uvk::kCodecNone);
  put_batch(&out, 5, {"v5", "v6"}, uvk::kCodecGzip);
  put_batch(&out, 7, {"v7"}, uvk::kCodecNone);
  r.b1.fetch_records_once.assign(out.data, out.data + out.len);
  uvk::buf_free(&out);
  r.on_batch = [](Rig *rig, const uvk_batch *) {
    if (rig->batches == 2) rig->b1.log[0].push_back("v8");  // offset 8: the next fetch finds it
    return 0;
  };
  r.start();
  REQUIRE(r.run_until([&] { return r.seen.size() >= 8; }));
  CHECK(r.seen == std::vector<std::string>{"v0", "v1", "v3", "v4", "v5", "v6", "v7", "v8"});
  CHECK(r.sizes == std::vector<size_t>{6, 1, 1});
}

TEST_CASE("fetch ahead: the next Fetch leaves before a held batch is done; the held partition loses nothing",
          "[fetch_ahead]") {
  Rig r;
  r.b1.log[0] = values("v", 3);
  int fetches_in_handler = -1;
  r.on_batch = [&](Rig *rig, const uvk_batch *) {
    if (rig->batches == 1) {
      fetches_in_handler = rig->fetches();
      for (const std::string &v : values("w", 3)) rig->b1.log[0].push_back(v);
      return int(UVK_PENDING);
    }
    return 0;
  };
  r.start();
  REQUIRE(r.run_until([&] { return r.batches == 1; }));
  // Held: the Fetch asked ahead (before the handler ran) reaches the broker all the same.
  REQUIRE(r.run_until([&] { return r.fetches() > fetches_in_handler; }));
  CHECK(r.batches == 1);
  REQUIRE(uvk_consumer_done(r.consumer, r.cluster.topic.c_str(), 0, 0) == 0);
  REQUIRE(r.run_until([&] { return r.seen.size() >= 6; }));
  std::vector<std::string> want = values("v", 3);
  for (const std::string &v : values("w", 3)) want.push_back(v);
  CHECK(r.seen == want);
}

TEST_CASE("fetch ahead: an eachBatch that resolves only part of its batch gets the rest again, once",
          "[fetch_ahead]") {
  Rig r;
  r.auto_resolve = 0;
  r.b1.log[0] = values("v", 4);
  r.on_batch = [](Rig *rig, const uvk_batch *b) {
    if (rig->batches == 1) {
      // Offsets 4 and 5 exist by the time the Fetch asked ahead (from 4) is answered; only
      // offset 0 is done, so that answer is overtaken and the next batch starts at 1.
      for (const std::string &v : values("w", 2)) rig->b1.log[0].push_back(v);
      REQUIRE(uvk_consumer_resolve_offset(rig->consumer, b->topic, 0, b->messages[0].offset) == 0);
    } else {
      REQUIRE(uvk_consumer_resolve_offset(rig->consumer, b->topic, 0, b->last_offset) == 0);
    }
    return 0;
  };
  r.start();
  REQUIRE(r.run_until([&] { return r.seen.size() >= 9; }));
  CHECK(r.seen == std::vector<std::string>{"v0", "v1", "v2", "v3", "v1", "v2", "v3", "w0", "w1"});
}

TEST_CASE("fetch ahead: a seek inside the handler wins over the Fetch asked ahead", "[fetch_ahead]") {
  Rig r;
  r.b1.log[0] = values("v", 4);
  r.on_batch = [](Rig *rig, const uvk_batch *b) {
    if (rig->batches == 1) {
      for (const std::string &v : values("w", 2)) rig->b1.log[0].push_back(v);
      REQUIRE(uvk_consumer_seek(rig->consumer, b->topic, 0, 2) == 0);
    }
    return 0;
  };
  r.start();
  REQUIRE(r.run_until([&] { return r.seen.size() >= 8; }));
  CHECK(r.seen == std::vector<std::string>{"v0", "v1", "v2", "v3", "v2", "v3", "w0", "w1"});
}

TEST_CASE("a held partition does not wait behind a long poll: while one is held, Fetches wait briefly",
          "[fetch_ahead]") {
  Rig r;
  r.cluster.leaders = {1, 1};  // both partitions on b1: one Fetch at a time serves them both
  r.max_wait = "2000";
  r.b1.log[0] = values("v", 2);
  r.on_batch = [](Rig *rig, const uvk_batch *) { return rig->batches == 1 ? int(UVK_PENDING) : 0; };
  r.start();
  REQUIRE(r.run_until([&] { return r.batches == 1; }));
  // Held: the other partition is polled briefly (the Fetch asked ahead before the hold began
  // may still wait the configured time; this fake broker holds empty answers to the end).
  size_t from = r.b1.fetch_max_waits.size();
  auto polled_with = [&](int32_t wait) {
    for (size_t i = from; i < r.b1.fetch_max_waits.size(); i++)
      if (r.b1.fetch_max_waits[i] == wait) return true;
    return false;
  };
  REQUIRE(r.run_until([&] { return polled_with(100); }));
  r.b1.log[0].push_back("w0");
  REQUIRE(uvk_consumer_done(r.consumer, r.cluster.topic.c_str(), 0, 0) == 0);
  REQUIRE(r.run_until([&] { return r.seen.size() >= 3; }));
  CHECK(r.seen == std::vector<std::string>{"v0", "v1", "w0"});
  // Nothing held any more: the configured long poll again.
  from = r.b1.fetch_max_waits.size();
  REQUIRE(r.run_until([&] { return polled_with(2000); }));
}

TEST_CASE("fetch ahead: a partition whose answer a handler made stale is fetched again from where it is",
          "[fetch_ahead]") {
  Rig r;
  r.cluster.leaders = {1, 1};  // one answer carries both partitions
  r.max_wait = "2000";
  r.b1.log[0] = values("v", 2);
  r.b1.log[1] = values("u", 3);
  // Pausing partition 0 in its handler makes the rest of the answer (partition 1's records)
  // stale; the Fetch asked ahead asked partition 1 from offset 3, where it is not.
  r.on_batch = [](Rig *rig, const uvk_batch *b) {
    int32_t p = 0;
    REQUIRE(uvk_consumer_pause(rig->consumer, b->topic, &p, 1) == 0);
    return 0;
  };
  r.start();
  REQUIRE(r.run_until([&] { return r.seen1.size() >= 3; }));
  CHECK(r.seen1 == values("u", 3));
  CHECK(r.seen == values("v", 2));
}

TEST_CASE("a Fetch may be held maxWaitTimeInMs beyond requestTimeout without timing out", "[fetch_ahead][deadline]") {
  Rig r;
  r.max_wait = "1000";        // the broker holds an empty Fetch this long...
  r.request_timeout = "200";  // ... five times the request timeout
  r.b1.log[0] = values("v", 2);
  r.start();
  REQUIRE(r.run_until([&] { return r.seen.size() == 2; }));
  size_t from = r.b1.fetch_max_waits.size();
  size_t poll = 0;  // the index of a long poll after the delivery
  REQUIRE(r.run_until([&] {
    for (size_t i = from; i < r.b1.fetch_max_waits.size() && !poll; i++)
      if (r.b1.fetch_max_waits[i] == 1000) poll = i + 1;
    return poll > 0;
  }));
  // The next Fetch comes once the held answer was read (or, timed out, after a reconnect).
  REQUIRE(r.run_until([&] { return r.b1.fetch_max_waits.size() > poll; }));
  CHECK(r.b1.client_closes == 0);  // a request timeout closes its connection
  CHECK(r.b1.accepted == 1);       // the fetch lane's one connection, never opened again
  r.b1.log[0].push_back("w0");
  REQUIRE(r.run_until([&] { return r.seen.size() == 3; }));
}

// ---- fetch ahead of a held batch (lib/client/consumer_fetch_park.cc) ----------------------

namespace {

// Fetches b1 got that asked partition 0 from `offset` ("fetch 1 0@3"); needs journal_fetches.
int asked_from(const Rig &r, int64_t offset) {
  std::string want = "0@" + std::to_string(offset);
  int n = 0;
  for (const std::string &e : r.cluster.journal)
    if (e.rfind("fetch 1 ", 0) == 0 && (e.find(" " + want) != std::string::npos || e.find("," + want) != std::string::npos))
      n++;
  return n;
}

// Counts the Fetch answers from node 1 the consumer took (UVK_EVENT_FETCH).
void count_answers(Rig *r, int *answers) {
  REQUIRE(uvk_consumer_on(r->consumer, UVK_EVENT_FETCH, [](void *ud, const uvk_event *ev) {
    if (static_cast<const uvk_event_fetch *>(ev->payload)->node_id == 1) ++*static_cast<int *>(ud);
  }, answers) > 0);
}

// Batch 1 (v0..v2) is held; meanwhile w0..w2 reach the log, so the Fetch asked ahead of it
// (from 3) brings them back while the handler still holds the batch.
void hold_first(Rig *r) {
  r->cluster.journal_fetches = true;
  r->b1.log[0] = values("v", 3);
  r->on_batch = [](Rig *rig, const uvk_batch *) {
    if (rig->batches > 1) return 0;
    for (const std::string &v : values("w", 3)) rig->b1.log[0].push_back(v);
    return int(UVK_PENDING);
  };
}

std::vector<std::string> v_then_w() {
  std::vector<std::string> want = values("v", 3);
  for (const std::string &v : values("w", 3)) want.push_back(v);
  return want;
}

}  // namespace

TEST_CASE("fetch ahead of a held batch: its answer waits for uvk_consumer_done and is handed over without asking again",
          "[fetch_ahead][park]") {
  Rig r;
  r.debug_logs = true;
  hold_first(&r);
  r.start();
  REQUIRE(r.run_until([&] { return r.logged("parked until its handler is done"); }));
  CHECK(r.batches == 1);  // held: nothing more is handed over
  REQUIRE(uvk_consumer_done(r.consumer, r.cluster.topic.c_str(), 0, 0) == 0);
  CHECK(r.batches == 1);  // never inside the call
  REQUIRE(r.run_until([&] { return r.seen.size() >= 6; }));
  CHECK(r.seen == v_then_w());
  CHECK(asked_from(r, 3) == 1);  // the parked answer, not a second Fetch from 3
  // And the parked records were fetched ahead of in turn.
  REQUIRE(r.run_until([&] { return asked_from(r, 6) >= 1; }));
  CHECK(r.seen == v_then_w());
}

TEST_CASE("fetch ahead of a held batch: a failed handler drops the parked answer; the batch comes again first",
          "[fetch_ahead][park]") {
  Rig r;
  r.debug_logs = true;
  hold_first(&r);
  r.start();
  REQUIRE(r.run_until([&] { return r.logged("parked until its handler is done"); }));
  REQUIRE(uvk_consumer_done(r.consumer, r.cluster.topic.c_str(), 0, -1) == 0);
  REQUIRE(r.run_until([&] { return r.seen.size() >= 9; }));
  std::vector<std::string> want = values("v", 3);
  for (const std::string &v : v_then_w()) want.push_back(v);
  CHECK(r.seen == want);
}

TEST_CASE("fetch ahead of a held batch: a seek while it is parked wins", "[fetch_ahead][park]") {
  Rig r;
  r.debug_logs = true;
  hold_first(&r);
  r.start();
  REQUIRE(r.run_until([&] { return r.logged("parked until its handler is done"); }));
  REQUIRE(uvk_consumer_seek(r.consumer, r.cluster.topic.c_str(), 0, 1) == 0);
  REQUIRE(uvk_consumer_done(r.consumer, r.cluster.topic.c_str(), 0, 0) == 0);
  REQUIRE(r.run_until([&] { return r.seen.size() >= 8; }));
  CHECK(r.seen == std::vector<std::string>{"v0", "v1", "v2", "v1", "v2", "w0", "w1", "w2"});
}

TEST_CASE("fetch ahead of a held batch: paused while it is parked, nothing comes until resume, then once",
          "[fetch_ahead][park]") {
  Rig r;
  r.debug_logs = true;
  hold_first(&r);
  r.start();
  REQUIRE(r.run_until([&] { return r.logged("parked until its handler is done"); }));
  int32_t p0 = 0;
  REQUIRE(uvk_consumer_pause(r.consumer, r.cluster.topic.c_str(), &p0, 1) == 0);
  REQUIRE(uvk_consumer_done(r.consumer, r.cluster.topic.c_str(), 0, 0) == 0);
  // Partition 1 goes on: its new message shows loop turns went by after the done.
  r.b2.log[1].push_back("u0");
  REQUIRE(r.run_until([&] { return r.seen1.size() >= 1; }));
  CHECK(r.seen == values("v", 3));
  REQUIRE(uvk_consumer_resume(r.consumer, r.cluster.topic.c_str(), &p0, 1) == 0);
  REQUIRE(r.run_until([&] { return r.seen.size() >= 6; }));
  CHECK(r.seen == v_then_w());
}

TEST_CASE("fetch ahead of a held batch: beyond maxBytes parked per broker the answer is dropped and asked again",
          "[fetch_ahead][park]") {
  Rig r;
  r.debug_logs = true;
  r.extra_config = {{"maxBytes", "16"}};  // smaller than any answer: nothing may be parked
  hold_first(&r);
  int answers = 0;
  r.before_run = [&](Rig *rig) { count_answers(rig, &answers); };
  r.start();
  // The first answer and the one asked ahead of it, taken while the batch is held.
  REQUIRE(r.run_until([&] { return answers >= 2 && r.batches == 1; }));
  REQUIRE(uvk_consumer_done(r.consumer, r.cluster.topic.c_str(), 0, 0) == 0);
  REQUIRE(r.run_until([&] { return r.seen.size() >= 6; }));
  CHECK(r.seen == v_then_w());
  CHECK(asked_from(r, 3) == 2);
  CHECK_FALSE(r.logged("parked until its handler is done"));
}

TEST_CASE("fetch ahead: a partition paused by its handler gets nothing of the answer asked ahead until resumed",
          "[fetch_ahead][park]") {
  Rig r;
  r.cluster.journal_fetches = true;
  r.b1.log[0] = values("v", 3);
  r.on_batch = [](Rig *rig, const uvk_batch *b) {
    if (rig->batches == 1) {
      for (const std::string &v : values("w", 3)) rig->b1.log[0].push_back(v);
      int32_t p = 0;
      REQUIRE(uvk_consumer_pause(rig->consumer, b->topic, &p, 1) == 0);
    }
    return 0;
  };
  int answers = 0;
  r.before_run = [&](Rig *rig) { count_answers(rig, &answers); };
  r.start();
  // The answer asked ahead (from 3, with w0..w2) came while partition 0 is paused.
  REQUIRE(r.run_until([&] { return answers >= 2; }));
  CHECK(asked_from(r, 3) == 1);
  CHECK(r.seen == values("v", 3));
  int32_t p0 = 0;
  REQUIRE(uvk_consumer_resume(r.consumer, r.cluster.topic.c_str(), &p0, 1) == 0);
  REQUIRE(r.run_until([&] { return r.seen.size() >= 6; }));
  CHECK(r.seen == v_then_w());
}

TEST_CASE("fetch ahead of a held batch without auto-resolve: handed over when done resolved all of it, dropped when not",
          "[fetch_ahead][park]") {
  // The Node binding's eachMessage: eachBatch without auto-resolve, each message resolved as
  // its promise settles, the batch held until the last one did.
  bool all = GENERATE(true, false);
  Rig r;
  r.debug_logs = true;
  r.auto_resolve = 0;
  hold_first(&r);
  r.on_batch = [](Rig *rig, const uvk_batch *b) {
    if (rig->batches == 1) {
      for (const std::string &v : values("w", 3)) rig->b1.log[0].push_back(v);
      return int(UVK_PENDING);
    }
    REQUIRE(uvk_consumer_resolve_offset(rig->consumer, b->topic, 0, b->last_offset) == 0);
    return 0;
  };
  r.start();
  REQUIRE(r.run_until([&] { return r.logged("parked until its handler is done"); }));
  REQUIRE(uvk_consumer_resolve_offset(r.consumer, r.cluster.topic.c_str(), 0, all ? 2 : 0) == 0);
  REQUIRE(uvk_consumer_done(r.consumer, r.cluster.topic.c_str(), 0, 0) == 0);
  if (all) {
    REQUIRE(r.run_until([&] { return r.seen.size() >= 6; }));
    CHECK(r.seen == v_then_w());
    CHECK(asked_from(r, 3) == 1);
  } else {  // v1 and v2 were not resolved: they come again, then the rest
    REQUIRE(r.run_until([&] { return r.seen.size() >= 8; }));
    CHECK(r.seen == std::vector<std::string>{"v0", "v1", "v2", "v1", "v2", "w0", "w1", "w2"});
  }
}

TEST_CASE("fetch ahead of a held batch: an eager rebalance drops the parked answer", "[fetch_ahead][park]") {
  Rig r;
  r.debug_logs = true;
  hold_first(&r);
  r.start();
  REQUIRE(r.run_until([&] { return r.logged("parked until its handler is done"); }));
  // The group rebalances (eager): the assignment is given up and taken again while batch 1
  // is still held; its result no longer counts and the parked answer belongs to the old one.
  r.cluster.inject_errors[uvk::proto::kHeartbeat] = {27};  // REBALANCE_IN_PROGRESS
  REQUIRE(r.run_until([&] { return r.logged("joined the group (generation 2"); }));
  REQUIRE(uvk_consumer_done(r.consumer, r.cluster.topic.c_str(), 0, 0) == 0);
  // Nothing was committed: partition 0 starts again from the beginning, w0..w2 only after.
  REQUIRE(r.run_until([&] { return r.seen.size() >= 9; }));
  std::vector<std::string> want = values("v", 3);
  for (const std::string &v : v_then_w()) want.push_back(v);
  CHECK(r.seen == want);
}
