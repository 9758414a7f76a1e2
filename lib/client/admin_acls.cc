// Admin ACL operations: createAcls, describeAcls, deleteAcls. They go to any broker: a KRaft
// broker forwards them to the controller and answers once the change is committed.
#include <string.h>

#include "client/admin.h"
#include "client/admin_ops.h"
#include "proto/gen/api_table.h"
#include "proto/gen/create_acls.h"
#include "proto/gen/delete_acls.h"
#include "proto/gen/describe_acls.h"
#include "uvkafka/uvkafka.h"

namespace uvk {

namespace {

struct AclState {
  void *request;             // the proto request, built at call time (inputs are borrowed)
  const uvk_acl *inputs;     // create: the ACLs, delete: the filters (copies in the arena)
  size_t n_inputs;
  uvk_admin_acl_result *results;
  size_t n_results;
  bool answered;
};

AclState *st_of(AdminOp *op) { return static_cast<AclState *>(op->state); }

void finish_acls(AdminOp *op, const uvk_error *err) {
  AclState *st = st_of(op);
  auto cb = reinterpret_cast<uvk_admin_acls_cb>(op->user_cb);
  uvk_admin *owner = static_cast<uvk_admin *>(op->admin->owner);
  cb(owner, err, st->answered ? st->results : nullptr, st->answered ? st->n_results : 0, op->user_ud);
}

bool in_range(int v, int lo, int hi) { return v >= lo && v <= hi; }

// Ranges of Kafka's enums (1 is ANY, 2 MATCH for patterns; 0 UNKNOWN is never valid).
bool valid_filter(const uvk_acl &a) {
  return in_range(a.resource_type, UVK_ACL_RESOURCE_ANY, UVK_ACL_RESOURCE_USER) &&
         in_range(a.resource_pattern_type, UVK_ACL_PATTERN_ANY, UVK_ACL_PATTERN_PREFIXED) &&
         in_range(a.operation, UVK_ACL_OP_ANY, UVK_ACL_OP_DESCRIBE_TOKENS) &&
         in_range(a.permission_type, UVK_ACL_PERMISSION_ANY, UVK_ACL_PERMISSION_ALLOW);
}

// A binding to create: concrete values only.
bool valid_binding(const uvk_acl &a) {
  return valid_filter(a) && a.resource_type != UVK_ACL_RESOURCE_ANY && a.operation != UVK_ACL_OP_ANY &&
         a.permission_type != UVK_ACL_PERMISSION_ANY &&
         (a.resource_pattern_type == UVK_ACL_PATTERN_LITERAL || a.resource_pattern_type == UVK_ACL_PATTERN_PREFIXED) &&
         a.resource_name && *a.resource_name && a.principal && *a.principal && a.host && *a.host;
}

// Copies the inputs (strings included) into the op's arena.
const uvk_acl *copy_acls(AdminOp *op, const uvk_acl *in, size_t n) {
  auto *out = arena_construct_array<uvk_acl>(&op->arena, n + 1);
  if (!out) return nullptr;
  for (size_t i = 0; i < n; i++) {
    out[i] = in[i];
    out[i].resource_name = in[i].resource_name ? admin_strdup(op, in[i].resource_name) : nullptr;
    out[i].principal = in[i].principal ? admin_strdup(op, in[i].principal) : nullptr;
    out[i].host = in[i].host ? admin_strdup(op, in[i].host) : nullptr;
  }
  return out;
}

AclState *acl_state(AdminOp *op, const uvk_acl *inputs, size_t n) {
  auto *st = arena_construct_array<AclState>(&op->arena, 1);
  if (!st) return nullptr;
  op->state = st;
  if (n) {
    st->inputs = copy_acls(op, inputs, n);
    if (!st->inputs) return nullptr;
  }
  st->n_inputs = n;
  return st;
}

template <class Request>
int encode_built(AdminCall *c, Buf *out, int16_t version) {
  return proto::encode(out, *static_cast<Request *>(st_of(c->op)->request), version);
}

void set_error(AdminOp *op, uvk_admin_acl_result *r, int16_t code, const proto::Str &msg) {
  r->error = code ? UVK_ERR_KAFKA(code) : 0;
  r->error_message = code ? admin_msg(op, msg) : nullptr;
  if (code) admin_op_fail(op, UVK_ERR_KAFKA(code), &msg);
}

// ---- createAcls -------------------------------------------------------------------------------

int on_create(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  AclState *st = st_of(op);
  proto::CreateAclsResponse resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  // One result per creation, in request order.
  if (resp.results.count != int32_t(st->n_inputs)) return UVK_EPROTO;
  st->answered = true;
  for (size_t i = 0; i < st->n_inputs; i++)
    set_error(op, &st->results[i], resp.results.items[i].error_code, resp.results.items[i].error_message);
  return kAdminDone;
}

// ---- describeAcls -----------------------------------------------------------------------------

int on_describe(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  AclState *st = st_of(op);
  proto::DescribeAclsResponse resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  if (resp.error_code != 0) {
    admin_op_fail(op, UVK_ERR_KAFKA(resp.error_code), &resp.error_message);
    return kAdminDone;
  }
  size_t total = 0;
  for (int32_t i = 0; i < resp.resources.count; i++)
    total += size_t(resp.resources.items[i].acls.count > 0 ? resp.resources.items[i].acls.count : 0);
  st->results = arena_construct_array<uvk_admin_acl_result>(&op->arena, total + 1);
  if (!st->results) return UVK_ENOMEM;
  for (int32_t i = 0; i < resp.resources.count; i++) {
    const auto &res = resp.resources.items[i];
    const char *name = admin_str(op, res.resource_name);
    for (int32_t j = 0; j < res.acls.count; j++) {
      uvk_acl &a = st->results[st->n_results++].acl;
      a.resource_type = res.resource_type;
      a.resource_name = name;
      a.resource_pattern_type = version >= 1 ? int(res.pattern_type) : int(UVK_ACL_PATTERN_LITERAL);
      a.principal = admin_str(op, res.acls.items[j].principal);
      a.host = admin_str(op, res.acls.items[j].host);
      a.operation = res.acls.items[j].operation;
      a.permission_type = res.acls.items[j].permission_type;
    }
  }
  st->answered = true;
  return kAdminDone;
}

// ---- deleteAcls -------------------------------------------------------------------------------

int on_delete(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  AclState *st = st_of(op);
  proto::DeleteAclsResponse resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  if (resp.filter_results.count != int32_t(st->n_inputs)) return UVK_EPROTO;
  size_t total = 0;
  for (int32_t i = 0; i < resp.filter_results.count; i++) {
    const auto &f = resp.filter_results.items[i];
    total += f.error_code ? 1 : size_t(f.matching_acls.count > 0 ? f.matching_acls.count : 0);
  }
  st->results = arena_construct_array<uvk_admin_acl_result>(&op->arena, total + 1);
  if (!st->results) return UVK_ENOMEM;
  for (int32_t i = 0; i < resp.filter_results.count; i++) {
    const auto &f = resp.filter_results.items[i];
    if (f.error_code) {  // the whole filter failed: give it back with the error
      uvk_admin_acl_result &r = st->results[st->n_results++];
      r.acl = st->inputs[i];
      r.index = size_t(i);
      set_error(op, &r, f.error_code, f.error_message);
      continue;
    }
    for (int32_t j = 0; j < f.matching_acls.count; j++) {
      const auto &m = f.matching_acls.items[j];
      uvk_admin_acl_result &r = st->results[st->n_results++];
      r.index = size_t(i);
      r.acl.resource_type = m.resource_type;
      r.acl.resource_name = admin_str(op, m.resource_name);
      r.acl.resource_pattern_type = version >= 1 ? int(m.pattern_type) : int(UVK_ACL_PATTERN_LITERAL);
      r.acl.principal = admin_str(op, m.principal);
      r.acl.host = admin_str(op, m.host);
      r.acl.operation = m.operation;
      r.acl.permission_type = m.permission_type;
      set_error(op, &r, m.error_code, m.error_message);
    }
  }
  st->answered = true;
  return kAdminDone;
}

int start(AdminOp *op, int16_t api_key, int16_t max_version, AdminEncodeFn enc, AdminResponseFn on) {
  if (!admin_call(op, kAdminAny, -1, nullptr, api_key, max_version, enc, on, nullptr, 0))
    return admin_abandon(op, UVK_ENOMEM);
  admin_op_started(op);
  return 0;
}

}  // namespace

int admin_create_acls(Admin *ad, const uvk_acl *acls, size_t n, uvk_admin_acls_cb cb, void *ud, uint64_t now) {
  if (!cb || !acls || n == 0 || n > 10000) return UVK_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (!valid_binding(acls[i])) return UVK_EINVAL;
  AdminOp *op = admin_op_new(ad, finish_acls, reinterpret_cast<void *>(cb), ud, now);
  if (!op) return UVK_ENOMEM;
  AclState *st = acl_state(op, acls, n);
  auto *req = arena_construct_array<proto::CreateAclsRequest>(&op->arena, 1);
  auto *items = arena_construct_array<proto::CreateAclsRequest::AclCreation>(&op->arena, n);
  if (!st || !req || !items) return admin_abandon(op, UVK_ENOMEM);
  st->results = arena_construct_array<uvk_admin_acl_result>(&op->arena, n + 1);
  if (!st->results) return admin_abandon(op, UVK_ENOMEM);
  st->n_results = n;
  for (size_t i = 0; i < n; i++) {
    const uvk_acl &a = st->inputs[i];
    st->results[i].acl = a;
    st->results[i].index = i;
    items[i].resource_type = int8_t(a.resource_type);
    items[i].resource_name = admin_pstr(a.resource_name);
    items[i].resource_pattern_type = int8_t(a.resource_pattern_type);
    items[i].principal = admin_pstr(a.principal);
    items[i].host = admin_pstr(a.host);
    items[i].operation = int8_t(a.operation);
    items[i].permission_type = int8_t(a.permission_type);
  }
  req->creations = {items, int32_t(n)};
  st->request = req;
  return start(op, proto::kCreateAcls, proto::CreateAclsRequest::kMaxVersion,
               encode_built<proto::CreateAclsRequest>, on_create);
}

int admin_describe_acls(Admin *ad, const uvk_acl *filter, uvk_admin_acls_cb cb, void *ud, uint64_t now) {
  if (!cb || !filter || !valid_filter(*filter)) return UVK_EINVAL;
  AdminOp *op = admin_op_new(ad, finish_acls, reinterpret_cast<void *>(cb), ud, now);
  if (!op) return UVK_ENOMEM;
  AclState *st = acl_state(op, filter, 1);
  auto *req = arena_construct_array<proto::DescribeAclsRequest>(&op->arena, 1);
  if (!st || !req) return admin_abandon(op, UVK_ENOMEM);
  const uvk_acl &f = st->inputs[0];
  req->resource_type_filter = int8_t(f.resource_type);
  req->resource_name_filter = admin_pstr(f.resource_name);
  req->pattern_type_filter = int8_t(f.resource_pattern_type);
  req->principal_filter = admin_pstr(f.principal);
  req->host_filter = admin_pstr(f.host);
  req->operation = int8_t(f.operation);
  req->permission_type = int8_t(f.permission_type);
  st->request = req;
  return start(op, proto::kDescribeAcls, proto::DescribeAclsRequest::kMaxVersion,
               encode_built<proto::DescribeAclsRequest>, on_describe);
}

int admin_delete_acls(Admin *ad, const uvk_acl *filters, size_t n, uvk_admin_acls_cb cb, void *ud, uint64_t now) {
  if (!cb || !filters || n == 0 || n > 10000) return UVK_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (!valid_filter(filters[i])) return UVK_EINVAL;
  AdminOp *op = admin_op_new(ad, finish_acls, reinterpret_cast<void *>(cb), ud, now);
  if (!op) return UVK_ENOMEM;
  AclState *st = acl_state(op, filters, n);
  auto *req = arena_construct_array<proto::DeleteAclsRequest>(&op->arena, 1);
  auto *items = arena_construct_array<proto::DeleteAclsRequest::DeleteAclsFilter>(&op->arena, n);
  if (!st || !req || !items) return admin_abandon(op, UVK_ENOMEM);
  for (size_t i = 0; i < n; i++) {
    const uvk_acl &f = st->inputs[i];
    items[i].resource_type_filter = int8_t(f.resource_type);
    items[i].resource_name_filter = admin_pstr(f.resource_name);
    items[i].pattern_type_filter = int8_t(f.resource_pattern_type);
    items[i].principal_filter = admin_pstr(f.principal);
    items[i].host_filter = admin_pstr(f.host);
    items[i].operation = int8_t(f.operation);
    items[i].permission_type = int8_t(f.permission_type);
  }
  req->filters = {items, int32_t(n)};
  st->request = req;
  return start(op, proto::kDeleteAcls, proto::DeleteAclsRequest::kMaxVersion,
               encode_built<proto::DeleteAclsRequest>, on_delete);
}

}  // namespace uvk
