// uvk_client: the C ABI over the engine (lib/engine) and the libuv driver (lib/io).
#include <string.h>

#include <new>

#include "capi/config.h"
#include "engine/kafka_errors.h"
#include "engine/metadata.h"
#include "io/driver.h"
#include "uvk_build_config.h"
#include "uvkafka/uvkafka.h"

using namespace uvk;

struct uvk_metadata {
  MetadataSnapshot *snap;
};

struct uvk_client {
  const Allocator *alloc;
  Allocator alloc_copy;
  IoDriver io;
  Engine *engine;
  uvk_brokers seeds;
  bool disconnecting, closed, free_when_closed;
  uvk_client_cb disconnect_cb;
  void *disconnect_ud;
  EngineTimer shutdown_timer;
  char client_id[256];
};

namespace {

struct Pending {  // one connect/metadata call in progress
  uvk_client *client;
  uvk_client_cb client_cb;
  uvk_metadata_cb metadata_cb;
  void *ud;
};

void metadata_done(void *ud, const uvk_error *err, MetadataSnapshot *snap) {
  Pending *p = static_cast<Pending *>(ud);
  uvk_client *c = p->client;
  uvk_metadata md{snap};
  if (p->metadata_cb) p->metadata_cb(c, err, snap ? &md : nullptr, p->ud);
  else if (p->client_cb) p->client_cb(c, err, p->ud);
  if (snap) {
    metadata_snapshot_free(snap);
    mem_free(c->alloc, snap);
  }
  mem_free(c->alloc, p);
}

void on_io_closed(void *ud) {
  uvk_client *c = static_cast<uvk_client *>(ud);
  c->closed = true;
  if (c->disconnect_cb) c->disconnect_cb(c, nullptr, c->disconnect_ud);
  if (c->free_when_closed) uvk_client_free(c);
}

// Once the engine has failed what it held (its deferred turn), close the sockets.
void on_shutdown_timer(void *ud, uint64_t) {
  uvk_client *c = static_cast<uvk_client *>(ud);
  io_close(&c->io, on_io_closed, c);
}

int start_metadata(uvk_client *c, const char *const *topics, int n, uvk_client_cb ccb,
                   uvk_metadata_cb mcb, void *ud) {
  if (c->disconnecting) return UVK_ECLOSED;
  Pending *p = static_cast<Pending *>(mem_alloc(c->alloc, sizeof(Pending)));
  if (!p) return UVK_ENOMEM;
  *p = Pending{c, ccb, mcb, ud};
  int rc = metadata_fetch(c->engine, topics, n, metadata_done, p, io_now(&c->io));
  if (rc != 0) mem_free(c->alloc, p);
  return rc;
}

}  // namespace

extern "C" {

UVK_EXTERN int uvk_client_new(void *uv_loop, const uvk_config *cfg, uvk_client **out) {
  if (!cfg || !out) return UVK_EINVAL;
  *out = nullptr;
  const Allocator *a = config_allocator(cfg);
  void *mem = mem_alloc(a, sizeof(uvk_client));
  if (!mem) return UVK_ENOMEM;
  uvk_client *c = new (mem) uvk_client();
  if (a) {
    c->alloc_copy = *a;
    c->alloc = &c->alloc_copy;
  }
  c->seeds.alloc = c->alloc;
  int rc = config_bootstrap_brokers(cfg, &c->seeds);
  if (rc == 0 && c->seeds.n == 0) rc = UVK_EINVAL;
  if (rc != 0) {
    brokers_clear(&c->seeds);
    mem_free(c->alloc, c);
    return rc;
  }
  snprintf(c->client_id, sizeof c->client_id, "%s", cfg->client_id ? cfg->client_id : "uvkafka");
  EngineConfig ec;
  ec.conn.client_id = c->client_id;
  ec.conn.software_version = UVK_VERSION_STRING;
  ec.conn.request_timeout_ms = uint32_t(cfg->request_timeout);
  ec.conn.enforce_request_timeout = cfg->enforce_request_timeout;
  ec.conn.max_in_flight = cfg->max_in_flight_requests < 0 ? -1 : int(cfg->max_in_flight_requests);
  ec.conn.max_response_size = size_t(cfg->max_response_size);
  int major, minor, patch;
  ec.conn.cap = config_version_cap(cfg, &major, &minor, &patch) ? version_table_find(major, minor, patch) : nullptr;
  ec.connection_timeout_ms = uint32_t(cfg->connection_timeout);
  ec.retry = config_retry_options(cfg);
  ec.metadata_max_age_ms = uint64_t(cfg->metadata_max_age);
  ec.allow_auto_topic_creation = cfg->allow_auto_topic_creation;
  EngineIo io;
  rc = io_init(&c->io, static_cast<uv_loop_t *>(uv_loop), c->alloc, &io);
  if (rc == 0) {
    c->engine = engine_new(ec, io, c->alloc);
    if (!c->engine) rc = UVK_ENOMEM;
  }
  for (size_t i = 0; rc == 0 && i < c->seeds.n; i++)
    rc = engine_add_seed(c->engine, c->seeds.items[i].host, c->seeds.items[i].port);
  if (rc != 0) {
    // The driver's timers exist already: close them properly before freeing.
    c->free_when_closed = true;
    c->disconnecting = true;
    io_close(&c->io, on_io_closed, c);
    if (c->io.owns_loop) uv_run(c->io.loop, UV_RUN_DEFAULT);
    return rc;
  }
  c->io.engine = c->engine;
  *out = c;
  return 0;
}

UVK_EXTERN void *uvk_client_loop(uvk_client *c) { return c ? c->io.loop : nullptr; }

UVK_EXTERN int uvk_client_connect(uvk_client *c, uvk_client_cb cb, void *ud) {
  if (!c || !cb) return UVK_EINVAL;
  return start_metadata(c, nullptr, 0, cb, nullptr, ud);
}

UVK_EXTERN int uvk_client_metadata(uvk_client *c, const char *const *topics, size_t n,
                                   uvk_metadata_cb cb, void *ud) {
  if (!c || !cb || (n > 0 && !topics) || n > 100000) return UVK_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (!topics[i] || !*topics[i]) return UVK_EINVAL;
  return start_metadata(c, topics, topics ? int(n) : -1, nullptr, cb, ud);
}

UVK_EXTERN int uvk_client_disconnect(uvk_client *c, uvk_client_cb cb, void *ud) {
  if (!c) return UVK_EINVAL;
  if (c->disconnecting) return UVK_ESTATE;
  c->disconnecting = true;
  c->disconnect_cb = cb;
  c->disconnect_ud = ud;
  engine_shutdown(c->engine);  // held requests fail on the next turn...
  // ...and one turn later the sockets close.
  engine_add_timer(c->engine, &c->shutdown_timer, io_now(&c->io), on_shutdown_timer, c);
  return 0;
}

UVK_EXTERN void uvk_client_free(uvk_client *c) {
  if (!c) return;
  if (!c->closed) {
    c->free_when_closed = true;
    if (!c->disconnecting) uvk_client_disconnect(c, nullptr, nullptr);
    return;
  }
  engine_free(c->engine);
  brokers_clear(&c->seeds);
  const Allocator *a = c->alloc;
  Allocator copy = c->alloc_copy;
  c->~uvk_client();
  mem_free(a ? &copy : nullptr, c);
}

UVK_EXTERN int uvk_client_run(uvk_client *c) {
  if (!c || !c->io.owns_loop) return UVK_EINVAL;
  uv_run(c->io.loop, UV_RUN_DEFAULT);
  return 0;
}

// ---- metadata accessors ---------------------------------------------------------------

static const TopicMeta *topic_at(const uvk_metadata *md, size_t t) {
  return md && md->snap && t < size_t(md->snap->n_topics) ? &md->snap->topics[t] : nullptr;
}
static const PartitionMeta *part_at(const uvk_metadata *md, size_t t, size_t p) {
  const TopicMeta *tm = topic_at(md, t);
  return tm && p < size_t(tm->n_partitions) ? &tm->partitions[p] : nullptr;
}
static const BrokerMeta *broker_at(const uvk_metadata *md, size_t b) {
  return md && md->snap && b < size_t(md->snap->n_brokers) ? &md->snap->brokers[b] : nullptr;
}

UVK_EXTERN const char *uvk_metadata_cluster_id(const uvk_metadata *md) {
  return md && md->snap ? md->snap->cluster_id : nullptr;
}
UVK_EXTERN int32_t uvk_metadata_controller_id(const uvk_metadata *md) {
  return md && md->snap ? md->snap->controller_id : -1;
}
UVK_EXTERN size_t uvk_metadata_broker_count(const uvk_metadata *md) {
  return md && md->snap ? size_t(md->snap->n_brokers) : 0;
}
UVK_EXTERN int32_t uvk_metadata_broker_id(const uvk_metadata *md, size_t b) {
  const BrokerMeta *m = broker_at(md, b);
  return m ? m->node_id : -1;
}
UVK_EXTERN const char *uvk_metadata_broker_host(const uvk_metadata *md, size_t b) {
  const BrokerMeta *m = broker_at(md, b);
  return m ? m->host : nullptr;
}
UVK_EXTERN int32_t uvk_metadata_broker_port(const uvk_metadata *md, size_t b) {
  const BrokerMeta *m = broker_at(md, b);
  return m ? m->port : -1;
}
UVK_EXTERN size_t uvk_metadata_topic_count(const uvk_metadata *md) {
  return md && md->snap ? size_t(md->snap->n_topics) : 0;
}
UVK_EXTERN const char *uvk_metadata_topic_name(const uvk_metadata *md, size_t t) {
  const TopicMeta *m = topic_at(md, t);
  return m ? m->name : nullptr;
}
UVK_EXTERN int uvk_metadata_topic_error(const uvk_metadata *md, size_t t) {
  const TopicMeta *m = topic_at(md, t);
  return m && m->error ? UVK_ERR_KAFKA(m->error) : 0;
}
UVK_EXTERN size_t uvk_metadata_partition_count(const uvk_metadata *md, size_t t) {
  const TopicMeta *m = topic_at(md, t);
  return m ? size_t(m->n_partitions) : 0;
}
UVK_EXTERN int32_t uvk_metadata_partition_id(const uvk_metadata *md, size_t t, size_t p) {
  const PartitionMeta *m = part_at(md, t, p);
  return m ? m->partition : -1;
}
UVK_EXTERN int32_t uvk_metadata_partition_leader(const uvk_metadata *md, size_t t, size_t p) {
  const PartitionMeta *m = part_at(md, t, p);
  return m ? m->leader : -1;
}
UVK_EXTERN size_t uvk_metadata_partition_replica_count(const uvk_metadata *md, size_t t, size_t p) {
  const PartitionMeta *m = part_at(md, t, p);
  return m && m->n_replicas > 0 ? size_t(m->n_replicas) : 0;
}
UVK_EXTERN size_t uvk_metadata_partition_isr_count(const uvk_metadata *md, size_t t, size_t p) {
  const PartitionMeta *m = part_at(md, t, p);
  return m && m->n_isr > 0 ? size_t(m->n_isr) : 0;
}

}  // extern "C"
