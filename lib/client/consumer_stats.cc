// A consumer's part of a statistics document: its assigned partitions' offsets and
// counters, and its group (librdkafka's "cgrp").
#include "client/consumer_internal.h"
#include "client/stats.h"

namespace uvk {

namespace {

// librdkafka's cgrp state and join_state names for our group states.
void group_names(const Consumer *c, const char **state, const char **join) {
  switch (c->state) {
    case kGroupFinding: *state = "query-coord"; *join = "init"; return;
    case kGroupJoining: *state = "up"; *join = "wait-join"; return;
    case kGroupSyncing: *state = "up"; *join = "wait-sync"; return;
    case kGroupStable: *state = "up"; *join = "steady"; return;
    case kGroupStopping: *state = "term"; *join = "init"; return;
    case kGroupStopped: *state = "term"; *join = "init"; return;
    case kGroupIdle: default: *state = "init"; *join = "init"; return;
  }
}

const char *fetch_state(const Consumer *c, const PartState *ps) {
  if (!c->running || ps->revoking) return "stopped";
  if (ps->resetting) return "offset-query";
  if (!ps->offsets_known || ps->position < 0) return "offset-wait";
  if (part_paused(c, ps) || ps->held) return "stopped";
  return "active";
}

void collect(void *ud, StatsCollector *sc) {
  Consumer *c = static_cast<Consumer *>(ud);
  sc->consumers++;
  sc->rxmsgs += c->st_rxmsgs;
  sc->rxmsg_bytes += c->st_rxbytes;
  StatsGroup *g = stats_add_group(sc);
  if (!g) return;
  // The state's age: since the first document that saw it (state changes are not timed).
  if (c->st_state_seen != int(c->state) + 1) {
    c->st_state_seen = int(c->state) + 1;
    c->st_state_since = sc->now;
  }
  g->group_id = c->group_id;
  group_names(c, &g->state, &g->join_state);
  g->stateage_ms = sc->now - c->st_state_since;
  g->rebalance_cnt = c->st_rebalance_cnt;
  g->rebalance_age_ms = c->st_rebalance_cnt ? int64_t(sc->now - c->st_rebalance_at) : -1;
  bool owns = group_owns(c);
  g->assignment_size = owns ? c->n_parts : 0;
  for (int32_t i = 0; owns && i < c->n_parts; i++) {
    const PartState *ps = &c->parts[i];
    StatsPart *sp = stats_add_part(sc, ps->topic, ps->partition);
    if (!sp) return;
    sp->consumer = true;
    sp->rxmsgs = ps->st_rxmsgs;
    sp->rxbytes = ps->st_rxbytes;
    sp->fetch_state = fetch_state(c, ps);
    sp->next_offset = ps->position;
    sp->app_offset = ps->st_app_next > 0 ? ps->st_app_next : -1;
    sp->stored_offset = ps->resolved;
    sp->committed_offset = ps->committed;
    sp->hi_offset = ps->high_watermark;
  }
}

}  // namespace

void consumer_stats_register(Consumer *c) {
  c->stats_src.collect = collect;
  c->stats_src.ud = c;
  engine_stats_add_source(c->e, &c->stats_src);
}

void consumer_stats_handed(Consumer *c, PartState *ps, const uvk_consumer_message *msgs, size_t n) {
  int64_t bytes = 0;
  for (size_t i = 0; i < n; i++) bytes += int64_t(msgs[i].key_len + msgs[i].value_len);
  ps->st_rxmsgs += int64_t(n);
  ps->st_rxbytes += bytes;
  c->st_rxmsgs += int64_t(n);
  c->st_rxbytes += bytes;
  if (n) ps->st_app_next = msgs[n - 1].offset + 1;
}

}  // namespace uvk
