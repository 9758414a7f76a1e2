// Record batches written by the Java client (test/oracle/prepare.sh -> records.txt): we
// decode every one field for field, and re-encode the magic-2 ones: byte-exact without
// compression, identical after decompression with it.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <string.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "proto/records.h"
#include "records_txt.h"

using namespace uvk;

namespace {

using namespace oracle;

Bytes view(const uint8_t *p, int32_t len) { return p && len > 0 ? Bytes(p, p + len) : Bytes(); }

// Decodes `bytes` (one batch) and checks it against the Java description.
void check_decodes_like(const JBatch &j, const Bytes &bytes) {
  BatchReader r;
  batch_reader_init(&r, bytes.data(), bytes.size());
  BatchView b;
  REQUIRE(batch_next(&r, &b) == 1);
  CHECK(int(b.magic) == j.magic);
  CHECK(b.codec() == j.codec);
  CHECK(b.base_offset == j.meta.at("baseOffset"));
  CHECK(b.producer_id == j.meta.at("producerId"));
  CHECK(b.producer_epoch == j.meta.at("producerEpoch"));
  CHECK(b.base_sequence == j.meta.at("baseSequence"));
  CHECK(int(b.transactional()) == j.meta.at("transactional"));
  CHECK(int(b.control()) == j.meta.at("control"));
  CHECK(b.partition_leader_epoch == j.meta.at("partitionLeaderEpoch"));
  if (j.magic == 2) {
    CHECK(b.count == j.meta.at("count"));
    CHECK(b.last_offset() == j.meta.at("lastOffset"));
    CHECK(b.max_timestamp == j.meta.at("maxTimestamp"));
    CHECK(int(b.log_append_time()) == j.meta.at("timestampType"));
  }
  RecordIter it;
  record_iter_init(&it, &b);
  RecordView rec;
  size_t i = 0;
  int rc;
  while ((rc = record_next(&it, &rec)) == 1) {
    REQUIRE(i < j.records.size());
    const JRecord &want = j.records[i];
    INFO("record " << i);
    CHECK(rec.offset == want.offset);
    CHECK(rec.timestamp == want.timestamp);
    CHECK((rec.key == nullptr) == want.key_null);
    CHECK(view(rec.key, rec.key_len) == want.key);
    CHECK((rec.value == nullptr) == want.value_null);
    CHECK(view(rec.value, rec.value_len) == want.value);
    REQUIRE(size_t(rec.n_headers) == want.headers.size());
    Reader hr = reader_make(rec.headers, rec.headers_len);
    for (const auto &h : want.headers) {
      RecordHeader got;
      REQUIRE(header_next(&hr, &got) == 1);
      CHECK(view(got.key, got.key_len) == h.first);
      CHECK((got.value == nullptr) == h.second.first);
      CHECK(view(got.value, got.value_len) == h.second.second);
    }
    i++;
  }
  CHECK(rc == 0);
  CHECK(i == j.records.size());
  CHECK(batch_next(&r, &b) == 0);
  CHECK_FALSE(r.incomplete);
  batch_reader_free(&r);
}

// The records section of a v2 batch, decompressed.
Bytes records_section(const Bytes &batch) {
  BatchReader r;
  batch_reader_init(&r, batch.data(), batch.size());
  BatchView b;
  Bytes out;
  if (batch_next(&r, &b) == 1) out.assign(b.records, b.records + b.records_len);
  batch_reader_free(&r);
  return out;
}

}  // namespace

TEST_CASE("oracle: every Java record batch decodes field for field", "[records][oracle]") {
  std::vector<JBatch> batches;
  std::string err;
  bool loaded = load(&batches, &err);
  INFO(err);
  REQUIRE(loaded);
  REQUIRE(batches.size() >= 50);
  for (const JBatch &j : batches) {
    if (!codec_available(j.codec)) continue;  // the build lacks it: covered in codec tests
    DYNAMIC_SECTION(j.name) { check_decodes_like(j, j.bytes); }
  }
}

TEST_CASE("oracle: our encoder writes what the Java client writes", "[records][oracle]") {
  std::vector<JBatch> batches;
  std::string err;
  bool loaded = load(&batches, &err);
  INFO(err);
  REQUIRE(loaded);
  int compared = 0;
  for (const JBatch &j : batches) {
    // Log-append batches hide the producer's timestamps; legacy sets are read-only for us.
    if (j.magic != 2 || j.meta.at("timestampType") == 1 || !codec_available(j.codec)) continue;
    DYNAMIC_SECTION(j.name) {
      int rc = 0;
      Bytes ours = encode_like_java(j, &rc);
      REQUIRE(rc == 0);
      if (j.codec == kCodecNone) {
        CHECK(ours == j.bytes);
      } else {
        // Compressed bytes may differ (codec settings); the content must not.
        CHECK(records_section(ours) == records_section(j.bytes));
        CHECK(ours.size() > kBatchHeaderSize);
        check_decodes_like(j, ours);
      }
      compared++;
    }
  }
  CHECK(compared > 0);
}
