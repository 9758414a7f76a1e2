// Reading record batches (magic 2) and legacy message sets (magic 0 and 1). Every length
// is checked against the bytes actually present; a batch cut short at the end of the input
// (Fetch responses do that) ends the walk as "incomplete", not as an error.
#include <string.h>
#include <zlib.h>

#include "codec/codec.h"
#include "proto/crc32c.h"
#include "proto/records.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

void batch_reader_init(BatchReader *r, const uint8_t *data, size_t len) {
  r->in = reader_make(data, len);
  r->incomplete = false;
  buf_clear(&r->decompressed);
}

void batch_reader_free(BatchReader *r) {
  buf_free(&r->decompressed);
  buf_free(&r->legacy_scratch);
}

static int decompress_into(BatchReader *r, int codec, const uint8_t *src, size_t len, BatchView *b) {
  buf_clear(&r->decompressed);
  if (!codec_available(codec)) return UVK_EUNSUPPORTED;
  int rc = codec_decompress(codec, src, len, &r->decompressed, r->max_decompressed);
  if (rc != 0) return rc == UVK_ENOMEM || rc == UVK_ETOOLARGE ? rc : UVK_ECOMPRESSION;
  b->records = r->decompressed.data;
  b->records_len = r->decompressed.len;
  return 0;
}

// One legacy message (magic 0/1) at the start of `in`: offset, size, then the message.
struct LegacyMessage {
  int64_t offset;
  uint32_t crc;
  int8_t magic;
  int8_t attributes;
  int64_t timestamp;
  const uint8_t *key;
  int32_t key_len;
  const uint8_t *value;
  int32_t value_len;
};

static int read_legacy(Reader *in, LegacyMessage *m, bool verify_crc, bool *incomplete) {
  if (rd_left(in) < 12) {
    *incomplete = rd_left(in) > 0;
    return 0;
  }
  m->offset = get_i64(in);
  int32_t size = get_i32(in);
  if (size < 14) return UVK_EPROTO;
  if (size_t(size) > rd_left(in)) {
    *incomplete = true;
    return 0;
  }
  Reader msg = reader_make(rd_take(in, size_t(size)), size_t(size));
  m->crc = get_be32(&msg);
  const uint8_t *crc_from = msg.p;
  m->magic = get_i8(&msg);
  if (m->magic != 0 && m->magic != 1) return UVK_EPROTO;
  m->attributes = get_i8(&msg);
  m->timestamp = m->magic == 1 ? get_i64(&msg) : -1;
  m->key_len = get_i32(&msg);
  m->key = m->key_len >= 0 ? rd_take(&msg, size_t(m->key_len)) : nullptr;
  if (m->key_len < -1) return UVK_EPROTO;
  m->value_len = get_i32(&msg);
  if (m->value_len < -1) return UVK_EPROTO;
  m->value = m->value_len >= 0 ? rd_take(&msg, size_t(m->value_len)) : nullptr;
  if (!rd_ok(&msg) || rd_left(&msg) != 0) return UVK_EPROTO;
  if (verify_crc &&
      uint32_t(crc32(0, crc_from, uInt(msg.end - crc_from))) != m->crc)
    return UVK_ECRC;
  return 1;
}

static int legacy_batch(BatchReader *r, BatchView *b, const uint8_t *entry_start) {
  LegacyMessage m;
  bool incomplete = false;
  int rc = read_legacy(&r->in, &m, r->verify_crc, &incomplete);
  if (rc <= 0) {
    r->incomplete = incomplete;
    return rc;
  }
  memset(b, 0, sizeof *b);
  b->magic = m.magic;
  b->base_offset = m.offset;
  b->partition_leader_epoch = -1;
  b->attributes = m.attributes;
  b->base_timestamp = b->max_timestamp = m.timestamp;
  b->producer_id = -1;
  b->producer_epoch = -1;
  b->base_sequence = -1;
  b->crc = m.crc;
  int codec = m.attributes & kAttrCodecMask;
  if (codec == kCodecNone) {
    b->count = 1;
    b->records = entry_start;  // the entry itself: record_next parses it again
    b->records_len = size_t(r->in.p - entry_start);
    return 1;
  }
  if (!m.value) return UVK_EPROTO;
  rc = decompress_into(r, codec, m.value, size_t(m.value_len), b);
  if (rc != 0) return rc;
  b->count = -1;  // the inner set decides
  // The wrapper carries the last inner offset; like the Java client, report the first as
  // the batch's base offset (magic 1 inner offsets are relative, magic 0 absolute).
  Reader scan = reader_make(b->records, b->records_len);
  LegacyMessage inner;
  bool partial = false;
  int64_t first = -1, last = 0;
  while (read_legacy(&scan, &inner, false, &partial) == 1) {
    if (first < 0) first = inner.offset;
    last = inner.offset;
  }
  if (first < 0) return UVK_EPROTO;
  if (m.magic == 1) first = m.offset - (last - first);
  b->base_offset = first;
  b->last_offset_delta = int32_t(m.offset - first);
  return 1;
}

int batch_next(BatchReader *r, BatchView *b) {
  Reader *in = &r->in;
  if (rd_left(in) == 0) return 0;
  if (rd_left(in) < 17) {  // not even up to the magic byte
    r->incomplete = true;
    return 0;
  }
  const uint8_t *start = in->p;
  int8_t magic = int8_t(start[16]);
  if (magic == 0 || magic == 1) return legacy_batch(r, b, start);
  if (magic != 2) return UVK_EPROTO;
  Reader h = reader_make(start, rd_left(in));
  int64_t base_offset = get_i64(&h);
  int32_t length = get_i32(&h);
  if (length < int32_t(kBatchHeaderSize - 12)) return UVK_EPROTO;
  if (size_t(length) > rd_left(in) - 12) {
    r->incomplete = true;
    return 0;
  }
  rd_take(in, 12 + size_t(length));
  h = reader_make(start + 12, size_t(length));
  b->magic = 2;
  b->base_offset = base_offset;
  b->partition_leader_epoch = get_i32(&h);
  get_i8(&h);  // magic
  b->crc = get_be32(&h);
  if (r->verify_crc && crc32c(0, h.p, rd_left(&h)) != b->crc) return UVK_ECRC;
  b->attributes = get_i16(&h);
  b->last_offset_delta = get_i32(&h);
  b->base_timestamp = get_i64(&h);
  b->max_timestamp = get_i64(&h);
  b->producer_id = get_i64(&h);
  b->producer_epoch = get_i16(&h);
  b->base_sequence = get_i32(&h);
  b->count = get_i32(&h);
  if (!rd_ok(&h) || b->count < 0) return UVK_EPROTO;
  size_t rest = rd_left(&h);
  const uint8_t *records = rd_take(&h, rest);
  if (b->codec() == kCodecNone) {
    b->records = records;
    b->records_len = rest;
    return 1;
  }
  int rc = decompress_into(r, b->codec(), records, rest, b);
  return rc == 0 ? 1 : rc;
}

size_t batch_count_records(const uint8_t *data, size_t len) {
  size_t n = 0;
  while (len >= kBatchHeaderSize && data[16] == 2) {
    uint32_t length = uint32_t(data[8]) << 24 | uint32_t(data[9]) << 16 | uint32_t(data[10]) << 8 | data[11];
    if (length < kBatchHeaderSize - 12 || length > len - 12) break;
    uint32_t count = uint32_t(data[57]) << 24 | uint32_t(data[58]) << 16 | uint32_t(data[59]) << 8 | data[60];
    if (count > INT32_MAX) break;
    // A compressed batch's count cannot be checked against its bytes yet: not counted.
    if ((data[22] & kAttrCodecMask) != 0) break;
    n += batch_record_bound(data + kBatchHeaderSize, size_t(length) + 12 - kBatchHeaderSize, int32_t(count));
    data += 12 + size_t(length);
    len -= 12 + size_t(length);
  }
  return n;
}

size_t batch_record_bound(const uint8_t *records, size_t len, int32_t count) {
  size_t n = count > 0 ? size_t(count) : 0;
  if (n > len / kMinRecordSize) n = len / kMinRecordSize;
  if (n <= len / kCountCheckBytes) return n;
  // The same framing record_next reads: a length varint, then that many bytes. Records this
  // small have one-byte lengths, read inline (18 instructions a record, callgrind; 26 before).
  const uint8_t *p = records, *end = records + len;
  size_t framed = 0;
  while (framed < n && p < end) {
    size_t l;
    if (*p < 0x80) {
      if (*p & 1) break;  // negative
      l = *p++ >> 1;
    } else {
      Reader r = reader_make(p, size_t(end - p));
      int32_t v = get_varint(&r);
      if (!rd_ok(&r) || v < 0) break;
      l = size_t(v);
      p = r.p;
    }
    if (l > size_t(end - p)) break;
    p += l;
    framed++;
  }
  return framed;
}

void record_iter_init(RecordIter *it, const BatchView *b) {
  it->r = reader_make(b->records, b->records_len);
  it->b = b;
  it->remaining = b->count;
  it->legacy_base = 0;
  if (b->magic == 1 && b->count < 0) {
    // Inner offsets of a magic-1 compressed set are relative; the wrapper carries the
    // absolute offset of the last one.
    Reader scan = it->r;
    LegacyMessage m;
    bool incomplete = false;
    int64_t last = 0;
    while (read_legacy(&scan, &m, false, &incomplete) == 1) last = m.offset;
    it->legacy_base = b->last_offset() - last;
  }
}

static int legacy_record(RecordIter *it, RecordView *rec) {
  LegacyMessage m;
  bool incomplete = false;
  int rc = read_legacy(&it->r, &m, it->b->count < 0, &incomplete);
  if (rc <= 0) return rc == 0 && incomplete ? UVK_EPROTO : rc;
  if ((m.attributes & kAttrCodecMask) != kCodecNone && it->b->count < 0) return UVK_EPROTO;  // nested
  rec->offset = it->b->magic == 1 && it->b->count < 0 ? it->legacy_base + m.offset : m.offset;
  bool wrapper_log_append = (it->b->attributes & kAttrLogAppendTime) != 0 && it->b->count < 0;
  rec->timestamp = wrapper_log_append ? it->b->max_timestamp : m.timestamp;
  rec->key = m.key;
  rec->key_len = m.key ? m.key_len : -1;
  rec->value = m.value;
  rec->value_len = m.value ? m.value_len : -1;
  rec->n_headers = 0;
  rec->headers = nullptr;
  rec->headers_len = 0;
  if (it->remaining > 0) it->remaining--;
  return 1;
}

int record_next_legacy(RecordIter *it, RecordView *rec) {
  if (it->remaining == 0 || rd_left(&it->r) == 0) return 0;
  return legacy_record(it, rec);
}

int record_check_headers(const RecordView *rec) {
  Reader hr = reader_make(rec->headers, rec->headers_len);
  RecordHeader h;
  for (int32_t i = 0; i < rec->n_headers; i++)
    if (header_next(&hr, &h) != 1) return UVK_EPROTO;
  return rd_left(&hr) == 0 ? 0 : UVK_EPROTO;
}

int header_next(Reader *r, RecordHeader *h) {
  if (rd_left(r) == 0) return 0;
  int32_t klen = get_varint(r);
  if (klen < 0) return UVK_EPROTO;
  h->key = rd_take(r, size_t(klen));
  h->key_len = klen;
  int32_t vlen = get_varint(r);
  if (vlen < -1) return UVK_EPROTO;
  h->value = vlen >= 0 ? rd_take(r, size_t(vlen)) : nullptr;
  h->value_len = vlen;
  return rd_ok(r) ? 1 : UVK_EPROTO;
}

int control_record_type(const RecordView &rec) {
  if (!rec.key || rec.key_len < 4) return UVK_EPROTO;
  int16_t version = int16_t(rec.key[0] << 8 | rec.key[1]);
  if (version < 0) return UVK_EPROTO;
  return int16_t(rec.key[2] << 8 | rec.key[3]);
}

}  // namespace uvk
