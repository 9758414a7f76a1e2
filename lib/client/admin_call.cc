// AdminCall: one admin request, sent to the broker that must answer it and retried by the
// retry policy when the broker is unreachable, busy, or no longer the right one.
#include <string.h>

#include <new>

#include "client/admin.h"
#include "common/arena_str.h"
#include "engine/coordinator.h"
#include "engine/kafka_errors.h"
#include "engine/metadata.h"
#include "uvkafka/uvk_errors.h"
#include "uvkafka/uvk_kafka_errors.h"

namespace uvk {

namespace {

void send_call(AdminCall *c, uint64_t now);

void op_complete(AdminOp *op) {
  op->finishing = true;
  if (op->admin && op->finish) op->finish(op, op->error);
  // Unlink from the admin, then free everything.
  if (op->admin) {
    for (AdminOp **pp = &op->admin->ops; *pp; pp = &(*pp)->next)
      if (*pp == op) {
        *pp = op->next;
        break;
      }
  }
  if (op->error) error_release(op->error);
  const Allocator *a = op->alloc;
  arena_free(&op->arena);
  op->~AdminOp();
  mem_free(a, op);
}

void call_finished(AdminCall *c) {
  AdminOp *op = c->op;
  if (--op->outstanding == 0 && !op->finishing) op_complete(op);
}

// The call failed for good with `err` (an error object from a lookup may come along).
void call_failed(AdminCall *c, int err, const uvk_error *obj) {
  if (obj) admin_op_fail_error(c->op, obj);
  else admin_op_fail(c->op, err, nullptr);
  call_finished(c);
}

void retry_or_fail(AdminCall *c, int err, const uvk_error *obj, uint64_t now) {
  Engine *e = c->op->e;
  if (e->shutting_down) return call_failed(c, UVK_ECLOSED, nullptr);
  int64_t wait = 0;
  RetryVerdict v = retry_on_error(&c->retry, c->op->retry, &e->rng, err, &wait);
  if (v == RetryVerdict::kRetry) {
    engine_add_timer(e, &c->timer, now + uint64_t(wait),
                     [](void *ud, uint64_t t) { send_call(static_cast<AdminCall *>(ud), t); }, c);
    return;
  }
  if (v == RetryVerdict::kGiveUp) return call_failed(c, err, obj);
  uvk_error *last = obj ? nullptr : (err <= UVK_ERR_KAFKA(0) ? error_kafka(e->alloc, int(UVK_ERR_KAFKA_CODE(err)), nullptr, 0)
                                                             : engine_conn_error(e, err, nullptr));
  uvk_error *ex = error_retries_exceeded(e->alloc, obj ? obj : last, c->retry.count, c->retry.wait);
  if (ex) {
    admin_op_fail_error(c->op, ex);
    error_release(ex);
  } else {
    admin_op_fail(c->op, UVK_ERETRIES, nullptr);
  }
  if (last) error_release(last);
  call_finished(c);
}

void on_response(void *ud, int err, int16_t version, Reader *body, const Request *) {
  AdminCall *c = static_cast<AdminCall *>(ud);
  c->in_flight = false;
  Engine *e = c->op->e;
  uint64_t now = e->now;
  if (err != 0) {
    if (c->target == kAdminGroup && c->key) coordinator_invalidate(e, kCoordinatorGroup, c->key);
    return retry_or_fail(c, err, nullptr, now);
  }
  int v = c->on_response(c, body, version);
  if (v == kAdminDone) return call_finished(c);
  if (v == kAdminRetarget) {
    if (c->target == kAdminGroup && c->key) coordinator_invalidate(e, kCoordinatorGroup, c->key);
    if (c->target == kAdminLeader && c->key) metadata_cache_mark_stale(&e->mcache, c->key);
    // A moved target is worth another try whatever the code: count it as retriable.
    return retry_or_fail(c, UVK_ERR_KAFKA(16), nullptr, now);
  }
  retry_or_fail(c, v, nullptr, now);
}

void send_to(AdminCall *c, int32_t node, uint64_t now) {
  c->sent_to = node;
  c->req = Request();
  c->req.api_key = c->api_key;
  c->req.min_version = 0;
  c->req.max_version = c->max_version;
  c->req.encode = [](void *ud, Buf *out, int16_t version) {
    AdminCall *call = static_cast<AdminCall *>(ud);
    return call->encode(call, out, version);
  };
  c->req.done = on_response;
  c->req.ud = c;
  c->in_flight = true;
  int rc = engine_send(c->op->e, node, &c->req, now);
  if (rc != 0) {
    c->in_flight = false;
    // An unknown node: learn the brokers first (the next attempt runs metadata).
    retry_or_fail(c, rc == UVK_ENOTFOUND ? UVK_ECONNECT : rc, nullptr, now);
  }
}

void on_controller(void *ud, const uvk_error *err, MetadataSnapshot *snap) {
  AdminCall *c = static_cast<AdminCall *>(ud);
  Engine *e = c->op->e;
  int32_t controller = snap ? snap->controller_id : -1;
  if (snap) {
    metadata_snapshot_free(snap);
    mem_free(e->alloc, snap);
  }
  if (err) return call_failed(c, uvk_error_code(err), err);
  if (controller < 0) return retry_or_fail(c, UVK_ERR_KAFKA(41), nullptr, e->now);  // NOT_CONTROLLER
  if (c->target == kAdminController) return send_to(c, controller, e->now);
  // kAdminNode after an unknown node: the broker table is fresh now.
  send_to(c, c->node, e->now);
}

void on_coordinator(void *ud, const uvk_error *err, int32_t node) {
  AdminCall *c = static_cast<AdminCall *>(ud);
  if (err) return call_failed(c, uvk_error_code(err), err);
  send_to(c, node, c->op->e->now);
}

void on_leader_metadata(void *ud, const uvk_error *err) {
  AdminCall *c = static_cast<AdminCall *>(ud);
  Engine *e = c->op->e;
  if (err) return call_failed(c, uvk_error_code(err), err);
  int32_t node = -1;
  int rc = engine_leader(e, c->key, c->node, &node);
  if (rc != 0) return retry_or_fail(c, rc, nullptr, e->now);
  send_to(c, node, e->now);
}

void send_call(AdminCall *c, uint64_t now) {
  Engine *e = c->op->e;
  if (e->shutting_down) return call_failed(c, UVK_ECLOSED, nullptr);
  int rc = 0;
  switch (c->target) {
    case kAdminAny:
      return send_to(c, -1, now);
    case kAdminNode: {
      if (engine_broker_known(e, c->node)) return send_to(c, c->node, now);
      rc = metadata_fetch(e, nullptr, 0, on_controller, c, now);
      break;
    }
    case kAdminController:
      rc = metadata_fetch(e, nullptr, 0, on_controller, c, now);
      break;
    case kAdminGroup:
      rc = coordinator_find(e, kCoordinatorGroup, c->key, on_coordinator, c, now);
      break;
    case kAdminLeader:
      rc = metadata_ensure(e, &c->key, 1, on_leader_metadata, c, now, &c->op->retry);
      break;
  }
  if (rc != 0) call_failed(c, rc, nullptr);
}

}  // namespace

Admin *admin_new(Engine *e, const RetryOptions &retry, const Allocator *a, void *owner) {
  void *mem = mem_alloc(a, sizeof(Admin));
  if (!mem) return nullptr;
  Admin *ad = new (mem) Admin();
  ad->owner = owner;
  ad->e = e;
  ad->alloc = a;
  ad->retry = retry;
  ad->ops = nullptr;
  return ad;
}

void admin_free(Admin *ad) {
  if (!ad) return;
  // Every operation not yet called back completes now, once, with UVK_ECLOSED; a late
  // answer finds it detached. (The admin is marked freed: callbacks cannot start new ops.)
  uvk_error *closed = error_new(ad->alloc, UVK_ECLOSED, 0, nullptr, 0, nullptr);
  for (AdminOp *op = ad->ops; op; op = op->next) {
    AdminFinishFn fn = op->finishing ? nullptr : op->finish;
    op->finish = nullptr;
    if (fn) fn(op, closed);
  }
  if (closed) error_release(closed);
  for (AdminOp *op = ad->ops; op; op = op->next) op->admin = nullptr;
  const Allocator *a = ad->alloc;
  ad->~Admin();
  mem_free(a, ad);
}

AdminOp *admin_op_new(Admin *ad, AdminFinishFn finish, void *user_cb, void *user_ud, uint64_t now) {
  void *mem = mem_alloc(ad->alloc, sizeof(AdminOp));
  if (!mem) return nullptr;
  AdminOp *op = new (mem) AdminOp();
  op->admin = ad;
  op->e = ad->e;
  op->alloc = ad->alloc;
  op->retry = ad->retry;
  op->arena.alloc = ad->alloc;
  op->finish = finish;
  op->user_cb = user_cb;
  op->user_ud = user_ud;
  op->started_at = now;
  op->outstanding = 1;  // held until admin_op_started
  op->next = ad->ops;
  ad->ops = op;
  return op;
}

AdminCall *admin_call(AdminOp *op, AdminTarget target, int32_t node, const char *key, int16_t api_key,
                      int16_t max_version, AdminEncodeFn encode, AdminResponseFn on_response_fn, void *ud,
                      int32_t index) {
  AdminCall *c = arena_new_array<AdminCall>(&op->arena, 1);
  if (!c) {
    admin_op_fail(op, UVK_ENOMEM, nullptr);
    return nullptr;
  }
  new (c) AdminCall();
  c->op = op;
  c->target = target;
  c->node = node;
  c->key = key;
  c->api_key = api_key;
  c->max_version = max_version;
  c->encode = encode;
  c->on_response = on_response_fn;
  c->ud = ud;
  c->index = index;
  c->sent_to = -1;
  retry_start(&c->retry, op->retry, &op->e->rng);
  c->next = op->calls;
  op->calls = c;
  op->outstanding++;
  // Never complete from inside the user's call: the first attempt runs from a timer.
  engine_add_timer(op->e, &c->timer, op->started_at,
                   [](void *p, uint64_t t) { send_call(static_cast<AdminCall *>(p), t); }, c);
  return c;
}

void admin_op_started(AdminOp *op) { admin_op_release(op); }

void admin_op_hold(AdminOp *op) { op->outstanding++; }

void admin_op_release(AdminOp *op) {
  if (--op->outstanding == 0 && !op->finishing) op_complete(op);
}

void admin_op_fail(AdminOp *op, int err, const proto::Str *message) {
  if (op->first_error != 0 || err == 0) return;
  op->first_error = err;
  const char *msg = message && message->data && message->len > 0 ? message->data : nullptr;
  size_t len = msg ? size_t(message->len) : 0;
  if (err <= UVK_ERR_KAFKA(0)) op->error = error_kafka(op->alloc, int(UVK_ERR_KAFKA_CODE(err)), msg, len);
  else op->error = error_new(op->alloc, err, 0, msg, len, nullptr);
}

void admin_op_fail_error(AdminOp *op, const uvk_error *err) {
  if (op->first_error != 0 || !err) return;
  op->first_error = uvk_error_code(err);
  op->error = error_retain(err);
}

const char *admin_str(AdminOp *op, const proto::Str &s) {
  const char *d = arena_strndup(&op->arena, s.data, s.data && s.len > 0 ? size_t(s.len) : 0);
  return d ? d : "";
}

const char *admin_strdup(AdminOp *op, const char *s) {
  if (!s) return nullptr;
  return admin_str(op, proto::Str{s, int32_t(strlen(s))});
}

const char *admin_msg(AdminOp *op, const proto::Str &s) {
  if (!s.data || s.len <= 0) return nullptr;
  return admin_str(op, s);
}

proto::Str admin_pstr(const char *s) { return s ? proto::Str{s, int32_t(strlen(s))} : proto::Str{nullptr, 0}; }

bool admin_moved(int16_t k) {
  switch (k) {
    case 6:   // NOT_LEADER_OR_FOLLOWER
    case 14:  // COORDINATOR_LOAD_IN_PROGRESS
    case 15:  // COORDINATOR_NOT_AVAILABLE
    case 16:  // NOT_COORDINATOR
    case 41:  // NOT_CONTROLLER
      return true;
    default:
      return false;
  }
}

}  // namespace uvk
