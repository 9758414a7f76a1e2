// The fake broker's share groups (KIP-932): share-partition states, share sessions, the acknowledgement rules.
#include <string.h>

#include <algorithm>

#include "common/arena.h"
#include "fake_answer.h"
#include "proto/gen/share_acknowledge.h"
#include "proto/gen/share_fetch.h"
#include "proto/gen/share_group_heartbeat.h"

namespace uvk_test {

using namespace uvk;

namespace {

const int16_t kNotLeader = 6, kInvalidRequest = 42, kInvalidRecordState = 121, kSessionNotFound = 122,
              kInvalidSessionEpoch = 123;

std::vector<FakeCluster::ShareRecord> &records_of(FakeBroker *b, int32_t partition) {
  std::vector<FakeCluster::ShareRecord> &rs = b->cluster->share_records[partition];
  size_t n = b->log[partition].size();
  if (rs.size() < n) rs.resize(n);
  return rs;
}

void release(FakeCluster *cl, FakeCluster::ShareRecord *r) {
  r->member.clear();
  r->state = r->deliveries >= cl->share_delivery_limit ? FakeCluster::kArchived : FakeCluster::kAvailable;
}

// Applies one acknowledgement; false when the record is not acquired by `member`.
bool apply(FakeCluster *cl, std::vector<FakeCluster::ShareRecord> &rs, const std::string &member, int64_t offset,
           int8_t type) {
  if (offset < 0 || size_t(offset) >= rs.size()) return false;
  FakeCluster::ShareRecord &r = rs[size_t(offset)];
  if (r.state != FakeCluster::kAcquired || r.member != member) return false;
  switch (type) {
    case 1: r.state = FakeCluster::kAcknowledged, r.member.clear(); break;
    case 2: release(cl, &r); break;
    case 0:  // a gap: no record there, archived like a rejected one
    case 3: r.state = FakeCluster::kArchived, r.member.clear(); break;
    case 4: break;  // renew: still acquired
    default: return false;
  }
  return true;
}

// Session bookkeeping shared by both requests: the top-level error (0: go on).
int16_t session_step(FakeBroker *b, const std::string &member, int32_t epoch, bool has_acks, bool is_fetch) {
  FakeCluster *cl = b->cluster;
  auto key = std::make_pair(member, b->node_id);
  if (epoch == 0) {
    if (has_acks || !is_fetch) return kInvalidRequest;
    cl->share_epochs[key] = 1;
    cl->share_session_parts[key].clear();
    return 0;
  }
  auto it = cl->share_epochs.find(key);
  if (it == cl->share_epochs.end()) return kSessionNotFound;
  if (epoch == -1) return 0;
  if (it->second != epoch) return kInvalidSessionEpoch;
  it->second = epoch == INT32_MAX ? 1 : epoch + 1;
  return 0;
}

void heartbeat(FakeBroker *b, int32_t corr, int16_t version, Reader *body, FakeAnswer *out) {
  FakeCluster *cl = b->cluster;
  Arena arena;
  proto::ShareGroupHeartbeatRequest req;
  proto::decode(body, &arena, &req, version);
  FakeCluster::ShareHbRequest r{b->node_id, fake_string(req.member_id), req.member_epoch, {}};
  for (int32_t i = 0; i < req.subscribed_topic_names.count; i++) r.names.push_back(fake_string(req.subscribed_topic_names.items[i]));
  arena_free(&arena);
  cl->share_hb_requests.push_back(r);
  FakeCluster::ShareHbReply reply;
  if (cl->share_script) reply = cl->share_script(r);
  else reply.epoch = r.epoch > 1 ? r.epoch : 1;
  proto::ShareGroupHeartbeatResponse resp;
  if (r.epoch == -1) {  // leaving
    fake_share_release_member(cl, r.member_id);
    resp.member_id = fake_str(r.member_id);
    resp.member_epoch = -1;
    *out = fake_frame(corr, proto::kShareGroupHeartbeat, version, resp);
    return;
  }
  resp.error_code = reply.error;
  resp.member_id = fake_str(r.member_id);
  resp.member_epoch = reply.epoch;
  resp.heartbeat_interval_ms = reply.interval_ms;
  proto::ShareGroupHeartbeatResponse::Assignment as;
  proto::ShareGroupHeartbeatResponse::TopicPartitions tp;
  if (reply.assign && reply.error == 0) {
    memcpy(tp.topic_id.b, cl->topic_id, 16);
    tp.partitions.items = reply.partitions.data();
    tp.partitions.count = int32_t(reply.partitions.size());
    as.topic_partitions.items = &tp;
    as.topic_partitions.count = 1;
    resp.assignment = &as;
  }
  *out = fake_frame(corr, proto::kShareGroupHeartbeat, version, resp);
}

template <class Batches>
void take_acks(FakeCluster::ShareReq *r, int32_t partition, const Batches &bs) {
  for (int32_t i = 0; i < bs.count; i++) {
    const auto &a = bs.items[i];
    // One type for the whole batch (the client's form); per-offset lists are seen as -1.
    int8_t type = a.acknowledge_types.count == 1 ? a.acknowledge_types.items[0] : -1;
    r->acks.push_back(FakeCluster::ShareAckSeen{partition, a.first_offset, a.last_offset, type});
  }
}

// Applies the acknowledgements of `partition` in r; the partition's acknowledge error.
int16_t apply_acks(FakeBroker *b, const FakeCluster::ShareReq &r, int32_t partition) {
  if (!fake_leads(b, partition)) return kNotLeader;
  std::vector<FakeCluster::ShareRecord> &rs = records_of(b, partition);
  int16_t code = 0;
  for (const FakeCluster::ShareAckSeen &a : r.acks) {
    if (a.partition != partition) continue;
    for (int64_t o = a.first; o <= a.last && o - a.first < 100000; o++)
      if (!apply(b->cluster, rs, r.member_id, o, a.type)) code = kInvalidRecordState;
  }
  return code;
}

void share_fetch(FakeBroker *b, int32_t corr, int16_t version, Reader *body, FakeAnswer *out) {
  FakeCluster *cl = b->cluster;
  Arena arena;
  proto::ShareFetchRequest req;
  proto::decode(body, &arena, &req, version);
  FakeCluster::ShareReq r{proto::kShareFetch, b->node_id, fake_string(req.member_id), req.share_session_epoch, {}, {}, {},
                          req.is_renew_ack, 0};
  for (int32_t t = 0; t < req.topics.count; t++)
    for (int32_t k = 0; k < req.topics.items[t].partitions.count; k++) {
      const auto &fp = req.topics.items[t].partitions.items[k];
      r.listed.push_back(fp.partition_index);
      take_acks(&r, fp.partition_index, fp.acknowledgement_batches);
    }
  for (int32_t t = 0; t < req.forgotten_topics_data.count; t++)
    for (int32_t k = 0; k < req.forgotten_topics_data.items[t].partitions.count; k++)
      r.forgotten.push_back(req.forgotten_topics_data.items[t].partitions.items[k]);
  int32_t max_records = req.max_records > 0 ? req.max_records : 500;
  int32_t max_wait = req.max_wait_ms;
  arena_free(&arena);
  r.error = session_step(b, r.member_id, r.epoch, !r.acks.empty(), true);
  proto::ShareFetchResponse resp;
  resp.error_code = r.error;
  resp.acquisition_lock_timeout_ms = 30000;
  auto key = std::make_pair(r.member_id, b->node_id);
  std::vector<int32_t> &sp = cl->share_session_parts[key];
  if (r.error == 0) {
    for (int32_t p : r.listed)
      if (std::find(sp.begin(), sp.end(), p) == sp.end()) sp.push_back(p);
    for (int32_t p : r.forgotten) sp.erase(std::remove(sp.begin(), sp.end(), p), sp.end());
  }
  std::vector<int32_t> parts;  // in the answer: the session's and those acknowledged
  if (r.error == 0) {
    parts = sp;
    for (const FakeCluster::ShareAckSeen &a : r.acks)
      if (std::find(parts.begin(), parts.end(), a.partition) == parts.end()) parts.push_back(a.partition);
  }
  std::vector<proto::ShareFetchResponse::PartitionData> pds;
  std::vector<std::vector<proto::ShareFetchResponse::AcquiredRecords>> acquired(parts.size());
  std::vector<std::vector<uint8_t>> batches(parts.size());
  bool any = false;
  for (size_t i = 0; i < parts.size(); i++) {
    int32_t p = parts[i];
    proto::ShareFetchResponse::PartitionData pd;
    pd.partition_index = p;
    // Never null: Records is not nullable in v1+, and the broker always sends at least an empty set.
    pd.records = proto::Bytes{proto::kNoBytes, 0};
    pd.acknowledge_error_code = apply_acks(b, r, p);
    bool acked_here = false;
    for (const FakeCluster::ShareAckSeen &a : r.acks) acked_here = acked_here || a.partition == p;
    if (!acked_here) pd.acknowledge_error_code = 0;
    if (!fake_leads(b, p)) {
      pd.error_code = kNotLeader;
      pd.current_leader.leader_id = size_t(p) < cl->leaders.size() ? cl->leaders[size_t(p)] : -1;
      pds.push_back(pd);
      any = true;
      continue;
    }
    if (acked_here) any = true;
    std::vector<FakeCluster::ShareRecord> &rs = records_of(b, p);
    int32_t limit = cl->share_max_records > 0 && cl->share_max_records < max_records ? cl->share_max_records : max_records;
    int64_t first = -1;
    for (size_t o = 0; o < rs.size() && limit > 0; o++) {
      if (rs[o].state != FakeCluster::kAvailable) continue;
      rs[o].state = FakeCluster::kAcquired;
      rs[o].member = r.member_id;
      rs[o].deliveries++;
      limit--;
      if (first < 0) first = int64_t(o);
      auto &ac = acquired[i];
      if (!ac.empty() && ac.back().last_offset + 1 == int64_t(o) && ac.back().delivery_count == rs[o].deliveries) {
        ac.back().last_offset = int64_t(o);
      } else {
        proto::ShareFetchResponse::AcquiredRecords ar;
        ar.first_offset = ar.last_offset = int64_t(o);
        ar.delivery_count = rs[o].deliveries;
        ac.push_back(ar);
      }
    }
    if (first >= 0) {
      batches[i] = fake_batch(b->log[p], first);
      if (cl->share_batch_edit) {
        cl->share_batch_edit(&batches[i]);
        cl->share_batch_edit = nullptr;
      }
      pd.records = proto::Bytes{batches[i].data(), int32_t(batches[i].size())};
      pd.acquired_records.items = acquired[i].data();
      pd.acquired_records.count = int32_t(acquired[i].size());
      any = true;
    }
    pds.push_back(pd);
  }
  proto::ShareFetchResponse::ShareFetchableTopicResponse tr;
  memcpy(tr.topic_id.b, cl->topic_id, 16);
  tr.partitions.items = pds.data();
  tr.partitions.count = int32_t(pds.size());
  if (!pds.empty()) {
    resp.responses.items = &tr;
    resp.responses.count = 1;
  }
  if (r.epoch == -1 && r.error == 0) {
    cl->share_epochs.erase(key);
    cl->share_session_parts.erase(key);
  }
  cl->share_requests.push_back(r);
  *out = fake_frame(corr, proto::kShareFetch, version, resp);
  if (!any && r.error == 0) out->hold_ms = uint64_t(max_wait > 0 ? max_wait : 0);  // long poll
}

void share_acknowledge(FakeBroker *b, int32_t corr, int16_t version, Reader *body, FakeAnswer *out) {
  FakeCluster *cl = b->cluster;
  Arena arena;
  proto::ShareAcknowledgeRequest req;
  proto::decode(body, &arena, &req, version);
  FakeCluster::ShareReq r{proto::kShareAcknowledge, b->node_id, fake_string(req.member_id), req.share_session_epoch, {}, {},
                          {}, req.is_renew_ack, 0};
  for (int32_t t = 0; t < req.topics.count; t++)
    for (int32_t k = 0; k < req.topics.items[t].partitions.count; k++) {
      const auto &ap = req.topics.items[t].partitions.items[k];
      r.listed.push_back(ap.partition_index);
      take_acks(&r, ap.partition_index, ap.acknowledgement_batches);
    }
  arena_free(&arena);
  r.error = session_step(b, r.member_id, r.epoch, !r.acks.empty(), false);
  proto::ShareAcknowledgeResponse resp;
  resp.error_code = r.error;
  std::vector<proto::ShareAcknowledgeResponse::PartitionData> pds;
  for (size_t i = 0; r.error == 0 && i < r.listed.size(); i++) {
    proto::ShareAcknowledgeResponse::PartitionData pd;
    pd.partition_index = r.listed[i];
    pd.error_code = apply_acks(b, r, r.listed[i]);
    if (pd.error_code == kNotLeader)
      pd.current_leader.leader_id = size_t(r.listed[i]) < cl->leaders.size() ? cl->leaders[size_t(r.listed[i])] : -1;
    pds.push_back(pd);
  }
  proto::ShareAcknowledgeResponse::ShareAcknowledgeTopicResponse tr;
  memcpy(tr.topic_id.b, cl->topic_id, 16);
  tr.partitions.items = pds.data();
  tr.partitions.count = int32_t(pds.size());
  if (!pds.empty()) {
    resp.responses.items = &tr;
    resp.responses.count = 1;
  }
  if (r.epoch == -1 && r.error == 0) {
    auto key = std::make_pair(r.member_id, b->node_id);
    cl->share_epochs.erase(key);
    cl->share_session_parts.erase(key);
  }
  cl->share_requests.push_back(r);
  *out = fake_frame(corr, proto::kShareAcknowledge, version, resp);
}

}  // namespace

void fake_share_expire(FakeCluster *cl) {
  for (auto &kv : cl->share_records)
    for (FakeCluster::ShareRecord &r : kv.second)
      if (r.state == FakeCluster::kAcquired) release(cl, &r);
}

void fake_share_release_member(FakeCluster *cl, const std::string &member) {
  for (auto &kv : cl->share_records)
    for (FakeCluster::ShareRecord &r : kv.second)
      if (r.state == FakeCluster::kAcquired && r.member == member) release(cl, &r);
}

bool fake_share_answer(FakeBroker *b, int16_t key, int32_t corr, int16_t version, Reader *body, FakeAnswer *out) {
  switch (key) {
    case proto::kShareGroupHeartbeat: heartbeat(b, corr, version, body, out); return true;
    case proto::kShareFetch: share_fetch(b, corr, version, body, out); return true;
    case proto::kShareAcknowledge: share_acknowledge(b, corr, version, body, out); return true;
    default: return false;
  }
}

}  // namespace uvk_test
