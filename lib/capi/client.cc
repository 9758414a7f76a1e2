// uvk_client: the C ABI over the engine (lib/engine) and the libuv driver (lib/io).
#include <string.h>

#include <new>

#include "capi/client_internal.h"
#include "capi/handle_check.h"
#include "capi/sasl_hooks.h"
#include "capi/config.h"
#include "client/telemetry.h"
#include "capi/stats.h"
#include "engine/events.h"
#include "engine/kafka_errors.h"
#include "engine/log.h"
#include "engine/metadata.h"
#include "proto/gen/api_table.h"
#include "io/clock.h"
#include "io/driver.h"
#include "uvk_build_config.h"
#include "uvkafka/uvkafka.h"

using namespace uvk;

struct uvk_client {
  uint32_t magic;  // kMagicClient; kMagicFreed once uvk_client_free was called
  const Allocator *alloc;
  Allocator alloc_copy;
  IoDriver io;
  Engine *engine;
  uvk_brokers seeds;
  bool disconnecting, closed, free_requested;
  int busy;      // loop callbacks and API calls of this client (or its children) on the stack
  int children;  // producers, consumers and admins not yet released
  DeferredFree *deferred, *deferred_tail;  // handles freed while busy
  uvk_client_cb disconnect_cb;
  void *disconnect_ud;
  EngineTimer shutdown_timer;
  Logger log;
  EventEmitter events;
  TlsContext *tls;
  SaslConfig sasl;
  SaslHooks sasl_hooks;  // custom mechanism / OAUTHBEARER provider
  char *sasl_username, *sasl_password;  // owned copies
  uvk_brokers_fn brokers_cb;  // re-asked on every uvk_client_connect (bootstrap)
  void *brokers_ud;
  char client_id[256];
  Telemetry telemetry;    // KIP-714 (lib/capi/telemetry.cc)
  bool metrics_push;      // enableMetricsPush
  int telemetry_kinds;    // ClientKind bits: what started it
  TelemetryCounters tcount;  // lib/capi/telemetry.cc
  ClientStats stats;  // capi/stats.cc
};

namespace {

void free_secrets(uvk_client *c) {
  if (c->sasl_password) {
    memset(c->sasl_password, 0, strlen(c->sasl_password));
    mem_free(c->alloc, c->sasl_password);
  }
  mem_free(c->alloc, c->sasl_username);
  c->sasl_password = c->sasl_username = nullptr;
}

// Engine events become KafkaJS-style instrumentation events.
void on_engine_event(void *ud, const EngineEvent *ev) {
  uvk_client *c = static_cast<uvk_client *>(ud);
  telemetry_counters_on_event(&c->tcount, ev);
  int type = 0;
  switch (ev->kind) {
    case kEngineEventConnect: type = UVK_EVENT_CONNECT; break;
    case kEngineEventDisconnect: type = UVK_EVENT_DISCONNECT; break;
    case kEngineEventRequest: type = UVK_EVENT_REQUEST; break;
    case kEngineEventRequestTimeout: type = UVK_EVENT_REQUEST_TIMEOUT; break;
    case kEngineEventRequestQueueSize: type = UVK_EVENT_REQUEST_QUEUE_SIZE; break;
  }
  if (!events_listener_count(&c->events, type)) return;
  if (type == UVK_EVENT_REQUEST || type == UVK_EVENT_REQUEST_TIMEOUT) {
    const Request *r = ev->r;
    const proto::ApiInfo *api = proto::api_info(r->api_key);
    uvk_event_request p;
    memset(&p, 0, sizeof p);
    p.broker = ev->conn->label;
    p.client_id = c->client_id;
    p.correlation_id = r->correlation_id;
    p.size = type == UVK_EVENT_REQUEST ? int32_t(ev->size) : 0;
    p.created_at = int64_t(r->created_at);
    p.sent_at = int64_t(r->sent_at);
    p.pending_duration = int64_t(r->sent_at - r->created_at);
    p.duration = type == UVK_EVENT_REQUEST ? int64_t(ev->now - r->created_at) : 0;
    p.api_name = api ? api->name : "Unknown";
    p.api_key = r->api_key;
    p.api_version = r->version;
    events_emit(&c->events, type, engine_wall_ms(c->engine), &p);
  } else if (type == UVK_EVENT_REQUEST_QUEUE_SIZE) {
    uvk_event_request_queue_size p;
    memset(&p, 0, sizeof p);
    p.broker = ev->conn->label;
    p.client_id = c->client_id;
    p.queue_size = ev->queue_size;
    events_emit(&c->events, type, engine_wall_ms(c->engine), &p);
  } else {
    uvk_event_connection p;
    memset(&p, 0, sizeof p);
    p.broker = ev->conn->label;
    p.node_id = ev->conn->node_id;
    events_emit(&c->events, type, engine_wall_ms(c->engine), &p);
  }
}

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

void release_client(uvk_client *c) {
  telemetry_free(&c->telemetry);
  engine_free(c->engine);
  brokers_clear(&c->seeds);
  events_free(&c->events);
  client_stats_free(&c->stats);
  free_secrets(c);
  tls_context_free(c->tls);
  const Allocator *a = c->alloc;
  Allocator copy = c->alloc_copy;
  c->~uvk_client();
  mem_free(a ? &copy : nullptr, c);
}

// The client goes once freed, disconnected, without children and out of every callback.
void try_release(uvk_client *c) {
  if (c->free_requested && c->closed && c->busy == 0 && c->children == 0 && !c->deferred) release_client(c);
}

// Releases what was freed while busy; their releases call back (UVK_ECLOSED), and what is
// freed there joins the list.
void run_deferred(uvk_client *c) {
  c->busy++;
  while (DeferredFree *d = c->deferred) {
    c->deferred = d->next;
    if (!c->deferred) c->deferred_tail = nullptr;
    d->release(d->handle);
  }
  c->busy--;
  try_release(c);
}

void on_busy(void *ud, bool enter) {
  uvk_client *c = static_cast<uvk_client *>(ud);
  if (enter) c->busy++;
  else client_leave(c, true);
}

void on_io_closed(void *ud) {
  uvk_client *c = static_cast<uvk_client *>(ud);
  c->closed = true;
  c->busy++;  // uvk_client_new's failure path runs this outside any loop callback
  if (c->disconnect_cb) c->disconnect_cb(c, nullptr, c->disconnect_ud);
  client_leave(c, true);
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

// The configured log level and sink; timestamps from the io layer's wall clock.
void client_log_init(Logger *l, const uvk_config *cfg, const Allocator *a) {
  log_init(l, int(cfg->log_level), cfg->log_fn, cfg->log_ud, a);
  l->clock = [](void *) { return io_wall_ms(); };
}

// SASL from the configuration: the mechanism, its hooks, owned copies of the credentials.
int client_setup_sasl(uvk_client *c, const uvk_config *cfg) {
  if (!(cfg->sasl_mechanism && *cfg->sasl_mechanism) && !cfg->sasl_custom_fn) return 0;
  c->sasl.mechanism = sasl_mechanism_from_config(cfg->sasl_mechanism);
  int rc = sasl_hooks_init(&c->sasl_hooks, c, cfg, &c->sasl);  // OAUTHBEARER or a custom mechanism
  if (rc == 0 && c->sasl.mechanism == kSaslNone) rc = UVK_EUNSUPPORTED;
  c->sasl_username = mem_strdup(c->alloc, cfg->sasl_username ? cfg->sasl_username : "");
  c->sasl_password = mem_strdup(c->alloc, cfg->sasl_password ? cfg->sasl_password : "");
  if (!c->sasl_username || !c->sasl_password) rc = UVK_ENOMEM;
  c->sasl.username = c->sasl_username ? c->sasl_username : "";
  c->sasl.password = c->sasl_password ? c->sasl_password : "";
  return rc;
}

// The TLS context when ssl is on; why it failed goes to the client's log.
int client_setup_tls(uvk_client *c, const uvk_config *cfg) {
  if (!cfg->ssl) return 0;
  TlsOptions to;
  to.ca = cfg->ssl_ca ? cfg->ssl_ca : "";
  to.cert = cfg->ssl_cert ? cfg->ssl_cert : "";
  to.key = cfg->ssl_key ? cfg->ssl_key : "";
  to.passphrase = cfg->ssl_passphrase ? cfg->ssl_passphrase : "";
  to.reject_unauthorized = cfg->ssl_reject_unauthorized;
  to.servername = cfg->ssl_servername ? cfg->ssl_servername : "";
  char terr[256];
  int rc = tls_context_new(to, c->alloc, &c->tls, terr, sizeof terr);
  if (rc != 0) UVK_LOG(&c->log, UVK_LOG_ERROR, "Client", "TLS setup failed: %s", terr);
  return rc;
}

EngineConfig client_engine_config(uvk_client *c, const uvk_config *cfg) {
  EngineConfig ec;
  ec.conn.client_id = c->client_id;
  ec.conn.sasl = &c->sasl;
  ec.conn.authentication_timeout_ms = uint32_t(cfg->authentication_timeout);
  ec.conn.reauthentication_threshold_ms = uint32_t(cfg->reauthentication_threshold);
  ec.conn.software_version = UVK_VERSION_STRING;
  ec.conn.request_timeout_ms = uint32_t(cfg->request_timeout);
  ec.conn.enforce_request_timeout = cfg->enforce_request_timeout;
  ec.conn.max_in_flight = cfg->max_in_flight_requests < 0 ? -1 : int(cfg->max_in_flight_requests);
  ec.conn.max_response_size = size_t(cfg->max_response_size);
  int major, minor, patch;
  ec.conn.cap = config_version_cap(cfg, &major, &minor, &patch) ? version_table_find(major, minor, patch) : nullptr;
  ec.connection_timeout_ms = uint32_t(cfg->connection_timeout);
  ec.connections_max_idle_ms = uint64_t(cfg->connections_max_idle);
  ec.retry = config_retry_options(cfg);
  ec.metadata_max_age_ms = uint64_t(cfg->metadata_max_age);
  ec.allow_auto_topic_creation = cfg->allow_auto_topic_creation;
  ec.rng_seed = io_seed();
  return ec;
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
  c->magic = kMagicClient;
  if (a) {
    c->alloc_copy = *a;
    c->alloc = &c->alloc_copy;
  }
  c->seeds.alloc = c->alloc;
  int rc = config_bootstrap_brokers(cfg, &c->seeds);
  if (rc == 0 && c->seeds.n == 0) rc = UVK_EINVAL;
  snprintf(c->client_id, sizeof c->client_id, "%s", cfg->client_id ? cfg->client_id : "uvkafka");
  c->brokers_cb = cfg->brokers_cb;
  c->brokers_ud = cfg->brokers_ud;
  client_log_init(&c->log, cfg, c->alloc);
  c->events.alloc = c->alloc;
  if (rc == 0) rc = client_setup_sasl(c, cfg);
  if (rc == 0) rc = client_setup_tls(c, cfg);
  if (rc != 0) {
    free_secrets(c);
    brokers_clear(&c->seeds);
    mem_free(c->alloc, c);
    return rc;
  }
  EngineIo io;
  rc = io_init(&c->io, static_cast<uv_loop_t *>(uv_loop), c->alloc, &io);
  if (rc == 0) {
    c->io.tls = c->tls;
    c->io.socket_open = cfg->socket_open;
    c->io.socket_release = cfg->socket_release;
    c->io.socket_ud = cfg->socket_ud;
    c->io.recv_buffer = int(cfg->socket_receive_buffer_bytes);
    c->io.send_buffer = int(cfg->socket_send_buffer_bytes);
    c->io.busy_fn = on_busy;
    c->io.busy_ud = c;
    c->engine = engine_new(client_engine_config(c, cfg), io, c->alloc);
    if (!c->engine) rc = UVK_ENOMEM;
    else c->engine->hooks = EngineHooks{on_engine_event, c, &c->log};
  }
  for (size_t i = 0; rc == 0 && i < c->seeds.n; i++)
    rc = engine_add_seed(c->engine, c->seeds.items[i].host, c->seeds.items[i].port);
  if (rc != 0) {
    // The driver's timers exist already: close them properly before freeing.
    c->free_requested = true;
    c->disconnecting = true;
    io_close(&c->io, on_io_closed, c);
    if (c->io.owns_loop) io_run(&c->io);
    return rc;
  }
  c->io.engine = c->engine;
  c->metrics_push = cfg->enable_metrics_push;
  telemetry_init(&c->telemetry, c->engine, c->alloc, client_telemetry_collect, c);
  client_stats_start(c, &c->stats, cfg, io_now(&c->io));
  *out = c;
  return 0;
}

UVK_EXTERN void *uvk_client_loop(uvk_client *c) {
  UVK_CHECK_HANDLE(c, kMagicClient, "uvk_client");
  return c ? c->io.loop : nullptr;
}

UVK_EXTERN int uvk_client_connect(uvk_client *c, uvk_client_cb cb, void *ud) {
  UVK_CHECK_HANDLE(c, kMagicClient, "uvk_client");
  if (!c || !cb) return UVK_EINVAL;
  if (c->disconnecting) return UVK_ECLOSED;
  if (io_sigpipe_kills())
    UVK_LOG(&c->log, UVK_LOG_WARN, "Client",
            "SIGPIPE has its default action: a broker closing a connection while the client writes "
            "would end this process; ignore it (signal(SIGPIPE, SIG_IGN)), as Node.js and Python do");
  ClientScope scope(c, false);  // the brokers callback may free a handle
  if (c->brokers_cb) {
    // Each bootstrap asks the application for the seeds again (KafkaJS's brokers function).
    uvk_brokers fresh;
    memset(&fresh, 0, sizeof fresh);
    fresh.alloc = c->alloc;
    int rc = c->brokers_cb(c->brokers_ud, &fresh);
    if (rc == 0 && fresh.n == 0) rc = UVK_EINVAL;
    if (rc != 0) {
      brokers_clear(&fresh);
      return rc < 0 ? rc : UVK_EINVAL;
    }
    engine_clear_seeds(c->engine);
    for (size_t i = 0; rc == 0 && i < fresh.n; i++)
      rc = engine_add_seed(c->engine, fresh.items[i].host, fresh.items[i].port);
    brokers_clear(&c->seeds);
    c->seeds = fresh;
    if (rc != 0) return rc;
  }
  return start_metadata(c, nullptr, 0, cb, nullptr, ud);
}

UVK_EXTERN int64_t uvk_client_on(uvk_client *c, int type, uvk_event_fn fn, void *ud) {
  UVK_CHECK_HANDLE(c, kMagicClient, "uvk_client");
  if (!c) return UVK_EINVAL;
  // A client emits the network events only: a consumer's type would be taken and never fire.
  if (type < UVK_EVENT_CONNECT || type > UVK_EVENT_REQUEST_QUEUE_SIZE) return UVK_EINVAL;
  uint64_t id = 0;
  int rc = events_on(&c->events, type, fn, ud, &id);
  return rc != 0 ? rc : int64_t(id);
}

UVK_EXTERN int uvk_client_off(uvk_client *c, int64_t listener) {
  UVK_CHECK_HANDLE(c, kMagicClient, "uvk_client");
  return client_off(c, listener);
}

UVK_EXTERN int uvk_client_metadata(uvk_client *c, const char *const *topics, size_t n,
                                   uvk_metadata_cb cb, void *ud) {
  UVK_CHECK_HANDLE(c, kMagicClient, "uvk_client");
  if (!c || !cb || (n > 0 && !topics) || n > 100000) return UVK_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (!topics[i] || !*topics[i]) return UVK_EINVAL;
  return start_metadata(c, topics, topics ? int(n) : -1, nullptr, cb, ud);
}

static void shutdown_engine(void *ud) {
  uvk_client *c = static_cast<uvk_client *>(ud);
  engine_shutdown(c->engine);  // held requests fail on the next turn...
  // ...and one turn later the sockets close.
  engine_add_timer(c->engine, &c->shutdown_timer, io_now(&c->io), on_shutdown_timer, c);
}

static int disconnect(uvk_client *c, uvk_client_cb cb, void *ud) {
  if (c->disconnecting) return UVK_ESTATE;
  c->disconnecting = true;
  c->disconnect_cb = cb;
  c->disconnect_ud = ud;
  // KIP-714: the terminating push first, when metrics are subscribed (at most a second).
  if (telemetry_close(&c->telemetry, shutdown_engine, c, io_now(&c->io)) == 0) return 0;
  shutdown_engine(c);
  return 0;
}

UVK_EXTERN int uvk_client_disconnect(uvk_client *c, uvk_client_cb cb, void *ud) {
  UVK_CHECK_HANDLE(c, kMagicClient, "uvk_client");
  if (!c) return UVK_EINVAL;
  return disconnect(c, cb, ud);
}

// Marks the client; it goes once disconnected, out of every callback and without children.
UVK_EXTERN void uvk_client_free(uvk_client *c) {
  if (!c) return;
  UVK_CHECK_HANDLE(c, kMagicClient, "uvk_client");  // also a second free
  if (c->free_requested) return;  // a second free while the first waits (builds with NDEBUG)
  c->magic = kMagicFreed;
  c->free_requested = true;
  if (!c->disconnecting) disconnect(c, nullptr, nullptr);
  if (c->busy == 0) try_release(c);
}

UVK_EXTERN int uvk_client_get_stats(uvk_client *c, uvk_client_stats *out) {
  UVK_CHECK_HANDLE(c, kMagicClient, "uvk_client");
  return client_stats_get(c, out);
}

UVK_EXTERN size_t uvk_client_stats_json(uvk_client *c, char *buf, size_t buflen) {
  UVK_CHECK_HANDLE(c, kMagicClient, "uvk_client");
  return client_stats_json(c, buf, buflen);
}

UVK_EXTERN int uvk_client_run(uvk_client *c) {
  UVK_CHECK_HANDLE(c, kMagicClient, "uvk_client");
  if (!c || !c->io.owns_loop) return UVK_EINVAL;
  io_run(&c->io);
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
UVK_EXTERN int32_t uvk_metadata_partition_replica(const uvk_metadata *md, size_t t, size_t p, size_t i) {
  const PartitionMeta *m = part_at(md, t, p);
  return m && m->replicas && i < size_t(m->n_replicas > 0 ? m->n_replicas : 0) ? m->replicas[i] : -1;
}
UVK_EXTERN int32_t uvk_metadata_partition_isr(const uvk_metadata *md, size_t t, size_t p, size_t i) {
  const PartitionMeta *m = part_at(md, t, p);
  return m && m->isr && i < size_t(m->n_isr > 0 ? m->n_isr : 0) ? m->isr[i] : -1;
}
UVK_EXTERN size_t uvk_metadata_partition_offline_count(const uvk_metadata *md, size_t t, size_t p) {
  const PartitionMeta *m = part_at(md, t, p);
  return m && m->n_offline > 0 ? size_t(m->n_offline) : 0;
}
UVK_EXTERN int32_t uvk_metadata_partition_offline(const uvk_metadata *md, size_t t, size_t p, size_t i) {
  const PartitionMeta *m = part_at(md, t, p);
  return m && m->offline && i < size_t(m->n_offline > 0 ? m->n_offline : 0) ? m->offline[i] : -1;
}
UVK_EXTERN int uvk_metadata_partition_error(const uvk_metadata *md, size_t t, size_t p) {
  const PartitionMeta *m = part_at(md, t, p);
  return m && m->error ? UVK_ERR_KAFKA(m->error) : 0;
}

}  // extern "C"

namespace uvk {

Engine *client_engine(uvk_client *c) { return c->engine; }
uint64_t client_now(uvk_client *c) { return io_now(&c->io); }
IoDriver *client_io(uvk_client *c) { return &c->io; }
ClientStats *client_stats(uvk_client *c) { return &c->stats; }
const Allocator *client_alloc(uvk_client *c) { return c->alloc; }
bool client_closing(uvk_client *c) { return c->disconnecting; }

void client_telemetry_start(uvk_client *c, int kind) {
  c->telemetry_kinds |= kind;
  if (c->metrics_push && !c->disconnecting) telemetry_start(&c->telemetry, io_now(&c->io));
}
int client_telemetry_kinds(const uvk_client *c) { return c->telemetry_kinds; }
TelemetryCounters *client_telemetry_counters(uvk_client *c) { return &c->tcount; }
Telemetry *client_telemetry(uvk_client *c) { return &c->telemetry; }

int client_off(uvk_client *c, int64_t listener) {
  if (!c || listener <= 0) return UVK_EINVAL;
  return events_off(&c->events, uint64_t(listener));
}

bool client_busy(const uvk_client *c) { return c->busy > 0; }

void client_defer_free(uvk_client *c, DeferredFree *d) {
  d->next = nullptr;
  if (c->deferred_tail) c->deferred_tail->next = d; else c->deferred = d;
  c->deferred_tail = d;
}

bool client_free_child(uvk_client *c, DeferredFree *node, void (*release)(void *handle), void *handle) {
  *node = DeferredFree{nullptr, release, handle};
  if (client_busy(c)) {
    client_defer_free(c, node);  // released when the callback returns
    return false;
  }
  ClientScope scope(c, true);
  release(handle);
  return true;
}

void client_child_added(uvk_client *c) { c->children++; }
void client_child_released(uvk_client *c) { c->children--; }

void client_enter(uvk_client *c) { c->busy++; }

void client_leave(uvk_client *c, bool now) {
  if (--c->busy > 0) return;
  if (!c->deferred) {
    try_release(c);
    return;
  }
  if (!now && io_wake(&c->io)) return;  // on_defer's way out runs the list
  run_deferred(c);
}

}  // namespace uvk
