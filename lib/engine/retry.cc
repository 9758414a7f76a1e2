// KafkaJS retry schedule; see retry.h.
#include "engine/retry.h"

#include <math.h>

#include "engine/kafka_errors.h"

namespace uvk {

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void rng_seed(Rng *r, uint64_t seed) {
  r->s[0] = splitmix64(&seed);
  r->s[1] = splitmix64(&seed);
  if (r->s[0] == 0 && r->s[1] == 0) r->s[1] = 1;
}

// xorshift128+
uint64_t rng_next(Rng *r) {
  uint64_t a = r->s[0];
  const uint64_t b = r->s[1];
  r->s[0] = b;
  a ^= a << 23;
  r->s[1] = a ^ b ^ (a >> 17) ^ (b >> 26);
  return r->s[1] + b;
}

double rng_unit(Rng *r) { return double(rng_next(r) >> 11) * (1.0 / 9007199254740992.0); }

static int64_t clamp_ms(double v) {
  if (!(v > 0)) return 0;  // also NaN
  if (v >= 9.2e18) return INT64_MAX;
  return int64_t(v);
}

int64_t retry_randomize(const RetryOptions &o, int64_t t, Rng *r) {
  double delta = o.factor * double(t);
  double lo = double(t) - delta, hi = double(t) + delta;
  return clamp_ms(ceil(lo + rng_unit(r) * (hi - lo)));
}

int64_t retry_first_wait(const RetryOptions &o, Rng *r) {
  return retry_randomize(o, o.initial_retry_time, r);
}

int64_t retry_next_wait(const RetryOptions &o, int64_t prev, Rng *r) {
  int64_t next = clamp_ms(double(retry_randomize(o, prev, r)) * o.multiplier);
  return next < o.max_retry_time ? next : o.max_retry_time;
}

void retry_start(RetryState *s, const RetryOptions &o, Rng *r) {
  s->count = 0;
  s->wait = retry_first_wait(o, r);
}

RetryVerdict retry_on_failure(RetryState *s, const RetryOptions &o, Rng *r, bool retriable,
                              int64_t *wait_ms) {
  *wait_ms = s->wait;
  if (!retriable) return RetryVerdict::kGiveUp;
  if (s->count >= o.retries) return RetryVerdict::kExhausted;
  s->count++;
  s->wait = retry_next_wait(o, s->wait, r);
  return RetryVerdict::kRetry;
}

RetryVerdict retry_on_error(RetryState *s, const RetryOptions &o, Rng *r, int err,
                            int64_t *wait_ms) {
  return retry_on_failure(s, o, r, err_retriable(err), wait_ms);
}

}  // namespace uvk
