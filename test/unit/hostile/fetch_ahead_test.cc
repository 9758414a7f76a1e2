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
