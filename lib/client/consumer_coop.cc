// Cooperative rebalancing for the classic protocol (KIP-429): a member whose assigners are
// all cooperative keeps its partitions, fetching and processing them, through a rebalance.
// JoinGroup says what it owns; after SyncGroup it gives up only what left its assignment
// (listener "revoked", then the commit), takes what is new (listener "assigned") and, when it
// gave something up, joins once more so the leader can hand that over.
#include <string.h>

#include "client/consumer_internal.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

bool group_cooperative(const Consumer *c) {
  if (c->n_customs > 0 || c->n_assigners == 0) return false;
  for (int i = 0; i < c->n_assigners; i++)
    if (!assignor_is_cooperative(c->assigners[i])) return false;
  return true;
}

void coop_encode_metadata(Consumer *c, Buf *out, Arena *arena, const char *const *topics, int32_t n_topics) {
  int32_t n_owned = 0;
  TopicPartitions *owned = nullptr;
  int32_t n = c->coop_keep ? c->n_parts : 0;
  if (n > 0) {
    owned = arena_new_array<TopicPartitions>(arena, size_t(n) + 1);
    int32_t *ids = arena_new_array<int32_t>(arena, size_t(n) + 1);
    if (!owned || !ids) {
      out->failed = true;
      return;
    }
    int32_t k = 0;
    for (int32_t i = 0; i < n; i++) {
      bool seen = false;
      for (int32_t j = 0; j < i && !seen; j++) seen = c->parts[j].topic == c->parts[i].topic;
      if (seen) continue;
      TopicPartitions *tp = &owned[n_owned++];
      tp->topic = c->parts[i].topic;
      tp->partitions = &ids[k];
      tp->n = 0;
      for (int32_t j = i; j < n; j++)
        if (c->parts[j].topic == c->parts[i].topic) {
          ids[k++] = c->parts[j].partition;
          tp->n++;
        }
    }
  }
  int32_t generation = c->coop_keep ? c->generation : -1;
  // The user data in the sticky format (what librdkafka writes; Java reads the v2+ fields).
  Buf ud;
  ud.alloc = c->alloc;
  sticky_user_data_encode(&ud, owned, n_owned, generation);
  if (ud.failed) out->failed = true;
  member_metadata_encode_v3(out, topics, n_topics, ud.data, int32_t(ud.len), owned, n_owned, generation, c->rack_id);
  buf_free(&ud);
}

namespace {

struct Next {
  const char *topic;  // the TopicSub's name
  int32_t partition;
};

void after_assigned(Consumer *c, uint64_t now) {
  offsets_load(c, now);
  fetch_schedule(c, now);
  if (c->coop_rejoin_after) {
    c->coop_rejoin_after = false;
    coop_rejoin(c, now);
  }
}

// The revoked partitions go, the new ones come; the kept ones keep their position.
void apply(Consumer *c, uint64_t now) {
  Next *next = static_cast<Next *>(c->coop_next);
  int32_t n = c->n_coop_next;
  PartState *parts = static_cast<PartState *>(mem_alloc(c->alloc, sizeof(PartState) * size_t(n + 1)));
  uvk_topic_partition *added = static_cast<uvk_topic_partition *>(mem_alloc(c->alloc, sizeof(uvk_topic_partition) * size_t(n + 1)));
  int32_t *moved_to = static_cast<int32_t *>(mem_alloc(c->alloc, sizeof(int32_t) * size_t(c->n_parts + 1)));
  if (!parts || !added || !moved_to) {
    mem_free(c->alloc, parts);
    mem_free(c->alloc, added);
    mem_free(c->alloc, moved_to);
    return group_failed(c, UVK_ENOMEM, nullptr, now);
  }
  for (int32_t i = 0; i < c->n_parts; i++) moved_to[i] = -1;
  size_t n_added = 0;
  for (int32_t i = 0; i < n; i++) {
    PartState *old = find_part(c, next[i].topic, next[i].partition);
    PartState *ps = &parts[i];
    if (old && !old->revoking) {
      // It keeps its Fetch in flight (fetch_follow); a ListOffsets in flight is asked again.
      *ps = *old;
      ps->resetting = false;
      moved_to[old - c->parts] = i;
      continue;
    }
    bool from_beginning = false;
    for (int32_t s = 0; s < c->n_subs; s++)
      if (c->subs[s].name == next[i].topic) from_beginning = c->subs[s].from_beginning;
    *ps = part_state_new(c, next[i].topic, next[i].partition, from_beginning);
    added[n_added++] = uvk_topic_partition{ps->topic, ps->partition};
  }
  fetch_follow(c, moved_to, c->assign_gen + 1);
  mem_free(c->alloc, moved_to);
  mem_free(c->alloc, c->parts);
  c->parts = parts;
  c->n_parts = n;
  c->assign_gen++;
  c->offsets_loading = false;
  if (n_added && !fetch_leaders_known(c)) c->metadata_ready = false;
  c->coop_revoking = false;
  c->coop_keep = true;
  consumer_log(c, UVK_LOG_INFO, "Incremental assignment (generation %d): %d partitions, %d new", int(c->generation),
               int(n), int(n_added));
  group_emit_join(c, now);
  c->join_started = 0;
  listener_call(c, UVK_REBALANCE_ASSIGNED, added, n_added, after_assigned, now);
  mem_free(c->alloc, added);
}

void after_revoke_commit(void *ud, const uvk_error *err) {
  Consumer *c = static_cast<Consumer *>(ud);
  if (!c->coop_revoking || c->state != kGroupStable) return;  // lost or stopped meanwhile
  if (err) consumer_log(c, UVK_LOG_WARN, "Commit before revoking failed: %s", uvk_err_name(uvk_error_code(err)));
  apply(c, c->e->now);
}

void revoke_after_listener(Consumer *c, uint64_t now) {
  if (!c->coop_revoking || c->state != kGroupStable) return;
  if (c->run.auto_commit) return group_commit_then(c, after_revoke_commit, now);
  if (c->commit_in_flight) {
    c->commit_waiter = after_revoke_commit;
    c->commit_waiter_ud = c;
    return;
  }
  apply(c, now);
}

void drop_parts(Consumer *c) {
  mem_free(c->alloc, c->parts);
  c->parts = nullptr;
  c->n_parts = 0;
  c->assign_gen++;
  c->offsets_loading = false;
  fetch_sessions_reset(c);
}

}  // namespace

int coop_on_sync(Consumer *c, const MemberAssignment &a, uint64_t now) {
  // Only subscribed topics (the others were reported as RECEIVED_UNSUBSCRIBED_TOPICS).
  int32_t total = 0;
  for (int32_t i = 0; i < a.n_topics; i++) total += a.topics[i].n;
  Next *next = static_cast<Next *>(mem_alloc(c->alloc, sizeof(Next) * size_t(total + 1)));
  if (!next) return UVK_ENOMEM;
  int32_t n = 0;
  for (int32_t i = 0; i < a.n_topics; i++) {
    const char *name = nullptr;
    for (int32_t s = 0; s < c->n_subs && !name; s++)
      if (strcmp(c->subs[s].name, a.topics[i].topic) == 0) name = c->subs[s].name;
    if (!name) continue;
    for (int32_t j = 0; j < a.topics[i].n; j++) {
      bool dup = false;
      for (int32_t k = 0; k < n && !dup; k++) dup = next[k].topic == name && next[k].partition == a.topics[i].partitions[j];
      if (!dup && a.topics[i].partitions[j] >= 0) next[n++] = Next{name, a.topics[i].partitions[j]};
    }
  }
  mem_free(c->alloc, c->coop_next);
  c->coop_next = next;
  c->n_coop_next = n;
  if (!c->coop_keep) drop_parts(c);  // a fresh member: nothing it had counts
  c->coop_round++;
  c->state = kGroupStable;
  retry_start(&c->group_retry, c->cfg.retry, &c->e->rng);
  group_on_stable(c, now);  // heartbeats go on while the revoke waits for the listener
  // What leaves stops fetching now; its resolved offsets are committed after the listener.
  int32_t revoked = 0;
  for (int32_t i = 0; i < c->n_parts; i++) {
    PartState *ps = &c->parts[i];
    bool stays = false;
    for (int32_t k = 0; k < n && !stays; k++) stays = next[k].topic == ps->topic && next[k].partition == ps->partition;
    if (stays) continue;
    ps->revoking = true;
    ps->seq++;
    revoked++;
  }
  c->coop_revoking = true;
  if (revoked == 0) {
    apply(c, now);
    return 0;
  }
  consumer_log(c, UVK_LOG_INFO, "Revoking %d partitions (generation %d); rejoining after", int(revoked), int(c->generation));
  c->coop_rejoin_after = true;  // the leader hands them over in the next round
  uvk_topic_partition stack[256] = {};
  uvk_topic_partition *tps = revoked <= 256 ? stack
      : static_cast<uvk_topic_partition *>(mem_alloc(c->alloc, sizeof(uvk_topic_partition) * size_t(revoked)));
  size_t k = 0;
  for (int32_t i = 0; tps && i < c->n_parts; i++)
    if (c->parts[i].revoking) tps[k++] = uvk_topic_partition{c->parts[i].topic, c->parts[i].partition};
  listener_call(c, UVK_REBALANCE_REVOKED, tps ? tps : stack, k, revoke_after_listener, now);
  if (tps && tps != stack) mem_free(c->alloc, tps);
  return 0;
}

void coop_rejoin(Consumer *c, uint64_t now) {
  if (c->state != kGroupStable) return;
  if (c->coop_revoking) {  // after the revoke in progress
    c->coop_rejoin_after = true;
    return;
  }
  consumer_log(c, UVK_LOG_INFO, "The group is rebalancing, rejoining (keeping %d partitions)", int(c->n_parts));
  uvk_event_group ev{c->group_id, c->member_id, c->generation};
  consumer_emit(c, UVK_EVENT_REBALANCING, &ev);
  engine_cancel_timer(c->e, &c->heartbeat_timer);
  c->coop_round++;
  c->coop_keep = true;
  c->join_started = now;
  group_send_join(c, now);
}

void coop_forget(Consumer *c) {
  c->coop_keep = false;
  c->coop_revoking = false;
  c->coop_rejoin_after = false;
  c->coop_round++;
}

void coop_free(Consumer *c) {
  mem_free(c->alloc, c->coop_next);
  c->coop_next = nullptr;
  c->n_coop_next = 0;
}

}  // namespace uvk
