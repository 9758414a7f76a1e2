// Reads back the first message of a topic through a consumer group on an existing client:
// the consume half of the produce / consume round trips over each listener and mechanism.
#pragma once
#include <catch2/catch.hpp>

#include <string>

#include <uv.h>

#include "uvkafka/uvkafka.h"

namespace roundtrip {

struct Read {
  uv_loop_t *loop;
  bool got = false, stopped = false, crashed = false, hung = false;
  std::string value, crash;
};

// The first message's value ("" if the consumer crashed for good: then `crash` says why).
inline Read consume_one(uv_loop_t *loop, uvk_client *client, const std::string &topic) {
  Read r;
  r.loop = loop;
  uvk_config *cfg = uvk_config_new();
  char err[256];
  std::string group = "uvk-it-roundtrip-" + std::to_string(uv_hrtime());
  REQUIRE(uvk_config_set(cfg, "groupId", group.c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "maxWaitTimeInMs", "200", err, sizeof err) == 0);
  uvk_consumer *c = nullptr;
  REQUIRE(uvk_consumer_new(client, cfg, &c) == 0);
  uvk_config_free(cfg);
  REQUIRE(uvk_consumer_subscribe(c, topic.c_str(), 1) == 0);
  REQUIRE(uvk_consumer_on(c, UVK_EVENT_CRASH, [](void *ud, const uvk_event *ev) {
    Read *x = static_cast<Read *>(ud);
    const uvk_event_crash *cr = static_cast<const uvk_event_crash *>(ev->payload);
    if (cr->restart) return;
    char text[256];
    uvk_error_format(cr->error, text, sizeof text);
    x->crashed = true;
    x->crash = text;
    uv_stop(x->loop);
  }, &r) > 0);
  uvk_run_options o;
  uvk_run_options_init(&o);
  o.ud = &r;
  o.each_message = [](uvk_consumer *, const uvk_batch *, const uvk_consumer_message *m, void *ud) -> int {
    Read *x = static_cast<Read *>(ud);
    if (!x->got) x->value.assign(static_cast<const char *>(m->value), m->value_len);
    x->got = true;
    uv_stop(x->loop);
    return 0;
  };
  REQUIRE(uvk_consumer_run(c, &o) == 0);
  // A guard, not a timing assertion: a consume that never delivers fails instead of hanging.
  uv_timer_t guard;
  uv_timer_init(loop, &guard);
  guard.data = &r;
  uv_unref(reinterpret_cast<uv_handle_t *>(&guard));
  uv_timer_start(&guard, [](uv_timer_t *t) {
    Read *x = static_cast<Read *>(t->data);
    x->hung = true;
    uv_stop(x->loop);
  }, 120000, 0);
  while (!r.got && !r.crashed && !r.hung) REQUIRE(uv_run(loop, UV_RUN_DEFAULT) != 0);
  uv_close(reinterpret_cast<uv_handle_t *>(&guard), nullptr);
  CHECK_FALSE(r.hung);
  REQUIRE(uvk_consumer_stop(c, [](uvk_consumer *, const uvk_error *, void *ud) {
    Read *x = static_cast<Read *>(ud);
    x->stopped = true;
    uv_stop(x->loop);
  }, &r) == 0);
  while (!r.stopped) REQUIRE(uv_run(loop, UV_RUN_DEFAULT) != 0);
  uvk_consumer_free(c);
  return r;
}

}  // namespace roundtrip
