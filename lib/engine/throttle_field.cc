#include "engine/throttle_field.h"

namespace uvk {

namespace {

// From Kafka's response schemas (tools/kschema/schemas/*Response.json): the first version
// with ThrottleTimeMs, and its offset when fixed-size fields come before it. Checked against
// the generated encoders by test/unit/engine/throttle_field_test.cc.
struct Where {
  int16_t since;   // -1: never at a fixed offset
  int16_t offset;
};

Where where(int16_t api_key) {
  switch (api_key) {
    // ThrottleTimeMs first since v1.
    case 1:   // Fetch
    case 10:  // FindCoordinator
    case 12:  // Heartbeat
    case 13:  // LeaveGroup
    case 14:  // SyncGroup
    case 15:  // DescribeGroups
    case 16:  // ListGroups
    case 20:  // DeleteTopics
      return Where{1, 0};
    // ... since v2.
    case 2:   // ListOffsets
    case 11:  // JoinGroup
    case 19:  // CreateTopics
    case 23:  // OffsetForLeaderEpoch
      return Where{2, 0};
    // ... since v3.
    case 3:  // Metadata
    case 8:  // OffsetCommit
    case 9:  // OffsetFetch
      return Where{3, 0};
    // After ErrorCode (int16).
    case 47:  // OffsetDelete
      return Where{0, 2};
    // After ErrorCode and ExpiryTimestampMs (int16, int64).
    case 39:  // RenewDelegationToken
    case 40:  // ExpireDelegationToken
      return Where{0, 10};
    // First in every version.
    case 21: case 22: case 24: case 25: case 26: case 28: case 29: case 30: case 31: case 32:
    case 33: case 34: case 35: case 37: case 42: case 43: case 44: case 45: case 46: case 48:
    case 49: case 50: case 51: case 56: case 57: case 59: case 60: case 61: case 62: case 63:
    case 64: case 65: case 66: case 67: case 68: case 69: case 70: case 71: case 72: case 73:
    case 74: case 75: case 76: case 77: case 78: case 79: case 80: case 81: case 82:
      return Where{0, 0};
    // 0 Produce, 18 ApiVersions, 38 CreateDelegationToken, 41 DescribeDelegationToken: after
    // variable-size fields. Others (SaslHandshake, SaslAuthenticate, ...): no such field.
    default:
      return Where{-1, -1};
  }
}

}  // namespace

int32_t throttle_field_offset(int16_t api_key, int16_t version) {
  Where w = where(api_key);
  return w.since >= 0 && version >= w.since ? w.offset : -1;
}

}  // namespace uvk
