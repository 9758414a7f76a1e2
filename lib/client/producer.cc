#include "client/producer.h"
#include "client/producer_internal.h"

#include <string.h>
#include <time.h>

#include <new>

#include "codec/codec.h"
#include "common/arena.h"
#include "engine/kafka_errors.h"
#include "engine/metadata.h"
#include "proto/gen/api_table.h"
#include "proto/gen/init_producer_id.h"
#include "proto/gen/produce.h"
#include "proto/records.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

namespace {

int64_t wall_ms() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

uint32_t next_rand(void *ud) {
  Producer *p = static_cast<Producer *>(ud);
  return uint32_t(rng_next(&p->e->rng) >> 32);
}

void schedule_drain(Producer *p, uint64_t at);

// ---- completion -------------------------------------------------------------------------

void op_unlink(SendOp *op) {
  Producer *p = op->p;
  engine_cancel_timer(p->e, &op->timer);
  if (op->ensured && !op->routed && p->ensured_unrouted) p->ensured_unrouted--;
  if (p->route_from == op) p->route_from = op->next;
  for (SendOp **l = &p->ops; *l; l = &(*l)->next)
    if (*l == op) {
      *l = op->next;
      if (p->ops_tail == op) {
        p->ops_tail = nullptr;
        for (SendOp *o = p->ops; o; o = o->next) p->ops_tail = o;
      }
      break;
    }
}

void op_release(SendOp *op) {
  Producer *p = op->p;
  if (op->error) error_release(op->error);
  mem_free(p->alloc, op->results);
  arena_free(&op->arena);
  op->~SendOp();
  mem_free(p->alloc, op);
}

void check_waiters(Producer *p) {
  uint64_t oldest = p->ops ? p->ops->seq : UINT64_MAX;
  for (FlushWaiter **w = &p->waiters; *w;) {
    if ((*w)->seq <= oldest) {
      FlushWaiter *done = *w;
      *w = done->next;
      ProducerDoneFn fn = done->fn;
      void *ud = done->ud;
      mem_free(p->alloc, done);
      fn(ud, 0);
      w = &p->waiters;  // the callback may have changed the list
      continue;
    }
    w = &(*w)->next;
  }
}

void op_finish(SendOp *op) {
  Producer *p = op->p;
  p->buffered -= op->bytes;
  uvk_record_metadata stack[16];
  uvk_record_metadata *md = op->n_results <= 16 ? stack
      : static_cast<uvk_record_metadata *>(mem_alloc(p->alloc, sizeof(uvk_record_metadata) * op->n_results));
  size_t n = md ? op->n_results : 0;
  for (size_t i = 0; i < n; i++) {
    const SendResult &r = op->results[i];
    md[i] = uvk_record_metadata{r.topic, r.partition, r.error, r.have_offset ? r.base_offset : -1,
                                r.log_append_time, r.log_start_offset};
  }
  // Unlink first (the callback may send again or flush); md points into the op (topic
  // names), so its memory goes after the callback.
  op_unlink(op);
  if (op->error) txn_note_send_failure(p);
  op->fn(op->ud, op->error, md, n);
  op_release(op);
  if (md != stack) mem_free(p->alloc, md);
  if (p->refused && p->buffered <= p->cfg.buffer_memory / 2 && p->drain_fn) {
    p->refused = false;
    p->drain_fn(p->drain_ud, 0);
  }
  check_waiters(p);
}

void op_set_error(SendOp *op, int code, const uvk_error *cause) {
  if (op->error) return;
  if (cause) {
    op->error = const_cast<uvk_error *>(error_retain(cause));
    return;
  }
  int kafka = code <= UVK_ERR_KAFKA(0) ? int(UVK_ERR_KAFKA_CODE(code)) : 0;
  op->error = error_new(op->p->alloc, code, kafka, nullptr, 0, nullptr);
}

// One message is done: success (offset) or error.
void msg_done(PendingMsg *m, int err, const uvk_error *cause, int64_t offset, int64_t append_time,
              int64_t log_start) {
  SendOp *op = m->op;
  SendResult &r = op->results[m->result];
  if (err) {
    if (!r.error) r.error = err;
    op_set_error(op, err, cause);
  } else if (!r.have_offset) {
    r.have_offset = true;
    r.base_offset = offset;
    r.log_append_time = append_time;
    r.log_start_offset = log_start;
  }
  if (--op->remaining == 0) op_finish(op);
}

void batch_free(Producer *p, ProducerBatch *b) { mem_free(p->alloc, b); }

// Completes every message of b, then frees b.
void batch_done(Producer *p, ProducerBatch *b, int err, const uvk_error *cause, int64_t base_offset,
                int64_t append_time, int64_t log_start) {
  PendingMsg *m = b->head;
  int64_t i = 0;
  batch_free(p, b);
  while (m) {
    PendingMsg *next = m->next;  // m lives in its op's arena: read before the op may go
    msg_done(m, err, cause, base_offset >= 0 ? base_offset + i : -1, append_time, log_start);
    m = next;
    i++;
  }
}

// ---- queues -----------------------------------------------------------------------------

TopicState *topic_state(Producer *p, const char *name) {
  for (TopicState *t = p->topics; t; t = t->next)
    if (strcmp(t->name, name) == 0) return t;
  TopicState *t = static_cast<TopicState *>(mem_alloc(p->alloc, sizeof(TopicState)));
  if (!t) return nullptr;
  new (t) TopicState();
  size_t n = strlen(name);
  t->name = static_cast<char *>(mem_alloc(p->alloc, n + 1));
  if (!t->name) {
    mem_free(p->alloc, t);
    return nullptr;
  }
  memcpy(t->name, name, n + 1);
  t->p = p;
  t->part.counter = next_rand(p);
  t->next = p->topics;
  p->topics = t;
  return t;
}

PartitionQueue *queue_for(Producer *p, TopicState *t, int32_t partition) {
  if (partition < 0 || partition > 1000000) return nullptr;
  if (partition >= t->n_queues) {
    int32_t n = partition + 1;
    void *mem = mem_realloc(p->alloc, t->queues, sizeof(PartitionQueue *) * size_t(n));
    if (!mem) return nullptr;
    t->queues = static_cast<PartitionQueue **>(mem);
    for (int32_t i = t->n_queues; i < n; i++) t->queues[i] = nullptr;
    t->n_queues = n;
  }
  if (!t->queues[partition]) {
    PartitionQueue *q = static_cast<PartitionQueue *>(mem_alloc(p->alloc, sizeof(PartitionQueue)));
    if (!q) return nullptr;
    new (q) PartitionQueue();
    q->t = t;
    q->partition = partition;
    t->queues[partition] = q;
  }
  return t->queues[partition];
}

void ready_push_back(PartitionQueue *q, ProducerBatch *b) {
  b->next = nullptr;
  if (q->ready_tail) q->ready_tail->next = b; else q->ready = b;
  q->ready_tail = b;
}

// Back into the ready list at its place by seal order: a retried batch goes before the
// batches sealed after it (and after earlier ones that are also coming back).
void ready_insert(PartitionQueue *q, ProducerBatch *b) {
  ProducerBatch **link = &q->ready;
  ProducerBatch *prev = nullptr;
  while (*link && (*link)->order <= b->order) {  // equal keys (split batches) keep insertion order
    prev = *link;
    link = &(*link)->next;
  }
  b->next = *link;
  *link = b;
  if (!b->next) q->ready_tail = b;
  (void)prev;
}

ProducerBatch *new_batch(Producer *p, PartitionQueue *q) {
  ProducerBatch *b = static_cast<ProducerBatch *>(mem_alloc(p->alloc, sizeof(ProducerBatch)));
  if (!b) return nullptr;
  new (b) ProducerBatch();
  b->q = q;
  b->acks = q->acks;
  b->timeout = q->timeout;
  b->codec = q->codec;
  b->order = q->next_order++;
  b->base_seq = -1;
  b->epoch = -1;
  retry_start(&b->retry, p->cfg.retry, &p->e->rng);
  return b;
}

// Moves the queue's messages into batches of at most batch_size bytes (one message at
// least) at the end of the ready list.
void seal(Producer *p, PartitionQueue *q, uint64_t now) {
  while (q->head) {
    ProducerBatch *b = new_batch(p, q);
    if (!b) {
      // No memory for a batch: fail what is queued rather than lose it silently.
      while (PendingMsg *m = q->head) {
        q->head = m->next;
        msg_done(m, UVK_ENOMEM, nullptr, -1, -1, -1);
      }
      break;
    }
    while (q->head && (b->n == 0 || b->bytes + q->head->size <= p->cfg.batch_size)) {
      PendingMsg *m = q->head;
      q->head = m->next;
      m->next = nullptr;
      if (b->tail) b->tail->next = m; else b->head = m;
      b->tail = m;
      b->n++;
      b->bytes += m->size;
    }
    b->not_before = now;
    ready_push_back(q, b);
  }
  q->head = q->tail = nullptr;
  q->n = 0;
  q->bytes = 0;
  if (p->cfg.partitioner == kPartitionerSticky) partitioner_batch_closed(&q->t->part, q->partition);
}

// ---- sending ------------------------------------------------------------------------------

void handle_batch_error(Producer *p, ProducerBatch *b, int err, uint64_t now);
void drain(void *ud, uint64_t now);

void produce_req_free(ProduceReq *r) {
  const Allocator *a = r->arena.alloc;
  for (size_t i = 0; i < r->n; i++) buf_free(&r->records[i]);
  arena_free(&r->arena);
  r->~ProduceReq();
  mem_free(a, r);
}

int encode_produce(void *ud, Buf *out, int16_t version) {
  ProduceReq *r = static_cast<ProduceReq *>(ud);
  return proto::encode(out, r->body, version);
}

void on_produce(void *ud, int err, int16_t version, Reader *body, const Request *req) {
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
  for (size_t i = 0; i < r->n; i++) {
    ProducerBatch *b = r->batches[i];
    b->q->in_flight--;
    if (err != 0) {
      handle_batch_error(p, b, err, now);
      continue;
    }
    if (r->acks == 0) {
      batch_done(p, b, 0, nullptr, -1, -1, -1);
      continue;
    }
    const proto::ProduceResponse::PartitionProduceResponse *pr = nullptr;
    const char *topic = b->q->t->name;
    size_t tlen = strlen(topic);
    for (int32_t t = 0; t < resp.responses.count && !pr; t++) {
      const auto &tr = resp.responses.items[t];
      if (size_t(tr.name.len) != tlen || memcmp(tr.name.data, topic, tlen) != 0) continue;
      for (int32_t k = 0; k < tr.partition_responses.count; k++)
        if (tr.partition_responses.items[k].index == b->q->partition) pr = &tr.partition_responses.items[k];
    }
    if (!pr) {
      handle_batch_error(p, b, UVK_EPROTO, now);  // the broker left our partition out
      continue;
    }
    if (pr->error_code == kDuplicateSequence && p->idempotent) {
      // Written before (an earlier attempt's answer was lost): a success without offsets.
      if (b->epoch == p->epoch) b->q->confirmed = true;
      batch_done(p, b, 0, nullptr, -1, -1, -1);
      continue;
    }
    if (pr->error_code != 0) {
      handle_batch_error(p, b, UVK_ERR_KAFKA(pr->error_code), now);
      continue;
    }
    if (b->epoch == p->epoch) b->q->confirmed = true;
    batch_done(p, b, 0, nullptr, pr->base_offset, pr->log_append_time_ms, pr->log_start_offset);
  }
  arena_free(&arena);
  produce_req_free(r);
  schedule_drain(p, now);
}

// Whether a batch sealed before b on its partition is still on its way (waiting for a retry).
bool earlier_pending(const PartitionQueue *q, const ProducerBatch *b) {
  return q->ready && q->ready->order < b->order;
}

void fetch_pid(Producer *p, uint64_t now);

// A new producer epoch: sequence numbers start again at 0 on every partition, and batches
// not yet acknowledged are numbered afresh when they are next sent.
void bump_epoch(Producer *p, uint64_t now) {
  if (p->pid_state == 1) return;  // already asking
  p->pid_state = 0;
  for (TopicState *t = p->topics; t; t = t->next)
    for (int32_t i = 0; i < t->n_queues; i++) {
      PartitionQueue *q = t->queues[i];
      if (!q) continue;
      q->next_seq = 0;
      q->confirmed = false;
      for (ProducerBatch *b = q->ready; b; b = b->next) b->base_seq = -1;
    }
  fetch_pid(p, now);
}

void handle_batch_error(Producer *p, ProducerBatch *b, int err, uint64_t now) {
  PartitionQueue *q = b->q;
  if (p->idempotent && b->epoch != p->epoch) b->base_seq = -1;  // numbered under an old epoch
  int16_t kafka = err <= UVK_ERR_KAFKA(0) ? int16_t(UVK_ERR_KAFKA_CODE(err)) : 0;
  if ((kafka == kMessageTooLarge || kafka == kRecordListTooLarge) && b->n > 1) {
    // Too big together: resend one message per batch, in order, so only the oversized fail.
    PendingMsg *list = b->head;
    ProducerBatch *singles_head = nullptr, *singles_tail = nullptr;
    while (list) {
      PendingMsg *next = list->next;
      list->next = nullptr;
      ProducerBatch *s = new_batch(p, q);
      if (!s) {
        msg_done(list, UVK_ENOMEM, nullptr, -1, -1, -1);
        list = next;
        continue;
      }
      s->acks = b->acks, s->timeout = b->timeout, s->codec = b->codec;
      s->order = b->order;  // same place in line as the batch they came from, kept in order below
      s->head = s->tail = list;
      s->n = 1;
      s->bytes = list->size;
      s->not_before = now;
      if (singles_tail) singles_tail->next = s; else singles_head = s;
      singles_tail = s;
      list = next;
    }
    batch_free(p, b);
    // Before every later batch; equal keys keep insertion order, so front to back.
    while (singles_head) {
      ProducerBatch *n = singles_head->next;
      singles_head->base_seq = -1;  // new batches for the broker: new sequence numbers
      ready_insert(q, singles_head);
      singles_head = n;
    }
    return;
  }
  bool retriable_here = false;
  if (p->idempotent && (kafka == kUnknownProducerId || kafka == kInvalidProducerEpoch ||
                        (kafka == kOutOfOrderSequence && b->epoch == p->epoch && !earlier_pending(q, b)))) {
    // The broker lost our producer state (KIP-360), or a gap no earlier batch will fill:
    // a new epoch, and every unacknowledged batch gets new sequence numbers in order.
    bump_epoch(p, now);
    retriable_here = true;
  } else if (p->idempotent && (kafka == kOutOfOrderSequence || kafka == kInvalidProducerEpoch)) {
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
    ready_insert(q, b);
    return;
  }
  uvk_error *cause = error_new(p->alloc, err, kafka, nullptr, 0, nullptr);
  if (v == RetryVerdict::kExhausted) {
    uvk_error *ex = error_retries_exceeded(p->alloc, cause, b->retry.count, b->retry.wait);
    batch_done(p, b, UVK_ERETRIES, ex, -1, -1, -1);
    error_release(ex);
  } else {
    batch_done(p, b, err, cause, -1, -1, -1);
  }
  error_release(cause);
}

// Encodes the batches into one Produce request for `node` and sends it.
void send_request(Producer *p, int32_t node, ProducerBatch **batches, size_t n, uint64_t now) {
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
  r->records = arena_new_array<Buf>(&r->arena, n);
  auto *topics = arena_new_array<proto::ProduceRequest::TopicProduceData>(&r->arena, n);
  auto *parts = arena_new_array<proto::ProduceRequest::PartitionProduceData>(&r->arena, n);
  if (!r->batches || !r->records || !topics || !parts) {
    arena_free(&r->arena);
    mem_free(p->alloc, r);
    for (size_t i = 0; i < n; i++) {
      batches[i]->q->in_flight--;
      handle_batch_error(p, batches[i], UVK_ENOMEM, now);
    }
    return;
  }
  // Encode each batch; group the partitions of one topic together.
  int64_t now_wall = wall_ms();
  size_t n_topics = 0;
  for (size_t i = 0; i < n; i++) {
    ProducerBatch *b = batches[i];
    Buf *out = &r->records[r->n];
    new (out) Buf();
    out->alloc = p->alloc;
    BatchParams bp;
    bp.codec = b->codec;
    bp.transactional = p->txn != nullptr;
    if (p->idempotent) {
      bp.producer_id = p->pid;
      bp.producer_epoch = b->epoch;
      bp.base_sequence = b->base_seq;
    }
    bp.base_timestamp = b->head->timestamp >= 0 ? b->head->timestamp : now_wall;
    BatchWriter w;
    batch_begin(&w, out, bp);
    for (PendingMsg *m = b->head; m; m = m->next)
      batch_append(&w, m->timestamp >= 0 ? m->timestamp : now_wall, m->key, m->key_len, m->value,
                   m->value_len, m->headers, m->n_headers);
    buf_clear(&p->scratch);
    int rc = batch_finish(&w, &p->scratch);
    if (rc == 0 && out->failed) rc = UVK_ENOMEM;
    if (rc != 0) {
      buf_free(out);
      b->q->in_flight--;
      batch_done(p, b, rc, nullptr, -1, -1, -1);  // a codec failure is not retriable
      continue;
    }
    r->batches[r->n] = b;
    parts[r->n].index = b->q->partition;
    parts[r->n].records = proto::Bytes{out->data, int32_t(out->len)};
    r->n++;
  }
  if (r->n == 0) {
    produce_req_free(r);
    return;
  }
  // Topic blocks: partitions of the same topic next to each other (batches arrive grouped
  // by topic from drain, so this is one pass).
  size_t start = 0;
  for (size_t i = 1; i <= r->n; i++) {
    if (i < r->n && r->batches[i]->q->t == r->batches[start]->q->t) continue;
    const char *name = r->batches[start]->q->t->name;
    size_t len = strlen(name);
    char *copy = static_cast<char *>(arena_alloc(&r->arena, len + 1, 1));
    if (copy) memcpy(copy, name, len + 1);
    topics[n_topics].name = proto::Str{copy ? copy : "", int32_t(copy ? len : 0)};
    topics[n_topics].partition_data.items = &parts[start];
    topics[n_topics].partition_data.count = int32_t(i - start);
    n_topics++;
    start = i;
  }
  r->body.transactional_id = txn_produce_id(p);
  r->body.acks = int16_t(r->acks);
  r->body.timeout_ms = r->timeout;
  r->body.topic_data.items = topics;
  r->body.topic_data.count = int32_t(n_topics);
  r->req = Request();
  r->req.api_key = proto::kProduce;
  r->req.min_version = kMinProduceVersion;
  // Produce v12+ means KIP-890's transactions v2 to the broker; transactional producers stay below.
  r->req.max_version = p->txn ? 11 : proto::ProduceRequest::kMaxVersion;
  r->req.expects_response = r->acks != 0;
  r->req.encode = encode_produce;
  r->req.done = on_produce;
  r->req.ud = r;
  int rc = engine_send(p->e, node, &r->req, now);
  if (rc != 0) {
    // Not queued: every batch goes back by the retry policy (drain runs from a timer).
    for (size_t i = 0; i < r->n; i++) {
      r->batches[i]->q->in_flight--;
      handle_batch_error(p, r->batches[i], rc, now);
    }
    produce_req_free(r);
  }
}

void on_topic_ensured(void *ud, const uvk_error *err);

// Asks for the topic's metadata again; its batches wait (a failure fails them).
void refresh_topic(Producer *p, TopicState *t, uint64_t now) {
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

void on_topic_ensured(void *ud, const uvk_error *err) {
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
        batch_done(p, b, code, err, -1, -1, -1);
      }
    }
  }
  schedule_drain(p, now);
}

int encode_init_pid(void *ud, Buf *out, int16_t version) {
  PidReq *pr = static_cast<PidReq *>(ud);
  Producer *p = pr->p;
  if (!p) return proto::encode(out, proto::InitProducerIdRequest(), version);
  proto::InitProducerIdRequest req;
  req.transactional_id = proto::Str{};  // null: idempotence without transactions
  req.transaction_timeout_ms = 60000;
  if (p->txn) txn_fill_init_pid(p, &req.transactional_id, &req.transaction_timeout_ms);
  if (version >= 3 && p->pid >= 0) {  // KIP-360: bump the epoch of the id we have
    req.producer_id = p->pid;
    req.producer_epoch = p->epoch;
  }
  return proto::encode(out, req, version);
}

void on_init_pid(void *ud, int err, int16_t version, Reader *body, const Request *);

void send_init_pid(void *ud, uint64_t now) {
  Producer *p = static_cast<Producer *>(ud);
  // A transactional producer asks its transaction coordinator; while that is looked up,
  // the lookup calls us again (producer_send_init_pid).
  int32_t node = p->txn ? txn_init_pid_node(p, now) : -1;
  if (p->txn && node < 0) return;
  PidReq *pr = static_cast<PidReq *>(mem_alloc(p->alloc, sizeof(PidReq)));
  if (!pr) {
    engine_add_timer(p->e, &p->pid_timer, now + 100, send_init_pid, p);  // try again soon
    return;
  }
  new (pr) PidReq();
  pr->p = p;
  pr->alloc = p->alloc;
  pr->req.api_key = proto::kInitProducerId;
  pr->req.min_version = 0;
  pr->req.max_version = proto::InitProducerIdRequest::kMaxVersion;
  pr->req.encode = encode_init_pid;
  pr->req.done = on_init_pid;
  pr->req.ud = pr;
  p->pid_req = pr;
  int rc = engine_send(p->e, node, &pr->req, now);
  if (rc != 0) on_init_pid(pr, rc, -1, nullptr, &pr->req);
}

void fail_all_ready(Producer *p, int code, const uvk_error *cause) {
  for (TopicState *t = p->topics; t; t = t->next)
    for (int32_t i = 0; i < t->n_queues; i++) {
      PartitionQueue *q = t->queues[i];
      while (q && q->ready) {
        ProducerBatch *b = q->ready;
        q->ready = b->next;
        if (!q->ready) q->ready_tail = nullptr;
        batch_done(p, b, code, cause, -1, -1, -1);
      }
    }
}

void on_init_pid(void *ud, int err, int16_t version, Reader *body, const Request *) {
  PidReq *pr = static_cast<PidReq *>(ud);
  Producer *p = pr->p;
  const Allocator *a = pr->alloc;
  pr->~PidReq();
  mem_free(a, pr);
  if (!p) return;  // the producer was freed meanwhile
  p->pid_req = nullptr;
  uint64_t now = p->e->now;
  if (err == 0) {
    Arena arena;
    arena.alloc = p->alloc;
    proto::InitProducerIdResponse resp;
    err = proto::decode(body, &arena, &resp, version);
    if (err == 0 && resp.error_code != 0) err = UVK_ERR_KAFKA(resp.error_code);
    if (err == 0) {
      p->pid = resp.producer_id;
      p->epoch = resp.producer_epoch;
      p->pid_state = 2;
      retry_start(&p->pid_retry, p->cfg.retry, &p->e->rng);
    }
    arena_free(&arena);
  }
  if (err != 0) {
    txn_init_pid_failed(p, err);
    int64_t wait = 0;
    RetryVerdict v = p->e->shutting_down ? RetryVerdict::kGiveUp
                                         : retry_on_error(&p->pid_retry, p->cfg.retry, &p->e->rng, err, &wait);
    if (v == RetryVerdict::kRetry) {
      engine_add_timer(p->e, &p->pid_timer, now + uint64_t(wait), send_init_pid, p);
      return;
    }
    // No producer id: what waits to be sent fails with why.
    p->pid_state = 0;
    retry_start(&p->pid_retry, p->cfg.retry, &p->e->rng);
    uvk_error *cause = error_new(p->alloc, err, err <= UVK_ERR_KAFKA(0) ? int(UVK_ERR_KAFKA_CODE(err)) : 0,
                                 nullptr, 0, nullptr);
    fail_all_ready(p, p->e->shutting_down ? UVK_ECLOSED : err, cause);
    error_release(cause);
    return;
  }
  schedule_drain(p, now);
}

void fetch_pid(Producer *p, uint64_t now) {
  if (p->pid_state != 0) return;
  p->pid_state = 1;
  engine_add_timer(p->e, &p->pid_timer, now, send_init_pid, p);
}

// Seals what linger allows and sends every ready batch whose backoff is over.
void drain(void *ud, uint64_t now) {
  Producer *p = static_cast<Producer *>(ud);
  bool flushing = p->waiters != nullptr || p->closed || p->e->shutting_down;
  uint64_t next = UINT64_MAX;
  for (TopicState *t = p->topics; t; t = t->next)
    for (int32_t i = 0; i < t->n_queues; i++) {
      PartitionQueue *q = t->queues[i];
      if (!q || !q->head) continue;
      uint64_t due = q->first_at + p->cfg.linger_ms;
      if (flushing || due <= now || q->bytes >= p->cfg.batch_size) seal(p, q, now);
      else if (due < next) next = due;
    }
  if (p->idempotent && p->pid_state != 2) {
    // Nothing goes out before the producer id (the batches carry it).
    if (!p->e->shutting_down) fetch_pid(p, now);
    else fail_all_ready(p, UVK_ECLOSED, nullptr);
    if (next != UINT64_MAX) schedule_drain(p, next);
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
    };
    Group *groups = nullptr;
    size_t n_groups = 0, cap_groups = 0;
    bool took = false;
    for (TopicState *t = p->topics; t; t = t->next) {
      const CachedTopic *ct = metadata_cache_topic(&p->e->mcache, t->name);
      bool stale = !ct || ct->stale || now - ct->fetched_at >= p->e->mcache.max_age_ms;
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
              groups[k].n < 256)
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
          g->node = leader, g->acks = b->acks, g->timeout = b->timeout, g->n = 0;
        }
        q->ready = b->next;
        if (!q->ready) q->ready_tail = nullptr;
        b->next = nullptr;
        if (p->idempotent && (b->base_seq < 0 || b->epoch != p->epoch)) {  // new, or numbered under an old epoch
          b->base_seq = q->next_seq;
          b->epoch = p->epoch;
          int64_t next_seq = int64_t(q->next_seq) + b->n;
          q->next_seq = next_seq > INT32_MAX ? int32_t(next_seq - INT32_MAX - 1) : int32_t(next_seq);
        }
        q->in_flight++;
        g->batches[g->n++] = b;
        took = true;
      }
    }
    for (size_t k = 0; k < n_groups; k++) send_request(p, groups[k].node, groups[k].batches, groups[k].n, now);
    mem_free(p->alloc, groups);
    if (!took) break;
  }
  if (next != UINT64_MAX) schedule_drain(p, next);
}

void schedule_drain(Producer *p, uint64_t at) {
  if (engine_timer_pending(p->e, &p->drain_timer) && p->drain_timer.deadline <= at) return;
  engine_add_timer(p->e, &p->drain_timer, at, drain, p);
}

// ---- routing --------------------------------------------------------------------------

SendResult *result_for(SendOp *op, const char *topic, int32_t partition, uint32_t *index) {
  for (size_t i = 0; i < op->n_results; i++)
    if (op->results[i].partition == partition && strcmp(op->results[i].topic, topic) == 0) {
      *index = uint32_t(i);
      return &op->results[i];
    }
  if (op->n_results == op->cap_results) {
    size_t cap = op->cap_results ? op->cap_results * 2 : 4;
    void *mem = mem_realloc(op->p->alloc, op->results, sizeof(SendResult) * cap);
    if (!mem) return nullptr;
    op->results = static_cast<SendResult *>(mem);
    op->cap_results = cap;
  }
  *index = uint32_t(op->n_results);
  SendResult &r = op->results[op->n_results++];
  r = SendResult{topic, partition, 0, -1, -1, -1, false};
  return &r;
}

const void *copy_bytes(Arena *a, const void *src, size_t n, bool borrow);

// Copies the headers of a message routed straight from the caller's array (not borrowed).
RecordHeader *copy_headers(Arena *a, const uvk_message &um) {
  RecordHeader *hs = arena_new_array<RecordHeader>(a, um.n_headers);
  for (size_t h = 0; hs && h < um.n_headers; h++) {
    size_t nlen = strlen(um.headers[h].name);
    const void *name = copy_bytes(a, um.headers[h].name, nlen, false);
    const void *value = copy_bytes(a, um.headers[h].value, um.headers[h].value_len, false);
    if (!name || (um.headers[h].value && !value)) return nullptr;
    hs[h] = RecordHeader{static_cast<const uint8_t *>(name), int32_t(nlen), static_cast<const uint8_t *>(value),
                         um.headers[h].value ? int32_t(um.headers[h].value_len) : 0};
  }
  return hs;
}

void finish_deferred(void *ud, uint64_t) {
  SendOp *op = static_cast<SendOp *>(ud);
  if (--op->remaining == 0) op_finish(op);
}

// Puts the messages of `topics` on their partition queues. `copy`: the messages are the
// caller's (routed inside the send call) and key, value and headers are copied into the
// op unless borrowed; `in_send`: we are inside producer_send, where no callback may run,
// so an op some of whose messages failed here completes on the next turn.
void route(SendOp *op, const uvk_topic_messages *topics, size_t n_topics, const uvk_error *err, uint64_t now,
           bool copy = false, bool borrow = true, bool in_send = false) {
  Producer *p = op->p;
  // Every message gets a PendingMsg (in the op's arena) and a result slot first.
  size_t total = 0;
  for (size_t t = 0; t < n_topics; t++) total += topics[t].n_messages;
  op->remaining = total;
  PendingMsg *msgs = arena_new_array<PendingMsg>(&op->arena, total);
  size_t k = 0;
  uint64_t due = UINT64_MAX;
  bool seal_now = false;
  // Hold one extra count so the op cannot finish while we are still routing.
  op->remaining++;
  for (size_t t = 0; t < n_topics; t++) {
    const uvk_topic_messages &tm = topics[t];
    TopicState *ts = topic_state(p, tm.topic);
    // Results name the topic by the producer's own copy: the caller's string may not last.
    const char *topic_name = ts ? ts->name : tm.topic;
    const CachedTopic *ct = metadata_cache_topic(&p->e->mcache, tm.topic);
    PartitionInfo stack[64];
    PartitionInfo *parts = stack;
    int32_t n_parts = ct ? ct->n_partitions : 0;
    if (n_parts > 64) parts = static_cast<PartitionInfo *>(mem_alloc(p->alloc, sizeof(PartitionInfo) * size_t(n_parts)));
    if (parts)
      for (int32_t i = 0; i < n_parts; i++)
        parts[i] = PartitionInfo{ct->partitions[i].partition, ct->partitions[i].leader};
    for (size_t i = 0; i < tm.n_messages; i++) {
      const uvk_message &um = tm.messages[i];
      uint32_t ri = 0;
      int32_t partition = -1;
      int fail = err ? uvk_error_code(err) : 0;
      if (!fail && (!msgs || !ts || !parts)) fail = UVK_ENOMEM;
      if (!fail) {
        if (p->custom) {
          static_assert(sizeof(uvk_partition_info) == sizeof(PartitionInfo), "same layout");
          const uvk_partition_info *ip = reinterpret_cast<const uvk_partition_info *>(parts);
          partition = p->custom(p->custom_ud, tm.topic, ip, size_t(n_parts), &um);
        }
        if (partition < 0)
          partition = partitioner_choose(&ts->part, p->cfg.partitioner, parts, size_t(n_parts), um.partition,
                                         static_cast<const uint8_t *>(um.key), um.key ? um.key_len : 0,
                                         next_rand, p);
        bool exists = false;
        for (int32_t j = 0; j < n_parts && !exists; j++) exists = parts[j].partition_id == partition;
        if (!exists) fail = UVK_ERR_KAFKA(kUnknownTopic);
      }
      SendResult *r = result_for(op, topic_name, partition, &ri);
      if (!r) {
        // No memory even for the result: count the message as failed in the op's error.
        op_set_error(op, UVK_ENOMEM, nullptr);
        op->remaining--;
        continue;
      }
      if (fail) {
        if (!r->error) r->error = fail;
        op_set_error(op, fail, fail == (err ? uvk_error_code(err) : 0) ? err : nullptr);
        op->remaining--;
        continue;
      }
      PendingMsg *m = &msgs[k++];
      m->op = op;
      m->result = ri;
      m->timestamp = um.timestamp;
      m->key = static_cast<const uint8_t *>(copy ? copy_bytes(&op->arena, um.key, um.key_len, borrow) : um.key);
      m->key_len = um.key ? int32_t(um.key_len) : 0;
      m->value = static_cast<const uint8_t *>(copy ? copy_bytes(&op->arena, um.value, um.value_len, borrow)
                                                   : um.value);
      m->value_len = um.value ? int32_t(um.value_len) : 0;
      m->n_headers = int32_t(um.n_headers);
      m->headers = nullptr;
      if (um.n_headers && copy && !borrow) {
        m->headers = copy_headers(&op->arena, um);
      } else if (um.n_headers) {
        m->headers = arena_new_array<RecordHeader>(&op->arena, um.n_headers);
        for (size_t h = 0; m->headers && h < um.n_headers; h++)
          m->headers[h] = RecordHeader{reinterpret_cast<const uint8_t *>(um.headers[h].name),
                                       int32_t(strlen(um.headers[h].name)),
                                       static_cast<const uint8_t *>(um.headers[h].value),
                                       um.headers[h].value ? int32_t(um.headers[h].value_len) : 0};
      }
      if ((um.key && !m->key) || (um.value && !m->value) || (um.n_headers && !m->headers)) {
        msg_done(m, UVK_ENOMEM, nullptr, -1, -1, -1);  // no memory for its copy
        continue;
      }
      m->size = uint32_t(record_size(0, 0, m->key ? m->key_len : -1, m->value ? m->value_len : -1, m->headers,
                            m->n_headers));
      PartitionQueue *q = queue_for(p, ts, partition);
      if (!q) {
        msg_done(m, UVK_ENOMEM, nullptr, -1, -1, -1);
        continue;
      }
      if (q->head && (q->acks != op->acks || q->timeout != op->timeout || q->codec != op->codec))
        seal(p, q, now);  // one batch, one set of acks/timeout/codec
      if (!q->head) {
        q->first_at = now;
        q->acks = op->acks, q->timeout = op->timeout, q->codec = op->codec;
      }
      m->next = nullptr;
      if (q->tail) q->tail->next = m; else q->head = m;
      q->tail = m;
      q->n++;
      q->bytes += m->size;
      if (q->bytes >= p->cfg.batch_size) seal_now = true;
      if (q->first_at + p->cfg.linger_ms < due) due = q->first_at + p->cfg.linger_ms;
    }
    if (parts != stack) mem_free(p->alloc, parts);
  }
  if (seal_now || p->cfg.linger_ms == 0 || p->waiters) due = now;
  if (due != UINT64_MAX) schedule_drain(p, due);
  if (in_send && op->error) {
    engine_add_timer(p->e, &op->timer, now, finish_deferred, op);  // keeps the hold until then
    return;
  }
  // In a send without failures every message is queued, so this cannot reach zero there.
  if (--op->remaining == 0) op_finish(op);
}

bool share_topic(const SendOp *a, const SendOp *b) {
  for (size_t i = 0; i < a->n_topics; i++)
    for (size_t j = 0; j < b->n_topics; j++)
      if (strcmp(a->topics[i].topic, b->topics[j].topic) == 0) return true;
  return false;
}

// Topics of the unrouted ops a scan has passed: a later op sharing one of them waits.
struct BlockedTopics {
  const char *names[8];
  size_t n = 0;
  bool overflow = false;  // more topics than fit: compare with the earlier ops themselves

  void add(const SendOp *op) {
    for (size_t i = 0; i < op->n_topics && !overflow; i++) {
      const char *t = op->topics[i].topic;
      bool seen = false;
      for (size_t k = 0; k < n && !seen; k++) seen = strcmp(names[k], t) == 0;
      if (seen) continue;
      if (n == sizeof names / sizeof names[0]) overflow = true;
      else names[n++] = t;
    }
  }
  bool shares(const SendOp *op, const SendOp *from) const {
    if (overflow) {
      for (const SendOp *before = from; before != op; before = before->next)
        if (!before->routed && share_topic(before, op)) return true;
      return false;
    }
    for (size_t i = 0; i < op->n_topics; i++)
      for (size_t k = 0; k < n; k++)
        if (strcmp(names[k], op->topics[i].topic) == 0) return true;
    return false;
  }
};

// Routes ensured ops in send order per topic: an op waits while an earlier op with a
// topic in common is not routed yet, so sends to a partition keep their order even when
// their metadata lookups finish in another order. The scan stops once it has passed every
// ensured op, so ops still waiting for metadata cost nothing.
void route_ready(Producer *p, uint64_t now) {
  for (bool again = true; again;) {
    again = false;
    while (p->route_from && p->route_from->routed) p->route_from = p->route_from->next;
    BlockedTopics blocked;
    size_t ensured_seen = 0;
    for (SendOp *op = p->route_from; op && ensured_seen < p->ensured_unrouted; op = op->next) {
      if (op->routed) continue;
      bool wait = !op->ensured || blocked.shares(op, p->route_from);
      if (op->ensured) ensured_seen++;
      if (wait) {
        blocked.add(op);
        continue;
      }
      op->routed = true;
      p->ensured_unrouted--;
      const uvk_error *err = op->ensure_err;
      op->ensure_err = nullptr;
      route(op, op->topics, op->n_topics, err, now);  // may finish (and free) op: start the scan over
      if (err) error_release(err);
      again = true;
      break;
    }
  }
}

void on_send_ensured(void *ud, const uvk_error *err) {
  SendOp *op = static_cast<SendOp *>(ud);
  if (op->orphaned) {  // completed with UVK_ECLOSED when the producer was freed
    const Allocator *a = op->arena.alloc;
    arena_free(&op->arena);
    op->~SendOp();
    mem_free(a, op);
    return;
  }
  op->ensured = true;
  op->p->ensured_unrouted++;
  op->ensure_err = err ? error_retain(err) : nullptr;
  route_ready(op->p, op->p->e->now);
}

// Whether a send can be routed inside the call: every earlier op is routed (so it cannot
// overtake one) and the cached metadata of each of its topics is usable as it is. Then
// no copy of the message array and no metadata round through the loop is needed.
bool can_route_now(Producer *p, const uvk_topic_messages *topics, size_t n_topics, uint64_t now) {
  while (p->route_from && p->route_from->routed) p->route_from = p->route_from->next;
  if (p->route_from) return false;
  for (size_t t = 0; t < n_topics; t++) {
    if (metadata_cache_needs_refresh(&p->e->mcache, topics[t].topic, now)) return false;
    if (!topic_state(p, topics[t].topic)) return false;  // no memory: the slow path reports it
  }
  return true;
}

// ---- copying the input ------------------------------------------------------------------

const void *copy_bytes(Arena *a, const void *src, size_t n, bool borrow) {
  if (!src || borrow) return src;
  void *dst = arena_alloc(a, n ? n : 1, 1);
  if (dst && n) memcpy(dst, src, n);
  return dst;
}

const char *copy_str(Arena *a, const char *s) {
  size_t n = strlen(s);
  char *d = static_cast<char *>(arena_alloc(a, n + 1, 1));
  if (d) memcpy(d, s, n + 1);
  return d;
}

}  // namespace

void producer_drain_at(Producer *p, uint64_t at) { schedule_drain(p, at); }
void producer_send_init_pid(Producer *p, uint64_t now) { send_init_pid(p, now); }
void producer_fail_ready(Producer *p, int code, const uvk_error *cause) { fail_all_ready(p, code, cause); }

Producer *producer_new(Engine *e, const ProducerConfig &cfg, const Allocator *a) {
  Producer *p = static_cast<Producer *>(mem_alloc(a, sizeof(Producer)));
  if (!p) return nullptr;
  new (p) Producer();
  p->e = e;
  p->cfg = cfg;
  if (!cfg.own_retry) p->cfg.retry = e->cfg.retry;  // the client's policy unless the producer has one
  if (p->cfg.batch_size == 0) p->cfg.batch_size = 1;
  p->alloc = a;
  p->scratch.alloc = a;
  p->idempotent = cfg.idempotent || (cfg.transactional_id && *cfg.transactional_id);
  p->pid = -1;
  p->epoch = -1;
  retry_start(&p->pid_retry, p->cfg.retry, &e->rng);
  if (cfg.transactional_id && *cfg.transactional_id &&
      txn_new(p, cfg.transactional_id, cfg.transaction_timeout_ms) != 0) {
    p->~Producer();
    mem_free(a, p);
    return nullptr;
  }
  return p;
}

void producer_free(Producer *p) {
  if (!p) return;
  p->closed = true;
  engine_cancel_timer(p->e, &p->drain_timer);
  engine_cancel_timer(p->e, &p->pid_timer);
  if (p->pid_req) p->pid_req->p = nullptr;
  // In-flight requests stay with the engine; they no longer point at us. Their batches
  // are failed here: collect them first.
  // (The engine completes requests only from its own turns, never inside this call.)
  for (TopicState *t = p->topics; t; t = t->next)
    for (int32_t i = 0; i < t->n_queues; i++) {
      PartitionQueue *q = t->queues[i];
      if (!q) continue;
      while (PendingMsg *m = q->head) {
        q->head = m->next;
        msg_done(m, UVK_ECLOSED, nullptr, -1, -1, -1);
      }
      while (ProducerBatch *b = q->ready) {
        q->ready = b->next;
        batch_done(p, b, UVK_ECLOSED, nullptr, -1, -1, -1);
      }
    }
  // Ops still waiting (metadata, in-flight requests) complete with UVK_ECLOSED now; a
  // late response finds the request orphaned.
  for (EngineConn *c = p->e->conns; c; c = c->next)
    for (int list = 0; list < 2; list++)
      for (Request *r = list == 0 ? c->conn.queued : c->conn.in_flight; r; r = r->next)
        if (r->done == on_produce) {
          ProduceReq *pr = static_cast<ProduceReq *>(r->ud);
          if (pr->p != p) continue;
          for (size_t i = 0; i < pr->n; i++) batch_done(p, pr->batches[i], UVK_ECLOSED, nullptr, -1, -1, -1);
          pr->n = 0;
          pr->p = nullptr;
        }
  // Ops still waiting for metadata: complete them now; the metadata answer frees them.
  while (SendOp *op = p->ops) {
    p->ops = op->next;
    p->buffered -= op->bytes;
    uvk_error *err = error_new(p->alloc, UVK_ECLOSED, 0, nullptr, 0, op->error);
    op->fn(op->ud, err, nullptr, 0);
    error_release(err);
    if (op->error) error_release(op->error);
    op->error = nullptr;
    mem_free(p->alloc, op->results);
    op->results = nullptr;
    if (op->ensure_err) error_release(op->ensure_err);
    op->ensure_err = nullptr;
    if (op->ensured) {
      arena_free(&op->arena);
      op->~SendOp();
      mem_free(p->alloc, op);
    } else {
      op->orphaned = true;
    }
  }
  p->ops_tail = nullptr;
  p->route_from = nullptr;
  p->ensured_unrouted = 0;
  for (TopicState *t = p->topics; t; t = t->next)
    if (t->refresh_ctx) t->refresh_ctx->t = nullptr;
  while (FlushWaiter *w = p->waiters) {
    p->waiters = w->next;
    ProducerDoneFn fn = w->fn;
    void *ud = w->ud;
    mem_free(p->alloc, w);
    fn(ud, UVK_ECLOSED);
  }
  txn_free(p);  // after the flush waiters: a commit / abort waiting for one ends with them
  while (TopicState *t = p->topics) {
    p->topics = t->next;
    for (int32_t i = 0; i < t->n_queues; i++) mem_free(p->alloc, t->queues[i]);
    mem_free(p->alloc, t->queues);
    mem_free(p->alloc, t->name);
    mem_free(p->alloc, t);
  }
  buf_free(&p->scratch);
  const Allocator *a = p->alloc;
  p->~Producer();
  mem_free(a, p);
}

void producer_set_partitioner(Producer *p, uvk_partitioner_fn fn, void *ud) {
  p->custom = fn;
  p->custom_ud = ud;
}

void producer_set_drain(Producer *p, ProducerDoneFn fn, void *ud) {
  p->drain_fn = fn;
  p->drain_ud = ud;
}

int producer_send(Producer *p, const uvk_topic_messages *topics, size_t n_topics,
                  const uvk_send_options &opts, ProducerSendFn fn, void *ud, uint64_t now) {
  if (p->closed || p->e->shutting_down) return UVK_ECLOSED;
  if (!topics || n_topics == 0 || n_topics > 10000 || !fn) return UVK_EINVAL;
  if (opts.acks != -1 && opts.acks != 0 && opts.acks != 1) return UVK_EINVAL;
  if (p->idempotent && opts.acks != -1) return UVK_EINVAL;  // idempotence needs acks -1
  if (!txn_accepts_sends(p)) return UVK_ESTATE;  // transactional: only inside a transaction
  if (opts.timeout < 0 || opts.compression < 0 || opts.compression > 7) return UVK_EINVAL;
  if (opts.compression != 0 && !codec_available(opts.compression)) return UVK_EUNSUPPORTED;
  size_t bytes = 0, n_msgs = 0;
  for (size_t t = 0; t < n_topics; t++) {
    const uvk_topic_messages &tm = topics[t];
    if (!tm.topic || !*tm.topic || strlen(tm.topic) > 249 || (tm.n_messages && !tm.messages)) return UVK_EINVAL;
    for (size_t i = 0; i < tm.n_messages; i++) {
      const uvk_message &m = tm.messages[i];
      if ((m.key && m.key_len > INT32_MAX) || (m.value && m.value_len > INT32_MAX) ||
          (m.n_headers && !m.headers) || m.n_headers > 100000 || m.partition < -1)
        return UVK_EINVAL;
      bytes += kMessageOverhead + (m.key ? m.key_len : 0) + (m.value ? m.value_len : 0);
      for (size_t h = 0; h < m.n_headers; h++) {
        if (!m.headers[h].name) return UVK_EINVAL;
        bytes += 8 + strlen(m.headers[h].name) + (m.headers[h].value ? m.headers[h].value_len : 0);
      }
    }
    n_msgs += tm.n_messages;
  }
  if (n_msgs == 0) return UVK_EINVAL;
  if (bytes > p->cfg.buffer_memory) return UVK_ETOOLARGE;
  if (p->buffered + bytes > p->cfg.buffer_memory) {
    p->refused = true;
    return UVK_EQUEUEFULL;
  }
  SendOp *op = static_cast<SendOp *>(mem_alloc(p->alloc, sizeof(SendOp)));
  if (!op) return UVK_ENOMEM;
  new (op) SendOp();
  op->p = p;
  op->arena.alloc = p->alloc;
  op->acks = opts.acks;
  op->timeout = opts.timeout;
  op->codec = opts.compression;
  op->fn = fn;
  op->ud = ud;
  bool borrow = opts.borrow != 0;
  if (can_route_now(p, topics, n_topics, now)) {
    op->bytes = bytes;
    p->buffered += bytes;
    op->seq = p->next_seq++;
    op->ensured = op->routed = true;
    if (p->ops_tail) p->ops_tail->next = op; else p->ops = op;
    p->ops_tail = op;
    route(op, topics, n_topics, nullptr, now, true, borrow, true);
    return 0;
  }
  op->n_topics = n_topics;
  op->topics = arena_new_array<uvk_topic_messages>(&op->arena, n_topics);
  const char **names = arena_new_array<const char *>(&op->arena, n_topics);
  bool ok = op->topics && names;
  for (size_t t = 0; ok && t < n_topics; t++) {
    const uvk_topic_messages &in = topics[t];
    uvk_topic_messages &out = op->topics[t];
    out.topic = copy_str(&op->arena, in.topic);
    out.n_messages = in.n_messages;
    uvk_message *msgs = arena_new_array<uvk_message>(&op->arena, in.n_messages ? in.n_messages : 1);
    out.messages = msgs;
    names[t] = out.topic;
    ok = out.topic && msgs;
    for (size_t i = 0; ok && i < in.n_messages; i++) {
      const uvk_message &m = in.messages[i];
      uvk_message &c = msgs[i];
      c = m;
      c.key = copy_bytes(&op->arena, m.key, m.key_len, borrow);
      c.value = copy_bytes(&op->arena, m.value, m.value_len, borrow);
      ok = (!m.key || c.key) && (!m.value || c.value);
      if (ok && m.n_headers && !borrow) {
        uvk_header *hs = arena_new_array<uvk_header>(&op->arena, m.n_headers);
        ok = hs != nullptr;
        for (size_t h = 0; ok && h < m.n_headers; h++) {
          hs[h].name = copy_str(&op->arena, m.headers[h].name);
          hs[h].value = copy_bytes(&op->arena, m.headers[h].value, m.headers[h].value_len, false);
          hs[h].value_len = m.headers[h].value_len;
          ok = hs[h].name && (!m.headers[h].value || hs[h].value);
        }
        c.headers = hs;
      }
    }
  }
  int rc = ok ? 0 : UVK_ENOMEM;
  if (rc == 0) rc = metadata_ensure(p->e, names, int(n_topics), on_send_ensured, op, now, &p->cfg.retry);
  if (rc != 0) {
    arena_free(&op->arena);
    op->~SendOp();
    mem_free(p->alloc, op);
    return rc;
  }
  op->bytes = bytes;
  p->buffered += bytes;
  op->seq = p->next_seq++;
  op->next = nullptr;
  if (p->ops_tail) p->ops_tail->next = op; else p->ops = op;
  p->ops_tail = op;
  if (!p->route_from) p->route_from = op;
  return 0;
}

int producer_flush(Producer *p, ProducerDoneFn fn, void *ud, uint64_t now) {
  if (!fn) return UVK_EINVAL;
  FlushWaiter *w = static_cast<FlushWaiter *>(mem_alloc(p->alloc, sizeof(FlushWaiter)));
  if (!w) return UVK_ENOMEM;
  w->seq = p->next_seq;
  w->fn = fn;
  w->ud = ud;
  w->next = p->waiters;
  p->waiters = w;
  // Seal and send now; with nothing pending the waiter completes on that drain's turn.
  engine_add_timer(p->e, &p->drain_timer, now, [](void *ud2, uint64_t t) {
    Producer *pr = static_cast<Producer *>(ud2);
    drain(pr, t);
    check_waiters(pr);
  }, p);
  return 0;
}

void producer_close(Producer *p) { p->closed = true; }

size_t producer_buffered(const Producer *p) { return p->buffered; }

}  // namespace uvk
