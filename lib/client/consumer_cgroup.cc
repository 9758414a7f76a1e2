// groupProtocol consumer (KIP-848): membership is one request, ConsumerGroupHeartbeat, sent
// every interval the broker gives. The broker computes assignments; each answer may carry a
// new target, which this member reconciles: partitions leaving the target stop fetching,
// their offsets are committed, then they go and the new ones start, and the next heartbeat
// tells the broker what it owns. A fenced member (FENCED_MEMBER_EPOCH, UNKNOWN_MEMBER_ID)
// loses its partitions without committing (its epoch is void) and rejoins at epoch 0.
// c->generation holds the member epoch, so commits carry it.
#include <stdio.h>
#include <string.h>

#include <new>

#include "client/consumer_internal.h"
#include "client/heartbeat_member.h"
#include "engine/coordinator.h"
#include "engine/kafka_errors.h"
#include "engine/metadata.h"
#include "proto/gen/api_table.h"
#include "proto/gen/consumer_group_heartbeat.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

namespace {

enum CgKind { kCgFind = 80, kCgHeartbeat, kCgLeave, kCgMeta };
const int16_t kGroupIdNotFound = 69, kFencedMemberEpoch = 110, kUnreleasedInstanceId = 111, kStaleMemberEpoch = 113;

void cg_send(Consumer *c, uint64_t now);
void cg_reconcile(Consumer *c, uint64_t now);

void new_member_id(Consumer *c) {
  char id[23];
  int n = member_id_random(&c->e->rng, id);
  consumer_set_str(c, &c->member_id, id, size_t(n));
}

// ---- the heartbeat --------------------------------------------------------------------

int encode_heartbeat(void *ud, Buf *out, int16_t version) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = p->c;
  proto::ConsumerGroupHeartbeatRequest req;
  if (!c) return proto::encode(out, req, version);
  req.group_id = proto::cstr(c->group_id);
  req.member_id = proto::cstr(c->member_id);
  if (*c->instance_id) req.instance_id = proto::cstr(c->instance_id);
  if (p->kind == kCgLeave) {
    // -1 leaves; -2 (a static member) keeps the assignment for a restart within the session
    req.member_epoch = *c->instance_id ? -2 : -1;
    return proto::encode(out, req, version);
  }
  req.member_epoch = c->generation < 0 ? 0 : c->generation;
  if (*c->rack_id) req.rack_id = proto::cstr(c->rack_id);
  req.rebalance_timeout_ms = c->cfg.rebalance_timeout;
  // Full subscription and ownership every time: the broker takes unchanged fields as they
  // are, and a lost answer cannot leave it with an old picture.
  int32_t n_names = 0;
  for (int32_t i = 0; i < c->n_subs; i++) n_names += c->subs[i].from_broker ? 0 : 1;
  proto::Str *names = arena_construct_array<proto::Str>(&p->arena, size_t(n_names) + 1);
  if (!names) return UVK_ENOMEM;
  n_names = 0;
  for (int32_t i = 0; i < c->n_subs; i++)
    if (!c->subs[i].from_broker) names[n_names++] = proto::cstr(c->subs[i].name);
  req.subscribed_topic_names.items = names;
  req.subscribed_topic_names.count = n_names;
  if (c->broker_regex) req.subscribed_topic_regex = proto::cstr(c->broker_regex);
  if (*c->remote_assignor) req.server_assignor = proto::cstr(c->remote_assignor);
  using TP = proto::ConsumerGroupHeartbeatRequest::TopicPartitions;
  TP *tps = arena_construct_array<TP>(&p->arena, size_t(c->n_cg_owned) + 1);
  int32_t *ids = arena_new_array<int32_t>(&p->arena, size_t(c->n_cg_owned) + 1);
  if (!tps || !ids) return UVK_ENOMEM;
  int32_t nt = 0, ni = 0;
  for (int32_t i = 0; i < c->n_cg_owned; i++) {
    bool seen = false;
    for (int32_t j = 0; j < i && !seen; j++) seen = memcmp(c->cg_owned[j].topic_id, c->cg_owned[i].topic_id, 16) == 0;
    if (seen) continue;
    memcpy(tps[nt].topic_id.b, c->cg_owned[i].topic_id, 16);
    tps[nt].partitions.items = &ids[ni];
    for (int32_t j = i; j < c->n_cg_owned; j++)
      if (memcmp(c->cg_owned[j].topic_id, c->cg_owned[i].topic_id, 16) == 0) {
        ids[ni++] = c->cg_owned[j].partition;
        tps[nt].partitions.count++;
      }
    nt++;
  }
  req.topic_partitions.items = tps;
  req.topic_partitions.count = nt;
  return proto::encode(out, req, version);
}

void heartbeat_due(void *ud, uint64_t now) { cg_send(static_cast<Consumer *>(ud), now); }

void schedule_next(Consumer *c, uint64_t now) {
  int32_t every = c->cg_interval > 0 ? c->cg_interval : c->cfg.heartbeat_interval;
  engine_add_timer(c->e, &c->heartbeat_timer, now + uint64_t(every), heartbeat_due, c);
}

// Everything owned is gone without a commit (the epoch that could commit it is void):
// the next heartbeat joins again at epoch 0 under the same member id.
void drop_all(Consumer *c) {
  c->cg_fences++;
  c->cg_reconciling = false;
  c->cg_has_target = false;
  c->n_cg_target = 0;
  c->n_cg_owned = 0;
  c->generation = 0;
  mem_free(c->alloc, c->parts);
  c->parts = nullptr;
  c->n_parts = 0;
  c->assign_gen++;
  c->offsets_loading = false;
  fetch_sessions_reset(c);
}

void rejoin_after_lost(Consumer *c, uint64_t now) { cg_send(c, now); }

void fenced(Consumer *c, int16_t code, uint64_t now) {
  consumer_log(c, UVK_LOG_WARN, "Fenced by the group coordinator (%s): partitions lost, rejoining",
               kafka_error_info(code) ? kafka_error_info(code)->name : "?");
  // The listener hears of what was lost (names outlive the partitions), then the rejoin.
  size_t n = size_t(c->n_parts);
  uvk_topic_partition *lost = static_cast<uvk_topic_partition *>(mem_alloc(c->alloc, sizeof(uvk_topic_partition) * (n + 1)));
  if (!lost) n = 0;
  for (size_t i = 0; i < n; i++) lost[i] = uvk_topic_partition{c->parts[i].topic, c->parts[i].partition};
  drop_all(c);
  if (c->state == kGroupStable) {
    uvk_event_group ev{c->group_id, c->member_id, c->generation};
    consumer_emit(c, UVK_EVENT_REBALANCING, &ev);
  }
  c->state = kGroupJoining;
  c->join_started = now;
  uvk_topic_partition none[1] = {};
  listener_call(c, UVK_REBALANCE_LOST, lost ? lost : none, n, rejoin_after_lost, now);
  mem_free(c->alloc, lost);
}

bool take_target(Consumer *c, const proto::ConsumerGroupHeartbeatResponse::Assignment *a) {
  int32_t n = 0;
  CgPartition *tgt = assignment_targets<CgPartition>(c->alloc, *a, &n);
  if (!tgt) return false;
  mem_free(c->alloc, c->cg_target);
  c->cg_target = tgt;
  c->n_cg_target = n;
  c->cg_has_target = true;
  return true;
}

void on_heartbeat(void *ud, int err, int16_t version, Reader *body, const Request *) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = p->c;
  uint32_t fences = p->gen;
  proto::ConsumerGroupHeartbeatResponse resp;
  if (err == 0) err = proto::decode(body, &p->arena, &resp, version);
  if (!c) return pending_free(p);
  c->heartbeat_in_flight = false;
  uint64_t now = c->e->now;
  if (c->state != kGroupJoining && c->state != kGroupStable) return pending_free(p);
  if (fences != c->cg_fences) {  // sent before a fence: its answer is void
    pending_free(p);
    return cg_send(c, now);
  }
  if (err != 0 || kafka_coordinator_error(resp.error_code)) {
    // The coordinator moved or the connection broke: find it again; the membership holds
    // until the broker's session timeout.
    consumer_log(c, UVK_LOG_WARN, "ConsumerGroupHeartbeat failed: %s",
                 err ? uvk_err_name(err) : kafka_error_info(resp.error_code)->name);
    pending_free(p);
    consumer_forget_coordinator(c);
    if (err == UVK_EUNSUPPORTED || err == UVK_EPROTO) return group_failed(c, err, nullptr, now);
    int64_t wait = 0;
    if (retry_on_error(&c->group_retry, c->cfg.retry, &c->e->rng, err ? err : UVK_ERR_KAFKA(resp.error_code),
                       &wait) != RetryVerdict::kRetry)
      wait = c->cfg.retry.max_retry_time;
    engine_add_timer(c->e, &c->heartbeat_timer, now + uint64_t(wait), heartbeat_due, c);
    return;
  }
  if (resp.error_code == kFencedMemberEpoch || resp.error_code == kUnknownMemberId) {
    pending_free(p);
    return fenced(c, resp.error_code, now);
  }
  if (resp.error_code == kGroupIdNotFound && c->generation > 0) {
    // "Group ... is not a consumer group" / "not found" to a member: the group went back to
    // classic (its last consumer-protocol member was dropped meanwhile) or was deleted, and the
    // membership with it. As when fenced: rejoin at epoch 0, which upgrades the group again
    // (online migration) or is refused with this same code, then fatal (the broker's policy).
    pending_free(p);
    return fenced(c, resp.error_code, now);
  }
  if (resp.error_code == kUnreleasedInstanceId) {
    // The previous member with this groupInstanceId has not left (killed: until the broker's
    // session timeout drops it): try again each heartbeat interval.
    pending_free(p);
    consumer_log(c, UVK_LOG_WARN, "groupInstanceId '%s' still held by a previous member; waiting for it",
                 c->instance_id);
    engine_add_timer(c->e, &c->heartbeat_timer,
                     now + uint64_t(c->cg_interval > 0 ? c->cg_interval : c->cfg.heartbeat_interval), heartbeat_due, c);
    return;
  }
  if (resp.error_code != 0) {
    // UNSUPPORTED_ASSIGNOR, INVALID_REGULAR_EXPRESSION, GROUP_MAX_SIZE_REACHED,
    // FENCED_INSTANCE_ID, authorization, ...: the retry policy decides (most are fatal).
    char msg[256] = "";
    if (resp.error_message.data)
      snprintf(msg, sizeof msg, "%.*s", int(resp.error_message.len > 250 ? 250 : resp.error_message.len),
               resp.error_message.data);
    pending_free(p);
    return group_failed(c, UVK_ERR_KAFKA(resp.error_code), msg[0] ? msg : nullptr, now);
  }
  if (resp.member_id.data && resp.member_id.len > 0 && resp.member_id.len < 256)
    consumer_set_str(c, &c->member_id, resp.member_id.data, size_t(resp.member_id.len));
  c->generation = resp.member_epoch;
  if (resp.heartbeat_interval_ms > 0) c->cg_interval = resp.heartbeat_interval_ms;
  retry_start(&c->group_retry, c->cfg.retry, &c->e->rng);
  bool got = resp.assignment != nullptr;
  bool ok = !got || take_target(c, resp.assignment);
  pending_free(p);
  if (!ok) return group_failed(c, UVK_ENOMEM, nullptr, now);
  if (c->state == kGroupJoining && c->generation > 0) {
    c->state = kGroupStable;
    consumer_log(c, UVK_LOG_INFO, "Consumer has joined the group (member epoch %d)", int(c->generation));
  }
  uvk_event_group ev{c->group_id, c->member_id, c->generation};
  consumer_emit(c, UVK_EVENT_HEARTBEAT, &ev);
  if (c->cg_send_now) {
    c->cg_send_now = false;
    cg_send(c, now);
  } else {
    schedule_next(c, now);
  }
  if (c->cg_has_target) cg_reconcile(c, now);
}

void on_coordinator(void *ud, const uvk_error *err, int32_t node) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = p->c;
  pending_free(p);
  if (!c) return;
  c->heartbeat_in_flight = false;
  uint64_t now = c->e->now;
  if (c->state != kGroupFinding && c->state != kGroupJoining && c->state != kGroupStable) return;
  if (err) {
    int code = uvk_error_code(err) == UVK_EKAFKA ? UVK_ERR_KAFKA(uvk_error_kafka_code(err)) : uvk_error_code(err);
    if (c->state == kGroupFinding) return group_failed(c, code, uvk_error_broker_message(err), now);
    engine_add_timer(c->e, &c->heartbeat_timer, now + uint64_t(c->cfg.retry.initial_retry_time), heartbeat_due, c);
    return;
  }
  c->coordinator = node;
  if (c->state == kGroupFinding) {
    c->state = kGroupJoining;
    c->generation = 0;
  }
  cg_send(c, now);
}

void cg_send(Consumer *c, uint64_t now) {
  if (c->state != kGroupJoining && c->state != kGroupStable && c->state != kGroupFinding) return;
  if (c->e->shutting_down) return;
  if (c->heartbeat_in_flight) {
    c->cg_send_now = true;
    return;
  }
  engine_cancel_timer(c->e, &c->heartbeat_timer);
  c->heartbeat_in_flight = true;
  if (c->coordinator < 0) {
    Pending *f = pending_new(c, kCgFind);
    if (!f || coordinator_find(c->e, kCoordinatorGroup, c->group_id, on_coordinator, f, now) != 0) {
      if (f) pending_free(f);
      c->heartbeat_in_flight = false;
      return group_failed(c, UVK_ENOMEM, nullptr, now);
    }
    return;
  }
  Pending *p = pending_new(c, kCgHeartbeat);
  if (!p) {
    c->heartbeat_in_flight = false;
    return group_failed(c, UVK_ENOMEM, nullptr, now);
  }
  p->gen = c->cg_fences;
  p->req.api_key = proto::kConsumerGroupHeartbeat;
  p->req.min_version = 0;
  p->req.max_version = proto::ConsumerGroupHeartbeatRequest::kMaxVersion;
  p->req.encode = encode_heartbeat;
  p->req.done = on_heartbeat;
  p->req.ud = p;
  int rc = engine_send_lane(c->e, c->coordinator, c->group_lane, &p->req, now);
  if (rc != 0) {
    pending_free(p);
    c->heartbeat_in_flight = false;
    group_failed(c, rc, nullptr, now);
  }
}

// ---- reconciliation -------------------------------------------------------------------

const TopicSub *sub_for(Consumer *c, const char *topic) {
  for (int32_t s = 0; s < c->n_subs; s++)
    if (strcmp(c->subs[s].name, topic) == 0) return &c->subs[s];
  return nullptr;
}

void on_names(void *ud, const uvk_error *, MetadataSnapshot *snap) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = p->c;
  const Allocator *a = p->alloc;
  pending_free(p);
  if (snap) {
    metadata_snapshot_free(snap);
    mem_free(a, snap);
  }
  if (!c) return;
  c->cg_meta_in_flight = false;
  cg_reconcile(c, c->e->now);
}

void names_retry(void *ud, uint64_t now) { cg_reconcile(static_cast<Consumer *>(ud), now); }

// Asks the cluster for every topic (the ids the broker assigned are not names we know).
void fetch_names(Consumer *c, uint64_t now) {
  if (c->cg_meta_in_flight) return;
  Pending *p = pending_new(c, kCgMeta);
  if (!p) return;
  c->cg_meta_in_flight = true;
  if (metadata_fetch(c->e, nullptr, -1, on_names, p, now) != 0) {
    c->cg_meta_in_flight = false;
    pending_free(p);
  }
}

// The target's partitions this member can name: out[i] = topic name (a subscription's copy).
// Returns how many it could not name.
int32_t resolve(Consumer *c, const char **names) {
  int32_t unknown = 0;
  for (int32_t i = 0; i < c->n_cg_target; i++) {
    names[i] = nullptr;
    const CachedTopic *t = metadata_cache_topic_by_id(&c->e->mcache, c->cg_target[i].topic_id);
    if (!t) {
      unknown++;
      continue;
    }
    const TopicSub *s = sub_for(c, t->name);
    if (!s && c->broker_regex) {
      // A topic the broker's regex matched: it joins the subscription (not sent by name).
      if (consumer_add_sub(c, t->name, c->regex_from_beginning) == 0) {
        c->subs[c->n_subs - 1].from_broker = true;
        s = &c->subs[c->n_subs - 1];
      }
    }
    if (!s) {
      unknown++;  // no memory for the subscription, or a topic we never asked for
      continue;
    }
    names[i] = s->name;
  }
  return unknown;
}

// Replaces the partitions with the target's named ones, keeping the state of those that stay.
// *changed: whether the owned set moved.
int apply(Consumer *c, const char *const *names, uint64_t now, bool *changed, uvk_topic_partition *added_out,
          size_t *n_added) {
  int32_t n = 0;
  for (int32_t i = 0; i < c->n_cg_target; i++) n += names[i] ? 1 : 0;
  *changed = n != c->n_parts;
  // A partition revoked (listener told, offsets committed) that the broker's newer target
  // gives back counts as new: it starts again as one, never stuck as revoking.
  for (int32_t i = 0; i < c->n_cg_target && !*changed; i++) {
    const PartState *ps = names[i] ? find_part(c, names[i], c->cg_target[i].partition) : nullptr;
    *changed = names[i] && (!ps || ps->revoking);
  }
  if (!*changed) return 0;
  PartState *parts = static_cast<PartState *>(mem_alloc(c->alloc, sizeof(PartState) * size_t(n + 1)));
  CgPartition *owned = static_cast<CgPartition *>(mem_alloc(c->alloc, sizeof(CgPartition) * size_t(n + 1)));
  int32_t *moved_to = static_cast<int32_t *>(mem_alloc(c->alloc, sizeof(int32_t) * size_t(c->n_parts + 1)));
  if (!parts || !owned || !moved_to) {
    mem_free(c->alloc, parts);
    mem_free(c->alloc, owned);
    mem_free(c->alloc, moved_to);
    return UVK_ENOMEM;
  }
  for (int32_t i = 0; i < c->n_parts; i++) moved_to[i] = -1;
  int32_t k = 0, added = 0;
  for (int32_t i = 0; i < c->n_cg_target; i++) {
    if (!names[i]) continue;
    PartState *old = find_part(c, names[i], c->cg_target[i].partition);
    PartState *ps = &parts[k];
    if (old && !old->revoking) {
      // A partition that stays keeps its Fetch in flight (fetch_follow); a ListOffsets in
      // flight belongs to the old array and is asked again.
      *ps = *old;
      ps->resetting = false;
      moved_to[old - c->parts] = k;
    } else {
      *ps = part_state_new(c, names[i], c->cg_target[i].partition, sub_for(c, names[i])->from_beginning);
      added_out[(*n_added)++] = uvk_topic_partition{ps->topic, ps->partition};
      added++;
    }
    owned[k++] = c->cg_target[i];
  }
  fetch_follow(c, moved_to, c->assign_gen + 1);
  mem_free(c->alloc, moved_to);
  mem_free(c->alloc, c->parts);
  mem_free(c->alloc, c->cg_owned);
  c->parts = parts;
  c->n_parts = k;
  c->cg_owned = owned;
  c->n_cg_owned = k;
  c->assign_gen++;
  c->offsets_loading = false;
  if (added && !fetch_leaders_known(c)) c->metadata_ready = false;
  consumer_log(c, UVK_LOG_INFO, "Assignment reconciled (member epoch %d, %d partitions, %d new)", int(c->generation),
               int(k), int(added));
  group_emit_join(c, now);
  c->join_started = 0;
  return 0;
}

struct RevokeCtx {
  Consumer *c;
  uint32_t fences;
};

// After the listener heard of the new partitions: tell the broker, load offsets, fetch.
void after_assigned(Consumer *c, uint64_t now) {
  cg_send(c, now);
  offsets_load(c, now);
  fetch_schedule(c, now);
}

void finish_reconcile(Consumer *c, uint64_t now) {
  const char **names = static_cast<const char **>(mem_alloc(c->alloc, sizeof(char *) * size_t(c->n_cg_target + 1)));
  auto *added = static_cast<uvk_topic_partition *>(mem_alloc(c->alloc, sizeof(uvk_topic_partition) * size_t(c->n_cg_target + 1)));
  if (!names || !added) {
    mem_free(c->alloc, names);
    mem_free(c->alloc, added);
    return group_failed(c, UVK_ENOMEM, nullptr, now);
  }
  int32_t unknown = resolve(c, names);
  bool changed = false;
  size_t n_added = 0;
  int rc = apply(c, names, now, &changed, added, &n_added);
  mem_free(c->alloc, names);
  c->cg_reconciling = false;
  if (rc != 0) {
    mem_free(c->alloc, added);
    return group_failed(c, rc, nullptr, now);
  }
  c->cg_has_target = unknown > 0;  // the rest once metadata names them
  if (unknown > 0)
    engine_add_timer(c->e, &c->cg_meta_timer, now + uint64_t(c->cfg.retry.initial_retry_time), names_retry, c);
  if (changed) listener_call(c, UVK_REBALANCE_ASSIGNED, added, n_added, after_assigned, now);
  mem_free(c->alloc, added);
}

void after_revoke_commit(void *ud, const uvk_error *err) {
  Consumer *c = static_cast<Consumer *>(ud);
  // A fence while the commit was in flight voided this reconciliation (its partitions are
  // already gone); a refused commit is logged and the revoke goes on, as in Java.
  if (!c->cg_reconciling) return;
  if (err) consumer_log(c, UVK_LOG_WARN, "Commit before revoking failed: %s", uvk_err_name(uvk_error_code(err)));
  finish_reconcile(c, c->e->now);
}

// The listener heard of the revoke: commit what was processed (after a commit in flight),
// then let the partitions go.
void revoke_after_listener(Consumer *c, uint64_t now) {
  if (!c->cg_reconciling) return;  // fenced meanwhile
  if (c->run.auto_commit) return group_commit_then(c, after_revoke_commit, now);
  if (c->commit_in_flight) {
    c->commit_waiter = after_revoke_commit;
    c->commit_waiter_ud = c;
    return;
  }
  finish_reconcile(c, now);
}

void cg_reconcile(Consumer *c, uint64_t now) {
  if (!c->cg_has_target || c->cg_reconciling || c->state != kGroupStable) return;
  if (c->delivering) return;  // the handler's return schedules fetching; the next heartbeat retries
  const char **names = static_cast<const char **>(mem_alloc(c->alloc, sizeof(char *) * size_t(c->n_cg_target + 1)));
  if (!names) return group_failed(c, UVK_ENOMEM, nullptr, now);
  int32_t unknown = resolve(c, names);
  if (unknown > 0 && !c->cg_meta_in_flight) fetch_names(c, now);
  // What leaves: owned partitions not in the (named part of the) target.
  int32_t revoked = 0;
  for (int32_t i = 0; i < c->n_parts; i++) {
    PartState *ps = &c->parts[i];
    bool stays = false;
    for (int32_t j = 0; j < c->n_cg_target && !stays; j++)
      stays = names[j] && names[j] == ps->topic && c->cg_target[j].partition == ps->partition;
    if (stays) continue;
    ps->revoking = true;  // fetch_schedule skips it; answers in flight are stale (seq)
    ps->seq++;
    revoked++;
  }
  mem_free(c->alloc, names);
  if (revoked == 0) {
    c->cg_reconciling = true;
    return finish_reconcile(c, now);
  }
  consumer_log(c, UVK_LOG_INFO, "Revoking %d partitions: committing their offsets first", int(revoked));
  c->cg_reconciling = true;
  uvk_topic_partition stack[256] = {};
  uvk_topic_partition *tps = revoked <= 256 ? stack
      : static_cast<uvk_topic_partition *>(mem_alloc(c->alloc, sizeof(uvk_topic_partition) * size_t(revoked)));
  size_t n = 0;
  for (int32_t i = 0; tps && i < c->n_parts; i++)
    if (c->parts[i].revoking) tps[n++] = uvk_topic_partition{c->parts[i].topic, c->parts[i].partition};
  listener_call(c, UVK_REBALANCE_REVOKED, tps ? tps : stack, n, revoke_after_listener, now);
  if (tps != stack) mem_free(c->alloc, tps);
}

void on_leave(void *ud, int err, int16_t version, Reader *body, const Request *) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = p->c;
  proto::ConsumerGroupHeartbeatResponse resp;
  if (err == 0) err = proto::decode(body, &p->arena, &resp, version);
  pending_free(p);
  if (!c) return;
  if (err || resp.error_code)
    consumer_log(c, UVK_LOG_WARN, "Leaving the group failed: %s",
                 err ? uvk_err_name(err) : kafka_error_info(resp.error_code) ? kafka_error_info(resp.error_code)->name : "?");
  c->generation = -1;
  c->n_cg_owned = 0;
  group_finish_stop(c);
}

}  // namespace

void cgroup_start(Consumer *c, uint64_t now) {
  c->state = kGroupFinding;
  engine_cancel_timer(c->e, &c->heartbeat_timer);
  if (!c->member_id || !*c->member_id) new_member_id(c);
  // A restart after a failure joins afresh: what was owned is given up (not committed).
  drop_all(c);
  c->join_started = now;
  c->heartbeat_in_flight = false;
  c->coordinator = -1;
  cg_send(c, now);
}

void cgroup_leave(Consumer *c, uint64_t now) {
  engine_cancel_timer(c->e, &c->cg_meta_timer);
  int32_t node = c->coordinator >= 0 ? c->coordinator : coordinator_cached(c->e, kCoordinatorGroup, c->group_id);
  if (c->generation <= 0 || node < 0) {
    c->generation = -1;
    return group_finish_stop(c);
  }
  Pending *p = pending_new(c, kCgLeave);
  if (!p) return group_finish_stop(c);
  p->req.api_key = proto::kConsumerGroupHeartbeat;
  p->req.min_version = 0;
  p->req.max_version = proto::ConsumerGroupHeartbeatRequest::kMaxVersion;
  p->req.encode = encode_heartbeat;
  p->req.done = on_leave;
  p->req.ud = p;
  if (engine_send_lane(c->e, node, c->group_lane, &p->req, now) != 0) {
    pending_free(p);
    group_finish_stop(c);
  }
}

void cgroup_on_commit_error(Consumer *c, int16_t kafka_error, uint64_t now) {
  if (c->state != kGroupStable && c->state != kGroupJoining) return;
  if (kafka_error == kFencedMemberEpoch || kafka_error == kUnknownMemberId) return fenced(c, kafka_error, now);
  if (kafka_error == kFencedInstanceId) return group_failed(c, UVK_ERR_KAFKA(kafka_error), nullptr, now);
  // STALE_MEMBER_EPOCH: the epoch moved on; the next heartbeat brings the new one and a
  // later commit carries it.
  if (kafka_error == kStaleMemberEpoch) cg_send(c, now);
}

void cgroup_free(Consumer *c) {
  engine_cancel_timer(c->e, &c->cg_meta_timer);
  mem_free(c->alloc, c->cg_target);
  mem_free(c->alloc, c->cg_owned);
  c->cg_target = c->cg_owned = nullptr;
  c->n_cg_target = c->n_cg_owned = 0;
}

}  // namespace uvk
