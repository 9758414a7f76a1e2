// What the consumer's describeGroup (consumer_describe.cc) and the admin's describeGroups and
// describeShareGroups (admin_groups.cc) share: a described group's strings, members and
// assignments copied into an arena as parts of a uvk_group_description.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/arena_str.h"
#include "proto/types.h"
#include "uvkafka/uvkafka.h"

namespace uvk {

// A NUL-terminated copy; "" for a null string or when memory runs out.
inline const char *describe_str(Arena *a, const proto::Str &s) {
  const char *d = arena_strndup(a, s.data, s.data && s.len > 0 ? size_t(s.len) : 0);
  return d ? d : "";
}

// A member's assignment (topics by name) as topic-partitions; nullptr when memory runs out.
template <class Assignment>
const uvk_topic_partition *describe_tps(Arena *a, const Assignment &as, size_t *n) {
  size_t total = 0;
  for (int32_t t = 0; t < as.topic_partitions.count; t++)
    total += as.topic_partitions.items[t].partitions.count > 0 ? size_t(as.topic_partitions.items[t].partitions.count) : 0;
  auto *out = arena_construct_array<uvk_topic_partition>(a, total + 1);
  *n = 0;
  if (!out) return nullptr;
  for (int32_t t = 0; t < as.topic_partitions.count; t++) {
    const auto &tp = as.topic_partitions.items[t];
    const char *name = describe_str(a, tp.topic_name);
    for (int32_t i = 0; i < tp.partitions.count; i++) out[(*n)++] = uvk_topic_partition{name, tp.partitions.items[i]};
  }
  return out;
}

// What every ConsumerGroupDescribe and ShareGroupDescribe member says (no metadata bytes:
// the broker assigns); false when memory runs out.
template <class Member>
bool describe_member(Arena *a, const Member &m, uvk_group_member_description *out) {
  out->member_id = describe_str(a, m.member_id);
  out->client_id = describe_str(a, m.client_id);
  out->client_host = describe_str(a, m.client_host);
  out->member_metadata = out->member_assignment = "";
  out->member_epoch = m.member_epoch;
  out->rack_id = m.rack_id.data ? describe_str(a, m.rack_id) : nullptr;
  out->assignment = describe_tps(a, m.assignment, &out->n_assignment);
  return out->assignment != nullptr;
}

}  // namespace uvk
