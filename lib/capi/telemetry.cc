// The metrics a client offers to KIP-714 telemetry, under the Java client's names
// (org.apache.kafka.producer.* and org.apache.kafka.consumer.*): only what the client counts
// itself; docs/operations.md lists what is pushed and what is not.
#include "capi/client_internal.h"
#include "client/telemetry.h"
#include "proto/gen/api_table.h"

namespace uvk {

namespace {

TelemetryValue sum(const char *name, const char *desc, int64_t v) {
  TelemetryValue m{};
  m.name = name;
  m.description = desc;
  m.unit = "1";
  m.sum = true;
  m.i = v;
  return m;
}

TelemetryValue gauge_ms(const char *name, const char *desc, bool is_double, double d, int64_t i) {
  TelemetryValue m{};
  m.name = name;
  m.description = desc;
  m.unit = "ms";
  m.is_double = is_double;
  m.d = d;
  m.i = i;
  return m;
}

void record(LatencyWindow *w, int64_t ms) {
  w->sum += ms;
  w->cnt++;
  if (ms > w->max) w->max = ms;
}

// avg and max of a window with samples (an empty one is not reported: nothing was measured).
void add_window(TelemetrySink *s, LatencyWindow *w, const char *avg_name, const char *max_name, const char *what) {
  if (w->cnt > 0) {
    telemetry_add(s, gauge_ms(avg_name, what, true, double(w->sum) / double(w->cnt), 0));
    telemetry_add(s, gauge_ms(max_name, what, false, 0, w->max));
  }
  if (telemetry_sink_pushing(s)) *w = LatencyWindow{0, 0, 0};
}

}  // namespace

void telemetry_counters_on_event(TelemetryCounters *t, const EngineEvent *ev) {
  if (ev->kind == kEngineEventConnect) t->connects++;
  if (ev->kind != kEngineEventRequest || !ev->r || ev->now < ev->r->sent_at) return;
  int64_t ms = int64_t(ev->now - ev->r->sent_at);
  if (ev->r->api_key == proto::kFetch) record(&t->fetch, ms);
  else if (ev->r->api_key == proto::kOffsetCommit) record(&t->commit, ms);
}

void client_telemetry_collect(void *ud, TelemetrySink *s) {
  uvk_client *c = static_cast<uvk_client *>(ud);
  int kinds = client_telemetry_kinds(c);
  TelemetryCounters *t = client_telemetry_counters(c);
  if (kinds & kClientKindProducer)
    telemetry_add(s, sum("org.apache.kafka.producer.connection.creation.total",
                         "The total number of connections established.", t->connects));
  if (kinds & kClientKindConsumer) {
    telemetry_add(s, sum("org.apache.kafka.consumer.connection.creation.total",
                         "The total number of connections established.", t->connects));
    add_window(s, &t->fetch, "org.apache.kafka.consumer.fetch.manager.fetch.latency.avg",
               "org.apache.kafka.consumer.fetch.manager.fetch.latency.max",
               "Fetch latency in ms (write to response) since the previous push.");
    add_window(s, &t->commit, "org.apache.kafka.consumer.coordinator.commit.latency.avg",
               "org.apache.kafka.consumer.coordinator.commit.latency.max",
               "OffsetCommit latency in ms (write to response) since the previous push.");
  }
}

}  // namespace uvk
