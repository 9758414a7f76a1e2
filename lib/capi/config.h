// The configuration object behind the C ABI's uvk_config, and its key table.
//
// Every key is one ConfigKey row (name, type, field offset, default, range, check, doc).
// uvk_config_new() applies each row's default through the same text parser
// uvk_config_set() uses, docs/configuration.md is checked against the rows by a unit test,
// and a new area (producer, consumer) adds its keys by adding fields to uvk_config and a
// table to kConfigTables (config_table.cc).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "engine/retry.h"
#include "uvkafka/uvkafka.h"

namespace uvk {

struct HostPort {
  char *host;  // without brackets for IPv6 literals
  uint16_t port;
};

constexpr uint16_t kDefaultKafkaPort = 9092;

}  // namespace uvk

// A broker list (also the collector a brokers callback fills).
struct uvk_brokers {
  uvk::HostPort *items;
  size_t n;
  size_t cap;
  const uvk::Allocator *alloc;
};

struct uvk_config {
  // client
  uvk_brokers brokers;
  uvk_brokers_fn brokers_cb;
  void *brokers_ud;
  char *client_id;
  int64_t connection_timeout;
  int64_t connections_max_idle;
  int64_t socket_receive_buffer_bytes;
  int64_t socket_send_buffer_bytes;
  int64_t authentication_timeout;
  int64_t reauthentication_threshold;
  int64_t request_timeout;
  bool enforce_request_timeout;
  int64_t retry_max_retry_time;
  int64_t retry_initial_retry_time;
  double retry_factor;
  double retry_multiplier;
  int64_t retry_retries;
  bool retry_explicit;  // a retry.* key was set: a producer / consumer made from this config uses it
  int64_t log_level;
  int64_t metadata_max_age;
  bool allow_auto_topic_creation;
  bool enable_metrics_push;  // KIP-714 client telemetry
  int64_t max_in_flight_requests;  // -1: unlimited (KafkaJS null)
  int64_t max_response_size;
  char *protocol_version_cap;      // "" or "2.4" / "0.10.2"
  int64_t statistics_interval;     // ms between statistics documents; 0: none
  // ssl
  bool ssl;
  char *ssl_ca;
  char *ssl_cert;
  char *ssl_key;
  char *ssl_passphrase;
  bool ssl_reject_unauthorized;
  char *ssl_servername;
  // sasl
  char *sasl_mechanism;  // "" or lower-case mechanism name
  char *sasl_username;
  char *sasl_password;
  // producer
  int64_t linger;
  int64_t batch_size;
  int64_t batch_size_max;
  int64_t buffer_memory;
  char *partitioner;  // "default" or "sticky"
  bool idempotent;
  char *transactional_id;
  int64_t transaction_timeout;
  // consumer
  char *group_id;
  char *partition_assigners;
  int64_t session_timeout;
  int64_t rebalance_timeout;
  int64_t heartbeat_interval;
  int64_t max_bytes_per_partition;
  int64_t min_bytes;
  int64_t max_bytes;
  int64_t max_wait_time_in_ms;
  bool read_uncommitted;
  char *rack_id;
  char *group_protocol;         // "classic" or "consumer"
  char *group_remote_assignor;  // "" (the broker's default), "uniform" or "range"
  char *group_instance_id;      // "" : a dynamic member; else static (KIP-345)
  // hooks (typed setters only)
  uvk_log_fn log_fn;
  void *log_ud;
  bool has_allocator;
  uvk::Allocator allocator;
  uvk_socket_open_fn socket_open;
  uvk_socket_release_fn socket_release;
  void *socket_ud;
  char sasl_custom_name[64];  // "" or a custom SASL mechanism's name
  uvk_sasl_step_fn sasl_custom_fn;
  void *sasl_custom_ud;
  uvk_oauthbearer_fn oauthbearer_fn;
  void *oauthbearer_ud;
  uvk_stats_fn stats_fn;
  void *stats_ud;
  // the reason of the last failed setter
  char last_error[256];
};

namespace uvk {

enum class ConfType {
  kInt,          // int64 field
  kNullableInt,  // int64 field, -1 = null ("null" in text)
  kDouble,       // double field
  kBool,         // bool field
  kString,       // char * field, owned
  kLogLevel,     // int64 field: NOTHING/ERROR/WARN/INFO/DEBUG or 0/1/2/4/5
  kBrokers,      // uvk_brokers field
};

enum : unsigned {
  kKeySecret = 1u << 0,       // reads back as "***"
  kKeyImpliesSsl = 1u << 1,   // setting a value turns "ssl" on (KafkaJS's ssl object)
  kKeyLowercase = 1u << 2,    // string stored lower-cased
};

struct ConfigKey {
  const char *name;
  ConfType type;
  size_t offset;
  const char *def;  // default, in uvk_config_set's text form
  double min;       // numeric range (inclusive)
  double max;
  // Extra check for string values: false and a message (after "<key>: ") when rejected.
  bool (*check)(const char *value, char *err, size_t errlen);
  unsigned flags;
  const char *doc;  // one line for docs/configuration.md
};

struct ConfigTable {
  const ConfigKey *keys;
  size_t n;
};

extern const ConfigTable kConfigTables[];
extern const size_t kConfigTableCount;

const ConfigKey *config_find_key(const char *name);
// The known key nearest to an unknown one (case, punctuation and a few typos aside), for
// "did you mean"; nullptr when none is close.
const char *config_suggest_key(const char *key);
// The name of the type as docs/configuration.md writes it ("integer", "boolean", ...).
const char *config_type_name(ConfType t);

// Parses "host:port", "host" (port 9092), "[v6]:port" or "[v6]". On success *host_len and
// *host_off locate the host inside s and *port is set. On failure returns false and
// writes the reason.
bool parse_host_port(const char *s, size_t len, size_t *host_off, size_t *host_len,
                     uint16_t *port, char *err, size_t errlen);

// uvk_brokers helpers.
int brokers_add(uvk_brokers *b, const char *host_port, size_t len, char *err, size_t errlen);
void brokers_clear(uvk_brokers *b);
int brokers_copy(uvk_brokers *dst, const uvk_brokers *src);

// For the engine: the seed brokers for one bootstrap. Calls the brokers callback when one
// is set (its failure code is returned), else copies the static list. `out` must be
// empty-initialised ({} with an allocator); free it with brokers_clear().
int config_bootstrap_brokers(const uvk_config *cfg, uvk_brokers *out);

// For the engine: typed views of groups of keys.
RetryOptions config_retry_options(const uvk_config *cfg);
// protocolVersionCap as numbers: false when no cap is set. "2.4" gives 2,4,0.
bool config_version_cap(const uvk_config *cfg, int *major, int *minor, int *patch);
// The allocator hook, or nullptr for libc.
const Allocator *config_allocator(const uvk_config *cfg);

}  // namespace uvk
