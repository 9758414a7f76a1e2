// The metrics a client offers to KIP-714 telemetry, under the Java client's names
// (org.apache.kafka.producer.* and org.apache.kafka.consumer.*): only what the client counts
// itself; docs/operations.md lists what is pushed and what is not.
#include "capi/client_internal.h"
#include "client/telemetry.h"

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

}  // namespace

void client_telemetry_collect(void *ud, TelemetrySink *s) {
  uvk_client *c = static_cast<uvk_client *>(ud);
  int kinds = client_telemetry_kinds(c);
  int64_t connects = client_connects(c);
  if (kinds & kClientKindProducer)
    telemetry_add(s, sum("org.apache.kafka.producer.connection.creation.total",
                         "The total number of connections established.", connects));
  if (kinds & kClientKindConsumer)
    telemetry_add(s, sum("org.apache.kafka.consumer.connection.creation.total",
                         "The total number of connections established.", connects));
}

}  // namespace uvk
