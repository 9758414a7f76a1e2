// The producer's public face: creating and freeing it, send (checks, the bufferMemory
// budget, the copy of what must outlive the call) and flush. Routing, queues, the wire
// and idempotence live in producer_route.cc, producer_queue.cc, producer_wire.cc and
// producer_pid.cc; transactions in producer_txn.cc.
#include "client/producer.h"
#include "client/producer_internal.h"

#include <string.h>

#include <new>

#include "codec/codec.h"
#include "common/arena.h"
#include "engine/metadata.h"
#include "engine/kafka_errors.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

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
  producer_stats_register(p);
  return p;
}

void producer_free(Producer *p) {
  if (!p) return;
  engine_stats_remove_source(p->e, &p->stats_src);
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
      while (MsgRun *r = q->head) {
        q->head = r->next;
        msg_run_done(p, r, UVK_ECLOSED, nullptr, -1, -1, -1);
      }
      while (ProducerBatch *b = q->ready) {
        q->ready = b->next;
        producer_batch_done(p, b, UVK_ECLOSED, nullptr, -1, -1, -1);
      }
    }
  // Produce requests queued or in flight: their batches complete with UVK_ECLOSED now; a
  // late response finds the request orphaned (producer_on_produce frees it).
  engine_cancel_owner(p->e, p, [](Request *r) {
    ProduceReq *pr = static_cast<ProduceReq *>(r->ud);
    for (size_t i = 0; i < pr->n; i++) producer_batch_done(pr->p, pr->batches[i], UVK_ECLOSED, nullptr, -1, -1, -1);
    pr->n = 0;
    pr->p = nullptr;
  });
  // Ops still waiting for metadata: complete them now; the metadata answer frees them.
  while (SendOp *op = p->ops) {
    p->ops = op->next;
    if (p->ops) p->ops->prev = nullptr;
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
    if (op->ensured || op->host) {  // a rider has no metadata_ensure of its own to wait for
      send_op_free_blocks(op);
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

namespace {

// What a send holds, by where its messages go: routed inside the call (entries copying the
// bytes unless borrowed) or after a metadata round (a copy of the message array first, the
// entries then pointing into it). Borrowed payloads count too: bufferMemory bounds what
// the application must keep alive as well.
struct SendSize {
  size_t kv = 0;       // keys and values
  size_t headers = 0;  // header names and values
  size_t n_headers = 0;
  size_t entries_inline = 0, entries_ptr = 0;
  size_t msgs = 0;
};

// The send's arguments against the rules: 0 with *size, or why it is refused.
int check_send(Producer *p, const uvk_topic_messages *topics, size_t n_topics, const uvk_send_options &opts,
               SendSize *size) {
  if (!topics || n_topics == 0 || n_topics > 10000) return UVK_EINVAL;
  if (opts.acks != -1 && opts.acks != 0 && opts.acks != 1) return UVK_EINVAL;
  if (p->idempotent && opts.acks != -1) return UVK_EINVAL;  // idempotence needs acks -1
  if (!txn_accepts_sends(p)) return UVK_ESTATE;  // transactional: only inside a transaction
  if (opts.timeout < 0 || opts.compression < 0 || opts.compression > 7) return UVK_EINVAL;
  if (opts.compression != 0 && !codec_available(opts.compression)) return UVK_EUNSUPPORTED;
  SendSize s;
  for (size_t t = 0; t < n_topics; t++) {
    const uvk_topic_messages &tm = topics[t];
    if (!tm.topic || !*tm.topic || strlen(tm.topic) > 249 || (tm.n_messages && !tm.messages)) return UVK_EINVAL;
    for (size_t i = 0; i < tm.n_messages; i++) {
      const uvk_message &m = tm.messages[i];
      if ((m.key && m.key_len > INT32_MAX) || (m.value && m.value_len > INT32_MAX) ||
          (m.n_headers && !m.headers) || m.n_headers > 100000 || m.partition < -1)
        return UVK_EINVAL;
      s.kv += (m.key ? m.key_len : 0) + (m.value ? m.value_len : 0);
      for (size_t h = 0; h < m.n_headers; h++) {
        if (!m.headers[h].name) return UVK_EINVAL;
        s.headers += strlen(m.headers[h].name) + 1 +
                     (m.headers[h].value ? m.headers[h].value_len : 0);
      }
      s.n_headers += m.n_headers;
      s.entries_inline += msg_entry_size(m, true);
      s.entries_ptr += msg_entry_size(m, false);
    }
    s.msgs += tm.n_messages;
  }
  if (s.msgs == 0) return UVK_EINVAL;
  *size = s;
  return 0;
}

// bytes against bufferMemory: 0, or why the send is refused.
int check_budget(Producer *p, size_t bytes) {
  if (bytes > p->cfg.buffer_memory) return UVK_ETOOLARGE;
  if (p->buffered + bytes > p->cfg.buffer_memory) {
    p->refused = true;
    return UVK_EQUEUEFULL;
  }
  return 0;
}

// A send that waits for metadata keeps its own copy of the messages (keys and values
// unless borrowed, header names always); names[t] gets topic t's copied name.
bool copy_topics(SendOp *op, const uvk_topic_messages *topics, size_t n_topics, bool borrow, const char **names) {
  op->n_topics = n_topics;
  op->topics = arena_new_array<uvk_topic_messages>(&op->arena, n_topics);
  bool ok = op->topics != nullptr;
  for (size_t t = 0; ok && t < n_topics; t++) {
    const uvk_topic_messages &in = topics[t];
    uvk_topic_messages &out = op->topics[t];
    out.topic = producer_copy_str(&op->arena, in.topic);
    out.n_messages = in.n_messages;
    uvk_message *msgs = arena_new_array<uvk_message>(&op->arena, in.n_messages ? in.n_messages : 1);
    out.messages = msgs;
    names[t] = out.topic;
    ok = out.topic && msgs;
    for (size_t i = 0; ok && i < in.n_messages; i++) {
      const uvk_message &m = in.messages[i];
      uvk_message &c = msgs[i];
      c = m;
      c.key = producer_copy_bytes(&op->arena, m.key, m.key_len, borrow);
      c.value = producer_copy_bytes(&op->arena, m.value, m.value_len, borrow);
      ok = (!m.key || c.key) && (!m.value || c.value);
      if (ok && m.n_headers && !borrow) {
        uvk_header *hs = arena_new_array<uvk_header>(&op->arena, m.n_headers);
        ok = hs != nullptr;
        for (size_t h = 0; ok && h < m.n_headers; h++) {
          hs[h].name = producer_copy_str(&op->arena, m.headers[h].name);
          hs[h].value = producer_copy_bytes(&op->arena, m.headers[h].value, m.headers[h].value_len, false);
          hs[h].value_len = m.headers[h].value_len;
          ok = hs[h].name && (!m.headers[h].value || hs[h].value);
        }
        c.headers = hs;
      }
    }
  }
  return ok;
}

// The op joins the producer's ops in send order, holding `bytes` of bufferMemory.
void ops_append(Producer *p, SendOp *op, size_t bytes) {
  op->bytes = bytes;
  p->buffered += bytes;
  p->st_msg_cnt += int64_t(op->n_msgs);
  op->seq = p->next_seq++;
  op->next = nullptr;
  op->prev = p->ops_tail;
  if (p->ops_tail) p->ops_tail->next = op; else p->ops = op;
  p->ops_tail = op;
}

}  // namespace

// The op whose metadata_ensure a new send can share: the last send, or the host it rides on,
// when it still waits for metadata of exactly the same topics. A burst of sends before the
// metadata is known then costs one Metadata round, not one per send.
static SendOp *ensure_host(Producer *p, const SendOp *op) {
  SendOp *last = p->ops_tail;
  if (last && last->host) last = last->host;
  if (!last || last->ensured || last->routed || last->orphaned || last->n_topics != op->n_topics) return nullptr;
  for (size_t i = 0; i < op->n_topics; i++)
    if (strcmp(last->topics[i].topic, op->topics[i].topic) != 0) return nullptr;
  return last;
}

int producer_send(Producer *p, const uvk_topic_messages *topics, size_t n_topics,
                  const uvk_send_options &opts, ProducerSendFn fn, void *ud, uint64_t now) {
  if (p->closed || p->e->shutting_down) return UVK_ECLOSED;
  if (!fn) return UVK_EINVAL;
  SendSize size;
  int rc = check_send(p, topics, n_topics, opts, &size);
  if (rc != 0) return rc;
  bool borrow = opts.borrow != 0;
  bool now_ok = producer_can_route_now(p, topics, n_topics, now);
  size_t topic_bytes = 0;
  for (size_t t = 0; t < n_topics; t++) topic_bytes += strlen(topics[t].topic) + 1 + sizeof(uvk_topic_messages) + 16;
  // The entries go into a block of their own (producer_route.cc); the op's arena holds the
  // runs, header records and, on the slow path, the copied message arrays, names and bytes.
  size_t entries = now_ok && !borrow ? size.entries_inline : size.entries_ptr;
  // (Header records: RecordHeader ones made when routed inside the call, the copied
  // uvk_header array itself otherwise.)
  size_t arena_need = n_topics * sizeof(MsgRun) + size.headers +
                      (now_ok ? size.n_headers * sizeof(RecordHeader)
                              : size.msgs * sizeof(uvk_message) + size.n_headers * sizeof(uvk_header) + topic_bytes +
                                    (borrow ? 0 : size.kv));
  // One run and one result per topic here; routing adds those of further partitions.
  size_t bytes = kSendOverhead + entries + arena_need + (borrow ? size.kv : 0) + (n_topics - 1) * kRunOverhead;
  rc = check_budget(p, bytes);
  if (rc != 0) return rc;
  SendOp *op = static_cast<SendOp *>(mem_alloc(p->alloc, sizeof(SendOp)));
  if (!op) return UVK_ENOMEM;
  new (op) SendOp();
  op->p = p;
  op->n_msgs = uint32_t(size.msgs);
  op->arena.alloc = p->alloc;
  // A small send's arena is sized to it: a pending one-message send held a 4 KB chunk, 30
  // times what bufferMemory counted.
  size_t need = 32 + 8 * n_topics + arena_need;
  op->arena.first_chunk = need < 4096 ? need : 4096;
  op->acks = opts.acks;
  op->timeout = opts.timeout;
  op->codec = opts.compression;
  op->fn = fn;
  op->ud = ud;
  if (now_ok) {
    op->ensured = op->routed = true;
    ops_append(p, op, bytes);
    send_op_route(op, topics, n_topics, nullptr, now, true, borrow, true);
    return 0;
  }
  const char **names = arena_new_array<const char *>(&op->arena, n_topics);
  rc = names && copy_topics(op, topics, n_topics, borrow, names) ? 0 : UVK_ENOMEM;
  SendOp *host = rc == 0 ? ensure_host(p, op) : nullptr;
  if (host) {
    op->host = host;
    if (host->riders_tail) host->riders_tail->rider_next = op;
    else host->riders = op;
    host->riders_tail = op;
  } else if (rc == 0) {
    rc = metadata_ensure(p->e, names, int(n_topics), send_op_ensured, op, now, &p->cfg.retry);
  }
  if (rc != 0) {
    arena_free(&op->arena);
    op->~SendOp();
    mem_free(p->alloc, op);
    return rc;
  }
  ops_append(p, op, bytes);
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
    producer_drain(pr, t);
    producer_check_waiters(pr);
  }, p);
  return 0;
}

bool producer_flush_cancel(Producer *p, ProducerDoneFn fn, void *ud) {
  for (FlushWaiter **w = &p->waiters; *w; w = &(*w)->next)
    if ((*w)->fn == fn && (*w)->ud == ud) {
      FlushWaiter *gone = *w;
      *w = gone->next;
      mem_free(p->alloc, gone);
      return true;
    }
  return false;
}

void producer_close(Producer *p) { p->closed = true; }

size_t producer_buffered(const Producer *p) { return p->buffered; }

}  // namespace uvk

