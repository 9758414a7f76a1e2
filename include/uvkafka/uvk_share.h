/** @file uvk_share.h
 * @brief The share consumer (KIP-932, share groups, "queues for Kafka"): many members read
 * the same partitions, the broker hands each record to one member at a time, and members
 * acknowledge records one by one. docs/share-groups.md has a worked example and the
 * semantics (when a record comes again, when it is archived).
 *
 * Include uvkafka/uvkafka.h rather than this file.
 *
 * Every call happens on the loop's thread. Handlers run on the loop between network events;
 * heartbeats have their own timer. Views handed to a handler (records, keys, values,
 * headers) are valid only during the call: copy what you keep. */
#ifndef UVK_SHARE_H
#define UVK_SHARE_H

#include "uvkafka/uvkafka.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A share consumer handle (uvk_share_consumer_new()). */
typedef struct uvk_share_consumer uvk_share_consumer;
struct uvk_client;

/** Acknowledgement types (the broker's AcknowledgeType). */
/** Processed: the record is done and never delivered again. */
#define UVK_SHARE_ACCEPT 1
/** Not processed: the record goes back and is delivered again (to any member), with its
 * delivery count one higher, until the group's delivery-count limit archives it. */
#define UVK_SHARE_RELEASE 2
/** Unprocessable: the record is archived and never delivered again. */
#define UVK_SHARE_REJECT 3
/** Still working (KIP-1222): the record's acquisition lock starts again; it stays
 * acquired by this member, which acknowledges it later. Needs a broker with
 * ShareAcknowledge v2 (Kafka 4.2 and later). */
#define UVK_SHARE_RENEW 4

/** One acquired record. key NULL: null key; value NULL: null value. */
typedef struct uvk_share_record {
  const char *topic;          /**< topic name */
  int32_t partition;          /**< partition id */
  int64_t offset;             /**< the record's offset */
  int64_t timestamp;          /**< ms since the epoch */
  int32_t delivery_count;     /**< 1 on the first delivery, one more each time it comes again */
  const void *key;            /**< the key's bytes; NULL: null key */
  size_t key_len;             /**< length of key */
  const void *value;          /**< the value's bytes; NULL: null value */
  size_t value_len;           /**< length of value */
  const uvk_header *headers;  /**< names are NUL-terminated */
  size_t n_headers;           /**< entries in headers */
} uvk_share_record;

/** Records of one partition acquired by one fetch (one record batch of the answer). */
typedef struct uvk_share_batch {
  const char *topic;                  /**< topic name */
  int32_t partition;                  /**< partition id */
  const uvk_share_record *records;    /**< the records, by offset */
  size_t n_records;                   /**< entries in records */
} uvk_share_batch;

/** The per-record handler. Return 0: the record is accepted, unless the handler already
 * acknowledged it (uvk_share_ack); UVK_PENDING: it stays acquired until uvk_share_ack()
 * (or its acquisition lock runs out: the broker then delivers it again); any other value:
 * it is released (delivered again). */
typedef int (*uvk_share_record_fn)(uvk_share_consumer *s, const uvk_share_record *record, void *ud);
/** The per-batch handler: returns as uvk_share_record_fn, for every record of the batch the
 * handler did not acknowledge itself. */
typedef int (*uvk_share_batch_fn)(uvk_share_consumer *s, const uvk_share_batch *batch, void *ud);

/** run() options; uvk_share_run_options_init fills the defaults. */
typedef struct uvk_share_run_options {
  size_t struct_size;                /**< sizeof(uvk_share_run_options), set by _init */
  uvk_share_record_fn each_record;   /**< exactly one of each_record / each_batch */
  uvk_share_batch_fn each_batch;     /**< see each_record */
  void *ud;                          /**< passed to the handler */
  int32_t max_records;               /**< records one fetch may acquire (default 500) */
} uvk_share_run_options;
/** Fills @p o with the defaults (no handler set). */
UVK_EXTERN void uvk_share_run_options_init(uvk_share_run_options *o);

/** A share consumer completion; err NULL on success, borrowed for the call. */
typedef void (*uvk_share_cb)(uvk_share_consumer *s, const uvk_error *err, void *ud);
/** Told how acknowledgements ended (Java's AcknowledgementCommitCallback): @p offsets (@p n,
 * borrowed) of topic/partition were acknowledged (err NULL) or not (err: why; the broker
 * then delivers those records again after their lock timeout, or already has). Gaps the
 * library acknowledged by itself are not reported. */
typedef void (*uvk_share_ack_cb)(uvk_share_consumer *s, const char *topic, int32_t partition,
                                 const int64_t *offsets, size_t n, const uvk_error *err, void *ud);

/** A share consumer over `client`. cfg supplies groupId (required), heartbeatInterval (used
 * until the broker gives its own), maxWaitTimeInMs, minBytes, maxBytes and retry.
 * UVK_EINVAL when groupId is missing. */
UVK_EXTERN int uvk_share_consumer_new(struct uvk_client *client, const struct uvk_config *cfg,
                                      uvk_share_consumer **out);
/** Frees the share consumer without releasing its records or leaving the group (the
 * broker's lock timeout and session timeout take care of them): close first for a clean
 * end. A pending close callback runs first, once, with UVK_ECLOSED. Allowed from inside any
 * of its callbacks; no handler runs after this call. */
UVK_EXTERN void uvk_share_consumer_free(uvk_share_consumer *s);
/** Adds a topic to the subscription; before run (UVK_ESTATE after). */
UVK_EXTERN int uvk_share_consumer_subscribe(uvk_share_consumer *s, const char *topic);
/** Joins the share group (ShareGroupHeartbeat) and starts fetching (ShareFetch) the
 * partitions the broker assigns; records go to the handler of @p opts. */
UVK_EXTERN int uvk_share_consumer_run(uvk_share_consumer *s, const uvk_share_run_options *opts);
/** Acknowledges one delivered record (@p type: UVK_SHARE_ACCEPT, _RELEASE, _REJECT or
 * _RENEW), inside its handler or later, after the handler returned UVK_PENDING. The
 * acknowledgement rides on the next ShareFetch to the partition's leader, or goes in a
 * ShareAcknowledge when no fetch is due. UVK_ENOTFOUND when the record is not held by
 * this member (already acknowledged, or lost to a fence or a leader change); UVK_EINVAL for
 * another type. */
UVK_EXTERN int uvk_share_ack(uvk_share_consumer *s, const char *topic, int32_t partition, int64_t offset,
                             int type);
/** How many delivered records wait for an acknowledgement (UVK_PENDING ones). */
UVK_EXTERN size_t uvk_share_consumer_held(const uvk_share_consumer *s);
/** Sets the acknowledgement callback (NULL: none). */
UVK_EXTERN int uvk_share_consumer_set_ack_cb(uvk_share_consumer *s, uvk_share_ack_cb cb, void *ud);
/** Sets the crash callback: called once if a non-retriable failure (share groups disabled on
 * the broker, authorization, ...) stops the share consumer. */
UVK_EXTERN int uvk_share_consumer_set_crash_cb(uvk_share_consumer *s, uvk_share_cb cb, void *ud);
/** Stops fetching, releases every record delivered and not acknowledged, sends the
 * acknowledgements still queued (closing the share sessions), leaves the group, then cb. */
UVK_EXTERN int uvk_share_consumer_close(uvk_share_consumer *s, uvk_share_cb cb, void *ud);
/** The member id (generated by the client, KIP-1082); "" before run. */
UVK_EXTERN const char *uvk_share_consumer_member_id(const uvk_share_consumer *s);
/** The member epoch the group coordinator gave (0 before joining, -1 after leaving). */
UVK_EXTERN int32_t uvk_share_consumer_member_epoch(const uvk_share_consumer *s);
/** The partitions assigned now: fills up to cap, returns how many there are. */
UVK_EXTERN size_t uvk_share_consumer_assignment(const uvk_share_consumer *s, struct uvk_topic_partition *out,
                                                size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* UVK_SHARE_H */
