// The fake broker's partition logs: Produce appends, Fetch reads (long polls, parks, a test's bytes), ListOffsets.
#include <string.h>

#include "common/arena.h"
#include "fake_answer.h"
#include "proto/gen/fetch.h"
#include "proto/gen/list_offsets.h"
#include "proto/gen/produce.h"
#include "proto/records.h"

namespace uvk_test {

using namespace uvk;

// One uncompressed batch holding log[from..].
std::vector<uint8_t> fake_batch(const std::vector<std::string> &log, int64_t from) {
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

namespace {

FakeAnswer produce(FakeBroker *b, int32_t corr, int16_t version, Reader *body) {
  Arena arena;
  proto::ProduceRequest req;
  proto::decode(body, &arena, &req, version);
  std::vector<proto::ProduceResponse::TopicProduceResponse> ts(size_t(req.topic_data.count > 0 ? req.topic_data.count : 0));
  std::vector<std::vector<proto::ProduceResponse::PartitionProduceResponse>> ps(ts.size());
  for (size_t i = 0; i < ts.size(); i++) {
    const auto &td = req.topic_data.items[i];
    ts[i].name = td.name;  // points into the request, alive until the answer is encoded
    for (int32_t k = 0; k < td.partition_data.count; k++) {
      const auto &pd = td.partition_data.items[k];
      proto::ProduceResponse::PartitionProduceResponse pr;
      pr.index = pd.index;
      if (fake_string(td.name) != b->cluster->topic || !fake_leads(b, pd.index)) {
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
  FakeAnswer a = fake_frame(corr, proto::kProduce, version, resp);
  a.reply = req.acks != 0;
  arena_free(&arena);
  return a;
}

FakeAnswer fetch(FakeBroker *b, int32_t corr, int16_t version, Reader *body) {
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
    bool ours = version >= 13 ? memcmp(ft.topic_id.b, cl->topic_id, 16) == 0 : fake_string(ft.topic) == cl->topic;
    for (int32_t k = 0; k < ft.partitions.count; k++) {
      const auto &fp = ft.partitions.items[k];
      proto::FetchResponse::PartitionData pd;
      pd.partition_index = fp.partition;
      if (!ours || !fake_leads(b, fp.partition)) {
        pd.error_code = 6;  // NOT_LEADER_OR_FOLLOWER
        bool known = ours && fp.partition >= 0 && size_t(fp.partition) < cl->leaders.size();
        if (known && cl->fetch_named_leader_epoch >= 0) {
          pd.current_leader.leader_id = cl->leaders[size_t(fp.partition)];
          pd.current_leader.leader_epoch = cl->fetch_named_leader_epoch;
          for (const FakeBroker *x : cl->brokers)
            if (x->node_id == pd.current_leader.leader_id && endpoints.empty())
              endpoints.push_back(proto::FetchResponse::NodeEndpoint{x->node_id, fake_str(host), int32_t(x->port), proto::Str{}});
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
        records.push_back(fake_batch(log, fp.fetch_offset));
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
  FakeAnswer a = fake_frame(corr, proto::kFetch, version, resp);
  if (!any) a.hold_ms = uint64_t(req.max_wait_ms > 0 ? req.max_wait_ms : 0);  // long poll
  if (any && !records.empty() && b->cluster->park_fetches) {
    a.hold_ms = UINT64_MAX;
    a.parked_fetch = true;
    b->cluster->parked_fetches++;
  }
  arena_free(&arena);
  return a;
}

FakeAnswer list_offsets(FakeBroker *b, int32_t corr, int16_t version, Reader *body) {
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
  FakeAnswer a = fake_frame(corr, proto::kListOffsets, version, resp);
  arena_free(&arena);
  return a;
}

}  // namespace

bool fake_log_answer(FakeBroker *b, int16_t key, int32_t corr, int16_t version, Reader *body, FakeAnswer *out) {
  switch (key) {
    case proto::kProduce: *out = produce(b, corr, version, body); return true;
    case proto::kFetch: *out = fetch(b, corr, version, body); return true;
    case proto::kListOffsets: *out = list_offsets(b, corr, version, body); return true;
    default: return false;
  }
}

}  // namespace uvk_test
