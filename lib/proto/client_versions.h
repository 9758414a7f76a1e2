#pragma once
// The highest version of each API whose fields the client fills and reads today, where the
// generated codecs (Kafka 4.4's schemas) go higher: a newer version carries meaning the code
// must handle first (topic ids in Produce v13, OffsetCommit/OffsetFetch v10, ...), so raising
// one is a code change with its own test, not a side effect of regenerating. docs/protocol.md
// lists them.
#include <stdint.h>

namespace uvk {
namespace proto {

constexpr int16_t kUseApiVersions = 4;
constexpr int16_t kUseMetadata = 12;
// Produce: 13 names topics by id (only when every topic of a request has one, else 12 at
// most); 12+ means transactions v2, so a producer without it stays at 11 (producer_txn.cc).
constexpr int16_t kUseProduce = 13;
constexpr int16_t kUseListOffsets = 10;
constexpr int16_t kUseOffsetCommit = 9;
constexpr int16_t kUseOffsetFetch = 9;
constexpr int16_t kUseTxnOffsetCommit = 4;
constexpr int16_t kUseInitProducerId = 5;
constexpr int16_t kUseDescribeGroups = 5;
constexpr int16_t kUseDeleteGroups = 2;
constexpr int16_t kUseAlterPartitionReassignments = 0;
// Share groups (KIP-932): version 0 was the early access of Kafka 4.0, which 4.1 brokers no
// longer accept; 1 is the released protocol; ShareFetch / ShareAcknowledge 2 add renew
// acknowledgements (KIP-1222), sent only when a renew is asked for.
constexpr int16_t kMinShareGroupHeartbeat = 1;
constexpr int16_t kUseShareGroupHeartbeat = 1;
constexpr int16_t kMinShareFetch = 1;
constexpr int16_t kUseShareFetch = 2;
constexpr int16_t kMinShareAcknowledge = 1;
constexpr int16_t kUseShareAcknowledge = 2;
constexpr int16_t kUseShareGroupDescribe = 1;
constexpr int16_t kUseDescribeShareGroupOffsets = 1;
constexpr int16_t kUseAlterShareGroupOffsets = 0;
constexpr int16_t kUseDeleteShareGroupOffsets = 0;
// KIP-714 client telemetry (lib/client/telemetry.cc): one version each so far (Kafka 3.7+).
constexpr int16_t kUseGetTelemetrySubscriptions = 0;
constexpr int16_t kUsePushTelemetry = 0;

}  // namespace proto
}  // namespace uvk
