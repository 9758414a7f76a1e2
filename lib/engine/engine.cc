#include "engine/engine.h"

#include "engine/coordinator.h"
#include "engine/kafka_errors.h"
#include "engine/version_table.h"
#include "proto/gen/api_table.h"

#include <stdio.h>
#include <string.h>

#include <new>

#include "uvkafka/uvk_errors.h"

namespace uvk {

namespace {

void free_addrs(Engine *e, BrokerAddr *v, size_t n) {
  for (size_t i = 0; i < n; i++) mem_free(e->alloc, v[i].host);
  mem_free(e->alloc, v);
}

AddrHealth *find_health(const Engine *e, const char *host, uint16_t port) {
  for (AddrHealth *h = e->health; h; h = h->next)
    if (h->port == port && strcmp(h->host, host) == 0) return h;
  return nullptr;
}

AddrHealth *health_for(Engine *e, const char *host, uint16_t port) {
  if (AddrHealth *h = find_health(e, host, port)) return h;
  AddrHealth *h = static_cast<AddrHealth *>(mem_alloc(e->alloc, sizeof(AddrHealth)));
  if (!h) return nullptr;
  memset(static_cast<void *>(h), 0, sizeof *h);
  h->host = mem_strdup(e->alloc, host);
  if (!h->host) {
    mem_free(e->alloc, h);
    return nullptr;
  }
  h->port = port;
  h->next = e->health;
  e->health = h;
  return h;
}

// The earliest time a new connection to host:port may start.
uint64_t not_before(const Engine *e, const char *host, uint16_t port) {
  const AddrHealth *h = find_health(e, host, port);
  return h ? h->retry_at : 0;
}

void emit(Engine *e, EngineEventKind kind, const EngineConn *c, const Request *r, size_t size,
          int32_t queue_size) {
  if (!e->hooks.event) return;
  EngineEvent ev{kind, c, r, size, queue_size, e->now};
  e->hooks.event(e->hooks.ud, &ev);
}

// A connection attempt to c's address failed before the connection got ready.
void note_failure(Engine *e, EngineConn *c, int err) {
  AddrHealth *h = health_for(e, c->host, c->port);
  if (h) {
    h->wait = h->failures == 0 ? retry_first_wait(e->cfg.retry, &e->rng)
                               : retry_next_wait(e->cfg.retry, h->wait, &e->rng);
    h->failures++;
    h->retry_at = e->now + uint64_t(h->wait);
  }
  if (e->hooks.log)
    UVK_LOG(e->hooks.log, UVK_LOG_ERROR, "Connection",
            "Connection error: %s (broker %s, attempt %d, next in %lld ms)",
            c->conn.error_message[0] ? c->conn.error_message : uvk_strerror(err), c->label,
            h ? int(h->failures) : 0, h ? (long long)h->wait : 0LL);
}

// The connection's end: a disconnect event if it had been ready, else a failed attempt.
void note_closed(Engine *e, EngineConn *c, int err) {
  if (c->ready_seen) {
    // error_message says what exactly was wrong (a frame length, a correlation id, ...).
    if (e->hooks.log)
      UVK_LOG(e->hooks.log, err == UVK_ECLOSED && e->shutting_down ? UVK_LOG_DEBUG : UVK_LOG_WARN,
              "Connection", "Connection to %s closed: %s%s%s", c->label, uvk_strerror(err),
              c->conn.error_message[0] ? ": " : "", c->conn.error_message);
    emit(e, kEngineEventDisconnect, c, nullptr, 0, 0);
  } else if (!e->shutting_down) {
    note_failure(e, c, err);
  }
}

// A request no version fits (UVK_EUNSUPPORTED): says which API, what the client and the cap
// allow and what the broker offers, so a capped client against Kafka 4 (which removed the
// oldest versions, KIP-896) reads what it cannot do instead of a bare code.
void log_no_version(Engine *e, const EngineConn *c, const Request *r) {
  if (!e->hooks.log) return;
  const proto::ApiInfo *info = proto::api_info(r->api_key);
  const char *name = info ? info->name : "?";
  ApiRange b = r->api_key >= 0 && r->api_key < int16_t(sizeof c->conn.versions / sizeof c->conn.versions[0])
                   ? c->conn.versions[r->api_key] : ApiRange();
  int16_t cap = version_cap(c->conn.cfg.cap, r->api_key);
  char capped[96] = "";
  if (cap < r->max_version)
    snprintf(capped, sizeof capped, ", v%d at most under protocolVersionCap", cap < 0 ? -1 : int(cap));
  if (b.max < 0)
    UVK_LOG(e->hooks.log, UVK_LOG_WARN, "Connection", "%s (key %d) cannot be sent to %s: the broker does not offer it",
            name, int(r->api_key), c->label);
  else
    UVK_LOG(e->hooks.log, UVK_LOG_WARN, "Connection", "%s (key %d) cannot be sent to %s: the client speaks v%d-v%d%s, "
            "the broker v%d-v%d (%s)", name, int(r->api_key), c->label, int(r->min_version), int(r->max_version), capped,
            int(b.min), int(b.max),
            b.max < r->min_version ? "the broker is older than this needs"
                                   : "the broker no longer takes the old versions: Kafka 4 removed them, KIP-896");
}

void on_conn_event(void *ud, ConnEventKind kind, const Request *r, size_t size, uint64_t now) {
  EngineConn *c = static_cast<EngineConn *>(ud);
  Engine *e = c->engine;
  e->now = now;
  c->last_active = now;
  broker_stats_conn_event(e, c, kind, r, now);
  switch (kind) {
    case kConnEventReady:
      c->ready_seen = true;
      if (AddrHealth *h = find_health(e, c->host, c->port)) h->failures = 0, h->wait = 0, h->retry_at = 0;
      if (e->hooks.log)
        UVK_LOG(e->hooks.log, UVK_LOG_DEBUG, "Connection", "Connected to %s (node %d)", c->label,
                int(c->node_id));
      emit(e, kEngineEventConnect, c, nullptr, 0, 0);
      break;
    case kConnEventResponse:
      emit(e, kEngineEventRequest, c, r, size, 0);
      break;
    case kConnEventTimeout:
      if (e->hooks.log)
        UVK_LOG(e->hooks.log, UVK_LOG_ERROR, "Connection",
                "Request %d (correlation %d) to %s timed out", int(r->api_key),
                int(r->correlation_id), c->label);
      emit(e, kEngineEventRequestTimeout, c, r, 0, 0);
      break;
    case kConnEventQueueSize:
      emit(e, kEngineEventRequestQueueSize, c, nullptr, 0, int32_t(size));
      break;
    case kConnEventThrottled:
      if (e->hooks.log)
        UVK_LOG(e->hooks.log, UVK_LOG_INFO, "Connection",
                "Broker %s (node %d) throttles this client: %d ms asked in a response to request %d, "
                "holding back new requests for %zu ms",
                c->label, int(c->node_id), int(c->conn.throttle_asked), int(r->api_key), size);
      break;
    case kConnEventReauthenticated:
      if (e->hooks.log)
        UVK_LOG(e->hooks.log, UVK_LOG_DEBUG, "Connection", "Re-authenticated to %s (node %d), session lifetime %lld ms",
                c->label, int(c->node_id), static_cast<long long>(size));
      break;
    case kConnEventAuthFailed:
      if (e->hooks.log)
        UVK_LOG(e->hooks.log, UVK_LOG_ERROR, "Connection", "SASL authentication failed: %s (broker %s)",
                c->conn.error_message, c->label);
      break;
    case kConnEventNoVersion:
      log_no_version(e, c, r);
      break;
    case kConnEventFailed:
      e->last_conn_error_code = c->conn.error;
      e->last_conn_kafka_code = c->conn.error_kafka_code;
      e->last_conn_error[0] = '\0';
      if (c->conn.error_message[0])
        snprintf(e->last_conn_error, sizeof e->last_conn_error, "%s (broker %s)", c->conn.error_message, c->label);
      break;
  }
}

EngineConn *find_conn(Engine *e, ConnId id) {
  for (EngineConn *c = e->conns; c; c = c->next)
    if (c->id == id) return c;
  return nullptr;
}

void unlink_conn(Engine *e, EngineConn *c) {
  for (EngineConn **p = &e->conns; *p; p = &(*p)->next)
    if (*p == c) {
      *p = c->next;
      return;
    }
}

void free_conn(Engine *e, EngineConn *c) {
  broker_stats_conn_gone(e, c, e->now);
  buf_free(&c->conn.out);
  buf_free(&c->conn.in);
  buf_free(&c->conn.sasl_out);
  sasl_session_free(&c->conn.sasl);
  mem_free(e->alloc, c->host);
  mem_free(e->alloc, c);
}

bool conn_idle(const EngineConn *c) {
  return c->conn.state == kConnReady && !c->conn.queued && !c->conn.in_flight &&
         !conn_wants_write(&c->conn);
}

// Re-arms the driver's timer to the earliest deadline, and asks for writes where needed.
void sync_io(Engine *e) {
  uint64_t d = UINT64_MAX;
  uint64_t max_idle = e->cfg.connections_max_idle_ms;
  for (EngineConn *c = e->conns; c; c = c->next) {
    if (!c->started && c->connect_at < d) d = c->connect_at;
    if (c->started && !c->connected && c->connect_deadline < d) d = c->connect_deadline;
    if (max_idle && conn_idle(c) && c->last_active + max_idle < d) d = c->last_active + max_idle;
    uint64_t cd = conn_next_deadline(&c->conn);
    if (cd < d) d = cd;
    if (c->connected && conn_wants_write(&c->conn)) e->io.want_write(e->io.ud, c->id);
  }
  for (EngineTimer *t = e->timers; t; t = t->next)
    if (t->deadline < d) d = t->deadline;
  if (d != e->armed) {
    e->armed = d;
    e->io.set_timer(e->io.ud, d);
  }
}

// Ends a connection: the driver closes the socket, held requests fail with err.
void drop_conn(Engine *e, EngineConn *c, int err) {
  unlink_conn(e, c);
  if (c->started) e->io.close(e->io.ud, c->id);
  note_closed(e, c, err);
  conn_fail(&c->conn, err);
  free_conn(e, c);
}

void start_connect(Engine *e, EngineConn *c) {
  c->started = true;
  c->connect_deadline = e->now + e->cfg.connection_timeout_ms;
  broker_stats_conn_started(e, c, e->now);
  if (e->hooks.log)
    UVK_LOG(e->hooks.log, UVK_LOG_DEBUG, "Connection", "Connecting to %s", c->label);
  e->io.connect(e->io.ud, c->id, c->host, c->port);
}

EngineConn *open_conn(Engine *e, int32_t node_id, const char *host, uint16_t port, uint64_t now,
                      uint32_t lane = 0) {
  EngineConn *c = static_cast<EngineConn *>(mem_alloc(e->alloc, sizeof(EngineConn)));
  if (!c) return nullptr;
  new (&c->conn) Conn();
  c->host = mem_strdup(e->alloc, host);
  if (!c->host) {
    mem_free(e->alloc, c);
    return nullptr;
  }
  conn_init(&c->conn, e->cfg.conn, e->alloc);
  c->conn.observer.fn = on_conn_event;
  c->conn.observer.ud = c;
  c->engine = e;
  c->id = e->next_conn_id++;
  if (e->next_conn_id == 0) e->next_conn_id = 1;
  c->node_id = node_id;
  c->lane = lane;
  c->port = port;
  snprintf(c->label, sizeof c->label, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, unsigned(port));
  c->conn.id = c->id;
  c->conn.cfg.broker_label = c->label;
  c->connected = c->started = c->ready_seen = c->flush_soon = false;
  c->last_active = now;
  c->next = e->conns;
  e->conns = c;
  // Backing off after failures: the socket opens later; requests wait in its queue.
  uint64_t at = not_before(e, host, port);
  c->connect_at = at > now ? at : now;
  c->connect_deadline = UINT64_MAX;
  if (c->connect_at <= now) start_connect(e, c);
  return c;
}

// The connection for a request to node_id (-1: any broker) on `lane`.
EngineConn *conn_for(Engine *e, int32_t node_id, uint64_t now, int *err, uint32_t lane = 0) {
  *err = 0;
  if (node_id >= 0) {
    for (EngineConn *c = e->conns; c; c = c->next)
      if (c->node_id == node_id && c->lane == lane) return c;
    for (size_t i = 0; i < e->n_brokers; i++)
      if (e->brokers[i].node_id == node_id)
        return open_conn(e, node_id, e->brokers[i].host, e->brokers[i].port, now, lane);
    *err = UVK_ENOTFOUND;
    return nullptr;
  }
  if (lane != 0) {
    *err = UVK_EINVAL;
    return nullptr;
  }
  // The ready connection with the fewest requests in flight (the first of those): a broker
  // that stopped answering keeps its connection open and its requests pile up there, so a
  // request for any broker (a coordinator lookup after that broker's silence) goes elsewhere.
  EngineConn *any = nullptr, *ready = nullptr;
  for (EngineConn *c = e->conns; c; c = c->next) {
    if (c->lane != 0) continue;
    if (c->conn.state == kConnReady && (!ready || c->conn.n_in_flight < ready->conn.n_in_flight)) {
      ready = c;
      if (c->conn.n_in_flight == 0) break;
    }
    if (!any) any = c;
  }
  if (ready) return ready;
  if (any) return any;
  // No connection at all: the next seed in turn that is not backing off (else the one
  // whose backoff ends first), else a known broker.
  if (e->n_seeds > 0) {
    size_t pick = e->next_seed % e->n_seeds;
    uint64_t best = UINT64_MAX;
    for (size_t k = 0; k < e->n_seeds; k++) {
      size_t i = (e->next_seed + k) % e->n_seeds;
      uint64_t at = not_before(e, e->seeds[i].host, e->seeds[i].port);
      if (at <= now) {
        pick = i;
        break;
      }
      if (at < best) best = at, pick = i;
    }
    e->next_seed = pick + 1;
    const BrokerAddr &s = e->seeds[pick];
    return open_conn(e, -1, s.host, s.port, now);
  }
  if (e->n_brokers > 0) {
    const BrokerAddr &b = e->brokers[e->next_seed++ % e->n_brokers];
    return open_conn(e, b.node_id, b.host, b.port, now);
  }
  *err = UVK_ENOTFOUND;
  return nullptr;
}

}  // namespace

Engine *engine_new(const EngineConfig &cfg, const EngineIo &io, const Allocator *a) {
  Engine *e = static_cast<Engine *>(mem_alloc(a, sizeof(Engine)));
  if (!e) return nullptr;
  memset(static_cast<void *>(e), 0, sizeof *e);
  e->cfg = cfg;
  e->io = io;
  e->alloc = a;
  e->next_conn_id = 1;
  e->armed = UINT64_MAX;
  metadata_cache_init(&e->mcache, a, cfg.metadata_max_age_ms);
  rng_seed(&e->rng, cfg.rng_seed ? cfg.rng_seed : 0x9e3779b97f4a7c15ull);
  return e;
}

void engine_free(Engine *e) {
  if (!e) return;
  e->shutting_down = true;
  // As engine_run_deferred does on shutdown: held requests fail, waiting timers fire (their
  // owners see shutting_down and finish), so nothing owned by them is left behind.
  for (int round = 0; round < 100 && (e->conns || e->timers); round++) {
    while (e->conns) drop_conn(e, e->conns, UVK_ECLOSED);
    while (EngineTimer *t = e->timers) {
      e->timers = t->next;
      t->next = nullptr;
      t->fn(t->ud, e->now);
    }
  }
  while (AddrHealth *h = e->health) {
    e->health = h->next;
    mem_free(e->alloc, h->host);
    mem_free(e->alloc, h);
  }
  broker_stats_free(e);
  coordinator_state_free(e);
  metadata_cache_free(&e->mcache);
  free_addrs(e, e->seeds, e->n_seeds);
  free_addrs(e, e->brokers, e->n_brokers);
  mem_free(e->alloc, e);
}

int engine_add_seed(Engine *e, const char *host, uint16_t port) {
  void *p = mem_realloc(e->alloc, e->seeds, (e->n_seeds + 1) * sizeof(BrokerAddr));
  if (!p) return UVK_ENOMEM;
  e->seeds = static_cast<BrokerAddr *>(p);
  char *h = mem_strdup(e->alloc, host);
  if (!h) return UVK_ENOMEM;
  e->seeds[e->n_seeds++] = BrokerAddr{-1, h, port};
  return 0;
}

void engine_clear_seeds(Engine *e) {
  free_addrs(e, e->seeds, e->n_seeds);
  e->seeds = nullptr;
  e->n_seeds = 0;
}

int engine_set_brokers(Engine *e, const BrokerAddr *brokers, size_t n) {
  BrokerAddr *v = static_cast<BrokerAddr *>(mem_alloc(e->alloc, (n ? n : 1) * sizeof(BrokerAddr)));
  if (!v) return UVK_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    v[i] = brokers[i];
    v[i].host = mem_strdup(e->alloc, brokers[i].host);
    if (!v[i].host) {
      free_addrs(e, v, i);
      return UVK_ENOMEM;
    }
  }
  free_addrs(e, e->brokers, e->n_brokers);
  e->brokers = v;
  e->n_brokers = n;
  // A seed connection whose broker is now known by id serves that id too.
  for (EngineConn *c = e->conns; c; c = c->next)
    if (c->node_id < 0)
      for (size_t i = 0; i < n; i++)
        if (v[i].port == c->port && strcmp(v[i].host, c->host) == 0) c->node_id = v[i].node_id;
  return 0;
}

int engine_put_broker(Engine *e, int32_t node_id, const char *host, uint16_t port) {
  size_t n = e->n_brokers, at = n;
  for (size_t i = 0; i < n; i++)
    if (e->brokers[i].node_id == node_id) at = i;
  if (at < n && e->brokers[at].port == port && strcmp(e->brokers[at].host, host) == 0) return 0;
  BrokerAddr *v = static_cast<BrokerAddr *>(mem_alloc(e->alloc, (n + 1) * sizeof(BrokerAddr)));
  if (!v) return UVK_ENOMEM;
  for (size_t i = 0; i < n; i++) v[i] = e->brokers[i];
  v[at] = BrokerAddr{node_id, const_cast<char *>(host), port};
  int rc = engine_set_brokers(e, v, at == n ? n + 1 : n);  // copies every string
  mem_free(e->alloc, v);
  return rc;
}

uint32_t engine_new_lane(Engine *e) {
  if (++e->next_lane == 0) e->next_lane = 1;
  return e->next_lane;
}

int engine_send(Engine *e, int32_t node_id, Request *r, uint64_t now) {
  return engine_send_lane(e, node_id, 0, r, now);
}

int engine_open_lane(Engine *e, int32_t node_id, uint32_t lane, uint64_t now) {
  e->now = now;
  if (e->shutting_down) return UVK_ECLOSED;
  int err;
  return conn_for(e, node_id, now, &err, lane) ? 0 : (err ? err : UVK_ENOMEM);
}

int engine_send_lane(Engine *e, int32_t node_id, uint32_t lane, Request *r, uint64_t now) {
  e->now = now;
  if (e->shutting_down) return UVK_ECLOSED;
  int err;
  EngineConn *c = conn_for(e, node_id, now, &err, lane);
  if (!c) return err ? err : UVK_ENOMEM;
  if (c->conn.state == kConnReady &&
      conn_pick_version(&c->conn, r->api_key, r->min_version, r->max_version) < 0) {
    log_no_version(e, c, r);
    return UVK_EUNSUPPORTED;
  }
  // Queued, never completed here: sending happens now, completion on a later read.
  c->last_active = now;
  conn_send(&c->conn, r, now);
  sync_io(e);
  return 0;
}

void engine_add_timer(Engine *e, EngineTimer *t, uint64_t deadline, EngineTimerFn fn, void *ud) {
  engine_cancel_timer(e, t);
  t->deadline = deadline;
  t->fn = fn;
  t->ud = ud;
  t->next = e->timers;
  e->timers = t;
  sync_io(e);
}

void engine_cancel_timer(Engine *e, EngineTimer *t) {
  EngineTimer **lists[2] = {&e->timers, &e->due};
  for (EngineTimer **list : lists)
    for (EngineTimer **p = list; *p; p = &(*p)->next)
      if (*p == t) {
        *p = t->next;
        t->next = nullptr;
        return;
      }
}

bool engine_timer_pending(const Engine *e, const EngineTimer *t) {
  const EngineTimer *lists[2] = {e->timers, e->due};
  for (const EngineTimer *list : lists)
    for (const EngineTimer *p = list; p; p = p->next)
      if (p == t) return true;
  return false;
}

int engine_add_broker(Engine *e, int32_t node_id, const char *host, uint16_t port) {
  for (size_t i = 0; i < e->n_brokers; i++)
    if (e->brokers[i].node_id == node_id) {
      if (e->brokers[i].port == port && strcmp(e->brokers[i].host, host) == 0) return 0;
      char *h = mem_strdup(e->alloc, host);
      if (!h) return UVK_ENOMEM;
      mem_free(e->alloc, e->brokers[i].host);
      e->brokers[i].host = h;
      e->brokers[i].port = port;
      return 0;
    }
  void *p = mem_realloc(e->alloc, e->brokers, (e->n_brokers + 1) * sizeof(BrokerAddr));
  if (!p) return UVK_ENOMEM;
  e->brokers = static_cast<BrokerAddr *>(p);
  char *h = mem_strdup(e->alloc, host);
  if (!h) return UVK_ENOMEM;
  e->brokers[e->n_brokers++] = BrokerAddr{node_id, h, port};
  return 0;
}

void engine_shutdown(Engine *e) {
  e->shutting_down = true;
  e->io.defer(e->io.ud);
}

bool engine_idle(const Engine *e) { return !e->conns && !e->timers; }

void engine_cancel_owner(Engine *e, const void *owner, void (*cancel)(Request *r)) {
  if (!owner) return;
  for (EngineConn *c = e->conns; c; c = c->next) {
    Request *lists[2] = {c->conn.queued, c->conn.in_flight};
    for (Request *list : lists)
      for (Request *r = list; r; r = r->next)
        if (r->owner == owner) {
          r->owner = nullptr;
          cancel(r);
        }
  }
}

bool engine_broker_known(const Engine *e, int32_t node_id) {
  for (size_t i = 0; i < e->n_brokers; i++)
    if (e->brokers[i].node_id == node_id) return true;
  return false;
}

int64_t engine_wall_ms(const Engine *e) { return e->io.wall_ms ? e->io.wall_ms(e->io.ud) : int64_t(e->now); }

int engine_leader(const Engine *e, const char *topic, int32_t partition, int32_t *node_id) {
  int rc = metadata_cache_leader(&e->mcache, topic, partition, node_id);
  // A Metadata answer taken while the leader was down can still name it (the answering broker's
  // view lags) yet leave it out of the broker list: without an address it is not a leader yet.
  if (rc == 0 && !engine_broker_known(e, *node_id)) return UVK_ENOTFOUND;
  return rc;
}

const AddrHealth *engine_addr_health(const Engine *e, const char *host, uint16_t port) {
  return find_health(e, host, port);
}

// ---- driver -> engine -----------------------------------------------------------------

void engine_on_connected(Engine *e, ConnId id, uint64_t now) {
  e->now = now;
  EngineConn *c = find_conn(e, id);
  if (!c) return;
  c->connected = true;
  conn_connected(&c->conn, now);
  sync_io(e);
}

void engine_on_conn_error(Engine *e, ConnId id, int err, uint64_t now) {
  e->now = now;
  EngineConn *c = find_conn(e, id);
  if (!c) return;
  unlink_conn(e, c);
  // A refused or unreachable socket is a connect failure (retriable); TLS and auth
  // failures keep their own, non-retriable codes.
  if (!c->connected && err != UVK_ETLS && err != UVK_EAUTH) err = UVK_ECONNECT;
  if (err == UVK_ECLOSED && c->ready_seen && c->conn.responses == 1 &&
      (!c->conn.cfg.sasl || c->conn.cfg.sasl->mechanism == kSaslNone))
    // A SASL listener answers ApiVersions, then closes on any other request before SaslHandshake.
    snprintf(c->conn.error_message, sizeof c->conn.error_message, "%s",
             "the broker closed the connection at the first request after ApiVersions: this listener "
             "likely expects SASL (SASL_PLAINTEXT / SASL_SSL); set sasl (--sasl), or use a listener without it");
  note_closed(e, c, err);
  conn_fail(&c->conn, err);
  free_conn(e, c);
  sync_io(e);
}

void engine_note_conn_error(Engine *e, ConnId id, const char *message) {
  EngineConn *c = find_conn(e, id);
  if (!c || !message) return;
  snprintf(c->conn.error_message, sizeof c->conn.error_message, "%s", message);
}

uvk_error *engine_conn_error(const Engine *e, int err, const uvk_error *cause) {
  bool known = err == e->last_conn_error_code && e->last_conn_error[0];
  int kafka = err <= UVK_ERR_KAFKA(0) ? int(UVK_ERR_KAFKA_CODE(err)) : known ? e->last_conn_kafka_code : 0;
  const char *msg = known ? e->last_conn_error : nullptr;
  return error_new(e->alloc, err, kafka, msg, msg ? strlen(msg) : 0, cause);
}

void engine_on_read(Engine *e, ConnId id, const uint8_t *data, size_t len, uint64_t now) {
  e->now = now;
  EngineConn *c = find_conn(e, id);
  if (!c) return;
  int rc = conn_read(&c->conn, data, len, now);
  if (rc != 0) {
    // find again: a callback may have shut the engine down meanwhile
    if ((c = find_conn(e, id)) != nullptr) drop_conn(e, c, rc);
  }
  sync_io(e);
}

size_t engine_read_window(Engine *e, ConnId id, size_t min, uint8_t **at) {
  EngineConn *c = find_conn(e, id);
  return c ? conn_read_window(&c->conn, min, at) : 0;
}

void engine_on_read_landed(Engine *e, ConnId id, size_t len, uint64_t now) {
  e->now = now;
  EngineConn *c = find_conn(e, id);
  if (!c) return;
  int rc = conn_read_landed(&c->conn, len, now);
  if (rc != 0) {
    if ((c = find_conn(e, id)) != nullptr) drop_conn(e, c, rc);
  }
  sync_io(e);
}

int engine_sasl_reply(Engine *e, ConnId id, uint32_t exchange, SaslReplyKind kind, const uint8_t *bytes, size_t len,
                      const char *why, uint64_t now) {
  EngineConn *c = find_conn(e, id);
  if (!c) return UVK_ENOTFOUND;
  if (!c->conn.in_external_step) {
    e->now = now;
    c->conn.now = now;
  }
  int rc = conn_sasl_reply(&c->conn, exchange, kind, bytes, len, why);
  // From inside the step callback: the engine call below us finishes the work (and drops
  // the connection if the reply failed it).
  if (c->conn.in_external_step) return rc;
  if (rc == 0 && c->conn.state == kConnClosed) {
    if ((c = find_conn(e, id)) != nullptr) drop_conn(e, c, c->conn.error ? c->conn.error : UVK_EAUTH);
  }
  sync_io(e);
  return rc;
}

size_t engine_conn_output(Engine *e, ConnId id, const uint8_t **data) {
  EngineConn *c = find_conn(e, id);
  if (!c) return 0;
  return conn_output(&c->conn, data);
}

void engine_conn_output_done(Engine *e, ConnId id, size_t n, uint64_t now) {
  EngineConn *c = find_conn(e, id);
  if (c && conn_output_done(&c->conn, n, now)) {
    c->flush_soon = true;  // held-back requests go out from engine_run_deferred
    e->io.defer(e->io.ud);
  }
}

size_t engine_conn_output_take(Engine *e, ConnId id, Buf *dst, size_t *from) {
  EngineConn *c = find_conn(e, id);
  if (!c) return 0;
  return conn_output_take(&c->conn, dst, from);
}

void engine_conn_output_return(Engine *e, ConnId id, Buf *b, uint64_t now) {
  EngineConn *c = find_conn(e, id);
  if (!c) {
    buf_free(b);
    return;
  }
  if (conn_output_return(&c->conn, b, now)) {
    c->flush_soon = true;  // held-back requests go out from engine_run_deferred
    e->io.defer(e->io.ud);
  }
}

void engine_on_timer(Engine *e, uint64_t now) {
  e->now = now;
  e->armed = UINT64_MAX;
  uint64_t max_idle = e->cfg.connections_max_idle_ms;
  for (EngineConn *c = e->conns, *next; c; c = next) {
    next = c->next;
    if (!c->started) {
      if (c->connect_at <= now) start_connect(e, c);
      continue;
    }
    if (!c->connected && c->connect_deadline <= now) {
      if (!c->conn.error_message[0])
        snprintf(c->conn.error_message, sizeof c->conn.error_message,
                 "no connection within connectionTimeout (%u ms): the broker is unreachable or too slow",
                 unsigned(e->cfg.connection_timeout_ms));
      drop_conn(e, c, UVK_ECONNECT);
      continue;
    }
    if (max_idle && conn_idle(c) && c->last_active + max_idle <= now) {
      if (e->hooks.log)
        UVK_LOG(e->hooks.log, UVK_LOG_DEBUG, "Connection", "Closing %s: idle for %llu ms",
                c->label, (unsigned long long)(now - c->last_active));
      drop_conn(e, c, UVK_ECLOSED);
      continue;
    }
    int rc = conn_timer(&c->conn, now);
    if (rc != 0) drop_conn(e, c, rc);
  }
  // Timers due now; one may add others (those wait for the next turn). The due ones wait in
  // e->due, where a callback that cancels or re-adds one of them finds it: in a local list,
  // re-adding it linked it into both lists and the walk went on into timers not due.
  for (EngineTimer **p = &e->timers; *p;) {
    EngineTimer *t = *p;
    if (t->deadline <= now) {
      *p = t->next;
      t->next = e->due;
      e->due = t;
    } else {
      p = &t->next;
    }
  }
  while (EngineTimer *t = e->due) {
    e->due = t->next;
    t->next = nullptr;
    t->fn(t->ud, now);
  }
  sync_io(e);
}

void engine_run_deferred(Engine *e, uint64_t now) {
  e->now = now;
  for (EngineConn *c = e->conns, *next; c; c = next) {
    next = c->next;
    if (!c->flush_soon) continue;
    c->flush_soon = false;
    conn_flush(&c->conn, now);  // may complete requests (acks=0): their callbacks run here
  }
  if (e->shutting_down) {
    while (e->conns) drop_conn(e, e->conns, UVK_ECLOSED);
    // Every waiting timer fires now; owners see shutting_down and finish.
    while (EngineTimer *t = e->timers) {
      e->timers = t->next;
      t->next = nullptr;
      t->fn(t->ud, now);
    }
  }
  sync_io(e);
}

bool engine_api_supported(const Engine *e, int32_t node_id, int16_t api_key) {
  if (api_key < 0 || api_key >= int16_t(sizeof(e->conns->conn.versions) / sizeof(ApiRange))) return false;
  for (const EngineConn *ec = e->conns; ec; ec = ec->next)
    if (ec->node_id == node_id && ec->ready_seen) return ec->conn.versions[api_key].max >= 0;
  return false;
}

int16_t engine_transaction_version(const Engine *e) {
  int64_t epoch = -1;
  int16_t level = 0;
  for (const EngineConn *ec = e->conns; ec; ec = ec->next)
    if (ec->ready_seen && ec->conn.features_epoch > epoch) {
      epoch = ec->conn.features_epoch;
      level = ec->conn.transaction_version;
    }
  return level;
}

}  // namespace uvk
