// Issue 30: a handle freed from inside a callback of its own, of its client or of another
// handle of the same client. The public client against two fake brokers (test/lib/fake_rig.h);
// each case frees the producer, consumer, admin or client from inside one kind of callback
// and checks that every pending completion still runs exactly once (UVK_ECLOSED where it was
// cut short), that no handler runs after its consumer was freed, and that every byte the
// client allocated is back (its allocator counts them). Run under ASan + UBSan and valgrind
// (test/lib/valgrind-unit.sh), a use-after-free or a leak fails the case there.
#include <catch2/catch.hpp>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <uv.h>

#include "fake_broker.h"
#include "fake_rig.h"
#include "uvkafka/uvkafka.h"

using namespace uvk_test;

namespace {

// Bytes the client holds now, through uvk_config_set_allocator.
struct Memory {
  size_t now = 0;
};
struct Header {
  size_t size;
  size_t pad;  // keeps the payload 16-byte aligned
};
void *mem_malloc(void *ud, size_t n) {
  Header *h = static_cast<Header *>(malloc(sizeof(Header) + n));
  if (!h) return nullptr;
  h->size = n;
  static_cast<Memory *>(ud)->now += n;
  return h + 1;
}
void mem_free_fn(void *ud, void *p) {
  if (!p) return;
  Header *h = static_cast<Header *>(p) - 1;
  static_cast<Memory *>(ud)->now -= h->size;
  free(h);
}
void *mem_realloc_fn(void *ud, void *p, size_t n) {
  if (!p) return mem_malloc(ud, n);
  Header *old = static_cast<Header *>(p) - 1;
  size_t old_size = old->size;
  Header *h = static_cast<Header *>(realloc(old, sizeof(Header) + n));
  if (!h) return nullptr;
  h->size = n;
  Memory *m = static_cast<Memory *>(ud);
  m->now = m->now - old_size + n;
  return h + 1;
}

// One completion: how many times it ran and its last code.
struct Done {
  int calls = 0;
  int code = -1;
};
void note(Done *d, const uvk_error *err) {
  d->calls++;
  d->code = err ? uvk_error_code(err) : 0;
}

struct Rig;
// The rig of the running test (set as it is made), for the callbacks that get no user data
// to reach it by.
Rig *current = nullptr;

// A callback's completion noted in the Done its user data points at.
void client_noted(uvk_client *, const uvk_error *e, void *ud) { note(static_cast<Done *>(ud), e); }
void producer_noted(uvk_producer *, const uvk_error *e, void *ud) { note(static_cast<Done *>(ud), e); }
void consumer_noted(uvk_consumer *, const uvk_error *e, void *ud) { note(static_cast<Done *>(ud), e); }

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

}  // namespace

// ---- the producer ------------------------------------------------------------------------

TEST_CASE("free in callback: the issue's reproduction, 10 x 1,000 messages, producer freed and client disconnected in the last send's callback", "[free_in_callback]") {
  Case r;
  r.start_producer();
  Done disconnected;
  static Done *disc;
  disc = &disconnected;
  Rig::Then last = [](Rig *rig, size_t) {
    rig->free_producer();
    REQUIRE(uvk_client_disconnect(rig->client, [](uvk_client *, const uvk_error *e, void *) { note(disc, e); },
                                  nullptr) == 0);
  };
  for (size_t i = 0; i < 10; i++) REQUIRE(r.send(i, 1000, i == 9 ? last : nullptr) == 0);
  REQUIRE(r.run_until([&] { return disconnected.calls == 1; }));
  r.check_sends_once();
  CHECK(disconnected.code == 0);
  r.settle();
  r.check_sends_once();
}

TEST_CASE("free in callback: the producer freed in the first send's callback, nine still pending", "[free_in_callback]") {
  Case r;
  r.start_producer();
  Rig::Then first = [](Rig *rig, size_t) { rig->free_producer(); };
  for (size_t i = 0; i < 10; i++) REQUIRE(r.send(i, 1000, i == 0 ? first : nullptr) == 0);
  REQUIRE(r.run_until([&] { return r.all_sent(); }));
  r.check_sends_once();
  r.settle();
  r.check_sends_once();
}

TEST_CASE("free in callback: the client freed in a send's callback, the producer later", "[free_in_callback]") {
  Case r;
  r.start_producer();
  Rig::Then first = [](Rig *rig, size_t) { rig->free_client(); };
  for (size_t i = 0; i < 5; i++) REQUIRE(r.send(i, 100, i == 0 ? first : nullptr) == 0);
  REQUIRE(r.run_until([&] { return r.all_sent(); }));
  r.check_sends_once();
  // The client's memory waits for its producer; the producer still answers (closed).
  CHECK(r.send(9, 1) == UVK_ECLOSED);
  r.settle();
  r.check_sends_once();
}

TEST_CASE("free in callback: client and producer freed in one send's callback, the client first", "[free_in_callback]") {
  Case r;
  r.start_producer();
  Rig::Then both = [](Rig *rig, size_t) {
    rig->free_client();
    rig->free_producer();
  };
  for (size_t i = 0; i < 5; i++) REQUIRE(r.send(i, 100, i == 1 ? both : nullptr) == 0);
  REQUIRE(r.run_until([&] { return r.all_sent(); }));
  r.check_sends_once();
  r.settle();
}

TEST_CASE("free in callback: the producer freed in the flush callback, a send made there cut short", "[free_in_callback]") {
  Case r;
  r.start_producer();
  for (size_t i = 0; i < 3; i++) REQUIRE(r.send(i, 10) == 0);
  Done flushed;
  REQUIRE(uvk_producer_flush(r.producer, [](uvk_producer *, const uvk_error *e, void *ud) {
    note(static_cast<Done *>(ud), e);
    REQUIRE(current->send(3, 10) == 0);  // pending when the producer goes
    current->free_producer();
  }, &flushed) == 0);
  REQUIRE(r.run_until([&] { return flushed.calls == 1 && r.all_sent(); }));
  r.check_sends_once();
  CHECK(r.sends[3].code == UVK_ECLOSED);
  CHECK(flushed.code == 0);
  r.settle();
  CHECK(flushed.calls == 1);
}

TEST_CASE("free in callback: uvk_producer_disconnect from a send's callback, the producer freed in its callback", "[free_in_callback]") {
  Case r;
  r.start_producer();
  static Done disconnected;
  disconnected = Done();
  Rig::Then stop = [](Rig *rig, size_t) {
    REQUIRE(uvk_producer_disconnect(rig->producer, [](uvk_producer *, const uvk_error *e, void *ud) {
      note(&disconnected, e);
      static_cast<Rig *>(ud)->free_producer();
    }, rig) == 0);
  };
  for (size_t i = 0; i < 4; i++) REQUIRE(r.send(i, 50, i == 0 ? stop : nullptr) == 0);
  REQUIRE(r.run_until([&] { return disconnected.calls == 1 && r.all_sent(); }));
  r.check_sends_once();
  CHECK(disconnected.code == 0);
  CHECK(r.producer == nullptr);
  r.settle();
  CHECK(disconnected.calls == 1);
}

TEST_CASE("free in callback: the producer freed in its connect callback", "[free_in_callback]") {
  Case r;
  r.make_producer();
  Done up;
  REQUIRE(uvk_producer_connect(r.producer, [](uvk_producer *, const uvk_error *e, void *ud) {
    note(static_cast<Done *>(ud), e);
    current->free_producer();
  }, &up) == 0);
  REQUIRE(r.run_until([&] { return up.calls == 1; }));
  r.settle();
  CHECK(up.calls == 1);
}

TEST_CASE("free in callback: the producer freed in its partitioner, inside uvk_producer_send", "[free_in_callback]") {
  Case r;
  r.start_producer();
  REQUIRE(r.send(0, 1, nullptr, 0) == 0);  // metadata cached: the next send routes inside the call
  REQUIRE(r.run_until([&] { return r.all_sent(); }));
  REQUIRE(uvk_producer_set_partitioner(r.producer, [](void *, const char *, const uvk_partition_info *, size_t,
                                                      const uvk_message *) -> int32_t {
    if (current->producer) current->free_producer();
    return 0;
  }, nullptr) == 0);
  REQUIRE(r.send(1, 3) == 0);
  CHECK(r.sends[1].calls == 0);  // never from inside the call
  REQUIRE(r.run_until([&] { return r.all_sent(); }));
  CHECK(r.sends[1].calls == 1);
  CHECK(r.sends[1].code == UVK_ECLOSED);
  r.settle();
}

TEST_CASE("free in callback: the producer freed in its drain callback", "[free_in_callback]") {
  Case r;
  uvk_config *cfg = r.config();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "bufferMemory", "4096", err, sizeof err) == 0);
  r.make_producer(cfg);
  Done drained;
  REQUIRE(uvk_producer_set_drain_cb(r.producer, [](uvk_producer *, const uvk_error *e, void *ud) {
    note(static_cast<Done *>(ud), e);
    current->free_producer();
  }, &drained) == 0);
  size_t i = 0;
  int rc = 0;
  while ((rc = r.send(i, 4)) == 0) i++;
  REQUIRE(rc == UVK_EQUEUEFULL);
  REQUIRE(r.run_until([&] { return drained.calls == 1 && r.all_sent(); }));
  r.check_sends_once();
  r.settle();
  CHECK(drained.calls == 1);
}

// ---- the client ------------------------------------------------------------------------

TEST_CASE("free in callback: the client freed in its connect callback", "[free_in_callback]") {
  Case r;
  r.start_client();
  Done up;
  REQUIRE(uvk_client_connect(r.client, [](uvk_client *, const uvk_error *e, void *ud) {
    note(static_cast<Done *>(ud), e);
    current->free_client();
  }, &up) == 0);
  r.settle();
  CHECK(up.calls == 1);
}

TEST_CASE("free in callback: the client freed in a metadata callback, another metadata call pending", "[free_in_callback]") {
  Case r;
  r.start_client();
  Done first, second;
  const char *topics[] = {r.cluster.topic.c_str()};
  REQUIRE(uvk_client_metadata(r.client, topics, 1, [](uvk_client *, const uvk_error *e, const uvk_metadata *, void *ud) {
    note(static_cast<Done *>(ud), e);
    current->free_client();
  }, &first) == 0);
  REQUIRE(uvk_client_metadata(r.client, nullptr, 0, [](uvk_client *, const uvk_error *e, const uvk_metadata *, void *ud) {
    note(static_cast<Done *>(ud), e);
  }, &second) == 0);
  r.settle();
  CHECK(first.calls == 1);
  CHECK(second.calls == 1);
}

TEST_CASE("free in callback: the client freed in an event listener", "[free_in_callback]") {
  Case r;
  r.start_producer();
  static int events;
  events = 0;
  REQUIRE(uvk_client_on(r.client, UVK_EVENT_REQUEST, [](void *, const uvk_event *) {
    if (events++ == 0) {
      current->free_producer();
      current->free_client();
    }
  }, nullptr) > 0);
  for (size_t i = 0; i < 3; i++) REQUIRE(r.send(i, 10) == 0);
  REQUIRE(r.run_until([&] { return r.all_sent(); }));
  r.check_sends_once();
  r.settle();
  CHECK(events >= 1);
}

TEST_CASE("free in callback: the client freed in a log callback", "[free_in_callback]") {
  Case r;
  r.log_level = "DEBUG";
  uvk_config *cfg = r.config();
  static int lines;
  lines = 0;
  REQUIRE(uvk_config_set_logger(cfg, [](void *, const char *, int, const char *, const char *, const char *,
                                        const char *const *, size_t) {
    lines++;
    if (current->client && current->producer) {
      current->free_producer();
      current->free_client();
    }
  }, nullptr) == 0);
  r.make_producer(cfg);
  // Sends accepted before the log line that frees complete once; the others are refused.
  std::vector<size_t> accepted;
  for (size_t i = 0; i < 3 && r.producer; i++)
    if (r.send(i, 10) == 0) accepted.push_back(i);
  REQUIRE(r.run_until([&] { return r.client == nullptr; }));  // the first line from the loop frees both
  REQUIRE(r.run_until([&] { return r.all_sent(); }));
  r.settle();
  for (size_t i : accepted) CHECK(r.sends[i].calls == 1);
  CHECK(lines >= 1);
}

TEST_CASE("free in callback: the client freed in its disconnect callback", "[free_in_callback]") {
  Case r;
  r.start_producer();
  r.free_producer();
  Done closed;
  REQUIRE(uvk_client_disconnect(r.client, [](uvk_client *, const uvk_error *e, void *ud) {
    note(static_cast<Done *>(ud), e);
    current->free_client();
  }, &closed) == 0);
  r.settle();
  CHECK(closed.calls == 1);
}

TEST_CASE("free in callback: the client freed in its brokers callback, inside uvk_client_connect", "[free_in_callback]") {
  Case r;
  uvk_config *cfg = r.config();
  REQUIRE(uvk_config_set_brokers_cb(cfg, [](void *, uvk_brokers *out) {
    current->free_client();
    return uvk_brokers_add(out, current->addr(current->b2).c_str());
  }, nullptr) == 0);
  r.start_client(cfg);
  Done up;
  uvk_client *c = r.client;
  int rc = uvk_client_connect(c, client_noted, &up);
  CHECK(rc == UVK_ECLOSED);  // freed meanwhile: refused, so no callback
  r.settle();
  CHECK(up.calls == 0);
}

TEST_CASE("free in callback: the client and producer freed in the OAUTHBEARER token provider", "[free_in_callback]") {
  Case r;
  uvk_config *cfg = r.config();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "sasl.mechanism", "oauthbearer", err, sizeof err) == 0);
  static int asked;
  asked = 0;
  REQUIRE(uvk_config_set_oauthbearer_provider(cfg, [](void *, uvk_client *client, uint64_t id) {
    if (asked++ > 0) return;
    CHECK(uvk_oauthbearer_token(client, id, "token", nullptr, 0) == 0);
    current->free_producer();
    current->free_client();
  }, nullptr) == 0);
  r.make_producer(cfg);
  Done up;
  REQUIRE(uvk_producer_connect(r.producer, producer_noted, &up) == 0);
  REQUIRE(r.run_until([&] { return up.calls == 1; }));
  CHECK(up.code == UVK_ECLOSED);  // the producer went before the client connected
  r.settle();
  CHECK(asked >= 1);
  CHECK(up.calls == 1);
}

TEST_CASE("free in callback: the client freed in a custom SASL mechanism's step", "[free_in_callback]") {
  Case r;
  uvk_config *cfg = r.config();
  static int steps;
  steps = 0;
  REQUIRE(uvk_config_set_sasl_mechanism(cfg, "X-FREE", [](void *, uvk_client *client, const uvk_sasl_step *st) {
    steps++;
    if (!st->server_message) {
      CHECK(uvk_sasl_send(client, st->id, "hello", 5) == 0);
      return;
    }
    CHECK(uvk_sasl_done(client, st->id) == 0);
    if (current->client) current->free_client();
  }, nullptr) == 0);
  r.start_client(cfg);
  Done up;
  REQUIRE(uvk_client_connect(r.client, client_noted, &up) == 0);
  REQUIRE(r.run_until([&] { return up.calls == 1; }));
  r.settle();
  CHECK(steps >= 2);
  CHECK(up.calls == 1);
}

// ---- the consumer ------------------------------------------------------------------------

TEST_CASE("free in callback: the consumer freed in eachMessage", "[free_in_callback]") {
  Case r;
  r.start_consumer();
  r.on_message = [](Rig *rig) {
    if (rig->consumer) rig->free_consumer();
    return 0;
  };
  r.run_consumer(false);
  REQUIRE(r.run_until([&] { return r.handler_calls > 0; }));
  r.run_until([] { return false; }, 300);  // later fetches would call it again
  CHECK(r.handler_calls == 1);
  CHECK(r.handler_after_free == 0);
  r.settle();
}

TEST_CASE("free in callback: the client freed in eachMessage, the consumer after it", "[free_in_callback]") {
  Case r;
  r.start_consumer();
  r.on_message = [](Rig *rig) {
    if (rig->client) {
      rig->free_client();
      rig->free_consumer();
    }
    return 0;
  };
  r.run_consumer(false);
  REQUIRE(r.run_until([&] { return r.handler_calls > 0; }));
  r.settle();
  CHECK(r.handler_after_free == 0);
}

TEST_CASE("free in callback: the consumer freed in eachBatch", "[free_in_callback]") {
  Case r;
  r.start_consumer();
  r.on_message = [](Rig *rig) {
    if (rig->consumer) rig->free_consumer();
    return 0;
  };
  r.run_consumer(true);
  REQUIRE(r.run_until([&] { return r.handler_calls > 0; }));
  r.run_until([] { return false; }, 300);
  CHECK(r.handler_calls == 1);
  r.settle();
}

TEST_CASE("free in callback: the client freed in eachBatch (the consumer stays, freed later)", "[free_in_callback]") {
  Case r;
  r.start_consumer();
  r.on_message = [](Rig *rig) {
    if (rig->client) rig->free_client();
    return 0;
  };
  r.run_consumer(true);
  REQUIRE(r.run_until([&] { return r.handler_calls > 0; }));
  r.run_until([] { return false; }, 300);
  r.settle();
}

TEST_CASE("free in callback: eachMessage returns UVK_PENDING and frees its consumer", "[free_in_callback]") {
  Case r;
  r.start_consumer();
  r.on_message = [](Rig *rig) {
    if (rig->consumer) rig->free_consumer();
    return UVK_PENDING;
  };
  r.run_consumer(false);
  REQUIRE(r.run_until([&] { return r.handler_calls > 0; }));
  r.run_until([] { return false; }, 200);
  CHECK(r.handler_calls == 1);
  r.settle();
}

TEST_CASE("free in callback: after UVK_PENDING, the consumer freed from a client event listener", "[free_in_callback]") {
  Case r;
  r.start_consumer();
  r.on_message = [](Rig *) { return UVK_PENDING; };
  r.run_consumer(false);
  REQUIRE(r.run_until([&] { return r.handler_calls > 0; }));
  REQUIRE(uvk_client_on(r.client, UVK_EVENT_REQUEST, [](void *, const uvk_event *) {
    if (current->consumer) current->free_consumer();
  }, nullptr) > 0);
  REQUIRE(r.run_until([&] { return r.consumer == nullptr; }));
  r.run_until([] { return false; }, 200);
  CHECK(r.handler_after_free == 0);
  r.settle();
}

TEST_CASE("free in callback: the consumer freed in eachMessage with a commit, a describe and a stop pending", "[free_in_callback]") {
  Case r;
  r.start_consumer();
  static Done commit, describe, stop;
  commit = describe = stop = Done();
  r.on_message = [](Rig *rig) {
    if (!rig->consumer) return 0;
    uvk_topic_partition_offset tpo{rig->cluster.topic.c_str(), 0, 1};
    REQUIRE(uvk_consumer_commit_offsets(rig->consumer, &tpo, 1, [](uvk_consumer *, const uvk_error *e, void *) {
      note(&commit, e);
    }, nullptr) == 0);
    REQUIRE(uvk_consumer_describe_group(rig->consumer, [](uvk_consumer *, const uvk_error *e,
                                                          const uvk_group_description *, void *) {
      note(&describe, e);
    }, nullptr) == 0);
    REQUIRE(uvk_consumer_stop(rig->consumer, [](uvk_consumer *, const uvk_error *e, void *) { note(&stop, e); },
                              nullptr) == 0);
    rig->free_consumer();
    return 0;
  };
  r.run_consumer(false);
  REQUIRE(r.run_until([&] { return r.handler_calls > 0; }));
  r.run_until([] { return false; }, 200);
  CHECK(commit.calls == 1);
  CHECK(describe.calls == 1);
  CHECK(stop.calls == 1);
  CHECK(commit.code == UVK_ECLOSED);
  CHECK(describe.code == UVK_ECLOSED);
  CHECK(stop.code == UVK_ECLOSED);
  r.settle();
  CHECK(commit.calls == 1);
}

TEST_CASE("free in callback: uvk_consumer_free outside callbacks completes a pending stop with UVK_ECLOSED", "[free_in_callback]") {
  Case r;
  r.start_consumer();
  r.run_consumer(false);
  REQUIRE(r.run_until([&] { return r.handler_calls > 0; }));
  Done stop;
  REQUIRE(uvk_consumer_stop(r.consumer, consumer_noted, &stop) == 0);
  r.free_consumer();
  CHECK(stop.calls == 1);
  CHECK(stop.code == UVK_ECLOSED);
  r.settle();
  CHECK(stop.calls == 1);
}

TEST_CASE("free in callback: the consumer freed in its stop, commit and describe callbacks", "[free_in_callback]") {
  for (int which = 0; which < 3; which++) {
    INFO("callback " << which);
    Case r;
    r.start_consumer();
    static Done done;
    done = Done();
    r.run_consumer(false);
    REQUIRE(r.run_until([&] { return r.handler_calls > 0; }));
    uvk_consumer_cb free_it = [](uvk_consumer *, const uvk_error *e, void *) {
      note(&done, e);
      current->free_consumer();
    };
    if (which == 0) {
      REQUIRE(uvk_consumer_stop(r.consumer, free_it, nullptr) == 0);
    } else if (which == 1) {
      uvk_topic_partition_offset tpo{r.cluster.topic.c_str(), 0, 1};
      REQUIRE(uvk_consumer_commit_offsets(r.consumer, &tpo, 1, free_it, nullptr) == 0);
    } else {
      REQUIRE(uvk_consumer_describe_group(r.consumer, [](uvk_consumer *, const uvk_error *e,
                                                         const uvk_group_description *, void *) {
        note(&done, e);
        current->free_consumer();
      }, nullptr) == 0);
    }
    REQUIRE(r.run_until([&] { return done.calls == 1; }));
    r.settle();
    CHECK(done.calls == 1);
  }
}

TEST_CASE("free in callback: the consumer freed in its event listener and in its crash callback", "[free_in_callback]") {
  SECTION("GROUP_JOIN listener") {
    Case r;
    r.start_consumer();
    REQUIRE(uvk_consumer_on(r.consumer, UVK_EVENT_GROUP_JOIN, [](void *, const uvk_event *) {
      if (current->consumer) current->free_consumer();
    }, nullptr) > 0);
    r.run_consumer(false);
    REQUIRE(r.run_until([&] { return r.consumer == nullptr; }));
    r.run_until([] { return false; }, 200);
    CHECK(r.handler_after_free == 0);
    r.settle();
  }
  SECTION("crash callback") {
    Case r;
    r.cluster.inject_errors[10] = {30};  // FindCoordinator: GROUP_AUTHORIZATION_FAILED
    r.start_consumer();
    static Done crashed;
    crashed = Done();
    REQUIRE(uvk_consumer_set_crash_cb(r.consumer, [](uvk_consumer *, const uvk_error *e, void *) {
      note(&crashed, e);
      current->free_consumer();
    }, nullptr) == 0);
    r.run_consumer(false);
    REQUIRE(r.run_until([&] { return crashed.calls == 1; }));
    r.settle();
    CHECK(crashed.calls == 1);
  }
}

TEST_CASE("free in callback: the consumer freed in its custom assigner", "[free_in_callback]") {
  Case r;
  r.start_consumer();
  static int assigns;
  assigns = 0;
  REQUIRE(uvk_consumer_add_assigner(r.consumer, "free-me", 0, nullptr, 0,
                                    [](void *, const uvk_group_member *, size_t, const uvk_assign_topic *, size_t,
                                       uvk_assignment_builder *) {
                                      assigns++;
                                      if (current->consumer) current->free_consumer();
                                      return 0;
                                    },
                                    nullptr) == 0);
  r.run_consumer(false);
  REQUIRE(r.run_until([&] { return assigns > 0; }));
  r.run_until([] { return false; }, 200);
  CHECK(assigns == 1);
  CHECK(r.handler_after_free == 0);
  r.settle();
}

// ---- the admin ---------------------------------------------------------------------------

TEST_CASE("free in callback: the admin freed in its callback, another operation pending", "[free_in_callback]") {
  Case r;
  r.start_admin();
  Done first, second;
  REQUIRE(r.list_topics(&first, [](Rig *rig, size_t) {
    if (rig->admin) rig->free_admin();
  }) == 0);
  REQUIRE(r.list_topics(&second) == 0);
  REQUIRE(r.run_until([&] { return first.calls == 1 && second.calls == 1; }));
  CHECK((second.code == 0 || second.code == UVK_ECLOSED));
  r.settle();
  CHECK(first.calls == 1);
  CHECK(second.calls == 1);
}

TEST_CASE("free in callback: the client freed in an admin callback, the admin later", "[free_in_callback]") {
  Case r;
  r.start_admin();
  Done first;
  REQUIRE(r.list_topics(&first, [](Rig *rig, size_t) { rig->free_client(); }) == 0);
  REQUIRE(r.run_until([&] { return first.calls == 1; }));
  Done late;
  CHECK(r.list_topics(&late) == UVK_ECLOSED);
  r.settle();
  CHECK(first.calls == 1);
  CHECK(late.calls == 0);
}

TEST_CASE("free in callback: uvk_admin_free completes pending operations with UVK_ECLOSED", "[free_in_callback]") {
  Case r;
  r.start_admin();
  Done pending;
  REQUIRE(r.list_topics(&pending) == 0);
  r.free_admin();
  CHECK(pending.calls == 1);
  CHECK(pending.code == UVK_ECLOSED);
  r.settle();
  CHECK(pending.calls == 1);
}

TEST_CASE("free in callback: the admin freed in its event listener", "[free_in_callback]") {
  Case r;
  r.start_admin();
  REQUIRE(uvk_admin_on(r.admin, UVK_EVENT_REQUEST, [](void *, const uvk_event *) {
    if (current->admin) current->free_admin();
  }, nullptr) > 0);
  Done op;
  REQUIRE(r.list_topics(&op) == 0);
  REQUIRE(r.run_until([&] { return op.calls == 1; }));
  r.settle();
  CHECK(op.calls == 1);
}

// ---- one handle from another's callback ------------------------------------------------

TEST_CASE("free in callback: a send's callback frees the consumer and the admin; an admin callback frees the producer", "[free_in_callback]") {
  Case r;
  r.start_consumer();
  REQUIRE(uvk_producer_new(r.client, nullptr, &r.producer) == 0);
  REQUIRE(uvk_admin_new(r.client, nullptr, &r.admin) == 0);
  r.run_consumer(false);
  REQUIRE(r.run_until([&] { return r.handler_calls > 0; }));
  static Done listed;
  listed = Done();
  REQUIRE(r.send(0, 10, [](Rig *rig, size_t) {
    rig->free_consumer();
    REQUIRE(rig->list_topics(&listed, [](Rig *rig2, size_t) { rig2->free_producer(); }) == 0);
    rig->free_admin();  // when this callback returns, the list call ends (UVK_ECLOSED) and frees the producer
    CHECK(listed.calls == 0);
  }) == 0);
  REQUIRE(r.send(1, 10) == 0);
  REQUIRE(r.run_until([&] { return r.all_sent() && listed.calls == 1; }));
  r.check_sends_once();
  CHECK(listed.code == UVK_ECLOSED);
  CHECK(r.producer == nullptr);
  r.settle();
  CHECK(listed.calls == 1);
}

// ---- calls after free ------------------------------------------------------------------

#ifndef NDEBUG
TEST_CASE("free in callback: a call on a producer freed inside its callback aborts with a message", "[free_in_callback]") {
  Case r;
  r.start_producer();
  static uvk_producer *freed;
  static int child_status;
  child_status = -1;
  REQUIRE(r.send(0, 1, [](Rig *rig, size_t) {
    freed = rig->producer;
    rig->free_producer();
    fflush(nullptr);
    pid_t pid = fork();
    if (pid == 0) {
      signal(SIGABRT, SIG_DFL);  // the test framework's handler would report the child as a test
      uvk_producer_flush(freed, [](uvk_producer *, const uvk_error *, void *) {}, nullptr);
      _exit(0);  // not reached: the freed-handle check aborts
    }
    waitpid(pid, &child_status, 0);
  }) == 0);
  REQUIRE(r.run_until([&] { return r.all_sent(); }));
  CHECK(WIFSIGNALED(child_status));
  CHECK(WTERMSIG(child_status) == SIGABRT);
  r.settle();
}
#endif
