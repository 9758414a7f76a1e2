// A Produce request's body written straight into the connection's output: each batch is
// encoded where it goes on the wire, so the producer holds no request buffer of its own and
// no batch is copied after it is written. The layout is the generated codec's
// (lib/proto/gen/produce.cc) field for field; the unit tests' fake broker re-encodes every
// Produce request it reads with that codec and requires the same bytes.
#include "client/producer_internal.h"

#include <string.h>

#include "proto/wire.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

namespace {

const int kWriteAgain = 1;  // a batch's codec failed: it is marked, the request is written without it

// b's records field (nullable bytes, compact from v9) at the end of out. The length goes in
// front of the batch, so its width is guessed from the batch's estimate and the batch moves
// only when the guess was wrong (a compressed batch that shrank past a varint boundary).
// 0, UVK_ENOMEM or UVK_ETOOLARGE; a codec failure returns kWriteAgain with its error in
// *codec_err (nothing of the field left in out).
int put_batch(Producer *p, const ProducerBatch *b, Buf *out, bool flexible, int64_t now_wall, int *codec_err) {
  size_t at = out->len;
  size_t guess = kBatchHeaderSize + b->bytes;
  size_t width = flexible ? uvarint_size(uint64_t(guess) + 1) : 4;
  // Uncompressed: one growth for the whole batch (offset deltas past 63 take a byte more).
  size_t reserve = width + (b->codec == 0 ? guess + 2 * size_t(b->n) : kBatchHeaderSize);
  if (!buf_reserve(out, reserve)) return UVK_ENOMEM;
  out->len += width;
  size_t batch_at = out->len;
  BatchParams bp;
  bp.codec = b->codec;
  bp.transactional = p->txn != nullptr;
  if (p->idempotent) {
    bp.producer_id = b->pid;  // the id its numbers belong to (p->pid may be newer by now)
    bp.producer_epoch = b->epoch;
    bp.base_sequence = b->base_seq;
  }
  MsgView v;
  msg_entry_read(b->head->data, &v);
  bp.base_timestamp = v.timestamp >= 0 ? v.timestamp : now_wall;
  BatchWriter w;
  batch_begin(&w, out, bp);
  for (const MsgRun *run = b->head; run; run = run->next) {
    const uint8_t *e = run->data;
    for (uint32_t k = 0; k < run->n; k++) {
      e = msg_entry_read(e, &v);
      RecordHeader buf[16], *heap = nullptr;
      const RecordHeader *hs = msg_view_headers(v, buf, 16, &heap, p->alloc);
      if (v.n_headers && !hs) return UVK_ENOMEM;
      batch_append(&w, v.timestamp >= 0 ? v.timestamp : now_wall, v.key, v.key_len, v.value, v.value_len, hs,
                   v.n_headers);
      mem_free(p->alloc, heap);
    }
  }
  buf_clear(&p->scratch);
  int rc = batch_finish(&w, &p->scratch);
  if (out->failed) return UVK_ENOMEM;
  if (rc != 0) {
    out->len = at;
    *codec_err = rc;
    return kWriteAgain;
  }
  size_t len = out->len - batch_at;
  if (len > size_t(INT32_MAX) - 1) return UVK_ETOOLARGE;
  if (!flexible) {
    patch_be32(out, at, uint32_t(len));
    return 0;
  }
  size_t need = uvarint_size(uint64_t(len) + 1);
  if (need != width) {
    if (need > width && !buf_reserve(out, need - width)) return UVK_ENOMEM;
    memmove(out->data + at + need, out->data + batch_at, len);
    out->len = at + need + len;
  }
  uint8_t *d = out->data + at;
  uint64_t x = uint64_t(len) + 1;
  while (x >= 0x80) {
    *d++ = uint8_t(x) | 0x80;
    x >>= 7;
  }
  *d = uint8_t(x);
  return 0;
}

// The body once, leaving out batches already marked failed: 0, kWriteAgain, or an error.
int write_body(Producer *p, ProduceReq *r, Buf *out, int16_t version, int64_t now_wall) {
  bool flex = version >= 9;
  proto::Enc w{out, 0};
  // Topic blocks: a new one wherever the topic changes (drain hands batches grouped by topic).
  int32_t n_topics = 0;
  const TopicState *cur = nullptr;
  for (size_t i = 0; i < r->n; i++)
    if (!r->batch_err[i] && r->batches[i]->q->t != cur) cur = r->batches[i]->q->t, n_topics++;
  w_str(&w, r->transactional_id, flex, true);  // v3+ (kMinProduceVersion)
  put_i16(out, int16_t(r->acks));
  put_i32(out, r->timeout);
  w_arr(&w, n_topics, flex, false);
  for (size_t i = 0; i < r->n;) {
    if (r->batch_err[i]) {
      i++;
      continue;
    }
    const TopicState *t = r->batches[i]->q->t;
    size_t end = i;  // the block: batches of t from i on, failed ones skipped
    int32_t n_parts = 0;
    for (; end < r->n && (r->batch_err[end] || r->batches[end]->q->t == t); end++)
      if (!r->batch_err[end]) n_parts++;
    if (version <= 12) w_str(&w, proto::cstr(t->name), flex, false);
    else w_uuid(&w, r->topic_ids[i]);
    w_arr(&w, n_parts, flex, false);
    for (; i < end; i++) {
      if (r->batch_err[i]) continue;
      put_i32(out, r->batches[i]->q->partition);
      int codec_err = 0;
      int rc = put_batch(p, r->batches[i], out, flex, now_wall, &codec_err);
      if (rc == kWriteAgain) r->batch_err[i] = codec_err;  // not retriable; the others still go
      if (rc != 0) return rc;
      if (flex) put_u8(out, 0);  // no tagged fields
    }
    if (flex) put_u8(out, 0);
  }
  if (flex) put_u8(out, 0);
  if (w.err) return w.err;
  return out->failed ? UVK_ENOMEM : 0;
}

}  // namespace

int produce_request_write(void *ud, Buf *out, int16_t version) {
  ProduceReq *r = static_cast<ProduceReq *>(ud);
  Producer *p = r->p;
  if (!p) return UVK_ECLOSED;  // the producer is gone: its batches were failed
  int64_t now_wall = engine_wall_ms(p->e);
  for (size_t i = 0; i < r->n; i++) r->batch_err[i] = 0;
  size_t start = out->len;
  for (;;) {
    int rc = write_body(p, r, out, version, now_wall);
    if (rc != kWriteAgain) return rc;
    out->len = start;  // without the batch whose codec failed
  }
}

}  // namespace uvk
