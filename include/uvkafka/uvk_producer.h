/** @file uvk_producer.h
 * @brief The producer (KafkaJS's kafka.producer()): send messages to topics, batched per
 * partition.
 *
 * Include uvkafka/uvkafka.h rather than this file.
 *
 * Every call happens on the loop's thread. A send that returns 0 completes exactly once
 * through its callback, later, from the loop: with the offsets of every message, or with an
 * error (then `md` says which partitions failed). Nothing is dropped silently: a disconnect
 * sends what is queued first. */
#ifndef UVK_PRODUCER_H
#define UVK_PRODUCER_H

#include "uvkafka/uvkafka.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A producer handle (uvk_producer_new()). */
typedef struct uvk_producer uvk_producer;
struct uvk_client;
struct uvk_topic_partition_offset;
struct uvk_group_metadata;

/** A header: repeated names are allowed. value NULL is a null value. */
typedef struct uvk_header {
  const char *name;           /**< the header's name */
  const void *value;          /**< the value's bytes; NULL: a null value */
  size_t value_len;           /**< length of value */
} uvk_header;

/** A message. key NULL: no key; value NULL: a tombstone (null value). */
typedef struct uvk_message {
  const void *key;            /**< the key's bytes; NULL: no key */
  size_t key_len;             /**< length of key */
  const void *value;          /**< the value's bytes; NULL: a tombstone (null value) */
  size_t value_len;           /**< length of value */
  int32_t partition;          /**< -1: the partitioner chooses */
  int64_t timestamp;          /**< ms since the epoch; -1: now */
  const uvk_header *headers;  /**< the message's headers */
  size_t n_headers;           /**< entries in headers */
} uvk_message;

/** Messages for one topic (KafkaJS's topicMessages entry). */
typedef struct uvk_topic_messages {
  const char *topic;            /**< topic name */
  const uvk_message *messages;  /**< the messages for it */
  size_t n_messages;            /**< entries in messages */
} uvk_topic_messages;

/** Compression of a send (uvk_send_options::compression); the values are Kafka's codec ids. */
typedef enum uvk_compression {
  UVK_COMPRESSION_NONE = 0,   /**< no compression */
  UVK_COMPRESSION_GZIP = 1,   /**< gzip */
  UVK_COMPRESSION_SNAPPY = 2, /**< snappy */
  UVK_COMPRESSION_LZ4 = 3,    /**< lz4 */
  UVK_COMPRESSION_ZSTD = 4    /**< zstd */
} uvk_compression;

/** Per-send options; uvk_send_options_init fills KafkaJS's defaults (acks -1, timeout 30000,
 * no compression, copy). */
typedef struct uvk_send_options {
  size_t struct_size;  /**< sizeof(uvk_send_options), set by uvk_send_options_init */
  int acks;            /**< -1 all in-sync replicas, 1 the leader, 0 none (no offsets) */
  int32_t timeout;     /**< ms the broker may wait for the replicas */
  int compression;     /**< uvk_compression, or a codec id registered with uvk_codec_register */
  int borrow;          /**< nonzero: keys, values and headers are not copied and must stay
                          valid until the completion; topic names are always copied */
} uvk_send_options;
/** Fills @p o with KafkaJS's defaults (acks -1, timeout 30000, no compression, copy). */
UVK_EXTERN void uvk_send_options_init(uvk_send_options *o);

/** KafkaJS's RecordMetadata, one per topic-partition of the send. */
typedef struct uvk_record_metadata {
  const char *topic;        /**< topic name */
  int32_t partition;        /**< partition id */
  int error;                /**< 0, or the uvk error (UVK_ERR_KAFKA(n) for broker errors) */
  int64_t base_offset;      /**< the offset of this send's first message there; -1 for acks 0 */
  int64_t log_append_time;  /**< -1 unless the topic uses LogAppendTime */
  int64_t log_start_offset; /**< the partition's log start offset */
} uvk_record_metadata;

/** A send's completion. err is NULL when every message was acknowledged. md (n entries) is
 * borrowed for the call. */
typedef void (*uvk_send_cb)(uvk_producer *producer, const uvk_error *err,
                            const uvk_record_metadata *md, size_t n, void *ud);
/** A producer completion (connect, flush, disconnect, transactions); err NULL on success,
 * borrowed for the call. */
typedef void (*uvk_producer_cb)(uvk_producer *producer, const uvk_error *err, void *ud);

/** One partition of a topic, as a custom partitioner sees it. */
typedef struct uvk_partition_info {
  int32_t partition_id;     /**< partition id */
  int32_t leader;           /**< the leader's broker id, -1 while there is none */
} uvk_partition_info;
/** A custom partitioner (KafkaJS's createPartitioner): returns the partition for `msg` among
 * the topic's partitions (@p parts, @p n_parts entries), or -1 to let the default
 * partitioner decide. */
typedef int32_t (*uvk_partitioner_fn)(void *ud, const char *topic, const uvk_partition_info *parts,
                                      size_t n_parts, const uvk_message *msg);

/** A producer over `client`; `cfg` (may be NULL) supplies the producer keys (linger,
 * batchSize, bufferMemory, partitioner; see docs/producer.md). */
UVK_EXTERN int uvk_producer_new(struct uvk_client *client, const struct uvk_config *cfg,
                                uvk_producer **out);
/** Sets the custom partitioner (uvk_partitioner_fn) for the producer's sends. */
UVK_EXTERN int uvk_producer_set_partitioner(uvk_producer *p, uvk_partitioner_fn fn, void *ud);
/** Sets the drain callback: called once memory use fell back to half of bufferMemory after a send failed with
 * UVK_EQUEUEFULL. */
UVK_EXTERN int uvk_producer_set_drain_cb(uvk_producer *p, uvk_producer_cb cb, void *ud);
/** Connects the client (bootstrap) if it is not yet. */
UVK_EXTERN int uvk_producer_connect(uvk_producer *p, uvk_producer_cb cb, void *ud);
/** send({topic, messages}): @p n_messages messages to @p topic; @p opts NULL: the defaults
 * (uvk_send_options_init()). UVK_EQUEUEFULL (callback not called) when bufferMemory would be
 * exceeded; UVK_EINVAL for a bad message; UVK_ECLOSED after disconnect. */
UVK_EXTERN int uvk_producer_send(uvk_producer *p, const char *topic, const uvk_message *messages,
                                 size_t n_messages, const uvk_send_options *opts, uvk_send_cb cb,
                                 void *ud);
/** sendBatch({topicMessages}): messages to several topics in one send; errors as
 * uvk_producer_send(). */
UVK_EXTERN int uvk_producer_send_batch(uvk_producer *p, const uvk_topic_messages *topics,
                                       size_t n_topics, const uvk_send_options *opts,
                                       uvk_send_cb cb, void *ud);
/** Sends what linger holds back now; cb once every send made before has completed. */
UVK_EXTERN int uvk_producer_flush(uvk_producer *p, uvk_producer_cb cb, void *ud);
/** Flushes, waits for every send to complete, then stops accepting sends. The client stays
 * connected (disconnect it separately). */
UVK_EXTERN int uvk_producer_disconnect(uvk_producer *p, uvk_producer_cb cb, void *ud);
/* ---- transactions (a producer whose config sets transactionalId) ----------------------
 * KafkaJS's producer.transaction(), in C: begin, send as usual (every send between begin and
 * commit / abort belongs to the transaction; outside one a transactional producer refuses
 * sends with UVK_ESTATE), optionally send_offsets (consumed offsets committed with the
 * transaction, for consume-transform-produce), then commit or abort. Commit and abort wait
 * for every send of the transaction to complete; a transaction with a failed send cannot be
 * committed (the callback gets UVK_ESTATE; abort it). One transaction at a time. Errors that
 * end the producer's transactional life (fenced by a newer producer with the same id, not
 * authorized) fail the callbacks and every later call with that error. Commit, abort,
 * send_offsets and the AddPartitionsToTxn a send waits for each end within transactionTimeout
 * of their start; past it they fail with UVK_ETIMEDOUT (retriable), a commit or abort leaving
 * the transaction open for commit or abort again (docs/producer.md, "Deadlines").
 * Each returns 0 (cb called once, later) or an error (cb not called). */
/** Begins a transaction (a producer whose config sets transactionalId); one at a time.
 * Every send until commit / abort belongs to it. */
UVK_EXTERN int uvk_producer_begin_transaction(uvk_producer *p);
/** Commits the transaction once every send of it completed; a transaction with a failed send,
 * or whose last send_offsets timed out, cannot be committed (cb gets UVK_ESTATE; abort it).
 * UVK_ETIMEDOUT after transactionTimeout: call commit again (the first may have landed). */
UVK_EXTERN int uvk_producer_commit_transaction(uvk_producer *p, uvk_producer_cb cb, void *ud);
/** Aborts the transaction, after every send of it completed. */
UVK_EXTERN int uvk_producer_abort_transaction(uvk_producer *p, uvk_producer_cb cb, void *ud);
/** Adds consumed offsets to the transaction (consume-transform-produce): @p offsets, @p n
 * entries, the next offset to consume per partition of group_id's topics. */
UVK_EXTERN int uvk_producer_send_offsets(uvk_producer *p, const char *group_id,
                                         const struct uvk_topic_partition_offset *offsets, size_t n,
                                         uvk_producer_cb cb, void *ud);
/** sendOffsets fenced by the group (KIP-447): like uvk_producer_send_offsets() for
 * @p group's group, and the commit carries its member id, generation and instance id, so the
 * coordinator refuses it (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID; abort
 * the transaction) once the group has moved on: a consumer that lost its partitions in a
 * rebalance cannot commit their offsets over the new owner's. Take @p group from
 * uvk_consumer_group_metadata() when the consumed records arrived. */
UVK_EXTERN int uvk_producer_send_consumer_offsets(uvk_producer *p, const struct uvk_group_metadata *group,
                                                  const struct uvk_topic_partition_offset *offsets, size_t n,
                                                  uvk_producer_cb cb, void *ud);

/** What a transactional failure means for the application (KIP-1050's classes, as in
 * Kafka 4's Java producer). Ask with uvk_txn_error_class_of() on a code a transaction call
 * returned, or uvk_error_txn_class() on a callback's error. A failed send inside a
 * transaction makes the transaction at least abortable: its commit fails with UVK_ESTATE. */
typedef enum uvk_txn_error_class {
  UVK_TXN_ERR_NONE = 0,           /**< not an error */
  UVK_TXN_ERR_RETRIABLE = 1,      /**< transient (timeout, connection, coordinator moving): call again */
  UVK_TXN_ERR_ABORTABLE = 2,      /**< this transaction cannot commit: abort it; the producer goes on */
  UVK_TXN_ERR_PRODUCER_FATAL = 3, /**< this producer is finished (fenced by a newer producer with its
                                       transactionalId, its producer state lost): free it; a new
                                       producer with the same transactionalId recovers */
  UVK_TXN_ERR_FATAL = 4           /**< a new producer would fail the same way (authorization, bad
                                       configuration or argument, a broker without support) */
} uvk_txn_error_class;
/** The class of @p err (0, a UVK_E* code, or a Kafka error as UVK_ERR_KAFKA(n)). */
UVK_EXTERN uvk_txn_error_class uvk_txn_error_class_of(int err);
/** The class of a completion's error (NULL: UVK_TXN_ERR_NONE); a UVK_EKAFKA error is classed
 * by its Kafka code. */
UVK_EXTERN uvk_txn_error_class uvk_error_txn_class(const uvk_error *e);

/** Frees a producer; any send, flush, connect or transaction call still pending completes
 * with UVK_ECLOSED first, from inside this call. From inside a callback (a send or flush
 * completion, the drain callback, the partitioner, or any callback of its client or of
 * another handle of that client) the producer is only marked: new calls on it fail, and it
 * is released when the library's code has returned to the loop; completions the library is
 * delivering meanwhile keep their outcome, and what is still pending then completes with
 * UVK_ECLOSED (from the loop: a send made before a partitioner freed it never calls back
 * from inside uvk_producer_send). Every pending callback runs exactly once either way. */
UVK_EXTERN void uvk_producer_free(uvk_producer *p);
/** Bytes of messages queued or in flight (what bufferMemory bounds). */
UVK_EXTERN size_t uvk_producer_buffered_bytes(const uvk_producer *p);

#ifdef __cplusplus
}
#endif

#endif /* UVK_PRODUCER_H */
