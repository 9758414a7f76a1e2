/** @file uvk_consumer.h
 * @brief The consumer (KafkaJS's kafka.consumer({groupId})): joins a consumer group, fetches
 * the partitions assigned to it and hands their messages to eachBatch or eachMessage on the
 * loop.
 *
 * Include uvkafka/uvkafka.h rather than this file.
 *
 * Every call happens on the loop's thread. Handlers run on the loop between network events;
 * heartbeats have their own timer. Views handed to a handler (batches, messages, keys,
 * values, headers) are valid only during the call: copy what you keep. */
#ifndef UVK_CONSUMER_H
#define UVK_CONSUMER_H

#include "uvkafka/uvkafka.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A consumer handle (uvk_consumer_new()). */
typedef struct uvk_consumer uvk_consumer;
struct uvk_client;
/* uvk_topic_partition and uvk_topic_partition_offset are in uvk_events.h. */
struct uvk_topic_partition;
struct uvk_topic_partition_offset;

/** A consumed message. key NULL: null key; value NULL: null value (a tombstone). */
typedef struct uvk_consumer_message {
  int64_t offset;      /**< the message's offset */
  int64_t timestamp;   /**< ms since the epoch (create or log-append time, per the batch) */
  int32_t attributes;  /**< the record batch's attributes */
  const void *key;     /**< the key's bytes; NULL: null key */
  size_t key_len;      /**< length of key */
  const void *value;   /**< the value's bytes; NULL: null value (a tombstone) */
  size_t value_len;    /**< length of value */
  const uvk_header *headers;  /**< names are NUL-terminated; repeated names kept in order */
  size_t n_headers;    /**< entries in headers */
} uvk_consumer_message;

/** KafkaJS's batch. first/last offset are the messages' (-1 when empty); offset_lag is
 * high_watermark - 1 - last_offset, offset_lag_low high_watermark - 1 - first_offset. */
typedef struct uvk_batch {
  const char *topic;                     /**< topic name */
  int32_t partition;                     /**< partition id */
  int64_t high_watermark;                /**< the partition's high watermark */
  const uvk_consumer_message *messages;  /**< the messages */
  size_t n_messages;                     /**< entries in messages */
  int64_t first_offset;                  /**< the first message's offset, -1 when empty */
  int64_t last_offset;                   /**< the last message's offset, -1 when empty */
  int64_t offset_lag;                    /**< high_watermark - 1 - last_offset */
  int64_t offset_lag_low;                /**< high_watermark - 1 - first_offset */
} uvk_batch;

/** A handler's "finish later" result: the partition then waits (no more deliveries or
 * fetches for it; heartbeats and other partitions go on) until uvk_consumer_done(c, topic,
 * partition, result). The views are still only valid during the call: copy what the later
 * work needs. */
#define UVK_PENDING 1
/** The eachBatch handler: returns 0 when done, UVK_PENDING to finish later, any other value
 * to have the unresolved messages fetched again after the retry time (nothing is skipped). */
typedef int (*uvk_each_batch_fn)(uvk_consumer *c, const uvk_batch *batch, void *ud);
/** The eachMessage handler; batch: the message's topic, partition and batch context. Returns
 * as uvk_each_batch_fn. */
typedef int (*uvk_each_message_fn)(uvk_consumer *c, const uvk_batch *batch,
                                   const uvk_consumer_message *message, void *ud);

/** run() options; uvk_run_options_init fills KafkaJS's defaults. */
typedef struct uvk_run_options {
  size_t struct_size;                /**< sizeof(uvk_run_options), set by uvk_run_options_init */
  uvk_each_batch_fn each_batch;      /**< exactly one of each_batch / each_message */
  uvk_each_message_fn each_message;  /**< see each_batch */
  void *ud;                          /**< passed to the handler */
  int auto_commit;                   /**< default 1 */
  int64_t auto_commit_interval;      /**< ms; -1 (default): not by time */
  int64_t auto_commit_threshold;     /**< resolved messages; -1 (default): not by count */
  int each_batch_auto_resolve;       /**< default 1: a batch that returns 0 is resolved */
  int partitions_consumed_concurrently; /**< accepted for KafkaJS parity; handlers run one at
                                           a time on the loop */
} uvk_run_options;
/** Fills @p o with KafkaJS's defaults (no handler set). */
UVK_EXTERN void uvk_run_options_init(uvk_run_options *o);

/** A consumer completion; err NULL on success, borrowed for the call. */
typedef void (*uvk_consumer_cb)(uvk_consumer *c, const uvk_error *err, void *ud);

/** A consumer over `client`. cfg supplies groupId (required) and the consumer keys
 * (docs/consumer.md). UVK_EINVAL when a key is missing or inconsistent. */
UVK_EXTERN int uvk_consumer_new(struct uvk_client *client, const struct uvk_config *cfg,
                                uvk_consumer **out);
/** Frees the consumer without leaving the group (the broker drops it after sessionTimeout);
 * stop first for a clean leave. A pending stop, commit or describe callback runs first,
 * once, with UVK_ECLOSED. Allowed from inside any callback, its own eachMessage / eachBatch
 * (also after it returned UVK_PENDING), stop, commit, describe, crash, event and assigner
 * callbacks included: no handler, event or crash callback runs after this call, and the
 * consumer is released (its pending callbacks run, UVK_ECLOSED) once the library's code has
 * returned to the loop. A handler freeing its consumer may return any value. */
UVK_EXTERN void uvk_consumer_free(uvk_consumer *c);
/** subscribe({topics, fromBeginning}) for one topic name; may be called several times
 * before run. UVK_ESTATE once running. */
UVK_EXTERN int uvk_consumer_subscribe(uvk_consumer *c, const char *topic, int from_beginning);
/** Beyond KafkaJS: subscribes to every topic whose name matches `pattern`, a POSIX extended
 * regular expression matched anywhere in the name (anchor it with ^...$). The topic list is
 * read when the consumer starts and again every metadataMaxAge: topics created later that
 * match are picked up (the member rejoins so the group assigns them). Internal topics never
 * match. UVK_EINVAL for a pattern that does not compile. Before run. */
UVK_EXTERN int uvk_consumer_subscribe_pattern(uvk_consumer *c, const char *pattern, int from_beginning);
/** run(): joins the group and starts fetching; messages go to the handler in @p opts
 * (required). */
UVK_EXTERN int uvk_consumer_run(uvk_consumer *c, const uvk_run_options *opts);
/** Stops fetching, commits resolved offsets (autoCommit), leaves the group, then cb. */
UVK_EXTERN int uvk_consumer_stop(uvk_consumer *c, uvk_consumer_cb cb, void *ud);
/** KafkaJS's disconnect: stop; the client stays connected. */
UVK_EXTERN int uvk_consumer_disconnect(uvk_consumer *c, uvk_consumer_cb cb, void *ud);
/** Sets the crash callback: called once if a non-retriable failure stops the consumer (also
 * a CRASH event). */
UVK_EXTERN int uvk_consumer_set_crash_cb(uvk_consumer *c, uvk_consumer_cb cb, void *ud);

/* Rebalance listener (Java's ConsumerRebalanceListener): told when partitions are
 * UVK_REBALANCE_ASSIGNED (before they are fetched: a seek here decides where they start),
 * UVK_REBALANCE_REVOKED (before they go: resolve or commit what was processed; the library's
 * own auto-commit follows the listener) or UVK_REBALANCE_LOST (already gone: the member was
 * fenced or its generation is void, commits would be refused). @p partitions is borrowed for
 * the call. Return 0 when done, or UVK_PENDING to finish later with
 * uvk_consumer_rebalance_done(): the rebalance waits (heartbeats go on with the consumer
 * protocol; with classic, a revoke waits past sessionTimeout at the member's peril). */
/** Rebalance listener kind: partitions given to this member (before they are fetched). */
#define UVK_REBALANCE_ASSIGNED 1
/** Rebalance listener kind: partitions about to go (still owned: commits are accepted). */
#define UVK_REBALANCE_REVOKED 2
/** Rebalance listener kind: partitions already gone (fenced; commits would be refused). */
#define UVK_REBALANCE_LOST 3
/** The rebalance listener: @p kind is a UVK_REBALANCE_* value, @p partitions (@p n of them)
 * borrowed for the call, @p ud as given to uvk_consumer_set_rebalance_listener().
 * @return 0 when done, or UVK_PENDING and uvk_consumer_rebalance_done() later. */
typedef int (*uvk_rebalance_fn)(uvk_consumer *c, int kind, const struct uvk_topic_partition *partitions,
                                size_t n, void *ud);
/** Sets the rebalance listener (NULL: none). Before run; UVK_ESTATE after. */
UVK_EXTERN int uvk_consumer_set_rebalance_listener(uvk_consumer *c, uvk_rebalance_fn fn, void *ud);
/** Finishes the listener call that returned UVK_PENDING; the rebalance goes on from the next
 * loop turn. UVK_ENOTFOUND when none is pending. */
UVK_EXTERN int uvk_consumer_rebalance_done(uvk_consumer *c);

/** Ends the pending handler of topic/partition (it returned UVK_PENDING): result 0 resolves
 * its message (eachMessage) or batch (eachBatch with auto-resolve); another value makes the
 * unresolved messages come again after the retry time. UVK_ENOTFOUND when nothing is pending
 * there (also after a rebalance took the partition away: its offsets were not committed). When
 * an eager rebalance gives the partition back meanwhile, its new assignment delivers nothing
 * until this call, whose result is then ignored (the partition goes on from its committed
 * offset): a late result never lands on a batch of the new assignment. */
UVK_EXTERN int uvk_consumer_done(uvk_consumer *c, const char *topic, int32_t partition, int result);
/** Inside eachBatch: marks `offset` (and everything before it) processed. */
UVK_EXTERN int uvk_consumer_resolve_offset(uvk_consumer *c, const char *topic, int32_t partition,
                                           int64_t offset);
/** Commits resolved offsets when autoCommit's interval / threshold say so (each batch when
 * neither is set). Returns at once; the commit completes in the background. */
UVK_EXTERN int uvk_consumer_commit_offsets_if_necessary(uvk_consumer *c);
/** Commits the given offsets (the next offset to read, per partition); cb when answered.
 * At most 4096 entries a call (UVK_EINVAL beyond). The commits carry null metadata
 * (uvk_consumer_commit_offsets_with_metadata() sets it). */
UVK_EXTERN int uvk_consumer_commit_offsets(uvk_consumer *c, const struct uvk_topic_partition_offset *offsets,
                                           size_t n, uvk_consumer_cb cb, void *ud);
/** The longest commit metadata the library sends, in bytes: the most a non-flexible
 * OffsetCommit version can carry. Brokers cap it lower by their offset.metadata.max.bytes
 * (4096 by default) and answer OFFSET_METADATA_TOO_LARGE beyond theirs. */
#define UVK_COMMIT_METADATA_MAX 32767
/** An offset to commit with its metadata (KafkaJS's TopicPartitionOffsetAndMetadata, Java's
 * OffsetAndMetadata). A struct of its own so that uvk_topic_partition_offset keeps its size. */
typedef struct uvk_topic_partition_offset_metadata {
  const char *topic;       /**< topic name */
  int32_t partition;       /**< partition id */
  int64_t offset;          /**< the next offset to read */
  const char *metadata;    /**< NUL-terminated UTF-8, stored with the offset; NULL: null metadata */
} uvk_topic_partition_offset_metadata;
/** uvk_consumer_commit_offsets() with metadata per offset (KafkaJS's commitOffsets with
 * `metadata`). The strings are copied: they are borrowed only for the call. A metadata longer
 * than UVK_COMMIT_METADATA_MAX bytes: UVK_ETOOLARGE, and nothing is committed. One longer
 * than the broker's offset.metadata.max.bytes: cb gets UVK_EKAFKA with Kafka error 12,
 * OFFSET_METADATA_TOO_LARGE. A later auto-commit of the same partition (after the offset
 * moved on) or a seek's commit stores null metadata, as KafkaJS's do. */
UVK_EXTERN int uvk_consumer_commit_offsets_with_metadata(uvk_consumer *c,
                                                         const uvk_topic_partition_offset_metadata *offsets,
                                                         size_t n, uvk_consumer_cb cb, void *ud);
/** After run: the next fetch of topic/partition starts at offset; batches in flight for it
 * become stale; with autoCommit the offset is committed too (KafkaJS). */
UVK_EXTERN int uvk_consumer_seek(uvk_consumer *c, const char *topic, int32_t partition,
                                 int64_t offset);
/** Pauses fetching @p partitions (@p n ids) of @p topic; partitions NULL (n 0) means the
 * whole topic. Kept across rebalances. */
UVK_EXTERN int uvk_consumer_pause(uvk_consumer *c, const char *topic, const int32_t *partitions,
                                  size_t n);
/** Resumes paused partitions; partitions NULL (n 0) means the whole topic. */
UVK_EXTERN int uvk_consumer_resume(uvk_consumer *c, const char *topic, const int32_t *partitions,
                                   size_t n);
/** 1 when topic/partition is paused, else 0. */
UVK_EXTERN int uvk_consumer_is_paused(const uvk_consumer *c, const char *topic, int32_t partition);
/** 1 while the consumer runs, else 0. */
UVK_EXTERN int uvk_consumer_is_running(const uvk_consumer *c);
/** Inside a handler: the batch was overtaken (seek, rebalance, pause, stop) and should end. */
UVK_EXTERN int uvk_consumer_is_stale(const uvk_consumer *c, const char *topic, int32_t partition);
/** KafkaJS's heartbeat(): accepted; heartbeats already run on their own timer. */
UVK_EXTERN int uvk_consumer_heartbeat(uvk_consumer *c);
/** The partitions assigned now: fills up to cap, returns how many there are. Topic names
 * stay valid until the next rebalance. */
UVK_EXTERN size_t uvk_consumer_assignment(const uvk_consumer *c, struct uvk_topic_partition *out,
                                          size_t cap);
/** Where an assigned partition stands: the next offset to fetch (-1 until known) and the
 * high watermark of the latest fetch (-1 before the first). UVK_ENOTFOUND when not assigned. */
UVK_EXTERN int uvk_consumer_position(const uvk_consumer *c, const char *topic, int32_t partition,
                                     int64_t *position, int64_t *high_watermark);
/* ---- custom assigners (KafkaJS's partitionAssigners entries) --------------------------
 * A custom assigner has a protocol name, a version and optional user data: every member
 * that supports it sends ConsumerProtocol member metadata {version, subscribed topics, user
 * data}. When the group picks it and this member leads, `assign` gets every member (id and
 * metadata bytes; uvk_member_metadata_decode reads them) and every subscribed topic with its
 * partition count, and sets each member's assignment (uvk_assignment_set_partitions for the
 * standard encoding, or uvk_assignment_set for raw bytes). Members left out get nothing. */
/** A group member as a custom assigner sees it. */
typedef struct uvk_group_member {
  const char *member_id;   /**< the member's id */
  const void *metadata;    /**< its ConsumerProtocol member metadata (uvk_member_metadata_decode) */
  size_t metadata_len;     /**< length of metadata */
} uvk_group_member;
/** A subscribed topic as a custom assigner sees it. */
typedef struct uvk_assign_topic {
  const char *topic;     /**< topic name */
  int32_t n_partitions;  /**< partition ids 0 .. n-1 */
} uvk_assign_topic;
/** Collects a custom assigner's answer (uvk_assignment_set, uvk_assignment_set_partitions). */
typedef struct uvk_assignment_builder uvk_assignment_builder;
/** A custom assigner's assign function: gets every member and every subscribed topic and sets
 * each member's assignment in @p out. Return 0, or a negative code (any, UVK_EINVAL
 * included): the join then fails (a WARN log line names the assigner and the code) and is
 * retried by the retry policy; when the retries run out the consumer restarts (a CRASH
 * event with restart 1, whose cause is that code) and keeps trying. It never stops the
 * consumer. */
typedef int (*uvk_assign_fn)(void *ud, const uvk_group_member *members, size_t n_members,
                             const uvk_assign_topic *topics, size_t n_topics,
                             uvk_assignment_builder *out);
/** Adds a custom assigner (protocol @p name, @p version, optional user data sent in the
 * member metadata). Before run. Custom assigners are preferred over the partitionAssigners list, in the order
 * they were added (up to 4). */
UVK_EXTERN int uvk_consumer_add_assigner(uvk_consumer *c, const char *name, int version,
                                         const void *user_data, size_t user_data_len,
                                         uvk_assign_fn assign, void *ud);
/** Sets the assignment of member_id as raw bytes (copied) ... */
UVK_EXTERN int uvk_assignment_set(uvk_assignment_builder *b, const char *member_id, const void *bytes,
                                  size_t len);
/** ... or as partitions, encoded as a ConsumerProtocol MemberAssignment of `version`. */
UVK_EXTERN int uvk_assignment_set_partitions(uvk_assignment_builder *b, const char *member_id, int version,
                                             const struct uvk_topic_partition *partitions, size_t n,
                                             const void *user_data, size_t user_data_len);

/* ---- ConsumerProtocol MemberMetadata / MemberAssignment (KafkaJS's AssignerProtocol) ---- */
/** A decoded ConsumerProtocol MemberMetadata (uvk_member_metadata_decode()). */
typedef struct uvk_member_metadata {
  int version;               /**< the metadata's version */
  const char *const *topics; /**< the subscribed topics */
  size_t n_topics;           /**< entries in topics */
  const void *user_data;     /**< the assigner's user data */
  size_t user_data_len;      /**< length of user_data */
} uvk_member_metadata;
/** Decodes @p len bytes of MemberMetadata; free the result with uvk_member_metadata_free().
 * NULL (and *err) when the bytes are malformed. */
UVK_EXTERN uvk_member_metadata *uvk_member_metadata_decode(const void *data, size_t len, int *err);
/** Frees a result of uvk_member_metadata_decode(); NULL is a no-op. */
UVK_EXTERN void uvk_member_metadata_free(uvk_member_metadata *m);
/** A decoded ConsumerProtocol MemberAssignment (uvk_member_assignment_decode()). */
typedef struct uvk_member_assignment {
  int version;               /**< the assignment's version */
  const struct uvk_topic_partition *partitions;  /**< topic by topic, in the encoded order */
  size_t n_partitions;       /**< entries in partitions */
  const void *user_data;     /**< the assigner's user data */
  size_t user_data_len;      /**< length of user_data */
} uvk_member_assignment;
/** Decodes @p len bytes of MemberAssignment; free the result with
 * uvk_member_assignment_free(). NULL (and *err) when the bytes are malformed. */
UVK_EXTERN uvk_member_assignment *uvk_member_assignment_decode(const void *data, size_t len, int *err);
/** Frees a result of uvk_member_assignment_decode(); NULL is a no-op. */
UVK_EXTERN void uvk_member_assignment_free(uvk_member_assignment *a);

/** One member of a described group. */
typedef struct uvk_group_member_description {
  const char *member_id;          /**< the member's id */
  const char *client_id;          /**< the member's clientId */
  const char *client_host;        /**< the member's host, as the coordinator sees it */
  const void *member_metadata;    /**< ConsumerProtocol MemberMetadata bytes */
  size_t member_metadata_len;     /**< length of member_metadata */
  const void *member_assignment;  /**< ConsumerProtocol MemberAssignment bytes */
  size_t member_assignment_len;   /**< length of member_assignment */
  /* Consumer-protocol groups (KIP-848; metadata and assignment bytes are then empty): */
  int32_t member_epoch;           /**< the member's epoch; -1 in a classic group */
  const char *instance_id;        /**< groupInstanceId, or NULL */
  const char *rack_id;            /**< rackId, or NULL */
  const struct uvk_topic_partition *assignment;         /**< what the member owns */
  size_t n_assignment;                            /**< entries in assignment */
  const struct uvk_topic_partition *target_assignment;  /**< what the broker wants it to own */
  size_t n_target_assignment;                     /**< entries in target_assignment */
} uvk_group_member_description;
/** A group's state and members as the coordinator sees them (describeGroup). */
typedef struct uvk_group_description {
  const char *group_id;       /**< the group */
  const char *state;          /**< "Stable", "PreparingRebalance", "Empty", ... */
  const char *protocol_type;  /**< "consumer" */
  const char *protocol;       /**< the assigner in use */
  const uvk_group_member_description *members; /**< the members */
  size_t n_members;           /**< entries in members */
  const char *group_protocol; /**< "classic" or "consumer" (KIP-848: protocol is then the
                                   broker-side assignor); listGroups: the group's type, also
                                   "share" or "streams" */
  int32_t group_epoch;        /**< consumer protocol: the group's epoch; -1 for classic */
  int32_t assignment_epoch;   /**< consumer protocol: the target assignment's epoch; -1 */
} uvk_group_description;
/** The completion of uvk_consumer_describe_group(): @p group is borrowed for the callback;
 * err NULL on success. */
typedef void (*uvk_describe_group_cb)(uvk_consumer *c, const uvk_error *err,
                                      const uvk_group_description *group, void *ud);
/** describeGroup (KafkaJS: experimental): the consumer's group as the coordinator sees it. */
UVK_EXTERN int uvk_consumer_describe_group(uvk_consumer *c, uvk_describe_group_cb cb, void *ud);
/** A consumer's place in its group at one moment (Java's ConsumerGroupMetadata), for
 * uvk_producer_send_consumer_offsets(). The strings belong to the consumer and are valid
 * until its next rebalance or its free: the producer copies them. */
typedef struct uvk_group_metadata {
  const char *group_id;          /**< the group */
  const char *member_id;         /**< the member id ("" before the first join) */
  int32_t generation_id;         /**< classic: the generation; consumer protocol: the member epoch; -1 before the first join */
  const char *group_instance_id; /**< groupInstanceId, NULL for a dynamic member */
} uvk_group_metadata;
/** Fills @p out with the consumer's group metadata now. UVK_EINVAL for a NULL argument. */
UVK_EXTERN int uvk_consumer_group_metadata(const uvk_consumer *c, uvk_group_metadata *out);
/** The member id the coordinator gave ("" before the first join). */
UVK_EXTERN const char *uvk_consumer_member_id(const uvk_consumer *c);
/** The group generation this member is in. */
UVK_EXTERN int32_t uvk_consumer_generation(const uvk_consumer *c);
struct uvk_event;
/** Adds a listener for consumer events (a uvk_event_type from UVK_EVENT_GROUP_JOIN on).
 * @return the listener's id (> 0), or a negative error (UVK_EINVAL for an unknown type and
 * for the network events, which are its client's: uvk_client_on). */
UVK_EXTERN int64_t uvk_consumer_on(uvk_consumer *c, int type,
                                   void (*fn)(void *ud, const struct uvk_event *ev), void *ud);
/** Removes a listener added with uvk_consumer_on(); UVK_ENOTFOUND when the id is not (any
 * more) registered. */
UVK_EXTERN int uvk_consumer_off(uvk_consumer *c, int64_t listener);

#ifdef __cplusplus
}
#endif

#endif /* UVK_CONSUMER_H */
