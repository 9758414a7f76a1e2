// Hostile input over a real socket: the public client (C API, one uv loop) against two fake
// brokers (test/lib/fake_broker.h). Partition 0 is led by the hostile one, partition 1 by a
// well-behaved one. The hostile broker corrupts one response; each case checks that the
// client says what was wrong (a log line, the failing completion), hangs up on that broker,
// stays within its memory caps (measured through the per-client allocator hook), and that
// traffic to the good broker completes. No sleeps: the loop runs until a condition holds.
#include <catch2/catch.hpp>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <functional>
#include <string>
#include <vector>

#include <uv.h>

#include "codec/codec.h"
#include "counting_alloc.h"
#include "fake_broker.h"
#include "fake_rig.h"
#include "proto/crc32c.h"
#include "proto/gen/api_table.h"
#include "proto/records.h"
#include "uvk_build_config.h"
#include "uvkafka/uvkafka.h"

using namespace uvk_test;

namespace {

const int64_t kMaxResponseSize = 1 << 20;  // the client's maxResponseSize in these tests
const size_t kDecompressLimit = 64u << 20;  // BatchReader::max_decompressed (lib/proto/records.h)

struct SendResult {
  bool done = false;
  int code = 0;      // uvk_error_code, 0 on success
  std::string text;  // uvk_error_format
};

struct Delivered {
  std::vector<std::string> p0, p1;
};

struct Harness : TwoBrokerRig {
  FakeBroker &hostile = b1, &good = b2;
  Memory mem;
  std::vector<std::string> disconnects;  // brokers of disconnect events
  uvk_producer *producer = nullptr;
  uvk_consumer *consumer = nullptr;
  Delivered delivered;

  ~Harness() {
    if (consumer) uvk_consumer_free(consumer);
    if (producer) uvk_producer_free(producer);
    close_client();  // its allocator counts into mem, which goes with us
  }

  uvk_config *config() {
    uvk_config *cfg = uvk_config_new();
    REQUIRE(cfg);
    char err[256];
    std::string seed = addr(good);
    const char *const kv[][2] = {
        {"brokers", seed.c_str()},     {"clientId", "hostile-test"},      {"logLevel", "INFO"},
        {"retry.retries", "3"},        {"retry.initialRetryTime", "20"}, {"retry.maxRetryTime", "100"},
        {"requestTimeout", "5000"},    {"connectionTimeout", "2000"},    {"maxResponseSize", "1048576"},
        {"maxBytes", "1048576"},       {"maxBytesPerPartition", "1048576"},
        {"maxWaitTimeInMs", "50"},     {"groupId", "hostile-group"},
    };
    for (const auto &p : kv) REQUIRE(uvk_config_set(cfg, p[0], p[1], err, sizeof err) == 0);
    REQUIRE(uvk_config_set_allocator(cfg, mem_malloc, mem_realloc_fn, mem_free_fn, &mem) == 0);
    log_to(cfg);
    return cfg;
  }

  void make_client(uvk_config *cfg) {
    REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
    REQUIRE(uvk_client_on(client, UVK_EVENT_DISCONNECT,
                          [](void *ud, const uvk_event *ev) {
                            const auto *c = static_cast<const uvk_event_connection *>(ev->payload);
                            static_cast<Harness *>(ud)->disconnects.push_back(c->broker);
                          },
                          this) > 0);
  }

  bool disconnected_from(const FakeBroker &b) const {
    for (const std::string &d : disconnects)
      if (d == addr(b)) return true;
    return false;
  }

  // ---- producer ---------------------------------------------------------------------

  void start_producer() {
    uvk_config *cfg = config();
    make_client(cfg);
    REQUIRE(uvk_producer_new(client, cfg, &producer) == 0);
    uvk_config_free(cfg);
    bool up = false;
    REQUIRE(uvk_producer_connect(producer, [](uvk_producer *, const uvk_error *e, void *ud) {
      REQUIRE(e == nullptr);
      *static_cast<bool *>(ud) = true;
    }, &up) == 0);
    REQUIRE(run_until([&] { return up; }));
  }

  void send(int32_t partition, const std::string &value, SendResult *out) {
    uvk_message m;
    memset(&m, 0, sizeof m);
    m.value = value.data();
    m.value_len = value.size();
    m.partition = partition;
    m.timestamp = -1;
    uvk_send_options o;
    uvk_send_options_init(&o);
    REQUIRE(uvk_producer_send(producer, cluster.topic.c_str(), &m, 1, &o,
                              [](uvk_producer *, const uvk_error *err, const uvk_record_metadata *, size_t, void *ud) {
                                SendResult *r = static_cast<SendResult *>(ud);
                                CHECK_FALSE(r->done);  // exactly once
                                r->done = true;
                                r->code = err ? uvk_error_code(err) : 0;
                                char text[512] = "";
                                if (err) uvk_error_format(err, text, sizeof text);
                                r->text = text;
                              },
                              out) == 0);
  }

  // Both partitions answered once: the brokers' connections are up.
  void warm_up() {
    SendResult a, b;
    send(0, "warm-0", &a);
    send(1, "warm-1", &b);
    REQUIRE(run_until([&] { return a.done && b.done; }));
    REQUIRE(a.code == 0);
    REQUIRE(b.code == 0);
  }

  // ---- consumer ---------------------------------------------------------------------

  void start_consumer() {
    uvk_config *cfg = config();
    make_client(cfg);
    REQUIRE(uvk_consumer_new(client, cfg, &consumer) == 0);
    uvk_config_free(cfg);
    REQUIRE(uvk_consumer_subscribe(consumer, cluster.topic.c_str(), 1) == 0);
    uvk_run_options o;
    uvk_run_options_init(&o);
    o.auto_commit = 0;
    o.ud = this;
    o.each_batch = [](uvk_consumer *, const uvk_batch *b, void *ud) {
      Delivered &d = static_cast<Harness *>(ud)->delivered;
      for (size_t i = 0; i < b->n_messages; i++) {
        const uvk_consumer_message &m = b->messages[i];
        std::string v(static_cast<const char *>(m.value), m.value_len);
        (b->partition == 0 ? d.p0 : d.p1).push_back(v);
      }
      return 0;
    };
    REQUIRE(uvk_consumer_run(consumer, &o) == 0);
  }

  void stop_consumer() {
    bool stopped = false;
    REQUIRE(uvk_consumer_stop(consumer, [](uvk_consumer *, const uvk_error *, void *ud) {
      *static_cast<bool *>(ud) = true;
    }, &stopped) == 0);
    REQUIRE(run_until([&] { return stopped; }));
  }
};

// What every case checks once the hostile response has been served.
void check_contained(Harness &h, size_t baseline, size_t cap) {
  INFO(h.all_logs());
  if (getenv("HOSTILE_VERBOSE"))  // the numbers and log lines behind the checks
    printf("peak %zu (baseline %zu), largest %zu, cap %zu\n%s\n", h.mem.peak, baseline, h.mem.largest, cap,
           h.all_logs().c_str());
  CHECK(h.hostile.mischief_done == 1);
  // The client hung up on the hostile broker (or saw it hang up) and said so.
  CHECK(h.disconnected_from(h.hostile));
  CHECK_FALSE(h.disconnected_from(h.good));
  CHECK(h.good.client_closes == 0);
  // Nothing near the hostile sizes was allocated.
  CHECK(h.mem.peak - baseline < cap);
  CHECK(h.mem.largest < cap);
}

// ---- record batches for Fetch responses ------------------------------------------------

std::vector<uint8_t> plain_batch(int64_t base, const std::vector<std::string> &values) {
  uvk::Buf out, scratch;
  uvk::BatchWriter w;
  uvk::BatchParams p;
  p.base_offset = base;
  p.base_timestamp = 1700000000000;
  uvk::batch_begin(&w, &out, p);
  for (const std::string &v : values)
    uvk::batch_append(&w, p.base_timestamp, nullptr, -1, reinterpret_cast<const uint8_t *>(v.data()),
                      int32_t(v.size()), nullptr, 0);
  REQUIRE(uvk::batch_finish(&w, &scratch) == 0);
  std::vector<uint8_t> v(out.data, out.data + out.len);
  uvk::buf_free(&out);
  uvk::buf_free(&scratch);
  return v;
}

// A one-record batch header whose records section is `section` under `codec`, with a
// correct length and CRC (so only the decompression can fail).
std::vector<uint8_t> batch_with_section(int codec, const std::vector<uint8_t> &section) {
  std::vector<uint8_t> v = plain_batch(0, {"x"});
  v.resize(uvk::kBatchHeaderSize);
  v.insert(v.end(), section.begin(), section.end());
  auto put32 = [&v](size_t at, uint32_t x) {
    v[at] = uint8_t(x >> 24), v[at + 1] = uint8_t(x >> 16), v[at + 2] = uint8_t(x >> 8), v[at + 3] = uint8_t(x);
  };
  put32(8, uint32_t(v.size() - 12));       // batchLength
  v[21] = 0, v[22] = uint8_t(codec);       // attributes: the codec
  put32(17, uvk::crc32c(0, v.data() + 21, v.size() - 21));
  return v;
}

// gzip of `n` zero bytes, streamed (the test never holds the expanded form).
std::vector<uint8_t> gzip_zeros(size_t n) {
  z_stream z = {};
  REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) == Z_OK);
  std::vector<uint8_t> zeros(1 << 20, 0), out;
  std::vector<uint8_t> chunk(1 << 16);
  size_t left = n;
  int flush = Z_NO_FLUSH;
  do {
    size_t take = left < zeros.size() ? left : zeros.size();
    left -= take;
    flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
    z.next_in = zeros.data();
    z.avail_in = uInt(take);
    do {
      z.next_out = chunk.data();
      z.avail_out = uInt(chunk.size());
      deflate(&z, flush);
      out.insert(out.end(), chunk.data(), chunk.data() + (chunk.size() - z.avail_out));
    } while (z.avail_out == 0);
  } while (flush != Z_FINISH);
  deflateEnd(&z);
  return out;
}

// Fetch v11 body: throttle (4), error (2), session (4), topics count (4), topic name
// (2 + len), then partition 0's partitions count.
size_t fetch_partitions_count_at(const std::string &topic) { return 4 + 2 + 4 + 4 + 2 + topic.size(); }

// Runs a consumer whose first Fetch from the hostile broker returns what `arm` sets up;
// the good broker's messages must arrive meanwhile, the hostile partition's after it.
void consume_case(Harness &h, const std::function<void()> &arm, const std::vector<std::string> &expect_logs,
                  size_t cap) {
  h.hostile.log[0] = {"h0", "h1", "h2"};
  h.good.log[1] = {"g0", "g1", "g2"};
  arm();
  size_t baseline = h.mem.now;
  h.start_consumer();
  // Good traffic flows, the hostile answer is served, the client hangs up on it, and
  // after its backoff partition 0 (now well served) is read too: nothing was skipped.
  REQUIRE(h.run_until([&] {
    return h.delivered.p1.size() >= 3 && h.hostile.mischief_done == 1 && h.disconnected_from(h.hostile) &&
           h.delivered.p0.size() >= 3;
  }));
  CHECK(h.delivered.p1 == std::vector<std::string>({"g0", "g1", "g2"}));
  CHECK(h.delivered.p0 == std::vector<std::string>({"h0", "h1", "h2"}));
  CHECK(h.hostile.request_versions[uvk::proto::kFetch] == 11);
  for (const std::string &l : expect_logs) {
    INFO(h.all_logs());
    CHECK(h.logged(l));
  }
  CHECK(h.hostile.client_closes >= 1);
  check_contained(h, baseline, cap);
  h.stop_consumer();
}

// The producer case: the hostile broker corrupts its next Produce answer; the send to it
// completes once (retried on a new connection, or failed with the named error) while the
// send to the good broker succeeds.
void produce_case(Mischief m, const std::vector<std::string> &expect_logs) {
  Harness h;
  h.start_producer();
  h.warm_up();
  size_t baseline = h.mem.now;
  h.mem.peak = h.mem.now;
  h.mem.largest = 0;
  h.hostile.mischief_api = uvk::proto::kProduce;
  h.hostile.mischief = m;
  SendResult hot, fine;
  h.send(0, "to-hostile", &hot);
  h.send(1, "to-good", &fine);
  REQUIRE(h.run_until([&] { return hot.done && fine.done && h.disconnected_from(h.hostile); }));
  INFO(h.all_logs());
  CHECK(fine.code == 0);
  CHECK(h.good.log[1].back() == "to-good");
  for (const std::string &l : expect_logs) CHECK(h.logged(l));
  if (m == kMischiefTruncate) {
    CHECK(h.hostile.broker_closes == 1);
    CHECK(hot.code == 0);  // the connection dropped mid-answer: retried, and stored once more
  } else {
    CHECK(h.hostile.client_closes >= 1);
    // A malformed answer is not retried (the broker may have stored the batch): it fails
    // with the protocol error.
    CHECK(hot.code == UVK_EPROTO);
  }
  check_contained(h, baseline, size_t(kMaxResponseSize));
  // And the client is still good for the hostile broker's partition afterwards.
  SendResult again;
  h.send(0, "after", &again);
  REQUIRE(h.run_until([&] { return again.done; }));
  CHECK(again.code == 0);
  CHECK(h.hostile.log[0].back() == "after");
}

}  // namespace

TEST_CASE("hostile broker: a frame cut short, then the connection closed", "[hostile]") {
  produce_case(kMischiefTruncate, {"closed: connection closed"});
}

TEST_CASE("hostile broker: a 2 GB frame length is refused without allocating it", "[hostile]") {
  produce_case(kMischiefLength2G, {"response frame length 2147483647 is over the limit (maxResponseSize 1048576)"});
}

TEST_CASE("hostile broker: a negative frame length", "[hostile]") {
  produce_case(kMischiefNegativeLength, {"response frame length -16 is below 4"});
}

TEST_CASE("hostile broker: a wrong correlation id", "[hostile]") {
  produce_case(kMischiefWrongCorrelation, {"closed: malformed data from the peer: response correlation id"});
}

TEST_CASE("hostile broker: a negative array count in Metadata", "[hostile]") {
  Harness h;
  h.start_producer();
  h.warm_up();
  size_t baseline = h.mem.now;
  h.mem.peak = h.mem.now;
  h.mem.largest = 0;
  h.hostile.mischief_api = uvk::proto::kMetadata;
  h.hostile.mischief = kMischiefNegativeArray;
  h.hostile.mischief_offset = 4;  // v8: throttle time, then the brokers array count
  // Metadata goes to any ready connection: ask until the hostile broker has answered one.
  std::vector<int> codes;
  for (int i = 0; i < 10 && h.hostile.mischief_done == 0; i++) {
    bool done = false;
    int code = 0;
    struct Ctx {
      bool *done;
      int *code;
    } ctx{&done, &code};
    const char *topic = h.cluster.topic.c_str();
    REQUIRE(uvk_client_metadata(h.client, &topic, 1,
                                [](uvk_client *, const uvk_error *err, const uvk_metadata *, void *ud) {
                                  Ctx *x = static_cast<Ctx *>(ud);
                                  *x->code = err ? uvk_error_code(err) : 0;
                                  *x->done = true;
                                },
                                &ctx) == 0);
    SendResult fine;
    h.send(1, "during-metadata", &fine);
    REQUIRE(h.run_until([&] { return done && fine.done; }));
    CHECK(fine.code == 0);
    codes.push_back(code);
  }
  INFO(h.all_logs());
  CHECK(h.hostile.request_versions[uvk::proto::kMetadata] == 8);
  REQUIRE(h.run_until([&] { return h.disconnected_from(h.hostile); }));
  // The call the hostile broker answered failed with the protocol error; no other did.
  CHECK(codes.back() == UVK_EPROTO);
  for (size_t i = 0; i + 1 < codes.size(); i++) CHECK(codes[i] == 0);
  CHECK(h.logged("undecodable data in a Metadata v8 response"));
  CHECK(h.hostile.client_closes >= 1);
  check_contained(h, baseline, size_t(kMaxResponseSize));
}

TEST_CASE("hostile broker: a negative array count in Fetch", "[hostile]") {
  Harness h;
  consume_case(h, [&] {
    h.hostile.mischief_api = uvk::proto::kFetch;
    h.hostile.mischief = kMischiefNegativeArray;
    h.hostile.mischief_offset = fetch_partitions_count_at(h.cluster.topic);
  }, {"undecodable data in a Fetch v11 response", "Fetch from node 1 failed: UVK_EPROTO"}, size_t(kMaxResponseSize));
}

TEST_CASE("hostile broker: a record batch with a bad CRC", "[hostile]") {
  Harness h;
  consume_case(h, [&] {
    std::vector<uint8_t> b = plain_batch(0, {"h0", "h1", "h2"});
    b.back() ^= 0x01;  // a flipped bit in the last value: the CRC no longer matches
    h.hostile.fetch_records_once = b;
  }, {"corrupt record batch at offset 0: checksum mismatch (UVK_ECRC)", "closed: checksum mismatch: corrupt records in a Fetch v11 response"},
               size_t(kMaxResponseSize));
}

TEST_CASE("hostile broker: invalid compressed data, every codec built in", "[hostile]") {
  std::vector<int> codecs = {1};  // gzip always
  if (UVK_HAVE_SNAPPY) codecs.push_back(2);
  if (UVK_HAVE_LZ4) codecs.push_back(3);
  if (UVK_HAVE_ZSTD) codecs.push_back(4);
  for (int codec : codecs) {
    DYNAMIC_SECTION("codec " << codec) {
      Harness h;
      consume_case(h, [&] {
        h.hostile.fetch_records_once = batch_with_section(codec, std::vector<uint8_t>(64, 0xff));
      }, {"corrupt record batch at offset 0: compression or decompression failed (UVK_ECOMPRESSION)",
          "closed: compression or decompression failed: corrupt records in a Fetch v11 response"},
                   size_t(kMaxResponseSize));
    }
  }
}

TEST_CASE("hostile broker: a decompression bomb stops at the limit", "[hostile]") {
  // ~250 KB of gzip that would expand to 256 MiB, four times the limit.
  std::vector<uint8_t> bomb = gzip_zeros(size_t(256) << 20);
  REQUIRE(bomb.size() < size_t(kMaxResponseSize) / 2);
  Harness h;
  consume_case(h, [&] { h.hostile.fetch_records_once = batch_with_section(1, bomb); },
               {"corrupt record batch at offset 0: size over the configured limit (UVK_ETOOLARGE)",
                "closed: size over the configured limit: corrupt records in a Fetch v11 response"},
               // The decompression limit plus one response: never the bomb's 256 MiB.
               kDecompressLimit + size_t(kMaxResponseSize));
}

static void put_be32(std::vector<uint8_t> *b, size_t at, uint32_t x) {
  (*b)[at] = uint8_t(x >> 24), (*b)[at + 1] = uint8_t(x >> 16), (*b)[at + 2] = uint8_t(x >> 8), (*b)[at + 3] = uint8_t(x);
}

// Partition 0's first answer is `batch` (h0..h2 under a lying record count): every record
// arrives, and no allocation is sized from the count.
static void consume_lying_batch(const std::vector<uint8_t> &batch) {
  Harness h;
  h.hostile.log[0] = {"h0", "h1", "h2"};
  h.good.log[1] = {"g0", "g1", "g2"};
  h.hostile.fetch_records_once = batch;
  size_t baseline = h.mem.now;
  h.start_consumer();
  REQUIRE(h.run_until([&] {
    return h.delivered.p1.size() >= 3 && h.hostile.mischief_done == 1 && h.delivered.p0.size() >= 3;
  }));
  INFO(h.all_logs());
  if (getenv("HOSTILE_VERBOSE"))
    printf("batch %zu bytes: peak %zu (baseline %zu), largest %zu\n", batch.size(), h.mem.peak, baseline,
           h.mem.largest);
  CHECK(h.delivered.p0 == std::vector<std::string>({"h0", "h1", "h2"}));
  CHECK(h.delivered.p1 == std::vector<std::string>({"g0", "g1", "g2"}));
  CHECK(h.mem.largest <= size_t(kMaxResponseSize));  // the read buffer of a full answer
  CHECK(h.mem.peak - baseline < size_t(kMaxResponseSize) * 2);
  h.stop_consumer();
}

TEST_CASE("hostile broker: a record batch claiming 3,000,000 records allocates for the three it holds",
          "[hostile]") {
  // A valid CRC over a lying count: the message array was sized from the count (216 MB,
  // zeroed) before the records were read. Now the bytes cap it (kMinRecordSize a record).
  std::vector<uint8_t> b = plain_batch(0, {"h0", "h1", "h2"});
  put_be32(&b, 57, 3000000);  // recordCount
  put_be32(&b, 17, uvk::crc32c(0, b.data() + 21, b.size() - 21));
  consume_lying_batch(b);
}

TEST_CASE("hostile broker: a compressed record batch claiming 3,000,000 records allocates for the three it holds",
          "[hostile]") {
  // The same lie in a gzip batch: its compressed bytes cannot bound the count, so the count
  // must not size the message array (it did: 4,194,304 entries, 302 MB, at the first run).
  std::vector<uint8_t> plain = plain_batch(0, {"h0", "h1", "h2"});
  std::vector<uint8_t> records(plain.begin() + uvk::kBatchHeaderSize, plain.end());
  uLongf zlen = compressBound(uLong(records.size())) + 32;
  std::vector<uint8_t> gz(zlen);
  z_stream z = {};
  REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) == Z_OK);
  z.next_in = records.data();
  z.avail_in = uInt(records.size());
  z.next_out = gz.data();
  z.avail_out = uInt(gz.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  gz.resize(gz.size() - z.avail_out);
  deflateEnd(&z);
  std::vector<uint8_t> b(plain.begin(), plain.begin() + uvk::kBatchHeaderSize);
  b.insert(b.end(), gz.begin(), gz.end());
  put_be32(&b, 8, uint32_t(b.size() - 12));  // batchLength
  b[22] = uint8_t(b[22] | 1);                // attributes: gzip
  put_be32(&b, 57, 3000000);                 // recordCount
  put_be32(&b, 17, uvk::crc32c(0, b.data() + 21, b.size() - 21));
  consume_lying_batch(b);
}

TEST_CASE("hostile broker: a 1 MB record batch claiming 3,000,000 records allocates for the three it holds",
          "[hostile]") {
  // The worst case of the byte cap alone: a batch filled by one big key lets its count claim
  // a record per 7 bytes (kMinRecordSize), and the message array was sized from that: 148,000
  // entries rounded up to 262,144 (18.9 MB of 72-byte views for a 1 MB answer, 18x).
  std::vector<uint8_t> b;
  uvk::Buf out, scratch;
  uvk::BatchWriter w;
  uvk::BatchParams p;
  p.base_timestamp = 1700000000000;
  uvk::batch_begin(&w, &out, p);
  std::string key(size_t(kMaxResponseSize) - 8192, 'k');
  const char *values[] = {"h0", "h1", "h2"};
  for (int i = 0; i < 3; i++)
    uvk::batch_append(&w, p.base_timestamp, reinterpret_cast<const uint8_t *>(key.data()),
                      i == 2 ? int32_t(key.size()) : 0, reinterpret_cast<const uint8_t *>(values[i]), 2, nullptr, 0);
  REQUIRE(uvk::batch_finish(&w, &scratch) == 0);
  b.assign(out.data, out.data + out.len);
  uvk::buf_free(&out);
  uvk::buf_free(&scratch);
  put_be32(&b, 57, 3000000);  // recordCount
  put_be32(&b, 17, uvk::crc32c(0, b.data() + 21, b.size() - 21));
  consume_lying_batch(b);
}

// Partition 0's log holds h0..h4; its first answer is those five records in one CRC-valid
// batch whose third record is malformed by `spoil`. h0 and h1 come from that answer, the
// bad record is reported and the connection closed, and h2..h4 come from the next fetch,
// which asks for offset 2 again: nothing skipped, nothing twice.
static void consume_malformed_third(const std::function<void(std::vector<uint8_t> *, size_t)> &spoil) {
  Harness h;
  h.hostile.log[0] = {"h0", "h1", "h2", "h3", "h4"};
  h.good.log[1] = {"g0", "g1", "g2"};
  std::vector<uint8_t> b = plain_batch(0, {"h0", "h1", "h2", "h3", "h4"});
  // Each record: length 8, attributes, timestamp delta, offset delta, key -1, value length
  // 2, "hN", 0 headers: 9 bytes; the third starts at 61 + 18.
  const size_t third = uvk::kBatchHeaderSize + 18;
  REQUIRE(b.size() == uvk::kBatchHeaderSize + 45);
  REQUIRE(b[third] == 0x10);
  REQUIRE(b[third + 6] == 'h');
  REQUIRE(b[third + 7] == '2');
  spoil(&b, third);
  put_be32(&b, 17, uvk::crc32c(0, b.data() + 21, b.size() - 21));
  h.hostile.fetch_records_once = b;
  h.start_consumer();
  bool done = h.run_until([&] {
    return h.delivered.p1.size() >= 3 && h.hostile.mischief_done == 1 && h.disconnected_from(h.hostile) &&
           h.delivered.p0.size() >= 5;
  });
  INFO(h.all_logs());
  CHECK(h.delivered.p0 == std::vector<std::string>({"h0", "h1", "h2", "h3", "h4"}));
  REQUIRE(done);
  CHECK(h.delivered.p1 == std::vector<std::string>({"g0", "g1", "g2"}));
  CHECK(h.logged("Fetch " + h.cluster.topic + "/0: malformed record 3 in the record batch at offset 0: "
                 "malformed data from the peer (UVK_EPROTO)"));
  CHECK(h.logged("closed: malformed data from the peer: undecodable data in a Fetch v11 response"));
  CHECK(h.hostile.client_closes >= 1);
  CHECK_FALSE(h.disconnected_from(h.good));
  h.stop_consumer();
}

TEST_CASE("hostile broker: a malformed record in a CRC-valid batch is reported, not skipped", "[hostile]") {
  // The batch used to end silently at the bad record: h0, h1 delivered, the partition moved
  // past offset 4, and h2..h4 were never delivered, with no word to the application.
  SECTION("a key length of -2") {
    consume_malformed_third([](std::vector<uint8_t> *b, size_t r) { (*b)[r + 4] = 0x03; });
  }
  SECTION("a header count of 1 with no header bytes") {
    consume_malformed_third([](std::vector<uint8_t> *b, size_t r) { (*b)[r + 8] = 0x02; });
  }
  SECTION("a record length that runs past the batch") {
    consume_malformed_third([](std::vector<uint8_t> *b, size_t r) { (*b)[r] = 0x7e; });
  }
}

TEST_CASE("a legacy (magic 1) gzip message set delivers every inner message", "[hostile][legacy]") {
  // Brokers return old-format data as it was written; a compressed wrapper's record count is
  // unknown until its inner set is read (BatchView::count is -1).
  auto message = [](int64_t offset, int8_t attributes, const std::string &value) {
    uvk::Buf m, e;
    uvk::put_i8(&m, 1);
    uvk::put_i8(&m, attributes);
    uvk::put_i64(&m, 1700000000000);
    uvk::put_i32(&m, -1);
    uvk::put_i32(&m, int32_t(value.size()));
    uvk::put_raw(&m, value.data(), value.size());
    uvk::put_i64(&e, offset);
    uvk::put_i32(&e, int32_t(m.len + 4));
    uvk::put_be32(&e, uint32_t(crc32(0, m.data, uInt(m.len))));
    uvk::put_raw(&e, m.data, m.len);
    std::vector<uint8_t> out(e.data, e.data + e.len);
    uvk::buf_free(&m);
    uvk::buf_free(&e);
    return out;
  };
  std::vector<uint8_t> inner;
  for (int i = 0; i < 3; i++) {
    std::vector<uint8_t> one = message(i, 0, "h" + std::to_string(i));  // relative offsets 0..2
    inner.insert(inner.end(), one.begin(), one.end());
  }
  uvk::Buf z;
  REQUIRE(uvk::codec_compress(1, inner.data(), inner.size(), &z) == 0);
  std::vector<uint8_t> wrapper = message(2, 1, std::string(reinterpret_cast<const char *>(z.data), z.len));
  uvk::buf_free(&z);
  Harness h;
  h.hostile.log[0] = {"h0", "h1", "h2", "h3"};
  h.good.log[1] = {"g0"};
  h.hostile.fetch_records_once = wrapper;
  h.start_consumer();
  // Until the message after the wrapper arrives: what came before it is all there will be.
  REQUIRE(h.run_until([&] {
    return h.hostile.mischief_done == 1 && !h.delivered.p0.empty() && h.delivered.p0.back() == "h3";
  }));
  INFO(h.all_logs());
  CHECK(h.delivered.p0 == std::vector<std::string>({"h0", "h1", "h2", "h3"}));
  h.stop_consumer();
}
