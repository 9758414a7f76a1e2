// Issue 30: a handle freed from inside a callback of its own, of its client or of another
// handle of the same client. The public client against two fake brokers (test/lib/fake_rig.h);
// each case frees the producer, consumer, admin or client from inside one kind of callback
// and checks that every pending completion still runs exactly once (UVK_ECLOSED where it was
// cut short), that no handler runs after its consumer was freed, and that every byte the
// client allocated is back (its allocator counts them). Run under ASan + UBSan and valgrind
// (test/lib/valgrind-unit.sh), a use-after-free or a leak fails the case there.
// This file: the producer, the client and calls after free; the consumer, the admin and one
// handle freed from another's callback are in free_in_callback_consumer_test.cc.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "free_in_callback.h"

using namespace free_in_callback;

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

