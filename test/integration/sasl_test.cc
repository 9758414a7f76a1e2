// SASL against the real cluster's SASL_PLAINTEXT listener: each mechanism gets metadata and
// a produce round trip; a wrong password is one clear, non-retriable error that carries the
// broker's message and never the password. Needs UVK_TEST_SASL_PLAINTEXT_BROKERS,
// UVK_TEST_USER and UVK_TEST_PASSWORD.
#include <catch2/catch.hpp>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include <string>
#include <vector>

#include "roundtrip.h"
#include "unsecured_jwt.h"
#include "uvkafka/uvkafka.h"

namespace {

std::string env(const char *name) {
  const char *v = getenv(name);
  return v ? v : "";
}

struct Done {
  bool done = false;
  int code = 1;
  std::string message;
  int retry_count = -1;
};

void stop(uvk_client *c) { uv_stop(static_cast<uv_loop_t *>(uvk_client_loop(c))); }

void on_done(uvk_client *c, const uvk_error *err, void *ud) {
  Done *d = static_cast<Done *>(ud);
  d->done = true;
  d->code = err ? uvk_error_code(err) : 0;
  if (err && uvk_error_broker_message(err)) d->message = uvk_error_broker_message(err);
  stop(c);
}

struct Logs {
  std::string all;
};

void keep_log(void *ud, const char *ns, int, const char *, const char *ts, const char *message,
              const char *const *, size_t) {
  static_cast<Logs *>(ud)->all += std::string(message) + "\n";
  if (getenv("UVK_TEST_LOG_STDERR")) fprintf(stderr, "%s [%s] %s\n", ts, ns, message);  // chasing a failure
}

void run_until(uv_loop_t *loop, const bool *flag) {
  while (!*flag) {
    int alive = uv_run(loop, UV_RUN_DEFAULT);
    if (!*flag && !alive) FAIL("the loop ran out of work before the callback came");
  }
}

typedef void (*Setup)(uvk_config *cfg, void *ud);

// Connects with `mechanism` and `password` (and whatever `setup` adds); returns the connect
// result.
Done connect_with(const char *mechanism, const std::string &password, Logs *logs, bool produce,
                  Setup setup = nullptr, void *setup_ud = nullptr, void (*before_close)(void *) = nullptr) {
  INFO("the SASL listener of the test cluster must be in UVK_TEST_SASL_PLAINTEXT_BROKERS");
  REQUIRE_FALSE(env("UVK_TEST_SASL_PLAINTEXT_BROKERS").empty());
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "brokers", env("UVK_TEST_SASL_PLAINTEXT_BROKERS").c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "sasl.mechanism", mechanism, err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "sasl.username", env("UVK_TEST_USER").c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "sasl.password", password.c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "logLevel", "DEBUG", err, sizeof err) == 0);
  REQUIRE(uvk_config_set_logger(cfg, keep_log, logs) == 0);
  if (setup) setup(cfg, setup_ud);
  uvk_client *client = nullptr;
  REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
  uvk_producer *producer = nullptr;
  REQUIRE(uvk_producer_new(client, cfg, &producer) == 0);
  uvk_config_free(cfg);
  Done d;
  REQUIRE(uvk_client_connect(client, on_done, &d) == 0);
  run_until(&loop, &d.done);
  if (d.code == 0 && produce) {
    std::string topic = std::string("uvk-it-sasl-") + mechanism + "-" + std::to_string(uv_hrtime());
    uvk_message m = {"k", 1, "over sasl", 9, -1, -1, nullptr, 0};
    struct Sent {
      bool done = false;
      int code = 1;
      int64_t offset = -2;
      uv_loop_t *loop;
    } s;
    s.loop = &loop;
    REQUIRE(uvk_producer_send(producer, topic.c_str(), &m, 1, nullptr,
                              [](uvk_producer *, const uvk_error *e, const uvk_record_metadata *md, size_t n, void *ud) {
                                Sent *x = static_cast<Sent *>(ud);
                                x->done = true;
                                x->code = e ? uvk_error_code(e) : 0;
                                if (n == 1) x->offset = md[0].base_offset;
                                uv_stop(x->loop);
                              }, &s) == 0);
    run_until(&loop, &s.done);
    CHECK(s.code == 0);
    CHECK(s.offset == 0);
    if (s.code == 0) {  // and back through a consumer group on the same connections
      roundtrip::Read r = roundtrip::consume_one(&loop, client, topic);
      INFO(r.crash);
      CHECK(r.value == "over sasl");
    }
  }
  uvk_producer_free(producer);
  Done closed;
  REQUIRE(uvk_client_disconnect(client, on_done, &closed) == 0);
  run_until(&loop, &closed.done);
  uvk_client_free(client);
  if (before_close) before_close(setup_ud);  // the test's own handles on this loop
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
  return d;
}

}  // namespace

TEST_CASE("sasl: every mechanism authenticates, reads metadata and produces", "[integration]") {
  for (const char *mech : {"plain", "scram-sha-256", "scram-sha-512"}) {
    DYNAMIC_SECTION(mech) {
      Logs logs;
      Done d = connect_with(mech, env("UVK_TEST_PASSWORD"), &logs, true);
      CHECK(d.code == 0);
      CHECK(logs.all.find(env("UVK_TEST_PASSWORD")) == std::string::npos);
    }
  }
}

TEST_CASE("sasl: a wrong password is one clear error, without the password", "[integration]") {
  const std::string wrong = "not-the-password-" + std::to_string(uv_hrtime());
  for (const char *mech : {"plain", "scram-sha-256", "scram-sha-512"}) {
    DYNAMIC_SECTION(mech) {
      Logs logs;
      Done d = connect_with(mech, wrong, &logs, false);
      CHECK(d.code == UVK_EAUTH);
      INFO("broker message: " << d.message);
      CHECK(!d.message.empty());
      CHECK(d.message.find("uthentication failed") != std::string::npos);
      CHECK(d.message.find(wrong) == std::string::npos);
      CHECK(logs.all.find(wrong) == std::string::npos);
      CHECK(logs.all.find("SASL authentication failed") != std::string::npos);
    }
  }
}

// ---- OAUTHBEARER and custom mechanisms ---------------------------------------------------

namespace {

// The provider answers later, from a timer: the loop keeps running meanwhile. Every request
// is answered (several connections may ask at once, and again when they re-authenticate).
struct Provider {
  std::string token;
  const char *fail_with = nullptr;
  int calls = 0;
  uv_timer_t timer;
  uvk_client *client = nullptr;
  std::vector<uint64_t> waiting;
  bool timer_open = false;
};

void provide(void *ud, uvk_client *client, uint64_t request_id) {
  Provider *p = static_cast<Provider *>(ud);
  p->calls++;
  p->client = client;
  p->waiting.push_back(request_id);
  if (!p->timer_open) {
    uv_timer_init(static_cast<uv_loop_t *>(uvk_client_loop(client)), &p->timer);
    p->timer.data = p;
    p->timer_open = true;
  }
  if (uv_is_active(reinterpret_cast<uv_handle_t *>(&p->timer))) return;
  uv_timer_start(&p->timer, [](uv_timer_t *t) {
    Provider *x = static_cast<Provider *>(t->data);
    std::vector<uint64_t> now_waiting;
    now_waiting.swap(x->waiting);
    for (uint64_t request : now_waiting) {
      if (x->fail_with) {
        CHECK(uvk_oauthbearer_fail(x->client, request, x->fail_with) == 0);
        continue;
      }
      const char *ext[] = {"traceId", "uvk-it"};
      // UVK_ENOTFOUND only when that connection closed meanwhile.
      int rc = uvk_oauthbearer_token(x->client, request, x->token.c_str(), ext, 1);
      CHECK((rc == 0 || rc == UVK_ENOTFOUND));
      // Answered: the same request cannot be answered twice.
      CHECK(uvk_oauthbearer_token(x->client, request, x->token.c_str(), nullptr, 0) == UVK_ENOTFOUND);
    }
  }, 20, 0);
}

void oauth_setup(uvk_config *cfg, void *ud) {
  char err[256];
  REQUIRE(uvk_config_set(cfg, "sasl.mechanism", "oauthbearer", err, sizeof err) == 0);
  REQUIRE(uvk_config_set_oauthbearer_provider(cfg, provide, ud) == 0);
}

void close_provider(void *ud) {
  Provider *p = static_cast<Provider *>(ud);
  if (!p->timer_open) return;
  uv_close(reinterpret_cast<uv_handle_t *>(&p->timer), nullptr);
  p->timer_open = false;
}

}  // namespace

TEST_CASE("sasl: OAUTHBEARER with an asynchronous token provider authenticates and produces", "[integration]") {
  Provider p;
  p.token = jwt::unsecured(env("UVK_TEST_USER"), 3600);
  Logs logs;
  Done d = connect_with("oauthbearer", "", &logs, true, oauth_setup, &p, close_provider);
  CHECK(d.code == 0);
  CHECK(p.calls >= 1);
  CHECK(logs.all.find(p.token) == std::string::npos);
}

TEST_CASE("sasl: OAUTHBEARER with an expired token is one clear error from the broker", "[integration]") {
  Provider p;
  p.token = jwt::unsecured(env("UVK_TEST_USER"), -600);
  Logs logs;
  Done d = connect_with("oauthbearer", "", &logs, false, oauth_setup, &p, close_provider);
  CHECK(d.code == UVK_EAUTH);
  INFO("broker message: " << d.message);
  CHECK(!d.message.empty());
  CHECK(d.message.find(p.token) == std::string::npos);
  CHECK(logs.all.find(p.token) == std::string::npos);
}

TEST_CASE("sasl: an OAUTHBEARER provider that fails stops the connect with its reason", "[integration]") {
  Provider p;
  p.fail_with = "identity provider unreachable";
  Logs logs;
  Done d = connect_with("oauthbearer", "", &logs, false, oauth_setup, &p, close_provider);
  CHECK(d.code == UVK_EAUTH);
  CHECK(logs.all.find("identity provider unreachable") != std::string::npos);
}

TEST_CASE("sasl: OAUTHBEARER without a provider is refused when the client is made", "[integration]") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "brokers", "127.0.0.1:9092", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "sasl.mechanism", "oauthbearer", err, sizeof err) == 0);
  uvk_client *client = nullptr;
  CHECK(uvk_client_new(&loop, cfg, &client) == UVK_EINVAL);
  CHECK(client == nullptr);
  uvk_config_free(cfg);
  CHECK(uv_loop_close(&loop) == 0);
}

namespace {

// PLAIN, written by the application through the custom mechanism hook, answering later.
// Every step is answered (several connections authenticate at once).
struct Custom {
  std::string user, password;
  int steps = 0;
  bool silent = false;  // never answer: the connection gives up after authenticationTimeout
  uv_timer_t timer;
  bool timer_open = false;
  uvk_client *client = nullptr;
  std::vector<std::pair<uint64_t, bool>> waiting;  // step id, whether the broker spoke
};

void custom_step(void *ud, uvk_client *client, const uvk_sasl_step *st) {
  Custom *m = static_cast<Custom *>(ud);
  m->steps++;
  CHECK(st->broker != nullptr);
  if (m->silent) return;
  m->client = client;
  m->waiting.push_back({st->id, st->server_message != nullptr});
  if (!m->timer_open) {
    uv_timer_init(static_cast<uv_loop_t *>(uvk_client_loop(client)), &m->timer);
    m->timer.data = m;
    m->timer_open = true;
  }
  if (uv_is_active(reinterpret_cast<uv_handle_t *>(&m->timer))) return;
  uv_timer_start(&m->timer, [](uv_timer_t *t) {
    Custom *x = static_cast<Custom *>(t->data);
    std::vector<std::pair<uint64_t, bool>> now_waiting;
    now_waiting.swap(x->waiting);
    for (const auto &w : now_waiting) {
      int rc;
      if (w.second) {  // the broker accepted PLAIN's only message
        rc = uvk_sasl_done(x->client, w.first);
      } else {
        std::string msg = std::string(1, '\0') + x->user + std::string(1, '\0') + x->password;
        rc = uvk_sasl_send(x->client, w.first, msg.data(), msg.size());
      }
      CHECK((rc == 0 || rc == UVK_ENOTFOUND));  // not found: that connection closed meanwhile
    }
  }, 10, 0);
}

void close_custom(void *ud) {
  Custom *m = static_cast<Custom *>(ud);
  if (!m->timer_open) return;
  uv_close(reinterpret_cast<uv_handle_t *>(&m->timer), nullptr);
  m->timer_open = false;
}

void custom_setup(uvk_config *cfg, void *ud) {
  char err[256];
  CHECK(uvk_config_set_sasl_mechanism(cfg, "plain", custom_step, ud) == UVK_EINVAL);  // names are upper case
  REQUIRE(uvk_config_set_sasl_mechanism(cfg, "PLAIN", custom_step, ud) == 0);
  REQUIRE(uvk_config_set(cfg, "authenticationTimeout", "1500", err, sizeof err) == 0);
}

}  // namespace

TEST_CASE("sasl: a custom mechanism written by the application authenticates and produces", "[integration]") {
  Custom m;
  m.user = env("UVK_TEST_USER");
  m.password = env("UVK_TEST_PASSWORD");
  Logs logs;
  Done d = connect_with("plain", "unused", &logs, true, custom_setup, &m, close_custom);
  CHECK(d.code == 0);
  CHECK(m.steps >= 2);  // the first message, then the broker's (empty) answer
}

TEST_CASE("sasl: a custom mechanism that never answers fails after authenticationTimeout", "[integration]") {
  Custom m;
  m.silent = true;
  Logs logs;
  Done d = connect_with("plain", "unused", &logs, false, custom_setup, &m);
  CHECK(d.code == UVK_EAUTH);
  CHECK(m.steps == 1);
  CHECK(logs.all.find("gave no answer") != std::string::npos);
}

namespace {

struct Reauth {
  Provider provider;
  int connects = 0;
  Logs logs;
  uv_loop_t *loop = nullptr;
};

void produce_one(uv_loop_t *loop, uvk_producer *producer, const std::string &topic) {
  uvk_message m = {"k", 1, "v", 1, -1, -1, nullptr, 0};
  struct Sent {
    bool done = false;
    int code = 1;
    uv_loop_t *loop;
  } s;
  s.loop = loop;
  REQUIRE(uvk_producer_send(producer, topic.c_str(), &m, 1, nullptr,
                            [](uvk_producer *, const uvk_error *e, const uvk_record_metadata *, size_t, void *ud) {
                              Sent *x = static_cast<Sent *>(ud);
                              x->done = true;
                              x->code = e ? uvk_error_code(e) : 0;
                              uv_stop(x->loop);
                            }, &s) == 0);
  run_until(loop, &s.done);
  CHECK(s.code == 0);
}

}  // namespace

TEST_CASE("sasl: sessions with a lifetime are re-authenticated in place before they end (KIP-368)",
          "[integration]") {
  // The test cluster limits OAUTHBEARER sessions on SASL_PLAINTEXT to 3 s; with a 1 s threshold
  // each connection authenticates again about every 2 s, on the same socket.
  REQUIRE_FALSE(env("UVK_TEST_SASL_PLAINTEXT_BROKERS").empty());
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  Reauth r;
  r.loop = &loop;
  r.provider.token = jwt::unsecured(env("UVK_TEST_USER"), 3600);
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "brokers", env("UVK_TEST_SASL_PLAINTEXT_BROKERS").c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "reauthenticationThreshold", "1000", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "logLevel", "DEBUG", err, sizeof err) == 0);
  REQUIRE(uvk_config_set_logger(cfg, keep_log, &r.logs) == 0);
  oauth_setup(cfg, &r.provider);
  uvk_client *client = nullptr;
  REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
  uvk_producer *producer = nullptr;
  REQUIRE(uvk_producer_new(client, cfg, &producer) == 0);
  uvk_config_free(cfg);
  REQUIRE(uvk_client_on(client, UVK_EVENT_CONNECT, [](void *ud, const uvk_event *) {
    static_cast<Reauth *>(ud)->connects++;
  }, &r) > 0);
  std::string topic = "uvk-it-sasl-reauth-" + std::to_string(uv_hrtime());
  produce_one(&loop, producer, topic);
  int connects = r.connects;
  int calls = r.provider.calls;
  REQUIRE(connects >= 1);
  // A guard, not a timing assertion: the loop must not run forever if re-authentication
  // never comes.
  uv_timer_t guard;
  bool gave_up = false;
  uv_timer_init(&loop, &guard);
  guard.data = &gave_up;
  uv_timer_start(&guard, [](uv_timer_t *t) {
    *static_cast<bool *>(t->data) = true;
    uv_stop(t->loop);
  }, 60000, 0);
  // Every connection asks the provider again before its session ends.
  while (r.provider.calls < calls + 2 * connects && !gave_up) uv_run(&loop, UV_RUN_ONCE);
  REQUIRE_FALSE(gave_up);
  // The re-authenticated connections still carry requests.
  produce_one(&loop, producer, topic);
  CHECK(r.connects == connects);  // no new connection was needed
  CHECK(r.logs.all.find("Re-authenticated to") != std::string::npos);
  CHECK(r.logs.all.find(r.provider.token) == std::string::npos);
  uv_close(reinterpret_cast<uv_handle_t *>(&guard), nullptr);
  uvk_producer_free(producer);
  Done closed;
  REQUIRE(uvk_client_disconnect(client, on_done, &closed) == 0);
  run_until(&loop, &closed.done);
  uvk_client_free(client);
  close_provider(&r.provider);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}
