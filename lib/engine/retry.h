// KafkaJS's retry schedule as pure functions over an injected random source.
//
// With options {initialRetryTime, factor, multiplier, maxRetryTime, retries}:
//   first wait  = ceil(Random(initial * (1 - factor), initial * (1 + factor)))
//   next wait   = min(ceil(Random(prev * (1 - factor), prev * (1 + factor))) * multiplier,
//                     maxRetryTime)
// An operation runs at most retries + 1 times. After a failure: a non-retriable error
// ends the operation with that error; a retriable one waits the current wait and tries
// again while fewer than `retries` retries were made; otherwise the operation fails with
// UVK_ERETRIES ("number of retries exceeded"), keeping the last error as its cause.
#pragma once
#include <stdint.h>

namespace uvk {

struct RetryOptions {
  int64_t max_retry_time = 30000;    // ms
  int64_t initial_retry_time = 300;  // ms
  double factor = 0.2;
  double multiplier = 2;
  int32_t retries = 5;
};

// A small seeded PRNG (xoshiro128-style state, splitmix64 seeding). Deterministic for a
// seed, so tests and the simulated cluster replay exactly.
struct Rng {
  uint64_t s[2];
};
void rng_seed(Rng *r, uint64_t seed);
uint64_t rng_next(Rng *r);
// Uniform in [0, 1).
double rng_unit(Rng *r);

// ceil(Random(t * (1 - factor), t * (1 + factor))); the range is half-open like
// Math.random(), and ceil makes the result land in [ceil(lo), ceil(hi)].
int64_t retry_randomize(const RetryOptions &o, int64_t t, Rng *r);
// The wait before the first retry.
int64_t retry_first_wait(const RetryOptions &o, Rng *r);
// The wait after `prev` (the one just used).
int64_t retry_next_wait(const RetryOptions &o, int64_t prev, Rng *r);

struct RetryState {
  int32_t count = 0;  // retries made so far
  int64_t wait = 0;   // the wait before the next retry
};

void retry_start(RetryState *s, const RetryOptions &o, Rng *r);

// The outcome of one failed attempt.
enum class RetryVerdict {
  kRetry,      // wait *wait_ms, then attempt again
  kGiveUp,     // the error is not retriable: fail with it
  kExhausted,  // retriable, but the retries are spent: fail with UVK_ERETRIES
};
// `retriable` is whether the attempt's error may succeed later (err_retriable() for a
// code). On kRetry, *wait_ms is the wait and the state advances; on kExhausted,
// *wait_ms is the retry time to report (KafkaJS's retryTime) and s->count the retry
// count.
RetryVerdict retry_on_failure(RetryState *s, const RetryOptions &o, Rng *r, bool retriable,
                              int64_t *wait_ms);

// Same, deciding retriable from an int error code (UVK_E* or UVK_ERR_KAFKA(n)).
RetryVerdict retry_on_error(RetryState *s, const RetryOptions &o, Rng *r, int err,
                            int64_t *wait_ms);

}  // namespace uvk
