// The producer's engine-side logic: sends are copied, routed by partition (after making
// sure metadata knows the topic), collected per partition (linger / batchSize), sealed into
// record batches and sent to each partition's leader in Produce requests. Retriable errors
// refresh metadata and resend by the retry policy; MESSAGE_TOO_LARGE splits a batch so one
// oversized message fails alone. Every message completes exactly once.
//
// idempotent: InitProducerId first; each partition's batches carry sequence numbers (assigned
// when first sent, kept for retries), at most 5 in flight per partition, retries in seal
// order; DUPLICATE_SEQUENCE_NUMBER is a success; UNKNOWN_PRODUCER_ID / a sequence gap bumps
// the epoch (KIP-360) and renumbers what is not acknowledged. Not yet: transactions.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "client/partitioner.h"
#include "engine/engine.h"
#include "uvkafka/uvkafka.h"

namespace uvk {

struct ProducerConfig {
  uint64_t linger_ms = 0;            // low latency by default: a batch leaves on the next turn
  size_t batch_size = 16384;         // bytes per partition batch (Java's batch.size)
  size_t batch_size_max = 1000000;   // how far a backlogged partition's batches grow (doubling)
  size_t buffer_memory = 32u << 20;  // bytes queued or in flight (Java's buffer.memory)
  PartitionerMode partitioner = kPartitionerDefault;
  bool idempotent = false;           // KIP-98: producer id, sequence numbers, acks -1 only
  bool own_retry = false;            // retry below replaces the client's (KafkaJS producer `retry`)
  RetryOptions retry;
  const char *transactional_id = nullptr;  // non-empty: a transactional producer (copied)
  int32_t transaction_timeout_ms = 60000;
};

struct Producer;

// A send's completion: err null when every message was acknowledged; md borrowed.
typedef void (*ProducerSendFn)(void *ud, const uvk_error *err, const uvk_record_metadata *md,
                               size_t n);
typedef void (*ProducerDoneFn)(void *ud, int err);  // err 0, or UVK_ECLOSED when freed

Producer *producer_new(Engine *e, const ProducerConfig &cfg, const Allocator *a);
// Fails every send still pending with UVK_ECLOSED (from inside this call), then frees.
void producer_free(Producer *p);
void producer_set_partitioner(Producer *p, uvk_partitioner_fn fn, void *ud);
// Called (from the loop) when buffered bytes fell to half of buffer_memory after a send
// was refused with UVK_EQUEUEFULL.
void producer_set_drain(Producer *p, ProducerDoneFn fn, void *ud);

// 0 (fn called later, once) or UVK_EINVAL / UVK_EQUEUEFULL / UVK_ETOOLARGE / UVK_ECLOSED /
// UVK_ENOMEM (fn not called).
int producer_send(Producer *p, const uvk_topic_messages *topics, size_t n_topics,
                  const uvk_send_options &opts, ProducerSendFn fn, void *ud, uint64_t now);
// fn once every send made before this call has completed; linger is skipped meanwhile.
int producer_flush(Producer *p, ProducerDoneFn fn, void *ud, uint64_t now);
// Withdraws a flush made with fn and ud (fn will not be called); false when there is none.
bool producer_flush_cancel(Producer *p, ProducerDoneFn fn, void *ud);
// Stops accepting sends (UVK_ECLOSED) from now on.
void producer_close(Producer *p);

// Transactions (transactional producers only; producer_txn.cc). Every send between begin and
// commit / abort belongs to the transaction; a transactional producer refuses sends outside
// one (UVK_ESTATE). 0, or UVK_ESTATE (not transactional, one already open / none open, or the
// producer is fenced), UVK_EINVAL, UVK_ENOMEM; fn is called once, later, with 0 or the error.
int producer_begin_transaction(Producer *p);
int producer_commit_transaction(Producer *p, ProducerDoneFn fn, void *ud, uint64_t now);
int producer_abort_transaction(Producer *p, ProducerDoneFn fn, void *ud, uint64_t now);
struct TxnOffset {
  const char *topic;
  int32_t partition;
  int64_t offset;  // the next offset to consume
};
// KIP-447: the consuming member's place in the group, so the coordinator refuses offsets
// from a member the group has moved past. Null fields: a commit without it (KafkaJS's).
struct TxnGroupMember {
  const char *member_id;
  int32_t generation_id;
  const char *instance_id;  // null: a dynamic member
};
int producer_send_offsets(Producer *p, const char *group_id, const TxnOffset *offsets, size_t n,
                          const TxnGroupMember *member, ProducerDoneFn fn, void *ud, uint64_t now);
size_t producer_buffered(const Producer *p);

}  // namespace uvk
