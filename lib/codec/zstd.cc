// zstd frames (compression.type=zstd). Decompression streams, so a frame without a content
// size is fine and the output limit is enforced as bytes come out.
#include "codec/codec.h"
#include "uvk_build_config.h"
#include "uvkafka/uvk_errors.h"

#if UVK_HAVE_ZSTD
#include <zstd.h>
#endif

namespace uvk {

#if UVK_HAVE_ZSTD
int zstd_compress_frame(const uint8_t *src, size_t len, Buf *out) {
  size_t bound = ZSTD_compressBound(len);
  if (!buf_reserve(out, bound)) return UVK_ENOMEM;
  size_t n = ZSTD_compress(out->data + out->len, bound, src, len, 3);
  if (ZSTD_isError(n)) return UVK_ECOMPRESSION;
  out->len += n;
  return 0;
}

int zstd_decompress_frame(const uint8_t *src, size_t len, Buf *out, size_t max_out) {
  ZSTD_DStream *ds = ZSTD_createDStream();
  if (!ds) return UVK_ENOMEM;
  ZSTD_initDStream(ds);
  ZSTD_inBuffer in = {src, len, 0};
  size_t produced = 0;
  int rc = UVK_ECOMPRESSION;
  for (;;) {
    size_t room = max_out - produced;
    size_t chunk = room < 131072 ? room : 131072;
    // At the limit the one-byte probe goes to a local byte, not to `out` (reserving it
    // there doubled the buffer past the limit).
    uint8_t probe;
    ZSTD_outBuffer o = {&probe, 1, 0};
    if (chunk > 0) {
      if (!buf_reserve(out, chunk)) {
        rc = UVK_ENOMEM;
        break;
      }
      o = ZSTD_outBuffer{out->data + out->len, chunk, 0};
    }
    size_t ret = ZSTD_decompressStream(ds, &o, &in);
    if (ZSTD_isError(ret)) break;
    if (chunk == 0 && o.pos > 0) {
      rc = UVK_ETOOLARGE;
      break;
    }
    out->len += o.pos;
    produced += o.pos;
    if (produced > max_out) {
      rc = UVK_ETOOLARGE;
      break;
    }
    if (ret == 0 && in.pos == in.size) {  // frame(s) complete, input used up
      rc = 0;
      break;
    }
    if (o.pos == 0 && in.pos == in.size) break;  // input ended inside a frame
  }
  ZSTD_freeDStream(ds);
  return rc;
}
#else
int zstd_compress_frame(const uint8_t *, size_t, Buf *) { return UVK_EUNSUPPORTED; }
int zstd_decompress_frame(const uint8_t *, size_t, Buf *, size_t) { return UVK_EUNSUPPORTED; }
#endif

}  // namespace uvk
