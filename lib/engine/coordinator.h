// Coordinator lookup (FindCoordinator): which broker coordinates a consumer group or a
// transactional id. Answers are cached until invalidated (NOT_COORDINATOR from that broker,
// or the connection to it lost), or until the broker list no longer names that node. Lookups made in the same loop turn go out as one request
// with every key (FindCoordinator v4+, KIP-699); a broker (or protocolVersionCap) without
// v4 gets one v0-v3 request per key instead.
#pragma once
#include <stdint.h>

#include "engine/engine.h"

struct uvk_error;

namespace uvk {

enum CoordinatorType : int8_t { kCoordinatorGroup = 0, kCoordinatorTransaction = 1 };

// err null on success with the coordinator's node id (reachable through engine_send);
// borrowed for the call.
typedef void (*CoordinatorFn)(void *ud, const uvk_error *err, int32_t node_id);

// Finds the coordinator of `key`, retrying COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_
// PROGRESS, NOT_COORDINATOR and connection errors by the retry policy. Completes through fn
// exactly once, never from inside this call (also on a cache hit). 0, UVK_EINVAL,
// UVK_ENOMEM or UVK_ECLOSED (fn not called).
int coordinator_find(Engine *e, CoordinatorType type, const char *key, CoordinatorFn fn, void *ud,
                     uint64_t now);
// Withdraws the lookup made with fn and ud: fn will not be called. A request already asking
// for it still completes (and caches its answer). false when no such lookup is running.
bool coordinator_cancel(Engine *e, CoordinatorFn fn, void *ud);
// Forgets the cached coordinator of key (after NOT_COORDINATOR and the like).
void coordinator_invalidate(Engine *e, CoordinatorType type, const char *key);
// The cached coordinator of key, or -1.
int32_t coordinator_cached(const Engine *e, CoordinatorType type, const char *key);
// How many FindCoordinator requests went out (for tests and debugging).
uint64_t coordinator_requests_sent(const Engine *e);
// Of those, the requests that carried at least one lookup's first attempt (retries after an
// error not counted): what batching decides, whatever the broker's state.
uint64_t coordinator_first_requests_sent(const Engine *e);
// Frees the cache and fails pending lookups with UVK_ECLOSED (engine_free calls it).
void coordinator_state_free(Engine *e);

}  // namespace uvk
