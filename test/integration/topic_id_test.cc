// Topic ids against the real broker (KIP-516): the consumer fetches with Fetch v13+ (topics by
// id), and a topic deleted and created again under the same name is noticed: the consumer
// reads the new topic from its beginning instead of asking it for the old one's position.
// Runs in 'integration' (Kafka 4.4) and 'compat' (Kafka 3.9). Every wait ends on a callback.
#include <catch2/catch.hpp>

#include "proto/gen/delete_topics.h"
#include "raw_rig.h"

namespace {

int16_t delete_topic(Rig &rig, const std::string &name) {
  Raw raw;
  int16_t code = -1;
  raw.encode = [&](uvk::Buf *out, int16_t v) {
    uvk::proto::DeleteTopicsRequest req;
    uvk::proto::Str n = uvk::proto::Str{name.c_str(), int32_t(name.size())};
    req.topic_names.items = &n;  // v1-v5
    req.topic_names.count = 1;
    req.timeout_ms = 30000;
    return uvk::proto::encode(out, req, v);
  };
  raw.decode = [&](uvk::Reader *body, int16_t v) {
    uvk::Arena arena;
    uvk::proto::DeleteTopicsResponse resp;
    int rc = uvk::proto::decode(body, &arena, &resp, v);
    if (rc == 0 && resp.responses.count == 1) code = resp.responses.items[0].error_code;
    uvk::arena_free(&arena);
    return rc;
  };
  raw_send(rig, -1, uvk::proto::kDeleteTopics, 1, 5, &raw);
  return code;
}

// Values prefix0..prefixN-1 to partition 0 through `p` (null: a new producer), acknowledged;
// the base offset.
int64_t produce(Rig &rig, const std::string &topic, const std::string &prefix, int n, uvk_producer *with = nullptr) {
  uvk_producer *p = with;
  if (!p) REQUIRE(uvk_producer_new(rig.client, nullptr, &p) == 0);
  std::vector<std::string> values;
  for (int i = 0; i < n; i++) values.push_back(prefix + std::to_string(i));
  std::vector<uvk_message> msgs;
  for (const std::string &v : values) msgs.push_back(uvk_message{"k", 1, v.data(), v.size(), 0, -1, nullptr, 0});
  struct S {
    bool done = false;
    int code = 1;
    int64_t base = -1;
    uv_loop_t *loop;
  } s;
  s.loop = &rig.loop;
  REQUIRE(uvk_producer_send(p, topic.c_str(), msgs.data(), msgs.size(), nullptr,
                            [](uvk_producer *, const uvk_error *err, const uvk_record_metadata *md, size_t n_md,
                               void *ud) {
                              S *x = static_cast<S *>(ud);
                              x->done = true;
                              x->code = err ? uvk_error_code(err) : 0;
                              if (n_md == 1) x->base = md[0].base_offset;
                              uv_stop(x->loop);
                            }, &s) == 0);
  while (!s.done) rig.turn();
  REQUIRE(s.code == 0);
  if (!with) uvk_producer_free(p);
  return s.base;
}

// Deletes `topic` and creates it again (1 partition) once the deletion is through.
void recreate(Rig &rig, const std::string &topic) {
  REQUIRE(delete_topic(rig, topic) == 0);
  int16_t code = -1;
  for (int tries = 0; tries < 5000 && code != 0; tries++) {
    code = create_topic_code(rig, topic, 1);
    if (code != 0) REQUIRE(code == UVK_KAFKA_TOPIC_ALREADY_EXISTS);  // the deletion is still under way
  }
  REQUIRE(code == 0);
}

struct Seen {
  int64_t offset;
  std::string value;
};

struct Reader {
  Rig *rig;
  uvk_consumer *c = nullptr;
  std::vector<Seen> seen;
  Reader(Rig &r, const std::string &group, const std::string &topic) : rig(&r) {
    uvk_config *cfg = uvk_config_new();
    char err[256];
    REQUIRE(uvk_config_set(cfg, "groupId", group.c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "maxWaitTimeInMs", "200", err, sizeof err) == 0);
    REQUIRE(uvk_consumer_new(r.client, cfg, &c) == 0);
    uvk_config_free(cfg);
    REQUIRE(uvk_consumer_subscribe(c, topic.c_str(), 1) == 0);
    uvk_run_options o;
    uvk_run_options_init(&o);
    o.each_message = [](uvk_consumer *, const uvk_batch *, const uvk_consumer_message *m, void *ud) {
      Reader *self = static_cast<Reader *>(ud);
      self->seen.push_back(Seen{m->offset, std::string(static_cast<const char *>(m->value), m->value_len)});
      uv_stop(&self->rig->loop);
      return 0;
    };
    o.ud = this;
    REQUIRE(uvk_consumer_run(c, &o) == 0);
  }
  ~Reader() {
    bool stopped = false;
    if (uvk_consumer_stop(c, [](uvk_consumer *, const uvk_error *, void *ud) {
          *static_cast<bool *>(ud) = true;
        }, &stopped) == 0)
      while (!stopped && uv_run(&rig->loop, UV_RUN_ONCE)) {
      }
    uvk_consumer_free(c);
  }
};

}  // namespace

TEST_CASE("topic ids: Fetch names topics by id; a topic deleted and created again is read from its beginning",
          "[integration]") {
  Rig rig("allowAutoTopicCreation", "false");  // the consumer's metadata must not create it again itself
  std::string topic = uniq("uvk-it-recreated");
  create_topic(rig, topic, 1);
  produce(rig, topic, "old-", 10);
  Reader r(rig, uniq("uvk-it-recreated-group"), topic);
  while (r.seen.size() < 10) rig.turn();
  const std::vector<int> &fetches = rig.versions[uvk::proto::kFetch];
  REQUIRE(!fetches.empty());
  for (int v : fetches) CHECK(v >= 13);  // Kafka 3.9 and 4.4 both take topics by id
  // The same name, a new topic: its first messages sit at offsets 0.. below the old position (10).
  recreate(rig, topic);
  produce(rig, topic, "new-", 5);
  while (r.seen.size() < 15) rig.turn();
  for (size_t i = 0; i < 10; i++) CHECK(r.seen[i].value == "old-" + std::to_string(i));
  for (size_t i = 10; i < 15; i++) {
    CHECK(r.seen[i].value == "new-" + std::to_string(i - 10));
    CHECK(r.seen[i].offset == int64_t(i - 10));
  }
}

TEST_CASE("topic ids: an idempotent producer goes on into a topic deleted and created again, from its start",
          "[integration]") {
  Rig rig("allowAutoTopicCreation", "false");
  std::string topic = uniq("uvk-it-recreated-p");
  create_topic(rig, topic, 1);
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "idempotent", "true", err, sizeof err) == 0);
  uvk_producer *p = nullptr;
  REQUIRE(uvk_producer_new(rig.client, cfg, &p) == 0);
  uvk_config_free(cfg);
  CHECK(produce(rig, topic, "old-", 10, p) == 0);
  CHECK(produce(rig, topic, "old-", 10, p) == 10);
  recreate(rig, topic);
  // The old topic's sequence numbers mean nothing to the new partition: the producer's
  // messages are acknowledged there, at the new topic's first offsets. Kafka 4.1+ takes
  // Produce v13: the old id is refused (UNKNOWN_TOPIC_ID), the metadata brings the new one,
  // and the sequence numbers start again at 0; 3.9 takes the topic by name (v11).
  CHECK(produce(rig, topic, "new-", 5, p) == 0);
  CHECK(produce(rig, topic, "new-", 5, p) == 5);
  uvk_producer_free(p);
  std::string kafka = env("UVK_TEST_KAFKA_VERSION");
  INFO("Kafka " << kafka);
  const std::vector<int> &versions = rig.versions[uvk::proto::kProduce];
  REQUIRE(versions.size() >= 4);
  bool by_id = kafka.rfind("3.", 0) != 0 && kafka.rfind("4.0", 0) != 0;
  for (int v : versions) CHECK(v == (by_id ? 13 : kafka.rfind("3.", 0) == 0 ? 11 : 12));
  Reader r(rig, uniq("uvk-it-recreated-p-group"), topic);
  while (r.seen.size() < 10) rig.turn();
  for (size_t i = 0; i < 10; i++) {
    CHECK(r.seen[i].value == "new-" + std::to_string(i % 5));
    CHECK(r.seen[i].offset == int64_t(i));
  }
}
