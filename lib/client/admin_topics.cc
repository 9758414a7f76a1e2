// Admin topic operations: createTopics (with waitForLeaders), deleteTopics,
// createPartitions, listTopics, fetchTopicMetadata, describeCluster.
#include <string.h>

#include "client/admin.h"
#include "client/admin_ops.h"
#include "engine/kafka_errors.h"
#include "engine/metadata.h"
#include "proto/gen/api_table.h"
#include "proto/gen/create_partitions.h"
#include "proto/gen/create_topics.h"
#include "proto/gen/delete_topics.h"
#include "uvkafka/uvkafka.h"

namespace uvk {

namespace {

const int16_t kTopicAlreadyExists = 36;

// Per-topic results shared by create/delete topics and create partitions.
struct TopicsState {
  void *request;  // the proto request, built at call time (inputs are borrowed)
  uvk_admin_result *results;
  size_t n;
  bool answered;  // a response was parsed: results hold the broker's verdicts
  bool wait_for_leaders;
  const char **created;  // names to wait for
  int n_created;
  RetryState wait_retry;
  EngineTimer wait_timer;
};

uvk_admin *owner(AdminOp *op) { return static_cast<uvk_admin *>(op->admin->owner); }

void finish_results(AdminOp *op, const uvk_error *err) {
  TopicsState *st = static_cast<TopicsState *>(op->state);
  auto cb = reinterpret_cast<uvk_admin_results_cb>(op->user_cb);
  // Without an answer (the request itself failed) there are no results to give.
  cb(owner(op), err, st->answered ? st->results : nullptr, st->answered ? st->n : 0, op->user_ud);
}

// Sets the result of topic `name` (results are in request order; unknown names ignored).
void set_result(AdminOp *op, TopicsState *st, const proto::Str &name, int16_t code, const proto::Str &msg,
                bool already_exists_ok) {
  for (size_t i = 0; i < st->n; i++) {
    const char *r = st->results[i].name;
    if (strlen(r) != size_t(name.len > 0 ? name.len : 0) || memcmp(r, name.data, strlen(r)) != 0) continue;
    st->results[i].error = code ? UVK_ERR_KAFKA(code) : 0;
    st->results[i].error_message = code ? admin_msg(op, msg) : nullptr;
    if (code && !(already_exists_ok && code == kTopicAlreadyExists)) admin_op_fail(op, UVK_ERR_KAFKA(code), &msg);
    return;
  }
}

TopicsState *topics_state(AdminOp *op, size_t n) {
  TopicsState *st = arena_construct_array<TopicsState>(&op->arena, 1);
  if (!st) return nullptr;
  st->results = arena_construct_array<uvk_admin_result>(&op->arena, n + 1);
  if (!st->results) return nullptr;
  st->n = n;
  op->state = st;
  return st;
}

// ---- waitForLeaders ------------------------------------------------------------------

void wait_attempt(AdminOp *op, uint64_t now);

void on_wait_metadata(void *ud, const uvk_error *err, MetadataSnapshot *snap) {
  AdminOp *op = static_cast<AdminOp *>(ud);
  TopicsState *st = static_cast<TopicsState *>(op->state);
  bool ready = !err && snap;
  int last = err ? uvk_error_code(err) : 0;
  for (int32_t i = 0; ready && i < snap->n_topics; i++) {
    const TopicMeta &t = snap->topics[i];
    if (t.error != 0 || t.n_partitions == 0) {
      ready = false;
      last = UVK_ERR_KAFKA(t.error ? t.error : 5);  // LEADER_NOT_AVAILABLE
    }
    for (int32_t p = 0; ready && p < t.n_partitions; p++)
      if (t.partitions[p].leader < 0) {
        ready = false;
        last = UVK_ERR_KAFKA(5);
      }
  }
  if (ready && snap->n_topics < st->n_created) {
    ready = false;
    last = UVK_ERR_KAFKA(3);
  }
  if (snap) {
    metadata_snapshot_free(snap);
    mem_free(op->e->alloc, snap);
  }
  if (ready) return admin_op_release(op);
  int64_t wait = 0;
  if (!op->e->shutting_down &&
      retry_on_failure(&st->wait_retry, op->retry, &op->e->rng, true, &wait) == RetryVerdict::kRetry) {
    engine_add_timer(op->e, &st->wait_timer, op->e->now + uint64_t(wait),
                     [](void *p, uint64_t t) { wait_attempt(static_cast<AdminOp *>(p), t); }, op);
    return;
  }
  admin_op_fail(op, last ? last : UVK_ETIMEDOUT, nullptr);
  admin_op_release(op);
}

void wait_attempt(AdminOp *op, uint64_t now) {
  TopicsState *st = static_cast<TopicsState *>(op->state);
  if (op->e->shutting_down || metadata_fetch(op->e, st->created, st->n_created, on_wait_metadata, op, now) != 0) {
    admin_op_fail(op, UVK_ECLOSED, nullptr);
    admin_op_release(op);
  }
}

// ---- createTopics ---------------------------------------------------------------------

// The request built at call time (st->request), encoded at the version chosen.
template <class Request>
int encode_built(AdminCall *c, Buf *out, int16_t version) {
  TopicsState *st = static_cast<TopicsState *>(c->op->state);
  return proto::encode(out, *static_cast<Request *>(st->request), version);
}

int on_create(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  TopicsState *st = static_cast<TopicsState *>(op->state);
  proto::CreateTopicsResponse resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  for (int32_t i = 0; i < resp.topics.count; i++)
    if (resp.topics.items[i].error_code == 41) return kAdminRetarget;  // NOT_CONTROLLER
  st->answered = true;
  for (int32_t i = 0; i < resp.topics.count; i++) {
    const auto &t = resp.topics.items[i];
    set_result(op, st, t.name, t.error_code, t.error_message, true);
  }
  if (!st->wait_for_leaders || op->first_error) return kAdminDone;
  st->created = arena_new_array<const char *>(&op->arena, st->n + 1);
  if (!st->created) return UVK_ENOMEM;
  for (size_t i = 0; i < st->n; i++)
    if (st->results[i].error == 0) st->created[st->n_created++] = st->results[i].name;
  if (st->n_created == 0) return kAdminDone;
  admin_op_hold(op);
  retry_start(&st->wait_retry, op->retry, &op->e->rng);
  wait_attempt(op, op->e->now);
  return kAdminDone;
}

// ---- deleteTopics / createPartitions ---------------------------------------------------

// DeleteTopics and CreatePartitions: per-topic results in `Response::*results`.
template <class Response, class Result, proto::Array<Result> Response::*results>
int on_topic_results(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  TopicsState *st = static_cast<TopicsState *>(op->state);
  Response resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  const proto::Array<Result> &rs = resp.*results;
  for (int32_t i = 0; i < rs.count; i++)
    if (rs.items[i].error_code == 41) return kAdminRetarget;  // NOT_CONTROLLER
  st->answered = true;
  for (int32_t i = 0; i < rs.count; i++) set_result(op, st, rs.items[i].name, rs.items[i].error_code,
                                                    rs.items[i].error_message, false);
  return kAdminDone;
}

const AdminResponseFn on_delete =
    on_topic_results<proto::DeleteTopicsResponse, proto::DeleteTopicsResponse::DeletableTopicResult,
                     &proto::DeleteTopicsResponse::responses>;
const AdminResponseFn on_partitions =
    on_topic_results<proto::CreatePartitionsResponse, proto::CreatePartitionsResponse::CreatePartitionsTopicResult,
                     &proto::CreatePartitionsResponse::results>;

proto::Str arena_pstr(AdminOp *op, const char *s) { return admin_pstr(admin_strdup(op, s)); }

// ---- metadata-backed operations -----------------------------------------------------

struct MetaState {
  int kind;  // 0 list topics, 1 topic metadata / cluster
};

void on_metadata(void *ud, const uvk_error *err, MetadataSnapshot *snap) {
  AdminOp *op = static_cast<AdminOp *>(ud);
  MetaState *ms = static_cast<MetaState *>(op->state);
  if (op->admin) {
    uvk_admin *o = owner(op);
    if (ms->kind == 0) {
      auto cb = reinterpret_cast<uvk_admin_names_cb>(op->user_cb);
      const char **names = nullptr;
      size_t n = 0;
      if (!err && snap) {
        names = arena_new_array<const char *>(&op->arena, size_t(snap->n_topics) + 1);
        for (int32_t i = 0; names && i < snap->n_topics; i++)
          if (!snap->topics[i].internal && snap->topics[i].error == 0) names[n++] = snap->topics[i].name;
      }
      if (!err && snap && !names) {
        uvk_error *e = error_new(op->alloc, UVK_ENOMEM, 0, nullptr, 0, nullptr);
        cb(o, e, nullptr, 0, op->user_ud);
        if (e) error_release(e);
      } else {
        cb(o, err, err ? nullptr : names, err ? 0 : n, op->user_ud);
      }
    } else {
      auto cb = reinterpret_cast<uvk_admin_metadata_cb>(op->user_cb);
      uvk_metadata md{snap};
      cb(o, err, err || !snap ? nullptr : &md, op->user_ud);
    }
  }
  if (snap) {
    metadata_snapshot_free(snap);
    mem_free(op->e->alloc, snap);
  }
  op->finish = nullptr;  // called back already
  admin_op_release(op);
}

// A metadata op cut short (its admin freed): the error, no result.
void finish_meta(AdminOp *op, const uvk_error *err) {
  if (static_cast<MetaState *>(op->state)->kind == 0)
    reinterpret_cast<uvk_admin_names_cb>(op->user_cb)(owner(op), err, nullptr, 0, op->user_ud);
  else
    reinterpret_cast<uvk_admin_metadata_cb>(op->user_cb)(owner(op), err, nullptr, op->user_ud);
}

int metadata_op(Admin *ad, int kind, const char *const *topics, int n, void *cb, void *ud, uint64_t now) {
  if (!cb) return UVK_EINVAL;
  AdminOp *op = admin_op_new(ad, finish_meta, cb, ud, now);
  if (!op) return UVK_ENOMEM;
  MetaState *ms = arena_construct_array<MetaState>(&op->arena, 1);
  if (!ms) return admin_abandon(op, UVK_ENOMEM);
  ms->kind = kind;
  op->state = ms;
  int rc = metadata_fetch(ad->e, topics, n, on_metadata, op, now);
  if (rc != 0) return admin_abandon(op, rc);  // the caller gets rc; no callback
  op->state = ms;
  return 0;
}

}  // namespace

// Starting an op: on a synchronous failure the op is dropped without calling back.
int admin_abandon(AdminOp *op, int rc) {
  AdminOp **pp = &op->admin->ops;
  for (; *pp; pp = &(*pp)->next)
    if (*pp == op) {
      *pp = op->next;
      break;
    }
  op->admin = nullptr;
  admin_op_started(op);
  return rc;
}

int admin_create_topics(Admin *ad, const uvk_admin_new_topic *topics, size_t n, const uvk_admin_topic_options *opts,
                        uvk_admin_results_cb cb, void *ud, uint64_t now) {
  if (!cb || !topics || n == 0 || n > 100000) return UVK_EINVAL;
  for (size_t i = 0; i < n; i++) {
    if (!topics[i].topic || !*topics[i].topic) return UVK_EINVAL;
    if ((topics[i].n_config_entries && !topics[i].config_entries) ||
        (topics[i].n_replica_assignment && !topics[i].replica_assignment))
      return UVK_EINVAL;
  }
  uvk_admin_topic_options o;
  uvk_admin_topic_options_init(&o);
  if (opts) o = *opts;
  AdminOp *op = admin_op_new(ad, finish_results, reinterpret_cast<void *>(cb), ud, now);
  if (!op) return UVK_ENOMEM;
  TopicsState *st = topics_state(op, n);
  auto *req = arena_construct_array<proto::CreateTopicsRequest>(&op->arena, 1);
  auto *items = arena_construct_array<proto::CreateTopicsRequest::CreatableTopic>(&op->arena, n);
  if (!st || !req || !items) return admin_abandon(op, UVK_ENOMEM);
  for (size_t i = 0; i < n; i++) {
    const uvk_admin_new_topic &t = topics[i];
    auto &it = items[i];
    st->results[i].name = admin_strdup(op, t.topic);
    it.name = admin_pstr(st->results[i].name);
    it.num_partitions = t.n_replica_assignment ? -1 : t.num_partitions;
    it.replication_factor = t.n_replica_assignment ? -1 : t.replication_factor;
    auto *as = arena_construct_array<proto::CreateTopicsRequest::CreatableReplicaAssignment>(
        &op->arena, t.n_replica_assignment + 1);
    auto *cs = arena_construct_array<proto::CreateTopicsRequest::CreatableTopicConfig>(&op->arena,
                                                                                      t.n_config_entries + 1);
    if (!as || !cs) return admin_abandon(op, UVK_ENOMEM);
    for (size_t j = 0; j < t.n_replica_assignment; j++) {
      const uvk_admin_replica_assignment &ra = t.replica_assignment[j];
      if (ra.n_replicas && !ra.replicas) return admin_abandon(op, UVK_EINVAL);
      int32_t *ids = arena_new_array<int32_t>(&op->arena, ra.n_replicas + 1);
      if (!ids) return admin_abandon(op, UVK_ENOMEM);
      if (ra.n_replicas) memcpy(ids, ra.replicas, ra.n_replicas * sizeof(int32_t));
      as[j].partition_index = ra.partition;
      as[j].broker_ids = proto::Array<int32_t>{ids, int32_t(ra.n_replicas)};
    }
    for (size_t j = 0; j < t.n_config_entries; j++) {
      if (!t.config_entries[j].name) return admin_abandon(op, UVK_EINVAL);
      cs[j].name = arena_pstr(op, t.config_entries[j].name);
      cs[j].value = arena_pstr(op, t.config_entries[j].value);
    }
    it.assignments = {as, int32_t(t.n_replica_assignment)};
    it.configs = {cs, int32_t(t.n_config_entries)};
  }
  req->topics = {items, int32_t(n)};
  req->timeout_ms = o.timeout;
  req->validate_only = o.validate_only != 0;
  st->request = req;
  st->wait_for_leaders = o.wait_for_leaders != 0 && !o.validate_only;
  if (!admin_call(op, kAdminController, -1, nullptr, proto::kCreateTopics, proto::CreateTopicsRequest::kMaxVersion,
                  encode_built<proto::CreateTopicsRequest>, on_create, nullptr, 0))
    return admin_abandon(op, UVK_ENOMEM);
  admin_op_started(op);
  return 0;
}

int admin_delete_topics(Admin *ad, const char *const *topics, size_t n, const uvk_admin_topic_options *opts,
                        uvk_admin_results_cb cb, void *ud, uint64_t now) {
  if (!cb || !topics || n == 0 || n > 100000) return UVK_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (!topics[i] || !*topics[i]) return UVK_EINVAL;
  uvk_admin_topic_options o;
  uvk_admin_topic_options_init(&o);
  if (opts) o = *opts;
  AdminOp *op = admin_op_new(ad, finish_results, reinterpret_cast<void *>(cb), ud, now);
  if (!op) return UVK_ENOMEM;
  TopicsState *st = topics_state(op, n);
  auto *req = arena_construct_array<proto::DeleteTopicsRequest>(&op->arena, 1);
  auto *states = arena_construct_array<proto::DeleteTopicsRequest::DeleteTopicState>(&op->arena, n);
  auto *names = arena_construct_array<proto::Str>(&op->arena, n);
  if (!st || !req || !states || !names) return admin_abandon(op, UVK_ENOMEM);
  for (size_t i = 0; i < n; i++) {
    st->results[i].name = admin_strdup(op, topics[i]);
    names[i] = admin_pstr(st->results[i].name);
    states[i].name = names[i];
  }
  req->topics = {states, int32_t(n)};  // v6+
  req->topic_names = {names, int32_t(n)};  // v0-5
  req->timeout_ms = o.timeout;
  st->request = req;
  if (!admin_call(op, kAdminController, -1, nullptr, proto::kDeleteTopics, proto::DeleteTopicsRequest::kMaxVersion,
                  encode_built<proto::DeleteTopicsRequest>, on_delete, nullptr, 0))
    return admin_abandon(op, UVK_ENOMEM);
  admin_op_started(op);
  return 0;
}

int admin_create_partitions(Admin *ad, const uvk_admin_new_partitions *topics, size_t n,
                            const uvk_admin_topic_options *opts, uvk_admin_results_cb cb, void *ud, uint64_t now) {
  if (!cb || !topics || n == 0 || n > 100000) return UVK_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (!topics[i].topic || !*topics[i].topic || topics[i].count <= 0 ||
        (topics[i].n_assignments && !topics[i].assignments))
      return UVK_EINVAL;
  uvk_admin_topic_options o;
  uvk_admin_topic_options_init(&o);
  if (opts) o = *opts;
  AdminOp *op = admin_op_new(ad, finish_results, reinterpret_cast<void *>(cb), ud, now);
  if (!op) return UVK_ENOMEM;
  TopicsState *st = topics_state(op, n);
  auto *req = arena_construct_array<proto::CreatePartitionsRequest>(&op->arena, 1);
  auto *items = arena_construct_array<proto::CreatePartitionsRequest::CreatePartitionsTopic>(&op->arena, n);
  if (!st || !req || !items) return admin_abandon(op, UVK_ENOMEM);
  for (size_t i = 0; i < n; i++) {
    const uvk_admin_new_partitions &t = topics[i];
    st->results[i].name = admin_strdup(op, t.topic);
    items[i].name = admin_pstr(st->results[i].name);
    items[i].count = t.count;
    if (t.n_assignments == 0) {
      items[i].assignments = {nullptr, -1};  // null: the broker places the new partitions
      continue;
    }
    auto *as = arena_construct_array<proto::CreatePartitionsRequest::CreatePartitionsAssignment>(&op->arena,
                                                                                                t.n_assignments);
    if (!as) return admin_abandon(op, UVK_ENOMEM);
    for (size_t j = 0; j < t.n_assignments; j++) {
      const uvk_admin_replica_assignment &ra = t.assignments[j];
      if (ra.n_replicas && !ra.replicas) return admin_abandon(op, UVK_EINVAL);
      int32_t *ids = arena_new_array<int32_t>(&op->arena, ra.n_replicas + 1);
      if (!ids) return admin_abandon(op, UVK_ENOMEM);
      if (ra.n_replicas) memcpy(ids, ra.replicas, ra.n_replicas * sizeof(int32_t));
      as[j].broker_ids = {ids, int32_t(ra.n_replicas)};
    }
    items[i].assignments = {as, int32_t(t.n_assignments)};
  }
  req->topics = {items, int32_t(n)};
  req->timeout_ms = o.timeout;
  req->validate_only = o.validate_only != 0;
  st->request = req;
  if (!admin_call(op, kAdminController, -1, nullptr, proto::kCreatePartitions,
                  proto::CreatePartitionsRequest::kMaxVersion, encode_built<proto::CreatePartitionsRequest>, on_partitions, nullptr, 0))
    return admin_abandon(op, UVK_ENOMEM);
  admin_op_started(op);
  return 0;
}

int admin_list_topics(Admin *ad, uvk_admin_names_cb cb, void *ud, uint64_t now) {
  return metadata_op(ad, 0, nullptr, -1, reinterpret_cast<void *>(cb), ud, now);
}

int admin_fetch_topic_metadata(Admin *ad, const char *const *topics, size_t n, uvk_admin_metadata_cb cb, void *ud, uint64_t now) {
  if (n > 100000 || (n && !topics)) return UVK_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (!topics[i] || !*topics[i]) return UVK_EINVAL;
  return metadata_op(ad, 1, topics, topics ? int(n) : -1, reinterpret_cast<void *>(cb), ud, now);
}

int admin_describe_cluster(Admin *ad, uvk_admin_metadata_cb cb, void *ud, uint64_t now) {
  return metadata_op(ad, 1, nullptr, 0, reinterpret_cast<void *>(cb), ud, now);
}

}  // namespace uvk
