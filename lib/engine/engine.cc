#include "engine/engine.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <new>

#include "uvkafka/uvk_errors.h"

namespace uvk {

namespace {

char *dup_str(const Allocator *a, const char *s) {
  size_t n = strlen(s);
  char *p = static_cast<char *>(mem_alloc(a, n + 1));
  if (p) memcpy(p, s, n + 1);
  return p;
}

void free_addrs(Engine *e, BrokerAddr *v, size_t n) {
  for (size_t i = 0; i < n; i++) mem_free(e->alloc, v[i].host);
  mem_free(e->alloc, v);
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
  buf_free(&c->conn.out);
  buf_free(&c->conn.in);
  mem_free(e->alloc, c->host);
  mem_free(e->alloc, c);
}

// Re-arms the driver's timer to the earliest deadline, and asks for writes where needed.
void sync_io(Engine *e) {
  uint64_t d = UINT64_MAX;
  for (EngineConn *c = e->conns; c; c = c->next) {
    if (!c->connected && c->connect_deadline < d) d = c->connect_deadline;
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
  e->io.close(e->io.ud, c->id);
  conn_fail(&c->conn, err);
  free_conn(e, c);
}

EngineConn *open_conn(Engine *e, int32_t node_id, const char *host, uint16_t port, uint64_t now) {
  EngineConn *c = static_cast<EngineConn *>(mem_alloc(e->alloc, sizeof(EngineConn)));
  if (!c) return nullptr;
  new (&c->conn) Conn();
  c->host = dup_str(e->alloc, host);
  if (!c->host) {
    mem_free(e->alloc, c);
    return nullptr;
  }
  conn_init(&c->conn, e->cfg.conn, e->alloc);
  c->id = e->next_conn_id++;
  if (e->next_conn_id == 0) e->next_conn_id = 1;
  c->node_id = node_id;
  c->port = port;
  c->connected = false;
  c->connect_deadline = now + e->cfg.connection_timeout_ms;
  c->next = e->conns;
  e->conns = c;
  e->io.connect(e->io.ud, c->id, c->host, port);
  return c;
}

// The connection for a request to node_id (-1: any broker).
EngineConn *conn_for(Engine *e, int32_t node_id, uint64_t now, int *err) {
  *err = 0;
  if (node_id >= 0) {
    for (EngineConn *c = e->conns; c; c = c->next)
      if (c->node_id == node_id) return c;
    for (size_t i = 0; i < e->n_brokers; i++)
      if (e->brokers[i].node_id == node_id)
        return open_conn(e, node_id, e->brokers[i].host, e->brokers[i].port, now);
    *err = UVK_ENOTFOUND;
    return nullptr;
  }
  EngineConn *any = nullptr;
  for (EngineConn *c = e->conns; c; c = c->next) {
    if (c->conn.state == kConnReady) return c;
    if (!any) any = c;
  }
  if (any) return any;
  // No connection at all: the next seed in turn, else a known broker.
  if (e->n_seeds > 0) {
    const BrokerAddr &s = e->seeds[e->next_seed++ % e->n_seeds];
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
  uint64_t seed = cfg.rng_seed;
  if (!seed) {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    seed = uint64_t(ts.tv_nsec) ^ uint64_t(ts.tv_sec) << 20 ^ uint64_t(uintptr_t(e));
  }
  rng_seed(&e->rng, seed);
  return e;
}

void engine_free(Engine *e) {
  if (!e) return;
  while (e->conns) drop_conn(e, e->conns, UVK_ECLOSED);
  free_addrs(e, e->seeds, e->n_seeds);
  free_addrs(e, e->brokers, e->n_brokers);
  mem_free(e->alloc, e);
}

int engine_add_seed(Engine *e, const char *host, uint16_t port) {
  void *p = mem_realloc(e->alloc, e->seeds, (e->n_seeds + 1) * sizeof(BrokerAddr));
  if (!p) return UVK_ENOMEM;
  e->seeds = static_cast<BrokerAddr *>(p);
  char *h = dup_str(e->alloc, host);
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
    v[i].host = dup_str(e->alloc, brokers[i].host);
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

int engine_send(Engine *e, int32_t node_id, Request *r, uint64_t now) {
  e->now = now;
  if (e->shutting_down) return UVK_ECLOSED;
  int err;
  EngineConn *c = conn_for(e, node_id, now, &err);
  if (!c) return err ? err : UVK_ENOMEM;
  if (c->conn.state == kConnReady &&
      conn_pick_version(&c->conn, r->api_key, r->min_version, r->max_version) < 0)
    return UVK_EUNSUPPORTED;
  // Queued, never completed here: sending happens now, completion on a later read.
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
  for (EngineTimer **p = &e->timers; *p; p = &(*p)->next)
    if (*p == t) {
      *p = t->next;
      t->next = nullptr;
      return;
    }
}

void engine_shutdown(Engine *e) {
  e->shutting_down = true;
  e->io.defer(e->io.ud);
}

bool engine_idle(const Engine *e) { return !e->conns && !e->timers; }

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
  conn_fail(&c->conn, c->connected ? err : UVK_ECONNECT);
  free_conn(e, c);
  sync_io(e);
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

size_t engine_conn_output(Engine *e, ConnId id, const uint8_t **data) {
  EngineConn *c = find_conn(e, id);
  if (!c) return 0;
  return conn_output(&c->conn, data);
}

void engine_conn_output_done(Engine *e, ConnId id, size_t n, uint64_t now) {
  EngineConn *c = find_conn(e, id);
  if (c) conn_output_done(&c->conn, n, now);
}

void engine_on_timer(Engine *e, uint64_t now) {
  e->now = now;
  e->armed = UINT64_MAX;
  for (EngineConn *c = e->conns, *next; c; c = next) {
    next = c->next;
    if (!c->connected && c->connect_deadline <= now) {
      drop_conn(e, c, UVK_ECONNECT);
      continue;
    }
    int rc = conn_timer(&c->conn, now);
    if (rc != 0) drop_conn(e, c, rc);
  }
  // Timers due now; one may add others (those wait for the next turn).
  EngineTimer *due = nullptr;
  for (EngineTimer **p = &e->timers; *p;) {
    EngineTimer *t = *p;
    if (t->deadline <= now) {
      *p = t->next;
      t->next = due;
      due = t;
    } else {
      p = &t->next;
    }
  }
  while (due) {
    EngineTimer *t = due;
    due = t->next;
    t->next = nullptr;
    t->fn(t->ud, now);
  }
  sync_io(e);
}

void engine_run_deferred(Engine *e, uint64_t now) {
  e->now = now;
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

}  // namespace uvk
