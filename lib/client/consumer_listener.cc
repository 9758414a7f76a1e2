// The rebalance listener (uvk_consumer_set_rebalance_listener): assigned / revoked / lost
// calls at the points Java's ConsumerRebalanceListener gets them, each followed by the rest
// of the rebalance, which waits when the listener answers UVK_PENDING until
// uvk_consumer_rebalance_done (run on the next loop turn, never inside that call).
#include <string.h>

#include "client/consumer_internal.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

namespace {

const char *kind_name(int kind) {
  return kind == UVK_REBALANCE_ASSIGNED ? "assigned" : kind == UVK_REBALANCE_REVOKED ? "revoked" : "lost";
}

void run_next(void *ud, uint64_t now) {
  Consumer *c = static_cast<Consumer *>(ud);
  ListenerNext next = c->listener_next;
  c->listener_next = nullptr;
  if (next) next(c, now);
}

}  // namespace

void listener_call(Consumer *c, int kind, const uvk_topic_partition *tps, size_t n, ListenerNext next, uint64_t now) {
  uint32_t seq = ++c->listener_seq;
  c->listener_pending = false;
  c->listener_next = nullptr;
  engine_cancel_timer(c->e, &c->listener_timer);
  if (!c->listener || c->detached) return next(c, now);
  consumer_log(c, UVK_LOG_DEBUG, "Rebalance listener: %d partitions %s", int(n), kind_name(kind));
  int rc = c->listener(static_cast<uvk_consumer *>(c->hooks.owner), kind, tps, n, c->listener_ud);
  if (c->detached || seq != c->listener_seq) return;  // freed, or superseded from inside the call
  if (rc == UVK_PENDING) {
    c->listener_pending = true;
    c->listener_next = next;
    return;
  }
  if (rc != 0) consumer_log(c, UVK_LOG_WARN, "Rebalance listener (%s) returned %d; going on", kind_name(kind), rc);
  next(c, now);
}

void listener_call_all(Consumer *c, int kind, ListenerNext next, uint64_t now) {
  uvk_topic_partition stack[256] = {};
  uvk_topic_partition *tps = stack;
  size_t n = size_t(c->n_parts);
  if (n > 256) {
    tps = static_cast<uvk_topic_partition *>(mem_alloc(c->alloc, sizeof(uvk_topic_partition) * n));
    if (!tps) {  // no memory for the list: the listener hears of none, the rebalance goes on
      tps = stack;
      n = 0;
    }
  }
  for (size_t i = 0; i < n; i++) tps[i] = uvk_topic_partition{c->parts[i].topic, c->parts[i].partition};
  listener_call(c, kind, tps, n, next, now);
  if (tps != stack) mem_free(c->alloc, tps);
}

int consumer_set_rebalance_listener(Consumer *c, uvk_rebalance_fn fn, void *ud) {
  if (c->running || c->state != kGroupIdle) return UVK_ESTATE;
  c->listener = fn;
  c->listener_ud = ud;
  return 0;
}

int consumer_rebalance_done(Consumer *c, uint64_t now) {
  if (!c->listener_pending) return UVK_ENOTFOUND;
  c->listener_pending = false;
  engine_add_timer(c->e, &c->listener_timer, now, run_next, c);
  return 0;
}

}  // namespace uvk
