// A fake Kafka broker on a libuv loop, for tests that need the client's real socket path
// without a cluster. It listens on 127.0.0.1 (an ephemeral port) and answers, with the
// library's own generated encoders, just enough Kafka for the public client: ApiVersions,
// Metadata (one topic, its partitions led by the brokers of a shared FakeCluster), Produce,
// Fetch, ListOffsets and the classic group protocol (FindCoordinator, JoinGroup, SyncGroup,
// Heartbeat, OffsetFetch, OffsetCommit, LeaveGroup), so producers and consumers both run, and
// SaslHandshake / SaslAuthenticate accepting anything (the client's SASL callbacks run).
//
// Per test it misbehaves once on a chosen request: the response to the next request of
// `mischief_api` is corrupted in the way `mischief` says (a frame cut short before the
// broker closes, an absurd or negative frame length, a wrong correlation id, a negative
// array count patched into the body), or the next Fetch of partition 0 returns the bytes
// in `fetch_records_once` instead of its log. Every client connection that closes from the
// client's side is counted, so a test sees the client hang up on the hostile broker.
//
// A cluster can also answer the next FindCoordinator / JoinGroup / SyncGroup / Heartbeat /
// OffsetCommit requests with broker error codes (`inject_errors`), in well-formed responses,
// and records every join-protocol request it saw (`group_requests`), so a test can follow
// the client's group protocol.
//
// Files: fake_broker.cc the socket core (framing, answer queue, mischief); fake_answer.h what
// the answering files share; fake_metadata.cc, fake_log.cc, fake_group.cc, fake_share.cc the
// answers per API family.
#pragma once
#include <stdint.h>

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <uv.h>

namespace uvk_test {

enum Mischief {
  kMischiefNone,
  kMischiefTruncate,         // the size prefix says 1000 bytes more than are sent; then close
  kMischiefLength2G,         // the size prefix is 0x7fffffff (the body follows, short of it)
  kMischiefNegativeLength,   // the size prefix is negative
  kMischiefWrongCorrelation, // the response names another correlation id
  kMischiefNegativeArray,    // int32 -2 written at `mischief_offset` of the body
};

struct FakeBroker;

// What the brokers of one fake cluster share: who they are and who leads what.
struct FakeCluster {
  std::string topic = "hostile";
  std::vector<FakeBroker *> brokers;
  std::vector<int32_t> leaders;  // partition i's leader (node id)
  int32_t coordinator = -1;      // node id answering FindCoordinator with itself

  // API key (kFindCoordinator, kJoinGroup, kSyncGroup, kHeartbeat, kOffsetCommit,
  // kOffsetFetch, kDescribeGroups) -> error codes for its next requests, one per request, whichever broker gets
  // it (an OffsetCommit or OffsetFetch gets it on every partition). A JoinGroup answered MEMBER_ID_REQUIRED (79) carries the
  // member id this cluster hands out (KIP-394).
  std::map<int, std::deque<int16_t>> inject_errors;
  // FindCoordinator, JoinGroup and SyncGroup requests, in arrival order.
  struct GroupRequest {
    int16_t api_key;
    int32_t node_id;        // the broker that got it
    std::string member_id;  // as sent (empty for FindCoordinator)
    int16_t error;          // the code it was answered with
  };
  std::vector<GroupRequest> group_requests;
  std::string join_instance_id;  // group_instance_id of the latest JoinGroup ("" when null)
  // DescribeGroups listed in ApiVersions and answered (each group asked: "Empty", or the
  // injected error); off by default, so a describe elsewhere fails as it always did.
  bool describe_groups = false;
  // Classic groups with other members (KIP-429 tests): when set, JoinGroup makes this member a
  // follower of another leader at the next generation (classic_generation, shared by the
  // brokers), held classic_join_hold_ms, and SyncGroup hands it classic_assign(generation),
  // partitions of `topic`. Both are journaled: "join <protocol> gen=<the subscription's
  // generation> owned=0,1" (its first protocol's metadata) and "sync gen=2 assigned=0".
  std::function<std::vector<int32_t>(int32_t generation)> classic_assign;
  int32_t classic_generation = 0;
  uint64_t classic_join_hold_ms = 0;

  // ConsumerGroupHeartbeat (KIP-848): every request is recorded and answered by cg_script
  // (without one: UNSUPPORTED_VERSION). Partitions are those of `topic`, named by topic_id.
  struct CgRequest {
    int32_t node_id;
    std::string member_id;
    int32_t epoch;
    bool owned_sent;              // topic_partitions not null
    std::vector<int32_t> owned;   // of `topic`
    std::vector<std::string> names;
    std::string regex, assignor, rack;
    int32_t rebalance_timeout;
  };
  struct CgReply {
    int16_t error = 0;
    std::string member_id;        // empty: none (the client's own id stands)
    int32_t epoch = 0;
    int32_t interval_ms = 60000;  // long: tests send the next heartbeat by assignment changes
    bool assign = false;          // carries an assignment: `partitions` of `topic`
    std::vector<int32_t> partitions;
    bool park_until_commit = false;  // answered only once an OffsetCommit arrives after it
  };
  std::function<CgReply(const CgRequest &)> cg_script;
  std::vector<CgRequest> cg_requests;
  uint8_t topic_id[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 1, 2, 3, 4, 5, 6, 7, 8};
  bool metadata_topic_ids = true;  // false: Metadata answers name `topic` without its id
  int16_t metadata_max_version = 8;  // 12: topic ids in Metadata (the consumer protocol needs them)
  // Fetch up to 11 by default (fields at fixed offsets for the hostile tests); 13+ names the
  // topic by topic_id, 16+ carries KIP-951's node endpoints.
  int16_t fetch_max_version = 11;
  // >= 0: a Fetch's NOT_LEADER_OR_FOLLOWER names the partition's leader with this epoch (and,
  // v16+, its endpoint), as KIP-951 brokers do; -1: it names none.
  int32_t fetch_named_leader_epoch = -1;
  // OffsetCommit (committed offsets by partition, the epoch / generation sent) and
  // ConsumerGroupHeartbeat ("cgh") in arrival order, e.g. "commit epoch=3 0=5 1=7",
  // "cgh epoch=3 owned=0,1".
  std::vector<std::string> journal;
  std::map<int32_t, int64_t> committed;  // the latest committed offset per partition
  std::map<int32_t, std::optional<std::string>> committed_metadata;  // and its metadata (nullopt: null)
  // While park_fetches is set, a Fetch answer that carries records is parked (not written)
  // until fake_cluster_release_fetches; parked_fetches counts them. journal_fetches: each
  // Fetch goes into the journal as "fetch <node> <partition>@<offset>,...".
  bool park_fetches = false;
  int parked_fetches = 0;
  bool journal_fetches = false;
  bool offset_fetch_committed = false;   // OffsetFetch answers `committed` (else always 0)
  // Partition -> error codes for its next ListOffsets answers, one per request that names it
  // (ListOffsets answers the log's start for earliest, its end for latest).
  std::map<int32_t, std::deque<int16_t>> list_offsets_errors;
  // Called with the broker as each Fetch arrives, before it is answered (a test produces
  // "once the consumer fetches").
  std::function<void(FakeBroker *)> on_fetch;

  // Share groups (KIP-932, fake_share.cc). ShareGroupHeartbeat is answered by share_script
  // (without one: epoch max(1, the member's), every partition of `topic`); a leave (epoch -1)
  // releases the member's records. ShareFetch / ShareAcknowledge work on a share-partition
  // state per partition of `topic` kept here, shared by the brokers (a test moves a leader
  // and the state stays: the persister's view), with share sessions per member and broker.
  struct ShareHbRequest {
    int32_t node_id;
    std::string member_id;
    int32_t epoch;
    std::vector<std::string> names;
  };
  struct ShareHbReply {
    int16_t error = 0;
    int32_t epoch = 1;
    int32_t interval_ms = 60000;
    bool assign = true;
    std::vector<int32_t> partitions = {0};
  };
  std::function<ShareHbReply(const ShareHbRequest &)> share_script;
  std::vector<ShareHbRequest> share_hb_requests;
  enum ShareState { kAvailable, kAcquired, kAcknowledged, kArchived };
  struct ShareRecord {
    ShareState state = kAvailable;
    std::string member;
    int16_t deliveries = 0;
  };
  std::map<int32_t, std::vector<ShareRecord>> share_records;  // per partition, by offset
  int16_t share_delivery_limit = 5;
  int32_t share_max_records = 0;  // > 0: a fetch acquires at most this many per partition
  std::function<void(std::vector<uint8_t> *)> share_batch_edit;  // set: edits the next ShareFetch batch, once
  struct ShareAckSeen {
    int32_t partition;
    int64_t first, last;
    int8_t type;
  };
  // ShareFetch / ShareAcknowledge requests in arrival order.
  struct ShareReq {
    int16_t api_key;
    int32_t node_id;
    std::string member_id;
    int32_t epoch;
    std::vector<ShareAckSeen> acks;
    std::vector<int32_t> listed, forgotten;
    bool renew;
    int16_t error;  // top-level answer
  };
  std::vector<ShareReq> share_requests;
  std::map<std::pair<std::string, int32_t>, int32_t> share_epochs;  // (member, node) -> next epoch
  std::map<std::pair<std::string, int32_t>, std::vector<int32_t>> share_session_parts;
};

// The acquisition lock of every acquired record runs out (the broker's timer, without
// waiting for it): each goes back to available, or is archived at the delivery-count limit.
void fake_share_expire(FakeCluster *cl);
// The member's acquired records go back (it left or was fenced).
void fake_share_release_member(FakeCluster *cl, const std::string &member);

// Writes every parked Fetch answer (park_fetches) of every broker of the cluster.
void fake_cluster_release_fetches(FakeCluster *cl);

struct FakeBrokerConn;

struct FakeBroker {
  uv_loop_t *loop = nullptr;
  FakeCluster *cluster = nullptr;
  int32_t node_id = 0;
  uint16_t port = 0;
  uv_tcp_t server;
  std::vector<FakeBrokerConn *> conns;  // open ones

  // Misbehave once: on the next response to mischief_api (a Kafka api key; -1: never).
  int mischief_api = -1;
  Mischief mischief = kMischiefNone;
  size_t mischief_offset = 0;   // kMischiefNegativeArray: body offset (after the correlation id)
  // Served instead of partition 0's log by the next Fetch that asks for it (once).
  std::vector<uint8_t> fetch_records_once;
  int mischief_done = 0;        // how many times it misbehaved

  // What it saw.
  std::map<int, int> requests;  // api key -> requests received
  std::map<int, int16_t> request_versions;  // api key -> version of the latest one
  std::vector<int32_t> fetch_max_waits;     // each Fetch's max_wait_ms, in arrival order
  int accepted = 0;             // client connections accepted
  int client_closes = 0;        // connections the client closed (EOF or reset)
  int broker_closes = 0;        // connections this broker closed (kMischiefTruncate)
  // Partition logs: the values stored per partition (by Produce, or preset by the test).
  std::map<int32_t, std::vector<std::string>> log;
};

// Listens on 127.0.0.1:0 and joins the cluster. 0 or a libuv error.
int fake_broker_start(FakeBroker *b, uv_loop_t *loop, FakeCluster *cluster, int32_t node_id);
// Closes the listener and every connection; run the loop afterwards to let the handles go.
void fake_broker_stop(FakeBroker *b);

}  // namespace uvk_test
