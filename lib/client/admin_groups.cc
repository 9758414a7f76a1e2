// Admin group operations: listGroups (every broker), describeGroups and deleteGroups (each
// group at its coordinator).
#include <string.h>

#include "client/admin.h"
#include "client/admin_ops.h"
#include "client/group_describe.h"
#include "engine/kafka_errors.h"
#include "engine/metadata.h"
#include "proto/gen/api_table.h"
#include "proto/gen/consumer_group_describe.h"
#include "proto/gen/delete_groups.h"
#include "proto/gen/describe_groups.h"
#include "proto/gen/list_groups.h"
#include "proto/gen/share_group_describe.h"
#include "uvkafka/uvkafka.h"
#include "proto/client_versions.h"

namespace uvk {

namespace {

struct GroupChunk {  // one broker's (or one group's) answer
  GroupChunk *next;
  uvk_group_description *groups;
  size_t n;
};

struct GroupsState {
  const char **ids;  // describe / delete: in arena
  size_t n_ids;
  GroupChunk *chunks;
  uvk_admin_result *results;  // delete
  bool answered;
};

GroupsState *st_of(AdminOp *op) { return static_cast<GroupsState *>(op->state); }
uvk_admin *owner(AdminOp *op) { return static_cast<uvk_admin *>(op->admin->owner); }

void finish_groups(AdminOp *op, const uvk_error *err) {
  GroupsState *st = st_of(op);
  size_t total = 0;
  for (GroupChunk *c = st->chunks; c; c = c->next) total += c->n;
  auto *all = arena_construct_array<uvk_group_description>(&op->arena, total + 1);
  size_t n = 0;
  // Chunks are prepended: walk them into request order for describe (one group each).
  GroupChunk *rev = nullptr;
  for (GroupChunk *c = st->chunks; c;) {
    GroupChunk *next = c->next;
    c->next = rev;
    rev = c;
    c = next;
  }
  for (GroupChunk *c = rev; all && c; c = c->next)
    for (size_t i = 0; i < c->n; i++) all[n++] = c->groups[i];
  auto cb = reinterpret_cast<uvk_admin_groups_cb>(op->user_cb);
  if (!all && !err) {
    uvk_error *e = error_new(op->alloc, UVK_ENOMEM, 0, nullptr, 0, nullptr);
    cb(owner(op), e, nullptr, 0, op->user_ud);
    if (e) error_release(e);
    return;
  }
  bool give = st->answered && all;
  cb(owner(op), err, give ? all : nullptr, give ? n : 0, op->user_ud);
}

GroupChunk *add_chunk(AdminOp *op, size_t n) {
  GroupsState *st = st_of(op);
  GroupChunk *c = arena_construct_array<GroupChunk>(&op->arena, 1);
  if (!c) return nullptr;
  c->groups = arena_construct_array<uvk_group_description>(&op->arena, n + 1);
  if (!c->groups) return nullptr;
  c->next = st->chunks;
  st->chunks = c;
  return c;
}

// ---- listGroups ---------------------------------------------------------------------------

int encode_list(AdminCall *, Buf *out, int16_t version) {
  proto::ListGroupsRequest req;
  return proto::encode(out, req, version);
}

int on_list(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  proto::ListGroupsResponse resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  if (resp.error_code == 14) return UVK_ERR_KAFKA(14);  // still loading: retry that broker
  if (resp.error_code != 0) {
    admin_op_fail(op, UVK_ERR_KAFKA(resp.error_code), nullptr);
    return kAdminDone;
  }
  st_of(op)->answered = true;
  size_t n = resp.groups.count > 0 ? size_t(resp.groups.count) : 0;
  GroupChunk *ch = add_chunk(op, n);
  if (!ch) return UVK_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    const auto &g = resp.groups.items[i];
    uvk_group_description &d = ch->groups[ch->n++];
    d.group_id = admin_str(op, g.group_id);
    d.protocol_type = admin_str(op, g.protocol_type);
    d.state = admin_str(op, g.group_state);  // "" before v4
    d.group_protocol = admin_str(op, g.group_type);  // classic, consumer, share, streams; "" before v5
    d.protocol = "";
  }
  return kAdminDone;
}

void on_brokers(void *ud, const uvk_error *err, MetadataSnapshot *snap) {
  AdminOp *op = static_cast<AdminOp *>(ud);
  if (err) admin_op_fail_error(op, err);
  for (int32_t i = 0; !err && snap && i < snap->n_brokers; i++)
    admin_call(op, kAdminNode, snap->brokers[i].node_id, nullptr, proto::kListGroups,
               proto::ListGroupsRequest::kMaxVersion, encode_list, on_list, nullptr, i);
  if (!err && snap && snap->n_brokers == 0) st_of(op)->answered = true;
  if (snap) {
    metadata_snapshot_free(snap);
    mem_free(op->e->alloc, snap);
  }
  admin_op_release(op);
}

// ---- describeGroups -------------------------------------------------------------------------

int encode_describe(AdminCall *c, Buf *out, int16_t version) {
  GroupsState *st = st_of(c->op);
  proto::DescribeGroupsRequest req;
  proto::Str id = admin_pstr(st->ids[c->index]);
  req.groups = {&id, 1};
  return proto::encode(out, req, version);
}

const int16_t kGroupIdNotFound = 69, kUnsupportedVersion = 35;

// ConsumerGroupDescribe and ShareGroupDescribe: one group id, the same answer's shape.
template <typename Request>
int encode_group_ids(AdminCall *c, Buf *out, int16_t version) {
  GroupsState *st = st_of(c->op);
  Request req;
  proto::Str id = admin_pstr(st->ids[c->index]);
  req.group_ids = {&id, 1};
  return proto::encode(out, req, version);
}

// What only one kind of group describes: a consumer-protocol member's instance id and target
// assignment; a share group has neither (its target is its assignment).
void member_extras(AdminOp *op, const proto::ConsumerGroupDescribeResponse::Member &m,
                   uvk_group_member_description *out) {
  out->instance_id = m.instance_id.data ? admin_str(op, m.instance_id) : nullptr;
  out->target_assignment = describe_tps(&op->arena, m.target_assignment, &out->n_target_assignment);
}
void member_extras(AdminOp *, const proto::ShareGroupDescribeResponse::Member &,
                   uvk_group_member_description *out) {
  out->target_assignment = out->assignment;
  out->n_target_assignment = out->n_assignment;
}

// Fills d from a ConsumerGroupDescribe or ShareGroupDescribe group (`kind` names the protocol).
template <typename Group>
int describe_members(AdminOp *op, const Group &g, const char *kind, uvk_group_description *d) {
  d->state = admin_str(op, g.group_state);
  d->protocol_type = kind;
  d->protocol = admin_str(op, g.assignor_name);
  d->group_protocol = kind;
  d->group_epoch = g.group_epoch;
  d->assignment_epoch = g.assignment_epoch;
  int32_t n = g.members.count > 0 ? g.members.count : 0;
  auto *ms = arena_construct_array<uvk_group_member_description>(&op->arena, size_t(n) + 1);
  if (!ms) return UVK_ENOMEM;
  for (int32_t i = 0; i < n; i++) {
    const auto &m = g.members.items[i];
    if (!describe_member(&op->arena, m, &ms[i])) return UVK_ENOMEM;
    member_extras(op, m, &ms[i]);
    if (!ms[i].target_assignment) return UVK_ENOMEM;
  }
  d->members = ms;
  d->n_members = size_t(n);
  return kAdminDone;
}

// The DescribeGroups answer stands (a classic or unknown group) when this one says the group
// is not a consumer-protocol group, or the broker does not know the API (before 4.0).
int on_cg_describe(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  proto::ConsumerGroupDescribeResponse resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  if (resp.groups.count != 1) return UVK_EPROTO;
  const auto &g = resp.groups.items[0];
  if (admin_moved(g.error_code)) return kAdminRetarget;
  if (g.error_code != 0 && g.error_code != kGroupIdNotFound && g.error_code != kUnsupportedVersion) {
    admin_op_fail(op, UVK_ERR_KAFKA(g.error_code), &g.error_message);
    return kAdminDone;
  }
  st_of(op)->answered = true;
  GroupChunk *ch = add_chunk(op, 1);
  if (!ch) return UVK_ENOMEM;
  uvk_group_description &d = ch->groups[ch->n++];
  d.group_id = st_of(op)->ids[c->index];
  // Neither kind, or a broker without the consumer protocol's coordinator (3.x answers
  // UNSUPPORTED_VERSION though it lists the API): what DescribeGroups said.
  if (g.error_code != 0) {
    d.state = "Dead";
    d.protocol_type = d.protocol = "";
    d.group_protocol = "classic";
    d.group_epoch = d.assignment_epoch = -1;
    return kAdminDone;
  }
  return describe_members(op, g, "consumer", &d);
}

// Starts ConsumerGroupDescribe for the group of describe call c (marked by its ud).
bool ask_consumer_group(AdminCall *c) {
  if (!engine_api_supported(c->op->e, c->sent_to, proto::kConsumerGroupDescribe)) return false;
  static int marker;
  return admin_call(c->op, kAdminGroup, -1, st_of(c->op)->ids[c->index], proto::kConsumerGroupDescribe,
                    proto::ConsumerGroupDescribeRequest::kMaxVersion, encode_group_ids<proto::ConsumerGroupDescribeRequest>,
                    on_cg_describe, &marker,
                    c->index) != nullptr;
}

int on_describe(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  proto::DescribeGroupsResponse resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  if (resp.groups.count != 1) return UVK_EPROTO;
  const auto &g = resp.groups.items[0];
  if (admin_moved(g.error_code)) return kAdminRetarget;
  if (g.error_code != 0 && g.error_code != kGroupIdNotFound) {
    admin_op_fail(op, UVK_ERR_KAFKA(g.error_code), nullptr);
    return kAdminDone;
  }
  // A consumer-protocol group (KIP-848) is "Dead" to DescribeGroups (GROUP_ID_NOT_FOUND
  // from v6): ask ConsumerGroupDescribe, which keeps this answer if the group is not one.
  bool dead = g.group_state.len == 4 && memcmp(g.group_state.data, "Dead", 4) == 0;
  if ((dead || g.error_code == kGroupIdNotFound) && !c->ud && ask_consumer_group(c)) return kAdminDone;
  if (g.error_code == kGroupIdNotFound) {
    admin_op_fail(op, UVK_ERR_KAFKA(g.error_code), nullptr);
    return kAdminDone;
  }
  st_of(op)->answered = true;
  GroupChunk *ch = add_chunk(op, 1);
  if (!ch) return UVK_ENOMEM;
  uvk_group_description &d = ch->groups[ch->n++];
  d.group_protocol = "classic";
  d.group_epoch = d.assignment_epoch = -1;
  d.group_id = admin_str(op, g.group_id);
  d.state = admin_str(op, g.group_state);
  d.protocol_type = admin_str(op, g.protocol_type);
  d.protocol = admin_str(op, g.protocol_data);
  int32_t n = g.members.count > 0 ? g.members.count : 0;
  auto *ms = arena_construct_array<uvk_group_member_description>(&op->arena, size_t(n) + 1);
  if (!ms) return UVK_ENOMEM;
  for (int32_t i = 0; i < n; i++) {
    const auto &m = g.members.items[i];
    ms[i].member_id = admin_str(op, m.member_id);
    ms[i].client_id = admin_str(op, m.client_id);
    ms[i].client_host = admin_str(op, m.client_host);
    // Bytes point into the frame: copy them into the op's arena.
    size_t ml = m.member_metadata.len > 0 ? size_t(m.member_metadata.len) : 0;
    size_t al = m.member_assignment.len > 0 ? size_t(m.member_assignment.len) : 0;
    void *md = arena_alloc(&op->arena, ml + 1, 1);
    void *as = arena_alloc(&op->arena, al + 1, 1);
    if (!md || !as) return UVK_ENOMEM;
    if (ml) memcpy(md, m.member_metadata.data, ml);
    if (al) memcpy(as, m.member_assignment.data, al);
    ms[i].member_metadata = md;
    ms[i].member_metadata_len = ml;
    ms[i].member_assignment = as;
    ms[i].member_assignment_len = al;
    ms[i].member_epoch = -1;
  }
  d.members = ms;
  d.n_members = size_t(n);
  return kAdminDone;
}

// ---- describeShareGroups (KIP-932) -----------------------------------------------------------

// A group that is not a share group (GROUP_ID_NOT_FOUND, also for another type) fails.
int on_share_describe(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  proto::ShareGroupDescribeResponse resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  if (resp.groups.count != 1) return UVK_EPROTO;
  const auto &g = resp.groups.items[0];
  if (admin_moved(g.error_code)) return kAdminRetarget;
  if (g.error_code != 0) {
    admin_op_fail(op, UVK_ERR_KAFKA(g.error_code), &g.error_message);
    return kAdminDone;
  }
  st_of(op)->answered = true;
  GroupChunk *ch = add_chunk(op, 1);
  if (!ch) return UVK_ENOMEM;
  uvk_group_description &d = ch->groups[ch->n++];
  d.group_id = st_of(op)->ids[c->index];
  return describe_members(op, g, "share", &d);
}

// ---- deleteGroups -----------------------------------------------------------------------------

void finish_delete(AdminOp *op, const uvk_error *err) {
  GroupsState *st = st_of(op);
  auto cb = reinterpret_cast<uvk_admin_results_cb>(op->user_cb);
  cb(owner(op), err, st->answered ? st->results : nullptr, st->answered ? st->n_ids : 0, op->user_ud);
}

int encode_delete(AdminCall *c, Buf *out, int16_t version) {
  GroupsState *st = st_of(c->op);
  proto::DeleteGroupsRequest req;
  proto::Str id = admin_pstr(st->ids[c->index]);
  req.groups_names = {&id, 1};
  return proto::encode(out, req, version);
}

int on_delete(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  GroupsState *st = st_of(op);
  proto::DeleteGroupsResponse resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  if (resp.results.count != 1) return UVK_EPROTO;
  int16_t code = resp.results.items[0].error_code;
  if (admin_moved(code)) return kAdminRetarget;
  st->answered = true;
  st->results[c->index].error = code ? UVK_ERR_KAFKA(code) : 0;
  if (code) admin_op_fail(op, UVK_ERR_KAFKA(code), nullptr);
  return kAdminDone;
}

int per_group_op(Admin *ad, const char *const *ids, size_t n, AdminFinishFn finish, void *cb, void *ud,
                 int16_t api_key, int16_t max_version, AdminEncodeFn enc, AdminResponseFn on, uint64_t now) {
  if (!cb || !ids || n == 0 || n > 10000) return UVK_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (!ids[i] || !*ids[i]) return UVK_EINVAL;
  AdminOp *op = admin_op_new(ad, finish, cb, ud, now);
  if (!op) return UVK_ENOMEM;
  GroupsState *st = arena_construct_array<GroupsState>(&op->arena, 1);
  if (!st) return admin_abandon(op, UVK_ENOMEM);
  op->state = st;
  st->ids = arena_new_array<const char *>(&op->arena, n);
  st->results = arena_construct_array<uvk_admin_result>(&op->arena, n + 1);
  if (!st->ids || !st->results) return admin_abandon(op, UVK_ENOMEM);
  st->n_ids = n;
  for (size_t i = 0; i < n; i++) {
    st->ids[i] = admin_strdup(op, ids[i]);
    st->results[i].name = st->ids[i];
  }
  for (size_t i = 0; i < n; i++)
    if (!admin_call(op, kAdminGroup, -1, st->ids[i], api_key, max_version, enc, on, nullptr, int32_t(i)))
      return admin_abandon(op, UVK_ENOMEM);
  admin_op_started(op);
  return 0;
}

}  // namespace

int admin_list_groups(Admin *ad, uvk_admin_groups_cb cb, void *ud, uint64_t now) {
  if (!cb) return UVK_EINVAL;
  AdminOp *op = admin_op_new(ad, finish_groups, reinterpret_cast<void *>(cb), ud, now);
  if (!op) return UVK_ENOMEM;
  GroupsState *st = arena_construct_array<GroupsState>(&op->arena, 1);
  if (!st) return admin_abandon(op, UVK_ENOMEM);
  op->state = st;
  admin_op_hold(op);
  int rc = metadata_fetch(ad->e, nullptr, 0, on_brokers, op, now);
  if (rc != 0) {
    op->outstanding--;
    return admin_abandon(op, rc);
  }
  admin_op_started(op);
  return 0;
}

int admin_describe_groups(Admin *ad, const char *const *group_ids, size_t n, uvk_admin_groups_cb cb, void *ud, uint64_t now) {
  return per_group_op(ad, group_ids, n, finish_groups, reinterpret_cast<void *>(cb), ud, proto::kDescribeGroups,
                      proto::kUseDescribeGroups, encode_describe, on_describe, now);
}

int admin_describe_share_groups(Admin *ad, const char *const *group_ids, size_t n, uvk_admin_groups_cb cb, void *ud,
                                uint64_t now) {
  return per_group_op(ad, group_ids, n, finish_groups, reinterpret_cast<void *>(cb), ud, proto::kShareGroupDescribe,
                      proto::kUseShareGroupDescribe, encode_group_ids<proto::ShareGroupDescribeRequest>, on_share_describe, now);
}

int admin_delete_groups(Admin *ad, const char *const *group_ids, size_t n, uvk_admin_results_cb cb, void *ud, uint64_t now) {
  return per_group_op(ad, group_ids, n, finish_delete, reinterpret_cast<void *>(cb), ud, proto::kDeleteGroups,
                      proto::kUseDeleteGroups, encode_delete, on_delete, now);
}

}  // namespace uvk
