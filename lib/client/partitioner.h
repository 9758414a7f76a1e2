// Choosing a partition for a produced message, with KafkaJS's DefaultPartitioner rules
// (which are the Java client's for keyed messages):
//   1. an explicit partition wins;
//   2. a key goes to toPositive(murmur2(key)) % partition_count, over ALL partitions, so a
//      key lands where the Java client, librdkafka's murmur2 partitioner and KafkaJS put it
//      even while its partition has no leader;
//   3. a keyless message goes round-robin over the partitions that have a leader, from a
//      per-topic counter that starts at a random value.
// The sticky variant (KIP-480 idea) keeps keyless messages on one partition until the
// producer closes the batch there, which makes fewer, larger batches under linger.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace uvk {

struct PartitionInfo {
  int32_t partition_id;
  int32_t leader;  // -1 while the partition has no leader
};

// Per-topic state of the default partitioner.
struct PartitionerState {
  uint32_t counter = 0;       // round-robin position (seeded randomly by the producer)
  int32_t sticky = -1;        // the sticky partition, -1 when none is chosen
  int32_t previous = -1;      // the sticky partition whose batch closed last
};

enum PartitionerMode { kPartitionerDefault = 0, kPartitionerSticky = 1 };

// Java's Utils.toPositive(murmur2(key)) % count. count must be > 0.
int32_t partition_for_key(const uint8_t *key, size_t key_len, int32_t count);

// Picks a partition for one message. An `explicit_partition` >= 0 is returned as is, as
// KafkaJS does (a partition the cluster lacks fails at the broker with
// UNKNOWN_TOPIC_OR_PARTITION, after a metadata refresh in case partitions were added). A
// null key is key == nullptr. When no partition has a leader, a keyless message still gets
// a partition (it waits there for a leader). Returns -1 only when n_parts is 0.
// `rand_fn` gives a fresh random value for the sticky mode.
int32_t partitioner_choose(PartitionerState *st, PartitionerMode mode, const PartitionInfo *parts,
                           size_t n_parts, int32_t explicit_partition, const uint8_t *key,
                           size_t key_len, uint32_t (*rand_fn)(void *), void *rand_ud);

// The sticky partition's batch was closed: the next keyless message picks a new one.
inline void partitioner_batch_closed(PartitionerState *st, int32_t partition) {
  if (st->sticky == partition) {
    st->previous = partition;
    st->sticky = -1;
  }
}

}  // namespace uvk
