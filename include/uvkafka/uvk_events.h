/* uvkafka instrumentation events (KafkaJS's `on(event, listener)`), the types a listener
 * receives. Include uvkafka/uvkafka.h rather than this file.
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

typedef enum uvk_event_type {
  UVK_EVENT_CONNECT = 1,            /* payload: uvk_event_connection */
  UVK_EVENT_DISCONNECT = 2,         /* payload: uvk_event_connection */
  UVK_EVENT_REQUEST = 3,            /* payload: uvk_event_request */
  UVK_EVENT_REQUEST_TIMEOUT = 4,    /* payload: uvk_event_request (size, duration unset) */
  UVK_EVENT_REQUEST_QUEUE_SIZE = 5, /* payload: uvk_event_request_queue_size */
  /* consumer events (uvk_consumer_on) */
  UVK_EVENT_GROUP_JOIN = 6,         /* payload: uvk_event_group_join */
  UVK_EVENT_HEARTBEAT = 7,          /* payload: uvk_event_group */
  UVK_EVENT_COMMIT_OFFSETS = 8,     /* payload: uvk_event_commit_offsets */
  UVK_EVENT_REBALANCING = 9,        /* payload: uvk_event_group */
  UVK_EVENT_CRASH = 10,             /* payload: uvk_event_crash */
  UVK_EVENT_STOP = 11,              /* payload: uvk_event_group */
  UVK_EVENT_FETCH = 12,             /* payload: uvk_event_fetch */
  UVK_EVENT_START_BATCH_PROCESS = 13, /* payload: uvk_event_batch_process */
  UVK_EVENT_END_BATCH_PROCESS = 14, /* payload: uvk_event_batch_process */
  UVK_EVENT_FETCH_START = 15,       /* payload: uvk_event_fetch (node_id only) */
  UVK_EVENT_RECEIVED_UNSUBSCRIBED_TOPICS = 16, /* payload: uvk_event_unsubscribed_topics */
  UVK_EVENT_TYPE_LAST_ = 17
} uvk_event_type;

/* A broker connection became ready (KafkaJS connect) or closed (disconnect). */
typedef struct uvk_event_connection {
  const char *broker;      /* "host:port" */
  int32_t node_id;         /* -1 for a seed not yet matched to a broker id */
} uvk_event_connection;

/* A request completed (KafkaJS network.request) or timed out (network.request_timeout).
 * Times are milliseconds on the client's clock. */
typedef struct uvk_event_request {
  const char *broker;      /* "host:port" */
  const char *client_id;
  int32_t correlation_id;
  int32_t size;            /* response size in bytes (0 for request_timeout) */
  int64_t created_at;      /* when the request was queued */
  int64_t sent_at;         /* when it went on the wire */
  int64_t pending_duration; /* sent_at - created_at */
  int64_t duration;        /* created_at to response (0 for request_timeout) */
  const char *api_name;    /* "Metadata", "Produce", ... */
  int16_t api_key;
  int16_t api_version;
} uvk_event_request;

/* A connection's request queue changed size (KafkaJS network.request_queue_size). */
typedef struct uvk_event_request_queue_size {
  const char *broker;
  const char *client_id;
  int32_t queue_size;
} uvk_event_request_queue_size;

/* A topic-partition, and one with the next offset to read (what a commit stores). */
typedef struct uvk_topic_partition {
  const char *topic;
  int32_t partition;
} uvk_topic_partition;
typedef struct uvk_topic_partition_offset {
  const char *topic;
  int32_t partition;
  int64_t offset;
} uvk_topic_partition_offset;

/* The consumer joined its group (KafkaJS consumer.group_join). duration: ms from the start
 * of the join to the assignment. */
typedef struct uvk_event_group_join {
  const char *group_id;
  const char *member_id;
  const char *leader_id;
  int is_leader;
  const char *group_protocol;  /* the assigner the group chose */
  const uvk_topic_partition *assignment;
  size_t n_assignment;
  int64_t duration;
} uvk_event_group_join;
/* heartbeat, rebalancing, stop. */
typedef struct uvk_event_group {
  const char *group_id;
  const char *member_id;
  int32_t generation_id;
} uvk_event_group;
typedef struct uvk_event_commit_offsets {
  const char *group_id;
  const char *member_id;
  int32_t generation_id;
  const uvk_topic_partition_offset *offsets;
  size_t n_offsets;
} uvk_event_commit_offsets;
/* restart 1: the failure was retriable and the consumer starts again after the retry time. */
typedef struct uvk_event_crash {
  const uvk_error *error;
  const char *group_id;
  int restart;
} uvk_event_crash;
typedef struct uvk_event_fetch {
  int32_t node_id;
  int32_t number_of_batches;
  int64_t duration;
} uvk_event_fetch;
/* The assignment named topics this member did not subscribe to (they are ignored). */
typedef struct uvk_event_unsubscribed_topics {
  const char *group_id;
  const char *member_id;
  int32_t generation_id;
  const char *const *assigned_topics;
  size_t n_assigned_topics;
  const char *const *topics_subscribed;
  size_t n_topics_subscribed;
  const char *const *topics_not_subscribed;
  size_t n_topics_not_subscribed;
} uvk_event_unsubscribed_topics;
typedef struct uvk_event_batch_process {
  const char *topic;
  int32_t partition;
  int64_t high_watermark;
  int64_t offset_lag;
  int64_t offset_lag_low;
  size_t batch_size;
  int64_t first_offset;
  int64_t last_offset;
  int64_t duration;  /* end_batch_process only */
} uvk_event_batch_process;

/* The envelope every listener receives (KafkaJS: {id, type, timestamp, payload}). */
typedef struct uvk_event {
  uint64_t id;            /* increases by one per emitted event of the emitter */
  int type;               /* uvk_event_type */
  const char *name;       /* uvk_event_name(type) */
  int64_t timestamp;      /* ms since the Unix epoch */
  const void *payload;    /* the struct named in uvk_event_type, or NULL */
} uvk_event;

/* A listener. It cannot stop the dispatch to other listeners or break the emitter. */
typedef void (*uvk_event_fn)(void *ud, const uvk_event *ev);

/* "connect", "disconnect", "request", "request_timeout", "request_queue_size"; NULL for
 * an unknown type. */
UVK_EXTERN const char *uvk_event_name(int type);
/* The type for a name (also KafkaJS's "network.request" style names); 0 if unknown. */
UVK_EXTERN int uvk_event_type_from_name(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* UVK_EVENTS_H */
