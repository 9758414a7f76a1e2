// The fake broker's consumer groups: the classic protocol, DescribeGroups, offsets, KIP-848 heartbeats, the journal.
#include <string.h>

#include "client/assignor.h"
#include "common/arena.h"
#include "fake_answer.h"
#include "proto/gen/consumer_group_heartbeat.h"
#include "proto/gen/describe_groups.h"
#include "proto/gen/find_coordinator.h"
#include "proto/gen/heartbeat.h"
#include "proto/gen/join_group.h"
#include "proto/gen/leave_group.h"
#include "proto/gen/offset_commit.h"
#include "proto/gen/offset_fetch.h"
#include "proto/gen/sync_group.h"

namespace uvk_test {

using namespace uvk;

namespace {

// An injected code for a Heartbeat or an offsets request (0: none); not recorded in
// group_requests, which follows the join protocol only.
int16_t next_injected(FakeCluster *cl, int16_t key) {
  auto it = cl->inject_errors.find(key);
  if (it == cl->inject_errors.end() || it->second.empty()) return 0;
  int16_t code = it->second.front();
  it->second.pop_front();
  return code;
}

// The next injected error for a join-protocol request (0: none), recorded with the request.
int16_t next_error(FakeBroker *b, int16_t key, const proto::Str &member_id) {
  int16_t code = next_injected(b->cluster, key);
  b->cluster->group_requests.push_back(FakeCluster::GroupRequest{key, b->node_id, fake_string(member_id), code});
  return code;
}

FakeAnswer find_coordinator(FakeBroker *b, int32_t corr, int16_t version, Reader *body) {
  Arena arena;
  proto::FindCoordinatorRequest req;
  proto::decode(body, &arena, &req, version);
  int16_t injected = next_error(b, proto::kFindCoordinator, proto::Str{});
  const FakeBroker *co = injected ? nullptr : fake_broker_by_id(b->cluster, b->cluster->coordinator);
  int16_t code = injected ? injected : 15;  // without a coordinator: COORDINATOR_NOT_AVAILABLE
  static const std::string host = "127.0.0.1";
  proto::FindCoordinatorResponse resp;
  std::vector<proto::FindCoordinatorResponse::Coordinator> cs(size_t(req.coordinator_keys.count > 0 ? req.coordinator_keys.count : 0));
  if (version >= 4) {
    for (size_t i = 0; i < cs.size(); i++) {
      cs[i].key = req.coordinator_keys.items[i];
      cs[i].node_id = co ? co->node_id : -1;
      cs[i].host = fake_str(host);
      cs[i].port = co ? co->port : -1;
      cs[i].error_code = co ? 0 : code;
    }
    resp.coordinators.items = cs.data();
    resp.coordinators.count = int32_t(cs.size());
  } else {
    resp.error_code = co ? 0 : code;
    resp.node_id = co ? co->node_id : -1;
    resp.host = fake_str(host);
    resp.port = co ? co->port : -1;
  }
  FakeAnswer a = fake_frame(corr, proto::kFindCoordinator, version, resp);
  arena_free(&arena);
  return a;
}

// A one-member group: the member leads, and gets back the assignment it computed.
FakeAnswer join_group(FakeBroker *b, int32_t *generation, int32_t corr, int16_t version, Reader *body) {
  Arena arena;
  proto::JoinGroupRequest req;
  proto::decode(body, &arena, &req, version);
  b->cluster->join_instance_id = fake_string(req.group_instance_id);
  static const std::string member = "member-1", type = "consumer", none = "";
  if (int16_t code = next_error(b, proto::kJoinGroup, req.member_id)) {
    // An error answer as a broker writes it: no generation, no members, empty strings where
    // the field is not nullable; MEMBER_ID_REQUIRED names the id to join with.
    proto::JoinGroupResponse resp;
    resp.error_code = code;
    resp.generation_id = -1;
    resp.protocol_type = fake_str(type);
    resp.protocol_name = fake_str(none);
    resp.leader = fake_str(none);
    resp.member_id = fake_str(code == 79 ? member : none);
    FakeAnswer a = fake_frame(corr, proto::kJoinGroup, version, resp);
    arena_free(&arena);
    return a;
  }
  FakeCluster *cl = b->cluster;
  if (cl->classic_assign && req.protocols.count > 0) {
    uvk::MemberMetadata md;
    const auto &pr = req.protocols.items[0];
    std::string e = "join " + fake_string(pr.name);
    if (uvk::member_metadata_decode(pr.metadata.data, size_t(pr.metadata.len > 0 ? pr.metadata.len : 0), &arena, &md) == 0) {
      e += " gen=" + std::to_string(md.generation) + " owned=";
      std::string sep;
      for (int32_t t = 0; t < md.n_owned; t++)
        for (int32_t k = 0; k < md.owned[t].n; k++, sep = ",") e += sep + std::to_string(md.owned[t].partitions[k]);
    } else {
      e += " undecodable";
    }
    cl->journal.push_back(e);
    static const std::string leader = "leader-0";
    proto::JoinGroupResponse resp;
    resp.generation_id = ++cl->classic_generation;
    resp.protocol_type = fake_str(type);
    resp.protocol_name = pr.name;
    resp.leader = fake_str(leader);
    resp.member_id = fake_str(member);
    FakeAnswer a = fake_frame(corr, proto::kJoinGroup, version, resp);
    a.hold_ms = cl->classic_join_hold_ms;
    arena_free(&arena);
    return a;
  }
  proto::JoinGroupResponse::JoinGroupResponseMember m;
  m.member_id = fake_str(member);
  proto::JoinGroupResponse resp;
  resp.generation_id = ++*generation;
  resp.protocol_type = fake_str(type);
  if (req.protocols.count > 0) {
    resp.protocol_name = req.protocols.items[0].name;
    m.metadata = req.protocols.items[0].metadata;
  }
  resp.leader = fake_str(member);
  resp.member_id = fake_str(member);
  resp.members.items = &m;
  resp.members.count = 1;
  FakeAnswer a = fake_frame(corr, proto::kJoinGroup, version, resp);
  arena_free(&arena);
  return a;
}

FakeAnswer sync_group(FakeBroker *b, int32_t corr, int16_t version, Reader *body) {
  Arena arena;
  proto::SyncGroupRequest req;
  proto::decode(body, &arena, &req, version);
  proto::SyncGroupResponse resp;
  static const uint8_t kEmpty[1] = {0};
  resp.error_code = next_error(b, proto::kSyncGroup, req.member_id);
  resp.assignment = proto::Bytes{kEmpty, 0};  // an error answer assigns nothing
  uvk::Buf assigned;
  FakeCluster *cl = b->cluster;
  if (resp.error_code == 0 && cl->classic_assign) {
    std::vector<int32_t> parts = cl->classic_assign(req.generation_id);
    std::string e = "sync gen=" + std::to_string(req.generation_id) + " assigned=";
    for (size_t i = 0; i < parts.size(); i++) e += (i ? "," : "") + std::to_string(parts[i]);
    cl->journal.push_back(e);
    uvk::TopicPartitions tp{cl->topic.c_str(), parts.data(), int32_t(parts.size())};
    uvk::MemberAssignment ma{};
    ma.topics = &tp;
    ma.n_topics = 1;
    uvk::member_assignment_encode(&assigned, ma);
    resp.assignment = proto::Bytes{assigned.data, int32_t(assigned.len)};
  } else if (resp.error_code == 0) {
    for (int32_t i = 0; i < req.assignments.count; i++)
      if (fake_string(req.assignments.items[i].member_id) == fake_string(req.member_id))
        resp.assignment = req.assignments.items[i].assignment;
  }
  resp.protocol_type = req.protocol_type;
  resp.protocol_name = req.protocol_name;
  FakeAnswer a = fake_frame(corr, proto::kSyncGroup, version, resp);
  uvk::buf_free(&assigned);
  arena_free(&arena);
  return a;
}

FakeAnswer offset_fetch(FakeCluster *cl, int32_t corr, int16_t version, Reader *body) {
  int16_t injected = next_injected(cl, proto::kOffsetFetch);  // on every partition, as UNSTABLE_OFFSET_COMMIT is
  Arena arena;
  proto::OffsetFetchRequest req;
  proto::decode(body, &arena, &req, version);
  std::vector<proto::OffsetFetchResponse::OffsetFetchResponseTopic> ts(size_t(req.topics.count > 0 ? req.topics.count : 0));
  std::vector<std::vector<proto::OffsetFetchResponse::OffsetFetchResponsePartition>> ps(ts.size());
  for (size_t i = 0; i < ts.size(); i++) {
    ts[i].name = req.topics.items[i].name;
    for (int32_t k = 0; k < req.topics.items[i].partition_indexes.count; k++) {
      proto::OffsetFetchResponse::OffsetFetchResponsePartition pr;
      pr.partition_index = req.topics.items[i].partition_indexes.items[k];
      pr.error_code = injected;
      pr.committed_offset = injected ? -1 : 0;  // start at the beginning, no ListOffsets needed
      auto it = cl->committed.find(pr.partition_index);
      if (!injected && cl->offset_fetch_committed && it != cl->committed.end()) pr.committed_offset = it->second;
      ps[i].push_back(pr);
    }
    ts[i].partitions.items = ps[i].data();
    ts[i].partitions.count = int32_t(ps[i].size());
  }
  proto::OffsetFetchResponse resp;
  resp.topics.items = ts.data();
  resp.topics.count = int32_t(ts.size());
  FakeAnswer a = fake_frame(corr, proto::kOffsetFetch, version, resp);
  arena_free(&arena);
  return a;
}

FakeAnswer consumer_group_heartbeat(FakeBroker *b, int32_t corr, int16_t version, Reader *body) {
  FakeCluster *cl = b->cluster;
  Arena arena;
  proto::ConsumerGroupHeartbeatRequest req;
  proto::decode(body, &arena, &req, version);
  FakeCluster::CgRequest r;
  r.node_id = b->node_id;
  r.member_id = fake_string(req.member_id);
  r.epoch = req.member_epoch;
  r.owned_sent = !req.topic_partitions.is_null();
  for (int32_t i = 0; i < req.topic_partitions.count; i++)
    if (memcmp(req.topic_partitions.items[i].topic_id.b, cl->topic_id, 16) == 0)
      for (int32_t k = 0; k < req.topic_partitions.items[i].partitions.count; k++)
        r.owned.push_back(req.topic_partitions.items[i].partitions.items[k]);
  for (int32_t i = 0; i < req.subscribed_topic_names.count; i++) r.names.push_back(fake_string(req.subscribed_topic_names.items[i]));
  r.regex = fake_string(req.subscribed_topic_regex);
  r.assignor = fake_string(req.server_assignor);
  r.rack = fake_string(req.rack_id);
  r.rebalance_timeout = req.rebalance_timeout_ms;
  arena_free(&arena);
  cl->cg_requests.push_back(r);
  std::string entry = "cgh epoch=" + std::to_string(r.epoch) + " owned=";
  for (size_t i = 0; i < r.owned.size(); i++) entry += (i ? "," : "") + std::to_string(r.owned[i]);
  cl->journal.push_back(entry);
  FakeCluster::CgReply reply;
  if (cl->cg_script) reply = cl->cg_script(r);
  else reply.error = 35;  // UNSUPPORTED_VERSION
  proto::ConsumerGroupHeartbeatResponse resp;
  resp.error_code = reply.error;
  resp.member_id = reply.member_id.empty() ? proto::Str{} : fake_str(reply.member_id);
  resp.member_epoch = reply.epoch;
  resp.heartbeat_interval_ms = reply.interval_ms;
  proto::ConsumerGroupHeartbeatResponse::Assignment as;
  proto::ConsumerGroupHeartbeatResponse::TopicPartitions tp;
  if (reply.assign) {
    memcpy(tp.topic_id.b, cl->topic_id, 16);
    tp.partitions.items = reply.partitions.data();
    tp.partitions.count = int32_t(reply.partitions.size());
    as.topic_partitions.items = &tp;
    as.topic_partitions.count = reply.partitions.empty() ? 0 : 1;
    resp.assignment = &as;
  }
  FakeAnswer a = fake_frame(corr, proto::kConsumerGroupHeartbeat, version, resp);
  if (reply.park_until_commit) a.hold_ms = UINT64_MAX;
  return a;
}

FakeAnswer heartbeat(FakeBroker *b, int32_t corr, int16_t version) {
  proto::HeartbeatResponse resp;
  resp.error_code = next_injected(b->cluster, proto::kHeartbeat);
  return fake_frame(corr, proto::kHeartbeat, version, resp);
}

FakeAnswer offset_commit(FakeBroker *b, int32_t corr, int16_t version, Reader *body) {
  int16_t injected = next_injected(b->cluster, proto::kOffsetCommit);
  Arena arena;
  proto::OffsetCommitRequest req;
  proto::decode(body, &arena, &req, version);
  std::string entry = "commit epoch=" + std::to_string(req.generation_id_or_member_epoch);
  for (int32_t i = 0; i < req.topics.count; i++)
    for (int32_t k = 0; k < req.topics.items[i].partitions.count; k++) {
      const auto &pp = req.topics.items[i].partitions.items[k];
      entry += " " + std::to_string(pp.partition_index) + "=" + std::to_string(pp.committed_offset);
      if (injected) continue;
      b->cluster->committed[pp.partition_index] = pp.committed_offset;
      const proto::Str &m = pp.committed_metadata;
      b->cluster->committed_metadata[pp.partition_index] =
          m.data ? std::optional<std::string>(std::string(m.data, size_t(m.len))) : std::nullopt;
    }
  b->cluster->journal.push_back(entry);
  std::vector<proto::OffsetCommitResponse::OffsetCommitResponseTopic> ts(size_t(req.topics.count > 0 ? req.topics.count : 0));
  std::vector<std::vector<proto::OffsetCommitResponse::OffsetCommitResponsePartition>> ps(ts.size());
  for (size_t i = 0; i < ts.size(); i++) {
    ts[i].name = req.topics.items[i].name;
    for (int32_t k = 0; k < req.topics.items[i].partitions.count; k++) {
      proto::OffsetCommitResponse::OffsetCommitResponsePartition pr;
      pr.partition_index = req.topics.items[i].partitions.items[k].partition_index;
      pr.error_code = injected;
      ps[i].push_back(pr);
    }
    ts[i].partitions.items = ps[i].data();
    ts[i].partitions.count = int32_t(ps[i].size());
  }
  proto::OffsetCommitResponse resp;
  resp.topics.items = ts.data();
  resp.topics.count = int32_t(ts.size());
  FakeAnswer a = fake_frame(corr, proto::kOffsetCommit, version, resp);
  arena_free(&arena);
  return a;
}

// Each group asked is "Empty" (a consumer group without members), or the injected error.
FakeAnswer describe_groups(FakeBroker *b, int32_t corr, int16_t version, Reader *body) {
  int16_t injected = next_injected(b->cluster, proto::kDescribeGroups);
  Arena arena;
  proto::DescribeGroupsRequest req;
  proto::decode(body, &arena, &req, version);
  static const std::string empty = "Empty", type = "consumer";
  std::vector<proto::DescribeGroupsResponse::DescribedGroup> gs(size_t(req.groups.count > 0 ? req.groups.count : 0));
  for (size_t i = 0; i < gs.size(); i++) {
    gs[i].error_code = injected;
    gs[i].group_id = req.groups.items[i];
    if (!injected) gs[i].group_state = fake_str(empty), gs[i].protocol_type = fake_str(type);
  }
  proto::DescribeGroupsResponse resp;
  resp.groups.items = gs.data();
  resp.groups.count = int32_t(gs.size());
  FakeAnswer a = fake_frame(corr, proto::kDescribeGroups, version, resp);
  arena_free(&arena);
  return a;
}

}  // namespace

bool fake_group_answer(FakeBroker *b, int32_t *generation, int16_t key, int32_t corr, int16_t version, Reader *body,
                       FakeAnswer *out) {
  switch (key) {
    case proto::kFindCoordinator: *out = find_coordinator(b, corr, version, body); return true;
    case proto::kJoinGroup: *out = join_group(b, generation, corr, version, body); return true;
    case proto::kSyncGroup: *out = sync_group(b, corr, version, body); return true;
    case proto::kHeartbeat: *out = heartbeat(b, corr, version); return true;
    case proto::kLeaveGroup: *out = fake_empty<proto::LeaveGroupResponse>(corr, key, version); return true;
    case proto::kOffsetFetch: *out = offset_fetch(b->cluster, corr, version, body); return true;
    case proto::kOffsetCommit: *out = offset_commit(b, corr, version, body); return true;
    case proto::kConsumerGroupHeartbeat: *out = consumer_group_heartbeat(b, corr, version, body); return true;
    case proto::kDescribeGroups:
      if (!b->cluster->describe_groups) return false;
      *out = describe_groups(b, corr, version, body);
      return true;
    default: return false;
  }
}

}  // namespace uvk_test
