// Fetch session bookkeeping (KIP-227): full and incremental plans, forgotten partitions,
// epochs, and what a failed or refused session turns into.
#include <catch2/catch.hpp>

#include <string.h>

#include <set>
#include <string>
#include <utility>

#include "client/fetch_session.h"
#include "uvkafka/uvk_errors.h"

using namespace uvk;

namespace {

struct Planner {
  FetchSession s;
  Arena arena;
  ~Planner() {
    fetch_session_free(&s, nullptr);
    arena_free(&arena);
  }
  FetchPlan plan(const FetchSessionPart *want, int32_t n, bool supported = true) {
    FetchPlan p;
    REQUIRE(fetch_session_plan(&s, want, n, supported, &arena, &p) == 0);
    return p;
  }
};

std::set<std::pair<std::string, int32_t>> sent(const FetchPlan &p, const FetchSessionPart *want) {
  std::set<std::pair<std::string, int32_t>> out;
  for (int32_t i = 0; i < p.n_send; i++) out.insert({want[p.send[i]].topic, want[p.send[i]].partition});
  return out;
}

std::set<std::pair<std::string, int32_t>> forgotten(const FetchPlan &p) {
  std::set<std::pair<std::string, int32_t>> out;
  for (int32_t i = 0; i < p.n_forget; i++) out.insert({p.forget[i].topic, p.forget[i].partition});
  return out;
}

}  // namespace

TEST_CASE("fetch session: the first request is full and asks for a session", "[fetch_session]") {
  Planner t;
  FetchSessionPart want[] = {{"a", 0, 10}, {"a", 1, 20}, {"b", 0, 5}};
  FetchPlan p = t.plan(want, 3);
  CHECK(p.full);
  CHECK(p.session_id == 0);
  CHECK(p.epoch == 0);
  CHECK(p.n_send == 3);
  CHECK(p.n_forget == 0);
}

TEST_CASE("fetch session: below Fetch v7 every request is full and sessionless", "[fetch_session]") {
  Planner t;
  FetchSessionPart want[] = {{"a", 0, 10}};
  FetchPlan p = t.plan(want, 1, false);
  CHECK(p.full);
  CHECK(p.epoch == -1);
  REQUIRE(fetch_session_commit(&t.s, p, 0, want, 1, nullptr) == 0);
  FetchPlan q = t.plan(want, 1, false);
  CHECK(q.full);
  CHECK(q.epoch == -1);
}

TEST_CASE("fetch session: after a session is made only changes go on the wire", "[fetch_session]") {
  Planner t;
  FetchSessionPart want[] = {{"a", 0, 10}, {"a", 1, 20}, {"b", 0, 5}};
  FetchPlan p = t.plan(want, 3);
  REQUIRE(fetch_session_commit(&t.s, p, 77, want, 3, nullptr) == 0);
  CHECK(t.s.id == 77);
  CHECK(t.s.epoch == 1);

  SECTION("nothing changed: an empty incremental request") {
    FetchPlan q = t.plan(want, 3);
    CHECK_FALSE(q.full);
    CHECK(q.session_id == 77);
    CHECK(q.epoch == 1);
    CHECK(q.n_send == 0);
    CHECK(q.n_forget == 0);
  }
  SECTION("moved offsets and new partitions are sent; missing ones are forgotten") {
    // a/0 moved on, a/1 unchanged, b/0 gone (paused, say), c/3 new.
    FetchSessionPart next[] = {{"a", 0, 15}, {"a", 1, 20}, {"c", 3, 0}};
    FetchPlan q = t.plan(next, 3);
    CHECK_FALSE(q.full);
    CHECK(sent(q, next) == std::set<std::pair<std::string, int32_t>>{{"a", 0}, {"c", 3}});
    CHECK(forgotten(q) == std::set<std::pair<std::string, int32_t>>{{"b", 0}});
    REQUIRE(fetch_session_commit(&t.s, q, 77, next, 3, nullptr) == 0);
    CHECK(t.s.epoch == 2);
    FetchPlan r = t.plan(next, 3);
    CHECK(r.epoch == 2);
    CHECK(r.n_send == 0);
    CHECK(r.n_forget == 0);
  }
  SECTION("topics are compared by name, not by pointer") {
    char name[] = "a";
    FetchSessionPart next[] = {{name, 0, 10}, {"a", 1, 20}, {"b", 0, 5}};
    FetchPlan q = t.plan(next, 3);
    CHECK(q.n_send == 0);
    CHECK(q.n_forget == 0);
  }
  SECTION("a failure makes the next request full, closing the old session by its id") {
    fetch_session_reset(&t.s);
    FetchPlan q = t.plan(want, 3);
    CHECK(q.full);
    CHECK(q.session_id == 77);
    CHECK(q.epoch == 0);
    CHECK(q.n_send == 3);
    REQUIRE(fetch_session_commit(&t.s, q, 78, want, 3, nullptr) == 0);
    CHECK(t.s.id == 78);
    CHECK(t.s.epoch == 1);
  }
  SECTION("a broker that answers without a session keeps us on full requests") {
    FetchPlan q = t.plan(want, 3);
    REQUIRE(fetch_session_commit(&t.s, q, 0, want, 3, nullptr) == 0);
    CHECK(t.s.id == 0);
    FetchPlan r = t.plan(want, 3);
    CHECK(r.full);
    CHECK(r.session_id == 0);
    CHECK(r.epoch == 0);
  }
  SECTION("the epoch wraps from INT32_MAX to 1") {
    t.s.epoch = INT32_MAX;
    FetchPlan q = t.plan(want, 3);
    CHECK(q.epoch == INT32_MAX);
    REQUIRE(fetch_session_commit(&t.s, q, 77, want, 3, nullptr) == 0);
    CHECK(t.s.epoch == 1);
  }
}

TEST_CASE("fetch session: many partitions are matched one to one", "[fetch_session]") {
  Planner t;
  static char names[8][8];
  const int32_t n = 4000;
  FetchSessionPart *want = new FetchSessionPart[n];
  for (int k = 0; k < 8; k++) snprintf(names[k], sizeof names[k], "t%d", k);
  for (int32_t i = 0; i < n; i++) want[i] = FetchSessionPart{names[i % 8], i / 8, int64_t(i)};
  FetchPlan p = t.plan(want, n);
  REQUIRE(fetch_session_commit(&t.s, p, 5, want, n, nullptr) == 0);
  // Every 100th partition moves on; the last 10 are dropped.
  for (int32_t i = 0; i < n; i += 100) want[i].offset++;
  FetchPlan q = t.plan(want, n - 10);
  CHECK(q.n_send == n / 100);
  CHECK(q.n_forget == 10);
  delete[] want;
}
