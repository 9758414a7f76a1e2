// Every transactional step ends within transactionTimeout of its start (docs/producer.md,
// "Deadlines"): send_offsets (its coordinator lookups and requests included), commit / abort
// (EndTxn) and AddPartitionsToTxn (the sends that wait for it). Each case makes a step fail or
// go unanswered past the deadline on the scripted cluster: the call ends at the deadline with
// UVK_ETIMEDOUT (or its last error), an answer arriving later changes nothing, and the
// transaction can still be ended.
#include "txn_rig.h"

using namespace uvk;
using txn_rig::Done;
using txn_rig::TxnRig;

namespace {

const int32_t kTimeout = 20000;

struct Sent {
  int calls = 0;
  int err = 1;
  int cause_kafka = 0;  // the Kafka code of the error's cause, 0: none
  uint64_t at = 0;
  TxnRig *rig = nullptr;
};

void ensure_out(TxnRig &r) {
  const char *names[] = {"out"};
  Done md;
  REQUIRE(metadata_ensure(r.c.e, names, 1, [](void *ud, const uvk_error *) { static_cast<Done *>(ud)->calls++; },
                          &md, r.c.now) == 0);
  r.c.run_until([&] { return md.calls > 0; });
}

// One record to "out" (partition 0, led by node 2) in the open transaction.
void send_record(TxnRig &r, const char *value, Sent *s) {
  s->rig = &r;
  uvk_message m{nullptr, 0, value, strlen(value), 0, -1, nullptr, 0};
  uvk_topic_messages tm{"out", &m, 1};
  uvk_send_options o;
  uvk_send_options_init(&o);
  REQUIRE(producer_send(r.p, &tm, 1, o, [](void *ud, const uvk_error *err, const uvk_record_metadata *, size_t) {
    Sent *x = static_cast<Sent *>(ud);
    x->calls++;
    x->err = err ? uvk_error_code(err) : 0;
    const uvk_error *cause = err ? uvk_error_cause(err) : nullptr;
    x->cause_kafka = cause ? uvk_error_kafka_code(cause) : 0;
    x->at = x->rig->c.now;
  }, s, r.c.now) == 0);
}

// How the cases start (all but the first, which takes a broker down in between): one transaction
// committed with offset 10 (the producer id and both coordinators are known), then the next one
// begun, holding offset 20 already (kWithOffsets) or, for the cases that send a record, with the
// leader of "out" known first (kForRecords).
enum Begun { kEmpty, kWithOffsets, kForRecords };

void begin_second(TxnRig &r, Begun what) {
  r.transaction(10);
  if (what == kForRecords) ensure_out(r);
  REQUIRE(producer_begin_transaction(r.p) == 0);
  if (what == kWithOffsets) REQUIRE(r.send_offsets(20).err == 0);
}

size_t requests_after(const TxnRig &r, int16_t key, uint64_t after) {
  size_t n = 0;
  for (const fake::Seen &s : r.c.seen) n += s.api_key == key && s.at > after;
  return n;
}

}  // namespace

TEST_CASE("deadline: send_offsets ends at its deadline while a group coordinator lookup is retrying",
          "[producer][txn]") {
  TxnRig r(kTimeout);
  r.transaction(10);
  r.take_down(2);  // FindCoordinator answers COORDINATOR_NOT_AVAILABLE for group "g" from now on
  REQUIRE(producer_begin_transaction(r.p) == 0);
  const uint64_t start = r.c.now;
  Done d;
  r.send_offsets_async(20, &d);
  r.c.advance(2 * kTimeout);
  REQUIRE(d.calls == 1);
  CHECK(d.err != 0);
  CHECK(d.at <= start + kTimeout);  // was up to 40 s: the lookup under way ran its own retries out
  CHECK(requests_after(r, proto::kFindCoordinator, d.at) == 0);  // the lookup was withdrawn
  CHECK(r.end(false) == 0);
  CHECK(r.committed["in/0"] == 10);
}

TEST_CASE("deadline: a TxnOffsetCommit unanswered at the deadline ends send_offsets then; its late "
          "answer changes nothing and the commit waits for a send_offsets that succeeds",
          "[producer][txn]") {
  TxnRig r(kTimeout);
  begin_second(r, kEmpty);
  r.hold.insert(proto::kTxnOffsetCommit);  // the group coordinator stores it; its answer is late
  const uint64_t start = r.c.now;
  Done d;
  r.send_offsets_async(20, &d);
  r.c.advance(kTimeout);
  CHECK(d.calls == 1);  // was: after the 30 s request timeout
  CHECK(d.err == UVK_ETIMEDOUT);
  CHECK(d.at == start + kTimeout);
  REQUIRE(r.held.size() == 1);
  r.hold.clear();
  r.release_held();  // the success arrives now
  CHECK(d.calls == 1);
  // Whether the offsets are in the transaction is not known here: no commit until a
  // send_offsets succeeds (was: the late answer completed the call and the commit went ahead).
  CHECK(r.end(true) == UVK_ESTATE);
  Done again = r.send_offsets(21);
  CHECK(again.err == 0);
  CHECK(r.end(true) == 0);
  CHECK(r.committed["in/0"] == 21);
}

TEST_CASE("deadline: a commit whose EndTxn gets CONCURRENT_TRANSACTIONS past the deadline fails with "
          "UVK_ETIMEDOUT then and the transaction stays open; committing again succeeds",
          "[producer][txn]") {
  TxnRig r(kTimeout);
  begin_second(r, kWithOffsets);
  r.inject[proto::kEndTxn] = {51, -1};  // CONCURRENT_TRANSACTIONS, retriable, for ever
  const uint64_t start = r.c.now;
  Done d;
  r.end_async(true, &d);
  r.c.advance(2 * kTimeout);
  REQUIRE(d.calls == 1);  // was: retried without end
  CHECK(d.err == UVK_ETIMEDOUT);
  CHECK(d.at == start + kTimeout);
  CHECK(requests_after(r, proto::kEndTxn, d.at) == 0);
  CHECK(producer_begin_transaction(r.p) == UVK_ESTATE);  // still the same transaction
  r.inject.clear();
  CHECK(r.end(true) == 0);
  CHECK(r.end_commits == 2);
  CHECK(r.committed["in/0"] == 20);
}

TEST_CASE("deadline: an abort while the transaction coordinator is down fails at its deadline; "
          "aborting again once it is back succeeds", "[producer][txn]") {
  TxnRig r(kTimeout);
  begin_second(r, kWithOffsets);
  r.take_down(1);  // not moved: FindCoordinator answers COORDINATOR_NOT_AVAILABLE for "tx"
  const uint64_t start = r.c.now;
  Done d;
  r.end_async(false, &d);
  r.c.advance(2 * kTimeout);
  REQUIRE(d.calls == 1);  // was: looked up for ever
  CHECK(d.err == UVK_ETIMEDOUT);
  CHECK(d.at == start + kTimeout);
  r.bring_back(1);
  CHECK(r.end(false) == 0);
  CHECK(r.end_aborts == 1);
  CHECK(r.end_commits == 1);
}

TEST_CASE("deadline: a commit whose EndTxn is unanswered at the deadline fails then; the late answer "
          "changes nothing and committing again succeeds", "[producer][txn]") {
  TxnRig r(kTimeout);
  begin_second(r, kWithOffsets);
  r.hold.insert(proto::kEndTxn);
  const uint64_t start = r.c.now;
  const int ends = r.c.requests[proto::kEndTxn];
  Done d;
  r.end_async(true, &d);
  r.c.advance(kTimeout);
  REQUIRE(d.calls == 1);  // was: waited for the 30 s request timeout, then tried again
  CHECK(d.err == UVK_ETIMEDOUT);
  CHECK(d.at == start + kTimeout);
  REQUIRE(r.held.size() == 1);
  r.hold.clear();
  r.release_held();  // the coordinator's success, late
  CHECK(d.calls == 1);
  CHECK(producer_begin_transaction(r.p) == UVK_ESTATE);  // the late answer did not end it
  CHECK(r.end(true) == 0);
  CHECK(r.c.requests[proto::kEndTxn] == ends + 2);  // the late one and the new one
}

TEST_CASE("deadline: AddPartitionsToTxn answered CONCURRENT_TRANSACTIONS past the deadline fails the "
          "send that needed it; the abort needs no EndTxn and the next transaction commits",
          "[producer][txn]") {
  TxnRig r(kTimeout);
  begin_second(r, kForRecords);
  r.inject[proto::kAddPartitionsToTxn] = {51, -1};
  const uint64_t start = r.c.now;
  Sent s;
  send_record(r, "v", &s);
  r.c.advance(2 * kTimeout);
  REQUIRE(s.calls == 1);  // was: retried without end, the send never completed
  CHECK(s.err == UVK_ETIMEDOUT);
  CHECK(s.cause_kafka == 51);
  CHECK(s.at == start + kTimeout);
  CHECK(requests_after(r, proto::kAddPartitionsToTxn, s.at) == 0);
  CHECK(r.c.topics["out"].log[0].empty());
  CHECK(r.end(true) == UVK_ESTATE);  // a failed send: abort only
  const size_t ends = requests_after(r, proto::kEndTxn, 0);
  CHECK(r.end(false) == 0);
  CHECK(requests_after(r, proto::kEndTxn, 0) == ends);  // every AddPartitionsToTxn was refused
  r.inject.clear();
  REQUIRE(producer_begin_transaction(r.p) == 0);
  Sent w;
  send_record(r, "w", &w);
  r.c.run_until([&] { return w.calls > 0; });
  CHECK(w.err == 0);
  CHECK(r.end(true) == 0);
  CHECK(r.c.topics["out"].log[0] == std::vector<std::string>{"w"});
}

TEST_CASE("deadline: AddPartitionsToTxn unanswered at the deadline fails the send; its late answer "
          "changes nothing; the abort ends what the broker may hold", "[producer][txn]") {
  TxnRig r(kTimeout);
  begin_second(r, kForRecords);
  r.hold.insert(proto::kAddPartitionsToTxn);
  const uint64_t start = r.c.now;
  Sent s;
  send_record(r, "v", &s);
  r.c.advance(kTimeout);
  REQUIRE(s.calls == 1);  // was: waited for the 30 s request timeout, then tried again
  CHECK(s.err == UVK_ETIMEDOUT);
  CHECK(s.at == start + kTimeout);
  REQUIRE(r.held.size() == 1);
  r.hold.clear();
  r.release_held();  // the partition was added, late
  CHECK(s.calls == 1);
  CHECK(r.c.topics["out"].log[0].empty());
  // The partition may be in the transaction at the coordinator: the abort sends EndTxn. A v1
  // coordinator with no transaction open answers INVALID_TXN_STATE, which means nothing to abort.
  r.inject[proto::kEndTxn] = {48, 1};
  const size_t ends = requests_after(r, proto::kEndTxn, 0);
  CHECK(r.end(false) == 0);
  CHECK(requests_after(r, proto::kEndTxn, 0) == ends + 1);
  // The late answer did not mark the partition added: the next transaction adds it again.
  const size_t added = r.partitions_added.size();
  REQUIRE(producer_begin_transaction(r.p) == 0);
  Sent w;
  send_record(r, "w", &w);
  r.c.run_until([&] { return w.calls > 0; });
  CHECK(w.err == 0);
  CHECK(r.partitions_added.size() == added + 1);
  CHECK(r.end(true) == 0);
  CHECK(r.c.topics["out"].log[0] == std::vector<std::string>{"w"});
}

// A broker stopped (SIGSTOP) keeps its connections and answers nothing, while the cluster moves
// its coordinators elsewhere: a step given up at its deadline with its request unanswered forgets
// that coordinator, so the next call looks it up again instead of waiting on the silent broker.
// The transaction timeout is shorter than the request timeout (30 s) here, as in
// test/integration/fault_coordinator_test.cc: the first request has not timed out (and broken
// its connection) by the second call's deadline.
const int32_t kShortTimeout = 8000;

size_t requests_at(const TxnRig &r, int16_t key, uint64_t after, const std::string &addr) {
  size_t n = 0;
  for (const fake::Seen &s : r.c.seen) n += s.api_key == key && s.at > after && s.addr == addr;
  return n;
}

TEST_CASE("deadline: after a commit whose EndTxn went unanswered, the next commit looks the coordinator "
          "up again and reaches the new one", "[producer][txn]") {
  TxnRig r(kShortTimeout);
  begin_second(r, kWithOffsets);
  r.hold.insert(proto::kEndTxn);
  r.hold_only_at = {r.addr(1)};  // node 1 answers nothing from now on
  Done d;
  r.end_async(true, &d);
  r.c.advance(kShortTimeout);
  REQUIRE(d.calls == 1);
  CHECK(d.err == UVK_ETIMEDOUT);
  const uint64_t first = d.at;
  r.c.coordinator_node = 3;  // the cluster moved the transaction coordinator
  const size_t lookups = r.find_coordinator_requests();
  Done again;
  r.end_async(true, &again);
  r.c.advance(kShortTimeout);
  REQUIRE(again.calls == 1);
  CHECK(again.err == 0);  // was: UVK_ETIMEDOUT, its EndTxn sent to the silent node 1 again
  CHECK(r.find_coordinator_requests() > lookups);
  CHECK(requests_at(r, proto::kEndTxn, first, r.addr(1)) == 0);
  CHECK(requests_at(r, proto::kEndTxn, first, r.addr(3)) == 1);
}

TEST_CASE("deadline: after a send_offsets whose TxnOffsetCommit went unanswered, the next one looks the "
          "group coordinator up again and reaches the new one", "[producer][txn]") {
  TxnRig r(kShortTimeout);
  begin_second(r, kEmpty);
  r.hold.insert(proto::kTxnOffsetCommit);
  r.hold_only_at = {r.addr(2)};  // group "g"'s coordinator answers nothing from now on
  Done d;
  r.send_offsets_async(20, &d);
  r.c.advance(kShortTimeout);
  REQUIRE(d.calls == 1);
  CHECK(d.err == UVK_ETIMEDOUT);
  const uint64_t first = d.at;
  r.c.group_coordinator_node = 3;
  Done again;
  r.send_offsets_async(30, &again);
  r.c.advance(kShortTimeout);
  REQUIRE(again.calls == 1);
  CHECK(again.err == 0);  // was: UVK_ETIMEDOUT, sent to the silent node 2 again
  CHECK(requests_at(r, proto::kTxnOffsetCommit, first, r.addr(2)) == 0);
  CHECK(r.committed["in/0"] == 30);
  CHECK(r.end(true) == 0);
}

TEST_CASE("deadline: after an AddPartitionsToTxn that went unanswered, the next one looks the coordinator "
          "up again and reaches the new one", "[producer][txn]") {
  TxnRig r(kShortTimeout);
  begin_second(r, kForRecords);
  r.hold.insert(proto::kAddPartitionsToTxn);
  r.hold_only_at = {r.addr(1)};
  Sent s;
  send_record(r, "v", &s);
  r.c.advance(kShortTimeout);
  REQUIRE(s.calls == 1);
  CHECK(s.err == UVK_ETIMEDOUT);
  const uint64_t first = s.at;
  r.c.coordinator_node = 3;
  // The failed send leaves the transaction abortable; the abort (EndTxn: the partition may have
  // joined) and the next transaction's AddPartitionsToTxn go to the new coordinator.
  CHECK(r.end(false) == 0);
  REQUIRE(producer_begin_transaction(r.p) == 0);
  Sent w;
  send_record(r, "w", &w);
  r.c.run_until([&] { return w.calls > 0; });
  CHECK(w.err == 0);
  CHECK(r.end(true) == 0);
  CHECK(requests_at(r, proto::kAddPartitionsToTxn, first, r.addr(1)) == 0);
  CHECK(requests_at(r, proto::kEndTxn, first, r.addr(1)) == 0);
  CHECK(r.c.topics["out"].log[0] == std::vector<std::string>{"w"});
}
