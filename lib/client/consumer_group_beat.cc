// A stable member's Heartbeat timer and the LeaveGroup of a stop (classic protocol); the
// consumer protocol's heartbeat is in consumer_cgroup.cc.
#include "client/consumer_internal.h"
#include "engine/coordinator.h"
#include "engine/kafka_errors.h"
#include "proto/gen/api_table.h"
#include "proto/gen/heartbeat.h"
#include "proto/gen/leave_group.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

namespace {

enum PendingKind { kHeartbeat = 10, kLeave };  // Pending kinds: each consumer file has its own range
// ---- Heartbeat --------------------------------------------------------------------------

int encode_heartbeat(void *ud, Buf *out, int16_t version) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = p->c;
  proto::HeartbeatRequest req;
  if (c) {
    req.group_id = proto::cstr(c->group_id);
    req.generation_id = c->generation;
    req.member_id = proto::cstr(c->member_id);
    if (*c->instance_id && version >= 3) req.group_instance_id = proto::cstr(c->instance_id);
  }
  return proto::encode(out, req, version);
}

void on_heartbeat(void *ud, int err, int16_t version, Reader *body, const Request *) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = p->c;
  uint32_t gen = p->gen;
  proto::HeartbeatResponse resp;
  if (err == 0) err = proto::decode(body, &p->arena, &resp, version);
  pending_free(p);
  if (!c) return;
  c->heartbeat_in_flight = false;
  if (c->state != kGroupStable || gen != uint32_t(c->generation)) return;
  uint64_t now = c->e->now;
  if (err == 0 && resp.error_code == 0) {
    uvk_event_group ev{c->group_id, c->member_id, c->generation};
    consumer_emit(c, UVK_EVENT_HEARTBEAT, &ev);
    return;
  }
  if (err != 0 || kafka_coordinator_error(resp.error_code)) {
    // The coordinator moved or its connection broke: find it again before the next beat;
    // the membership itself is still good until sessionTimeout.
    consumer_forget_coordinator(c);
    return;
  }
  if (resp.error_code == kFencedInstanceId) return group_failed(c, UVK_ERR_KAFKA(resp.error_code), nullptr, now);
  if (resp.error_code == kUnknownMemberId) consumer_set_str(c, &c->member_id, "", 0);
  group_rejoin(c, now, resp.error_code == kUnknownMemberId || resp.error_code == kIllegalGeneration);
}

void on_heartbeat_coordinator(void *ud, const uvk_error *err, int32_t node) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = p->c;
  pending_free(p);
  if (!c) return;
  c->heartbeat_in_flight = false;
  if (!err) c->coordinator = node;
}

void send_heartbeat(void *ud, uint64_t now) {
  Consumer *c = static_cast<Consumer *>(ud);
  if (c->state != kGroupStable || c->e->shutting_down) return;
  engine_add_timer(c->e, &c->heartbeat_timer, now + uint64_t(c->cfg.heartbeat_interval), send_heartbeat, c);
  if (c->heartbeat_in_flight) return;
  Pending *p = pending_new(c, kHeartbeat);
  if (!p) return;
  c->heartbeat_in_flight = true;
  if (c->coordinator < 0) {
    if (coordinator_find(c->e, kCoordinatorGroup, c->group_id, on_heartbeat_coordinator, p, now) != 0) {
      pending_free(p);
      c->heartbeat_in_flight = false;
    }
    return;
  }
  p->gen = uint32_t(c->generation);
  p->req.api_key = proto::kHeartbeat;
  p->req.min_version = 0;
  p->req.max_version = proto::HeartbeatRequest::kMaxVersion;
  p->req.encode = encode_heartbeat;
  p->req.done = on_heartbeat;
  p->req.ud = p;
  if (engine_send_lane(c->e, c->coordinator, c->group_lane, &p->req, now) != 0) {
    pending_free(p);
    c->heartbeat_in_flight = false;
    // Not sendable (the node left the broker list while it was down): look the coordinator up
    // again before the next beat. Kept, every beat failed here unseen until the session ended.
    consumer_forget_coordinator(c);
  }
}

// ---- LeaveGroup -------------------------------------------------------------------------

int encode_leave(void *ud, Buf *out, int16_t version) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = p->c;
  proto::LeaveGroupRequest req;
  proto::LeaveGroupRequest::MemberIdentity me;
  if (c) {
    // v3 (KIP-345) names the leaving members in a list; the encoder refuses the other form.
    req.group_id = proto::cstr(c->group_id);
    if (version >= 3) {
      me.member_id = proto::cstr(c->member_id);
      req.members.items = &me;
      req.members.count = 1;
    } else {
      req.member_id = proto::cstr(c->member_id);
    }
  }
  return proto::encode(out, req, version);
}

}  // namespace

void group_finish_stop(Consumer *c) {
  c->state = kGroupStopped;
  uvk_event_group ev{c->group_id, c->member_id, c->generation};
  consumer_emit(c, UVK_EVENT_STOP, &ev);
  ConsumerDoneFn fn = c->stop_fn;
  void *ud = c->stop_ud;
  const uvk_error *err = c->stop_err;
  c->stop_fn = nullptr;
  c->stop_err = nullptr;
  if (fn) fn(ud, err);
  if (err) error_release(err);
}

namespace {

void on_leave(void *ud, int err, int16_t, Reader *, const Request *) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = p->c;
  pending_free(p);
  if (!c) return;
  // Stopping goes on either way: the coordinator drops us after sessionTimeout.
  if (err) consumer_log(c, UVK_LOG_WARN, "LeaveGroup failed: %s", uvk_err_name(err));
  consumer_set_str(c, &c->member_id, "", 0);
  c->generation = -1;
  group_finish_stop(c);
}

}  // namespace

void group_leave(Consumer *c, uint64_t now) {
  engine_cancel_timer(c->e, &c->heartbeat_timer);
  engine_cancel_timer(c->e, &c->group_timer);
  if (c->cfg.consumer_protocol) return cgroup_leave(c, now);
  // A static member does not leave (KIP-345): restarted within the session timeout, it gets
  // its partitions back without a rebalance.
  bool member = c->member_id && *c->member_id && c->generation >= 0 && !*c->instance_id;
  int32_t node = c->coordinator >= 0 ? c->coordinator : coordinator_cached(c->e, kCoordinatorGroup, c->group_id);
  if (!member || node < 0) {
    group_finish_stop(c);
    return;
  }
  Pending *p = pending_new(c, kLeave);
  if (!p) {
    group_finish_stop(c);
    return;
  }
  p->req.api_key = proto::kLeaveGroup;
  p->req.min_version = 0;
  p->req.max_version = proto::LeaveGroupRequest::kMaxVersion;
  p->req.encode = encode_leave;
  p->req.done = on_leave;
  p->req.ud = p;
  if (engine_send_lane(c->e, node, c->group_lane, &p->req, now) != 0) {
    pending_free(p);
    group_finish_stop(c);
  }
}

void group_on_stable(Consumer *c, uint64_t now) {
  engine_add_timer(c->e, &c->heartbeat_timer, now + uint64_t(c->cfg.heartbeat_interval), send_heartbeat, c);
  offsets_load(c, now);
}

}  // namespace uvk
