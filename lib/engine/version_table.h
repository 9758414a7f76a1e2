// Protocol version caps: "use only what Kafka release X knows" (the protocolVersionCap
// option), so a client can be held to an older broker's protocol and that path tested
// against a newer one. The table is generated from each release's kafka-clients jar
// (tools/kafka-versions/); the engine intersects the cap with what ApiVersions reports.
#pragma once
#include <stdint.h>

namespace uvk {

// Room for API keys 0..kVersionTableCapacity-1; gen_table.py fails the build (too many
// initializers) if a newer jar knows more, and this number is raised.
constexpr int kVersionTableCapacity = 96;

struct KafkaRelease {
  const char *name;  // "2.4.1"
  int major, minor, patch;  // patch only for 0.x releases (0.10.0 vs 0.10.2), else 0
  int16_t max_version[kVersionTableCapacity];  // per API key; -1 when the release lacks the API
};

extern const int kVersionTableApis;
extern const int kVersionTableReleases;
extern const KafkaRelease kVersionTable[];

// The table row for "major.minor.patch": the newest release not newer than it (patch counts
// only for 0.x). Releases older than the first row get the first row; nullptr when the
// requested release is newer than every row (no cap applies).
const KafkaRelease *version_table_find(int major, int minor, int patch);

// The highest version of `api_key` that `rel` knows: -1 when the API did not exist then,
// INT16_MAX when rel is nullptr (no cap) or the key is beyond the table.
int16_t version_cap(const KafkaRelease *rel, int16_t api_key);

}  // namespace uvk
