/** @file uvk_admin.h
 * @brief The admin client (KafkaJS's kafka.admin()): topics, partitions, offsets, groups and
 * configs.
 *
 * Include uvkafka/uvkafka.h rather than this file.
 *
 * An admin lives on a client and shares its connections. Every operation is asynchronous:
 * a call that returns 0 calls its callback exactly once, later, from the loop; a call that
 * returns an error never calls it. Results are borrowed for the callback only.
 *
 * Errors: `err` is NULL when everything succeeded. When the operation as a whole failed
 * (no broker, retries exhausted) there are no results. When single items failed (a topic,
 * a group, a resource, a partition), `err` is the first of those failures and the results
 * are still given, each with its own error (0, or UVK_ERR_KAFKA(code)) and the broker's
 * message. Each request goes to the broker that must answer it (the controller for topic
 * changes, the group coordinator, partition leaders) and is retried by the retry policy. */
#ifndef UVK_ADMIN_H
#define UVK_ADMIN_H

#include "uvkafka/uvkafka.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An admin handle (uvk_admin_new()); it lives on a client and shares its connections. */
typedef struct uvk_admin uvk_admin;
struct uvk_client;
struct uvk_metadata;
struct uvk_group_description;
struct uvk_event;

/** An admin on `client`. cfg may be NULL; its retry.* keys, when set, give the admin its own
 * retry policy (else the client's). */
UVK_EXTERN int uvk_admin_new(struct uvk_client *client, const struct uvk_config *cfg, uvk_admin **out);
/** Frees the admin. Every operation still pending calls back once with UVK_ECLOSED (their
 * requests finish inside the client and are discarded). Allowed from inside any callback
 * (its own completions and event listeners, or any callback of its client and of the
 * client's other handles): the admin is then marked (calls on it return UVK_ECLOSED) and
 * released, its pending operations with it, once the library's code has returned to the
 * loop; completions delivered meanwhile keep their outcome. */
UVK_EXTERN void uvk_admin_free(uvk_admin *admin);

/** KafkaJS's admin.on(admin.events.X): UVK_EVENT_CONNECT, _DISCONNECT, _REQUEST,
 * _REQUEST_TIMEOUT or _REQUEST_QUEUE_SIZE. The admin shares its client's connections, so a
 * listener sees all of that client's traffic, as one added with uvk_client_on would; it is
 * removed with the admin. Returns the listener id (> 0) or UVK_EINVAL (other types, NULL fn). */
UVK_EXTERN int64_t uvk_admin_on(uvk_admin *admin, int event_type,
                                void (*fn)(void *ud, const struct uvk_event *ev), void *ud);
/** Removes a listener added with uvk_admin_on; UVK_ENOTFOUND for any other id. */
UVK_EXTERN int uvk_admin_off(uvk_admin *admin, int64_t listener);

/* ---- results ---------------------------------------------------------------------- */

/** One topic, group or config resource of an operation. */
typedef struct uvk_admin_result {
  const char *name;          /**< the topic, group or resource name */
  int error;                 /**< 0 or UVK_ERR_KAFKA(code) */
  const char *error_message; /**< the broker's message, or NULL */
} uvk_admin_result;
/** The completion of an operation with one result per topic, group or resource. */
typedef void (*uvk_admin_results_cb)(uvk_admin *admin, const uvk_error *err, const uvk_admin_result *results,
                                     size_t n, void *ud);

/** One partition's offsets. Which fields an operation fills is said at the operation. */
typedef struct uvk_admin_partition_offset {
  const char *topic;     /**< topic name */
  int32_t partition;     /**< partition id */
  int64_t offset;        /**< the offset the operation gives (see the operation) */
  int64_t high;          /**< -1 when not asked */
  int64_t low;           /**< -1 when not asked */
  const char *metadata;  /**< fetchOffsets: the committed metadata ("" for none or null:
                          brokers keep a null as ""); NULL for other operations */
  int error;             /**< 0 or UVK_ERR_KAFKA(code) */
} uvk_admin_partition_offset;
/** The completion of an offsets operation: one entry per partition. */
typedef void (*uvk_admin_offsets_cb)(uvk_admin *admin, const uvk_error *err,
                                     const uvk_admin_partition_offset *offsets, size_t n, void *ud);

/** The completion of listTopics: @p n topic names. */
typedef void (*uvk_admin_names_cb)(uvk_admin *admin, const uvk_error *err, const char *const *names, size_t n,
                                   void *ud);
/** The completion of fetchTopicMetadata and describeCluster; read @p md with the
 * uvk_metadata_* accessors. */
typedef void (*uvk_admin_metadata_cb)(uvk_admin *admin, const uvk_error *err, const struct uvk_metadata *md,
                                      void *ud);
/** The completion of listGroups and describeGroups: @p n group descriptions. */
typedef void (*uvk_admin_groups_cb)(uvk_admin *admin, const uvk_error *err,
                                    const struct uvk_group_description *groups, size_t n, void *ud);

/* ---- topics ----------------------------------------------------------------------- */

/** A config key and value. */
typedef struct uvk_admin_config_entry {
  const char *name;  /**< the config key */
  const char *value; /**< NULL: the null value (AlterConfigs: back to the default) */
} uvk_admin_config_entry;

/** The replicas of one partition. */
typedef struct uvk_admin_replica_assignment {
  int32_t partition;       /**< partition id */
  const int32_t *replicas; /**< broker ids */
  size_t n_replicas; /**< entries in replicas */
} uvk_admin_replica_assignment;

/** A topic to create (createTopics); uvk_admin_new_topic_init fills the defaults. */
typedef struct uvk_admin_new_topic {
  const char *topic;          /**< topic name */
  int32_t num_partitions;     /**< -1: the broker's num.partitions (KafkaJS default) */
  int16_t replication_factor; /**< -1: the broker's default.replication.factor */
  const uvk_admin_replica_assignment *replica_assignment; /**< instead of the two above */
  size_t n_replica_assignment; /**< entries in replica_assignment */
  const uvk_admin_config_entry *config_entries; /**< the topic's configs */
  size_t n_config_entries; /**< entries in config_entries */
} uvk_admin_new_topic;
/** Fills num_partitions and replication_factor with -1 and the rest with zeros. */
UVK_EXTERN void uvk_admin_new_topic_init(uvk_admin_new_topic *t, const char *topic);

/** Options of createTopics, deleteTopics and createPartitions; each field's comment gives
 * the default uvk_admin_topic_options_init fills. */
typedef struct uvk_admin_topic_options {
  size_t struct_size;   /**< sizeof(uvk_admin_topic_options), set by uvk_admin_topic_options_init */
  int validate_only;    /**< 0 (createTopics, createPartitions) */
  int wait_for_leaders; /**< 1 (createTopics): complete once every new partition has a leader */
  int32_t timeout;      /**< ms the controller may take: 5000 */
} uvk_admin_topic_options;
/** Fills @p o with the defaults: validate_only 0, wait_for_leaders 1, timeout 5000. */
UVK_EXTERN void uvk_admin_topic_options_init(uvk_admin_topic_options *o);

/** createTopics. A topic that already exists has the error UVK_ERR_KAFKA(36)
 * (TOPIC_ALREADY_EXISTS) in its result but does not set err: KafkaJS's `false`. opts NULL:
 * the defaults. */
UVK_EXTERN int uvk_admin_create_topics(uvk_admin *admin, const uvk_admin_new_topic *topics, size_t n,
                                       const uvk_admin_topic_options *opts, uvk_admin_results_cb cb, void *ud);
/** deleteTopics (opts: timeout). */
UVK_EXTERN int uvk_admin_delete_topics(uvk_admin *admin, const char *const *topics, size_t n,
                                       const uvk_admin_topic_options *opts, uvk_admin_results_cb cb, void *ud);

/** New partitions for a topic (createPartitions). */
typedef struct uvk_admin_new_partitions {
  const char *topic; /**< topic name */
  int32_t count; /**< the new total number of partitions */
  /** optional: for each new partition, its replicas (n_assignments == count - current) */
  const uvk_admin_replica_assignment *assignments;
  size_t n_assignments; /**< entries in assignments */
} uvk_admin_new_partitions;
/** createPartitions (opts: validate_only, timeout). */
UVK_EXTERN int uvk_admin_create_partitions(uvk_admin *admin, const uvk_admin_new_partitions *topics, size_t n,
                                           const uvk_admin_topic_options *opts, uvk_admin_results_cb cb,
                                           void *ud);
/** listTopics: the names of every topic but the internal ones. */
UVK_EXTERN int uvk_admin_list_topics(uvk_admin *admin, uvk_admin_names_cb cb, void *ud);
/** fetchTopicMetadata: metadata for @p n topics (topics NULL: all); read it with the
 * uvk_metadata_* accessors. */
UVK_EXTERN int uvk_admin_fetch_topic_metadata(uvk_admin *admin, const char *const *topics, size_t n,
                                              uvk_admin_metadata_cb cb, void *ud);
/** describeCluster: brokers, controller and cluster id (no topics); read them with the
 * uvk_metadata_* accessors. */
UVK_EXTERN int uvk_admin_describe_cluster(uvk_admin *admin, uvk_admin_metadata_cb cb, void *ud);

/* ---- offsets ---------------------------------------------------------------------- */

/** fetchTopicOffsets: per partition, offset = high = the end offset (the high watermark),
 * low = the log start offset. */
UVK_EXTERN int uvk_admin_fetch_topic_offsets(uvk_admin *admin, const char *topic, uvk_admin_offsets_cb cb,
                                             void *ud);
/** fetchTopicOffsetsByTimestamp: per partition, offset = the first offset whose timestamp
 * is >= timestamp (the end offset when there is none), high = the end offset, low -1. */
UVK_EXTERN int uvk_admin_fetch_topic_offsets_by_timestamp(uvk_admin *admin, const char *topic,
                                                          int64_t timestamp, uvk_admin_offsets_cb cb,
                                                          void *ud);
/** fetchOffsets: the group's committed offsets (offset -1: none) and metadata for `topics`
 * (NULL: every topic the group has offsets for; at most 64 topics). resolve_offsets
 * (KafkaJS's resolveOffsets): offset -1 (no commit, "latest") becomes the partition's end
 * offset and -2 ("earliest") its log start offset. */
UVK_EXTERN int uvk_admin_fetch_offsets(uvk_admin *admin, const char *group_id, const char *const *topics,
                                       size_t n_topics, int resolve_offsets, uvk_admin_offsets_cb cb, void *ud);

/** A partition and an offset (setOffsets, deleteTopicRecords). */
typedef struct uvk_admin_seek {
  int32_t partition;  /**< partition id */
  int64_t offset;     /**< the offset (see the operation) */
} uvk_admin_seek;
/** setOffsets: commits `partitions` of `topic` for the group. The group must have no
 * active member (Empty or Dead): otherwise err is UVK_ERR_KAFKA(25) UNKNOWN_MEMBER_ID
 * (or REBALANCE_IN_PROGRESS) from the coordinator. Results: the committed offsets. */
UVK_EXTERN int uvk_admin_set_offsets(uvk_admin *admin, const char *group_id, const char *topic,
                                     const uvk_admin_seek *partitions, size_t n, uvk_admin_offsets_cb cb,
                                     void *ud);
/** resetOffsets: commits the log start (earliest != 0) or end offset of every partition of
 * `topic`; same conditions as setOffsets. */
UVK_EXTERN int uvk_admin_reset_offsets(uvk_admin *admin, const char *group_id, const char *topic, int earliest,
                                       uvk_admin_offsets_cb cb, void *ud);
/** deleteTopicRecords: deletes every record before `offset` in each partition (offset -1:
 * up to the high watermark). Results: low = the new log start offset. */
UVK_EXTERN int uvk_admin_delete_topic_records(uvk_admin *admin, const char *topic,
                                              const uvk_admin_seek *partitions, size_t n,
                                              uvk_admin_offsets_cb cb, void *ud);

/* ---- groups ----------------------------------------------------------------------- */

/** listGroups: every group of every broker; each description has group_id, protocol_type,
 * state (when the broker tells it) and group_protocol, the group's type ("classic",
 * "consumer", "share" or "streams"; "" from brokers before ListGroups v5), and no members. */
UVK_EXTERN int uvk_admin_list_groups(uvk_admin *admin, uvk_admin_groups_cb cb, void *ud);
/** describeGroups. A group that does not exist comes back in state "Dead". */
UVK_EXTERN int uvk_admin_describe_groups(uvk_admin *admin, const char *const *group_ids, size_t n,
                                         uvk_admin_groups_cb cb, void *ud);
/** deleteGroups: per group; a group with members fails with NON_EMPTY_GROUP (68), an
 * unknown one with GROUP_ID_NOT_FOUND (69). */
UVK_EXTERN int uvk_admin_delete_groups(uvk_admin *admin, const char *const *group_ids, size_t n,
                                       uvk_admin_results_cb cb, void *ud);

/* ---- share groups (KIP-932; docs/share-groups.md) ------------------------------------ */
/** describeShareGroups: state, assignor, epochs and members with their assigned partitions
 * (member_epoch, assignment; no metadata bytes); group_protocol and protocol_type "share".
 * A group that is not a share group fails with GROUP_ID_NOT_FOUND (69). Delete a share group
 * with uvk_admin_delete_groups. */
UVK_EXTERN int uvk_admin_describe_share_groups(uvk_admin *admin, const char *const *group_ids, size_t n,
                                               uvk_admin_groups_cb cb, void *ud);
/** The share group's start offsets (where it reads each partition from): topic NULL for every
 * topic it has one for. Results: offset = the start offset (-1: none yet), high = the lag
 * (records not yet acknowledged; -1 when the broker does not say), low = -1. */
UVK_EXTERN int uvk_admin_describe_share_group_offsets(uvk_admin *admin, const char *group_id, const char *topic,
                                                      uvk_admin_offsets_cb cb, void *ud);
/** Sets the start offsets of `partitions` of `topic` (offset: the new start offset). The
 * group must have no members: otherwise NON_EMPTY_GROUP (68). */
UVK_EXTERN int uvk_admin_alter_share_group_offsets(uvk_admin *admin, const char *group_id, const char *topic,
                                                   const uvk_admin_seek *partitions, size_t n, uvk_admin_offsets_cb cb,
                                                   void *ud);
/** Deletes the share group's state for `topics` (it then starts them afresh, by
 * share.auto.offset.reset). The group must have no members. One result per topic. */
UVK_EXTERN int uvk_admin_delete_share_group_offsets(uvk_admin *admin, const char *group_id, const char *const *topics,
                                                    size_t n, uvk_admin_results_cb cb, void *ud);

/* ---- configs ---------------------------------------------------------------------- */

/** Config resource types (Kafka's ConfigResource types). */
enum uvk_config_resource_type {
  UVK_RESOURCE_UNKNOWN = 0,      /**< unknown */
  UVK_RESOURCE_TOPIC = 2,        /**< a topic */
  UVK_RESOURCE_BROKER = 4,       /**< a broker */
  UVK_RESOURCE_BROKER_LOGGER = 8, /**< a broker's loggers */
  UVK_RESOURCE_CLIENT_METRICS = 16, /**< a KIP-714 client metrics subscription (incrementalAlterConfigs) */
  UVK_RESOURCE_GROUP = 32         /**< a group (Kafka 4: share.* and consumer.* group configs) */
};

/** A config resource to describe (describeConfigs) or alter (alterConfigs). */
typedef struct uvk_admin_config_resource {
  int type;                       /**< uvk_config_resource_type */
  const char *name;               /**< topic name, or broker id as a string */
  const char *const *config_names; /**< describeConfigs: NULL for all */
  size_t n_config_names; /**< entries in config_names */
  const uvk_admin_config_entry *config_entries; /**< alterConfigs: the full new set */
  size_t n_config_entries; /**< entries in config_entries */
} uvk_admin_config_resource;

/** A synonym of a described config (include_synonyms). */
typedef struct uvk_admin_config_synonym {
  const char *name;  /**< the synonym's key */
  const char *value; /**< its value */
  int source;        /**< Kafka's ConfigSource (see uvk_admin_config_value::source) */
} uvk_admin_config_synonym;

/** One config of a described resource. */
typedef struct uvk_admin_config_value {
  const char *name;  /**< the config key */
  const char *value; /**< NULL for sensitive or unset values */
  int read_only;     /**< 1 when the config cannot be changed */
  int is_default;    /**< 1 when the value is the default */
  int is_sensitive;  /**< 1 for a sensitive value (not sent) */
  int source; /**< Kafka's ConfigSource: 1 topic, 4 static broker, 5 default, ... (-1 unknown) */
  const uvk_admin_config_synonym *synonyms; /**< include_synonyms: the synonyms */
  size_t n_synonyms; /**< entries in synonyms */
} uvk_admin_config_value;

/** A described config resource (describeConfigs). */
typedef struct uvk_admin_described_resource {
  int type;                   /**< uvk_config_resource_type */
  const char *name;           /**< topic name, or broker id as a string */
  int error;                  /**< 0 or UVK_ERR_KAFKA(code) */
  const char *error_message;  /**< the broker's message, or NULL */
  const uvk_admin_config_value *entries; /**< the configs */
  size_t n_entries; /**< number of entries */
} uvk_admin_described_resource;
/** The completion of describeConfigs: @p n described resources. */
typedef void (*uvk_admin_configs_cb)(uvk_admin *admin, const uvk_error *err,
                                     const uvk_admin_described_resource *resources, size_t n, void *ud);

/** describeConfigs; a broker resource goes to that broker. */
UVK_EXTERN int uvk_admin_describe_configs(uvk_admin *admin, const uvk_admin_config_resource *resources,
                                          size_t n, int include_synonyms, uvk_admin_configs_cb cb, void *ud);
/** alterConfigs (the legacy, whole-set AlterConfigs, as KafkaJS): keys not given go back to
 * their defaults. Results are named by resource. */
UVK_EXTERN int uvk_admin_alter_configs(uvk_admin *admin, const uvk_admin_config_resource *resources, size_t n,
                                       int validate_only, uvk_admin_results_cb cb, void *ud);

/* ---- incrementalAlterConfigs (beyond KafkaJS): changes only the keys named ---------- */
/** What an incremental config change does to its key (Kafka's AlterConfigOp types). */
enum uvk_config_op_type { UVK_CONFIG_SET = 0, UVK_CONFIG_DELETE = 1, UVK_CONFIG_APPEND = 2, UVK_CONFIG_SUBTRACT = 3 };
/** @var UVK_CONFIG_SET
 * Sets the value. */
/** @var UVK_CONFIG_DELETE
 * Deletes the key (back to the default). */
/** @var UVK_CONFIG_APPEND
 * Appends to a list value. */
/** @var UVK_CONFIG_SUBTRACT
 * Removes from a list value. */
/** One key's change (incrementalAlterConfigs). */
typedef struct uvk_admin_config_op {
  const char *name;  /**< the config key */
  const char *value; /**< NULL for UVK_CONFIG_DELETE */
  int op;            /**< uvk_config_op_type */
} uvk_admin_config_op;
/** The changes to one config resource (incrementalAlterConfigs). */
typedef struct uvk_admin_config_change {
  int type;         /**< uvk_config_resource_type */
  const char *name; /**< topic name, or broker id as a string ("" : cluster default) */
  const uvk_admin_config_op *ops; /**< the keys to change */
  size_t n_ops; /**< entries in ops */
} uvk_admin_config_change;
/** incrementalAlterConfigs (beyond KafkaJS): changes only the keys named, in @p n resources.
 * Results are named by resource. */
UVK_EXTERN int uvk_admin_incremental_alter_configs(uvk_admin *admin, const uvk_admin_config_change *resources,
                                                   size_t n, int validate_only, uvk_admin_results_cb cb, void *ud);

/* ---- partitions: reassignments, leader elections, group offsets -------------------- */

/** Some partitions of a topic (partitions NULL / n_partitions 0: every partition). */
typedef struct uvk_admin_topic_partitions {
  const char *topic;          /**< topic name */
  const int32_t *partitions;  /**< partition ids; NULL: every partition */
  size_t n_partitions; /**< entries in partitions */
} uvk_admin_topic_partitions;

/** One partition's outcome. */
typedef struct uvk_admin_partition_result {
  const char *topic;         /**< topic name */
  int32_t partition;         /**< partition id */
  int error;                 /**< 0 or UVK_ERR_KAFKA(code) */
  const char *error_message; /**< the broker's message, or NULL */
} uvk_admin_partition_result;
/** The completion of a partition operation: one result per partition. */
typedef void (*uvk_admin_partitions_cb)(uvk_admin *admin, const uvk_error *err,
                                        const uvk_admin_partition_result *results, size_t n, void *ud);

/** A partition's new replicas (alterPartitionReassignments). */
typedef struct uvk_admin_reassignment {
  const char *topic;       /**< topic name */
  int32_t partition;       /**< partition id */
  const int32_t *replicas; /**< the new replica list; NULL / 0: cancel an ongoing reassignment */
  size_t n_replicas; /**< entries in replicas */
} uvk_admin_reassignment;
/** alterPartitionReassignments ({topics, timeout}) at the controller; timeout in ms (-1: 5000). */
UVK_EXTERN int uvk_admin_alter_partition_reassignments(uvk_admin *admin, const uvk_admin_reassignment *r,
                                                       size_t n, int32_t timeout, uvk_admin_partitions_cb cb,
                                                       void *ud);
/** A reassignment in progress (listPartitionReassignments). */
typedef struct uvk_admin_reassignment_state {
  const char *topic;   /**< topic name */
  int32_t partition;   /**< partition id */
  const int32_t *replicas, *adding_replicas, *removing_replicas;
  size_t n_replicas, n_adding_replicas, n_removing_replicas;
} uvk_admin_reassignment_state;
/** @var uvk_admin_reassignment_state::replicas
 * The partition's current replica set (broker ids). */
/** @var uvk_admin_reassignment_state::adding_replicas
 * The replicas being added. */
/** @var uvk_admin_reassignment_state::removing_replicas
 * The replicas being removed. */
/** @var uvk_admin_reassignment_state::n_replicas
 * Entries in replicas. */
/** @var uvk_admin_reassignment_state::n_adding_replicas
 * Entries in adding_replicas. */
/** @var uvk_admin_reassignment_state::n_removing_replicas
 * Entries in removing_replicas. */
/** The completion of listPartitionReassignments: the reassignments in progress. */
typedef void (*uvk_admin_reassignments_cb)(uvk_admin *admin, const uvk_error *err,
                                           const uvk_admin_reassignment_state *ongoing, size_t n, void *ud);
/** listPartitionReassignments ({topics, timeout}): the reassignments in progress (topics
 * NULL: everywhere). */
UVK_EXTERN int uvk_admin_list_partition_reassignments(uvk_admin *admin, const uvk_admin_topic_partitions *topics,
                                                      size_t n, int32_t timeout, uvk_admin_reassignments_cb cb,
                                                      void *ud);

/** The election electLeaders runs (Kafka's ElectionType). */
enum uvk_election_type { UVK_ELECTION_PREFERRED = 0, UVK_ELECTION_UNCLEAN = 1 };
/** @var UVK_ELECTION_PREFERRED
 * Moves leadership to the preferred replica. */
/** @var UVK_ELECTION_UNCLEAN
 * Elects a replica outside the in-sync set when no in-sync replica is available. */
/** electLeaders (beyond KafkaJS) at the controller; topics NULL: every partition. A partition
 * already led by its preferred replica reports ELECTION_NOT_NEEDED (84), which does not set
 * err. */
UVK_EXTERN int uvk_admin_elect_leaders(uvk_admin *admin, int election_type, const uvk_admin_topic_partitions *topics,
                                       size_t n, int32_t timeout, uvk_admin_partitions_cb cb, void *ud);

/** deleteConsumerGroupOffsets (OffsetDelete, beyond KafkaJS): forgets the group's committed
 * offsets of these partitions (every partition of the topic when none are named). A
 * partition the group's members still consume fails with GROUP_SUBSCRIBED_TO_TOPIC (86). */
UVK_EXTERN int uvk_admin_delete_group_offsets(uvk_admin *admin, const char *group_id,
                                              const uvk_admin_topic_partitions *topic, uvk_admin_partitions_cb cb,
                                              void *ud);

/* ---- ACLs (the broker must run an authorizer; without one: SECURITY_DISABLED, 54) ---- */

/** ACL resource types (Kafka's ResourceType). */
enum uvk_acl_resource_type {
  UVK_ACL_RESOURCE_ANY = 1, /**< filters only */
  UVK_ACL_RESOURCE_TOPIC = 2, /**< a topic */
  UVK_ACL_RESOURCE_GROUP = 3, /**< a consumer group */
  UVK_ACL_RESOURCE_CLUSTER = 4, /**< name "kafka-cluster" */
  UVK_ACL_RESOURCE_TRANSACTIONAL_ID = 5, /**< a transactional id */
  UVK_ACL_RESOURCE_DELEGATION_TOKEN = 6, /**< a delegation token */
  UVK_ACL_RESOURCE_USER = 7 /**< a user */
};
/** ACL resource pattern types (Kafka's PatternType). */
enum uvk_acl_pattern_type {
  UVK_ACL_PATTERN_ANY = 1,   /**< filters: literal or prefixed */
  UVK_ACL_PATTERN_MATCH = 2, /**< filters: every ACL that applies to the name (literal, wildcard, prefixes) */
  UVK_ACL_PATTERN_LITERAL = 3, /**< the resource name as given ("*": every resource) */
  UVK_ACL_PATTERN_PREFIXED = 4 /**< every resource whose name starts with the given name */
};
/** ACL operations (Kafka's AclOperation). */
enum uvk_acl_operation {
  UVK_ACL_OP_ANY = 1, /**< filters only */
  UVK_ACL_OP_ALL = 2, /**< every operation */
  UVK_ACL_OP_READ = 3, /**< Read */
  UVK_ACL_OP_WRITE = 4, /**< Write */
  UVK_ACL_OP_CREATE = 5, /**< Create */
  UVK_ACL_OP_DELETE = 6, /**< Delete */
  UVK_ACL_OP_ALTER = 7, /**< Alter */
  UVK_ACL_OP_DESCRIBE = 8, /**< Describe */
  UVK_ACL_OP_CLUSTER_ACTION = 9, /**< ClusterAction */
  UVK_ACL_OP_DESCRIBE_CONFIGS = 10, /**< DescribeConfigs */
  UVK_ACL_OP_ALTER_CONFIGS = 11, /**< AlterConfigs */
  UVK_ACL_OP_IDEMPOTENT_WRITE = 12, /**< IdempotentWrite */
  UVK_ACL_OP_CREATE_TOKENS = 13, /**< CreateTokens */
  UVK_ACL_OP_DESCRIBE_TOKENS = 14 /**< DescribeTokens */
};
/** ACL permission types (Kafka's AclPermissionType). */
enum uvk_acl_permission_type {
  UVK_ACL_PERMISSION_ANY = 1, /**< filters only */
  UVK_ACL_PERMISSION_DENY = 2, /**< deny */
  UVK_ACL_PERMISSION_ALLOW = 3 /**< allow */
};

/** An ACL binding (KafkaJS's {resourceType, resourceName, resourcePatternType, principal,
 * host, operation, permissionType}). As a filter (describe, delete), a NULL string matches
 * any value and the *_ANY / MATCH values match any type. */
typedef struct uvk_acl {
  int resource_type;         /**< uvk_acl_resource_type */
  const char *resource_name; /**< "*": every resource of the type (literal pattern) */
  int resource_pattern_type; /**< uvk_acl_pattern_type */
  const char *principal;     /**< "User:alice"; "User:*" anyone */
  const char *host;          /**< "*" any host */
  int operation;             /**< uvk_acl_operation */
  int permission_type;       /**< uvk_acl_permission_type */
} uvk_acl;
/** Fills every type with its *_ANY value (pattern: ANY), every string with NULL: a filter
 * that matches every ACL. */
UVK_EXTERN void uvk_acl_filter_init(uvk_acl *filter);

/** One ACL of an answer. */
typedef struct uvk_admin_acl_result {
  uvk_acl acl;               /**< the ACL */
  size_t index;              /**< createAcls: the creation; deleteAcls: the filter; describeAcls: 0 */
  int error;                 /**< 0 or UVK_ERR_KAFKA(code) */
  const char *error_message; /**< the broker's message, or NULL */
} uvk_admin_acl_result;
/** The completion of an ACL operation: @p n ACL results. */
typedef void (*uvk_admin_acls_cb)(uvk_admin *admin, const uvk_error *err, const uvk_admin_acl_result *acls,
                                  size_t n, void *ud);

/** createAcls: one result per ACL given, in order (acl, index i, its error). */
UVK_EXTERN int uvk_admin_create_acls(uvk_admin *admin, const uvk_acl *acls, size_t n, uvk_admin_acls_cb cb,
                                     void *ud);
/** describeAcls: every ACL the filter matches. */
UVK_EXTERN int uvk_admin_describe_acls(uvk_admin *admin, const uvk_acl *filter, uvk_admin_acls_cb cb, void *ud);
/** deleteAcls: the ACLs each filter matched and deleted (index: the filter). A filter the
 * broker refused comes back as one result carrying the filter and the error. */
UVK_EXTERN int uvk_admin_delete_acls(uvk_admin *admin, const uvk_acl *filters, size_t n, uvk_admin_acls_cb cb,
                                     void *ud);

/* ---- SCRAM credentials (KIP-554, beyond KafkaJS) ------------------------------------ */

/** SCRAM mechanisms (KIP-554's ScramMechanism). */
enum uvk_scram_mechanism { UVK_SCRAM_SHA_256 = 1, UVK_SCRAM_SHA_512 = 2 };
/** @var UVK_SCRAM_SHA_256
 * SCRAM-SHA-256. */
/** @var UVK_SCRAM_SHA_512
 * SCRAM-SHA-512. */

/** One SCRAM credential of a user (never its secret). */
typedef struct uvk_admin_scram_credential {
  int mechanism; /**< uvk_scram_mechanism */
  int32_t iterations; /**< the iteration count */
} uvk_admin_scram_credential;
/** A user's SCRAM credentials (describeUserScramCredentials). */
typedef struct uvk_admin_scram_user {
  const char *user; /**< the user name */
  int error; /**< 0 or UVK_ERR_KAFKA(code): RESOURCE_NOT_FOUND (91) for a user without credentials */
  const char *error_message; /**< the broker's message, or NULL */
  const uvk_admin_scram_credential *credentials; /**< the user's credentials */
  size_t n_credentials; /**< entries in credentials */
} uvk_admin_scram_user;
/** The completion of describeUserScramCredentials: @p n users. */
typedef void (*uvk_admin_scram_users_cb)(uvk_admin *admin, const uvk_error *err, const uvk_admin_scram_user *users,
                                         size_t n, void *ud);
/** describeUserScramCredentials: the mechanisms and iteration counts (never secrets) of
 * `users` (NULL / 0: every user that has credentials). */
UVK_EXTERN int uvk_admin_describe_user_scram_credentials(uvk_admin *admin, const char *const *users, size_t n,
                                                         uvk_admin_scram_users_cb cb, void *ud);

/** One credential change (alterUserScramCredentials). */
typedef struct uvk_admin_scram_alteration {
  const char *user;     /**< the user name */
  int mechanism;        /**< uvk_scram_mechanism */
  const char *password; /**< NULL: delete the user's credential for this mechanism */
  int32_t iterations;   /**< 0: 4096 (Kafka accepts 4096..16384) */
} uvk_admin_scram_alteration;
/** alterUserScramCredentials: sets (upsert) or deletes credentials. The password never
 * leaves the client: it sends a random salt and the salted password (RFC 5802 Hi()), as
 * KIP-554 asks. One result per alteration, in order, named by user. Kafka accepts one
 * alteration per user per call (a second one fails the user's changes with
 * DUPLICATE_RESOURCE, 92); other users' changes are independent. */
UVK_EXTERN int uvk_admin_alter_user_scram_credentials(uvk_admin *admin, const uvk_admin_scram_alteration *alterations,
                                                      size_t n, uvk_admin_results_cb cb, void *ud);

#ifdef __cplusplus
}
#endif

#endif /* UVK_ADMIN_H */
