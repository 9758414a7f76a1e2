// Admin partition operations: alter / list partition reassignments, electLeaders, and
// deleteConsumerGroupOffsets (OffsetDelete). Topics named without partitions mean every
// partition: those are looked up in metadata before the request goes out.
#include <string.h>

#include "client/admin.h"
#include "client/admin_ops.h"
#include "engine/kafka_errors.h"
#include "engine/metadata.h"
#include "engine/metadata_cache.h"
#include "proto/gen/alter_partition_reassignments.h"
#include "proto/gen/api_table.h"
#include "proto/gen/elect_leaders.h"
#include "proto/gen/list_partition_reassignments.h"
#include "proto/gen/offset_delete.h"
#include "uvkafka/uvkafka.h"
#include "proto/client_versions.h"

namespace uvk {

namespace {

const int16_t kElectionNotNeeded = 84;

struct TopicParts {
  const char *topic;  // in arena
  int32_t *parts;
  int32_t n;
  bool all;  // resolve from metadata
};

struct PartsState {
  TopicParts *topics;  // null: every topic (electLeaders, listPartitionReassignments)
  int32_t n_topics;
  const char *group;
  int8_t election_type;
  int32_t timeout;
  const uvk_admin_reassignment *reassign;  // copied into arena
  size_t n_reassign;
  // results
  uvk_admin_partition_result *results;
  size_t n_results, cap_results;
  uvk_admin_reassignment_state *ongoing;
  size_t n_ongoing;
  bool answered;
  AdminEncodeFn encode;
  AdminResponseFn on_response;
  AdminTarget target;
  int16_t api_key, max_version;
};

PartsState *st_of(AdminOp *op) { return static_cast<PartsState *>(op->state); }
uvk_admin *owner(AdminOp *op) { return static_cast<uvk_admin *>(op->admin->owner); }

void finish_partitions(AdminOp *op, const uvk_error *err) {
  PartsState *st = st_of(op);
  auto cb = reinterpret_cast<uvk_admin_partitions_cb>(op->user_cb);
  cb(owner(op), err, st->answered ? st->results : nullptr, st->answered ? st->n_results : 0, op->user_ud);
}

void finish_ongoing(AdminOp *op, const uvk_error *err) {
  PartsState *st = st_of(op);
  auto cb = reinterpret_cast<uvk_admin_reassignments_cb>(op->user_cb);
  cb(owner(op), err, st->answered ? st->ongoing : nullptr, st->answered ? st->n_ongoing : 0, op->user_ud);
}

// Appends one partition result (results live in the op's arena; grown by copying).
bool add_result(AdminOp *op, const char *topic, int32_t partition, int16_t code, const proto::Str &msg) {
  PartsState *st = st_of(op);
  if (st->n_results == st->cap_results) {
    size_t cap = st->cap_results ? st->cap_results * 2 : 16;
    auto *grown = arena_construct_array<uvk_admin_partition_result>(&op->arena, cap);
    if (!grown) return false;
    if (st->n_results) memcpy(grown, st->results, st->n_results * sizeof *grown);
    st->results = grown;
    st->cap_results = cap;
  }
  uvk_admin_partition_result &r = st->results[st->n_results++];
  r.topic = topic;
  r.partition = partition;
  r.error = code ? UVK_ERR_KAFKA(code) : 0;
  r.error_message = code ? admin_msg(op, msg) : nullptr;
  return true;
}

// Copies the caller's topic list; partitions resolved later when none are named.
int copy_topics(AdminOp *op, const uvk_admin_topic_partitions *tps, size_t n, bool *need_metadata) {
  PartsState *st = st_of(op);
  *need_metadata = false;
  if (!tps) return 0;
  st->topics = arena_construct_array<TopicParts>(&op->arena, n + 1);
  if (!st->topics) return UVK_ENOMEM;
  st->n_topics = int32_t(n);
  for (size_t i = 0; i < n; i++) {
    TopicParts &t = st->topics[i];
    t.topic = admin_strdup(op, tps[i].topic);
    t.all = tps[i].n_partitions == 0;
    *need_metadata = *need_metadata || t.all;
    t.parts = arena_new_array<int32_t>(&op->arena, tps[i].n_partitions + 1);
    if (!t.parts) return UVK_ENOMEM;
    if (tps[i].n_partitions) memcpy(t.parts, tps[i].partitions, tps[i].n_partitions * sizeof(int32_t));
    t.n = int32_t(tps[i].n_partitions);
  }
  return 0;
}

bool valid_topics(const uvk_admin_topic_partitions *tps, size_t n) {
  if (n > 10000 || (n && !tps)) return false;
  for (size_t i = 0; i < n; i++) {
    if (!tps[i].topic || !*tps[i].topic || tps[i].n_partitions > 100000) return false;
    if (tps[i].n_partitions && !tps[i].partitions) return false;
    for (size_t j = 0; j < tps[i].n_partitions; j++)
      if (tps[i].partitions[j] < 0) return false;
  }
  return true;
}

void send_main(AdminOp *op) {
  PartsState *st = st_of(op);
  admin_call(op, st->target, -1, st->group, st->api_key, st->max_version, st->encode, st->on_response, nullptr, 0);
}

void on_topics_known(void *ud, const uvk_error *err) {
  AdminOp *op = static_cast<AdminOp *>(ud);
  PartsState *st = st_of(op);
  if (err) {
    admin_op_fail_error(op, err);
    return admin_op_release(op);
  }
  for (int32_t i = 0; i < st->n_topics; i++) {
    TopicParts &t = st->topics[i];
    if (!t.all) continue;
    const CachedTopic *ct = metadata_cache_topic(&op->e->mcache, t.topic);
    int32_t n = ct ? ct->n_partitions : 0;
    t.parts = arena_new_array<int32_t>(&op->arena, size_t(n) + 1);
    if (!t.parts) {
      admin_op_fail(op, UVK_ENOMEM, nullptr);
      return admin_op_release(op);
    }
    for (int32_t p = 0; p < n; p++) t.parts[p] = ct->partitions[p].partition;
    t.n = n;
  }
  send_main(op);
  admin_op_release(op);
}

// Starts the op: metadata first when a topic named no partitions.
int start(AdminOp *op, bool need_metadata, uint64_t now) {
  PartsState *st = st_of(op);
  if (!need_metadata) {
    send_main(op);
    if (op->first_error) return admin_abandon(op, op->first_error);
    admin_op_started(op);
    return 0;
  }
  const char **names = arena_new_array<const char *>(&op->arena, size_t(st->n_topics) + 1);
  if (!names) return admin_abandon(op, UVK_ENOMEM);
  int n = 0;
  for (int32_t i = 0; i < st->n_topics; i++)
    if (st->topics[i].all) names[n++] = st->topics[i].topic;
  admin_op_hold(op);
  int rc = metadata_ensure(op->e, names, n, on_topics_known, op, now, &op->retry);
  if (rc != 0) {
    op->outstanding--;
    return admin_abandon(op, rc);
  }
  admin_op_started(op);
  return 0;
}

const char *same_topic(PartsState *st, const proto::Str &name) {
  for (int32_t i = 0; st->topics && i < st->n_topics; i++) {
    size_t n = strlen(st->topics[i].topic);
    if (name.len >= 0 && size_t(name.len) == n && memcmp(name.data, st->topics[i].topic, n) == 0)
      return st->topics[i].topic;
  }
  return nullptr;
}

// ---- alterPartitionReassignments ---------------------------------------------------------

int encode_alter(AdminCall *c, Buf *out, int16_t version) {
  PartsState *st = st_of(c->op);
  using Topic = proto::AlterPartitionReassignmentsRequest::ReassignableTopic;
  using Part = proto::AlterPartitionReassignmentsRequest::ReassignablePartition;
  Topic *ts = arena_construct_array<Topic>(&c->op->arena, st->n_reassign + 1);
  Part *ps = arena_construct_array<Part>(&c->op->arena, st->n_reassign + 1);
  if (!ts || !ps) return UVK_ENOMEM;
  int32_t nt = 0;
  // One topic entry per distinct name, its partitions contiguous in ps.
  size_t np = 0;
  for (size_t i = 0; i < st->n_reassign; i++) {
    bool seen = false;
    for (size_t j = 0; j < i && !seen; j++) seen = strcmp(st->reassign[j].topic, st->reassign[i].topic) == 0;
    if (seen) continue;
    Topic &t = ts[nt++];
    t.name = admin_pstr(st->reassign[i].topic);
    t.partitions.items = &ps[np];
    for (size_t j = i; j < st->n_reassign; j++) {
      const uvk_admin_reassignment &r = st->reassign[j];
      if (strcmp(r.topic, st->reassign[i].topic) != 0) continue;
      Part &p = ps[np++];
      p.partition_index = r.partition;
      p.replicas = r.n_replicas ? proto::Array<int32_t>{const_cast<int32_t *>(r.replicas), int32_t(r.n_replicas)}
                                : proto::Array<int32_t>{nullptr, -1};  // null: cancel
      t.partitions.count++;
    }
  }
  proto::AlterPartitionReassignmentsRequest req;
  req.timeout_ms = st->timeout;
  req.topics = {ts, nt};
  return proto::encode(out, req, version);
}

int on_alter(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  PartsState *st = st_of(op);
  proto::AlterPartitionReassignmentsResponse resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  if (resp.error_code == 41) return kAdminRetarget;
  if (resp.error_code != 0) {
    admin_op_fail(op, UVK_ERR_KAFKA(resp.error_code), &resp.error_message);
    return kAdminDone;
  }
  st->answered = true;
  for (int32_t t = 0; t < resp.responses.count; t++) {
    const auto &tr = resp.responses.items[t];
    const char *name = admin_str(op, tr.name);
    for (int32_t p = 0; p < tr.partitions.count; p++) {
      const auto &pr = tr.partitions.items[p];
      if (!add_result(op, name, pr.partition_index, pr.error_code, pr.error_message)) return UVK_ENOMEM;
      if (pr.error_code) admin_op_fail(op, UVK_ERR_KAFKA(pr.error_code), &pr.error_message);
    }
  }
  return kAdminDone;
}

// ---- listPartitionReassignments -----------------------------------------------------------

int encode_list(AdminCall *c, Buf *out, int16_t version) {
  PartsState *st = st_of(c->op);
  using Topic = proto::ListPartitionReassignmentsRequest::ListPartitionReassignmentsTopics;
  proto::ListPartitionReassignmentsRequest req;
  req.timeout_ms = st->timeout;
  if (!st->topics) {
    req.topics = {nullptr, -1};  // null: every reassignment
    return proto::encode(out, req, version);
  }
  Topic *ts = arena_construct_array<Topic>(&c->op->arena, size_t(st->n_topics) + 1);
  if (!ts) return UVK_ENOMEM;
  for (int32_t i = 0; i < st->n_topics; i++) {
    ts[i].name = admin_pstr(st->topics[i].topic);
    ts[i].partition_indexes = {st->topics[i].parts, st->topics[i].n};
  }
  req.topics = {ts, st->n_topics};
  return proto::encode(out, req, version);
}

const int32_t *copy_ids(AdminOp *op, const proto::Array<int32_t> &a, size_t *n) {
  *n = a.count > 0 ? size_t(a.count) : 0;
  int32_t *ids = arena_new_array<int32_t>(&op->arena, *n + 1);
  if (ids && *n) memcpy(ids, a.items, *n * sizeof(int32_t));
  return ids;
}

int on_list(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  PartsState *st = st_of(op);
  proto::ListPartitionReassignmentsResponse resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  if (resp.error_code == 41) return kAdminRetarget;
  if (resp.error_code != 0) {
    admin_op_fail(op, UVK_ERR_KAFKA(resp.error_code), &resp.error_message);
    return kAdminDone;
  }
  size_t total = 0;
  for (int32_t t = 0; t < resp.topics.count; t++) total += size_t(resp.topics.items[t].partitions.count);
  st->ongoing = arena_construct_array<uvk_admin_reassignment_state>(&op->arena, total + 1);
  if (!st->ongoing) return UVK_ENOMEM;
  for (int32_t t = 0; t < resp.topics.count; t++) {
    const auto &tr = resp.topics.items[t];
    const char *name = admin_str(op, tr.name);
    for (int32_t p = 0; p < tr.partitions.count; p++) {
      const auto &pr = tr.partitions.items[p];
      uvk_admin_reassignment_state &s = st->ongoing[st->n_ongoing++];
      s.topic = name;
      s.partition = pr.partition_index;
      s.replicas = copy_ids(op, pr.replicas, &s.n_replicas);
      s.adding_replicas = copy_ids(op, pr.adding_replicas, &s.n_adding_replicas);
      s.removing_replicas = copy_ids(op, pr.removing_replicas, &s.n_removing_replicas);
      if (!s.replicas || !s.adding_replicas || !s.removing_replicas) return UVK_ENOMEM;
    }
  }
  st->answered = true;
  return kAdminDone;
}

// ---- electLeaders --------------------------------------------------------------------------

int encode_elect(AdminCall *c, Buf *out, int16_t version) {
  PartsState *st = st_of(c->op);
  using TP = proto::ElectLeadersRequest::TopicPartitions;
  proto::ElectLeadersRequest req;
  req.election_type = st->election_type;
  req.timeout_ms = st->timeout;
  if (!st->topics) {
    req.topic_partitions = {nullptr, -1};  // null: every partition
    return proto::encode(out, req, version);
  }
  TP *ts = arena_construct_array<TP>(&c->op->arena, size_t(st->n_topics) + 1);
  if (!ts) return UVK_ENOMEM;
  for (int32_t i = 0; i < st->n_topics; i++) {
    ts[i].topic = admin_pstr(st->topics[i].topic);
    ts[i].partitions = {st->topics[i].parts, st->topics[i].n};
  }
  req.topic_partitions = {ts, st->n_topics};
  return proto::encode(out, req, version);
}

int on_elect(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  PartsState *st = st_of(op);
  proto::ElectLeadersResponse resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  if (resp.error_code == 41) return kAdminRetarget;
  if (resp.error_code != 0) {
    admin_op_fail(op, UVK_ERR_KAFKA(resp.error_code), nullptr);
    return kAdminDone;
  }
  st->answered = true;
  for (int32_t t = 0; t < resp.replica_election_results.count; t++) {
    const auto &tr = resp.replica_election_results.items[t];
    const char *name = admin_str(op, tr.topic);
    for (int32_t p = 0; p < tr.partition_result.count; p++) {
      const auto &pr = tr.partition_result.items[p];
      if (!add_result(op, name, pr.partition_id, pr.error_code, pr.error_message)) return UVK_ENOMEM;
      if (pr.error_code && pr.error_code != kElectionNotNeeded)
        admin_op_fail(op, UVK_ERR_KAFKA(pr.error_code), &pr.error_message);
    }
  }
  return kAdminDone;
}

// ---- OffsetDelete -----------------------------------------------------------------------------

int encode_offset_delete(AdminCall *c, Buf *out, int16_t version) {
  PartsState *st = st_of(c->op);
  using Part = proto::OffsetDeleteRequest::OffsetDeleteRequestPartition;
  TopicParts &tp = st->topics[0];
  Part *ps = arena_construct_array<Part>(&c->op->arena, size_t(tp.n) + 1);
  if (!ps) return UVK_ENOMEM;
  for (int32_t i = 0; i < tp.n; i++) ps[i].partition_index = tp.parts[i];
  proto::OffsetDeleteRequest::OffsetDeleteRequestTopic topic;
  topic.name = admin_pstr(tp.topic);
  topic.partitions = {ps, tp.n};
  proto::OffsetDeleteRequest req;
  req.group_id = admin_pstr(st->group);
  req.topics = {&topic, 1};
  return proto::encode(out, req, version);
}

int on_offset_delete(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  PartsState *st = st_of(op);
  proto::OffsetDeleteResponse resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  if (admin_moved(resp.error_code)) return kAdminRetarget;
  if (resp.error_code != 0) {
    admin_op_fail(op, UVK_ERR_KAFKA(resp.error_code), nullptr);
    return kAdminDone;
  }
  for (int32_t t = 0; t < resp.topics.count; t++)
    for (int32_t p = 0; p < resp.topics.items[t].partitions.count; p++) {
      int16_t code = resp.topics.items[t].partitions.items[p].error_code;
      if (code && err_retriable(UVK_ERR_KAFKA(code))) return UVK_ERR_KAFKA(code);
    }
  st->answered = true;
  proto::Str none = {nullptr, 0};
  for (int32_t t = 0; t < resp.topics.count; t++) {
    const auto &tr = resp.topics.items[t];
    const char *name = same_topic(st, tr.name);
    if (!name) name = admin_str(op, tr.name);
    for (int32_t p = 0; p < tr.partitions.count; p++) {
      const auto &pr = tr.partitions.items[p];
      if (!add_result(op, name, pr.partition_index, pr.error_code, none)) return UVK_ENOMEM;
      if (pr.error_code) admin_op_fail(op, UVK_ERR_KAFKA(pr.error_code), nullptr);
    }
  }
  return kAdminDone;
}

AdminOp *new_op(Admin *ad, AdminFinishFn finish, void *cb, void *ud, uint64_t now) {
  AdminOp *op = admin_op_new(ad, finish, cb, ud, now);
  if (!op) return nullptr;
  PartsState *st = arena_construct_array<PartsState>(&op->arena, 1);
  if (!st) {
    admin_abandon(op, UVK_ENOMEM);
    return nullptr;
  }
  op->state = st;
  return op;
}

int32_t timeout_or_default(int32_t t) { return t < 0 ? 5000 : t; }

}  // namespace

int admin_alter_partition_reassignments(Admin *ad, const uvk_admin_reassignment *r, size_t n, int32_t timeout,
                                        uvk_admin_partitions_cb cb, void *ud, uint64_t now) {
  if (!cb || !r || n == 0 || n > 100000) return UVK_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (!r[i].topic || !*r[i].topic || r[i].partition < 0 || (r[i].n_replicas && !r[i].replicas)) return UVK_EINVAL;
  AdminOp *op = new_op(ad, finish_partitions, reinterpret_cast<void *>(cb), ud, now);
  if (!op) return UVK_ENOMEM;
  PartsState *st = st_of(op);
  auto *copy = arena_construct_array<uvk_admin_reassignment>(&op->arena, n);
  if (!copy) return admin_abandon(op, UVK_ENOMEM);
  for (size_t i = 0; i < n; i++) {
    copy[i] = r[i];
    copy[i].topic = admin_strdup(op, r[i].topic);
    int32_t *ids = arena_new_array<int32_t>(&op->arena, r[i].n_replicas + 1);
    if (!ids) return admin_abandon(op, UVK_ENOMEM);
    if (r[i].n_replicas) memcpy(ids, r[i].replicas, r[i].n_replicas * sizeof(int32_t));
    copy[i].replicas = ids;
  }
  st->reassign = copy;
  st->n_reassign = n;
  st->timeout = timeout_or_default(timeout);
  st->target = kAdminController;
  st->api_key = proto::kAlterPartitionReassignments;
  st->max_version = proto::kUseAlterPartitionReassignments;
  st->encode = encode_alter;
  st->on_response = on_alter;
  return start(op, false, now);
}

int admin_list_partition_reassignments(Admin *ad, const uvk_admin_topic_partitions *topics, size_t n,
                                       int32_t timeout, uvk_admin_reassignments_cb cb, void *ud, uint64_t now) {
  if (!cb || !valid_topics(topics, n)) return UVK_EINVAL;
  AdminOp *op = new_op(ad, finish_ongoing, reinterpret_cast<void *>(cb), ud, now);
  if (!op) return UVK_ENOMEM;
  PartsState *st = st_of(op);
  bool need = false;
  int rc = copy_topics(op, n ? topics : nullptr, n, &need);
  if (rc != 0) return admin_abandon(op, rc);
  st->timeout = timeout_or_default(timeout);
  st->target = kAdminController;
  st->api_key = proto::kListPartitionReassignments;
  st->max_version = proto::ListPartitionReassignmentsRequest::kMaxVersion;
  st->encode = encode_list;
  st->on_response = on_list;
  return start(op, need, now);
}

int admin_elect_leaders(Admin *ad, int election_type, const uvk_admin_topic_partitions *topics, size_t n,
                        int32_t timeout, uvk_admin_partitions_cb cb, void *ud, uint64_t now) {
  if (!cb || (election_type != UVK_ELECTION_PREFERRED && election_type != UVK_ELECTION_UNCLEAN) ||
      !valid_topics(topics, n))
    return UVK_EINVAL;
  AdminOp *op = new_op(ad, finish_partitions, reinterpret_cast<void *>(cb), ud, now);
  if (!op) return UVK_ENOMEM;
  PartsState *st = st_of(op);
  bool need = false;
  int rc = copy_topics(op, n ? topics : nullptr, n, &need);
  if (rc != 0) return admin_abandon(op, rc);
  st->election_type = int8_t(election_type);
  st->timeout = timeout_or_default(timeout);
  st->target = kAdminController;
  st->api_key = proto::kElectLeaders;
  st->max_version = proto::ElectLeadersRequest::kMaxVersion;
  st->encode = encode_elect;
  st->on_response = on_elect;
  return start(op, need, now);
}

int admin_delete_group_offsets(Admin *ad, const char *group_id, const uvk_admin_topic_partitions *topic,
                               uvk_admin_partitions_cb cb, void *ud, uint64_t now) {
  if (!cb || !group_id || !*group_id || !topic || !valid_topics(topic, 1)) return UVK_EINVAL;
  AdminOp *op = new_op(ad, finish_partitions, reinterpret_cast<void *>(cb), ud, now);
  if (!op) return UVK_ENOMEM;
  PartsState *st = st_of(op);
  bool need = false;
  int rc = copy_topics(op, topic, 1, &need);
  if (rc != 0) return admin_abandon(op, rc);
  st->group = admin_strdup(op, group_id);
  st->target = kAdminGroup;
  st->api_key = proto::kOffsetDelete;
  st->max_version = proto::OffsetDeleteRequest::kMaxVersion;
  st->encode = encode_offset_delete;
  st->on_response = on_offset_delete;
  return start(op, need, now);
}

}  // namespace uvk
