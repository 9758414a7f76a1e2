// Group membership: FindCoordinator → JoinGroup → (leader: metadata, assign) SyncGroup →
// stable (Heartbeat timer, offsets, fetching); REBALANCE_IN_PROGRESS and the like rejoin;
// LeaveGroup on stop (consumer_group_beat.cc). Commits are in consumer_commit.cc.
#include <stdlib.h>
#include <string.h>

#include <new>

#include "client/assignor.h"
#include "client/consumer_internal.h"
#include "engine/coordinator.h"
#include "engine/kafka_errors.h"
#include "engine/metadata.h"
#include "proto/gen/api_table.h"
#include "proto/gen/join_group.h"
#include "proto/gen/offset_commit.h"
#include "proto/gen/sync_group.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

void consumer_set_str(Consumer *c, char **field, const char *s, size_t n) {
  char *d = static_cast<char *>(mem_alloc(c->alloc, n + 1));
  if (!d) return;  // keep the old value; the next answer tries again
  memcpy(d, s, n);
  d[n] = 0;
  mem_free(c->alloc, *field);
  *field = d;
}

namespace {

enum PendingKind { kFind = 1, kJoin, kAssignMeta, kSync, kWarm };  // 10: consumer_group_beat.cc

// The leader's view of the group, kept in the pending SyncGroup's arena.
struct LeaderView {
  AssignMember *members;
  const uint8_t **raw;  // each member's metadata bytes as sent
  int32_t *raw_len;
  int32_t n;
  const char **topics;  // every topic some member subscribed to
  int32_t n_topics;
};

// Calls a custom assigner and lays its per-member bytes out in a->body (ends[i]).
int run_custom(Consumer *c, const CustomAssigner *cu, Pending *a, const LeaderView *view, const AssignTopic *topics,
               int32_t n_topics, int64_t *ends) {
  auto *gm = arena_new_array<uvk_group_member>(&a->arena, size_t(view->n) + 1);
  auto *at = arena_new_array<uvk_assign_topic>(&a->arena, size_t(n_topics) + 1);
  const uint8_t **bytes = arena_new_array<const uint8_t *>(&a->arena, size_t(view->n) + 1);
  int32_t *lens = arena_new_array<int32_t>(&a->arena, size_t(view->n) + 1);
  if (!gm || !at || !bytes || !lens) return UVK_ENOMEM;
  for (int32_t i = 0; i < view->n; i++)
    gm[i] = uvk_group_member{view->members[i].member_id, view->raw[i], size_t(view->raw_len[i])};
  for (int32_t t = 0; t < n_topics; t++) at[t] = uvk_assign_topic{topics[t].name, topics[t].n_partitions};
  uvk_assignment_builder b{&a->arena, view->members, view->n, bytes, lens};
  int rc = cu->assign(cu->ud, gm, size_t(view->n), at, size_t(n_topics), &b);
  if (rc != 0) return rc < 0 ? rc : UVK_EINVAL;
  (void)c;
  for (int32_t i = 0; i < view->n; i++) {
    if (bytes[i] && lens[i] > 0) put_raw(&a->body, bytes[i], size_t(lens[i]));
    ends[i] = int64_t(a->body.len);
  }
  return a->body.failed ? UVK_ENOMEM : 0;
}

void send_join(Consumer *c, uint64_t now);

void restart_later(void *ud, uint64_t now) { group_start(static_cast<Consumer *>(ud), now); }

void fetch_after_listener(Consumer *c, uint64_t now) { fetch_schedule(c, now); }

}  // namespace

// A group operation failed with `code` (a UVK_E* or UVK_ERR_KAFKA): retried from
// FindCoordinator by the retry policy; when retries run out KafkaJS "crashes" and restarts,
// and a non-retriable error stops the consumer.
void group_failed(Consumer *c, int code, const char *broker_message, uint64_t now) {
  group_failed_as(c, code, broker_message, err_retriable(code), now);
}

void group_failed_as(Consumer *c, int code, const char *broker_message, bool retriable, uint64_t now) {
  if (c->state == kGroupStopping || c->state == kGroupStopped || c->state == kGroupIdle) return;
  if (code <= UVK_ERR_KAFKA(0) && kafka_coordinator_error(int16_t(UVK_ERR_KAFKA_CODE(code))))
    coordinator_invalidate(c->e, kCoordinatorGroup, c->group_id);
  // UVK_ENOTFOUND: a send to a coordinator the broker list no longer names.
  if (code == UVK_ECLOSED || code == UVK_ECONNECT || code == UVK_ETIMEDOUT || code == UVK_ENOTFOUND)
    coordinator_invalidate(c->e, kCoordinatorGroup, c->group_id);
  consumer_log(c, UVK_LOG_WARN, "Group operation failed: %s (%d)", uvk_err_name(code), code);
  if (code == UVK_ERR_KAFKA(kFencedInstanceId))
    consumer_log(c, UVK_LOG_ERROR, "Another member joined with groupInstanceId '%s': this one is fenced and stops",
                 c->instance_id);
  int64_t wait = 0;
  RetryVerdict v = retry_on_failure(&c->group_retry, c->cfg.retry, &c->e->rng, retriable, &wait);
  c->state = kGroupFinding;
  if (v == RetryVerdict::kRetry) {
    engine_add_timer(c->e, &c->group_timer, now + uint64_t(wait), restart_later, c);
    return;
  }
  int kafka = code <= UVK_ERR_KAFKA(0) ? int(UVK_ERR_KAFKA_CODE(code)) : 0;
  uvk_error *cause = error_new(c->alloc, code < 0 && kafka ? UVK_EKAFKA : code, kafka, broker_message,
                               broker_message ? strlen(broker_message) : 0, nullptr);
  if (v == RetryVerdict::kExhausted) {
    uvk_error *err = error_retries_exceeded(c->alloc, cause, c->group_retry.count, wait);
    consumer_crash(c, err ? err : cause, true);
    if (err) error_release(err);
    retry_start(&c->group_retry, c->cfg.retry, &c->e->rng);
    engine_add_timer(c->e, &c->group_timer, now + uint64_t(wait), restart_later, c);
  } else {
    consumer_crash(c, cause, false);
  }
  if (cause) error_release(cause);
}

namespace {

// ---- FindCoordinator --------------------------------------------------------------------

void on_coordinator(void *ud, const uvk_error *err, int32_t node) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = p->c;
  pending_free(p);
  if (!c || c->state != kGroupFinding) return;
  uint64_t now = c->e->now;
  if (err) {
    group_failed(c, uvk_error_code(err) == UVK_EKAFKA ? UVK_ERR_KAFKA(uvk_error_kafka_code(err)) : uvk_error_code(err),
                 uvk_error_broker_message(err), now);
    return;
  }
  c->coordinator = node;
  consumer_log(c, UVK_LOG_DEBUG, "Coordinator is node %d", int(node));
  send_join(c, now);
}

// ---- JoinGroup --------------------------------------------------------------------------

int encode_join(void *ud, Buf *out, int16_t version) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = p->c;
  proto::JoinGroupRequest req;
  if (!c) return proto::encode(out, req, version);
  req.group_id = proto::cstr(c->group_id);
  req.session_timeout_ms = c->cfg.session_timeout;
  req.rebalance_timeout_ms = c->cfg.rebalance_timeout;
  req.member_id = proto::cstr(c->member_id);
  if (*c->instance_id && version >= 5) req.group_instance_id = proto::cstr(c->instance_id);
  req.protocol_type = proto::cstr("consumer");
  // Custom assigners first (preferred), then the built-ins; p->offsets[i] ends protocol i's
  // metadata in p->body.
  proto::JoinGroupRequest::JoinGroupRequestProtocol protos[12];
  int n = 0;
  for (int i = 0; i < c->n_customs; i++, n++) protos[n].name = proto::cstr(c->customs[i].name);
  for (int i = 0; i < c->n_assigners; i++, n++) protos[n].name = proto::cstr(c->assigners[i]);
  for (int i = 0; i < n; i++) {
    int64_t start = i == 0 ? 0 : p->offsets[i - 1];
    protos[i].metadata = proto::Bytes{p->body.data + start, int32_t(p->offsets[i] - start)};
  }
  req.protocols.items = protos;
  req.protocols.count = n;
  return proto::encode(out, req, version);
}

void on_join(void *ud, int err, int16_t version, Reader *body, const Request *);

void send_join(Consumer *c, uint64_t now) {
  // A refused commit or heartbeat may have forgotten the coordinator while we were stable
  // (the commit before a rejoin fails when the coordinator dies): look it up first. Sent
  // to node -1, the request was refused as invalid and stopped the consumer.
  if (c->coordinator < 0) {
    if (c->join_started == 0) c->join_started = now;
    group_start(c, now);
    return;
  }
  c->state = kGroupJoining;
  if (c->join_started == 0) c->join_started = now;
  Pending *p = pending_new(c, kJoin);
  if (!p) {
    group_failed(c, UVK_ENOMEM, nullptr, now);
    return;
  }
  const char *topics[256];
  int32_t n = 0;
  for (int32_t i = 0; i < c->n_subs && n < 256; i++) topics[n++] = c->subs[i].name;
  int n_protocols = c->n_customs + c->n_assigners;
  p->offsets = arena_new_array<int64_t>(&p->arena, size_t(n_protocols) + 1);
  if (!p->offsets) {
    pending_free(p);
    return group_failed(c, UVK_ENOMEM, nullptr, now);
  }
  for (int i = 0; i < n_protocols; i++) {
    if (i < c->n_customs) {
      const CustomAssigner &cu = c->customs[i];
      member_metadata_encode(&p->body, cu.version, topics, n, cu.user_data, int32_t(cu.user_data_len));
    } else if (assignor_is_cooperative(c->assigners[i - c->n_customs])) {
      coop_encode_metadata(c, &p->body, &p->arena, topics, n);
    } else {
      member_metadata_encode(&p->body, 0, topics, n, nullptr, 0);
    }
    p->offsets[i] = int64_t(p->body.len);
  }
  if (p->body.failed) {
    pending_free(p);
    return group_failed(c, UVK_ENOMEM, nullptr, now);
  }
  p->req.api_key = proto::kJoinGroup;
  p->req.min_version = 0;
  p->req.max_version = proto::JoinGroupRequest::kMaxVersion;
  p->req.encode = encode_join;
  p->req.done = on_join;
  p->req.ud = p;
  // The broker holds a JoinGroup until every member joined: up to rebalanceTimeout (as Java,
  // the request may take that plus 5 s when it is longer than requestTimeout).
  p->req.min_timeout_ms = uint64_t(c->cfg.rebalance_timeout) + 5000;
  int rc = engine_send_lane(c->e, c->coordinator, c->group_lane, &p->req, now);
  if (rc != 0) {
    pending_free(p);
    group_failed(c, rc, nullptr, now);
  }
}

void send_sync(Consumer *c, Pending *p, uint64_t now);
void on_assign_metadata(void *ud, const uvk_error *err);

void join_after_lost(Consumer *c, uint64_t now) {
  if (c->state == kGroupJoining) send_join(c, now);
}

void on_join(void *ud, int err, int16_t version, Reader *body, const Request *) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = pending_claim(p, p->c && p->c->state == kGroupJoining);
  if (!c) return;
  uint64_t now = c->e->now;
  proto::JoinGroupResponse resp;
  if (err == 0) err = proto::decode(body, &p->arena, &resp, version);
  if (err != 0) {
    pending_free(p);
    group_failed(c, err, nullptr, now);
    return;
  }
  consumer_log(c, UVK_LOG_DEBUG, "JoinGroup answered %d (generation %d, leader %.*s)", int(resp.error_code),
               int(resp.generation_id), int(resp.leader.len), resp.leader.data ? resp.leader.data : "");
  if (c->coop_keep && (resp.error_code == kUnknownMemberId || resp.error_code == kIllegalGeneration)) {
    // The generation whose partitions this member kept is void: they are lost (KIP-429).
    if (resp.error_code == kUnknownMemberId) consumer_set_str(c, &c->member_id, "", 0);
    pending_free(p);
    coop_forget(c);
    c->assign_gen++;
    listener_call_all(c, UVK_REBALANCE_LOST, join_after_lost, now);
    return;
  }
  if (resp.error_code == kMemberIdRequired || resp.error_code == kUnknownMemberId) {
    // KIP-394: the first join only learns the member id; an unknown id starts afresh.
    if (resp.error_code == kMemberIdRequired) consumer_set_str(c, &c->member_id, resp.member_id.data, size_t(resp.member_id.len));
    else consumer_set_str(c, &c->member_id, "", 0);
    pending_free(p);
    send_join(c, now);
    return;
  }
  if (resp.error_code == kRebalanceInProgress || resp.error_code == kIllegalGeneration) {
    pending_free(p);
    send_join(c, now);
    return;
  }
  if (resp.error_code != 0) {
    pending_free(p);
    group_failed(c, UVK_ERR_KAFKA(resp.error_code), nullptr, now);
    return;
  }
  c->generation = resp.generation_id;
  consumer_set_str(c, &c->member_id, resp.member_id.data, size_t(resp.member_id.len));
  consumer_set_str(c, &c->leader_id, resp.leader.data, size_t(resp.leader.len));
  consumer_set_str(c, &c->protocol, resp.protocol_name.data, size_t(resp.protocol_name.len));
  c->state = kGroupSyncing;
  // A static leader that rejoined a stable group is told to skip the assignment (KIP-345,
  // JoinGroup v9): the group keeps the one it has.
  bool leader = resp.leader.len == resp.member_id.len && !resp.skip_assignment &&
                memcmp(resp.leader.data, resp.member_id.data, size_t(resp.leader.len)) == 0;
  if (!leader) {
    pending_free(p);
    Pending *s = pending_new(c, kSync);
    if (!s) return group_failed(c, UVK_ENOMEM, nullptr, now);
    send_sync(c, s, now);  // no LeaderView: a follower sends no assignments
    return;
  }
  // The leader: every member's subscription, then metadata for their topics, then assign.
  // The members are copied into a new pending's arena (the answer goes away now).
  Pending *a = pending_new(c, kAssignMeta);
  if (!a) {
    pending_free(p);
    return group_failed(c, UVK_ENOMEM, nullptr, now);
  }
  int32_t n = resp.members.count;
  AssignMember *members = arena_new_array<AssignMember>(&a->arena, size_t(n) + 1);
  const char **topics = arena_new_array<const char *>(&a->arena, 1024);
  LeaderView *view = arena_new_array<LeaderView>(&a->arena, 1);
  const uint8_t **raw = arena_new_array<const uint8_t *>(&a->arena, size_t(n) + 1);
  int32_t *raw_len = arena_new_array<int32_t>(&a->arena, size_t(n) + 1);
  int32_t n_topics = 0;
  bool ok = members && topics && view && raw && raw_len;
  for (int32_t i = 0; ok && i < n; i++) {
    const auto &m = resp.members.items[i];
    char *id = static_cast<char *>(arena_alloc(&a->arena, size_t(m.member_id.len) + 1, 1));
    MemberMetadata md;
    ok = id && member_metadata_decode(m.metadata.data, size_t(m.metadata.len > 0 ? m.metadata.len : 0), &a->arena, &md) == 0;
    if (!ok) break;
    memcpy(id, m.member_id.data, size_t(m.member_id.len));
    members[i] = AssignMember{id, md.topics, md.n_topics, md.owned, md.n_owned, md.generation};
    raw_len[i] = m.metadata.len > 0 ? m.metadata.len : 0;
    uint8_t *copy = static_cast<uint8_t *>(arena_alloc(&a->arena, size_t(raw_len[i]) + 1, 1));
    ok = copy != nullptr;
    if (!ok) break;
    if (raw_len[i]) memcpy(copy, m.metadata.data, size_t(raw_len[i]));
    raw[i] = copy;
    for (int32_t t = 0; t < md.n_topics; t++) {
      bool seen = false;
      for (int32_t k = 0; k < n_topics && !seen; k++) seen = strcmp(topics[k], md.topics[t]) == 0;
      if (!seen && n_topics < 1024) topics[n_topics++] = md.topics[t];
    }
  }
  pending_free(p);
  if (!ok) {
    pending_free(a);
    return group_failed(c, UVK_EPROTO, nullptr, now);
  }
  // Stash what assignment needs in the pending: members in parts/offsets would be a stretch,
  // so keep the pointers in the arena and the counts in the pending's fields.
  *view = LeaderView{members, raw, raw_len, n, topics, n_topics};
  a->extra = view;
  a->gen = uint32_t(c->generation);
  if (metadata_ensure(c->e, topics, n_topics, on_assign_metadata, a, now, &c->cfg.retry) != 0) {
    pending_free(a);
    group_failed(c, UVK_ECLOSED, nullptr, now);
  }
}

void on_assign_metadata(void *ud, const uvk_error *err) {
  Pending *a = static_cast<Pending *>(ud);
  Consumer *c = a->c;
  if (!c || c->state != kGroupSyncing || a->gen != uint32_t(c->generation)) {
    pending_free(a);
    return;
  }
  uint64_t now = c->e->now;
  (void)err;  // a topic that cannot be described gets no partitions; the rest go on
  const LeaderView *view = static_cast<const LeaderView *>(a->extra);
  const AssignMember *members = view->members;
  int32_t n_members = view->n;
  const char **names = view->topics;
  int32_t n_topics = view->n_topics;
  AssignTopic *topics = arena_new_array<AssignTopic>(&a->arena, size_t(n_topics) + 1);
  MemberPlan *plans = arena_new_array<MemberPlan>(&a->arena, size_t(n_members) + 1);
  const BuiltinAssignor *asg = builtin_assignor(c->protocol);
  const CustomAssigner *custom = nullptr;
  for (int i = 0; i < c->n_customs && !custom; i++)
    if (strcmp(c->customs[i].name, c->protocol) == 0) custom = &c->customs[i];
  int64_t *ends = arena_new_array<int64_t>(&a->arena, size_t(n_members) + 1);
  if (!topics || !plans || !ends || (!asg && !custom)) {
    pending_free(a);
    return group_failed(c, asg || custom ? UVK_ENOMEM : UVK_EUNSUPPORTED, nullptr, now);
  }
  for (int32_t t = 0; t < n_topics; t++) {
    const CachedTopic *ct = metadata_cache_topic(&c->e->mcache, names[t]);
    topics[t] = AssignTopic{names[t], ct && ct->error == 0 ? ct->n_partitions : 0};
  }
  // Every member's assignment bytes, back to back in body; offsets[i] where each ends.
  if (custom) {
    int rc = run_custom(c, custom, a, view, topics, n_topics, ends);
    if (rc != 0) {
      // Whatever it returned (UVK_EINVAL included), the join is retried as documented in
      // uvk_consumer.h; when the retries run out the consumer restarts (CRASH, restart 1).
      consumer_log(c, UVK_LOG_WARN, "Custom assigner '%s' failed: %s (%d)", custom->name, uvk_err_name(rc), rc);
      pending_free(a);
      return group_failed_as(c, rc, nullptr, true, now);
    }
  } else {
    if (asg->assign(members, n_members, topics, n_topics, &a->arena, plans) != 0) {
      pending_free(a);
      return group_failed(c, UVK_ENOMEM, nullptr, now);
    }
    for (int32_t i = 0; i < n_members; i++) {
      plan_encode(&a->body, plans[i], topics);
      ends[i] = int64_t(a->body.len);
    }
  }
  if (a->body.failed) {
    pending_free(a);
    return group_failed(c, UVK_ENOMEM, nullptr, now);
  }
  a->offsets = ends;
  a->parts = nullptr;
  a->kind = kSync;
  send_sync(c, a, now);
}

// ---- SyncGroup --------------------------------------------------------------------------

int encode_sync(void *ud, Buf *out, int16_t version) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = p->c;
  proto::SyncGroupRequest req;
  if (!c) return proto::encode(out, req, version);
  req.group_id = proto::cstr(c->group_id);
  req.generation_id = c->generation;
  req.member_id = proto::cstr(c->member_id);
  if (*c->instance_id && version >= 3) req.group_instance_id = proto::cstr(c->instance_id);
  req.protocol_type = proto::cstr("consumer");
  req.protocol_name = proto::cstr(c->protocol);
  const LeaderView *view = static_cast<const LeaderView *>(p->extra);
  int32_t n = view ? view->n : 0;  // followers send no assignments
  auto *as = arena_construct_array<proto::SyncGroupRequest::SyncGroupRequestAssignment>(&p->arena, size_t(n) + 1);
  if (!as) return UVK_ENOMEM;
  const AssignMember *members = view ? view->members : nullptr;
  // When every member gets nothing the body has no buffer; the field is not nullable, so
  // empty assignments point at an empty (non-null) byte string.
  static const uint8_t kNoBytes[1] = {0};
  const uint8_t *base = p->body.data ? p->body.data : kNoBytes;
  for (int32_t i = 0; i < n; i++) {
    int64_t start = i == 0 ? 0 : p->offsets[i - 1];
    as[i].member_id = proto::cstr(members[i].member_id);
    as[i].assignment = proto::Bytes{base + start, int32_t(p->offsets[i] - start)};
  }
  req.assignments.items = as;
  req.assignments.count = n;
  return proto::encode(out, req, version);
}

void on_sync(void *ud, int err, int16_t version, Reader *body, const Request *);

void send_sync(Consumer *c, Pending *p, uint64_t now) {
  p->req.api_key = proto::kSyncGroup;
  p->req.min_version = 0;
  p->req.max_version = proto::SyncGroupRequest::kMaxVersion;
  p->req.encode = encode_sync;
  p->req.done = on_sync;
  p->req.ud = p;
  p->req.min_timeout_ms = uint64_t(c->cfg.rebalance_timeout) + 5000;  // held for the leader's assignment
  // The coordinator forgotten since the join (see send_join): retried from FindCoordinator.
  int rc = c->coordinator < 0 ? UVK_ECLOSED : engine_send_lane(c->e, c->coordinator, c->group_lane, &p->req, now);
  if (rc != 0) {
    pending_free(p);
    group_failed(c, rc, nullptr, now);
  }
}

}  // namespace

void group_emit_join(Consumer *c, uint64_t now) {
  c->st_rebalance_cnt++;
  c->st_rebalance_at = now;
  uvk_topic_partition tps[512];
  size_t n = consumer_assignment(c, tps, 512);
  uvk_event_group_join ev;
  ev.group_id = c->group_id;
  ev.member_id = c->member_id;
  ev.leader_id = c->leader_id;
  ev.is_leader = strcmp(c->leader_id, c->member_id) == 0;
  ev.group_protocol = c->protocol;
  ev.assignment = tps;
  ev.n_assignment = n < 512 ? n : 512;
  ev.duration = int64_t(now - c->join_started);
  consumer_emit(c, UVK_EVENT_GROUP_JOIN, &ev);
}

namespace {

// Replaces the assignment with what the coordinator sent (only subscribed topics are kept:
// KafkaJS ignores the rest and reports them as RECEIVED_UNSUBSCRIBED_TOPICS).
void report_unsubscribed(Consumer *c, const MemberAssignment &a) {
  const char *assigned[256], *subscribed[256], *not_subscribed[256];
  size_t na = 0, ns = 0, nn = 0;
  for (int32_t i = 0; i < a.n_topics && na < 256; i++) {
    assigned[na++] = a.topics[i].topic;
    bool sub = false;
    for (int32_t s = 0; s < c->n_subs && !sub; s++) sub = strcmp(c->subs[s].name, a.topics[i].topic) == 0;
    if (!sub && nn < 256) not_subscribed[nn++] = a.topics[i].topic;
  }
  if (nn == 0) return;
  for (int32_t s = 0; s < c->n_subs && ns < 256; s++) subscribed[ns++] = c->subs[s].name;
  consumer_log(c, UVK_LOG_WARN, "The assignment names %d topic(s) this member did not subscribe to; ignored", int(nn));
  uvk_event_unsubscribed_topics ev{c->group_id, c->member_id, c->generation, assigned, na, subscribed, ns,
                                   not_subscribed, nn};
  consumer_emit(c, UVK_EVENT_RECEIVED_UNSUBSCRIBED_TOPICS, &ev);
}

int set_assignment(Consumer *c, const MemberAssignment &a) {
  report_unsubscribed(c, a);
  int32_t total = 0;
  for (int32_t i = 0; i < a.n_topics; i++) total += a.topics[i].n;
  PartState *parts = static_cast<PartState *>(mem_alloc(c->alloc, sizeof(PartState) * size_t(total + 1)));
  if (!parts) return UVK_ENOMEM;
  int32_t n = 0;
  for (int32_t i = 0; i < a.n_topics; i++) {
    const TopicSub *sub = nullptr;
    for (int32_t s = 0; s < c->n_subs && !sub; s++)
      if (strcmp(c->subs[s].name, a.topics[i].topic) == 0) sub = &c->subs[s];
    if (!sub) continue;
    for (int32_t j = 0; j < a.topics[i].n; j++) {
      PartState *ps = &parts[n++];
      *ps = part_state_new(c, sub->name, a.topics[i].partitions[j], sub->from_beginning);
      // Given back while a handler of the old assignment still holds it (UVK_PENDING): no
      // delivery before that handler's uvk_consumer_done, which would otherwise end the new
      // hold instead (a transaction's abort failing, and so repeating, a batch of the new one).
      for (int32_t k = 0; k < c->n_parts; k++)
        if (c->parts[k].held && c->parts[k].partition == ps->partition && strcmp(c->parts[k].topic, ps->topic) == 0)
          ps->held = ps->held_stale = true;
    }
  }
  mem_free(c->alloc, c->parts);
  c->parts = parts;
  fetch_sessions_reset(c);
  c->n_parts = n;
  c->assign_gen++;
  // A load of the old assignment (in flight, or its retry waiting on the group timer, which a
  // failed join takes over) is not this one's: left set, it kept the new one from loading.
  c->offsets_loading = false;
  engine_cancel_timer(c->e, &c->group_timer);
  return 0;
}

void on_sync(void *ud, int err, int16_t version, Reader *body, const Request *) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = pending_claim(p, p->c && p->c->state == kGroupSyncing);
  if (!c) return;
  uint64_t now = c->e->now;
  proto::SyncGroupResponse resp;
  if (err == 0) err = proto::decode(body, &p->arena, &resp, version);
  if (err != 0) {
    pending_free(p);
    return group_failed(c, err, nullptr, now);
  }
  if (resp.error_code == kRebalanceInProgress || resp.error_code == kIllegalGeneration ||
      resp.error_code == kUnknownMemberId) {
    if (resp.error_code == kUnknownMemberId) consumer_set_str(c, &c->member_id, "", 0);
    pending_free(p);
    send_join(c, now);
    return;
  }
  if (resp.error_code != 0) {
    pending_free(p);
    return group_failed(c, UVK_ERR_KAFKA(resp.error_code), nullptr, now);
  }
  MemberAssignment a;
  err = member_assignment_decode(resp.assignment.data, size_t(resp.assignment.len > 0 ? resp.assignment.len : 0),
                                 &p->arena, &a);
  if (err == 0 && group_cooperative(c) && assignor_is_cooperative(c->protocol)) {
    report_unsubscribed(c, a);
    err = coop_on_sync(c, a, now);
    pending_free(p);
    if (err != 0) return group_failed(c, err, nullptr, now);
    consumer_log(c, UVK_LOG_INFO, "Consumer has joined the group (generation %d, protocol %s, cooperative)",
                 int(c->generation), c->protocol);
    return;
  }
  coop_forget(c);
  if (err == 0) err = set_assignment(c, a);
  pending_free(p);
  if (err != 0) return group_failed(c, err, nullptr, now);
  c->state = kGroupStable;
  consumer_log(c, UVK_LOG_INFO, "Consumer has joined the group (generation %d, protocol %s, %d partitions)",
               int(c->generation), c->protocol, int(c->n_parts));
  retry_start(&c->group_retry, c->cfg.retry, &c->e->rng);
  group_emit_join(c, now);
  c->join_started = 0;
  group_on_stable(c, now);  // heartbeats and offsets; fetching waits for the listener
  listener_call_all(c, UVK_REBALANCE_ASSIGNED, fetch_after_listener, now);
}

}  // namespace

namespace {

void on_warm(void *ud, const uvk_error *) { pending_free(static_cast<Pending *>(ud)); }

}  // namespace

// The subscribed topics' metadata is asked for as the consumer starts, beside FindCoordinator
// and the joins (KafkaJS asks at subscribe): the leader's assignment after JoinGroup and the
// first fetch then find it cached instead of waiting for a Metadata round trip there.
void group_warm_metadata(Consumer *c, uint64_t now) {
  const char *topics[256];
  int n = 0;
  for (int32_t i = 0; i < c->n_subs && n < 256; i++) topics[n++] = c->subs[i].name;
  if (n == 0) return;
  Pending *p = pending_new(c, kWarm);
  if (!p) return;  // only a head start: the join asks when it needs it
  if (metadata_ensure(c->e, topics, n, on_warm, p, now, &c->cfg.retry) != 0) pending_free(p);
}

void group_start(Consumer *c, uint64_t now) {
  if (c->state == kGroupStopping || c->state == kGroupStopped) return;
  if (c->cfg.consumer_protocol) return cgroup_start(c, now);
  c->state = kGroupFinding;
  engine_cancel_timer(c->e, &c->heartbeat_timer);
  Pending *p = pending_new(c, kFind);
  if (!p) {
    group_failed(c, UVK_ENOMEM, nullptr, now);
    return;
  }
  int rc = coordinator_find(c->e, kCoordinatorGroup, c->group_id, on_coordinator, p, now);
  if (rc != 0) {
    pending_free(p);
    group_failed(c, rc, nullptr, now);
  }
}

namespace {

void rejoin_after_commit(void *ud, const uvk_error *) {
  Consumer *c = static_cast<Consumer *>(ud);
  if (c->state != kGroupJoining) return;
  send_join(c, c->e->now);
}

// After the listener heard of the revoke: commit what was processed, then join again.
void rejoin_after_listener(Consumer *c, uint64_t now) {
  if (c->state != kGroupJoining) return;
  if (c->run.auto_commit) {
    group_commit_then(c, rejoin_after_commit, now);
    return;
  }
  if (c->commit_in_flight) {
    c->commit_waiter = rejoin_after_commit;
    c->commit_waiter_ud = c;
    return;
  }
  send_join(c, now);
}

}  // namespace

void group_send_join(Consumer *c, uint64_t now) { send_join(c, now); }

void group_rejoin(Consumer *c, uint64_t now, bool lost) {
  if (c->state != kGroupStable) return;
  if (!lost && c->coop_keep) return coop_rejoin(c, now);
  coop_forget(c);
  consumer_log(c, UVK_LOG_INFO, "The group is rebalancing, rejoining");
  uvk_event_group ev{c->group_id, c->member_id, c->generation};
  consumer_emit(c, UVK_EVENT_REBALANCING, &ev);
  engine_cancel_timer(c->e, &c->heartbeat_timer);
  c->assign_gen++;  // batches of the old assignment are stale from here
  c->state = kGroupJoining;
  c->join_started = now;
  // The eager protocol gives every partition up: the listener first, then the commit.
  listener_call_all(c, lost ? UVK_REBALANCE_LOST : UVK_REBALANCE_REVOKED, rejoin_after_listener, now);
}

}  // namespace uvk
