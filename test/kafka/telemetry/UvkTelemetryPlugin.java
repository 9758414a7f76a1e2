// A KIP-714 client metrics receiver for the test cluster (test/kafka/cluster.sh puts it on every
// broker's classpath and in metric.reporters). It decodes each PushTelemetry payload with the
// OTLP classes kafka-clients carries (shaded) and appends one JSON line per push to the file
// named by the broker property uvk.telemetry.file, for the integration tests to read.
// ClientTelemetry is the interface both Kafka 3.9 and 4.4 call (4.4 also has
// ClientTelemetryExporterProvider, which 3.9 lacks).
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.MetricsReporter;
import org.apache.kafka.server.authorizer.AuthorizableRequestContext;
import org.apache.kafka.server.telemetry.ClientTelemetry;
import org.apache.kafka.server.telemetry.ClientTelemetryPayload;
import org.apache.kafka.server.telemetry.ClientTelemetryReceiver;
import org.apache.kafka.shaded.io.opentelemetry.proto.common.v1.AnyValue;
import org.apache.kafka.shaded.io.opentelemetry.proto.common.v1.KeyValue;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.Metric;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.MetricsData;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.ScopeMetrics;

public class UvkTelemetryPlugin implements MetricsReporter, ClientTelemetry {
    private volatile String file;

    @Override public void configure(Map<String, ?> configs) {
        Object f = configs.get("uvk.telemetry.file");
        file = f == null ? null : f.toString();
    }
    @Override public void init(List<KafkaMetric> metrics) {}
    @Override public void metricChange(KafkaMetric metric) {}
    @Override public void metricRemoval(KafkaMetric metric) {}
    @Override public void close() {}

    @Override public ClientTelemetryReceiver clientReceiver() {
        return this::receive;
    }

    private static void str(StringBuilder b, String s) {
        b.append('"');
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        b.append('"');
    }

    private static void attrs(StringBuilder b, List<KeyValue> kvs) {
        b.append('{');
        boolean first = true;
        for (KeyValue kv : kvs) {
            if (!first) b.append(',');
            first = false;
            str(b, kv.getKey());
            b.append(':');
            AnyValue v = kv.getValue();
            if (v.hasIntValue()) b.append(v.getIntValue());
            else str(b, v.getStringValue());
        }
        b.append('}');
    }

    private static void point(StringBuilder b, Metric m, String kind, int temporality, boolean monotonic,
                              NumberDataPoint p) {
        b.append("{\"name\":");
        str(b, m.getName());
        b.append(",\"unit\":");
        str(b, m.getUnit());
        b.append(",\"kind\":\"").append(kind).append("\",\"temporality\":").append(temporality);
        b.append(",\"monotonic\":").append(monotonic);
        b.append(",\"start_ns\":").append(p.getStartTimeUnixNano());
        b.append(",\"time_ns\":").append(p.getTimeUnixNano());
        if (p.getValueCase() == NumberDataPoint.ValueCase.AS_DOUBLE) b.append(",\"value\":").append(p.getAsDouble());
        else b.append(",\"value\":").append(p.getAsInt());
        b.append(",\"attrs\":");
        attrs(b, p.getAttributesList());
        b.append('}');
    }

    void receive(AuthorizableRequestContext ctx, ClientTelemetryPayload payload) {
        StringBuilder b = new StringBuilder(1024);
        b.append("{\"client_id\":");
        str(b, ctx.clientId() == null ? "" : ctx.clientId());
        b.append(",\"client_instance_id\":");
        str(b, payload.clientInstanceId().toString());
        b.append(",\"terminating\":").append(payload.isTerminating());
        b.append(",\"content_type\":");
        str(b, String.valueOf(payload.contentType()));
        b.append(",\"received_ms\":").append(System.currentTimeMillis());
        try {
            ByteBuffer data = payload.data().duplicate();
            MetricsData md = MetricsData.parseFrom(data);
            StringBuilder resource = new StringBuilder("{}");
            StringBuilder metrics = new StringBuilder();
            boolean first = true;
            for (ResourceMetrics rm : md.getResourceMetricsList()) {
                resource.setLength(0);
                attrs(resource, rm.getResource().getAttributesList());
                for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                    for (Metric m : sm.getMetricsList()) {
                        List<NumberDataPoint> points;
                        String kind;
                        int temporality = 0;
                        boolean monotonic = false;
                        if (m.hasGauge()) {
                            kind = "gauge";
                            points = m.getGauge().getDataPointsList();
                        } else if (m.hasSum()) {
                            kind = "sum";
                            points = m.getSum().getDataPointsList();
                            temporality = m.getSum().getAggregationTemporalityValue();
                            monotonic = m.getSum().getIsMonotonic();
                        } else {
                            kind = "other";
                            points = List.of();
                        }
                        for (NumberDataPoint p : points) {
                            if (!first) metrics.append(',');
                            first = false;
                            point(metrics, m, kind, temporality, monotonic, p);
                        }
                    }
                }
            }
            b.append(",\"resource\":").append(resource);
            b.append(",\"metrics\":[").append(metrics).append(']');
        } catch (Exception e) {
            b.append(",\"error\":");
            str(b, e.toString());
        }
        b.append("}\n");
        write(b.toString());
    }

    private synchronized void write(String line) {
        if (file == null) return;
        try (FileOutputStream out = new FileOutputStream(file, true)) {
            out.write(line.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            System.err.println("UvkTelemetryPlugin: cannot append to " + file + ": " + e);
        }
    }
}
