/** @file uvkafka.h
 * @brief uvkafka: a Kafka client on one libuv loop, with a C ABI.
 *
 * This header compiles as C99 and as C++; nothing but plain C types crosses it.
 * It is the only header to include: it pulls in its siblings (errors, config, events). */
#ifndef UVKAFKA_H
#define UVKAFKA_H

#include <stddef.h>
#include <stdint.h>

#include "uvkafka/uvk_errors.h"
#include "uvkafka/uvk_kafka_errors.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Marks a function the shared library exports (dllexport only while building it). */
#if defined(_WIN32) && defined(UVK_BUILDING)
#  define UVK_EXTERN __declspec(dllexport)
#elif defined(_WIN32)
#  define UVK_EXTERN
#elif defined(__GNUC__)
#  define UVK_EXTERN __attribute__((visibility("default")))
#else
#  define UVK_EXTERN
#endif

/** The major version of this header. */
#define UVK_VERSION_MAJOR 0
/** The minor version of this header. */
#define UVK_VERSION_MINOR 1
/** The patch version of this header. */
#define UVK_VERSION_PATCH 0
/** The header's version as 0xMMmmpp, comparable with < and >. */
#define UVK_VERSION_HEX ((UVK_VERSION_MAJOR << 16) | (UVK_VERSION_MINOR << 8) | UVK_VERSION_PATCH)

/* ---- how the ABI grows ---------------------------------------------------------------
 * Handles are opaque. Structs only ever grow at the end, within a major version (the
 * soname carries the major version).
 * Options structs (uvk_send_options, uvk_run_options, uvk_admin_topic_options) start with
 * `size_t struct_size`, which their *_init function sets to the size the application was
 * compiled with: the library reads only that many bytes, and fields the application does
 * not know keep their defaults. Always fill them with *_init first. A struct_size below
 * the first release's is UVK_EINVAL (not initialised); one above the library's own is
 * UVK_EUNSUPPORTED (a header newer than the library).
 * Structs handed out in arrays (messages, topics, ACLs, results) change layout only with
 * the major version, since callers step through them by their own sizeof. */

/** The library's version as "MAJOR.MINOR.PATCH". */
UVK_EXTERN const char *uvk_version(void);

/* ---- error codes ---------------------------------------------------------------------
 * Every int-returning call gives 0 (UVK_OK) or a negative code: a UVK_E* value
 * (uvk_errors.h) or a Kafka protocol error UVK_ERR_KAFKA(n) (uvk_kafka_errors.h). */

/** A one-line English description of @p err; never NULL ("unknown error" for codes nobody
 * defined). */
UVK_EXTERN const char *uvk_strerror(int err);
/** The symbolic name of @p err: "UVK_EINVAL", "NOT_LEADER_OR_FOLLOWER", or "UNKNOWN". */
UVK_EXTERN const char *uvk_err_name(int err);
/** 1 when a later attempt of the operation that failed with @p err may succeed, else 0. */
UVK_EXTERN int uvk_err_is_retriable(int err);

/** What uvk_name_check() checks a name as. */
typedef enum uvk_name_kind {
  UVK_NAME_TOPIC = 1,           /**< 1 to 249 letters, digits, '.', '_', '-'; not "." or ".." */
  UVK_NAME_GROUP_ID = 2,        /**< 1 to 32767 bytes */
  UVK_NAME_CLIENT_ID = 3,       /**< 0 to 32767 bytes */
  UVK_NAME_TRANSACTIONAL_ID = 4 /**< 1 to 32767 bytes */
} uvk_name_kind;
/** 0 when @p name is a @p kind Kafka accepts; else UVK_EINVAL, and @p buf (when not NULL)
 * gets the rule it breaks, e.g. `invalid topic name "bad topic!": a space (at 3) is not
 * allowed; a topic name has 1 to 249 characters, ...`. The calls that take a topic refuse
 * such a name with a bare UVK_EINVAL; this says why. */
UVK_EXTERN int uvk_name_check(int kind, const char *name, char *buf, size_t buflen);

/* ---- error objects ------------------------------------------------------------------- */
/** How asynchronous completions report a failure: opaque, immutable and reference-counted,
 * read through the accessors below. A callback borrows it for the call; uvk_error_retain()
 * keeps it longer, uvk_error_release() lets it go. Every accessor accepts NULL (and then
 * returns 0 / NULL). */
typedef struct uvk_error uvk_error;

/** The uvk code: UVK_EKAFKA for a broker error, UVK_ERETRIES when retries ran out,
 * UVK_ETIMEDOUT, UVK_ECLOSED, ... */
UVK_EXTERN int uvk_error_code(const uvk_error *e);
/** The Kafka protocol error code (uvk_kafka_err), 0 (NONE) when the error is not a broker's. */
UVK_EXTERN int uvk_error_kafka_code(const uvk_error *e);
/** The Kafka error's name ("REBALANCE_IN_PROGRESS"), NULL when there is no Kafka code. */
UVK_EXTERN const char *uvk_error_kafka_name(const uvk_error *e);
/** The message the broker sent with the error (such as CreateTopics' ErrorMessage), or NULL. */
UVK_EXTERN const char *uvk_error_broker_message(const uvk_error *e);
/** A description of this error alone (the broker message when there is one); never NULL
 * for a non-NULL error. */
UVK_EXTERN const char *uvk_error_message(const uvk_error *e);
/** 1 when retrying the operation may succeed. For UVK_ERETRIES this is 0: the retries are
 * spent (the cause tells whether the underlying failure was transient). */
UVK_EXTERN int uvk_error_is_retriable(const uvk_error *e);
/** The error that caused this one (the last attempt's error for UVK_ERETRIES), or NULL. */
UVK_EXTERN const uvk_error *uvk_error_cause(const uvk_error *e);
/** For UVK_ERETRIES: how many retries were made (KafkaJS's retryCount); 0 for other
 * errors. */
UVK_EXTERN int uvk_error_retry_count(const uvk_error *e);
/** For UVK_ERETRIES: the last wait between retries in ms (KafkaJS's retryTime); 0 for other
 * errors. */
UVK_EXTERN int64_t uvk_error_retry_time(const uvk_error *e);
/** Writes "UVK_ERETRIES: number of retries exceeded (5 retries) <- NOT_LEADER_OR_FOLLOWER
 * (6): ..." (the whole cause chain) into @p buf, always NUL-terminated when @p buflen > 0.
 * @return the length the full text needs, excluding the NUL (snprintf semantics). */
UVK_EXTERN size_t uvk_error_format(const uvk_error *e, char *buf, size_t buflen);
/** Takes a reference, so the error outlives the callback that borrowed it.
 * @return @p e (NULL for NULL). */
UVK_EXTERN const uvk_error *uvk_error_retain(const uvk_error *e);
/** Drops a reference; the last one frees the error (and releases its cause). NULL is a
 * no-op. */
UVK_EXTERN void uvk_error_release(const uvk_error *e);

/* ---- logging -------------------------------------------------------------------------- */
/** Log levels; the levels and their numbers are KafkaJS's. */
typedef enum uvk_log_level {
  UVK_LOG_NOTHING = 0, /**< no logging */
  UVK_LOG_ERROR = 1,   /**< errors only */
  UVK_LOG_WARN = 2,    /**< warnings and errors */
  UVK_LOG_INFO = 4,    /**< information, warnings and errors */
  UVK_LOG_DEBUG = 5    /**< everything */
} uvk_log_level;

/** A log sink (KafkaJS's logCreator, in C). Called on the loop thread for every entry at or
 * above the effective level. `ns` is the component ("Connection", "Cluster", ...), `label`
 * the level's name ("INFO"), `timestamp` an ISO-8601 UTC time. `extra` holds n_extra
 * key/value pairs as 2*n_extra strings: extra[0] key, extra[1] value, ... All strings are
 * borrowed for the duration of the call. */
typedef void (*uvk_log_fn)(void *ud, const char *ns, int level, const char *label,
                           const char *timestamp, const char *message,
                           const char *const *extra, size_t n_extra);

/** The name of a log level: "NOTHING", "ERROR", "WARN", "INFO", "DEBUG"; NULL for other
 * values. */
UVK_EXTERN const char *uvk_log_level_name(int level);

/* ---- allocator hook ------------------------------------------------------------------- */
/** The allocator hook's malloc (uvk_config_set_allocator); @p ud is the hook's user data. */
typedef void *(*uvk_malloc_fn)(void *ud, size_t size);
/** The allocator hook's realloc (uvk_config_set_allocator). */
typedef void *(*uvk_realloc_fn)(void *ud, void *ptr, size_t size);
/** The allocator hook's free (uvk_config_set_allocator). */
typedef void (*uvk_free_fn)(void *ud, void *ptr);

#ifdef __cplusplus
}
#endif

#include "uvkafka/uvk_config.h"
#include "uvkafka/uvk_events.h"
#include "uvkafka/uvk_codec.h"
#include "uvkafka/uvk_client.h"
#include "uvkafka/uvk_stats.h"
#include "uvkafka/uvk_producer.h"
#include "uvkafka/uvk_send_queue.h"
#include "uvkafka/uvk_consumer.h"
#include "uvkafka/uvk_admin.h"
#include "uvkafka/uvk_share.h"

#endif /* UVKAFKA_H */
