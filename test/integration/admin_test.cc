// The admin client against the real Kafka test cluster: topics, partitions, offsets, groups
// and configs, each with its error paths (topic exists, unknown topic, invalid config,
// group not empty).
#include "admin_rig.h"

using namespace admin_it;

TEST_CASE("admin: createTopics creates, reports an existing topic as false, validates, rejects a bad config",
          "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-admin-create");
  Reply r = create_topic(rig, topic, 3);
  INFO(r.message);
  REQUIRE(r.code == 0);
  REQUIRE(r.items.size() == 1);
  CHECK(r.items[0].name == topic);
  CHECK(r.items[0].error == 0);
  // waitForLeaders: the metadata has every partition with a leader already.
  Reply md = topic_metadata(rig, topic);
  REQUIRE(md.code == 0);
  CHECK(md.partitions[topic] == 3);

  // Again: TOPIC_ALREADY_EXISTS on the topic, but not an error of the call (KafkaJS: false).
  Reply again = create_topic(rig, topic, 3);
  CHECK(again.code == 0);
  REQUIRE(again.items.size() == 1);
  CHECK(again.items[0].error == UVK_ERR_KAFKA(36));

  // validateOnly creates nothing.
  std::string dry = uniq("uvk-it-admin-dry");
  Reply v = create_topic(rig, dry, 1, nullptr, 0, 1);
  CHECK(v.code == 0);
  // (waitForLeaders saw the topic on one broker; the one listing may learn of it a moment later)
  Reply list;
  CHECK(rig.eventually([&] {
    list = Reply();
    REQUIRE(uvk_admin_list_topics(rig.admin, on_names, &list) == 0);
    rig.wait(list);
    REQUIRE(list.code == 0);
    return std::find(list.names.begin(), list.names.end(), topic) != list.names.end();
  }));
  CHECK(std::find(list.names.begin(), list.names.end(), dry) == list.names.end());
  for (const std::string &n : list.names) CHECK(n != "__consumer_offsets");

  // An invalid config value: the call fails with INVALID_CONFIG and the broker's message.
  uvk_admin_config_entry bad = {"retention.ms", "not-a-number"};
  Reply b = create_topic(rig, uniq("uvk-it-admin-bad"), 1, &bad, 1);
  CHECK(b.code == UVK_EKAFKA);
  CHECK(b.kafka == 40);
  REQUIRE(b.items.size() == 1);
  CHECK(b.items[0].error == UVK_ERR_KAFKA(40));
  CHECK_FALSE(b.items[0].message.empty());
}

TEST_CASE("admin: createPartitions grows a topic; shrinking fails; deleteTopics deletes; unknown topics fail",
          "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-admin-parts");
  REQUIRE(create_topic(rig, topic, 2).code == 0);
  uvk_admin_new_partitions np = {topic.c_str(), 4, nullptr, 0};
  Reply r;
  REQUIRE(uvk_admin_create_partitions(rig.admin, &np, 1, nullptr, on_results, &r) == 0);
  rig.wait(r);
  INFO(r.message);
  REQUIRE(r.code == 0);
  CHECK(rig.eventually([&] { return topic_metadata(rig, topic).partitions[topic] == 4; }));

  uvk_admin_new_partitions fewer = {topic.c_str(), 1, nullptr, 0};
  Reply s;
  REQUIRE(uvk_admin_create_partitions(rig.admin, &fewer, 1, nullptr, on_results, &s) == 0);
  rig.wait(s);
  CHECK(s.kafka == 37);  // INVALID_PARTITIONS
  REQUIRE(s.items.size() == 1);
  CHECK_FALSE(s.items[0].message.empty());

  const char *names[] = {topic.c_str()};
  Reply d;
  REQUIRE(uvk_admin_delete_topics(rig.admin, names, 1, nullptr, on_results, &d) == 0);
  rig.wait(d);
  CHECK(d.code == 0);
  REQUIRE(d.items.size() == 1);
  CHECK(d.items[0].error == 0);
  // Brokers learn of the deletion from the controller one by one: ask until the one that
  // answers no longer lists it (bounded).
  CHECK(rig.eventually([&] {
    Reply list;
    REQUIRE(uvk_admin_list_topics(rig.admin, on_names, &list) == 0);
    rig.wait(list);
    REQUIRE(list.code == 0);
    return std::find(list.names.begin(), list.names.end(), topic) == list.names.end();
  }));

  std::string ghost = uniq("uvk-it-admin-ghost");
  const char *ghosts[] = {ghost.c_str()};
  Reply g;
  REQUIRE(uvk_admin_delete_topics(rig.admin, ghosts, 1, nullptr, on_results, &g) == 0);
  rig.wait(g);
  CHECK(g.kafka == 3);  // UNKNOWN_TOPIC_OR_PARTITION
  REQUIRE(g.items.size() == 1);
  CHECK(g.items[0].error == UVK_ERR_KAFKA(3));
}

TEST_CASE("admin: describeCluster and bad arguments", "[integration]") {
  Rig rig;
  Reply r;
  REQUIRE(uvk_admin_describe_cluster(rig.admin, on_metadata, &r) == 0);
  rig.wait(r);
  REQUIRE(r.code == 0);
  CHECK(r.brokers == size_t(nodes()));
  CHECK(r.controller >= 0);
  CHECK_FALSE(r.cluster_id.empty());

  Reply unused;
  CHECK(uvk_admin_create_topics(rig.admin, nullptr, 0, nullptr, on_results, &unused) == UVK_EINVAL);
  uvk_admin_new_topic t;
  uvk_admin_new_topic_init(&t, "");
  CHECK(uvk_admin_create_topics(rig.admin, &t, 1, nullptr, on_results, &unused) == UVK_EINVAL);
  CHECK(uvk_admin_delete_topics(nullptr, nullptr, 0, nullptr, on_results, &unused) == UVK_EINVAL);
  CHECK(uvk_admin_fetch_topic_offsets(rig.admin, nullptr, on_offsets, &unused) == UVK_EINVAL);
  CHECK(uvk_admin_fetch_offsets(rig.admin, "", nullptr, 0, 0, on_offsets, &unused) == UVK_EINVAL);
  uvk_admin_seek neg = {-1, 0};
  CHECK(uvk_admin_set_offsets(rig.admin, "g", "t", &neg, 1, on_offsets, &unused) == UVK_EINVAL);
  CHECK(uvk_admin_describe_groups(rig.admin, nullptr, 0, on_groups, &unused) == UVK_EINVAL);
  uvk_admin_config_resource res;
  memset(&res, 0, sizeof res);
  res.type = UVK_RESOURCE_BROKER;
  res.name = "not-a-number";
  CHECK(uvk_admin_describe_configs(rig.admin, &res, 1, 0, on_configs, &unused) == UVK_EINVAL);
  CHECK_FALSE(unused.done);
}

TEST_CASE("admin: fetchTopicOffsets, ByTimestamp and deleteTopicRecords", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-admin-offsets");
  REQUIRE(create_topic(rig, topic, 2).code == 0);
  const int n = 50;
  REQUIRE(produce(rig, topic, n) == n);

  Reply r;
  REQUIRE(uvk_admin_fetch_topic_offsets(rig.admin, topic.c_str(), on_offsets, &r) == 0);
  rig.wait(r);
  INFO(r.message);
  REQUIRE(r.code == 0);
  REQUIRE(r.offsets.size() == 2);
  CHECK(sum_high(r) == n);
  for (const Offset &o : r.offsets) {
    CHECK(o.low == 0);
    CHECK(o.offset == o.high);
  }

  // From the beginning of time: the first offset of each partition.
  Reply ts;
  REQUIRE(uvk_admin_fetch_topic_offsets_by_timestamp(rig.admin, topic.c_str(), 0, on_offsets, &ts) == 0);
  rig.wait(ts);
  REQUIRE(ts.code == 0);
  REQUIRE(ts.offsets.size() == 2);
  for (const Offset &o : ts.offsets) CHECK(o.offset == 0);
  // After every message: no such offset, so the end offset (KafkaJS).
  Reply late;
  int64_t future = int64_t(time(nullptr)) * 1000 + INT64_C(100000000000);
  REQUIRE(uvk_admin_fetch_topic_offsets_by_timestamp(rig.admin, topic.c_str(), future, on_offsets, &late) == 0);
  rig.wait(late);
  REQUIRE(late.code == 0);
  REQUIRE(late.offsets.size() == 2);
  std::map<int32_t, int64_t> high;
  for (const Offset &o : r.offsets) high[o.partition] = o.high;
  for (const Offset &o : late.offsets) CHECK(o.offset == high[o.partition]);

  // Delete the first two records of the partition that has at least two.
  int32_t part = r.offsets[0].high >= 2 ? r.offsets[0].partition : r.offsets[1].partition;
  uvk_admin_seek cut = {part, 2};
  Reply d;
  REQUIRE(uvk_admin_delete_topic_records(rig.admin, topic.c_str(), &cut, 1, on_offsets, &d) == 0);
  rig.wait(d);
  INFO(d.message);
  REQUIRE(d.code == 0);
  REQUIRE(d.offsets.size() == 1);
  CHECK(d.offsets[0].low == 2);
  Reply after;
  REQUIRE(uvk_admin_fetch_topic_offsets(rig.admin, topic.c_str(), on_offsets, &after) == 0);
  rig.wait(after);
  for (const Offset &o : after.offsets) CHECK(o.low == (o.partition == part ? 2 : 0));

  // Past the end: OFFSET_OUT_OF_RANGE for that partition.
  uvk_admin_seek beyond = {part, high[part] + 100};
  Reply e;
  REQUIRE(uvk_admin_delete_topic_records(rig.admin, topic.c_str(), &beyond, 1, on_offsets, &e) == 0);
  rig.wait(e);
  CHECK(e.kafka == 1);
  REQUIRE(e.offsets.size() == 1);
  CHECK(e.offsets[0].error == UVK_ERR_KAFKA(1));

  // An unknown topic fails (auto-creation is off in this client).
  Reply u;
  std::string ghost = uniq("uvk-it-admin-ghost");
  REQUIRE(uvk_admin_fetch_topic_offsets(rig.admin, ghost.c_str(), on_offsets, &u) == 0);
  rig.wait(u);
  CHECK(u.code != 0);
}

TEST_CASE("admin: setOffsets, fetchOffsets, resetOffsets, listGroups, describeGroups, deleteGroups",
          "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-admin-group-topic");
  std::string group = uniq("uvk-it-admin-group");
  REQUIRE(create_topic(rig, topic, 2).code == 0);
  const int n = 40;
  REQUIRE(produce(rig, topic, n) == n);

  // No commits yet: -1, or the high watermark with resolveOffsets.
  const char *topics[] = {topic.c_str()};
  Reply none;
  REQUIRE(uvk_admin_fetch_offsets(rig.admin, group.c_str(), topics, 1, 0, on_offsets, &none) == 0);
  rig.wait(none);
  INFO(none.message);
  REQUIRE(none.code == 0);
  REQUIRE(none.offsets.size() == 2);
  for (const Offset &o : none.offsets) CHECK(o.offset == -1);
  Reply resolved;
  REQUIRE(uvk_admin_fetch_offsets(rig.admin, group.c_str(), topics, 1, 1, on_offsets, &resolved) == 0);
  rig.wait(resolved);
  REQUIRE(resolved.code == 0);
  int64_t total = 0;
  for (const Offset &o : resolved.offsets) total += o.offset;
  CHECK(total == n);

  uvk_admin_seek seeks[] = {{0, 1}, {1, 2}};
  Reply set;
  REQUIRE(uvk_admin_set_offsets(rig.admin, group.c_str(), topic.c_str(), seeks, 2, on_offsets, &set) == 0);
  rig.wait(set);
  INFO(set.message);
  REQUIRE(set.code == 0);
  Reply got;
  REQUIRE(uvk_admin_fetch_offsets(rig.admin, group.c_str(), nullptr, 0, 0, on_offsets, &got) == 0);
  rig.wait(got);
  REQUIRE(got.code == 0);
  REQUIRE(got.offsets.size() == 2);
  for (const Offset &o : got.offsets) {
    CHECK(o.topic == topic);
    CHECK(o.offset == (o.partition == 0 ? 1 : 2));
  }

  // resetOffsets to the latest: the committed offsets are the end offsets.
  Reply reset;
  REQUIRE(uvk_admin_reset_offsets(rig.admin, group.c_str(), topic.c_str(), 0, on_offsets, &reset) == 0);
  rig.wait(reset);
  REQUIRE(reset.code == 0);
  Reply latest;
  REQUIRE(uvk_admin_fetch_offsets(rig.admin, group.c_str(), topics, 1, 0, on_offsets, &latest) == 0);
  rig.wait(latest);
  total = 0;
  for (const Offset &o : latest.offsets) total += o.offset;
  CHECK(total == n);
  // ... and back to the earliest.
  Reply early;
  REQUIRE(uvk_admin_reset_offsets(rig.admin, group.c_str(), topic.c_str(), 1, on_offsets, &early) == 0);
  rig.wait(early);
  REQUIRE(early.code == 0);
  Reply zero;
  REQUIRE(uvk_admin_fetch_offsets(rig.admin, group.c_str(), topics, 1, 0, on_offsets, &zero) == 0);
  rig.wait(zero);
  for (const Offset &o : zero.offsets) CHECK(o.offset == 0);

  // The group exists (offsets only, no members): listed, Empty.
  Reply list;
  REQUIRE(uvk_admin_list_groups(rig.admin, on_groups, &list) == 0);
  rig.wait(list);
  REQUIRE(list.code == 0);
  bool listed = false;
  for (const Group &g : list.groups) listed = listed || g.id == group;
  CHECK(listed);
  const char *ids[] = {group.c_str()};
  Reply desc;
  REQUIRE(uvk_admin_describe_groups(rig.admin, ids, 1, on_groups, &desc) == 0);
  rig.wait(desc);
  REQUIRE(desc.code == 0);
  REQUIRE(desc.groups.size() == 1);
  CHECK(desc.groups[0].state == "Empty");
  CHECK(desc.groups[0].members == 0);

  Reply del;
  REQUIRE(uvk_admin_delete_groups(rig.admin, ids, 1, on_results, &del) == 0);
  rig.wait(del);
  INFO(del.message);
  CHECK(del.code == 0);
  REQUIRE(del.items.size() == 1);
  CHECK(del.items[0].error == 0);
  Reply dead;
  REQUIRE(uvk_admin_describe_groups(rig.admin, ids, 1, on_groups, &dead) == 0);
  rig.wait(dead);
  REQUIRE(dead.groups.size() == 1);
  CHECK(dead.groups[0].state == "Dead");
  Reply again;
  REQUIRE(uvk_admin_delete_groups(rig.admin, ids, 1, on_results, &again) == 0);
  rig.wait(again);
  CHECK(again.kafka == 69);  // GROUP_ID_NOT_FOUND
  REQUIRE(again.items.size() == 1);
  CHECK(again.items[0].error == UVK_ERR_KAFKA(69));
}

TEST_CASE("admin: setOffsets and deleteGroups refuse a group with an active member", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-admin-busy-topic");
  std::string group = uniq("uvk-it-admin-busy");
  REQUIRE(create_topic(rig, topic, 1).code == 0);
  REQUIRE(produce(rig, topic, 1) == 1);
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "groupId", group.c_str(), err, sizeof err) == 0);
  uvk_consumer *c = nullptr;
  REQUIRE(uvk_consumer_new(rig.client, cfg, &c) == 0);
  uvk_config_free(cfg);
  REQUIRE(uvk_consumer_subscribe(c, topic.c_str(), 1) == 0);
  struct S {
    bool got = false;
  } s;
  uvk_run_options ro;
  uvk_run_options_init(&ro);
  ro.ud = &s;
  ro.each_message = [](uvk_consumer *, const uvk_batch *, const uvk_consumer_message *, void *ud) {
    static_cast<S *>(ud)->got = true;
    wake();
    return 0;
  };
  REQUIRE(uvk_consumer_run(c, &ro) == 0);
  // A message arrives only once the member has joined and been assigned the partition.
  run_until(&rig.loop, &s.got);

  uvk_admin_seek seek = {0, 0};
  Reply set;
  REQUIRE(uvk_admin_set_offsets(rig.admin, group.c_str(), topic.c_str(), &seek, 1, on_offsets, &set) == 0);
  rig.wait(set);
  INFO("setOffsets on a live group: " << set.code << " kafka " << set.kafka << " " << set.message);
  CHECK(set.code == UVK_EKAFKA);
  CHECK((set.kafka == 25 || set.kafka == 22 || set.kafka == 27));  // UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION / REBALANCE
  const char *ids[] = {group.c_str()};
  Reply del;
  REQUIRE(uvk_admin_delete_groups(rig.admin, ids, 1, on_results, &del) == 0);
  rig.wait(del);
  CHECK(del.kafka == 68);  // NON_EMPTY_GROUP
  Reply desc;
  REQUIRE(uvk_admin_describe_groups(rig.admin, ids, 1, on_groups, &desc) == 0);
  rig.wait(desc);
  REQUIRE(desc.groups.size() == 1);
  CHECK(desc.groups[0].members == 1);
  CHECK(desc.groups[0].protocol_type == "consumer");

  bool stopped = false;
  REQUIRE(uvk_consumer_stop(
              c, [](uvk_consumer *, const uvk_error *, void *ud) { *static_cast<bool *>(ud) = true; wake(); }, &stopped) == 0);
  run_until(&rig.loop, &stopped);
  uvk_consumer_free(c);
  // stop left the group (LeaveGroup), so it is empty now, not after sessionTimeout.
  Reply after;
  REQUIRE(uvk_admin_describe_groups(rig.admin, ids, 1, on_groups, &after) == 0);
  rig.wait(after);
  REQUIRE(after.groups.size() == 1);
  CHECK(after.groups[0].members == 0);
  CHECK(after.groups[0].state == "Empty");
}

TEST_CASE("admin: describeConfigs and alterConfigs on a topic and a broker", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-admin-configs");
  REQUIRE(create_topic(rig, topic, 1).code == 0);
  uvk_admin_config_resource res;
  memset(&res, 0, sizeof res);
  res.type = UVK_RESOURCE_TOPIC;
  res.name = topic.c_str();
  Reply d;
  REQUIRE(uvk_admin_describe_configs(rig.admin, &res, 1, 1, on_configs, &d) == 0);
  rig.wait(d);
  INFO(d.message);
  REQUIRE(d.code == 0);
  auto &cfg = d.configs[topic];
  REQUIRE(cfg.count("cleanup.policy") == 1);
  CHECK(cfg["cleanup.policy"].value == "delete");
  CHECK(cfg["cleanup.policy"].is_default);
  size_t with_synonyms = 0;
  for (auto &kv : cfg) with_synonyms += kv.second.synonyms > 0;
  CHECK(with_synonyms > 0);

  uvk_admin_config_entry set = {"retention.ms", "123456789"};
  res.config_entries = &set;
  res.n_config_entries = 1;
  Reply a;
  REQUIRE(uvk_admin_alter_configs(rig.admin, &res, 1, 0, on_results, &a) == 0);
  rig.wait(a);
  INFO(a.message);
  REQUIRE(a.code == 0);
  REQUIRE(a.items.size() == 1);
  CHECK(a.items[0].name == topic);
  const char *keys[] = {"retention.ms"};
  res.config_entries = nullptr;
  res.n_config_entries = 0;
  res.config_names = keys;
  res.n_config_names = 1;
  Reply d2;
  CHECK(rig.eventually([&] {
    d2 = Reply();
    REQUIRE(uvk_admin_describe_configs(rig.admin, &res, 1, 0, on_configs, &d2) == 0);
    rig.wait(d2);
    REQUIRE(d2.code == 0);
    return d2.configs[topic]["retention.ms"].value == "123456789";
  }));
  CHECK(d2.configs[topic].size() == 1);
  CHECK_FALSE(d2.configs[topic]["retention.ms"].is_default);

  // An invalid value: INVALID_CONFIG with the broker's message; nothing changes.
  uvk_admin_config_entry bad = {"retention.ms", "soon"};
  res.config_names = nullptr;
  res.n_config_names = 0;
  res.config_entries = &bad;
  res.n_config_entries = 1;
  Reply b;
  REQUIRE(uvk_admin_alter_configs(rig.admin, &res, 1, 0, on_results, &b) == 0);
  rig.wait(b);
  CHECK(b.kafka == 40);
  REQUIRE(b.items.size() == 1);
  CHECK_FALSE(b.items[0].message.empty());

  // A broker's configs come from that broker.
  Reply br;
  uvk_admin_config_resource broker;
  memset(&broker, 0, sizeof broker);
  broker.type = UVK_RESOURCE_BROKER;
  broker.name = "1";
  REQUIRE(uvk_admin_describe_configs(rig.admin, &broker, 1, 0, on_configs, &br) == 0);
  rig.wait(br);
  INFO(br.message);
  REQUIRE(br.code == 0);
  CHECK(br.configs["1"].size() > 10);
  CHECK(br.configs["1"].count("log.retention.hours") == 1);

  // An unknown topic: its own error.
  Reply u;
  std::string ghost = uniq("uvk-it-admin-ghost");
  res.name = ghost.c_str();
  res.config_entries = nullptr;
  res.n_config_entries = 0;
  REQUIRE(uvk_admin_describe_configs(rig.admin, &res, 1, 0, on_configs, &u) == 0);
  rig.wait(u);
  CHECK(u.kafka == 3);
  REQUIRE(u.config_errors.size() == 1);
  CHECK(u.config_errors[0].error == UVK_ERR_KAFKA(3));
}

// docs/client.md: freeing an admin completes each pending operation once, with UVK_ECLOSED.
TEST_CASE("admin: freeing the admin completes pending callbacks once with UVK_ECLOSED", "[integration]") {
  Rig rig;
  struct Count {
    int calls = 0;
    int code = 0;
  } cut;
  REQUIRE(uvk_admin_describe_cluster(rig.admin,
                                     [](uvk_admin *, const uvk_error *e, const uvk_metadata *, void *ud) {
                                       auto *c = static_cast<Count *>(ud);
                                       c->calls++;
                                       c->code = e ? uvk_error_code(e) : 0;
                                     },
                                     &cut) == 0);
  uvk_admin_free(rig.admin);
  rig.admin = nullptr;
  // The client still works; let whatever the admin had started finish.
  Reply m;
  REQUIRE(uvk_client_metadata(rig.client, nullptr, 0,
                              [](uvk_client *, const uvk_error *e, const uvk_metadata *, void *ud) {
                                take_error(static_cast<Reply *>(ud), e);
                              },
                              &m) == 0);
  rig.wait(m);
  CHECK(m.code == 0);
  uvk_admin *second = nullptr;
  REQUIRE(uvk_admin_new(rig.client, nullptr, &second) == 0);
  Reply z;
  REQUIRE(uvk_admin_describe_cluster(second, on_metadata, &z) == 0);
  rig.wait(z);
  CHECK(z.code == 0);
  uvk_admin_free(second);
  CHECK(cut.calls == 1);
  CHECK(cut.code == UVK_ECLOSED);
}

TEST_CASE("admin: incrementalAlterConfigs sets and deletes single keys", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-admin-incr");
  REQUIRE(create_topic(rig, topic, 1).code == 0);
  uvk_admin_config_op set[] = {{"retention.ms", "7200000", UVK_CONFIG_SET}, {"segment.ms", "3600000", UVK_CONFIG_SET}};
  uvk_admin_config_change ch = {UVK_RESOURCE_TOPIC, topic.c_str(), set, 2};
  Reply a;
  REQUIRE(uvk_admin_incremental_alter_configs(rig.admin, &ch, 1, 0, on_results, &a) == 0);
  rig.wait(a);
  INFO(a.message);
  REQUIRE(a.code == 0);
  uvk_admin_config_resource res;
  memset(&res, 0, sizeof res);
  res.type = UVK_RESOURCE_TOPIC;
  res.name = topic.c_str();
  Reply d;
  CHECK(rig.eventually([&] {
    d = Reply();
    REQUIRE(uvk_admin_describe_configs(rig.admin, &res, 1, 0, on_configs, &d) == 0);
    rig.wait(d);
    return d.configs[topic]["retention.ms"].value == "7200000";
  }));
  CHECK(d.configs[topic]["segment.ms"].value == "3600000");
  // Delete one key: it goes back to its default, the other stays (unlike alterConfigs).
  uvk_admin_config_op del[] = {{"segment.ms", nullptr, UVK_CONFIG_DELETE}};
  ch.ops = del;
  ch.n_ops = 1;
  Reply b;
  REQUIRE(uvk_admin_incremental_alter_configs(rig.admin, &ch, 1, 0, on_results, &b) == 0);
  rig.wait(b);
  REQUIRE(b.code == 0);
  Reply d2;
  CHECK(rig.eventually([&] {
    d2 = Reply();
    REQUIRE(uvk_admin_describe_configs(rig.admin, &res, 1, 0, on_configs, &d2) == 0);
    rig.wait(d2);
    return d2.configs[topic]["segment.ms"].is_default;
  }));
  CHECK(d2.configs[topic]["retention.ms"].value == "7200000");
  // A bad value: INVALID_CONFIG with the broker's message.
  uvk_admin_config_op bad[] = {{"retention.ms", "later", UVK_CONFIG_SET}};
  ch.ops = bad;
  Reply c;
  REQUIRE(uvk_admin_incremental_alter_configs(rig.admin, &ch, 1, 0, on_results, &c) == 0);
  rig.wait(c);
  CHECK(c.kafka == 40);
  REQUIRE(c.items.size() == 1);
  CHECK_FALSE(c.items[0].message.empty());
  uvk_admin_config_op wrong[] = {{"retention.ms", "1", 9}};
  ch.ops = wrong;
  CHECK(uvk_admin_incremental_alter_configs(rig.admin, &ch, 1, 0, on_results, &c) == UVK_EINVAL);
}

TEST_CASE("admin: deleteConsumerGroupOffsets forgets one partition's offset", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-admin-offdel");
  std::string group = uniq("uvk-it-admin-offdel-group");
  REQUIRE(create_topic(rig, topic, 2).code == 0);
  uvk_admin_seek seeks[] = {{0, 0}, {1, 0}};
  Reply set;
  REQUIRE(uvk_admin_set_offsets(rig.admin, group.c_str(), topic.c_str(), seeks, 2, on_offsets, &set) == 0);
  rig.wait(set);
  INFO("setOffsets: " << set.code << " kafka " << set.kafka << " " << set.message);
  REQUIRE(set.code == 0);
  int32_t p0 = 0;
  uvk_admin_topic_partitions tp = {topic.c_str(), &p0, 1};
  PartReply d;
  REQUIRE(uvk_admin_delete_group_offsets(rig.admin, group.c_str(), &tp, on_partitions, &d) == 0);
  run_until(&rig.loop, &d.done);
  REQUIRE(d.code == 0);
  REQUIRE(d.parts.size() == 1);
  CHECK(d.parts[0].partition == 0);
  CHECK(d.parts[0].error == 0);
  const char *topics[] = {topic.c_str()};
  Reply got;
  REQUIRE(uvk_admin_fetch_offsets(rig.admin, group.c_str(), topics, 1, 0, on_offsets, &got) == 0);
  rig.wait(got);
  REQUIRE(got.offsets.size() == 2);
  for (const Offset &o : got.offsets) CHECK(o.offset == (o.partition == 0 ? -1 : 0));
  // Every partition when none is named; an unknown group fails.
  uvk_admin_topic_partitions all = {topic.c_str(), nullptr, 0};
  PartReply e;
  REQUIRE(uvk_admin_delete_group_offsets(rig.admin, group.c_str(), &all, on_partitions, &e) == 0);
  run_until(&rig.loop, &e.done);
  CHECK(e.code == 0);
  CHECK(e.parts.size() == 2);
  std::string ghost = uniq("uvk-it-admin-ghost-group");
  PartReply g;
  REQUIRE(uvk_admin_delete_group_offsets(rig.admin, ghost.c_str(), &all, on_partitions, &g) == 0);
  run_until(&rig.loop, &g.done);
  CHECK(g.kafka == 69);  // GROUP_ID_NOT_FOUND
}


TEST_CASE("admin: events (KafkaJS admin.on) report the admin's requests and go with the admin", "[integration]") {
  Rig rig;
  struct Seen {
    std::vector<std::string> apis;
    int connects = 0;
  } seen;
  auto on_request = [](void *ud, const uvk_event *ev) {
    auto *req = static_cast<const uvk_event_request *>(ev->payload);
    static_cast<Seen *>(ud)->apis.push_back(req && req->api_name ? req->api_name : "");
  };
  int64_t id = uvk_admin_on(rig.admin, UVK_EVENT_REQUEST, on_request, &seen);
  REQUIRE(id > 0);
  CHECK(uvk_admin_on(rig.admin, UVK_EVENT_GROUP_JOIN, on_request, &seen) == UVK_EINVAL);  // a consumer event
  CHECK(uvk_admin_on(rig.admin, UVK_EVENT_REQUEST, nullptr, &seen) == UVK_EINVAL);
  CHECK(uvk_admin_on(nullptr, UVK_EVENT_REQUEST, on_request, &seen) == UVK_EINVAL);

  std::string topic = uniq("uvk-it-admin-events");
  REQUIRE(create_topic(rig, topic, 1).code == 0);
  CHECK(std::find(seen.apis.begin(), seen.apis.end(), "CreateTopics") != seen.apis.end());
  CHECK(std::find(seen.apis.begin(), seen.apis.end(), "Metadata") != seen.apis.end());

  // off: no more events from this listener; an unknown id is refused.
  REQUIRE(uvk_admin_off(rig.admin, id) == 0);
  CHECK(uvk_admin_off(rig.admin, id) == UVK_ENOTFOUND);
  size_t before = seen.apis.size();
  Reply r;
  REQUIRE(uvk_admin_list_topics(rig.admin, on_names, &r) == 0);
  rig.wait(r);
  CHECK(seen.apis.size() == before);

  // A listener still registered when the admin is freed goes with it (the client stays: a
  // listener on the client itself still hears the next request).
  REQUIRE(uvk_admin_on(rig.admin, UVK_EVENT_REQUEST, on_request, &seen) > 0);
  Seen control;
  int64_t control_id = uvk_client_on(rig.client, UVK_EVENT_REQUEST, on_request, &control);
  REQUIRE(control_id > 0);
  uvk_admin_free(rig.admin);
  rig.admin = nullptr;
  before = seen.apis.size();
  struct Md {
    bool done = false;
  } md;
  REQUIRE(uvk_client_metadata(rig.client, nullptr, 0,
                              [](uvk_client *, const uvk_error *, const uvk_metadata *, void *ud) {
                                static_cast<Md *>(ud)->done = true;
                                wake();
                              },
                              &md) == 0);
  run_until(&rig.loop, &md.done);
  CHECK(seen.apis.size() == before);
  CHECK(std::find(control.apis.begin(), control.apis.end(), "Metadata") != control.apis.end());
  uvk_client_off(rig.client, control_id);
}
