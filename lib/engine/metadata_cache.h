// What the client knows about topics between Metadata requests: per topic its partitions
// and their leaders, when that was learnt, and whether an error said it is out of date.
// Producer and consumer route by metadata_cache_leader(); a NOT_LEADER-style error from a
// broker marks the topic stale so the next metadata_ensure() asks the cluster again.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"

namespace uvk {

struct MetadataSnapshot;

struct CachedPartition {
  int32_t partition;
  int32_t leader;  // -1: none right now
  int32_t leader_epoch;
  int16_t error;
};

struct CachedTopic {
  char *name;
  int16_t error;                // topic-level error of the latest answer
  uint8_t topic_id[16];         // all zero: not known (the consumer protocol names topics by id)
  CachedPartition *partitions;  // sorted by partition id
  int32_t n_partitions;
  uint64_t fetched_at;
  bool stale;
};

struct MetadataCache {
  CachedTopic *topics = nullptr;
  size_t n = 0, cap = 0;
  const Allocator *alloc = nullptr;
  uint64_t max_age_ms = 300000;
};

void metadata_cache_init(MetadataCache *c, const Allocator *a, uint64_t max_age_ms);
void metadata_cache_free(MetadataCache *c);
// Takes in every topic of a Metadata answer (replacing what was known of them).
int metadata_cache_update(MetadataCache *c, const MetadataSnapshot *s, uint64_t now);
const CachedTopic *metadata_cache_topic(const MetadataCache *c, const char *topic);
// The topic whose id is `id` (16 bytes), or null; an all-zero id matches nothing.
const CachedTopic *metadata_cache_topic_by_id(const MetadataCache *c, const uint8_t *id);
// Whether `topic` is known, not marked stale and younger than the maximum age.
bool metadata_cache_is_current(const MetadataCache *c, const char *topic, uint64_t now);
// Whether `topic` must be asked for again: unknown, stale, expired, a topic-level error, or
// a partition without a leader.
bool metadata_cache_needs_refresh(const MetadataCache *c, const char *topic, uint64_t now);
// The leader of topic/partition: 0 and *leader, UVK_ENOTFOUND (unknown topic or
// partition), or UVK_ERR_KAFKA(LEADER_NOT_AVAILABLE) while the partition has none.
int metadata_cache_leader(const MetadataCache *c, const char *topic, int32_t partition,
                          int32_t *leader);
void metadata_cache_mark_stale(MetadataCache *c, const char *topic);
// KIP-951: a broker's NOT_LEADER_OR_FOLLOWER answer named the partition's current leader.
// Taken when its epoch is newer than the cached one (an older or equal one changes nothing);
// the topic's staleness is left as it was. Returns whether the leader changed.
bool metadata_cache_set_leader(MetadataCache *c, const char *topic, int32_t partition, int32_t leader,
                               int32_t leader_epoch);
// A broker answered `kafka_error` for topic/partition: when the error means the metadata is
// out of date (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE,
// FENCED_LEADER_EPOCH, ...), the topic is marked stale. Returns whether it was.
bool metadata_cache_on_error(MetadataCache *c, const char *topic, int16_t kafka_error);
// The Kafka error codes that mean "ask for metadata again".
bool kafka_error_means_stale_metadata(int16_t kafka_error);

}  // namespace uvk
