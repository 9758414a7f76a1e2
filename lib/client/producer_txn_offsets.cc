// sendOffsets (KIP-98, KIP-447): AddOffsetsToTxn at the transaction coordinator (v1 only),
// then TxnOffsetCommit at the group's coordinator; v5 of the latter (transactions v2) joins
// the group's offsets to the transaction itself. A retriable failure is tried again, within
// the transaction timeout; a coordinator that did not answer is looked up again first.
#include <string.h>

#include "client/producer.h"
#include "client/producer_internal.h"
#include "client/producer_txn_internal.h"
#include "client/txn_errors.h"
#include "engine/coordinator.h"
#include "engine/kafka_errors.h"
#include "proto/client_versions.h"
#include "proto/gen/add_offsets_to_txn.h"
#include "proto/gen/api_table.h"
#include "proto/gen/txn_offset_commit.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

void txn_offsets_done(TxnReq *r, int err) {
  ProducerDoneFn fn = r->fn;
  void *ud = r->ud;
  txn_req_free(r);
  if (fn) fn(ud, err);  // null: its caller was told at the deadline
}

namespace {

void offsets_step(TxnReq *r, uint64_t now);

// Tries the step again after the retry wait while the transaction timeout allows (past it the
// coordinator aborts the transaction anyway), as librdkafka bounds sendOffsetsToTransaction by
// its timeout; once the retries are spent it keeps the last wait. false: give up now.
bool retry_step(TxnReq *r, bool retriable, uint64_t now) {
  Txn *t = r->t;
  int64_t wait = 0;
  if (retry_on_failure(&r->retry, t->p->cfg.retry, &t->p->e->rng, retriable, &wait) == RetryVerdict::kGiveUp)
    return false;
  if (now + uint64_t(wait) > r->deadline) return false;
  engine_add_timer(t->p->e, &r->timer, now + uint64_t(wait),
                   [](void *ud2, uint64_t n) { offsets_step(static_cast<TxnReq *>(ud2), n); }, r);
  return true;
}

// The step's coordinator did not answer (not among the known brokers, connection refused, lost
// or timed out): its broker may be down or no longer the coordinator, so the next try looks it
// up again instead of going back to the same node (Java and librdkafka do the same).
void coordinator_unanswered(TxnReq *r) {
  if (r->kind == kAddOffsets) {
    txn_coordinator_lost(r->t);
    return;
  }
  coordinator_invalidate(r->t->p->e, kCoordinatorGroup, r->group);
  r->kind = kFindGroup;
}

// engine_send refused the step: UVK_ENOTFOUND is a coordinator that a Metadata answer taken
// while its broker was down left out of the broker list (look it up again); UVK_ECLOSED and
// UVK_EUNSUPPORTED end the call.
void send_failed(TxnReq *r, int rc, uint64_t now) {
  if (rc != UVK_ENOTFOUND) {
    txn_offsets_done(r, rc);
    return;
  }
  coordinator_unanswered(r);
  if (!retry_step(r, true, now)) txn_offsets_done(r, UVK_ECONNECT);
}

int encode_add_offsets(void *ud, Buf *out, int16_t version) {
  TxnReq *r = static_cast<TxnReq *>(ud);
  proto::AddOffsetsToTxnRequest req;
  if (r->t) {
    req.transactional_id = proto::cstr(r->t->id);
    req.producer_id = r->t->p->pid;
    req.producer_epoch = r->t->p->epoch;
    req.group_id = proto::cstr(r->group);
  }
  return proto::encode(out, req, version);
}

int encode_offset_commit(void *ud, Buf *out, int16_t version) {
  TxnReq *r = static_cast<TxnReq *>(ud);
  proto::TxnOffsetCommitRequest req;
  if (!r->t) return proto::encode(out, req, version);
  req.transactional_id = proto::cstr(r->t->id);
  req.group_id = proto::cstr(r->group);
  req.producer_id = r->t->p->pid;
  req.producer_epoch = r->t->p->epoch;
  if (r->member_id) {
    req.generation_id_or_member_epoch = r->generation_id;
    req.member_id = proto::cstr(r->member_id);
    if (r->instance_id) req.group_instance_id = proto::cstr(r->instance_id);
  }
  using T = proto::TxnOffsetCommitRequest::TxnOffsetCommitRequestTopic;
  using P = proto::TxnOffsetCommitRequest::TxnOffsetCommitRequestPartition;
  T *ts = arena_construct_array<T>(&r->arena, r->n_offsets + 1);
  P *ps = arena_construct_array<P>(&r->arena, r->n_offsets + 1);
  if (!ts || !ps) return UVK_ENOMEM;
  int32_t nt = 0;
  size_t np = 0;
  for (size_t i = 0; i < r->n_offsets; i++) {
    bool seen = false;
    for (size_t j = 0; j < i && !seen; j++) seen = strcmp(r->offsets[j].topic, r->offsets[i].topic) == 0;
    if (seen) continue;
    ts[nt].name = proto::cstr(r->offsets[i].topic);
    ts[nt].partitions.items = &ps[np];
    for (size_t j = i; j < r->n_offsets; j++) {
      if (strcmp(r->offsets[j].topic, r->offsets[i].topic) != 0) continue;
      ps[np].partition_index = r->offsets[j].partition;
      ps[np].committed_offset = r->offsets[j].offset;
      np++;
      ts[nt].partitions.count++;
    }
    nt++;
  }
  req.topics.items = ts;
  req.topics.count = nt;
  return proto::encode(out, req, version);
}

void on_offsets_reply(void *ud, int err, int16_t version, Reader *body, const Request *req) {
  TxnReq *r = static_cast<TxnReq *>(ud);
  Txn *t = r->t;
  if (r->stale) {  // answered after the call's deadline: nothing changes now
    txn_req_free(r);
    return;
  }
  if (!t) {
    txn_offsets_done(r, UVK_ECLOSED);
    return;
  }
  int16_t code = 0;
  if (err != 0 && r->kind == kAddOffsets && req->sent_at != 0) t->unsure = true;  // written, never answered
  if (err == 0 && r->kind == kAddOffsets) {
    proto::AddOffsetsToTxnResponse resp;
    err = proto::decode(body, &r->arena, &resp, version);
    if (err == 0) code = resp.error_code;
  } else if (err == 0) {
    proto::TxnOffsetCommitResponse resp;
    err = proto::decode(body, &r->arena, &resp, version);
    for (int32_t i = 0; err == 0 && i < resp.topics.count && !code; i++)
      for (int32_t j = 0; j < resp.topics.items[i].partitions.count && !code; j++)
        code = resp.topics.items[i].partitions.items[j].error_code;
  }
  arena_reset(&r->arena);
  uint64_t now = txn_now(t);
  if (err == 0 && code == 0) {
    if (r->kind == kAddOffsets) {
      t->joined = true;
      r->kind = kFindGroup;
    } else {
      t->offsets_unknown = false;  // these offsets are in the transaction: it may commit again
      txn_offsets_done(r, 0);
      return;
    }
    offsets_step(r, now);
    return;
  }
  if (err != 0 || (code && kafka_coordinator_error(code))) coordinator_unanswered(r);
  bool retriable = err != 0 ? err_retriable(err)
                            : code == kConcurrentTransactions || kafka_coordinator_error(code) || kafka_error_retriable(code);
  if (retry_step(r, retriable, now)) return;
  if (err != 0) t->offsets_unknown = true;  // unanswered: the offsets may have landed (offsets_expired)
  int final_err = err ? err : UVK_ERR_KAFKA(code);
  if (txn_is_producer_fatal(final_err)) txn_go_fatal(t, final_err);
  txn_offsets_done(r, final_err);
}

void on_group_coordinator(void *ud, const uvk_error *err, int32_t node) {
  TxnReq *r = static_cast<TxnReq *>(ud);
  if (!r->t || r->stale) {
    txn_offsets_done(r, UVK_ECLOSED);
    return;
  }
  uint64_t now = txn_now(r->t);
  if (err) {
    int code = uvk_error_code(err) == UVK_EKAFKA ? UVK_ERR_KAFKA(uvk_error_kafka_code(err)) : uvk_error_code(err);
    // The lookup spent its own retries (UVK_ERETRIES): the transaction may still have time.
    if (code != UVK_ECLOSED && retry_step(r, code == UVK_ERETRIES || err_retriable(code), now)) return;
    txn_offsets_done(r, code);
    return;
  }
  r->kind = kOffsetCommit;
  r->req.api_key = proto::kTxnOffsetCommit;
  bool v2 = txn_use_v2(r->t);
  r->req.min_version = v2 ? 5 : 0;  // v5 adds the offsets to the transaction itself
  r->req.max_version = v2 ? 5 : proto::kUseTxnOffsetCommit;
  r->req.encode = encode_offset_commit;
  r->req.done = on_offsets_reply;
  r->req.ud = r;
  int rc = engine_send(r->t->p->e, node, &r->req, now);
  if (rc != 0) send_failed(r, rc, now);
}

void offsets_step(TxnReq *r, uint64_t now) {
  Txn *t = r->t;
  if (!t) {
    txn_offsets_done(r, UVK_ECLOSED);
    return;
  }
  if (t->state == kTxnFatal) {
    txn_offsets_done(r, t->fatal);
    return;
  }
  r->req = Request();
  if (r->kind == kAddOffsets && t->p->pid_state == 2 && txn_use_v2(t)) {
    t->joined = true;  // transactions v2: TxnOffsetCommit v5 joins the group's offsets itself
    r->kind = kFindGroup;
  }
  if (r->kind == kAddOffsets) {
    if (t->p->pid_state != 2 || t->coordinator < 0) {  // wait for the producer id / coordinator
      if (now >= r->deadline) {
        txn_offsets_done(r, UVK_ETIMEDOUT);
        return;
      }
      if (t->p->pid_state == 0) producer_drain_at(t->p, now);
      if (t->coordinator < 0) txn_find_coordinator(t, now);
      engine_add_timer(t->p->e, &r->timer, now + 20,
                       [](void *ud2, uint64_t n) { offsets_step(static_cast<TxnReq *>(ud2), n); }, r);
      return;
    }
    r->req.api_key = proto::kAddOffsetsToTxn;
    r->req.min_version = 0;
    r->req.max_version = proto::AddOffsetsToTxnRequest::kMaxVersion;
    r->req.encode = encode_add_offsets;
    r->req.done = on_offsets_reply;
    r->req.ud = r;
    int rc = engine_send(t->p->e, t->coordinator, &r->req, now);
    if (rc != 0) send_failed(r, rc, now);
    return;
  }
  // kFindGroup
  int rc = coordinator_find(t->p->e, kCoordinatorGroup, r->group, on_group_coordinator, r, now);
  if (rc != 0) txn_offsets_done(r, rc);
}

// The call's deadline (transactionTimeout from the call): it ends now with UVK_ETIMEDOUT,
// whatever step it is at. A lookup under way is withdrawn; a request in flight is left to the
// engine and its answer dropped. Until a later send_offsets succeeds, the transaction can only
// be aborted: the offsets may or may not have reached the group coordinator.
void offsets_expired(void *ud, uint64_t) {
  TxnReq *r = static_cast<TxnReq *>(ud);
  Txn *t = r->t;  // set: txn_free cancels this timer
  Engine *e = t->p->e;
  t->offsets_unknown = true;
  if (engine_timer_pending(e, &r->timer)) {
    engine_cancel_timer(e, &r->timer);
    txn_offsets_done(r, UVK_ETIMEDOUT);
    return;
  }
  if (r->kind == kFindGroup && coordinator_cancel(e, on_group_coordinator, r)) {
    txn_offsets_done(r, UVK_ETIMEDOUT);
    return;
  }
  ProducerDoneFn fn = r->fn;
  void *fn_ud = r->ud;
  r->fn = nullptr;
  // Unanswered all along: the next send_offsets looks its coordinator up again (txn_req_abandon).
  if (r->kind == kAddOffsets) txn_coordinator_lost(t);
  else if (r->kind == kOffsetCommit) coordinator_invalidate(e, kCoordinatorGroup, r->group);
  txn_req_abandon(r, r->req.sent_at != 0);
  fn(fn_ud, UVK_ETIMEDOUT);
}

}  // namespace

int producer_send_offsets(Producer *p, const char *group_id, const TxnOffset *offsets, size_t n,
                          const TxnGroupMember *member, ProducerDoneFn fn, void *ud, uint64_t now) {
  Txn *t = p->txn;
  if (!fn || !group_id || !*group_id || (n && !offsets) || n > 100000) return UVK_EINVAL;
  if (!t || t->state != kTxnOpen) return t && t->state == kTxnFatal ? t->fatal : UVK_ESTATE;
  for (size_t i = 0; i < n; i++)
    if (!offsets[i].topic || !*offsets[i].topic || offsets[i].partition < 0 || offsets[i].offset < 0) return UVK_EINVAL;
  TxnReq *r = txn_req_new(t, kAddOffsets);
  if (!r) return UVK_ENOMEM;
  size_t glen = strlen(group_id);
  r->group = static_cast<char *>(mem_alloc(r->alloc, glen + 1));
  r->offsets = static_cast<TxnOffset *>(mem_alloc(r->alloc, sizeof(TxnOffset) * (n + 1)));
  bool ok = r->group && r->offsets;
  if (ok && member && member->member_id) {
    r->member_id = mem_strdup(r->alloc, member->member_id);
    r->instance_id = member->instance_id && *member->instance_id ? mem_strdup(r->alloc, member->instance_id) : nullptr;
    r->generation_id = member->generation_id;
    ok = r->member_id && (r->instance_id || !member->instance_id || !*member->instance_id);
  }
  for (size_t i = 0; ok && i < n; i++) {
    size_t tl = strlen(offsets[i].topic);
    char *name = static_cast<char *>(mem_alloc(r->alloc, tl + 1));
    ok = name != nullptr;
    if (ok) memcpy(name, offsets[i].topic, tl + 1);
    r->offsets[i] = TxnOffset{name, offsets[i].partition, offsets[i].offset};
    r->n_offsets = i + 1;
  }
  if (!ok) {
    txn_req_free(r);  // fn is not called when the call fails
    return UVK_ENOMEM;
  }
  r->fn = fn;
  r->ud = ud;
  memcpy(r->group, group_id, glen + 1);
  retry_start(&r->retry, p->cfg.retry, &p->e->rng);
  r->deadline = now + uint64_t(t->timeout_ms > 0 ? t->timeout_ms : 0);
  engine_add_timer(p->e, &r->expire, r->deadline, offsets_expired, r);
  offsets_step(r, now);
  return 0;
}

}  // namespace uvk
