// The producer's state, shared by producer.cc (queues, batches, sending, idempotence) and
// producer_txn.cc (transactions).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "client/partitioner.h"
#include "client/producer.h"
#include "common/arena.h"
#include "common/buf.h"
#include "engine/engine.h"
#include "engine/retry.h"
#include "proto/gen/produce.h"
#include "proto/types.h"
#include "proto/records.h"
#include "uvkafka/uvk_producer.h"

namespace uvk {

inline constexpr int16_t kMessageTooLarge = 10, kRecordListTooLarge = 18, kUnknownTopic = 3, kNotLeader = 6;
inline constexpr int16_t kUnknownTopicId = 100, kInconsistentTopicId = 103;
inline constexpr int16_t kOutOfOrderSequence = 45, kDuplicateSequence = 46, kInvalidProducerEpoch = 47,
              kUnknownProducerId = 59;
inline constexpr int kMaxInFlightPerPartition = 5;  // what Kafka keeps idempotence state for
inline constexpr int16_t kMinProduceVersion = 3;  // record batches v2 (Kafka 0.11+)
inline constexpr size_t kRunOverhead = 96;  // a further run and result (and a queue's share)

struct SendOp;
struct PartitionQueue;

// A run: messages of one send to one partition, in send order, whose entries lie back to back
// in the send's block (producer_msgs.cc has the entry format). Queues and batches are lists
// of runs, so a queued message costs its entry (2 bytes plus copied payload, or ~10 with a
// borrowed value), not a record of its own.
struct MsgRun {
  MsgRun *next;
  SendOp *op;
  const uint8_t *data;  // its first entry
  size_t bytes;         // estimated bytes in a batch (offset deltas of one byte)
  uint32_t n;           // messages
  uint32_t result;      // index into op->results
  bool owned;           // allocated alone (a run split by a batch limit): freed when done
};

// One message, read back from its entry.
struct MsgView {
  int64_t timestamp;  // -1: the time the batch is written
  const uint8_t *key, *value;  // null: a null key / value
  int32_t key_len, value_len;
  const RecordHeader *headers;
  const uvk_header *uheaders;  // instead of headers: a send's copied uvk_header array
  int32_t n_headers;
};

struct ProducerBatch {
  ProducerBatch *next;
  PartitionQueue *q;
  MsgRun *head, *tail;
  int32_t n;  // messages
  size_t bytes;
  int acks;
  int32_t timeout;
  int codec;
  RetryState retry;
  uint64_t not_before;
  uint64_t order;     // per partition, in seal order: retries go back in this order
  int32_t base_seq;   // idempotence: assigned when first sent, kept for retries; -1: none
  int16_t epoch;      // the producer epoch base_seq belongs to
  int64_t pid;        // ... and the producer id (a new id keeps epoch 0: the epoch alone does not tell)
  uint32_t seq_gen;   // ... and its queue's numbering (PartitionQueue::seq_gen) when numbered
};

struct TopicState;

struct EnsureCtx {
  TopicState *t;  // null once the producer is gone
  const Allocator *alloc;
};

struct PartitionQueue {
  TopicState *t;
  int32_t partition;
  MsgRun *head, *tail;  // not yet sealed
  int32_t n;  // messages
  size_t bytes;
  uint64_t first_at;
  int acks;
  int32_t timeout;
  int codec;
  ProducerBatch *ready, *ready_tail;  // sealed, waiting to be sent, by order
  uint64_t next_order;
  int32_t next_seq;   // idempotence: the next batch's base sequence
  uint32_t seq_gen;   // idempotence: counts restarts of next_seq at 0 (queue_restart_seqs)
  int in_flight;      // batches sent, not answered
  size_t batch_limit;  // bytes the next batch may hold (producer_batching.cc); 0: batchSize
  size_t batch_cap;    // how far batch_limit may grow here; 0: batchSizeMax (lowered by MESSAGE_TOO_LARGE)
  bool confirmed;     // idempotence: a batch of the current epoch was acknowledged here
  bool txn_added;     // transactions: AddPartitionsToTxn done for the open transaction
  bool txn_wanted;    // transactions: a batch waits for that
  int64_t st_txmsgs, st_txbytes;  // statistics: messages acknowledged here, and their record bytes (estimate)
};

struct TopicState {
  TopicState *next;
  Producer *p;
  char *name;
  PartitionerState part;
  PartitionQueue **queues;  // by partition id
  int32_t n_queues;
  bool refreshing;  // a metadata_ensure for this topic is running
  EnsureCtx *refresh_ctx;
  uint8_t topic_id[16];  // from the metadata (producer_topic_id.cc); all zero: not known
};

struct SendResult {
  const char *topic;
  int32_t partition;
  int error;
  int64_t base_offset, log_append_time, log_start_offset;
  bool have_offset;
};

struct SendOp {
  SendOp *next;
  SendOp *prev;  // unlinking is O(1): a million pending sends complete in any order
  Producer *p;
  uint64_t seq;
  Arena arena;
  void *blocks;  // the entries' blocks (producer_route.cc), each starting with the next's pointer
  uvk_topic_messages *topics;  // the (copied) input
  size_t n_topics;
  int acks;
  int32_t timeout;
  int codec;
  uint32_t n_msgs;   // statistics: messages in this send (msg_cnt); fills padding, SendOp is counted in bufferMemory
  size_t bytes;
  size_t remaining;  // messages not completed
  uvk_error *error;  // the first failure
  SendResult *results;
  size_t n_results, cap_results;
  ProducerSendFn fn;
  void *ud;
  EngineTimer timer;
  bool ensured;   // metadata_ensure answered (ensure_err says how)
  bool routed;    // its messages went to the partition queues
  bool orphaned;  // the producer is gone; the pending metadata_ensure frees this op
  const uvk_error *ensure_err;
  // A send to the same topics as the one before it, while that one waits for metadata, rides
  // on its metadata_ensure instead of starting another: `host` is the op whose answer it
  // takes, `riders` / `riders_tail` (on the host) the ops taking it, in send order.
  SendOp *host;
  SendOp *riders, *riders_tail, *rider_next;
};

struct ProduceReq {
  Producer *p;  // null once the producer is gone (the engine still owns the Request)
  Arena arena;
  ProducerBatch **batches;
  int *batch_err;  // per batch: its codec failed when encoded (left out of the request)
  proto::Uuid *topic_ids;  // per batch: its topic's id when sent (Produce v13 names topics by it)
  size_t n;
  int acks;
  int32_t timeout;
  proto::Str transactional_id;
  Request req;
};

struct PidReq {
  Request req;
  Producer *p;  // null once the producer is gone
  const Allocator *alloc;
};

struct FlushWaiter {
  FlushWaiter *next;
  uint64_t seq;  // done when no op older than this is left
  ProducerDoneFn fn;
  void *ud;
};

struct Txn;  // producer_txn.cc

struct Producer {
  Engine *e;
  ProducerConfig cfg;
  const Allocator *alloc;
  TopicState *topics;
  SendOp *ops, *ops_tail;  // by seq
  // Routing (route_ready) starts here: every op before it is routed. With it and the count
  // of ensured ops still waiting, a burst of single-message sends is routed in O(1) each.
  SendOp *route_from;
  size_t ensured_unrouted;
  uint64_t next_seq;
  size_t buffered;
  bool refused;  // a send got UVK_EQUEUEFULL: call drain when there is room
  bool closed;
  uvk_partitioner_fn custom;
  void *custom_ud;
  ProducerDoneFn drain_fn;
  void *drain_ud;
  FlushWaiter *waiters;
  EngineTimer drain_timer;
  Buf scratch;  // a codec's output while a batch is compressed
  uint32_t rng;
  // Idempotence (KIP-98): the producer id and epoch from InitProducerId.
  bool idempotent;
  int pid_state;  // 0 none, 1 asking, 2 ready
  int64_t pid;
  int16_t epoch;
  RetryState pid_retry;
  EngineTimer pid_timer;
  struct PidReq *pid_req;  // the InitProducerId held by the engine, if any
  Txn *txn;                // null unless transactional
  StatsSource stats_src;   // producer_stats.cc
  int64_t st_msg_cnt;      // messages sent and not yet completed
};

// ---- shared by the producer's files (producer*.cc) ----------------------------------------

// producer_queue.cc: queues and completion
uint32_t producer_rand(void *ud);  // a partitioner's random source: the engine's generator
TopicState *producer_topic(Producer *p, const char *name);  // found or created; null: no memory
PartitionQueue *producer_queue(Producer *p, TopicState *t, int32_t partition);
ProducerBatch *queue_new_batch(Producer *p, PartitionQueue *q);
// Moves the queue's messages into batches of at most its batch limit at the end of its ready list.
void queue_seal(Producer *p, PartitionQueue *q, uint64_t now);
// The same for full batches only: a rest below the batch limit stays queued, its linger from now.
void queue_seal_full(Producer *p, PartitionQueue *q, uint64_t now);
// Back into the ready list at its place by seal order (a retried batch).
void queue_ready_insert(PartitionQueue *q, ProducerBatch *b);
// Idempotence: q's sequence numbers start again at 0 (a new producer id or epoch, a topic
// created again). Every batch numbered before, queued or still in flight, is numbered again
// when it next goes out.
void queue_restart_seqs(PartitionQueue *q);
// Whether b's sequence numbers are valid now: numbered under the producer's current id and
// epoch, since its queue's numbering last restarted.
bool batch_numbered_now(const Producer *p, const ProducerBatch *b);
void send_op_set_error(SendOp *op, int code, const uvk_error *cause);  // the first failure wins
void send_op_finish(SendOp *op);  // calls the send's callback and frees the op
void send_op_free_blocks(SendOp *op);
// Every message of run r is done (offsets from `offset`); frees r if it was split off.
void msg_run_done(Producer *p, MsgRun *r, int err, const uvk_error *cause, int64_t offset, int64_t append_time,
                  int64_t log_start);

// producer_msgs.cc: the entries of a send's block
// Bytes of m's entry: `inline_bytes` copies key and value into it, else it points at them.
size_t msg_entry_size(const uvk_message &m, bool inline_bytes);
// Writes m's entry at dst (headers: hs, or m.headers itself when hs is null); returns the end.
uint8_t *msg_entry_write(uint8_t *dst, const uvk_message &m, bool inline_bytes, const RecordHeader *hs);
const uint8_t *msg_entry_read(const uint8_t *src, MsgView *v);  // returns the next entry
size_t msg_record_size(const MsgView &v);  // what the record takes in a batch (estimate)
// v's headers as RecordHeader records: v.headers, or converted into buf (cap entries) or into
// *heap (allocated, the caller frees it); null when there was no memory.
const RecordHeader *msg_view_headers(const MsgView &v, RecordHeader *buf, size_t cap, RecordHeader **heap,
                                     const Allocator *a);
// Splits r after k messages (0 < k < r->n): r keeps the first k, the returned run (its own
// allocation) the rest; null when there was no memory (r is left whole).
MsgRun *msg_run_split(Producer *p, MsgRun *r, uint32_t k, size_t first_bytes);
void producer_batch_free(Producer *p, ProducerBatch *b);
// Completes every message of b (offsets from base_offset), then frees b.
void producer_batch_done(Producer *p, ProducerBatch *b, int err, const uvk_error *cause, int64_t base_offset,
                         int64_t append_time, int64_t log_start);
void producer_check_waiters(Producer *p);  // flush waiters whose sends are all done

// producer_batching.cc: the default batching policy (how large a partition's batches get)
size_t queue_batch_limit(const Producer *p, const PartitionQueue *q);
// At seal time: doubles q's limit (up to batchSizeMax) when its batch filled up while earlier
// batches wait for the broker; halves it (down to batchSize) when idle and half empty.
void queue_adapt_limit(const Producer *p, PartitionQueue *q);
// A batch of `bytes` was too large for the broker (a topic's max.message.bytes below
// batchSizeMax): the partition's batches stop growing at half of it.
void queue_batch_too_large(const Producer *p, PartitionQueue *q, size_t bytes);
// The size a seal cuts q's queue at: the limit, or what is queued up to batchSizeMax.
size_t queue_seal_limit(const Producer *p, const PartitionQueue *q);
// Whether q's open batch, its linger over, waits for an answer: a batch of q is in flight.
bool queue_hold(const PartitionQueue *q);

// producer_encode.cc: a Produce request's body, batches encoded in place (a RequestEncodeFn;
// ud: the ProduceReq)
int produce_request_write(void *ud, Buf *out, int16_t version);

// producer_wire.cc: draining batches into Produce requests
void producer_drain(void *ud, uint64_t now);  // a timer callback (ud: the Producer)
// Statistics (producer_stats.cc): registers the producer as a source of the engine's
// documents; counts a batch the broker acknowledged.
void producer_stats_register(Producer *p);
void producer_stats_acked(const ProducerBatch *b);
void producer_drain_at(Producer *p, uint64_t at);
void producer_on_produce(void *ud, int err, int16_t version, Reader *body, const Request *req);

// producer_topic_id.cc: topic ids (Produce v13)
// Takes t's id from the metadata cache; a new id for a known topic (deleted and created
// again) starts an idempotent producer's sequence numbers on it again.
void producer_note_topic_id(Producer *p, TopicState *t);
// Fills r->topic_ids from the batches' topics; the highest Produce version r may use (v13
// only when every topic's id is known).
int16_t producer_fill_topic_ids(const Producer *p, ProduceReq *r);
// Whether b was sent under an id its topic no longer has (an answer from the old topic).
bool producer_batch_of_old_topic(const ProducerBatch *b, const proto::Uuid &sent);

// producer_pid.cc: the producer id (idempotence)
void producer_fetch_pid(Producer *p, uint64_t now);  // unless one is held or being asked for
void producer_fail_ready(Producer *p, int code, const uvk_error *cause);  // every sealed batch

// producer_route.cc: routing sends onto partition queues
// Whether a send may be routed inside the call (see producer_route.cc).
bool producer_can_route_now(Producer *p, const uvk_topic_messages *topics, size_t n_topics, uint64_t now);
void send_op_route(SendOp *op, const uvk_topic_messages *topics, size_t n_topics, const uvk_error *err, uint64_t now,
                   bool copy = false, bool borrow = true, bool in_send = false);
void send_op_ensured(void *ud, const uvk_error *err);  // metadata_ensure's callback for a send
const void *producer_copy_bytes(Arena *a, const void *src, size_t n, bool borrow);
const char *producer_copy_str(Arena *a, const char *s);

// producer_txn.cc, for producer.cc
int txn_new(Producer *p, const char *id, int32_t timeout_ms);  // 0 or UVK_ENOMEM
void txn_free(Producer *p);
// Whether a send is allowed now (a transaction is open, or the producer is not transactional).
bool txn_accepts_sends(const Producer *p);
// A send of the open transaction failed with `err`: commit must then fail (abort instead).
void txn_note_send_failure(Producer *p, const uvk_error *err);
// The batch of q may go out only once its partition joined the transaction: false means
// wait (an AddPartitionsToTxn is under way and drains again when done).
bool txn_partition_ready(Producer *p, PartitionQueue *q, uint64_t now);
// InitProducerId goes to the transaction coordinator: its node, or -1 while it is looked up
// (send_init_pid is called again when it is known).
int32_t txn_init_pid_node(Producer *p, uint64_t now);
void txn_fill_init_pid(const Producer *p, proto::Str *transactional_id, int32_t *timeout_ms);
void txn_init_pid_failed(Producer *p, int err);  // forgets a coordinator that moved
// The transactional id for Produce requests (null Str when not transactional).
proto::Str txn_produce_id(const Producer *p);
// The Produce versions a transactional producer may use: v12 or above under transactions v2
// (it joins the partition to the transaction), below v12 otherwise. Both are in/out.
void txn_produce_versions(const Producer *p, int16_t *min_version, int16_t *max_version);
// The open transaction uses transactions v2: an epoch error fails it (abort bumps the epoch)
// instead of asking InitProducerId for a new epoch in the middle of it.
bool txn_v2(const Producer *p);

}  // namespace uvk

namespace uvk {
static_assert(kRunOverhead >= sizeof(MsgRun) + sizeof(SendResult), "kRunOverhead undercounts");
// What bufferMemory counts for a send besides its messages' entries and payloads: the
// SendOp, its first result and run, the arena's fixed part and chunk header, the block's link
// (producer_route.cc adds a run and a result for each further partition it reaches).
inline constexpr size_t kSendOverhead = sizeof(SendOp) + sizeof(SendResult) + sizeof(MsgRun) + 128;
}  // namespace uvk
