// Share sessions, ShareFetch and ShareAcknowledge (KIP-932). One session per partition
// leader, one request in flight per session (its epoch orders them). A fetch goes when none
// of the records that broker gave this member still wait for their handler; it carries the
// acknowledgements made since the previous one. While records wait (UVK_PENDING) or a
// renewal is asked, acknowledgements go alone in a ShareAcknowledge. A close releases what
// was not handled and closes each session (epoch -1) before the member leaves the group.
#include <string.h>

#include "client/share_internal.h"
#include "common/arena_str.h"
#include "engine/kafka_errors.h"
#include "engine/metadata.h"
#include "engine/metadata_cache.h"
#include "proto/client_versions.h"
#include "proto/gen/api_table.h"
#include "proto/gen/share_acknowledge.h"
#include "proto/gen/share_fetch.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

void share_on_answer(void *ud, int err, int16_t version, Reader *body, const Request *r);

namespace {

enum { kShareFetchOp = 20, kShareAckOp };
const int16_t kShareSessionNotFound = 122, kInvalidShareSessionEpoch = 123;

void fetch_due(void *ud, uint64_t now) {
  ShareConsumer *s = static_cast<ShareConsumer *>(ud);
  share_fetch_schedule(s, now);
  share_maybe_leave(s, now);
}

int32_t next_epoch(int32_t e) { return e == INT32_MAX ? 1 : e + 1; }

// The partition's leader when the metadata is current, else -1 (and *need_meta).
int32_t leader_of(ShareConsumer *s, const SharePart *p, uint64_t now, bool *need_meta) {
  int32_t leader = -1;
  if (metadata_cache_needs_refresh(&s->e->mcache, p->topic, now) ||
      engine_leader(s->e, p->topic, p->partition, &leader) != 0) {
    *need_meta = true;
    return -1;
  }
  return leader;
}

// A request to `node` failed before any answer: the node may be gone (killed, fenced), so the
// topics it leads are asked for again instead of sent back to it until the cache expires.
void forget_leaders_on(ShareConsumer *s, int32_t node) {
  for (int32_t i = 0; i < s->n_parts; i++) {
    int32_t leader = -1;
    const SharePart *p = s->parts[i];
    if (metadata_cache_leader(&s->e->mcache, p->topic, p->partition, &leader) == 0 && leader == node)
      metadata_cache_mark_stale(&s->e->mcache, p->topic);
  }
}

// The session's partitions lose their locks (the session is gone or the request's fate is
// unknown): the next request opens a new session.
void session_reset(ShareConsumer *s, ShareSession *ss, int err) {
  ss->epoch = 0;
  for (int32_t i = 0; i < s->n_parts; i++) {
    SharePart *p = s->parts[i];
    if (p->forget_node == ss->node) p->forget_node = -1;
    if (p->session_node != ss->node) continue;
    p->session_node = -1;
    share_part_drop(s, p, err);
  }
}

void back_off(ShareConsumer *s, ShareSession *ss, int err, uint64_t now) {
  int64_t wait = 0;
  if (retry_on_error(&ss->retry, s->cfg.retry, &s->e->rng, err, &wait) != RetryVerdict::kRetry)
    wait = s->cfg.retry.max_retry_time;
  ss->not_before = now + uint64_t(wait);
}

template <class T>
int encode_body(void *ud, Buf *out, int16_t version) {
  return proto::encode(out, *static_cast<const T *>(static_cast<SharePending *>(ud)->body), version);
}

proto::Str arena_str(Arena *a, const char *s) {
  const char *d = arena_strdup(a, s);
  return d ? proto::Str{d, int32_t(strlen(d))} : proto::Str{};
}

// Coalesces a partition's acknowledgements (offset order) into batches of consecutive
// offsets of one type.
template <class Batch>
bool ack_batches(Arena *a, const ShareSent &sent, proto::Array<Batch> *out) {
  Batch *bs = arena_construct_array<Batch>(a, size_t(sent.n) + 1);
  int8_t *types = arena_new_array<int8_t>(a, size_t(sent.n) + 1);
  if (!bs || !types) return false;
  int32_t nb = 0;
  for (int32_t i = 0; i < sent.n; i++) {
    const ShareAck &k = sent.acks[i];
    if (nb > 0 && bs[nb - 1].last_offset + 1 == k.offset && bs[nb - 1].acknowledge_types.items[0] == k.type) {
      bs[nb - 1].last_offset = k.offset;
      continue;
    }
    types[i] = k.type;
    bs[nb].first_offset = bs[nb].last_offset = k.offset;
    bs[nb].acknowledge_types.items = &types[i];
    bs[nb].acknowledge_types.count = 1;
    nb++;
  }
  out->items = bs;
  out->count = nb;
  return true;
}

// Moves the partition's queued acknowledgements into the request (renewals only when
// `renewals`: a ShareFetch cannot carry them).
bool take_acks(ShareConsumer *s, SharePending *q, SharePart *p, bool renewals) {
  int32_t n = 0;
  for (int32_t i = 0; i < p->n_acks; i++) n += (renewals || p->acks[i].type != kAckRenew) ? 1 : 0;
  if (n == 0) return true;
  ShareAck *mine = static_cast<ShareAck *>(mem_alloc(s->alloc, sizeof(ShareAck) * size_t(n)));
  if (!mine) return false;
  int32_t k = 0, left = 0;
  for (int32_t i = 0; i < p->n_acks; i++) {
    if (renewals || p->acks[i].type != kAckRenew) mine[k++] = p->acks[i];
    else p->acks[left++] = p->acks[i];
  }
  p->n_acks = left;
  q->sent[q->n_sent++] = ShareSent{p, mine, n};
  return true;
}

// Builds and sends a request to ss->node: a ShareFetch, or a ShareAcknowledge (`ack`),
// `final` closing the session.
void send_request(ShareConsumer *s, ShareSession *ss, bool ack, bool final, uint64_t now) {
  SharePending *q = share_pending_new(s, ack ? kShareAckOp : kShareFetchOp);
  if (!q) return;
  q->node = ss->node;
  q->session_epoch = final ? -1 : ss->epoch;
  size_t cap = size_t(s->n_parts) + 1;
  q->sent = static_cast<ShareSent *>(mem_alloc(s->alloc, sizeof(ShareSent) * cap));
  q->added = static_cast<SharePart **>(mem_alloc(s->alloc, sizeof(SharePart *) * cap));
  q->forgot = static_cast<SharePart **>(mem_alloc(s->alloc, sizeof(SharePart *) * cap));
  bool ok = q->sent && q->added && q->forgot;
  bool need_meta = false, renew = false;
  for (int32_t i = 0; ok && i < s->n_parts; i++) {
    SharePart *p = s->parts[i];
    bool here = p->session_node == ss->node;
    if (here && ss->epoch > 0) ok = take_acks(s, q, p, ack);
    if (ack || final) continue;
    int32_t leader = p->assigned ? leader_of(s, p, now, &need_meta) : -1;
    bool wanted = p->assigned && leader == ss->node;
    if (wanted && !here) q->added[q->n_added++] = p;
    else if (ss->epoch > 0 && (p->forget_node == ss->node || (here && !wanted && p->n_acks == 0 && p->n_held == 0)))
      q->forgot[q->n_forgot++] = p;
  }
  for (int32_t i = 0; i < q->n_sent; i++)
    for (int32_t k = 0; k < q->sent[i].n; k++) renew = renew || q->sent[i].acks[k].type == kAckRenew;
  // Topics of the request: one entry per partition (the broker merges a topic's entries).
  int32_t n_tp = q->n_sent + q->n_added;
  if (ok && !ack) {
    auto *req = arena_construct_array<proto::ShareFetchRequest>(&q->arena, 1);
    auto *ts = arena_construct_array<proto::ShareFetchRequest::FetchTopic>(&q->arena, size_t(n_tp) + 1);
    auto *ps = arena_construct_array<proto::ShareFetchRequest::FetchPartition>(&q->arena, size_t(n_tp) + 1);
    auto *fs = arena_construct_array<proto::ShareFetchRequest::ForgottenTopic>(&q->arena, size_t(q->n_forgot) + 1);
    int32_t *fids = arena_new_array<int32_t>(&q->arena, size_t(q->n_forgot) + 1);
    ok = req && ts && ps && fs && fids;
    for (int32_t i = 0; ok && i < n_tp; i++) {
      SharePart *p = i < q->n_sent ? q->sent[i].part : q->added[i - q->n_sent];
      memcpy(ts[i].topic_id.b, p->topic_id, 16);
      ps[i].partition_index = p->partition;
      if (i < q->n_sent) ok = ack_batches(&q->arena, q->sent[i], &ps[i].acknowledgement_batches);
      ts[i].partitions.items = &ps[i];
      ts[i].partitions.count = 1;
    }
    for (int32_t i = 0; ok && i < q->n_forgot; i++) {
      memcpy(fs[i].topic_id.b, q->forgot[i]->topic_id, 16);
      fids[i] = q->forgot[i]->partition;
      fs[i].partitions.items = &fids[i];
      fs[i].partitions.count = 1;
    }
    if (ok) {
      req->group_id = arena_str(&q->arena, s->group_id);
      req->member_id = arena_str(&q->arena, s->member_id);
      req->share_session_epoch = q->session_epoch;
      req->max_wait_ms = s->cfg.max_wait_ms;
      req->min_bytes = s->cfg.min_bytes;
      req->max_bytes = s->cfg.max_bytes;
      req->max_records = s->run.max_records;
      req->batch_size = s->run.max_records;
      req->topics.items = ts;
      req->topics.count = n_tp;
      req->forgotten_topics_data.items = fs;
      req->forgotten_topics_data.count = q->n_forgot;
      q->body = req;
      q->req.api_key = proto::kShareFetch;
      q->req.min_version = proto::kMinShareFetch;
      q->req.max_version = proto::kUseShareFetch;
      q->req.encode = encode_body<proto::ShareFetchRequest>;
      // The broker may hold it maxWaitTimeInMs before it answers: that time is not the timeout's.
      q->req.min_timeout_ms = uint64_t(s->cfg.max_wait_ms) + s->e->cfg.conn.request_timeout_ms;
    }
  } else if (ok) {
    auto *req = arena_construct_array<proto::ShareAcknowledgeRequest>(&q->arena, 1);
    auto *ts = arena_construct_array<proto::ShareAcknowledgeRequest::AcknowledgeTopic>(&q->arena, size_t(q->n_sent) + 1);
    auto *ps = arena_construct_array<proto::ShareAcknowledgeRequest::AcknowledgePartition>(&q->arena, size_t(q->n_sent) + 1);
    ok = req && ts && ps;
    for (int32_t i = 0; ok && i < q->n_sent; i++) {
      memcpy(ts[i].topic_id.b, q->sent[i].part->topic_id, 16);
      ps[i].partition_index = q->sent[i].part->partition;
      ok = ack_batches(&q->arena, q->sent[i], &ps[i].acknowledgement_batches);
      ts[i].partitions.items = &ps[i];
      ts[i].partitions.count = 1;
    }
    if (ok) {
      req->group_id = arena_str(&q->arena, s->group_id);
      req->member_id = arena_str(&q->arena, s->member_id);
      req->share_session_epoch = q->session_epoch;
      req->is_renew_ack = renew;
      req->topics.items = ts;
      req->topics.count = q->n_sent;
      q->body = req;
      q->req.api_key = proto::kShareAcknowledge;
      q->req.min_version = renew ? int16_t(2) : proto::kMinShareAcknowledge;
      q->req.max_version = proto::kUseShareAcknowledge;
      q->req.encode = encode_body<proto::ShareAcknowledgeRequest>;
    }
  }
  if (need_meta) share_ensure_metadata(s, now);
  if (!ok) {
    share_log(s, UVK_LOG_ERROR, "No memory for a share request");
    for (int32_t i = 0; i < q->n_sent; i++) share_report(s, q->sent[i], UVK_ENOMEM);
    share_pending_free(q);
    return;
  }
  q->req.done = share_on_answer;
  q->req.ud = q;
  ss->in_flight = true;
  if (final) ss->closed = true;
  int rc = engine_send_lane(s->e, ss->node, s->fetch_lane, &q->req, now);
  if (rc != 0) {
    ss->in_flight = false;
    for (int32_t i = 0; i < q->n_sent; i++) share_report(s, q->sent[i], rc);
    share_pending_free(q);
    forget_leaders_on(s, ss->node);
    back_off(s, ss, rc, now);
  }
}

SharePart *part_by_id(ShareConsumer *s, const uint8_t *id, int32_t partition) {
  for (int32_t i = 0; i < s->n_parts; i++)
    if (s->parts[i]->partition == partition && memcmp(s->parts[i]->topic_id, id, 16) == 0) return s->parts[i];
  return nullptr;
}

// A partition-level error of either answer: stale metadata moves the partition away from
// this session (its locks went with the old leader).
void part_error(ShareConsumer *s, SharePart *p, int32_t node, int16_t code) {
  if (code == 0) return;
  const KafkaErrorInfo *info = kafka_error_info(code);
  share_log(s, UVK_LOG_WARN, "%s/%d on node %d: %s", p->topic, int(p->partition), int(node), info ? info->name : "?");
  if (!metadata_cache_on_error(&s->e->mcache, p->topic, code)) return;
  if (p->session_node == node) {
    p->session_node = -1;
    p->forget_node = node;
  }
  share_part_drop(s, p, UVK_ERR_KAFKA(code));
}

// The acknowledgements' outcome: a fetch answer has its own field for it.
int16_t ack_error(const proto::ShareFetchResponse::PartitionData &pd) { return pd.acknowledge_error_code; }
int16_t ack_error(const proto::ShareAcknowledgeResponse::PartitionData &pd) { return pd.error_code; }

template <class Resp>
void report_sent(ShareConsumer *s, SharePending *q, const Resp &resp, int err) {
  for (int32_t i = 0; i < q->n_sent; i++) {
    int code = err;
    bool found = err != 0;
    for (int32_t t = 0; !found && t < resp.responses.count; t++) {
      const auto &tr = resp.responses.items[t];
      if (memcmp(tr.topic_id.b, q->sent[i].part->topic_id, 16) != 0) continue;
      for (int32_t k = 0; !found && k < tr.partitions.count; k++) {
        const auto &pd = tr.partitions.items[k];
        if (pd.partition_index != q->sent[i].part->partition) continue;
        found = true;
        int16_t ack_code = ack_error(pd);
        code = ack_code ? UVK_ERR_KAFKA(ack_code) : 0;
      }
    }
    share_report(s, q->sent[i], found ? code : UVK_EPROTO);
  }
}

}  // namespace

void share_on_answer(void *ud, int err, int16_t version, Reader *body, const Request *) {
  SharePending *q = static_cast<SharePending *>(ud);
  ShareConsumer *s = q->s;
  bool is_fetch = q->kind == kShareFetchOp;
  proto::ShareFetchResponse fr;
  proto::ShareAcknowledgeResponse ar;
  if (err == 0) err = is_fetch ? proto::decode(body, &q->arena, &fr, version) : proto::decode(body, &q->arena, &ar, version);
  if (!s) return share_pending_free(q);
  uint64_t now = s->e->now;
  ShareSession *ss = share_session_of(s, q->node, false);
  if (!ss) return share_pending_free(q);
  ss->in_flight = false;
  int16_t top = err ? 0 : is_fetch ? fr.error_code : ar.error_code;
  bool final = q->session_epoch == -1;
  if (err || top) {
    int code = err ? err : UVK_ERR_KAFKA(top);
    share_log(s, UVK_LOG_WARN, "%s to node %d failed: %s", is_fetch ? "ShareFetch" : "ShareAcknowledge", int(q->node),
              uvk_err_name(code));
    for (int32_t i = 0; i < q->n_sent; i++) share_report(s, q->sent[i], code);
    if (err || top == kShareSessionNotFound || top == kInvalidShareSessionEpoch) session_reset(s, ss, code);
    if (err) forget_leaders_on(s, q->node);
    if (!final && !err && !kafka_error_retriable(top) && top != kShareSessionNotFound && top != kInvalidShareSessionEpoch &&
        top != kUnknownMemberId) {
      share_pending_free(q);
      return share_crash(s, code, nullptr);
    }
    if (!final) back_off(s, ss, code, now);
    share_pending_free(q);
    share_fetch_schedule(s, now);
    return share_maybe_leave(s, now);
  }
  retry_start(&ss->retry, s->cfg.retry, &s->e->rng);
  ss->epoch = final ? 0 : next_epoch(q->session_epoch);
  for (int32_t i = 0; i < q->n_added; i++) q->added[i]->session_node = q->node;
  for (int32_t i = 0; i < q->n_forgot; i++) {
    if (q->forgot[i]->session_node == q->node) q->forgot[i]->session_node = -1;
    if (q->forgot[i]->forget_node == q->node) q->forgot[i]->forget_node = -1;
  }
  if (final)
    for (int32_t i = 0; i < s->n_parts; i++)
      if (s->parts[i]->session_node == q->node) s->parts[i]->session_node = -1;
  bool was = s->delivering;
  s->delivering = true;  // a close or an acknowledgement from a handler waits for the end of this
  int failed = 0;  // a partition's error: the next fetch waits (no busy loop on a broker's error)
  if (is_fetch) {
    report_sent(s, q, fr, 0);
    for (int32_t t = 0; t < fr.responses.count && !s->detached; t++) {
      const auto &tr = fr.responses.items[t];
      for (int32_t k = 0; k < tr.partitions.count && !s->detached; k++) {
        const auto &pd = tr.partitions.items[k];
        SharePart *p = part_by_id(s, tr.topic_id.b, pd.partition_index);
        if (!p) continue;
        part_error(s, p, q->node, pd.error_code);
        if (pd.error_code) failed = UVK_ERR_KAFKA(pd.error_code);
        int32_t nr = pd.acquired_records.count;
        if (nr <= 0 || pd.error_code) continue;
        if (q->fences != s->fences) continue;  // fenced meanwhile: the broker released them
        int64_t *first = arena_new_array<int64_t>(&q->arena, size_t(nr));
        int64_t *last = arena_new_array<int64_t>(&q->arena, size_t(nr));
        int16_t *counts = arena_new_array<int16_t>(&q->arena, size_t(nr));
        if (!first || !last || !counts) continue;
        for (int32_t r = 0; r < nr; r++) {
          first[r] = pd.acquired_records.items[r].first_offset;
          last[r] = pd.acquired_records.items[r].last_offset;
          counts[r] = pd.acquired_records.items[r].delivery_count;
        }
        const uint8_t *data = pd.records.data ? reinterpret_cast<const uint8_t *>(pd.records.data) : nullptr;
        share_deliver(s, p, data, data ? size_t(pd.records.len) : 0, first, last, counts, nr,
                      s->state != kShareStable || s->detached);
      }
    }
  } else {
    report_sent(s, q, ar, 0);
    for (int32_t t = 0; t < ar.responses.count; t++)
      for (int32_t k = 0; k < ar.responses.items[t].partitions.count; k++) {
        const auto &pd = ar.responses.items[t].partitions.items[k];
        if (SharePart *p = part_by_id(s, ar.responses.items[t].topic_id.b, pd.partition_index))
          part_error(s, p, q->node, pd.error_code);
      }
  }
  s->delivering = was;
  int32_t q_node = q->node;
  share_pending_free(q);
  if (s->detached) return;
  ss = share_session_of(s, q_node, false);  // the sessions may have grown meanwhile
  if (failed && ss) back_off(s, ss, failed, now);
  share_fetch_schedule(s, now);
  share_maybe_leave(s, now);
}

void share_fetch_soon(ShareConsumer *s, uint64_t now) {
  engine_add_timer(s->e, &s->fetch_timer, now, fetch_due, s);
}

ShareSession *share_session_of(ShareConsumer *s, int32_t node, bool create) {
  for (int32_t i = 0; i < s->n_sessions; i++)
    if (s->sessions[i].node == node) return &s->sessions[i];
  if (!create) return nullptr;
  if (s->n_sessions == s->cap_sessions) {
    int32_t want = s->cap_sessions ? s->cap_sessions * 2 : 4;
    ShareSession *more = static_cast<ShareSession *>(mem_alloc(s->alloc, sizeof(ShareSession) * size_t(want)));
    if (!more) return nullptr;
    if (s->n_sessions) memcpy(more, s->sessions, sizeof(ShareSession) * size_t(s->n_sessions));
    mem_free(s->alloc, s->sessions);
    s->sessions = more;
    s->cap_sessions = want;
  }
  ShareSession *ss = &s->sessions[s->n_sessions++];
  *ss = ShareSession();
  ss->node = node;
  retry_start(&ss->retry, s->cfg.retry, &s->e->rng);
  return ss;
}

void share_fetch_schedule(ShareConsumer *s, uint64_t now) {
  if (s->detached || s->e->shutting_down) return;
  if (s->state != kShareStable && s->state != kShareClosing) return;
  if (s->delivering) return;  // the delivery's end schedules
  bool closing = s->state == kShareClosing;
  bool need_meta = false;
  // Every broker that leads an assigned partition or holds one in its session.
  for (int32_t i = 0; i < s->n_parts; i++) {
    SharePart *p = s->parts[i];
    int32_t leader = p->assigned && !closing ? leader_of(s, p, now, &need_meta) : -1;
    if (leader >= 0) share_session_of(s, leader, true);
  }
  if (need_meta) share_ensure_metadata(s, now);
  uint64_t earliest = UINT64_MAX;
  for (int32_t n = 0; n < s->n_sessions; n++) {
    ShareSession *ss = &s->sessions[n];
    if (ss->in_flight) continue;
    if (ss->not_before > now) {
      earliest = ss->not_before < earliest ? ss->not_before : earliest;
      continue;
    }
    bool held = false, acks = false, renew = false, wanted = false, forget = false;
    for (int32_t i = 0; i < s->n_parts; i++) {
      const SharePart *p = s->parts[i];
      if (p->session_node == ss->node) {
        held = held || p->n_held > 0;
        acks = acks || p->n_acks > 0;
        for (int32_t k = 0; k < p->n_acks && !renew; k++) renew = p->acks[k].type == kAckRenew;
        forget = forget || !p->assigned;
      }
      forget = forget || p->forget_node == ss->node;
      bool dummy = false;
      wanted = wanted || (p->assigned && !closing && leader_of(s, p, now, &dummy) == ss->node);
    }
    if (closing) {
      if (ss->epoch > 0 && !ss->closed) send_request(s, ss, true, true, now);
      continue;
    }
    if (ss->epoch > 0 && (renew || (held && acks))) send_request(s, ss, true, false, now);
    else if (!held && (wanted || (ss->epoch > 0 && (acks || forget)))) send_request(s, ss, false, false, now);
  }
  if (earliest != UINT64_MAX) engine_add_timer(s->e, &s->fetch_timer, earliest, fetch_due, s);
}

}  // namespace uvk
