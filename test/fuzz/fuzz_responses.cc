// libFuzzer target: any bytes through the generated decoders (and back through the
// encoders), and through the consumer protocol's decoders (the member metadata and
// assignment bytes a broker relays in JoinGroup / SyncGroup responses).
// Input: [selector][version hi][version lo][body...]. Selector % (messages + 2): below the
// message count it picks from proto_messages(), so every response and request decoder
// (and both headers) is reachable; the two values after it pick member_metadata_decode and
// member_assignment_decode (the version bytes are then ignored).
#include <stddef.h>
#include <stdint.h>

#include "client/assignor.h"
#include "common/arena.h"
#include "common/buf.h"
#include "proto/gen/dispatch.h"

// What a decoded frame may hold in arrays, as in the generated roundtrip.
static const size_t kArenaLimit = 64u << 20;

// Inputs (or parts of them: records, keys) that got past the decoder's checks; the corpus
// replay (replay_test.cc) requires some, so a corpus that only exercises refusals fails.
extern "C" {
size_t uvk_fuzz_reached = 0;
}

static void consumer_protocol(bool assignment, const uint8_t *data, size_t size) {
  uvk::Arena arena;
  arena.limit = kArenaLimit;
  if (assignment) {
    uvk::MemberAssignment a;
    if (uvk::member_assignment_decode(data, size, &arena, &a) == 0) {
      uvk::Buf out;  // a decoded assignment must encode again (the leader does this)
      uvk::member_assignment_encode(&out, a);
      uvk::buf_free(&out);
    }
  } else {
    uvk::MemberMetadata m;
    if (uvk::member_metadata_decode(data, size, &arena, &m) == 0) {
      uvk_fuzz_reached++;
      uvk::Buf out;
      uvk::member_metadata_encode(&out, m.version, m.topics, m.n_topics, m.user_data,
                                  m.user_data_len);
      uvk::buf_free(&out);
    }
  }
  uvk::arena_free(&arena);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 3) return 0;
  size_t n = 0;
  const uvk::proto::MessageInfo *msgs = uvk::proto::proto_messages(&n);
  size_t pick = data[0] % (n + 2);
  if (pick >= n) {
    consumer_protocol(pick == n + 1, data + 3, size - 3);
    return 0;
  }
  const uvk::proto::MessageInfo &m = msgs[pick];
  int16_t version = int16_t(data[1] << 8 | data[2]);
  uvk::Buf out;
  if (uvk::proto::proto_roundtrip(m.name, version, data + 3, size - 3, &out) == 0) uvk_fuzz_reached++;
  uvk::buf_free(&out);
  return 0;
}
