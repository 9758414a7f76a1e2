// uvk_producer: the C ABI over lib/client/producer.
#include <string.h>

#include <new>

#include "capi/client_internal.h"
#include "capi/config.h"
#include "capi/handle_check.h"
#include "capi/send_queue.h"
#include "capi/sized_options.h"
#include "capi/topic_name.h"
#include "client/producer.h"
#include "engine/kafka_errors.h"
#include "uvkafka/uvkafka.h"

using namespace uvk;

struct ConnectCtx;

struct uvk_producer {
  uint32_t magic;  // kMagicProducer; kMagicFreed once uvk_producer_free was called
  uvk_client *client;
  Producer *p;
  const Allocator *alloc;
  uvk_producer_cb drain_cb;
  void *drain_ud;
  bool disconnecting;
  bool freed;              // uvk_producer_free was called (the memory may wait: free_node)
  ConnectCtx *connects;    // uvk_producer_connect calls waiting for the client
  uvk_send_queue *queue;   // sends from other threads (send_queue.cc), or null
  DeferredFree free_node;  // queued here when freed from inside a callback
};

#define CHECK_PRODUCER(pr) UVK_CHECK_HANDLE(pr, kMagicProducer, "uvk_producer")

namespace {

struct SendCtx {
  uvk_producer *producer;
  uvk_send_cb cb;
  void *ud;
};

void send_done(void *ud, const uvk_error *err, const uvk_record_metadata *md, size_t n) {
  SendCtx ctx = *static_cast<SendCtx *>(ud);
  mem_free(ctx.producer->alloc, ud);
  ctx.cb(ctx.producer, err, md, n, ctx.ud);
}

struct DoneCtx {
  uvk_producer *producer;
  uvk_producer_cb cb;
  void *ud;
  bool close_after;
};

void flush_done(void *ud, int err) {
  DoneCtx ctx = *static_cast<DoneCtx *>(ud);
  mem_free(ctx.producer->alloc, ud);
  if (err == 0 && ctx.close_after) producer_close(ctx.producer->p);
  if (!ctx.cb) return;
  uvk_error *e = err ? error_new(ctx.producer->alloc, err, 0, nullptr, 0, nullptr) : nullptr;
  ctx.cb(ctx.producer, e, ctx.ud);
  if (e) error_release(e);
}

void on_drain(void *ud, int) {
  uvk_producer *pr = static_cast<uvk_producer *>(ud);
  if (pr->queue && !pr->freed) send_queue_on_drain(pr->queue);
  if (pr->drain_cb && !pr->freed) pr->drain_cb(pr, nullptr, pr->drain_ud);
}

}  // namespace

struct ConnectCtx {
  ConnectCtx *next;
  uvk_producer *producer;  // null once the producer is gone (it called back with UVK_ECLOSED)
  const Allocator *alloc;
  uvk_producer_cb cb;
  void *ud;
};

static void connect_done(uvk_client *, const uvk_error *err, void *ud) {
  ConnectCtx *ctx = static_cast<ConnectCtx *>(ud);
  uvk_producer *pr = ctx->producer;
  uvk_producer_cb cb = ctx->cb;
  void *cb_ud = ctx->ud;
  if (pr)
    for (ConnectCtx **l = &pr->connects; *l; l = &(*l)->next)
      if (*l == ctx) {
        *l = ctx->next;
        break;
      }
  mem_free(ctx->alloc, ctx);
  if (pr) cb(pr, err, cb_ud);
}

extern "C" {

UVK_EXTERN void uvk_send_options_init(uvk_send_options *o) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  o->struct_size = sizeof *o;
  o->acks = -1;
  o->timeout = 30000;
  o->compression = UVK_COMPRESSION_NONE;
  o->borrow = 0;
}

UVK_EXTERN int uvk_producer_new(uvk_client *client, const uvk_config *cfg, uvk_producer **out) {
  if (!client || !out) return UVK_EINVAL;
  *out = nullptr;
  if (client_closing(client)) return UVK_ECLOSED;
  ProducerConfig pc;
  if (cfg) {
    pc.linger_ms = uint64_t(cfg->linger);
    pc.batch_size = size_t(cfg->batch_size);
    pc.batch_size_max = size_t(cfg->batch_size_max);
    pc.buffer_memory = size_t(cfg->buffer_memory);
    pc.idempotent = cfg->idempotent;
    pc.partitioner = cfg->partitioner && strcmp(cfg->partitioner, "sticky") == 0 ? kPartitionerSticky
                                                                                 : kPartitionerDefault;
    pc.transactional_id = cfg->transactional_id;
    pc.transaction_timeout_ms = int32_t(cfg->transaction_timeout);
    pc.own_retry = cfg->retry_explicit;
    pc.retry = config_retry_options(cfg);
  }
  const Allocator *a = client_alloc(client);
  void *mem = mem_alloc(a, sizeof(uvk_producer));
  if (!mem) return UVK_ENOMEM;
  uvk_producer *pr = new (mem) uvk_producer();
  pr->magic = kMagicProducer;
  pr->client = client;
  pr->alloc = a;
  pr->p = producer_new(client_engine(client), pc, a);
  if (!pr->p) {
    mem_free(a, pr);
    return UVK_ENOMEM;
  }
  producer_set_drain(pr->p, on_drain, pr);
  client_child_added(client);
  *out = pr;
  return 0;
}

UVK_EXTERN int uvk_producer_set_partitioner(uvk_producer *pr, uvk_partitioner_fn fn, void *ud) {
  CHECK_PRODUCER(pr);
  if (!pr || pr->freed) return UVK_EINVAL;
  producer_set_partitioner(pr->p, fn, ud);
  return 0;
}

UVK_EXTERN int uvk_producer_set_drain_cb(uvk_producer *pr, uvk_producer_cb cb, void *ud) {
  CHECK_PRODUCER(pr);
  if (!pr || pr->freed) return UVK_EINVAL;
  pr->drain_cb = cb;
  pr->drain_ud = ud;
  return 0;
}

UVK_EXTERN int uvk_producer_connect(uvk_producer *pr, uvk_producer_cb cb, void *ud) {
  CHECK_PRODUCER(pr);
  if (!pr || !cb) return UVK_EINVAL;
  if (pr->freed || client_closing(pr->client)) return UVK_ECLOSED;
  ConnectCtx *ctx = static_cast<ConnectCtx *>(mem_alloc(pr->alloc, sizeof(ConnectCtx)));
  if (!ctx) return UVK_ENOMEM;
  *ctx = ConnectCtx{pr->connects, pr, pr->alloc, cb, ud};
  int rc = uvk_client_connect(pr->client, connect_done, ctx);
  if (rc != 0) mem_free(pr->alloc, ctx);
  else pr->connects = ctx;
  if (rc == 0) client_telemetry_start(pr->client, kClientKindProducer);
  return rc;
}

UVK_EXTERN int uvk_producer_send_batch(uvk_producer *pr, const uvk_topic_messages *topics,
                                       size_t n_topics, const uvk_send_options *opts,
                                       uvk_send_cb cb, void *ud) {
  CHECK_PRODUCER(pr);
  if (!pr || !cb) return UVK_EINVAL;
  if (pr->freed || pr->disconnecting || client_closing(pr->client)) return UVK_ECLOSED;
  for (size_t i = 0; topics && n_topics <= 10000 && i < n_topics; i++)
    if (topics[i].topic && !kafka_topic_name_ok(topics[i].topic)) return UVK_EINVAL;
  uvk_send_options o;
  uvk_send_options_init(&o);
  int orc = adopt_sized_options(opts, kSendOptionsMinSize, &o);
  if (orc != 0) return orc;
  SendCtx *ctx = static_cast<SendCtx *>(mem_alloc(pr->alloc, sizeof(SendCtx)));
  if (!ctx) return UVK_ENOMEM;
  *ctx = SendCtx{pr, cb, ud};
  ClientScope scope(pr->client, false);  // the partitioner may free a handle
  int rc = producer_send(pr->p, topics, n_topics, o, send_done, ctx,
                         client_now(pr->client));
  if (rc != 0) mem_free(pr->alloc, ctx);
  else client_telemetry_start(pr->client, kClientKindProducer);  // also without a connect call
  return rc;
}

UVK_EXTERN int uvk_producer_send(uvk_producer *pr, const char *topic, const uvk_message *messages,
                                 size_t n_messages, const uvk_send_options *opts, uvk_send_cb cb,
                                 void *ud) {
  uvk_topic_messages tm;
  tm.topic = topic;
  tm.messages = messages;
  tm.n_messages = n_messages;
  return uvk_producer_send_batch(pr, &tm, 1, opts, cb, ud);
}

static int flush_impl(uvk_producer *pr, uvk_producer_cb cb, void *ud, bool close_after) {
  if (pr->freed) return UVK_ECLOSED;
  DoneCtx *ctx = static_cast<DoneCtx *>(mem_alloc(pr->alloc, sizeof(DoneCtx)));
  if (!ctx) return UVK_ENOMEM;
  *ctx = DoneCtx{pr, cb, ud, close_after};
  ClientScope scope(pr->client, false);  // a log callback may free a handle
  int rc = producer_flush(pr->p, flush_done, ctx, client_now(pr->client));
  if (rc != 0) mem_free(pr->alloc, ctx);
  return rc;
}

UVK_EXTERN int uvk_producer_flush(uvk_producer *pr, uvk_producer_cb cb, void *ud) {
  CHECK_PRODUCER(pr);
  if (!pr || !cb) return UVK_EINVAL;
  if (client_closing(pr->client)) return UVK_ECLOSED;
  return flush_impl(pr, cb, ud, false);
}

UVK_EXTERN int uvk_producer_disconnect(uvk_producer *pr, uvk_producer_cb cb, void *ud) {
  CHECK_PRODUCER(pr);
  if (!pr) return UVK_EINVAL;
  if (pr->disconnecting) return UVK_ESTATE;
  if (client_closing(pr->client)) return UVK_ECLOSED;
  if (pr->queue && !pr->freed) send_queue_on_disconnect(pr->queue);  // queued sends go first
  int rc = flush_impl(pr, cb, ud, true);
  if (rc == 0) pr->disconnecting = true;
  return rc;
}

// ---- transactions --------------------------------------------------------------------------

struct TxnCtx {
  uvk_producer *producer;
  uvk_producer_cb cb;
  void *ud;
};

static void txn_done(void *ud, int err) {
  TxnCtx ctx = *static_cast<TxnCtx *>(ud);
  mem_free(ctx.producer->alloc, ud);
  int kafka = UVK_ERR_IS_KAFKA(err) ? int(UVK_ERR_KAFKA_CODE(err)) : 0;
  uvk_error *e = err ? error_new(ctx.producer->alloc, kafka ? UVK_EKAFKA : err, kafka, nullptr, 0, nullptr) : nullptr;
  ctx.cb(ctx.producer, e, ctx.ud);
  if (e) error_release(e);
}

static TxnCtx *txn_ctx(uvk_producer *pr, uvk_producer_cb cb, void *ud) {
  TxnCtx *ctx = static_cast<TxnCtx *>(mem_alloc(pr->alloc, sizeof(TxnCtx)));
  if (ctx) *ctx = TxnCtx{pr, cb, ud};
  return ctx;
}

UVK_EXTERN int uvk_producer_begin_transaction(uvk_producer *pr) {
  CHECK_PRODUCER(pr);
  if (!pr) return UVK_EINVAL;
  if (pr->freed || client_closing(pr->client)) return UVK_ECLOSED;
  return producer_begin_transaction(pr->p);
}

static int end_txn(uvk_producer *pr, bool commit, uvk_producer_cb cb, void *ud) {
  if (!pr || !cb) return UVK_EINVAL;
  if (pr->freed || client_closing(pr->client)) return UVK_ECLOSED;
  TxnCtx *ctx = txn_ctx(pr, cb, ud);
  if (!ctx) return UVK_ENOMEM;
  ClientScope scope(pr->client, false);
  int rc = commit ? producer_commit_transaction(pr->p, txn_done, ctx, client_now(pr->client))
                  : producer_abort_transaction(pr->p, txn_done, ctx, client_now(pr->client));
  if (rc != 0) mem_free(pr->alloc, ctx);
  return rc;
}

UVK_EXTERN int uvk_producer_commit_transaction(uvk_producer *pr, uvk_producer_cb cb, void *ud) {
  CHECK_PRODUCER(pr);
  return end_txn(pr, true, cb, ud);
}

UVK_EXTERN int uvk_producer_abort_transaction(uvk_producer *pr, uvk_producer_cb cb, void *ud) {
  CHECK_PRODUCER(pr);
  return end_txn(pr, false, cb, ud);
}

static int send_offsets(uvk_producer *pr, const char *group_id, const uvk_topic_partition_offset *offsets, size_t n,
                        const TxnGroupMember *member, uvk_producer_cb cb, void *ud) {
  if (!pr || !cb || (n && !offsets) || n > 100000) return UVK_EINVAL;
  if (pr->freed || client_closing(pr->client)) return UVK_ECLOSED;
  TxnOffset stack[64];
  TxnOffset *tos = n <= 64 ? stack : static_cast<TxnOffset *>(mem_alloc(pr->alloc, sizeof(TxnOffset) * n));
  if (!tos) return UVK_ENOMEM;
  for (size_t i = 0; i < n; i++) tos[i] = TxnOffset{offsets[i].topic, offsets[i].partition, offsets[i].offset};
  TxnCtx *ctx = txn_ctx(pr, cb, ud);
  int rc = ctx ? producer_send_offsets(pr->p, group_id, tos, n, member, txn_done, ctx, client_now(pr->client))
               : UVK_ENOMEM;
  if (rc != 0) mem_free(pr->alloc, ctx);
  if (tos != stack) mem_free(pr->alloc, tos);
  return rc;
}

UVK_EXTERN int uvk_producer_send_offsets(uvk_producer *pr, const char *group_id, const uvk_topic_partition_offset *offsets,
                                         size_t n, uvk_producer_cb cb, void *ud) {
  CHECK_PRODUCER(pr);
  return send_offsets(pr, group_id, offsets, n, nullptr, cb, ud);
}

UVK_EXTERN int uvk_producer_send_consumer_offsets(uvk_producer *pr, const uvk_group_metadata *group,
                                                  const uvk_topic_partition_offset *offsets, size_t n,
                                                  uvk_producer_cb cb, void *ud) {
  CHECK_PRODUCER(pr);
  if (!group || !group->member_id) return UVK_EINVAL;
  TxnGroupMember member{group->member_id, group->generation_id, group->group_instance_id};
  return send_offsets(pr, group->group_id, offsets, n, &member, cb, ud);
}

static void release_producer(void *h) {
  uvk_producer *pr = static_cast<uvk_producer *>(h);
  uvk_client *client = pr->client;
  if (pr->queue) send_queue_detach(pr->queue);  // not yet handed over: UVK_ECLOSED
  producer_free(pr->p);  // every send still pending: UVK_ECLOSED
  if (pr->queue) send_queue_unref(pr->queue);
  // A connect still waiting for the client ends now; the client's answer finds it detached.
  if (pr->connects) {
    uvk_error *closed = error_new(pr->alloc, UVK_ECLOSED, 0, nullptr, 0, nullptr);
    while (ConnectCtx *ctx = pr->connects) {
      pr->connects = ctx->next;
      ctx->producer = nullptr;
      ctx->cb(pr, closed, ctx->ud);
    }
    if (closed) error_release(closed);
  }
  const Allocator *a = pr->alloc;
  pr->~uvk_producer();
  mem_free(a, pr);
  client_child_released(client);
}

UVK_EXTERN void uvk_producer_free(uvk_producer *pr) {
  if (!pr) return;
  CHECK_PRODUCER(pr);  // also a second free
  if (pr->freed) return;  // a second free while the first waits (builds with NDEBUG)
  pr->magic = kMagicFreed;
  pr->freed = true;
  client_free_child(pr->client, &pr->free_node, release_producer, pr);
}

UVK_EXTERN size_t uvk_producer_buffered_bytes(const uvk_producer *pr) {
  CHECK_PRODUCER(pr);
  return pr ? producer_buffered(pr->p) : 0;
}

}  // extern "C"

namespace uvk {

uvk_client *producer_client_of(uvk_producer *pr) {
  CHECK_PRODUCER(pr);
  return pr->freed ? nullptr : pr->client;
}

int producer_attach_queue(uvk_producer *pr, uvk_send_queue *q) {
  if (pr->queue) return UVK_ESTATE;
  if (pr->freed || pr->disconnecting || client_closing(pr->client)) return UVK_ECLOSED;
  pr->queue = q;
  return 0;
}

}  // namespace uvk
