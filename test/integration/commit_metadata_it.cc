// Commit metadata against the real broker: what uvk_consumer_commit_offsets_with_metadata
// stores is what the admin's fetchOffsets reads back, and a metadata over the broker's
// offset.metadata.max.bytes (4096, the default test/kafka/cluster.sh keeps) fails with
// OFFSET_METADATA_TOO_LARGE by name while the group keeps what it had.
#include "consumer_it.h"

using namespace consumer_it;

namespace {

struct Done {
  bool done = false;
  int code = 0, kafka = 0;
  std::string name;
  uv_loop_t *loop = nullptr;
};

Done commit(Rig &rig, uvk_consumer *c, const uvk_topic_partition_offset_metadata *o, size_t n) {
  Done d;
  d.loop = &rig.loop;
  REQUIRE(uvk_consumer_commit_offsets_with_metadata(c, o, n, [](uvk_consumer *, const uvk_error *e, void *ud) {
    Done *x = static_cast<Done *>(ud);
    x->done = true;
    x->code = uvk_error_code(e);
    x->kafka = uvk_error_kafka_code(e);
    if (e && uvk_error_kafka_name(e)) x->name = uvk_error_kafka_name(e);
    uv_stop(x->loop);
  }, &d) == 0);
  while (!d.done) rig.turn();
  return d;
}

struct Fetched {
  bool done = false;
  int code = -1;
  std::map<int32_t, std::pair<int64_t, std::string>> by_partition;  // offset, metadata ("<null>")
  uv_loop_t *loop = nullptr;
};

Fetched fetch_offsets(Rig &rig, uvk_admin *admin, const std::string &group, const std::string &topic) {
  Fetched f;
  f.loop = &rig.loop;
  const char *topics[] = {topic.c_str()};
  REQUIRE(uvk_admin_fetch_offsets(admin, group.c_str(), topics, 1, 0,
                                  [](uvk_admin *, const uvk_error *e, const uvk_admin_partition_offset *o, size_t n,
                                     void *ud) {
                                    Fetched *x = static_cast<Fetched *>(ud);
                                    x->done = true;
                                    x->code = uvk_error_code(e);
                                    for (size_t i = 0; i < n; i++)
                                      x->by_partition[o[i].partition] = {o[i].offset,
                                                                         o[i].metadata ? o[i].metadata : "<null>"};
                                    uv_stop(x->loop);
                                  },
                                  &f) == 0);
  while (!f.done) rig.turn();
  REQUIRE(f.code == 0);
  return f;
}

}  // namespace

TEST_CASE("consumer: commit metadata is stored and read back; the broker's limit fails by name", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-commit-metadata");
  create_topic(rig, topic, 2);
  std::string group = uniq("uvk-it-group-metadata");
  produce(rig, topic, 0, 10, true);
  Member m(rig, group, topic, true);
  uvk_run_options o;
  uvk_run_options_init(&o);
  o.each_message = Member::on_message;
  o.ud = &m;
  o.auto_commit = 0;  // only this test's commits reach the group
  REQUIRE(uvk_consumer_run(m.c, &o) == 0);
  while (m.seen.size() < 10) rig.turn();
  uvk_admin *admin = nullptr;
  REQUIRE(uvk_admin_new(rig.client, nullptr, &admin) == 0);

  const char *t = topic.c_str();
  uvk_topic_partition_offset_metadata first[] = {{t, 0, 3, "event-id-3"}, {t, 1, 2, nullptr}};
  Done d = commit(rig, m.c, first, 2);
  INFO(d.name);
  REQUIRE(d.code == 0);
  Fetched f = fetch_offsets(rig, admin, group, topic);
  CHECK(f.by_partition[0] == std::make_pair(int64_t(3), std::string("event-id-3")));
  // The broker stores a null metadata as the empty string (Java's OffsetAndMetadata does too).
  CHECK(f.by_partition[1] == std::make_pair(int64_t(2), std::string("")));

  // The broker's limit: 4096 bytes are taken, 4097 are not.
  std::string at_limit(4096, 'a');
  uvk_topic_partition_offset_metadata fits{t, 1, 4, at_limit.c_str()};
  REQUIRE(commit(rig, m.c, &fits, 1).code == 0);
  std::string over(4097, 'b');
  uvk_topic_partition_offset_metadata big{t, 0, 5, over.c_str()};
  Done refused = commit(rig, m.c, &big, 1);
  CHECK(refused.code == UVK_EKAFKA);
  CHECK(refused.kafka == 12);
  CHECK(refused.name == "OFFSET_METADATA_TOO_LARGE");
  f = fetch_offsets(rig, admin, group, topic);
  CHECK(f.by_partition[0] == std::make_pair(int64_t(3), std::string("event-id-3")));  // unchanged
  CHECK(f.by_partition[1] == std::make_pair(int64_t(4), at_limit));

  // Past what a commit can carry: refused before anything is sent.
  std::string huge(UVK_COMMIT_METADATA_MAX + 1, 'c');
  big.metadata = huge.c_str();
  CHECK(uvk_consumer_commit_offsets_with_metadata(m.c, &big, 1, nullptr, nullptr) == UVK_ETOOLARGE);

  uvk_admin_free(admin);
  m.stop();
}
