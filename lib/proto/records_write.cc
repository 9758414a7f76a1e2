// Writing RecordBatch v2: records go straight into the output buffer; the header and the
// CRC are filled in once the batch is complete.
#include <string.h>

#include "codec/codec.h"
#include "proto/crc32c.h"
#include "proto/records.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

static size_t bytes_size(int32_t len) { return varint_size(len) + (len > 0 ? size_t(len) : 0); }

size_t record_size(int64_t timestamp_delta, int32_t offset_delta, int32_t key_len, int32_t value_len,
                   const RecordHeader *headers, int32_t n_headers) {
  size_t body = 1 + varlong_size(timestamp_delta) + varint_size(offset_delta) + bytes_size(key_len) +
                bytes_size(value_len) + varint_size(n_headers);
  for (int32_t i = 0; i < n_headers; i++)
    body += bytes_size(headers[i].key_len) + bytes_size(headers[i].value ? headers[i].value_len : -1);
  return varint_size(int32_t(body)) + body;
}

void batch_begin(BatchWriter *w, Buf *out, const BatchParams &p) {
  w->out = out;
  w->start = out->len;
  w->p = p;
  w->count = 0;
  w->max_timestamp = -1;
  w->err = 0;
  static const uint8_t zeros[kBatchHeaderSize] = {};
  put_raw(out, zeros, kBatchHeaderSize);
}

static void put_bytes_varint(Buf *b, const uint8_t *data, int32_t len) {
  if (!data) {
    put_varint(b, -1);
    return;
  }
  put_varint(b, len);
  put_raw(b, data, size_t(len));
}

void batch_append(BatchWriter *w, int64_t timestamp, const uint8_t *key, int32_t key_len,
                  const uint8_t *value, int32_t value_len, const RecordHeader *headers,
                  int32_t n_headers) {
  if (w->count == 0) w->p.base_timestamp = timestamp;
  int64_t ts_delta = timestamp - w->p.base_timestamp;
  int32_t off_delta = w->count;
  int32_t klen = key ? key_len : -1, vlen = value ? value_len : -1;
  size_t body = 1 + varlong_size(ts_delta) + varint_size(off_delta) + bytes_size(klen) +
                bytes_size(vlen) + varint_size(n_headers);
  for (int32_t i = 0; i < n_headers; i++)
    body += bytes_size(headers[i].key_len) + bytes_size(headers[i].value ? headers[i].value_len : -1);
  Buf *b = w->out;
  if (!buf_reserve(b, varint_size(int32_t(body)) + body)) {
    w->err = UVK_ENOMEM;
    return;
  }
  put_varint(b, int32_t(body));
  put_u8(b, 0);  // record attributes: unused
  put_varlong(b, ts_delta);
  put_varint(b, off_delta);
  put_bytes_varint(b, key, key_len);
  put_bytes_varint(b, value, value_len);
  put_varint(b, n_headers);
  for (int32_t i = 0; i < n_headers; i++) {
    put_varint(b, headers[i].key_len);
    put_raw(b, headers[i].key, size_t(headers[i].key_len));
    put_bytes_varint(b, headers[i].value, headers[i].value_len);
  }
  if (timestamp > w->max_timestamp) w->max_timestamp = timestamp;
  w->count++;
}

static void patch_be64(Buf *b, size_t off, uint64_t v) {
  patch_be32(b, off, uint32_t(v >> 32));
  patch_be32(b, off + 4, uint32_t(v));
}
static void patch_be16(Buf *b, size_t off, uint16_t v) {
  b->data[off] = uint8_t(v >> 8);
  b->data[off + 1] = uint8_t(v);
}

int batch_finish(BatchWriter *w, Buf *scratch) {
  Buf *b = w->out;
  int rc = w->err;
  if (rc == 0 && b->failed) rc = UVK_ENOMEM;
  size_t records_at = w->start + kBatchHeaderSize;
  if (rc == 0 && w->p.codec != kCodecNone) {
    buf_clear(scratch);
    rc = codec_compress(w->p.codec, b->data + records_at, b->len - records_at, scratch);
    if (rc == 0) {
      b->len = records_at;
      put_raw(b, scratch->data, scratch->len);
      if (b->failed) rc = UVK_ENOMEM;
    }
  }
  if (rc != 0) {
    if (!b->failed) b->len = w->start;
    return rc;
  }
  int16_t attrs = int16_t(w->p.codec & kAttrCodecMask);
  if (w->p.log_append_time) attrs |= kAttrLogAppendTime;
  if (w->p.transactional) attrs |= kAttrTransactional;
  if (w->p.control) attrs |= kAttrControl;
  size_t s = w->start;
  patch_be64(b, s + 0, uint64_t(w->p.base_offset));
  patch_be32(b, s + 8, uint32_t(b->len - s - 12));
  patch_be32(b, s + 12, uint32_t(w->p.partition_leader_epoch));
  b->data[s + 16] = 2;  // magic
  patch_be16(b, s + 21, uint16_t(attrs));
  patch_be32(b, s + 23, uint32_t(w->count > 0 ? w->count - 1 : 0));
  patch_be64(b, s + 27, uint64_t(w->p.base_timestamp));
  patch_be64(b, s + 35, uint64_t(w->count > 0 ? w->max_timestamp : w->p.base_timestamp));
  patch_be64(b, s + 43, uint64_t(w->p.producer_id));
  patch_be16(b, s + 51, uint16_t(w->p.producer_epoch));
  patch_be32(b, s + 53, uint32_t(w->p.base_sequence));
  patch_be32(b, s + 57, uint32_t(w->count));
  patch_be32(b, s + 17, crc32c(0, b->data + s + 21, b->len - s - 21));
  return 0;
}

void control_record_value(Buf *out, int16_t type, int32_t coordinator_epoch) {
  (void)type;
  put_i16(out, 0);  // version
  put_i32(out, coordinator_epoch);
}

}  // namespace uvk
