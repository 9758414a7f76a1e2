// Kafka record batches (magic 2) and, for reading only, the legacy message sets (magic 0/1).
//
// Writing: BatchWriter appends records straight into the output buffer (no per-record
// allocation) and, at the end, compresses the records section when a codec is set, then
// fills in the header fields and the CRC32C. Reading: BatchReader walks a byte range (a
// Fetch response's records) batch by batch and RecordIter walks one batch's records; views
// point into the input or into the reader's decompression buffer.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/reader.h"

namespace uvk {

// Attribute bits of a v2 batch.
const int16_t kAttrCodecMask = 0x07;
const int16_t kAttrLogAppendTime = 0x08;
const int16_t kAttrTransactional = 0x10;
const int16_t kAttrControl = 0x20;
const size_t kBatchHeaderSize = 61;  // baseOffset .. recordCount
// The smallest v2 record: length, attributes, timestamp and offset deltas, key length, value
// length and header count, one byte each. A batch's record count is capped by it.
const size_t kMinRecordSize = 7;
// The smallest legacy (magic 0) message with its offset and size: 8 + 4 + crc 4, magic,
// attributes, key and value lengths.
const size_t kMinLegacyMessageSize = 26;
const int kControlAbort = 0, kControlCommit = 1;

struct RecordHeader {
  const uint8_t *key;
  int32_t key_len;
  const uint8_t *value;  // nullptr = null
  int32_t value_len;
};

struct BatchParams {
  int64_t base_offset = 0;
  int32_t partition_leader_epoch = -1;
  int codec = 0;
  bool log_append_time = false;
  bool transactional = false;
  bool control = false;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int64_t base_timestamp = 0;  // the first record's timestamp when in doubt
};

struct BatchWriter {
  Buf *out = nullptr;
  size_t start = 0;          // where the batch header begins in out
  BatchParams p;
  int32_t count = 0;
  int64_t max_timestamp = -1;
  int err = 0;
};

// Starts a batch at the end of `out` (reserves the header).
void batch_begin(BatchWriter *w, Buf *out, const BatchParams &p);
// Appends one record; key/value nullptr means null. The record's offset delta is its index.
void batch_append(BatchWriter *w, int64_t timestamp, const uint8_t *key, int32_t key_len,
                  const uint8_t *value, int32_t value_len, const RecordHeader *headers,
                  int32_t n_headers);
// Bytes one record will take in an uncompressed batch (for batch-size accounting).
size_t record_size(int64_t timestamp_delta, int32_t offset_delta, int32_t key_len, int32_t value_len,
                   const RecordHeader *headers, int32_t n_headers);
// Finishes the batch: compresses (using `scratch`), fills the header, computes the CRC.
// Returns 0 or an error (the batch's bytes are then removed from out).
int batch_finish(BatchWriter *w, Buf *scratch);
// The bytes of a control record (abort/commit marker) value.
void control_record_value(Buf *out, int16_t type, int32_t coordinator_epoch);

// ---- reading ------------------------------------------------------------------------------

struct BatchView {
  int8_t magic;
  int64_t base_offset;
  int32_t partition_leader_epoch;  // -1 for magic 0/1
  int16_t attributes;              // magic 0/1: the message's attributes
  int32_t last_offset_delta;
  int64_t base_timestamp, max_timestamp;
  int64_t producer_id;
  int16_t producer_epoch;
  int32_t base_sequence;
  int32_t count;                   // records in the batch (magic 0/1: inner messages, or 1)
  uint32_t crc;
  // The records section, decompressed (valid until the next batch_next call).
  const uint8_t *records;
  size_t records_len;
  int64_t last_offset() const { return base_offset + last_offset_delta; }
  int codec() const { return attributes & kAttrCodecMask; }
  bool transactional() const { return (attributes & kAttrTransactional) != 0; }
  bool control() const { return (attributes & kAttrControl) != 0; }
  bool log_append_time() const { return (attributes & kAttrLogAppendTime) != 0; }
};

struct BatchReader {
  Reader in;
  Buf decompressed;
  Buf legacy_scratch;
  size_t max_decompressed = 64u << 20;  // a batch may not inflate beyond this
  bool verify_crc = true;
  bool incomplete = false;              // a partial batch ended the input (normal in Fetch)
};

void batch_reader_init(BatchReader *r, const uint8_t *data, size_t len);
void batch_reader_free(BatchReader *r);
// 1: *b holds the next batch; 0: no more (see r->incomplete); < 0: corrupt input
// (UVK_ECRC, UVK_EPROTO, UVK_ECOMPRESSION, UVK_ETOOLARGE, UVK_EUNSUPPORTED codec).
int batch_next(BatchReader *r, BatchView *b);

// Records in the uncompressed v2 batches at the start of data, up to the first compressed one
// (what the consumer gathers into one handler call), for sizing an array once. Only an
// estimate: the counts are not checked against a CRC yet, so each is capped by
// batch_record_bound; a compressed batch is not counted, as its compressed bytes bound
// nothing (a 100-byte gzip batch claiming 3,000,000 records sized a 302 MB array).
size_t batch_count_records(const uint8_t *data, size_t len);

// A batch claiming more than one record per this many bytes of its records section has its
// records counted before anything is sized from its count.
const size_t kCountCheckBytes = 64;
// At most how many records a v2 records section of `len` bytes (decompressed) yields, for
// sizing: `count`, capped by the bytes (kMinRecordSize a record) and, when that still allows
// more than one record per kCountCheckBytes, by the records actually there (their length
// prefixes, walked without decoding). The byte cap alone let a 1 MB batch of one record
// claim 148,000 (10.7 MB of message views). record_next never yields more than this.
size_t batch_record_bound(const uint8_t *records, size_t len, int32_t count);

struct RecordView {
  int64_t offset;
  int64_t timestamp;
  const uint8_t *key;  // nullptr = null
  int32_t key_len;
  const uint8_t *value;
  int32_t value_len;
  int32_t n_headers;
  const uint8_t *headers;  // raw; walk with header_next
  size_t headers_len;
};

struct RecordIter {
  Reader r;
  const BatchView *b;
  int32_t remaining;
  int64_t legacy_base;  // magic 1 compressed sets: absolute offset of relative offset 0
};

void record_iter_init(RecordIter *it, const BatchView *b);
// Walks a record's headers: 1 and *h filled, 0 done, < 0 corrupt.
int header_next(Reader *headers, RecordHeader *h);
// record_next's out-of-line parts: magic 0/1 records, and walking a record's headers once
// (0 or UVK_EPROTO) so a corrupt one fails in record_next and not in the user's loop.
int record_next_legacy(RecordIter *it, RecordView *rec);
int record_check_headers(const RecordView *rec);

// 1: *rec holds the next record; 0: done; < 0: corrupt. Inline: the consumer calls it once a
// record, and a call plus the RecordView's round trip through memory was a fifth of its cost.
inline int record_next(RecordIter *it, RecordView *rec) {
  if (it->b->magic < 2) return record_next_legacy(it, rec);
  if (it->remaining <= 0) return 0;
  int32_t len = get_varint(&it->r);
  if (!rd_ok(&it->r) || len < 0 || size_t(len) > rd_left(&it->r)) return UVK_EPROTO;
  Reader r = reader_make(rd_take(&it->r, size_t(len)), size_t(len));
  get_i8(&r);  // attributes
  int64_t ts_delta = get_varlong(&r);
  int32_t off_delta = get_varint(&r);
  int32_t klen = get_varint(&r);
  if (klen < -1) return UVK_EPROTO;
  rec->key = klen >= 0 ? rd_take(&r, size_t(klen)) : nullptr;
  rec->key_len = klen;
  int32_t vlen = get_varint(&r);
  if (vlen < -1) return UVK_EPROTO;
  rec->value = vlen >= 0 ? rd_take(&r, size_t(vlen)) : nullptr;
  rec->value_len = vlen;
  rec->n_headers = get_varint(&r);
  if (!rd_ok(&r) || rec->n_headers < 0 || size_t(rec->n_headers) > rd_left(&r) / 2 + 1)
    return UVK_EPROTO;
  rec->headers = r.p;
  rec->headers_len = rd_left(&r);
  if (rec->n_headers == 0 ? rec->headers_len != 0 : record_check_headers(rec) != 0) return UVK_EPROTO;
  const BatchView *b = it->b;
  rec->offset = b->base_offset + off_delta;
  rec->timestamp = b->log_append_time() ? b->max_timestamp : b->base_timestamp + ts_delta;
  it->remaining--;
  return 1;
}
// A control record's type (kControlAbort / kControlCommit) from its key; < 0 if malformed.
int control_record_type(const RecordView &rec);

}  // namespace uvk
