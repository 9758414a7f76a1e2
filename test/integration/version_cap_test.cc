// protocolVersionCap against the real broker: a client capped at Kafka 2.4 produces
// (idempotent and in a transaction, which stays on transactions v1 under the cap) and consumes
// with every request within 2.4's versions; a client capped at 1.0 asks for describeConfigs,
// whose v0 Kafka 4 removed (KIP-896): on 4.x it fails with UVK_EUNSUPPORTED and a log line
// naming the API, the client's versions and the broker's; on 3.9 it works.
// Runs in 'integration' (Kafka 4.4) and 'compat' (Kafka 3.9).
#include <catch2/catch.hpp>

#include "engine/version_table.h"
#include "raw_rig.h"

namespace {

std::vector<std::string> g_warnings;

void keep_warnings(void *, const char *, int level, const char *, const char *, const char *msg,
                   const char *const *, size_t) {
  if (level <= UVK_LOG_WARN) g_warnings.push_back(msg);
}

// A client (in rig) capped at `cap`, logging its warnings to g_warnings.
uvk_client *capped_client(Rig &rig, const char *cap) {
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "brokers", env("UVK_TEST_BROKERS").c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "protocolVersionCap", cap, err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "logLevel", "WARN", err, sizeof err) == 0);
  REQUIRE(uvk_config_set_logger(cfg, keep_warnings, nullptr) == 0);
  uvk_client *c = nullptr;
  REQUIRE(uvk_client_new(&rig.loop, cfg, &c) == 0);
  uvk_config_free(cfg);
  return c;
}

void close_client(Rig &rig, uvk_client *c) {
  bool done = false;
  REQUIRE(uvk_client_disconnect(c, [](uvk_client *cl, const uvk_error *, void *ud) {
    *static_cast<bool *>(ud) = true;
    uv_stop(static_cast<uv_loop_t *>(uvk_client_loop(cl)));
  }, &done) == 0);
  while (!done) rig.turn();
  uvk_client_free(c);
}

struct Done {
  bool done = false;
  int code = 1;
  uv_loop_t *loop;
};

void on_producer_done(uvk_producer *, const uvk_error *err, void *ud) {
  Done *d = static_cast<Done *>(ud);
  d->done = true;
  d->code = err ? uvk_error_code(err) : 0;
  uv_stop(d->loop);
}

int send(Rig &rig, uvk_producer *p, const std::string &topic, const std::string &prefix, int n) {
  std::vector<std::string> values;
  for (int i = 0; i < n; i++) values.push_back(prefix + std::to_string(i));
  std::vector<uvk_message> msgs;
  for (const std::string &v : values) msgs.push_back(uvk_message{"k", 1, v.data(), v.size(), 0, -1, nullptr, 0});
  Done d;
  d.loop = &rig.loop;
  REQUIRE(uvk_producer_send(p, topic.c_str(), msgs.data(), msgs.size(), nullptr,
                            [](uvk_producer *, const uvk_error *err, const uvk_record_metadata *, size_t, void *ud) {
                              on_producer_done(nullptr, err, ud);
                            }, &d) == 0);
  while (!d.done) rig.turn();
  return d.code;
}

}  // namespace

TEST_CASE("version cap: a client capped at Kafka 2.4 produces, commits a transaction and consumes within 2.4's versions",
          "[integration]") {
  Rig rig;  // counts the requests of its client: this one is capped
  uvk_client_free(rig.client);
  rig.client = capped_client(rig, "2.4");
  rig.versions.clear();
  REQUIRE(uvk_client_on(rig.client, UVK_EVENT_REQUEST, [](void *ud, const uvk_event *ev) {
    const uvk_event_request *r = static_cast<const uvk_event_request *>(ev->payload);
    static_cast<Rig *>(ud)->versions[r->api_key].push_back(r->api_version);
  }, &rig) > 0);
  std::string topic = uniq("uvk-it-cap24");
  create_topic(rig, topic, 1);
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "idempotent", "true", err, sizeof err) == 0);
  uvk_producer *p = nullptr;
  REQUIRE(uvk_producer_new(rig.client, cfg, &p) == 0);
  uvk_config_free(cfg);
  REQUIRE(send(rig, p, topic, "plain-", 10) == 0);
  uvk_producer_free(p);
  cfg = uvk_config_new();
  REQUIRE(uvk_config_set(cfg, "transactionalId", uniq("uvk-it-cap24-txn").c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_producer_new(rig.client, cfg, &p) == 0);
  uvk_config_free(cfg);
  REQUIRE(uvk_producer_begin_transaction(p) == 0);
  REQUIRE(send(rig, p, topic, "txn-", 10) == 0);
  Done d;
  d.loop = &rig.loop;
  REQUIRE(uvk_producer_commit_transaction(p, on_producer_done, &d) == 0);
  while (!d.done) rig.turn();
  REQUIRE(d.code == 0);
  uvk_producer_free(p);
  // A group member reads all 20.
  cfg = uvk_config_new();
  REQUIRE(uvk_config_set(cfg, "groupId", uniq("uvk-it-cap24-group").c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "maxWaitTimeInMs", "200", err, sizeof err) == 0);
  uvk_consumer *c = nullptr;
  REQUIRE(uvk_consumer_new(rig.client, cfg, &c) == 0);
  uvk_config_free(cfg);
  REQUIRE(uvk_consumer_subscribe(c, topic.c_str(), 1) == 0);
  struct Seen {
    int n = 0;
    uv_loop_t *loop;
  } seen;
  seen.loop = &rig.loop;
  uvk_run_options o;
  uvk_run_options_init(&o);
  o.each_message = [](uvk_consumer *, const uvk_batch *, const uvk_consumer_message *, void *ud) {
    Seen *s = static_cast<Seen *>(ud);
    s->n++;
    uv_stop(s->loop);
    return 0;
  };
  o.ud = &seen;
  REQUIRE(uvk_consumer_run(c, &o) == 0);
  while (seen.n < 20) rig.turn();
  bool stopped = false;
  REQUIRE(uvk_consumer_stop(c, [](uvk_consumer *, const uvk_error *, void *ud) { *static_cast<bool *>(ud) = true; },
                            &stopped) == 0);
  while (!stopped) uv_run(&rig.loop, UV_RUN_ONCE);
  uvk_consumer_free(c);
  CHECK(seen.n == 20);
  // Every request stayed within what Kafka 2.4 knows (transactions v1 included: no EndTxn v5).
  const uvk::KafkaRelease *rel = uvk::version_table_find(2, 4, 0);
  REQUIRE(rel);
  for (const auto &kv : rig.versions)
    for (int v : kv.second) {
      INFO("API " << kv.first << " v" << v);
      CHECK(v <= uvk::version_cap(rel, int16_t(kv.first)));
    }
  CHECK(rig.count(uvk::proto::kProduce) > 0);
  CHECK(rig.count(uvk::proto::kFetch) > 0);
  CHECK(rig.count(uvk::proto::kAddPartitionsToTxn) > 0);
  CHECK(rig.count(uvk::proto::kEndTxn) > 0);
}

TEST_CASE("version cap: an API whose old versions Kafka 4 removed (KIP-896) fails with a clear reason",
          "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-cap10");
  create_topic(rig, topic, 1);
  g_warnings.clear();
  uvk_client *c = capped_client(rig, "1.0");  // describeConfigs v0 only
  uvk_admin *admin = nullptr;
  REQUIRE(uvk_admin_new(c, nullptr, &admin) == 0);
  uvk_admin_config_resource res = {UVK_RESOURCE_TOPIC, topic.c_str(), nullptr, 0, nullptr, 0};
  struct R {
    bool done = false;
    int code = 1;
    size_t n = 0;
    uv_loop_t *loop;
  } r;
  r.loop = &rig.loop;
  REQUIRE(uvk_admin_describe_configs(admin, &res, 1, 0, [](uvk_admin *, const uvk_error *err,
                                                          const uvk_admin_described_resource *, size_t n, void *ud) {
    R *x = static_cast<R *>(ud);
    x->done = true;
    x->code = err ? uvk_error_code(err) : 0;
    x->n = n;
    uv_stop(x->loop);
  }, &r) == 0);
  while (!r.done) rig.turn();
  uvk_admin_free(admin);
  close_client(rig, c);
  std::string kafka = env("UVK_TEST_KAFKA_VERSION");
  INFO("Kafka " << kafka << ": describeConfigs under protocolVersionCap 1.0 gave " << uvk_err_name(r.code));
  if (kafka.rfind("3.", 0) == 0) {
    CHECK(r.code == 0);  // 3.9 still takes DescribeConfigs v0
    return;
  }
  REQUIRE(kafka.rfind("4.", 0) == 0);
  CHECK(r.code == UVK_EUNSUPPORTED);
  bool said = false;
  for (const std::string &w : g_warnings)
    said = said || (w.find("DescribeConfigs") != std::string::npos && w.find("KIP-896") != std::string::npos &&
                    w.find("protocolVersionCap") != std::string::npos);
  INFO("warnings: " << g_warnings.size() << (g_warnings.empty() ? "" : ", first: " + g_warnings[0]));
  CHECK(said);
}
