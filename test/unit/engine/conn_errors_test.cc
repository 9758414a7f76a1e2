// Connection failures that name their cause (issue 28), without a broker: a TLS listener's
// answer to a plaintext client, SaslHandshake refusals, the engine's record of the latest
// failure that error objects carry, and the TLS record and alert helpers.
#include <catch2/catch.hpp>

#include <string.h>

#include <string>
#include <vector>

#include "common/tls_record.h"
#include "conn_rig.h"
#include "engine/engine.h"
#include "proto/client_versions.h"
#include "engine/kafka_errors.h"
#include "proto/gen/api_table.h"
#include "proto/gen/api_versions.h"
#include "proto/gen/headers.h"
#include "proto/gen/metadata.h"
#include "proto/gen/sasl_handshake.h"
#include "uvkafka/uvkafka.h"

using namespace uvk;
using namespace uvk::proto;
using namespace conn_rig;

namespace {

// ApiVersions answered with Metadata, SaslHandshake v1 and SaslAuthenticate.
int answer_versions(Conn *c, const Sent &s) {
  std::vector<ApiVersionsResponse::ApiVersion> keys;
  ApiVersionsResponse r =
      versions_of(&keys, {{kApiVersions, 3}, {kMetadata, 12}, {kSaslHandshake, 1}, {kSaslAuthenticate, 2}});
  std::vector<uint8_t> f = frame(s.correlation, kApiVersions, s.version, r);
  return conn_read(c, f.data(), f.size(), 0);
}

struct Seen {
  int failed = 0;
  int code = 0;
};

void observe(void *ud, ConnEventKind kind, const Request *, size_t, uint64_t) {
  if (kind == kConnEventFailed) static_cast<Seen *>(ud)->failed++;
}

// SaslHandshake answered with `code` and these mechanisms; returns the conn's error.
int sasl_refused(Conn *c, int16_t code, std::vector<const char *> offered) {
  conn_connected(c, 0);
  std::vector<Sent> s = take_frames(c);
  REQUIRE(s.size() == 1);
  REQUIRE(answer_versions(c, s[0]) == 0);
  s = take_frames(c);
  REQUIRE(s.size() == 1);
  REQUIRE(s[0].api_key == kSaslHandshake);
  std::vector<Str> names;
  for (const char *m : offered) names.push_back(cstr(m));
  SaslHandshakeResponse resp;
  resp.error_code = code;
  resp.mechanisms.items = names.data();
  resp.mechanisms.count = int32_t(names.size());
  std::vector<uint8_t> f = frame(s[0].correlation, kSaslHandshake, s[0].version, resp);
  return conn_read(c, f.data(), f.size(), 0);
}

}  // namespace

TEST_CASE("conn errors: TLS records are told from Kafka frames", "[conn][errors]") {
  const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
  const uint8_t hello[] = {0x16, 0x03, 0x01, 0x00, 0xf4};
  const uint8_t frame_len[] = {0x00, 0x00, 0x01, 0x20};
  const uint8_t http[] = {'H', 'T', 'T', 'P'};
  CHECK(looks_like_tls_record(alert, sizeof alert));
  CHECK(looks_like_tls_record(hello, sizeof hello));
  CHECK_FALSE(looks_like_tls_record(frame_len, sizeof frame_len));
  CHECK_FALSE(looks_like_tls_record(http, sizeof http));
  CHECK_FALSE(looks_like_tls_record(alert, 2));
  for (size_t n = 0; n <= sizeof hello; n++) CHECK(could_start_tls_record(hello, n));  // any split
  CHECK_FALSE(could_start_tls_record(frame_len, 1));
  CHECK_FALSE(could_start_tls_record(http, 1));
  const uint8_t not_version[] = {0x16, 0x04};
  CHECK_FALSE(could_start_tls_record(not_version, 2));
  CHECK(tls_plain_alert(alert, sizeof alert) == 40);
  CHECK(tls_plain_alert(hello, sizeof hello) == -1);
  CHECK(std::string(tls_alert_name(42)) == "bad_certificate");
  CHECK(std::string(tls_alert_name(116)) == "certificate_required");
  CHECK(std::string(tls_alert_name(7)) == "unknown alert");
  CHECK(std::string(tls_alert_hint(42)).find("ssl.cert") != std::string::npos);
}

TEST_CASE("conn errors: a plaintext client that reads a TLS record fails with UVK_ETLS and says why",
          "[conn][errors]") {
  Conn c;
  ConnConfig cfg;
  conn_init(&c, cfg, nullptr);
  Seen seen;
  c.observer.fn = observe;
  c.observer.ud = &seen;
  conn_connected(&c, 0);
  take_frames(&c);
  // What a Kafka SSL listener sends back to ApiVersions in the clear: a fatal alert.
  const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x0a};
  CHECK(conn_read(&c, alert, sizeof alert, 0) == UVK_ETLS);
  CHECK(c.state == kConnClosed);
  CHECK(seen.failed == 1);
  std::string why = c.error_message;
  CHECK(why.find("answered with TLS") != std::string::npos);
  CHECK(why.find("--tls") != std::string::npos);
  conn_destroy(&c);
}

TEST_CASE("conn errors: a request timeout names the request and requestTimeout", "[conn][errors]") {
  ConnConfig cfg;
  cfg.request_timeout_ms = 500;
  Conn c;
  conn_init(&c, cfg, nullptr);
  Seen seen;
  c.observer.fn = observe;
  c.observer.ud = &seen;
  conn_connected(&c, 0);
  take_frames(&c);
  CHECK(conn_timer(&c, 501) == UVK_ETIMEDOUT);  // ApiVersions went unanswered
  CHECK(seen.failed >= 1);
  CHECK(std::string(c.error_message) ==
        "no answer to ApiVersions v" + std::to_string(kUseApiVersions) +
            " within requestTimeout (500 ms): the broker is overloaded, stuck or unreachable");
  conn_destroy(&c);
}

TEST_CASE("conn errors: a mechanism the listener does not enable names the ones it offers", "[conn][errors]") {
  SaslConfig sasl;
  sasl.mechanism = kSaslPlain;
  sasl.username = "u";
  sasl.password = "p";
  ConnConfig cfg;
  cfg.sasl = &sasl;
  Conn c;
  conn_init(&c, cfg, nullptr);
  CHECK(sasl_refused(&c, 33, {"SCRAM-SHA-256", "SCRAM-SHA-512"}) == UVK_EAUTH);
  CHECK(c.error_kafka_code == 33);
  std::string why = c.error_message;
  INFO(why);
  CHECK(why.find("does not enable SASL PLAIN") != std::string::npos);
  CHECK(why.find("it offers: SCRAM-SHA-256, SCRAM-SHA-512") != std::string::npos);
  conn_destroy(&c);
}

TEST_CASE("conn errors: a listener without SASL answers the handshake with no mechanisms", "[conn][errors]") {
  SaslConfig sasl;
  sasl.mechanism = kSaslScramSha256;
  ConnConfig cfg;
  cfg.sasl = &sasl;
  Conn c;
  conn_init(&c, cfg, nullptr);
  CHECK(sasl_refused(&c, 34, {}) == UVK_EAUTH);
  CHECK(c.error_kafka_code == 34);
  std::string why = c.error_message;
  CHECK(why.find("this listener does not use SASL") != std::string::npos);
  conn_destroy(&c);
}

namespace {

struct Io {
  ConnId last = 0;
};
void io_connect(void *ud, ConnId id, const char *, uint16_t) { static_cast<Io *>(ud)->last = id; }
void io_nop(void *, ConnId) {}
void io_timer(void *, uint64_t) {}
void io_defer(void *) {}

struct Result {
  int calls = 0, err = 0;
};
int encode_metadata(void *, Buf *out, int16_t version) {
  MetadataRequest req;
  req.topics.count = -1;
  return encode(out, req, version);
}
void on_done(void *ud, int err, int16_t, Reader *, const Request *) {
  Result *r = static_cast<Result *>(ud);
  r->calls++;
  r->err = err;
}
Request metadata_request(Result *res) {
  Request r;
  r.api_key = kMetadata;
  r.max_version = 12;
  r.encode = encode_metadata;
  r.done = on_done;
  r.ud = res;
  return r;
}

Engine *engine(Io *io) {
  EngineIo eio{io, io_connect, io_nop, io_nop, io_timer, io_defer, nullptr};
  EngineConfig cfg;
  cfg.rng_seed = 1;
  Engine *e = engine_new(cfg, eio, nullptr);
  REQUIRE(engine_add_seed(e, "broker.test", 9092) == 0);
  return e;
}

std::string message_of(const uvk_error *err) {
  const char *m = uvk_error_broker_message(err);
  return m ? m : "";
}

}  // namespace

TEST_CASE("conn errors: the driver's reason reaches the error object of what failed with it", "[conn][errors]") {
  Io io;
  Engine *e = engine(&io);
  Result res;
  Request r = metadata_request(&res);
  REQUIRE(engine_send(e, -1, &r, 0) == 0);
  REQUIRE(io.last != 0);
  engine_note_conn_error(e, io.last, "cannot resolve the broker host \"broker.test\"");
  engine_on_conn_error(e, io.last, UVK_ECLOSED, 5);
  CHECK(res.calls == 1);
  CHECK(res.err == UVK_ECONNECT);  // not connected yet: a connect failure
  uvk_error *err = engine_conn_error(e, UVK_ECONNECT, nullptr);
  CHECK(message_of(err) == "cannot resolve the broker host \"broker.test\" (broker broker.test:9092)");
  uvk_error_release(err);
  // Another code gets no borrowed reason.
  err = engine_conn_error(e, UVK_ETIMEDOUT, nullptr);
  CHECK(message_of(err).empty());
  uvk_error_release(err);
  engine_free(e);
}

TEST_CASE("conn errors: closed at the first request after ApiVersions suggests SASL", "[conn][errors]") {
  Io io;
  Engine *e = engine(&io);
  Result res;
  Request r = metadata_request(&res);
  REQUIRE(engine_send(e, -1, &r, 0) == 0);
  ConnId id = io.last;
  engine_on_connected(e, id, 1);
  const uint8_t *p;
  size_t n = engine_conn_output(e, id, &p);
  REQUIRE(n > 8);
  int32_t correlation = int32_t(uint32_t(p[8]) << 24 | uint32_t(p[9]) << 16 | uint32_t(p[10]) << 8 | p[11]);
  int16_t version = int16_t(p[6] << 8 | p[7]);
  engine_conn_output_done(e, id, n, 1);
  std::vector<ApiVersionsResponse::ApiVersion> keys(2);
  keys[0].api_key = kApiVersions, keys[0].max_version = 3;
  keys[1].api_key = kMetadata, keys[1].max_version = 12;
  ApiVersionsResponse av;
  av.api_keys.items = keys.data();
  av.api_keys.count = 2;
  std::vector<uint8_t> f = frame(correlation, kApiVersions, version, av);
  engine_on_read(e, id, f.data(), f.size(), 2);
  REQUIRE(res.calls == 0);  // Metadata went out
  engine_on_conn_error(e, id, UVK_ECLOSED, 3);  // a SASL listener's answer to it
  CHECK(res.calls == 1);
  CHECK(res.err == UVK_ECLOSED);
  uvk_error *err = engine_conn_error(e, UVK_ECLOSED, nullptr);
  std::string why = message_of(err);
  INFO(why);
  CHECK(why.find("likely expects SASL") != std::string::npos);
  CHECK(why.find("--sasl") != std::string::npos);
  uvk_error_release(err);
  engine_free(e);
}
