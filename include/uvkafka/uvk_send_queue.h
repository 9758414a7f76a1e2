/** @file uvk_send_queue.h
 * @brief Sending from any thread: a bounded queue into a producer whose loop runs elsewhere.
 *
 * Include uvkafka/uvkafka.h rather than this file.
 *
 * uvk_send_queue_new() (on the loop thread) opens the queue of a producer; from then on any
 * thread may call uvk_send_queue_send(). The loop drains the queue into the producer's usual
 * send path, woken once per burst of sends (not once per message). Completions run on the
 * loop thread, through the uvk_send_cb given to the send, exactly once for every send that
 * returned 0: with the offsets, or with an error (UVK_ECLOSED when the producer or its client
 * was disconnected or freed before the send reached the producer; then md is NULL).
 *
 * Backpressure: the queue holds at most max_messages messages and max_bytes bytes that the
 * loop has not yet handed to the producer (which itself waits while bufferMemory is full). A
 * send into a full queue returns UVK_EQUEUEFULL at once, or waits up to wait_ms for room.
 *
 * Shutdown: after uvk_producer_disconnect(), uvk_producer_free() or the client's disconnect,
 * sends fail with UVK_ECLOSED; a thread waiting for room wakes with UVK_ECLOSED. The handle
 * itself stays valid until uvk_send_queue_release(), so threads racing a disconnect never
 * touch freed memory. A custom allocator (uvk_config_set_allocator) must be thread-safe
 * when a send queue is used: sending threads allocate their copies through it. */
#ifndef UVK_SEND_QUEUE_H
#define UVK_SEND_QUEUE_H

#include "uvkafka/uvkafka.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A thread-safe send queue into a producer (uvk_send_queue_new()). */
typedef struct uvk_send_queue uvk_send_queue;

/** Options of uvk_send_queue_new(); uvk_send_queue_options_init fills the defaults. */
typedef struct uvk_send_queue_options {
  size_t struct_size;   /**< sizeof(uvk_send_queue_options), set by uvk_send_queue_options_init */
  size_t max_messages;  /**< messages queued and not yet handed to the producer (default 100000) */
  size_t max_bytes;     /**< their keys, values and headers in bytes (default 64 MiB) */
} uvk_send_queue_options;
/** Fills @p o with the defaults (100000 messages, 64 MiB). */
UVK_EXTERN void uvk_send_queue_options_init(uvk_send_queue_options *o);

/** Counters of a send queue (uvk_send_queue_get_stats()). */
typedef struct uvk_send_queue_stats {
  size_t struct_size;          /**< sizeof(uvk_send_queue_stats), set by the caller */
  uint64_t sends;              /**< sends accepted (returned 0) */
  uint64_t messages;           /**< messages in those sends */
  uint64_t wakeups;            /**< times the loop was woken to drain the queue */
  uint64_t full;               /**< sends refused with UVK_EQUEUEFULL */
  uint64_t queued_messages;    /**< messages accepted and not yet handed to the producer */
  uint64_t queued_bytes;       /**< their bytes */
} uvk_send_queue_stats;

/** Opens the send queue of @p producer (on the loop thread; one queue per producer; a second
 * call returns UVK_ESTATE). @p opts NULL: the defaults. */
UVK_EXTERN int uvk_send_queue_new(uvk_producer *producer, const uvk_send_queue_options *opts,
                                  uvk_send_queue **out);
/** From any thread: queues @p n_messages messages for @p topic, like uvk_producer_send().
 * The messages are copied unless opts->borrow is set: then the queue takes them over and
 * their keys, values and headers must stay valid until @p cb ran (free them there). @p cb
 * runs on the loop thread, once, later. @p wait_ms: 0 returns UVK_EQUEUEFULL at once when
 * the queue is full, > 0 waits up to that long for room, < 0 waits as long as it takes
 * (waiting on the loop thread itself is refused with UVK_ESTATE: only the loop drains).
 * Returns 0, UVK_EQUEUEFULL, UVK_ECLOSED, UVK_EINVAL (a bad argument, or one send larger
 * than the queue) or UVK_ENOMEM. */
UVK_EXTERN int uvk_send_queue_send(uvk_send_queue *q, const char *topic, const uvk_message *messages,
                                   size_t n_messages, const uvk_send_options *opts, int32_t wait_ms,
                                   uvk_send_cb cb, void *ud);
/** From any thread: copies the queue's counters into @p out (whose struct_size the caller
 * sets). */
UVK_EXTERN int uvk_send_queue_get_stats(uvk_send_queue *q, uvk_send_queue_stats *out);
/** From any thread, once no thread will use @p q again: drops the application's handle.
 * Sends already accepted still complete; the memory goes once the producer is freed too. */
UVK_EXTERN void uvk_send_queue_release(uvk_send_queue *q);

#ifdef __cplusplus
}
#endif

#endif /* UVK_SEND_QUEUE_H */
