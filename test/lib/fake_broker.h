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
#pragma once
#include <stdint.h>

#include <deque>
#include <map>
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

  // API key (kFindCoordinator, kJoinGroup, kSyncGroup, kHeartbeat, kOffsetCommit) -> error
  // codes for its next requests, one per request, whichever broker gets it (an OffsetCommit
  // gets it on every partition). A JoinGroup answered MEMBER_ID_REQUIRED (79) carries the
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
};

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
