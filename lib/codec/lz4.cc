// lz4 in the LZ4 frame format the Java client reads and writes (KafkaLZ4BlockOutputStream):
// independent 64 KiB blocks, no content size, no content checksum.
#include "codec/codec.h"
#include "uvk_build_config.h"
#include "uvkafka/uvk_errors.h"

#if UVK_HAVE_LZ4
#include <lz4frame.h>
#endif

namespace uvk {

#if UVK_HAVE_LZ4
int lz4_compress_frame(const uint8_t *src, size_t len, Buf *out) {
  LZ4F_preferences_t prefs = {};
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  prefs.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
  size_t bound = LZ4F_compressFrameBound(len, &prefs);
  if (!buf_reserve(out, bound)) return UVK_ENOMEM;
  size_t n = LZ4F_compressFrame(out->data + out->len, bound, src, len, &prefs);
  if (LZ4F_isError(n)) return UVK_ECOMPRESSION;
  out->len += n;
  return 0;
}

int lz4_decompress_frame(const uint8_t *src, size_t len, Buf *out, size_t max_out) {
  LZ4F_dctx *dctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION))) return UVK_ENOMEM;
  size_t produced = 0, off = 0;
  int rc = UVK_ECOMPRESSION;
  for (;;) {
    size_t room = max_out - produced;
    size_t chunk = room < 65536 ? room : 65536;
    // At the limit the one-byte probe goes to a local byte, not to `out` (reserving it
    // there doubled the buffer past the limit).
    uint8_t probe;
    uint8_t *dst = &probe;
    if (chunk == 0) {
      chunk = 1;
    } else {
      if (!buf_reserve(out, chunk)) {
        rc = UVK_ENOMEM;
        break;
      }
      dst = out->data + out->len;
    }
    size_t dst_n = chunk, src_n = len - off;
    size_t hint = LZ4F_decompress(dctx, dst, &dst_n, src + off, &src_n, nullptr);
    if (LZ4F_isError(hint)) break;
    if (dst == &probe && dst_n > 0) {
      rc = UVK_ETOOLARGE;
      break;
    }
    off += src_n;
    out->len += dst_n;
    produced += dst_n;
    if (produced > max_out) {
      rc = UVK_ETOOLARGE;
      break;
    }
    if (hint == 0) {  // the frame is complete
      rc = off == len ? 0 : UVK_ECOMPRESSION;
      break;
    }
    if (src_n == 0 && dst_n == 0) break;  // input ended inside the frame
  }
  LZ4F_freeDecompressionContext(dctx);
  return rc;
}
#else
int lz4_compress_frame(const uint8_t *, size_t, Buf *) { return UVK_EUNSUPPORTED; }
int lz4_decompress_frame(const uint8_t *, size_t, Buf *, size_t) { return UVK_EUNSUPPORTED; }
#endif

}  // namespace uvk
