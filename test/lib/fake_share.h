// The fake broker's share-group requests (fake_share.cc), called from its dispatch.
#pragma once
#include <stdint.h>

#include <vector>

#include "common/reader.h"
#include "fake_broker.h"

namespace uvk_test {

struct FakeShareAnswer {
  std::vector<uint8_t> bytes;
  size_t body_at = 0;
  uint64_t hold_ms = 0;  // a ShareFetch with nothing to return waits (maxWaitMs)
};

// ShareGroupHeartbeat, ShareFetch or ShareAcknowledge: false for another key.
bool fake_share_handle(FakeBroker *b, int16_t key, int32_t corr, int16_t version, uvk::Reader *body,
                       FakeShareAnswer *out);

}  // namespace uvk_test
