// TLS against the real cluster's SSL, MTLS and SASL_SSL listeners: trust by the test CA,
// a wrong CA, a name the certificate does not carry, rejectUnauthorized false, client
// certificates, SASL over TLS. Needs the UVK_TEST_* TLS exports of test/kafka/cluster.sh.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include <string>
#include <utility>
#include <vector>

#include "roundtrip.h"
#include "unsecured_jwt.h"
#include "uvkafka/uvkafka.h"

namespace {

std::string env(const char *name) {
  const char *v = getenv(name);
  return v ? v : "";
}

struct Outcome {
  bool done = false;
  int code = 1;
  std::string message;
  size_t brokers = 0;
  int produced = 1;
  std::string consumed;  // the produced message, read back by a consumer group
};

void run_until(uv_loop_t *loop, const bool *flag) {
  while (!*flag) {
    int alive = uv_run(loop, UV_RUN_DEFAULT);
    if (!*flag && !alive) FAIL("the loop ran out of work before the callback came");
  }
}

// Metadata (and, when it works, one produced message) with these settings.
Outcome attempt(const std::string &brokers, const std::vector<std::pair<const char *, std::string>> &settings,
                void (*setup)(uvk_config *) = nullptr) {
  INFO("the TLS listeners of the test cluster must be exported (UVK_TEST_SSL_BROKERS, UVK_TEST_CA, ...)");
  REQUIRE_FALSE(brokers.empty());
  REQUIRE_FALSE(env("UVK_TEST_CA").empty());
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "brokers", brokers.c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "logLevel", "NOTHING", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "ssl", "true", err, sizeof err) == 0);
  for (const auto &kv : settings) {
    INFO(kv.first);
    REQUIRE(uvk_config_set(cfg, kv.first, kv.second.c_str(), err, sizeof err) == 0);
  }
  if (setup) setup(cfg);
  uvk_client *client = nullptr;
  REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
  uvk_producer *producer = nullptr;
  REQUIRE(uvk_producer_new(client, cfg, &producer) == 0);
  uvk_config_free(cfg);
  Outcome o;
  REQUIRE(uvk_client_metadata(client, nullptr, 0, [](uvk_client *c, const uvk_error *e, const uvk_metadata *md, void *ud) {
    Outcome *out = static_cast<Outcome *>(ud);
    out->done = true;
    out->code = e ? uvk_error_code(e) : 0;
    if (e && uvk_error_broker_message(e)) out->message = uvk_error_broker_message(e);
    out->brokers = md ? uvk_metadata_broker_count(md) : 0;
    uv_stop(static_cast<uv_loop_t *>(uvk_client_loop(c)));
  }, &o) == 0);
  run_until(&loop, &o.done);
  if (o.code == 0) {
    std::string topic = "uvk-it-tls-" + std::to_string(uv_hrtime());
    uvk_message m = {"k", 1, "over tls", 8, -1, -1, nullptr, 0};
    struct S {
      bool done = false;
      int code = 1;
      uv_loop_t *loop;
    } s;
    s.loop = &loop;
    REQUIRE(uvk_producer_send(producer, topic.c_str(), &m, 1, nullptr,
                              [](uvk_producer *, const uvk_error *e, const uvk_record_metadata *, size_t, void *ud) {
                                S *x = static_cast<S *>(ud);
                                x->done = true;
                                x->code = e ? uvk_error_code(e) : 0;
                                uv_stop(x->loop);
                              }, &s) == 0);
    run_until(&loop, &s.done);
    o.produced = s.code;
    if (s.code == 0) {
      roundtrip::Read r = roundtrip::consume_one(&loop, client, topic);
      INFO(r.crash);
      o.consumed = r.value;
    }
  }
  uvk_producer_free(producer);
  struct D {
    bool done = false;
  } d;
  REQUIRE(uvk_client_disconnect(client, [](uvk_client *c, const uvk_error *, void *ud) {
    static_cast<D *>(ud)->done = true;
    uv_stop(static_cast<uv_loop_t *>(uvk_client_loop(c)));
  }, &d) == 0);
  run_until(&loop, &d.done);
  uvk_client_free(client);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
  return o;
}

int nodes() { return atoi(env("UVK_TEST_NODES").c_str()); }

// The same listener by name: "localhost:PORT,..." (the certificate names localhost too).
std::string by_localhost(const std::string &list) {
  std::string out = list;
  for (size_t p; (p = out.find("127.0.0.1")) != std::string::npos;) out.replace(p, 9, "localhost");
  return out;
}

}  // namespace

TEST_CASE("tls: the SSL listener with the test CA, by IP address and by name", "[integration]") {
  Outcome ip = attempt(env("UVK_TEST_SSL_BROKERS"), {{"ssl.ca", env("UVK_TEST_CA")}});
  CHECK(ip.code == 0);
  CHECK(int(ip.brokers) == nodes());
  CHECK(ip.produced == 0);
  CHECK(ip.consumed == "over tls");
  Outcome name = attempt(by_localhost(env("UVK_TEST_SSL_BROKERS")), {{"ssl.ca", env("UVK_TEST_CA")}});
  CHECK(name.code == 0);
  CHECK(name.produced == 0);
  CHECK(name.consumed == "over tls");
}

TEST_CASE("tls: an unknown CA fails at once, saying so", "[integration]") {
  Outcome o = attempt(env("UVK_TEST_SSL_BROKERS"), {});  // the system store: the test CA is not in it
  INFO("message: " << o.message);
  CHECK(o.code == UVK_ETLS);
  CHECK(o.message.find("verification failed") != std::string::npos);
  CHECK(o.message.find("trusted CA") != std::string::npos);
}

TEST_CASE("tls: a name the certificate does not carry is refused", "[integration]") {
  Outcome o = attempt(env("UVK_TEST_SSL_BROKERS"), {{"ssl.ca", env("UVK_TEST_CA")}, {"ssl.servername", "wrong.example"}});
  INFO("message: " << o.message);
  CHECK(o.code == UVK_ETLS);
  CHECK(o.message.find("CN") != std::string::npos);
  // An IP address the certificate does not list (it lists 127.0.0.1) is refused too.
  Outcome ip = attempt(env("UVK_TEST_SSL_BROKERS"), {{"ssl.ca", env("UVK_TEST_CA")}, {"ssl.servername", "127.0.0.2"}});
  CHECK(ip.code == UVK_ETLS);
}

TEST_CASE("tls: rejectUnauthorized false accepts what it cannot verify", "[integration]") {
  Outcome o = attempt(env("UVK_TEST_SSL_BROKERS"), {{"ssl.rejectUnauthorized", "false"}});
  CHECK(o.code == 0);
  CHECK(o.produced == 0);
  CHECK(o.consumed == "over tls");
}

TEST_CASE("tls: mTLS with and without the client certificate", "[integration]") {
  Outcome with = attempt(env("UVK_TEST_MTLS_BROKERS"), {{"ssl.ca", env("UVK_TEST_CA")},
                                                        {"ssl.cert", env("UVK_TEST_CLIENT_CERT")},
                                                        {"ssl.key", env("UVK_TEST_CLIENT_KEY")}});
  CHECK(with.code == 0);
  CHECK(with.produced == 0);
  CHECK(with.consumed == "over tls");
  Outcome without = attempt(env("UVK_TEST_MTLS_BROKERS"), {{"ssl.ca", env("UVK_TEST_CA")}});
  INFO("without a client certificate: " << without.code << " " << without.message);
  CHECK(without.code != 0);
}

TEST_CASE("tls: SASL over TLS with each mechanism", "[integration]") {
  for (const char *mech : {"plain", "scram-sha-256", "scram-sha-512"}) {
    DYNAMIC_SECTION(mech) {
      Outcome o = attempt(env("UVK_TEST_SASL_SSL_BROKERS"), {{"ssl.ca", env("UVK_TEST_CA")},
                                                             {"sasl.mechanism", mech},
                                                             {"sasl.username", env("UVK_TEST_USER")},
                                                             {"sasl.password", env("UVK_TEST_PASSWORD")}});
      CHECK(o.code == 0);
      CHECK(o.produced == 0);
  CHECK(o.consumed == "over tls");
    }
  }
}

namespace {

// Answers from inside the callback (the synchronous path; sasl_test.cc covers later answers).
void provide_now(void *, uvk_client *client, uint64_t request) {
  std::string token = jwt::unsecured(env("UVK_TEST_USER"), 3600);
  CHECK(uvk_oauthbearer_token(client, request, token.c_str(), nullptr, 0) == 0);
}

void oauth(uvk_config *cfg) {
  char err[256];
  REQUIRE(uvk_config_set(cfg, "sasl.mechanism", "oauthbearer", err, sizeof err) == 0);
  REQUIRE(uvk_config_set_oauthbearer_provider(cfg, provide_now, nullptr) == 0);
}

// SCRAM-less PLAIN through the custom-mechanism hook, answered synchronously.
void plain_step(void *, uvk_client *client, const uvk_sasl_step *st) {
  if (st->server_message) {
    CHECK(uvk_sasl_done(client, st->id) == 0);
    return;
  }
  std::string msg = std::string(1, '\0') + env("UVK_TEST_USER") + std::string(1, '\0') + env("UVK_TEST_PASSWORD");
  CHECK(uvk_sasl_send(client, st->id, msg.data(), msg.size()) == 0);
}

void custom_plain(uvk_config *cfg) { REQUIRE(uvk_config_set_sasl_mechanism(cfg, "PLAIN", plain_step, nullptr) == 0); }

}  // namespace

TEST_CASE("tls: OAUTHBEARER and a custom mechanism over SASL_SSL", "[integration]") {
  Outcome o = attempt(env("UVK_TEST_SASL_SSL_BROKERS"), {{"ssl.ca", env("UVK_TEST_CA")}}, oauth);
  INFO(o.message);
  CHECK(o.code == 0);
  CHECK(o.produced == 0);
  CHECK(o.consumed == "over tls");
  Outcome c = attempt(env("UVK_TEST_SASL_SSL_BROKERS"), {{"ssl.ca", env("UVK_TEST_CA")}}, custom_plain);
  INFO(c.message);
  CHECK(c.code == 0);
  CHECK(c.produced == 0);
  CHECK(c.consumed == "over tls");
}
