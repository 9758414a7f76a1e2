// Fetch ahead of handlers that finish later (UVK_PENDING: the Node and Python bindings' async
// handlers). The Fetch asked ahead of a batch (consumer_fetch.cc, fetch_ahead) comes back
// while that batch is still held; instead of dropping its records and asking again once the
// handler is done (a round trip during which nothing runs), they are copied and parked here,
// then handed over on the loop turn after uvk_consumer_done, with the next Fetch asked ahead
// of them in turn. Bounds: one parked answer per partition (it is not fetched while one
// waits), and at most maxBytes parked per broker (beyond that an answer is dropped as before),
// so besides what the application holds the consumer buffers at most one answer per broker
// on the wire and one parked, each at most maxBytes.
#include <string.h>

#include "client/consumer_internal.h"
#include "common/alloc.h"
#include "engine/engine.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

namespace {

void free_one(Consumer *c, ParkedFetch *f) {
  mem_free(c->alloc, f->records);
  mem_free(c->alloc, f->aborted);
  mem_free(c->alloc, f);
}

// Whether a parked answer can still be handed over some day: its assignment, no seek or
// pause since, and (once the handler is done) the partition where the answer starts.
bool still_next(const Consumer *c, const ParkedFetch *f) {
  if (f->gen != c->assign_gen || f->part < 0 || f->part >= c->n_parts) return false;
  const PartState *ps = &c->parts[f->part];
  if (ps->seq != f->seq || part_paused(c, ps) || ps->revoking) return false;
  // held_next -1: an eachBatch without auto-resolve, whose end only uvk_consumer_done tells.
  if (ps->held) return !ps->held_stale && (ps->held_next == f->offset || ps->held_next < 0);
  return ps->position == f->offset;
}

// Whether it can be handed over now (the handler before it is done).
bool ready(const Consumer *c, const ParkedFetch *f, uint64_t now) {
  const PartState *ps = &c->parts[f->part];
  return !ps->held && ps->not_before <= now;
}

void hand_parked(void *ud, uint64_t now) {
  Consumer *c = static_cast<Consumer *>(ud);
  if (c->e->shutting_down || !c->running || !group_owns(c) || c->delivering || c->listener_pending) return;
  // Take the ready ones out of the list: their partitions become fetchable again, so the
  // Fetch asked ahead below covers them from where their parked records end.
  ParkedFetch *take = nullptr;
  for (ParkedFetch **at = &c->parked; *at;) {
    ParkedFetch *f = *at;
    if (still_next(c, f) && ready(c, f, now)) {
      *at = f->next;
      f->next = take;
      take = f;
    } else {
      at = &f->next;
    }
  }
  if (!take) return;
  for (ParkedFetch *f = take; f; f = f->next) {
    int64_t end = fetch_records_end(f->records, f->len);
    if (end > f->offset) c->parts[f->part].ahead = end;
  }
  c->asking_ahead = true;
  fetch_schedule(c, now);
  c->asking_ahead = false;
  for (int32_t i = 0; i < c->n_parts; i++) c->parts[i].ahead = 0;
  uint32_t gen = c->assign_gen;
  while (take) {
    ParkedFetch *f = take;
    take = f->next;
    // A handler of an earlier one in this list may have paused, sought or stopped.
    if (gen == c->assign_gen && !c->detached && still_next(c, f)) {
      PartState *ps = &c->parts[f->part];
      int bad = deliver(c, ps, f->records, f->len, f->high_watermark, f->aborted, f->aborted + f->n_aborted,
                        f->n_aborted);
      if (bad < 0 && gen == c->assign_gen) fetch_back_off(c, ps, now);  // not again at once
    }
    free_one(c, f);
  }
  if (c->detached) return;
  if (c->run.auto_commit) consumer_commit_if_necessary(c, now);
  fetch_schedule(c, now);
}

}  // namespace

bool fetch_park(Consumer *c, int32_t part, int32_t node, uint32_t seq, int64_t offset, int64_t high_watermark,
                const uint8_t *records, size_t len, const int64_t *pids, const int64_t *firsts, int32_t n_aborted) {
  size_t on_node = 0;
  for (const ParkedFetch *f = c->parked; f; f = f->next) {
    if (f->part == part && f->gen == c->assign_gen) return false;  // one per partition
    if (f->node == node) on_node += f->len;
  }
  if (c->cfg.max_bytes > 0 && on_node + len > size_t(c->cfg.max_bytes)) return false;
  ParkedFetch *f = static_cast<ParkedFetch *>(mem_alloc(c->alloc, sizeof(ParkedFetch)));
  if (!f) return false;
  memset(f, 0, sizeof *f);
  f->records = static_cast<uint8_t *>(mem_alloc(c->alloc, len));
  f->aborted = static_cast<int64_t *>(mem_alloc(c->alloc, sizeof(int64_t) * (2 * size_t(n_aborted) + 1)));
  if (!f->records || !f->aborted) {
    free_one(c, f);
    return false;
  }
  memcpy(f->records, records, len);
  for (int32_t a = 0; a < n_aborted; a++) {
    f->aborted[a] = pids[a];
    f->aborted[n_aborted + a] = firsts[a];
  }
  f->len = len;
  f->n_aborted = n_aborted;
  f->part = part;
  f->gen = c->assign_gen;
  f->seq = seq;
  f->node = node;
  f->offset = offset;
  f->high_watermark = high_watermark;
  f->next = c->parked;
  c->parked = f;
  consumer_log(c, UVK_LOG_DEBUG, "Fetch %s/%d: %zu bytes from offset %lld parked until its handler is done",
               c->parts[part].topic, int(c->parts[part].partition), len, static_cast<long long>(offset));
  return true;
}

bool fetch_parked(const Consumer *c, int32_t part) {
  for (const ParkedFetch *f = c->parked; f; f = f->next)
    if (f->part == part && f->gen == c->assign_gen) return true;
  return false;
}

void fetch_park_check(Consumer *c, uint64_t now) {
  bool any_ready = false;
  for (ParkedFetch **at = &c->parked; *at;) {
    ParkedFetch *f = *at;
    if (!still_next(c, f)) {
      *at = f->next;
      free_one(c, f);
      continue;
    }
    any_ready = any_ready || ready(c, f, now);
    at = &f->next;
  }
  // Never inside the call that freed the partition (uvk_consumer_done, resume): a turn later.
  bool can = c->running && group_owns(c) && !c->delivering && !c->listener_pending && !c->e->shutting_down;
  if (any_ready && can && !engine_timer_pending(c->e, &c->park_timer))
    engine_add_timer(c->e, &c->park_timer, now, hand_parked, c);
}

void fetch_park_follow(Consumer *c, const int32_t *moved_to, uint32_t new_gen) {
  for (ParkedFetch **at = &c->parked; *at;) {
    ParkedFetch *f = *at;
    int32_t to = f->gen == c->assign_gen && f->part >= 0 && f->part < c->n_parts ? moved_to[f->part] : -1;
    if (to < 0) {  // left the assignment (or parked under an older one)
      *at = f->next;
      free_one(c, f);
      continue;
    }
    f->part = to;
    f->gen = new_gen;
    at = &f->next;
  }
}

void fetch_park_free(Consumer *c) {
  engine_cancel_timer(c->e, &c->park_timer);
  while (ParkedFetch *f = c->parked) {
    c->parked = f->next;
    free_one(c, f);
  }
}

}  // namespace uvk
