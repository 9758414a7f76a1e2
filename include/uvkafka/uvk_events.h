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
  UVK_EVENT_TYPE_LAST_ = 6
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
