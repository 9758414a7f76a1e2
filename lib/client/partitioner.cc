#include "client/partitioner.h"

#include "proto/murmur2.h"

namespace uvk {

static int32_t to_positive(uint32_t v) { return int32_t(v & 0x7fffffffu); }

int32_t partition_for_key(const uint8_t *key, size_t key_len, int32_t count) {
  return to_positive(uint32_t(murmur2(key, key_len))) % count;
}

static size_t count_available(const PartitionInfo *parts, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += parts[i].leader >= 0;
  return k;
}

// The k-th partition (0-based) that has a leader.
static int32_t nth_available(const PartitionInfo *parts, size_t n, size_t k) {
  for (size_t i = 0; i < n; i++) {
    if (parts[i].leader < 0) continue;
    if (k-- == 0) return parts[i].partition_id;
  }
  return -1;
}

static bool has_leader(const PartitionInfo *parts, size_t n, int32_t partition) {
  for (size_t i = 0; i < n; i++)
    if (parts[i].partition_id == partition) return parts[i].leader >= 0;
  return false;
}

static int32_t round_robin(PartitionerState *st, const PartitionInfo *parts, size_t n) {
  int32_t v = to_positive(st->counter++);
  size_t avail = count_available(parts, n);
  if (avail > 0) return nth_available(parts, n, size_t(v) % avail);
  return parts[size_t(v) % n].partition_id;
}

int32_t partitioner_choose(PartitionerState *st, PartitionerMode mode, const PartitionInfo *parts,
                           size_t n_parts, int32_t explicit_partition, const uint8_t *key,
                           size_t key_len, uint32_t (*rand_fn)(void *), void *rand_ud) {
  if (explicit_partition >= 0) return explicit_partition;
  if (n_parts == 0) return -1;
  if (key) return partition_for_key(key, key_len, int32_t(n_parts));
  if (mode != kPartitionerSticky) return round_robin(st, parts, n_parts);

  if (st->sticky >= 0 && has_leader(parts, n_parts, st->sticky)) return st->sticky;
  size_t avail = count_available(parts, n_parts);
  if (avail == 0) return round_robin(st, parts, n_parts);
  size_t k = size_t(rand_fn(rand_ud)) % avail;
  int32_t pick = nth_available(parts, n_parts, k);
  // Move off the partition whose batch just closed when another one can take the traffic.
  if (pick == st->previous && avail > 1) pick = nth_available(parts, n_parts, (k + 1) % avail);
  st->sticky = pick;
  return pick;
}

}  // namespace uvk
