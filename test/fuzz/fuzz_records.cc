// libFuzzer target: record batches as a Fetch response carries them. Input: [mode][...].
//   mode < 0x80: the rest is raw batch bytes (v2 batches and legacy message sets, any
//     codec the attributes name): every batch, record and header is walked, with the CRC
//     check both on and off (off reaches the parsers behind it).
//   mode >= 0x80: [count][payload...]: the harness wraps payload in a valid v2 batch header
//     (right length and CRC32C) with attributes mode & 0x3f, so the low three bits pick the
//     codec (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd) and each decompressor gets the
//     fuzzer's bytes directly, then the record parser gets what comes out of it.
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "proto/crc32c.h"
#include "proto/records.h"

// Inputs (or parts of them: records, keys) that got past the decoder's checks; the corpus
// replay (replay_test.cc) requires some, so a corpus that only exercises refusals fails.
extern "C" {
size_t uvk_fuzz_reached = 0;
}

static void walk(const uint8_t *data, size_t size, bool verify_crc) {
  uvk::BatchReader r;
  r.verify_crc = verify_crc;
  r.max_decompressed = 1u << 20;
  uvk::batch_reader_init(&r, data, size);
  uvk::BatchView b;
  while (uvk::batch_next(&r, &b) == 1) {
    uvk::RecordIter it;
    uvk::record_iter_init(&it, &b);
    uvk::RecordView rec;
    while (uvk::record_next(&it, &rec) == 1) {
      uvk_fuzz_reached++;
      uvk::Reader hr = uvk::reader_make(rec.headers, rec.headers_len);
      uvk::RecordHeader h;
      while (uvk::header_next(&hr, &h) == 1) {
      }
      if (b.control()) uvk::control_record_type(rec);
    }
  }
  uvk::batch_reader_free(&r);
}

// One v2 batch around `payload` (the records section as stored: compressed or not).
static void wrap(uvk::Buf *out, int16_t attributes, int32_t count, const uint8_t *payload,
                 size_t len) {
  uvk::Buf tail;  // attributes .. records: what the CRC covers
  uvk::put_i16(&tail, attributes);
  uvk::put_i32(&tail, count > 0 ? count - 1 : 0);  // lastOffsetDelta
  uvk::put_i64(&tail, 1000);                       // baseTimestamp
  uvk::put_i64(&tail, 1000);                       // maxTimestamp
  uvk::put_i64(&tail, -1);                         // producerId
  uvk::put_i16(&tail, -1);                         // producerEpoch
  uvk::put_i32(&tail, -1);                         // baseSequence
  uvk::put_i32(&tail, count);
  uvk::put_raw(&tail, payload, len);
  uvk::put_i64(out, 0);                                // baseOffset
  uvk::put_i32(out, int32_t(4 + 1 + 4 + tail.len));    // length: epoch, magic, crc, tail
  uvk::put_i32(out, -1);                               // partitionLeaderEpoch
  uvk::put_i8(out, 2);                                 // magic
  uvk::put_be32(out, uvk::crc32c(0, tail.data, tail.len));
  uvk::put_raw(out, tail.data, tail.len);
  uvk::buf_free(&tail);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  if (data[0] < 0x80) {
    walk(data + 1, size - 1, true);
    walk(data + 1, size - 1, false);
    return 0;
  }
  if (size < 2) return 0;
  uvk::Buf batch;
  wrap(&batch, int16_t(data[0] & 0x3f), data[1], data + 2, size - 2);
  if (!batch.failed) walk(batch.data, batch.len, true);
  uvk::buf_free(&batch);
  return 0;
}
