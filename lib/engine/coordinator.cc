#include "engine/coordinator.h"

#include <string.h>

#include <new>

#include "engine/kafka_errors.h"
#include "proto/gen/api_table.h"
#include "proto/gen/find_coordinator.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

namespace {

const int16_t kFirstBatchVersion = 4;

struct CachedCoordinator {
  CachedCoordinator *next;
  int8_t type;
  char *key;
  int32_t node_id;
};

struct Lookup {
  Lookup *next;
  CoordinatorState *st;
  int8_t type;
  char *key;
  CoordinatorFn fn;  // null: cancelled while its request was out (coordinator_cancel)
  void *ud;
  RetryState retry;
  EngineTimer wait;  // retry backoff
  bool in_batch;
};

struct Batch {
  CoordinatorState *st;
  Engine *e;
  int8_t type;
  bool single;        // v0-v3: one key
  Lookup **lookups;   // the lookups this request answers
  size_t n;
  const char **keys;  // distinct keys, in order
  size_t n_keys;
  Request req;
};

}  // namespace

struct CoordinatorState {
  Engine *e;
  CachedCoordinator *cache;
  Lookup *lookups;     // every lookup not yet finished
  EngineTimer flush;   // sends what became ready this turn
  bool batching_unsupported;
  uint64_t sent;
  uint64_t first_sent;  // requests carrying a lookup's first attempt (not a retry)
};

namespace {

CoordinatorState *state(Engine *e) {
  if (!e->coords) {
    void *mem = mem_alloc(e->alloc, sizeof(CoordinatorState));
    if (!mem) return nullptr;
    e->coords = new (mem) CoordinatorState();
    e->coords->e = e;
  }
  return e->coords;
}

CachedCoordinator *find_cached(const CoordinatorState *st, int8_t type, const char *key) {
  for (CachedCoordinator *c = st ? st->cache : nullptr; c; c = c->next)
    if (c->type == type && strcmp(c->key, key) == 0) return c;
  return nullptr;
}

void remember(CoordinatorState *st, int8_t type, const char *key, int32_t node_id) {
  CachedCoordinator *c = find_cached(st, type, key);
  if (!c) {
    c = static_cast<CachedCoordinator *>(mem_alloc(st->e->alloc, sizeof(CachedCoordinator)));
    if (!c) return;  // no cache entry: the next lookup asks again
    c->key = mem_strdup(st->e->alloc, key);
    if (!c->key) {
      mem_free(st->e->alloc, c);
      return;
    }
    c->type = type;
    c->next = st->cache;
    st->cache = c;
  }
  c->node_id = node_id;
}

void unlink_lookup(CoordinatorState *st, Lookup *l) {
  for (Lookup **p = &st->lookups; *p; p = &(*p)->next)
    if (*p == l) {
      *p = l->next;
      return;
    }
}

void finish(Lookup *l, const uvk_error *err, int32_t node_id) {
  CoordinatorState *st = l->st;
  unlink_lookup(st, l);
  engine_cancel_timer(st->e, &l->wait);
  CoordinatorFn fn = l->fn;
  void *ud = l->ud;
  mem_free(st->e->alloc, l->key);
  mem_free(st->e->alloc, l);
  if (fn) fn(ud, err, node_id);
}

void finish_code(Lookup *l, int code, const char *message) {
  const Allocator *a = l->st->e->alloc;
  uvk_error *err = error_new(a, code, code <= UVK_ERR_KAFKA(0) ? int(UVK_ERR_KAFKA_CODE(code)) : 0,
                             message, message ? strlen(message) : 0, nullptr);
  finish(l, err, -1);
  error_release(err);
}

void schedule_flush(CoordinatorState *st, uint64_t now);

// A lookup failed with `code`: wait and ask again, or give up.
void retry_or_fail(Lookup *l, int code, uint64_t now) {
  Engine *e = l->st->e;
  if (e->shutting_down || !l->fn) {
    finish_code(l, UVK_ECLOSED, nullptr);
    return;
  }
  int64_t wait = 0;
  RetryVerdict v = retry_on_error(&l->retry, e->cfg.retry, &e->rng, code, &wait);
  if (v == RetryVerdict::kRetry) {
    l->in_batch = false;
    engine_add_timer(e, &l->wait, now + uint64_t(wait), [](void *ud, uint64_t t) {
      Lookup *lk = static_cast<Lookup *>(ud);
      schedule_flush(lk->st, t);
    }, l);
    return;
  }
  if (v == RetryVerdict::kExhausted) {
    uvk_error *cause = engine_conn_error(e, code, nullptr);
    uvk_error *ex = error_retries_exceeded(e->alloc, cause, l->retry.count, l->retry.wait);
    finish(l, ex, -1);
    error_release(ex);
    error_release(cause);
    return;
  }
  finish_code(l, code, nullptr);
}

void batch_free(Batch *b) {
  const Allocator *a = b->e->alloc;
  mem_free(a, b->lookups);
  mem_free(a, b->keys);
  mem_free(a, b);
}

int encode_batch(void *ud, Buf *out, int16_t version) {
  Batch *b = static_cast<Batch *>(ud);
  proto::FindCoordinatorRequest req;
  req.key_type = b->type;
  proto::Str stack[16];
  proto::Str *keys = stack;
  if (version >= kFirstBatchVersion) {
    if (b->n_keys > 16) {
      keys = static_cast<proto::Str *>(mem_alloc(b->e->alloc, sizeof(proto::Str) * b->n_keys));
      if (!keys) return UVK_ENOMEM;
    }
    for (size_t i = 0; i < b->n_keys; i++) keys[i] = proto::Str{b->keys[i], int32_t(strlen(b->keys[i]))};
    req.coordinator_keys.items = keys;
    req.coordinator_keys.count = int32_t(b->n_keys);
  } else {
    req.key = proto::Str{b->keys[0], int32_t(strlen(b->keys[0]))};
  }
  int rc = proto::encode(out, req, version);
  if (keys != stack) mem_free(b->e->alloc, keys);
  return rc;
}

// One key's answer: cache it and finish, or retry.
void settle(Lookup *l, int16_t error, int32_t node_id, const proto::Str &host, int32_t port,
            uint64_t now) {
  CoordinatorState *st = l->st;
  if (error == 0 && node_id >= 0 && port > 0 && port <= 65535 && host.len > 0) {
    char hostbuf[256];
    if (size_t(host.len) < sizeof hostbuf) {
      memcpy(hostbuf, host.data, size_t(host.len));
      hostbuf[host.len] = '\0';
      engine_add_broker(st->e, node_id, hostbuf, uint16_t(port));
      remember(st, l->type, l->key, node_id);
      finish(l, nullptr, node_id);
      return;
    }
    error = -1;  // an absurd host: treat as an unknown server error
  }
  // COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE and NOT_COORDINATOR are
  // retriable in the Kafka error table; authorization errors and the like are not.
  retry_or_fail(l, error == 0 ? UVK_EPROTO : UVK_ERR_KAFKA(error), now);
}

void send_batch(CoordinatorState *st, int8_t type, Lookup **ls, size_t n, bool single, uint64_t now);

void on_batch_response(void *ud, int err, int16_t version, Reader *body, const Request *) {
  Batch *b = static_cast<Batch *>(ud);
  CoordinatorState *st = b->st;
  uint64_t now = b->e->now;
  if (err == UVK_EUNSUPPORTED && !b->single) {
    // No FindCoordinator v4 here (an old broker, or protocolVersionCap): one request per key.
    st->batching_unsupported = true;
    for (size_t i = 0; i < b->n; i++) {
      if (b->lookups[i]->fn) send_batch(st, b->type, &b->lookups[i], 1, true, now);
      else finish(b->lookups[i], nullptr, -1);  // cancelled: nobody waits for it
    }
    batch_free(b);
    return;
  }
  Arena arena;
  proto::FindCoordinatorResponse resp;
  if (err == 0) err = proto::decode(body, &arena, &resp, version);
  for (size_t i = 0; i < b->n; i++) {
    Lookup *l = b->lookups[i];
    if (err != 0) {
      retry_or_fail(l, err, now);
      continue;
    }
    if (version < kFirstBatchVersion) {
      settle(l, resp.error_code, resp.node_id, resp.host, resp.port, now);
      continue;
    }
    const proto::FindCoordinatorResponse::Coordinator *found = nullptr;
    for (int32_t k = 0; k < resp.coordinators.count && !found; k++) {
      const auto &c = resp.coordinators.items[k];
      if (size_t(c.key.len) == strlen(l->key) && memcmp(c.key.data, l->key, size_t(c.key.len)) == 0)
        found = &c;
    }
    if (!found) {
      retry_or_fail(l, UVK_EPROTO, now);  // the broker left our key out
      continue;
    }
    settle(l, found->error_code, found->node_id, found->host, found->port, now);
  }
  arena_free(&arena);
  batch_free(b);
}

void send_batch(CoordinatorState *st, int8_t type, Lookup **ls, size_t n, bool single, uint64_t now) {
  Engine *e = st->e;
  const Allocator *a = e->alloc;
  Batch *b = static_cast<Batch *>(mem_alloc(a, sizeof(Batch)));
  Lookup **lookups = static_cast<Lookup **>(mem_alloc(a, sizeof(Lookup *) * n));
  const char **keys = static_cast<const char **>(mem_alloc(a, sizeof(char *) * n));
  if (!b || !lookups || !keys) {
    mem_free(a, b);
    mem_free(a, lookups);
    mem_free(a, keys);
    for (size_t i = 0; i < n; i++) finish_code(ls[i], UVK_ENOMEM, nullptr);
    return;
  }
  new (b) Batch();
  b->st = st;
  b->e = e;
  b->type = type;
  b->single = single;
  b->lookups = lookups;
  b->keys = keys;
  for (size_t i = 0; i < n; i++) {
    lookups[b->n++] = ls[i];
    ls[i]->in_batch = true;
    bool seen = false;
    for (size_t k = 0; k < b->n_keys && !seen; k++) seen = strcmp(keys[k], ls[i]->key) == 0;
    if (!seen) keys[b->n_keys++] = ls[i]->key;
  }
  b->req = Request();
  b->req.api_key = proto::kFindCoordinator;
  b->req.min_version = single ? 0 : kFirstBatchVersion;
  b->req.max_version = single ? kFirstBatchVersion - 1 : proto::FindCoordinatorRequest::kMaxVersion;
  b->req.encode = encode_batch;
  b->req.done = on_batch_response;
  b->req.ud = b;
  st->sent++;
  bool first = false;
  for (size_t i = 0; i < n && !first; i++) first = ls[i]->retry.count == 0;
  if (first) st->first_sent++;
  int rc = engine_send(e, -1, &b->req, now);
  if (rc != 0) {
    // Not sent: answer as if it had failed (we run from a timer, never inside a user call).
    b->req.done = nullptr;
    on_batch_response(b, rc, -1, nullptr, &b->req);
  }
}

// Sends every lookup that is ready: cache hits finish, the rest go out per key type.
void flush(void *ud, uint64_t now) {
  CoordinatorState *st = static_cast<CoordinatorState *>(ud);
  Engine *e = st->e;
  for (int8_t type = 0; type <= 1; type++) {
    Lookup *ready[64];
    size_t n = 0;
    bool more = true;
    while (more) {
      more = false;
      n = 0;
      for (Lookup *l = st->lookups, *next; l; l = next) {
        next = l->next;
        if (l->type != type || l->in_batch || engine_timer_pending(e, &l->wait)) continue;
        if (e->shutting_down) {
          finish_code(l, UVK_ECLOSED, nullptr);
          more = true;
          break;
        }
        if (CachedCoordinator *c = find_cached(st, type, l->key)) {
          if (engine_broker_known(e, c->node_id)) {
            finish(l, nullptr, c->node_id);
            more = true;  // the list changed under us: start over
            break;
          }
          // A Metadata answer taken while that broker was down left it out of the broker
          // list: engine_send could not reach it, so ask the cluster again.
          coordinator_invalidate(e, CoordinatorType(type), l->key);
        }
        if (n == sizeof ready / sizeof ready[0]) {
          more = true;
          break;
        }
        ready[n++] = l;
      }
      if (n == 0) continue;
      if (st->batching_unsupported) {
        for (size_t i = 0; i < n; i++) send_batch(st, type, &ready[i], 1, true, now);
      } else {
        send_batch(st, type, ready, n, false, now);
      }
      more = true;  // look for lookups beyond the first 64
      n = 0;
    }
  }
}

void schedule_flush(CoordinatorState *st, uint64_t now) {
  if (!engine_timer_pending(st->e, &st->flush)) engine_add_timer(st->e, &st->flush, now, flush, st);
}

}  // namespace

int coordinator_find(Engine *e, CoordinatorType type, const char *key, CoordinatorFn fn, void *ud,
                     uint64_t now) {
  if (!key || !*key || !fn || (type != kCoordinatorGroup && type != kCoordinatorTransaction))
    return UVK_EINVAL;
  if (e->shutting_down) return UVK_ECLOSED;
  CoordinatorState *st = state(e);
  if (!st) return UVK_ENOMEM;
  Lookup *l = static_cast<Lookup *>(mem_alloc(e->alloc, sizeof(Lookup)));
  if (!l) return UVK_ENOMEM;
  new (l) Lookup();
  l->key = mem_strdup(e->alloc, key);
  if (!l->key) {
    mem_free(e->alloc, l);
    return UVK_ENOMEM;
  }
  l->st = st;
  l->type = type;
  l->fn = fn;
  l->ud = ud;
  retry_start(&l->retry, e->cfg.retry, &e->rng);
  l->next = st->lookups;
  st->lookups = l;
  schedule_flush(st, now);
  return 0;
}

bool coordinator_cancel(Engine *e, CoordinatorFn fn, void *ud) {
  CoordinatorState *st = e->coords;
  for (Lookup *l = st ? st->lookups : nullptr; l; l = l->next) {
    if (l->fn != fn || l->ud != ud) continue;
    if (l->in_batch) {
      l->fn = nullptr;  // its batch's answer frees it
    } else {
      unlink_lookup(st, l);
      engine_cancel_timer(e, &l->wait);
      mem_free(e->alloc, l->key);
      mem_free(e->alloc, l);
    }
    return true;
  }
  return false;
}

void coordinator_invalidate(Engine *e, CoordinatorType type, const char *key) {
  CoordinatorState *st = e->coords;
  if (!st) return;
  for (CachedCoordinator **p = &st->cache; *p; p = &(*p)->next)
    if ((*p)->type == type && strcmp((*p)->key, key) == 0) {
      CachedCoordinator *c = *p;
      *p = c->next;
      mem_free(e->alloc, c->key);
      mem_free(e->alloc, c);
      return;
    }
}

int32_t coordinator_cached(const Engine *e, CoordinatorType type, const char *key) {
  const CachedCoordinator *c = find_cached(e->coords, type, key);
  return c ? c->node_id : -1;
}

uint64_t coordinator_requests_sent(const Engine *e) { return e->coords ? e->coords->sent : 0; }
uint64_t coordinator_first_requests_sent(const Engine *e) { return e->coords ? e->coords->first_sent : 0; }

void coordinator_state_free(Engine *e) {
  CoordinatorState *st = e->coords;
  if (!st) return;
  while (st->lookups) finish_code(st->lookups, UVK_ECLOSED, nullptr);
  engine_cancel_timer(e, &st->flush);
  while (CachedCoordinator *c = st->cache) {
    st->cache = c->next;
    mem_free(e->alloc, c->key);
    mem_free(e->alloc, c);
  }
  st->~CoordinatorState();
  mem_free(e->alloc, st);
  e->coords = nullptr;
}

}  // namespace uvk
