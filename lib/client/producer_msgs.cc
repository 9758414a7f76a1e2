// The entries of a send's block: each queued message is one variable-length entry, written
// back to back per partition (a run), so the producer holds a few bytes per message instead
// of a record with pointers. An entry is a flags byte, then (each only when flagged) the
// timestamp, the key and the value (a length and the bytes inline, or a pointer and a length
// when borrowed or pointing into the send's own copy), the headers (a pointer and a count).
// Written and read by this process only, in memory: not a wire format.
#include "client/producer_internal.h"

#include <string.h>

namespace uvk {

namespace {

// kUvkHeaders: the pointer is to the send's copied uvk_header array (a send that waited for
// metadata), not to RecordHeader records.
enum : uint8_t { kKey = 1, kValue = 2, kInline = 4, kTimestamp = 8, kHeaders = 16, kUvkHeaders = 32 };

size_t ent_varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) v >>= 7, n++;
  return n;
}

uint8_t *ent_put_varint(uint8_t *p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = uint8_t(v | 0x80);
    v >>= 7;
  }
  *p++ = uint8_t(v);
  return p;
}

const uint8_t *ent_get_varint(const uint8_t *p, uint64_t *v) {
  uint64_t r = 0;
  for (int shift = 0;; shift += 7) {
    uint8_t b = *p++;
    r |= uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  *v = r;
  return p;
}

size_t bytes_entry_size(const void *data, size_t len, bool inline_bytes) {
  if (!data) return 0;
  return ent_varint_size(len) + (inline_bytes ? len : sizeof(void *));
}

uint8_t *put_bytes(uint8_t *p, const void *data, size_t len, bool inline_bytes) {
  p = ent_put_varint(p, len);
  if (inline_bytes) {
    if (len) memcpy(p, data, len);
    return p + len;
  }
  memcpy(p, &data, sizeof data);
  return p + sizeof data;
}

const uint8_t *get_bytes(const uint8_t *p, bool inline_bytes, const uint8_t **data, int32_t *len) {
  uint64_t n = 0;
  p = ent_get_varint(p, &n);
  *len = int32_t(n);
  if (inline_bytes) {
    *data = p;
    return p + n;
  }
  memcpy(data, p, sizeof *data);
  return p + sizeof *data;
}

}  // namespace

size_t msg_entry_size(const uvk_message &m, bool inline_bytes) {
  size_t n = 1;
  if (m.timestamp >= 0) n += ent_varint_size(uint64_t(m.timestamp));
  n += bytes_entry_size(m.key, m.key_len, inline_bytes);
  n += bytes_entry_size(m.value, m.value_len, inline_bytes);
  if (m.n_headers) n += sizeof(void *) + ent_varint_size(m.n_headers);
  return n;
}

uint8_t *msg_entry_write(uint8_t *dst, const uvk_message &m, bool inline_bytes, const RecordHeader *hs) {
  uint8_t *flags = dst++;
  *flags = uint8_t((m.key ? kKey : 0) | (m.value ? kValue : 0) | (inline_bytes ? kInline : 0) |
                   (m.timestamp >= 0 ? kTimestamp : 0) | (m.n_headers ? kHeaders : 0) |
                   (m.n_headers && !hs ? kUvkHeaders : 0));
  if (m.timestamp >= 0) dst = ent_put_varint(dst, uint64_t(m.timestamp));
  if (m.key) dst = put_bytes(dst, m.key, m.key_len, inline_bytes);
  if (m.value) dst = put_bytes(dst, m.value, m.value_len, inline_bytes);
  if (m.n_headers) {
    const void *ptr = hs ? static_cast<const void *>(hs) : static_cast<const void *>(m.headers);
    memcpy(dst, &ptr, sizeof ptr);
    dst = ent_put_varint(dst + sizeof ptr, m.n_headers);
  }
  return dst;
}

const uint8_t *msg_entry_read(const uint8_t *p, MsgView *v) {
  uint8_t flags = *p++;
  bool in = flags & kInline;
  uint64_t u = 0;
  v->timestamp = -1;
  if (flags & kTimestamp) {
    p = ent_get_varint(p, &u);
    v->timestamp = int64_t(u);
  }
  v->key = v->value = nullptr;
  v->key_len = v->value_len = 0;
  if (flags & kKey) p = get_bytes(p, in, &v->key, &v->key_len);
  if (flags & kValue) p = get_bytes(p, in, &v->value, &v->value_len);
  v->headers = nullptr;
  v->uheaders = nullptr;
  v->n_headers = 0;
  if (flags & kHeaders) {
    const void *ptr = nullptr;
    memcpy(&ptr, p, sizeof ptr);
    if (flags & kUvkHeaders) v->uheaders = static_cast<const uvk_header *>(ptr);
    else v->headers = static_cast<const RecordHeader *>(ptr);
    p = ent_get_varint(p + sizeof ptr, &u);
    v->n_headers = int32_t(u);
  }
  return p;
}

static size_t bytes_size(int64_t len) { return varint_size(int32_t(len)) + (len > 0 ? size_t(len) : 0); }

size_t msg_record_size(const MsgView &v) {
  if (!v.uheaders)
    return record_size(0, 0, v.key ? v.key_len : -1, v.value ? v.value_len : -1, v.headers, v.n_headers);
  // As record_size counts it (proto/records_write.cc), from uvk_header records.
  size_t body = 1 + varlong_size(0) + varint_size(0) + bytes_size(v.key ? v.key_len : -1) +
                bytes_size(v.value ? v.value_len : -1) + varint_size(v.n_headers);
  for (int32_t i = 0; i < v.n_headers; i++)
    body += bytes_size(int64_t(strlen(v.uheaders[i].name))) +
            bytes_size(v.uheaders[i].value ? int64_t(v.uheaders[i].value_len) : -1);
  return varint_size(int32_t(body)) + body;
}

const RecordHeader *msg_view_headers(const MsgView &v, RecordHeader *buf, size_t cap, RecordHeader **heap,
                                     const Allocator *a) {
  if (!v.uheaders) return v.headers;
  RecordHeader *hs = buf;
  if (size_t(v.n_headers) > cap) {
    hs = static_cast<RecordHeader *>(mem_alloc(a, sizeof(RecordHeader) * size_t(v.n_headers)));
    *heap = hs;
    if (!hs) return nullptr;
  }
  for (int32_t i = 0; i < v.n_headers; i++) {
    const uvk_header &h = v.uheaders[i];
    hs[i] = RecordHeader{reinterpret_cast<const uint8_t *>(h.name), int32_t(strlen(h.name)),
                         static_cast<const uint8_t *>(h.value), h.value ? int32_t(h.value_len) : 0};
  }
  return hs;
}

MsgRun *msg_run_split(Producer *p, MsgRun *r, uint32_t k, size_t first_bytes) {
  MsgRun *rest = static_cast<MsgRun *>(mem_alloc(p->alloc, sizeof(MsgRun)));
  if (!rest) return nullptr;
  const uint8_t *at = r->data;
  MsgView v;
  for (uint32_t i = 0; i < k; i++) at = msg_entry_read(at, &v);
  *rest = MsgRun{r->next, r->op, at, r->bytes - first_bytes, r->n - k, r->result, true};
  r->next = rest;
  r->n = k;
  r->bytes = first_bytes;
  return rest;
}

}  // namespace uvk
