// KIP-227 bookkeeping: which partitions go on the wire, which are forgotten, and the
// session id / epoch of each request.
#include "client/fetch_session.h"

#include <string.h>

#include "uvkafka/uvk_errors.h"

namespace uvk {

namespace {

const int32_t kFinalEpoch = -1;  // sessionless full request

uint32_t part_hash(const char *topic, int32_t partition) {
  uint32_t h = 2166136261u;  // FNV-1a over the name, then the partition
  for (const char *s = topic; *s; s++) h = (h ^ uint8_t(*s)) * 16777619u;
  return (h ^ uint32_t(partition)) * 2654435761u;
}

bool same_part(const FetchSessionPart &a, const char *topic, int32_t partition) {
  return a.partition == partition && (a.topic == topic || strcmp(a.topic, topic) == 0);
}

// An open-addressing index over the session's partitions: slot -> index + 1 (0 = empty).
struct Index {
  int32_t *slots;
  uint32_t mask;
};

bool index_build(const FetchSession *s, Arena *arena, Index *ix) {
  uint32_t size = 16;
  while (size < uint32_t(s->n) * 2) size <<= 1;
  ix->slots = arena_new_array<int32_t>(arena, size);  // zero-filled: all empty
  ix->mask = size - 1;
  if (!ix->slots) return false;
  for (int32_t i = 0; i < s->n; i++) {
    uint32_t h = part_hash(s->parts[i].topic, s->parts[i].partition) & ix->mask;
    while (ix->slots[h]) h = (h + 1) & ix->mask;
    ix->slots[h] = i + 1;
  }
  return true;
}

int32_t index_find(const FetchSession *s, const Index &ix, const char *topic, int32_t partition) {
  uint32_t h = part_hash(topic, partition) & ix.mask;
  for (; ix.slots[h]; h = (h + 1) & ix.mask)
    if (same_part(s->parts[ix.slots[h] - 1], topic, partition)) return ix.slots[h] - 1;
  return -1;
}

}  // namespace

int fetch_session_plan(const FetchSession *s, const FetchSessionPart *want, int32_t n_want, bool sessions_supported,
                       Arena *arena, FetchPlan *out) {
  memset(out, 0, sizeof *out);
  out->send = arena_new_array<int32_t>(arena, size_t(n_want) + 1);
  if (!out->send) return UVK_ENOMEM;
  bool incremental = sessions_supported && s->id != 0 && s->epoch > 0;
  if (!incremental) {
    out->full = true;
    out->session_id = sessions_supported ? s->id : 0;
    out->epoch = sessions_supported ? 0 : kFinalEpoch;
    for (int32_t i = 0; i < n_want; i++) out->send[i] = i;
    out->n_send = n_want;
    return 0;
  }
  out->session_id = s->id;
  out->epoch = s->epoch;
  Index ix;
  bool *kept = arena_new_array<bool>(arena, size_t(s->n) + 1);
  out->forget = arena_new_array<FetchSessionPart>(arena, size_t(s->n) + 1);
  if (!kept || !out->forget || !index_build(s, arena, &ix)) return UVK_ENOMEM;
  for (int32_t i = 0; i < n_want; i++) {
    int32_t at = index_find(s, ix, want[i].topic, want[i].partition);
    if (at >= 0) kept[at] = true;
    if (at < 0 || s->parts[at].offset != want[i].offset) out->send[out->n_send++] = i;
  }
  for (int32_t i = 0; i < s->n; i++)
    if (!kept[i]) out->forget[out->n_forget++] = s->parts[i];
  return 0;
}

int fetch_session_commit(FetchSession *s, const FetchPlan &plan, int32_t response_session_id,
                         const FetchSessionPart *want, int32_t n_want, const Allocator *alloc) {
  if (plan.epoch == kFinalEpoch || response_session_id == 0) {
    // No session (old broker, or its session cache is full): the next request is full again.
    s->id = 0;
    s->epoch = 0;
    s->n = 0;
    return 0;
  }
  if (n_want > s->cap) {
    int32_t cap = n_want < 16 ? 16 : n_want;
    void *p = mem_realloc(alloc, s->parts, sizeof(FetchSessionPart) * size_t(cap));
    if (!p) {
      fetch_session_reset(s);
      return UVK_ENOMEM;
    }
    s->parts = static_cast<FetchSessionPart *>(p);
    s->cap = cap;
  }
  if (n_want) memcpy(s->parts, want, sizeof(FetchSessionPart) * size_t(n_want));
  s->n = n_want;
  s->id = response_session_id;
  // Epochs run 1, 2, ... INT32_MAX, then wrap to 1 (0 and -1 have their own meanings).
  s->epoch = plan.full || plan.epoch == INT32_MAX ? 1 : plan.epoch + 1;
  return 0;
}

void fetch_session_reset(FetchSession *s) {
  s->epoch = 0;
  s->n = 0;
}

void fetch_session_free(FetchSession *s, const Allocator *alloc) {
  mem_free(alloc, s->parts);
  s->parts = nullptr;
  s->n = s->cap = 0;
  s->id = 0;
  s->epoch = 0;
}

}  // namespace uvk
