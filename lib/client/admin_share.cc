// Share-group offsets (KIP-932): where a share group starts reading each partition (its start
// offset), described, altered (the group must have no members) and deleted, at the group's
// coordinator: DescribeShareGroupOffsets, AlterShareGroupOffsets, DeleteShareGroupOffsets.
#include <string.h>

#include "client/admin.h"
#include "client/admin_ops.h"
#include "proto/client_versions.h"
#include "proto/gen/alter_share_group_offsets.h"
#include "proto/gen/api_table.h"
#include "proto/gen/delete_share_group_offsets.h"
#include "proto/gen/describe_share_group_offsets.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

namespace {

const int32_t kMaxResults = 1 << 20;  // partitions one answer may name (hostile input)

struct ShareOffsetsState {
  const char *group;
  const char *topic;  // describe (null: every topic) / alter; in arena
  const uvk_admin_seek *seeks;  // alter, in arena
  size_t n_seeks;
  const char **topics;  // delete, in arena
  size_t n_topics;
  uvk_admin_partition_offset *offsets;
  size_t n_offsets;
  uvk_admin_result *results;  // delete
  bool answered;
};

ShareOffsetsState *st_of(AdminOp *op) { return static_cast<ShareOffsetsState *>(op->state); }
uvk_admin *owner(AdminOp *op) { return op->admin ? static_cast<uvk_admin *>(op->admin->owner) : nullptr; }

void finish_offsets(AdminOp *op, const uvk_error *err) {
  ShareOffsetsState *st = st_of(op);
  auto cb = reinterpret_cast<uvk_admin_offsets_cb>(op->user_cb);
  cb(owner(op), err, st->answered ? st->offsets : nullptr, st->answered ? st->n_offsets : 0, op->user_ud);
}

void finish_results(AdminOp *op, const uvk_error *err) {
  ShareOffsetsState *st = st_of(op);
  auto cb = reinterpret_cast<uvk_admin_results_cb>(op->user_cb);
  cb(owner(op), err, st->answered ? st->results : nullptr, st->answered ? st->n_topics : 0, op->user_ud);
}

int encode_describe(AdminCall *c, Buf *out, int16_t version) {
  ShareOffsetsState *st = st_of(c->op);
  proto::DescribeShareGroupOffsetsRequest req;
  proto::DescribeShareGroupOffsetsRequest::DescribeShareGroupOffsetsRequestGroup g;
  proto::DescribeShareGroupOffsetsRequest::DescribeShareGroupOffsetsRequestTopic t;
  g.group_id = admin_pstr(st->group);
  if (st->topic) {
    t.topic_name = admin_pstr(st->topic);
    t.partitions = {nullptr, -1};  // null: every partition
    g.topics = {&t, 1};
  } else {
    g.topics = {nullptr, -1};  // null: every topic the group has a start offset for
  }
  req.groups = {&g, 1};
  return proto::encode(out, req, version);
}

int on_describe(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  ShareOffsetsState *st = st_of(op);
  proto::DescribeShareGroupOffsetsResponse resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  if (resp.groups.count != 1) return UVK_EPROTO;
  const auto &g = resp.groups.items[0];
  if (admin_moved(g.error_code)) return kAdminRetarget;
  if (g.error_code != 0) {
    admin_op_fail(op, UVK_ERR_KAFKA(g.error_code), &g.error_message);
    return kAdminDone;
  }
  int64_t n = 0;
  for (int32_t t = 0; t < g.topics.count; t++) n += g.topics.items[t].partitions.count;
  if (n > kMaxResults) return UVK_EPROTO;
  st->offsets = arena_construct_array<uvk_admin_partition_offset>(&op->arena, size_t(n) + 1);
  if (!st->offsets) return UVK_ENOMEM;
  for (int32_t t = 0; t < g.topics.count; t++) {
    const auto &tr = g.topics.items[t];
    const char *name = admin_str(op, tr.topic_name);
    for (int32_t i = 0; i < tr.partitions.count; i++) {
      const auto &p = tr.partitions.items[i];
      // offset: the start offset (-1: none yet); high: the lag (v1, -1 when unknown)
      st->offsets[st->n_offsets++] = uvk_admin_partition_offset{
          name, p.partition_index, p.start_offset, p.lag, -1, nullptr, p.error_code ? UVK_ERR_KAFKA(p.error_code) : 0};
      if (p.error_code) admin_op_fail(op, UVK_ERR_KAFKA(p.error_code), &p.error_message);
    }
  }
  st->answered = true;
  return kAdminDone;
}

int encode_alter(AdminCall *c, Buf *out, int16_t version) {
  ShareOffsetsState *st = st_of(c->op);
  proto::AlterShareGroupOffsetsRequest req;
  proto::AlterShareGroupOffsetsRequest::AlterShareGroupOffsetsRequestTopic t;
  auto *ps = arena_construct_array<proto::AlterShareGroupOffsetsRequest::AlterShareGroupOffsetsRequestPartition>(
      &c->op->arena, st->n_seeks + 1);
  if (!ps) return UVK_ENOMEM;
  for (size_t i = 0; i < st->n_seeks; i++) {
    ps[i].partition_index = st->seeks[i].partition;
    ps[i].start_offset = st->seeks[i].offset;
  }
  req.group_id = admin_pstr(st->group);
  t.topic_name = admin_pstr(st->topic);
  t.partitions = {ps, int32_t(st->n_seeks)};
  req.topics = {&t, 1};
  return proto::encode(out, req, version);
}

int on_alter(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  ShareOffsetsState *st = st_of(op);
  proto::AlterShareGroupOffsetsResponse resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  if (admin_moved(resp.error_code)) return kAdminRetarget;
  if (resp.error_code != 0) {
    admin_op_fail(op, UVK_ERR_KAFKA(resp.error_code), &resp.error_message);
    return kAdminDone;
  }
  for (size_t i = 0; i < st->n_seeks; i++) {
    uvk_admin_partition_offset &o = st->offsets[i];
    o = uvk_admin_partition_offset{st->topic, st->seeks[i].partition, st->seeks[i].offset, -1, -1, nullptr, 0};
    for (int32_t t = 0; t < resp.responses.count; t++)
      for (int32_t k = 0; k < resp.responses.items[t].partitions.count; k++) {
        const auto &p = resp.responses.items[t].partitions.items[k];
        if (p.partition_index != o.partition || !p.error_code) continue;
        o.error = UVK_ERR_KAFKA(p.error_code);
        admin_op_fail(op, o.error, &p.error_message);
      }
  }
  st->n_offsets = st->n_seeks;
  st->answered = true;
  return kAdminDone;
}

int encode_delete(AdminCall *c, Buf *out, int16_t version) {
  ShareOffsetsState *st = st_of(c->op);
  proto::DeleteShareGroupOffsetsRequest req;
  auto *ts = arena_construct_array<proto::DeleteShareGroupOffsetsRequest::DeleteShareGroupOffsetsRequestTopic>(
      &c->op->arena, st->n_topics + 1);
  if (!ts) return UVK_ENOMEM;
  for (size_t i = 0; i < st->n_topics; i++) ts[i].topic_name = admin_pstr(st->topics[i]);
  req.group_id = admin_pstr(st->group);
  req.topics = {ts, int32_t(st->n_topics)};
  return proto::encode(out, req, version);
}

int on_delete(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  ShareOffsetsState *st = st_of(op);
  proto::DeleteShareGroupOffsetsResponse resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  if (admin_moved(resp.error_code)) return kAdminRetarget;
  if (resp.error_code != 0) {
    admin_op_fail(op, UVK_ERR_KAFKA(resp.error_code), &resp.error_message);
    return kAdminDone;
  }
  for (size_t i = 0; i < st->n_topics; i++)
    for (int32_t t = 0; t < resp.responses.count; t++) {
      const auto &tr = resp.responses.items[t];
      if (!tr.error_code || admin_str(op, tr.topic_name) == nullptr || strcmp(admin_str(op, tr.topic_name), st->topics[i]))
        continue;
      st->results[i].error = UVK_ERR_KAFKA(tr.error_code);
      st->results[i].error_message = admin_msg(op, tr.error_message);
      admin_op_fail(op, st->results[i].error, &tr.error_message);
    }
  st->answered = true;
  return kAdminDone;
}

ShareOffsetsState *start(AdminOp *op, const char *group) {
  auto *st = arena_construct_array<ShareOffsetsState>(&op->arena, 1);
  if (!st) return nullptr;
  op->state = st;
  st->group = admin_strdup(op, group);
  return st->group ? st : nullptr;
}

int go(AdminOp *op, int16_t api, int16_t version, AdminEncodeFn enc, AdminResponseFn on) {
  if (!admin_call(op, kAdminGroup, -1, st_of(op)->group, api, version, enc, on, nullptr, 0))
    return admin_abandon(op, UVK_ENOMEM);
  admin_op_started(op);
  return 0;
}

}  // namespace

int admin_describe_share_group_offsets(Admin *ad, const char *group, const char *topic, uvk_admin_offsets_cb cb,
                                       void *ud, uint64_t now) {
  if (!cb || !group || !*group || (topic && !*topic)) return UVK_EINVAL;
  AdminOp *op = admin_op_new(ad, finish_offsets, reinterpret_cast<void *>(cb), ud, now);
  if (!op) return UVK_ENOMEM;
  ShareOffsetsState *st = start(op, group);
  if (!st) return admin_abandon(op, UVK_ENOMEM);
  st->topic = topic ? admin_strdup(op, topic) : nullptr;
  return go(op, proto::kDescribeShareGroupOffsets, proto::kUseDescribeShareGroupOffsets, encode_describe, on_describe);
}

int admin_alter_share_group_offsets(Admin *ad, const char *group, const char *topic, const uvk_admin_seek *partitions,
                                    size_t n, uvk_admin_offsets_cb cb, void *ud, uint64_t now) {
  if (!cb || !group || !*group || !topic || !*topic || !partitions || n == 0 || n > 100000) return UVK_EINVAL;
  AdminOp *op = admin_op_new(ad, finish_offsets, reinterpret_cast<void *>(cb), ud, now);
  if (!op) return UVK_ENOMEM;
  ShareOffsetsState *st = start(op, group);
  if (!st) return admin_abandon(op, UVK_ENOMEM);
  st->topic = admin_strdup(op, topic);
  auto *seeks = arena_new_array<uvk_admin_seek>(&op->arena, n);
  st->offsets = arena_construct_array<uvk_admin_partition_offset>(&op->arena, n + 1);
  if (!st->topic || !seeks || !st->offsets) return admin_abandon(op, UVK_ENOMEM);
  memcpy(seeks, partitions, sizeof(uvk_admin_seek) * n);
  st->seeks = seeks;
  st->n_seeks = n;
  return go(op, proto::kAlterShareGroupOffsets, proto::kUseAlterShareGroupOffsets, encode_alter, on_alter);
}

int admin_delete_share_group_offsets(Admin *ad, const char *group, const char *const *topics, size_t n,
                                     uvk_admin_results_cb cb, void *ud, uint64_t now) {
  if (!cb || !group || !*group || !topics || n == 0 || n > 10000) return UVK_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (!topics[i] || !*topics[i]) return UVK_EINVAL;
  AdminOp *op = admin_op_new(ad, finish_results, reinterpret_cast<void *>(cb), ud, now);
  if (!op) return UVK_ENOMEM;
  ShareOffsetsState *st = start(op, group);
  if (!st) return admin_abandon(op, UVK_ENOMEM);
  st->topics = arena_new_array<const char *>(&op->arena, n);
  st->results = arena_construct_array<uvk_admin_result>(&op->arena, n + 1);
  if (!st->topics || !st->results) return admin_abandon(op, UVK_ENOMEM);
  for (size_t i = 0; i < n; i++) {
    st->topics[i] = admin_strdup(op, topics[i]);
    st->results[i].name = st->topics[i];
  }
  st->n_topics = n;
  return go(op, proto::kDeleteShareGroupOffsets, proto::kUseDeleteShareGroupOffsets, encode_delete, on_delete);
}

}  // namespace uvk
