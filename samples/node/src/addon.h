/* The Node-API addon behind the uvkafka npm package: uvkafka's C ABI on Node's own loop.
 *
 * Every uvkafka callback arrives on the loop thread, outside JavaScript, so each one opens a
 * handle scope and enters JavaScript through napi_make_callback (which also runs the
 * microtasks that settle promises). Handles are JavaScript externals; a native object is
 * released only when JavaScript dropped it and uvkafka has nothing of it pending. */
#ifndef NK_ADDON_H
#define NK_ADDON_H

#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

#include "uvkafka/uvkafka.h"

/* Per-environment state (one per Node thread that loads the addon). */
typedef struct nk_env {
  void *loop;           /* the uv_loop_t Node runs */
  int exiting;          /* the environment is being torn down: never call JavaScript */
  struct nk_client *clients; /* live clients, freed at teardown */
} nk_env;

/* A uvk_client with what its callbacks need to reach JavaScript. Producers, consumers and
 * admins hold a reference: the client is freed after the last of them. */
typedef struct nk_client {
  napi_env env;
  nk_env *ne;
  uvk_client *client;
  napi_async_context actx;
  napi_ref resource;     /* the async resource object behind actx */
  napi_ref log_fn;       /* (namespace, level, label, timestamp, message, extra) or NULL */
  napi_ref brokers_fn;   /* () => string[] (the last list an async brokers function gave) */
  napi_ref event_fn;     /* (type, payload, timestamp) for events, or NULL */
  napi_ref oauth_fn;     /* (requestId) for OAUTHBEARER tokens, or NULL */
  napi_ref sasl_fn;      /* (stepId, exchange, broker, serverMessage) for a custom mechanism */
  napi_ref stats_fn;     /* (json) every statisticsIntervalMs, or NULL */
  int64_t listeners[UVK_EVENT_TYPE_LAST_];
  int refs;              /* the JavaScript external + each child */
  int freed;             /* uvk_client_free was called */
  struct nk_client *next, *prev;
} nk_client;

/* ---- util.c ---- */
#define NK_CHECK(env, call)                                                   \
  do {                                                                        \
    if ((call) != napi_ok) return nk_throw_last(env);                        \
  } while (0)

napi_value nk_throw_last(napi_env env);
napi_value nk_throw(napi_env env, int uvk_code, const char *msg);
napi_value nk_undefined(napi_env env);
napi_value nk_null(napi_env env);
napi_value nk_int(napi_env env, int64_t v);
napi_value nk_str(napi_env env, const char *s);      /* NULL -> null */
napi_value nk_strn(napi_env env, const char *s, size_t n);
napi_value nk_i64_str(napi_env env, int64_t v);      /* KafkaJS's offsets: decimal strings */
napi_value nk_bool(napi_env env, int v);
void nk_set(napi_env env, napi_value obj, const char *key, napi_value v);
/* An object of (key, value) pairs, key NULL ending the list: nk_obj(env, "a", va, "b", vb, NULL). */
__attribute__((sentinel)) napi_value nk_obj(napi_env env, const char *key, ...);
/* An array of strings (NULL entries as null; s NULL: empty) / of 32-bit ints (v NULL: empty). */
napi_value nk_str_array(napi_env env, const char *const *s, size_t n);
napi_value nk_int_array(napi_env env, const int32_t *v, size_t n);
napi_value nk_error_object(napi_env env, const uvk_error *err); /* NULL -> null */
/* Reads a string argument into malloc'd memory (caller frees); NULL and a thrown error when
 * the value is not a string. `what` names the argument in the message. */
char *nk_get_string(napi_env env, napi_value v, const char *what);
/* String v's len UTF-8 bytes (napi's count) into buf, which has room for len + 1; -1 with
 * "<what> must not contain a NUL character" thrown. */
int nk_read_string(napi_env env, napi_value v, const char *what, char *buf, size_t len);
/* Like nk_get_string, but null / undefined give NULL without an error (*ok stays 1). */
char *nk_get_opt_string(napi_env env, napi_value v, const char *what, int *ok);
/* Reads a Kafka name (topic, group) into buf without allocating; -1 and a thrown error when it
 * is not a string, does not fit in cap bytes or holds a NUL. */
int nk_get_name(napi_env env, napi_value v, const char *what, char *buf, size_t cap);
int nk_get_int64(napi_env env, napi_value v, const char *what, int64_t *out);
int nk_get_int32(napi_env env, napi_value v, const char *what, int32_t *out);
int nk_is_nullish(napi_env env, napi_value v);
/* Borrows the bytes of a Buffer / TypedArray, or copies a string's UTF-8 into the arena. */
typedef struct nk_arena nk_arena;
nk_arena *nk_arena_new(void);
void *nk_arena_alloc(nk_arena *a, size_t n);
void nk_arena_free(nk_arena *a);
/* 1 and *data, *len set for a Buffer or string (strings copied into `a`); 0 for null /
 * undefined (*data NULL); -1 and an exception for anything else. Buffers are appended to
 * `keep` (a JavaScript array) so they stay alive while borrowed. */
int nk_get_bytes(napi_env env, napi_value v, nk_arena *a, napi_value keep, uint32_t *n_keep,
                 const void **data, size_t *len, const char *what);
/* Reads the native pointer of an external created by this addon with `tag`; NULL and a
 * thrown TypeError otherwise. */
void *nk_unwrap(napi_env env, napi_value v, const void *tag);
napi_value nk_wrap(napi_env env, void *ptr, const void *tag, napi_finalize fin);
/* Detaches the native object from its external after an explicit free. */
void nk_handle_clear(napi_env env, napi_value v);

/* Calls `fn` (a napi_ref) from a uvkafka callback: needs an open handle scope. Exceptions
 * go to process 'uncaughtException', as for any Node callback. */
void nk_call(nk_client *nc, napi_ref fn, size_t argc, napi_value *argv);
/* Calls fn through napi_make_callback with an async context of the caller's (needs an open
 * handle scope); NULL on an exception (sent to 'uncaughtException') or when JavaScript is gone. */
napi_value nk_make_call(napi_env env, nk_env *ne, napi_async_context actx, napi_ref resource, napi_ref fn,
                        size_t argc, napi_value *argv);
/* As nk_call, returning the result (NULL on an exception or when JavaScript is gone). */
napi_value nk_call_ret(nk_client *nc, napi_ref fn, size_t argc, napi_value *argv);
/* A one-shot completion: the JavaScript callback to settle once, and its client. */
typedef struct nk_req {
  nk_client *nc;
  napi_ref cb;
} nk_req;
nk_req *nk_req_new(napi_env env, nk_client *nc, napi_value cb);
/* Calls the request's callback with (err, result) and frees the request. */
void nk_req_finish(nk_req *r, napi_value err, napi_value result);
void nk_req_free(nk_req *r);
/* A completion without a result: (err, undefined); frees the request. */
void nk_req_done(nk_req *r, const uvk_error *err);
/* After starting a request's uvk_* call: rc 0 gives undefined (the request is the library's
 * now); else the request is freed and rc thrown. r NULL (not made): NULL, its exception
 * pending. */
napi_value nk_req_started(napi_env env, nk_req *r, int rc);
/* The arguments of a call that takes only a callback, f(handle, cb): the handle's object
 * (kind `tag`; NULL with an exception) and the callback in *cb. */
void *nk_handle_and_cb(napi_env env, napi_callback_info info, const void *tag, napi_value *cb);

/* ---- client.c ---- */
extern const char nk_tag_client[];
void nk_client_retain(nk_client *nc);
void nk_client_release(nk_client *nc);
nk_client *nk_client_arg(napi_env env, napi_value v);
void nk_client_teardown(nk_env *ne); /* environment cleanup: free everything, no JavaScript */
napi_value nk_client_init(napi_env env, napi_value exports);
/* A uvk_event_fn forwarding to the client's hooks.event (ud: the nk_client). */
void nk_client_event(void *ud, const uvk_event *ev);

/* ---- events.c ---- */
napi_value nk_event_payload(napi_env env, const uvk_event *ev);
napi_value nk_topic_partitions(napi_env env, const uvk_topic_partition *tp, size_t n);

/* ---- producer.c, consumer.c, share.c, admin.c ---- */
/* A uvk_config from a JavaScript array [key, value, ...] (strings); NULL and a thrown error
 * naming the key when a setting is refused. */
uvk_config *nk_settings_config(napi_env env, napi_value arr);
napi_value nk_producer_init(napi_env env, napi_value exports);
napi_value nk_consumer_init(napi_env env, napi_value exports);
napi_value nk_share_init(napi_env env, napi_value exports);
napi_value nk_admin_init(napi_env env, napi_value exports);
void nk_admin_results_init(napi_env env, napi_value exports);
void nk_codec_init(napi_env env, napi_value exports);
void nk_codec_teardown(void);
/* ---- batch_mem.c ---- */
/* An external Buffer of len bytes (*data: its memory) from this thread's pool of batch
 * memory; NULL on failure. Its memory returns to the pool when V8 collects it. */
napi_value nk_batch_buffer(napi_env env, size_t len, void **data);
/* Memory of that pool outside V8 with a count of holders (1 when made); the last
 * nk_block_release gives it back. eachMessage's batch is copied into one (consumer.c). */
typedef struct nk_chunk nk_block;
nk_block *nk_block_new(size_t len, void **data);
void nk_block_release(nk_block *b);
void nk_batch_pool_open(void);
void nk_batch_pool_close(void); /* environment cleanup: frees the pool */

/* Registers a function property on exports. */
void nk_export(napi_env env, napi_value exports, const char *name, napi_callback fn);

#endif /* NK_ADDON_H */
