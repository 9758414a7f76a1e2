// A failing allocator walked over a produce + consume round trip against the real cluster.
//
// The client's allocator hook (uvk_config_set_allocator) sees every allocation the client,
// its producer and its consumer make. A first run counts them and groups them by call site
// (the return addresses of the hook's three callers). Then, for every site, one run fails
// the first allocation made from that site and lets every other allocation succeed: one
// fault at a time, at each place the library asks for memory. Failing "the k-th
// allocation" would not name the same place twice (how many fetches or metadata refreshes a
// round trip makes depends on timing); failing "everything from k on" only ever tests the
// first error path a run reaches and cannot tell a recovery from a report. Every run must
// end without a crash, any error it reports must be a real code, and afterwards the client,
// producer and consumer must come apart cleanly: the hook then holds zero blocks and zero
// bytes and the loop is empty. The stronger property (each run completes, the library
// having recovered, or reports an error: a call returns a code, a callback gets one, the
// consumer crashes; it never stalls) is the second case. About 110 runs of tens of ms; a
// stall costs the step deadline (20 round trips, at least 2 s). Needs UVK_TEST_BROKERS;
// fails (never skips) without it.
#include <catch2/catch.hpp>

#include <dlfcn.h>
#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include <array>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "uvkafka/uvkafka.h"

namespace {

std::string env(const char *name) {
  const char *v = getenv(name);
  return v ? v : "";
}

using Site = std::array<void *, 3>;

// The hook: live blocks with their sizes, sites in the order first seen, one armed site
// whose first allocation fails.
struct Heap {
  std::unordered_map<void *, size_t> live;
  size_t bytes = 0;
  long allocations = 0;
  std::map<Site, long> first_seen;  // site -> index of its first allocation (counting run)
  std::vector<Site> order;
  bool armed = false, fired = false;
  Site target{};
  long foreign = 0;  // frees / reallocs of blocks the hook never gave out (asserted after the run)
};

Site caller_site() {
  void *frames[5] = {};
  int n = backtrace(frames, 5);  // [0] this function, [1] the hook, [2..4] the library
  Site s{};
  for (int i = 2; i < n && i < 5; i++) s[size_t(i - 2)] = frames[i];
  return s;
}

bool should_fail(Heap *h) {
  Site s = caller_site();
  h->allocations++;
  if (!h->first_seen.count(s)) {
    h->first_seen[s] = h->allocations;
    h->order.push_back(s);
  }
  if (h->armed && !h->fired && s == h->target) {
    h->fired = true;
    return true;
  }
  return false;
}

void *hook_malloc(void *ud, size_t n) {
  Heap *h = static_cast<Heap *>(ud);
  if (should_fail(h)) return nullptr;
  void *p = malloc(n);
  if (p) {
    h->live[p] = n;
    h->bytes += n;
  }
  return p;
}

void *hook_realloc(void *ud, void *p, size_t n) {
  Heap *h = static_cast<Heap *>(ud);
  if (should_fail(h)) return nullptr;  // p stays valid, as with realloc
  size_t old = 0;
  if (p) {
    auto it = h->live.find(p);
    if (it == h->live.end()) {  // never throw through the library: count it, assert later
      h->foreign++;
      return nullptr;
    }
    old = it->second;
  }
  // Forget the old block first: after a successful realloc p must not be used again.
  if (p) h->live.erase(p);
  void *q = realloc(p, n);
  if (!q) {
    if (p) h->live[p] = old;  // still ours, unchanged
    return nullptr;
  }
  h->live[q] = n;
  h->bytes = h->bytes - old + n;
  return q;
}

void hook_free(void *ud, void *p) {
  if (!p) return;
  Heap *h = static_cast<Heap *>(ud);
  auto it = h->live.find(p);
  if (it == h->live.end()) {  // a double free or a foreign block
    h->foreign++;
    return;
  }
  h->bytes -= it->second;
  h->live.erase(it);
  free(p);
}

// One run's state, shared with the callbacks.
struct Run {
  uv_loop_t loop;
  bool flag = false;      // the awaited callback came
  bool timed_out = false;
  int error = 0;          // the first error reported, 0 if none
  std::string where;      // which step reported it
  bool consumed = false;
  bool crashed = false;
};

void report(Run *r, int code, const char *where) {
  if (code == 0 || r->error) return;
  r->error = code;
  r->where = where;
}

void wake(Run *r) {
  r->flag = true;
  uv_stop(&r->loop);
}

// Runs the loop until the awaited callback, the deadline (a safety net, not a timing
// assertion: a run that neither completes nor reports is the failure), or an empty loop.
bool wait_for(Run *r, uint64_t deadline_ms) {
  r->timed_out = false;
  uv_timer_t guard;
  uv_timer_init(&r->loop, &guard);
  guard.data = r;
  uv_unref(reinterpret_cast<uv_handle_t *>(&guard));
  uv_timer_start(&guard, [](uv_timer_t *t) {
    Run *x = static_cast<Run *>(t->data);
    x->timed_out = true;
    uv_stop(&x->loop);
  }, deadline_ms, 0);
  bool dry = false;
  while (!r->flag && !r->timed_out && !dry) dry = uv_run(&r->loop, UV_RUN_DEFAULT) == 0 && !r->flag;
  uv_close(reinterpret_cast<uv_handle_t *>(&guard), nullptr);
  uv_run(&r->loop, UV_RUN_NOWAIT);
  bool ok = r->flag;
  r->flag = false;
  return ok;
}

enum class Outcome { kCompleted, kReported, kHung };

struct Counts {
  int completed = 0, reported = 0, hung = 0;
};

// How long a step may take before the run counts as stalled: a safety net, far above a
// normal step (the counting run's whole round trip is tens of ms on the local cluster).
uint64_t g_step_deadline_ms = 30000;

// Produces one message to `topic`, consumes the topic's first message with a new group,
// then takes everything down. Returns how the round trip ended.
Outcome round_trip(Heap *heap, const std::string &topic, int run_no) {
  Run r;
  REQUIRE(uv_loop_init(&r.loop) == 0);
  uvk_config *cfg = uvk_config_new();
  REQUIRE(cfg);
  char err[256];
  auto set = [&](const char *k, const std::string &v) { REQUIRE(uvk_config_set(cfg, k, v.c_str(), err, sizeof err) == 0); };
  set("brokers", env("UVK_TEST_BROKERS"));
  set("logLevel", "NOTHING");
  set("clientId", "uvk-alloc-walk");
  set("retry.retries", "3");
  set("retry.initialRetryTime", "50");
  set("retry.maxRetryTime", "300");
  set("maxWaitTimeInMs", "100");
  set("groupId", "uvk-alloc-walk-" + std::to_string(uv_hrtime()) + "-" + std::to_string(run_no));
  REQUIRE(uvk_config_set_allocator(cfg, hook_malloc, hook_realloc, hook_free, heap) == 0);

  uvk_client *client = nullptr;
  uvk_producer *producer = nullptr;
  uvk_consumer *consumer = nullptr;
  bool hung = false;
  int rc = uvk_client_new(&r.loop, cfg, &client);
  report(&r, rc, "uvk_client_new");
  if (rc == 0) {
    rc = uvk_producer_new(client, cfg, &producer);
    report(&r, rc, "uvk_producer_new");
  }
  if (rc == 0) {
    std::string value = "alloc-walk-" + std::to_string(run_no);
    uvk_message m;
    memset(&m, 0, sizeof m);
    m.value = value.data();
    m.value_len = value.size();
    m.partition = -1;
    m.timestamp = -1;
    rc = uvk_producer_send(producer, topic.c_str(), &m, 1, nullptr,
                           [](uvk_producer *, const uvk_error *e, const uvk_record_metadata *, size_t, void *ud) {
                             Run *x = static_cast<Run *>(ud);
                             report(x, uvk_error_code(e), "send callback");
                             wake(x);
                           }, &r);
    report(&r, rc, "uvk_producer_send");
    if (rc == 0 && !wait_for(&r, g_step_deadline_ms)) hung = true;
  }
  if (!r.error && !hung) {
    rc = uvk_consumer_new(client, cfg, &consumer);
    report(&r, rc, "uvk_consumer_new");
    if (rc == 0) {
      rc = uvk_consumer_subscribe(consumer, topic.c_str(), 1);
      report(&r, rc, "uvk_consumer_subscribe");
    }
    if (rc == 0) {
      int64_t id = uvk_consumer_on(consumer, UVK_EVENT_CRASH, [](void *ud, const uvk_event *ev) {
        Run *x = static_cast<Run *>(ud);
        const uvk_event_crash *cr = static_cast<const uvk_event_crash *>(ev->payload);
        if (cr->restart) return;  // the consumer restarts itself: not the end
        x->crashed = true;
        report(x, uvk_error_code(cr->error) ? uvk_error_code(cr->error) : UVK_ENOMEM, "consumer crash");
        wake(x);
      }, &r);
      rc = id > 0 ? 0 : int(id);
      report(&r, rc, "uvk_consumer_on");
    }
    if (rc == 0) {
      uvk_run_options o;
      uvk_run_options_init(&o);
      o.ud = &r;
      o.each_message = [](uvk_consumer *, const uvk_batch *, const uvk_consumer_message *msg, void *ud) -> int {
        Run *x = static_cast<Run *>(ud);
        if (!x->consumed) {
          CHECK(std::string(static_cast<const char *>(msg->value), msg->value_len).rfind("alloc-walk-", 0) == 0);
          x->consumed = true;
          wake(x);
        }
        return 0;
      };
      rc = uvk_consumer_run(consumer, &o);
      report(&r, rc, "uvk_consumer_run");
      if (rc == 0 && !wait_for(&r, g_step_deadline_ms)) hung = true;
    }
  }
  // Teardown, whatever happened: stop the consumer, disconnect producer and client. Each
  // of these may itself fail for memory (then the free below does the rest).
  if (consumer) {
    rc = uvk_consumer_stop(consumer, [](uvk_consumer *, const uvk_error *, void *ud) { wake(static_cast<Run *>(ud)); }, &r);
    if (rc == 0 && !wait_for(&r, g_step_deadline_ms)) hung = true;
    uvk_consumer_free(consumer);
  }
  if (producer) {
    rc = uvk_producer_disconnect(producer, [](uvk_producer *, const uvk_error *, void *ud) { wake(static_cast<Run *>(ud)); }, &r);
    if (rc == 0 && !wait_for(&r, g_step_deadline_ms)) hung = true;
    uvk_producer_free(producer);
  }
  if (client) {
    rc = uvk_client_disconnect(client, [](uvk_client *, const uvk_error *, void *ud) { wake(static_cast<Run *>(ud)); }, &r);
    if (rc == 0 && !wait_for(&r, g_step_deadline_ms)) hung = true;
    uvk_client_free(client);
  }
  uvk_config_free(cfg);
  // The freed client closes its handles on its own; then the loop must be empty. (A loop
  // still holding handles cannot be left behind on the stack: that ends the test.)
  r.flag = false;
  uv_timer_t guard;
  uv_timer_init(&r.loop, &guard);
  guard.data = &r;
  uv_unref(reinterpret_cast<uv_handle_t *>(&guard));
  uv_timer_start(&guard, [](uv_timer_t *t) { uv_stop(&static_cast<Run *>(t->data)->loop); }, g_step_deadline_ms, 0);
  uv_run(&r.loop, UV_RUN_DEFAULT);
  uv_close(reinterpret_cast<uv_handle_t *>(&guard), nullptr);
  uv_run(&r.loop, UV_RUN_NOWAIT);
  REQUIRE(uv_loop_close(&r.loop) == 0);
  INFO("run " << run_no << ": error " << r.error << " (" << uvk_err_name(r.error) << ") at " << r.where);
  if (!env("UVK_ALLOC_WALK_VERBOSE").empty())
  {
    fprintf(stderr, "run %d: fired %d, consumed %d, hung %d, error %s at %s\n", run_no, int(heap->fired),
            int(r.consumed), int(hung), uvk_err_name(r.error), r.where.c_str());
  }
  CHECK(heap->live.empty());
  CHECK(heap->bytes == 0);
  CHECK(heap->foreign == 0);
  if (hung) return Outcome::kHung;
  if (r.consumed && !r.error) return Outcome::kCompleted;
  if (r.error) {
    CHECK(r.error < 0);
    CHECK(strcmp(uvk_err_name(r.error), "UNKNOWN") != 0);  // a real code with a name
    return Outcome::kReported;
  }
  return Outcome::kHung;  // neither consumed nor an error
}

// A topic of one partition, created with a client that has no hook (not part of the walk).
void create_topic(const std::string &topic) {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "brokers", env("UVK_TEST_BROKERS").c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "logLevel", "NOTHING", err, sizeof err) == 0);
  uvk_client *client = nullptr;
  REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
  uvk_config_free(cfg);
  uvk_admin *admin = nullptr;
  REQUIRE(uvk_admin_new(client, nullptr, &admin) == 0);
  uvk_admin_new_topic t;
  uvk_admin_new_topic_init(&t, topic.c_str());
  t.num_partitions = 1;
  struct Done {
    bool done = false;
    int code = 1;
    uv_loop_t *loop;
  } d;
  d.loop = &loop;
  REQUIRE(uvk_admin_create_topics(admin, &t, 1, nullptr, [](uvk_admin *, const uvk_error *e, const uvk_admin_result *, size_t, void *ud) {
    Done *x = static_cast<Done *>(ud);
    x->done = true;
    x->code = uvk_error_code(e);
    uv_stop(x->loop);
  }, &d) == 0);
  while (!d.done) REQUIRE(uv_run(&loop, UV_RUN_DEFAULT) != 0);
  REQUIRE(d.code == 0);
  uvk_admin_free(admin);
  uvk_client_free(client);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}

struct Walk {
  long allocations = 0;
  uint64_t round_trip_ms = 0, walk_ms = 0;
  size_t sites = 0;
  Counts n;
  int not_reached = 0;
  std::vector<size_t> stalled;  // site indexes whose run neither completed nor reported
};

// The walk runs once per process; both test cases read its result.
const Walk &walk() {
  static Walk w;
  static bool done = false;
  if (done) return w;
  done = true;
  INFO("UVK_TEST_BROKERS must point at the test cluster (test/kafka/cluster.sh up)");
  REQUIRE_FALSE(env("UVK_TEST_BROKERS").empty());
  void *warm[1];
  backtrace(warm, 1);  // loads the unwinder once, outside the walk
  std::string topic = "uvk-alloc-walk-" + std::to_string(uv_hrtime());
  create_topic(topic);

  // Counting run: nothing fails; it must complete.
  Heap count;
  uint64_t t0 = uv_hrtime();
  REQUIRE(round_trip(&count, topic, 0) == Outcome::kCompleted);
  w.round_trip_ms = (uv_hrtime() - t0) / 1000000;
  REQUIRE(count.allocations > 50);
  w.allocations = count.allocations;
  std::vector<Site> sites = count.order;
  w.sites = sites.size();
  g_step_deadline_ms = w.round_trip_ms * 20 > 2000 ? w.round_trip_ms * 20 : 2000;

  // The walk: one run per site, failing the first allocation made there.
  // UVK_ALLOC_WALK_FROM=i starts the walk at site i (to replay one run while debugging).
  size_t from = env("UVK_ALLOC_WALK_FROM").empty() ? 0 : size_t(atol(env("UVK_ALLOC_WALK_FROM").c_str()));
  t0 = uv_hrtime();
  for (size_t i = from; i < sites.size(); i++) {
    Heap h;
    h.armed = true;
    h.target = sites[i];
    if (!env("UVK_ALLOC_WALK_VERBOSE").empty()) {
      fprintf(stderr, "site %zu:", i);
      for (void *f : h.target) {  // offsets for addr2line -f -C -e <binary>
        Dl_info di;
        if (f && dladdr(f, &di))
          fprintf(stderr, " %#lx", static_cast<unsigned long>(static_cast<char *>(f) - static_cast<char *>(di.dli_fbase)));
      }
      fprintf(stderr, "\n");
    }
    INFO("site " << i << " (first seen at allocation " << count.first_seen[sites[i]] << ")");
    Outcome o = round_trip(&h, topic, int(i) + 1);
    if (!h.fired) w.not_reached++;  // this run took another path and never came there
    if (o == Outcome::kCompleted) w.n.completed++;
    else if (o == Outcome::kReported) w.n.reported++;
    else {
      w.n.hung++;
      w.stalled.push_back(i);
    }
  }
  w.walk_ms = (uv_hrtime() - t0) / 1000000;
  printf("allocation walk: %ld allocations in one round trip (%llu ms), %zu call sites; "
         "%zu runs in %llu ms: %d completed, %d reported an error, %d stalled (no completion and no error "
         "within %llu ms); %d runs never reached their site\n",
         w.allocations, static_cast<unsigned long long>(w.round_trip_ms), w.sites, w.sites - from,
         static_cast<unsigned long long>(w.walk_ms), w.n.completed, w.n.reported, w.n.hung,
         static_cast<unsigned long long>(g_step_deadline_ms), w.not_reached);
  fflush(stdout);
  return w;
}

}  // namespace

// Every run: no crash, the error (if any) a real code, the client, producer and consumer
// freed with zero blocks and zero bytes left in the hook, the loop empty (checked inside
// round_trip for each run).
TEST_CASE("allocator: one failed allocation at each call site of a round trip: no crash, nothing leaked",
          "[integration]") {
  const Walk &w = walk();
  CHECK(w.sites > 50);
  CHECK(w.n.completed + w.n.reported + w.n.hung == int(w.sites));
  // Nearly every site is reached again when it is the one armed (a run's path only differs
  // by timing: an extra metadata refresh, a second fetch).
  CHECK(w.not_reached * 10 < int(w.sites));
}

// The stronger property: each run completes or reports an error, never stalls. A failed
// allocation in the consumer's background paths (offsets_load, fetch_schedule, send_to_node
// in lib/client/consumer_fetch.cc) used to drop the work with nothing scheduled to try it
// again, and the member sat in the group without fetching; they now try again after the
// retry backoff. Alone: test_alloc_fail_integration "[alloc_stall]".
TEST_CASE("allocator: one failed allocation at each call site of a round trip: completes or reports",
          "[integration][alloc_stall]") {
  const Walk &w = walk();
  for (size_t i : w.stalled) {
    INFO("site " << i << " stalled (replay with UVK_ALLOC_WALK_FROM=" << i << " UVK_ALLOC_WALK_VERBOSE=1)");
    CHECK(false);
  }
  CHECK(w.n.hung == 0);
}
