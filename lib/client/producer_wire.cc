// The producer on the wire: draining ready batches into Produce requests grouped by
// leader, their answers, and what a failed batch does next (retry, split, new epoch).
#include "client/producer.h"
#include "client/producer_internal.h"

#include <string.h>

#include <new>

#include "codec/codec.h"
#include "engine/kafka_errors.h"
#include "engine/log.h"
#include "engine/metadata.h"
#include "engine/node_endpoint.h"
#include "proto/gen/api_table.h"
#include "proto/gen/produce.h"
#include "proto/records.h"
#include "uvkafka/uvk_errors.h"
#include "proto/client_versions.h"

namespace uvk {

// ---- sending ------------------------------------------------------------------------------

// A Produce request takes batches up to this many record bytes (one batch at least), like
// Java's max.request.size: a request is encoded into the connection's output and then into
// the socket's write buffer, so its size is what each of those holds at once.
static constexpr size_t kMaxRequestBytes = size_t(1) << 20;

static void handle_batch_error(Producer *p, ProducerBatch *b, int err, uint64_t now);

static void produce_req_free(ProduceReq *r) {
  const Allocator *a = r->arena.alloc;
  arena_free(&r->arena);
  r->~ProduceReq();
  mem_free(a, r);
}

// KIP-951: brokers a Produce answer names (new leaders the client may not know yet).
static void take_node_endpoints(Producer *p, const proto::ProduceResponse &resp) {
  for (int32_t i = 0; i < resp.node_endpoints.count; i++) {
    const auto &n = resp.node_endpoints.items[i];
    engine_take_node_endpoint(p->e, n.node_id, n.host, n.port);
  }
}

// KIP-951: NOT_LEADER_OR_FOLLOWER naming a newer leader. The cache takes it and the batch goes
// there on the next drain, without the metadata round trip and without a backoff (it
// still counts as a retry). False when the answer names no newer leader.
static bool resend_to_current_leader(Producer *p, ProducerBatch *b,
                                     const proto::ProduceResponse::LeaderIdAndEpoch &cur, uint64_t now) {
  if (p->e->shutting_down) return false;
  if (!metadata_cache_set_leader(&p->e->mcache, b->q->t->name, b->q->partition, cur.leader_id, cur.leader_epoch))
    return false;
  int64_t wait = 0;
  if (retry_on_failure(&b->retry, p->cfg.retry, &p->e->rng, true, &wait) != RetryVerdict::kRetry) return false;
  if (p->idempotent && !batch_numbered_now(p, b)) b->base_seq = -1;  // numbered under an old id or epoch
  b->not_before = now;
  queue_ready_insert(b->q, b);
  return true;
}

void producer_on_produce(void *ud, int err, int16_t version, Reader *body, const Request *req) {
  ProduceReq *r = static_cast<ProduceReq *>(ud);
  Producer *p = r->p;
  if (!p) {  // the producer was freed; its messages were failed then
    produce_req_free(r);
    return;
  }
  uint64_t now = p->e->now;
  Arena arena;
  arena.alloc = p->alloc;
  proto::ProduceResponse resp;
  if (err == 0 && r->acks != 0) err = proto::decode(body, &arena, &resp, version);
  // After the responses array, so the conn cannot find it itself (KIP-219).
  if (err == 0 && r->acks != 0 && version >= 1) request_report_throttle(req, resp.throttle_time_ms);
  if (err == 0 && r->acks != 0) take_node_endpoints(p, resp);
  if (p->e->hooks.log)
    UVK_LOG(p->e->hooks.log, UVK_LOG_DEBUG, "Producer", "answer %zu batches err=%d", r->n, err);
  for (size_t i = 0; i < r->n; i++) {
    ProducerBatch *b = r->batches[i];
    b->q->in_flight--;
    if (r->batch_err[i] != 0) {
      producer_batch_done(p, b, r->batch_err[i], nullptr, -1, -1, -1);  // not sent: its codec failed
      continue;
    }
    if (err != 0) {
      handle_batch_error(p, b, err, now);
      continue;
    }
    if (r->acks == 0) {
      producer_batch_done(p, b, 0, nullptr, -1, -1, -1);
      continue;
    }
    const proto::ProduceResponse::PartitionProduceResponse *pr = nullptr;
    const char *topic = b->q->t->name;
    size_t tlen = strlen(topic);
    for (int32_t t = 0; t < resp.responses.count && !pr; t++) {
      const auto &tr = resp.responses.items[t];
      if (version >= 13 ? memcmp(tr.topic_id.b, r->topic_ids[i].b, 16) != 0
                        : size_t(tr.name.len) != tlen || memcmp(tr.name.data, topic, tlen) != 0)
        continue;
      for (int32_t k = 0; k < tr.partition_responses.count; k++)
        if (tr.partition_responses.items[k].index == b->q->partition) pr = &tr.partition_responses.items[k];
    }
    if (!pr) {
      handle_batch_error(p, b, UVK_EPROTO, now);  // the broker left our partition out
      continue;
    }
    if (pr->error_code == kDuplicateSequence && p->idempotent) {
      // Written before (an earlier attempt's answer was lost): a success without offsets.
      if (batch_numbered_now(p, b)) b->q->confirmed = true;
      producer_batch_done(p, b, 0, nullptr, -1, -1, -1);
      continue;
    }
    if (pr->error_code == kNotLeader && resend_to_current_leader(p, b, pr->current_leader, now)) continue;
    bool old_topic = producer_batch_of_old_topic(b, r->topic_ids[i]);
    if ((pr->error_code == kUnknownTopicId || pr->error_code == kInconsistentTopicId) && old_topic && p->idempotent)
      b->base_seq = -1;  // not written; its numbers were the deleted topic's: numbered again in the new one
    if (pr->error_code != 0) {
      handle_batch_error(p, b, UVK_ERR_KAFKA(pr->error_code), now);
      continue;
    }
    if (batch_numbered_now(p, b) && !old_topic) b->q->confirmed = true;
    producer_batch_done(p, b, 0, nullptr, pr->base_offset, pr->log_append_time_ms, pr->log_start_offset);
  }
  arena_free(&arena);
  produce_req_free(r);
  producer_drain_at(p, now);
}

// Whether a batch sealed before b on its partition is still on its way (waiting for a retry).
static bool earlier_pending(const PartitionQueue *q, const ProducerBatch *b) {
  return q->ready && q->ready->order < b->order;
}


// A new producer epoch: sequence numbers start again at 0 on every partition, and batches
// not yet acknowledged are numbered afresh when they are next sent.
static void bump_epoch(Producer *p, uint64_t now) {
  if (p->pid_state == 1) return;  // already asking
  p->pid_state = 0;
  for (TopicState *t = p->topics; t; t = t->next)
    for (int32_t i = 0; i < t->n_queues; i++) {
      PartitionQueue *q = t->queues[i];
      if (q) queue_restart_seqs(q);
    }
  producer_fetch_pid(p, now);
}

static void handle_batch_error(Producer *p, ProducerBatch *b, int err, uint64_t now) {
  PartitionQueue *q = b->q;
  // Numbered under an old id or epoch, or before its queue's numbering restarted at 0 (a
  // batch in flight then): numbered again, else it would reuse numbers the restart hands out
  // again, and the broker answers a batch with another's (producer id, epoch, sequences) as
  // a duplicate of that one: acknowledged, not written (found by the chaos soak).
  if (p->idempotent && !batch_numbered_now(p, b)) b->base_seq = -1;
  int16_t kafka = err <= UVK_ERR_KAFKA(0) ? int16_t(UVK_ERR_KAFKA_CODE(err)) : 0;
  if ((kafka == kMessageTooLarge || kafka == kRecordListTooLarge) && b->n > 1) {
    // Too big together: resend one message per batch, in order, so only the oversized fail.
    queue_batch_too_large(p, q, b->bytes);
    // One message per run first (the runs split where needed), then one run per batch.
    for (MsgRun *r = b->head; r; r = r->next) {
      while (r->n > 1) {
        MsgView v;
        msg_entry_read(r->data, &v);
        if (!msg_run_split(p, r, 1, msg_record_size(v))) break;
        r = r->next;
      }
    }
    MsgRun *list = b->head;
    ProducerBatch *singles_head = nullptr, *singles_tail = nullptr;
    while (list) {
      MsgRun *next = list->next;
      list->next = nullptr;
      ProducerBatch *s = list->n == 1 ? queue_new_batch(p, q) : nullptr;
      if (!s) {  // no memory for a batch, or to split the run
        msg_run_done(p, list, UVK_ENOMEM, nullptr, -1, -1, -1);
        list = next;
        continue;
      }
      s->acks = b->acks, s->timeout = b->timeout, s->codec = b->codec;
      s->order = b->order;  // same place in line as the batch they came from, kept in order below
      s->head = s->tail = list;
      s->n = 1;
      s->bytes = list->bytes;
      s->not_before = now;
      if (singles_tail) singles_tail->next = s; else singles_head = s;
      singles_tail = s;
      list = next;
    }
    producer_batch_free(p, b);
    // Before every later batch; equal keys keep insertion order, so front to back.
    while (singles_head) {
      ProducerBatch *n = singles_head->next;
      singles_head->base_seq = -1;  // new batches for the broker: new sequence numbers
      queue_ready_insert(q, singles_head);
      singles_head = n;
    }
    return;
  }
  bool retriable_here = false;
  if (p->idempotent && !txn_v2(p) && (kafka == kUnknownProducerId || kafka == kInvalidProducerEpoch ||
                        (kafka == kOutOfOrderSequence && b->base_seq >= 0 && !earlier_pending(q, b)))) {
    // The broker lost our producer state (KIP-360), or a gap no earlier batch will fill:
    // a new epoch, and every unacknowledged batch gets new sequence numbers in order.
    bump_epoch(p, now);
    retriable_here = true;
  } else if (p->idempotent && !txn_v2(p) && (kafka == kOutOfOrderSequence || kafka == kInvalidProducerEpoch)) {
    retriable_here = true;  // an earlier batch of this partition is being retried: follow it
  }
  // UVK_ENOTFOUND comes from engine_send only: the leader in the topic's cached metadata is
  // not among the brokers of a newer Metadata response (another topic's), i.e. it was fenced
  // and its partitions have moved. A stale leader, not a failed batch: refresh and retry
  // (found when the KRaft controller, also a partition leader, was killed mid-stream:
  // test/integration/fault_test.cc).
  bool stale_leader = err == UVK_ENOTFOUND;
  if (stale_leader) retriable_here = true;
  if (kafka && kafka != kUnknownTopic) metadata_cache_on_error(&p->e->mcache, q->t->name, kafka);
  if (kafka == kUnknownTopic || err == UVK_ECLOSED || err == UVK_ETIMEDOUT || err == UVK_ECONNECT || stale_leader)
    metadata_cache_mark_stale(&p->e->mcache, q->t->name);  // the leader may have moved
  int64_t wait = 0;
  RetryVerdict v = RetryVerdict::kGiveUp;
  if (p->e->shutting_down) err = UVK_ECLOSED;  // the client is disconnecting: no more tries
  else if (retriable_here) v = retry_on_failure(&b->retry, p->cfg.retry, &p->e->rng, true, &wait);
  else v = retry_on_error(&b->retry, p->cfg.retry, &p->e->rng, err, &wait);
  if (v == RetryVerdict::kRetry) {
    b->not_before = now + uint64_t(wait);
    queue_ready_insert(q, b);
    return;
  }
  uvk_error *cause = kafka ? error_new(p->alloc, err, kafka, nullptr, 0, nullptr) : engine_conn_error(p->e, err, nullptr);
  if (v == RetryVerdict::kExhausted) {
    uvk_error *ex = error_retries_exceeded(p->alloc, cause, b->retry.count, b->retry.wait);
    producer_batch_done(p, b, UVK_ERETRIES, ex, -1, -1, -1);
    error_release(ex);
  } else {
    producer_batch_done(p, b, err, cause, -1, -1, -1);
  }
  error_release(cause);
}

// One Produce request for `node` with these batches (encoded when written), sent.
static void send_request(Producer *p, int32_t node, ProducerBatch **batches, size_t n, uint64_t now) {
  ProduceReq *r = static_cast<ProduceReq *>(mem_alloc(p->alloc, sizeof(ProduceReq)));
  if (!r) {
    for (size_t i = 0; i < n; i++) {
      batches[i]->q->in_flight--;
      handle_batch_error(p, batches[i], UVK_ENOMEM, now);
    }
    return;
  }
  new (r) ProduceReq();
  r->p = p;
  r->arena.alloc = p->alloc;
  r->acks = batches[0]->acks;
  r->timeout = batches[0]->timeout;
  r->batches = arena_new_array<ProducerBatch *>(&r->arena, n);
  r->batch_err = arena_new_array<int>(&r->arena, n);
  r->topic_ids = arena_construct_array<proto::Uuid>(&r->arena, n);
  if (!r->batches || !r->batch_err || !r->topic_ids) {
    produce_req_free(r);
    for (size_t i = 0; i < n; i++) {
      batches[i]->q->in_flight--;
      handle_batch_error(p, batches[i], UVK_ENOMEM, now);
    }
    return;
  }
  for (size_t i = 0; i < n; i++) {
    r->batches[i] = batches[i];
    r->batch_err[i] = 0;
  }
  r->n = n;
  r->transactional_id = txn_produce_id(p);
  r->req = Request();
  r->req.api_key = proto::kProduce;
  r->req.min_version = kMinProduceVersion;
  r->req.max_version = producer_fill_topic_ids(p, r);  // v13 when every topic's id is known
  if (p->txn) txn_produce_versions(p, &r->req.min_version, &r->req.max_version);  // v12: transactions v2
  r->req.expects_response = r->acks != 0;
  r->req.encode = produce_request_write;
  r->req.done = producer_on_produce;
  r->req.ud = r;
  r->req.owner = p;
  int rc = engine_send(p->e, node, &r->req, now);
  if (rc == 0 && p->e->hooks.log && log_enabled(p->e->hooks.log, UVK_LOG_DEBUG))
    for (size_t i = 0; i < r->n; i++)  // written to the socket by now unless it was busy
      UVK_LOG(p->e->hooks.log, UVK_LOG_DEBUG, "Producer", "sent %s [%d] n=%d node=%d batch=%zu/%zu",
              r->batches[i]->q->t->name, int(r->batches[i]->q->partition), int(r->batches[i]->n), int(node), i, r->n);
  if (rc != 0) {
    // Not queued: every batch goes back by the retry policy (drain runs from a timer).
    for (size_t i = 0; i < r->n; i++) {
      r->batches[i]->q->in_flight--;
      handle_batch_error(p, r->batches[i], rc, now);
    }
    produce_req_free(r);
  }
}

static void on_topic_ensured(void *ud, const uvk_error *err);

// Asks for the topic's metadata again; its batches wait (a failure fails them).
static void refresh_topic(Producer *p, TopicState *t, uint64_t now) {
  if (t->refreshing) return;
  EnsureCtx *ctx = static_cast<EnsureCtx *>(mem_alloc(p->alloc, sizeof(EnsureCtx)));
  if (!ctx) return;  // tried again on the next drain
  ctx->t = t;
  ctx->alloc = p->alloc;
  const char *names[] = {t->name};
  if (metadata_ensure(p->e, names, 1, on_topic_ensured, ctx, now, &p->cfg.retry) != 0) {
    mem_free(p->alloc, ctx);
    return;
  }
  t->refreshing = true;
  t->refresh_ctx = ctx;
}

static void on_topic_ensured(void *ud, const uvk_error *err) {
  EnsureCtx *ctx = static_cast<EnsureCtx *>(ud);
  TopicState *t = ctx->t;
  const Allocator *a = ctx->alloc;
  mem_free(a, ctx);
  if (!t) return;  // the producer was freed meanwhile
  Producer *p = t->p;
  t->refreshing = false;
  t->refresh_ctx = nullptr;
  uint64_t now = p->e->now;
  if (err) {
    // The topic cannot be used: every waiting batch fails with why.
    int code = uvk_error_code(err);
    for (int32_t i = 0; i < t->n_queues; i++) {
      PartitionQueue *q = t->queues[i];
      if (!q) continue;
      while (ProducerBatch *b = q->ready) {
        q->ready = b->next;
        if (!q->ready) q->ready_tail = nullptr;
        producer_batch_done(p, b, code, err, -1, -1, -1);
      }
    }
  }
  producer_drain_at(p, now);
}


void producer_drain(void *ud, uint64_t now) {
  Producer *p = static_cast<Producer *>(ud);
  bool flushing = p->waiters != nullptr || p->closed || p->e->shutting_down;
  uint64_t next = UINT64_MAX;
  for (TopicState *t = p->topics; t; t = t->next)
    for (int32_t i = 0; i < t->n_queues; i++) {
      PartitionQueue *q = t->queues[i];
      if (!q || !q->head) continue;
      if (flushing) {
        queue_seal(p, q, now);
        continue;
      }
      if (q->bytes >= queue_batch_limit(p, q)) queue_seal_full(p, q, now);
      if (!q->head) continue;
      uint64_t due = q->first_at + p->cfg.linger_ms;
      if (due <= now && !queue_hold(q)) queue_seal(p, q, now);
      else if (due > now && due < next) next = due;  // a held batch goes when an answer comes
    }
  if (p->idempotent && p->pid_state != 2) {
    // Nothing goes out before the producer id (the batches carry it).
    if (!p->e->shutting_down) producer_fetch_pid(p, now);
    else producer_fail_ready(p, UVK_ECLOSED, nullptr);
    if (next != UINT64_MAX) producer_drain_at(p, next);
    return;
  }
  // Send: each pass takes at most one batch per partition (a request holds a partition
  // once), grouped by leader and acks/timeout; passes repeat while batches remain.
  for (;;) {
    struct Group {
      int32_t node;
      int acks;
      int32_t timeout;
      ProducerBatch *batches[256];
      size_t n;
      size_t bytes;
    };
    Group *groups = nullptr;
    size_t n_groups = 0, cap_groups = 0;
    bool took = false;
    for (TopicState *t = p->topics; t; t = t->next) {
      bool stale = !metadata_cache_is_current(&p->e->mcache, t->name, now);
      if (!stale && t->n_queues) producer_note_topic_id(p, t);  // before any of its batches is numbered
      for (int32_t i = 0; i < t->n_queues; i++) {
        PartitionQueue *q = t->queues[i];
        if (!q || !q->ready) continue;
        ProducerBatch *b = q->ready;
        if (b->not_before > now) {
          if (b->not_before < next) next = b->not_before;
          continue;
        }
        if (p->txn && !txn_partition_ready(p, q, now)) continue;  // AddPartitionsToTxn first
        // A broker without state for our producer id takes any first sequence number, so
        // until the partition acknowledged one batch of this epoch only one goes out: a
        // retried first batch could otherwise land after the ones sent behind it.
        if (p->idempotent && q->in_flight >= (q->confirmed ? kMaxInFlightPerPartition : 1)) continue;
        int32_t leader = -1;
        if (stale || t->refreshing || engine_leader(p->e, t->name, q->partition, &leader) != 0) {
          refresh_topic(p, t, now);
          continue;
        }
        Group *g = nullptr;
        for (size_t k = 0; k < n_groups && !g; k++)
          if (groups[k].node == leader && groups[k].acks == b->acks && groups[k].timeout == b->timeout &&
              groups[k].n < 256 && groups[k].bytes + b->bytes <= kMaxRequestBytes)
            g = &groups[k];
        if (!g) {
          if (n_groups == cap_groups) {
            size_t cap = cap_groups ? cap_groups * 2 : 4;
            void *mem = mem_realloc(p->alloc, groups, sizeof(Group) * cap);
            if (!mem) {  // try again on a later drain (one must be scheduled: nothing else wakes us)
              uint64_t again = now + uint64_t(p->cfg.retry.initial_retry_time);
              if (again < next) next = again;
              break;
            }
            groups = static_cast<Group *>(mem);
            cap_groups = cap;
          }
          g = &groups[n_groups++];
          g->node = leader, g->acks = b->acks, g->timeout = b->timeout, g->n = 0, g->bytes = 0;
        }
        q->ready = b->next;
        if (!q->ready) q->ready_tail = nullptr;
        b->next = nullptr;
        if (p->idempotent && !batch_numbered_now(p, b)) {  // new, or numbered under an old id, epoch or numbering
          b->base_seq = q->next_seq;
          b->epoch = p->epoch;
          b->pid = p->pid;
          b->seq_gen = q->seq_gen;
          int64_t next_seq = int64_t(q->next_seq) + b->n;
          q->next_seq = next_seq > INT32_MAX ? int32_t(next_seq - INT32_MAX - 1) : int32_t(next_seq);
        }
        q->in_flight++;
        g->batches[g->n++] = b;
        g->bytes += b->bytes;
        took = true;
      }
    }
    for (size_t k = 0; k < n_groups; k++) send_request(p, groups[k].node, groups[k].batches, groups[k].n, now);
    mem_free(p->alloc, groups);
    if (!took) break;
  }
  if (next != UINT64_MAX) producer_drain_at(p, next);
}

void producer_drain_at(Producer *p, uint64_t at) {
  if (engine_timer_pending(p->e, &p->drain_timer) && p->drain_timer.deadline <= at) return;
  engine_add_timer(p->e, &p->drain_timer, at, producer_drain, p);
}


}  // namespace uvk
