// What the free-in-callback files share: a rig of two fake brokers (fake_rig.h) whose client
// allocates through a byte-counting allocator, with helpers to start, free and settle a
// producer, a consumer and an admin from inside their callbacks.
#pragma once
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <string.h>

#include <string>
#include <vector>

#include <uv.h>

#include "counting_alloc.h"
#include "fake_broker.h"
#include "fake_rig.h"
#include "uvkafka/uvkafka.h"

namespace free_in_callback {

using namespace uvk_test;

// One completion: how many times it ran and its last code.
struct Done {
  int calls = 0;
  int code = -1;
};
inline void note(Done *d, const uvk_error *err) {
  d->calls++;
  d->code = err ? uvk_error_code(err) : 0;
}

struct Rig;
// The rig of the running test (set as it is made), for the callbacks that get no user data
// to reach it by.
inline Rig *current = nullptr;

// A callback's completion noted in the Done its user data points at.
inline void client_noted(uvk_client *, const uvk_error *e, void *ud) { note(static_cast<Done *>(ud), e); }
inline void producer_noted(uvk_producer *, const uvk_error *e, void *ud) { note(static_cast<Done *>(ud), e); }
inline void consumer_noted(uvk_consumer *, const uvk_error *e, void *ud) { note(static_cast<Done *>(ud), e); }

struct Rig : TwoBrokerRig {
  Memory mem;
  uvk_producer *producer = nullptr;
  uvk_consumer *consumer = nullptr;
  uvk_admin *admin = nullptr;
  std::vector<Done> sends;
  int handler_calls = 0;       // eachMessage / eachBatch
  int handler_after_free = 0;  // handler calls on a consumer freed before
  bool consumer_freed = false;
  std::string log_level = "INFO";

  Rig() {
    b1.log[0] = {"a0", "a1", "a2", "a3"};
    b2.log[1] = {"b0", "b1", "b2", "b3"};
    current = this;
  }
  ~Rig() {
    if (consumer) uvk_consumer_free(consumer);
    if (producer) uvk_producer_free(producer);
    if (admin) uvk_admin_free(admin);
    close_client();  // its allocator counts into mem, which goes with us
  }

  uvk_config *config() {
    uvk_config *cfg = uvk_config_new();
    REQUIRE(cfg);
    char err[256];
    std::string seed = addr(b2);
    const char *const kv[][2] = {
        {"brokers", seed.c_str()},   {"clientId", "free-in-callback"}, {"logLevel", log_level.c_str()},
        {"retry.retries", "2"},      {"retry.initialRetryTime", "20"}, {"retry.maxRetryTime", "50"},
        {"requestTimeout", "5000"},  {"connectionTimeout", "2000"},    {"maxWaitTimeInMs", "50"},
        {"groupId", "free-group"},   {"heartbeatInterval", "100"},
    };
    for (const auto &p : kv) REQUIRE(uvk_config_set(cfg, p[0], p[1], err, sizeof err) == 0);
    REQUIRE(uvk_config_set_allocator(cfg, mem_malloc, mem_realloc_fn, mem_free_fn, &mem) == 0);
    return cfg;
  }

  void make_client(uvk_config *cfg) { REQUIRE(uvk_client_new(&loop, cfg, &client) == 0); }
  // A client of config() (or of cfg, which it frees), nothing on it yet.
  void start_client(uvk_config *cfg = nullptr) {
    if (!cfg) cfg = config();
    make_client(cfg);
    uvk_config_free(cfg);
  }
  // A client and a producer on it (of config(), or of cfg, which it frees), not connected.
  void make_producer(uvk_config *cfg = nullptr) {
    if (!cfg) cfg = config();
    make_client(cfg);
    REQUIRE(uvk_producer_new(client, cfg, &producer) == 0);
    uvk_config_free(cfg);
  }

  // Frees the client where it stands (from a callback); the rig forgets it.
  void free_client() {
    uvk_client_free(client);
    client = nullptr;
  }
  void free_producer() {
    uvk_producer_free(producer);
    producer = nullptr;
  }
  void free_consumer() {
    uvk_consumer_free(consumer);
    consumer = nullptr;
    consumer_freed = true;
  }
  void free_admin() {
    uvk_admin_free(admin);
    admin = nullptr;
  }

  // Everything freed: the client (freed or closed here) gives back every byte.
  void settle() {
    if (consumer) uvk_consumer_free(consumer);
    if (producer) uvk_producer_free(producer);
    if (admin) uvk_admin_free(admin);
    consumer = nullptr, producer = nullptr, admin = nullptr;
    if (client) close_client();
    REQUIRE(run_until([&] { return mem.now == 0; }));
  }

  void start_producer() {
    make_producer();
    Done up;
    REQUIRE(uvk_producer_connect(producer, producer_noted, &up) == 0);
    REQUIRE(run_until([&] { return up.calls == 1; }));
    REQUIRE(up.code == 0);
  }

  // Send i of `n_msgs` messages; its completion lands in sends[i] and runs `then`.
  typedef void (*Then)(Rig *r, size_t i);
  struct SendCtx {
    Rig *r;
    size_t i;
    Then then;
  };
  std::vector<SendCtx *> ctxs;
  int send(size_t i, size_t n_msgs, Then then = nullptr, int32_t partition = -1) {
    std::vector<uvk_message> msgs(n_msgs);
    std::vector<std::string> values(n_msgs);
    for (size_t k = 0; k < n_msgs; k++) {
      values[k] = "v" + std::to_string(i) + "-" + std::to_string(k);
      memset(&msgs[k], 0, sizeof msgs[k]);
      msgs[k].value = values[k].data();
      msgs[k].value_len = values[k].size();
      msgs[k].partition = partition;
      msgs[k].timestamp = -1;
    }
    size_t before = sends.size();
    if (before <= i) sends.resize(i + 1);
    SendCtx *ctx = new SendCtx{this, i, then};
    ctxs.push_back(ctx);
    uvk_send_options o;
    uvk_send_options_init(&o);
    int rc = uvk_producer_send(producer, cluster.topic.c_str(), msgs.data(), n_msgs, &o,
                             [](uvk_producer *, const uvk_error *err, const uvk_record_metadata *, size_t, void *ud) {
                               SendCtx *c = static_cast<SendCtx *>(ud);
                               note(&c->r->sends[c->i], err);
                               if (c->then) c->then(c->r, c->i);
                             },
                             ctx);
    if (rc != 0) sends.resize(before);  // refused: it never calls back
    return rc;
  }
  bool all_sent() const {
    for (const Done &d : sends)
      if (d.calls == 0) return false;
    return true;
  }
  void check_sends_once() {
    for (size_t i = 0; i < sends.size(); i++) {
      INFO("send " << i);
      CHECK(sends[i].calls == 1);
      CHECK((sends[i].code == 0 || sends[i].code == UVK_ECLOSED));
    }
  }

  // A consumer of the fake cluster's topic; each handler call runs `on_message`.
  typedef int (*OnMessage)(Rig *r);
  OnMessage on_message = nullptr;
  void start_consumer(uvk_config *cfg = nullptr) {
    if (!cfg) cfg = config();
    make_client(cfg);
    REQUIRE(uvk_consumer_new(client, cfg, &consumer) == 0);
    uvk_config_free(cfg);
    REQUIRE(uvk_consumer_subscribe(consumer, cluster.topic.c_str(), 1) == 0);
  }
  void run_consumer(bool each_batch) {
    uvk_run_options o;
    uvk_run_options_init(&o);
    o.auto_commit = 0;
    o.ud = this;
    if (each_batch) {
      o.each_batch = [](uvk_consumer *, const uvk_batch *, void *ud) {
        Rig *r = static_cast<Rig *>(ud);
        r->handler_calls++;
        if (r->consumer_freed) r->handler_after_free++;
        return r->on_message ? r->on_message(r) : 0;
      };
    } else {
      o.each_message = [](uvk_consumer *, const uvk_batch *, const uvk_consumer_message *, void *ud) {
        Rig *r = static_cast<Rig *>(ud);
        r->handler_calls++;
        if (r->consumer_freed) r->handler_after_free++;
        return r->on_message ? r->on_message(r) : 0;
      };
    }
    REQUIRE(uvk_consumer_run(consumer, &o) == 0);
  }

  void start_admin() {
    uvk_config *cfg = config();
    make_client(cfg);
    REQUIRE(uvk_admin_new(client, cfg, &admin) == 0);
    uvk_config_free(cfg);
  }
  struct AdminCtx {
    Rig *r;
    Done *d;
    Then then;
  };
  std::vector<AdminCtx *> actxs;
  int list_topics(Done *d, Then then = nullptr) {
    AdminCtx *ctx = new AdminCtx{this, d, then};
    actxs.push_back(ctx);
    return uvk_admin_list_topics(admin, [](uvk_admin *, const uvk_error *err, const char *const *, size_t, void *ud) {
      AdminCtx *c = static_cast<AdminCtx *>(ud);
      note(c->d, err);
      if (c->then) c->then(c->r, 0);
    }, ctx);
  }

  void forget_contexts() {
    for (SendCtx *c : ctxs) delete c;
    for (AdminCtx *c : actxs) delete c;
    ctxs.clear();
    actxs.clear();
  }
};

struct Case : Rig {
  ~Case() { forget_contexts(); }
};


}  // namespace free_in_callback
