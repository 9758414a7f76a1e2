// The share consumer's life cycle (new, subscribe, run, close, free), its acknowledgement
// bookkeeping, and delivery: the acquired records of a ShareFetch answer become
// uvk_share_record views for the handler, one record batch at a time; what the handler
// returns (or acknowledges itself) becomes the acknowledgement the next request carries.
#include <stdarg.h>
#include <string.h>

#include <new>

#include "client/record_headers.h"
#include "client/share_internal.h"
#include "codec/codec.h"
#include "engine/kafka_errors.h"
#include "engine/log.h"
#include "proto/records.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

namespace {

// Acquired offsets one partition's answer may name: a hostile broker's ranges are capped
// before anything is allocated for them.
const int64_t kMaxAcquired = 1 << 20;

template <class T>
bool grow(const Allocator *a, T **items, int32_t n, int32_t *cap) {
  if (n < *cap) return true;
  int32_t want = *cap ? *cap * 2 : 16;
  T *bigger = static_cast<T *>(mem_alloc(a, sizeof(T) * size_t(want)));
  if (!bigger) return false;
  if (n) memcpy(bigger, *items, sizeof(T) * size_t(n));
  mem_free(a, *items);
  *items = bigger;
  *cap = want;
  return true;
}

}  // namespace

SharePending *share_pending_new(ShareConsumer *s, int kind) {
  void *mem = mem_alloc(s->alloc, sizeof(SharePending));
  if (!mem) return nullptr;
  SharePending *p = new (mem) SharePending();
  p->s = s;
  p->alloc = s->alloc;
  p->kind = kind;
  p->arena.alloc = s->alloc;
  p->arena.limit = 256u << 20;
  p->node = -1;
  p->fences = s->fences;
  p->next = s->pending;
  if (s->pending) s->pending->prev = p;
  s->pending = p;
  return p;
}

void share_pending_free(SharePending *p) {
  if (p->s) {
    if (p->prev) p->prev->next = p->next;
    else p->s->pending = p->next;
    if (p->next) p->next->prev = p->prev;
  }
  const Allocator *a = p->alloc;
  for (int32_t i = 0; i < p->n_sent; i++) mem_free(a, p->sent[i].acks);
  mem_free(a, p->sent);
  mem_free(a, p->added);
  mem_free(a, p->forgot);
  arena_free(&p->arena);
  p->~SharePending();
  mem_free(a, p);
}

void share_log(ShareConsumer *s, int level, const char *fmt, ...) {
  Logger *l = s->e->hooks.log;
  if (!l || !log_enabled(l, level)) return;
  LogField f[2] = {{"groupId", s->group_id, false}, {"memberId", s->member_id, false}};
  va_list ap;
  va_start(ap, fmt);
  log_emitv(l, level, "ShareConsumer", f, 2, fmt, ap);
  va_end(ap);
}

void share_crash(ShareConsumer *s, int code, const char *broker_message) {
  share_log(s, UVK_LOG_ERROR, "Crash: %s", uvk_err_name(code));
  s->state = kShareClosed;
  engine_cancel_timer(s->e, &s->heartbeat_timer);
  engine_cancel_timer(s->e, &s->fetch_timer);
  engine_cancel_timer(s->e, &s->meta_timer);
  size_t mlen = broker_message ? strlen(broker_message) : 0;
  uvk_error *err = code <= UVK_ERR_KAFKA(0) ? error_kafka(s->alloc, int(UVK_ERR_KAFKA_CODE(code)), broker_message, mlen)
                                            : error_new(s->alloc, code, 0, broker_message, mlen, nullptr);
  if (ShareDoneFn fn = s->close_fn) {  // a close in progress ends with the failure
    s->close_fn = nullptr;
    fn(s->close_ud, err);
  } else if (s->hooks.crashed && !s->detached) {
    s->hooks.crashed(s->hooks.owner, err);
  }
  if (err) error_release(err);
}

SharePart *share_part_find(ShareConsumer *s, const char *topic, int32_t partition) {
  for (int32_t i = 0; i < s->n_parts; i++)
    if (s->parts[i]->partition == partition && strcmp(s->parts[i]->topic, topic) == 0) return s->parts[i];
  return nullptr;
}

SharePart *share_part_get(ShareConsumer *s, const char *topic, const uint8_t *topic_id, int32_t partition) {
  if (SharePart *p = share_part_find(s, topic, partition)) return p;
  if (!grow(s->alloc, &s->parts, s->n_parts, &s->cap_parts)) return nullptr;
  void *mem = mem_alloc(s->alloc, sizeof(SharePart));
  if (!mem) return nullptr;
  SharePart *p = new (mem) SharePart();
  p->topic = topic;
  memcpy(p->topic_id, topic_id, 16);
  p->partition = partition;
  p->session_node = p->forget_node = -1;
  s->parts[s->n_parts++] = p;
  return p;
}

bool share_queue_ack(ShareConsumer *s, SharePart *p, int64_t offset, int8_t type) {
  if (!grow(s->alloc, &p->acks, p->n_acks, &p->cap_acks)) return false;
  // Kept in offset order: the request's batches are runs of consecutive offsets.
  int32_t at = p->n_acks;
  while (at > 0 && p->acks[at - 1].offset > offset) at--;
  if (at > 0 && p->acks[at - 1].offset == offset) {
    p->acks[at - 1].type = type;  // a renewal followed by the final word
    return true;
  }
  memmove(&p->acks[at + 1], &p->acks[at], sizeof(ShareAck) * size_t(p->n_acks - at));
  p->acks[at] = ShareAck{offset, type};
  p->n_acks++;
  return true;
}

namespace {

int32_t held_index(const SharePart *p, int64_t offset) {
  for (int32_t i = 0; i < p->n_held; i++)
    if (p->held[i].offset == offset) return i;
  return -1;
}

// The record's final acknowledgement: it leaves the held set.
void finish(ShareConsumer *s, SharePart *p, int64_t offset, int8_t type) {
  int32_t i = held_index(p, offset);
  if (i < 0) return;
  p->held[i] = p->held[--p->n_held];
  if (!share_queue_ack(s, p, offset, type)) share_log(s, UVK_LOG_ERROR, "No memory for an acknowledgement");
}

uvk_error *error_of(const Allocator *a, int err) {
  if (err == 0) return nullptr;
  if (err <= UVK_ERR_KAFKA(0)) return error_kafka(a, int(UVK_ERR_KAFKA_CODE(err)), nullptr, 0);
  return error_new(a, err, 0, nullptr, 0, nullptr);
}

}  // namespace

void share_report(ShareConsumer *s, const ShareSent &sent, int err) {
  if (!s->hooks.acked || s->detached || sent.n == 0) return;
  int64_t stack[256];
  int64_t *offs = sent.n <= 256 ? stack : static_cast<int64_t *>(mem_alloc(s->alloc, sizeof(int64_t) * size_t(sent.n)));
  if (!offs) return;
  size_t n = 0;
  for (int32_t i = 0; i < sent.n; i++)
    if (sent.acks[i].type != kAckGap && sent.acks[i].type != kAckRenew) offs[n++] = sent.acks[i].offset;
  if (n > 0) {
    uvk_error *e = error_of(s->alloc, err);
    s->hooks.acked(s->hooks.owner, sent.part->topic, sent.part->partition, offs, n, e);
    if (e) error_release(e);
  }
  if (offs != stack) mem_free(s->alloc, offs);
}

void share_part_drop(ShareConsumer *s, SharePart *p, int err) {
  ShareAck *gone = static_cast<ShareAck *>(mem_alloc(s->alloc, sizeof(ShareAck) * size_t(p->n_held + p->n_acks + 1)));
  int32_t n = 0;
  for (int32_t i = 0; gone && i < p->n_acks; i++) gone[n++] = p->acks[i];
  for (int32_t i = 0; gone && i < p->n_held; i++) gone[n++] = ShareAck{p->held[i].offset, kAckRelease};
  if (p->n_acks + p->n_held > 0)
    share_log(s, UVK_LOG_WARN, "%s/%d: %d acquired records lost (%s); the broker delivers them again", p->topic,
              int(p->partition), int(p->n_acks + p->n_held), uvk_err_name(err));
  p->n_acks = p->n_held = 0;
  if (gone) {
    share_report(s, ShareSent{p, gone, n}, err);
    mem_free(s->alloc, gone);
  }
}

namespace {

struct Range {
  int64_t first, last;
  int32_t count;
  int64_t base;  // index of `first` in the seen bitmap
};

// The records of one record batch that were acquired, as views, to the handler.
void hand(ShareConsumer *s, SharePart *p, uvk_share_record *recs, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (!grow(s->alloc, &p->held, p->n_held, &p->cap_held)) {
      share_log(s, UVK_LOG_ERROR, "No memory to hold %s/%d records", p->topic, int(p->partition));
      n = i;
      break;
    }
    p->held[p->n_held++] = ShareHeld{recs[i].offset, recs[i].delivery_count};
  }
  uvk_share_consumer *owner = static_cast<uvk_share_consumer *>(s->hooks.owner);
  if (s->run.each_batch) {
    uvk_share_batch b{p->topic, p->partition, recs, n};
    int rc = s->run.each_batch(owner, &b, s->run.ud);
    if (s->detached || rc == UVK_PENDING) return;
    for (size_t i = 0; i < n; i++) finish(s, p, recs[i].offset, rc == 0 ? kAckAccept : kAckRelease);
    return;
  }
  for (size_t i = 0; i < n && !s->detached && s->state == kShareStable; i++) {
    int rc = s->run.each_record(owner, &recs[i], s->run.ud);
    if (s->detached) return;
    if (rc != UVK_PENDING) finish(s, p, recs[i].offset, rc == 0 ? kAckAccept : kAckRelease);
  }
}

void fill(Arena *arena, const BatchView &b, const RecordView &rec, uvk_share_record *m) {
  m->offset = rec.offset;
  m->timestamp = rec.timestamp;
  m->key = rec.key;
  m->key_len = rec.key ? size_t(rec.key_len) : 0;
  m->value = rec.value;
  m->value_len = rec.value ? size_t(rec.value_len) : 0;
  (void)b;
  m->n_headers = record_headers_copy(arena, rec, &m->headers);
}

}  // namespace

void share_deliver(ShareConsumer *s, SharePart *p, const uint8_t *records, size_t len, const int64_t *first,
                   const int64_t *last, const int16_t *counts, int32_t n_ranges, bool release_all) {
  Arena arena;
  arena.alloc = s->alloc;
  Range *ranges = arena_new_array<Range>(&arena, size_t(n_ranges) + 1);
  int64_t total = 0;
  int32_t nr = 0;
  for (int32_t i = 0; ranges && i < n_ranges; i++) {
    if (first[i] < 0 || last[i] < first[i] || last[i] - first[i] >= kMaxAcquired) continue;
    ranges[nr++] = Range{first[i], last[i], counts[i] > 0 ? counts[i] : 1, total};
    total += last[i] - first[i] + 1;
    if (total > kMaxAcquired) break;
  }
  if (!ranges || total > kMaxAcquired) {
    share_log(s, UVK_LOG_ERROR, "ShareFetch %s/%d: %lld acquired offsets, over the cap: not delivered", p->topic,
              int(p->partition), static_cast<long long>(total));
    arena_free(&arena);
    return;
  }
  if (release_all) {  // closing: every acquired offset goes back at once
    for (int32_t r = 0; r < nr; r++)
      for (int64_t o = ranges[r].first; o <= ranges[r].last; o++) share_queue_ack(s, p, o, kAckRelease);
    arena_free(&arena);
    return;
  }
  bool *seen = arena_new_array<bool>(&arena, size_t(total) + 1);
  if (!seen) {
    arena_free(&arena);
    return;
  }
  memset(seen, 0, size_t(total) + 1);
  BatchReader br;
  br.decompressed.alloc = s->alloc;
  br.legacy_scratch.alloc = s->alloc;
  batch_reader_init(&br, records, len);
  Arena run;
  run.alloc = s->alloc;
  BatchView b;
  int rc = 0;
  bool malformed = false;  // rc is a record's error, already reported
  while (!s->detached && s->state == kShareStable && (rc = batch_next(&br, &b)) == 1) {
    if (b.control()) continue;
    // The count is the broker's word: no more records than are there (batch_record_bound).
    size_t cap = b.count > 0 ? size_t(b.count) : 1;
    if (b.magic == 2) cap = batch_record_bound(b.records, b.records_len, b.count);
    uvk_share_record *recs = arena_new_array<uvk_share_record>(&run, cap);
    if (!recs) break;
    size_t n = 0;
    RecordIter it;
    record_iter_init(&it, &b);
    RecordView rec;
    int rr = 1;
    while (n < cap && (rr = record_next(&it, &rec)) == 1) {
      for (int32_t r = 0; r < nr; r++) {
        if (rec.offset < ranges[r].first || rec.offset > ranges[r].last) continue;
        bool *mark = &seen[ranges[r].base + (rec.offset - ranges[r].first)];
        if (*mark) break;  // a record twice in one answer is handed once
        *mark = true;
        uvk_share_record *m = &recs[n++];
        m->topic = p->topic;
        m->partition = p->partition;
        m->delivery_count = ranges[r].count;
        fill(&run, b, rec, m);
        break;
      }
    }
    // A compressed batch's views live in the reader's buffer until the next batch_next.
    if (n > 0) hand(s, p, recs, n);
    arena_reset(&run);
    if (rr < 0) {  // a malformed record: like a corrupt batch, the rest goes back, never a gap
      share_log(s, UVK_LOG_ERROR, "ShareFetch %s/%d: malformed record in the record batch at offset %lld: %s; "
                "the records after it are released", p->topic, int(p->partition),
                static_cast<long long>(b.base_offset), uvk_err_name(rr));
      rc = rr;
      malformed = true;
      break;
    }
  }
  if (rc < 0 && !malformed)
    share_log(s, UVK_LOG_ERROR, "ShareFetch %s/%d: corrupt record batch: %s; its records are released", p->topic,
              int(p->partition), uvk_err_name(rc));
  // Acquired offsets that held no record (control records, compacted away) are gaps; after a
  // corrupt batch, or when the handler stopped the consumer, what was not handed goes back.
  if (!s->detached)
    for (int32_t r = 0; r < nr; r++)
      for (int64_t o = ranges[r].first; o <= ranges[r].last; o++)
        if (!seen[ranges[r].base + (o - ranges[r].first)])
          share_queue_ack(s, p, o, rc < 0 || s->state != kShareStable ? kAckRelease : kAckGap);
  batch_reader_free(&br);
  arena_free(&run);
  arena_free(&arena);
}

int share_new(Engine *e, const ShareConfig &cfg, const ShareHooks &hooks, const Allocator *a, ShareConsumer **out) {
  *out = nullptr;
  if (!cfg.group_id || !*cfg.group_id) return UVK_EINVAL;
  void *mem = mem_alloc(a, sizeof(ShareConsumer));
  if (!mem) return UVK_ENOMEM;
  ShareConsumer *s = new (mem) ShareConsumer();
  s->e = e;
  s->alloc = a;
  s->cfg = cfg;
  s->hooks = hooks;
  s->group_id = mem_strdup(a, cfg.group_id);
  s->member_id = mem_strdup(a, "");
  if (!s->group_id || !s->member_id) {
    share_free(s);
    return UVK_ENOMEM;
  }
  s->cfg.group_id = s->group_id;
  s->coordinator = -1;
  s->lane = engine_new_lane(e);
  s->fetch_lane = engine_new_lane(e);
  retry_start(&s->group_retry, cfg.retry, &e->rng);
  *out = s;
  return 0;
}

void share_free(ShareConsumer *s) {
  if (!s) return;
  s->detached = true;
  if (ShareDoneFn fn = s->close_fn) {
    s->close_fn = nullptr;
    uvk_error *closed = error_new(s->alloc, UVK_ECLOSED, 0, nullptr, 0, nullptr);
    fn(s->close_ud, closed);
    if (closed) error_release(closed);
  }
  for (SharePending *p = s->pending; p; p = p->next) p->s = nullptr;  // they free themselves
  engine_cancel_timer(s->e, &s->heartbeat_timer);
  engine_cancel_timer(s->e, &s->fetch_timer);
  engine_cancel_timer(s->e, &s->meta_timer);
  const Allocator *a = s->alloc;
  for (int32_t i = 0; i < s->n_parts; i++) {
    mem_free(a, s->parts[i]->acks);
    mem_free(a, s->parts[i]->held);
    mem_free(a, s->parts[i]);
  }
  mem_free(a, s->parts);
  for (int32_t i = 0; i < s->n_subs; i++) mem_free(a, s->subs[i]);
  mem_free(a, s->subs);
  mem_free(a, s->sessions);
  mem_free(a, s->target);
  mem_free(a, s->group_id);
  mem_free(a, s->member_id);
  s->~ShareConsumer();
  mem_free(a, s);
}

void share_detach(ShareConsumer *s) { s->detached = true; }

int share_subscribe(ShareConsumer *s, const char *topic) {
  if (!topic || !*topic) return UVK_EINVAL;
  if (s->state != kShareIdle) return UVK_ESTATE;
  for (int32_t i = 0; i < s->n_subs; i++)
    if (strcmp(s->subs[i], topic) == 0) return 0;
  char **more = static_cast<char **>(mem_alloc(s->alloc, sizeof(char *) * size_t(s->n_subs + 1)));
  char *name = mem_strdup(s->alloc, topic);
  if (!more || !name) {
    mem_free(s->alloc, more);
    mem_free(s->alloc, name);
    return UVK_ENOMEM;
  }
  if (s->n_subs) memcpy(more, s->subs, sizeof(char *) * size_t(s->n_subs));
  mem_free(s->alloc, s->subs);
  s->subs = more;
  s->subs[s->n_subs++] = name;
  return 0;
}

int share_run(ShareConsumer *s, const uvk_share_run_options &opts, uint64_t now) {
  if (s->state != kShareIdle) return UVK_ESTATE;
  if ((opts.each_record == nullptr) == (opts.each_batch == nullptr)) return UVK_EINVAL;
  if (opts.max_records <= 0 || s->n_subs == 0) return UVK_EINVAL;
  s->run = opts;
  share_group_start(s, now);
  return 0;
}

int share_ack(ShareConsumer *s, const char *topic, int32_t partition, int64_t offset, int type, uint64_t now) {
  if (!topic || type < kAckAccept || type > kAckRenew) return UVK_EINVAL;
  SharePart *p = share_part_find(s, topic, partition);
  if (!p || held_index(p, offset) < 0) return UVK_ENOTFOUND;
  if (type == kAckRenew) {
    if (!share_queue_ack(s, p, offset, kAckRenew)) return UVK_ENOMEM;
  } else {
    finish(s, p, offset, int8_t(type));
  }
  // Inside a handler the delivery's end schedules the next request; later, the next turn.
  if (!s->delivering) share_fetch_soon(s, now);
  return 0;
}

size_t share_held(const ShareConsumer *s) {
  size_t n = 0;
  for (int32_t i = 0; i < s->n_parts; i++) n += size_t(s->parts[i]->n_held);
  return n;
}

void share_maybe_leave(ShareConsumer *s, uint64_t now) {
  if (s->state != kShareClosing) return;
  for (int32_t i = 0; i < s->n_sessions; i++) {
    const ShareSession &ss = s->sessions[i];
    if (ss.in_flight || (ss.epoch > 0 && !ss.closed)) return;
  }
  s->state = kShareLeaving;
  share_group_leave(s, now);
}

int share_close(ShareConsumer *s, ShareDoneFn fn, void *ud, uint64_t now) {
  if (s->close_fn) return UVK_ESTATE;
  if (s->state == kShareClosing || s->state == kShareLeaving) return UVK_ESTATE;
  s->close_fn = fn;
  s->close_ud = ud;
  if (s->state == kShareIdle || s->state == kShareClosed) {
    s->state = kShareLeaving;
    share_group_leave(s, now);  // completes on the engine's next turn
    return 0;
  }
  // What was delivered and not acknowledged goes back to the group now.
  for (int32_t i = 0; i < s->n_parts; i++) {
    SharePart *p = s->parts[i];
    while (p->n_held > 0) finish(s, p, p->held[0].offset, kAckRelease);
  }
  s->state = kShareClosing;
  engine_cancel_timer(s->e, &s->meta_timer);
  if (!s->delivering) share_fetch_soon(s, now);  // else the end of the delivery goes on with it
  return 0;
}

const char *share_member_id(const ShareConsumer *s) { return s->member_id; }
int32_t share_member_epoch(const ShareConsumer *s) { return s->member_epoch; }

size_t share_assignment(const ShareConsumer *s, uvk_topic_partition *out, size_t cap) {
  size_t n = 0;
  for (int32_t i = 0; i < s->n_parts; i++) {
    if (!s->parts[i]->assigned) continue;
    if (n < cap) out[n] = uvk_topic_partition{s->parts[i]->topic, s->parts[i]->partition};
    n++;
  }
  return n;
}

}  // namespace uvk
