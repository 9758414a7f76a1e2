// Transactions (KIP-98) for a producer with a transactionalId. Two protocols, chosen per
// transaction by the broker's finalized feature transaction.version (ApiVersions):
// - v1 (Kafka 0.11+): InitProducerId at the transaction coordinator, AddPartitionsToTxn
//   before the first batch of each partition, AddOffsetsToTxn + TxnOffsetCommit (<= v4) for
//   sendOffsets, EndTxn (<= v4) to commit or abort; Produce stays below v12.
// - v2 (KIP-890, transaction.version >= 2): Produce v12 and TxnOffsetCommit v5 add their
//   partitions to the transaction on the broker (no AddPartitionsToTxn / AddOffsetsToTxn
//   round trip), and EndTxn v5 bumps the producer epoch after every transaction: its answer
//   carries the id and epoch the next transaction uses, with sequence numbers from 0.
// Errors follow KIP-1050's classes (txn_errors.cc): retriable ones are retried here,
// abortable ones fail the transaction's step (abort it), fatal ones end the producer's
// transactional life.
#include <string.h>

#include <new>

#include "client/producer.h"
#include "client/producer_internal.h"
#include "client/producer_txn_internal.h"
#include "client/txn_errors.h"
#include "engine/coordinator.h"
#include "engine/version_table.h"
#include "engine/kafka_errors.h"
#include "proto/gen/add_partitions_to_txn.h"
#include "proto/gen/api_table.h"
#include "proto/gen/end_txn.h"
#include "uvkafka/uvk_errors.h"
#include "proto/client_versions.h"

namespace uvk {

void producer_send_init_pid(Producer *p, uint64_t now);  // producer_pid.cc


TxnReq *txn_req_new(Txn *t, ReqKind kind) {
  const Allocator *a = t->p->alloc;
  TxnReq *r = static_cast<TxnReq *>(mem_alloc(a, sizeof(TxnReq)));
  if (!r) return nullptr;
  new (r) TxnReq();
  r->t = t;
  r->alloc = a;
  r->kind = kind;
  r->arena.alloc = a;
  r->next = t->reqs;
  if (t->reqs) t->reqs->prev = r;
  t->reqs = r;
  return r;
}

void txn_req_free(TxnReq *r) {
  if (r->t) {
    engine_cancel_timer(r->t->p->e, &r->expire);
    if (r->prev) r->prev->next = r->next;
    else r->t->reqs = r->next;
    if (r->next) r->next->prev = r->prev;
  }
  arena_free(&r->arena);
  const Allocator *a = r->alloc;
  for (size_t i = 0; i < r->n_offsets; i++) mem_free(a, const_cast<char *>(r->offsets[i].topic));
  mem_free(a, r->offsets);
  mem_free(a, r->group);
  mem_free(a, r->member_id);
  mem_free(a, r->instance_id);
  r->~TxnReq();
  mem_free(a, r);
}

uint64_t txn_now(const Txn *t) { return t->p->e->now; }

void txn_req_abandon(TxnReq *r, bool may_have_landed) {
  r->stale = true;
  if (may_have_landed && r->t) r->t->unsure = true;
}

static uint64_t txn_timeout(const Txn *t) { return uint64_t(t->timeout_ms > 0 ? t->timeout_ms : 0); }

// Chooses the open transaction's protocol once the producer id is known (its InitProducerId
// answered, so a connection has reported the broker's features) and keeps it to the end.
// protocolVersionCap below Kafka 4.0's versions means v1 even where the broker offers v2.
bool txn_use_v2(Txn *t) {
  if (t->v2 < 0 && t->p->pid_state == 2) {
    const KafkaRelease *cap = t->p->e->cfg.conn.cap;
    t->v2 = engine_transaction_version(t->p->e) >= 2 && version_cap(cap, proto::kEndTxn) >= 5 &&
            version_cap(cap, proto::kProduce) >= 12 && version_cap(cap, proto::kTxnOffsetCommit) >= 5;
  }
  return t->v2 == 1;
}

bool txn_is_producer_fatal(int err) {
  uvk_txn_error_class c = txn_error_class(err);
  return c == UVK_TXN_ERR_PRODUCER_FATAL || c == UVK_TXN_ERR_FATAL;
}

namespace {

void retry_later(Txn *t, EngineTimer *timer, int err, EngineTimerFn fn) {
  int64_t wait = 0;
  if (retry_on_error(&t->retry, t->p->cfg.retry, &t->p->e->rng, err, &wait) != RetryVerdict::kRetry)
    wait = t->p->cfg.retry.max_retry_time;  // keep trying: the transaction cannot just drop its step
  engine_add_timer(t->p->e, timer, txn_now(t) + uint64_t(wait), fn, t);
}

}  // namespace

// Ends the producer's transactional life: what waits fails with `err`.
void txn_go_fatal(Txn *t, int err) {
  t->state = kTxnFatal;
  t->fatal = err;
  engine_cancel_timer(t->p->e, &t->add_deadline);
  engine_cancel_timer(t->p->e, &t->end_deadline);
  producer_fail_ready(t->p, err, nullptr);
  if (t->end_fn) {
    ProducerDoneFn fn = t->end_fn;
    t->end_fn = nullptr;
    fn(t->end_ud, err);
  }
}

namespace {

// ---- the transaction coordinator ---------------------------------------------------------

void after_coordinator(Txn *t, uint64_t now);

void on_coordinator(void *ud, const uvk_error *err, int32_t node) {
  TxnReq *r = static_cast<TxnReq *>(ud);
  Txn *t = r->t;
  txn_req_free(r);
  if (!t) return;
  t->finding = false;
  if (err) {
    int code = uvk_error_code(err) == UVK_EKAFKA ? UVK_ERR_KAFKA(uvk_error_kafka_code(err)) : uvk_error_code(err);
    retry_later(t, &t->add_timer, code, [](void *ud2, uint64_t now) { after_coordinator(static_cast<Txn *>(ud2), now); });
    return;
  }
  t->coordinator = node;
  after_coordinator(t, txn_now(t));
}

}  // namespace

// Looks the coordinator up; everything that waited for it resumes in after_coordinator.
void txn_find_coordinator(Txn *t, uint64_t now) {
  if (t->finding) return;
  TxnReq *r = txn_req_new(t, kFind);
  if (!r) return;
  t->finding = true;
  if (coordinator_find(t->p->e, kCoordinatorTransaction, t->id, on_coordinator, r, now) != 0) {
    t->finding = false;
    txn_req_free(r);
  }
}

void txn_coordinator_lost(Txn *t) {
  if (t->coordinator >= 0) coordinator_invalidate(t->p->e, kCoordinatorTransaction, t->id);
  t->coordinator = -1;
}

// A request to the coordinator that got no answer (connection refused or lost, timed out): its
// broker may be dead, so the next try looks the coordinator up again instead of waiting for
// that node (a commit waited for a SIGKILLed coordinator forever: fault_test.cc).
static void txn_coordinator_unanswered(Txn *t, int err) {
  if (err < 0 && err > UVK_ERR_KAFKA(0)) txn_coordinator_lost(t);
}

namespace {

void add_partitions(Txn *t, uint64_t now);
void send_end(Txn *t, uint64_t now);

void after_coordinator(Txn *t, uint64_t now) {
  if (t->coordinator < 0) {
    txn_find_coordinator(t, now);
    return;
  }
  // An InitProducerId that waited for the coordinator (not one in flight or backing off).
  if (t->p->pid_state == 1 && !t->p->pid_req && !engine_timer_pending(t->p->e, &t->p->pid_timer))
    producer_send_init_pid(t->p, now);
  add_partitions(t, now);
}

// ---- AddPartitionsToTxn -------------------------------------------------------------------

int encode_add(void *ud, Buf *out, int16_t version) {
  TxnReq *r = static_cast<TxnReq *>(ud);
  proto::AddPartitionsToTxnRequest req;
  if (!r->t) return proto::encode(out, req, version);
  Txn *t = r->t;
  Producer *p = t->p;
  size_t n_topics = 0, n_parts = 0;
  for (TopicState *ts = p->topics; ts; ts = ts->next) {
    bool any = false;
    for (int32_t i = 0; i < ts->n_queues; i++)
      if (ts->queues[i] && ts->queues[i]->txn_wanted && !ts->queues[i]->txn_added) n_parts++, any = true;
    n_topics += any;
  }
  auto *topics = arena_construct_array<proto::AddPartitionsToTxnRequest::AddPartitionsToTxnTopic>(&r->arena, n_topics + 1);
  int32_t *ids = arena_new_array<int32_t>(&r->arena, n_parts + 1);
  if (!topics || !ids) return UVK_ENOMEM;
  size_t k = 0, m = 0;
  for (TopicState *ts = p->topics; ts; ts = ts->next) {
    size_t first = m;
    for (int32_t i = 0; i < ts->n_queues; i++)
      if (ts->queues[i] && ts->queues[i]->txn_wanted && !ts->queues[i]->txn_added) ids[m++] = i;
    if (m == first) continue;
    topics[k].name = proto::cstr(ts->name);
    topics[k].partitions.items = &ids[first];
    topics[k].partitions.count = int32_t(m - first);
    k++;
  }
  req.v3_and_below_transactional_id = proto::cstr(t->id);
  req.v3_and_below_producer_id = p->pid;
  req.v3_and_below_producer_epoch = p->epoch;
  req.v3_and_below_topics.items = topics;
  req.v3_and_below_topics.count = int32_t(k);
  return proto::encode(out, req, version);
}

PartitionQueue *queue_of(Producer *p, const proto::Str &topic, int32_t partition) {
  for (TopicState *ts = p->topics; ts; ts = ts->next)
    if (int32_t(strlen(ts->name)) == topic.len && memcmp(ts->name, topic.data, size_t(topic.len)) == 0)
      return partition >= 0 && partition < ts->n_queues ? ts->queues[partition] : nullptr;
  return nullptr;
}

bool any_wanted(const Txn *t) {
  for (TopicState *ts = t->p->topics; ts; ts = ts->next)
    for (int32_t i = 0; i < ts->n_queues; i++)
      if (ts->queues[i] && ts->queues[i]->txn_wanted && !ts->queues[i]->txn_added) return true;
  return false;
}

// The batches that waited for their partition to join the transaction fail with `code` (the
// error object `err` when there is one); the transaction can then only be aborted, and the
// producer goes on.
void fail_waiting(Txn *t, int code, const uvk_error *err) {
  engine_cancel_timer(t->p->e, &t->add_deadline);
  t->add_last_err = 0;
  for (TopicState *ts = t->p->topics; ts; ts = ts->next)
    for (int32_t i = 0; i < ts->n_queues; i++) {
      PartitionQueue *q = ts->queues[i];
      if (!q || !q->txn_wanted || q->txn_added) continue;
      q->txn_wanted = false;
      while (q->ready) {
        ProducerBatch *b = q->ready;
        q->ready = b->next;
        if (!q->ready) q->ready_tail = nullptr;
        producer_batch_done(t->p, b, code, err, -1, -1, -1);
      }
    }
}

// AddPartitionsToTxn could not succeed within the transaction timeout: the sends that need it
// fail with UVK_ETIMEDOUT (cause: the latest failure); one still in flight is dropped.
void add_timed_out(void *ud, uint64_t) {
  Txn *t = static_cast<Txn *>(ud);
  engine_cancel_timer(t->p->e, &t->add_timer);
  if (t->add_req) {
    txn_req_abandon(t->add_req, t->add_req->req.sent_at != 0);
    t->add_req = nullptr;
    t->adding = false;
    txn_coordinator_lost(t);  // unanswered all along: look it up again next time (txn_req_abandon)
  }
  int last = t->add_last_err;
  uvk_error *cause = nullptr;
  if (last <= UVK_ERR_KAFKA(0)) cause = error_kafka(t->p->alloc, UVK_ERR_KAFKA_CODE(last), nullptr, 0);
  else if (last != 0) cause = engine_conn_error(t->p->e, last, nullptr);
  uvk_error *e = error_new(t->p->alloc, UVK_ETIMEDOUT, 0, nullptr, 0, cause);
  fail_waiting(t, UVK_ETIMEDOUT, e);
  error_release(e);
  error_release(cause);
}

void add_deadline_arm(Txn *t, uint64_t now) {
  if (!engine_timer_pending(t->p->e, &t->add_deadline))
    engine_add_timer(t->p->e, &t->add_deadline, now + txn_timeout(t), add_timed_out, t);
}

void on_add(void *ud, int err, int16_t version, Reader *body, const Request *req) {
  TxnReq *r = static_cast<TxnReq *>(ud);
  Txn *t = r->t;
  if (!t || r->stale) {  // the producer is gone, or its deadline passed: nothing changes now
    txn_req_free(r);
    return;
  }
  t->adding = false;
  t->add_req = nullptr;
  if (err != 0 && req->sent_at != 0) t->unsure = true;  // written, never answered: it may have landed
  proto::AddPartitionsToTxnResponse resp;
  if (err == 0) err = proto::decode(body, &r->arena, &resp, version);
  int16_t worst = 0;
  if (err == 0) {
    for (int32_t i = 0; i < resp.results_by_topic_v3_and_below.count; i++) {
      const auto &tr = resp.results_by_topic_v3_and_below.items[i];
      for (int32_t j = 0; j < tr.results_by_partition.count; j++) {
        const auto &pr = tr.results_by_partition.items[j];
        PartitionQueue *q = queue_of(t->p, tr.name, pr.partition_index);
        if (pr.partition_error_code == 0) {
          if (q) q->txn_added = true, q->txn_wanted = false;
          t->joined = true;
        } else if (pr.partition_error_code != kOperationNotAttempted && worst == 0) {
          worst = pr.partition_error_code;
        }
      }
    }
    if (resp.error_code != 0) worst = resp.error_code;
  }
  txn_req_free(r);
  uint64_t now = txn_now(t);
  if (err == 0 && worst == 0) {
    retry_start(&t->retry, t->p->cfg.retry, &t->p->e->rng);
    engine_cancel_timer(t->p->e, &t->add_deadline);  // the coordinator answers: a new wait starts afresh
    t->add_last_err = 0;
    if (any_wanted(t)) add_deadline_arm(t, now);
    producer_drain_at(t->p, now);
    return;
  }
  int code = err != 0 ? err : UVK_ERR_KAFKA(worst);
  t->add_last_err = code;
  if (err == 0 && kafka_coordinator_error(worst)) txn_coordinator_lost(t);
  txn_coordinator_unanswered(t, err);
  if (err != 0 || worst == kConcurrentTransactions || kafka_coordinator_error(worst) || kafka_error_retriable(worst)) {
    retry_later(t, &t->add_timer, code, [](void *ud2, uint64_t n) { after_coordinator(static_cast<Txn *>(ud2), n); });
    return;
  }
  if (txn_is_producer_fatal(code)) {
    txn_go_fatal(t, code);  // fenced, not authorized, invalid state: this producer's transactions are over
    return;
  }
  // Abortable (a topic not authorized, TRANSACTION_ABORTABLE...).
  fail_waiting(t, code, nullptr);
}

void add_partitions(Txn *t, uint64_t now) {
  if (t->adding || t->state == kTxnFatal || t->p->pid_state != 2) return;
  if (!any_wanted(t)) return;
  if (t->coordinator < 0) {
    txn_find_coordinator(t, now);
    return;
  }
  TxnReq *r = txn_req_new(t, kAddPartitions);
  if (!r) return;
  r->req.api_key = proto::kAddPartitionsToTxn;
  r->req.min_version = 0;
  r->req.max_version = 3;
  r->req.encode = encode_add;
  r->req.done = on_add;
  r->req.ud = r;
  t->adding = true;
  t->add_req = r;
  if (engine_send(t->p->e, t->coordinator, &r->req, now) != 0) {
    t->adding = false;
    t->add_req = nullptr;
    txn_req_free(r);
    txn_coordinator_lost(t);
    t->add_last_err = UVK_ECONNECT;
    retry_later(t, &t->add_timer, UVK_ECONNECT, [](void *ud2, uint64_t n) { after_coordinator(static_cast<Txn *>(ud2), n); });
  }
}

// ---- EndTxn ---------------------------------------------------------------------------------

void finish_end(Txn *t, int err) {
  engine_cancel_timer(t->p->e, &t->end_deadline);
  if (err == 0 && !t->end_commit && t->send_failures > 0 && t->v2 != 1 && t->p->pid_state == 2) {
    // v1 after an abort with a failed send: a batch the broker refused used sequence numbers
    // it never saw, so the next transaction would start with a gap. A new epoch from
    // InitProducerId (KIP-360, as the Java client does) starts every partition at 0 again.
    Producer *p = t->p;
    p->pid_state = 0;
    for (TopicState *ts = p->topics; ts; ts = ts->next)
      for (int32_t i = 0; i < ts->n_queues; i++)
        if (PartitionQueue *q = ts->queues[i]) queue_restart_seqs(q);
    producer_fetch_pid(p, txn_now(t));
  }
  if (err == 0) {
    t->state = kTxnReady;
    t->joined = false;
    t->send_failures = 0;
    t->unsure = t->offsets_unknown = false;
    t->v2 = -1;
    engine_cancel_timer(t->p->e, &t->add_deadline);
    for (TopicState *ts = t->p->topics; ts; ts = ts->next)
      for (int32_t i = 0; i < ts->n_queues; i++)
        if (ts->queues[i]) ts->queues[i]->txn_added = ts->queues[i]->txn_wanted = false;
  }
  ProducerDoneFn fn = t->end_fn;
  t->end_fn = nullptr;
  if (fn) fn(t->end_ud, err);
}

int encode_end(void *ud, Buf *out, int16_t version) {
  TxnReq *r = static_cast<TxnReq *>(ud);
  proto::EndTxnRequest req;
  if (r->t) {
    req.transactional_id = proto::cstr(r->t->id);
    req.producer_id = r->t->p->pid;
    req.producer_epoch = r->t->p->epoch;
    req.committed = r->t->end_commit;
  }
  return proto::encode(out, req, version);
}

void on_end(void *ud, int err, int16_t version, Reader *body, const Request *) {
  TxnReq *r = static_cast<TxnReq *>(ud);
  Txn *t = r->t;
  if (!t || r->stale) {  // the producer is gone, or the call's deadline passed: nothing changes now
    txn_req_free(r);
    return;
  }
  t->end_req = nullptr;
  proto::EndTxnResponse resp;
  if (err == 0) err = proto::decode(body, &r->arena, &resp, version);
  if (err == 0 && resp.error_code != 0) err = UVK_ERR_KAFKA(resp.error_code);
  txn_req_free(r);
  if (err == UVK_ERR_KAFKA(UVK_KAFKA_INVALID_TXN_STATE) && !t->end_commit && !t->joined && t->unsure) {
    // Only a step that was never answered could have opened this transaction at the
    // coordinator, and it did not: there is nothing to abort (v1 answers this to an abort
    // when no transaction is open).
    err = 0;
  }
  if (err == 0) {
    if (version >= 5 && resp.producer_id >= 0 && resp.producer_epoch >= 0) {
      // KIP-890: the coordinator bumped the epoch (a new id when the epoch ran out); every
      // partition's sequence starts again at 0 under it.
      Producer *p = t->p;
      p->pid = resp.producer_id;
      p->epoch = resp.producer_epoch;
      for (TopicState *ts = p->topics; ts; ts = ts->next)
        for (int32_t i = 0; i < ts->n_queues; i++)
          if (PartitionQueue *q = ts->queues[i]) queue_restart_seqs(q);
    }
    finish_end(t, 0);
    return;
  }
  int16_t code = err <= UVK_ERR_KAFKA(0) ? int16_t(UVK_ERR_KAFKA_CODE(err)) : 0;
  if (code && kafka_coordinator_error(code)) txn_coordinator_lost(t);
  txn_coordinator_unanswered(t, err);
  if (code == 0 || code == kConcurrentTransactions || kafka_coordinator_error(code) || kafka_error_retriable(code)) {
    retry_later(t, &t->end_timer, err, [](void *ud2, uint64_t n) { send_end(static_cast<Txn *>(ud2), n); });
    return;
  }
  if (t->end_commit && !txn_is_producer_fatal(err)) {
    t->state = kTxnOpen;  // abortable: the commit failed, an abort may follow
    finish_end(t, err);
    return;
  }
  txn_go_fatal(t, err);
}

void send_end(Txn *t, uint64_t now) {
  if (t->state != kTxnEnding) return;
  if (t->coordinator < 0) {
    // Resumed from the lookup through after_coordinator -> not there; poll via the timer.
    txn_find_coordinator(t, now);
    engine_add_timer(t->p->e, &t->end_timer, now + 50, [](void *ud2, uint64_t n) { send_end(static_cast<Txn *>(ud2), n); }, t);
    return;
  }
  TxnReq *r = txn_req_new(t, kEndTxn);
  if (!r) {
    engine_add_timer(t->p->e, &t->end_timer, now + 50, [](void *ud2, uint64_t n) { send_end(static_cast<Txn *>(ud2), n); }, t);
    return;
  }
  r->req.api_key = proto::kEndTxn;
  bool v2 = txn_use_v2(t);
  r->req.min_version = v2 ? 5 : 0;  // v5: the epoch bump of transactions v2
  r->req.max_version = v2 ? 5 : 4;
  r->req.encode = encode_end;
  r->req.done = on_end;
  r->req.ud = r;
  t->end_req = r;
  if (engine_send(t->p->e, t->coordinator, &r->req, now) != 0) {
    t->end_req = nullptr;
    txn_req_free(r);
    txn_coordinator_lost(t);
    retry_later(t, &t->end_timer, UVK_ECONNECT, [](void *ud2, uint64_t n) { send_end(static_cast<Txn *>(ud2), n); });
  }
}

void on_flushed(void *ud, int err);

// The commit or abort did not finish within the transaction timeout: the call fails with
// UVK_ETIMEDOUT (retriable) and the transaction stays open, so commit or abort may be called
// again; what is still in flight is dropped (its late answer changes nothing).
void end_timed_out(void *ud, uint64_t) {
  Txn *t = static_cast<Txn *>(ud);
  if (t->state != kTxnEnding) return;
  engine_cancel_timer(t->p->e, &t->end_timer);
  producer_flush_cancel(t->p, on_flushed, t);
  if (t->end_req) {
    txn_req_abandon(t->end_req, t->end_req->req.sent_at != 0);
    t->end_req = nullptr;
    txn_coordinator_lost(t);  // unanswered all along: look it up again next time (txn_req_abandon)
  }
  t->state = kTxnOpen;
  finish_end(t, UVK_ETIMEDOUT);
}

// Every send of the transaction has completed.
void on_flushed(void *ud, int err) {
  Txn *t = static_cast<Txn *>(ud);
  if (t->state != kTxnEnding) return;
  if (err != 0) {  // the producer is closing
    t->state = kTxnOpen;
    finish_end(t, err);
    return;
  }
  if (t->fatal) {  // a send was fenced or refused for good: no end can succeed
    txn_go_fatal(t, t->fatal);
    return;
  }
  if (t->end_commit && (t->send_failures > 0 || t->offsets_unknown)) {
    // Kafka's rule: a transaction with a failed send can only be aborted. So can one whose
    // send_offsets timed out with no success since: its offsets may or may not be in it.
    t->state = kTxnOpen;
    finish_end(t, UVK_ESTATE);
    return;
  }
  if (!t->joined && !t->unsure) {  // nothing reached the broker: nothing to end there
    finish_end(t, 0);
    return;
  }
  retry_start(&t->retry, t->p->cfg.retry, &t->p->e->rng);
  send_end(t, txn_now(t));
}

int end_transaction(Producer *p, bool commit, ProducerDoneFn fn, void *ud, uint64_t now) {
  Txn *t = p->txn;
  if (!fn) return UVK_EINVAL;
  if (!t || t->state != kTxnOpen) return t && t->state == kTxnFatal ? t->fatal : UVK_ESTATE;
  t->state = kTxnEnding;
  t->end_commit = commit;
  t->end_fn = fn;
  t->end_ud = ud;
  int rc = producer_flush(p, on_flushed, t, now);
  if (rc != 0) {
    t->state = kTxnOpen;
    t->end_fn = nullptr;
    return rc;
  }
  engine_add_timer(p->e, &t->end_deadline, now + txn_timeout(t), end_timed_out, t);
  return 0;
}

}  // namespace

// ---- producer.cc's hooks ------------------------------------------------------------------

int txn_new(Producer *p, const char *id, int32_t timeout_ms) {
  Txn *t = static_cast<Txn *>(mem_alloc(p->alloc, sizeof(Txn)));
  size_t n = strlen(id);
  char *copy = static_cast<char *>(mem_alloc(p->alloc, n + 1));
  if (!t || !copy) {
    mem_free(p->alloc, t);
    mem_free(p->alloc, copy);
    return UVK_ENOMEM;
  }
  memcpy(copy, id, n + 1);
  memset(static_cast<void *>(t), 0, sizeof *t);
  new (&t->retry) RetryState();
  new (&t->add_timer) EngineTimer();
  new (&t->end_timer) EngineTimer();
  new (&t->add_deadline) EngineTimer();
  new (&t->end_deadline) EngineTimer();
  t->p = p;
  t->id = copy;
  t->timeout_ms = timeout_ms;
  t->state = kTxnReady;
  t->coordinator = -1;
  t->v2 = -1;
  retry_start(&t->retry, p->cfg.retry, &p->e->rng);
  p->txn = t;
  return 0;
}

void txn_free(Producer *p) {
  Txn *t = p->txn;
  if (!t) return;
  engine_cancel_timer(p->e, &t->add_timer);
  engine_cancel_timer(p->e, &t->end_timer);
  engine_cancel_timer(p->e, &t->add_deadline);
  engine_cancel_timer(p->e, &t->end_deadline);
  for (TxnReq *r = t->reqs; r;) {
    TxnReq *next = r->next;
    engine_cancel_timer(p->e, &r->expire);
    if (engine_timer_pending(p->e, &r->timer)) {  // a sendOffsets between tries: ours to end
      engine_cancel_timer(p->e, &r->timer);
      txn_offsets_done(r, UVK_ECLOSED);
    } else {
      r->t = nullptr;  // the engine (or a coordinator lookup) holds it; its completion frees it
    }
    r = next;
  }
  if (t->end_fn) {
    ProducerDoneFn fn = t->end_fn;
    t->end_fn = nullptr;
    fn(t->end_ud, UVK_ECLOSED);
  }
  mem_free(p->alloc, t->id);
  mem_free(p->alloc, t);
  p->txn = nullptr;
}

bool txn_accepts_sends(const Producer *p) { return !p->txn || p->txn->state == kTxnOpen; }

void txn_note_send_failure(Producer *p, const uvk_error *e) {
  Txn *t = p->txn;
  if (!t || (t->state != kTxnOpen && t->state != kTxnEnding)) return;
  const uvk_error *k = e;  // the Kafka code behind it, also under UVK_ERETRIES
  while (k && k->kafka_code == 0) k = k->cause;
  int err = k ? UVK_ERR_KAFKA(k->kafka_code) : e->code;
  t->send_failures++;
  // Fenced by a newer producer, not authorized: no later transaction can succeed either.
  // (INVALID_PRODUCER_EPOCH from Produce only fails the transaction: abortable, as in Java.)
  if (txn_is_producer_fatal(err) && err != UVK_ERR_KAFKA(kInvalidProducerEpoch) && !t->fatal)
    t->fatal = err;  // go_fatal once the flush the end waits for is over (on_flushed)
}

bool txn_partition_ready(Producer *p, PartitionQueue *q, uint64_t now) {
  if (!p->txn || q->txn_added) return true;
  if (txn_use_v2(p->txn)) {  // Produce v12 adds the partition to the transaction on the broker
    q->txn_added = true;
    p->txn->joined = true;
    return true;
  }
  q->txn_wanted = true;
  add_deadline_arm(p->txn, now);
  add_partitions(p->txn, now);
  return false;
}

int32_t txn_init_pid_node(Producer *p, uint64_t now) {
  Txn *t = p->txn;
  if (t->coordinator < 0) txn_find_coordinator(t, now);
  return t->coordinator;
}

void txn_init_pid_failed(Producer *p, int err) {
  if (!p->txn) return;
  int16_t code = err <= UVK_ERR_KAFKA(0) ? int16_t(UVK_ERR_KAFKA_CODE(err)) : 0;
  if (code && kafka_coordinator_error(code)) txn_coordinator_lost(p->txn);
  txn_coordinator_unanswered(p->txn, err);
  // A transaction timeout the broker refuses, an id we may not use: no InitProducerId will work.
  if (p->txn->state != kTxnFatal && txn_error_class(err) == UVK_TXN_ERR_FATAL) txn_go_fatal(p->txn, err);
}

void txn_fill_init_pid(const Producer *p, proto::Str *transactional_id, int32_t *timeout_ms) {
  *transactional_id = proto::cstr(p->txn->id);
  *timeout_ms = p->txn->timeout_ms;
}

proto::Str txn_produce_id(const Producer *p) { return p->txn ? proto::cstr(p->txn->id) : proto::Str{}; }

void txn_produce_versions(const Producer *p, int16_t *min_version, int16_t *max_version) {
  bool v2 = p->txn->v2 == 1;  // chosen by txn_partition_ready before any batch goes out
  *min_version = v2 ? 12 : *min_version;
  // v12+ means transactions v2 to the broker; v13 (topics by id) when the caller allows it.
  *max_version = v2 ? (*max_version > 12 ? *max_version : 12) : 11;
}

bool txn_v2(const Producer *p) { return p->txn && p->txn->v2 == 1; }

// ---- the API ---------------------------------------------------------------------------------

int producer_begin_transaction(Producer *p) {
  Txn *t = p->txn;
  if (!t) return UVK_ESTATE;
  if (t->state == kTxnFatal) return t->fatal;
  if (t->state != kTxnReady) return UVK_ESTATE;
  t->state = kTxnOpen;
  t->joined = false;
  t->send_failures = 0;
  t->unsure = t->offsets_unknown = false;
  t->v2 = -1;
  if (p->pid_state == 0) producer_drain_at(p, p->e->now);  // start InitProducerId now
  return 0;
}

int producer_commit_transaction(Producer *p, ProducerDoneFn fn, void *ud, uint64_t now) {
  return end_transaction(p, true, fn, ud, now);
}

int producer_abort_transaction(Producer *p, ProducerDoneFn fn, void *ud, uint64_t now) {
  return end_transaction(p, false, fn, ud, now);
}


// librdkafka's transaction state names, for statistics (producer_stats.cc).
const char *txn_state_name(const Producer *p) {
  const Txn *t = p->txn;
  if (!t) return "Init";
  switch (t->state) {
    case kTxnReady: return p->pid_state == 2 ? "Ready" : "WaitPID";
    case kTxnOpen: return "InTransaction";
    case kTxnEnding: return t->end_commit ? "CommittingTransaction" : "AbortingTransaction";
    case kTxnFatal: default: return "FatalError";
  }
}

}  // namespace uvk
