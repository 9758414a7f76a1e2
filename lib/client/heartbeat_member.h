// What the two broker-assigned memberships share (consumer_cgroup.cc, KIP-848;
// share_group.cc, KIP-932): the member id the client makes, and a heartbeat answer's
// assignment flattened into (topic id, partition) pairs.
#pragma once
#include <stdint.h>
#include <string.h>

#include "common/alloc.h"
#include "engine/retry.h"

namespace uvk {

// Java's Uuid.randomUuid().toString(): 16 random bytes, URL-safe base64 without padding.
// Writes 22 characters and a NUL into out; returns 22.
int member_id_random(Rng *rng, char out[23]);

// Partitions of one assignment a hostile broker may name.
const int32_t kMaxAssigned = 65536;

// The partitions of `a` (a heartbeat response's Assignment) as Target {topic_id, partition}
// items, negative partitions skipped, allocated from `alloc`; nullptr when it names more than
// kMaxAssigned or memory runs out. *n: how many.
template <class Target, class Assignment>
Target *assignment_targets(const Allocator *alloc, const Assignment &a, int32_t *n) {
  int64_t total = 0;
  for (int32_t t = 0; t < a.topic_partitions.count; t++) total += a.topic_partitions.items[t].partitions.count;
  if (total > kMaxAssigned) return nullptr;
  Target *out = static_cast<Target *>(mem_alloc(alloc, sizeof(Target) * size_t(total + 1)));
  if (!out) return nullptr;
  int32_t k = 0;
  for (int32_t t = 0; t < a.topic_partitions.count; t++) {
    const auto &tp = a.topic_partitions.items[t];
    for (int32_t i = 0; i < tp.partitions.count; i++) {
      if (tp.partitions.items[i] < 0) continue;
      memcpy(out[k].topic_id, tp.topic_id.b, 16);
      out[k++].partition = tp.partitions.items[i];
    }
  }
  *n = k;
  return out;
}

}  // namespace uvk
