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

static napi_value bytes(napi_env env, const void *p, size_t n) {
  napi_value b;
  if (napi_create_buffer_copy(env, n, n ? p : "", NULL, &b) != napi_ok) return nk_null(env);
  return b;
}

napi_value nk_admin_item_error(napi_env env, int code, const char *broker_message) {
  if (code == 0) return nk_null(env);
  int kafka = UVK_ERR_IS_KAFKA(code);
  return nk_obj(env, "code", nk_str(env, kafka ? "UVK_EKAFKA" : uvk_err_name(code)), "uvkCode",
                nk_int(env, kafka ? UVK_EKAFKA : code), "kafkaCode", nk_int(env, kafka ? UVK_ERR_KAFKA_CODE(code) : 0),
                "kafkaName", kafka ? nk_str(env, uvk_err_name(code)) : nk_null(env), "message",
                nk_str(env, uvk_strerror(code)), "brokerMessage",
                broker_message && *broker_message ? nk_str(env, broker_message) : nk_null(env), "retriable",
                nk_bool(env, uvk_err_is_retriable(code)), NULL);
}

napi_value nk_admin_results(napi_env env, const uvk_admin_result *r, size_t n) {
  napi_value a = arr_new(env, r ? n : 0);
  for (size_t i = 0; r && i < n; i++)
    napi_set_element(env, a, (uint32_t)i,
                     nk_obj(env, "name", nk_str(env, r[i].name), "error",
                            nk_admin_item_error(env, r[i].error, r[i].error_message), NULL));
  return a;
}

napi_value nk_admin_offsets(napi_env env, const uvk_admin_partition_offset *p, size_t n) {
  napi_value a = arr_new(env, p ? n : 0);
  for (size_t i = 0; p && i < n; i++)
    napi_set_element(env, a, (uint32_t)i,
                     nk_obj(env, "topic", nk_str(env, p[i].topic), "partition", nk_int(env, p[i].partition), "offset",
                            nk_i64_str(env, p[i].offset), "high", p[i].high >= 0 ? nk_i64_str(env, p[i].high) : nk_null(env),
                            "low", p[i].low >= 0 ? nk_i64_str(env, p[i].low) : nk_null(env), "metadata",
                            nk_str(env, p[i].metadata), "error", nk_admin_item_error(env, p[i].error, NULL), NULL));
  return a;
}

napi_value nk_admin_metadata(napi_env env, const uvk_metadata *md) {
  if (!md) return nk_null(env);
  int32_t controller = uvk_metadata_controller_id(md);
  size_t nb = uvk_metadata_broker_count(md);
  napi_value brokers = arr_new(env, nb);
  for (size_t i = 0; i < nb; i++)
    napi_set_element(env, brokers, (uint32_t)i,
                     nk_obj(env, "nodeId", nk_int(env, uvk_metadata_broker_id(md, i)), "host",
                            nk_str(env, uvk_metadata_broker_host(md, i)), "port",
                            nk_int(env, uvk_metadata_broker_port(md, i)), NULL));
  size_t nt = uvk_metadata_topic_count(md);
  napi_value topics = arr_new(env, nt);
  for (size_t t = 0; t < nt; t++) {
    size_t np = uvk_metadata_partition_count(md, t);
    napi_value parts = arr_new(env, np);
    for (size_t p = 0; p < np; p++) {
      int perr = uvk_metadata_partition_error(md, t, p);
      napi_value po = nk_obj(env, "partitionErrorCode", nk_int(env, UVK_ERR_IS_KAFKA(perr) ? UVK_ERR_KAFKA_CODE(perr) : 0),
                             "partitionId", nk_int(env, uvk_metadata_partition_id(md, t, p)), "leader",
                             nk_int(env, uvk_metadata_partition_leader(md, t, p)), NULL);
      /* replicas, isr and offlineReplicas: broker ids behind per-index getters */
      static const struct {
        const char *key;
        size_t (*count)(const uvk_metadata *, size_t, size_t);
        int32_t (*at)(const uvk_metadata *, size_t, size_t, size_t);
      } lists[] = {{"replicas", uvk_metadata_partition_replica_count, uvk_metadata_partition_replica},
                   {"isr", uvk_metadata_partition_isr_count, uvk_metadata_partition_isr},
                   {"offlineReplicas", uvk_metadata_partition_offline_count, uvk_metadata_partition_offline}};
      for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
        size_t nr = lists[l].count(md, t, p);
        napi_value ids = arr_new(env, nr);
        for (size_t i = 0; i < nr; i++) napi_set_element(env, ids, (uint32_t)i, nk_int(env, lists[l].at(md, t, p, i)));
        nk_set(env, po, lists[l].key, ids);
      }
      napi_set_element(env, parts, (uint32_t)p, po);
    }
    napi_set_element(env, topics, (uint32_t)t,
                     nk_obj(env, "name", nk_str(env, uvk_metadata_topic_name(md, t)), "error",
                            nk_admin_item_error(env, uvk_metadata_topic_error(md, t), NULL), "partitions", parts, NULL));
  }
  return nk_obj(env, "clusterId", nk_str(env, uvk_metadata_cluster_id(md)), "controller",
                controller >= 0 ? nk_int(env, controller) : nk_null(env), "brokers", brokers, "topics", topics, NULL);
}

napi_value nk_admin_groups(napi_env env, const uvk_group_description *g, size_t n) {
  napi_value a = arr_new(env, g ? n : 0);
  for (size_t i = 0; g && i < n; i++) {
    size_t nm = g[i].members ? g[i].n_members : 0;
    napi_value members = arr_new(env, nm);
    for (size_t m = 0; m < nm; m++) {
      const uvk_group_member_description *d = &g[i].members[m];
      napi_set_element(
          env, members, (uint32_t)m,
          nk_obj(env, "memberId", nk_str(env, d->member_id), "clientId", nk_str(env, d->client_id), "clientHost",
                 nk_str(env, d->client_host), "memberMetadata",
                 bytes(env, d->member_metadata, d->member_metadata ? d->member_metadata_len : 0), "memberAssignment",
                 bytes(env, d->member_assignment, d->member_assignment ? d->member_assignment_len : 0), NULL));
    }
    napi_set_element(env, a, (uint32_t)i,
                     nk_obj(env, "groupId", nk_str(env, g[i].group_id), "state", nk_str(env, g[i].state),
                            "protocolType", nk_str(env, g[i].protocol_type), "protocol", nk_str(env, g[i].protocol),
                            "members", members, NULL));
  }
  return a;
}

napi_value nk_admin_configs(napi_env env, const uvk_admin_described_resource *r, size_t n) {
  napi_value a = arr_new(env, r ? n : 0);
  for (size_t i = 0; r && i < n; i++) {
    size_t ne = r[i].entries ? r[i].n_entries : 0;
    napi_value entries = arr_new(env, ne);
    for (size_t e = 0; e < ne; e++) {
      const uvk_admin_config_value *v = &r[i].entries[e];
      size_t ns = v->synonyms ? v->n_synonyms : 0;
      napi_value syn = arr_new(env, ns);
      for (size_t s = 0; s < ns; s++)
        napi_set_element(env, syn, (uint32_t)s,
                         nk_obj(env, "configName", nk_str(env, v->synonyms[s].name), "configValue",
                                nk_str(env, v->synonyms[s].value), "configSource", nk_int(env, v->synonyms[s].source),
                                NULL));
      napi_set_element(env, entries, (uint32_t)e,
                       nk_obj(env, "configName", nk_str(env, v->name), "configValue", nk_str(env, v->value),
                              "readOnly", nk_bool(env, v->read_only), "isDefault", nk_bool(env, v->is_default),
                              "configSource", nk_int(env, v->source), "isSensitive", nk_bool(env, v->is_sensitive),
                              "configSynonyms", syn, NULL));
    }
    napi_set_element(env, a, (uint32_t)i,
                     nk_obj(env, "resourceType", nk_int(env, r[i].type), "resourceName", nk_str(env, r[i].name),
                            "error", nk_admin_item_error(env, r[i].error, r[i].error_message), "configEntries",
                            entries, NULL));
  }
  return a;
}

napi_value nk_admin_acls(napi_env env, const uvk_admin_acl_result *r, size_t n) {
  napi_value a = arr_new(env, r ? n : 0);
  for (size_t i = 0; r && i < n; i++) {
    const uvk_acl *acl = &r[i].acl;
    napi_set_element(
        env, a, (uint32_t)i,
        nk_obj(env, "resourceType", nk_int(env, acl->resource_type), "resourceName", nk_str(env, acl->resource_name),
               "resourcePatternType", nk_int(env, acl->resource_pattern_type), "principal", nk_str(env, acl->principal),
               "host", nk_str(env, acl->host), "operation", nk_int(env, acl->operation), "permissionType",
               nk_int(env, acl->permission_type), "index", nk_int(env, (int64_t)r[i].index), "error",
               nk_admin_item_error(env, r[i].error, r[i].error_message), NULL));
  }
  return a;
}

napi_value nk_admin_partition_results(napi_env env, const uvk_admin_partition_result *r, size_t n) {
  napi_value a = arr_new(env, r ? n : 0);
  for (size_t i = 0; r && i < n; i++)
    napi_set_element(env, a, (uint32_t)i,
                     nk_obj(env, "topic", nk_str(env, r[i].topic), "partition", nk_int(env, r[i].partition), "error",
                            nk_admin_item_error(env, r[i].error, r[i].error_message), NULL));
  return a;
}

napi_value nk_admin_reassignments(napi_env env, const uvk_admin_reassignment_state *r, size_t n) {
  napi_value a = arr_new(env, r ? n : 0);
  for (size_t i = 0; r && i < n; i++)
    napi_set_element(env, a, (uint32_t)i,
                     nk_obj(env, "topic", nk_str(env, r[i].topic), "partition", nk_int(env, r[i].partition), "replicas",
                            nk_int_array(env, r[i].replicas, r[i].n_replicas), "addingReplicas",
                            nk_int_array(env, r[i].adding_replicas, r[i].n_adding_replicas), "removingReplicas",
                            nk_int_array(env, r[i].removing_replicas, r[i].n_removing_replicas), NULL));
  return a;
}

/* Nothing to export: the converters are called from the admin's completions (admin.c). */
void nk_admin_results_init(napi_env env, napi_value exports) {
  (void)env;
  (void)exports;
}
