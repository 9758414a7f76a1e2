// Faults in the real 3-node cluster (fault_rig.h): the group coordinator killed while a second
// member joins, the transaction coordinator killed mid-transaction, and stopped during a commit.
#include "fault_stream.h"

using namespace fault_it;

// ---- 3. the group coordinator killed during a rebalance ---------------------------------

namespace {

struct Member {
  uvk_consumer *c = nullptr;
  int joins = 0, rebalancing = 0;
  int32_t generation = -1;
  std::vector<int32_t> assignment;
  std::vector<long> values;
  bool stopped = false;
  int stop_code = 1;
  std::string crash;

  Member(Rig &rig, const std::string &group, const std::string &topic) {
    uvk_config *cfg = uvk_config_new();
    char err[256];
    REQUIRE(uvk_config_set(cfg, "groupId", group.c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "maxWaitTimeInMs", "200", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "heartbeatInterval", "500", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "sessionTimeout", "10000", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "rebalanceTimeout", "15000", err, sizeof err) == 0);
    REQUIRE(uvk_consumer_new(rig.client, cfg, &c) == 0);
    uvk_config_free(cfg);
    REQUIRE(uvk_consumer_subscribe(c, topic.c_str(), 1) == 0);
    REQUIRE(uvk_consumer_on(c, UVK_EVENT_GROUP_JOIN, [](void *ud, const uvk_event *ev) {
      Member *m = static_cast<Member *>(ud);
      const uvk_event_group_join *j = static_cast<const uvk_event_group_join *>(ev->payload);
      m->joins++;
      m->generation = uvk_consumer_generation(m->c);
      m->assignment.clear();
      for (size_t i = 0; i < j->n_assignment; i++) m->assignment.push_back(j->assignment[i].partition);
      wake();
    }, this) > 0);
    REQUIRE(uvk_consumer_on(c, UVK_EVENT_REBALANCING, [](void *ud, const uvk_event *) {
      static_cast<Member *>(ud)->rebalancing++;
      wake();
    }, this) > 0);
    REQUIRE(uvk_consumer_on(c, UVK_EVENT_CRASH, [](void *ud, const uvk_event *ev) {
      const uvk_event_crash *cr = static_cast<const uvk_event_crash *>(ev->payload);
      if (cr->restart) return;  // retriable: the consumer starts again by itself
      char text[512];
      uvk_error_format(cr->error, text, sizeof text);
      static_cast<Member *>(ud)->crash = text;
      wake();
    }, this) > 0);
  }
  void run() {
    uvk_run_options o;
    uvk_run_options_init(&o);
    o.ud = this;
    o.each_message = [](uvk_consumer *, const uvk_batch *, const uvk_consumer_message *m, void *ud) -> int {
      std::string v(static_cast<const char *>(m->value), m->value_len);
      if (v != "marker") static_cast<Member *>(ud)->values.push_back(atol(v.c_str()));  // Stream's first message
      wake();
      return 0;
    };
    REQUIRE(uvk_consumer_run(c, &o) == 0);
  }
  void stop(Rig &rig) {
    REQUIRE(uvk_consumer_stop(c, [](uvk_consumer *, const uvk_error *e, void *ud) {
      Member *m = static_cast<Member *>(ud);
      m->stopped = true;
      m->stop_code = e ? uvk_error_code(e) : 0;
      wake();
    }, this) == 0);
    rig.until([&] { return stopped; });
  }
  ~Member() { uvk_consumer_free(c); }
};

}  // namespace

TEST_CASE("faults: the group coordinator killed while a second member joins", "[integration3]") {
  const int n = 6000, partitions = 6;
  Rig rig;
  wait_healthy(rig);
  NodeGuard guard;
  std::string topic = uniq("uvk-it-fault-group"), group = uniq("uvk-it-fault-group");
  {
    Admin ad(rig);
    AdminReply r;
    create_topic(ad, topic, partitions, &r);
    rig.until([&] { return r.calls > 0; });
    INFO(r.text);
    REQUIRE(r.code == 0);
  }
  Member a(rig, group, topic), b(rig, group, topic);
  auto no_crash = [&] {
    INFO("a: " << a.crash << "; b: " << b.crash);
    REQUIRE(a.crash.empty());
    REQUIRE(b.crash.empty());
  };
  a.run();
  rig.until([&] { return a.assignment.size() == size_t(partitions) || !a.crash.empty(); });
  no_crash();
  produce_range(rig, topic, 0, n / 2);
  rig.until([&] { return a.values.size() >= size_t(n / 4) || !a.crash.empty(); });
  no_crash();
  int32_t coordinator = coordinator_of(rig, uvk::kCoordinatorGroup, group);
  REQUIRE(coordinator >= 1);
  REQUIRE(coordinator <= 3);
  // b's JoinGroup makes the coordinator rebalance; a hears it on its next heartbeat. The
  // coordinator dies right then: b's join is parked there, a has not rejoined yet.
  int a_joins = a.joins;
  b.run();
  rig.until([&] { return a.rebalancing > 0 || a.joins > a_joins || !a.crash.empty(); });
  no_crash();
  INFO("a heard the rebalance: " << a.rebalancing << " (joins " << a.joins << ", b joins " << b.joins << ")");
  REQUIRE(a.rebalancing > 0);
  REQUIRE(b.joins == 0);  // the rebalance is still in progress
  guard.arm(coordinator);
  std::string out;
  int rc = cluster_ctl("kill " + std::to_string(coordinator), out);
  {
    INFO("cluster.sh kill " << coordinator << ": " << out);
    REQUIRE(rc == 0);
  }
  int32_t killed_generation = a.generation;
  produce_range(rig, topic, n / 2, n);
  // The group settles on a new coordinator: one generation in which a and b hold every
  // partition exactly once between them, and every message was read.
  auto settled = [&] {
    if (a.generation != b.generation || a.generation <= killed_generation) return false;
    if (a.assignment.size() + b.assignment.size() != size_t(partitions)) return false;
    std::set<long> ids(a.values.begin(), a.values.end());
    ids.insert(b.values.begin(), b.values.end());
    return ids.size() == size_t(n) && *ids.begin() == 0 && *ids.rbegin() == n - 1;
  };
  rig.until([&] { return settled() || !a.crash.empty() || !b.crash.empty(); });
  no_crash();
  std::set<int32_t> parts(a.assignment.begin(), a.assignment.end());
  parts.insert(b.assignment.begin(), b.assignment.end());
  CHECK(parts.size() == size_t(partitions));  // disjoint and complete
  CHECK_FALSE(a.assignment.empty());
  CHECK_FALSE(b.assignment.empty());
  size_t reads = a.values.size() + b.values.size();
  UNSCOPED_INFO("coordinator " << coordinator << " killed; generation " << killed_generation << " -> " << a.generation
                               << "; " << reads << " reads of " << n << " messages (" << reads - size_t(n)
                               << " again after the rebalance)");
  for (long v : a.values) REQUIRE((v >= 0 && v < n));
  for (long v : b.values) REQUIRE((v >= 0 && v < n));
  CHECK(reads >= size_t(n));
  // Stop commits and leaves through the new coordinator: both callbacks come.
  a.stop(rig);
  b.stop(rig);
  CHECK(a.stop_code == 0);
  CHECK(b.stop_code == 0);
  rc = guard.restore(out);
  INFO("cluster.sh start " << coordinator << ": " << out);
  REQUIRE(rc == 0);
  wait_healthy(rig);
  FAULT_SUMMARY("coordinator %d killed mid-rebalance; generation %d -> %d; a %zu + b %zu partitions; %zu reads of %d (%zu again)\n",
                coordinator, killed_generation, a.generation, a.assignment.size(), b.assignment.size(), reads, n,
                reads - size_t(n));
}

// ---- 6. the transaction coordinator killed mid-transaction ------------------------------

namespace {

struct TxnDone {
  bool done = false;
  int code = 1;
  uvk_txn_error_class cls = UVK_TXN_ERR_NONE;
  std::string text;
};

void txn_done(TxnDone *d, const uvk_error *err) {
  d->done = true;
  d->code = err ? uvk_error_code(err) : 0;
  d->cls = uvk_error_txn_class(err);
  if (err) {
    char buf[512];
    uvk_error_format(err, buf, sizeof buf);
    d->text = buf;
  }
  wake();
}

// Ids [from, to) as values to partition 0, in one send; its outcome.
TxnDone txn_send(Rig &rig, uvk_producer *p, const std::string &topic, int from, int to) {
  std::vector<std::string> values;
  for (int i = from; i < to; i++) values.push_back(std::to_string(i));
  std::vector<uvk_message> msgs;
  for (const std::string &v : values) msgs.push_back(uvk_message{"k", 1, v.data(), v.size(), 0, -1, nullptr, 0});
  TxnDone d;
  REQUIRE(uvk_producer_send(p, topic.c_str(), msgs.data(), msgs.size(), nullptr,
                            [](uvk_producer *, const uvk_error *err, const uvk_record_metadata *, size_t, void *ud) {
                              txn_done(static_cast<TxnDone *>(ud), err);
                            }, &d) == 0);
  rig.until([&] { return d.done; });
  return d;
}

TxnDone txn_end(Rig &rig, uvk_producer *p, bool commit) {
  TxnDone d;
  auto cb = [](uvk_producer *, const uvk_error *err, void *ud) { txn_done(static_cast<TxnDone *>(ud), err); };
  int rc = commit ? uvk_producer_commit_transaction(p, cb, &d) : uvk_producer_abort_transaction(p, cb, &d);
  if (rc != 0) {
    d.done = true;
    d.code = rc;
    d.cls = uvk_txn_error_class_of(rc);
    d.text = uvk_strerror(rc);
    return d;
  }
  rig.until([&] { return d.done; });
  return d;
}

}  // namespace

// Three transactions of 100 records each; while the second is open (its records written), the
// broker coordinating the transactional id is SIGKILLed, then the commit is asked for. It must
// end cleanly: committed, or refused as retriable / abortable and then aborted (a
// producer-fatal or fatal class fails the test). The third transaction commits through the new
// coordinator. A read_committed consumer then sees the first and third transactions' records
// once each, in order, and the second's only if it committed.
namespace {

// One transaction of values [from, to), committed.
void commit_range(Rig &rig, uvk_producer *p, const std::string &topic, int from, int to) {
  REQUIRE(uvk_producer_begin_transaction(p) == 0);
  TxnDone d = txn_send(rig, p, topic, from, to);
  INFO(d.text);
  REQUIRE(d.code == 0);
  d = txn_end(rig, p, true);
  INFO(d.text);
  REQUIRE(d.code == 0);
}

}  // namespace

TEST_CASE("faults: the transaction coordinator killed mid-transaction: commit or abort cleanly, read_committed exact",
          "[integration3]") {
  Rig rig;
  wait_healthy(rig);
  NodeGuard guard;
  std::string topic = uniq("uvk-it-fault-txn"), id = uniq("uvk-it-fault-txn-id");
  {
    Admin ad(rig);
    AdminReply r;
    create_topic(ad, topic, 1, &r);
    rig.until([&] { return r.calls > 0; });
    INFO(r.text);
    REQUIRE(r.code == 0);
  }
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "transactionalId", id.c_str(), err, sizeof err) == 0);
  uvk_producer *p = nullptr;
  REQUIRE(uvk_producer_new(rig.client, cfg, &p) == 0);
  uvk_config_free(cfg);
  REQUIRE(uvk_producer_begin_transaction(p) == 0);
  TxnDone d = txn_send(rig, p, topic, 0, 100);
  INFO(d.text);
  REQUIRE(d.code == 0);
  d = txn_end(rig, p, true);
  REQUIRE(d.code == 0);

  REQUIRE(uvk_producer_begin_transaction(p) == 0);
  d = txn_send(rig, p, topic, 100, 200);
  REQUIRE(d.code == 0);
  int32_t coord = coordinator_of(rig, uvk::kCoordinatorTransaction, id);
  REQUIRE(coord >= 1);
  guard.arm(coord);
  std::string out;
  int rc = cluster_ctl("kill " + std::to_string(coord), out);
  {
    INFO("cluster.sh kill " << coord << ": " << out);
    REQUIRE(rc == 0);
  }
  uint64_t t0 = uv_hrtime();
  d = txn_end(rig, p, true);
  bool committed = d.code == 0;
  std::string how = committed ? "committed" : "commit refused (" + d.text + "), aborted";
  if (!committed) {
    INFO("commit after the coordinator's kill: " << d.text);
    REQUIRE((d.cls == UVK_TXN_ERR_RETRIABLE || d.cls == UVK_TXN_ERR_ABORTABLE));
    TxnDone a = txn_end(rig, p, false);
    INFO("abort: " << a.text);
    REQUIRE(a.code == 0);
  }
  double end_ms = double(uv_hrtime() - t0) / 1e6;

  commit_range(rig, p, topic, 200, 300);
  uvk_producer_free(p);
  // A last record outside any transaction: once it is read, everything before it was.
  produce_range(rig, topic, 300, 301);

  // read_committed (the default, readUncommitted false) from the beginning.
  Member m(rig, uniq("uvk-it-fault-txn-read"), topic);
  m.run();
  std::vector<long> expect;
  for (long i = 0; i < 300; i++)
    if (committed || i < 100 || i >= 200) expect.push_back(i);
  expect.push_back(300);
  rig.until([&] { return (!m.values.empty() && m.values.back() == 300) || !m.crash.empty(); });
  INFO(m.crash);
  REQUIRE(m.crash.empty());
  CHECK(m.values == expect);
  m.stop(rig);
  rc = guard.restore(out);
  INFO("cluster.sh start " << coord << ": " << out);
  REQUIRE(rc == 0);
  wait_healthy(rig);
  FAULT_SUMMARY("transaction coordinator %d killed with a transaction open: %s in %.0f ms; read_committed saw %zu records\n",
                int(coord), how.c_str(), end_ms, m.values.size());
}

// ---- 7. the transaction coordinator stopped (SIGSTOP) during a commit -------------------

// A stopped broker keeps its connections open and answers nothing: the commit's EndTxn waits
// there past the commit's deadline (transactionTimeout, shorter than requestTimeout), so the
// commit ends with UVK_ETIMEDOUT. Meanwhile the cluster fences the node and another broker
// becomes the transaction coordinator. The commit called again must reach that one and get an
// answer: success when it commits before the new coordinator aborts the expired transaction,
// else producer-fatal (INVALID_TXN_STATE on v2, PRODUCER_FENCED on v1), and then a new producer
// commits the next transaction. read_committed sees the second transaction's records only if
// its commit succeeded, every other committed record once.
TEST_CASE("faults: the transaction coordinator stopped during a commit: UVK_ETIMEDOUT, then the new coordinator answers",
          "[integration3]") {
  Rig rig;
  wait_healthy(rig);
  NodeGuard guard;
  std::string topic = uniq("uvk-it-fault-txnstop"), id = uniq("uvk-it-fault-txnstop-id");
  {
    Admin ad(rig);
    AdminReply r;
    create_topic(ad, topic, 1, &r);
    rig.until([&] { return r.calls > 0; });
    INFO(r.text);
    REQUIRE(r.code == 0);
  }
  auto new_producer = [&] {
    uvk_config *cfg = uvk_config_new();
    char err[256];
    REQUIRE(uvk_config_set(cfg, "transactionalId", id.c_str(), err, sizeof err) == 0);
    // Longer than the cluster's fencing of a silent node (4 s), shorter than requestTimeout.
    REQUIRE(uvk_config_set(cfg, "transactionTimeout", "8000", err, sizeof err) == 0);
    uvk_producer *p = nullptr;
    REQUIRE(uvk_producer_new(rig.client, cfg, &p) == 0);
    uvk_config_free(cfg);
    return p;
  };
  uvk_producer *p = new_producer();
  REQUIRE(uvk_producer_begin_transaction(p) == 0);
  TxnDone d = txn_send(rig, p, topic, 0, 100);
  INFO(d.text);
  REQUIRE(d.code == 0);
  int32_t coord = coordinator_of(rig, uvk::kCoordinatorTransaction, id);
  REQUIRE(coord >= 1);
  guard.arm(coord);
  std::string out;
  int rc = cluster_ctl("stop " + std::to_string(coord), out);
  {
    INFO("cluster.sh stop " << coord << ": " << out);
    REQUIRE(rc == 0);
  }
  d = txn_end(rig, p, true);
  INFO("commit with the coordinator stopped: " << d.text);
  CHECK(d.code == UVK_ETIMEDOUT);
  CHECK(d.cls == UVK_TXN_ERR_RETRIABLE);
  TxnDone again = txn_end(rig, p, true);
  INFO("commit again: " << again.text);
  CHECK(again.code != UVK_ETIMEDOUT);
  CHECK((again.code == 0 || again.cls == UVK_TXN_ERR_PRODUCER_FATAL));
  bool committed = again.code == 0;
  if (!committed) {
    uvk_producer_free(p);
    p = new_producer();
  }
  rc = guard.restore(out);
  {
    INFO("cluster.sh start " << coord << ": " << out);
    REQUIRE(rc == 0);
  }
  wait_healthy(rig);
  commit_range(rig, p, topic, 100, 200);
  uvk_producer_free(p);
  produce_range(rig, topic, 200, 201);
  Member m(rig, uniq("uvk-it-fault-txnstop-read"), topic);
  m.run();
  std::vector<long> expect;
  for (long i = committed ? 0 : 100; i < 201; i++) expect.push_back(i);
  rig.until([&] { return (!m.values.empty() && m.values.back() == 200) || !m.crash.empty(); });
  INFO(m.crash);
  REQUIRE(m.crash.empty());
  CHECK(m.values == expect);
  m.stop(rig);
  FAULT_SUMMARY("transaction coordinator %d stopped during a commit: UVK_ETIMEDOUT, then %s\n", int(coord),
                committed ? "committed by the new coordinator" : again.text.c_str());
}
