/** @file uvk_client.h
 * @brief The client handle: broker connections and cluster metadata on one libuv loop.
 *
 * Include uvkafka/uvkafka.h rather than this file.
 *
 * Every call happens on the loop's thread. A call that returns an error never calls its
 * callback; a call that returns 0 calls it exactly once, later, from the loop — never from
 * inside the call itself. */
#ifndef UVK_CLIENT_H
#define UVK_CLIENT_H

#include "uvkafka/uvkafka.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The client handle: broker connections and cluster metadata on one libuv loop. */
typedef struct uvk_client uvk_client;
/** Cluster metadata, borrowed for the duration of the callback that hands it over. */
typedef struct uvk_metadata uvk_metadata;

/** A client completion. err is NULL on success; borrowed for the call (uvk_error_retain
 * keeps it). */
typedef void (*uvk_client_cb)(uvk_client *client, const uvk_error *err, void *ud);
/** The completion of uvk_client_metadata(): @p md on success (err NULL), borrowed for the
 * call. */
typedef void (*uvk_metadata_cb)(uvk_client *client, const uvk_error *err, const uvk_metadata *md,
                                void *ud);

/** A client on `uv_loop` (a uv_loop_t *, the application's loop: the main use), or on a loop
 * of its own when uv_loop is NULL (drive it with uvk_client_run). The config is copied; it
 * may be freed afterwards. UVK_EINVAL when no brokers (or brokers callback) are set. */
UVK_EXTERN int uvk_client_new(void *uv_loop, const struct uvk_config *cfg, uvk_client **out);
/** The uv_loop_t * the client runs on. */
UVK_EXTERN void *uvk_client_loop(uvk_client *client);
/** Bootstraps: connects to a seed broker (in turn, retrying by the retry settings) and
 * learns the cluster's brokers. */
UVK_EXTERN int uvk_client_connect(uvk_client *client, uvk_client_cb cb, void *ud);
/** Metadata for `topics` (n_topics names), or for every topic when topics is NULL. Topics
 * that do not exist are created when allowAutoTopicCreation is on and the broker allows it. */
UVK_EXTERN int uvk_client_metadata(uvk_client *client, const char *const *topics, size_t n_topics,
                                   uvk_metadata_cb cb, void *ud);
/** Closes every connection; pending operations complete with UVK_ECLOSED first. cb runs
 * once the client holds no handle on the loop any more. */
UVK_EXTERN int uvk_client_disconnect(uvk_client *client, uvk_client_cb cb, void *ud);
/** Frees the client. After uvk_client_disconnect's callback this is immediate; otherwise
 * the client disconnects first and frees itself once the loop has released its handles.
 * Its producers, consumers and admins may be freed before or after it: the client's memory
 * goes with the last of them (calls on them return UVK_ECLOSED meanwhile).
 *
 * Allowed from inside any callback of the client or of its producers, consumers and admins
 * (completions, handlers, events, log lines, partitioners, assigners, brokers and SASL /
 * token callbacks, the disconnect callback): the client is then only marked, and released
 * once the library's code has returned to the loop. The same holds for every uvk_*_free and
 * for uvk_client_disconnect. Any call on a handle after its free is a bug; builds without
 * NDEBUG stop it with a message naming the call. */
UVK_EXTERN void uvk_client_free(uvk_client *client);
struct uvk_event;
/** Adds an instrumentation listener (KafkaJS's client.on) for `event_type` (a
 * uvk_event_type from uvk_events.h; fn is a uvk_event_fn: UVK_EVENT_CONNECT, _DISCONNECT, _REQUEST, _REQUEST_TIMEOUT,
 * _REQUEST_QUEUE_SIZE). Returns the listener's id (> 0) for uvk_client_off, or a negative
 * error (UVK_EINVAL for NULL fn or any other type: a consumer's events are the consumer's,
 * uvk_consumer_on). Listeners run on the loop thread, in
 * the middle of the client's work: they must return quickly. Freeing the client (or any
 * handle) from a listener is allowed: it is released once the client's work returned. */
UVK_EXTERN int64_t uvk_client_on(uvk_client *client, int event_type,
                                 void (*fn)(void *ud, const struct uvk_event *ev), void *ud);
/** Removes a listener; UVK_ENOTFOUND when the id is not (any more) registered. */
UVK_EXTERN int uvk_client_off(uvk_client *client, int64_t listener);
/** For a client with its own loop: runs the loop until nothing is pending. UVK_EINVAL for a
 * client on the application's loop. */
UVK_EXTERN int uvk_client_run(uvk_client *client);

/* ---- metadata accessors (indexes are 0-based; out-of-range gives 0 / NULL / -1) ---- */
/** The cluster id, or NULL. */
UVK_EXTERN const char *uvk_metadata_cluster_id(const uvk_metadata *md);
/** The controller's broker id, or -1. */
UVK_EXTERN int32_t uvk_metadata_controller_id(const uvk_metadata *md);
/** How many brokers the metadata lists. */
UVK_EXTERN size_t uvk_metadata_broker_count(const uvk_metadata *md);
/** The id of broker number @p broker (0-based), -1 out of range. */
UVK_EXTERN int32_t uvk_metadata_broker_id(const uvk_metadata *md, size_t broker);
/** The host of broker number @p broker, NULL out of range. */
UVK_EXTERN const char *uvk_metadata_broker_host(const uvk_metadata *md, size_t broker);
/** The port of broker number @p broker, -1 out of range. */
UVK_EXTERN int32_t uvk_metadata_broker_port(const uvk_metadata *md, size_t broker);
/** How many topics the metadata lists. */
UVK_EXTERN size_t uvk_metadata_topic_count(const uvk_metadata *md);
/** The name of topic number @p topic (0-based), NULL out of range. */
UVK_EXTERN const char *uvk_metadata_topic_name(const uvk_metadata *md, size_t topic);
/** The topic's error: 0, or UVK_ERR_KAFKA(code) (UNKNOWN_TOPIC_OR_PARTITION,
 * LEADER_NOT_AVAILABLE, ...). */
UVK_EXTERN int uvk_metadata_topic_error(const uvk_metadata *md, size_t topic);
/** How many partitions topic number @p topic has (0 out of range). Partitions are sorted by
 * id. */
UVK_EXTERN size_t uvk_metadata_partition_count(const uvk_metadata *md, size_t topic);
/** The id of partition number @p partition (0-based) of the topic, -1 out of range. */
UVK_EXTERN int32_t uvk_metadata_partition_id(const uvk_metadata *md, size_t topic, size_t partition);
/** The leader's broker id, -1 while the partition has none (or out of range). */
UVK_EXTERN int32_t uvk_metadata_partition_leader(const uvk_metadata *md, size_t topic, size_t partition);
/** How many replicas the partition has (0 out of range). */
UVK_EXTERN size_t uvk_metadata_partition_replica_count(const uvk_metadata *md, size_t topic,
                                                       size_t partition);
/** How many in-sync replicas the partition has (0 out of range). */
UVK_EXTERN size_t uvk_metadata_partition_isr_count(const uvk_metadata *md, size_t topic,
                                                   size_t partition);
/** The broker id of replica number @p i of the partition (0-based, in the broker's order),
 * -1 out of range. */
UVK_EXTERN int32_t uvk_metadata_partition_replica(const uvk_metadata *md, size_t topic, size_t partition,
                                                  size_t i);
/** The broker id of in-sync replica number @p i of the partition, -1 out of range. */
UVK_EXTERN int32_t uvk_metadata_partition_isr(const uvk_metadata *md, size_t topic, size_t partition,
                                              size_t i);
/** How many of the partition's replicas are offline (their log directory failed; 0 out of
 * range or before Metadata v5). */
UVK_EXTERN size_t uvk_metadata_partition_offline_count(const uvk_metadata *md, size_t topic,
                                                       size_t partition);
/** The broker id of offline replica number @p i of the partition, -1 out of range. */
UVK_EXTERN int32_t uvk_metadata_partition_offline(const uvk_metadata *md, size_t topic, size_t partition,
                                                  size_t i);
/** The partition's error: 0, or UVK_ERR_KAFKA(code) (LEADER_NOT_AVAILABLE, ...); 0 out of
 * range. */
UVK_EXTERN int uvk_metadata_partition_error(const uvk_metadata *md, size_t topic, size_t partition);

/* ---- answers for custom SASL mechanisms and OAUTHBEARER (see uvk_config.h) -----------
 * Each names the step / request it answers; once per step. UVK_ENOTFOUND when that step is
 * no longer awaited (answered already, timed out, or the connection closed meanwhile). */
/** Answers SASL step @p step_id with the client's next message (@p len bytes). UVK_ENOTFOUND
 * when that step is no longer awaited. */
UVK_EXTERN int uvk_sasl_send(uvk_client *c, uint64_t step_id, const void *message, size_t len);
/** Answers SASL step @p step_id: the exchange succeeded. UVK_ENOTFOUND when that step is no
 * longer awaited. */
UVK_EXTERN int uvk_sasl_done(uvk_client *c, uint64_t step_id);
/** Answers SASL step @p step_id: authentication failed. @p why is shown in the
 * authentication error and logs; it must hold no secret. UVK_ENOTFOUND when that step is no
 * longer awaited. */
UVK_EXTERN int uvk_sasl_fail(uvk_client *c, uint64_t step_id, const char *why);
/** Answers OAUTHBEARER request @p request_id with the token (a JWT, the "value" of
 * KafkaJS's provider result) and SASL extensions as n_extensions key/value pairs:
 * extensions[0] key, extensions[1] value, ... (keys are letters only and not "auth"; values
 * printable ASCII). UVK_EINVAL for a malformed token or extension (the request stays open). */
UVK_EXTERN int uvk_oauthbearer_token(uvk_client *c, uint64_t request_id, const char *token,
                                     const char *const *extensions, size_t n_extensions);
/** Answers OAUTHBEARER request @p request_id: no token. @p why is shown in the
 * authentication error and logs; it must hold no secret. UVK_ENOTFOUND when the request is
 * no longer awaited. */
UVK_EXTERN int uvk_oauthbearer_fail(uvk_client *c, uint64_t request_id, const char *why);

#ifdef __cplusplus
}
#endif

#endif /* UVK_CLIENT_H */
