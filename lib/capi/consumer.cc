// uvk_consumer: the C ABI over lib/client/consumer.
#include <string.h>

#include <new>

#include "capi/client_internal.h"
#include "capi/config.h"
#include "capi/consumer_internal.h"
#include "capi/handle_check.h"
#include "capi/sized_options.h"
#include "capi/topic_name.h"
#include "client/consumer.h"
#include "engine/events.h"
#include "engine/kafka_errors.h"
#include "uvkafka/uvkafka.h"

using namespace uvk;

struct uvk_consumer {
  uint32_t magic;  // kMagicConsumer; kMagicFreed once uvk_consumer_free was called
  uvk_client *client;
  Consumer *c;
  const Allocator *alloc;
  EventEmitter events;
  uvk_consumer_cb crash_cb;
  void *crash_ud;
  bool freed;              // uvk_consumer_free was called (the memory may wait: free_node)
  DeferredFree free_node;  // queued here when freed from inside a callback
};

#define CHECK_CONSUMER(c) UVK_CHECK_HANDLE(c, kMagicConsumer, "uvk_consumer")
// A call on a consumer freed from inside a callback (still in memory until it returns).
#define IF_FREED_RETURN(c, rc) \
  do {                         \
    if ((c) && (c)->freed) return rc; \
  } while (0)

namespace uvk {
Consumer *consumer_of(uvk_consumer *c) { return c->c; }
}  // namespace uvk

namespace {

struct DoneCtx {
  uvk_consumer *consumer;
  uvk_consumer_cb cb;
  void *ud;
};

void done_cb(void *ud, const uvk_error *err) {
  DoneCtx ctx = *static_cast<DoneCtx *>(ud);
  mem_free(ctx.consumer->alloc, ud);
  if (ctx.cb) ctx.cb(ctx.consumer, err, ctx.ud);
}

DoneCtx *new_ctx(uvk_consumer *c, uvk_consumer_cb cb, void *ud) {
  DoneCtx *ctx = static_cast<DoneCtx *>(mem_alloc(c->alloc, sizeof(DoneCtx)));
  if (ctx) *ctx = DoneCtx{c, cb, ud};
  return ctx;
}

void on_crash(void *owner, const uvk_error *err) {
  uvk_consumer *c = static_cast<uvk_consumer *>(owner);
  if (c->crash_cb && !c->freed) c->crash_cb(c, err, c->crash_ud);
}

// Both commit calls: a context for cb, then the engine's commit of the rows.
template <typename Row>
int commit_rows(uvk_consumer *c, const Row *offsets, size_t n, uvk_consumer_cb cb, void *ud,
                int (*commit)(Consumer *, const Row *, size_t, ConsumerDoneFn, void *, uint64_t)) {
  CHECK_CONSUMER(c);
  IF_FREED_RETURN(c, UVK_ECLOSED);
  if (!c || !offsets || n == 0) return UVK_EINVAL;
  DoneCtx *ctx = new_ctx(c, cb, ud);
  if (!ctx) return UVK_ENOMEM;
  ClientScope scope(c->client, false);
  int rc = commit(c->c, offsets, n, done_cb, ctx, client_now(c->client));
  if (rc != 0) mem_free(c->alloc, ctx);
  return rc;
}

}  // namespace

extern "C" {

UVK_EXTERN void uvk_run_options_init(uvk_run_options *o) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  o->struct_size = sizeof *o;
  o->auto_commit = 1;
  o->auto_commit_interval = -1;
  o->auto_commit_threshold = -1;
  o->each_batch_auto_resolve = 1;
  o->partitions_consumed_concurrently = 1;
}

UVK_EXTERN int uvk_consumer_new(uvk_client *client, const uvk_config *cfg, uvk_consumer **out) {
  if (!client || !cfg || !out) return UVK_EINVAL;
  *out = nullptr;
  if (client_closing(client)) return UVK_ECLOSED;
  ConsumerConfig cc;
  cc.group_id = cfg->group_id;
  cc.assigners = cfg->partition_assigners;
  cc.session_timeout = int32_t(cfg->session_timeout);
  cc.rebalance_timeout = int32_t(cfg->rebalance_timeout);
  cc.heartbeat_interval = int32_t(cfg->heartbeat_interval);
  cc.max_bytes_per_partition = int32_t(cfg->max_bytes_per_partition);
  cc.min_bytes = int32_t(cfg->min_bytes);
  cc.max_bytes = int32_t(cfg->max_bytes);
  cc.max_wait_ms = int32_t(cfg->max_wait_time_in_ms);
  cc.read_uncommitted = cfg->read_uncommitted;
  cc.rack_id = cfg->rack_id;
  cc.consumer_protocol = cfg->group_protocol && strcmp(cfg->group_protocol, "consumer") == 0;
  cc.remote_assignor = cfg->group_remote_assignor;
  cc.instance_id = cfg->group_instance_id;
  // KafkaJS: the consumer's `retry` when given, else the client's.
  cc.retry = cfg->retry_explicit ? config_retry_options(cfg) : client_engine(client)->cfg.retry;
  const Allocator *a = client_alloc(client);
  void *mem = mem_alloc(a, sizeof(uvk_consumer));
  if (!mem) return UVK_ENOMEM;
  uvk_consumer *c = new (mem) uvk_consumer();
  c->magic = kMagicConsumer;
  c->client = client;
  c->alloc = a;
  c->events.alloc = a;
  ConsumerHooks hooks;
  hooks.owner = c;
  hooks.events = &c->events;
  hooks.crashed = on_crash;
  char why[160] = "";
  int rc = consumer_new(client_engine(client), cc, hooks, a, &c->c, why, sizeof why);
  if (rc != 0) {
    c->~uvk_consumer();
    mem_free(a, c);
    return rc;
  }
  client_child_added(client);
  *out = c;
  return 0;
}

static void release_consumer(void *h) {
  uvk_consumer *c = static_cast<uvk_consumer *>(h);
  uvk_client *client = c->client;
  consumer_free(c->c);  // stop / commit / describe still waiting: UVK_ECLOSED
  events_free(&c->events);
  const Allocator *a = c->alloc;
  c->~uvk_consumer();
  mem_free(a, c);
  client_child_released(client);
}

UVK_EXTERN void uvk_consumer_free(uvk_consumer *c) {
  if (!c) return;
  CHECK_CONSUMER(c);  // also a second free
  if (c->freed) return;  // a second free while the first waits (builds with NDEBUG)
  c->magic = kMagicFreed;
  c->freed = true;
  if (!client_free_child(c->client, &c->free_node, release_consumer, c))
    consumer_detach(c->c);  // no more handlers or events until it is released
}

UVK_EXTERN int uvk_consumer_subscribe(uvk_consumer *c, const char *topic, int from_beginning) {
  CHECK_CONSUMER(c);
  IF_FREED_RETURN(c, UVK_ECLOSED);
  if (!c || (topic && !kafka_topic_name_ok(topic))) return UVK_EINVAL;
  return consumer_subscribe(c->c, topic, from_beginning != 0);
}

UVK_EXTERN int uvk_consumer_subscribe_pattern(uvk_consumer *c, const char *pattern, int from_beginning) {
  CHECK_CONSUMER(c);
  IF_FREED_RETURN(c, UVK_ECLOSED);
  if (!c) return UVK_EINVAL;
  return consumer_subscribe_pattern(c->c, pattern, from_beginning != 0);
}

UVK_EXTERN int uvk_consumer_run(uvk_consumer *c, const uvk_run_options *opts) {
  CHECK_CONSUMER(c);
  IF_FREED_RETURN(c, UVK_ECLOSED);
  if (!c || !opts) return UVK_EINVAL;
  uvk_run_options o;
  uvk_run_options_init(&o);
  int rc = adopt_sized_options(opts, kRunOptionsMinSize, &o);
  if (rc != 0) return rc;
  if (client_closing(c->client)) return UVK_ECLOSED;
  ClientScope scope(c->client, false);  // a log or assigner callback may free a handle
  rc = consumer_run(c->c, o, client_now(c->client));
  if (rc == 0) client_telemetry_start(c->client, kClientKindConsumer);
  return rc;
}

UVK_EXTERN int uvk_consumer_stop(uvk_consumer *c, uvk_consumer_cb cb, void *ud) {
  CHECK_CONSUMER(c);
  IF_FREED_RETURN(c, UVK_ECLOSED);
  if (!c) return UVK_EINVAL;
  DoneCtx *ctx = new_ctx(c, cb, ud);
  if (!ctx) return UVK_ENOMEM;
  ClientScope scope(c->client, false);
  int rc = consumer_stop(c->c, done_cb, ctx, client_now(c->client));
  if (rc != 0) mem_free(c->alloc, ctx);
  return rc;
}

UVK_EXTERN int uvk_consumer_disconnect(uvk_consumer *c, uvk_consumer_cb cb, void *ud) {
  CHECK_CONSUMER(c);
  IF_FREED_RETURN(c, UVK_ECLOSED);
  return uvk_consumer_stop(c, cb, ud);
}

UVK_EXTERN int uvk_consumer_set_crash_cb(uvk_consumer *c, uvk_consumer_cb cb, void *ud) {
  CHECK_CONSUMER(c);
  IF_FREED_RETURN(c, UVK_ECLOSED);
  if (!c) return UVK_EINVAL;
  c->crash_cb = cb;
  c->crash_ud = ud;
  return 0;
}

UVK_EXTERN int uvk_consumer_set_rebalance_listener(uvk_consumer *c, uvk_rebalance_fn fn, void *ud) {
  CHECK_CONSUMER(c);
  IF_FREED_RETURN(c, UVK_ECLOSED);
  if (!c) return UVK_EINVAL;
  return consumer_set_rebalance_listener(c->c, fn, ud);
}

UVK_EXTERN int uvk_consumer_rebalance_done(uvk_consumer *c) {
  CHECK_CONSUMER(c);
  IF_FREED_RETURN(c, UVK_ECLOSED);
  if (!c) return UVK_EINVAL;
  ClientScope scope(c->client, false);
  return consumer_rebalance_done(c->c, client_now(c->client));
}

UVK_EXTERN int uvk_consumer_done(uvk_consumer *c, const char *topic, int32_t partition, int result) {
  CHECK_CONSUMER(c);
  IF_FREED_RETURN(c, UVK_ECLOSED);
  if (!c) return UVK_EINVAL;
  ClientScope scope(c->client, false);
  return consumer_done(c->c, topic, partition, result, client_now(c->client));
}

UVK_EXTERN int uvk_consumer_resolve_offset(uvk_consumer *c, const char *topic, int32_t partition, int64_t offset) {
  CHECK_CONSUMER(c);
  IF_FREED_RETURN(c, UVK_ECLOSED);
  if (!c) return UVK_EINVAL;
  return consumer_resolve_offset(c->c, topic, partition, offset);
}

UVK_EXTERN int uvk_consumer_commit_offsets_if_necessary(uvk_consumer *c) {
  CHECK_CONSUMER(c);
  IF_FREED_RETURN(c, UVK_ECLOSED);
  if (!c) return UVK_EINVAL;
  return consumer_commit_if_necessary(c->c, client_now(c->client));
}

UVK_EXTERN int uvk_consumer_commit_offsets(uvk_consumer *c, const uvk_topic_partition_offset *offsets, size_t n,
                                           uvk_consumer_cb cb, void *ud) {
  return commit_rows(c, offsets, n, cb, ud, consumer_commit);
}

UVK_EXTERN int uvk_consumer_commit_offsets_with_metadata(uvk_consumer *c,
                                                         const uvk_topic_partition_offset_metadata *offsets,
                                                         size_t n, uvk_consumer_cb cb, void *ud) {
  return commit_rows(c, offsets, n, cb, ud, consumer_commit_metadata);
}

UVK_EXTERN int uvk_consumer_seek(uvk_consumer *c, const char *topic, int32_t partition, int64_t offset) {
  CHECK_CONSUMER(c);
  IF_FREED_RETURN(c, UVK_ECLOSED);
  if (!c) return UVK_EINVAL;
  return consumer_seek(c->c, topic, partition, offset, client_now(c->client));
}

UVK_EXTERN int uvk_consumer_pause(uvk_consumer *c, const char *topic, const int32_t *partitions, size_t n) {
  CHECK_CONSUMER(c);
  IF_FREED_RETURN(c, UVK_ECLOSED);
  if (!c) return UVK_EINVAL;
  return consumer_pause(c->c, topic, partitions, n, true, client_now(c->client));
}

UVK_EXTERN int uvk_consumer_resume(uvk_consumer *c, const char *topic, const int32_t *partitions, size_t n) {
  CHECK_CONSUMER(c);
  IF_FREED_RETURN(c, UVK_ECLOSED);
  if (!c) return UVK_EINVAL;
  return consumer_pause(c->c, topic, partitions, n, false, client_now(c->client));
}

UVK_EXTERN int uvk_consumer_is_paused(const uvk_consumer *c, const char *topic, int32_t partition) {
  CHECK_CONSUMER(c);
  IF_FREED_RETURN(c, 0);
  return c && topic && consumer_is_paused(c->c, topic, partition) ? 1 : 0;
}

UVK_EXTERN int uvk_consumer_is_running(const uvk_consumer *c) {
  CHECK_CONSUMER(c);
  return c && !c->freed && consumer_is_running(c->c) ? 1 : 0;
}

UVK_EXTERN int uvk_consumer_is_stale(const uvk_consumer *c, const char *topic, int32_t partition) {
  CHECK_CONSUMER(c);
  IF_FREED_RETURN(c, 1);
  return !c || !topic || consumer_is_stale(c->c, topic, partition) ? 1 : 0;
}

UVK_EXTERN int uvk_consumer_heartbeat(uvk_consumer *c) { return c ? 0 : UVK_EINVAL; }

UVK_EXTERN size_t uvk_consumer_assignment(const uvk_consumer *c, uvk_topic_partition *out, size_t cap) {
  CHECK_CONSUMER(c);
  IF_FREED_RETURN(c, 0);
  if (!c || (cap > 0 && !out)) return 0;
  return consumer_assignment(c->c, out, cap);
}

UVK_EXTERN int uvk_consumer_position(const uvk_consumer *c, const char *topic, int32_t partition, int64_t *position,
                                     int64_t *high_watermark) {
  CHECK_CONSUMER(c);
  IF_FREED_RETURN(c, UVK_ECLOSED);
  if (!c || !topic) return UVK_EINVAL;
  return consumer_position(c->c, topic, partition, position, high_watermark);
}

namespace {
struct DescribeCtx {
  uvk_consumer *consumer;
  uvk_describe_group_cb cb;
  void *ud;
};
void describe_done(void *ud, const uvk_error *err, const uvk_group_description *d) {
  DescribeCtx ctx = *static_cast<DescribeCtx *>(ud);
  mem_free(ctx.consumer->alloc, ud);
  ctx.cb(ctx.consumer, err, d, ctx.ud);
}
}  // namespace

UVK_EXTERN int uvk_consumer_describe_group(uvk_consumer *c, uvk_describe_group_cb cb, void *ud) {
  CHECK_CONSUMER(c);
  IF_FREED_RETURN(c, UVK_ECLOSED);
  if (!c || !cb) return UVK_EINVAL;
  DescribeCtx *ctx = static_cast<DescribeCtx *>(mem_alloc(c->alloc, sizeof(DescribeCtx)));
  if (!ctx) return UVK_ENOMEM;
  *ctx = DescribeCtx{c, cb, ud};
  int rc = consumer_describe_group(c->c, describe_done, ctx, client_now(c->client));
  if (rc != 0) mem_free(c->alloc, ctx);
  return rc;
}

UVK_EXTERN const char *uvk_consumer_member_id(const uvk_consumer *c) {
  CHECK_CONSUMER(c);
  return c ? consumer_member_id(c->c) : "";
}

UVK_EXTERN int32_t uvk_consumer_generation(const uvk_consumer *c) {
  CHECK_CONSUMER(c);
  return c ? consumer_generation(c->c) : -1;
}

UVK_EXTERN int uvk_consumer_group_metadata(const uvk_consumer *c, uvk_group_metadata *out) {
  CHECK_CONSUMER(c);
  if (!c || !out) return UVK_EINVAL;
  const char *instance = consumer_instance_id(c->c);
  *out = uvk_group_metadata{consumer_group_id(c->c), consumer_member_id(c->c), consumer_generation(c->c),
                            *instance ? instance : nullptr};
  return 0;
}

UVK_EXTERN int64_t uvk_consumer_on(uvk_consumer *c, int type, uvk_event_fn fn, void *ud) {
  CHECK_CONSUMER(c);
  IF_FREED_RETURN(c, UVK_ECLOSED);
  // A consumer emits its own events only; the network events are its client's (uvk_client_on).
  if (!c || type <= UVK_EVENT_REQUEST_QUEUE_SIZE || !uvk_event_name(type)) return UVK_EINVAL;
  uint64_t id = 0;
  int rc = events_on(&c->events, type, fn, ud, &id);
  return rc != 0 ? rc : int64_t(id);
}

UVK_EXTERN int uvk_consumer_off(uvk_consumer *c, int64_t listener) {
  CHECK_CONSUMER(c);
  IF_FREED_RETURN(c, UVK_ECLOSED);
  if (!c || listener <= 0) return UVK_EINVAL;
  return events_off(&c->events, uint64_t(listener));
}

}  // extern "C"
