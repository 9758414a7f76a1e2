// Consumer group assignment: the "consumer" protocol type's bytes (member metadata and
// member assignment; v0 written, except v3 subscriptions with owned partitions and
// generation for cooperative-sticky; every version read) and the built-in assignors:
//   RoundRobinAssigner  KafkaJS's default: every partition of every topic in turn, members
//                       sorted by id (so uvkafka and KafkaJS members can share a group)
//   range               Java's RangeAssignor: per topic, contiguous ranges
//   roundrobin          Java's RoundRobinAssignor: topic-partitions sorted by name, members
//                       sorted by id, each partition to the next member subscribed to it
//   cooperative-sticky  KIP-429 (assignor_sticky.cc): balanced, keeps what members own, and
//                       never hands a partition over in the round its owner gives it up
// All pure functions over an arena: no I/O, no global state.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/buf.h"

namespace uvk {

struct TopicPartitions {
  const char *topic;
  const int32_t *partitions;
  int32_t n;
};

struct MemberMetadata {
  int16_t version;
  const char **topics;  // NUL-terminated copies in the arena
  int32_t n_topics;
  const uint8_t *user_data;  // null: none
  int32_t user_data_len;
  TopicPartitions *owned;  // v1+ (KIP-429): what the member owns now
  int32_t n_owned;
  int32_t generation;      // v2+, else from sticky user data; -1: unknown
  const char *rack;        // v3+; null: none
};

struct MemberAssignment {
  int16_t version;
  TopicPartitions *topics;
  int32_t n_topics;
  const uint8_t *user_data;
  int32_t user_data_len;
};

void member_metadata_encode(Buf *out, int16_t version, const char *const *topics, int32_t n_topics,
                            const uint8_t *user_data, int32_t user_data_len);
// 0, or UVK_EPROTO for malformed bytes (counts and lengths are checked against what is there).
int member_metadata_decode(const uint8_t *data, size_t len, Arena *arena, MemberMetadata *out);
// ConsumerProtocolSubscription v3: topics, user data, owned partitions, generation, rack.
void member_metadata_encode_v3(Buf *out, const char *const *topics, int32_t n_topics, const uint8_t *user_data,
                               int32_t user_data_len, const TopicPartitions *owned, int32_t n_owned,
                               int32_t generation, const char *rack);
// The StickyAssignor user data librdkafka and Java's eager sticky assignor write:
// [topic [partition]] generation.
void sticky_user_data_encode(Buf *out, const TopicPartitions *owned, int32_t n_owned, int32_t generation);
void member_assignment_encode(Buf *out, const MemberAssignment &a);
// Empty input is a valid "nothing assigned" (KafkaJS leaves such members out of SyncGroup).
int member_assignment_decode(const uint8_t *data, size_t len, Arena *arena, MemberAssignment *out);

// What an assignor sees: the members (with their subscriptions) and the partition count of
// every topic any member subscribed to (partition ids are 0..n-1).
struct AssignMember {
  const char *member_id;
  const char *const *topics;
  int32_t n_topics;
  const TopicPartitions *owned;  // cooperative-sticky: what the member says it owns
  int32_t n_owned;
  int32_t generation;  // of that ownership; -1 unknown
};
struct AssignTopic {
  const char *name;
  int32_t n_partitions;
};
struct AssignedPartition {
  int32_t topic;  // index into the topics given to the assignor
  int32_t partition;
};
struct MemberPlan {
  AssignedPartition *parts;
  int32_t n;
};

// Fills plans[i] for members[i]; 0 or UVK_ENOMEM.
typedef int (*AssignFn)(const AssignMember *members, int32_t n_members, const AssignTopic *topics,
                        int32_t n_topics, Arena *arena, MemberPlan *plans);

struct BuiltinAssignor {
  const char *name;
  AssignFn assign;
};
// By protocol name ("RoundRobinAssigner", "range", "roundrobin", "cooperative-sticky");
// null when unknown.
const BuiltinAssignor *builtin_assignor(const char *name);

// KIP-429's protocol: a member that only offers cooperative assignors keeps its partitions
// through a rebalance and gives up only what moves.
bool assignor_is_cooperative(const char *name);
int assign_cooperative_sticky(const AssignMember *members, int32_t n_members, const AssignTopic *topics,
                              int32_t n_topics, Arena *arena, MemberPlan *plans);

// A plan as the assignment bytes of version 0 (topics in order of first appearance).
int plan_encode(Buf *out, const MemberPlan &plan, const AssignTopic *topics);

}  // namespace uvk
