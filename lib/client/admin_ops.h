// The admin operations behind the C ABI (lib/capi/admin.cc). Each validates its input,
// copies what it needs (inputs are borrowed for the call), and returns 0 — the callback
// then runs exactly once, later — or an error and the callback never runs.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "client/admin.h"
#include "uvkafka/uvkafka.h"

namespace uvk {

// Drops an op that could not start (no callback) and returns rc.
int admin_abandon(AdminOp *op, int rc);

// admin_topics.cc
int admin_create_topics(Admin *ad, const uvk_admin_new_topic *topics, size_t n, const uvk_admin_topic_options *opts,
                        uvk_admin_results_cb cb, void *ud, uint64_t now);
int admin_delete_topics(Admin *ad, const char *const *topics, size_t n, const uvk_admin_topic_options *opts,
                        uvk_admin_results_cb cb, void *ud, uint64_t now);
int admin_create_partitions(Admin *ad, const uvk_admin_new_partitions *topics, size_t n,
                            const uvk_admin_topic_options *opts, uvk_admin_results_cb cb, void *ud, uint64_t now);
int admin_list_topics(Admin *ad, uvk_admin_names_cb cb, void *ud, uint64_t now);
int admin_fetch_topic_metadata(Admin *ad, const char *const *topics, size_t n, uvk_admin_metadata_cb cb, void *ud, uint64_t now);
int admin_describe_cluster(Admin *ad, uvk_admin_metadata_cb cb, void *ud, uint64_t now);

// admin_offsets.cc
int admin_fetch_topic_offsets(Admin *ad, const char *topic, bool by_timestamp, int64_t timestamp,
                              uvk_admin_offsets_cb cb, void *ud, uint64_t now);
int admin_fetch_offsets(Admin *ad, const char *group_id, const char *const *topics, size_t n_topics,
                        bool resolve_offsets, uvk_admin_offsets_cb cb, void *ud, uint64_t now);
int admin_set_offsets(Admin *ad, const char *group_id, const char *topic, const uvk_admin_seek *partitions,
                      size_t n, uvk_admin_offsets_cb cb, void *ud, uint64_t now);
int admin_reset_offsets(Admin *ad, const char *group_id, const char *topic, bool earliest, uvk_admin_offsets_cb cb,
                        void *ud, uint64_t now);
int admin_delete_topic_records(Admin *ad, const char *topic, const uvk_admin_seek *partitions, size_t n,
                               uvk_admin_offsets_cb cb, void *ud, uint64_t now);

// admin_groups.cc
int admin_list_groups(Admin *ad, uvk_admin_groups_cb cb, void *ud, uint64_t now);
int admin_describe_groups(Admin *ad, const char *const *group_ids, size_t n, uvk_admin_groups_cb cb, void *ud, uint64_t now);
int admin_delete_groups(Admin *ad, const char *const *group_ids, size_t n, uvk_admin_results_cb cb, void *ud, uint64_t now);
// Share groups (KIP-932): admin_groups.cc (describe) and admin_share.cc (start offsets).
int admin_describe_share_groups(Admin *ad, const char *const *group_ids, size_t n, uvk_admin_groups_cb cb, void *ud,
                                uint64_t now);
int admin_describe_share_group_offsets(Admin *ad, const char *group, const char *topic, uvk_admin_offsets_cb cb,
                                       void *ud, uint64_t now);
int admin_alter_share_group_offsets(Admin *ad, const char *group, const char *topic, const uvk_admin_seek *partitions,
                                    size_t n, uvk_admin_offsets_cb cb, void *ud, uint64_t now);
int admin_delete_share_group_offsets(Admin *ad, const char *group, const char *const *topics, size_t n,
                                     uvk_admin_results_cb cb, void *ud, uint64_t now);

// admin_configs.cc
int admin_describe_configs(Admin *ad, const uvk_admin_config_resource *resources, size_t n, bool include_synonyms,
                           uvk_admin_configs_cb cb, void *ud, uint64_t now);
int admin_alter_configs(Admin *ad, const uvk_admin_config_resource *resources, size_t n, bool validate_only,
                        uvk_admin_results_cb cb, void *ud, uint64_t now);
int admin_incremental_alter_configs(Admin *ad, const uvk_admin_config_change *resources, size_t n, bool validate_only,
                                    uvk_admin_results_cb cb, void *ud, uint64_t now);

// admin_partitions.cc
int admin_alter_partition_reassignments(Admin *ad, const uvk_admin_reassignment *r, size_t n, int32_t timeout,
                                        uvk_admin_partitions_cb cb, void *ud, uint64_t now);
int admin_list_partition_reassignments(Admin *ad, const uvk_admin_topic_partitions *topics, size_t n,
                                       int32_t timeout, uvk_admin_reassignments_cb cb, void *ud, uint64_t now);
int admin_elect_leaders(Admin *ad, int election_type, const uvk_admin_topic_partitions *topics, size_t n,
                        int32_t timeout, uvk_admin_partitions_cb cb, void *ud, uint64_t now);
int admin_delete_group_offsets(Admin *ad, const char *group_id, const uvk_admin_topic_partitions *topic,
                               uvk_admin_partitions_cb cb, void *ud, uint64_t now);

// admin_acls.cc
int admin_create_acls(Admin *ad, const uvk_acl *acls, size_t n, uvk_admin_acls_cb cb, void *ud, uint64_t now);
int admin_describe_acls(Admin *ad, const uvk_acl *filter, uvk_admin_acls_cb cb, void *ud, uint64_t now);
int admin_delete_acls(Admin *ad, const uvk_acl *filters, size_t n, uvk_admin_acls_cb cb, void *ud, uint64_t now);

// admin_scram.cc
int admin_describe_user_scram_credentials(Admin *ad, const char *const *users, size_t n, uvk_admin_scram_users_cb cb,
                                          void *ud, uint64_t now);
int admin_alter_user_scram_credentials(Admin *ad, const uvk_admin_scram_alteration *alts, size_t n,
                                       uvk_admin_results_cb cb, void *ud, uint64_t now);

}  // namespace uvk
