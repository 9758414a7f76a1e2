/** @file uvk_codec.h
 * @brief Compression codecs. Include uvkafka/uvkafka.h rather than this file.
 *
 * gzip is always built in; snappy, lz4 and zstd are when the library was built with them
 * (uvk_codec_available tells). Like KafkaJS's CompressionCodecs, an application can add a
 * codec the build lacks, or replace a built-in one, by registering a compress/decompress
 * pair for its Kafka codec id. Register codecs before creating clients; the registry is
 * process-wide and not synchronised. */
#ifndef UVK_CODEC_H
#define UVK_CODEC_H

#include "uvkafka/uvkafka.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Kafka's codec ids (the low three bits of a record batch's attributes). */
typedef enum uvk_codec_id {
  UVK_CODEC_NONE = 0,   /**< no compression */
  UVK_CODEC_GZIP = 1,   /**< gzip (always built in) */
  UVK_CODEC_SNAPPY = 2, /**< snappy */
  UVK_CODEC_LZ4 = 3,    /**< lz4 */
  UVK_CODEC_ZSTD = 4    /**< zstd */
} uvk_codec_id;

/** Where a codec writes its output. */
typedef struct uvk_codec_out uvk_codec_out;
/** Appends bytes to a codec's output. Returns 0, UVK_ETOOLARGE when a decompression would
 * exceed the consumer's limit (stop and return that code), or UVK_ENOMEM. */
UVK_EXTERN int uvk_codec_out_write(uvk_codec_out *out, const void *data, size_t len);

/** A codec function: compresses or decompresses `src` into `out`; returns 0 or a negative code (use
 * UVK_ECOMPRESSION for corrupt input). Called on the loop thread. */
typedef int (*uvk_codec_fn)(void *ud, const uint8_t *src, size_t len, uvk_codec_out *out);

/** Registers (or replaces) the codec for id 1..4. Both functions are required.
 * UVK_EINVAL for another id or a NULL function. */
UVK_EXTERN int uvk_codec_register(int codec_id, uvk_codec_fn compress, uvk_codec_fn decompress,
                                  void *ud);
/** Removes a registered codec; a built-in one comes back. UVK_ENOTFOUND if none was registered. */
UVK_EXTERN int uvk_codec_unregister(int codec_id);
/** 1 when `codec_id` can be used (built in or registered), else 0. UVK_CODEC_NONE is 1. */
UVK_EXTERN int uvk_codec_available(int codec_id);

#ifdef __cplusplus
}
#endif

#endif /* UVK_CODEC_H */
