// Parses the Java oracle's records.txt (format: test/oracle/README.md). Shared by the
// records unit tests and the oracle tool. Test code: STL welcome.
#pragma once
#include <stdint.h>
#include <stdlib.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "proto/records.h"

namespace oracle {

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

inline Bytes unhex(const std::string &h, bool *is_null = nullptr) {
  Bytes out;
  if (is_null) *is_null = h == "-";
  if (h == "-") return out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(uint8_t(strtoul(h.substr(i, 2).c_str(), nullptr, 16)));
  return out;
}

inline std::map<std::string, std::string> kv(std::istringstream &in) {
  std::map<std::string, std::string> m;
  std::string tok;
  while (in >> tok) {
    size_t eq = tok.find('=');
    if (eq != std::string::npos) m[tok.substr(0, eq)] = tok.substr(eq + 1);
  }
  return m;
}

// Reads $UVK_ORACLE_DIR/records.txt (or `path` when given).
inline bool load(std::vector<JBatch> *out, std::string *err, const char *path = nullptr) {
  const char *dir = getenv("UVK_ORACLE_DIR");
  if (!path && (!dir || !*dir)) {
    *err = "UVK_ORACLE_DIR is not set: run test/oracle/prepare.sh OUT and source OUT/env";
    return false;
  }
  std::string file = path ? std::string(path) : std::string(dir) + "/records.txt";
  std::ifstream f(file);
  if (!f) {
    *err = "cannot read " + file;
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

// Writes the batch `j` describes with our encoder, with the same parameters and records.
inline Bytes encode_like_java(const JBatch &j, int *rc) {
  using namespace uvk;
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
  static const uint8_t empty[1] = {0};  // a non-null pointer for empty (not null) bytes
  for (const JRecord &r : j.records) {
    std::vector<RecordHeader> hs;
    for (const auto &h : r.headers)
      hs.push_back(RecordHeader{h.first.data(), int32_t(h.first.size()),
                                h.second.first ? nullptr : h.second.second.empty() ? empty : h.second.second.data(),
                                int32_t(h.second.second.size())});
    const uint8_t *key = r.key_null ? nullptr : r.key.empty() ? empty : r.key.data();
    const uint8_t *value = r.value_null ? nullptr : r.value.empty() ? empty : r.value.data();
    batch_append(&w, r.timestamp, key, int32_t(r.key.size()), value, int32_t(r.value.size()), hs.data(),
                 int32_t(hs.size()));
  }
  *rc = batch_finish(&w, &scratch);
  Bytes bytes(out.data, out.data + out.len);
  buf_free(&out);
  buf_free(&scratch);
  return bytes;
}

}  // namespace oracle
