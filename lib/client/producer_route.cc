// Routing: a send's messages to their partitions (partitioner, custom or built in) and onto
// the partition queues, in send order per topic, inside the send call when the metadata is
// cached or once it arrived.
#include "client/producer.h"
#include "client/producer_internal.h"

#include <string.h>

#include "engine/metadata.h"
#include "engine/kafka_errors.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

// ---- routing --------------------------------------------------------------------------

static SendResult *result_for(SendOp *op, const char *topic, int32_t partition, uint32_t *index) {
  // Results name topics by the producer's own copies, so the pointer usually decides.
  for (size_t i = 0; i < op->n_results; i++)
    if (op->results[i].partition == partition &&
        (op->results[i].topic == topic || strcmp(op->results[i].topic, topic) == 0)) {
      *index = uint32_t(i);
      return &op->results[i];
    }
  if (op->n_results == op->cap_results) {
    size_t cap = op->cap_results ? op->cap_results * 2 : 1;  // most sends touch one partition
    void *mem = mem_realloc(op->p->alloc, op->results, sizeof(SendResult) * cap);
    if (!mem) return nullptr;
    op->results = static_cast<SendResult *>(mem);
    op->cap_results = cap;
  }
  *index = uint32_t(op->n_results);
  SendResult &r = op->results[op->n_results++];
  r = SendResult{topic, partition, 0, -1, -1, -1, false};
  return &r;
}


// Copies the headers of a message routed straight from the caller's array (not borrowed).
static RecordHeader *copy_headers(Arena *a, const uvk_message &um) {
  RecordHeader *hs = arena_new_array<RecordHeader>(a, um.n_headers);
  for (size_t h = 0; hs && h < um.n_headers; h++) {
    size_t nlen = strlen(um.headers[h].name);
    const void *name = producer_copy_bytes(a, um.headers[h].name, nlen, false);
    const void *value = producer_copy_bytes(a, um.headers[h].value, um.headers[h].value_len, false);
    if (!name || (um.headers[h].value && !value)) return nullptr;
    hs[h] = RecordHeader{static_cast<const uint8_t *>(name), int32_t(nlen), static_cast<const uint8_t *>(value),
                         um.headers[h].value ? int32_t(um.headers[h].value_len) : 0};
  }
  return hs;
}

static void finish_deferred(void *ud, uint64_t) {
  SendOp *op = static_cast<SendOp *>(ud);
  if (--op->remaining == 0) send_op_finish(op);
}

// The partition for `um`: the custom partitioner's, else the configured one's; 0, or why the
// message fails (UVK_ERR_KAFKA(UNKNOWN_TOPIC_OR_PARTITION) for a partition the topic lacks).
static int choose_partition(Producer *p, TopicState *ts, const char *topic, const PartitionInfo *parts,
                            int32_t n_parts, const uvk_message &um, int32_t *partition, int32_t *slot) {
  *partition = -1;
  if (p->custom) {
    static_assert(sizeof(uvk_partition_info) == sizeof(PartitionInfo), "same layout");
    const uvk_partition_info *ip = reinterpret_cast<const uvk_partition_info *>(parts);
    *partition = p->custom(p->custom_ud, topic, ip, size_t(n_parts), &um);
  }
  if (*partition < 0)
    *partition = partitioner_choose(&ts->part, p->cfg.partitioner, parts, size_t(n_parts), um.partition,
                                    static_cast<const uint8_t *>(um.key), um.key ? um.key_len : 0,
                                    producer_rand, p);
  if (*partition >= 0 && *partition < n_parts && parts[*partition].partition_id == *partition) {
    *slot = *partition;
    return 0;
  }
  for (int32_t j = 0; j < n_parts; j++)  // partitions listed out of order
    if (parts[j].partition_id == *partition) {
      *slot = j;
      return 0;
    }
  return UVK_ERR_KAFKA(kUnknownTopic);
}

// The header records of `um` (copied into the op's arena when `copy`); null: no memory.
static const RecordHeader *header_records(SendOp *op, const uvk_message &um, bool copy) {
  if (copy) return copy_headers(&op->arena, um);
  RecordHeader *hs = arena_new_array<RecordHeader>(&op->arena, um.n_headers);
  for (size_t h = 0; hs && h < um.n_headers; h++)
    hs[h] = RecordHeader{reinterpret_cast<const uint8_t *>(um.headers[h].name), int32_t(strlen(um.headers[h].name)),
                         static_cast<const uint8_t *>(um.headers[h].value),
                         um.headers[h].value ? int32_t(um.headers[h].value_len) : 0};
  return hs;
}

// Appends run r to q (sealing q first when its batch has other acks / timeout / codec);
// *seal_now when q reached its batch limit, *due lowered to q's linger deadline.
static void enqueue(Producer *p, const SendOp *op, PartitionQueue *q, MsgRun *r, uint64_t now, bool *seal_now,
                    uint64_t *due) {
  if (q->head && (q->acks != op->acks || q->timeout != op->timeout || q->codec != op->codec))
    queue_seal(p, q, now);  // one batch, one set of acks/timeout/codec
  if (!q->head) {
    q->first_at = now;
    q->acks = op->acks, q->timeout = op->timeout, q->codec = op->codec;
  }
  r->next = nullptr;
  if (q->tail) q->tail->next = r; else q->head = r;
  q->tail = r;
  q->n += int32_t(r->n);
  q->bytes += r->bytes;
  if (q->bytes >= queue_batch_limit(p, q)) *seal_now = true;
  if (q->first_at + p->cfg.linger_ms < *due) *due = q->first_at + p->cfg.linger_ms;
}

// One partition a topic's messages of a send go to: its run, where its next entry goes.
struct Slot {
  MsgRun *run;
  uint8_t *at;
  size_t entry_bytes;
  uint32_t n;
  bool failed;  // no memory for a message's headers: the run fails
};

// A block of entries, freed with its op (a list: one block per topic of the send).
static uint8_t *op_block(SendOp *op, size_t bytes) {
  void *mem = mem_alloc(op->p->alloc, sizeof(void *) + bytes);
  if (!mem) return nullptr;
  memcpy(mem, &op->blocks, sizeof(void *));
  op->blocks = mem;
  return static_cast<uint8_t *>(mem) + sizeof(void *);
}

// Routes one topic's messages of op: a partition for each, then one run per partition whose
// entries lie back to back in one block, then the runs onto their queues. Returns the
// bookkeeping it added beyond what the send counted (runs and results past the first).
static size_t route_topic(SendOp *op, const uvk_topic_messages &tm, int err_code, const uvk_error *err,
                          bool inline_bytes, bool copy_headers_too, bool own_copy, uint64_t now, bool *seal_now,
                          uint64_t *due) {
  Producer *p = op->p;
  TopicState *ts = producer_topic(p, tm.topic);
  // Results name the topic by the producer's own copy: the caller's string may not last.
  const char *topic_name = ts ? ts->name : tm.topic;
  const CachedTopic *ct = metadata_cache_topic(&p->e->mcache, tm.topic);
  int32_t n_parts = ct ? ct->n_partitions : 0;
  PartitionInfo pstack[64];
  Slot sstack[64];
  int32_t mstack[256];
  bool big = n_parts > 64;
  PartitionInfo *parts = big ? static_cast<PartitionInfo *>(mem_alloc(p->alloc, sizeof(PartitionInfo) * size_t(n_parts))) : pstack;
  Slot *slots = big ? static_cast<Slot *>(mem_alloc(p->alloc, sizeof(Slot) * size_t(n_parts))) : sstack;
  int32_t *slot_of = tm.n_messages > 256 ? static_cast<int32_t *>(mem_alloc(p->alloc, sizeof(int32_t) * tm.n_messages))
                                         : mstack;
  int fail_all = err_code;
  if (!fail_all && (!ts || !parts || !slots || !slot_of)) fail_all = UVK_ENOMEM;
  if (parts && slots)
    for (int32_t i = 0; i < n_parts; i++) {
      parts[i] = PartitionInfo{ct->partitions[i].partition, ct->partitions[i].leader};
      slots[i] = Slot{nullptr, nullptr, 0, 0, false};
    }
  // 1. A partition for each message; failures complete here.
  for (size_t i = 0; i < tm.n_messages; i++) {
    const uvk_message &um = tm.messages[i];
    int32_t partition = -1, slot = -1;
    int fail = fail_all;
    if (!fail) fail = choose_partition(p, ts, tm.topic, parts, n_parts, um, &partition, &slot);
    if (slot_of) slot_of[i] = fail ? -1 : slot;
    if (!fail) {
      slots[slot].n++;
      slots[slot].entry_bytes += msg_entry_size(um, inline_bytes);
      continue;
    }
    uint32_t ri = 0;
    SendResult *r = result_for(op, topic_name, partition, &ri);
    if (r && !r->error) r->error = fail;
    send_op_set_error(op, r ? fail : UVK_ENOMEM, r && fail == err_code ? err : nullptr);
    op->remaining--;
  }
  // 2. One block for the entries, a run per partition (and its result slot).
  size_t block_bytes = 0, n_runs = 0;
  for (int32_t s = 0; !fail_all && s < n_parts; s++)
    if (slots[s].n) block_bytes += slots[s].entry_bytes, n_runs++;
  uint8_t *block = n_runs ? op_block(op, block_bytes) : nullptr;
  MsgRun *runs = n_runs ? arena_new_array<MsgRun>(&op->arena, n_runs) : nullptr;
  size_t k = 0, off = 0;
  for (int32_t s = 0; n_runs && s < n_parts; s++) {
    Slot &sl = slots[s];
    if (!sl.n) continue;
    uint32_t ri = 0;
    SendResult *r = result_for(op, topic_name, parts[s].partition_id, &ri);
    if (!block || !runs || !r) {  // no memory: this partition's messages fail
      if (r && !r->error) r->error = UVK_ENOMEM;
      send_op_set_error(op, UVK_ENOMEM, nullptr);
      op->remaining -= sl.n;
      continue;
    }
    sl.run = &runs[k++];
    *sl.run = MsgRun{nullptr, op, block + off, 0, sl.n, ri, false};
    sl.at = block + off;
    off += sl.entry_bytes;
  }
  // 3. The entries, in send order within each partition.
  for (size_t i = 0; n_runs && slot_of && i < tm.n_messages; i++) {
    if (slot_of[i] < 0) continue;
    Slot &sl = slots[slot_of[i]];
    if (!sl.run) continue;  // failed above
    const uvk_message &um = tm.messages[i];
    // A send that waited for metadata points at its own copy of the headers.
    const RecordHeader *hs = um.n_headers && !own_copy ? header_records(op, um, copy_headers_too) : nullptr;
    if (um.n_headers && !own_copy && !hs) sl.failed = true;
    sl.at = msg_entry_write(sl.at, um, inline_bytes, hs);
    MsgView v{um.timestamp, static_cast<const uint8_t *>(um.key), static_cast<const uint8_t *>(um.value),
              int32_t(um.key_len), int32_t(um.value_len), hs, own_copy ? um.headers : nullptr,
              hs || own_copy ? int32_t(um.n_headers) : 0};
    sl.run->bytes += msg_record_size(v);
  }
  // 4. The runs onto their queues.
  for (int32_t s = 0; n_runs && s < n_parts; s++) {
    Slot &sl = slots[s];
    if (!sl.run) continue;
    PartitionQueue *q = sl.failed ? nullptr : producer_queue(p, ts, parts[s].partition_id);
    if (!q) {
      msg_run_done(p, sl.run, UVK_ENOMEM, nullptr, -1, -1, -1);  // no memory for its headers or queue
      continue;
    }
    enqueue(p, op, q, sl.run, now, seal_now, due);
  }
  if (parts != pstack) mem_free(p->alloc, parts);
  if (slots != sstack) mem_free(p->alloc, slots);
  if (slot_of != mstack) mem_free(p->alloc, slot_of);
  return n_runs > 1 ? (n_runs - 1) * kRunOverhead : 0;
}

// Puts the messages of `topics` on their partition queues. `copy`: the messages are the
// caller's (routed inside the send call) and key, value and headers are copied into the
// op unless borrowed; `in_send`: we are inside producer_send, where no callback may run,
// so an op some of whose messages failed here completes on the next turn.
void send_op_route(SendOp *op, const uvk_topic_messages *topics, size_t n_topics, const uvk_error *err, uint64_t now,
                   bool copy, bool borrow, bool in_send) {
  Producer *p = op->p;
  size_t total = 0;
  for (size_t t = 0; t < n_topics; t++) total += topics[t].n_messages;
  // Hold one extra count so the op cannot finish while we are still routing.
  op->remaining = total + 1;
  uint64_t due = UINT64_MAX;
  bool seal_now = false;
  int err_code = err ? uvk_error_code(err) : 0;
  size_t extra = 0;
  for (size_t t = 0; t < n_topics; t++)
    extra += route_topic(op, topics[t], err_code, err, copy && !borrow, copy && !borrow, !copy, now, &seal_now,
                         &due);
  op->bytes += extra;  // what further runs hold: counted from now on
  p->buffered += extra;
  if (seal_now || p->cfg.linger_ms == 0 || p->waiters) due = now;
  if (due != UINT64_MAX) producer_drain_at(p, due);
  if (in_send && op->error) {
    engine_add_timer(p->e, &op->timer, now, finish_deferred, op);  // keeps the hold until then
    return;
  }
  // In a send without failures every message is queued, so this cannot reach zero there.
  if (--op->remaining == 0) send_op_finish(op);
}

static bool share_topic(const SendOp *a, const SendOp *b) {
  for (size_t i = 0; i < a->n_topics; i++)
    for (size_t j = 0; j < b->n_topics; j++)
      if (strcmp(a->topics[i].topic, b->topics[j].topic) == 0) return true;
  return false;
}

// Topics of the unrouted ops a scan has passed: a later op sharing one of them waits.
namespace {

struct BlockedTopics {
  const char *names[8];
  size_t n = 0;
  bool overflow = false;  // more topics than fit: compare with the earlier ops themselves

  void add(const SendOp *op) {
    for (size_t i = 0; i < op->n_topics && !overflow; i++) {
      const char *t = op->topics[i].topic;
      bool seen = false;
      for (size_t k = 0; k < n && !seen; k++) seen = strcmp(names[k], t) == 0;
      if (seen) continue;
      if (n == sizeof names / sizeof names[0]) overflow = true;
      else names[n++] = t;
    }
  }
  bool shares(const SendOp *op, const SendOp *from) const {
    if (overflow) {
      for (const SendOp *before = from; before != op; before = before->next)
        if (!before->routed && share_topic(before, op)) return true;
      return false;
    }
    for (size_t i = 0; i < op->n_topics; i++)
      for (size_t k = 0; k < n; k++)
        if (strcmp(names[k], op->topics[i].topic) == 0) return true;
    return false;
  }
};

}  // namespace

// Routes ensured ops in send order per topic: an op waits while an earlier op with a
// topic in common is not routed yet, so sends to a partition keep their order even when
// their metadata lookups finish in another order. The scan stops once it has passed every
// ensured op, so ops still waiting for metadata cost nothing.
static void route_ready(Producer *p, uint64_t now) {
  for (bool again = true; again;) {
    again = false;
    while (p->route_from && p->route_from->routed) p->route_from = p->route_from->next;
    BlockedTopics blocked;
    size_t ensured_seen = 0;
    for (SendOp *op = p->route_from; op && ensured_seen < p->ensured_unrouted; op = op->next) {
      if (op->routed) continue;
      bool wait = !op->ensured || blocked.shares(op, p->route_from);
      if (op->ensured) ensured_seen++;
      if (wait) {
        blocked.add(op);
        continue;
      }
      op->routed = true;
      p->ensured_unrouted--;
      const uvk_error *err = op->ensure_err;
      op->ensure_err = nullptr;
      send_op_route(op, op->topics, op->n_topics, err, now);  // may finish (and free) op: start the scan over
      if (err) error_release(err);
      again = true;
      break;
    }
  }
}

void send_op_ensured(void *ud, const uvk_error *err) {
  SendOp *op = static_cast<SendOp *>(ud);
  if (op->orphaned) {  // completed with UVK_ECLOSED when the producer was freed
    const Allocator *a = op->arena.alloc;
    arena_free(&op->arena);
    op->~SendOp();
    mem_free(a, op);
    return;
  }
  op->ensured = true;
  op->p->ensured_unrouted++;
  op->ensure_err = err ? error_retain(err) : nullptr;
  for (SendOp *r = op->riders; r; r = r->rider_next) {
    r->host = nullptr;
    r->ensured = true;
    op->p->ensured_unrouted++;
    r->ensure_err = err ? error_retain(err) : nullptr;
  }
  op->riders = op->riders_tail = nullptr;
  route_ready(op->p, op->p->e->now);
}

// Whether a send can be routed inside the call: every earlier op is routed (so it cannot
// overtake one) and the cached metadata of each of its topics is usable as it is. Then
// no copy of the message array and no metadata round through the loop is needed.
bool producer_can_route_now(Producer *p, const uvk_topic_messages *topics, size_t n_topics, uint64_t now) {
  while (p->route_from && p->route_from->routed) p->route_from = p->route_from->next;
  if (p->route_from) return false;
  for (size_t t = 0; t < n_topics; t++) {
    if (metadata_cache_needs_refresh(&p->e->mcache, topics[t].topic, now)) return false;
    if (!producer_topic(p, topics[t].topic)) return false;  // no memory: the slow path reports it
  }
  return true;
}

// ---- copying the input ------------------------------------------------------------------

const void *producer_copy_bytes(Arena *a, const void *src, size_t n, bool borrow) {
  if (!src || borrow) return src;
  void *dst = arena_alloc(a, n ? n : 1, 1);
  if (dst && n) memcpy(dst, src, n);
  return dst;
}

const char *producer_copy_str(Arena *a, const char *s) {
  size_t n = strlen(s);
  char *d = static_cast<char *>(arena_alloc(a, n + 1, 1));
  if (d) memcpy(d, s, n + 1);
  return d;
}


}  // namespace uvk
