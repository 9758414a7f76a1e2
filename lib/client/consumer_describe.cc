// describeGroup: DescribeGroups for the consumer's own group, sent to its coordinator
// (ConsumerGroupDescribe with groupProtocol consumer).
#include <string.h>

#include "client/consumer_internal.h"
#include "client/group_describe.h"
#include "engine/coordinator.h"
#include "engine/kafka_errors.h"
#include "proto/gen/api_table.h"
#include "proto/gen/consumer_group_describe.h"
#include "proto/gen/describe_groups.h"
#include "uvkafka/uvk_errors.h"
#include "proto/client_versions.h"

namespace uvk {

namespace {

const int kDescribeKind = 50;

int encode_describe(void *ud, Buf *out, int16_t version) {
  Pending *p = static_cast<Pending *>(ud);
  proto::DescribeGroupsRequest req;
  proto::Str id = {"", 0};
  if (p->c) id = proto::Str{p->c->group_id, int32_t(strlen(p->c->group_id))};
  req.groups.items = &id;
  req.groups.count = 1;
  return proto::encode(out, req, version);
}

void finish(Pending *p, int err, const uvk_group_description *d) {
  DescribeGroupFn fn = p->describe_fn;
  void *ud = p->done_ud;
  const Allocator *a = p->alloc;
  uvk_error *e = nullptr;
  if (err != 0) {
    int kafka = err <= UVK_ERR_KAFKA(0) ? int(UVK_ERR_KAFKA_CODE(err)) : 0;
    e = error_new(a, kafka ? UVK_EKAFKA : err, kafka, nullptr, 0, nullptr);
  }
  if (p->c) fn(ud, e, err == 0 ? d : nullptr);
  if (e) error_release(e);
}

void on_describe(void *ud, int err, int16_t version, Reader *body, const Request *) {
  Pending *p = static_cast<Pending *>(ud);
  proto::DescribeGroupsResponse resp;
  if (err == 0) err = proto::decode(body, &p->arena, &resp, version);
  if (err == 0 && resp.groups.count != 1) err = UVK_EPROTO;
  uvk_group_description d;
  memset(&d, 0, sizeof d);
  if (err == 0) {
    const auto &g = resp.groups.items[0];
    if (g.error_code != 0) err = UVK_ERR_KAFKA(g.error_code);
    if (p->c && (g.error_code == 16 || g.error_code == 15))
      coordinator_invalidate(p->c->e, kCoordinatorGroup, p->c->group_id);
    d.group_id = describe_str(&p->arena, g.group_id);
    d.state = describe_str(&p->arena, g.group_state);
    d.protocol_type = describe_str(&p->arena, g.protocol_type);
    d.protocol = describe_str(&p->arena, g.protocol_data);
    int32_t n = g.members.count > 0 ? g.members.count : 0;
    auto *ms = arena_new_array<uvk_group_member_description>(&p->arena, size_t(n) + 1);
    if (!ms) err = UVK_ENOMEM;
    for (int32_t i = 0; ms && i < n; i++) {
      const auto &m = g.members.items[i];
      ms[i] = uvk_group_member_description();
      ms[i].member_id = describe_str(&p->arena, m.member_id);
      ms[i].client_id = describe_str(&p->arena, m.client_id);
      ms[i].client_host = describe_str(&p->arena, m.client_host);
      ms[i].member_metadata = m.member_metadata.data;
      ms[i].member_metadata_len = m.member_metadata.len > 0 ? size_t(m.member_metadata.len) : 0;
      ms[i].member_assignment = m.member_assignment.data;
      ms[i].member_assignment_len = m.member_assignment.len > 0 ? size_t(m.member_assignment.len) : 0;
    }
    d.members = ms;
    d.n_members = size_t(n);
    d.group_protocol = "classic";
    d.group_epoch = d.assignment_epoch = -1;
    for (int32_t i = 0; ms && i < n; i++) ms[i].member_epoch = -1;
  }
  finish(p, err, &d);
  pending_free(p);
}

// ---- groupProtocol consumer: ConsumerGroupDescribe (KIP-848) ----------------------------

int encode_cg_describe(void *ud, Buf *out, int16_t version) {
  Pending *p = static_cast<Pending *>(ud);
  proto::ConsumerGroupDescribeRequest req;
  proto::Str id = {"", 0};
  if (p->c) id = proto::cstr(p->c->group_id);
  req.group_ids.items = &id;
  req.group_ids.count = 1;
  return proto::encode(out, req, version);
}

void on_cg_describe(void *ud, int err, int16_t version, Reader *body, const Request *) {
  Pending *p = static_cast<Pending *>(ud);
  proto::ConsumerGroupDescribeResponse resp;
  if (err == 0) err = proto::decode(body, &p->arena, &resp, version);
  if (err == 0 && resp.groups.count != 1) err = UVK_EPROTO;
  uvk_group_description d;
  memset(&d, 0, sizeof d);
  if (err == 0) {
    const auto &g = resp.groups.items[0];
    if (g.error_code != 0) err = UVK_ERR_KAFKA(g.error_code);
    if (p->c && (g.error_code == 16 || g.error_code == 15))
      coordinator_invalidate(p->c->e, kCoordinatorGroup, p->c->group_id);
    d.group_id = describe_str(&p->arena, g.group_id);
    d.state = describe_str(&p->arena, g.group_state);
    d.protocol_type = "consumer";
    d.protocol = describe_str(&p->arena, g.assignor_name);
    d.group_protocol = "consumer";
    d.group_epoch = g.group_epoch;
    d.assignment_epoch = g.assignment_epoch;
    int32_t n = g.members.count > 0 ? g.members.count : 0;
    auto *ms = arena_new_array<uvk_group_member_description>(&p->arena, size_t(n) + 1);
    if (!ms) err = UVK_ENOMEM;
    for (int32_t i = 0; ms && i < n; i++) {
      const auto &m = g.members.items[i];
      ms[i] = uvk_group_member_description();
      if (!describe_member(&p->arena, m, &ms[i])) err = UVK_ENOMEM;
      ms[i].instance_id = m.instance_id.data ? describe_str(&p->arena, m.instance_id) : nullptr;
      ms[i].target_assignment = describe_tps(&p->arena, m.target_assignment, &ms[i].n_target_assignment);
      if (!ms[i].target_assignment) err = UVK_ENOMEM;
    }
    d.members = ms;
    d.n_members = size_t(n);
  }
  finish(p, err, &d);
  pending_free(p);
}

void on_coordinator(void *ud, const uvk_error *err, int32_t node) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = p->c;
  if (!c) {
    pending_free(p);
    return;
  }
  int rc = err ? uvk_error_code(err) : 0;
  if (rc == UVK_EKAFKA) rc = UVK_ERR_KAFKA(uvk_error_kafka_code(err));
  if (rc == 0) rc = engine_send_lane(c->e, node, c->group_lane, &p->req, c->e->now);
  if (rc != 0) {
    finish(p, rc, nullptr);
    pending_free(p);
  }
}

}  // namespace

int consumer_describe_group(Consumer *c, DescribeGroupFn fn, void *ud, uint64_t now) {
  if (!fn) return UVK_EINVAL;
  Pending *p = pending_new(c, kDescribeKind);
  if (!p) return UVK_ENOMEM;
  p->describe_fn = fn;
  p->done_ud = ud;
  p->req.api_key = proto::kDescribeGroups;
  p->req.min_version = 0;
  p->req.max_version = proto::kUseDescribeGroups;
  p->req.encode = encode_describe;
  p->req.done = on_describe;
  if (c->cfg.consumer_protocol) {  // the group is a consumer-protocol group (KIP-848)
    p->req.api_key = proto::kConsumerGroupDescribe;
    p->req.max_version = proto::ConsumerGroupDescribeRequest::kMaxVersion;
    p->req.encode = encode_cg_describe;
    p->req.done = on_cg_describe;
  }
  p->req.ud = p;
  int rc = coordinator_find(c->e, kCoordinatorGroup, c->group_id, on_coordinator, p, now);
  if (rc != 0) pending_free(p);
  return rc;
}

}  // namespace uvk
