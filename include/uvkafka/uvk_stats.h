/** @file uvk_stats.h
 * @brief Statistics: one JSON document per interval (librdkafka's statistics format) and a
 * typed accessor for the headline numbers.
 *
 * Include uvkafka/uvkafka.h rather than this file.
 *
 * A client with a statistics callback (uvk_config_set_stats_cb) and `statisticsIntervalMs`
 * > 0 (default 0: off) calls it on the loop thread every interval, from uvk_client_new until
 * the client's disconnect, with one JSON document covering the client, its broker
 * connections, and every producer and consumer made on it. Field names, units and meanings
 * are librdkafka's where they mean the same thing (docs/operations.md lists every field and
 * what is left out). Times: `ts` and `age` in microseconds, `time` in seconds since the
 * epoch, rtt in microseconds (at the loop clock's millisecond resolution), throttle in ms.
 * Windowed values (rtt, throttle, int_latency) cover the time since the previous document. */
#ifndef UVK_STATS_H
#define UVK_STATS_H

#include "uvkafka/uvkafka.h"

#ifdef __cplusplus
extern "C" {
#endif

struct uvk_config;
struct uvk_client;

/** A statistics callback: @p json (NUL-terminated, @p len bytes without the NUL) is borrowed
 * for the call. Runs on the loop thread; it may free the client. */
typedef void (*uvk_stats_fn)(void *ud, const char *json, size_t len);

/** Sets the statistics callback (NULL: none). Documents go out every `statisticsIntervalMs`
 * (uvk_config_set_int; 0, the default, turns them off). */
UVK_EXTERN int uvk_config_set_stats_cb(struct uvk_config *cfg, uvk_stats_fn fn, void *ud);

/** The headline numbers of a client, summed over its brokers, producers and consumers.
 * The caller sets struct_size (sizeof(uvk_client_stats)); the library fills that many
 * bytes. Fields only ever get added at the end. */
typedef struct uvk_client_stats {
  size_t struct_size;     /**< sizeof(uvk_client_stats), set by the caller */
  int64_t ts;             /**< the loop's monotonic clock, microseconds */
  int64_t time;           /**< wall clock, seconds since the epoch */
  int64_t age;            /**< microseconds since the client was made */
  int64_t msg_cnt;        /**< messages in producer queues, not yet acknowledged or failed */
  int64_t msg_size;       /**< their bytes (keys, values, headers) */
  int64_t msg_max;        /**< the queues' bound in messages (0: none) */
  int64_t msg_size_max;   /**< the queues' bound in bytes (bufferMemory) */
  int64_t tx;             /**< requests sent, all brokers */
  int64_t tx_bytes;       /**< their bytes */
  int64_t rx;             /**< responses received, all brokers */
  int64_t rx_bytes;       /**< their bytes */
  int64_t txerrs;         /**< requests that failed (connection lost or closed with them held) */
  int64_t rxerrs;         /**< responses carrying a protocol-level failure (unparseable frames) */
  int64_t req_timeouts;   /**< requests timed out */
  int64_t txmsgs;         /**< messages acknowledged by brokers */
  int64_t txmsg_bytes;    /**< their bytes */
  int64_t rxmsgs;         /**< messages consumed (handed to the application) */
  int64_t rxmsg_bytes;    /**< their bytes */
  int64_t connects;       /**< connection attempts (failed ones included) */
  int64_t disconnects;    /**< ready connections that closed */
  int32_t brokers_up;     /**< connections ready now */
  int32_t brokers;        /**< brokers in the document (known, or with a connection) */
  int64_t rtt_min;        /**< round-trip time since the last document, all brokers, in us; 0 when no response */
  int64_t rtt_max;        /**< its maximum, us */
  int64_t rtt_avg;        /**< its mean, us */
  int64_t rtt_p50;        /**< its median, us (from a fixed histogram: an upper bound, clamped to [min, max]) */
  int64_t rtt_p95;        /**< its 95th percentile, us */
  int64_t rtt_p99;        /**< its 99th percentile, us */
  int64_t rtt_cnt;        /**< responses in the window */
  int64_t throttle_max;   /**< largest broker throttle in the window, ms */
  int64_t consumer_lag;   /**< sum of consumer_lag over assigned partitions whose lag is known; -1 none known */
  int64_t rebalance_cnt;  /**< rebalances (assignments received), all consumers */
  int32_t assignment_size; /**< partitions assigned, all consumers */
  int32_t partitions;     /**< topic-partitions in the document */
} uvk_client_stats;

/** Fills @p out (struct_size set by the caller) with the current numbers. The windowed
 * fields (rtt_*, throttle_max) read the current window without closing it. UVK_EINVAL for a
 * NULL or too-small struct_size. Loop thread only. */
UVK_EXTERN int uvk_client_get_stats(struct uvk_client *client, uvk_client_stats *out);

/** Writes the statistics JSON document now into @p buf (always NUL-terminated when
 * @p buflen > 0). Returns the length the whole document needs, without the NUL (snprintf
 * semantics), or 0 for a NULL client. Does not close the rtt window. Loop thread only. */
UVK_EXTERN size_t uvk_client_stats_json(struct uvk_client *client, char *buf, size_t buflen);

#ifdef __cplusplus
}
#endif

#endif /* UVK_STATS_H */
