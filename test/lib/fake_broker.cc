// The fake broker (fake_broker.h): a libuv TCP server that decodes requests with the
// library's generated decoders and answers with its encoders, then corrupts the one
// response a test asked for.
#include "fake_broker.h"

#include "fake_share.h"

#include <string.h>

#include <deque>

#include "client/assignor.h"
#include "common/arena.h"
#include "common/buf.h"
#include "common/reader.h"
#include "proto/gen/api_table.h"
#include "proto/gen/api_versions.h"
#include "proto/gen/consumer_group_heartbeat.h"
#include "proto/gen/fetch.h"
#include "proto/gen/find_coordinator.h"
#include "proto/gen/headers.h"
#include "proto/gen/heartbeat.h"
#include "proto/gen/join_group.h"
#include "proto/gen/leave_group.h"
#include "proto/gen/list_offsets.h"
#include "proto/gen/metadata.h"
#include "proto/gen/offset_commit.h"
#include "proto/gen/offset_fetch.h"
#include "proto/gen/produce.h"
#include "proto/gen/sasl_authenticate.h"
#include "proto/gen/sasl_handshake.h"
#include "proto/gen/sync_group.h"
#include "proto/records.h"

namespace uvk_test {

using namespace uvk;

struct FakeBrokerConn {
  FakeBroker *b = nullptr;
  uv_tcp_t tcp;
  uv_timer_t timer;       // releases a held (long-polling) Fetch answer
  int open_handles = 0;
  bool closing = false;
  std::vector<uint8_t> in;
  struct Out {
    std::vector<uint8_t> bytes;
    uint64_t release_at;  // loop time; 0: now
    bool close_after;
    bool parked_fetch = false;  // parked by park_fetches (fake_cluster_release_fetches)
  };
  std::deque<Out> queue;  // answers in request order
  int32_t generation = 0;
};

namespace {

struct WriteReq {
  uv_write_t req;
  std::vector<uint8_t> bytes;
  FakeBrokerConn *close_after;  // close this connection once written
};

proto::Str str(const std::string &s) { return proto::Str{s.c_str(), int32_t(s.size())}; }
std::string to_string(const proto::Str &s) { return s.data ? std::string(s.data, size_t(s.len)) : std::string(); }

void on_handle_closed(uv_handle_t *h) {
  FakeBrokerConn *c = static_cast<FakeBrokerConn *>(h->data);
  if (--c->open_handles == 0) delete c;
}

void close_conn(FakeBrokerConn *c) {
  if (c->closing) return;
  c->closing = true;
  FakeBroker *b = c->b;
  for (size_t i = 0; i < b->conns.size(); i++)
    if (b->conns[i] == c) b->conns.erase(b->conns.begin() + long(i));
  uv_close(reinterpret_cast<uv_handle_t *>(&c->tcp), on_handle_closed);
  uv_close(reinterpret_cast<uv_handle_t *>(&c->timer), on_handle_closed);
}

void write_bytes(FakeBrokerConn *c, std::vector<uint8_t> bytes, bool close_after) {
  WriteReq *w = new WriteReq;
  w->bytes = std::move(bytes);
  w->close_after = close_after ? c : nullptr;
  w->req.data = w;
  uv_buf_t buf = uv_buf_init(reinterpret_cast<char *>(w->bytes.data()), unsigned(w->bytes.size()));
  int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t *>(&c->tcp), &buf, 1, [](uv_write_t *req, int) {
    WriteReq *wr = static_cast<WriteReq *>(req->data);
    if (wr->close_after && !wr->close_after->closing) {
      wr->close_after->b->broker_closes++;
      close_conn(wr->close_after);
    }
    delete wr;
  });
  if (rc != 0) {
    delete w;
    close_conn(c);
  }
}

void pump(FakeBrokerConn *c);

void on_timer(uv_timer_t *t) { pump(static_cast<FakeBrokerConn *>(t->data)); }

// Writes the answers that are due, in order; a held one holds those behind it.
void pump(FakeBrokerConn *c) {
  uint64_t now = uv_now(c->b->loop);
  while (!c->closing && !c->queue.empty()) {
    FakeBrokerConn::Out &o = c->queue.front();
    if (o.release_at == UINT64_MAX) return;  // parked until an OffsetCommit arrives
    if (o.release_at > now) {
      uv_timer_start(&c->timer, on_timer, o.release_at - now, 0);
      return;
    }
    std::vector<uint8_t> bytes = std::move(o.bytes);
    bool close_after = o.close_after;
    c->queue.pop_front();
    write_bytes(c, std::move(bytes), close_after);
  }
}

// A response frame: size, header, body. *body_at: where the body starts.
template <class T>
std::vector<uint8_t> frame(int32_t correlation, int16_t key, int16_t version, const T &body, size_t *body_at) {
  Buf b;
  put_i32(&b, 0);
  proto::ResponseHeader h;
  h.correlation_id = correlation;
  proto::encode(&b, h, proto::response_header_version(key, version));
  *body_at = b.len;
  proto::encode(&b, body, version);
  patch_be32(&b, 0, uint32_t(b.len - 4));
  std::vector<uint8_t> out(b.data, b.data + b.len);
  buf_free(&b);
  return out;
}

FakeBroker *broker_by_id(const FakeCluster *cl, int32_t id) {
  for (FakeBroker *b : cl->brokers)
    if (b->node_id == id) return b;
  return nullptr;
}

bool leads(const FakeBroker *b, int32_t partition) {
  const FakeCluster *cl = b->cluster;
  return partition >= 0 && size_t(partition) < cl->leaders.size() && cl->leaders[size_t(partition)] == b->node_id;
}

struct Answer {
  std::vector<uint8_t> bytes;
  size_t body_at = 0;
  uint64_t hold_ms = 0;  // a Fetch with nothing to return waits this long (maxWaitMs)
  bool reply = true;
  bool parked_fetch = false;
};

Answer api_versions(const FakeCluster *cl, int32_t corr, int16_t version) {
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
  proto::ApiVersionsResponse resp;
  resp.api_keys.items = keys.data();
  resp.api_keys.count = int32_t(keys.size());
  Answer a;
  a.bytes = frame(corr, proto::kApiVersions, version, resp, &a.body_at);
  return a;
}

Answer metadata(FakeBroker *b, int32_t corr, int16_t version, Reader *body) {
  const FakeCluster *cl = b->cluster;
  Arena arena;
  proto::MetadataRequest req;
  proto::decode(body, &arena, &req, version);
  std::vector<std::string> asked;
  for (int32_t i = 0; i < req.topics.count; i++) asked.push_back(to_string(req.topics.items[i].name));
  if (req.topics.count <= 0) asked.push_back(cl->topic);
  arena_free(&arena);
  std::vector<std::string> hosts(cl->brokers.size(), "127.0.0.1");
  std::vector<proto::MetadataResponse::MetadataResponseBroker> bs(cl->brokers.size());
  for (size_t i = 0; i < bs.size(); i++) {
    bs[i].node_id = cl->brokers[i]->node_id;
    bs[i].host = str(hosts[i]);
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
    ts[i].name = str(asked[i]);
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
  Answer a;
  a.bytes = frame(corr, proto::kMetadata, version, resp, &a.body_at);
  return a;
}

Answer produce(FakeBroker *b, int32_t corr, int16_t version, Reader *body) {
  Arena arena;
  proto::ProduceRequest req;
  proto::decode(body, &arena, &req, version);
  Answer a;
  a.reply = req.acks != 0;
  std::vector<proto::ProduceResponse::TopicProduceResponse> ts(size_t(req.topic_data.count > 0 ? req.topic_data.count : 0));
  std::vector<std::vector<proto::ProduceResponse::PartitionProduceResponse>> ps(ts.size());
  for (size_t i = 0; i < ts.size(); i++) {
    const auto &td = req.topic_data.items[i];
    ts[i].name = td.name;  // points into the request, alive until the answer is encoded
    for (int32_t k = 0; k < td.partition_data.count; k++) {
      const auto &pd = td.partition_data.items[k];
      proto::ProduceResponse::PartitionProduceResponse pr;
      pr.index = pd.index;
      if (to_string(td.name) != b->cluster->topic || !leads(b, pd.index)) {
        pr.error_code = 6;  // NOT_LEADER_OR_FOLLOWER
      } else {
        std::vector<std::string> &log = b->log[pd.index];
        pr.base_offset = int64_t(log.size());
        BatchReader br;
        batch_reader_init(&br, pd.records.data, size_t(pd.records.len > 0 ? pd.records.len : 0));
        BatchView bv;
        while (batch_next(&br, &bv) == 1) {
          RecordIter it;
          record_iter_init(&it, &bv);
          RecordView rv;
          while (record_next(&it, &rv) == 1)
            log.push_back(rv.value ? std::string(reinterpret_cast<const char *>(rv.value), size_t(rv.value_len)) : "");
        }
        batch_reader_free(&br);
      }
      ps[i].push_back(pr);
    }
    ts[i].partition_responses.items = ps[i].data();
    ts[i].partition_responses.count = int32_t(ps[i].size());
  }
  proto::ProduceResponse resp;
  resp.responses.items = ts.data();
  resp.responses.count = int32_t(ts.size());
  a.bytes = frame(corr, proto::kProduce, version, resp, &a.body_at);
  arena_free(&arena);
  return a;
}

// One uncompressed batch holding log[from..].
std::vector<uint8_t> batch_of(const std::vector<std::string> &log, int64_t from) {
  Buf out, scratch;
  BatchWriter w;
  BatchParams p;
  p.base_offset = from;
  p.base_timestamp = 1700000000000;
  batch_begin(&w, &out, p);
  for (size_t i = size_t(from); i < log.size(); i++)
    batch_append(&w, p.base_timestamp, nullptr, -1, reinterpret_cast<const uint8_t *>(log[i].data()),
                 int32_t(log[i].size()), nullptr, 0);
  batch_finish(&w, &scratch);
  std::vector<uint8_t> v(out.data, out.data + out.len);
  buf_free(&out);
  buf_free(&scratch);
  return v;
}

Answer fetch(FakeBroker *b, int32_t corr, int16_t version, Reader *body) {
  Arena arena;
  proto::FetchRequest req;
  proto::decode(body, &arena, &req, version);
  b->fetch_max_waits.push_back(req.max_wait_ms);
  if (b->cluster->on_fetch) b->cluster->on_fetch(b);
  if (b->cluster->journal_fetches) {
    std::string e = "fetch " + std::to_string(b->node_id) + " ";
    for (int32_t i = 0; i < req.topics.count; i++)
      for (int32_t k = 0; k < req.topics.items[i].partitions.count; k++) {
        const auto &fp = req.topics.items[i].partitions.items[k];
        e += (e.back() == ' ' ? "" : ",") + std::to_string(fp.partition) + "@" + std::to_string(fp.fetch_offset);
      }
    b->cluster->journal.push_back(e);
  }
  std::vector<proto::FetchResponse::FetchableTopicResponse> ts(size_t(req.topics.count > 0 ? req.topics.count : 0));
  std::vector<std::vector<proto::FetchResponse::PartitionData>> ps(ts.size());
  // Each batch's bytes stay where they are when this vector grows (vectors move their buffer).
  std::vector<std::vector<uint8_t>> records;
  bool any = false;
  const FakeCluster *cl = b->cluster;
  std::vector<proto::FetchResponse::NodeEndpoint> endpoints;
  std::string host = "127.0.0.1";
  for (size_t i = 0; i < ts.size(); i++) {
    const auto &ft = req.topics.items[i];
    ts[i].topic = ft.topic;
    ts[i].topic_id = ft.topic_id;
    bool ours = version >= 13 ? memcmp(ft.topic_id.b, cl->topic_id, 16) == 0 : to_string(ft.topic) == cl->topic;
    for (int32_t k = 0; k < ft.partitions.count; k++) {
      const auto &fp = ft.partitions.items[k];
      proto::FetchResponse::PartitionData pd;
      pd.partition_index = fp.partition;
      if (!ours || !leads(b, fp.partition)) {
        pd.error_code = 6;  // NOT_LEADER_OR_FOLLOWER
        bool known = ours && fp.partition >= 0 && size_t(fp.partition) < cl->leaders.size();
        if (known && cl->fetch_named_leader_epoch >= 0) {
          pd.current_leader.leader_id = cl->leaders[size_t(fp.partition)];
          pd.current_leader.leader_epoch = cl->fetch_named_leader_epoch;
          for (const FakeBroker *x : cl->brokers)
            if (x->node_id == pd.current_leader.leader_id && endpoints.empty())
              endpoints.push_back(proto::FetchResponse::NodeEndpoint{x->node_id, str(host), int32_t(x->port), proto::Str{}});
        }
        any = true;
        ps[i].push_back(pd);
        continue;
      }
      const std::vector<std::string> &log = b->log[fp.partition];
      pd.high_watermark = int64_t(log.size());
      pd.last_stable_offset = pd.high_watermark;
      pd.log_start_offset = 0;
      if (fp.partition == 0 && !b->fetch_records_once.empty()) {
        records.push_back(std::move(b->fetch_records_once));
        b->fetch_records_once.clear();
        b->mischief_done++;
      } else if (fp.fetch_offset >= 0 && size_t(fp.fetch_offset) < log.size()) {
        records.push_back(batch_of(log, fp.fetch_offset));
      } else {
        ps[i].push_back(pd);
        continue;
      }
      pd.records = proto::Bytes{records.back().data(), int32_t(records.back().size())};
      any = true;
      ps[i].push_back(pd);
    }
    ts[i].partitions.items = ps[i].data();
    ts[i].partitions.count = int32_t(ps[i].size());
  }
  proto::FetchResponse resp;
  resp.responses.items = ts.data();
  resp.responses.count = int32_t(ts.size());
  resp.node_endpoints.items = endpoints.data();
  resp.node_endpoints.count = int32_t(endpoints.size());
  Answer a;
  a.bytes = frame(corr, proto::kFetch, version, resp, &a.body_at);
  if (!any) a.hold_ms = uint64_t(req.max_wait_ms > 0 ? req.max_wait_ms : 0);  // long poll
  if (any && !records.empty() && b->cluster->park_fetches) {
    a.hold_ms = UINT64_MAX;
    a.parked_fetch = true;
    b->cluster->parked_fetches++;
  }
  arena_free(&arena);
  return a;
}

Answer list_offsets(FakeBroker *b, int32_t corr, int16_t version, Reader *body) {
  Arena arena;
  proto::ListOffsetsRequest req;
  proto::decode(body, &arena, &req, version);
  std::vector<proto::ListOffsetsResponse::ListOffsetsTopicResponse> ts(size_t(req.topics.count > 0 ? req.topics.count : 0));
  std::vector<std::vector<proto::ListOffsetsResponse::ListOffsetsPartitionResponse>> ps(ts.size());
  for (size_t i = 0; i < ts.size(); i++) {
    ts[i].name = req.topics.items[i].name;
    for (int32_t k = 0; k < req.topics.items[i].partitions.count; k++) {
      proto::ListOffsetsResponse::ListOffsetsPartitionResponse pr;
      const auto &lp = req.topics.items[i].partitions.items[k];
      pr.partition_index = lp.partition_index;
      pr.offset = lp.timestamp == -1 ? int64_t(b->log[lp.partition_index].size()) : 0;  // latest : earliest
      pr.timestamp = -1;
      auto err = b->cluster->list_offsets_errors.find(lp.partition_index);
      if (err != b->cluster->list_offsets_errors.end() && !err->second.empty()) {
        pr.error_code = err->second.front();
        pr.offset = -1;
        err->second.pop_front();
      }
      ps[i].push_back(pr);
    }
    ts[i].partitions.items = ps[i].data();
    ts[i].partitions.count = int32_t(ps[i].size());
  }
  proto::ListOffsetsResponse resp;
  resp.topics.items = ts.data();
  resp.topics.count = int32_t(ts.size());
  Answer a;
  a.bytes = frame(corr, proto::kListOffsets, version, resp, &a.body_at);
  arena_free(&arena);
  return a;
}

// The next injected error for `key` (0: none), recorded with the request.
int16_t next_error(FakeBroker *b, int16_t key, const proto::Str &member_id) {
  FakeCluster *cl = b->cluster;
  int16_t code = 0;
  auto it = cl->inject_errors.find(key);
  if (it != cl->inject_errors.end() && !it->second.empty()) {
    code = it->second.front();
    it->second.pop_front();
  }
  cl->group_requests.push_back(FakeCluster::GroupRequest{key, b->node_id, to_string(member_id), code});
  return code;
}

Answer find_coordinator(FakeBroker *b, int32_t corr, int16_t version, Reader *body) {
  Arena arena;
  proto::FindCoordinatorRequest req;
  proto::decode(body, &arena, &req, version);
  int16_t injected = next_error(b, proto::kFindCoordinator, proto::Str{});
  const FakeBroker *co = injected ? nullptr : broker_by_id(b->cluster, b->cluster->coordinator);
  int16_t code = injected ? injected : 15;  // without a coordinator: COORDINATOR_NOT_AVAILABLE
  static const std::string host = "127.0.0.1";
  proto::FindCoordinatorResponse resp;
  std::vector<proto::FindCoordinatorResponse::Coordinator> cs(size_t(req.coordinator_keys.count > 0 ? req.coordinator_keys.count : 0));
  if (version >= 4) {
    for (size_t i = 0; i < cs.size(); i++) {
      cs[i].key = req.coordinator_keys.items[i];
      cs[i].node_id = co ? co->node_id : -1;
      cs[i].host = str(host);
      cs[i].port = co ? co->port : -1;
      cs[i].error_code = co ? 0 : code;
    }
    resp.coordinators.items = cs.data();
    resp.coordinators.count = int32_t(cs.size());
  } else {
    resp.error_code = co ? 0 : code;
    resp.node_id = co ? co->node_id : -1;
    resp.host = str(host);
    resp.port = co ? co->port : -1;
  }
  Answer a;
  a.bytes = frame(corr, proto::kFindCoordinator, version, resp, &a.body_at);
  arena_free(&arena);
  return a;
}

// A one-member group: the member leads, and gets back the assignment it computed.
Answer join_group(FakeBrokerConn *c, int32_t corr, int16_t version, Reader *body) {
  Arena arena;
  proto::JoinGroupRequest req;
  proto::decode(body, &arena, &req, version);
  c->b->cluster->join_instance_id = to_string(req.group_instance_id);
  static const std::string member = "member-1", type = "consumer", none = "";
  if (int16_t code = next_error(c->b, proto::kJoinGroup, req.member_id)) {
    // An error answer as a broker writes it: no generation, no members, empty strings where
    // the field is not nullable; MEMBER_ID_REQUIRED names the id to join with.
    proto::JoinGroupResponse resp;
    resp.error_code = code;
    resp.generation_id = -1;
    resp.protocol_type = str(type);
    resp.protocol_name = str(none);
    resp.leader = str(none);
    resp.member_id = str(code == 79 ? member : none);
    Answer a;
    a.bytes = frame(corr, proto::kJoinGroup, version, resp, &a.body_at);
    arena_free(&arena);
    return a;
  }
  FakeCluster *cl = c->b->cluster;
  if (cl->classic_assign && req.protocols.count > 0) {
    uvk::MemberMetadata md;
    const auto &pr = req.protocols.items[0];
    std::string e = "join " + to_string(pr.name);
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
    resp.protocol_type = str(type);
    resp.protocol_name = pr.name;
    resp.leader = str(leader);
    resp.member_id = str(member);
    Answer a;
    a.bytes = frame(corr, proto::kJoinGroup, version, resp, &a.body_at);
    a.hold_ms = cl->classic_join_hold_ms;
    arena_free(&arena);
    return a;
  }
  proto::JoinGroupResponse::JoinGroupResponseMember m;
  m.member_id = str(member);
  proto::JoinGroupResponse resp;
  resp.generation_id = ++c->generation;
  resp.protocol_type = str(type);
  if (req.protocols.count > 0) {
    resp.protocol_name = req.protocols.items[0].name;
    m.metadata = req.protocols.items[0].metadata;
  }
  resp.leader = str(member);
  resp.member_id = str(member);
  resp.members.items = &m;
  resp.members.count = 1;
  Answer a;
  a.bytes = frame(corr, proto::kJoinGroup, version, resp, &a.body_at);
  arena_free(&arena);
  return a;
}

Answer sync_group(FakeBroker *b, int32_t corr, int16_t version, Reader *body) {
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
      if (to_string(req.assignments.items[i].member_id) == to_string(req.member_id))
        resp.assignment = req.assignments.items[i].assignment;
  }
  resp.protocol_type = req.protocol_type;
  resp.protocol_name = req.protocol_name;
  Answer a;
  a.bytes = frame(corr, proto::kSyncGroup, version, resp, &a.body_at);
  uvk::buf_free(&assigned);
  arena_free(&arena);
  return a;
}

int16_t next_injected(FakeCluster *cl, int16_t key);

Answer offset_fetch(FakeCluster *cl, int32_t corr, int16_t version, Reader *body) {
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
  Answer a;
  a.bytes = frame(corr, proto::kOffsetFetch, version, resp, &a.body_at);
  arena_free(&arena);
  return a;
}

// An injected code for a Heartbeat or OffsetCommit (0: none); not recorded in
// group_requests, which follows the join protocol only.
int16_t next_injected(FakeCluster *cl, int16_t key) {
  auto it = cl->inject_errors.find(key);
  if (it == cl->inject_errors.end() || it->second.empty()) return 0;
  int16_t code = it->second.front();
  it->second.pop_front();
  return code;
}

Answer consumer_group_heartbeat(FakeBroker *b, int32_t corr, int16_t version, Reader *body) {
  FakeCluster *cl = b->cluster;
  Arena arena;
  proto::ConsumerGroupHeartbeatRequest req;
  proto::decode(body, &arena, &req, version);
  FakeCluster::CgRequest r;
  r.node_id = b->node_id;
  r.member_id = to_string(req.member_id);
  r.epoch = req.member_epoch;
  r.owned_sent = !req.topic_partitions.is_null();
  for (int32_t i = 0; i < req.topic_partitions.count; i++)
    if (memcmp(req.topic_partitions.items[i].topic_id.b, cl->topic_id, 16) == 0)
      for (int32_t k = 0; k < req.topic_partitions.items[i].partitions.count; k++)
        r.owned.push_back(req.topic_partitions.items[i].partitions.items[k]);
  for (int32_t i = 0; i < req.subscribed_topic_names.count; i++) r.names.push_back(to_string(req.subscribed_topic_names.items[i]));
  r.regex = to_string(req.subscribed_topic_regex);
  r.assignor = to_string(req.server_assignor);
  r.rack = to_string(req.rack_id);
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
  resp.member_id = reply.member_id.empty() ? proto::Str{} : str(reply.member_id);
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
  Answer a;
  a.bytes = frame(corr, proto::kConsumerGroupHeartbeat, version, resp, &a.body_at);
  if (reply.park_until_commit) a.hold_ms = UINT64_MAX;
  return a;
}

Answer heartbeat(FakeBroker *b, int32_t corr, int16_t version) {
  proto::HeartbeatResponse resp;
  resp.error_code = next_injected(b->cluster, proto::kHeartbeat);
  Answer a;
  a.bytes = frame(corr, proto::kHeartbeat, version, resp, &a.body_at);
  return a;
}

Answer offset_commit(FakeBroker *b, int32_t corr, int16_t version, Reader *body) {
  int16_t injected = next_injected(b->cluster, proto::kOffsetCommit);
  Arena arena;
  proto::OffsetCommitRequest req;
  proto::decode(body, &arena, &req, version);
  std::string entry = "commit epoch=" + std::to_string(req.generation_id_or_member_epoch);
  for (int32_t i = 0; i < req.topics.count; i++)
    for (int32_t k = 0; k < req.topics.items[i].partitions.count; k++) {
      const auto &pp = req.topics.items[i].partitions.items[k];
      entry += " " + std::to_string(pp.partition_index) + "=" + std::to_string(pp.committed_offset);
      if (!injected) b->cluster->committed[pp.partition_index] = pp.committed_offset;
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
  Answer a;
  a.bytes = frame(corr, proto::kOffsetCommit, version, resp, &a.body_at);
  arena_free(&arena);
  return a;
}

template <class Resp>
Answer empty_answer(int32_t corr, int16_t key, int16_t version) {
  Resp resp;
  Answer a;
  a.bytes = frame(corr, key, version, resp, &a.body_at);
  return a;
}

// The one misbehaviour, applied to an answer about to be queued.
void corrupt(FakeBroker *b, FakeBrokerConn::Out *o, size_t body_at) {
  std::vector<uint8_t> &v = o->bytes;
  auto put32 = [&v](size_t at, uint32_t x) {
    if (at + 4 > v.size()) return;
    v[at] = uint8_t(x >> 24), v[at + 1] = uint8_t(x >> 16), v[at + 2] = uint8_t(x >> 8), v[at + 3] = uint8_t(x);
  };
  switch (b->mischief) {
    case kMischiefTruncate:
      put32(0, uint32_t(v.size() - 4 + 1000));
      v.resize(4 + (v.size() - 4) / 2);
      o->close_after = true;
      break;
    case kMischiefLength2G: put32(0, 0x7fffffffu); break;
    case kMischiefNegativeLength: put32(0, uint32_t(-16)); break;
    case kMischiefWrongCorrelation: {
      uint32_t corr = uint32_t(v[4]) << 24 | uint32_t(v[5]) << 16 | uint32_t(v[6]) << 8 | v[7];
      put32(4, corr + 1000);
      break;
    }
    case kMischiefNegativeArray: put32(body_at + b->mischief_offset, uint32_t(-2)); break;
    case kMischiefNone: break;
  }
  b->mischief_done++;
}

void handle(FakeBrokerConn *c, const uint8_t *data, size_t len) {
  FakeBroker *b = c->b;
  Reader f = reader_make(data, len);
  if (len < 4) return;
  int16_t key = int16_t(data[0] << 8 | data[1]), version = int16_t(data[2] << 8 | data[3]);
  proto::RequestHeader h;
  Arena arena;
  proto::decode(&f, &arena, &h, proto::request_header_version(key, version));
  arena_free(&arena);
  b->requests[key]++;
  b->request_versions[key] = version;
  int32_t corr = h.correlation_id;
  Answer a;
  switch (key) {
    case proto::kApiVersions: a = api_versions(b->cluster, corr, version); break;
    case proto::kConsumerGroupHeartbeat: a = consumer_group_heartbeat(b, corr, version, &f); break;
    case proto::kMetadata: a = metadata(b, corr, version, &f); break;
    case proto::kProduce: a = produce(b, corr, version, &f); break;
    case proto::kFetch: a = fetch(b, corr, version, &f); break;
    case proto::kListOffsets: a = list_offsets(b, corr, version, &f); break;
    case proto::kFindCoordinator: a = find_coordinator(b, corr, version, &f); break;
    case proto::kJoinGroup: a = join_group(c, corr, version, &f); break;
    case proto::kSyncGroup: a = sync_group(b, corr, version, &f); break;
    case proto::kOffsetFetch: a = offset_fetch(b->cluster, corr, version, &f); break;
    case proto::kOffsetCommit: a = offset_commit(b, corr, version, &f); break;
    case proto::kHeartbeat: a = heartbeat(b, corr, version); break;
    case proto::kLeaveGroup: a = empty_answer<proto::LeaveGroupResponse>(corr, key, version); break;
    // SASL: any mechanism, any credentials (an empty answer ends every exchange).
    case proto::kSaslHandshake: a = empty_answer<proto::SaslHandshakeResponse>(corr, key, version); break;
    case proto::kSaslAuthenticate: a = empty_answer<proto::SaslAuthenticateResponse>(corr, key, version); break;
    default: {
      FakeShareAnswer sa;
      if (!fake_share_handle(b, key, corr, version, &f, &sa)) {
        close_conn(c);  // not a request this broker knows
        return;
      }
      a.bytes = std::move(sa.bytes);
      a.body_at = sa.body_at;
      a.hold_ms = sa.hold_ms;
    }
  }
  if (!a.reply) return;
  if (key == proto::kOffsetCommit)
    for (FakeBrokerConn::Out &held : c->queue)
      if (held.release_at == UINT64_MAX && !held.parked_fetch) held.release_at = 0;  // a parked heartbeat answer goes first
  uint64_t release = a.hold_ms == UINT64_MAX ? UINT64_MAX : a.hold_ms ? uv_now(b->loop) + a.hold_ms : 0;
  FakeBrokerConn::Out o{std::move(a.bytes), release, false, a.parked_fetch};
  if (b->mischief_api == key && b->mischief != kMischiefNone) {
    corrupt(b, &o, a.body_at);
    b->mischief_api = -1;  // once
  }
  c->queue.push_back(std::move(o));
}

void on_alloc(uv_handle_t *, size_t n, uv_buf_t *buf) {
  buf->base = new char[n];
  buf->len = n;
}

void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  FakeBrokerConn *c = static_cast<FakeBrokerConn *>(s->data);
  if (n < 0) {
    if (!c->closing) {
      c->b->client_closes++;
      close_conn(c);
    }
  } else if (n > 0 && !c->closing) {
    c->in.insert(c->in.end(), buf->base, buf->base + n);
    size_t pos = 0;
    while (!c->closing && c->in.size() - pos >= 4) {
      const uint8_t *p = c->in.data() + pos;
      uint32_t size = uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
      if (size > (64u << 20)) {  // the client never sends this: not ours to parse
        close_conn(c);
        break;
      }
      if (c->in.size() - pos - 4 < size) break;
      handle(c, p + 4, size);
      pos += 4 + size;
    }
    if (!c->closing) {
      c->in.erase(c->in.begin(), c->in.begin() + long(pos));
      pump(c);
    }
  }
  delete[] buf->base;
}

void on_connection(uv_stream_t *server, int status) {
  FakeBroker *b = static_cast<FakeBroker *>(server->data);
  if (status < 0) return;
  FakeBrokerConn *c = new FakeBrokerConn;
  c->b = b;
  uv_tcp_init(b->loop, &c->tcp);
  uv_timer_init(b->loop, &c->timer);
  c->tcp.data = c->timer.data = c;
  c->open_handles = 2;
  if (uv_accept(server, reinterpret_cast<uv_stream_t *>(&c->tcp)) != 0) {
    c->closing = true;
    uv_close(reinterpret_cast<uv_handle_t *>(&c->tcp), on_handle_closed);
    uv_close(reinterpret_cast<uv_handle_t *>(&c->timer), on_handle_closed);
    return;
  }
  b->accepted++;
  b->conns.push_back(c);
  uv_read_start(reinterpret_cast<uv_stream_t *>(&c->tcp), on_alloc, on_read);
}

}  // namespace

int fake_broker_start(FakeBroker *b, uv_loop_t *loop, FakeCluster *cluster, int32_t node_id) {
  b->loop = loop;
  b->cluster = cluster;
  b->node_id = node_id;
  int rc = uv_tcp_init(loop, &b->server);
  if (rc != 0) return rc;
  b->server.data = b;
  struct sockaddr_in addr;
  uv_ip4_addr("127.0.0.1", 0, &addr);
  rc = uv_tcp_bind(&b->server, reinterpret_cast<const struct sockaddr *>(&addr), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t *>(&b->server), 16, on_connection);
  if (rc != 0) {
    uv_close(reinterpret_cast<uv_handle_t *>(&b->server), nullptr);
    return rc;
  }
  struct sockaddr_storage bound;
  int len = sizeof bound;
  uv_tcp_getsockname(&b->server, reinterpret_cast<struct sockaddr *>(&bound), &len);
  b->port = ntohs(reinterpret_cast<struct sockaddr_in *>(&bound)->sin_port);
  cluster->brokers.push_back(b);
  return 0;
}

void fake_cluster_release_fetches(FakeCluster *cl) {
  for (FakeBroker *b : cl->brokers)
    for (FakeBrokerConn *c : b->conns) {
      for (FakeBrokerConn::Out &o : c->queue)
        if (o.parked_fetch) {
          o.parked_fetch = false;
          o.release_at = 0;
        }
      pump(c);
    }
}

void fake_broker_stop(FakeBroker *b) {
  while (!b->conns.empty()) close_conn(b->conns.back());
  if (!uv_is_closing(reinterpret_cast<uv_handle_t *>(&b->server)))
    uv_close(reinterpret_cast<uv_handle_t *>(&b->server), nullptr);
}

}  // namespace uvk_test
