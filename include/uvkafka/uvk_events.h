/** @file uvk_events.h
 * @brief uvkafka instrumentation events (KafkaJS's `on(event, listener)`), the types a
 * listener receives.
 *
 * Include uvkafka/uvkafka.h rather than this file.
 *
 * Structs here are filled by the library and handed to listeners as const pointers that
 * are valid only during the call. They only ever grow at the end, so a program built
 * against an older header keeps reading the fields it knows. */
#ifndef UVK_EVENTS_H
#define UVK_EVENTS_H

#include "uvkafka/uvkafka.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The event types; each value's comment names the struct its uvk_event::payload points to. */
typedef enum uvk_event_type {
  UVK_EVENT_CONNECT = 1,            /**< payload: uvk_event_connection */
  UVK_EVENT_DISCONNECT = 2,         /**< payload: uvk_event_connection */
  UVK_EVENT_REQUEST = 3,            /**< payload: uvk_event_request */
  UVK_EVENT_REQUEST_TIMEOUT = 4,    /**< payload: uvk_event_request (size, duration unset) */
  UVK_EVENT_REQUEST_QUEUE_SIZE = 5, /**< payload: uvk_event_request_queue_size */
  /* consumer events (uvk_consumer_on) */
  UVK_EVENT_GROUP_JOIN = 6,         /**< payload: uvk_event_group_join */
  UVK_EVENT_HEARTBEAT = 7,          /**< payload: uvk_event_group */
  UVK_EVENT_COMMIT_OFFSETS = 8,     /**< payload: uvk_event_commit_offsets */
  UVK_EVENT_REBALANCING = 9,        /**< payload: uvk_event_group */
  UVK_EVENT_CRASH = 10,             /**< payload: uvk_event_crash */
  UVK_EVENT_STOP = 11,              /**< payload: uvk_event_group */
  UVK_EVENT_FETCH = 12,             /**< payload: uvk_event_fetch */
  UVK_EVENT_START_BATCH_PROCESS = 13, /**< payload: uvk_event_batch_process */
  UVK_EVENT_END_BATCH_PROCESS = 14, /**< payload: uvk_event_batch_process */
  UVK_EVENT_FETCH_START = 15,       /**< payload: uvk_event_fetch (node_id only) */
  UVK_EVENT_RECEIVED_UNSUBSCRIBED_TOPICS = 16, /**< payload: uvk_event_unsubscribed_topics */
  UVK_EVENT_TYPE_LAST_ = 17 /**< not a type: one past the highest type defined */
} uvk_event_type;

/** A broker connection became ready (KafkaJS connect) or closed (disconnect). */
typedef struct uvk_event_connection {
  const char *broker;      /**< "host:port" */
  int32_t node_id;         /**< -1 for a seed not yet matched to a broker id */
} uvk_event_connection;

/** A request completed (KafkaJS network.request) or timed out (network.request_timeout).
 * Times are milliseconds on the client's clock. */
typedef struct uvk_event_request {
  const char *broker;      /**< "host:port" */
  const char *client_id;   /**< the client's clientId */
  int32_t correlation_id;  /**< the request's correlation id */
  int32_t size;            /**< response size in bytes (0 for request_timeout) */
  int64_t created_at;      /**< when the request was queued */
  int64_t sent_at;         /**< when it went on the wire */
  int64_t pending_duration; /**< sent_at - created_at */
  int64_t duration;        /**< created_at to response (0 for request_timeout) */
  const char *api_name;    /**< "Metadata", "Produce", ... */
  int16_t api_key;         /**< the request's API key */
  int16_t api_version;     /**< the request's API version */
} uvk_event_request;

/** A connection's request queue changed size (KafkaJS network.request_queue_size). */
typedef struct uvk_event_request_queue_size {
  const char *broker;      /**< "host:port" */
  const char *client_id;   /**< the client's clientId */
  int32_t queue_size;      /**< requests waiting on the connection */
} uvk_event_request_queue_size;

/** A topic-partition. */
typedef struct uvk_topic_partition {
  const char *topic;       /**< topic name */
  int32_t partition;       /**< partition id */
} uvk_topic_partition;
/** A topic-partition with the next offset to read (what a commit stores). */
typedef struct uvk_topic_partition_offset {
  const char *topic;       /**< topic name */
  int32_t partition;       /**< partition id */
  int64_t offset;          /**< the next offset to read */
} uvk_topic_partition_offset;

/** The consumer joined its group (KafkaJS consumer.group_join). */
typedef struct uvk_event_group_join {
  const char *group_id;        /**< the consumer group */
  const char *member_id;       /**< this member's id */
  const char *leader_id;       /**< the group leader's member id */
  int is_leader;               /**< 1 when this member leads the group */
  const char *group_protocol;  /**< the assigner the group chose */
  const uvk_topic_partition *assignment; /**< the partitions assigned to this member */
  size_t n_assignment;         /**< entries in assignment */
  int64_t duration;            /**< ms from the start of the join to the assignment */
} uvk_event_group_join;
/** heartbeat, rebalancing, stop. */
typedef struct uvk_event_group {
  const char *group_id;        /**< the consumer group */
  const char *member_id;       /**< this member's id */
  int32_t generation_id;       /**< the group generation */
} uvk_event_group;
/** Offsets were committed (KafkaJS consumer.commit_offsets). */
typedef struct uvk_event_commit_offsets {
  const char *group_id;        /**< the consumer group */
  const char *member_id;       /**< this member's id */
  int32_t generation_id;       /**< the group generation */
  const uvk_topic_partition_offset *offsets; /**< the committed offsets */
  size_t n_offsets;            /**< entries in offsets */
  /** The metadata committed with each entry of offsets (NULL entries: null metadata, as
   * every commit but uvk_consumer_commit_offsets_with_metadata()'s sends); NULL: all null. */
  const char *const *metadata;
} uvk_event_commit_offsets;
/** The consumer crashed (KafkaJS consumer.crash). */
typedef struct uvk_event_crash {
  const uvk_error *error;      /**< the failure */
  const char *group_id;        /**< the consumer group */
  int restart;                 /**< 1: the failure was retriable and the consumer starts again
                                    after the retry time */
} uvk_event_crash;
/** A fetch completed (KafkaJS consumer.fetch), or started (fetch_start: node_id only). */
typedef struct uvk_event_fetch {
  int32_t node_id;             /**< the broker fetched from */
  int32_t number_of_batches;   /**< batches the fetch returned */
  int64_t duration;            /**< ms the fetch took */
} uvk_event_fetch;
/** The assignment named topics this member did not subscribe to (they are ignored). */
typedef struct uvk_event_unsubscribed_topics {
  const char *group_id;        /**< the consumer group */
  const char *member_id;       /**< this member's id */
  int32_t generation_id;       /**< the group generation */
  const char *const *assigned_topics;       /**< every topic of the assignment */
  size_t n_assigned_topics;                 /**< entries in assigned_topics */
  const char *const *topics_subscribed;     /**< the topics this member subscribed to */
  size_t n_topics_subscribed;               /**< entries in topics_subscribed */
  const char *const *topics_not_subscribed; /**< assigned topics it did not subscribe to */
  size_t n_topics_not_subscribed;           /**< entries in topics_not_subscribed */
} uvk_event_unsubscribed_topics;
/** A batch is about to be processed, or was (KafkaJS consumer.start_batch_process /
 * end_batch_process). */
typedef struct uvk_event_batch_process {
  const char *topic;           /**< topic name */
  int32_t partition;           /**< partition id */
  int64_t high_watermark;      /**< the partition's high watermark */
  int64_t offset_lag;          /**< high_watermark - 1 - last_offset */
  int64_t offset_lag_low;      /**< high_watermark - 1 - first_offset */
  size_t batch_size;           /**< messages in the batch */
  int64_t first_offset;        /**< the batch's first offset */
  int64_t last_offset;         /**< the batch's last offset */
  int64_t duration;  /**< end_batch_process only */
} uvk_event_batch_process;

/** The envelope every listener receives (KafkaJS: {id, type, timestamp, payload}). */
typedef struct uvk_event {
  uint64_t id;            /**< increases by one per emitted event of the emitter */
  int type;               /**< uvk_event_type */
  const char *name;       /**< uvk_event_name(type) */
  int64_t timestamp;      /**< ms since the Unix epoch */
  const void *payload;    /**< the struct named in uvk_event_type, or NULL */
} uvk_event;

/** A listener. It cannot stop the dispatch to other listeners or break the emitter. */
typedef void (*uvk_event_fn)(void *ud, const uvk_event *ev);

/** The event's name: "connect", "disconnect", "request", "request_timeout",
 * "request_queue_size", ...; NULL for an unknown type. */
UVK_EXTERN const char *uvk_event_name(int type);
/** The type for a name (also KafkaJS's "network.request" style names); 0 if unknown. */
UVK_EXTERN int uvk_event_type_from_name(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* UVK_EVENTS_H */
