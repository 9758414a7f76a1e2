// Share-group membership (KIP-932): one request, ShareGroupHeartbeat, sent every interval the
// broker gives, with the member id the client made (KIP-1082). The broker assigns
// partitions; an assignment names topics by id, which metadata turns into names. Nothing is
// committed on a revoke (records are acknowledged one by one), so applying an assignment is
// immediate. A fenced member (FENCED_MEMBER_EPOCH, UNKNOWN_MEMBER_ID) loses what it holds
// (the broker released its records) and joins again at epoch 0.
#include <stdio.h>
#include <string.h>

#include "client/heartbeat_member.h"
#include "common/arena_str.h"
#include "client/share_internal.h"
#include "engine/coordinator.h"
#include "engine/kafka_errors.h"
#include "engine/metadata.h"
#include "engine/metadata_cache.h"
#include "proto/client_versions.h"
#include "proto/gen/api_table.h"
#include "proto/gen/share_group_heartbeat.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

namespace {

enum { kFind = 1, kHeartbeat, kLeave, kMeta };
const int16_t kFencedMemberEpoch = 110;

void hb_send(ShareConsumer *s, uint64_t now);

void new_member_id(ShareConsumer *s) {
  char out[23];
  int n = member_id_random(&s->e->rng, out);
  char *id = static_cast<char *>(mem_alloc(s->alloc, size_t(n) + 1));
  if (!id) return;
  memcpy(id, out, size_t(n) + 1);
  mem_free(s->alloc, s->member_id);
  s->member_id = id;
}

int encode_heartbeat(void *ud, Buf *out, int16_t version) {
  return proto::encode(out, *static_cast<const proto::ShareGroupHeartbeatRequest *>(static_cast<SharePending *>(ud)->body),
                       version);
}

// The request, built now into the pending's arena (it may be encoded after the consumer went).
bool build_heartbeat(ShareConsumer *s, SharePending *p, int32_t epoch) {
  auto *req = arena_construct_array<proto::ShareGroupHeartbeatRequest>(&p->arena, 1);
  if (!req) return false;
  auto copy = [p](const char *str) {
    const char *d = arena_strdup(&p->arena, str);
    return d ? proto::Str{d, int32_t(strlen(d))} : proto::Str{};
  };
  req->group_id = copy(s->group_id);
  req->member_id = copy(s->member_id);
  req->member_epoch = epoch;
  if (epoch >= 0) {
    proto::Str *names = arena_construct_array<proto::Str>(&p->arena, size_t(s->n_subs) + 1);
    if (!names) return false;
    for (int32_t i = 0; i < s->n_subs; i++) names[i] = copy(s->subs[i]);
    req->subscribed_topic_names.items = names;
    req->subscribed_topic_names.count = s->n_subs;
  }
  p->body = req;
  return req->group_id.data && req->member_id.data;
}

void heartbeat_due(void *ud, uint64_t now) { hb_send(static_cast<ShareConsumer *>(ud), now); }

void schedule_next(ShareConsumer *s, uint64_t now) {
  int32_t every = s->interval > 0 ? s->interval : s->cfg.heartbeat_interval;
  engine_add_timer(s->e, &s->heartbeat_timer, now + uint64_t(every), heartbeat_due, s);
}

void fenced(ShareConsumer *s, int16_t code, uint64_t now) {
  share_log(s, UVK_LOG_WARN, "Fenced by the group coordinator (%s): partitions and acquired records lost, rejoining",
            kafka_error_info(code) ? kafka_error_info(code)->name : "?");
  s->fences++;
  s->member_epoch = 0;
  s->n_target = 0;
  s->target_pending = false;
  for (int32_t i = 0; i < s->n_parts; i++) {
    s->parts[i]->assigned = false;
    share_part_drop(s, s->parts[i], UVK_ERR_KAFKA(code));
  }
  if (s->state == kShareStable) s->state = kShareJoining;
  hb_send(s, now);
}

bool take_target(ShareConsumer *s, const proto::ShareGroupHeartbeatResponse::Assignment *a) {
  int32_t n = 0;
  ShareTarget *tgt = assignment_targets<ShareTarget>(s->alloc, *a, &n);
  if (!tgt) return false;
  mem_free(s->alloc, s->target);
  s->target = tgt;
  s->n_target = n;
  s->target_pending = true;
  return true;
}

void retry_later(ShareConsumer *s, int err, uint64_t now) {
  int64_t wait = 0;
  if (retry_on_error(&s->group_retry, s->cfg.retry, &s->e->rng, err, &wait) != RetryVerdict::kRetry)
    wait = s->cfg.retry.max_retry_time;
  engine_add_timer(s->e, &s->heartbeat_timer, now + uint64_t(wait), heartbeat_due, s);
}

void on_heartbeat(void *ud, int err, int16_t version, Reader *body, const Request *) {
  SharePending *p = static_cast<SharePending *>(ud);
  ShareConsumer *s = p->s;
  uint32_t fences = p->fences;
  proto::ShareGroupHeartbeatResponse resp;
  if (err == 0) err = proto::decode(body, &p->arena, &resp, version);
  if (!s) return share_pending_free(p);
  s->heartbeat_in_flight = false;
  uint64_t now = s->e->now;
  if (s->state != kShareJoining && s->state != kShareStable && s->state != kShareClosing) return share_pending_free(p);
  if (fences != s->fences) {  // sent before a fence: its answer is void
    share_pending_free(p);
    return hb_send(s, now);
  }
  if (err != 0 || kafka_coordinator_error(resp.error_code)) {
    share_log(s, UVK_LOG_WARN, "ShareGroupHeartbeat failed: %s",
              err ? uvk_err_name(err) : kafka_error_info(resp.error_code)->name);
    share_pending_free(p);
    coordinator_invalidate(s->e, kCoordinatorGroup, s->group_id);
    s->coordinator = -1;
    if (err == UVK_EUNSUPPORTED || err == UVK_EPROTO) return share_crash(s, err, nullptr);
    return retry_later(s, err ? err : UVK_ERR_KAFKA(resp.error_code), now);
  }
  if (resp.error_code == kFencedMemberEpoch || resp.error_code == kUnknownMemberId) {
    share_pending_free(p);
    return fenced(s, resp.error_code, now);
  }
  if (resp.error_code != 0) {
    // GROUP_AUTHORIZATION_FAILED, INVALID_REQUEST, GROUP_MAX_SIZE_REACHED, UNSUPPORTED_VERSION
    // (share groups off), ...: retriable ones wait, the others stop the consumer.
    char msg[256] = "";
    if (resp.error_message.data)
      snprintf(msg, sizeof msg, "%.*s", int(resp.error_message.len > 250 ? 250 : resp.error_message.len),
               resp.error_message.data);
    int16_t code = resp.error_code;
    share_pending_free(p);
    if (kafka_error_retriable(code)) return retry_later(s, UVK_ERR_KAFKA(code), now);
    return share_crash(s, UVK_ERR_KAFKA(code), msg[0] ? msg : nullptr);
  }
  s->member_epoch = resp.member_epoch;
  if (resp.heartbeat_interval_ms > 0) s->interval = resp.heartbeat_interval_ms;
  retry_start(&s->group_retry, s->cfg.retry, &s->e->rng);
  bool ok = !resp.assignment || take_target(s, resp.assignment);
  share_pending_free(p);
  if (!ok) return share_crash(s, UVK_ENOMEM, nullptr);
  if (s->state == kShareJoining && s->member_epoch > 0) {
    s->state = kShareStable;
    share_log(s, UVK_LOG_INFO, "Share consumer has joined the group (member epoch %d)", int(s->member_epoch));
  }
  if (s->heartbeat_again) {
    s->heartbeat_again = false;
    hb_send(s, now);
  } else {
    schedule_next(s, now);
  }
  if (s->target_pending && s->state == kShareStable) share_reconcile(s, now);
}

void on_coordinator(void *ud, const uvk_error *err, int32_t node) {
  SharePending *p = static_cast<SharePending *>(ud);
  ShareConsumer *s = p->s;
  share_pending_free(p);
  if (!s) return;
  s->heartbeat_in_flight = false;
  uint64_t now = s->e->now;
  if (s->state != kShareFinding && s->state != kShareJoining && s->state != kShareStable && s->state != kShareClosing)
    return;
  if (err) {
    int code = uvk_error_code(err) == UVK_EKAFKA ? UVK_ERR_KAFKA(uvk_error_kafka_code(err)) : uvk_error_code(err);
    if (s->state == kShareFinding && !err_retriable(code)) return share_crash(s, code, uvk_error_broker_message(err));
    return retry_later(s, code, now);
  }
  s->coordinator = node;
  if (s->state == kShareFinding) s->state = kShareJoining;
  hb_send(s, now);
}

void hb_send(ShareConsumer *s, uint64_t now) {
  if (s->state != kShareJoining && s->state != kShareStable && s->state != kShareFinding && s->state != kShareClosing)
    return;
  if (s->e->shutting_down) return;
  if (s->heartbeat_in_flight) {
    s->heartbeat_again = true;
    return;
  }
  engine_cancel_timer(s->e, &s->heartbeat_timer);
  s->heartbeat_in_flight = true;
  if (s->coordinator < 0) {
    SharePending *f = share_pending_new(s, kFind);
    if (!f || coordinator_find(s->e, kCoordinatorGroup, s->group_id, on_coordinator, f, now) != 0) {
      if (f) share_pending_free(f);
      s->heartbeat_in_flight = false;
      return share_crash(s, UVK_ENOMEM, nullptr);
    }
    return;
  }
  SharePending *p = share_pending_new(s, kHeartbeat);
  if (!p || !build_heartbeat(s, p, s->member_epoch < 0 ? 0 : s->member_epoch)) {
    if (p) share_pending_free(p);
    s->heartbeat_in_flight = false;
    return share_crash(s, UVK_ENOMEM, nullptr);
  }
  p->req.api_key = proto::kShareGroupHeartbeat;
  p->req.min_version = proto::kMinShareGroupHeartbeat;
  p->req.max_version = proto::kUseShareGroupHeartbeat;
  p->req.encode = encode_heartbeat;
  p->req.done = on_heartbeat;
  p->req.ud = p;
  int rc = engine_send_lane(s->e, s->coordinator, s->lane, &p->req, now);
  if (rc != 0) {
    share_pending_free(p);
    s->heartbeat_in_flight = false;
    share_crash(s, rc, nullptr);
  }
}

void finish_close(ShareConsumer *s) {
  s->state = kShareClosed;
  s->member_epoch = -1;
  engine_cancel_timer(s->e, &s->heartbeat_timer);
  engine_cancel_timer(s->e, &s->fetch_timer);
  if (ShareDoneFn fn = s->close_fn) {
    s->close_fn = nullptr;
    fn(s->close_ud, nullptr);
  }
}

void close_turn(void *ud, uint64_t) { finish_close(static_cast<ShareConsumer *>(ud)); }

void on_leave(void *ud, int err, int16_t version, Reader *body, const Request *) {
  SharePending *p = static_cast<SharePending *>(ud);
  ShareConsumer *s = p->s;
  proto::ShareGroupHeartbeatResponse resp;
  if (err == 0) err = proto::decode(body, &p->arena, &resp, version);
  share_pending_free(p);
  if (!s) return;
  if (err || resp.error_code)
    share_log(s, UVK_LOG_WARN, "Leaving the share group failed: %s",
              err ? uvk_err_name(err) : kafka_error_info(resp.error_code) ? kafka_error_info(resp.error_code)->name : "?");
  finish_close(s);
}

// Metadata for the subscribed topics (names of assigned ids, partition leaders).
void on_meta(void *ud, const uvk_error *) {
  SharePending *p = static_cast<SharePending *>(ud);
  ShareConsumer *s = p->s;
  share_pending_free(p);
  if (!s) return;
  s->meta_in_flight = false;
  if (s->target_pending) share_reconcile(s, s->e->now);
  share_fetch_schedule(s, s->e->now);
}

void meta_retry(void *ud, uint64_t now) {
  ShareConsumer *s = static_cast<ShareConsumer *>(ud);
  if (s->target_pending) share_reconcile(s, now);
  share_fetch_schedule(s, now);
}

}  // namespace

void share_ensure_metadata(ShareConsumer *s, uint64_t now) {
  if (s->meta_in_flight || s->state == kShareClosed) return;
  SharePending *p = share_pending_new(s, kMeta);
  if (!p) return;
  s->meta_in_flight = true;
  if (metadata_ensure(s->e, s->subs, s->n_subs, on_meta, p, now, &s->cfg.retry) != 0) {
    s->meta_in_flight = false;
    share_pending_free(p);
    engine_add_timer(s->e, &s->meta_timer, now + uint64_t(s->cfg.retry.initial_retry_time), meta_retry, s);
  }
}

void share_reconcile(ShareConsumer *s, uint64_t now) {
  if (s->state != kShareStable) return;
  int32_t unknown = 0, added = 0, kept = 0;
  bool *stays = static_cast<bool *>(mem_alloc(s->alloc, sizeof(bool) * size_t(s->n_parts + 1)));
  if (!stays) return share_crash(s, UVK_ENOMEM, nullptr);
  memset(stays, 0, sizeof(bool) * size_t(s->n_parts + 1));
  int32_t n_before = s->n_parts;
  for (int32_t i = 0; i < s->n_target; i++) {
    const CachedTopic *t = metadata_cache_topic_by_id(&s->e->mcache, s->target[i].topic_id);
    const char *name = nullptr;
    for (int32_t k = 0; t && k < s->n_subs && !name; k++)
      if (strcmp(s->subs[k], t->name) == 0) name = s->subs[k];
    if (!name) {
      unknown++;
      continue;
    }
    SharePart *p = share_part_get(s, name, s->target[i].topic_id, s->target[i].partition);
    if (!p) {
      mem_free(s->alloc, stays);
      return share_crash(s, UVK_ENOMEM, nullptr);
    }
    for (int32_t k = 0; k < n_before; k++)
      if (s->parts[k] == p) stays[k] = true;
    if (!p->assigned) added++;
    else kept++;
    p->assigned = true;
  }
  int32_t revoked = 0;
  for (int32_t k = 0; k < n_before; k++)
    if (!stays[k] && s->parts[k]->assigned) {
      s->parts[k]->assigned = false;
      revoked++;
    }
  mem_free(s->alloc, stays);
  s->target_pending = unknown > 0;
  if (added || revoked)
    share_log(s, UVK_LOG_INFO, "Assignment (member epoch %d): %d partitions, %d new, %d revoked", int(s->member_epoch),
              int(added + kept), int(added), int(revoked));
  if (unknown > 0) share_ensure_metadata(s, now);
  share_fetch_schedule(s, now);
}

void share_group_start(ShareConsumer *s, uint64_t now) {
  s->state = kShareFinding;
  if (!*s->member_id) new_member_id(s);
  s->member_epoch = 0;
  s->coordinator = -1;
  share_log(s, UVK_LOG_INFO, "Share consumer starting (member %s)", s->member_id);
  hb_send(s, now);
}

void share_group_leave(ShareConsumer *s, uint64_t now) {
  engine_cancel_timer(s->e, &s->heartbeat_timer);
  int32_t node = s->coordinator >= 0 ? s->coordinator : coordinator_cached(s->e, kCoordinatorGroup, s->group_id);
  SharePending *p = nullptr;
  if (s->member_epoch > 0 && node >= 0 && !s->e->shutting_down) {
    p = share_pending_new(s, kLeave);
    if (p && !build_heartbeat(s, p, -1)) {
      share_pending_free(p);
      p = nullptr;
    }
  }
  if (!p) {  // never joined (or no memory): done on the engine's next turn
    engine_add_timer(s->e, &s->heartbeat_timer, now, close_turn, s);
    return;
  }
  p->req.api_key = proto::kShareGroupHeartbeat;
  p->req.min_version = proto::kMinShareGroupHeartbeat;
  p->req.max_version = proto::kUseShareGroupHeartbeat;
  p->req.encode = encode_heartbeat;
  p->req.done = on_leave;
  p->req.ud = p;
  if (engine_send_lane(s->e, node, s->lane, &p->req, now) != 0) {
    share_pending_free(p);
    engine_add_timer(s->e, &s->heartbeat_timer, now, close_turn, s);
  }
}

}  // namespace uvk
