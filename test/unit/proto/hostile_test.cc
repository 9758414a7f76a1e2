// Hostile input: truncations, absurd lengths, arena caps and bit flips must give an error
// code, never a crash, an over-allocation or undefined behaviour (the ASan build runs this).
#include <catch2/catch.hpp>

#include <string.h>

#include <vector>

#include "proto/gen/dispatch.h"
#include "proto/gen/metadata.h"
#include "proto/gen/samples.h"
#include "uvkafka/uvkafka.h"

using namespace uvk;
using namespace uvk::proto;

namespace {
struct OwnedBuf {
  Buf b;
  ~OwnedBuf() { buf_free(&b); }
};
bool is_known_error(int rc) { return rc == UVK_EPROTO || rc == UVK_ENOMEM || rc == UVK_EINVAL || rc == UVK_ETOOLARGE; }
}  // namespace

TEST_CASE("every truncation of every message is an error", "[proto][hostile]") {
  size_t n = 0;
  const MessageInfo *msgs = proto_messages(&n);
  for (size_t i = 0; i < n; i++) {
    const MessageInfo &m = msgs[i];
    for (int16_t v = m.min_version; v <= m.max_version; v++) {
      OwnedBuf full, again;
      size_t consumed = 0;
      REQUIRE(proto_sample_roundtrip(m.name, v, 3, &full.b, &again.b, &consumed) == 0);
      for (size_t cut = 0; cut < full.b.len; cut++) {
        // A fresh copy of exactly `cut` bytes, so ASan sees any read past the end.
        std::vector<uint8_t> part(full.b.data, full.b.data + cut);
        OwnedBuf out;
        int rc = proto_roundtrip(m.name, v, part.data(), part.size(), &out.b);
        INFO(m.name << " v" << v << " cut at " << cut << " of " << full.b.len);
        CHECK(is_known_error(rc));
      }
    }
  }
}

TEST_CASE("an absurd array count is refused before anything is allocated", "[proto][hostile]") {
  // MetadataResponse v12: throttle_time_ms, then the brokers array as a compact count.
  const uint8_t frame[] = {0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x07, 1, 2, 3};
  Arena a;
  Reader r = reader_make(frame, sizeof frame);
  MetadataResponse m;
  CHECK(decode(&r, &a, &m, 12) == UVK_EPROTO);
  CHECK(a.used == 0);
  // Classic encoding (v1): int32 count 0x7fffffff.
  const uint8_t classic[] = {0x7f, 0xff, 0xff, 0xff, 0, 0};
  Reader r1 = reader_make(classic, sizeof classic);
  CHECK(decode(&r1, &a, &m, 1) == UVK_EPROTO);
  CHECK(a.used == 0);
  // A negative length other than -1 is never valid.
  const uint8_t neg[] = {0, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe};
  Reader r2 = reader_make(neg, sizeof neg);
  CHECK(decode(&r2, &a, &m, 1) == UVK_EPROTO);
  // A uvarint with too many continuation bytes.
  const uint8_t longvar[] = {0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1};
  Reader r3 = reader_make(longvar, sizeof longvar);
  CHECK(decode(&r3, &a, &m, 12) == UVK_EPROTO);
  arena_free(&a);
}

TEST_CASE("the arena limit caps what one frame may allocate", "[proto][hostile]") {
  // 1000 brokers of 5 fields each, v0 (classic): plausible bytes, but over a 4 KiB cap.
  std::vector<uint8_t> f = {0, 0, 0x03, 0xe8};  // 1000 brokers
  for (int i = 0; i < 1000; i++) {
    const uint8_t broker[] = {0, 0, 0, 1, 0, 1, 'h', 0, 0, 0x23, 0x84};  // id, host "h", port
    f.insert(f.end(), broker, broker + sizeof broker);
  }
  f.insert(f.end(), {0, 0, 0, 0});  // no topics
  Arena a;
  a.limit = 4096;
  Reader r = reader_make(f.data(), f.size());
  MetadataResponse m;
  CHECK(decode(&r, &a, &m, 0) == UVK_ENOMEM);
  CHECK(a.used <= 4096);
  arena_free(&a);
  // Without the cap the same frame decodes.
  Arena b;
  Reader r2 = reader_make(f.data(), f.size());
  REQUIRE(decode(&r2, &b, &m, 0) == 0);
  CHECK(m.brokers.count == 1000);
  CHECK(m.brokers.items[999].port == 9092);
  arena_free(&b);
}

TEST_CASE("bit flips never crash a decoder", "[proto][hostile]") {
  size_t n = 0;
  const MessageInfo *msgs = proto_messages(&n);
  uint32_t rng = 12345;
  size_t ok = 0, failed = 0;
  for (size_t i = 0; i < n; i++) {
    const MessageInfo &m = msgs[i];
    int16_t v = m.max_version;
    OwnedBuf full, again;
    size_t consumed = 0;
    REQUIRE(proto_sample_roundtrip(m.name, v, 5, &full.b, &again.b, &consumed) == 0);
    for (int k = 0; k < 200 && full.b.len > 0; k++) {
      std::vector<uint8_t> bytes(full.b.data, full.b.data + full.b.len);
      for (int flips = 0; flips < 3; flips++) {
        rng = rng * 1103515245u + 12345u;
        bytes[(rng >> 8) % bytes.size()] ^= uint8_t(1u << ((rng >> 4) % 8));
      }
      OwnedBuf out;
      int rc = proto_roundtrip(m.name, v, bytes.data(), bytes.size(), &out.b);
      if (rc == 0) ok++; else failed++;
      INFO(m.name << " v" << v);
      CHECK((rc == 0 || is_known_error(rc)));
    }
  }
  // Some flips land in values (still valid), some in lengths (errors): both paths ran.
  CHECK(ok > 0);
  CHECK(failed > 0);
}
