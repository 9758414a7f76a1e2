// libFuzzer target: any bytes as a Fetch response's records: every batch, record and
// header is walked, with the CRC check both on and off (off reaches the parsers behind it).
#include <stddef.h>
#include <stdint.h>

#include "proto/records.h"

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
      uvk::Reader hr = uvk::reader_make(rec.headers, rec.headers_len);
      uvk::RecordHeader h;
      while (uvk::header_next(&hr, &h) == 1) {
      }
      if (b.control()) uvk::control_record_type(rec);
    }
  }
  uvk::batch_reader_free(&r);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  walk(data, size, true);
  walk(data, size, false);
  return 0;
}
