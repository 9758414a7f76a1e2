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
constexpr int16_t kUseProduce = 11;  // 12: Transactions V2; 13: topics by id
constexpr int16_t kUseListOffsets = 10;
constexpr int16_t kUseOffsetCommit = 9;
constexpr int16_t kUseOffsetFetch = 9;
constexpr int16_t kUseTxnOffsetCommit = 4;
constexpr int16_t kUseInitProducerId = 5;
constexpr int16_t kUseDescribeGroups = 5;
constexpr int16_t kUseDeleteGroups = 2;
constexpr int16_t kUseAlterPartitionReassignments = 0;

}  // namespace proto
}  // namespace uvk
