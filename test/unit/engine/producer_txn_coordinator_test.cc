// sendOffsets when a coordinator's broker goes down (the chaos soak's liveness finding,
// docs/reliability.md): a Metadata answer taken while the group coordinator's broker was down
// leaves it out of the broker list, and every later TxnOffsetCommit failed at once with
// UVK_ECONNECT (engine_send: unknown node) while the cached coordinator still named it, so a
// pipeline aborted every transaction. Here the scripted cluster takes a broker down (refused
// connections, left out of Metadata, FindCoordinator answering COORDINATOR_NOT_AVAILABLE for
// it), then moves its coordinators or brings it back; sendOffsets must wait, look the
// coordinator up again and succeed, within the transaction timeout.
#include "txn_rig.h"

using namespace uvk;
using txn_rig::Done;
using txn_rig::TxnRig;

TEST_CASE("sendOffsets: the group coordinator left the broker list while down and the group moved",
          "[producer][txn]") {
  TxnRig r;
  r.transaction(10);
  r.take_down(2);
  r.c.group_coordinator_node = 3;  // __consumer_offsets' partition elected a leader on node 3
  REQUIRE(producer_begin_transaction(r.p) == 0);
  Done d = r.send_offsets(20);
  CHECK(d.err == 0);  // was UVK_ECONNECT at once: the cached coordinator named a node no longer known
  CHECK(r.offset_commits.back() == "b3:9092");
  CHECK(r.end(true) == 0);
  CHECK(r.committed["in/0"] == 20);
  CHECK(r.end_commits == 2);
  CHECK(r.end_aborts == 0);
}

TEST_CASE("sendOffsets: the group coordinator left the broker list while down, then comes back",
          "[producer][txn]") {
  TxnRig r;
  r.transaction(10);
  r.take_down(2);
  REQUIRE(producer_begin_transaction(r.p) == 0);
  Done d;
  r.pending = &d;
  TxnOffset o{"in", 0, 20};
  REQUIRE(producer_send_offsets(r.p, "g", &o, 1, nullptr, [](void *ud, int err) {
    TxnRig *x = static_cast<TxnRig *>(ud);
    x->pending->calls++;
    x->pending->err = err;
  }, &r, r.c.now) == 0);
  // While node 2 is down its coordinator is not available: the client asks, and asks again.
  const size_t before = r.find_coordinator_requests();
  r.c.run_until([&] { return d.calls > 0 || r.find_coordinator_requests() >= before + 3; });
  CHECK(d.calls == 0);  // was: failed at once with UVK_ECONNECT, no FindCoordinator asked
  r.bring_back(2);
  r.c.run_until([&] { return d.calls > 0; });
  CHECK(d.err == 0);
  CHECK(r.offset_commits.back() == "b2:9092");
  CHECK(r.end(true) == 0);
  CHECK(r.committed["in/0"] == 20);
  CHECK(r.end_aborts == 0);
}

TEST_CASE("sendOffsets: the group coordinator refuses connections past the retry count, within the "
          "transaction timeout", "[producer][txn]") {
  TxnRig r;
  r.transaction(10);
  // Node 2 restarts: still listed, it refuses the next 6 connections (1 + retry.retries 5
  // attempts of the retry policy alone), then accepts.
  for (fake::Conn &k : r.c.conns)
    if (!k.closed && k.host == "b2") {
      k.closed = true;
      engine_on_conn_error(r.c.e, k.id, UVK_ECLOSED, r.c.now);
    }
  r.c.brokers[1].refuse = 6;
  REQUIRE(producer_begin_transaction(r.p) == 0);
  Done d = r.send_offsets(20);
  CHECK(d.err == 0);  // was UVK_ECONNECT once the retry count was spent
  CHECK(r.c.brokers[1].refuse == 0);
  CHECK(r.offset_commits.back() == "b2:9092");
  CHECK(r.end(true) == 0);
  CHECK(r.committed["in/0"] == 20);
}

TEST_CASE("sendOffsets: a group coordinator that never comes back fails the call once the "
          "transaction timeout has passed", "[producer][txn]") {
  TxnRig r(20000);
  r.transaction(10);
  r.take_down(2);
  REQUIRE(producer_begin_transaction(r.p) == 0);
  const uint64_t start = r.c.now;
  const size_t before = r.find_coordinator_requests();
  Done d = r.send_offsets(20);
  CHECK(d.err != 0);
  // Looked up again and again, past one lookup's retries (1 + retry.retries 5 requests)...
  CHECK(r.find_coordinator_requests() > before + 6);
  // ... until the 20 s passed: the call ends by then, a lookup under way included
  // (producer_txn_deadline_test.cc).
  CHECK(d.at >= start + 10000);
  CHECK(d.at <= start + 20000);
  CHECK(r.end(false) == 0);  // the abort still goes through
  CHECK(r.end_aborts == 1);
  CHECK(r.committed["in/0"] == 10);
}

TEST_CASE("sendOffsets: the transaction coordinator left the broker list while down and moved",
          "[producer][txn]") {
  TxnRig r;
  r.transaction(10);
  r.take_down(1);
  r.c.coordinator_node = 3;  // __transaction_state's partition moved to node 3
  REQUIRE(producer_begin_transaction(r.p) == 0);
  Done d = r.send_offsets(20);
  CHECK(d.err == 0);  // AddOffsetsToTxn went to the forgotten node 1: UVK_ECONNECT at once
  CHECK(r.end(true) == 0);
  CHECK(r.committed["in/0"] == 20);
  CHECK(r.end_commits == 2);
}

TEST_CASE("a transaction's record, offsets and commit: the transaction coordinator left the broker "
          "list while down and moved", "[producer][txn]") {
  TxnRig r;
  r.transaction(10);
  r.take_down(1);
  r.c.coordinator_node = 3;
  REQUIRE(producer_begin_transaction(r.p) == 0);
  const char *names[] = {"out"};
  Done md;
  REQUIRE(metadata_ensure(r.c.e, names, 1, [](void *ud, const uvk_error *) { static_cast<Done *>(ud)->calls++; },
                          &md, r.c.now) == 0);
  r.c.run_until([&] { return md.calls > 0; });
  uvk_message m{nullptr, 0, "v", 1, 0, -1, nullptr, 0};
  uvk_topic_messages tm{"out", &m, 1};
  uvk_send_options o;
  uvk_send_options_init(&o);
  Done sent;
  REQUIRE(producer_send(r.p, &tm, 1, o, [](void *ud, const uvk_error *err, const uvk_record_metadata *, size_t) {
    Done *x = static_cast<Done *>(ud);
    x->calls++;
    x->err = err ? uvk_error_code(err) : 0;
  }, &sent, r.c.now) == 0);
  r.c.run_until([&] { return sent.calls > 0; });
  CHECK(sent.err == 0);  // AddPartitionsToTxn found the new coordinator
  REQUIRE(!r.partitions_added.empty());
  CHECK(r.partitions_added.back() == "b3:9092");
  Done d = r.send_offsets(20);
  CHECK(d.err == 0);
  CHECK(r.end(true) == 0);  // EndTxn at node 3
  CHECK(r.end_commits == 2);
  CHECK(r.committed["in/0"] == 20);
  CHECK(r.c.topics["out"].log[0] == std::vector<std::string>{"v"});
}
