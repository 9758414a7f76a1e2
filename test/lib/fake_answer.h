// What the fake broker's answer files share: one answer, its framing, lookups, each API family's entry point.
#pragma once
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include "common/buf.h"
#include "common/reader.h"
#include "fake_broker.h"
#include "proto/gen/api_table.h"
#include "proto/gen/headers.h"

namespace uvk_test {

struct FakeAnswer {
  std::vector<uint8_t> bytes;  // the whole frame, size prefix first
  size_t body_at = 0;          // where the body starts (after the response header)
  uint64_t hold_ms = 0;        // written this long after the request (UINT64_MAX: parked)
  bool reply = true;           // false: no answer at all (a Produce with acks=0)
  bool parked_fetch = false;   // parked by park_fetches (fake_cluster_release_fetches)
};

// A response frame: size, header, body.
template <class T>
FakeAnswer fake_frame(int32_t correlation, int16_t key, int16_t version, const T &body) {
  uvk::Buf b;
  uvk::put_i32(&b, 0);
  uvk::proto::ResponseHeader h;
  h.correlation_id = correlation;
  uvk::proto::encode(&b, h, uvk::proto::response_header_version(key, version));
  FakeAnswer a;
  a.body_at = b.len;
  // Unqualified: found by the body's namespace where T is known. An answer the codec refuses
  // would go out as an empty body and look like the client's decoding fault: stop here.
  if (int rc = encode(&b, body, version)) {
    fprintf(stderr, "fake broker: cannot encode its answer (API %d v%d): %d\n", int(key), int(version), rc);
    abort();
  }
  uvk::patch_be32(&b, 0, uint32_t(b.len - 4));
  a.bytes.assign(b.data, b.data + b.len);
  uvk::buf_free(&b);
  return a;
}

// A response with every field at its default.
template <class Resp>
FakeAnswer fake_empty(int32_t correlation, int16_t key, int16_t version) {
  Resp resp;
  return fake_frame(correlation, key, version, resp);
}

// A borrowed view of s (s must outlive the encoding) and a copy of a decoded string.
inline uvk::proto::Str fake_str(const std::string &s) { return uvk::proto::Str{s.c_str(), int32_t(s.size())}; }
inline std::string fake_string(const uvk::proto::Str &s) {
  return s.data ? std::string(s.data, size_t(s.len)) : std::string();
}

inline FakeBroker *fake_broker_by_id(const FakeCluster *cl, int32_t id) {
  for (FakeBroker *b : cl->brokers)
    if (b->node_id == id) return b;
  return nullptr;
}

inline bool fake_leads(const FakeBroker *b, int32_t partition) {
  const FakeCluster *cl = b->cluster;
  return partition >= 0 && size_t(partition) < cl->leaders.size() && cl->leaders[size_t(partition)] == b->node_id;
}

// One uncompressed batch holding log[from..] (fake_log.cc).
std::vector<uint8_t> fake_batch(const std::vector<std::string> &log, int64_t from);

// Each family answers the request `key` into *out and returns true, or returns false for
// a key it does not know.
// ApiVersions, Metadata, SaslHandshake, SaslAuthenticate (fake_metadata.cc).
bool fake_metadata_answer(FakeBroker *b, int16_t key, int32_t corr, int16_t version, uvk::Reader *body,
                          FakeAnswer *out);
// Produce, Fetch, ListOffsets on the partition logs (fake_log.cc).
bool fake_log_answer(FakeBroker *b, int16_t key, int32_t corr, int16_t version, uvk::Reader *body, FakeAnswer *out);
// The classic group protocol, offsets and ConsumerGroupHeartbeat (fake_group.cc);
// *generation is the connection's own one-member group generation.
bool fake_group_answer(FakeBroker *b, int32_t *generation, int16_t key, int32_t corr, int16_t version,
                       uvk::Reader *body, FakeAnswer *out);
// ShareGroupHeartbeat, ShareFetch, ShareAcknowledge (fake_share.cc).
bool fake_share_answer(FakeBroker *b, int16_t key, int32_t corr, int16_t version, uvk::Reader *body, FakeAnswer *out);

}  // namespace uvk_test
