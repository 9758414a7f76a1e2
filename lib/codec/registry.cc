// Codec ids to implementations: the built-ins, overridden by user registrations.
#include "codec/codec.h"
#include "uvk_build_config.h"
#include "uvkafka/uvkafka.h"

struct uvk_codec_out {
  uvk::Buf *buf;
  size_t produced;
  size_t max_out;
};

namespace uvk {

namespace {
struct UserCodec {
  uvk_codec_fn compress = nullptr;
  uvk_codec_fn decompress = nullptr;
  void *ud = nullptr;
};
UserCodec g_user[kCodecMax + 1];

bool builtin(int id) {
  switch (id) {
    case kCodecNone:
    case kCodecGzip: return true;
    case kCodecSnappy: return UVK_HAVE_SNAPPY;
    case kCodecLz4: return UVK_HAVE_LZ4;
    case kCodecZstd: return UVK_HAVE_ZSTD;
    default: return false;
  }
}
}  // namespace

bool codec_available(int id) {
  if (id < 0 || id > kCodecMax) return false;
  return g_user[id].compress != nullptr || builtin(id);
}

const char *codec_name(int id) {
  static const char *const names[] = {"none", "gzip", "snappy", "lz4", "zstd"};
  return id >= 0 && id <= kCodecZstd ? names[id] : "unknown";
}

int codec_compress(int id, const uint8_t *src, size_t len, Buf *out) {
  if (id < 0 || id > kCodecMax) return UVK_EUNSUPPORTED;
  if (g_user[id].compress) {
    uvk_codec_out o{out, 0, SIZE_MAX};
    int rc = g_user[id].compress(g_user[id].ud, src, len, &o);
    return rc != 0 ? rc : out->failed ? UVK_ENOMEM : 0;
  }
  switch (id) {
    case kCodecNone: put_raw(out, src, len); return out->failed ? UVK_ENOMEM : 0;
    case kCodecGzip: return gzip_compress(src, len, out);
    case kCodecSnappy: return snappy_compress_framed(src, len, out);
    case kCodecLz4: return lz4_compress_frame(src, len, out);
    case kCodecZstd: return zstd_compress_frame(src, len, out);
    default: return UVK_EUNSUPPORTED;
  }
}

int codec_decompress(int id, const uint8_t *src, size_t len, Buf *out, size_t max_out) {
  if (id < 0 || id > kCodecMax) return UVK_EUNSUPPORTED;
  if (g_user[id].decompress) {
    uvk_codec_out o{out, 0, max_out};
    int rc = g_user[id].decompress(g_user[id].ud, src, len, &o);
    return rc != 0 ? rc : out->failed ? UVK_ENOMEM : 0;
  }
  switch (id) {
    case kCodecNone:
      if (len > max_out) return UVK_ETOOLARGE;
      put_raw(out, src, len);
      return out->failed ? UVK_ENOMEM : 0;
    case kCodecGzip: return gzip_decompress(src, len, out, max_out);
    case kCodecSnappy: return snappy_decompress_any(src, len, out, max_out);
    case kCodecLz4: return lz4_decompress_frame(src, len, out, max_out);
    case kCodecZstd: return zstd_decompress_frame(src, len, out, max_out);
    default: return UVK_EUNSUPPORTED;
  }
}

}  // namespace uvk

using namespace uvk;

extern "C" {

UVK_EXTERN int uvk_codec_out_write(uvk_codec_out *out, const void *data, size_t len) {
  if (!out || (!data && len)) return UVK_EINVAL;
  if (len > out->max_out - out->produced) return UVK_ETOOLARGE;
  put_raw(out->buf, data, len);
  if (out->buf->failed) return UVK_ENOMEM;
  out->produced += len;
  return 0;
}

UVK_EXTERN int uvk_codec_register(int codec_id, uvk_codec_fn compress, uvk_codec_fn decompress,
                                  void *ud) {
  if (codec_id < kCodecGzip || codec_id > kCodecZstd || !compress || !decompress) return UVK_EINVAL;
  g_user[codec_id] = UserCodec{compress, decompress, ud};
  return 0;
}

UVK_EXTERN int uvk_codec_unregister(int codec_id) {
  if (codec_id < kCodecGzip || codec_id > kCodecZstd) return UVK_EINVAL;
  if (!g_user[codec_id].compress) return UVK_ENOTFOUND;
  g_user[codec_id] = UserCodec{};
  return 0;
}

UVK_EXTERN int uvk_codec_available(int codec_id) { return codec_available(codec_id) ? 1 : 0; }

}  // extern "C"
