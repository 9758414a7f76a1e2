// What other C ABI objects (producer, later consumer and admin) need from a uvk_client.
#pragma once
#include <stdint.h>

#include "common/alloc.h"
#include "engine/engine.h"

struct uvk_client;

namespace uvk {

struct IoDriver;
IoDriver *client_io(uvk_client *c);
struct ClientStats;
ClientStats *client_stats(uvk_client *c);  // capi/stats.h

Engine *client_engine(uvk_client *c);
// The loop's clock (what the engine runs on).
uint64_t client_now(uvk_client *c);
const Allocator *client_alloc(uvk_client *c);
bool client_closing(uvk_client *c);
// uvk_client_off without the freed-handle check (an admin drops its listeners on free).
int client_off(uvk_client *c, int64_t listener);

// KIP-714 telemetry (lib/capi/telemetry.cc): a producer's connect or a consumer's run asks
// the brokers for a metrics subscription, once per client, unless enableMetricsPush is off.
enum ClientKind { kClientKindProducer = 1, kClientKindConsumer = 2 };
void client_telemetry_start(uvk_client *c, int kind);
int client_telemetry_kinds(const uvk_client *c);
// What telemetry counts itself from the engine's events (lib/capi/telemetry.cc).
struct LatencyWindow {
  int64_t sum, cnt, max;  // ms from a request's write to its response, since the previous push
};
struct TelemetryCounters {
  LatencyWindow fetch;   // Fetch requests
  LatencyWindow commit;  // OffsetCommit requests
};
TelemetryCounters *client_telemetry_counters(uvk_client *c);
void telemetry_counters_on_event(TelemetryCounters *t, const EngineEvent *ev);
struct Telemetry;
Telemetry *client_telemetry(uvk_client *c);
struct TelemetrySink;
// Offers the client's metrics (ud: the uvk_client).
void client_telemetry_collect(void *ud, TelemetrySink *s);

// Frees from inside callbacks. While the library's code runs (a loop callback into the
// client, or a call that may reach the application's code), a handle freed is only queued
// here; it is released once that code has returned, so nothing still running touches freed
// memory. The client itself goes after its last producer, consumer and admin.
struct DeferredFree {
  DeferredFree *next;
  void (*release)(void *handle);
  void *handle;
};
bool client_busy(const uvk_client *c);
// Queues `d` (its fields set); runs it when the client is no longer busy.
void client_defer_free(uvk_client *c, DeferredFree *d);
void client_child_added(uvk_client *c);
void client_child_released(uvk_client *c);  // the client may go once it is not busy
void client_enter(uvk_client *c);
// `now`: run what was freed meanwhile before returning (a free call); otherwise it waits for
// the loop's next turn, so an API call never completes its own work from inside itself.
void client_leave(uvk_client *c, bool now);

// The client's busy count for the span of an API call that may call the application.
struct ClientScope {
  uvk_client *c;
  bool now;
  ClientScope(uvk_client *client, bool release_now) : c(client), now(release_now) { client_enter(c); }
  ~ClientScope() { client_leave(c, now); }
  ClientScope(const ClientScope &) = delete;
  ClientScope &operator=(const ClientScope &) = delete;
};

// A freed producer, consumer, admin or share consumer (`node` in it): released now, or queued
// while the client is busy (then false: the caller stops it calling the application).
bool client_free_child(uvk_client *c, DeferredFree *node, void (*release)(void *handle), void *handle);

}  // namespace uvk
