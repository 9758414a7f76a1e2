// The fake broker's answers about itself: ApiVersions, Metadata (one topic) and SASL accepting anything.
#include <string.h>

#include "common/arena.h"
#include "fake_answer.h"
#include "proto/gen/api_versions.h"
#include "proto/gen/metadata.h"
#include "proto/gen/sasl_authenticate.h"
#include "proto/gen/sasl_handshake.h"

namespace uvk_test {

using namespace uvk;

namespace {

FakeAnswer api_versions(const FakeCluster *cl, int32_t corr, int16_t version) {
  struct Range {
    int16_t key, min, max;
  };
  // Metadata and Fetch stay below their flexible versions, so tests can find fields by offset.
  static const Range kRanges[] = {
      {proto::kProduce, 3, 8},       {proto::kFetch, 4, 11},       {proto::kListOffsets, 1, 7},
      {proto::kMetadata, 0, 8},      {proto::kConsumerGroupHeartbeat, 0, 1},      {proto::kOffsetCommit, 2, 8}, {proto::kOffsetFetch, 1, 7},
      {proto::kFindCoordinator, 0, 3}, {proto::kJoinGroup, 0, 7},  {proto::kHeartbeat, 0, 4},
      {proto::kLeaveGroup, 0, 4},    {proto::kSyncGroup, 0, 5},    {proto::kApiVersions, 0, 4},
      {proto::kSaslHandshake, 1, 1}, {proto::kSaslAuthenticate, 0, 1},
      {proto::kShareGroupHeartbeat, 1, 1}, {proto::kShareFetch, 1, 2}, {proto::kShareAcknowledge, 1, 2},
  };
  std::vector<proto::ApiVersionsResponse::ApiVersion> keys;
  for (const Range &r : kRanges) {
    proto::ApiVersionsResponse::ApiVersion v;
    v.api_key = r.key, v.min_version = r.min, v.max_version = r.max;
    if (r.key == proto::kMetadata) v.max_version = cl->metadata_max_version;
    if (r.key == proto::kFetch) v.max_version = cl->fetch_max_version;
    keys.push_back(v);
  }
  if (cl->describe_groups) {
    proto::ApiVersionsResponse::ApiVersion v;
    v.api_key = proto::kDescribeGroups, v.min_version = 0, v.max_version = 5;
    keys.push_back(v);
  }
  proto::ApiVersionsResponse resp;
  resp.api_keys.items = keys.data();
  resp.api_keys.count = int32_t(keys.size());
  return fake_frame(corr, proto::kApiVersions, version, resp);
}

FakeAnswer metadata(FakeBroker *b, int32_t corr, int16_t version, Reader *body) {
  const FakeCluster *cl = b->cluster;
  Arena arena;
  proto::MetadataRequest req;
  proto::decode(body, &arena, &req, version);
  std::vector<std::string> asked;
  for (int32_t i = 0; i < req.topics.count; i++) asked.push_back(fake_string(req.topics.items[i].name));
  if (req.topics.count <= 0) asked.push_back(cl->topic);
  arena_free(&arena);
  std::vector<std::string> hosts(cl->brokers.size(), "127.0.0.1");
  std::vector<proto::MetadataResponse::MetadataResponseBroker> bs(cl->brokers.size());
  for (size_t i = 0; i < bs.size(); i++) {
    bs[i].node_id = cl->brokers[i]->node_id;
    bs[i].host = fake_str(hosts[i]);
    bs[i].port = cl->brokers[i]->port;
  }
  std::vector<proto::MetadataResponse::MetadataResponseTopic> ts(asked.size());
  std::vector<proto::MetadataResponse::MetadataResponsePartition> ps(cl->leaders.size());
  std::vector<int32_t> replicas(cl->leaders);
  for (size_t p = 0; p < ps.size(); p++) {
    ps[p].partition_index = int32_t(p);
    ps[p].leader_id = cl->leaders[p];
    ps[p].leader_epoch = 0;
    ps[p].replica_nodes.items = &replicas[p];
    ps[p].replica_nodes.count = 1;
    ps[p].isr_nodes.items = &replicas[p];
    ps[p].isr_nodes.count = 1;
  }
  for (size_t i = 0; i < asked.size(); i++) {
    ts[i].name = fake_str(asked[i]);
    if (asked[i] == cl->topic && cl->metadata_topic_ids) memcpy(ts[i].topic_id.b, cl->topic_id, 16);
    if (asked[i] != cl->topic) {
      ts[i].error_code = 3;  // UNKNOWN_TOPIC_OR_PARTITION
      continue;
    }
    ts[i].partitions.items = ps.data();
    ts[i].partitions.count = int32_t(ps.size());
  }
  proto::MetadataResponse resp;
  resp.brokers.items = bs.data();
  resp.brokers.count = int32_t(bs.size());
  resp.controller_id = cl->brokers.empty() ? -1 : cl->brokers[0]->node_id;
  resp.topics.items = ts.data();
  resp.topics.count = int32_t(ts.size());
  return fake_frame(corr, proto::kMetadata, version, resp);
}

}  // namespace

bool fake_metadata_answer(FakeBroker *b, int16_t key, int32_t corr, int16_t version, Reader *body, FakeAnswer *out) {
  switch (key) {
    case proto::kApiVersions: *out = api_versions(b->cluster, corr, version); return true;
    case proto::kMetadata: *out = metadata(b, corr, version, body); return true;
    // Any mechanism, any credentials: an empty answer ends every exchange.
    case proto::kSaslHandshake: *out = fake_empty<proto::SaslHandshakeResponse>(corr, key, version); return true;
    case proto::kSaslAuthenticate: *out = fake_empty<proto::SaslAuthenticateResponse>(corr, key, version); return true;
    default: return false;
  }
}

}  // namespace uvk_test
