// Transaction deadlines (docs/producer.md, "Deadlines") against the real broker. The producer
// under test reaches the brokers only through the TCP fault proxy (proxy_hook.h): its
// answers muted (requests still arrive) or every connection blackholed (nothing arrives), for
// as long as transactionTimeout. Each step must then end with UVK_ETIMEDOUT, and what the docs
// say may follow must work with a real coordinator, which aborts and fences by itself a
// transaction older than transactionTimeout. A second client, straight to the brokers, makes
// the topic, asks the coordinator (DescribeTransactions) and reads back with read_committed.
// Runs in 'integration' (Kafka 4.4: transactions v2, KIP-890) and 'compat' (3.9: v1); the
// AddPartitionsToTxn case is v1 on both (protocolVersionCap 3.9).
#include "engine/coordinator.h"
#include "proto/gen/describe_transactions.h"
#include "proxy_hook.h"
#include "raw_rig.h"

namespace {

using uvk_test::FaultConfig;

// Small, so that each case waits out a few deadlines only (the broker's
// transaction.max.timeout.ms, 15 minutes, allows it).
const char *const kTxnTimeout = "4000";

// A client on the rig's loop whose every broker connection goes through a fault proxy.
struct Proxied {
  Rig *rig;
  uvk_test::Proxies proxies;
  uvk_client *client = nullptr;
  std::vector<int> end_txn_versions;  // the EndTxn requests it sent (5: transactions v2)
  int add_partitions = 0;             // AddPartitionsToTxn requests it sent (transactions v1)

  // cap: its protocolVersionCap (below "4.0": transactions v1 on Kafka 4.x too), or none.
  explicit Proxied(Rig &r, const char *cap = nullptr) : rig(&r) {
    proxies.loop = &r.loop;
    uvk_config *cfg = uvk_config_new();
    char err[256];
    REQUIRE(uvk_config_set(cfg, "brokers", env("UVK_TEST_BROKERS").c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "retry.initialRetryTime", "100", err, sizeof err) == 0);
    if (cap) REQUIRE(uvk_config_set(cfg, "protocolVersionCap", cap, err, sizeof err) == 0);
    std::string level = env("UVK_TEST_LOG_LEVEL");
    if (!level.empty()) REQUIRE(uvk_config_set(cfg, "logLevel", level.c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_config_set_socket_factory(cfg, uvk_test::hook_open, uvk_test::hook_release, &proxies) == 0);
    REQUIRE(uvk_client_new(&r.loop, cfg, &client) == 0);
    uvk_config_free(cfg);
    REQUIRE(uvk_client_on(client, UVK_EVENT_REQUEST, [](void *ud, const uvk_event *ev) {
      const uvk_event_request *q = static_cast<const uvk_event_request *>(ev->payload);
      Proxied *px = static_cast<Proxied *>(ud);
      if (q->api_key == uvk::proto::kEndTxn) px->end_txn_versions.push_back(q->api_version);
      if (q->api_key == uvk::proto::kAddPartitionsToTxn) px->add_partitions++;
    }, this) > 0);
  }
  // New faults; `reset`: every open connection is cut too, so the client opens new ones
  // (a blackhole only swallows new connections).
  void fault(const FaultConfig &c, bool reset) {
    proxies.set(c);
    if (reset) proxies.reset_all();
  }
  ~Proxied() {
    fault(FaultConfig(), true);
    bool done = false;
    CHECK(uvk_client_disconnect(client, [](uvk_client *c, const uvk_error *, void *ud) {
      *static_cast<bool *>(ud) = true;
      uv_stop(static_cast<uv_loop_t *>(uvk_client_loop(c)));
    }, &done) == 0);
    while (!done && uv_run(&rig->loop, UV_RUN_DEFAULT)) {
    }
    CHECK(done);
    uvk_client_free(client);
    proxies.stop();
  }
};

struct Outcome {
  bool done = false;
  int code = 1;
  int kafka = 0;
  uvk_txn_error_class cls = UVK_TXN_ERR_NONE;
  std::string text;
  uv_loop_t *loop = nullptr;
};

void finish(Outcome *o, const uvk_error *err) {
  o->done = true;
  o->code = err ? uvk_error_code(err) : 0;
  o->kafka = err ? uvk_error_kafka_code(err) : 0;
  o->cls = uvk_error_txn_class(err);
  if (err) {
    char buf[512];
    uvk_error_format(err, buf, sizeof buf);
    o->text = buf;
  }
  uv_stop(o->loop);
}

uvk_producer *txn_producer(uvk_client *client, const std::string &id) {
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "transactionalId", id.c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "transactionTimeout", kTxnTimeout, err, sizeof err) == 0);
  uvk_producer *p = nullptr;
  REQUIRE(uvk_producer_new(client, cfg, &p) == 0);
  uvk_config_free(cfg);
  return p;
}

// prefix0 .. prefix(n-1) to partition 0, one send; its outcome.
Outcome send_values(Rig &rig, uvk_producer *p, const std::string &topic, const std::string &prefix, int n) {
  std::vector<std::string> values;
  for (int i = 0; i < n; i++) values.push_back(prefix + std::to_string(i));
  std::vector<uvk_message> msgs;
  for (const std::string &v : values) msgs.push_back(uvk_message{"k", 1, v.data(), v.size(), 0, -1, nullptr, 0});
  Outcome o;
  o.loop = &rig.loop;
  REQUIRE(uvk_producer_send(p, topic.c_str(), msgs.data(), msgs.size(), nullptr,
                            [](uvk_producer *, const uvk_error *err, const uvk_record_metadata *, size_t, void *ud) {
                              finish(static_cast<Outcome *>(ud), err);
                            }, &o) == 0);
  while (!o.done) rig.turn();
  return o;
}

// send_values, which must succeed.
void send_ok(Rig &rig, uvk_producer *p, const std::string &topic, const std::string &prefix, int n) {
  Outcome s = send_values(rig, p, topic, prefix, n);
  INFO(s.text);
  REQUIRE(s.code == 0);
}

void on_step(uvk_producer *, const uvk_error *err, void *ud) { finish(static_cast<Outcome *>(ud), err); }

Outcome end_txn(Rig &rig, uvk_producer *p, bool commit) {
  Outcome o;
  o.loop = &rig.loop;
  int rc = commit ? uvk_producer_commit_transaction(p, on_step, &o) : uvk_producer_abort_transaction(p, on_step, &o);
  if (rc != 0) {
    o.code = rc;
    o.cls = uvk_txn_error_class_of(rc);
    o.text = uvk_strerror(rc);
    return o;
  }
  while (!o.done) rig.turn();
  return o;
}

Outcome send_offsets(Rig &rig, uvk_producer *p, const std::string &group, const std::string &topic, int64_t offset) {
  uvk_topic_partition_offset off = {topic.c_str(), 0, offset};
  Outcome o;
  o.loop = &rig.loop;
  REQUIRE(uvk_producer_send_offsets(p, group.c_str(), &off, 1, on_step, &o) == 0);
  while (!o.done) rig.turn();
  return o;
}

// One value outside any transaction (the rig's own client): a read_committed consumer gets it
// only once every transaction before it on the partition has ended at the broker.
void produce_marker(Rig &rig, const std::string &topic, const std::string &value) {
  uvk_config *cfg = uvk_config_new();
  uvk_producer *p = nullptr;
  REQUIRE(uvk_producer_new(rig.client, cfg, &p) == 0);
  uvk_config_free(cfg);
  send_ok(rig, p, topic, value, 1);
  uvk_producer_free(p);
}

struct Offsets {
  int64_t offset = -2;
  int64_t high = -2;
};

// Partition 0's entry in the answer of an admin offsets call that `call` makes on the rig's
// client: call(admin, cb, ud) returns the call's code.
template <typename Call>
Offsets partition0_offsets(Rig &rig, Call call) {
  uvk_admin *admin = nullptr;
  REQUIRE(uvk_admin_new(rig.client, nullptr, &admin) == 0);
  struct Fetched {
    bool done = false;
    int code = 1;
    Offsets got;
    uv_loop_t *loop;
  } f;
  f.loop = &rig.loop;
  REQUIRE(call(admin, [](uvk_admin *, const uvk_error *err, const uvk_admin_partition_offset *offs, size_t n,
                         void *ud) {
    Fetched *x = static_cast<Fetched *>(ud);
    x->done = true;
    x->code = err ? uvk_error_code(err) : 0;
    for (size_t i = 0; i < n; i++)
      if (offs[i].partition == 0) x->got = Offsets{offs[i].offset, offs[i].high};
    uv_stop(x->loop);
  }, &f) == 0);
  while (!f.done) rig.turn();
  uvk_admin_free(admin);
  REQUIRE(f.code == 0);
  return f.got;
}

// The end offset (high watermark) of partition 0 of `topic`: records and transaction markers.
int64_t end_offset(Rig &rig, const std::string &topic) {
  return partition0_offsets(rig, [&](uvk_admin *a, uvk_admin_offsets_cb cb, void *ud) {
    return uvk_admin_fetch_topic_offsets(a, topic.c_str(), cb, ud);
  }).high;
}

// What a read_committed consumer reads, up to and including the first value that starts with
// `last`: of a new group from the start of the topic, or of `group` from its committed offset
// (fetched stable: once the transaction that committed it has ended on the group coordinator).
// It commits nothing. `first_offset`: the offset of the first message read.
std::vector<std::string> read_committed_until(Rig &rig, const std::string &topic, const std::string &last,
                                              const std::string &group = "", int64_t *first_offset = nullptr) {
  struct Reader {
    std::vector<std::string> values;
    int64_t first_offset = -1;
    std::string last;
    bool seen = false, stopped = false;
    uv_loop_t *loop;
  } rd;
  rd.last = last;
  rd.loop = &rig.loop;
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "groupId", group.empty() ? uniq("uvk-it-txnd-read").c_str() : group.c_str(), err,
                         sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "maxWaitTimeInMs", "200", err, sizeof err) == 0);
  uvk_consumer *c = nullptr;
  REQUIRE(uvk_consumer_new(rig.client, cfg, &c) == 0);
  uvk_config_free(cfg);
  REQUIRE(uvk_consumer_subscribe(c, topic.c_str(), 1) == 0);
  uvk_run_options o;
  uvk_run_options_init(&o);
  o.ud = &rd;
  o.auto_commit = 0;
  o.each_message = [](uvk_consumer *, const uvk_batch *, const uvk_consumer_message *m, void *ud) -> int {
    Reader *r = static_cast<Reader *>(ud);
    if (r->seen) return 0;
    if (r->values.empty()) r->first_offset = m->offset;
    r->values.emplace_back(static_cast<const char *>(m->value), m->value_len);
    if (r->values.back().rfind(r->last, 0) == 0) {
      r->seen = true;
      uv_stop(r->loop);
    }
    return 0;
  };
  REQUIRE(uvk_consumer_run(c, &o) == 0);
  while (!rd.seen) rig.turn();
  REQUIRE(uvk_consumer_stop(c, [](uvk_consumer *, const uvk_error *, void *ud) {
    Reader *r = static_cast<Reader *>(ud);
    r->stopped = true;
    uv_stop(r->loop);
  }, &rd) == 0);
  while (!rd.stopped) rig.turn();
  uvk_consumer_free(c);
  if (first_offset) *first_offset = rd.first_offset;
  return rd.values;
}

std::vector<std::string> values_of(const std::string &prefix, int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; i++) v.push_back(prefix + std::to_string(i));
  return v;
}

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string> &b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

struct CoordinatorView {
  std::string state;  // Ongoing, PrepareCommit, CompleteCommit, CompleteAbort...
  int16_t epoch = -1;
};

// The transaction coordinator's view of `id` (DescribeTransactions, asked by the rig's client).
CoordinatorView describe_txn(Rig &rig, const std::string &id) {
  struct Found {
    bool done = false;
    int code = 1;
    int32_t node = -1;
    uv_loop_t *loop;
  } f;
  f.loop = &rig.loop;
  REQUIRE(uvk::coordinator_find(uvk::client_engine(rig.client), uvk::kCoordinatorTransaction, id.c_str(),
                                [](void *ud, const uvk_error *e, int32_t node) {
    Found *x = static_cast<Found *>(ud);
    x->done = true;
    x->code = e ? uvk_error_code(e) : 0;
    x->node = node;
    uv_stop(x->loop);
  }, &f, uvk::client_now(rig.client)) == 0);
  while (!f.done) rig.turn();
  REQUIRE(f.code == 0);
  CoordinatorView view;
  int16_t error = -1;
  Raw raw;
  raw.encode = [&](uvk::Buf *out, int16_t v) {
    uvk::proto::DescribeTransactionsRequest req;
    uvk::proto::Str s{id.c_str(), int32_t(id.size())};
    req.transactional_ids.items = &s;
    req.transactional_ids.count = 1;
    return uvk::proto::encode(out, req, v);
  };
  raw.decode = [&](uvk::Reader *body, int16_t v) {
    uvk::Arena arena;
    uvk::proto::DescribeTransactionsResponse resp;
    int rc = uvk::proto::decode(body, &arena, &resp, v);
    if (rc == 0 && resp.transaction_states.count == 1) {
      const auto &s = resp.transaction_states.items[0];
      error = s.error_code;
      view.state.assign(s.transaction_state.data, size_t(s.transaction_state.len));
      view.epoch = s.producer_epoch;
    }
    uvk::arena_free(&arena);
    return rc;
  };
  raw_send(rig, f.node, uvk::proto::kDescribeTransactions, 0, 0, &raw);
  REQUIRE(error == 0);
  return view;
}

// The protocol of the producer's last answered EndTxn: v5 is transactions v2, which the test
// clusters of Kafka 4.x finalize (otherwise the v2 path would go untested there).
bool uses_v2(const Proxied &px) {
  REQUIRE_FALSE(px.end_txn_versions.empty());
  bool v2 = px.end_txn_versions.back() == 5;
  if (env("UVK_TEST_KAFKA_VERSION").rfind("4.", 0) == 0) REQUIRE(v2);
  return v2;
}

}  // namespace

// The EndTxn reaches the coordinator, which commits; its answer is lost. The commit ends at
// its deadline with UVK_ETIMEDOUT; called again it succeeds without committing anything twice
// (v2: the coordinator takes the epoch before its bump as a retry and answers with the bumped
// one, which the next transaction then uses; v1: the same epoch of a completed commit).
TEST_CASE("transaction deadlines: a commit whose answer is lost times out; committed again, once", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-txnd-lost"), id = uniq("uvk-it-txnd-lost-id");
  create_topic(rig, topic, 1);
  Proxied px(rig);
  uvk_producer *p = txn_producer(px.client, id);
  REQUIRE(uvk_producer_begin_transaction(p) == 0);
  send_ok(rig, p, topic, "a", 50);
  int16_t epoch = describe_txn(rig, id).epoch;

  FaultConfig mute;
  mute.mute_answers = true;
  px.fault(mute, false);
  Outcome c1 = end_txn(rig, p, true);
  INFO("first commit: " << c1.text);
  CHECK(c1.code == UVK_ETIMEDOUT);
  CHECK(c1.cls == UVK_TXN_ERR_RETRIABLE);
  // The coordinator has the commit the client never heard of.
  CoordinatorView after = describe_txn(rig, id);
  INFO("coordinator: " << after.state << ", epoch " << epoch << " -> " << after.epoch);
  CHECK((after.state == "CompleteCommit" || after.state == "PrepareCommit"));

  px.fault(FaultConfig(), true);
  Outcome c2 = end_txn(rig, p, true);
  INFO("second commit: " << c2.text);
  REQUIRE(c2.code == 0);
  bool v2 = uses_v2(px);
  CHECK(after.epoch == (v2 ? epoch + 1 : epoch));  // v2: EndTxn bumps the epoch
  CoordinatorView again = describe_txn(rig, id);
  CHECK(again.state == "CompleteCommit");
  CHECK(again.epoch == after.epoch);  // taken as the retry it is: no second commit, no bump

  // The next transaction's batches carry the epoch the retry's answer gave (v2: a stale one
  // would be refused by the partition's leader).
  REQUIRE(uvk_producer_begin_transaction(p) == 0);
  send_ok(rig, p, topic, "b", 50);
  Outcome c3 = end_txn(rig, p, true);
  INFO(c3.text);
  REQUIRE(c3.code == 0);
  uvk_producer_free(p);
  produce_marker(rig, topic, "end");
  CHECK(read_committed_until(rig, topic, "end") == values_of("a", 50) + values_of("b", 50) + values_of("end", 1));
}

// Nothing reaches the coordinator for the whole deadline: the commit ends with UVK_ETIMEDOUT,
// and the coordinator, past transactionTimeout, aborts the transaction by itself and fences
// the producer's epoch. Then (v2) committing again is INVALID_TXN_STATE: the coordinator takes
// the fenced epoch as a retry, of a commit of a transaction it aborted; (v1) PRODUCER_FENCED.
// Both producer-fatal: a new producer with the same transactionalId goes on. Aborting instead
// succeeds on v2 (a retry of the abort the coordinator did; its answer gives the epoch the
// producer goes on with) and is PRODUCER_FENCED on v1.
TEST_CASE("transaction deadlines: a commit that never reaches the coordinator times out; the broker aborts it",
          "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-txnd-dark"), id = uniq("uvk-it-txnd-dark-id");
  create_topic(rig, topic, 1);
  Proxied px(rig);
  uvk_producer *p = txn_producer(px.client, id);
  std::vector<std::string> expect;
  // Phase 0 commits again after the timeout, phase 1 aborts.
  for (int phase = 0; phase < 2; phase++) {
    INFO("phase " << phase << (phase == 0 ? ": commit again" : ": abort"));
    std::string prefix = phase == 0 ? "x" : "z", marker = phase == 0 ? "end1" : "end2";
    REQUIRE(uvk_producer_begin_transaction(p) == 0);
    send_ok(rig, p, topic, prefix, 20);
    FaultConfig dark;
    dark.blackhole = true;
    px.fault(dark, true);
    Outcome c1 = end_txn(rig, p, true);
    INFO("commit in the dark: " << c1.text);
    CHECK(c1.code == UVK_ETIMEDOUT);
    CHECK(c1.cls == UVK_TXN_ERR_RETRIABLE);
    // The marker behind the open transaction is read once the coordinator has aborted it
    // (within transaction.abort.timed.out.transaction.cleanup.interval.ms of its timeout: 1 s in
    // the test clusters, 10 s by default).
    produce_marker(rig, topic, marker);
    expect = expect + values_of(marker, 1);
    CHECK(read_committed_until(rig, topic, marker) == expect);
    CoordinatorView view = describe_txn(rig, id);
    INFO("coordinator: " << view.state << ", epoch " << view.epoch);
    // (PrepareAbort: the markers are written, not all acknowledged yet.)
    CHECK((view.state == "CompleteAbort" || view.state == "PrepareAbort"));

    px.fault(FaultConfig(), true);
    Outcome c2 = end_txn(rig, p, phase == 0);
    INFO((phase == 0 ? "commit again: " : "abort: ") << c2.text);
    bool v2 = uses_v2(px);
    if (phase == 1 && v2) {
      CHECK(c2.code == 0);
    } else {
      CHECK(c2.kafka == (phase == 0 && v2 ? UVK_KAFKA_INVALID_TXN_STATE : UVK_KAFKA_PRODUCER_FENCED));
      CHECK(c2.cls == UVK_TXN_ERR_PRODUCER_FATAL);
      CHECK(uvk_txn_error_class_of(uvk_producer_begin_transaction(p)) == UVK_TXN_ERR_PRODUCER_FATAL);
      uvk_producer_free(p);
      p = txn_producer(px.client, id);
    }
    // The producer (the same one after a successful abort, else a new one) goes on.
    REQUIRE(uvk_producer_begin_transaction(p) == 0);
    send_ok(rig, p, topic, "y" + std::to_string(phase) + "-", 20);
    Outcome c3 = end_txn(rig, p, true);
    INFO(c3.text);
    REQUIRE(c3.code == 0);
    expect = expect + values_of("y" + std::to_string(phase) + "-", 20);
  }
  uvk_producer_free(p);
  produce_marker(rig, topic, "end3");
  CHECK(read_committed_until(rig, topic, "end3") == expect + values_of("end3", 1));
}

// send_offsets while no broker can be reached ends at its deadline with UVK_ETIMEDOUT; the
// commit is refused (UVK_ESTATE) until a later send_offsets succeeds, then the transaction
// commits with its offsets. The timed-out send_offsets comes first in its transaction: a
// transaction the coordinator had begun would be past transactionTimeout by then, aborted and
// fenced by the broker (the case above).
TEST_CASE("transaction deadlines: send_offsets times out; commit refused until a later send_offsets succeeds",
          "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-txnd-offs"), id = uniq("uvk-it-txnd-offs-id"), group = uniq("uvk-it-txnd-offs-g");
  create_topic(rig, topic, 1);
  Proxied px(rig);
  uvk_producer *p = txn_producer(px.client, id);
  // A first transaction with offsets: the producer id and both coordinators are known.
  REQUIRE(uvk_producer_begin_transaction(p) == 0);
  send_ok(rig, p, topic, "a", 10);
  Outcome o = send_offsets(rig, p, group, topic, 5);
  INFO(o.text);
  REQUIRE(o.code == 0);
  REQUIRE(end_txn(rig, p, true).code == 0);

  REQUIRE(uvk_producer_begin_transaction(p) == 0);
  FaultConfig dark;
  dark.blackhole = true;
  px.fault(dark, true);
  Outcome o1 = send_offsets(rig, p, group, topic, 20);
  INFO("send_offsets in the dark: " << o1.text);
  CHECK(o1.code == UVK_ETIMEDOUT);
  CHECK(o1.cls == UVK_TXN_ERR_RETRIABLE);
  Outcome refused = end_txn(rig, p, true);
  INFO("commit: " << refused.text);
  CHECK(refused.code == UVK_ESTATE);
  CHECK(refused.cls == UVK_TXN_ERR_ABORTABLE);

  px.fault(FaultConfig(), true);
  Outcome o2 = send_offsets(rig, p, group, topic, 20);
  INFO("send_offsets again: " << o2.text);
  REQUIRE(o2.code == 0);
  send_ok(rig, p, topic, "b", 10);
  Outcome c = end_txn(rig, p, true);
  INFO("commit: " << c.text);
  REQUIRE(c.code == 0);
  uvk_producer_free(p);
  produce_marker(rig, topic, "end");
  CHECK(read_committed_until(rig, topic, "end") == values_of("a", 10) + values_of("b", 10) + values_of("end", 1));

  // A member of the group starts at the second transaction's offset: 20 is b9 (a0..a9 at 0-9,
  // the first commit's marker at 10, b0..b9 at 11-20).
  int64_t first = -1;
  CHECK(read_committed_until(rig, topic, "end", group, &first) == std::vector<std::string>{"b9", "end0"});
  CHECK(first == 20);
  // And fetchOffsets says so. (Asked before the member, it could still say 5: it does not ask
  // for stable offsets, and the commit's marker reaches the group's coordinator after EndTxn
  // is answered.)
  const char *topics[] = {topic.c_str()};
  Offsets fetched = partition0_offsets(rig, [&](uvk_admin *a, uvk_admin_offsets_cb cb, void *ud) {
    return uvk_admin_fetch_offsets(a, group.c_str(), topics, 1, 0, cb, ud);
  });
  CHECK(fetched.offset == 20);
}

// AddPartitionsToTxn is transactions v1 (Kafka 3.9; here on 4.4 too, under protocolVersionCap
// 3.9): the first batch of a partition in a transaction waits for it. When it cannot succeed
// within transactionTimeout the sends that waited fail with UVK_ETIMEDOUT and the transaction
// can only be aborted (docs/producer.md, "Deadlines"). Two ways, one after the other:
// - nothing reaches the coordinator (every connection blackholed) while the transaction's first
//   send adds its partition: the coordinator never began it, the abort succeeds and the same
//   producer commits the next transaction;
// - the coordinator adds a second topic's partition to a transaction already begun and its
//   answer is dropped: by the deadline the transaction is older than transactionTimeout, so the
//   coordinator aborts it and fences the epoch; the abort gets PRODUCER_FENCED (producer-fatal)
//   and a new producer with the same transactionalId commits.
// read_committed reads each committed value once and nothing of the failed transactions.
TEST_CASE("transaction deadlines: AddPartitionsToTxn unsent or unanswered times out; abort, then commit",
          "[integration]") {
  Rig rig;
  std::string one = uniq("uvk-it-txnd-add"), two = uniq("uvk-it-txnd-add2"), id = uniq("uvk-it-txnd-add-id");
  create_topic(rig, one, 1);
  create_topic(rig, two, 1);
  Proxied px(rig, "3.9");
  uvk_producer *p = txn_producer(px.client, id);
  // A first transaction to both topics: the producer id, the coordinator and both leaders are known.
  REQUIRE(uvk_producer_begin_transaction(p) == 0);
  for (const std::string *t : {&one, &two}) send_ok(rig, p, *t, "a", 10);
  REQUIRE(end_txn(rig, p, true).code == 0);
  REQUIRE(px.add_partitions > 0);  // transactions v1: this is the path under test
  REQUIRE_FALSE(px.end_txn_versions.empty());
  REQUIRE(px.end_txn_versions.back() < 5);

  // Nothing reaches the coordinator while the next transaction adds its partition.
  REQUIRE(uvk_producer_begin_transaction(p) == 0);
  FaultConfig dark;
  dark.blackhole = true;
  px.fault(dark, true);
  Outcome s = send_values(rig, p, one, "b", 10);
  INFO("send in the dark: " << s.text);
  CHECK(s.code == UVK_ETIMEDOUT);
  Outcome refused = end_txn(rig, p, true);
  INFO("commit: " << refused.text);
  CHECK(refused.code == UVK_ESTATE);
  CHECK(refused.cls == UVK_TXN_ERR_ABORTABLE);
  px.fault(FaultConfig(), true);
  CHECK(describe_txn(rig, id).state == "CompleteCommit");  // the first transaction's: none begun
  Outcome aborted = end_txn(rig, p, false);
  INFO("abort: " << aborted.text);
  CHECK(aborted.code == 0);
  REQUIRE(uvk_producer_begin_transaction(p) == 0);
  send_ok(rig, p, one, "c", 10);
  REQUIRE(end_txn(rig, p, true).code == 0);

  // The coordinator adds the second topic's partition; its answer is lost.
  REQUIRE(uvk_producer_begin_transaction(p) == 0);
  send_ok(rig, p, one, "d", 10);
  FaultConfig mute;
  mute.mute_answers = true;
  px.fault(mute, false);
  s = send_values(rig, p, two, "e", 10);
  INFO("send with its answer lost: " << s.text);
  CHECK(s.code == UVK_ETIMEDOUT);
  refused = end_txn(rig, p, true);
  INFO("commit: " << refused.text);
  CHECK(refused.code == UVK_ESTATE);
  CHECK(refused.cls == UVK_TXN_ERR_ABORTABLE);
  px.fault(FaultConfig(), true);
  // The marker behind the open transaction is read once the coordinator has aborted it.
  produce_marker(rig, one, "end1");
  CHECK(read_committed_until(rig, one, "end1") == values_of("a", 10) + values_of("c", 10) + values_of("end1", 1));
  CoordinatorView view = describe_txn(rig, id);
  INFO("coordinator: " << view.state << ", epoch " << view.epoch);
  CHECK((view.state == "CompleteAbort" || view.state == "PrepareAbort"));
  aborted = end_txn(rig, p, false);
  INFO("abort: " << aborted.text);
  CHECK(aborted.kafka == UVK_KAFKA_PRODUCER_FENCED);
  CHECK(aborted.cls == UVK_TXN_ERR_PRODUCER_FATAL);
  uvk_producer_free(p);

  p = txn_producer(px.client, id);
  REQUIRE(uvk_producer_begin_transaction(p) == 0);
  for (const std::string *t : {&one, &two}) send_ok(rig, p, *t, "f", 10);
  Outcome c = end_txn(rig, p, true);
  INFO("commit: " << c.text);
  REQUIRE(c.code == 0);
  uvk_producer_free(p);
  produce_marker(rig, one, "end2");
  produce_marker(rig, two, "end2");
  CHECK(read_committed_until(rig, one, "end2") ==
        values_of("a", 10) + values_of("c", 10) + values_of("end1", 1) + values_of("f", 10) + values_of("end2", 1));
  CHECK(read_committed_until(rig, two, "end2") == values_of("a", 10) + values_of("f", 10) + values_of("end2", 1));
  // The lost answer's AddPartitionsToTxn did reach the coordinator: its abort wrote a marker to
  // the second topic too. Offsets there: a0-a9, commit marker, that abort marker, f0-f9, commit
  // marker, end20. On the first: a0-a9, commit, c0-c9, commit, d0-d9, abort, end10, f0-f9,
  // commit, end20 (nothing of the blackholed transaction, not even a marker).
  CHECK(end_offset(rig, two) == 24);
  CHECK(end_offset(rig, one) == 46);
}
