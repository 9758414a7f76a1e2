// Compression codecs by Kafka's codec id (the low 3 bits of a batch's attributes):
// gzip always, snappy / lz4 / zstd when built in, and any codec a user registers through
// uvk_codec_register() (KafkaJS's CompressionCodecs). Output goes to a growable Buf;
// decompression never produces more than the caller's limit (a decompression bomb is an
// error, not an allocation).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

namespace uvk {

enum CodecId { kCodecNone = 0, kCodecGzip = 1, kCodecSnappy = 2, kCodecLz4 = 3, kCodecZstd = 4 };
const int kCodecMax = 7;  // three attribute bits

// Appends the compressed form of src to out. UVK_EUNSUPPORTED when the codec is not
// available, UVK_ECOMPRESSION when it fails, UVK_ENOMEM.
int codec_compress(int id, const uint8_t *src, size_t len, Buf *out);
// Appends the decompressed form of src to out, producing at most max_out bytes:
// UVK_ETOOLARGE beyond that, UVK_ECOMPRESSION for corrupt input.
int codec_decompress(int id, const uint8_t *src, size_t len, Buf *out, size_t max_out);
bool codec_available(int id);
const char *codec_name(int id);  // "gzip", ...; "unknown" otherwise

// The built-in implementations (each returns UVK_EUNSUPPORTED when not compiled in).
int gzip_compress(const uint8_t *src, size_t len, Buf *out);
int gzip_decompress(const uint8_t *src, size_t len, Buf *out, size_t max_out);
int snappy_compress_framed(const uint8_t *src, size_t len, Buf *out);
int snappy_decompress_any(const uint8_t *src, size_t len, Buf *out, size_t max_out);
int lz4_compress_frame(const uint8_t *src, size_t len, Buf *out);
int lz4_decompress_frame(const uint8_t *src, size_t len, Buf *out, size_t max_out);
int zstd_compress_frame(const uint8_t *src, size_t len, Buf *out);
int zstd_decompress_frame(const uint8_t *src, size_t len, Buf *out, size_t max_out);

}  // namespace uvk
