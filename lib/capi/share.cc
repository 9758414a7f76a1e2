// uvk_share_consumer: the C ABI over lib/client/share (KIP-932 share groups).
#include <string.h>

#include <new>

#include "capi/client_internal.h"
#include "capi/config.h"
#include "capi/handle_check.h"
#include "capi/sized_options.h"
#include "capi/topic_name.h"
#include "client/share.h"
#include "engine/kafka_errors.h"
#include "uvkafka/uvkafka.h"

using namespace uvk;

struct uvk_share_consumer {
  uint32_t magic;  // kMagicShare; kMagicFreed once uvk_share_consumer_free was called
  uvk_client *client;
  ShareConsumer *s;
  const Allocator *alloc;
  uvk_share_cb crash_cb;
  void *crash_ud;
  uvk_share_ack_cb ack_cb;
  void *ack_ud;
  bool freed;
  DeferredFree free_node;
};

#define CHECK_SHARE(s) UVK_CHECK_HANDLE(s, kMagicShare, "uvk_share_consumer")
#define IF_FREED_RETURN(s, rc)       \
  do {                               \
    if ((s) && (s)->freed) return rc; \
  } while (0)

namespace {

// The options struct as first released: nothing smaller is valid.
constexpr size_t kShareRunOptionsMinSize = offsetof(uvk_share_run_options, max_records) + sizeof(int32_t);

struct CloseCtx {
  uvk_share_consumer *sc;
  uvk_share_cb cb;
  void *ud;
};

void close_cb(void *ud, const uvk_error *err) {
  CloseCtx ctx = *static_cast<CloseCtx *>(ud);
  mem_free(ctx.sc->alloc, ud);
  if (ctx.cb) ctx.cb(ctx.sc, err, ctx.ud);
}

void on_crash(void *owner, const uvk_error *err) {
  uvk_share_consumer *sc = static_cast<uvk_share_consumer *>(owner);
  if (sc->crash_cb && !sc->freed) sc->crash_cb(sc, err, sc->crash_ud);
}

void on_acked(void *owner, const char *topic, int32_t partition, const int64_t *offsets, size_t n,
              const uvk_error *err) {
  uvk_share_consumer *sc = static_cast<uvk_share_consumer *>(owner);
  if (sc->ack_cb && !sc->freed) sc->ack_cb(sc, topic, partition, offsets, n, err, sc->ack_ud);
}

void release_share(void *h) {
  uvk_share_consumer *sc = static_cast<uvk_share_consumer *>(h);
  uvk_client *client = sc->client;
  share_free(sc->s);
  const Allocator *a = sc->alloc;
  sc->~uvk_share_consumer();
  mem_free(a, sc);
  client_child_released(client);
}

}  // namespace

extern "C" {

UVK_EXTERN void uvk_share_run_options_init(uvk_share_run_options *o) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  o->struct_size = sizeof *o;
  o->max_records = 500;
}

UVK_EXTERN int uvk_share_consumer_new(uvk_client *client, const uvk_config *cfg, uvk_share_consumer **out) {
  if (!client || !cfg || !out) return UVK_EINVAL;
  *out = nullptr;
  if (client_closing(client)) return UVK_ECLOSED;
  ShareConfig sc;
  sc.group_id = cfg->group_id;
  sc.heartbeat_interval = int32_t(cfg->heartbeat_interval);
  sc.max_wait_ms = int32_t(cfg->max_wait_time_in_ms);
  sc.min_bytes = int32_t(cfg->min_bytes);
  sc.max_bytes = int32_t(cfg->max_bytes);
  sc.retry = cfg->retry_explicit ? config_retry_options(cfg) : client_engine(client)->cfg.retry;
  const Allocator *a = client_alloc(client);
  void *mem = mem_alloc(a, sizeof(uvk_share_consumer));
  if (!mem) return UVK_ENOMEM;
  uvk_share_consumer *h = new (mem) uvk_share_consumer();
  h->magic = kMagicShare;
  h->client = client;
  h->alloc = a;
  ShareHooks hooks;
  hooks.owner = h;
  hooks.crashed = on_crash;
  hooks.acked = on_acked;
  int rc = share_new(client_engine(client), sc, hooks, a, &h->s);
  if (rc != 0) {
    h->~uvk_share_consumer();
    mem_free(a, h);
    return rc;
  }
  client_child_added(client);
  *out = h;
  return 0;
}

UVK_EXTERN void uvk_share_consumer_free(uvk_share_consumer *s) {
  if (!s) return;
  CHECK_SHARE(s);
  if (s->freed) return;
  s->magic = kMagicFreed;
  s->freed = true;
  if (!client_free_child(s->client, &s->free_node, release_share, s)) share_detach(s->s);
}

UVK_EXTERN int uvk_share_consumer_subscribe(uvk_share_consumer *s, const char *topic) {
  CHECK_SHARE(s);
  IF_FREED_RETURN(s, UVK_ECLOSED);
  if (!s || !topic || !kafka_topic_name_ok(topic)) return UVK_EINVAL;
  return share_subscribe(s->s, topic);
}

UVK_EXTERN int uvk_share_consumer_run(uvk_share_consumer *s, const uvk_share_run_options *opts) {
  CHECK_SHARE(s);
  IF_FREED_RETURN(s, UVK_ECLOSED);
  if (!s || !opts) return UVK_EINVAL;
  uvk_share_run_options o;
  uvk_share_run_options_init(&o);
  int rc = adopt_sized_options(opts, kShareRunOptionsMinSize, &o);
  if (rc != 0) return rc;
  if (client_closing(s->client)) return UVK_ECLOSED;
  ClientScope scope(s->client, false);
  return share_run(s->s, o, client_now(s->client));
}

UVK_EXTERN int uvk_share_ack(uvk_share_consumer *s, const char *topic, int32_t partition, int64_t offset, int type) {
  CHECK_SHARE(s);
  IF_FREED_RETURN(s, UVK_ECLOSED);
  if (!s || !topic) return UVK_EINVAL;
  ClientScope scope(s->client, false);
  return share_ack(s->s, topic, partition, offset, type, client_now(s->client));
}

UVK_EXTERN size_t uvk_share_consumer_held(const uvk_share_consumer *s) {
  CHECK_SHARE(s);
  if (!s || s->freed) return 0;
  return share_held(s->s);
}

UVK_EXTERN int uvk_share_consumer_set_ack_cb(uvk_share_consumer *s, uvk_share_ack_cb cb, void *ud) {
  CHECK_SHARE(s);
  IF_FREED_RETURN(s, UVK_ECLOSED);
  if (!s) return UVK_EINVAL;
  s->ack_cb = cb;
  s->ack_ud = ud;
  return 0;
}

UVK_EXTERN int uvk_share_consumer_set_crash_cb(uvk_share_consumer *s, uvk_share_cb cb, void *ud) {
  CHECK_SHARE(s);
  IF_FREED_RETURN(s, UVK_ECLOSED);
  if (!s) return UVK_EINVAL;
  s->crash_cb = cb;
  s->crash_ud = ud;
  return 0;
}

UVK_EXTERN int uvk_share_consumer_close(uvk_share_consumer *s, uvk_share_cb cb, void *ud) {
  CHECK_SHARE(s);
  IF_FREED_RETURN(s, UVK_ECLOSED);
  if (!s) return UVK_EINVAL;
  CloseCtx *ctx = static_cast<CloseCtx *>(mem_alloc(s->alloc, sizeof(CloseCtx)));
  if (!ctx) return UVK_ENOMEM;
  *ctx = CloseCtx{s, cb, ud};
  ClientScope scope(s->client, false);
  int rc = share_close(s->s, close_cb, ctx, client_now(s->client));
  if (rc != 0) mem_free(s->alloc, ctx);
  return rc;
}

UVK_EXTERN const char *uvk_share_consumer_member_id(const uvk_share_consumer *s) {
  CHECK_SHARE(s);
  if (!s || s->freed) return "";
  return share_member_id(s->s);
}

UVK_EXTERN int32_t uvk_share_consumer_member_epoch(const uvk_share_consumer *s) {
  CHECK_SHARE(s);
  if (!s || s->freed) return -1;
  return share_member_epoch(s->s);
}

UVK_EXTERN size_t uvk_share_consumer_assignment(const uvk_share_consumer *s, uvk_topic_partition *out, size_t cap) {
  CHECK_SHARE(s);
  if (!s || s->freed || (!out && cap)) return 0;
  return share_assignment(s->s, out, cap);
}

}  // extern "C"
