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

using namespace uvk;

namespace {

typedef std::vector<uint8_t> Bytes;

struct JRecord {
  int64_t offset = 0, timestamp = 0;
  bool key_null = false, value_null = false;
  Bytes key, value;
  std::vector<std::pair<Bytes, std::pair<bool, Bytes>>> headers;  // key, (null?, value)
};

struct JBatch {
  std::string name;
  int codec = 0, magic = 0;
  Bytes bytes;
  std::map<std::string, long long> meta;
  std::vector<JRecord> records;
};

Bytes unhex(const std::string &h, bool *is_null = nullptr) {
  Bytes out;
  if (is_null) *is_null = h == "-";
  if (h == "-") return out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(uint8_t(strtoul(h.substr(i, 2).c_str(), nullptr, 16)));
  return out;
}

std::map<std::string, std::string> kv(std::istringstream &in) {
  std::map<std::string, std::string> m;
  std::string tok;
  while (in >> tok) {
    size_t eq = tok.find('=');
    if (eq != std::string::npos) m[tok.substr(0, eq)] = tok.substr(eq + 1);
  }
  return m;
}

bool load(std::vector<JBatch> *out, std::string *err) {
  const char *dir = getenv("UVK_ORACLE_DIR");
  if (!dir || !*dir) {
    *err = "UVK_ORACLE_DIR is not set: run test/oracle/prepare.sh OUT and source OUT/env";
    return false;
  }
  std::ifstream f(std::string(dir) + "/records.txt");
  if (!f) {
    *err = std::string("cannot read ") + dir + "/records.txt";
    return false;
  }
  std::string line;
  JBatch cur;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string word;
    in >> word;
    if (word == "batch") {
      cur = JBatch();
      in >> cur.name;
      auto m = kv(in);
      cur.codec = atoi(m["codec"].c_str());
      cur.magic = atoi(m["magic"].c_str());
    } else if (word == "hex") {
      std::string h;
      in >> h;
      cur.bytes = unhex(h);
    } else if (word == "meta") {
      for (auto &p : kv(in)) cur.meta[p.first] = atoll(p.second.c_str());
    } else if (word == "record") {
      auto m = kv(in);
      JRecord r;
      r.offset = atoll(m["offset"].c_str());
      r.timestamp = atoll(m["timestamp"].c_str());
      r.key = unhex(m["key"], &r.key_null);
      r.value = unhex(m["value"], &r.value_null);
      cur.records.push_back(r);
    } else if (word == "header") {
      auto m = kv(in);
      bool vnull = false;
      Bytes v = unhex(m["value"], &vnull);
      cur.records.back().headers.push_back({unhex(m["key"]), {vnull, v}});
    } else if (word == "end") {
      out->push_back(cur);
    }
  }
  return true;
}

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
      BatchParams p;
      p.base_offset = j.meta.at("baseOffset");
      p.partition_leader_epoch = int32_t(j.meta.at("partitionLeaderEpoch"));
      p.codec = j.codec;
      p.transactional = j.meta.at("transactional") != 0;
      p.control = j.meta.at("control") != 0;
      p.producer_id = j.meta.at("producerId");
      p.producer_epoch = int16_t(j.meta.at("producerEpoch"));
      p.base_sequence = int32_t(j.meta.at("baseSequence"));
      Buf out, scratch;
      BatchWriter w;
      batch_begin(&w, &out, p);
      for (const JRecord &r : j.records) {
        std::vector<RecordHeader> hs;
        for (const auto &h : r.headers)
          hs.push_back(RecordHeader{h.first.data(), int32_t(h.first.size()),
                                    h.second.first ? nullptr : h.second.second.data(),
                                    int32_t(h.second.second.size())});
        static const uint8_t empty[1] = {0};  // a non-null pointer for empty (not null) bytes
        const uint8_t *key = r.key_null ? nullptr : r.key.empty() ? empty : r.key.data();
        const uint8_t *value = r.value_null ? nullptr : r.value.empty() ? empty : r.value.data();
        batch_append(&w, r.timestamp, key, int32_t(r.key.size()), value, int32_t(r.value.size()),
                     hs.data(), int32_t(hs.size()));
      }
      REQUIRE(batch_finish(&w, &scratch) == 0);
      Bytes ours(out.data, out.data + out.len);
      buf_free(&out);
      buf_free(&scratch);
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
