// The producer's queues and how a send completes: partition queues, batches sealed from
// them, and the bookkeeping that calls a send's callback once its last message is done.
#include "client/producer.h"
#include "client/producer_internal.h"

#include <string.h>

#include <new>

#include "engine/kafka_errors.h"
#include "engine/log.h"

namespace uvk {

uint32_t producer_rand(void *ud) {
  Producer *p = static_cast<Producer *>(ud);
  return uint32_t(rng_next(&p->e->rng) >> 32);
}

// ---- completion -------------------------------------------------------------------------

static void op_unlink(SendOp *op) {
  Producer *p = op->p;
  engine_cancel_timer(p->e, &op->timer);
  if (op->ensured && !op->routed && p->ensured_unrouted) p->ensured_unrouted--;
  if (p->route_from == op) p->route_from = op->next;
  if (op->prev ? op->prev->next != op : p->ops != op) return;  // not linked
  if (op->prev) op->prev->next = op->next;
  else p->ops = op->next;
  if (op->next) op->next->prev = op->prev;
  else p->ops_tail = op->prev;
  op->next = op->prev = nullptr;
}

void send_op_free_blocks(SendOp *op) {
  while (void *b = op->blocks) {
    memcpy(&op->blocks, b, sizeof(void *));
    mem_free(op->p->alloc, b);
  }
}

static void op_release(SendOp *op) {
  Producer *p = op->p;
  if (op->error) error_release(op->error);
  mem_free(p->alloc, op->results);
  send_op_free_blocks(op);
  arena_free(&op->arena);
  op->~SendOp();
  mem_free(p->alloc, op);
}

void producer_check_waiters(Producer *p) {
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

void send_op_finish(SendOp *op) {
  Producer *p = op->p;
  p->buffered -= op->bytes;
  p->st_msg_cnt -= int64_t(op->n_msgs);
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
  if (op->error) txn_note_send_failure(p, op->error);
  op->fn(op->ud, op->error, md, n);
  op_release(op);
  if (md != stack) mem_free(p->alloc, md);
  if (p->refused && p->buffered <= p->cfg.buffer_memory / 2 && p->drain_fn) {
    p->refused = false;
    p->drain_fn(p->drain_ud, 0);
  }
  producer_check_waiters(p);
}

void send_op_set_error(SendOp *op, int code, const uvk_error *cause) {
  if (op->error) return;
  if (cause) {
    op->error = const_cast<uvk_error *>(error_retain(cause));
    return;
  }
  int kafka = code <= UVK_ERR_KAFKA(0) ? int(UVK_ERR_KAFKA_CODE(code)) : 0;
  op->error = error_new(op->p->alloc, code, kafka, nullptr, 0, nullptr);
}

// Every message of a run is done: success (offsets from `offset`) or error.
void msg_run_done(Producer *p, MsgRun *r, int err, const uvk_error *cause, int64_t offset, int64_t append_time,
                  int64_t log_start) {
  SendOp *op = r->op;
  uint32_t n = r->n;
  SendResult &res = op->results[r->result];
  if (r->owned) mem_free(p->alloc, r);
  if (err) {
    if (!res.error) res.error = err;
    send_op_set_error(op, err, cause);
  } else if (!res.have_offset) {
    res.have_offset = true;
    res.base_offset = offset;
    res.log_append_time = append_time;
    res.log_start_offset = log_start;
  }
  op->remaining -= n;
  if (op->remaining == 0) send_op_finish(op);
}

void producer_batch_free(Producer *p, ProducerBatch *b) { mem_free(p->alloc, b); }

// Completes every message of b, then frees b.
void producer_batch_done(Producer *p, ProducerBatch *b, int err, const uvk_error *cause, int64_t base_offset,
                int64_t append_time, int64_t log_start) {
  MsgRun *r = b->head;
  int64_t i = 0;
  if (err == 0) producer_stats_acked(b);
  producer_batch_free(p, b);
  while (r) {
    MsgRun *next = r->next;  // r lives in its op's arena: read before the op may go
    int64_t n = r->n;
    msg_run_done(p, r, err, cause, base_offset >= 0 ? base_offset + i : -1, append_time, log_start);
    r = next;
    i += n;
  }
}

// ---- queues -----------------------------------------------------------------------------

TopicState *producer_topic(Producer *p, const char *name) {
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
  t->part.counter = producer_rand(p);
  t->next = p->topics;
  p->topics = t;
  return t;
}

PartitionQueue *producer_queue(Producer *p, TopicState *t, int32_t partition) {
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

static void ready_push_back(PartitionQueue *q, ProducerBatch *b) {
  b->next = nullptr;
  if (q->ready_tail) q->ready_tail->next = b; else q->ready = b;
  q->ready_tail = b;
}

// Back into the ready list at its place by seal order: a retried batch goes before the
// batches sealed after it (and after earlier ones that are also coming back).
void queue_ready_insert(PartitionQueue *q, ProducerBatch *b) {
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

void queue_restart_seqs(PartitionQueue *q) {
  q->next_seq = 0;
  q->confirmed = false;
  q->seq_gen++;
  for (ProducerBatch *b = q->ready; b; b = b->next) b->base_seq = -1;
}

bool batch_numbered_now(const Producer *p, const ProducerBatch *b) {
  return b->base_seq >= 0 && b->pid == p->pid && b->epoch == p->epoch && b->seq_gen == b->q->seq_gen;
}

ProducerBatch *queue_new_batch(Producer *p, PartitionQueue *q) {
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
  b->pid = -1;
  retry_start(&b->retry, p->cfg.retry, &p->e->rng);
  return b;
}

// Bytes the offset deltas of messages [from, from + n) of a batch take beyond the one byte
// each record's size counts: two bytes from the 64th record, three from the 8192nd.
static size_t delta_extra(size_t from, size_t n) {
  size_t to = from + n, extra = 0;
  if (to > 64) extra += to - (from > 64 ? from : 64);
  if (to > 8192) extra += to - (from > 8192 ? from : 8192);
  return extra;
}

static void batch_push(ProducerBatch *b, MsgRun *r, size_t bytes) {
  r->next = nullptr;
  if (b->tail) b->tail->next = r; else b->head = r;
  b->tail = r;
  b->bytes += bytes;
  b->n += int32_t(r->n);
}

// Moves the queue's messages into batches at the end of the ready list, each of at most the
// seal limit (one message at least); a run that does not fit is split. With full_only the
// seal stops once what is left is below the partition's batch limit: that rest keeps filling
// and waits for its own linger, instead of leaving as a small batch behind a full one.
static void seal(Producer *p, PartitionQueue *q, uint64_t now, bool full_only) {
  size_t keep_below = full_only ? queue_batch_limit(p, q) : 0;  // the limit the queue filled
  // Per-batch timing for latency traces (test/bench/lat_trace.py): the sink stamps the time.
  if (q->head && p->e->hooks.log)
    UVK_LOG(p->e->hooks.log, UVK_LOG_DEBUG, "Producer", "sealed %s [%d] n=%d first=%llu due=%llu now=%llu", q->t->name,
            int(q->partition), int(q->n), (unsigned long long)q->first_at,
            (unsigned long long)(q->first_at + p->cfg.linger_ms), (unsigned long long)now);
  if (q->head) queue_adapt_limit(p, q);
  size_t limit = queue_seal_limit(p, q);
  bool sealed = false;
  while (q->head && q->bytes >= keep_below) {
    ProducerBatch *b = queue_new_batch(p, q);
    if (!b) {
      // No memory for a batch: fail what is queued rather than lose it silently.
      while (MsgRun *r = q->head) {
        q->head = r->next;
        msg_run_done(p, r, UVK_ENOMEM, nullptr, -1, -1, -1);
      }
      q->bytes = 0;
      break;
    }
    while (MsgRun *r = q->head) {
      size_t whole = r->bytes + delta_extra(size_t(b->n), r->n);
      if (b->bytes + whole <= limit) {
        q->head = r->next;
        q->bytes -= r->bytes;
        q->n -= int32_t(r->n);
        batch_push(b, r, whole);
        continue;
      }
      // The messages of r that fit (one at least in an empty batch).
      const uint8_t *at = r->data;
      uint32_t k = 0;
      size_t first = 0, taken = 0;
      while (k < r->n) {
        MsgView v;
        const uint8_t *next = msg_entry_read(at, &v);
        size_t size = msg_record_size(v);
        size_t extra = delta_extra(size_t(b->n) + k, 1);
        if ((b->n > 0 || k > 0) && b->bytes + taken + size + extra > limit) break;
        first += size;
        taken += size + extra;
        at = next;
        k++;
      }
      if (k == 0) break;  // the batch is full
      // No memory to split: the batch takes the whole run (a broker refusing it as too
      // large splits it into single messages).
      if (k < r->n) {
        MsgRun *rest = msg_run_split(p, r, k, first);
        if (!rest) taken = whole;
        else if (q->tail == r) q->tail = rest;
      }
      q->head = r->next;
      q->bytes -= r->bytes;
      q->n -= int32_t(r->n);
      batch_push(b, r, taken);
      break;
    }
    b->not_before = now;
    ready_push_back(q, b);
    sealed = true;
  }
  if (!q->head) {
    q->tail = nullptr;
    q->n = 0;
    q->bytes = 0;
  } else if (sealed) {
    q->first_at = now;  // the rest's linger starts at the seal that left it
  }
  if (sealed && p->cfg.partitioner == kPartitionerSticky) partitioner_batch_closed(&q->t->part, q->partition);
}

void queue_seal(Producer *p, PartitionQueue *q, uint64_t now) { seal(p, q, now, false); }

void queue_seal_full(Producer *p, PartitionQueue *q, uint64_t now) { seal(p, q, now, true); }


}  // namespace uvk
