// The configuration keys: one row per key. Names and defaults are KafkaJS's where KafkaJS
// has the option; docs/configuration.md must list the same keys, types and defaults (a
// unit test compares them).
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "capi/config.h"

namespace uvk {
namespace {

#define OFF(field) offsetof(uvk_config, field)
constexpr double kI32 = 2147483647.0;
constexpr double kMsMax = 2147483647.0;  // ms values fit an int32 on the wire
constexpr double kSocketBufferMax = 1073741824.0;  // 1 GiB: far above any kernel cap

bool check_sasl_mechanism(const char *v, char *err, size_t errlen) {
  static const char *const kMechs[] = {"", "plain", "scram-sha-256", "scram-sha-512",
                                       "oauthbearer"};
  for (const char *m : kMechs)
    if (strcasecmp(v, m) == 0) return true;
  snprintf(err, errlen, "expected one of plain, scram-sha-256, scram-sha-512, oauthbearer "
                        "(or empty for none), got \"%s\"", v);
  return false;
}

// "" or MAJOR.MINOR or MAJOR.MINOR.PATCH, each part 1-3 digits.
bool check_version_cap(const char *v, char *err, size_t errlen) {
  if (!*v) return true;
  int parts = 0;
  const char *p = v;
  for (;;) {
    int digits = 0;
    while (isdigit(static_cast<unsigned char>(*p)) && digits < 4) p++, digits++;
    if (digits == 0 || digits > 3) break;
    parts++;
    if (*p == '\0') {
      if (parts >= 2) return true;
      break;
    }
    if (*p != '.' || parts == 3) break;
    p++;
  }
  snprintf(err, errlen, "expected a Kafka version such as \"2.4\" or \"0.10.2\" (or empty for "
                        "no cap), got \"%s\"", v);
  return false;
}

bool check_assigners(const char *v, char *err, size_t errlen) {
  // Comma-separated names, each a built-in assigner.
  const char *s = v;
  while (*s) {
    while (*s == ' ') s++;
    const char *end = strchr(s, ',');
    size_t n = end ? size_t(end - s) : strlen(s);
    bool ok = (n == 18 && strncmp(s, "RoundRobinAssigner", n) == 0) || (n == 5 && strncmp(s, "range", n) == 0) ||
              (n == 10 && strncmp(s, "roundrobin", n) == 0) || (n == 18 && strncmp(s, "cooperative-sticky", n) == 0);
    if (!ok) {
      snprintf(err, errlen, "unknown assigner '%.*s' (RoundRobinAssigner, range, roundrobin, cooperative-sticky)",
               int(n < 64 ? n : 64), s);
      return false;
    }
    if (!end) break;
    s = end + 1;
  }
  if (!*v) {
    snprintf(err, errlen, "at least one assigner is needed");
    return false;
  }
  return true;
}

bool check_group_protocol(const char *v, char *err, size_t errlen) {
  if (strcasecmp(v, "classic") == 0 || strcasecmp(v, "consumer") == 0) return true;
  snprintf(err, errlen, "expected classic or consumer, got \"%s\"", v);
  return false;
}

bool check_remote_assignor(const char *v, char *err, size_t errlen) {
  if (!*v || strcasecmp(v, "uniform") == 0 || strcasecmp(v, "range") == 0) return true;
  snprintf(err, errlen, "expected uniform or range (or empty for the broker's default), got \"%s\"", v);
  return false;
}

bool check_partitioner(const char *v, char *err, size_t errlen) {
  if (strcmp(v, "default") == 0 || strcmp(v, "sticky") == 0) return true;
  snprintf(err, errlen, "expected default or sticky, got \"%s\"", v);
  return false;
}

const ConfigKey kClientKeys[] = {
    {"brokers", ConfType::kBrokers, OFF(brokers), "", 0, 0, nullptr, 0,
     "Seed brokers, comma-separated host:port (IPv6 as [::1]:9092; port defaults to 9092). "
     "Required unless a brokers callback is set."},
    {"clientId", ConfType::kString, OFF(client_id), "uvkafka", 0, 0, nullptr, 0,
     "Client id sent with every request (broker logs, quotas)."},
    {"connectionTimeout", ConfType::kInt, OFF(connection_timeout), "1000", 1, kMsMax, nullptr, 0,
     "Milliseconds to wait for a TCP (and TLS) connection to a broker."},
    {"connectionsMaxIdle", ConfType::kInt, OFF(connections_max_idle), "540000", 0, kMsMax,
     nullptr, 0, "Close a broker connection after this many idle milliseconds (nothing queued or in "
                 "flight); 0 keeps idle connections open."},
    {"socketReceiveBufferBytes", ConfType::kInt, OFF(socket_receive_buffer_bytes), "0", 0, kSocketBufferMax,
     nullptr, 0, "SO_RCVBUF of every broker connection in bytes; 0 leaves it to the kernel (on Linux, "
                 "its autotuning). The kernel caps it (net.core.rmem_max)."},
    {"socketSendBufferBytes", ConfType::kInt, OFF(socket_send_buffer_bytes), "0", 0, kSocketBufferMax,
     nullptr, 0, "SO_SNDBUF of every broker connection in bytes; 0 leaves it to the kernel. The kernel "
                 "caps it (net.core.wmem_max)."},
    {"authenticationTimeout", ConfType::kInt, OFF(authentication_timeout), "10000", 1, kMsMax,
     nullptr, 0, "Milliseconds to wait for SASL authentication to finish."},
    {"reauthenticationThreshold", ConfType::kInt, OFF(reauthentication_threshold), "10000", 0,
     kMsMax, nullptr, 0,
     "Re-authenticate this many milliseconds before the broker's session lifetime ends."},
    {"requestTimeout", ConfType::kInt, OFF(request_timeout), "30000", 1, kMsMax, nullptr, 0,
     "Milliseconds to wait for a response before the request fails with a timeout."},
    {"enforceRequestTimeout", ConfType::kBool, OFF(enforce_request_timeout), "true", 0, 0,
     nullptr, 0, "Apply requestTimeout; false waits for responses indefinitely."},
    {"retry.maxRetryTime", ConfType::kInt, OFF(retry_max_retry_time), "30000", 0, kMsMax,
     nullptr, 0, "Upper bound in milliseconds of one wait between retries."},
    {"retry.initialRetryTime", ConfType::kInt, OFF(retry_initial_retry_time), "300", 0, kMsMax,
     nullptr, 0, "Base in milliseconds of the first wait (randomized by retry.factor)."},
    {"retry.factor", ConfType::kDouble, OFF(retry_factor), "0.2", 0, 1, nullptr, 0,
     "Randomization factor: each wait is drawn from wait*(1-factor)..wait*(1+factor)."},
    {"retry.multiplier", ConfType::kDouble, OFF(retry_multiplier), "2", 1, 1000, nullptr, 0,
     "Exponential growth of the wait from one retry to the next."},
    {"retry.retries", ConfType::kInt, OFF(retry_retries), "5", 0, kI32, nullptr, 0,
     "Retries per operation after the first attempt (5 means at most 6 attempts)."},
    {"logLevel", ConfType::kLogLevel, OFF(log_level), "INFO", 0, 5, nullptr, 0,
     "NOTHING, ERROR, WARN, INFO or DEBUG (or 0, 1, 2, 4, 5); UVKAFKA_LOG_LEVEL overrides it."},
    {"metadataMaxAge", ConfType::kInt, OFF(metadata_max_age), "300000", 0, kMsMax, nullptr, 0,
     "Milliseconds after which cached metadata is refreshed even without errors."},
    {"allowAutoTopicCreation", ConfType::kBool, OFF(allow_auto_topic_creation), "true", 0, 0,
     nullptr, 0, "Let metadata requests create missing topics (when the broker allows it)."},
    {"enableMetricsPush", ConfType::kBool, OFF(enable_metrics_push), "true", 0, 0, nullptr, 0,
     "Push the client's metrics to a broker that asks for them (KIP-714 client telemetry, "
     "like the Java client's enable.metrics.push); false never asks."},
    {"maxInFlightRequests", ConfType::kNullableInt, OFF(max_in_flight_requests), "null", 1, kI32,
     nullptr, 0, "Requests in flight per broker connection; null means unlimited."},
    {"maxResponseSize", ConfType::kInt, OFF(max_response_size), "104857600", 1024, kI32, nullptr,
     0, "Largest response frame in bytes accepted from a broker; a larger one closes the "
        "connection."},
    {"protocolVersionCap", ConfType::kString, OFF(protocol_version_cap), "", 0, 0,
     check_version_cap, 0,
     "Use only API versions that Kafka release (e.g. \"2.4\", \"0.10.2\") knows; empty: no cap."},
    {"statisticsIntervalMs", ConfType::kInt, OFF(statistics_interval), "0", 0, 86400000, nullptr, 0,
     "Milliseconds between statistics documents to the statistics callback (uvk_stats.h); 0: none."},
    {"ssl", ConfType::kBool, OFF(ssl), "false", 0, 0, nullptr, 0,
     "Connect with TLS. Setting any other ssl.* key turns it on."},
    {"ssl.ca", ConfType::kString, OFF(ssl_ca), "", 0, 0, nullptr, kKeyImpliesSsl,
     "Trusted CA certificates: PEM text, or comma-separated files and directories; empty: the system store."},
    {"ssl.cert", ConfType::kString, OFF(ssl_cert), "", 0, 0, nullptr, kKeyImpliesSsl,
     "Client certificate chain (PEM text) for mutual TLS."},
    {"ssl.key", ConfType::kString, OFF(ssl_key), "", 0, 0, nullptr,
     kKeyImpliesSsl | kKeySecret, "Client private key (PEM text) for mutual TLS."},
    {"ssl.passphrase", ConfType::kString, OFF(ssl_passphrase), "", 0, 0, nullptr,
     kKeyImpliesSsl | kKeySecret, "Passphrase of ssl.key, when it is encrypted."},
    {"ssl.rejectUnauthorized", ConfType::kBool, OFF(ssl_reject_unauthorized), "true", 0, 0,
     nullptr, kKeyImpliesSsl, "Verify the broker's certificate chain and host name."},
    {"ssl.servername", ConfType::kString, OFF(ssl_servername), "", 0, 0, nullptr, kKeyImpliesSsl,
     "Server name for SNI and verification; empty: the broker's host."},
    {"sasl.mechanism", ConfType::kString, OFF(sasl_mechanism), "", 0, 0, check_sasl_mechanism,
     kKeyLowercase, "plain, scram-sha-256, scram-sha-512 or oauthbearer; empty: no SASL."},
    {"sasl.username", ConfType::kString, OFF(sasl_username), "", 0, 0, nullptr, 0,
     "SASL user name (plain, scram-*)."},
    {"sasl.password", ConfType::kString, OFF(sasl_password), "", 0, 0, nullptr, kKeySecret,
     "SASL password (plain, scram-*)."},
    // producer (read by uvk_producer_new)
    {"linger", ConfType::kInt, OFF(linger), "0", 0, kMsMax, nullptr, 0,
     "Producer: milliseconds a partition's batch may wait for more messages; 0 sends on the next "
     "loop turn."},
    {"batchSize", ConfType::kInt, OFF(batch_size), "16384", 1, kI32, nullptr, 0,
     "Producer: bytes of messages per partition batch; a full batch leaves at once."},
    {"batchSizeMax", ConfType::kInt, OFF(batch_size_max), "1000000", 1, kI32, nullptr, 0,
     "Producer: how large a partition's batches may grow while earlier ones wait for the broker "
     "(doubling from batchSize); at or below batchSize, batches stay at batchSize."},
    {"bufferMemory", ConfType::kInt, OFF(buffer_memory), "33554432", 1024, kI32, nullptr, 0,
     "Producer: bytes of messages queued or in flight; a send beyond it fails with UVK_EQUEUEFULL."},
    {"idempotent", ConfType::kBool, OFF(idempotent), "false", 0, 0, nullptr, 0,
     "Producer: exactly once per partition (producer id and sequence numbers, KIP-98); sends "
     "must use acks -1."},
    {"transactionalId", ConfType::kString, OFF(transactional_id), "", 0, 0, nullptr, 0,
     "Producer: makes the producer transactional (implies idempotent); one id per producer "
     "instance that should fence its predecessors."},
    {"transactionTimeout", ConfType::kInt, OFF(transaction_timeout), "60000", 1, kI32, nullptr, 0,
     "Producer: milliseconds the transaction coordinator waits before aborting an open "
     "transaction on its own."},
    {"partitioner", ConfType::kString, OFF(partitioner), "sticky", 0, 0, check_partitioner, 0,
     "Producer: sticky (keyless messages stay on one partition per batch: fewer, fuller batches) "
     "or default (KafkaJS's DefaultPartitioner: keyless messages round-robin); keys go by murmur2 "
     "either way."},
    // consumer (read by uvk_consumer_new)
    {"groupId", ConfType::kString, OFF(group_id), "", 0, 0, nullptr, 0,
     "Consumer: the consumer group to join (required for a consumer)."},
    {"partitionAssigners", ConfType::kString, OFF(partition_assigners), "RoundRobinAssigner", 0, 0,
     check_assigners, 0,
     "Consumer: assigners by preference, comma-separated: RoundRobinAssigner (KafkaJS's), range, "
     "roundrobin (Java's), cooperative-sticky (KIP-429 incremental rebalancing, classic protocol)."},
    {"sessionTimeout", ConfType::kInt, OFF(session_timeout), "30000", 1, kMsMax, nullptr, 0,
     "Consumer: ms without a heartbeat before the coordinator drops the member."},
    {"rebalanceTimeout", ConfType::kInt, OFF(rebalance_timeout), "60000", 1, kMsMax, nullptr, 0,
     "Consumer: ms the coordinator waits for members to rejoin during a rebalance."},
    {"heartbeatInterval", ConfType::kInt, OFF(heartbeat_interval), "3000", 1, kMsMax, nullptr, 0,
     "Consumer: ms between heartbeats (below sessionTimeout); they run on their own timer."},
    {"maxBytesPerPartition", ConfType::kInt, OFF(max_bytes_per_partition), "1048576", 1, kI32, nullptr, 0,
     "Consumer: bytes a fetch may return per partition (at least one batch is always returned)."},
    {"minBytes", ConfType::kInt, OFF(min_bytes), "1", 0, kI32, nullptr, 0,
     "Consumer: bytes a fetch waits for (up to maxWaitTimeInMs) before the broker answers."},
    {"maxBytes", ConfType::kInt, OFF(max_bytes), "10485760", 1, kI32, nullptr, 0,
     "Consumer: bytes a fetch may return in all."},
    {"maxWaitTimeInMs", ConfType::kInt, OFF(max_wait_time_in_ms), "5000", 0, kMsMax, nullptr, 0,
     "Consumer: ms the broker may hold a fetch waiting for minBytes."},
    {"readUncommitted", ConfType::kBool, OFF(read_uncommitted), "false", 0, 0, nullptr, 0,
     "Consumer: also read messages of open and aborted transactions (READ_UNCOMMITTED)."},
    {"rackId", ConfType::kString, OFF(rack_id), "", 0, 0, nullptr, 0,
     "Consumer: the client's rack, sent with fetches (KIP-392 follower fetching)."},
    {"groupProtocol", ConfType::kString, OFF(group_protocol), "classic", 0, 0, check_group_protocol,
     kKeyLowercase,
     "Consumer: classic (JoinGroup/SyncGroup, client-side assigners) or consumer (KIP-848: the "
     "broker assigns, incremental rebalances; Kafka 4.0+)."},
    {"groupRemoteAssignor", ConfType::kString, OFF(group_remote_assignor), "", 0, 0, check_remote_assignor,
     kKeyLowercase,
     "Consumer, groupProtocol consumer: the broker-side assignor, uniform or range (empty: the "
     "broker's default)."},
    {"groupInstanceId", ConfType::kString, OFF(group_instance_id), "", 0, 0, nullptr, 0,
     "Consumer: makes the member static (KIP-345): restarted within the session timeout it gets "
     "its partitions back without a rebalance. Unique per member of a group."},
};

#undef OFF

}  // namespace

// Producer, consumer and admin keys are added as further tables here.
const ConfigTable kConfigTables[] = {
    {kClientKeys, sizeof(kClientKeys) / sizeof(kClientKeys[0])},
};
const size_t kConfigTableCount = sizeof(kConfigTables) / sizeof(kConfigTables[0]);

}  // namespace uvk
