// Admin config operations: describeConfigs and (legacy, whole-set) alterConfigs. Each
// resource is its own request: a broker's configs go to that broker, a topic's to any.
#include <stdlib.h>
#include <string.h>

#include "client/admin.h"
#include "client/admin_ops.h"
#include "engine/kafka_errors.h"
#include "proto/gen/alter_configs.h"
#include "proto/gen/api_table.h"
#include "proto/gen/describe_configs.h"
#include "proto/gen/incremental_alter_configs.h"
#include "uvkafka/uvkafka.h"

namespace uvk {

namespace {

struct ConfigsState {
  proto::DescribeConfigsRequest::DescribeConfigsResource *describe;  // per resource
  proto::AlterConfigsRequest::AlterConfigsResource *alter;           // per resource
  proto::IncrementalAlterConfigsRequest::AlterConfigsResource *incr; // per resource
  bool include_synonyms, validate_only;
  uvk_admin_described_resource *described;
  uvk_admin_result *results;
  size_t n;
  bool answered;
};

ConfigsState *st_of(AdminOp *op) { return static_cast<ConfigsState *>(op->state); }
uvk_admin *owner(AdminOp *op) { return static_cast<uvk_admin *>(op->admin->owner); }

void finish_describe(AdminOp *op, const uvk_error *err) {
  ConfigsState *st = st_of(op);
  auto cb = reinterpret_cast<uvk_admin_configs_cb>(op->user_cb);
  cb(owner(op), err, st->answered ? st->described : nullptr, st->answered ? st->n : 0, op->user_ud);
}

void finish_alter(AdminOp *op, const uvk_error *err) {
  ConfigsState *st = st_of(op);
  auto cb = reinterpret_cast<uvk_admin_results_cb>(op->user_cb);
  cb(owner(op), err, st->answered ? st->results : nullptr, st->answered ? st->n : 0, op->user_ud);
}

int encode_describe(AdminCall *c, Buf *out, int16_t version) {
  ConfigsState *st = st_of(c->op);
  proto::DescribeConfigsRequest req;
  req.resources = {&st->describe[c->index], 1};
  req.include_synonyms = st->include_synonyms;
  return proto::encode(out, req, version);
}

int on_describe(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  ConfigsState *st = st_of(op);
  proto::DescribeConfigsResponse resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  if (resp.results.count != 1) return UVK_EPROTO;
  const auto &r = resp.results.items[0];
  st->answered = true;
  uvk_admin_described_resource &d = st->described[c->index];
  d.error = r.error_code ? UVK_ERR_KAFKA(r.error_code) : 0;
  d.error_message = r.error_code ? admin_msg(op, r.error_message) : nullptr;
  if (r.error_code) {
    admin_op_fail(op, d.error, &r.error_message);
    return kAdminDone;
  }
  size_t n = r.configs.count > 0 ? size_t(r.configs.count) : 0;
  auto *es = arena_construct_array<uvk_admin_config_value>(&op->arena, n + 1);
  if (!es) return UVK_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    const auto &e = r.configs.items[i];
    es[i].name = admin_str(op, e.name);
    es[i].value = e.value.data ? admin_str(op, e.value) : nullptr;
    es[i].read_only = e.read_only;
    es[i].is_sensitive = e.is_sensitive;
    // v0 has is_default; later versions say it through the source (5: DEFAULT_CONFIG).
    es[i].is_default = version == 0 ? e.is_default : e.config_source == 5;
    es[i].source = e.config_source;
    size_t ns = e.synonyms.count > 0 ? size_t(e.synonyms.count) : 0;
    auto *ss = arena_construct_array<uvk_admin_config_synonym>(&op->arena, ns + 1);
    if (!ss) return UVK_ENOMEM;
    for (size_t j = 0; j < ns; j++) {
      ss[j].name = admin_str(op, e.synonyms.items[j].name);
      ss[j].value = e.synonyms.items[j].value.data ? admin_str(op, e.synonyms.items[j].value) : nullptr;
      ss[j].source = e.synonyms.items[j].source;
    }
    es[i].synonyms = ss;
    es[i].n_synonyms = ns;
  }
  d.entries = es;
  d.n_entries = n;
  return kAdminDone;
}

// AlterConfigs and IncrementalAlterConfigs: one resource per request, the same answer shape.
template <class Request, class Resource>
int encode_alter_like(AdminCall *c, Buf *out, int16_t version, Resource *resources) {
  Request req;
  req.resources = {&resources[c->index], 1};
  req.validate_only = st_of(c->op)->validate_only;
  return proto::encode(out, req, version);
}

template <class Response>
int on_alter_like(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  ConfigsState *st = st_of(op);
  Response resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  if (resp.responses.count != 1) return UVK_EPROTO;
  const auto &r = resp.responses.items[0];
  st->answered = true;
  uvk_admin_result &res = st->results[c->index];
  res.error = r.error_code ? UVK_ERR_KAFKA(r.error_code) : 0;
  res.error_message = r.error_code ? admin_msg(op, r.error_message) : nullptr;
  if (r.error_code) admin_op_fail(op, res.error, &r.error_message);
  return kAdminDone;
}

int encode_alter(AdminCall *c, Buf *out, int16_t version) {
  return encode_alter_like<proto::AlterConfigsRequest>(c, out, version, st_of(c->op)->alter);
}

int encode_incr(AdminCall *c, Buf *out, int16_t version) {
  return encode_alter_like<proto::IncrementalAlterConfigsRequest>(c, out, version, st_of(c->op)->incr);
}

const AdminResponseFn on_alter = on_alter_like<proto::AlterConfigsResponse>;
const AdminResponseFn on_incr = on_alter_like<proto::IncrementalAlterConfigsResponse>;

// Where a resource's request goes: a broker resource to that broker.
bool target_of(int type, const char *name, AdminTarget *t, int32_t *node) {
  *t = kAdminAny;
  *node = -1;
  if (type != UVK_RESOURCE_BROKER && type != UVK_RESOURCE_BROKER_LOGGER) return true;
  if (!*name) return true;  // the cluster-wide default: any broker
  char *end = nullptr;
  long id = strtol(name, &end, 10);
  if (*end || id < 0 || id > INT32_MAX) return false;
  *t = kAdminNode;
  *node = int32_t(id);
  return true;
}

int configs_op(Admin *ad, const uvk_admin_config_resource *rs, size_t n, bool describe, bool flag, void *cb,
               void *ud, uint64_t now) {
  if (!cb || !rs || n == 0 || n > 10000) return UVK_EINVAL;
  for (size_t i = 0; i < n; i++) {
    AdminTarget t;
    int32_t node;
    if (!rs[i].name || rs[i].type <= 0 || rs[i].type > 127 || !target_of(rs[i].type, rs[i].name, &t, &node)) return UVK_EINVAL;
    if ((rs[i].n_config_names && !rs[i].config_names) || (rs[i].n_config_entries && !rs[i].config_entries))
      return UVK_EINVAL;
  }
  AdminOp *op = admin_op_new(ad, describe ? finish_describe : finish_alter, cb, ud, now);
  if (!op) return UVK_ENOMEM;
  ConfigsState *st = arena_construct_array<ConfigsState>(&op->arena, 1);
  if (!st) return admin_abandon(op, UVK_ENOMEM);
  op->state = st;
  st->n = n;
  if (describe) st->include_synonyms = flag;
  else st->validate_only = flag;
  st->describe = arena_construct_array<proto::DescribeConfigsRequest::DescribeConfigsResource>(&op->arena, n);
  st->alter = arena_construct_array<proto::AlterConfigsRequest::AlterConfigsResource>(&op->arena, n);
  st->described = arena_construct_array<uvk_admin_described_resource>(&op->arena, n + 1);
  st->results = arena_construct_array<uvk_admin_result>(&op->arena, n + 1);
  if (!st->describe || !st->alter || !st->described || !st->results) return admin_abandon(op, UVK_ENOMEM);
  for (size_t i = 0; i < n; i++) {
    const uvk_admin_config_resource &r = rs[i];
    const char *name = admin_strdup(op, r.name);
    st->described[i].type = r.type;
    st->described[i].name = name;
    st->results[i].name = name;
    if (describe) {
      auto &d = st->describe[i];
      d.resource_type = int8_t(r.type);
      d.resource_name = admin_pstr(name);
      d.configuration_keys = {nullptr, -1};  // null: every key
      if (r.config_names) {
        auto *keys = arena_construct_array<proto::Str>(&op->arena, r.n_config_names + 1);
        if (!keys) return admin_abandon(op, UVK_ENOMEM);
        for (size_t j = 0; j < r.n_config_names; j++) {
          if (!r.config_names[j]) return admin_abandon(op, UVK_EINVAL);
          keys[j] = admin_pstr(admin_strdup(op, r.config_names[j]));
        }
        d.configuration_keys = {keys, int32_t(r.n_config_names)};
      }
    } else {
      auto &a = st->alter[i];
      a.resource_type = int8_t(r.type);
      a.resource_name = admin_pstr(name);
      auto *cs = arena_construct_array<proto::AlterConfigsRequest::AlterableConfig>(&op->arena,
                                                                                   r.n_config_entries + 1);
      if (!cs) return admin_abandon(op, UVK_ENOMEM);
      for (size_t j = 0; j < r.n_config_entries; j++) {
        if (!r.config_entries[j].name) return admin_abandon(op, UVK_EINVAL);
        cs[j].name = admin_pstr(admin_strdup(op, r.config_entries[j].name));
        cs[j].value = admin_pstr(admin_strdup(op, r.config_entries[j].value));
      }
      a.configs = {cs, int32_t(r.n_config_entries)};
    }
  }
  for (size_t i = 0; i < n; i++) {
    AdminTarget t;
    int32_t node;
    target_of(rs[i].type, rs[i].name, &t, &node);
    AdminCall *c = describe ? admin_call(op, t, node, nullptr, proto::kDescribeConfigs,
                                         proto::DescribeConfigsRequest::kMaxVersion, encode_describe, on_describe,
                                         nullptr, int32_t(i))
                            : admin_call(op, t, node, nullptr, proto::kAlterConfigs,
                                         proto::AlterConfigsRequest::kMaxVersion, encode_alter, on_alter, nullptr,
                                         int32_t(i));
    if (!c) return admin_abandon(op, UVK_ENOMEM);
  }
  admin_op_started(op);
  return 0;
}

}  // namespace

int admin_incremental_alter_configs(Admin *ad, const uvk_admin_config_change *rs, size_t n, bool validate_only,
                                    uvk_admin_results_cb cb, void *ud, uint64_t now) {
  if (!cb || !rs || n == 0 || n > 10000) return UVK_EINVAL;
  for (size_t i = 0; i < n; i++) {
    AdminTarget t;
    int32_t node;
    if (!rs[i].name || rs[i].type <= 0 || rs[i].type > 127 || !target_of(rs[i].type, rs[i].name, &t, &node) ||
        (rs[i].n_ops && !rs[i].ops))
      return UVK_EINVAL;
    for (size_t j = 0; j < rs[i].n_ops; j++)
      if (!rs[i].ops[j].name || rs[i].ops[j].op < UVK_CONFIG_SET || rs[i].ops[j].op > UVK_CONFIG_SUBTRACT)
        return UVK_EINVAL;
  }
  AdminOp *op = admin_op_new(ad, finish_alter, reinterpret_cast<void *>(cb), ud, now);
  if (!op) return UVK_ENOMEM;
  ConfigsState *st = arena_construct_array<ConfigsState>(&op->arena, 1);
  if (!st) return admin_abandon(op, UVK_ENOMEM);
  op->state = st;
  st->n = n;
  st->validate_only = validate_only;
  st->incr = arena_construct_array<proto::IncrementalAlterConfigsRequest::AlterConfigsResource>(&op->arena, n);
  st->results = arena_construct_array<uvk_admin_result>(&op->arena, n + 1);
  if (!st->incr || !st->results) return admin_abandon(op, UVK_ENOMEM);
  for (size_t i = 0; i < n; i++) {
    const char *name = admin_strdup(op, rs[i].name);
    st->results[i].name = name;
    auto &r = st->incr[i];
    r.resource_type = int8_t(rs[i].type);
    r.resource_name = admin_pstr(name);
    auto *cs = arena_construct_array<proto::IncrementalAlterConfigsRequest::AlterableConfig>(&op->arena,
                                                                                            rs[i].n_ops + 1);
    if (!cs) return admin_abandon(op, UVK_ENOMEM);
    for (size_t j = 0; j < rs[i].n_ops; j++) {
      cs[j].name = admin_pstr(admin_strdup(op, rs[i].ops[j].name));
      cs[j].config_operation = int8_t(rs[i].ops[j].op);
      cs[j].value = admin_pstr(admin_strdup(op, rs[i].ops[j].value));
    }
    r.configs = {cs, int32_t(rs[i].n_ops)};
  }
  for (size_t i = 0; i < n; i++) {
    AdminTarget t;
    int32_t node;
    target_of(rs[i].type, rs[i].name, &t, &node);
    if (!admin_call(op, t, node, nullptr, proto::kIncrementalAlterConfigs,
                    proto::IncrementalAlterConfigsRequest::kMaxVersion, encode_incr, on_incr, nullptr, int32_t(i)))
      return admin_abandon(op, UVK_ENOMEM);
  }
  admin_op_started(op);
  return 0;
}

int admin_describe_configs(Admin *ad, const uvk_admin_config_resource *resources, size_t n, bool include_synonyms,
                           uvk_admin_configs_cb cb, void *ud, uint64_t now) {
  return configs_op(ad, resources, n, true, include_synonyms, reinterpret_cast<void *>(cb), ud, now);
}

int admin_alter_configs(Admin *ad, const uvk_admin_config_resource *resources, size_t n, bool validate_only,
                        uvk_admin_results_cb cb, void *ud, uint64_t now) {
  return configs_op(ad, resources, n, false, validate_only, reinterpret_cast<void *>(cb), ud, now);
}

}  // namespace uvk
