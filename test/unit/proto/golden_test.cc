// Bytes worked out by hand from the protocol guide, not from our encoder.
#include <catch2/catch.hpp>

#include <string.h>

#include <vector>

#include "proto/gen/api_table.h"
#include "proto/gen/api_versions.h"
#include "proto/gen/headers.h"
#include "proto/gen/metadata.h"

using namespace uvk;
using namespace uvk::proto;

namespace {
struct OwnedBuf {
  Buf b;
  ~OwnedBuf() { buf_free(&b); }
  std::vector<uint8_t> bytes() const { return std::vector<uint8_t>(b.data, b.data + b.len); }
};
Str S(const char *s) { return Str{s, int32_t(strlen(s))}; }
}  // namespace

TEST_CASE("ApiVersionsRequest v3 with client software name and version", "[proto][golden]") {
  ApiVersionsRequest req;
  req.client_software_name = S("uvkafka");
  req.client_software_version = S("0.1.0");
  OwnedBuf out;
  REQUIRE(encode(&out.b, req, 3) == 0);
  // compact string: uvarint(len + 1) then the bytes; then an empty tagged-field section.
  std::vector<uint8_t> want = {0x08, 'u', 'v', 'k', 'a', 'f', 'k', 'a', 0x06, '0', '.', '1', '.', '0', 0x00};
  CHECK(out.bytes() == want);
  // v0-v2 have no fields at all.
  OwnedBuf v0;
  REQUIRE(encode(&v0.b, req, 0) == 0);
  CHECK(v0.b.len == 0);
}

TEST_CASE("MetadataRequest v12 with one topic", "[proto][golden]") {
  MetadataRequest req;
  MetadataRequest::MetadataRequestTopic topic;
  topic.name = S("t");
  req.topics.items = &topic;
  req.topics.count = 1;
  OwnedBuf out;
  REQUIRE(encode(&out.b, req, 12) == 0);
  std::vector<uint8_t> want = {0x02};                   // compact array of 1
  want.insert(want.end(), 16, 0x00);                    // topic id: zero uuid
  want.insert(want.end(), {0x02, 't', 0x00});           // name "t", topic's tagged fields
  want.insert(want.end(), {0x01, 0x00, 0x00});          // allow auto-creation, topic auth ops, tags
  CHECK(out.bytes() == want);

  // v1 (classic encoding): int32 count, int16-length string, nothing else.
  OwnedBuf v1;
  req.allow_auto_topic_creation = true;
  REQUIRE(encode(&v1.b, req, 1) == 0);
  CHECK(v1.bytes() == std::vector<uint8_t>{0, 0, 0, 1, 0, 1, 't'});
  // A null topic list ("all topics") exists from v1; v0 cannot say it.
  MetadataRequest all;
  all.topics.count = -1;
  OwnedBuf nul;
  REQUIRE(encode(&nul.b, all, 1) == 0);
  CHECK(nul.bytes() == std::vector<uint8_t>{0xff, 0xff, 0xff, 0xff});
  CHECK(encode(&nul.b, all, 0) == UVK_EINVAL);
}

TEST_CASE("a value the version cannot carry is refused unless ignorable", "[proto][golden]") {
  MetadataRequest req;
  req.allow_auto_topic_creation = false;  // field exists from v4, not ignorable
  OwnedBuf out;
  CHECK(encode(&out.b, req, 3) == UVK_EUNSUPPORTED);
  CHECK(out.b.len == 0);  // nothing half-written
  CHECK(encode(&out.b, req, 4) == 0);

  MetadataRequest with_id;
  MetadataRequest::MetadataRequestTopic topic;
  topic.name = S("t");
  topic.topic_id.b[15] = 1;  // TopicId (v10+) is ignorable: dropped at v9
  with_id.topics.items = &topic;
  with_id.topics.count = 1;
  OwnedBuf v9;
  CHECK(encode(&v9.b, with_id, 9) == 0);
}

TEST_CASE("RequestHeader v2 keeps a classic client id", "[proto][golden]") {
  RequestHeader h;
  h.request_api_key = 3;
  h.request_api_version = 12;
  h.correlation_id = 7;
  h.client_id = S("uvk");
  OwnedBuf out;
  REQUIRE(encode(&out.b, h, 2) == 0);
  // ClientId is never compact (its flexibleVersions is "none"), even in header v2.
  CHECK(out.bytes() == std::vector<uint8_t>{0, 3, 0, 12, 0, 0, 0, 7, 0, 3, 'u', 'v', 'k', 0x00});
  CHECK(request_header_version(kMetadata, 12) == 2);
  CHECK(request_header_version(kMetadata, 8) == 1);
  CHECK(response_header_version(kMetadata, 9) == 1);
  CHECK(response_header_version(kApiVersions, 3) == 0);
}

TEST_CASE("tagged fields: only non-defaults are written, in tag order", "[proto][golden]") {
  ApiVersionsResponse resp;
  ApiVersionsResponse::ApiVersion k;
  k.api_key = 18;
  k.min_version = 0;
  k.max_version = 4;
  resp.api_keys.items = &k;
  resp.api_keys.count = 1;
  resp.finalized_features_epoch = 5;  // tag 1, default -1
  OwnedBuf out;
  REQUIRE(encode(&out.b, resp, 3) == 0);
  std::vector<uint8_t> want = {0, 0,                 // error code
                               0x02, 0, 18, 0, 0, 0, 4, 0x00,  // one api key, its tags
                               0, 0, 0, 0,           // throttle time
                               0x01,                 // one tagged field
                               0x01, 0x08,           // tag 1, 8 bytes
                               0, 0, 0, 0, 0, 0, 0, 5};
  CHECK(out.bytes() == want);

  // And back: the decoder finds the tag; unknown tags are skipped.
  Arena a;
  Reader r = reader_make(out.b.data, out.b.len);
  ApiVersionsResponse back;
  REQUIRE(decode(&r, &a, &back, 3) == 0);
  CHECK(rd_left(&r) == 0);
  CHECK(back.finalized_features_epoch == 5);
  REQUIRE(back.api_keys.count == 1);
  CHECK(back.api_keys.items[0].max_version == 4);
  CHECK(back.zk_migration_ready == false);
  std::vector<uint8_t> unknown = want;
  unknown[14] = 0x02;                                  // two tagged fields now
  unknown.insert(unknown.end(), {0x63, 0x02, 0xaa, 0xbb});  // tag 99, 2 bytes
  Reader r2 = reader_make(unknown.data(), unknown.size());
  REQUIRE(decode(&r2, &a, &back, 3) == 0);
  CHECK(rd_left(&r2) == 0);
  CHECK(back.finalized_features_epoch == 5);
  arena_free(&a);
}
