/* The admin client's internals shared by its calls (admin.c, admin_topics.c, admin_groups.c)
 * and admin_results.c (uvk_admin_* results as the plain JavaScript values lib/admin.js shapes
 * into KafkaJS's). */
#ifndef NK_ADMIN_H
#define NK_ADMIN_H

#include "addon.h"

/* A per-item failure (a topic, group, resource, partition or ACL) as an error object
 * lib/errors.js fromNative understands: {code, uvkCode, kafkaCode, kafkaName, message,
 * brokerMessage, retriable}; null for 0. */
napi_value nk_admin_item_error(napi_env env, int code, const char *broker_message);

/* [{name, error}] */
napi_value nk_admin_results(napi_env env, const uvk_admin_result *r, size_t n);
/* [{topic, partition, offset, high, low, metadata, error}] (offsets as decimal strings, high /
 * low null when the operation did not ask for them) */
napi_value nk_admin_offsets(napi_env env, const uvk_admin_partition_offset *o, size_t n);
/* {clusterId, controller, brokers: [{nodeId, host, port}], topics: [{name, error,
 * partitions: [{partitionErrorCode, partitionId, leader, replicas, isr}]}]} */
napi_value nk_admin_metadata(napi_env env, const uvk_metadata *md);
/* [{groupId, state, protocolType, protocol, members: [{memberId, clientId, clientHost,
 * memberMetadata: Buffer, memberAssignment: Buffer}]}] */
napi_value nk_admin_groups(napi_env env, const uvk_group_description *g, size_t n);
/* [{resourceType, resourceName, error, configEntries: [{configName, configValue, readOnly,
 * isDefault, configSource, isSensitive, configSynonyms: [{configName, configValue,
 * configSource}]}]}] */
napi_value nk_admin_configs(napi_env env, const uvk_admin_described_resource *r, size_t n);
/* [{resourceType, resourceName, resourcePatternType, principal, host, operation,
 * permissionType, index, error}] */
napi_value nk_admin_acls(napi_env env, const uvk_admin_acl_result *a, size_t n);

/* [{topic, partition, error}] */
napi_value nk_admin_partition_results(napi_env env, const uvk_admin_partition_result *r, size_t n);
/* [{topic, partition, replicas, addingReplicas, removingReplicas}] */
napi_value nk_admin_reassignments(napi_env env, const uvk_admin_reassignment_state *r, size_t n);

#endif /* NK_ADMIN_H */
