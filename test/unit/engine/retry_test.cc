#include <catch2/catch.hpp>

#include <math.h>
#include <stdlib.h>

#include "engine/kafka_errors.h"
#include "engine/retry.h"

using namespace uvk;

// The table of retry times for default values in the KafkaJS documentation ("Retry
// (detailed)"): retry #1 is a flat initialRetryTime, then each row widens by
// prev*(1-factor)*multiplier .. prev*(1+factor)*multiplier.
static const int64_t kDocTable[5][2] = {
    {300, 300}, {480, 720}, {768, 1728}, {1229, 4147}, {1966, 9953}};

TEST_CASE("retry: the documented table of wait ranges holds for many seeds", "[retry]") {
  RetryOptions o;  // KafkaJS defaults
  // The exact bounds of the algorithm: each step draws from [prev*(1-f), prev*(1+f)),
  // rounds up, then multiplies. The documentation rounds its products to the nearest
  // millisecond instead, so its upper rows may sit up to 3 ms inside ours.
  int64_t exact[5][2] = {{300, 300}};
  for (int n = 1; n < 5; n++) {
    exact[n][0] = int64_t(ceil(double(exact[n - 1][0]) * 0.8)) * 2;
    exact[n][1] = int64_t(ceil(double(exact[n - 1][1]) * 1.2)) * 2;
  }
  for (int n = 0; n < 5; n++) {
    INFO("retry #" << n + 1);
    CHECK(llabs(exact[n][0] - kDocTable[n][0]) <= 3);
    CHECK(llabs(exact[n][1] - kDocTable[n][1]) <= 3);
  }
  int64_t seen_min[5], seen_max[5];
  for (int i = 0; i < 5; i++) seen_min[i] = INT64_MAX, seen_max[i] = 0;
  for (uint64_t seed = 1; seed <= 5000; seed++) {
    Rng r;
    rng_seed(&r, seed);
    int64_t wait = o.initial_retry_time;  // the table's flat first retry
    for (int n = 0; n < 5; n++) {
      if (n > 0) wait = retry_next_wait(o, wait, &r);
      INFO("seed " << seed << " retry #" << n + 1 << " wait " << wait);
      REQUIRE(wait >= exact[n][0]);
      REQUIRE(wait <= exact[n][1]);
      REQUIRE(wait >= kDocTable[n][0]);
      if (wait < seen_min[n]) seen_min[n] = wait;
      if (wait > seen_max[n]) seen_max[n] = wait;
    }
  }
  // The randomness really spreads over the range (not a constant).
  for (int n = 1; n < 5; n++) {
    CHECK(seen_max[n] - seen_min[n] > (kDocTable[n][1] - kDocTable[n][0]) / 4);
  }
}

TEST_CASE("retry: the first wait is randomized around initialRetryTime", "[retry]") {
  RetryOptions o;
  int64_t lo = INT64_MAX, hi = 0;
  for (uint64_t seed = 0; seed < 2000; seed++) {
    Rng r;
    rng_seed(&r, seed);
    int64_t w = retry_first_wait(o, &r);
    REQUIRE(w >= 240);
    REQUIRE(w <= 360);
    lo = w < lo ? w : lo;
    hi = w > hi ? w : hi;
  }
  CHECK(lo < 260);
  CHECK(hi > 340);
}

TEST_CASE("retry: a full schedule stays within the envelope and the cap", "[retry]") {
  RetryOptions o;
  o.retries = 12;
  for (uint64_t seed = 0; seed < 500; seed++) {
    Rng r;
    rng_seed(&r, seed);
    RetryState s;
    retry_start(&s, o, &r);
    double env_lo = 240, env_hi = 360;  // envelope of the wait about to be used
    for (int n = 0; n < o.retries; n++) {
      int64_t w = 0;
      REQUIRE(retry_on_failure(&s, o, &r, true, &w) == RetryVerdict::kRetry);
      REQUIRE(w <= o.max_retry_time);
      REQUIRE(double(w) >= fmin(floor(env_lo), double(o.max_retry_time)));
      REQUIRE(double(w) <= fmin(ceil(env_hi), double(o.max_retry_time)));
      env_lo = env_lo * 0.8 * 2;
      env_hi = ceil(env_hi * 1.2) * 2;
    }
    int64_t w = 0;
    REQUIRE(retry_on_failure(&s, o, &r, true, &w) == RetryVerdict::kExhausted);
    CHECK(s.count == o.retries);
    CHECK(w == o.max_retry_time);  // long since capped
  }
}

TEST_CASE("retry: retries counts retries, not attempts", "[retry]") {
  RetryOptions o;  // retries 5 => 6 attempts
  Rng r;
  rng_seed(&r, 42);
  RetryState s;
  retry_start(&s, o, &r);
  int attempts = 1;
  int64_t w;
  RetryVerdict v;
  while ((v = retry_on_failure(&s, o, &r, true, &w)) == RetryVerdict::kRetry) attempts++;
  CHECK(v == RetryVerdict::kExhausted);
  CHECK(attempts == 6);

  o.retries = 0;
  retry_start(&s, o, &r);
  CHECK(retry_on_failure(&s, o, &r, true, &w) == RetryVerdict::kExhausted);
}

TEST_CASE("retry: a non-retriable error gives up at once", "[retry]") {
  RetryOptions o;
  Rng r;
  rng_seed(&r, 7);
  RetryState s;
  retry_start(&s, o, &r);
  int64_t w;
  CHECK(retry_on_error(&s, o, &r, UVK_ERR_KAFKA(UVK_KAFKA_NOT_LEADER_OR_FOLLOWER), &w) ==
        RetryVerdict::kRetry);
  CHECK(retry_on_error(&s, o, &r, UVK_ERR_KAFKA(UVK_KAFKA_TOPIC_AUTHORIZATION_FAILED), &w) ==
        RetryVerdict::kGiveUp);
  CHECK(retry_on_error(&s, o, &r, UVK_EINVAL, &w) == RetryVerdict::kGiveUp);
  CHECK(retry_on_error(&s, o, &r, UVK_ETIMEDOUT, &w) == RetryVerdict::kRetry);
  CHECK(s.count == 2);
}

TEST_CASE("retry: the same seed replays the same schedule", "[retry]") {
  RetryOptions o;
  Rng a, b, c;
  rng_seed(&a, 99);
  rng_seed(&b, 99);
  rng_seed(&c, 100);
  bool differs = false;
  int64_t wa = retry_first_wait(o, &a), wb = retry_first_wait(o, &b), wc = retry_first_wait(o, &c);
  CHECK(wa == wb);
  differs |= wa != wc;
  for (int i = 0; i < 8; i++) {
    wa = retry_next_wait(o, wa, &a);
    wb = retry_next_wait(o, wb, &b);
    wc = retry_next_wait(o, wc, &c);
    CHECK(wa == wb);
    differs |= wa != wc;
  }
  CHECK(differs);
}

TEST_CASE("retry: factor 0 and multiplier 1 give a constant wait", "[retry]") {
  RetryOptions o;
  o.factor = 0;
  o.multiplier = 1;
  o.initial_retry_time = 250;
  Rng r;
  rng_seed(&r, 1);
  RetryState s;
  retry_start(&s, o, &r);
  for (int i = 0; i < 5; i++) {
    int64_t w;
    REQUIRE(retry_on_failure(&s, o, &r, true, &w) == RetryVerdict::kRetry);
    CHECK(w == 250);
  }
}

TEST_CASE("retry: rng_unit is in [0, 1) and roughly uniform", "[retry]") {
  Rng r;
  rng_seed(&r, 0);
  int buckets[10] = {0};
  for (int i = 0; i < 100000; i++) {
    double u = rng_unit(&r);
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    buckets[int(u * 10)]++;
  }
  for (int b : buckets) {
    CHECK(b > 9000);
    CHECK(b < 11000);
  }
}

TEST_CASE("retry: running out keeps the last cause in the error object", "[retry]") {
  uvk_error *last = error_kafka(nullptr, UVK_KAFKA_LEADER_NOT_AVAILABLE, "election", 8);
  REQUIRE(last);
  uvk_error *e = error_retries_exceeded(nullptr, last, 5, 9000);
  REQUIRE(e);
  error_release(last);  // e holds its own reference
  CHECK(e->code == UVK_ERETRIES);
  CHECK_FALSE(e->retriable);
  CHECK(e->retry_count == 5);
  CHECK(e->retry_time == 9000);
  REQUIRE(e->cause);
  CHECK(e->cause->kafka_code == UVK_KAFKA_LEADER_NOT_AVAILABLE);
  CHECK(e->cause->retriable);
  error_release(e);
}
