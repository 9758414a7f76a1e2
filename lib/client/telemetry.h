// KIP-714 client telemetry, without I/O: GetTelemetrySubscriptions to any broker, then every
// PushIntervalMs a PushTelemetry of the metrics whose names start with one of the
// subscription's prefixes, as OTLP protobuf (client/otlp.h), compressed with the first of the
// broker's accepted types this build supports, and one terminating push on close.
//
//   IDLE --start--> SUBSCRIBING --answer--> WAITING --interval--> PUSHING --answer--> WAITING
//   empty subscription: WAITING re-subscribes after the interval instead of pushing
//   UNKNOWN_SUBSCRIPTION_ID, UNSUPPORTED_COMPRESSION_TYPE: re-subscribe at once
//   INVALID_REQUEST, INVALID_RECORD, UNSUPPORTED_VERSION, a broker without the API: OFF
//   TELEMETRY_TOO_LARGE, THROTTLING_QUOTA_EXCEEDED, other errors: the next push after the
//   interval (a throttle time longer than the interval waits that long)
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "client/otlp.h"
#include "common/arena.h"
#include "common/buf.h"
#include "engine/engine.h"
#include "proto/wire.h"

namespace uvk {

const char *const kTelemetryPrefix = "org.apache.kafka.";

// One value the client offers: sums are cumulative since the client started (a delta
// subscription gets the difference to the previous push), gauges are the value now.
struct TelemetryValue {
  const char *name;         // the full name, "org.apache.kafka.producer...."
  const char *description;
  const char *unit;
  bool sum;
  bool is_double;
  double d;
  int64_t i;
  OtlpAttr attrs[3];
  size_t n_attrs;
};

struct TelemetrySink;
// Whether the subscription wants `name`: a collector may skip computing what it does not.
bool telemetry_wants(const TelemetrySink *s, const char *name);
void telemetry_add(TelemetrySink *s, const TelemetryValue &v);
// Whether this collection is a real push (windows the collector keeps start anew after it),
// not a dry run (telemetry_encode).
bool telemetry_sink_pushing(const TelemetrySink *s);
typedef void (*TelemetryCollectFn)(void *ud, TelemetrySink *s);

enum TelemetryState { kTelemetryIdle, kTelemetrySubscribing, kTelemetryWaiting, kTelemetryPushing, kTelemetryOff };

struct TelemetryLast;  // previous values of the sums, for delta temporality

struct Telemetry {
  Engine *e = nullptr;
  const Allocator *alloc = nullptr;
  TelemetryCollectFn collect = nullptr;
  void *collect_ud = nullptr;
  const OtlpAttr *resource = nullptr;  // borrowed, lives as long as the owner
  size_t n_resource = 0;
  TelemetryState state = kTelemetryIdle;
  proto::Uuid instance_id = {};
  int32_t subscription_id = 0;
  int8_t compression = 0;          // the codec pushes use
  uint8_t refused_codecs = 0;      // codecs a broker refused (UNSUPPORTED_COMPRESSION_TYPE), by bit
  int32_t push_interval_ms = 0;
  int32_t max_bytes = 0;
  bool delta = false;
  bool all = false;                // "*" in the requested metrics
  char **prefixes = nullptr;       // owned
  size_t n_prefixes = 0;
  uint64_t start_ns = 0;           // wall clock when telemetry started (cumulative start)
  uint64_t last_push_ns = 0;       // the previous push's time (delta start)
  TelemetryLast *last = nullptr;
  size_t n_last = 0, cap_last = 0;
  EngineTimer timer;
  uint32_t ready_wait_ms = 0;      // the wait before looking for a ready connection again
  bool in_flight = false;
  bool terminating = false;        // the push in flight is the last one
  void (*closed)(void *ud) = nullptr;  // telemetry_close's callback
  void *closed_ud = nullptr;
  Buf payload, packed;             // OTLP bytes, then compressed
  // What happened, for tests and logs.
  uint32_t subscriptions = 0, pushes = 0, push_errors = 0;
  int16_t last_error = 0;
  int32_t last_metrics = 0;        // metrics in the latest push
};

void telemetry_init(Telemetry *t, Engine *e, const Allocator *a, TelemetryCollectFn collect, void *ud);
// Asks for a subscription (once; later calls do nothing).
void telemetry_start(Telemetry *t, uint64_t now);
// The terminating push when there is a subscription with metrics: 0, and closed(ud) runs
// once it is answered or failed (never inside this call); 1 when there is nothing to push.
int telemetry_close(Telemetry *t, void (*closed)(void *ud), void *ud, uint64_t now);
// Cancels what is in flight (its answer is dropped) and frees everything.
void telemetry_free(Telemetry *t);

// For tests: the OTLP bytes a push would carry now (uncompressed), without sending.
int telemetry_encode(Telemetry *t, Buf *out, uint64_t now_ns);

}  // namespace uvk
