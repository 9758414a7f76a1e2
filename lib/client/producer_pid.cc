// Idempotence (KIP-98): asking for a producer id and epoch (InitProducerId), again with
// the id we have to bump the epoch (KIP-360), and what waits when none can be had.
#include "client/producer.h"
#include "client/producer_internal.h"

#include <string.h>

#include <new>

#include "proto/gen/api_table.h"
#include "proto/gen/init_producer_id.h"
#include "engine/kafka_errors.h"
#include "uvkafka/uvk_errors.h"
#include "proto/client_versions.h"

namespace uvk {

static int encode_init_pid(void *ud, Buf *out, int16_t version) {
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

static void on_init_pid(void *ud, int err, int16_t version, Reader *body, const Request *);

static void pid_request_send(void *ud, uint64_t now) {
  Producer *p = static_cast<Producer *>(ud);
  // A transactional producer asks its transaction coordinator; while that is looked up,
  // the lookup calls us again (producer_send_init_pid).
  int32_t node = p->txn ? txn_init_pid_node(p, now) : -1;
  if (p->txn && node < 0) return;
  PidReq *pr = static_cast<PidReq *>(mem_alloc(p->alloc, sizeof(PidReq)));
  if (!pr) {
    engine_add_timer(p->e, &p->pid_timer, now + 100, pid_request_send, p);  // try again soon
    return;
  }
  new (pr) PidReq();
  pr->p = p;
  pr->alloc = p->alloc;
  pr->req.api_key = proto::kInitProducerId;
  pr->req.min_version = 0;
  pr->req.max_version = proto::kUseInitProducerId;
  pr->req.encode = encode_init_pid;
  pr->req.done = on_init_pid;
  pr->req.ud = pr;
  p->pid_req = pr;
  int rc = engine_send(p->e, node, &pr->req, now);
  if (rc != 0) on_init_pid(pr, rc, -1, nullptr, &pr->req);
}

void producer_fail_ready(Producer *p, int code, const uvk_error *cause) {
  for (TopicState *t = p->topics; t; t = t->next)
    for (int32_t i = 0; i < t->n_queues; i++) {
      PartitionQueue *q = t->queues[i];
      while (q && q->ready) {
        ProducerBatch *b = q->ready;
        q->ready = b->next;
        if (!q->ready) q->ready_tail = nullptr;
        producer_batch_done(p, b, code, cause, -1, -1, -1);
      }
    }
}

static void on_init_pid(void *ud, int err, int16_t version, Reader *body, const Request *) {
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
      engine_add_timer(p->e, &p->pid_timer, now + uint64_t(wait), pid_request_send, p);
      return;
    }
    // No producer id: what waits to be sent fails with why.
    p->pid_state = 0;
    retry_start(&p->pid_retry, p->cfg.retry, &p->e->rng);
    uvk_error *cause = error_new(p->alloc, err, err <= UVK_ERR_KAFKA(0) ? int(UVK_ERR_KAFKA_CODE(err)) : 0,
                                 nullptr, 0, nullptr);
    producer_fail_ready(p, p->e->shutting_down ? UVK_ECLOSED : err, cause);
    error_release(cause);
    return;
  }
  producer_drain_at(p, now);
}

void producer_fetch_pid(Producer *p, uint64_t now) {
  if (p->pid_state != 0) return;
  p->pid_state = 1;
  engine_add_timer(p->e, &p->pid_timer, now, pid_request_send, p);
}

// Seals what linger allows and sends every ready batch whose backoff is over.
void producer_send_init_pid(Producer *p, uint64_t now) { pid_request_send(p, now); }

}  // namespace uvk
