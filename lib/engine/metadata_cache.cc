#include "engine/metadata_cache.h"

#include <string.h>

#include "engine/metadata.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

namespace {

// Kafka error codes (uvk_kafka_errors.h) that mean the client's picture of leaders is old.
const int16_t kStaleMetadataErrors[] = {
    3,   // UNKNOWN_TOPIC_OR_PARTITION
    5,   // LEADER_NOT_AVAILABLE
    6,   // NOT_LEADER_OR_FOLLOWER
    9,   // REPLICA_NOT_AVAILABLE
    56,  // KAFKA_STORAGE_ERROR
    74,  // FENCED_LEADER_EPOCH
    75,  // UNKNOWN_LEADER_EPOCH
    80,  // PREFERRED_LEADER_NOT_AVAILABLE
    100, // UNKNOWN_TOPIC_ID (the topic was deleted, maybe created again under a new id)
    103, // INCONSISTENT_TOPIC_ID
};
const int16_t kLeaderNotAvailable = 5;

CachedTopic *find(const MetadataCache *c, const char *topic) {
  for (size_t i = 0; i < c->n; i++)
    if (strcmp(c->topics[i].name, topic) == 0) return &c->topics[i];
  return nullptr;
}

void clear_topic(MetadataCache *c, CachedTopic *t) {
  mem_free(c->alloc, t->partitions);
  t->partitions = nullptr;
  t->n_partitions = 0;
}

CachedTopic *find_or_add(MetadataCache *c, const char *topic) {
  if (CachedTopic *t = find(c, topic)) return t;
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 8;
    void *p = mem_realloc(c->alloc, c->topics, cap * sizeof(CachedTopic));
    if (!p) return nullptr;
    c->topics = static_cast<CachedTopic *>(p);
    c->cap = cap;
  }
  char *name = mem_strdup(c->alloc, topic);
  if (!name) return nullptr;
  CachedTopic *t = &c->topics[c->n++];
  memset(static_cast<void *>(t), 0, sizeof *t);
  t->name = name;
  return t;
}

const CachedPartition *find_partition(const CachedTopic *t, int32_t partition) {
  // Sorted by id: usually partition i sits at index i.
  if (partition >= 0 && partition < t->n_partitions && t->partitions[partition].partition == partition)
    return &t->partitions[partition];
  int32_t lo = 0, hi = t->n_partitions;
  while (lo < hi) {
    int32_t mid = lo + (hi - lo) / 2;
    if (t->partitions[mid].partition < partition) lo = mid + 1;
    else hi = mid;
  }
  return lo < t->n_partitions && t->partitions[lo].partition == partition ? &t->partitions[lo] : nullptr;
}

}  // namespace

bool kafka_error_means_stale_metadata(int16_t kafka_error) {
  for (int16_t e : kStaleMetadataErrors)
    if (e == kafka_error) return true;
  return false;
}

void metadata_cache_init(MetadataCache *c, const Allocator *a, uint64_t max_age_ms) {
  *c = MetadataCache();
  c->alloc = a;
  c->max_age_ms = max_age_ms;
}

void metadata_cache_free(MetadataCache *c) {
  for (size_t i = 0; i < c->n; i++) {
    clear_topic(c, &c->topics[i]);
    mem_free(c->alloc, c->topics[i].name);
  }
  mem_free(c->alloc, c->topics);
  *c = MetadataCache();
}

int metadata_cache_update(MetadataCache *c, const MetadataSnapshot *s, uint64_t now) {
  for (int32_t i = 0; i < s->n_topics; i++) {
    const TopicMeta &tm = s->topics[i];
    if (!tm.name) continue;  // topic ids only (not asked for by this client)
    CachedTopic *t = find_or_add(c, tm.name);
    if (!t) return UVK_ENOMEM;
    clear_topic(c, t);
    t->error = tm.error;
    memcpy(t->topic_id, tm.topic_id, 16);
    t->fetched_at = now;
    t->stale = false;
    if (tm.n_partitions > 0) {
      t->partitions = static_cast<CachedPartition *>(
          mem_alloc(c->alloc, size_t(tm.n_partitions) * sizeof(CachedPartition)));
      if (!t->partitions) {
        t->stale = true;
        return UVK_ENOMEM;
      }
      // The snapshot keeps partitions sorted by id already.
      for (int32_t p = 0; p < tm.n_partitions; p++) {
        const PartitionMeta &pm = tm.partitions[p];
        t->partitions[p] = CachedPartition{pm.partition, pm.leader, pm.leader_epoch, pm.error};
      }
      t->n_partitions = tm.n_partitions;
    }
  }
  return 0;
}

const CachedTopic *metadata_cache_topic(const MetadataCache *c, const char *topic) {
  return find(c, topic);
}

const CachedTopic *metadata_cache_topic_by_id(const MetadataCache *c, const uint8_t *id) {
  static const uint8_t kZero[16] = {};
  if (memcmp(id, kZero, 16) == 0) return nullptr;
  for (size_t i = 0; i < c->n; i++)
    if (memcmp(c->topics[i].topic_id, id, 16) == 0) return &c->topics[i];
  return nullptr;
}

bool metadata_cache_is_current(const MetadataCache *c, const char *topic, uint64_t now) {
  const CachedTopic *t = find(c, topic);
  return t && !t->stale && now - t->fetched_at < c->max_age_ms;
}

bool metadata_cache_needs_refresh(const MetadataCache *c, const char *topic, uint64_t now) {
  const CachedTopic *t = find(c, topic);
  if (!t || t->stale || t->error != 0 || t->n_partitions == 0) return true;
  if (now - t->fetched_at >= c->max_age_ms) return true;
  for (int32_t p = 0; p < t->n_partitions; p++)
    if (t->partitions[p].leader < 0) return true;
  return false;
}

int metadata_cache_leader(const MetadataCache *c, const char *topic, int32_t partition,
                          int32_t *leader) {
  const CachedTopic *t = find(c, topic);
  if (!t) return UVK_ENOTFOUND;
  const CachedPartition *p = find_partition(t, partition);
  if (!p) return UVK_ENOTFOUND;
  if (p->leader < 0) return UVK_ERR_KAFKA(kLeaderNotAvailable);
  *leader = p->leader;
  return 0;
}

void metadata_cache_mark_stale(MetadataCache *c, const char *topic) {
  if (CachedTopic *t = find(c, topic)) t->stale = true;
}

bool metadata_cache_set_leader(MetadataCache *c, const char *topic, int32_t partition, int32_t leader,
                               int32_t leader_epoch) {
  CachedTopic *t = find(c, topic);
  if (!t || leader < 0 || leader_epoch < 0) return false;
  for (int32_t i = 0; i < t->n_partitions; i++) {
    CachedPartition *p = &t->partitions[i];
    if (p->partition != partition) continue;
    if (p->leader_epoch >= leader_epoch) return false;
    p->leader = leader;
    p->leader_epoch = leader_epoch;
    p->error = 0;
    return true;
  }
  return false;
}

bool metadata_cache_on_error(MetadataCache *c, const char *topic, int16_t kafka_error) {
  if (!kafka_error_means_stale_metadata(kafka_error)) return false;
  metadata_cache_mark_stale(c, topic);
  return true;
}

}  // namespace uvk
