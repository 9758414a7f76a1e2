/* The admin's topic, partition and offset calls: listTopics, createTopics, deleteTopics,
 * createPartitions, fetchTopicMetadata, describeCluster, fetchTopicOffsets(ByTimestamp),
 * fetchOffsets, setOffsets, resetOffsets, deleteTopicRecords. */
#include <string.h>

#include "admin_call.h"

/* adminListTopics(admin, cb) */
static napi_value list_topics(napi_env env, napi_callback_info info) {
  ad_frame f;
  if (!ad_frame_open(env, info, 2, &f)) return NULL;
  ad_req *q = ad_frame_req(&f, 1, 1);
  if (!q) return NULL;
  return ad_frame_end(&f, q, uvk_admin_list_topics(f.na->a, ad_on_names, q), "listTopics");
}

static int topic_options(ad_frame *f, napi_value validate, napi_value wait, napi_value timeout,
                         uvk_admin_topic_options *o) {
  uvk_admin_topic_options_init(o);
  if (validate && ad_bool(f->env, validate, "validateOnly", 0, &o->validate_only) != 0) return -1;
  if (wait && ad_bool(f->env, wait, "waitForLeaders", 1, &o->wait_for_leaders) != 0) return -1;
  if (!nk_is_nullish(f->env, timeout) && ad_i32(f->env, timeout, "timeout", 0, INT32_MAX, &o->timeout) != 0)
    return -1;
  return 0;
}

/* adminCreateTopics(admin, [{topic, numPartitions, replicationFactor, replicaAssignment:
 * [{partition, replicas}], configEntries: [{name, value}]}], validateOnly, waitForLeaders,
 * timeout, cb) */
static napi_value create_topics(napi_env env, napi_callback_info info) {
  ad_frame f;
  if (!ad_frame_open(env, info, 6, &f)) return NULL;
  uint32_t n = 0;
  uvk_admin_new_topic *t = NULL;
  uvk_admin_topic_options o;
  int ok = ad_array(env, f.argv[1], "topics", NK_MAX_ITEMS, &n) == 0;
  if (ok && n == 0) ok = ad_fail(env, "topics", "must not be empty") == 0;
  if (ok) {
    t = nk_arena_alloc(f.a, n * sizeof *t);
    if (!t) ok = nk_throw(env, UVK_ENOMEM, NULL) != NULL;
  }
  char w[128];
  for (uint32_t i = 0; ok && i < n; i++) {
    napi_value it = ad_elem(env, f.argv[1], i), v;
    ad_fmt(w, sizeof w, "topics[%u]", i);
    if (ad_object(env, it, w) != 0) {
      ok = 0;
      break;
    }
    uvk_admin_new_topic_init(&t[i], NULL);
    ad_fmt(w, sizeof w, "topics[%u].topic", i);
    if (ad_str(env, f.a, ad_prop(env, it, "topic"), w, 0, 0, &t[i].topic) != 0) {
      ok = 0;
      break;
    }
    v = ad_prop(env, it, "numPartitions");
    ad_fmt(w, sizeof w, "topics[%u].numPartitions", i);
    if (!nk_is_nullish(env, v) && ad_i32(env, v, w, -1, INT32_MAX, &t[i].num_partitions) != 0) ok = 0;
    if (ok && t[i].num_partitions == 0) ok = ad_fail(env, w, "must be positive (or -1 for the broker's default)") == 0;
    v = ad_prop(env, it, "replicationFactor");
    ad_fmt(w, sizeof w, "topics[%u].replicationFactor", i);
    int32_t rf = -1;
    if (ok && !nk_is_nullish(env, v) && ad_i32(env, v, w, -1, INT16_MAX, &rf) != 0) ok = 0;
    if (ok && rf == 0) ok = ad_fail(env, w, "must be positive (or -1 for the broker's default)") == 0;
    t[i].replication_factor = (int16_t)rf;
    v = ad_prop(env, it, "replicaAssignment");
    if (ok && !nk_is_nullish(env, v)) {
      uint32_t m = 0;
      ad_fmt(w, sizeof w, "topics[%u].replicaAssignment", i);
      ok = ad_array(env, v, w, NK_MAX_PARTITIONS, &m) == 0;
      uvk_admin_replica_assignment *ra = ok ? nk_arena_alloc(f.a, (m ? m : 1) * sizeof *ra) : NULL;
      if (ok && !ra) ok = nk_throw(env, UVK_ENOMEM, NULL) != NULL;
      for (uint32_t j = 0; ok && j < m; j++) {
        napi_value e = ad_elem(env, v, j);
        ad_fmt(w, sizeof w, "topics[%u].replicaAssignment[%u]", i, j);
        if (ad_object(env, e, w) != 0) {
          ok = 0;
          break;
        }
        ad_fmt(w, sizeof w, "topics[%u].replicaAssignment[%u].partition", i, j);
        if (ad_i32(env, ad_prop(env, e, "partition"), w, 0, INT32_MAX, &ra[j].partition) != 0) ok = 0;
        ad_fmt(w, sizeof w, "topics[%u].replicaAssignment[%u].replicas", i, j);
        if (ok && ad_broker_ids(env, f.a, ad_prop(env, e, "replicas"), w, &ra[j].replicas, &ra[j].n_replicas) != 0)
          ok = 0;
      }
      if (ok && m > 0) {
        t[i].replica_assignment = ra;
        t[i].n_replica_assignment = m;
      }
    }
    v = ad_prop(env, it, "configEntries");
    if (ok && !nk_is_nullish(env, v)) {
      ad_fmt(w, sizeof w, "topics[%u].configEntries", i);
      ok = ad_config_entries(env, f.a, v, w, 0, &t[i].config_entries, &t[i].n_config_entries) == 0;
    }
  }
  if (ok) ok = topic_options(&f, f.argv[2], f.argv[3], f.argv[4], &o) == 0;
  ad_req *q = ad_frame_req(&f, ok, 5);
  if (!q) return NULL;
  int rc = uvk_admin_create_topics(f.na->a, t, n, &o, ad_on_results, q);
  return ad_frame_end(&f, q, rc, "createTopics");
}

/* adminDeleteTopics(admin, [topic], timeout, cb) */
static napi_value delete_topics(napi_env env, napi_callback_info info) {
  ad_frame f;
  if (!ad_frame_open(env, info, 4, &f)) return NULL;
  const char **names = NULL;
  uint32_t n = 0;
  uvk_admin_topic_options o;
  int ok = ad_strings(env, f.a, f.argv[1], "topics", NK_MAX_ITEMS, &names, &n) == 0;
  if (ok && n == 0) ok = ad_fail(env, "topics", "must not be empty") == 0;
  if (ok) ok = topic_options(&f, NULL, NULL, f.argv[2], &o) == 0;
  ad_req *q = ad_frame_req(&f, ok, 3);
  if (!q) return NULL;
  int rc = uvk_admin_delete_topics(f.na->a, names, n, &o, ad_on_results, q);
  return ad_frame_end(&f, q, rc, "deleteTopics");
}

/* adminCreatePartitions(admin, [{topic, count, assignments: [[brokerId]]}], validateOnly,
 * timeout, cb) */
static napi_value create_partitions(napi_env env, napi_callback_info info) {
  ad_frame f;
  if (!ad_frame_open(env, info, 5, &f)) return NULL;
  uint32_t n = 0;
  uvk_admin_new_partitions *t = NULL;
  uvk_admin_topic_options o;
  int ok = ad_array(env, f.argv[1], "topicPartitions", NK_MAX_ITEMS, &n) == 0;
  if (ok && n == 0) ok = ad_fail(env, "topicPartitions", "must not be empty") == 0;
  if (ok) {
    t = nk_arena_alloc(f.a, n * sizeof *t);
    if (!t) ok = nk_throw(env, UVK_ENOMEM, NULL) != NULL;
  }
  char w[128];
  for (uint32_t i = 0; ok && i < n; i++) {
    napi_value it = ad_elem(env, f.argv[1], i);
    memset(&t[i], 0, sizeof t[i]);
    ad_fmt(w, sizeof w, "topicPartitions[%u]", i);
    if (ad_object(env, it, w) != 0) {
      ok = 0;
      break;
    }
    ad_fmt(w, sizeof w, "topicPartitions[%u].topic", i);
    if (ad_str(env, f.a, ad_prop(env, it, "topic"), w, 0, 0, &t[i].topic) != 0) ok = 0;
    ad_fmt(w, sizeof w, "topicPartitions[%u].count", i);
    if (ok && ad_i32(env, ad_prop(env, it, "count"), w, 1, INT32_MAX, &t[i].count) != 0) ok = 0;
    napi_value v = ad_prop(env, it, "assignments");
    if (ok && !nk_is_nullish(env, v)) {
      uint32_t m = 0;
      ad_fmt(w, sizeof w, "topicPartitions[%u].assignments", i);
      ok = ad_array(env, v, w, NK_MAX_PARTITIONS, &m) == 0;
      uvk_admin_replica_assignment *ra = ok ? nk_arena_alloc(f.a, (m ? m : 1) * sizeof *ra) : NULL;
      if (ok && !ra) ok = nk_throw(env, UVK_ENOMEM, NULL) != NULL;
      for (uint32_t j = 0; ok && j < m; j++) {
        ad_fmt(w, sizeof w, "topicPartitions[%u].assignments[%u]", i, j);
        ra[j].partition = (int32_t)j;
        if (ad_broker_ids(env, f.a, ad_elem(env, v, j), w, &ra[j].replicas, &ra[j].n_replicas) != 0) ok = 0;
      }
      if (ok && m > 0) {
        t[i].assignments = ra;
        t[i].n_assignments = m;
      }
    }
  }
  if (ok) ok = topic_options(&f, f.argv[2], NULL, f.argv[3], &o) == 0;
  ad_req *q = ad_frame_req(&f, ok, 4);
  if (!q) return NULL;
  int rc = uvk_admin_create_partitions(f.na->a, t, n, &o, ad_on_results, q);
  return ad_frame_end(&f, q, rc, "createPartitions");
}

/* adminFetchTopicMetadata(admin, [topic] | null, cb) */
static napi_value fetch_topic_metadata(napi_env env, napi_callback_info info) {
  ad_frame f;
  if (!ad_frame_open(env, info, 3, &f)) return NULL;
  const char **names = NULL;
  uint32_t n = 0;
  int ok = 1;
  if (!nk_is_nullish(env, f.argv[1])) ok = ad_strings(env, f.a, f.argv[1], "topics", NK_MAX_ITEMS, &names, &n) == 0;
  ad_req *q = ad_frame_req(&f, ok, 2);
  if (!q) return NULL;
  int rc = uvk_admin_fetch_topic_metadata(f.na->a, names, n, ad_on_metadata, q);
  return ad_frame_end(&f, q, rc, "fetchTopicMetadata");
}

/* adminDescribeCluster(admin, cb) */
static napi_value describe_cluster(napi_env env, napi_callback_info info) {
  ad_frame f;
  if (!ad_frame_open(env, info, 2, &f)) return NULL;
  ad_req *q = ad_frame_req(&f, 1, 1);
  if (!q) return NULL;
  return ad_frame_end(&f, q, uvk_admin_describe_cluster(f.na->a, ad_on_metadata, q), "describeCluster");
}

/* adminFetchTopicOffsets(admin, topic, cb) */
static napi_value fetch_topic_offsets(napi_env env, napi_callback_info info) {
  ad_frame f;
  if (!ad_frame_open(env, info, 3, &f)) return NULL;
  const char *topic = NULL;
  int ok = ad_str(env, f.a, f.argv[1], "topic", 0, 0, &topic) == 0;
  ad_req *q = ad_frame_req(&f, ok, 2);
  if (!q) return NULL;
  int rc = uvk_admin_fetch_topic_offsets(f.na->a, topic, ad_on_offsets, q);
  return ad_frame_end(&f, q, rc, "fetchTopicOffsets");
}

/* adminFetchTopicOffsetsByTimestamp(admin, topic, timestamp, cb) */
static napi_value fetch_topic_offsets_ts(napi_env env, napi_callback_info info) {
  ad_frame f;
  if (!ad_frame_open(env, info, 4, &f)) return NULL;
  const char *topic = NULL;
  int64_t ts = -1;
  int ok = ad_str(env, f.a, f.argv[1], "topic", 0, 0, &topic) == 0;
  if (ok && !nk_is_nullish(env, f.argv[2])) ok = nk_get_int64(env, f.argv[2], "timestamp", &ts) == 0;
  if (ok && ts < -2) ok = ad_fail(env, "timestamp", "must be a time in ms (or -1 latest, -2 earliest)") == 0;
  ad_req *q = ad_frame_req(&f, ok, 3);
  if (!q) return NULL;
  int rc = uvk_admin_fetch_topic_offsets_by_timestamp(f.na->a, topic, ts, ad_on_offsets, q);
  return ad_frame_end(&f, q, rc, "fetchTopicOffsetsByTimestamp");
}

/* adminFetchOffsets(admin, groupId, [topic] | null, resolveOffsets, cb) */
static napi_value fetch_offsets(napi_env env, napi_callback_info info) {
  ad_frame f;
  if (!ad_frame_open(env, info, 5, &f)) return NULL;
  const char *group = NULL;
  const char **names = NULL;
  uint32_t n = 0;
  int resolve = 0;
  int ok = ad_str(env, f.a, f.argv[1], "groupId", 0, 0, &group) == 0;
  if (ok && !nk_is_nullish(env, f.argv[2]))
    ok = ad_strings(env, f.a, f.argv[2], "topics", NK_MAX_OFFSET_TOPICS, &names, &n) == 0;
  if (ok) ok = ad_bool(env, f.argv[3], "resolveOffsets", 0, &resolve) == 0;
  ad_req *q = ad_frame_req(&f, ok, 4);
  if (!q) return NULL;
  int rc = uvk_admin_fetch_offsets(f.na->a, group, n ? names : NULL, n, resolve, ad_on_offsets, q);
  return ad_frame_end(&f, q, rc, "fetchOffsets");
}

/* [{partition, offset}] as seeks; min_offset: the lowest offset allowed. */
static int get_seeks(ad_frame *f, napi_value v, int64_t min_offset, uvk_admin_seek **out, uint32_t *n) {
  napi_env env = f->env;
  if (ad_array(env, v, "partitions", NK_MAX_PARTITIONS, n) != 0) return -1;
  if (*n == 0) return ad_fail(env, "partitions", "must not be empty");
  uvk_admin_seek *s = nk_arena_alloc(f->a, *n * sizeof *s);
  if (!s) {
    nk_throw(env, UVK_ENOMEM, NULL);
    return -1;
  }
  char w[96];
  for (uint32_t i = 0; i < *n; i++) {
    napi_value it = ad_elem(env, v, i);
    ad_fmt(w, sizeof w, "partitions[%u]", i);
    if (ad_object(env, it, w) != 0) return -1;
    ad_fmt(w, sizeof w, "partitions[%u].partition", i);
    if (ad_i32(env, ad_prop(env, it, "partition"), w, 0, INT32_MAX, &s[i].partition) != 0) return -1;
    ad_fmt(w, sizeof w, "partitions[%u].offset", i);
    if (nk_get_int64(env, ad_prop(env, it, "offset"), w, &s[i].offset) != 0) return -1;
    if (s[i].offset < min_offset) {
      char why[64];
      ad_fmt(why, sizeof why, "must be at least %lld", (long long)min_offset);
      return ad_fail(env, w, why);
    }
  }
  *out = s;
  return 0;
}

/* adminSetOffsets(admin, groupId, topic, [{partition, offset}], cb) */
static napi_value set_offsets(napi_env env, napi_callback_info info) {
  ad_frame f;
  if (!ad_frame_open(env, info, 5, &f)) return NULL;
  const char *group = NULL, *topic = NULL;
  uvk_admin_seek *s = NULL;
  uint32_t n = 0;
  int ok = ad_str(env, f.a, f.argv[1], "groupId", 0, 0, &group) == 0 &&
           ad_str(env, f.a, f.argv[2], "topic", 0, 0, &topic) == 0 && get_seeks(&f, f.argv[3], 0, &s, &n) == 0;
  ad_req *q = ad_frame_req(&f, ok, 4);
  if (!q) return NULL;
  int rc = uvk_admin_set_offsets(f.na->a, group, topic, s, n, ad_on_offsets, q);
  return ad_frame_end(&f, q, rc, "setOffsets");
}

/* adminResetOffsets(admin, groupId, topic, earliest, cb) */
static napi_value reset_offsets(napi_env env, napi_callback_info info) {
  ad_frame f;
  if (!ad_frame_open(env, info, 5, &f)) return NULL;
  const char *group = NULL, *topic = NULL;
  int earliest = 0;
  int ok = ad_str(env, f.a, f.argv[1], "groupId", 0, 0, &group) == 0 &&
           ad_str(env, f.a, f.argv[2], "topic", 0, 0, &topic) == 0 &&
           ad_bool(env, f.argv[3], "earliest", 0, &earliest) == 0;
  ad_req *q = ad_frame_req(&f, ok, 4);
  if (!q) return NULL;
  int rc = uvk_admin_reset_offsets(f.na->a, group, topic, earliest, ad_on_offsets, q);
  return ad_frame_end(&f, q, rc, "resetOffsets");
}

/* adminDeleteTopicRecords(admin, topic, [{partition, offset}], cb) */
static napi_value delete_topic_records(napi_env env, napi_callback_info info) {
  ad_frame f;
  if (!ad_frame_open(env, info, 4, &f)) return NULL;
  const char *topic = NULL;
  uvk_admin_seek *s = NULL;
  uint32_t n = 0;
  int ok = ad_str(env, f.a, f.argv[1], "topic", 0, 0, &topic) == 0 && get_seeks(&f, f.argv[2], -1, &s, &n) == 0;
  ad_req *q = ad_frame_req(&f, ok, 3);
  if (!q) return NULL;
  int rc = uvk_admin_delete_topic_records(f.na->a, topic, s, n, ad_on_offsets, q);
  return ad_frame_end(&f, q, rc, "deleteTopicRecords");
}

void ad_topics_init(napi_env env, napi_value exports) {
  nk_export(env, exports, "adminListTopics", list_topics);
  nk_export(env, exports, "adminCreateTopics", create_topics);
  nk_export(env, exports, "adminDeleteTopics", delete_topics);
  nk_export(env, exports, "adminCreatePartitions", create_partitions);
  nk_export(env, exports, "adminFetchTopicMetadata", fetch_topic_metadata);
  nk_export(env, exports, "adminDescribeCluster", describe_cluster);
  nk_export(env, exports, "adminFetchTopicOffsets", fetch_topic_offsets);
  nk_export(env, exports, "adminFetchTopicOffsetsByTimestamp", fetch_topic_offsets_ts);
  nk_export(env, exports, "adminFetchOffsets", fetch_offsets);
  nk_export(env, exports, "adminSetOffsets", set_offsets);
  nk_export(env, exports, "adminResetOffsets", reset_offsets);
  nk_export(env, exports, "adminDeleteTopicRecords", delete_topic_records);
}
