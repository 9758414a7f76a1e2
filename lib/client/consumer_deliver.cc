// Delivery: a Fetch answer's record batches become uvk_batch views for eachBatch /
// eachMessage, one run of record batches at a time (views point into the response or into
// the decompressed batch, so nothing is copied but header names).
#include <string.h>

#include "client/consumer_internal.h"
#include "client/record_headers.h"
#include "codec/codec.h"
#include "engine/kafka_errors.h"
#include "proto/records.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

namespace {

bool stale(const Consumer *c, const PartState *ps, uint32_t gen, uint32_t seq) {
  return !c->running || c->assign_gen != gen || ps->seq != seq || part_paused(c, ps);
}

// Moves position (and resolved, when everything before was resolved) past offsets that had
// no message to hand over: control records, aborted transactions, compacted gaps.
void skip_to(PartState *ps, int64_t next) {
  if (next <= ps->position) return;
  if (ps->resolved == ps->position || (ps->resolved < 0 && ps->committed == ps->position)) ps->resolved = next;
  ps->position = next;
}

void emit_batch(Consumer *c, int type, const uvk_batch &b, int64_t duration) {
  uvk_event_batch_process ev{b.topic, b.partition, b.high_watermark, b.offset_lag, b.offset_lag_low,
                             b.n_messages, b.first_offset, b.last_offset, duration};
  consumer_emit(c, type, &ev);
}

struct Aborted {
  const int64_t *pids, *firsts;
  int32_t n;
  bool *taken;       // aborted[i] reached (its first offset is behind us)
  int64_t *active;   // producer ids whose transaction is being skipped
  int32_t n_active;
};

bool aborted_skip(Aborted *ab, const BatchView &b) {
  if (!b.transactional()) return false;
  for (int32_t i = 0; i < ab->n; i++)
    if (!ab->taken[i] && ab->firsts[i] <= b.last_offset()) {
      ab->taken[i] = true;
      ab->active[ab->n_active++] = ab->pids[i];
    }
  for (int32_t i = 0; i < ab->n_active; i++)
    if (ab->active[i] == b.producer_id) {
      if (b.control()) ab->active[i] = ab->active[--ab->n_active];  // the abort marker ends it
      return true;
    }
  return false;
}

}  // namespace

namespace {

// One record as a view into the response (or the decompressed batch); header names are
// copied into the arena so they are NUL-terminated.
void fill_message(Arena *arena, const BatchView &b, const RecordView &rec, uvk_consumer_message *m) {
  m->offset = rec.offset;
  m->timestamp = rec.timestamp;
  m->attributes = b.attributes;
  m->key = rec.key;
  m->key_len = rec.key ? size_t(rec.key_len) : 0;
  m->value = rec.value;
  m->value_len = rec.value ? size_t(rec.value_len) : 0;
  m->n_headers = record_headers_copy(arena, rec, &m->headers);
}

// Records gathered from consecutive record batches of one partition for one handler call
// (KafkaJS hands a partition's whole fetch answer at once): fewer, larger calls.
struct Run {
  uvk_consumer_message *msgs = nullptr;
  size_t n = 0, cap = 0;
  int64_t end = 0;  // the offset after the last record batch taken in (control batches too)
  int32_t bad_at = 0;  // 1-based index in its batch of a malformed record, for the log
};

// Appends the records of b at or after position, as views: 0, UVK_ENOMEM when the arena is
// full, or record_next's error for a malformed record (those before it are appended, and
// run->end stays before it). `expect`: the records the run will likely gather
// (batch_count_records), so that its array is allocated once instead of doubling batch by
// batch; not zeroed, as every entry up to run->n is written.
int append_messages(Arena *arena, Run *run, const BatchView &b, int64_t position, size_t expect) {
  size_t more = b.count > 0 ? size_t(b.count) : 1;
  // A legacy compressed wrapper (count -1) holds as many as its inner set: room for all of
  // them (only the first was taken, and the rest skipped).
  if (b.magic < 2 && b.count < 0) more = b.records_len / kMinLegacyMessageSize + 1;
  // The count is the broker's word: bounded by the records there (walked only when it does not fit).
  if (b.magic == 2 && run->n + more > run->cap) more = batch_record_bound(b.records, b.records_len, b.count);
  if (run->n + more > run->cap) {
    size_t cap = run->cap * 2 > run->n + more ? run->cap * 2 : run->n + more;
    uvk_consumer_message *grown = nullptr;
    if (run->cap == 0 && expect > cap) {
      // Rounded up to a power of two: answers of about one size then fit the arena's kept chunk.
      size_t want = 1;
      while (want < expect && want < (size_t(1) << 40)) want <<= 1;
      grown = arena_new_array_raw<uvk_consumer_message>(arena, want);
      if (grown) cap = want;
    }
    if (!grown) grown = arena_new_array_raw<uvk_consumer_message>(arena, cap);
    if (!grown) return UVK_ENOMEM;
    if (run->n) memcpy(grown, run->msgs, run->n * sizeof *grown);
    run->msgs = grown;
    run->cap = cap;
  }
  RecordIter it;
  record_iter_init(&it, &b);
  RecordView rec;
  int rc;
  int32_t read = 0;
  while ((rc = record_next(&it, &rec)) == 1) {
    read++;
    if (rec.offset < position) continue;
    if (run->n == run->cap) {  // more than batch_record_bound: cannot happen
      read--;
      rc = UVK_EPROTO;
      break;
    }
    fill_message(arena, b, rec, &run->msgs[run->n++]);
  }
  if (rc < 0) {
    run->bad_at = read + 1;
    return rc;
  }
  run->end = b.last_offset() + 1;
  return 0;
}

enum class Handed { kDone, kHeld, kFailed };

// eachMessage over one batch: each finished message is resolved; a pending (UVK_PENDING) or
// failed handler stops the batch.
Handed hand_each_message(Consumer *c, PartState *ps, const uvk_batch &batch, uint32_t gen, uint32_t seq) {
  for (size_t i = 0; i < batch.n_messages; i++) {
    const uvk_consumer_message *m = &batch.messages[i];
    uint32_t seeks = ps->seeks;
    int hr = c->run.each_message(static_cast<uvk_consumer *>(c->hooks.owner), &batch, m, c->run.ud);
    if (hr == UVK_PENDING) {
      // Finishing later (uvk_consumer_done): the partition waits for it; the rest of
      // the batch comes again with the next fetch.
      if (ps->seeks == seeks) {
        ps->held = true;
        ps->held_next = m->offset + 1;
        ps->held_seeks = seeks;
      }
      return Handed::kHeld;
    }
    if (hr != 0) return Handed::kFailed;
    if (c->detached) break;  // freed from inside the handler: no more messages
    // Done, also when the handler paused or stopped meanwhile; a seek decides instead.
    // (ps stays valid: assignments change only on network events, never inside a handler.)
    if (ps->seeks == seeks) {
      ps->resolved = ps->position = m->offset + 1;
      ps->since_commit++;
    }
    if (stale(c, ps, gen, seq)) break;
  }
  return Handed::kDone;
}

// eachBatch: one call for the batch; with auto-resolve a successful call resolves all of it.
Handed hand_each_batch(Consumer *c, PartState *ps, const uvk_batch &batch) {
  int64_t before = ps->position;
  uint32_t seeks = ps->seeks;
  int hr = c->run.each_batch(static_cast<uvk_consumer *>(c->hooks.owner), &batch, c->run.ud);
  bool mine = ps->seeks == seeks;
  if (hr == UVK_PENDING) {
    if (mine) {
      ps->held = true;
      ps->held_next = c->run.each_batch_auto_resolve ? batch.last_offset + 1 : -1;
      ps->held_seeks = seeks;
      ps->held_before = before;
    }
    return Handed::kHeld;
  }
  if (hr == 0 && c->run.each_batch_auto_resolve && mine) {
    ps->since_commit += int32_t(batch.n_messages);
    ps->resolved = batch.last_offset + 1;
  }
  // The next fetch starts after what is resolved (KafkaJS): unresolved messages come again.
  if (mine) ps->position = ps->resolved > before ? ps->resolved : before;
  return hr != 0 ? Handed::kFailed : Handed::kDone;
}

// The handler failed: what it did not finish is fetched again after the retry time.
void back_off_part(Consumer *c, PartState *ps) {
  int64_t wait = 0;
  if (retry_on_error(&ps->retry, c->cfg.retry, &c->e->rng, UVK_ETIMEDOUT, &wait) != RetryVerdict::kRetry)
    wait = c->cfg.retry.max_retry_time;
  ps->not_before = c->e->now + uint64_t(wait);
}

}  // namespace

namespace {

// One handler call for the gathered records. Returns false when the walk over the answer
// stops here: a hold, a failure, an eachBatch that left some unresolved, a stale partition.
bool hand_run(Consumer *c, PartState *ps, const Run &run, int64_t high_watermark, uint32_t gen, uint32_t seq,
              bool *held, bool *failed) {
  uvk_batch batch;
  batch.topic = ps->topic;
  batch.partition = ps->partition;
  batch.high_watermark = high_watermark;
  batch.messages = run.msgs;
  batch.n_messages = run.n;
  batch.first_offset = run.msgs[0].offset;
  batch.last_offset = run.msgs[run.n - 1].offset;
  batch.offset_lag = high_watermark - 1 - batch.last_offset;
  batch.offset_lag_low = high_watermark - 1 - batch.first_offset;
  int64_t t0 = engine_wall_ms(c->e);
  consumer_stats_handed(c, ps, run.msgs, run.n);
  emit_batch(c, UVK_EVENT_START_BATCH_PROCESS, batch, 0);
  Handed h = c->run.each_message ? hand_each_message(c, ps, batch, gen, seq) : hand_each_batch(c, ps, batch);
  *held = h == Handed::kHeld;
  *failed = h == Handed::kFailed;
  emit_batch(c, UVK_EVENT_END_BATCH_PROCESS, batch, engine_wall_ms(c->e) - t0);
  if (*held || *failed) return false;
  if (c->assign_gen == gen && ps->position == batch.last_offset + 1)
    skip_to(ps, run.end);  // compacted tail, control batches after the last record
  return ps->position > batch.last_offset && !c->detached && !stale(c, ps, gen, seq);
}

}  // namespace

int deliver(Consumer *c, PartState *ps, const uint8_t *records, size_t len, int64_t high_watermark,
             const int64_t *aborted_pids, const int64_t *aborted_first, int32_t n_aborted) {
  Arena own;
  bool kept = !c->deliver_arena_busy;
  Arena &arena = kept ? c->deliver_arena : own;
  arena.alloc = c->alloc;
  if (kept) c->deliver_arena_busy = true;
  BatchReader br;
  br.decompressed.alloc = c->alloc;
  br.legacy_scratch.alloc = c->alloc;
  batch_reader_init(&br, records, len);
  // The aborted-transaction state lives in its own arena: `arena` is reset for every run.
  Arena ab_arena;
  ab_arena.alloc = c->alloc;
  Aborted ab{aborted_pids, aborted_first, c->cfg.read_uncommitted ? 0 : n_aborted, nullptr, nullptr, 0};
  ab.taken = arena_new_array<bool>(&ab_arena, size_t(n_aborted) + 1);
  ab.active = arena_new_array<int64_t>(&ab_arena, size_t(n_aborted) + 1);
  uint32_t gen = c->assign_gen, seq = ps->seq;
  c->delivering = true;
  c->delivering_part = ps;
  c->delivering_seeks = ps->seeks;
  BatchView b;
  bool bad_record = false;  // a record of b was malformed
  Run run;
  size_t expect = batch_count_records(records, len);  // the first run's records
  int rc = 0;
  bool failed = false, held = false, more = ab.taken && ab.active;
  while (more && !c->detached && (rc = batch_next(&br, &b)) == 1) {
    if (stale(c, ps, gen, seq)) {
      run.n = 0;
      break;
    }
    if (b.last_offset() < ps->position) continue;
    // aborted_skip first: an abort marker (a control batch) ends the producer's skipped run.
    bool skipped = aborted_skip(&ab, b) || b.control();
    int ar = skipped ? 0 : append_messages(&arena, &run, b, ps->position, expect);
    if (ar == UVK_ENOMEM) break;
    if (ar < 0) {  // the records before it are handed below; the position stops at it
      rc = ar;
      bad_record = true;
      break;
    }
    if (run.n == 0) {
      skip_to(ps, b.last_offset() + 1);  // nothing to hand yet: step over it now
      continue;
    }
    run.end = b.last_offset() + 1;
    // A compressed batch's views live in the reader's buffer until the next batch_next.
    if (!skipped && b.codec() != kCodecNone) {
      more = hand_run(c, ps, run, high_watermark, gen, seq, &held, &failed);
      run = Run();
      arena_reset(&arena);
      expect = batch_count_records(br.in.p, rd_left(&br.in));
    }
  }
  if (run.n > 0 && !c->detached && !stale(c, ps, gen, seq))
    hand_run(c, ps, run, high_watermark, gen, seq, &held, &failed);
  c->delivering = false;
  c->delivering_part = nullptr;
  // A corrupt batch (bad CRC, undecompressable, a bomb over the limit) used to end the
  // walk silently, and the next fetch asked for the same offset at once: a busy loop with
  // no error anywhere. Now it is logged and returned; on_fetch backs the partition off.
  int corrupt = rc < 0 ? rc : 0;
  if (bad_record)
    consumer_log(c, UVK_LOG_ERROR, "Fetch %s/%d: malformed record %d in the record batch at offset %lld: %s (%s)",
                 ps->topic, int(ps->partition), int(run.bad_at), static_cast<long long>(b.base_offset),
                 uvk_strerror(rc), uvk_err_name(rc));
  else if (corrupt)
    consumer_log(c, UVK_LOG_ERROR, "Fetch %s/%d: corrupt record batch at offset %lld: %s (%s)", ps->topic,
                 int(ps->partition), static_cast<long long>(ps->position), uvk_strerror(rc), uvk_err_name(rc));
  if (failed && c->assign_gen == gen) back_off_part(c, ps);
  batch_reader_free(&br);
  if (kept) {
    // The largest chunk stays for the next answer, up to 64 MiB; the views in it are dead.
    arena_reset(&arena);
    if (arena.head && arena.end - arena.cur > (ptrdiff_t(64) << 20)) arena_free(&arena);
    c->deliver_arena_busy = false;
  } else {
    arena_free(&arena);
  }
  arena_free(&ab_arena);
  return corrupt;
}

}  // namespace uvk
