// gzip through zlib: what the Java client writes for compression.type=gzip.
#include <zlib.h>

#include "codec/codec.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

int gzip_compress(const uint8_t *src, size_t len, Buf *out) {
  z_stream z = {};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return UVK_ENOMEM;
  size_t bound = deflateBound(&z, uLong(len)) + 32;
  if (!buf_reserve(out, bound)) {
    deflateEnd(&z);
    return UVK_ENOMEM;
  }
  z.next_in = const_cast<Bytef *>(src);
  z.avail_in = uInt(len);
  z.next_out = out->data + out->len;
  z.avail_out = uInt(bound);
  int rc = deflate(&z, Z_FINISH);
  if (rc == Z_STREAM_END) out->len += z.total_out;
  deflateEnd(&z);
  return rc == Z_STREAM_END ? 0 : UVK_ECOMPRESSION;
}

int gzip_decompress(const uint8_t *src, size_t len, Buf *out, size_t max_out) {
  z_stream z = {};
  if (inflateInit2(&z, 15 + 32) != Z_OK) return UVK_ENOMEM;  // gzip or zlib header
  z.next_in = const_cast<Bytef *>(src);
  z.avail_in = uInt(len);
  size_t produced = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    size_t chunk = len * 4 < 65536 ? 65536 : len * 4;
    size_t room = max_out - produced;
    if (chunk > room) chunk = room;
    // At the limit, one byte more than allowed tells "too large" from "done". It goes to a
    // local byte: reserving it in `out` doubled the buffer past the limit (a bomb stopped
    // at 64 MiB cost a 128 MiB buffer).
    uint8_t probe;
    if (chunk == 0) {
      z.next_out = &probe;
      z.avail_out = 1;
    } else {
      if (!buf_reserve(out, chunk)) {
        inflateEnd(&z);
        return UVK_ENOMEM;
      }
      z.next_out = out->data + out->len;
      z.avail_out = uInt(chunk);
    }
    rc = inflate(&z, Z_NO_FLUSH);
    size_t got = (chunk ? chunk : 1) - z.avail_out;
    if (chunk == 0 && got > 0) {
      inflateEnd(&z);
      return UVK_ETOOLARGE;
    }
    out->len += got;
    produced += got;
    if (produced > max_out) {
      inflateEnd(&z);
      return UVK_ETOOLARGE;
    }
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK || (got == 0 && z.avail_in == 0)) {
      inflateEnd(&z);
      return UVK_ECOMPRESSION;  // corrupt, or the input ended before the stream did
    }
  }
  inflateEnd(&z);
  return 0;
}

}  // namespace uvk
