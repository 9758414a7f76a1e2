/** @file uvk_config.h
 * @brief uvkafka client configuration. Include uvkafka/uvkafka.h rather than this file.
 *
 * A uvk_config is an opaque bag of settings with KafkaJS's option names and defaults
 * ("brokers", "clientId", "retry.retries", "ssl.ca", ...; docs/configuration.md lists them
 * all). A client copies what it needs when it is created, so one config can create many
 * clients and may be freed afterwards. Configs are not thread-safe; use one per thread. */
#ifndef UVK_CONFIG_H
#define UVK_CONFIG_H

#include "uvkafka/uvkafka.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An opaque bag of settings with KafkaJS's option names and defaults (docs/configuration.md).
 * A client copies what it needs when it is created. Not thread-safe. */
typedef struct uvk_config uvk_config;

/** A config holding every default; NULL when memory runs out. */
UVK_EXTERN uvk_config *uvk_config_new(void);
/** A deep copy (strings, broker list, callbacks and the allocator hook); NULL on ENOMEM. */
UVK_EXTERN uvk_config *uvk_config_dup(const uvk_config *cfg);
/** Frees a config; clients created from it are not affected (they hold copies). */
UVK_EXTERN void uvk_config_free(uvk_config *cfg);

/** The string setter, for bindings and config files: any key, value as text.
 * Booleans: true/false (also 1/0, yes/no); integers in decimal; logLevel by name or
 * number; brokers as a comma-separated list ("a:9092,[::1]:9093"); maxInFlightRequests
 * "null" for unlimited. Returns 0, or UVK_EINVAL for an unknown key, a value of the
 * wrong type or out of range, with a message naming the key and what it accepts written
 * to errbuf (always NUL-terminated when errlen > 0; errbuf may be NULL). The config is
 * unchanged on error. Also UVK_ENOMEM. */
UVK_EXTERN int uvk_config_set(uvk_config *cfg, const char *key, const char *value,
                              char *errbuf, size_t errlen);

/** Sets an integer key; also fills floating-point keys. For maxInFlightRequests, -1 means
 * unlimited. @return 0, or UVK_EINVAL (reason in uvk_config_last_error()). */
UVK_EXTERN int uvk_config_set_int(uvk_config *cfg, const char *key, int64_t value);
/** Sets a floating-point key; also an integer key when @p value is a whole number. @return 0,
 * or UVK_EINVAL (reason in uvk_config_last_error()). */
UVK_EXTERN int uvk_config_set_double(uvk_config *cfg, const char *key, double value);
/** Sets a boolean key (@p value nonzero: true). @return 0, or UVK_EINVAL (reason in
 * uvk_config_last_error()). */
UVK_EXTERN int uvk_config_set_bool(uvk_config *cfg, const char *key, int value);
/** Sets a string, list or enum key, exactly as uvk_config_set() would. @return 0,
 * UVK_EINVAL (reason in uvk_config_last_error()) or UVK_ENOMEM. */
UVK_EXTERN int uvk_config_set_str(uvk_config *cfg, const char *key, const char *value);
/** The message of the last failed set call on this config ("" after a success). */
UVK_EXTERN const char *uvk_config_last_error(const uvk_config *cfg);

/** The current value of `key` as text, in the form uvk_config_set accepts. Writes at most
 * buflen bytes including the NUL and returns the length the full value needs (snprintf
 * semantics), or UVK_EINVAL for an unknown key. Secrets (ssl.key, ssl.passphrase,
 * sasl.password) read back as "***" when set. */
UVK_EXTERN int uvk_config_get(const uvk_config *cfg, const char *key, char *buf, size_t buflen);

/** Seed brokers as "host:port" strings; IPv6 literals in brackets ("[::1]:9092"). A
 * missing port means 9092. Replaces the current list (and any brokers callback). */
UVK_EXTERN int uvk_config_set_brokers(uvk_config *cfg, const char *const *brokers, size_t n);

/** The broker list a uvk_brokers_fn fills with uvk_brokers_add(). */
typedef struct uvk_brokers uvk_brokers;
/** A brokers callback: adds each broker to @p out with uvk_brokers_add() and returns 0, or a
 * negative code to fail this bootstrap attempt (retried like a connection error). */
typedef int (*uvk_brokers_fn)(void *ud, uvk_brokers *out);
/** KafkaJS's `brokers: () => string[]`: the client calls @p fn whenever it bootstraps (the
 * first connect, and each time it must find the cluster again). Setting a callback replaces
 * the list. */
UVK_EXTERN int uvk_config_set_brokers_cb(uvk_config *cfg, uvk_brokers_fn fn, void *ud);
/** Adds one "host:port" to the list being built; UVK_EINVAL for a malformed address. */
UVK_EXTERN int uvk_brokers_add(uvk_brokers *out, const char *host_port);

/** The log sink (default: JSON lines on stderr). fn NULL restores the default.
 * The level comes from "logLevel"; the UVKAFKA_LOG_LEVEL environment variable, when set
 * to a level name or number, overrides it. */
UVK_EXTERN int uvk_config_set_logger(uvk_config *cfg, uvk_log_fn fn, void *ud);

/** The per-client allocator: every allocation of a client created from this config goes
 * through these. All three NULL restores libc; a partial set is UVK_EINVAL. */
UVK_EXTERN int uvk_config_set_allocator(uvk_config *cfg, uvk_malloc_fn malloc_fn,
                                        uvk_realloc_fn realloc_fn, uvk_free_fn free_fn,
                                        void *ud);

/** The socket hook's `ready` callback; the hook as a whole works like this.
 * The socket hook (KafkaJS's socketFactory) lets the application supply the byte stream
 * to a broker, e.g. through a proxy or with custom socket options.
 * `open` is called on the loop thread with the client's uv_loop_t, the broker address and
 * whether the client will run TLS over the stream. It creates a libuv stream on that loop
 * (uv_tcp_t, uv_pipe_t, ...), starts connecting it, and returns 0; later (never from
 * inside `open`) it calls ready(token, 0, stream) once the stream carries bytes to the
 * broker, or ready(token, err, NULL) on failure. A nonzero return from `open` fails the
 * attempt at once and `ready` must not be called. From `ready` on, the client owns the
 * stream (and its `data` field): it reads, writes and finally uv_close()s it, then calls
 * release(ud, stream) from the close callback so the application can free the memory.
 * `ready` must be called exactly once per successful `open`, even if the client is
 * disconnecting meanwhile: a disconnect completes only after every pending `open` has
 * answered. The `tls` argument is 0 until TLS lands. */
typedef void (*uvk_socket_ready_fn)(void *token, int status, void *uv_stream);
/** The socket hook's `open`: see uvk_socket_ready_fn for the protocol. Returns 0 once
 * connecting has started, nonzero to fail the attempt at once (then `ready` is not called). */
typedef int (*uvk_socket_open_fn)(void *ud, void *uv_loop, const char *host, uint16_t port,
                                  int tls, uvk_socket_ready_fn ready, void *token);
/** The socket hook's `release`: called from the stream's close callback so the application
 * can free the stream's memory. */
typedef void (*uvk_socket_release_fn)(void *ud, void *uv_stream);
/** Sets the socket hook (see uvk_socket_ready_fn): open and release both set, or both NULL
 * (plain TCP through libuv). */
UVK_EXTERN int uvk_config_set_socket_factory(uvk_config *cfg, uvk_socket_open_fn open,
                                             uvk_socket_release_fn release, void *ud);

/* ---- SASL beyond PLAIN and SCRAM -----------------------------------------------------
 * A custom mechanism (KafkaJS's authenticationProvider; e.g. AWS_MSK_IAM): `name` goes in
 * SaslHandshake and `fn` produces the client's messages. For every step the client calls
 * fn on the loop thread; fn (or code it starts, later) answers once with uvk_sasl_send (the
 * next message), uvk_sasl_done (the exchange succeeded) or uvk_sasl_fail. The connection
 * waits without blocking the loop, up to authenticationTimeout. A non-empty name replaces
 * sasl.mechanism; fn NULL removes the custom mechanism. The step is borrowed for the call. */
/** One step of a custom SASL exchange; borrowed for the call. */
typedef struct uvk_sasl_step {
  uint64_t id;                 /**< names this step in uvk_sasl_send / _done / _fail; its upper
                                    32 bits name the exchange (equal for every step of one
                                    connection's authentication) */
  const char *broker;          /**< host:port being authenticated to */
  const void *server_message;  /**< NULL on the first step, else the broker's last message */
  size_t server_message_len;   /**< length of server_message */
} uvk_sasl_step;
struct uvk_client;
/** A custom SASL mechanism's step function: called on the loop thread for every step; it (or
 * code it starts, later) answers once with uvk_sasl_send(), uvk_sasl_done() or
 * uvk_sasl_fail(). */
typedef void (*uvk_sasl_step_fn)(void *ud, struct uvk_client *client, const uvk_sasl_step *step);
/** Sets a custom SASL mechanism (KafkaJS's authenticationProvider): @p name goes in
 * SaslHandshake and @p fn produces the client's messages. A non-empty name replaces
 * sasl.mechanism; fn NULL removes the custom mechanism. */
UVK_EXTERN int uvk_config_set_sasl_mechanism(uvk_config *cfg, const char *name, uvk_sasl_step_fn fn,
                                             void *ud);

/** An OAUTHBEARER token provider: called on the loop thread whenever a connection
 * authenticates; answers, now or later, with uvk_oauthbearer_token() or
 * uvk_oauthbearer_fail() naming @p request_id. */
typedef void (*uvk_oauthbearer_fn)(void *ud, struct uvk_client *client, uint64_t request_id);
/** Sets the OAUTHBEARER token provider (sasl.mechanism "oauthbearer"; required for that
 * mechanism). */
UVK_EXTERN int uvk_config_set_oauthbearer_provider(uvk_config *cfg, uvk_oauthbearer_fn fn, void *ud);

#ifdef __cplusplus
}
#endif

#endif /* UVK_CONFIG_H */
