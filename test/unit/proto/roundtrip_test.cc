// Every generated message at every valid version: a filled sample encodes, decodes to the
// same bytes again, and the by-name dispatch (used by the Java cross-check) agrees.
#include <catch2/catch.hpp>

#include <string.h>

#include <string>

#include "common/buf.h"
#include "proto/gen/dispatch.h"
#include "proto/gen/samples.h"
#include "uvkafka/uvkafka.h"

using namespace uvk;
using namespace uvk::proto;

namespace {
struct OwnedBuf {
  Buf b;
  ~OwnedBuf() { buf_free(&b); }
};
bool same(const Buf &x, const Buf &y) {
  return x.len == y.len && (x.len == 0 || memcmp(x.data, y.data, x.len) == 0);
}
}  // namespace

TEST_CASE("every message and version round-trips", "[proto][roundtrip]") {
  size_t n = 0;
  const MessageInfo *msgs = proto_messages(&n);
  REQUIRE(n > 100);
  for (size_t i = 0; i < n; i++) {
    const MessageInfo &m = msgs[i];
    DYNAMIC_SECTION(m.name) {
      for (int16_t v = m.min_version; v <= m.max_version; v++) {
        for (uint32_t seed = 1; seed <= 6; seed++) {
          INFO(m.name << " v" << v << " seed " << seed);
          OwnedBuf first, second, third;
          size_t consumed = 0;
          REQUIRE(proto_sample_roundtrip(m.name, v, seed, &first.b, &second.b, &consumed) == 0);
          CHECK(consumed == first.b.len);
          CHECK(same(first.b, second.b));
          REQUIRE(proto_roundtrip(m.name, v, first.b.data, first.b.len, &third.b) == 0);
          CHECK(same(first.b, third.b));
        }
      }
    }
  }
}

TEST_CASE("dispatch rejects unknown names and versions", "[proto][roundtrip]") {
  OwnedBuf out;
  const uint8_t empty[1] = {0};
  CHECK(proto_roundtrip("NoSuchRequest", 0, empty, 0, &out.b) == UVK_ENOTFOUND);
  CHECK(proto_roundtrip("MetadataRequest", 99, empty, 0, &out.b) == UVK_EUNSUPPORTED);
  CHECK(proto_roundtrip("MetadataRequest", -1, empty, 0, &out.b) == UVK_EUNSUPPORTED);
  // Trailing bytes after a complete body are an error.
  const uint8_t ping[] = {0x00, 0x00, 0x00};  // ApiVersionsRequest v0 is empty
  CHECK(proto_roundtrip("ApiVersionsRequest", 0, ping, 0, &out.b) == 0);
  CHECK(proto_roundtrip("ApiVersionsRequest", 0, ping, 1, &out.b) == UVK_EPROTO);
}
