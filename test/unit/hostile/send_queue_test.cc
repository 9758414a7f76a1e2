// Sends from other threads (uvk_send_queue, lib/capi/send_queue.cc) into a producer on the
// loop, against two fake brokers (test/lib/fake_rig.h): one wake-up per burst, backpressure,
// and sends racing a disconnect or a free: every accepted send completes exactly once
// (acknowledged, then in the broker's log, or UVK_ECLOSED), nothing leaks. Also built with
// ThreadSanitizer by test/run.sh (build-tsan).
#include <catch2/catch.hpp>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atomic>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fake_broker.h"
#include "fake_rig.h"
#include "uvkafka/uvkafka.h"

using namespace uvk_test;

namespace {

// Counts live allocations; the sending threads allocate through it too.
struct CountingAlloc {
  std::atomic<long> live{0};
};
void *c_malloc(void *ud, size_t n) {
  void *p = malloc(n);
  if (p) static_cast<CountingAlloc *>(ud)->live++;
  return p;
}
void *c_realloc(void *ud, void *p, size_t n) {
  void *q = realloc(p, n);
  if (!p && q) static_cast<CountingAlloc *>(ud)->live++;
  return q;
}
void c_free(void *ud, void *p) {
  if (p) static_cast<CountingAlloc *>(ud)->live--;
  free(p);
}

struct Rig : TwoBrokerRig {
  CountingAlloc counts;
  uvk_producer *producer = nullptr;
  uvk_send_queue *queue = nullptr;

  ~Rig() {
    if (producer) uvk_producer_free(producer);
    if (queue) uvk_send_queue_release(queue);
    close_client();
  }
  void start(size_t max_messages = 100000, const char *buffer_memory = nullptr) {
    // A fake broker answering a connection the racing disconnect just closed must get EPIPE,
    // not a signal that ends the test (libuv leaves SIGPIPE to the application).
    signal(SIGPIPE, SIG_IGN);
    uvk_config *cfg = uvk_config_new();
    REQUIRE(cfg);
    char err[256];
    std::string seed = addr(b1);
    REQUIRE(uvk_config_set(cfg, "brokers", seed.c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "clientId", "send-queue", err, sizeof err) == 0);
    REQUIRE(uvk_config_set_allocator(cfg, c_malloc, c_realloc, c_free, &counts) == 0);
    // A million sends on a shared machine: a slow fake broker must not turn into a timeout.
    REQUIRE(uvk_config_set(cfg, "enforceRequestTimeout", "false", err, sizeof err) == 0);
    if (buffer_memory) REQUIRE(uvk_config_set(cfg, "bufferMemory", buffer_memory, err, sizeof err) == 0);
    REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
    REQUIRE(uvk_producer_new(client, cfg, &producer) == 0);
    uvk_config_free(cfg);
    uvk_send_queue_options o;
    uvk_send_queue_options_init(&o);
    o.max_messages = max_messages;
    REQUIRE(uvk_send_queue_new(producer, &o, &queue) == 0);
  }
  uvk_send_queue_stats stats() {
    uvk_send_queue_stats s;
    s.struct_size = sizeof s;
    REQUIRE(uvk_send_queue_get_stats(queue, &s) == 0);
    return s;
  }
  size_t stored() { return b1.log[0].size() + b1.log[1].size() + b2.log[0].size() + b2.log[1].size(); }
  std::multiset<std::string> stored_values() {
    std::multiset<std::string> all;
    for (FakeBroker *b : {&b1, &b2})
      for (auto &kv : b->log) all.insert(kv.second.begin(), kv.second.end());
    return all;
  }
};

// Per message: accepted by uvk_send_queue_send, completions seen, the last code.
struct Ledger {
  std::vector<uint8_t> accepted;
  std::vector<std::atomic<int>> done;
  std::vector<int> code;
  std::atomic<size_t> completions{0};
  size_t trigger = SIZE_MAX;  // completions after which the race's action runs (loop thread)
  std::function<void()> action;
  explicit Ledger(size_t n) : accepted(n, 0), done(n), code(n, 1) {}
};

struct Slot {
  Ledger *l;
  size_t i;
};

void on_sent_slot(uvk_producer *, const uvk_error *err, const uvk_record_metadata *, size_t, void *ud) {
  Slot *s = static_cast<Slot *>(ud);
  Ledger *l = s->l;
  l->done[s->i]++;
  l->code[s->i] = err ? uvk_error_code(err) : 0;
  if (++l->completions == l->trigger && l->action) l->action();
}

std::string value_of(size_t i) { return "m" + std::to_string(i); }

uvk_message message(const std::string &v) {
  uvk_message m;
  memset(&m, 0, sizeof m);
  m.partition = -1;
  m.timestamp = -1;
  m.value = v.data();
  m.value_len = v.size();
  return m;
}

uvk_send_options acks1() {
  uvk_send_options o;
  uvk_send_options_init(&o);
  o.acks = 1;
  return o;
}

// `threads` threads send `per_thread` messages each (waiting for room), stopping at the
// first UVK_ECLOSED; slot t * per_thread + i is message i of thread t.
std::vector<std::thread> start_senders(Rig &r, Ledger &l, std::vector<Slot> &slots, int threads, size_t per_thread) {
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; t++)
    ts.emplace_back([&r, &l, &slots, t, per_thread] {
      uvk_send_options o = acks1();
      for (size_t i = 0; i < per_thread; i++) {
        size_t k = size_t(t) * per_thread + i;
        std::string v = value_of(k);
        uvk_message m = message(v);
        int rc = uvk_send_queue_send(r.queue, r.cluster.topic.c_str(), &m, 1, &o, -1, on_sent_slot, &slots[k]);
        if (rc == UVK_ECLOSED) return;
        if (rc != 0) {
          fprintf(stderr, "unexpected send result %d\n", rc);
          abort();
        }
        l.accepted[k] = 1;
      }
    });
  return ts;
}

// Every accepted message completed once (0: stored by a broker exactly once, or UVK_ECLOSED);
// nothing else completed, and nothing was stored that was not accepted or stored twice.
void check_ledger(Rig &r, Ledger &l, size_t *ok_out, size_t *closed_out) {
  std::multiset<std::string> stored = r.stored_values();
  size_t ok = 0, closed = 0, bad = 0;
  for (size_t k = 0; k < l.accepted.size(); k++) {
    int done = l.done[k].load();
    if (!l.accepted[k]) {
      if (done != 0) bad++;
      continue;
    }
    if (done != 1) {
      bad++;
      continue;
    }
    if (l.code[k] == 0) {
      ok++;
      if (stored.count(value_of(k)) != 1) bad++;
    } else if (l.code[k] == UVK_ECLOSED) {
      closed++;
    } else {
      bad++;
    }
  }
  size_t stray = 0;
  for (auto it = stored.begin(); it != stored.end(); it = stored.upper_bound(*it)) {
    size_t k = strtoul(it->c_str() + 1, nullptr, 10);
    if (k >= l.accepted.size() || !l.accepted[k] || stored.count(*it) != 1) stray++;
  }
  CHECK(bad == 0);
  CHECK(stray == 0);
  CHECK(stored.size() >= ok);
  *ok_out = ok;
  *closed_out = closed;
}

}  // namespace

TEST_CASE("sends queued from another thread before the loop runs wake it once", "[send_queue]") {
  Rig r;
  r.start();
  const size_t n = 2000;
  Ledger l(n);
  std::vector<Slot> slots(n);
  for (size_t i = 0; i < n; i++) slots[i] = Slot{&l, i};
  std::vector<std::thread> ts = start_senders(r, l, slots, 1, n);
  ts[0].join();
  CHECK(r.stats().queued_messages == n);
  REQUIRE(r.run_until([&] { return l.completions == n; }));
  uvk_send_queue_stats s = r.stats();
  CHECK(s.wakeups == 1);
  CHECK(s.sends == n);
  CHECK(s.messages == n);
  CHECK(s.queued_messages == 0);
  CHECK(s.queued_bytes == 0);
  size_t ok = 0, closed = 0;
  check_ledger(r, l, &ok, &closed);
  CHECK(ok == n);
  CHECK(closed == 0);
}

TEST_CASE("a full queue refuses with UVK_EQUEUEFULL or makes the sender wait for room", "[send_queue]") {
  Rig r;
  r.start(10);
  const size_t n = 11;
  Ledger l(n);
  std::vector<Slot> slots(n);
  for (size_t i = 0; i < n; i++) slots[i] = Slot{&l, i};
  uvk_send_options o = acks1();
  std::string v = "x";
  uvk_message m = message(v);
  for (size_t i = 0; i < 10; i++)
    REQUIRE(uvk_send_queue_send(r.queue, r.cluster.topic.c_str(), &m, 1, &o, 0, on_sent_slot, &slots[i]) == 0);
  CHECK(uvk_send_queue_send(r.queue, r.cluster.topic.c_str(), &m, 1, &o, 0, on_sent_slot, &slots[10]) == UVK_EQUEUEFULL);
  CHECK(r.stats().full == 1);
  // The loop thread may not wait: only it drains the queue.
  CHECK(uvk_send_queue_send(r.queue, r.cluster.topic.c_str(), &m, 1, &o, 5, on_sent_slot, &slots[10]) == UVK_ESTATE);
  // A thread waiting with no time limit gets in once the loop has drained the queue.
  std::atomic<int> waited{1};
  std::thread t([&] {
    waited = uvk_send_queue_send(r.queue, r.cluster.topic.c_str(), &m, 1, &o, -1, on_sent_slot, &slots[10]);
  });
  REQUIRE(r.run_until([&] { return l.completions == n; }));
  t.join();
  CHECK(waited == 0);
  // A send larger than the queue can ever hold is refused outright.
  std::vector<uvk_message> many(11, m);
  CHECK(uvk_send_queue_send(r.queue, r.cluster.topic.c_str(), many.data(), many.size(), &o, -1, on_sent_slot,
                            &slots[0]) == UVK_EINVAL);
  CHECK(uvk_send_queue_send(r.queue, "bad topic!", &m, 1, &o, 0, on_sent_slot, &slots[0]) == UVK_EINVAL);
}

TEST_CASE("a timed wait for room ends with UVK_EQUEUEFULL when the loop does not drain", "[send_queue]") {
  Rig r;
  r.start(1);
  Ledger l(2);
  std::vector<Slot> slots{Slot{&l, 0}, Slot{&l, 1}};
  uvk_send_options o = acks1();
  std::string v = "x";
  uvk_message m = message(v);
  REQUIRE(uvk_send_queue_send(r.queue, r.cluster.topic.c_str(), &m, 1, &o, 0, on_sent_slot, &slots[0]) == 0);
  int rc = 1;
  std::thread t([&] { rc = uvk_send_queue_send(r.queue, r.cluster.topic.c_str(), &m, 1, &o, 20, on_sent_slot, &slots[1]); });
  t.join();  // the loop is not running: nothing drains
  CHECK(rc == UVK_EQUEUEFULL);
  REQUIRE(r.run_until([&] { return l.completions == 1; }));
  CHECK(l.done[1] == 0);
}

TEST_CASE("messages taken over (borrow) stay the caller's until their completion", "[send_queue]") {
  Rig r;
  r.start();
  const size_t n = 100;
  std::vector<std::string *> owned(n, nullptr);
  std::atomic<size_t> freed{0};
  struct Own {
    std::string *s;
    std::atomic<size_t> *freed;
  };
  std::vector<Own> ctx(n);
  std::atomic<int> refused{0};
  std::thread t([&] {
    uvk_send_options o = acks1();
    o.borrow = 1;
    for (size_t i = 0; i < n; i++) {
      ctx[i] = Own{new std::string(value_of(i)), &freed};
      uvk_message m = message(*ctx[i].s);
      int rc = uvk_send_queue_send(r.queue, r.cluster.topic.c_str(), &m, 1, &o, -1,
                                  [](uvk_producer *, const uvk_error *err, const uvk_record_metadata *, size_t, void *ud) {
                                    Own *own = static_cast<Own *>(ud);
                                    if (!err) (*own->freed)++;
                                    delete own->s;  // the free callback: the library is done with it
                                  },
                                  &ctx[i]);
      if (rc != 0) refused++;
    }
  });
  t.join();
  REQUIRE(refused == 0);
  REQUIRE(r.run_until([&] { return freed == n; }));
  std::multiset<std::string> stored = r.stored_values();
  for (size_t i = 0; i < n; i++) CHECK(stored.count(value_of(i)) == 1);
}

TEST_CASE("a disconnect while the producer is full: the queue's rest completes with UVK_ECLOSED", "[send_queue]") {
  Rig r;
  r.start(100000, "1024");  // bufferMemory 1024: the producer takes a few of these at a time
  const size_t n = 20;
  Ledger l(n);
  std::vector<Slot> slots(n);
  uvk_send_options o = acks1();
  std::string v(300, 'v');
  for (size_t i = 0; i < n; i++) {
    slots[i] = Slot{&l, i};
    std::string vi = value_of(i) + v;
    uvk_message m = message(vi);
    REQUIRE(uvk_send_queue_send(r.queue, r.cluster.topic.c_str(), &m, 1, &o, 0, on_sent_slot, &slots[i]) == 0);
    l.accepted[i] = 1;
  }
  bool disconnected = false;
  REQUIRE(uvk_producer_disconnect(r.producer, [](uvk_producer *, const uvk_error *, void *ud) {
    *static_cast<bool *>(ud) = true;
  }, &disconnected) == 0);
  CHECK(l.completions == 0);  // nothing calls back from inside the disconnect
  REQUIRE(r.run_until([&] { return disconnected && l.completions == n; }));
  size_t ok = 0, closed = 0;
  for (size_t i = 0; i < n; i++) {
    CHECK(l.done[i] == 1);
    if (l.code[i] == 0) ok++;
    if (l.code[i] == UVK_ECLOSED) closed++;
  }
  CHECK(ok > 0);      // what the producer took before the disconnect was sent and flushed
  CHECK(closed > 0);  // the rest did not wait for room that a disconnecting producer never gives
  CHECK(ok + closed == n);
  CHECK(r.stored() == ok);
}

TEST_CASE("4 threads x 250,000 sends with a producer disconnect racing them", "[send_queue][race]") {
  std::random_device rd;
  unsigned seed = rd();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  const int threads = 4;
  const size_t per_thread = 250000;
  const size_t n = threads * per_thread;
  long live_after = -1;
  size_t ok = 0, closed = 0;
  {
    Rig r;
    r.start();
    Ledger l(n);
    std::vector<Slot> slots(n);
    for (size_t i = 0; i < n; i++) slots[i] = Slot{&l, i};
    l.trigger = std::uniform_int_distribution<size_t>(1, n - 1)(rng);
    INFO("disconnect after " << l.trigger << " completions");
    bool disconnected = false;
    l.action = [&] {
      REQUIRE(uvk_producer_disconnect(r.producer, [](uvk_producer *, const uvk_error *, void *ud) {
        *static_cast<bool *>(ud) = true;
      }, &disconnected) == 0);
    };
    std::vector<std::thread> ts = start_senders(r, l, slots, threads, per_thread);
    REQUIRE(r.run_until([&] { return disconnected; }, 600000));
    for (std::thread &t : ts) t.join();  // each ended at its first UVK_ECLOSED
    // Accepted sends the disconnect's turn failed may still be on their way.
    size_t accepted = 0;
    for (uint8_t a : l.accepted) accepted += a;
    REQUIRE(r.run_until([&] { return l.completions == accepted; }, 60000));
    uvk_send_queue_stats s = r.stats();
    CHECK(s.sends == accepted);
    CHECK(s.wakeups < s.sends);  // woken per burst, not per message
    uvk_send_options o = acks1();
    std::string v = "late";
    uvk_message m = message(v);
    CHECK(uvk_send_queue_send(r.queue, r.cluster.topic.c_str(), &m, 1, &o, 0, on_sent_slot, &slots[0]) == UVK_ECLOSED);
    check_ledger(r, l, &ok, &closed);
    uvk_producer_free(r.producer);
    r.producer = nullptr;
    uvk_send_queue_release(r.queue);
    r.queue = nullptr;
    r.close_client();
    live_after = r.counts.live.load();
  }
  CHECK(live_after == 0);
  CHECK(ok + closed > 0);
  printf("send queue race: %zu acknowledged, %zu UVK_ECLOSED\n", ok, closed);
}

TEST_CASE("sends racing a producer free or a client disconnect", "[send_queue][race]") {
  std::random_device rd;
  unsigned seed = rd();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  const int threads = 4;
  const size_t per_thread = 20000;
  const size_t n = threads * per_thread;
  for (int how = 0; how < 2; how++) {
    INFO((how == 0 ? "producer free" : "client disconnect"));
    long live_after = -1;
    {
      Rig r;
      r.start();
      Ledger l(n);
      std::vector<Slot> slots(n);
      for (size_t i = 0; i < n; i++) slots[i] = Slot{&l, i};
      l.trigger = std::uniform_int_distribution<size_t>(1, n - 1)(rng);
      bool ended = false;
      l.action = [&] {
        if (how == 0) {
          uvk_producer_free(r.producer);  // from inside a completion: released on the way out
          r.producer = nullptr;
          ended = true;
        } else {
          REQUIRE(uvk_client_disconnect(r.client, [](uvk_client *, const uvk_error *, void *ud) {
            *static_cast<bool *>(ud) = true;
          }, &ended) == 0);
        }
      };
      std::vector<std::thread> ts = start_senders(r, l, slots, threads, per_thread);
      REQUIRE(r.run_until([&] { return ended; }, 600000));
      for (std::thread &t : ts) t.join();
      size_t accepted = 0;
      for (uint8_t a : l.accepted) accepted += a;
      // The client is closed: freeing the producer ends what it still holds (UVK_ECLOSED).
      if (r.producer) uvk_producer_free(r.producer);
      r.producer = nullptr;
      REQUIRE(r.run_until([&] { return l.completions == accepted; }, 60000));
      size_t ok = 0, closed = 0;
      check_ledger(r, l, &ok, &closed);
      uvk_send_options o = acks1();
      std::string v = "late";
      uvk_message m = message(v);
      CHECK(uvk_send_queue_send(r.queue, r.cluster.topic.c_str(), &m, 1, &o, 0, on_sent_slot, &slots[0]) ==
            UVK_ECLOSED);
      uvk_send_queue_release(r.queue);
      r.queue = nullptr;
      r.close_client();
      live_after = r.counts.live.load();
    }
    CHECK(live_after == 0);
  }
}
