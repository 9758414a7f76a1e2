// The scripted broker of the connection tests (conn_test.cc, conn_errors_test.cc): the frames
// a Conn wrote, read back with their headers, and responses built by the generated codecs
// fed to it. No socket, no clock: the test says what time it is. Include after catch2.
#pragma once
#include <stdint.h>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

#include "engine/conn.h"
#include "proto/gen/api_table.h"
#include "proto/gen/api_versions.h"
#include "proto/gen/headers.h"

namespace conn_rig {

struct Sent {
  int16_t api_key, version;
  int32_t correlation;
  std::string client_id;
  std::vector<uint8_t> body;
};

// Takes every complete frame the connection wrote.
inline std::vector<Sent> take_frames(uvk::Conn *c) {
  using namespace uvk;
  std::vector<Sent> out;
  const uint8_t *p;
  size_t n = conn_output(c, &p);
  std::vector<uint8_t> bytes(p, p + n);
  conn_output_done(c, n, 0);
  Reader r = reader_make(bytes.data(), bytes.size());
  while (rd_left(&r) >= 4) {
    int32_t size = get_i32(&r);
    Reader f = reader_make(rd_take(&r, size_t(size)), size_t(size));
    int16_t key = int16_t(f.p[0] << 8 | f.p[1]), version = int16_t(f.p[2] << 8 | f.p[3]);
    proto::RequestHeader h;
    Arena a;
    REQUIRE(proto::decode(&f, &a, &h, proto::request_header_version(key, version)) == 0);
    out.push_back(Sent{key, version, h.correlation_id, std::string(h.client_id.data, size_t(h.client_id.len)),
                       std::vector<uint8_t>(f.p, f.end)});
    arena_free(&a);
  }
  return out;
}

// A response frame: size, header, body.
template <class T>
std::vector<uint8_t> frame(int32_t correlation, int16_t api_key, int16_t version, const T &body) {
  using namespace uvk;
  using namespace uvk::proto;
  Buf b;
  put_i32(&b, 0);
  ResponseHeader h;
  h.correlation_id = correlation;
  REQUIRE(encode(&b, h, response_header_version(api_key, version)) == 0);
  REQUIRE(encode(&b, body, version) == 0);  // found where T is (argument-dependent lookup)
  patch_be32(&b, 0, uint32_t(b.len - 4));
  std::vector<uint8_t> out(b.data, b.data + b.len);
  buf_free(&b);
  return out;
}

// Feeds bytes `chunk` at a time (1 = byte by byte).
inline int feed(uvk::Conn *c, const std::vector<uint8_t> &bytes, size_t chunk, uint64_t now = 0) {
  int rc = 0;
  for (size_t i = 0; i < bytes.size() && rc == 0; i += chunk)
    rc = uvk::conn_read(c, bytes.data() + i, std::min(chunk, bytes.size() - i), now);
  return rc;
}

struct ApiMax {
  int16_t api_key, max_version;
};

// An ApiVersions answer offering each API from version 0 up to its max; `keys` holds the
// entries the response points at.
inline uvk::proto::ApiVersionsResponse versions_of(std::vector<uvk::proto::ApiVersionsResponse::ApiVersion> *keys,
                                                   std::initializer_list<ApiMax> apis) {
  keys->clear();
  for (const ApiMax &a : apis) {
    uvk::proto::ApiVersionsResponse::ApiVersion k;
    k.api_key = a.api_key, k.min_version = 0, k.max_version = a.max_version;
    keys->push_back(k);
  }
  uvk::proto::ApiVersionsResponse r;
  r.api_keys.items = keys->data();
  r.api_keys.count = int32_t(keys->size());
  return r;
}

}  // namespace conn_rig
