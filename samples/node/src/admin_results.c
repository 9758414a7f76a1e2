/* The results of uvk_admin_* calls as plain JavaScript values (borrowed C memory is copied
 * out before the callback returns). lib/admin.js turns them into KafkaJS's shapes. */
#include <stdio.h>
#include <string.h>

#include "admin.h"

static napi_value arr_new(napi_env env, size_t n) {
  napi_value a;
  napi_create_array_with_length(env, n, &a);
  return a;
}

static napi_value obj_new(napi_env env) {
  napi_value o;
  napi_create_object(env, &o);
  return o;
}

static napi_value bytes(napi_env env, const void *p, size_t n) {
  napi_value b;
  if (napi_create_buffer_copy(env, n, n ? p : "", NULL, &b) != napi_ok) return nk_null(env);
  return b;
}

napi_value nk_admin_item_error(napi_env env, int code, const char *broker_message) {
  if (code == 0) return nk_null(env);
  napi_value o = obj_new(env);
  int kafka = UVK_ERR_IS_KAFKA(code);
  nk_set(env, o, "code", nk_str(env, kafka ? "UVK_EKAFKA" : uvk_err_name(code)));
  nk_set(env, o, "uvkCode", nk_int(env, kafka ? UVK_EKAFKA : code));
  nk_set(env, o, "kafkaCode", nk_int(env, kafka ? UVK_ERR_KAFKA_CODE(code) : 0));
  nk_set(env, o, "kafkaName", kafka ? nk_str(env, uvk_err_name(code)) : nk_null(env));
  nk_set(env, o, "message", nk_str(env, uvk_strerror(code)));
  nk_set(env, o, "brokerMessage", broker_message && *broker_message ? nk_str(env, broker_message) : nk_null(env));
  nk_set(env, o, "retriable", nk_bool(env, uvk_err_is_retriable(code)));
  return o;
}

napi_value nk_admin_results(napi_env env, const uvk_admin_result *r, size_t n) {
  napi_value a = arr_new(env, r ? n : 0);
  for (size_t i = 0; r && i < n; i++) {
    napi_value o = obj_new(env);
    nk_set(env, o, "name", nk_str(env, r[i].name));
    nk_set(env, o, "error", nk_admin_item_error(env, r[i].error, r[i].error_message));
    napi_set_element(env, a, (uint32_t)i, o);
  }
  return a;
}

napi_value nk_admin_offsets(napi_env env, const uvk_admin_partition_offset *p, size_t n) {
  napi_value a = arr_new(env, p ? n : 0);
  for (size_t i = 0; p && i < n; i++) {
    napi_value o = obj_new(env);
    nk_set(env, o, "topic", nk_str(env, p[i].topic));
    nk_set(env, o, "partition", nk_int(env, p[i].partition));
    nk_set(env, o, "offset", nk_i64_str(env, p[i].offset));
    nk_set(env, o, "high", p[i].high >= 0 ? nk_i64_str(env, p[i].high) : nk_null(env));
    nk_set(env, o, "low", p[i].low >= 0 ? nk_i64_str(env, p[i].low) : nk_null(env));
    nk_set(env, o, "metadata", nk_str(env, p[i].metadata));
    nk_set(env, o, "error", nk_admin_item_error(env, p[i].error, NULL));
    napi_set_element(env, a, (uint32_t)i, o);
  }
  return a;
}

napi_value nk_admin_names(napi_env env, const char *const *names, size_t n) {
  napi_value a = arr_new(env, names ? n : 0);
  for (size_t i = 0; names && i < n; i++) napi_set_element(env, a, (uint32_t)i, nk_str(env, names[i]));
  return a;
}

napi_value nk_admin_metadata(napi_env env, const uvk_metadata *md) {
  if (!md) return nk_null(env);
  napi_value o = obj_new(env);
  nk_set(env, o, "clusterId", nk_str(env, uvk_metadata_cluster_id(md)));
  int32_t controller = uvk_metadata_controller_id(md);
  nk_set(env, o, "controller", controller >= 0 ? nk_int(env, controller) : nk_null(env));
  size_t nb = uvk_metadata_broker_count(md);
  napi_value brokers = arr_new(env, nb);
  for (size_t i = 0; i < nb; i++) {
    napi_value b = obj_new(env);
    nk_set(env, b, "nodeId", nk_int(env, uvk_metadata_broker_id(md, i)));
    nk_set(env, b, "host", nk_str(env, uvk_metadata_broker_host(md, i)));
    nk_set(env, b, "port", nk_int(env, uvk_metadata_broker_port(md, i)));
    napi_set_element(env, brokers, (uint32_t)i, b);
  }
  nk_set(env, o, "brokers", brokers);
  size_t nt = uvk_metadata_topic_count(md);
  napi_value topics = arr_new(env, nt);
  for (size_t t = 0; t < nt; t++) {
    napi_value to = obj_new(env);
    nk_set(env, to, "name", nk_str(env, uvk_metadata_topic_name(md, t)));
    nk_set(env, to, "error", nk_admin_item_error(env, uvk_metadata_topic_error(md, t), NULL));
    size_t np = uvk_metadata_partition_count(md, t);
    napi_value parts = arr_new(env, np);
    for (size_t p = 0; p < np; p++) {
      napi_value po = obj_new(env);
      int perr = uvk_metadata_partition_error(md, t, p);
      nk_set(env, po, "partitionErrorCode", nk_int(env, UVK_ERR_IS_KAFKA(perr) ? UVK_ERR_KAFKA_CODE(perr) : 0));
      nk_set(env, po, "partitionId", nk_int(env, uvk_metadata_partition_id(md, t, p)));
      nk_set(env, po, "leader", nk_int(env, uvk_metadata_partition_leader(md, t, p)));
      size_t nr = uvk_metadata_partition_replica_count(md, t, p), ni = uvk_metadata_partition_isr_count(md, t, p);
      napi_value replicas = arr_new(env, nr), isr = arr_new(env, ni);
      for (size_t i = 0; i < nr; i++)
        napi_set_element(env, replicas, (uint32_t)i, nk_int(env, uvk_metadata_partition_replica(md, t, p, i)));
      for (size_t i = 0; i < ni; i++)
        napi_set_element(env, isr, (uint32_t)i, nk_int(env, uvk_metadata_partition_isr(md, t, p, i)));
      nk_set(env, po, "replicas", replicas);
      nk_set(env, po, "isr", isr);
      size_t no = uvk_metadata_partition_offline_count(md, t, p);
      napi_value offline = arr_new(env, no);
      for (size_t i = 0; i < no; i++)
        napi_set_element(env, offline, (uint32_t)i, nk_int(env, uvk_metadata_partition_offline(md, t, p, i)));
      nk_set(env, po, "offlineReplicas", offline);
      napi_set_element(env, parts, (uint32_t)p, po);
    }
    nk_set(env, to, "partitions", parts);
    napi_set_element(env, topics, (uint32_t)t, to);
  }
  nk_set(env, o, "topics", topics);
  return o;
}

napi_value nk_admin_groups(napi_env env, const uvk_group_description *g, size_t n) {
  napi_value a = arr_new(env, g ? n : 0);
  for (size_t i = 0; g && i < n; i++) {
    napi_value o = obj_new(env);
    nk_set(env, o, "groupId", nk_str(env, g[i].group_id));
    nk_set(env, o, "state", nk_str(env, g[i].state));
    nk_set(env, o, "protocolType", nk_str(env, g[i].protocol_type));
    nk_set(env, o, "protocol", nk_str(env, g[i].protocol));
    size_t nm = g[i].members ? g[i].n_members : 0;
    napi_value members = arr_new(env, nm);
    for (size_t m = 0; m < nm; m++) {
      const uvk_group_member_description *d = &g[i].members[m];
      napi_value mo = obj_new(env);
      nk_set(env, mo, "memberId", nk_str(env, d->member_id));
      nk_set(env, mo, "clientId", nk_str(env, d->client_id));
      nk_set(env, mo, "clientHost", nk_str(env, d->client_host));
      nk_set(env, mo, "memberMetadata", bytes(env, d->member_metadata, d->member_metadata ? d->member_metadata_len : 0));
      nk_set(env, mo, "memberAssignment",
             bytes(env, d->member_assignment, d->member_assignment ? d->member_assignment_len : 0));
      napi_set_element(env, members, (uint32_t)m, mo);
    }
    nk_set(env, o, "members", members);
    napi_set_element(env, a, (uint32_t)i, o);
  }
  return a;
}

napi_value nk_admin_configs(napi_env env, const uvk_admin_described_resource *r, size_t n) {
  napi_value a = arr_new(env, r ? n : 0);
  for (size_t i = 0; r && i < n; i++) {
    napi_value o = obj_new(env);
    nk_set(env, o, "resourceType", nk_int(env, r[i].type));
    nk_set(env, o, "resourceName", nk_str(env, r[i].name));
    nk_set(env, o, "error", nk_admin_item_error(env, r[i].error, r[i].error_message));
    size_t ne = r[i].entries ? r[i].n_entries : 0;
    napi_value entries = arr_new(env, ne);
    for (size_t e = 0; e < ne; e++) {
      const uvk_admin_config_value *v = &r[i].entries[e];
      napi_value eo = obj_new(env);
      nk_set(env, eo, "configName", nk_str(env, v->name));
      nk_set(env, eo, "configValue", nk_str(env, v->value));
      nk_set(env, eo, "readOnly", nk_bool(env, v->read_only));
      nk_set(env, eo, "isDefault", nk_bool(env, v->is_default));
      nk_set(env, eo, "configSource", nk_int(env, v->source));
      nk_set(env, eo, "isSensitive", nk_bool(env, v->is_sensitive));
      size_t ns = v->synonyms ? v->n_synonyms : 0;
      napi_value syn = arr_new(env, ns);
      for (size_t s = 0; s < ns; s++) {
        napi_value so = obj_new(env);
        nk_set(env, so, "configName", nk_str(env, v->synonyms[s].name));
        nk_set(env, so, "configValue", nk_str(env, v->synonyms[s].value));
        nk_set(env, so, "configSource", nk_int(env, v->synonyms[s].source));
        napi_set_element(env, syn, (uint32_t)s, so);
      }
      nk_set(env, eo, "configSynonyms", syn);
      napi_set_element(env, entries, (uint32_t)e, eo);
    }
    nk_set(env, o, "configEntries", entries);
    napi_set_element(env, a, (uint32_t)i, o);
  }
  return a;
}

napi_value nk_admin_acls(napi_env env, const uvk_admin_acl_result *r, size_t n) {
  napi_value a = arr_new(env, r ? n : 0);
  for (size_t i = 0; r && i < n; i++) {
    const uvk_acl *acl = &r[i].acl;
    napi_value o = obj_new(env);
    nk_set(env, o, "resourceType", nk_int(env, acl->resource_type));
    nk_set(env, o, "resourceName", nk_str(env, acl->resource_name));
    nk_set(env, o, "resourcePatternType", nk_int(env, acl->resource_pattern_type));
    nk_set(env, o, "principal", nk_str(env, acl->principal));
    nk_set(env, o, "host", nk_str(env, acl->host));
    nk_set(env, o, "operation", nk_int(env, acl->operation));
    nk_set(env, o, "permissionType", nk_int(env, acl->permission_type));
    nk_set(env, o, "index", nk_int(env, (int64_t)r[i].index));
    nk_set(env, o, "error", nk_admin_item_error(env, r[i].error, r[i].error_message));
    napi_set_element(env, a, (uint32_t)i, o);
  }
  return a;
}

napi_value nk_admin_partition_results(napi_env env, const uvk_admin_partition_result *r, size_t n) {
  napi_value a = arr_new(env, r ? n : 0);
  for (size_t i = 0; r && i < n; i++) {
    napi_value o = obj_new(env);
    nk_set(env, o, "topic", nk_str(env, r[i].topic));
    nk_set(env, o, "partition", nk_int(env, r[i].partition));
    nk_set(env, o, "error", nk_admin_item_error(env, r[i].error, r[i].error_message));
    napi_set_element(env, a, (uint32_t)i, o);
  }
  return a;
}

static napi_value ids(napi_env env, const int32_t *v, size_t n) {
  napi_value a = arr_new(env, v ? n : 0);
  for (size_t i = 0; v && i < n; i++) napi_set_element(env, a, (uint32_t)i, nk_int(env, v[i]));
  return a;
}

napi_value nk_admin_reassignments(napi_env env, const uvk_admin_reassignment_state *r, size_t n) {
  napi_value a = arr_new(env, r ? n : 0);
  for (size_t i = 0; r && i < n; i++) {
    napi_value o = obj_new(env);
    nk_set(env, o, "topic", nk_str(env, r[i].topic));
    nk_set(env, o, "partition", nk_int(env, r[i].partition));
    nk_set(env, o, "replicas", ids(env, r[i].replicas, r[i].n_replicas));
    nk_set(env, o, "addingReplicas", ids(env, r[i].adding_replicas, r[i].n_adding_replicas));
    nk_set(env, o, "removingReplicas", ids(env, r[i].removing_replicas, r[i].n_removing_replicas));
    napi_set_element(env, a, (uint32_t)i, o);
  }
  return a;
}

/* Nothing to export: the converters are called from admin.c's completions. */
void nk_admin_results_init(napi_env env, napi_value exports) {
  (void)env;
  (void)exports;
}
