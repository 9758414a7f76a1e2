// Issue 28's table of a new user's mistakes, each against the real cluster's listeners: the
// error code and the words of the message that names the cause and the likely fix, as
// uvk_error_format writes the chain (what `uvk produce` and the log lines show). The expired
// certificate needs a broker with one: test/unit/tls covers it with an in-memory server.
// Needs the UVK_TEST_* exports of test/kafka/cluster.sh; UVK_CLI (set by meson) for the CLI.
#include <catch2/catch.hpp>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <uv.h>

#include <string>
#include <utility>
#include <vector>

#include "uvkafka/uvkafka.h"

namespace {

std::string env(const char *name) {
  const char *v = getenv(name);
  return v ? v : "";
}

struct Outcome {
  bool done = false;
  int code = 0;          // the outer error's
  int last = 0;          // the last cause's code
  int kafka = 0;         // the last cause's Kafka code
  std::string text;      // uvk_error_format of the whole chain
};

void run_until(uv_loop_t *loop, const bool *flag) {
  while (!*flag) {
    int alive = uv_run(loop, UV_RUN_DEFAULT);
    if (!*flag && !alive) FAIL("the loop ran out of work before the callback came");
  }
}

typedef std::vector<std::pair<const char *, std::string>> Settings;

// A metadata request with these settings (two quick retries), as the first thing any
// client does; the chain of the error it ends with.
Outcome attempt(const std::string &brokers, const Settings &settings, void (*setup)(uvk_config *) = nullptr) {
  REQUIRE_FALSE(brokers.empty());
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "brokers", brokers.c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "logLevel", "NOTHING", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "retry.retries", "2", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "retry.initialRetryTime", "50", err, sizeof err) == 0);
  for (const auto &kv : settings) {
    INFO(kv.first);
    REQUIRE(uvk_config_set(cfg, kv.first, kv.second.c_str(), err, sizeof err) == 0);
  }
  if (setup) setup(cfg);
  uvk_client *client = nullptr;
  REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
  uvk_config_free(cfg);
  Outcome o;
  REQUIRE(uvk_client_metadata(client, nullptr, 0, [](uvk_client *c, const uvk_error *e, const uvk_metadata *, void *ud) {
    Outcome *out = static_cast<Outcome *>(ud);
    out->done = true;
    out->code = uvk_error_code(e);
    const uvk_error *last = e;
    while (uvk_error_cause(last)) last = uvk_error_cause(last);
    out->last = uvk_error_code(last);
    out->kafka = uvk_error_kafka_code(last);
    char text[1024];
    uvk_error_format(e, text, sizeof text);
    out->text = text;
    uv_stop(static_cast<uv_loop_t *>(uvk_client_loop(c)));
  }, &o) == 0);
  run_until(&loop, &o.done);
  bool closed = false;
  REQUIRE(uvk_client_disconnect(client, [](uvk_client *c, const uvk_error *, void *ud) {
    *static_cast<bool *>(ud) = true;
    uv_stop(static_cast<uv_loop_t *>(uvk_client_loop(c)));
  }, &closed) == 0);
  run_until(&loop, &closed);
  uvk_client_free(client);
  uv_run(&loop, UV_RUN_DEFAULT);
  REQUIRE(uv_loop_close(&loop) == 0);
  return o;
}

bool has(const std::string &text, const char *words) { return text.find(words) != std::string::npos; }

Settings tls_settings() { return {{"ssl", "true"}, {"ssl.ca", env("UVK_TEST_CA")}}; }

Settings sasl_settings(const char *mechanism, const std::string &password) {
  return {{"sasl.mechanism", mechanism}, {"sasl.username", env("UVK_TEST_USER")}, {"sasl.password", password}};
}

// A mechanism the test cluster does not enable: the handshake refuses it before a step.
void gssapi(uvk_config *cfg) {
  REQUIRE(uvk_config_set_sasl_mechanism(cfg, "GSSAPI", [](void *, uvk_client *c, const uvk_sasl_step *s) {
    uvk_sasl_fail(c, s->id, "not reached");
  }, nullptr) == 0);
}

struct Run {
  int status;
  std::string out;
};

Run sh(const std::string &cmd) {
  FILE *f = popen((cmd + " 2>&1").c_str(), "r");
  REQUIRE(f);
  Run r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) r.out.append(buf, n);
  int st = pclose(f);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace

TEST_CASE("mistakes: a broker host that does not resolve", "[integration]") {
  Outcome o = attempt("nosuchhost.invalid:9092", {});
  INFO(o.text);
  CHECK(o.code == UVK_ERETRIES);
  CHECK(o.last == UVK_ECONNECT);
  CHECK(has(o.text, "cannot resolve the broker host \"nosuchhost.invalid\": check the name in brokers (EAI_"));
}

TEST_CASE("mistakes: a TLS client against the PLAINTEXT listener", "[integration]") {
  Outcome o = attempt(env("UVK_TEST_BROKERS"), tls_settings());
  INFO(o.text);
  CHECK(o.code == UVK_ERETRIES);
  CHECK(o.last == UVK_ECONNECT);
  CHECK(has(o.text, "the TLS handshake failed"));
  CHECK(has(o.text, "the peer likely does not speak TLS: is this listener PLAINTEXT"));
}

TEST_CASE("mistakes: a plaintext client against the SSL listener", "[integration]") {
  Outcome o = attempt(env("UVK_TEST_SSL_BROKERS"), {});
  INFO(o.text);
  CHECK(o.code == UVK_ETLS);  // not retried: the listener will not change its mind
  CHECK(has(o.text, "the broker answered with TLS: this listener needs ssl (--tls)"));
}

TEST_CASE("mistakes: an invalid topic name", "[integration]") {
  char why[512];
  CHECK(uvk_name_check(UVK_NAME_TOPIC, "bad topic!", why, sizeof why) == UVK_EINVAL);
  CHECK(has(why, "invalid topic name \"bad topic!\": a space (at 3) is not allowed; a topic name has 1 to 249 "
                 "characters, each a letter, digit, '.', '_' or '-'"));
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  uvk_config *cfg = uvk_config_new();
  REQUIRE(uvk_config_set(cfg, "brokers", env("UVK_TEST_BROKERS").c_str(), nullptr, 0) == 0);
  uvk_client *client = nullptr;
  REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
  uvk_producer *producer = nullptr;
  REQUIRE(uvk_producer_new(client, cfg, &producer) == 0);
  uvk_config_free(cfg);
  uvk_message m = {nullptr, 0, "v", 1, -1, -1, nullptr, 0};
  CHECK(uvk_producer_send(producer, "bad topic!", &m, 1, nullptr,
                          [](uvk_producer *, const uvk_error *, const uvk_record_metadata *, size_t, void *) {},
                          nullptr) == UVK_EINVAL);
  uvk_producer_free(producer);
  uvk_client_free(client);
  uv_run(&loop, UV_RUN_DEFAULT);
  REQUIRE(uv_loop_close(&loop) == 0);
}

TEST_CASE("mistakes: a SASL mechanism the listener does not enable", "[integration]") {
  Outcome o = attempt(env("UVK_TEST_SASL_PLAINTEXT_BROKERS"), {}, gssapi);
  INFO(o.text);
  CHECK(o.code == UVK_EAUTH);
  CHECK(o.kafka == 33);
  CHECK(has(o.text, "UVK_EAUTH: UNSUPPORTED_SASL_MECHANISM (33): the broker does not enable SASL GSSAPI on this listener; it "
                    "offers: "));
  for (const char *m : {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"}) CHECK(has(o.text, m));
}

TEST_CASE("mistakes: a SASL client against a listener without SASL", "[integration]") {
  Outcome o = attempt(env("UVK_TEST_BROKERS"), sasl_settings("plain", env("UVK_TEST_PASSWORD")));
  INFO(o.text);
  CHECK(o.code == UVK_EAUTH);
  CHECK(o.kafka == 34);  // ILLEGAL_SASL_STATE
  CHECK(has(o.text, "UVK_EAUTH: ILLEGAL_SASL_STATE (34): this listener does not use SASL"));
  CHECK(has(o.text, "drop sasl, or connect to a SASL_PLAINTEXT / SASL_SSL listener"));
}

TEST_CASE("mistakes: a client without SASL against a SASL listener", "[integration]") {
  Outcome o = attempt(env("UVK_TEST_SASL_PLAINTEXT_BROKERS"), {});
  INFO(o.text);
  CHECK(o.code == UVK_ERETRIES);
  CHECK(o.last == UVK_ECLOSED);
  CHECK(has(o.text, "this listener likely expects SASL (SASL_PLAINTEXT / SASL_SSL); set sasl (--sasl)"));
}

TEST_CASE("mistakes: a wrong password", "[integration]") {
  Outcome o = attempt(env("UVK_TEST_SASL_PLAINTEXT_BROKERS"), sasl_settings("plain", "wrong"));
  INFO(o.text);
  CHECK(o.code == UVK_EAUTH);
  CHECK(has(o.text, "Invalid username or password"));
}

TEST_CASE("mistakes: a certificate not signed by the trusted CA, and a name it does not carry", "[integration]") {
  Outcome o = attempt(env("UVK_TEST_SSL_BROKERS"), {{"ssl", "true"}});  // the system store lacks the test CA
  INFO(o.text);
  CHECK(o.code == UVK_ETLS);
  CHECK(has(o.text, "certificate verification failed: the broker's certificate is not signed by a trusted CA: set "
                    "ssl.ca to the CA that signed it"));
  Settings named = tls_settings();
  named.push_back({"ssl.servername", "evil.example"});
  o = attempt(env("UVK_TEST_SSL_BROKERS"), named);
  INFO(o.text);
  CHECK(o.code == UVK_ETLS);
  CHECK(has(o.text, "the broker's certificate does not carry the name connected to: use a name it lists, or set "
                    "ssl.servername"));
}

TEST_CASE("mistakes: the mTLS listener without a client certificate", "[integration]") {
  Outcome o = attempt(env("UVK_TEST_MTLS_BROKERS"), tls_settings());
  INFO(o.text);
  CHECK(o.code == UVK_ETLS);
  CHECK(has(o.text, "the broker sent the alert"));
  CHECK(has(o.text, "set ssl.cert and ssl.key"));
}

TEST_CASE("mistakes: connection refused", "[integration]") {
  Outcome o = attempt("127.0.0.1:1", {});
  INFO(o.text);
  CHECK(o.code == UVK_ERETRIES);
  CHECK(o.last == UVK_ECONNECT);
  CHECK(has(o.text, "connection refused by 127.0.0.1:1 (nothing listens there"));
}

TEST_CASE("mistakes: an unknown configuration key", "[integration]") {
  uvk_config *cfg = uvk_config_new();
  char err[256];
  CHECK(uvk_config_set(cfg, "lingr", "5", err, sizeof err) == UVK_EINVAL);
  CHECK(std::string(err) == "unknown configuration key \"lingr\" (did you mean \"linger\"?)");
  uvk_config_free(cfg);
}

TEST_CASE("mistakes: what uvk produce prints for them", "[integration]") {
  if (env("UVK_CLI").empty()) {
    WARN("UVK_CLI is not set (samples disabled): the CLI rows are not checked");
    return;
  }
  std::string uvk = "echo hi | '" + env("UVK_CLI") + "' produce -X retry.retries=1 ";
  Run r = sh(uvk + "-b nosuchhost.invalid:9092 -t t");
  INFO(r.out);
  CHECK(r.status == 1);
  CHECK(has(r.out, "FAILED: number of retries exceeded: cannot resolve the broker host \"nosuchhost.invalid\""));
  r = sh(uvk + "-b '" + env("UVK_TEST_SSL_BROKERS") + "' -t t");
  INFO(r.out);
  CHECK(has(r.out, "FAILED: the broker answered with TLS: this listener needs ssl (--tls)"));
  r = sh(uvk + "-b '" + env("UVK_TEST_BROKERS") + "' -t 'bad topic!'");
  INFO(r.out);
  CHECK(has(r.out, "send failed: invalid topic name \"bad topic!\": a space (at 3) is not allowed"));
  r = sh(uvk + "-b '" + env("UVK_TEST_BROKERS") + "' -t t -X lingr=5");
  INFO(r.out);
  CHECK(r.status == 2);
  CHECK(has(r.out, "unknown configuration key \"lingr\" (did you mean \"linger\"?)"));
}
