#include <catch2/catch.hpp>

#include <string.h>
#include <string>
#include <vector>

#include "capi/config.h"
#include "uvkafka/uvkafka.h"

namespace {

std::string get(const uvk_config *c, const char *key) {
  char buf[512];
  int n = uvk_config_get(c, key, buf, sizeof buf);
  REQUIRE(n >= 0);
  return buf;
}

std::string set_err(uvk_config *c, const char *key, const char *value) {
  char err[256] = "untouched";
  int rc = uvk_config_set(c, key, value, err, sizeof err);
  CHECK(rc == UVK_EINVAL);
  return err;
}

struct Cfg {
  uvk_config *c = uvk_config_new();
  ~Cfg() { uvk_config_free(c); }
};

}  // namespace

TEST_CASE("config: KafkaJS defaults", "[config]") {
  Cfg cfg;
  REQUIRE(cfg.c);
  uvk_config *c = cfg.c;
  CHECK(get(c, "brokers") == "");
  CHECK(get(c, "clientId") == "uvkafka");
  CHECK(get(c, "connectionTimeout") == "1000");
  CHECK(get(c, "authenticationTimeout") == "10000");
  CHECK(get(c, "reauthenticationThreshold") == "10000");
  CHECK(get(c, "requestTimeout") == "30000");
  CHECK(get(c, "enforceRequestTimeout") == "true");
  CHECK(get(c, "retry.maxRetryTime") == "30000");
  CHECK(get(c, "retry.initialRetryTime") == "300");
  CHECK(get(c, "retry.factor") == "0.2");
  CHECK(get(c, "retry.multiplier") == "2");
  CHECK(get(c, "retry.retries") == "5");
  CHECK(get(c, "logLevel") == "INFO");
  CHECK(get(c, "metadataMaxAge") == "300000");
  CHECK(get(c, "allowAutoTopicCreation") == "true");
  CHECK(get(c, "maxInFlightRequests") == "null");
  CHECK(get(c, "maxResponseSize") == "104857600");
  CHECK(get(c, "protocolVersionCap") == "");
  CHECK(get(c, "ssl") == "false");
  CHECK(get(c, "ssl.rejectUnauthorized") == "true");
  CHECK(get(c, "sasl.mechanism") == "");
  uvk::RetryOptions r = uvk::config_retry_options(c);
  uvk::RetryOptions d;
  CHECK(r.max_retry_time == d.max_retry_time);
  CHECK(r.initial_retry_time == d.initial_retry_time);
  CHECK(r.factor == d.factor);
  CHECK(r.multiplier == d.multiplier);
  CHECK(r.retries == d.retries);
  CHECK(c->max_in_flight_requests == -1);
  CHECK(uvk::config_allocator(c) == nullptr);
}

TEST_CASE("config: the string setter parses every type", "[config]") {
  Cfg cfg;
  uvk_config *c = cfg.c;
  char err[256];
  CHECK(uvk_config_set(c, "retry.retries", "8", err, sizeof err) == UVK_OK);
  CHECK(err[0] == '\0');
  CHECK(c->retry_retries == 8);
  CHECK(uvk_config_set(c, "retry.factor", "0.35", err, sizeof err) == UVK_OK);
  CHECK(c->retry_factor == 0.35);
  CHECK(get(c, "retry.factor") == "0.35");
  CHECK(uvk_config_set(c, "enforceRequestTimeout", "FALSE", err, sizeof err) == UVK_OK);
  CHECK_FALSE(c->enforce_request_timeout);
  CHECK(uvk_config_set(c, "logLevel", "debug", err, sizeof err) == UVK_OK);
  CHECK(c->log_level == UVK_LOG_DEBUG);
  CHECK(uvk_config_set(c, "logLevel", "1", err, sizeof err) == UVK_OK);
  CHECK(get(c, "logLevel") == "ERROR");
  CHECK(uvk_config_set(c, "maxInFlightRequests", "1", err, sizeof err) == UVK_OK);
  CHECK(c->max_in_flight_requests == 1);
  CHECK(uvk_config_set(c, "maxInFlightRequests", "null", err, sizeof err) == UVK_OK);
  CHECK(c->max_in_flight_requests == -1);
  CHECK(uvk_config_set(c, "clientId", "my-app", err, sizeof err) == UVK_OK);
  CHECK(std::string(c->client_id) == "my-app");
  CHECK(uvk_config_set(c, "sasl.mechanism", "SCRAM-SHA-512", err, sizeof err) == UVK_OK);
  CHECK(get(c, "sasl.mechanism") == "scram-sha-512");
  CHECK(uvk_config_set(c, "protocolVersionCap", "0.10.2", err, sizeof err) == UVK_OK);
  int ma, mi, pa;
  REQUIRE(uvk::config_version_cap(c, &ma, &mi, &pa));
  CHECK((ma == 0 && mi == 10 && pa == 2));
  CHECK(uvk_config_set(c, "protocolVersionCap", "2.4", err, sizeof err) == UVK_OK);
  REQUIRE(uvk::config_version_cap(c, &ma, &mi, &pa));
  CHECK((ma == 2 && mi == 4 && pa == 0));
  CHECK(uvk_config_set(c, "protocolVersionCap", "", err, sizeof err) == UVK_OK);
  CHECK_FALSE(uvk::config_version_cap(c, &ma, &mi, &pa));
}

TEST_CASE("config: errors name the key and what it accepts; the value stays", "[config]") {
  Cfg cfg;
  uvk_config *c = cfg.c;
  CHECK(set_err(c, "retry.retries", "abc") ==
        "retry.retries: expected an integer from 0 to 2147483647, got \"abc\"");
  CHECK(set_err(c, "retry.retries", "-1") ==
        "retry.retries: expected an integer from 0 to 2147483647, got \"-1\"");
  CHECK(set_err(c, "retry.retries", "99999999999") ==
        "retry.retries: expected an integer from 0 to 2147483647, got \"99999999999\"");
  CHECK(set_err(c, "retry.retries", " 5") ==
        "retry.retries: expected an integer from 0 to 2147483647, got \" 5\"");
  CHECK(set_err(c, "retry.retries", "5ms") ==
        "retry.retries: expected an integer from 0 to 2147483647, got \"5ms\"");
  CHECK(c->retry_retries == 5);
  CHECK(set_err(c, "retry.factor", "1.5") == "retry.factor: expected a number from 0 to 1, got \"1.5\"");
  CHECK(set_err(c, "retry.factor", "nan") == "retry.factor: expected a number from 0 to 1, got \"nan\"");
  CHECK(set_err(c, "connectionTimeout", "0") ==
        "connectionTimeout: expected an integer from 1 to 2147483647, got \"0\"");
  CHECK(set_err(c, "ssl", "maybe") == "ssl: expected true or false, got \"maybe\"");
  CHECK(set_err(c, "logLevel", "TRACE") ==
        "logLevel: expected one of NOTHING, ERROR, WARN, INFO, DEBUG (or 0, 1, 2, 4, 5), got "
        "\"TRACE\"");
  CHECK(set_err(c, "maxInFlightRequests", "0") ==
        "maxInFlightRequests: expected an integer from 1 to 2147483647 or null, got \"0\"");
  CHECK(set_err(c, "nope", "1") == "unknown configuration key \"nope\"");
  CHECK(set_err(c, "clientid", "x") ==
        "unknown configuration key \"clientid\" (did you mean \"clientId\"?)");
  // The nearest key for a typo, another client's spelling or a unit suffix (issue 28).
  CHECK(set_err(c, "lingr", "5") == "unknown configuration key \"lingr\" (did you mean \"linger\"?)");
  CHECK(set_err(c, "linger.ms", "5") == "unknown configuration key \"linger.ms\" (did you mean \"linger\"?)");
  CHECK(set_err(c, "client.id", "x") == "unknown configuration key \"client.id\" (did you mean \"clientId\"?)");
  CHECK(set_err(c, "sessionTimout", "1").find("(did you mean \"sessionTimeout\"?)") != std::string::npos);
  CHECK(set_err(c, "retry.retires", "1").find("(did you mean \"retry.retries\"?)") != std::string::npos);
  CHECK(set_err(c, "compressionCodecForTopics", "1") == "unknown configuration key \"compressionCodecForTopics\"");
  CHECK(set_err(c, "sasl.mechanism", "gssapi").find("sasl.mechanism: expected one of plain") == 0);
  CHECK(set_err(c, "protocolVersionCap", "2").find("protocolVersionCap: expected a Kafka version") == 0);
  CHECK(set_err(c, "protocolVersionCap", "2.x").find("protocolVersionCap:") == 0);
  CHECK(set_err(c, "protocolVersionCap", "1.2.3.4").find("protocolVersionCap:") == 0);
  CHECK(uvk_config_set(c, nullptr, "1", nullptr, 0) == UVK_EINVAL);
  CHECK(uvk_config_set(c, "clientId", nullptr, nullptr, 0) == UVK_EINVAL);
  CHECK(uvk_config_set(nullptr, "clientId", "x", nullptr, 0) == UVK_EINVAL);
  // A small error buffer is still terminated.
  char tiny[8];
  CHECK(uvk_config_set(c, "nope", "1", tiny, sizeof tiny) == UVK_EINVAL);
  CHECK(strlen(tiny) == 7);
  CHECK(get(c, "clientId") == "uvkafka");
}

TEST_CASE("config: typed setters check types and ranges", "[config]") {
  Cfg cfg;
  uvk_config *c = cfg.c;
  CHECK(uvk_config_set_int(c, "requestTimeout", 5000) == UVK_OK);
  CHECK(c->request_timeout == 5000);
  CHECK(uvk_config_set_int(c, "requestTimeout", 0) == UVK_EINVAL);
  CHECK(std::string(uvk_config_last_error(c)) ==
        "requestTimeout: expected an integer from 1 to 2147483647, got \"0\"");
  CHECK(uvk_config_set_int(c, "retry.multiplier", 3) == UVK_OK);
  CHECK(c->retry_multiplier == 3.0);
  CHECK(uvk_config_set_int(c, "clientId", 3) == UVK_EINVAL);
  CHECK(std::string(uvk_config_last_error(c)) == "clientId: is a string, not an integer");
  CHECK(uvk_config_set_int(c, "maxInFlightRequests", -1) == UVK_OK);
  CHECK(uvk_config_set_int(c, "maxInFlightRequests", 5) == UVK_OK);
  CHECK(c->max_in_flight_requests == 5);
  CHECK(uvk_config_set_int(c, "logLevel", UVK_LOG_WARN) == UVK_OK);
  CHECK(c->log_level == UVK_LOG_WARN);
  CHECK(uvk_config_set_int(c, "logLevel", 3) == UVK_EINVAL);
  CHECK(uvk_config_set_double(c, "retry.factor", 0.5) == UVK_OK);
  CHECK(uvk_config_set_double(c, "retry.retries", 2.5) == UVK_EINVAL);
  CHECK(uvk_config_set_double(c, "retry.retries", 7) == UVK_OK);
  CHECK(c->retry_retries == 7);
  CHECK(uvk_config_set_double(c, "ssl", 1) == UVK_EINVAL);
  CHECK(uvk_config_set_bool(c, "allowAutoTopicCreation", 0) == UVK_OK);
  CHECK_FALSE(c->allow_auto_topic_creation);
  CHECK(uvk_config_set_bool(c, "retry.retries", 1) == UVK_EINVAL);
  CHECK(std::string(uvk_config_last_error(c)) == "retry.retries: is an integer, not a boolean");
  CHECK(uvk_config_set_str(c, "clientId", "svc") == UVK_OK);
  CHECK(std::string(uvk_config_last_error(c)).empty());
  CHECK(uvk_config_set_str(c, "logLevel", "WARN") == UVK_OK);
  CHECK(uvk_config_set_str(c, "retry.retries", "3") == UVK_EINVAL);
  CHECK(uvk_config_set_str(c, "nope", "3") == UVK_EINVAL);
  CHECK(std::string(uvk_config_last_error(c)) == "unknown configuration key \"nope\"");
}

TEST_CASE("config: broker lists, IPv6 literals and default ports", "[config]") {
  Cfg cfg;
  uvk_config *c = cfg.c;
  char err[256];
  REQUIRE(uvk_config_set(c, "brokers", "kafka1:9092, [::1]:9093,kafka2,[fe80::1%eth0]", err,
                         sizeof err) == UVK_OK);
  REQUIRE(c->brokers.n == 4);
  CHECK(std::string(c->brokers.items[0].host) == "kafka1");
  CHECK(c->brokers.items[0].port == 9092);
  CHECK(std::string(c->brokers.items[1].host) == "::1");
  CHECK(c->brokers.items[1].port == 9093);
  CHECK(std::string(c->brokers.items[2].host) == "kafka2");
  CHECK(c->brokers.items[2].port == 9092);
  CHECK(std::string(c->brokers.items[3].host) == "fe80::1%eth0");
  CHECK(get(c, "brokers") == "kafka1:9092,[::1]:9093,kafka2:9092,[fe80::1%eth0]:9092");

  CHECK(set_err(c, "brokers", "::1:9092") ==
        "brokers: \"::1:9092\": write IPv6 addresses in brackets, as [::1]:9092");
  CHECK(set_err(c, "brokers", "a:0") == "brokers: \"a:0\": port must be a number from 1 to 65535");
  CHECK(set_err(c, "brokers", "a:65536") ==
        "brokers: \"a:65536\": port must be a number from 1 to 65535");
  CHECK(set_err(c, "brokers", "a:") == "brokers: \"a:\": missing port after ':'");
  CHECK(set_err(c, "brokers", ":9092") == "brokers: \":9092\": missing host");
  CHECK(set_err(c, "brokers", "[::1") == "brokers: \"[::1\": missing ']' after an IPv6 address");
  CHECK(set_err(c, "brokers", "[host]:1") ==
        "brokers: \"[host]:1\": brackets must hold an IPv6 address");
  CHECK(set_err(c, "brokers", "[::1]x") == "brokers: \"[::1]x\": expected ':port' after ']'");
  CHECK(set_err(c, "brokers", "a:1,,b:2") == "brokers: empty broker address");
  CHECK(set_err(c, "brokers", "a:1,") == "brokers: empty entry after ','");
  CHECK(set_err(c, "brokers", "a b:1") == "brokers: \"a b:1\": invalid character in host");
  CHECK(c->brokers.n == 4);  // unchanged by the failures

  const char *list[] = {"x:1", "[2001:db8::2]:19092"};
  CHECK(uvk_config_set_brokers(c, list, 2) == UVK_OK);
  CHECK(get(c, "brokers") == "x:1,[2001:db8::2]:19092");
  const char *bad[] = {"x:1", "y:z"};
  CHECK(uvk_config_set_brokers(c, bad, 2) == UVK_EINVAL);
  CHECK(std::string(uvk_config_last_error(c)).find("brokers: \"y:z\"") == 0);
  CHECK(c->brokers.n == 2);
  CHECK(uvk_config_set(c, "brokers", "", err, sizeof err) == UVK_OK);
  CHECK(c->brokers.n == 0);

  // The size reported by get is right even when the buffer is too small.
  CHECK(uvk_config_set_brokers(c, list, 2) == UVK_OK);
  char small[6];
  CHECK(uvk_config_get(c, "brokers", small, sizeof small) == 23);
  CHECK(std::string(small) == "x:1,[");
  CHECK(uvk_config_get(c, "brokers", nullptr, 0) == 23);
}

namespace {
struct CbState {
  int calls = 0;
  int fail = 0;
};
int brokers_cb(void *ud, uvk_brokers *out) {
  auto *s = static_cast<CbState *>(ud);
  s->calls++;
  if (s->fail) return s->fail;
  // A different list on every bootstrap, like a service-discovery lookup.
  std::string b = "seed" + std::to_string(s->calls) + ":9092";
  if (uvk_brokers_add(out, b.c_str()) != UVK_OK) return UVK_EINVAL;
  return uvk_brokers_add(out, "[::1]:9094");
}
}  // namespace

TEST_CASE("config: the brokers callback is asked on every bootstrap", "[config]") {
  Cfg cfg;
  uvk_config *c = cfg.c;
  uvk_config_set(c, "brokers", "static:1", nullptr, 0);
  CbState st;
  REQUIRE(uvk_config_set_brokers_cb(c, brokers_cb, &st) == UVK_OK);
  CHECK(c->brokers.n == 0);
  for (int i = 1; i <= 2; i++) {
    uvk_brokers out = {nullptr, 0, 0, nullptr};
    REQUIRE(uvk::config_bootstrap_brokers(c, &out) == UVK_OK);
    REQUIRE(out.n == 2);
    CHECK(std::string(out.items[0].host) == "seed" + std::to_string(i));
    CHECK(std::string(out.items[1].host) == "::1");
    CHECK(out.items[1].port == 9094);
    uvk::brokers_clear(&out);
  }
  CHECK(st.calls == 2);
  st.fail = UVK_ENOTFOUND;
  uvk_brokers out = {nullptr, 0, 0, nullptr};
  CHECK(uvk::config_bootstrap_brokers(c, &out) == UVK_ENOTFOUND);
  CHECK(out.n == 0);
  CHECK(uvk_brokers_add(&out, "bad host") == UVK_EINVAL);
  CHECK(uvk_config_set_brokers_cb(c, nullptr, nullptr) == UVK_EINVAL);
  // A static list replaces the callback.
  uvk_config_set(c, "brokers", "s:2", nullptr, 0);
  CHECK(c->brokers_cb == nullptr);
  REQUIRE(uvk::config_bootstrap_brokers(c, &out) == UVK_OK);
  CHECK(out.n == 1);
  uvk::brokers_clear(&out);
}

TEST_CASE("config: ssl keys turn ssl on; secrets read back masked", "[config]") {
  Cfg cfg;
  uvk_config *c = cfg.c;
  CHECK_FALSE(c->ssl);
  CHECK(uvk_config_set(c, "ssl.ca", "", nullptr, 0) == UVK_OK);
  CHECK_FALSE(c->ssl);  // clearing does not enable
  CHECK(uvk_config_set(c, "ssl.ca", "-----BEGIN CERTIFICATE-----", nullptr, 0) == UVK_OK);
  CHECK(c->ssl);
  CHECK(uvk_config_set(c, "ssl", "false", nullptr, 0) == UVK_OK);
  CHECK_FALSE(c->ssl);
  CHECK(uvk_config_set_bool(c, "ssl.rejectUnauthorized", 0) == UVK_OK);
  CHECK(c->ssl);
  CHECK(get(c, "ssl.key") == "");
  CHECK(uvk_config_set(c, "ssl.key", "PRIVATE", nullptr, 0) == UVK_OK);
  CHECK(get(c, "ssl.key") == "***");
  CHECK(std::string(c->ssl_key) == "PRIVATE");
  CHECK(uvk_config_set(c, "sasl.password", "pw", nullptr, 0) == UVK_OK);
  CHECK(get(c, "sasl.password") == "***");
  CHECK(uvk_config_set(c, "sasl.username", "user", nullptr, 0) == UVK_OK);
  CHECK(get(c, "sasl.username") == "user");
}

namespace {
void log_fn(void *, const char *, int, const char *, const char *, const char *,
            const char *const *, size_t) {}
void *m(void *, size_t n) { return malloc(n); }
void *r(void *, void *p, size_t n) { return realloc(p, n); }
void f(void *, void *p) { free(p); }
int sock_open(void *, void *, const char *, uint16_t, int, uvk_socket_ready_fn, void *) { return 0; }
void sock_release(void *, void *) {}
}  // namespace

TEST_CASE("config: hooks and dup", "[config]") {
  Cfg cfg;
  uvk_config *c = cfg.c;
  int ud = 0;
  CHECK(uvk_config_set_allocator(c, m, r, nullptr, &ud) == UVK_EINVAL);
  CHECK(uvk_config_set_allocator(c, m, r, f, &ud) == UVK_OK);
  REQUIRE(uvk::config_allocator(c) != nullptr);
  CHECK(uvk::config_allocator(c)->ud == &ud);
  CHECK(uvk_config_set_logger(c, log_fn, &ud) == UVK_OK);
  CHECK(uvk_config_set_socket_factory(c, sock_open, nullptr, &ud) == UVK_EINVAL);
  CHECK(uvk_config_set_socket_factory(c, sock_open, sock_release, &ud) == UVK_OK);
  uvk_config_set(c, "brokers", "a:1,[::1]:2", nullptr, 0);
  uvk_config_set(c, "clientId", "dup-me", nullptr, 0);
  uvk_config_set(c, "sasl.password", "secret", nullptr, 0);

  uvk_config *d = uvk_config_dup(c);
  REQUIRE(d);
  CHECK(get(d, "brokers") == "a:1,[::1]:2");
  CHECK(get(d, "clientId") == "dup-me");
  CHECK(std::string(d->sasl_password) == "secret");
  CHECK(d->client_id != c->client_id);  // deep copy
  CHECK(d->brokers.items != c->brokers.items);
  CHECK(d->log_fn == log_fn);
  CHECK(d->socket_open == sock_open);
  CHECK(uvk::config_allocator(d)->ud == &ud);
  // Changing one leaves the other alone.
  uvk_config_set(c, "clientId", "changed", nullptr, 0);
  uvk_config_set(c, "brokers", "z:9", nullptr, 0);
  CHECK(get(d, "clientId") == "dup-me");
  CHECK(get(d, "brokers") == "a:1,[::1]:2");
  uvk_config_free(d);
  CHECK(uvk_config_set_allocator(c, nullptr, nullptr, nullptr, nullptr) == UVK_OK);
  CHECK(uvk::config_allocator(c) == nullptr);
  CHECK(uvk_config_dup(nullptr) == nullptr);
  uvk_config_free(nullptr);
}

TEST_CASE("config: every key's default reads back unchanged through set", "[config]") {
  Cfg cfg;
  for (size_t t = 0; t < uvk::kConfigTableCount; t++)
    for (size_t i = 0; i < uvk::kConfigTables[t].n; i++) {
      const uvk::ConfigKey &k = uvk::kConfigTables[t].keys[i];
      INFO(k.name);
      CHECK(get(cfg.c, k.name) == k.def);
      char err[256];
      CHECK(uvk_config_set(cfg.c, k.name, k.def, err, sizeof err) == UVK_OK);
      CHECK(strlen(k.doc) > 10);
      CHECK(uvk::config_find_key(k.name) == &k);  // names are unique
    }
}
