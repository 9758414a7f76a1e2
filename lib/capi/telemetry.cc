// The metrics a client offers to KIP-714 telemetry, under the Java client's names
// (org.apache.kafka.producer.* and org.apache.kafka.consumer.*): the statistics' own counters
// (uvk_client_get_stats, the engine's per-broker rtt), so a push says what the client's
// statistics say, plus the Fetch / OffsetCommit latency windows kept here;
// docs/operations.md lists what is pushed and what is not.
#include <stdio.h>
#include <string.h>

#include "capi/client_internal.h"
#include "capi/stats.h"
#include "client/telemetry.h"
#include "engine/broker_stats.h"
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
  if (ev->kind != kEngineEventRequest || !ev->r || ev->now < ev->r->sent_at) return;
  int64_t ms = int64_t(ev->now - ev->r->sent_at);
  if (ev->r->api_key == proto::kFetch) record(&t->fetch, ms);
  else if (ev->r->api_key == proto::kOffsetCommit) record(&t->commit, ms);
}

namespace {

// One kind's metrics (prefix "org.apache.kafka.producer." or "org.apache.kafka.consumer.").
struct Kind {
  TelemetrySink *s;
  const char *prefix;
  char name[160];
  const char *n(const char *suffix) {
    snprintf(name, sizeof name, "%s%s", prefix, suffix);
    return name;
  }
};

void common(Kind &k, Engine *e, const uvk_client_stats &st) {
  telemetry_add(k.s, sum(k.n("connection.creation.total"), "The total number of connections established.", st.connects));
  telemetry_add(k.s, sum(k.n("request.total"), "Requests sent, all brokers.", st.tx));
  telemetry_add(k.s, sum(k.n("response.total"), "Responses received, all brokers.", st.rx));
  telemetry_add(k.s, sum(k.n("outgoing.byte.total"), "Request bytes sent, all brokers.", st.tx_bytes));
  telemetry_add(k.s, sum(k.n("incoming.byte.total"), "Response bytes received, all brokers.", st.rx_bytes));
  // Per broker: the statistics' round-trip window (write to response), by node.id.
  for (const BrokerStats *b = e->bstats; b; b = b->next) {
    if (b->node_id < 0 || b->rtt.cnt <= 0) continue;
    TelemetryValue avg = gauge_ms(k.n("node.request.latency.avg"), "The average request latency in ms for a node.", true,
                                  double(b->rtt.sum) / double(b->rtt.cnt), 0);
    avg.attrs[0] = OtlpAttr{"node.id", nullptr, b->node_id};
    avg.n_attrs = 1;
    telemetry_add(k.s, avg);
    TelemetryValue max = gauge_ms(k.n("node.request.latency.max"), "The maximum request latency in ms for a node.", false,
                                  0, b->rtt.max);
    max.attrs[0] = avg.attrs[0];
    max.n_attrs = 1;
    telemetry_add(k.s, max);
  }
}

}  // namespace

void client_telemetry_collect(void *ud, TelemetrySink *s) {
  uvk_client *c = static_cast<uvk_client *>(ud);
  int kinds = client_telemetry_kinds(c);
  TelemetryCounters *t = client_telemetry_counters(c);
  uvk_client_stats st;
  memset(&st, 0, sizeof st);
  st.struct_size = sizeof st;
  if (client_stats_get(c, &st) != 0) return;  // out of memory: nothing this time
  Engine *e = client_engine(c);
  if (kinds & kClientKindProducer) {
    Kind k{s, "org.apache.kafka.producer.", {}};
    common(k, e, st);
    telemetry_add(s, sum(k.n("record.send.total"), "Records the brokers acknowledged.", st.txmsgs));
  }
  if (kinds & kClientKindConsumer) {
    Kind k{s, "org.apache.kafka.consumer.", {}};
    common(k, e, st);
    telemetry_add(s, sum(k.n("fetch.manager.records.consumed.total"), "Records handed to the application.", st.rxmsgs));
    telemetry_add(s, sum(k.n("fetch.manager.bytes.consumed.total"), "Bytes of the records handed to the application.",
                         st.rxmsg_bytes));
    TelemetryValue a{};
    a.name = k.n("coordinator.assigned.partitions");
    a.description = "The number of partitions currently assigned to this consumer.";
    a.unit = "1";
    a.i = st.assignment_size;
    telemetry_add(s, a);
    telemetry_add(s, sum(k.n("coordinator.rebalance.total"), "Rebalances (assignments received).", st.rebalance_cnt));
    add_window(s, &t->fetch, "org.apache.kafka.consumer.fetch.manager.fetch.latency.avg",
               "org.apache.kafka.consumer.fetch.manager.fetch.latency.max",
               "Fetch latency in ms (write to response) since the previous push.");
    add_window(s, &t->commit, "org.apache.kafka.consumer.coordinator.commit.latency.avg",
               "org.apache.kafka.consumer.coordinator.commit.latency.max",
               "OffsetCommit latency in ms (write to response) since the previous push.");
  }
}

}  // namespace uvk
