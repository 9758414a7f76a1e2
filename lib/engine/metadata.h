// Cluster metadata: a Metadata request with retries, and an owned snapshot of the answer
// (brokers, controller, topics, partitions with leader / replicas / ISR). Each fetch also
// updates the engine's broker table, so later requests can reach brokers by node id.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "engine/engine.h"
#include "proto/types.h"

struct uvk_error;

namespace uvk {

struct PartitionMeta {
  int32_t partition;
  int16_t error;
  int32_t leader;
  int32_t leader_epoch;
  const int32_t *replicas;
  int32_t n_replicas;
  const int32_t *isr;
  int32_t n_isr;
  const int32_t *offline;  // replicas whose log directory is offline (Metadata v5+)
  int32_t n_offline;
};

struct TopicMeta {
  const char *name;
  int16_t error;
  bool internal;
  uint8_t topic_id[16];  // all zero: none (Metadata before v10)
  PartitionMeta *partitions;  // sorted by partition id
  int32_t n_partitions;
};

struct BrokerMeta {
  int32_t node_id;
  const char *host;
  int32_t port;
  const char *rack;  // may be null
};

// One Metadata answer, owned: everything lives in `arena`.
struct MetadataSnapshot {
  Arena arena;
  const char *cluster_id;  // may be null
  int32_t controller_id;
  BrokerMeta *brokers;
  int32_t n_brokers;
  TopicMeta *topics;
  int32_t n_topics;
  uint64_t fetched_at;
};

void metadata_snapshot_free(MetadataSnapshot *s);

// The snapshot is handed over (the callee frees it with metadata_snapshot_free and
// mem_free). err is null on success; both borrowed for the call.
typedef void (*MetadataFn)(void *ud, const uvk_error *err, MetadataSnapshot *snap);

struct MetadataOp;
// Fetches metadata for `topics` (n_topics -1: every topic), retrying retriable failures by
// the engine's retry policy. Completes through fn exactly once, never from inside this call.
// Returns 0, or UVK_ENOMEM / UVK_ECLOSED and fn is not called.
int metadata_fetch(Engine *e, const char *const *topics, int n_topics, MetadataFn fn, void *ud,
                   uint64_t now);

// metadata_ensure retries by `retry` (the engine's policy when null: a producer or consumer
// with its own `retry` option passes it).
// Completion of metadata_ensure: err null when every topic has a leader for each partition
// in the cache (engine_leader answers); otherwise why not (borrowed for the call).
typedef void (*MetadataEnsureFn)(void *ud, const uvk_error *err);

// Makes sure the cache knows `topics` (KafkaJS's refreshMetadataIfNecessary): topics that
// are unknown, stale (metadata_cache_on_error), older than metadataMaxAge or without a
// leader are fetched again. A retriable topic error (LEADER_NOT_AVAILABLE while a new
// topic is created, UNKNOWN_TOPIC_OR_PARTITION when auto-creation is on) is retried by the
// retry policy; another topic error fails with that error. Completes through fn exactly
// once, never from inside this call (also when nothing had to be fetched).
int metadata_ensure(Engine *e, const char *const *topics, int n_topics, MetadataEnsureFn fn,
                    void *ud, uint64_t now,
                    const RetryOptions *retry = nullptr);

}  // namespace uvk

// The C ABI's view of a snapshot (uvk_metadata_* accessors in lib/capi/client.cc).
struct uvk_metadata {
  uvk::MetadataSnapshot *snap;
};
