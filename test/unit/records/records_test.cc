// RecordBatch v2 layout by hand, round trips, corruption, truncation and legacy sets.
#include <catch2/catch.hpp>

#include <string.h>
#include <zlib.h>

#include <string>
#include <vector>

#include "codec/codec.h"
#include "proto/crc32c.h"
#include "proto/records.h"

using namespace uvk;

namespace {
typedef std::vector<uint8_t> Bytes;
const uint8_t *u(const char *s) { return reinterpret_cast<const uint8_t *>(s); }

Bytes build(int codec, int n, bool headers = false) {
  Buf out, scratch;
  BatchWriter w;
  BatchParams p;
  p.base_offset = 100;
  p.codec = codec;
  batch_begin(&w, &out, p);
  RecordHeader hs[2] = {{u("a"), 1, u("1"), 1}, {u("a"), 1, nullptr, 0}};
  for (int i = 0; i < n; i++) {
    std::string k = "k" + std::to_string(i), v = std::string(size_t(i * 10), 'v');
    batch_append(&w, 5000 + i, u(k.c_str()), int32_t(k.size()), u(v.c_str()), int32_t(v.size()),
                 headers ? hs : nullptr, headers ? 2 : 0);
  }
  REQUIRE(batch_finish(&w, &scratch) == 0);
  Bytes b(out.data, out.data + out.len);
  buf_free(&out);
  buf_free(&scratch);
  return b;
}

int count_records(const Bytes &bytes, int *err, bool *incomplete) {
  BatchReader r;
  batch_reader_init(&r, bytes.data(), bytes.size());
  BatchView b;
  int n = 0, rc;
  *err = 0;
  while ((rc = batch_next(&r, &b)) == 1) {
    RecordIter it;
    record_iter_init(&it, &b);
    RecordView rec;
    int rrc;
    while ((rrc = record_next(&it, &rec)) == 1) n++;
    if (rrc < 0) *err = rrc;
  }
  if (rc < 0) *err = rc;
  *incomplete = r.incomplete;
  batch_reader_free(&r);
  return n;
}
}  // namespace

TEST_CASE("a batch of one record, byte by byte", "[records]") {
  Buf out, scratch;
  BatchWriter w;
  BatchParams p;
  p.base_offset = 7;
  p.partition_leader_epoch = 3;
  batch_begin(&w, &out, p);
  batch_append(&w, 1000, u("k"), 1, u("vv"), 2, nullptr, 0);
  REQUIRE(batch_finish(&w, &scratch) == 0);
  // record: len=9 varint(18) attrs 0, tsDelta 0, offDelta 0, key len 1 (2) 'k', value len 2 (4) "vv", 0 headers
  Bytes rec = {0x12, 0x00, 0x00, 0x00, 0x02, 'k', 0x04, 'v', 'v', 0x00};
  REQUIRE(out.len == kBatchHeaderSize + rec.size());
  Bytes got(out.data, out.data + out.len);
  CHECK(Bytes(got.begin() + kBatchHeaderSize, got.end()) == rec);
  Reader h = reader_make(out.data, out.len);
  CHECK(get_i64(&h) == 7);                                  // base offset
  CHECK(get_i32(&h) == int32_t(out.len - 12));              // batch length
  CHECK(get_i32(&h) == 3);                                  // leader epoch
  CHECK(get_i8(&h) == 2);                                   // magic
  uint32_t crc = get_be32(&h);
  CHECK(crc == crc32c(0, out.data + 21, out.len - 21));
  CHECK(get_i16(&h) == 0);                                  // attributes
  CHECK(get_i32(&h) == 0);                                  // last offset delta
  CHECK(get_i64(&h) == 1000);                               // base timestamp
  CHECK(get_i64(&h) == 1000);                               // max timestamp
  CHECK(get_i64(&h) == -1);                                 // producer id
  CHECK(get_i16(&h) == -1);                                 // producer epoch
  CHECK(get_i32(&h) == -1);                                 // base sequence
  CHECK(get_i32(&h) == 1);                                  // count
  CHECK(record_size(0, 0, 1, 2, nullptr, 0) == rec.size());
  buf_free(&out);
  buf_free(&scratch);
}

TEST_CASE("every available codec round-trips a batch with headers", "[records]") {
  for (int codec = 0; codec <= 4; codec++) {
    if (!codec_available(codec)) continue;
    INFO(codec_name(codec));
    Bytes b = build(codec, 50, true);
    int err;
    bool incomplete;
    CHECK(count_records(b, &err, &incomplete) == 50);
    CHECK(err == 0);
    CHECK_FALSE(incomplete);
    // Two batches back to back read as one stream.
    Bytes two = b;
    two.insert(two.end(), b.begin(), b.end());
    CHECK(count_records(two, &err, &incomplete) == 100);
  }
}

TEST_CASE("a flipped byte fails the CRC; truncation reads as incomplete", "[records]") {
  Bytes b = build(kCodecNone, 10);
  Bytes bad = b;
  bad[bad.size() - 3] ^= 0x40;
  int err;
  bool incomplete;
  count_records(bad, &err, &incomplete);
  CHECK(err == UVK_ECRC);
  for (size_t cut = 1; cut < b.size(); cut++) {
    Bytes part(b.begin(), b.begin() + long(cut));
    CHECK(count_records(part, &err, &incomplete) == 0);
    CHECK(err == 0);
    CHECK(incomplete);
  }
  // With the CRC check off, a damaged length inside the records is still caught.
  for (int codec = 0; codec <= 4; codec++) {
    if (!codec_available(codec)) continue;
    Bytes c = build(codec, 20, true);
    for (size_t i = kBatchHeaderSize; i < c.size(); i += 3) {
      Bytes x = c;
      x[i] ^= 0xff;
      BatchReader r;
      r.verify_crc = false;
      batch_reader_init(&r, x.data(), x.size());
      BatchView bv;
      int rc = batch_next(&r, &bv);
      if (rc == 1) {
        RecordIter it;
        record_iter_init(&it, &bv);
        RecordView rec;
        while ((rc = record_next(&it, &rec)) == 1) {
        }
      }
      CHECK(rc <= 0);  // an error or the end: never a crash (ASan runs this)
      batch_reader_free(&r);
    }
  }
}

TEST_CASE("batch_count_records: uncompressed batches up to the first compressed one, counts capped by bytes",
          "[records]") {
  Bytes plain = build(kCodecNone, 10), gz = build(kCodecGzip, 20);
  Bytes three = plain;
  for (int i = 0; i < 2; i++) three.insert(three.end(), plain.begin(), plain.end());
  CHECK(batch_count_records(three.data(), three.size()) == 30);
  // A compressed batch ends the count (its records are handed on their own) and is not
  // counted: its bytes cannot cap its header's count; the batch after it is not counted.
  Bytes mixed = plain;
  mixed.insert(mixed.end(), gz.begin(), gz.end());
  mixed.insert(mixed.end(), plain.begin(), plain.end());
  CHECK(batch_count_records(mixed.data(), mixed.size()) == 10);
  CHECK(batch_count_records(gz.data(), gz.size()) == 0);
  // A batch cut short (the end of a Fetch answer) is not counted; nothing is read past the end.
  for (size_t cut = 0; cut < plain.size(); cut++) {
    Bytes part = plain;
    part.insert(part.end(), plain.begin(), plain.begin() + long(cut));
    CHECK(batch_count_records(part.data(), part.size()) == 10);
  }
  // A count the bytes cannot hold (a hostile header; the CRC is not checked here) is capped at
  // the records there (batch_record_bound); a negative one stops the count.
  Bytes lie = plain;
  lie[57] = 0x00, lie[58] = 0x2d, lie[59] = 0xc6, lie[60] = 0xc0;  // 3,000,000
  CHECK(batch_count_records(lie.data(), lie.size()) == 10);
  lie[57] = 0xff;
  CHECK(batch_count_records(lie.data(), lie.size()) == 0);
  // A length below the header's, or another magic, stops it too.
  Bytes shortlen = plain;
  shortlen[11] = 10;
  shortlen[8] = shortlen[9] = shortlen[10] = 0;
  CHECK(batch_count_records(shortlen.data(), shortlen.size()) == 0);
  Bytes magic1 = plain;
  magic1[16] = 1;
  CHECK(batch_count_records(magic1.data(), magic1.size()) == 0);
}

TEST_CASE("batch_record_bound: the count, capped by the bytes and by the records there", "[records][hostile]") {
  // Ten 64-byte records (a length varint of 63, 63 bytes).
  std::vector<uint8_t> s;
  for (int i = 0; i < 10; i++) {
    s.push_back(63 * 2);
    s.insert(s.end(), 63, 0);
  }
  REQUIRE(s.size() == 640);
  CHECK(batch_record_bound(s.data(), s.size(), 10) == 10);
  CHECK(batch_record_bound(s.data(), s.size(), 0) == 0);
  CHECK(batch_record_bound(s.data(), s.size(), -1) == 0);
  // Claiming more than one record per kCountCheckBytes: the length prefixes are walked, so
  // the lie yields the ten that are there (the byte cap alone allowed 640 / 7 = 91).
  CHECK(batch_record_bound(s.data(), s.size(), 11) == 10);
  CHECK(batch_record_bound(s.data(), s.size(), 3000000) == 10);
  CHECK(batch_record_bound(s.data(), s.size(), INT32_MAX) == 10);
  // Up to one per kCountCheckBytes, the count is taken without a walk (the hot path).
  std::vector<uint8_t> junk(640, 0xff);
  CHECK(batch_record_bound(junk.data(), junk.size(), 10) == 10);
  CHECK(batch_record_bound(junk.data(), junk.size(), 11) == 0);
  // A walk stops at a length running past the end, a negative one, or a varint cut short.
  std::vector<uint8_t> past(s.begin(), s.begin() + 600);  // the tenth record cut short
  CHECK(batch_record_bound(past.data(), past.size(), 100) == 9);
  std::vector<uint8_t> neg = s;
  neg[320] = 0x01;  // the sixth record's length: -1
  CHECK(batch_record_bound(neg.data(), neg.size(), 100) == 5);
  std::vector<uint8_t> cut(s.begin(), s.begin() + 129);
  cut.back() = 0x80;  // the third length varint, its continuation missing
  CHECK(batch_record_bound(cut.data(), cut.size(), 100) == 2);
}

TEST_CASE("a decompression bomb stops at the limit", "[records]") {
  // 8 MiB of zeros compress to a few KiB.
  Buf out, scratch;
  BatchWriter w;
  BatchParams p;
  p.codec = kCodecGzip;
  batch_begin(&w, &out, p);
  Bytes zeros(8u << 20, 0);
  batch_append(&w, 1, nullptr, 0, zeros.data(), int32_t(zeros.size()), nullptr, 0);
  REQUIRE(batch_finish(&w, &scratch) == 0);
  CHECK(out.len < (64u << 10));
  BatchReader r;
  r.max_decompressed = 1u << 20;
  batch_reader_init(&r, out.data, out.len);
  BatchView b;
  CHECK(batch_next(&r, &b) == UVK_ETOOLARGE);
  CHECK(r.decompressed.len <= (1u << 20) + 65536);
  batch_reader_free(&r);
  buf_free(&out);
  buf_free(&scratch);
}

TEST_CASE("control batches expose their marker type", "[records]") {
  Buf out, scratch, key, value;
  BatchWriter w;
  BatchParams p;
  p.control = true;
  p.transactional = true;
  p.producer_id = 5;
  p.producer_epoch = 1;
  batch_begin(&w, &out, p);
  put_i16(&key, 0);
  put_i16(&key, kControlCommit);
  control_record_value(&value, kControlCommit, 9);
  batch_append(&w, 77, key.data, int32_t(key.len), value.data, int32_t(value.len), nullptr, 0);
  REQUIRE(batch_finish(&w, &scratch) == 0);
  BatchReader r;
  batch_reader_init(&r, out.data, out.len);
  BatchView b;
  REQUIRE(batch_next(&r, &b) == 1);
  CHECK(b.control());
  CHECK(b.transactional());
  RecordIter it;
  record_iter_init(&it, &b);
  RecordView rec;
  REQUIRE(record_next(&it, &rec) == 1);
  CHECK(control_record_type(rec) == kControlCommit);
  batch_reader_free(&r);
  for (Buf *x : {&out, &scratch, &key, &value}) buf_free(x);
}

TEST_CASE("legacy message sets (magic 0 and 1) built by hand", "[records][legacy]") {
  auto message = [](int8_t magic, int64_t offset, const char *key, const char *value) {
    Buf m;
    put_i8(&m, magic);
    put_i8(&m, 0);
    if (magic == 1) put_i64(&m, 424242);
    put_i32(&m, int32_t(strlen(key)));
    put_raw(&m, key, strlen(key));
    put_i32(&m, int32_t(strlen(value)));
    put_raw(&m, value, strlen(value));
    Buf e;
    put_i64(&e, offset);
    put_i32(&e, int32_t(m.len + 4));
    put_be32(&e, uint32_t(crc32(0, m.data, uInt(m.len))));
    put_raw(&e, m.data, m.len);
    Bytes out(e.data, e.data + e.len);
    buf_free(&m);
    buf_free(&e);
    return out;
  };
  for (int8_t magic : {int8_t(0), int8_t(1)}) {
    Bytes set = message(magic, 10, "a", "x");
    Bytes second = message(magic, 11, "b", "yy");
    set.insert(set.end(), second.begin(), second.end());
    BatchReader r;
    batch_reader_init(&r, set.data(), set.size());
    BatchView b;
    std::vector<int64_t> offsets;
    std::vector<std::string> values;
    while (batch_next(&r, &b) == 1) {
      CHECK(b.magic == magic);
      RecordIter it;
      record_iter_init(&it, &b);
      RecordView rec;
      while (record_next(&it, &rec) == 1) {
        offsets.push_back(rec.offset);
        values.push_back(std::string(reinterpret_cast<const char *>(rec.value), size_t(rec.value_len)));
        CHECK(rec.timestamp == (magic == 1 ? 424242 : -1));
      }
    }
    CHECK(offsets == std::vector<int64_t>{10, 11});
    CHECK(values == std::vector<std::string>{"x", "yy"});
    batch_reader_free(&r);
    // A bad CRC is reported.
    Bytes bad = set;
    bad.back() ^= 1;
    batch_reader_init(&r, bad.data(), bad.size());
    CHECK(batch_next(&r, &b) == 1);
    CHECK(batch_next(&r, &b) == UVK_ECRC);
    batch_reader_free(&r);
  }
}
