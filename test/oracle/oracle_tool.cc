// Our side of the two-way Java checks (test/oracle/check.sh runs it):
//   oracle_tool decoded-json MESSAGES_TXT OUT   each Java message decoded by us, as JSON:
//                                               "<Name> <version> <json>" (or "error ...")
//   oracle_tool records-out RECORDS_TXT OUT     the magic-2 batches re-encoded by us, every
//                                               codec, in records.txt's format, for Java to read
#include <stdio.h>
#include <string.h>

#include <fstream>
#include <sstream>
#include <string>

#include "proto/gen/json.h"
#include "records_txt.h"

using namespace uvk;

static int decoded_json(const char *in_path, const char *out_path) {
  std::ifstream in(in_path);
  std::ofstream out(out_path);
  if (!in || !out) return 1;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.compare(0, 5, "skip ") == 0) continue;
    std::istringstream s(line);
    std::string name, hex;
    int version;
    s >> name >> version >> hex;
    oracle::Bytes bytes = oracle::unhex(hex);
    Buf json;
    int rc = proto::proto_decode_to_json(name.c_str(), int16_t(version), bytes.data(), bytes.size(), &json);
    if (rc == 0) out << name << " " << version << " " << std::string(reinterpret_cast<char *>(json.data), json.len) << "\n";
    else out << "error " << name << " " << version << " " << rc << "\n";
    buf_free(&json);
  }
  return 0;
}

static std::string hexs(const oracle::Bytes &b) {
  static const char *d = "0123456789abcdef";
  std::string s;
  for (uint8_t x : b) s += d[x >> 4], s += d[x & 15];
  return s;
}

static int records_out(const char *in_path, const char *out_path) {
  std::vector<oracle::JBatch> batches;
  std::string err;
  if (!oracle::load(&batches, &err, in_path)) {
    fprintf(stderr, "%s\n", err.c_str());
    return 1;
  }
  std::ofstream out(out_path);
  for (const oracle::JBatch &j : batches) {
    if (j.magic != 2 || j.meta.at("timestampType") == 1) continue;
    int rc = 0;
    oracle::Bytes ours = oracle::encode_like_java(j, &rc);
    if (rc != 0) {
      out << "# " << j.name << ": our encoder failed (" << rc << ")\n";
      continue;
    }
    out << "batch " << j.name << " codec=" << j.codec << " magic=2\n";
    out << "hex " << hexs(ours) << "\n";
    for (const oracle::JRecord &r : j.records) {
      out << "record offset=" << r.offset << " timestamp=" << r.timestamp
          << " key=" << (r.key_null ? "-" : hexs(r.key)) << " value=" << (r.value_null ? "-" : hexs(r.value))
          << " headers=" << r.headers.size() << "\n";
      for (const auto &h : r.headers)
        out << "header key=" << hexs(h.first) << " value=" << (h.second.first ? "-" : hexs(h.second.second)) << "\n";
    }
    out << "end\n";
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "decoded-json") == 0) return decoded_json(argv[2], argv[3]);
  if (argc == 4 && strcmp(argv[1], "records-out") == 0) return records_out(argv[2], argv[3]);
  fprintf(stderr, "usage: oracle_tool decoded-json|records-out IN OUT\n");
  return 2;
}
