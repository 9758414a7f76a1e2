// The connection state machine against a scripted broker: the test reads the frames the
// connection writes, answers with responses built by the generated codecs, and feeds them
// back in arbitrary chunks. The clock is whatever the test says.
#include <catch2/catch.hpp>

#include <string.h>

#include <string>
#include <vector>

#include "conn_rig.h"
#include "engine/conn.h"
#include "proto/client_versions.h"
#include "proto/gen/api_table.h"
#include "proto/gen/api_versions.h"
#include "proto/gen/headers.h"
#include "proto/gen/metadata.h"
#include "uvkafka/uvkafka.h"

using namespace uvk;
using namespace uvk::proto;
using namespace conn_rig;

namespace {

// Every frame the connection wrote; each names this test's client.
std::vector<Sent> drain(Conn *c) {
  std::vector<Sent> out = take_frames(c);
  for (const Sent &s : out) CHECK(s.client_id == "test-client");
  return out;
}

ApiVersionsResponse versions_response(std::vector<ApiVersionsResponse::ApiVersion> *keys, int16_t meta_max,
                                      int16_t av_max) {
  return versions_of(keys, {{kApiVersions, av_max}, {kMetadata, meta_max}});
}

struct Done {
  int calls = 0, err = 1;
  int16_t version = -1;
  int32_t throttle = -1;
  std::vector<int> order;
};

int encode_metadata(void *, Buf *out, int16_t version) {
  MetadataRequest req;
  req.topics.count = version >= 1 ? -1 : 0;
  return encode(out, req, version);
}

void metadata_done(void *ud, int err, int16_t version, Reader *body, const Request *r) {
  Done *d = static_cast<Done *>(ud);
  d->calls++;
  d->err = err;
  d->version = version;
  d->order.push_back(r->correlation_id);
  if (err == 0) {
    Arena a;
    MetadataResponse m;
    REQUIRE(decode(body, &a, &m, version) == 0);
    d->throttle = m.throttle_time_ms;
    arena_free(&a);
  }
}

Request metadata_request(Done *d) {
  Request r;
  r.api_key = kMetadata;
  r.min_version = 0;
  r.max_version = MetadataRequest::kMaxVersion;
  r.encode = encode_metadata;
  r.done = metadata_done;
  r.ud = d;
  return r;
}

ConnConfig config() {
  ConnConfig cfg;
  cfg.client_id = "test-client";
  cfg.request_timeout_ms = 1000;
  return cfg;
}

// Connects and completes ApiVersions with a broker offering Metadata up to meta_max.
void ready(Conn *c, int16_t meta_max) {
  conn_connected(c, 0);
  std::vector<Sent> s = drain(c);
  REQUIRE(s.size() == 1);
  REQUIRE(s[0].api_key == kApiVersions);
  std::vector<ApiVersionsResponse::ApiVersion> keys;
  REQUIRE(feed(c, frame(s[0].correlation, kApiVersions, s[0].version, versions_response(&keys, meta_max, 4)), 7) == 0);
  REQUIRE(c->state == kConnReady);
}

}  // namespace

TEST_CASE("conn: ApiVersions first, then the highest common version", "[conn]") {
  Conn c;
  conn_init(&c, config(), nullptr);
  Done d;
  Request r = metadata_request(&d);
  conn_send(&c, &r, 0);  // queued until the connection is ready
  CHECK(drain(&c).empty());
  conn_connected(&c, 0);
  std::vector<Sent> s = drain(&c);
  REQUIRE(s.size() == 1);
  CHECK(s[0].api_key == kApiVersions);
  CHECK(s[0].version == kUseApiVersions);
  Arena a;
  Reader body = reader_make(s[0].body.data(), s[0].body.size());
  ApiVersionsRequest req;
  REQUIRE(decode(&body, &a, &req, s[0].version) == 0);
  CHECK(std::string(req.client_software_name.data, size_t(req.client_software_name.len)) == "uvkafka");
  arena_free(&a);
  std::vector<ApiVersionsResponse::ApiVersion> keys;
  REQUIRE(feed(&c, frame(s[0].correlation, kApiVersions, s[0].version, versions_response(&keys, 12, 4)), 1) == 0);
  CHECK(c.state == kConnReady);
  s = drain(&c);
  REQUIRE(s.size() == 1);
  CHECK(s[0].api_key == kMetadata);
  CHECK(s[0].version == 12);
  MetadataResponse m;
  m.throttle_time_ms = 42;
  REQUIRE(feed(&c, frame(s[0].correlation, kMetadata, 12, m), 3) == 0);
  CHECK(d.calls == 1);
  CHECK(d.err == 0);
  CHECK(d.version == 12);
  CHECK(d.throttle == 42);
  conn_destroy(&c);
}

TEST_CASE("conn: an old broker answers UNSUPPORTED_VERSION; we retry at its version", "[conn]") {
  Conn c;
  conn_init(&c, config(), nullptr);
  conn_connected(&c, 0);
  std::vector<Sent> s = drain(&c);
  REQUIRE(s.size() == 1);
  // The broker knows ApiVersions only up to v2: it answers in v0 format with error 35.
  std::vector<ApiVersionsResponse::ApiVersion> keys;
  ApiVersionsResponse err = versions_response(&keys, 5, 2);
  err.error_code = 35;
  REQUIRE(feed(&c, frame(s[0].correlation, kApiVersions, 0, err), 5) == 0);
  CHECK(c.state == kConnApiVersions);
  s = drain(&c);
  REQUIRE(s.size() == 1);
  CHECK(s[0].api_key == kApiVersions);
  CHECK(s[0].version == 2);
  REQUIRE(feed(&c, frame(s[0].correlation, kApiVersions, 2, versions_response(&keys, 5, 2)), 64) == 0);
  REQUIRE(c.state == kConnReady);
  Done d;
  Request r = metadata_request(&d);
  conn_send(&c, &r, 0);
  s = drain(&c);
  REQUIRE(s.size() == 1);
  CHECK(s[0].version == 5);
  conn_destroy(&c);
  CHECK(d.err == UVK_ECLOSED);  // destroyed while in flight: failed, not forgotten
}

TEST_CASE("conn: UNSUPPORTED_VERSION in a body that is not v0 format: retry at v0", "[conn]") {
  Conn c;
  conn_init(&c, config(), nullptr);
  conn_connected(&c, 0);
  std::vector<Sent> s = drain(&c);
  REQUIRE(s.size() == 1);
  REQUIRE(s[0].version > 0);
  // What librdkafka's mock cluster sends: error 35, then a flexible-style list that a v0
  // decoder cannot read (a uvarint count, tagged fields).
  const uint8_t body[] = {0x00, 0x23, 0x01, 0x00, 0x12, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00};
  std::vector<uint8_t> f = {0, 0, 0, uint8_t(4 + sizeof body)};
  for (int i = 3; i >= 0; i--) f.push_back(uint8_t(uint32_t(s[0].correlation) >> (8 * i)));
  f.insert(f.end(), body, body + sizeof body);
  REQUIRE(feed(&c, f, 3) == 0);
  CHECK(c.state == kConnApiVersions);
  s = drain(&c);
  REQUIRE(s.size() == 1);
  CHECK(s[0].api_key == kApiVersions);
  CHECK(s[0].version == 0);
  std::vector<ApiVersionsResponse::ApiVersion> keys;
  REQUIRE(feed(&c, frame(s[0].correlation, kApiVersions, 0, versions_response(&keys, 5, 2)), 64) == 0);
  CHECK(c.state == kConnReady);
  conn_destroy(&c);
}

TEST_CASE("conn: protocolVersionCap holds versions to an older Kafka", "[conn]") {
  ConnConfig cfg = config();
  cfg.cap = version_table_find(2, 4, 0);
  REQUIRE(cfg.cap);
  Conn c;
  conn_init(&c, cfg, nullptr);
  conn_connected(&c, 0);
  std::vector<Sent> s = drain(&c);
  REQUIRE(s.size() == 1);
  CHECK(s[0].version == 3);  // Kafka 2.4 knows ApiVersions v3
  std::vector<ApiVersionsResponse::ApiVersion> keys;
  REQUIRE(feed(&c, frame(s[0].correlation, kApiVersions, 3, versions_response(&keys, 12, 4)), 9) == 0);
  CHECK(conn_pick_version(&c, kMetadata, 0, 12) == 9);  // and Metadata v9
  CHECK(conn_pick_version(&c, kMetadata, 10, 12) == -1);
  CHECK(conn_pick_version(&c, kFetch, 0, 17) == -1);  // the broker did not offer Fetch
  conn_destroy(&c);
}

TEST_CASE("conn: pipelining up to maxInFlightRequests, answers matched in order", "[conn]") {
  ConnConfig cfg = config();
  cfg.max_in_flight = 2;
  Conn c;
  conn_init(&c, cfg, nullptr);
  ready(&c, 12);
  Done d;
  Request rs[5];
  for (Request &r : rs) {
    r = metadata_request(&d);
    conn_send(&c, &r, 0);
  }
  std::vector<Sent> s = drain(&c);
  CHECK(s.size() == 2);
  std::vector<int> answered;
  for (int round = 0; round < 5; round++) {
    REQUIRE_FALSE(s.empty());
    MetadataResponse m;
    m.throttle_time_ms = -round;  // a marker only: negative, so no throttle hold (KIP-219)
    std::vector<uint8_t> bytes = frame(s[0].correlation, kMetadata, s[0].version, m);
    answered.push_back(s[0].correlation);
    s.erase(s.begin());
    REQUIRE(feed(&c, bytes, 1) == 0);  // byte by byte
    CHECK(d.throttle == -round);
    std::vector<Sent> more = drain(&c);
    s.insert(s.end(), more.begin(), more.end());
    CHECK(c.n_in_flight <= 2);
  }
  CHECK(d.calls == 5);
  CHECK(d.order == answered);
  conn_destroy(&c);
}

TEST_CASE("conn: a response for another request is a protocol error", "[conn]") {
  Conn c;
  conn_init(&c, config(), nullptr);
  ready(&c, 12);
  Done d1, d2;
  Request r1 = metadata_request(&d1), r2 = metadata_request(&d2);
  conn_send(&c, &r1, 0);
  conn_send(&c, &r2, 0);
  std::vector<Sent> s = drain(&c);
  REQUIRE(s.size() == 2);
  MetadataResponse m;
  CHECK(feed(&c, frame(s[1].correlation, kMetadata, s[1].version, m), 100) == UVK_EPROTO);
  CHECK(c.state == kConnClosed);
  CHECK(d1.err == UVK_EPROTO);
  CHECK(d2.err == UVK_EPROTO);
  conn_destroy(&c);
}

TEST_CASE("conn: absurd frame sizes close the connection", "[conn]") {
  ConnConfig cfg = config();
  cfg.max_response_size = 1024;
  Conn c;
  conn_init(&c, cfg, nullptr);
  ready(&c, 12);
  Done d;
  Request r = metadata_request(&d);
  conn_send(&c, &r, 0);
  drain(&c);
  const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
  CHECK(conn_read(&c, huge, 4, 0) == UVK_EPROTO);
  CHECK(d.err == UVK_EPROTO);
  conn_destroy(&c);
  Conn c2;
  conn_init(&c2, cfg, nullptr);
  ready(&c2, 12);
  const uint8_t tiny[] = {0, 0, 0, 2, 0, 0};
  CHECK(conn_read(&c2, tiny, 6, 0) == UVK_EPROTO);
  conn_destroy(&c2);
}

TEST_CASE("conn: a request timeout fails it and closes the connection", "[conn]") {
  Conn c;
  conn_init(&c, config(), nullptr);
  ready(&c, 12);
  Done d1, d2;
  Request r1 = metadata_request(&d1), r2 = metadata_request(&d2);
  conn_send(&c, &r1, 100);
  conn_send(&c, &r2, 600);
  drain(&c);
  CHECK(conn_next_deadline(&c) == 1100);
  CHECK(conn_timer(&c, 1099) == 0);
  CHECK(d1.calls == 0);
  CHECK(conn_timer(&c, 1100) == UVK_ETIMEDOUT);
  CHECK(d1.err == UVK_ETIMEDOUT);
  CHECK(d2.err == UVK_ECLOSED);
  CHECK(c.state == kConnClosed);
  // A response arriving after the close is not delivered to anybody.
  MetadataResponse m;
  CHECK(feed(&c, frame(r1.correlation_id, kMetadata, r1.version, m), 8) != 0);
  CHECK(d1.calls == 1);
  conn_destroy(&c);
}

TEST_CASE("conn: a request the broker may hold (min_timeout_ms) times out after that, not requestTimeout", "[conn]") {
  Conn c;
  conn_init(&c, config(), nullptr);  // requestTimeout 1000
  ready(&c, 12);
  Done d1, d2;
  Request r1 = metadata_request(&d1), r2 = metadata_request(&d2);
  r1.min_timeout_ms = 5000;  // a JoinGroup held for rebalanceTimeout
  r2.min_timeout_ms = 500;   // shorter than requestTimeout: requestTimeout
  conn_send(&c, &r1, 100);
  drain(&c);
  CHECK(conn_next_deadline(&c) == 5100);
  CHECK(conn_timer(&c, 5099) == 0);
  CHECK(d1.calls == 0);
  CHECK(conn_timer(&c, 5100) == UVK_ETIMEDOUT);
  CHECK(d1.err == UVK_ETIMEDOUT);
  conn_destroy(&c);
  Conn c2;
  conn_init(&c2, config(), nullptr);
  ready(&c2, 12);
  conn_send(&c2, &r2, 100);
  drain(&c2);
  CHECK(conn_next_deadline(&c2) == 1100);
  conn_destroy(&c2);
}

TEST_CASE("conn: enforceRequestTimeout false waits forever", "[conn]") {
  ConnConfig cfg = config();
  cfg.enforce_request_timeout = false;
  Conn c;
  conn_init(&c, cfg, nullptr);
  ready(&c, 12);
  Done d;
  Request r = metadata_request(&d);
  conn_send(&c, &r, 0);
  drain(&c);
  CHECK(conn_next_deadline(&c) == UINT64_MAX);
  CHECK(conn_timer(&c, 1000000000) == 0);
  CHECK(d.calls == 0);
  conn_destroy(&c);
  CHECK(d.err == UVK_ECLOSED);
}

TEST_CASE("conn: connection lost in the middle of a response", "[conn]") {
  Conn c;
  conn_init(&c, config(), nullptr);
  ready(&c, 12);
  Done d;
  Request r = metadata_request(&d);
  conn_send(&c, &r, 0);
  std::vector<Sent> s = drain(&c);
  MetadataResponse m;
  std::vector<uint8_t> bytes = frame(s[0].correlation, kMetadata, s[0].version, m);
  bytes.resize(bytes.size() / 2);
  REQUIRE(feed(&c, bytes, 3) == 0);
  CHECK(d.calls == 0);
  conn_fail(&c, UVK_ECLOSED);
  CHECK(d.calls == 1);
  CHECK(d.err == UVK_ECLOSED);
  CHECK(uvk_err_is_retriable(UVK_ECLOSED) == 1);
  conn_destroy(&c);
}

TEST_CASE("conn: no version in common fails the request alone", "[conn]") {
  Conn c;
  conn_init(&c, config(), nullptr);
  ready(&c, 3);
  Done d;
  Request r = metadata_request(&d);
  r.min_version = 4;  // we need a feature from v4; the broker stops at v3
  conn_send(&c, &r, 0);
  CHECK(d.err == UVK_EUNSUPPORTED);
  CHECK(c.state == kConnReady);
  conn_destroy(&c);
}

namespace {
const size_t kBigBody = 700 * 1024;
int encode_big(void *, Buf *out, int16_t) {
  static const std::vector<uint8_t> zeros(kBigBody, 0);
  put_raw(out, zeros.data(), zeros.size());
  return 0;
}
void big_done(void *ud, int, int16_t, Reader *, const Request *) { ++*static_cast<int *>(ud); }
}  // namespace

// A burst of large requests is encoded only while less than kConnMaxUnwritten waits for
// the driver; the rest wait as requests until the driver has taken the output.
TEST_CASE("conn: requests wait unencoded while the output holds kConnMaxUnwritten", "[conn]") {
  Conn c;
  conn_init(&c, config(), nullptr);
  ready(&c, MetadataRequest::kMaxVersion);
  int done = 0;
  std::vector<Request> rs(6, Request());
  for (Request &r : rs) {
    r.api_key = kMetadata;
    r.max_version = MetadataRequest::kMaxVersion;
    r.encode = encode_big;
    r.done = big_done;
    r.ud = &done;
    r.expects_response = false;
    conn_send(&c, &r, 0);
  }
  const size_t per = kBigBody + 64;  // body plus frame and header, at most
  size_t fits = (kConnMaxUnwritten + kBigBody - 1) / kBigBody;  // requests until the cap is reached
  const uint8_t *p;
  size_t n = conn_output(&c, &p);
  CHECK(n >= kConnMaxUnwritten);
  CHECK(n <= fits * per);
  CHECK(c.n_queued == int(rs.size() - fits));
  CHECK(done == int(fits));  // acks=0 style: done once handed over
  // The driver takes it all: the held requests may go now, and conn_flush writes them.
  CHECK(conn_output_done(&c, n, 0));
  CHECK(c.n_queued == int(rs.size() - fits));  // nothing written inside conn_output_done
  // Round by round (each within the cap) until every request is written; the last round
  // held nothing back.
  for (int round = 0; round < 10; round++) {
    conn_flush(&c, 0);
    n = conn_output(&c, &p);
    CHECK(n >= kBigBody);
    CHECK(n <= fits * per);
    if (!conn_output_done(&c, n, 0)) break;
  }
  CHECK(c.n_queued == 0);
  CHECK(done == int(rs.size()));
  conn_destroy(&c);
}

// The driver writes what the socket refused from the connection's own buffer (taken, not
// copied): the bytes stay where they are while it writes, nothing is encoded meanwhile, and
// the buffer comes back for the next requests.
TEST_CASE("conn: a taken output stays in place until returned; its memory is reused", "[conn]") {
  Conn c;
  conn_init(&c, config(), nullptr);
  ready(&c, MetadataRequest::kMaxVersion);
  int done = 0;
  std::vector<Request> rs(3, Request());
  for (Request &r : rs) {
    r.api_key = kMetadata;
    r.max_version = MetadataRequest::kMaxVersion;
    r.encode = encode_big;
    r.done = big_done;
    r.ud = &done;
    r.expects_response = false;
  }
  conn_send(&c, &rs[0], 0);
  const uint8_t *p;
  size_t n = conn_output(&c, &p);
  REQUIRE(n > kBigBody);
  conn_output_done(&c, 100, 0);  // the socket took 100 bytes, then was full
  std::vector<uint8_t> rest(p + 100, p + n);
  Buf taken;
  size_t from = 0;
  REQUIRE(conn_output_take(&c, &taken, &from) == n - 100);
  const uint8_t *at = taken.data + from;
  CHECK(memcmp(at, rest.data(), rest.size()) == 0);
  CHECK(!conn_output(&c, &p));       // nothing more to write meanwhile
  CHECK(conn_wants_write(&c));       // but the connection is not idle
  Buf again;
  CHECK(conn_output_take(&c, &again, &from) == 0);  // one taken buffer at a time
  // Requests sent while the driver writes wait unencoded: the taken bytes cannot move.
  conn_send(&c, &rs[1], 0);
  conn_send(&c, &rs[2], 0);
  CHECK(c.n_queued == 2);
  CHECK(done == 1);
  CHECK(memcmp(at, rest.data(), rest.size()) == 0);
  // Written: the buffer comes back (the held requests may go now) and is reused for them.
  uint8_t *mem = taken.data;
  CHECK(conn_output_return(&c, &taken, 0));
  CHECK(taken.data == nullptr);
  CHECK(c.out.data == mem);
  CHECK(c.out.len == 0);
  CHECK(c.n_queued == 2);  // nothing written inside conn_output_return
  conn_flush(&c, 0);
  CHECK(c.n_queued == 0);
  CHECK(done == 3);
  n = conn_output(&c, &p);
  CHECK(n > 2 * kBigBody);
  conn_destroy(&c);
}

// The connection closes while the driver holds its bytes: they are the driver's to free.
TEST_CASE("conn: a taken output outlives the connection", "[conn]") {
  Conn c;
  conn_init(&c, config(), nullptr);
  ready(&c, MetadataRequest::kMaxVersion);
  int done = 0;
  Request r;
  r.api_key = kMetadata;
  r.max_version = MetadataRequest::kMaxVersion;
  r.encode = encode_big;
  r.done = big_done;
  r.ud = &done;
  conn_send(&c, &r, 0);
  Buf taken;
  size_t from = 0;
  REQUIRE(conn_output_take(&c, &taken, &from) > kBigBody);
  conn_destroy(&c);
  CHECK(done == 1);  // failed with the connection
  CHECK(taken.data[from + 4 + 1] == kMetadata);  // still readable: the size, then the api key
  buf_free(&taken);
}

TEST_CASE("conn: the rest of a large response lands in place; a bad length gets no room", "[conn]") {
  ConnConfig cfg = config();
  cfg.max_response_size = 1u << 20;
  Conn c;
  conn_init(&c, cfg, nullptr);
  ready(&c, 12);
  uint8_t *at = nullptr;
  CHECK(conn_read_window(&c, 1, &at) == 0);  // nothing buffered: no length known
  Done d;
  Request r = metadata_request(&d);
  conn_send(&c, &r, 0);
  std::vector<Sent> s = drain(&c);
  REQUIRE(s.size() == 1);
  std::string id(200000, 'x');
  MetadataResponse m;
  m.throttle_time_ms = 7;
  m.cluster_id = Str{id.data(), int32_t(id.size())};
  std::vector<uint8_t> bytes = frame(s[0].correlation, kMetadata, s[0].version, m);
  REQUIRE(conn_read(&c, bytes.data(), 3, 0) == 0);
  CHECK(conn_read_window(&c, 1, &at) == 0);  // the length is not whole yet
  REQUIRE(conn_read(&c, bytes.data() + 3, 1000, 0) == 0);
  size_t pos = 1003, windows = 0;
  while (pos < bytes.size()) {
    size_t n = conn_read_window(&c, 1, &at);
    REQUIRE(n > 0);
    CHECK(n <= bytes.size() - pos);  // never past this frame
    CHECK(c.in.cap <= 4 * pos + 1024);  // room grows with what came (powers of two), not with the length
    n = std::min(n, size_t(5000));  // the socket gives less than asked
    memcpy(at, bytes.data() + pos, n);
    REQUIRE(conn_read_landed(&c, n, 0) == 0);
    pos += n;
    windows++;
  }
  CHECK(windows > 10);
  CHECK(d.calls == 1);
  CHECK(d.err == 0);
  CHECK(d.throttle == 7);
  CHECK(conn_read_window(&c, 1, &at) == 0);  // the frame is done
  // Over maxResponseSize: no room; the copying read refuses the length as before.
  Request r2 = metadata_request(&d);
  conn_send(&c, &r2, 0);
  drain(&c);
  const uint8_t huge[] = {0x00, 0x20, 0x00, 0x00, 0, 0, 0, 0};
  REQUIRE(conn_read(&c, huge, 3, 0) == 0);
  CHECK(conn_read_window(&c, 1, &at) == 0);
  CHECK(conn_read(&c, huge + 3, 5, 0) == UVK_EPROTO);
  CHECK(conn_read_window(&c, 1, &at) == 0);  // closed
  conn_destroy(&c);
}
