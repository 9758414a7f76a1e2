// Admin offset operations: fetchTopicOffsets(+ByTimestamp), fetchOffsets (resolveOffsets),
// setOffsets, resetOffsets, deleteTopicRecords.
//
// Partition-level requests (ListOffsets, DeleteRecords) go one per partition to its
// leader (kAdminLeader), so a leader that moves only re-routes that partition.
#include <string.h>

#include "client/admin.h"
#include "client/admin_ops.h"
#include "engine/kafka_errors.h"
#include "engine/metadata.h"
#include "engine/metadata_cache.h"
#include "proto/gen/api_table.h"
#include "proto/gen/delete_records.h"
#include "proto/gen/list_offsets.h"
#include "proto/gen/offset_commit.h"
#include "proto/gen/offset_fetch.h"
#include "uvkafka/uvkafka.h"
#include "proto/client_versions.h"

namespace uvk {

namespace {

const int64_t kLatest = -1, kEarliest = -2;

enum OffsetsKind { kTopicOffsets, kByTimestamp, kFetchOffsets, kSetOffsets, kResetOffsets, kDeleteRecords };

struct OffsetsState {
  OffsetsKind kind;
  const char *group;  // in arena
  const char *topic;  // in arena (single-topic operations)
  const char **topics;  // fetchOffsets: asked topics (null: all)
  int n_topics;
  proto::Array<int32_t> *topic_parts;  // fetchOffsets: each asked topic's partitions
  int64_t timestamp;
  bool resolve;
  bool earliest;
  bool answered;
  uvk_admin_partition_offset *rows;
  size_t n_rows;
  int32_t lookups_left;  // resetOffsets: ListOffsets answers still awaited
};

OffsetsState *st_of(AdminOp *op) { return static_cast<OffsetsState *>(op->state); }

void finish_offsets(AdminOp *op, const uvk_error *err) {
  OffsetsState *st = st_of(op);
  auto cb = reinterpret_cast<uvk_admin_offsets_cb>(op->user_cb);
  bool give = st->answered;
  cb(static_cast<uvk_admin *>(op->admin->owner), err, give ? st->rows : nullptr, give ? st->n_rows : 0,
     op->user_ud);
}

bool same(const char *a, const proto::Str &b) {
  size_t n = b.data && b.len > 0 ? size_t(b.len) : 0;
  return strlen(a) == n && (n == 0 || memcmp(a, b.data, n) == 0);
}

void start_commit(AdminOp *op);

// ---- ListOffsets, one partition per call; call->index = row, call->ud = &timestamp ----

struct LookupCtx {
  int64_t timestamp;
  int field;  // 0 offset, 1 high, 2 low
};

int encode_list_offsets(AdminCall *c, Buf *out, int16_t version) {
  OffsetsState *st = st_of(c->op);
  const LookupCtx *lc = static_cast<const LookupCtx *>(c->ud);
  const uvk_admin_partition_offset &row = st->rows[c->index];
  proto::ListOffsetsRequest req;
  proto::ListOffsetsRequest::ListOffsetsPartition part;
  proto::ListOffsetsRequest::ListOffsetsTopic topic;
  part.partition_index = row.partition;
  part.timestamp = lc->timestamp;
  topic.name = admin_pstr(row.topic);
  topic.partitions = {&part, 1};
  req.replica_id = -1;  // a client, not a follower
  req.topics = {&topic, 1};
  return proto::encode(out, req, version);
}

int on_list_offsets(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  OffsetsState *st = st_of(op);
  const LookupCtx *lc = static_cast<const LookupCtx *>(c->ud);
  uvk_admin_partition_offset &row = st->rows[c->index];
  Arena scratch;
  scratch.alloc = op->alloc;
  scratch.limit = 1 << 20;
  proto::ListOffsetsResponse resp;
  int rc = proto::decode(body, &scratch, &resp, version);
  int16_t code = 3;  // UNKNOWN_TOPIC_OR_PARTITION unless the answer has our partition
  int64_t value = -1;
  for (int32_t t = 0; rc == 0 && t < resp.topics.count; t++) {
    const auto &tp = resp.topics.items[t];
    if (!same(row.topic, tp.name)) continue;
    for (int32_t p = 0; p < tp.partitions.count; p++) {
      const auto &pp = tp.partitions.items[p];
      if (pp.partition_index != row.partition) continue;
      code = pp.error_code;
      value = pp.offset;
      if (version == 0 && pp.old_style_offsets.count > 0) value = pp.old_style_offsets.items[0];
    }
  }
  arena_free(&scratch);
  if (rc != 0) return rc;
  if (admin_moved(code) || kafka_error_means_stale_metadata(code)) return kAdminRetarget;
  if (code != 0 && err_retriable(UVK_ERR_KAFKA(code))) return UVK_ERR_KAFKA(code);
  if (code != 0) {
    row.error = UVK_ERR_KAFKA(code);
    admin_op_fail(op, row.error, nullptr);
  } else if (lc->field == 1) {
    row.high = value;
  } else if (lc->field == 2) {
    row.low = value;
  } else {
    row.offset = value;
  }
  if (st->kind == kResetOffsets && --st->lookups_left == 0) start_commit(op);
  return kAdminDone;
}

const LookupCtx kAskLatest = {kLatest, 1}, kAskEarliest = {kEarliest, 2};
const LookupCtx kResolveLatest = {kLatest, 0}, kResolveEarliest = {kEarliest, 0};

bool lookup(AdminOp *op, size_t row, const LookupCtx *lc) {
  OffsetsState *st = st_of(op);
  return admin_call(op, kAdminLeader, st->rows[row].partition, st->rows[row].topic, proto::kListOffsets,
                    proto::kUseListOffsets, encode_list_offsets, on_list_offsets,
                    const_cast<LookupCtx *>(lc), int32_t(row)) != nullptr;
}

// ---- rows from the metadata cache ---------------------------------------------------

// One row per partition of st->topic (after metadata_ensure).
int rows_for_topic(AdminOp *op) {
  OffsetsState *st = st_of(op);
  const CachedTopic *t = metadata_cache_topic(&op->e->mcache, st->topic);
  if (!t) return UVK_ERR_KAFKA(3);
  if (t->error) return UVK_ERR_KAFKA(t->error);
  st->rows = arena_construct_array<uvk_admin_partition_offset>(&op->arena, size_t(t->n_partitions) + 1);
  if (!st->rows) return UVK_ENOMEM;
  st->n_rows = size_t(t->n_partitions);
  for (int32_t i = 0; i < t->n_partitions; i++) {
    uvk_admin_partition_offset &r = st->rows[i];
    r.topic = st->topic;
    r.partition = t->partitions[i].partition;
    r.offset = r.high = r.low = -1;
  }
  return 0;
}

void on_topic_known(void *ud, const uvk_error *err) {
  AdminOp *op = static_cast<AdminOp *>(ud);
  OffsetsState *st = st_of(op);
  if (err) {
    admin_op_fail_error(op, err);
    return admin_op_release(op);
  }
  int rc = rows_for_topic(op);
  if (rc != 0) {
    admin_op_fail(op, rc, nullptr);
    return admin_op_release(op);
  }
  st->answered = true;
  bool ok = true;
  for (size_t i = 0; ok && i < st->n_rows; i++) {
    switch (st->kind) {
      case kTopicOffsets:
        ok = lookup(op, i, &kAskLatest) && lookup(op, i, &kAskEarliest);
        break;
      case kByTimestamp: {
        LookupCtx *lc = arena_construct_array<LookupCtx>(&op->arena, 1);
        ok = lc != nullptr;
        if (ok) {
          *lc = LookupCtx{st->timestamp, 0};
          ok = lookup(op, i, lc) && lookup(op, i, &kAskLatest);
        }
        break;
      }
      case kResetOffsets:
        st->lookups_left++;
        ok = lookup(op, i, st->earliest ? &kResolveEarliest : &kResolveLatest);
        break;
      default:
        break;
    }
  }
  if (st->kind == kTopicOffsets)
    for (size_t i = 0; i < st->n_rows; i++) st->rows[i].offset = -1;  // filled from high at the end
  if (st->kind == kResetOffsets && st->n_rows == 0) start_commit(op);
  admin_op_release(op);
}

// The op waits for metadata of st->topic, then on_topic_known fans out.
int start_with_topic(AdminOp *op, uint64_t now) {
  OffsetsState *st = st_of(op);
  admin_op_hold(op);
  int rc = metadata_ensure(op->e, &st->topic, 1, on_topic_known, op, now, &op->retry);
  if (rc != 0) {
    op->outstanding--;
    return admin_abandon(op, rc);
  }
  admin_op_started(op);
  return 0;
}

void finish_topic_offsets(AdminOp *op, const uvk_error *err) {
  OffsetsState *st = st_of(op);
  for (size_t i = 0; i < st->n_rows; i++) st->rows[i].offset = st->rows[i].high;
  finish_offsets(op, err);
}

// No record at or after the timestamp: the end offset (as KafkaJS).
void finish_by_timestamp(AdminOp *op, const uvk_error *err) {
  OffsetsState *st = st_of(op);
  for (size_t i = 0; i < st->n_rows; i++)
    if (st->rows[i].offset < 0) st->rows[i].offset = st->rows[i].high;
  finish_offsets(op, err);
}

OffsetsState *new_state(AdminOp *op, OffsetsKind kind, const char *topic, const char *group) {
  OffsetsState *st = arena_construct_array<OffsetsState>(&op->arena, 1);
  if (!st) return nullptr;
  st->kind = kind;
  st->topic = admin_strdup(op, topic);
  st->group = admin_strdup(op, group);
  op->state = st;
  return st;
}

// ---- OffsetFetch ------------------------------------------------------------------------

int encode_offset_fetch(AdminCall *c, Buf *out, int16_t version) {
  OffsetsState *st = st_of(c->op);
  proto::OffsetFetchRequest req;
  proto::OffsetFetchRequest::OffsetFetchRequestTopic v0[64];
  proto::OffsetFetchRequest::OffsetFetchRequestTopics v8[64];
  if (st->n_topics > 64) return UVK_EINVAL;  // checked at the call
  for (int i = 0; i < st->n_topics; i++) {
    v0[i].name = v8[i].name = admin_pstr(st->topics[i]);
    v0[i].partition_indexes = v8[i].partition_indexes = st->topic_parts[i];
  }
  proto::Str group = admin_pstr(st->group);
  // v8 moved everything into `groups`; the encoder refuses fields a version lacks.
  proto::OffsetFetchRequest::OffsetFetchRequestGroup g;
  if (version >= 8) {
    g.group_id = group;
    g.member_id = proto::Str{nullptr, 0};
    g.member_epoch = -1;
    g.topics = st->topics ? proto::Array<proto::OffsetFetchRequest::OffsetFetchRequestTopics>{v8, st->n_topics}
                          : proto::Array<proto::OffsetFetchRequest::OffsetFetchRequestTopics>{nullptr, -1};
    req.group_id = proto::Str{"", 0};
    req.groups = {&g, 1};
  } else {
    req.group_id = group;
    if (st->topics) req.topics = {v0, st->n_topics};
    else req.topics = {nullptr, version >= 2 ? -1 : 0};
  }
  return proto::encode(out, req, version);
}

template <typename P>
void add_partition_row(AdminOp *op, const char *topic, const P &p, size_t *n) {
  OffsetsState *st = st_of(op);
  uvk_admin_partition_offset &r = st->rows[(*n)++];
  r.topic = topic;
  r.partition = p.partition_index;
  r.offset = p.committed_offset;
  r.high = r.low = -1;
  r.metadata = admin_str(op, p.metadata);
  r.error = p.error_code ? UVK_ERR_KAFKA(p.error_code) : 0;
  if (p.error_code) admin_op_fail(op, r.error, nullptr);
}

int on_offset_fetch(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  OffsetsState *st = st_of(op);
  proto::OffsetFetchResponse resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  int16_t top = resp.error_code;
  if (version >= 8) top = resp.groups.count == 1 ? resp.groups.items[0].error_code : int16_t(-1);
  if (admin_moved(top)) return kAdminRetarget;
  if (top != 0) return top < 0 ? UVK_EPROTO : UVK_ERR_KAFKA(top);
  // A retriable partition error (UNSTABLE_OFFSET_COMMIT, UNKNOWN_TOPIC_OR_PARTITION while a
  // new topic spreads): ask again after the retry wait.
  {
    auto retry_code = [](int16_t code) { return code && err_retriable(UVK_ERR_KAFKA(code)); };
    if (version >= 8) {
      const auto &g = resp.groups.items[0];
      for (int32_t t = 0; t < g.topics.count; t++)
        for (int32_t p = 0; p < g.topics.items[t].partitions.count; p++)
          if (retry_code(g.topics.items[t].partitions.items[p].error_code))
            return UVK_ERR_KAFKA(g.topics.items[t].partitions.items[p].error_code);
    } else {
      for (int32_t t = 0; t < resp.topics.count; t++)
        for (int32_t p = 0; p < resp.topics.items[t].partitions.count; p++)
          if (retry_code(resp.topics.items[t].partitions.items[p].error_code))
            return UVK_ERR_KAFKA(resp.topics.items[t].partitions.items[p].error_code);
    }
  }
  size_t total = 0;
  if (version >= 8) {
    const auto &g = resp.groups.items[0];
    for (int32_t t = 0; t < g.topics.count; t++) total += size_t(g.topics.items[t].partitions.count);
  } else {
    for (int32_t t = 0; t < resp.topics.count; t++) total += size_t(resp.topics.items[t].partitions.count);
  }
  st->rows = arena_construct_array<uvk_admin_partition_offset>(&op->arena, total + 1);
  if (!st->rows) return UVK_ENOMEM;
  size_t n = 0;
  if (version >= 8) {
    const auto &g = resp.groups.items[0];
    for (int32_t t = 0; t < g.topics.count; t++) {
      const char *name = admin_str(op, g.topics.items[t].name);
      for (int32_t p = 0; p < g.topics.items[t].partitions.count; p++)
        add_partition_row(op, name, g.topics.items[t].partitions.items[p], &n);
    }
  } else {
    for (int32_t t = 0; t < resp.topics.count; t++) {
      const char *name = admin_str(op, resp.topics.items[t].name);
      for (int32_t p = 0; p < resp.topics.items[t].partitions.count; p++)
        add_partition_row(op, name, resp.topics.items[t].partitions.items[p], &n);
    }
  }
  st->n_rows = n;
  st->answered = true;
  // KafkaJS's resolveOffsets: -1 (no commit: "latest") becomes the high watermark, -2 the
  // log start offset.
  for (size_t i = 0; st->resolve && i < n; i++) {
    if (st->rows[i].error) continue;
    if (st->rows[i].offset == kLatest && !lookup(op, i, &kResolveLatest)) return UVK_ENOMEM;
    if (st->rows[i].offset == kEarliest && !lookup(op, i, &kResolveEarliest)) return UVK_ENOMEM;
  }
  return kAdminDone;
}

void on_group_topics_known(void *ud, const uvk_error *err) {
  AdminOp *op = static_cast<AdminOp *>(ud);
  OffsetsState *st = st_of(op);
  if (err) {
    admin_op_fail_error(op, err);
    return admin_op_release(op);
  }
  st->topic_parts = arena_construct_array<proto::Array<int32_t>>(&op->arena, size_t(st->n_topics));
  for (int i = 0; st->topic_parts && i < st->n_topics; i++) {
    const CachedTopic *t = metadata_cache_topic(&op->e->mcache, st->topics[i]);
    int32_t n = t ? t->n_partitions : 0;
    int32_t *ids = arena_new_array<int32_t>(&op->arena, size_t(n) + 1);
    if (!ids) {
      st->topic_parts = nullptr;
      break;
    }
    for (int32_t p = 0; p < n; p++) ids[p] = t->partitions[p].partition;
    st->topic_parts[i] = {ids, n};
  }
  if (!st->topic_parts) admin_op_fail(op, UVK_ENOMEM, nullptr);
  else
    admin_call(op, kAdminGroup, -1, st->group, proto::kOffsetFetch, proto::kUseOffsetFetch,
               encode_offset_fetch, on_offset_fetch, nullptr, 0);
  admin_op_release(op);
}

// ---- OffsetCommit (setOffsets, resetOffsets) ---------------------------------------------

int encode_commit(AdminCall *c, Buf *out, int16_t version) {
  OffsetsState *st = st_of(c->op);
  proto::OffsetCommitRequest req;
  auto *parts = arena_construct_array<proto::OffsetCommitRequest::OffsetCommitRequestPartition>(&c->op->arena,
                                                                                                st->n_rows + 1);
  if (!parts) return UVK_ENOMEM;
  for (size_t i = 0; i < st->n_rows; i++) {
    parts[i].partition_index = st->rows[i].partition;
    parts[i].committed_offset = st->rows[i].offset;
    parts[i].committed_metadata = proto::Str{nullptr, 0};
  }
  proto::OffsetCommitRequest::OffsetCommitRequestTopic topic;
  topic.name = admin_pstr(st->topic);
  topic.partitions = {parts, int32_t(st->n_rows)};
  req.group_id = admin_pstr(st->group);
  req.generation_id_or_member_epoch = -1;  // not a member: an admin commit
  req.member_id = proto::Str{"", 0};
  req.group_instance_id = proto::Str{nullptr, 0};
  req.topics = {&topic, 1};
  return proto::encode(out, req, version);
}

int on_commit(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  OffsetsState *st = st_of(op);
  proto::OffsetCommitResponse resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  for (int32_t t = 0; t < resp.topics.count; t++)
    for (int32_t p = 0; p < resp.topics.items[t].partitions.count; p++) {
      int16_t code = resp.topics.items[t].partitions.items[p].error_code;
      if (admin_moved(code)) return kAdminRetarget;
      // e.g. UNKNOWN_TOPIC_OR_PARTITION from a coordinator that has not yet heard of a
      // topic created a moment ago: commit again after the retry wait.
      if (code && err_retriable(UVK_ERR_KAFKA(code))) return UVK_ERR_KAFKA(code);
    }
  st->answered = true;
  for (int32_t t = 0; t < resp.topics.count; t++) {
    const auto &tp = resp.topics.items[t];
    for (int32_t p = 0; p < tp.partitions.count; p++) {
      const auto &pp = tp.partitions.items[p];
      for (size_t i = 0; i < st->n_rows; i++)
        if (st->rows[i].partition == pp.partition_index && same(st->rows[i].topic, tp.name) && pp.error_code) {
          st->rows[i].error = UVK_ERR_KAFKA(pp.error_code);
          admin_op_fail(op, st->rows[i].error, nullptr);
        }
    }
  }
  return kAdminDone;
}

void start_commit(AdminOp *op) {
  if (op->first_error) return;  // a lookup failed: commit nothing
  OffsetsState *st = st_of(op);
  st->answered = false;  // results again only once the commit answered
  admin_call(op, kAdminGroup, -1, st->group, proto::kOffsetCommit, proto::kUseOffsetCommit,
             encode_commit, on_commit, nullptr, 0);
}

// ---- DeleteRecords -----------------------------------------------------------------------

int encode_delete_records(AdminCall *c, Buf *out, int16_t version) {
  OffsetsState *st = st_of(c->op);
  const uvk_admin_partition_offset &row = st->rows[c->index];
  proto::DeleteRecordsRequest req;
  proto::DeleteRecordsRequest::DeleteRecordsPartition part;
  proto::DeleteRecordsRequest::DeleteRecordsTopic topic;
  part.partition_index = row.partition;
  part.offset = row.offset;
  topic.name = admin_pstr(row.topic);
  topic.partitions = {&part, 1};
  req.topics = {&topic, 1};
  req.timeout_ms = 5000;
  return proto::encode(out, req, version);
}

int on_delete_records(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  OffsetsState *st = st_of(op);
  uvk_admin_partition_offset &row = st->rows[c->index];
  proto::DeleteRecordsResponse resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  int16_t code = 3;
  for (int32_t t = 0; t < resp.topics.count; t++) {
    if (!same(row.topic, resp.topics.items[t].name)) continue;
    for (int32_t p = 0; p < resp.topics.items[t].partitions.count; p++) {
      const auto &pp = resp.topics.items[t].partitions.items[p];
      if (pp.partition_index != row.partition) continue;
      code = pp.error_code;
      row.low = pp.low_watermark;
    }
  }
  if (admin_moved(code) || kafka_error_means_stale_metadata(code)) return kAdminRetarget;
  if (code != 0 && err_retriable(UVK_ERR_KAFKA(code))) return UVK_ERR_KAFKA(code);
  if (code != 0) {
    row.error = UVK_ERR_KAFKA(code);
    admin_op_fail(op, row.error, nullptr);
  }
  return kAdminDone;
}

bool valid_name(const char *s) { return s && *s; }

}  // namespace

int admin_fetch_topic_offsets(Admin *ad, const char *topic, bool by_timestamp, int64_t timestamp,
                              uvk_admin_offsets_cb cb, void *ud, uint64_t now) {
  if (!cb || !valid_name(topic)) return UVK_EINVAL;
  AdminOp *op = admin_op_new(ad, by_timestamp ? finish_by_timestamp : finish_topic_offsets, reinterpret_cast<void *>(cb),
                             ud, now);
  if (!op) return UVK_ENOMEM;
  OffsetsState *st = new_state(op, by_timestamp ? kByTimestamp : kTopicOffsets, topic, nullptr);
  if (!st) return admin_abandon(op, UVK_ENOMEM);
  st->timestamp = timestamp;
  return start_with_topic(op, now);
}

int admin_fetch_offsets(Admin *ad, const char *group_id, const char *const *topics, size_t n_topics,
                        bool resolve_offsets, uvk_admin_offsets_cb cb, void *ud, uint64_t now) {
  if (!cb || !valid_name(group_id) || (n_topics && !topics) || n_topics > 64) return UVK_EINVAL;
  for (size_t i = 0; i < n_topics; i++)
    if (!valid_name(topics[i])) return UVK_EINVAL;
  AdminOp *op = admin_op_new(ad, finish_offsets, reinterpret_cast<void *>(cb), ud, now);
  if (!op) return UVK_ENOMEM;
  OffsetsState *st = new_state(op, kFetchOffsets, nullptr, group_id);
  if (!st) return admin_abandon(op, UVK_ENOMEM);
  st->resolve = resolve_offsets;
  if (topics && n_topics) {
    st->topics = arena_new_array<const char *>(&op->arena, n_topics);
    if (!st->topics) return admin_abandon(op, UVK_ENOMEM);
    for (size_t i = 0; i < n_topics; i++) st->topics[i] = admin_strdup(op, topics[i]);
    st->n_topics = int(n_topics);
  }
  if (st->topics) {
    // OffsetFetch names partitions: learn the topics' partitions first.
    admin_op_hold(op);
    int rc = metadata_ensure(op->e, st->topics, st->n_topics, on_group_topics_known, op, now, &op->retry);
    if (rc != 0) {
      op->outstanding--;
      return admin_abandon(op, rc);
    }
  } else if (!admin_call(op, kAdminGroup, -1, st->group, proto::kOffsetFetch, proto::kUseOffsetFetch,
                         encode_offset_fetch, on_offset_fetch, nullptr, 0)) {
    return admin_abandon(op, UVK_ENOMEM);
  }
  admin_op_started(op);
  return 0;
}

int admin_set_offsets(Admin *ad, const char *group_id, const char *topic, const uvk_admin_seek *partitions,
                      size_t n, uvk_admin_offsets_cb cb, void *ud, uint64_t now) {
  if (!cb || !valid_name(group_id) || !valid_name(topic) || !partitions || n == 0 || n > 100000) return UVK_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (partitions[i].partition < 0 || partitions[i].offset < 0) return UVK_EINVAL;
  AdminOp *op = admin_op_new(ad, finish_offsets, reinterpret_cast<void *>(cb), ud, now);
  if (!op) return UVK_ENOMEM;
  OffsetsState *st = new_state(op, kSetOffsets, topic, group_id);
  if (!st) return admin_abandon(op, UVK_ENOMEM);
  st->rows = arena_construct_array<uvk_admin_partition_offset>(&op->arena, n + 1);
  if (!st->rows) return admin_abandon(op, UVK_ENOMEM);
  st->n_rows = n;
  for (size_t i = 0; i < n; i++) {
    st->rows[i].topic = st->topic;
    st->rows[i].partition = partitions[i].partition;
    st->rows[i].offset = partitions[i].offset;
    st->rows[i].high = st->rows[i].low = -1;
  }
  start_commit(op);
  if (op->first_error) return admin_abandon(op, op->first_error);
  admin_op_started(op);
  return 0;
}

int admin_reset_offsets(Admin *ad, const char *group_id, const char *topic, bool earliest, uvk_admin_offsets_cb cb,
                        void *ud, uint64_t now) {
  if (!cb || !valid_name(group_id) || !valid_name(topic)) return UVK_EINVAL;
  AdminOp *op = admin_op_new(ad, finish_offsets, reinterpret_cast<void *>(cb), ud, now);
  if (!op) return UVK_ENOMEM;
  OffsetsState *st = new_state(op, kResetOffsets, topic, group_id);
  if (!st) return admin_abandon(op, UVK_ENOMEM);
  st->earliest = earliest;
  return start_with_topic(op, now);
}

int admin_delete_topic_records(Admin *ad, const char *topic, const uvk_admin_seek *partitions, size_t n,
                               uvk_admin_offsets_cb cb, void *ud, uint64_t now) {
  if (!cb || !valid_name(topic) || !partitions || n == 0 || n > 100000) return UVK_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (partitions[i].partition < 0 || partitions[i].offset < -1) return UVK_EINVAL;
  AdminOp *op = admin_op_new(ad, finish_offsets, reinterpret_cast<void *>(cb), ud, now);
  if (!op) return UVK_ENOMEM;
  OffsetsState *st = new_state(op, kDeleteRecords, topic, nullptr);
  if (!st) return admin_abandon(op, UVK_ENOMEM);
  st->rows = arena_construct_array<uvk_admin_partition_offset>(&op->arena, n + 1);
  if (!st->rows) return admin_abandon(op, UVK_ENOMEM);
  st->n_rows = n;
  st->answered = true;
  for (size_t i = 0; i < n; i++) {
    st->rows[i].topic = st->topic;
    st->rows[i].partition = partitions[i].partition;
    st->rows[i].offset = partitions[i].offset;
    st->rows[i].high = st->rows[i].low = -1;
    if (!admin_call(op, kAdminLeader, partitions[i].partition, st->topic, proto::kDeleteRecords,
                    proto::DeleteRecordsRequest::kMaxVersion, encode_delete_records, on_delete_records, nullptr,
                    int32_t(i)))
      return admin_abandon(op, UVK_ENOMEM);
  }
  admin_op_started(op);
  return 0;
}

}  // namespace uvk
