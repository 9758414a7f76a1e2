// Bad input through the C ABI (bad_input.h): the admin's functions.
#include "bad_input.h"

using namespace bad_input;

// ---- admin -----------------------------------------------------------------------------------

BAD_INPUT(uvk_admin_new) {
  uvk_admin *a = nullptr;
  expect(uvk_admin_new(nullptr, nullptr, &a), UVK_EINVAL);
  Rig r;
  expect(uvk_admin_new(r.client, nullptr, nullptr), UVK_EINVAL);
  r.disconnect();
  expect(uvk_admin_new(r.client, nullptr, &a), UVK_ECLOSED);
  CHECK(a == nullptr);
}
BAD_INPUT(uvk_admin_free) { touches_nothing([] { uvk_admin_free(nullptr); }); }
BAD_INPUT(uvk_admin_on) {
  CHECK(uvk_admin_on(nullptr, UVK_EVENT_CONNECT, event_fn, nullptr) == UVK_EINVAL);
  Rig r;
  CHECK(uvk_admin_on(r.admin, UVK_EVENT_CONNECT, nullptr, nullptr) == UVK_EINVAL);
  CHECK(uvk_admin_on(r.admin, UVK_EVENT_GROUP_JOIN, event_fn, nullptr) == UVK_EINVAL);  // a consumer event
  CHECK(uvk_admin_on(r.admin, 0, event_fn, nullptr) == UVK_EINVAL);
}
BAD_INPUT(uvk_admin_off) {
  expect(uvk_admin_off(nullptr, 1), UVK_EINVAL);
  Rig r;
  expect(uvk_admin_off(r.admin, 0), UVK_EINVAL);
  expect(uvk_admin_off(r.admin, 77), UVK_ENOTFOUND);
}
BAD_INPUT(uvk_admin_new_topic_init) {
  touches_nothing([] { uvk_admin_new_topic_init(nullptr, "t"); });
  uvk_admin_new_topic t;
  memset(&t, 0xab, sizeof t);
  uvk_admin_new_topic_init(&t, nullptr);  // a NULL name is stored as given
  CHECK(t.topic == nullptr);
  CHECK(t.num_partitions == -1);
  CHECK(t.replication_factor == -1);
  CHECK(t.replica_assignment == nullptr);
  CHECK(t.config_entries == nullptr);
}
BAD_INPUT(uvk_admin_topic_options_init) {
  touches_nothing([] { uvk_admin_topic_options_init(nullptr); });
  uvk_admin_topic_options o;
  memset(&o, 0xab, sizeof o);
  uvk_admin_topic_options_init(&o);
  CHECK(o.struct_size == sizeof o);
  CHECK(o.timeout == 5000);
}
BAD_INPUT(uvk_acl_filter_init) {
  touches_nothing([] { uvk_acl_filter_init(nullptr); });
  uvk_acl f;
  memset(&f, 0xab, sizeof f);
  uvk_acl_filter_init(&f);
  CHECK(f.resource_type == UVK_ACL_RESOURCE_ANY);
  CHECK(f.resource_name == nullptr);
  CHECK(f.principal == nullptr);
}

// Every admin operation: NULL admin EINVAL, NULL callback EINVAL, NULL / empty arrays and
// names EINVAL, and ECLOSED once the client disconnected. `call` runs it on an admin with
// the callback given or not.
namespace {
template <typename Call>
void admin_basics(Call call) {
  expect(call(nullptr, true), UVK_EINVAL);
  Rig r;
  expect(call(r.admin, false), UVK_EINVAL);
  r.disconnect();
  expect(call(r.admin, true), UVK_ECLOSED);
}
}  // namespace

BAD_INPUT(uvk_admin_create_topics) {
  uvk_admin_new_topic t;
  uvk_admin_new_topic_init(&t, "t");
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_create_topics(a, &t, 1, nullptr, cb ? results_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_create_topics(r.admin, nullptr, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_create_topics(r.admin, &t, 0, nullptr, results_cb, nullptr), UVK_EINVAL);
  uvk_admin_new_topic bad = t;
  bad.topic = nullptr;
  expect(uvk_admin_create_topics(r.admin, &bad, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
  bad.topic = "";
  expect(uvk_admin_create_topics(r.admin, &bad, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
  bad = t;
  bad.n_replica_assignment = 2;  // array NULL
  expect(uvk_admin_create_topics(r.admin, &bad, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
  uvk_admin_replica_assignment ra = {0, nullptr, 3};
  bad.replica_assignment = &ra;
  bad.n_replica_assignment = 1;
  expect(uvk_admin_create_topics(r.admin, &bad, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
  bad = t;
  bad.n_config_entries = 1;
  expect(uvk_admin_create_topics(r.admin, &bad, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
  uvk_admin_config_entry ce = {nullptr, "v"};
  bad.config_entries = &ce;
  expect(uvk_admin_create_topics(r.admin, &bad, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_delete_topics) {
  const char *names[] = {"t", nullptr, ""};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_delete_topics(a, names, 1, nullptr, cb ? results_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_delete_topics(r.admin, nullptr, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_topics(r.admin, names, 0, nullptr, results_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_topics(r.admin, names + 1, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_topics(r.admin, names + 2, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_create_partitions) {
  uvk_admin_new_partitions np = {"t", 3, nullptr, 0};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_create_partitions(a, &np, 1, nullptr, cb ? results_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_create_partitions(r.admin, nullptr, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
  uvk_admin_new_partitions bad = {nullptr, 3, nullptr, 0};
  expect(uvk_admin_create_partitions(r.admin, &bad, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
  bad = {"t", -1, nullptr, 0};
  expect(uvk_admin_create_partitions(r.admin, &bad, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
  bad = {"t", 3, nullptr, 2};
  expect(uvk_admin_create_partitions(r.admin, &bad, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_list_topics) {
  admin_basics([&](uvk_admin *a, bool cb) { return uvk_admin_list_topics(a, cb ? names_cb : nullptr, nullptr); });
}
BAD_INPUT(uvk_admin_fetch_topic_metadata) {
  const char *names[] = {"t", nullptr, ""};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_fetch_topic_metadata(a, names, 1, cb ? admin_md_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_fetch_topic_metadata(r.admin, nullptr, 2, admin_md_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_fetch_topic_metadata(r.admin, names + 1, 1, admin_md_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_fetch_topic_metadata(r.admin, names + 2, 1, admin_md_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_describe_cluster) {
  admin_basics([&](uvk_admin *a, bool cb) { return uvk_admin_describe_cluster(a, cb ? admin_md_cb : nullptr, nullptr); });
}
BAD_INPUT(uvk_admin_fetch_topic_offsets) {
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_fetch_topic_offsets(a, "t", cb ? offsets_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_fetch_topic_offsets(r.admin, nullptr, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_fetch_topic_offsets(r.admin, "", offsets_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_fetch_topic_offsets_by_timestamp) {
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_fetch_topic_offsets_by_timestamp(a, "t", 0, cb ? offsets_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_fetch_topic_offsets_by_timestamp(r.admin, nullptr, 0, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_fetch_topic_offsets_by_timestamp(r.admin, "", 0, offsets_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_fetch_offsets) {
  const char *names[] = {"t", nullptr};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_fetch_offsets(a, "g", names, 1, 0, cb ? offsets_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_fetch_offsets(r.admin, nullptr, names, 1, 0, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_fetch_offsets(r.admin, "", names, 1, 0, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_fetch_offsets(r.admin, "g", nullptr, 1, 0, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_fetch_offsets(r.admin, "g", names, 2, 0, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_fetch_offsets(r.admin, "g", names, 65, 0, offsets_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_set_offsets) {
  uvk_admin_seek s = {0, 1};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_set_offsets(a, "g", "t", &s, 1, cb ? offsets_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_set_offsets(r.admin, nullptr, "t", &s, 1, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_set_offsets(r.admin, "g", nullptr, &s, 1, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_set_offsets(r.admin, "g", "t", nullptr, 1, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_set_offsets(r.admin, "g", "t", &s, 0, offsets_cb, nullptr), UVK_EINVAL);
  uvk_admin_seek neg = {-1, 1};
  expect(uvk_admin_set_offsets(r.admin, "g", "t", &neg, 1, offsets_cb, nullptr), UVK_EINVAL);
  neg = {0, -1};
  expect(uvk_admin_set_offsets(r.admin, "g", "t", &neg, 1, offsets_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_reset_offsets) {
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_reset_offsets(a, "g", "t", 1, cb ? offsets_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_reset_offsets(r.admin, nullptr, "t", 1, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_reset_offsets(r.admin, "g", nullptr, 1, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_reset_offsets(r.admin, "g", "", 1, offsets_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_delete_topic_records) {
  uvk_admin_seek s = {0, -1};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_delete_topic_records(a, "t", &s, 1, cb ? offsets_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_delete_topic_records(r.admin, nullptr, &s, 1, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_topic_records(r.admin, "t", nullptr, 1, offsets_cb, nullptr), UVK_EINVAL);
  uvk_admin_seek neg = {-1, 0};
  expect(uvk_admin_delete_topic_records(r.admin, "t", &neg, 1, offsets_cb, nullptr), UVK_EINVAL);
  neg = {0, -2};
  expect(uvk_admin_delete_topic_records(r.admin, "t", &neg, 1, offsets_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_list_groups) {
  admin_basics([&](uvk_admin *a, bool cb) { return uvk_admin_list_groups(a, cb ? groups_cb : nullptr, nullptr); });
}
BAD_INPUT(uvk_admin_describe_groups) {
  const char *ids[] = {"g", nullptr, ""};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_describe_groups(a, ids, 1, cb ? groups_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_describe_groups(r.admin, nullptr, 1, groups_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_describe_groups(r.admin, ids, 0, groups_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_describe_groups(r.admin, ids + 1, 1, groups_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_describe_groups(r.admin, ids + 2, 1, groups_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_delete_groups) {
  const char *ids[] = {"g", nullptr, ""};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_delete_groups(a, ids, 1, cb ? results_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_delete_groups(r.admin, nullptr, 1, results_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_groups(r.admin, ids + 1, 1, results_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_groups(r.admin, ids + 2, 1, results_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_describe_share_groups) {
  const char *ids[] = {"g", nullptr, ""};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_describe_share_groups(a, ids, 1, cb ? groups_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_describe_share_groups(r.admin, nullptr, 1, groups_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_describe_share_groups(r.admin, ids, 0, groups_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_describe_share_groups(r.admin, ids + 1, 1, groups_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_describe_share_groups(r.admin, ids + 2, 1, groups_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_describe_share_group_offsets) {
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_describe_share_group_offsets(a, "g", nullptr, cb ? offsets_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_describe_share_group_offsets(r.admin, nullptr, "t", offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_describe_share_group_offsets(r.admin, "", "t", offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_describe_share_group_offsets(r.admin, "g", "", offsets_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_alter_share_group_offsets) {
  uvk_admin_seek s{0, 5};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_alter_share_group_offsets(a, "g", "t", &s, 1, cb ? offsets_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_alter_share_group_offsets(r.admin, nullptr, "t", &s, 1, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_alter_share_group_offsets(r.admin, "g", nullptr, &s, 1, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_alter_share_group_offsets(r.admin, "g", "", &s, 1, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_alter_share_group_offsets(r.admin, "g", "t", nullptr, 1, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_alter_share_group_offsets(r.admin, "g", "t", &s, 0, offsets_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_delete_share_group_offsets) {
  const char *topics[] = {"t", nullptr, ""};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_delete_share_group_offsets(a, "g", topics, 1, cb ? results_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_delete_share_group_offsets(r.admin, nullptr, topics, 1, results_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_share_group_offsets(r.admin, "g", nullptr, 1, results_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_share_group_offsets(r.admin, "g", topics, 0, results_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_share_group_offsets(r.admin, "g", topics + 1, 1, results_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_share_group_offsets(r.admin, "g", topics + 2, 1, results_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_describe_configs) {
  uvk_admin_config_resource res;
  memset(&res, 0, sizeof res);
  res.type = UVK_RESOURCE_TOPIC;
  res.name = "t";
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_describe_configs(a, &res, 1, 0, cb ? configs_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_describe_configs(r.admin, nullptr, 1, 0, configs_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_describe_configs(r.admin, &res, 0, 0, configs_cb, nullptr), UVK_EINVAL);
  uvk_admin_config_resource bad = res;
  bad.name = nullptr;
  expect(uvk_admin_describe_configs(r.admin, &bad, 1, 0, configs_cb, nullptr), UVK_EINVAL);
  bad = res;
  bad.type = -1;
  expect(uvk_admin_describe_configs(r.admin, &bad, 1, 0, configs_cb, nullptr), UVK_EINVAL);
  bad = res;
  bad.type = UVK_RESOURCE_BROKER;
  bad.name = "not-a-number";
  expect(uvk_admin_describe_configs(r.admin, &bad, 1, 0, configs_cb, nullptr), UVK_EINVAL);
  bad = res;
  bad.n_config_names = 2;  // names NULL
  expect(uvk_admin_describe_configs(r.admin, &bad, 1, 0, configs_cb, nullptr), UVK_EINVAL);
  const char *null_name[] = {nullptr};
  bad.config_names = null_name;
  bad.n_config_names = 1;
  expect(uvk_admin_describe_configs(r.admin, &bad, 1, 0, configs_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_alter_configs) {
  uvk_admin_config_entry e = {"retention.ms", "1000"};
  uvk_admin_config_resource res;
  memset(&res, 0, sizeof res);
  res.type = UVK_RESOURCE_TOPIC;
  res.name = "t";
  res.config_entries = &e;
  res.n_config_entries = 1;
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_alter_configs(a, &res, 1, 0, cb ? results_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_alter_configs(r.admin, nullptr, 1, 0, results_cb, nullptr), UVK_EINVAL);
  uvk_admin_config_resource bad = res;
  bad.config_entries = nullptr;
  expect(uvk_admin_alter_configs(r.admin, &bad, 1, 0, results_cb, nullptr), UVK_EINVAL);
  uvk_admin_config_entry null_name = {nullptr, "x"};
  bad.config_entries = &null_name;
  expect(uvk_admin_alter_configs(r.admin, &bad, 1, 0, results_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_incremental_alter_configs) {
  uvk_admin_config_op op = {"retention.ms", "1000", UVK_CONFIG_SET};
  uvk_admin_config_change ch = {UVK_RESOURCE_TOPIC, "t", &op, 1};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_incremental_alter_configs(a, &ch, 1, 0, cb ? results_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_incremental_alter_configs(r.admin, nullptr, 1, 0, results_cb, nullptr), UVK_EINVAL);
  uvk_admin_config_change bad = ch;
  bad.ops = nullptr;
  expect(uvk_admin_incremental_alter_configs(r.admin, &bad, 1, 0, results_cb, nullptr), UVK_EINVAL);
  bad = ch;
  bad.name = nullptr;
  expect(uvk_admin_incremental_alter_configs(r.admin, &bad, 1, 0, results_cb, nullptr), UVK_EINVAL);
  uvk_admin_config_op bad_op = {nullptr, "1", UVK_CONFIG_SET};
  bad = ch;
  bad.ops = &bad_op;
  expect(uvk_admin_incremental_alter_configs(r.admin, &bad, 1, 0, results_cb, nullptr), UVK_EINVAL);
  bad_op = {"retention.ms", "1", 99};
  expect(uvk_admin_incremental_alter_configs(r.admin, &bad, 1, 0, results_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_alter_partition_reassignments) {
  int32_t replicas[] = {1};
  uvk_admin_reassignment ra = {"t", 0, replicas, 1};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_alter_partition_reassignments(a, &ra, 1, -1, cb ? partitions_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_alter_partition_reassignments(r.admin, nullptr, 1, -1, partitions_cb, nullptr), UVK_EINVAL);
  uvk_admin_reassignment bad = {nullptr, 0, replicas, 1};
  expect(uvk_admin_alter_partition_reassignments(r.admin, &bad, 1, -1, partitions_cb, nullptr), UVK_EINVAL);
  bad = {"t", -1, replicas, 1};
  expect(uvk_admin_alter_partition_reassignments(r.admin, &bad, 1, -1, partitions_cb, nullptr), UVK_EINVAL);
  bad = {"t", 0, nullptr, 2};
  expect(uvk_admin_alter_partition_reassignments(r.admin, &bad, 1, -1, partitions_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_list_partition_reassignments) {
  uvk_admin_topic_partitions tp = {"t", nullptr, 0};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_list_partition_reassignments(a, &tp, 1, -1, cb ? reassignments_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_list_partition_reassignments(r.admin, nullptr, 1, -1, reassignments_cb, nullptr), UVK_EINVAL);
  uvk_admin_topic_partitions bad = {nullptr, nullptr, 0};
  expect(uvk_admin_list_partition_reassignments(r.admin, &bad, 1, -1, reassignments_cb, nullptr), UVK_EINVAL);
  bad = {"t", nullptr, 3};
  expect(uvk_admin_list_partition_reassignments(r.admin, &bad, 1, -1, reassignments_cb, nullptr), UVK_EINVAL);
  int32_t neg[] = {-1};
  bad = {"t", neg, 1};
  expect(uvk_admin_list_partition_reassignments(r.admin, &bad, 1, -1, reassignments_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_elect_leaders) {
  uvk_admin_topic_partitions tp = {"t", nullptr, 0};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_elect_leaders(a, UVK_ELECTION_PREFERRED, &tp, 1, -1, cb ? partitions_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_elect_leaders(r.admin, 7, &tp, 1, -1, partitions_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_elect_leaders(r.admin, -1, &tp, 1, -1, partitions_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_elect_leaders(r.admin, UVK_ELECTION_PREFERRED, nullptr, 1, -1, partitions_cb, nullptr), UVK_EINVAL);
  int32_t neg[] = {-4};
  uvk_admin_topic_partitions bad = {"t", neg, 1};
  expect(uvk_admin_elect_leaders(r.admin, UVK_ELECTION_PREFERRED, &bad, 1, -1, partitions_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_delete_group_offsets) {
  uvk_admin_topic_partitions tp = {"t", nullptr, 0};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_delete_group_offsets(a, "g", &tp, cb ? partitions_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_delete_group_offsets(r.admin, nullptr, &tp, partitions_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_group_offsets(r.admin, "", &tp, partitions_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_group_offsets(r.admin, "g", nullptr, partitions_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_create_acls) {
  uvk_acl acl = {UVK_ACL_RESOURCE_TOPIC, "t", UVK_ACL_PATTERN_LITERAL, "User:a", "*", UVK_ACL_OP_READ,
                 UVK_ACL_PERMISSION_ALLOW};
  admin_basics([&](uvk_admin *a, bool cb) { return uvk_admin_create_acls(a, &acl, 1, cb ? acls_cb : nullptr, nullptr); });
  Rig r;
  expect(uvk_admin_create_acls(r.admin, nullptr, 1, acls_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_create_acls(r.admin, &acl, 0, acls_cb, nullptr), UVK_EINVAL);
  uvk_acl bad = acl;
  bad.resource_name = nullptr;  // a binding needs every string
  expect(uvk_admin_create_acls(r.admin, &bad, 1, acls_cb, nullptr), UVK_EINVAL);
  bad = acl;
  bad.principal = nullptr;
  expect(uvk_admin_create_acls(r.admin, &bad, 1, acls_cb, nullptr), UVK_EINVAL);
  bad = acl;
  bad.operation = UVK_ACL_OP_ANY;  // filters only
  expect(uvk_admin_create_acls(r.admin, &bad, 1, acls_cb, nullptr), UVK_EINVAL);
  bad = acl;
  bad.resource_type = 99;
  expect(uvk_admin_create_acls(r.admin, &bad, 1, acls_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_describe_acls) {
  uvk_acl f;
  uvk_acl_filter_init(&f);
  admin_basics([&](uvk_admin *a, bool cb) { return uvk_admin_describe_acls(a, &f, cb ? acls_cb : nullptr, nullptr); });
  Rig r;
  expect(uvk_admin_describe_acls(r.admin, nullptr, acls_cb, nullptr), UVK_EINVAL);
  uvk_acl bad = f;
  bad.permission_type = -3;
  expect(uvk_admin_describe_acls(r.admin, &bad, acls_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_delete_acls) {
  uvk_acl f;
  uvk_acl_filter_init(&f);
  admin_basics([&](uvk_admin *a, bool cb) { return uvk_admin_delete_acls(a, &f, 1, cb ? acls_cb : nullptr, nullptr); });
  Rig r;
  expect(uvk_admin_delete_acls(r.admin, nullptr, 1, acls_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_acls(r.admin, &f, 0, acls_cb, nullptr), UVK_EINVAL);
  uvk_acl bad = f;
  bad.operation = 1000;
  expect(uvk_admin_delete_acls(r.admin, &bad, 1, acls_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_describe_user_scram_credentials) {
  const char *users[] = {"u", nullptr, ""};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_describe_user_scram_credentials(a, users, 1, cb ? scram_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_describe_user_scram_credentials(r.admin, nullptr, 2, scram_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_describe_user_scram_credentials(r.admin, users + 1, 1, scram_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_describe_user_scram_credentials(r.admin, users + 2, 1, scram_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_alter_user_scram_credentials) {
  uvk_admin_scram_alteration alt = {"u", UVK_SCRAM_SHA_256, "pw", 0};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_alter_user_scram_credentials(a, &alt, 1, cb ? results_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_alter_user_scram_credentials(r.admin, nullptr, 1, results_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_alter_user_scram_credentials(r.admin, &alt, 0, results_cb, nullptr), UVK_EINVAL);
  uvk_admin_scram_alteration bad = alt;
  bad.user = nullptr;
  expect(uvk_admin_alter_user_scram_credentials(r.admin, &bad, 1, results_cb, nullptr), UVK_EINVAL);
  bad = alt;
  bad.mechanism = 3;
  expect(uvk_admin_alter_user_scram_credentials(r.admin, &bad, 1, results_cb, nullptr), UVK_EINVAL);
  bad = alt;
  bad.iterations = -1;
  expect(uvk_admin_alter_user_scram_credentials(r.admin, &bad, 1, results_cb, nullptr), UVK_EINVAL);
}
