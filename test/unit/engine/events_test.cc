#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "engine/events.h"

using namespace uvk;

namespace {

struct Rec {
  std::vector<std::string> calls;
};

struct Ctx {
  EventEmitter *em;
  Rec *rec;
  const char *tag;
  uint64_t self_id = 0;
  uint64_t other_id = 0;
  int action = 0;  // 1 remove self, 2 remove other, 3 add listener, 4 emit nested
};

Ctx *g_added_ctx = nullptr;

void on_event(void *ud, const uvk_event *ev) {
  auto *c = static_cast<Ctx *>(ud);
  c->rec->calls.push_back(std::string(c->tag) + ":" + (ev->name ? ev->name : "?"));
  switch (c->action) {
    case 1:
      CHECK(events_off(c->em, c->self_id) == UVK_OK);
      break;
    case 2:
      events_off(c->em, c->other_id);
      break;
    case 3: {
      uint64_t id;
      // Enough additions to force the array to grow while the dispatch walks it.
      for (int i = 0; i < 20; i++) REQUIRE(events_on(c->em, ev->type, on_event, g_added_ctx, &id) == UVK_OK);
      c->action = 0;
      break;
    }
    case 4:
      c->action = 0;
      events_emit(c->em, UVK_EVENT_DISCONNECT, ev->timestamp, nullptr);
      break;
  }
}

}  // namespace

TEST_CASE("events: listeners get the envelope in order; ids are unique", "[events]") {
  EventEmitter em;
  Rec rec;
  Ctx a{&em, &rec, "a"}, b{&em, &rec, "b"};
  uint64_t ia, ib, ic;
  REQUIRE(events_on(&em, UVK_EVENT_REQUEST, on_event, &a, &ia) == UVK_OK);
  REQUIRE(events_on(&em, UVK_EVENT_REQUEST, on_event, &b, &ib) == UVK_OK);
  REQUIRE(events_on(&em, UVK_EVENT_CONNECT, on_event, &a, &ic) == UVK_OK);
  CHECK(ia != ib);
  CHECK(ib != ic);
  CHECK(ia != 0);
  uvk_event_request req{};
  req.broker = "k1:9092";
  req.api_name = "Metadata";
  req.api_key = 3;
  CHECK(events_emit(&em, UVK_EVENT_REQUEST, 1234, &req) == 2);
  CHECK(rec.calls == std::vector<std::string>{"a:request", "b:request"});
  CHECK(events_emit(&em, UVK_EVENT_REQUEST_TIMEOUT, 1, nullptr) == 0);
  CHECK(events_listener_count(&em, UVK_EVENT_REQUEST) == 2);
  CHECK(events_off(&em, ia) == UVK_OK);
  CHECK(events_off(&em, ia) == UVK_ENOTFOUND);
  CHECK(events_listener_count(&em, UVK_EVENT_REQUEST) == 1);
  CHECK(events_on(&em, 0, on_event, &a, &ia) == UVK_EINVAL);
  CHECK(events_on(&em, UVK_EVENT_CONNECT, nullptr, &a, &ia) == UVK_EINVAL);
  events_free(&em);
}

TEST_CASE("events: the payload and envelope reach the listener", "[events]") {
  EventEmitter em;
  struct Seen {
    uvk_event ev;
    uvk_event_request req;
    int n = 0;
  } seen;
  auto fn = [](void *ud, const uvk_event *ev) {
    auto *s = static_cast<Seen *>(ud);
    s->ev = *ev;
    s->req = *static_cast<const uvk_event_request *>(ev->payload);
    s->n++;
  };
  uint64_t id;
  REQUIRE(events_on(&em, UVK_EVENT_REQUEST, fn, &seen, &id) == UVK_OK);
  uvk_event_request req{};
  req.correlation_id = 17;
  req.duration = 42;
  req.api_version = 12;
  events_emit(&em, UVK_EVENT_REQUEST, 1000, &req);
  events_emit(&em, UVK_EVENT_REQUEST, 2000, &req);
  CHECK(seen.n == 2);
  CHECK(seen.ev.id == 1);  // second event of this emitter
  CHECK(seen.ev.type == UVK_EVENT_REQUEST);
  CHECK(std::string(seen.ev.name) == "request");
  CHECK(seen.ev.timestamp == 2000);
  CHECK(seen.req.correlation_id == 17);
  CHECK(seen.req.duration == 42);
  CHECK(seen.req.api_version == 12);
  events_free(&em);
}

TEST_CASE("events: a listener may remove itself during dispatch", "[events]") {
  EventEmitter em;
  Rec rec;
  Ctx a{&em, &rec, "a"}, b{&em, &rec, "b"};
  a.action = 1;
  REQUIRE(events_on(&em, UVK_EVENT_CONNECT, on_event, &a, &a.self_id) == UVK_OK);
  REQUIRE(events_on(&em, UVK_EVENT_CONNECT, on_event, &b, &b.self_id) == UVK_OK);
  events_emit(&em, UVK_EVENT_CONNECT, 0, nullptr);
  events_emit(&em, UVK_EVENT_CONNECT, 0, nullptr);
  CHECK(rec.calls == std::vector<std::string>{"a:connect", "b:connect", "b:connect"});
  CHECK(em.len == 1);  // compacted after the dispatch
  events_free(&em);
}

TEST_CASE("events: a listener removed by an earlier one is not called", "[events]") {
  EventEmitter em;
  Rec rec;
  Ctx a{&em, &rec, "a"}, b{&em, &rec, "b"};
  REQUIRE(events_on(&em, UVK_EVENT_CONNECT, on_event, &a, &a.self_id) == UVK_OK);
  REQUIRE(events_on(&em, UVK_EVENT_CONNECT, on_event, &b, &b.self_id) == UVK_OK);
  a.action = 2;
  a.other_id = b.self_id;
  events_emit(&em, UVK_EVENT_CONNECT, 0, nullptr);
  CHECK(rec.calls == std::vector<std::string>{"a:connect"});
  CHECK(events_listener_count(&em, UVK_EVENT_CONNECT) == 1);
  events_free(&em);
}

TEST_CASE("events: listeners added during dispatch wait for the next event", "[events]") {
  EventEmitter em;
  Rec rec;
  Ctx a{&em, &rec, "a"}, added{&em, &rec, "new"};
  g_added_ctx = &added;
  a.action = 3;
  REQUIRE(events_on(&em, UVK_EVENT_CONNECT, on_event, &a, &a.self_id) == UVK_OK);
  events_emit(&em, UVK_EVENT_CONNECT, 0, nullptr);
  CHECK(rec.calls.size() == 1);
  rec.calls.clear();
  CHECK(events_emit(&em, UVK_EVENT_CONNECT, 0, nullptr) == 21);
  CHECK(rec.calls.size() == 21);
  g_added_ctx = nullptr;
  events_free(&em);
}

TEST_CASE("events: a listener may emit another event", "[events]") {
  EventEmitter em;
  Rec rec;
  Ctx a{&em, &rec, "a"}, b{&em, &rec, "b"};
  a.action = 4;
  REQUIRE(events_on(&em, UVK_EVENT_CONNECT, on_event, &a, &a.self_id) == UVK_OK);
  REQUIRE(events_on(&em, UVK_EVENT_DISCONNECT, on_event, &b, &b.self_id) == UVK_OK);
  events_emit(&em, UVK_EVENT_CONNECT, 0, nullptr);
  CHECK(rec.calls == std::vector<std::string>{"a:connect", "b:disconnect"});
  events_free(&em);
}

TEST_CASE("events: add fails cleanly without memory", "[events]") {
  EventEmitter em;
  Allocator fail{[](void *, size_t) -> void * { return nullptr; },
                 [](void *, void *, size_t) -> void * { return nullptr; },
                 [](void *, void *p) { free(p); }, nullptr};
  em.alloc = &fail;
  uint64_t id = 0;
  CHECK(events_on(&em, UVK_EVENT_CONNECT, on_event, nullptr, &id) == UVK_ENOMEM);
  CHECK(em.len == 0);
  CHECK(events_emit(&em, UVK_EVENT_CONNECT, 0, nullptr) == 0);
  events_free(&em);
}
