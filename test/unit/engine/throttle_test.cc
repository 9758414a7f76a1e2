// KIP-219 throttling against the scripted cluster (fake_cluster.h, fake clock): after a
// response with throttle_time_ms = T the next request to that broker is written exactly T
// later, other brokers are not held back, Produce's field (after the responses array) counts
// too, and hostile values are capped (INT32_MAX) or ignored (negative). Also checks the
// per-API offset table (lib/engine/throttle_field) against the generated encoders.
#include <catch2/catch.hpp>

#include <string.h>

#include <string>
#include <vector>

#include "client/producer.h"
#include "engine/throttle_field.h"
#include "fake_cluster.h"
#include "proto/gen/add_offsets_to_txn.h"
#include "proto/gen/add_partitions_to_txn.h"
#include "proto/gen/add_raft_voter.h"
#include "proto/gen/alter_client_quotas.h"
#include "proto/gen/alter_configs.h"
#include "proto/gen/alter_partition_reassignments.h"
#include "proto/gen/alter_replica_log_dirs.h"
#include "proto/gen/alter_user_scram_credentials.h"
#include "proto/gen/api_versions.h"
#include "proto/gen/consumer_group_describe.h"
#include "proto/gen/consumer_group_heartbeat.h"
#include "proto/gen/create_acls.h"
#include "proto/gen/create_delegation_token.h"
#include "proto/gen/create_partitions.h"
#include "proto/gen/create_topics.h"
#include "proto/gen/delete_acls.h"
#include "proto/gen/delete_groups.h"
#include "proto/gen/delete_records.h"
#include "proto/gen/delete_topics.h"
#include "proto/gen/describe_acls.h"
#include "proto/gen/describe_client_quotas.h"
#include "proto/gen/describe_cluster.h"
#include "proto/gen/describe_configs.h"
#include "proto/gen/describe_delegation_token.h"
#include "proto/gen/describe_groups.h"
#include "proto/gen/describe_log_dirs.h"
#include "proto/gen/describe_producers.h"
#include "proto/gen/describe_topic_partitions.h"
#include "proto/gen/describe_transactions.h"
#include "proto/gen/describe_user_scram_credentials.h"
#include "proto/gen/elect_leaders.h"
#include "proto/gen/end_txn.h"
#include "proto/gen/expire_delegation_token.h"
#include "proto/gen/fetch.h"
#include "proto/gen/find_coordinator.h"
#include "proto/gen/get_telemetry_subscriptions.h"
#include "proto/gen/heartbeat.h"
#include "proto/gen/incremental_alter_configs.h"
#include "proto/gen/init_producer_id.h"
#include "proto/gen/join_group.h"
#include "proto/gen/leave_group.h"
#include "proto/gen/list_client_metrics_resources.h"
#include "proto/gen/list_groups.h"
#include "proto/gen/list_offsets.h"
#include "proto/gen/list_partition_reassignments.h"
#include "proto/gen/list_transactions.h"
#include "proto/gen/metadata.h"
#include "proto/gen/offset_commit.h"
#include "proto/gen/offset_delete.h"
#include "proto/gen/offset_fetch.h"
#include "proto/gen/offset_for_leader_epoch.h"
#include "proto/gen/produce.h"
#include "proto/gen/push_telemetry.h"
#include "proto/gen/remove_raft_voter.h"
#include "proto/gen/renew_delegation_token.h"
#include "proto/gen/sync_group.h"
#include "proto/gen/txn_offset_commit.h"
#include "proto/gen/unregister_broker.h"
#include "proto/gen/update_features.h"

using namespace uvk;

namespace {

// A bare Metadata request (v3+: throttle_time_ms is the body's first field).
struct Raw {
  Request r;
  int calls = 0;
  int err = 1;
};

int encode_metadata(void *, Buf *out, int16_t version) {
  proto::MetadataRequest m;
  return proto::encode(out, m, version);
}

void raw_done(void *ud, int err, int16_t, Reader *, const Request *) {
  Raw *x = static_cast<Raw *>(ud);
  x->calls++;
  x->err = err;
}

void send_metadata(fake::Cluster &c, int32_t node, Raw *x) {
  x->r = Request();
  x->r.api_key = proto::kMetadata;
  x->r.min_version = 3;
  x->r.max_version = proto::MetadataRequest::kMaxVersion;
  x->r.encode = encode_metadata;
  x->r.done = raw_done;
  x->r.ud = x;
  REQUIRE(engine_send(c.e, node, &x->r, c.now) == 0);
}

// When each request of api_key reached addr, in order.
std::vector<uint64_t> seen_at(const fake::Cluster &c, const std::string &addr, int16_t api_key) {
  std::vector<uint64_t> v;
  for (const fake::Seen &s : c.seen)
    if (s.addr == addr && s.api_key == api_key) v.push_back(s.at);
  return v;
}

void two_brokers(fake::Cluster &c, const EngineConfig &cfg) {
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  c.brokers.push_back(fake::Broker{2, "b2", 9092});
  c.start(cfg, {"b1:9092"});
  REQUIRE(engine_add_broker(c.e, 1, "b1", 9092) == 0);
  REQUIRE(engine_add_broker(c.e, 2, "b2", 9092) == 0);
}

// Log lines at INFO and above, as the engine's logger hands them over.
struct Lines {
  std::vector<std::string> msgs;
  Logger log;
  Engine *e;
  explicit Lines(Engine *engine) : e(engine) {
    log.level = UVK_LOG_INFO;
    log.fn = [](void *ud, const char *, int, const char *, const char *, const char *msg, const char *const *,
                size_t) { static_cast<Lines *>(ud)->msgs.push_back(msg); };
    log.ud = this;
    e->hooks.log = &log;
  }
  ~Lines() { e->hooks.log = nullptr; }  // the engine outlives this (it logs while closing)
  int count(const std::string &a, const std::string &b) const {
    int n = 0;
    for (const std::string &m : msgs) n += m.find(a) != std::string::npos && m.find(b) != std::string::npos;
    return n;
  }
};

const Conn *conn_to(const fake::Cluster &c, int32_t node) {
  for (const EngineConn *k = c.e->conns; k; k = k->next)
    if (k->node_id == node) return &k->conn;
  return nullptr;
}

}  // namespace

TEST_CASE("throttle: the next request to a throttling broker is written throttle_time_ms later; "
          "requests in flight and other brokers are not held back",
          "[engine][throttle]") {
  fake::Cluster c;
  two_brokers(c, fake::Cluster::default_config());
  c.brokers[0].throttles[proto::kMetadata] = {250};
  Lines lines(c.e);
  // Two at once: both are in flight before the first (throttled) answer arrives.
  Raw a, a2;
  send_metadata(c, 1, &a);
  send_metadata(c, 1, &a2);
  c.run_until([&] { return a.calls > 0 && a2.calls > 0; });
  CHECK(a.err == 0);
  CHECK(a2.err == 0);
  uint64_t t0 = c.now;
  REQUIRE(seen_at(c, "b1:9092", proto::kMetadata) == std::vector<uint64_t>{t0, t0});
  // Sent right after the throttled answer: b1's waits 250 ms, b2's goes at once.
  Raw b, d;
  send_metadata(c, 1, &b);
  send_metadata(c, 2, &d);
  c.pump();
  CHECK(d.calls == 1);
  CHECK(b.calls == 0);
  c.run_until([&] { return b.calls > 0; });
  CHECK(b.err == 0);
  CHECK(d.err == 0);
  CHECK(seen_at(c, "b1:9092", proto::kMetadata) == std::vector<uint64_t>{t0, t0, t0 + 250});
  CHECK(seen_at(c, "b2:9092", proto::kMetadata) == std::vector<uint64_t>{t0});
  CHECK(b.r.sent_at == t0 + 250);
  CHECK(b.r.created_at == t0);
  const Conn *k1 = conn_to(c, 1);
  REQUIRE(k1);
  CHECK(k1->throttles == 1);
  CHECK(k1->throttle_asked == 250);
  CHECK(lines.count("b1:9092", "250 ms asked") == 1);
  CHECK(lines.count("b1:9092", "holding back new requests for 250 ms") == 1);
  CHECK(lines.count("b2:9092", "throttles") == 0);
  CHECK(c.count(kEngineEventRequestTimeout) == 0);
  // Once the hold is over, requests go at once again.
  Raw e;
  send_metadata(c, 1, &e);
  c.pump();
  CHECK(e.calls == 1);
  CHECK(seen_at(c, "b1:9092", proto::kMetadata).back() == c.now);
}

TEST_CASE("throttle: INT32_MAX is capped at request_timeout_ms, and time held back does not "
          "count against a held request's timeout",
          "[engine][throttle]") {
  fake::Cluster c;
  EngineConfig cfg = fake::Cluster::default_config();
  cfg.conn.request_timeout_ms = 1000;
  cfg.conn.max_in_flight = 1;
  two_brokers(c, cfg);
  c.brokers[0].throttles[proto::kMetadata] = {INT32_MAX, INT32_MAX};
  Lines lines(c.e);
  // b is queued before a's throttled answer arrives, d after b's: both are held the whole
  // request timeout, then written with a fresh one — answered, not timed out.
  Raw a, b;
  send_metadata(c, 1, &a);
  send_metadata(c, 1, &b);
  c.pump();
  CHECK(a.calls == 1);
  uint64_t t0 = c.now;
  CHECK(b.r.created_at == t0);
  c.run_until([&] { return b.calls > 0; });
  CHECK(b.err == 0);
  Raw d;
  send_metadata(c, 1, &d);
  c.run_until([&] { return d.calls > 0; });
  CHECK(d.err == 0);
  CHECK(seen_at(c, "b1:9092", proto::kMetadata) == std::vector<uint64_t>{t0, t0 + 1000, t0 + 2000});
  CHECK(c.count(kEngineEventRequestTimeout) == 0);
  const Conn *k1 = conn_to(c, 1);
  REQUIRE(k1);
  CHECK(k1->throttles == 2);
  CHECK(k1->throttle_asked == INT32_MAX);
  CHECK(lines.count("2147483647 ms asked", "holding back new requests for 1000 ms") == 2);
}

TEST_CASE("throttle: a negative or zero throttle_time_ms holds nothing back", "[engine][throttle]") {
  fake::Cluster c;
  two_brokers(c, fake::Cluster::default_config());
  c.brokers[0].throttles[proto::kMetadata] = {-5, 0, INT32_MIN};
  for (int i = 0; i < 3; i++) {
    Raw a;
    send_metadata(c, 1, &a);
    c.pump();  // no clock movement: answered at once every time
    CHECK(a.calls == 1);
    CHECK(a.err == 0);
  }
  uint64_t t0 = c.now;
  CHECK(seen_at(c, "b1:9092", proto::kMetadata) == std::vector<uint64_t>{t0, t0, t0});
  const Conn *k1 = conn_to(c, 1);
  REQUIRE(k1);
  CHECK(k1->throttles == 0);
}

TEST_CASE("throttle: a Produce response's throttle_time_ms (after the responses array) holds "
          "the producer's next request back",
          "[engine][throttle][producer]") {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  c.topics["t"] = fake::topic({1});
  c.brokers[0].throttles[proto::kProduce] = {300};
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  Producer *p = producer_new(c.e, ProducerConfig(), nullptr);
  REQUIRE(p);
  struct Sent {
    int calls = 0, code = 1;
  } s1, s2;
  auto on_sent = [](void *ud, const uvk_error *err, const uvk_record_metadata *, size_t) {
    Sent *s = static_cast<Sent *>(ud);
    s->calls++;
    s->code = err ? uvk_error_code(err) : 0;
  };
  uvk_message m1{nullptr, 0, "one", 3, 0, -1, nullptr, 0};
  uvk_message m2{nullptr, 0, "two", 3, 0, -1, nullptr, 0};
  uvk_topic_messages tm1{"t", &m1, 1}, tm2{"t", &m2, 1};
  uvk_send_options o;
  uvk_send_options_init(&o);
  REQUIRE(producer_send(p, &tm1, 1, o, on_sent, &s1, c.now) == 0);
  c.run_until([&] { return s1.calls > 0; });
  CHECK(s1.code == 0);
  uint64_t t0 = c.now;
  REQUIRE(seen_at(c, "b1:9092", proto::kProduce) == std::vector<uint64_t>{t0});
  REQUIRE(producer_send(p, &tm2, 1, o, on_sent, &s2, c.now) == 0);
  c.run_until([&] { return s2.calls > 0; });
  CHECK(s2.code == 0);
  CHECK(seen_at(c, "b1:9092", proto::kProduce) == std::vector<uint64_t>{t0, t0 + 300});
  CHECK(c.topics["t"].log[0] == std::vector<std::string>{"one", "two"});
  const Conn *k1 = conn_to(c, 1);
  REQUIRE(k1);
  CHECK(k1->throttles == 1);
  producer_free(p);
}

// ---- the offset table against the generated encoders ------------------------------------

namespace {

// A response of api key K at every version: where the conn peeks must hold the value, and a
// version the table calls field-less must encode the same bytes whatever the value.
template <class T>
void check_offsets(bool fixed_somewhere) {
  bool found = false;
  for (int16_t v = T::kMinVersion; v <= T::kMaxVersion; v++) {
    INFO("api key " << T::kApiKey << " v" << v);
    T with, without;
    with.throttle_time_ms = 0x12345678;
    Buf a, b;
    REQUIRE(proto::encode(&a, with, v) == 0);
    REQUIRE(proto::encode(&b, without, v) == 0);
    bool has = a.len != b.len || memcmp(a.data, b.data, a.len) != 0;
    int32_t at = throttle_field_offset(T::kApiKey, v);
    if (at >= 0) {
      found = true;
      REQUIRE(has);
      REQUIRE(a.len >= size_t(at) + 4);
      Reader r = reader_make(a.data + at, 4);
      CHECK(get_i32(&r) == 0x12345678);
    } else if (fixed_somewhere) {
      CHECK_FALSE(has);  // not an API the table leaves to its decoder: no field here
    }
    buf_free(&a);
    buf_free(&b);
  }
  CHECK(found == fixed_somewhere);
}

}  // namespace

TEST_CASE("throttle: throttle_field_offset matches every generated response version",
          "[engine][throttle]") {
#define FIXED(T) check_offsets<proto::T>(true)
  FIXED(AddOffsetsToTxnResponse); FIXED(AddPartitionsToTxnResponse); FIXED(AddRaftVoterResponse);
  FIXED(AlterClientQuotasResponse); FIXED(AlterConfigsResponse); FIXED(AlterPartitionReassignmentsResponse);
  FIXED(AlterReplicaLogDirsResponse); FIXED(AlterUserScramCredentialsResponse);
  FIXED(ConsumerGroupDescribeResponse); FIXED(ConsumerGroupHeartbeatResponse); FIXED(CreateAclsResponse);
  FIXED(CreatePartitionsResponse); FIXED(CreateTopicsResponse); FIXED(DeleteAclsResponse);
  FIXED(DeleteGroupsResponse); FIXED(DeleteRecordsResponse); FIXED(DeleteTopicsResponse);
  FIXED(DescribeAclsResponse); FIXED(DescribeClientQuotasResponse); FIXED(DescribeClusterResponse);
  FIXED(DescribeConfigsResponse); FIXED(DescribeGroupsResponse); FIXED(DescribeLogDirsResponse);
  FIXED(DescribeProducersResponse); FIXED(DescribeTopicPartitionsResponse);
  FIXED(DescribeTransactionsResponse); FIXED(DescribeUserScramCredentialsResponse);
  FIXED(ElectLeadersResponse); FIXED(EndTxnResponse); FIXED(ExpireDelegationTokenResponse);
  FIXED(FetchResponse); FIXED(FindCoordinatorResponse); FIXED(GetTelemetrySubscriptionsResponse);
  FIXED(HeartbeatResponse); FIXED(IncrementalAlterConfigsResponse); FIXED(InitProducerIdResponse);
  FIXED(JoinGroupResponse); FIXED(LeaveGroupResponse); FIXED(ListClientMetricsResourcesResponse);
  FIXED(ListGroupsResponse); FIXED(ListOffsetsResponse); FIXED(ListPartitionReassignmentsResponse);
  FIXED(ListTransactionsResponse); FIXED(MetadataResponse); FIXED(OffsetCommitResponse);
  FIXED(OffsetDeleteResponse); FIXED(OffsetFetchResponse); FIXED(OffsetForLeaderEpochResponse);
  FIXED(PushTelemetryResponse); FIXED(RemoveRaftVoterResponse); FIXED(RenewDelegationTokenResponse);
  FIXED(SyncGroupResponse); FIXED(TxnOffsetCommitResponse); FIXED(UnregisterBrokerResponse);
  FIXED(UpdateFeaturesResponse);
#undef FIXED
  // After variable-size fields: never peeked (Produce is reported by the producer).
  check_offsets<proto::ProduceResponse>(false);
  check_offsets<proto::ApiVersionsResponse>(false);
  check_offsets<proto::CreateDelegationTokenResponse>(false);
  check_offsets<proto::DescribeDelegationTokenResponse>(false);
}
