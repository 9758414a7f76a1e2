#include "engine/metadata.h"

#include <stdlib.h>
#include <string.h>

#include <new>

#include "engine/kafka_errors.h"
#include "proto/gen/api_table.h"
#include "proto/gen/metadata.h"
#include "uvkafka/uvk_errors.h"
#include "proto/client_versions.h"

namespace uvk {

struct MetadataOp {
  Engine *e;
  char **topics;
  int n_topics;
  MetadataFn fn;
  void *ud;
  Request req;
  RetryState retry;
  EngineTimer timer;
};

namespace {

const size_t kMetadataArenaLimit = 64u << 20;

const char *arena_str(Arena *a, proto::Str s) {
  if (!s.data) return nullptr;
  char *p = static_cast<char *>(arena_alloc(a, size_t(s.len) + 1, 1));
  if (!p) return nullptr;
  memcpy(p, s.data, size_t(s.len));
  p[s.len] = '\0';
  return p;
}

int32_t *arena_ints(Arena *a, const proto::Array<int32_t> &v) {
  if (v.count <= 0) return nullptr;
  int32_t *p = arena_new_array<int32_t>(a, size_t(v.count));
  if (p) memcpy(p, v.items, sizeof(int32_t) * size_t(v.count));
  return p;
}

int cmp_partition(const void *a, const void *b) {
  int32_t x = static_cast<const PartitionMeta *>(a)->partition, y = static_cast<const PartitionMeta *>(b)->partition;
  return x < y ? -1 : x > y;
}

// Copies what we keep out of the response (which points into the receive buffer).
int build_snapshot(const proto::MetadataResponse &m, MetadataSnapshot *s, uint64_t now) {
  Arena *a = &s->arena;
  a->limit = kMetadataArenaLimit;
  s->cluster_id = arena_str(a, m.cluster_id);
  s->controller_id = m.controller_id;
  s->fetched_at = now;
  s->n_brokers = m.brokers.count > 0 ? m.brokers.count : 0;
  s->brokers = arena_new_array<BrokerMeta>(a, size_t(s->n_brokers) + 1);
  if (!s->brokers) return UVK_ENOMEM;
  for (int32_t i = 0; i < s->n_brokers; i++) {
    const auto &b = m.brokers.items[i];
    s->brokers[i] = BrokerMeta{b.node_id, arena_str(a, b.host), b.port, arena_str(a, b.rack)};
    if (!s->brokers[i].host) return UVK_ENOMEM;
  }
  s->n_topics = m.topics.count > 0 ? m.topics.count : 0;
  s->topics = arena_new_array<TopicMeta>(a, size_t(s->n_topics) + 1);
  if (!s->topics) return UVK_ENOMEM;
  for (int32_t i = 0; i < s->n_topics; i++) {
    const auto &t = m.topics.items[i];
    TopicMeta &out = s->topics[i];
    out.name = arena_str(a, t.name);
    out.error = t.error_code;
    out.internal = t.is_internal;
    memcpy(out.topic_id, t.topic_id.b, 16);
    out.n_partitions = t.partitions.count > 0 ? t.partitions.count : 0;
    out.partitions = arena_new_array<PartitionMeta>(a, size_t(out.n_partitions) + 1);
    if (!out.partitions) return UVK_ENOMEM;
    for (int32_t p = 0; p < out.n_partitions; p++) {
      const auto &pp = t.partitions.items[p];
      out.partitions[p] = PartitionMeta{pp.partition_index, pp.error_code, pp.leader_id, pp.leader_epoch,
                                        arena_ints(a, pp.replica_nodes), pp.replica_nodes.count,
                                        arena_ints(a, pp.isr_nodes), pp.isr_nodes.count,
                                        arena_ints(a, pp.offline_replicas), pp.offline_replicas.count};
    }
    qsort(out.partitions, size_t(out.n_partitions), sizeof(PartitionMeta), cmp_partition);
  }
  return 0;
}

void op_free(MetadataOp *op) {
  Engine *e = op->e;
  engine_cancel_timer(e, &op->timer);
  for (int i = 0; i < op->n_topics; i++) mem_free(e->alloc, op->topics[i]);
  mem_free(e->alloc, op->topics);
  mem_free(e->alloc, op);
}

void op_finish(MetadataOp *op, const uvk_error *err, MetadataSnapshot *snap) {
  MetadataFn fn = op->fn;
  void *ud = op->ud;
  op_free(op);
  fn(ud, err, snap);
}

int encode_request(void *ud, Buf *out, int16_t version) {
  MetadataOp *op = static_cast<MetadataOp *>(ud);
  proto::MetadataRequest req;
  proto::MetadataRequest::MetadataRequestTopic topics[64];
  proto::MetadataRequest::MetadataRequestTopic *items = topics;
  if (op->n_topics > 64) {
    items = static_cast<proto::MetadataRequest::MetadataRequestTopic *>(
        mem_alloc(op->e->alloc, sizeof(topics[0]) * size_t(op->n_topics)));
    if (!items) return UVK_ENOMEM;
    for (int i = 0; i < op->n_topics; i++) new (&items[i]) proto::MetadataRequest::MetadataRequestTopic();
  }
  if (op->n_topics < 0) {
    req.topics.count = version >= 1 ? -1 : 0;  // v0 says "all topics" with an empty list
  } else {
    for (int i = 0; i < op->n_topics; i++)
      items[i].name = proto::Str{op->topics[i], int32_t(strlen(op->topics[i]))};
    req.topics.items = items;
    req.topics.count = op->n_topics;
  }
  req.allow_auto_topic_creation = op->e->cfg.allow_auto_topic_creation;
  int rc = proto::encode(out, req, version);
  if (items != topics) mem_free(op->e->alloc, items);
  return rc;
}

void attempt(MetadataOp *op, uint64_t now);

void retry_or_fail(MetadataOp *op, int err, uint64_t now) {
  int64_t wait = 0;
  RetryVerdict v = op->e->shutting_down ? RetryVerdict::kGiveUp
                                         : retry_on_error(&op->retry, op->e->cfg.retry, &op->e->rng, err, &wait);
  if (op->e->shutting_down) err = UVK_ECLOSED;
  if (v == RetryVerdict::kRetry) {
    engine_add_timer(op->e, &op->timer, now + uint64_t(wait),
                     [](void *ud, uint64_t t) { attempt(static_cast<MetadataOp *>(ud), t); }, op);
    return;
  }
  // A connection failure carries why (the resolver's, the TLS peer's or the broker's words).
  uvk_error *last = engine_conn_error(op->e, err, nullptr);
  if (v == RetryVerdict::kExhausted) {
    uvk_error *ex = error_retries_exceeded(op->e->alloc, last, op->retry.count, op->retry.wait);
    op_finish(op, ex, nullptr);
    error_release(ex);
  } else {
    op_finish(op, last, nullptr);
  }
  error_release(last);
}

void on_response(void *ud, int err, int16_t version, Reader *body, const Request *) {
  MetadataOp *op = static_cast<MetadataOp *>(ud);
  uint64_t now = op->e->now;
  if (err != 0) {
    retry_or_fail(op, err, now);
    return;
  }
  Arena arena;
  arena.limit = kMetadataArenaLimit;
  proto::MetadataResponse m;
  int rc = proto::decode(body, &arena, &m, version);
  MetadataSnapshot *snap = nullptr;
  if (rc == 0) {
    snap = static_cast<MetadataSnapshot *>(mem_alloc(op->e->alloc, sizeof(MetadataSnapshot)));
    if (!snap) rc = UVK_ENOMEM;
    else new (snap) MetadataSnapshot();
  }
  if (rc == 0) rc = build_snapshot(m, snap, now);
  if (rc == 0) {
    BrokerAddr addrs[64];
    BrokerAddr *v = snap->n_brokers <= 64 ? addrs
        : static_cast<BrokerAddr *>(mem_alloc(op->e->alloc, sizeof(BrokerAddr) * size_t(snap->n_brokers)));
    if (v) {
      for (int32_t i = 0; i < snap->n_brokers; i++)
        v[i] = BrokerAddr{snap->brokers[i].node_id, const_cast<char *>(snap->brokers[i].host),
                          uint16_t(snap->brokers[i].port)};
      rc = engine_set_brokers(op->e, v, size_t(snap->n_brokers));
      if (v != addrs) mem_free(op->e->alloc, v);
    }
  }
  if (rc == 0) rc = metadata_cache_update(&op->e->mcache, snap, now);
  arena_free(&arena);
  if (rc != 0) {
    if (snap) {
      metadata_snapshot_free(snap);
      mem_free(op->e->alloc, snap);
    }
    retry_or_fail(op, rc, now);
    return;
  }
  op_finish(op, nullptr, snap);
}

void attempt(MetadataOp *op, uint64_t now) {
  op->req = Request();
  op->req.api_key = proto::kMetadata;
  op->req.min_version = 0;
  op->req.max_version = proto::kUseMetadata;
  op->req.encode = encode_request;
  op->req.done = on_response;
  op->req.ud = op;
  int rc = engine_send(op->e, -1, &op->req, now);
  if (rc != 0) retry_or_fail(op, rc, now);  // from a timer: not inside the user's call
}

// ---- metadata_ensure ------------------------------------------------------------------

struct EnsureOp {
  Engine *e;
  char **topics;
  int n_topics;
  MetadataEnsureFn fn;
  void *ud;
  RetryOptions policy;
  RetryState retry;
  EngineTimer timer;
};

const int16_t kUnknownTopic = 3, kLeaderNotAvailable = 5;

void ensure_free(EnsureOp *op) {
  engine_cancel_timer(op->e, &op->timer);
  for (int i = 0; i < op->n_topics; i++) mem_free(op->e->alloc, op->topics[i]);
  mem_free(op->e->alloc, op->topics);
  mem_free(op->e->alloc, op);
}

void ensure_finish(EnsureOp *op, const uvk_error *err) {
  MetadataEnsureFn fn = op->fn;
  void *ud = op->ud;
  ensure_free(op);
  fn(ud, err);
}

void ensure_fail(EnsureOp *op, int code) {
  uvk_error *err = error_new(op->e->alloc, code, code <= UVK_ERR_KAFKA(0) ? int(UVK_ERR_KAFKA_CODE(code)) : 0,
                             nullptr, 0, nullptr);
  ensure_finish(op, err);
  error_release(err);
}

void ensure_step(void *ud, uint64_t now);

// After a fetch (or at the start): done, wait and ask again, or fail.
// Whether every partition's leader is a broker of the latest list (engine_leader).
bool leaders_listed(const Engine *e, const CachedTopic *t) {
  for (int32_t p = 0; p < t->n_partitions; p++)
    if (!engine_broker_known(e, t->partitions[p].leader)) return false;
  return true;
}

void ensure_check(EnsureOp *op, uint64_t now) {
  Engine *e = op->e;
  if (e->shutting_down) {
    ensure_fail(op, UVK_ECLOSED);
    return;
  }
  int missing = 0, fatal = 0;
  for (int i = 0; i < op->n_topics; i++) {
    const CachedTopic *t = metadata_cache_topic(&e->mcache, op->topics[i]);
    if (!metadata_cache_needs_refresh(&e->mcache, op->topics[i], now) && leaders_listed(e, t)) continue;
    missing++;
    if (!t || t->stale || t->fetched_at + e->cfg.metadata_max_age_ms <= now) continue;
    // Fresh but not usable: is waiting worth it?
    int16_t code = t->error;
    bool retriable = code == 0 || code == kLeaderNotAvailable ||
                     (code == kUnknownTopic && e->cfg.allow_auto_topic_creation) ||
                     kafka_error_retriable(code);
    if (!retriable) fatal = UVK_ERR_KAFKA(code);
  }
  if (fatal) {
    ensure_fail(op, fatal);
    return;
  }
  if (!missing) {
    ensure_finish(op, nullptr);
    return;
  }
  ensure_step(op, now);
}

void ensure_fetched(void *ud, const uvk_error *err, MetadataSnapshot *snap) {
  EnsureOp *op = static_cast<EnsureOp *>(ud);
  Engine *e = op->e;
  if (snap) {
    metadata_snapshot_free(snap);
    mem_free(e->alloc, snap);
  }
  if (err) {  // metadata_fetch has retried already
    ensure_finish(op, err);
    return;
  }
  uint64_t now = e->now;
  bool usable = true;
  for (int i = 0; i < op->n_topics && usable; i++)
    usable = !metadata_cache_needs_refresh(&e->mcache, op->topics[i], now);
  if (usable) {
    ensure_finish(op, nullptr);
    return;
  }
  // Topics still without leaders: wait by the retry policy, then look again. The first
  // unusable topic's error is the cause reported if the retries run out.
  int16_t cause_code = kLeaderNotAvailable;
  for (int i = 0; i < op->n_topics; i++) {
    const CachedTopic *t = metadata_cache_topic(&e->mcache, op->topics[i]);
    if (!t || !t->error) continue;
    if (t->error != kLeaderNotAvailable && !(t->error == kUnknownTopic && e->cfg.allow_auto_topic_creation) &&
        !kafka_error_retriable(t->error)) {
      ensure_fail(op, UVK_ERR_KAFKA(t->error));
      return;
    }
    if (cause_code == kLeaderNotAvailable) cause_code = t->error;
  }
  int64_t wait = 0;
  int last = UVK_ERR_KAFKA(cause_code);
  RetryVerdict v = retry_on_error(&op->retry, op->policy, &e->rng, last, &wait);
  if (v != RetryVerdict::kRetry) {
    uvk_error *cause = error_new(e->alloc, last, cause_code, nullptr, 0, nullptr);
    uvk_error *ex = error_retries_exceeded(e->alloc, cause, op->retry.count, op->retry.wait);
    ensure_finish(op, ex);
    error_release(ex);
    error_release(cause);
    return;
  }
  engine_add_timer(e, &op->timer, now + uint64_t(wait),
                   [](void *p, uint64_t t) { ensure_step(p, t); }, op);
}

void ensure_step(void *ud, uint64_t now) {
  EnsureOp *op = static_cast<EnsureOp *>(ud);
  if (op->e->shutting_down) {
    ensure_fail(op, UVK_ECLOSED);
    return;
  }
  int rc = metadata_fetch(op->e, op->topics, op->n_topics, ensure_fetched, op, now);
  if (rc != 0) ensure_fail(op, rc);  // from a timer or ensure_check: never the user's call
}

}  // namespace

int metadata_ensure(Engine *e, const char *const *topics, int n_topics, MetadataEnsureFn fn,
                    void *ud, uint64_t now, const RetryOptions *retry) {
  if (n_topics <= 0 || !topics) return UVK_EINVAL;
  if (e->shutting_down) return UVK_ECLOSED;
  EnsureOp *op = static_cast<EnsureOp *>(mem_alloc(e->alloc, sizeof(EnsureOp)));
  if (!op) return UVK_ENOMEM;
  new (op) EnsureOp();
  op->e = e;
  op->fn = fn;
  op->ud = ud;
  op->policy = retry ? *retry : e->cfg.retry;
  op->topics = static_cast<char **>(mem_alloc(e->alloc, sizeof(char *) * size_t(n_topics)));
  if (!op->topics) {
    mem_free(e->alloc, op);
    return UVK_ENOMEM;
  }
  for (int i = 0; i < n_topics; i++) {
    op->topics[i] = mem_strdup(e->alloc, topics[i]);
    if (!op->topics[i]) {
      ensure_free(op);
      return UVK_ENOMEM;
    }
    op->n_topics = i + 1;
  }
  retry_start(&op->retry, op->policy, &e->rng);
  // Decide on the next turn, so even a cache hit completes outside this call.
  engine_add_timer(e, &op->timer, now, [](void *p, uint64_t t) {
    ensure_check(static_cast<EnsureOp *>(p), t);
  }, op);
  return 0;
}

void metadata_snapshot_free(MetadataSnapshot *s) { arena_free(&s->arena); }

int metadata_fetch(Engine *e, const char *const *topics, int n_topics, MetadataFn fn, void *ud,
                   uint64_t now) {
  MetadataOp *op = static_cast<MetadataOp *>(mem_alloc(e->alloc, sizeof(MetadataOp)));
  if (!op) return UVK_ENOMEM;
  new (op) MetadataOp();
  op->e = e;
  op->fn = fn;
  op->ud = ud;
  op->n_topics = n_topics < 0 ? -1 : n_topics;
  if (n_topics > 0) {
    op->topics = static_cast<char **>(mem_alloc(e->alloc, sizeof(char *) * size_t(n_topics)));
    if (!op->topics) {
      mem_free(e->alloc, op);
      return UVK_ENOMEM;
    }
    for (int i = 0; i < n_topics; i++) {
      op->topics[i] = mem_strdup(e->alloc, topics[i]);
      if (!op->topics[i]) {
        op->n_topics = i;
        op_free(op);
        return UVK_ENOMEM;
      }
    }
  }
  retry_start(&op->retry, e->cfg.retry, &e->rng);
  op->req = Request();
  op->req.api_key = proto::kMetadata;
  op->req.min_version = 0;
  op->req.max_version = proto::kUseMetadata;
  op->req.encode = encode_request;
  op->req.done = on_response;
  op->req.ud = op;
  int rc = engine_send(e, -1, &op->req, now);
  if (rc != 0) {
    op_free(op);
    return rc;
  }
  return 0;
}

}  // namespace uvk
