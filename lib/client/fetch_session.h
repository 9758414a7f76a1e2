// Incremental fetch sessions (KIP-227), one per broker a consumer fetches from. The broker
// remembers which partitions a session fetches and from which offsets, so after the first
// (full) request a consumer sends only what changed: partitions that are new or whose fetch
// offset moved, and the partitions to forget. The broker answers only partitions with news.
//
// I/O-free: the consumer plans a request from the partitions it wants, sends it, and
// commits the plan when the answer is good, or resets the session when it is not.
#pragma once
#include <stdint.h>

#include "common/alloc.h"
#include "common/arena.h"

namespace uvk {

struct FetchSessionPart {
  const char *topic;  // borrowed; compared by content
  int32_t partition;
  int64_t offset;     // the fetch offset the broker has for it
};

struct FetchSession {
  int32_t node = -1;
  int32_t id = 0;     // 0: none yet
  int32_t epoch = 0;  // 0: the next request is full (and asks for a new session)
  FetchSessionPart *parts = nullptr;  // what the broker's session fetches
  int32_t n = 0;
  int32_t cap = 0;
};

// One request's worth of session bookkeeping.
struct FetchPlan {
  bool full;           // every wanted partition goes on the wire
  int32_t session_id;  // the request's session id and epoch
  int32_t epoch;
  int32_t *send;       // indexes into the wanted array of the partitions to put on the wire
  int32_t n_send;
  FetchSessionPart *forget;  // session partitions no longer wanted
  int32_t n_forget;
};

// Plans a request for `want` (each partition at most once). `sessions_supported` false
// (Fetch below v7) gives a full sessionless request. Arrays live in `arena`.
int fetch_session_plan(const FetchSession *s, const FetchSessionPart *want, int32_t n_want, bool sessions_supported,
                       Arena *arena, FetchPlan *out);

// The broker accepted the planned request and answered with `response_session_id`: the
// session now fetches exactly `want`, and the next request is incremental if there is a
// session. 0 or UVK_ENOMEM (then the session is reset).
int fetch_session_commit(FetchSession *s, const FetchPlan &plan, int32_t response_session_id,
                         const FetchSessionPart *want, int32_t n_want, const Allocator *alloc);

// After a failed request or a session error: the next request is full. The old id is kept
// so that request closes the broker's session instead of leaving it to expire.
void fetch_session_reset(FetchSession *s);

void fetch_session_free(FetchSession *s, const Allocator *alloc);

}  // namespace uvk
