// snappy in the two forms Kafka meets: the xerial framing the Java client writes
// (SnappyOutputStream: a 16-byte header, then [int32 length][raw block] chunks of 32 KiB
// input each), and a raw block, which older clients wrote and which we also accept.
#include "codec/codec.h"
#include "uvk_build_config.h"
#include "uvkafka/uvk_errors.h"

#if UVK_HAVE_SNAPPY
#include <snappy-c.h>
#include <string.h>
#endif

namespace uvk {

#if UVK_HAVE_SNAPPY
static const uint8_t kXerialMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
static const size_t kXerialBlock = 32 * 1024;

int snappy_compress_framed(const uint8_t *src, size_t len, Buf *out) {
  put_raw(out, kXerialMagic, 8);
  put_be32(out, 1);  // version
  put_be32(out, 1);  // minimum compatible version
  for (size_t off = 0; off < len; off += kXerialBlock) {
    size_t n = len - off < kXerialBlock ? len - off : kXerialBlock;
    size_t bound = snappy_max_compressed_length(n);
    if (!buf_reserve(out, 4 + bound)) return UVK_ENOMEM;
    size_t at = out->len;
    size_t clen = bound;
    if (snappy_compress(reinterpret_cast<const char *>(src + off), n,
                        reinterpret_cast<char *>(out->data + at + 4), &clen) != SNAPPY_OK)
      return UVK_ECOMPRESSION;
    out->len += 4;
    patch_be32(out, at, uint32_t(clen));
    out->len += clen;
  }
  return out->failed ? UVK_ENOMEM : 0;
}

static int raw_block(const uint8_t *src, size_t len, Buf *out, size_t *produced, size_t max_out) {
  size_t n = 0;
  if (snappy_uncompressed_length(reinterpret_cast<const char *>(src), len, &n) != SNAPPY_OK)
    return UVK_ECOMPRESSION;
  if (n > max_out - *produced) return UVK_ETOOLARGE;
  if (!buf_reserve(out, n)) return UVK_ENOMEM;
  size_t got = n;
  if (snappy_uncompress(reinterpret_cast<const char *>(src), len,
                        reinterpret_cast<char *>(out->data + out->len), &got) != SNAPPY_OK ||
      got != n)
    return UVK_ECOMPRESSION;
  out->len += n;
  *produced += n;
  return 0;
}

int snappy_decompress_any(const uint8_t *src, size_t len, Buf *out, size_t max_out) {
  size_t produced = 0;
  if (len < 16 || memcmp(src, kXerialMagic, 8) != 0) return raw_block(src, len, out, &produced, max_out);
  size_t off = 16;
  while (off < len) {
    if (len - off < 4) return UVK_ECOMPRESSION;
    size_t n = size_t(src[off]) << 24 | size_t(src[off + 1]) << 16 | size_t(src[off + 2]) << 8 | src[off + 3];
    off += 4;
    if (n > len - off) return UVK_ECOMPRESSION;
    int rc = raw_block(src + off, n, out, &produced, max_out);
    if (rc != 0) return rc;
    off += n;
  }
  return 0;
}
#else
int snappy_compress_framed(const uint8_t *, size_t, Buf *) { return UVK_EUNSUPPORTED; }
int snappy_decompress_any(const uint8_t *, size_t, Buf *, size_t) { return UVK_EUNSUPPORTED; }
#endif

}  // namespace uvk
