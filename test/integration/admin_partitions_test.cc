// The admin client moving partitions on the real cluster (admin_rig.h): reassignments and
// leader elections, and a producer following a moved leader named in its produce answer (KIP-951).
#include "admin_rig.h"

using namespace admin_it;

TEST_CASE("admin: partition reassignments and leader elections", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-admin-reassign");
  uvk_admin_new_topic t;
  uvk_admin_new_topic_init(&t, topic.c_str());
  t.num_partitions = 1;
  t.replication_factor = 1;
  Reply c;
  REQUIRE(uvk_admin_create_topics(rig.admin, &t, 1, nullptr, on_results, &c) == 0);
  rig.wait(c);
  REQUIRE(c.code == 0);
  int32_t from = leader_of(rig, topic, 0);
  REQUIRE(from >= 1);
  // On 3 nodes move the single replica to another broker; on 1 node "move" it in place.
  int32_t to = nodes() >= 2 ? (from % nodes()) + 1 : from;
  uvk_admin_reassignment r = {topic.c_str(), 0, &to, 1};
  PartReply a;
  REQUIRE(uvk_admin_alter_partition_reassignments(rig.admin, &r, 1, -1, on_partitions, &a) == 0);
  run_until(&rig.loop, &a.done);
  INFO("alter: " << a.code << " " << (a.messages.empty() ? "" : a.messages[0]));
  REQUIRE(a.code == 0);
  REQUIRE(a.parts.size() == 1);
  CHECK(a.parts[0].error == 0);
  // The move finishes in the background: ask until nothing is in progress (bounded).
  uvk_admin_topic_partitions tp = {topic.c_str(), nullptr, 0};
  CHECK(rig.eventually([&] {
    PartReply l;
    REQUIRE(uvk_admin_list_partition_reassignments(rig.admin, &tp, 1, -1, on_reassignments, &l) == 0);
    run_until(&rig.loop, &l.done);
    REQUIRE(l.code == 0);
    return l.ongoing == 0;
  }));
  CHECK(rig.eventually([&] { return leader_of(rig, topic, 0) == to; }));

  // A broker that does not exist: the partition's own error.
  int32_t nowhere = 999;
  uvk_admin_reassignment bad = {topic.c_str(), 0, &nowhere, 1};
  PartReply b;
  REQUIRE(uvk_admin_alter_partition_reassignments(rig.admin, &bad, 1, -1, on_partitions, &b) == 0);
  run_until(&rig.loop, &b.done);
  CHECK(b.code == UVK_EKAFKA);
  REQUIRE(b.parts.size() == 1);
  CHECK(b.parts[0].error != 0);
  CHECK_FALSE(b.messages[0].empty());

  // The preferred leader already leads: ELECTION_NOT_NEEDED, which is not a failure.
  PartReply e;
  REQUIRE(uvk_admin_elect_leaders(rig.admin, UVK_ELECTION_PREFERRED, &tp, 1, -1, on_partitions, &e) == 0);
  run_until(&rig.loop, &e.done);
  INFO("elect: " << e.code << " " << e.kafka);
  CHECK(e.code == 0);
  REQUIRE(e.parts.size() == 1);
  CHECK(e.parts[0].error == UVK_ERR_KAFKA(84));
  CHECK(uvk_admin_elect_leaders(rig.admin, 7, &tp, 1, -1, on_partitions, &e) == UVK_EINVAL);
}

// KIP-951 (needs 2+ brokers): the partition's only replica moves to another broker while a
// producer still knows the old leader. The old leader answers NOT_LEADER_OR_FOLLOWER naming
// the new one, and the producer resends there without a Metadata request (before KIP-951 it
// marked the topic stale and asked for metadata first).
TEST_CASE("producer: a moved leader named in the produce answer is used without a metadata request",
          "[integration3]") {
  REQUIRE(nodes() >= 2);
  Rig rig;
  std::string topic = uniq("uvk-it-kip951");
  uvk_admin_new_topic t;
  uvk_admin_new_topic_init(&t, topic.c_str());
  t.num_partitions = 1;
  t.replication_factor = 1;
  Reply c;
  REQUIRE(uvk_admin_create_topics(rig.admin, &t, 1, nullptr, on_results, &c) == 0);
  rig.wait(c);
  REQUIRE(c.code == 0);
  int32_t from = leader_of(rig, topic, 0);
  REQUIRE(from >= 1);
  CHECK(rig.eventually([&] { return leader_of(rig, topic, 0) == from; }));

  // The producer on a client of its own: the admin's metadata answers must not reach its cache.
  Rig prig;
  g_loop = &rig.loop;
  uvk_producer *p = nullptr;
  REQUIRE(uvk_producer_new(prig.client, nullptr, &p) == 0);
  struct Sent {
    bool done = false;
    int code = 1;
  };
  uvk_send_options opts;
  uvk_send_options_init(&opts);
  auto send_one = [&](const char *value) {
    Sent s;
    g_loop = &prig.loop;
    uvk_message m = {nullptr, 0, value, strlen(value), 0, -1, nullptr, 0};
    REQUIRE(uvk_producer_send(p, topic.c_str(), &m, 1, &opts,
                              [](uvk_producer *, const uvk_error *e, const uvk_record_metadata *, size_t, void *ud) {
                                wake();
                                Sent *x = static_cast<Sent *>(ud);
                                x->done = true;
                                x->code = e ? uvk_error_code(e) : 0;
                              },
                              &s) == 0);
    run_until(&prig.loop, &s.done);
    g_loop = &rig.loop;
    return s.code;
  };
  REQUIRE(send_one("before") == 0);  // the producer now knows `from` as the leader

  int32_t to = (from % nodes()) + 1;
  uvk_admin_reassignment r = {topic.c_str(), 0, &to, 1};
  PartReply a;
  REQUIRE(uvk_admin_alter_partition_reassignments(rig.admin, &r, 1, -1, on_partitions, &a) == 0);
  run_until(&rig.loop, &a.done);
  REQUIRE(a.code == 0);
  uvk_admin_topic_partitions tp = {topic.c_str(), nullptr, 0};
  REQUIRE(rig.eventually([&] {
    PartReply l;
    REQUIRE(uvk_admin_list_partition_reassignments(rig.admin, &tp, 1, -1, on_reassignments, &l) == 0);
    run_until(&rig.loop, &l.done);
    return l.code == 0 && l.ongoing == 0 && leader_of(rig, topic, 0) == to;
  }));

  struct Count {
    int produce = 0, metadata = 0;
  } n;
  int64_t id = uvk_client_on(prig.client, UVK_EVENT_REQUEST, [](void *ud, const uvk_event *ev) {
    auto *req = static_cast<const uvk_event_request *>(ev->payload);
    Count *x = static_cast<Count *>(ud);
    if (req->api_key == 0) x->produce++;
    if (req->api_key == 3) x->metadata++;
  }, &n);
  REQUIRE(id > 0);
  uint64_t t0 = uv_hrtime();
  CHECK(send_one("after") == 0);
  WARN("measured: the send after the leader moved completed in " << (uv_hrtime() - t0) / 1000 << " us");
  INFO("moved the leader from " << from << " to " << to);
  CHECK(n.produce == 2);   // to the old leader (NOT_LEADER_OR_FOLLOWER), then to the new one
  CHECK(n.metadata == 0);  // the answer named the new leader
  uvk_producer_free(p);
  g_loop = &prig.loop;  // prig goes first, then hands rig's loop back
}
