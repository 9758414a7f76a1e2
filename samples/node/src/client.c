/* The client: config from JavaScript, connect / disconnect, logs, brokers function,
 * OAUTHBEARER provider and client-level events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"

const char nk_tag_client[] = "uvkafka.client";

void nk_client_retain(nk_client *nc) { nc->refs++; }

static void client_destroy(nk_client *nc) {
  napi_env env = nc->env;
  if (nc->client && !nc->freed) uvk_client_free(nc->client);
  nc->freed = 1;
  if (nc->prev) nc->prev->next = nc->next;
  else if (nc->ne->clients == nc) nc->ne->clients = nc->next;
  if (nc->next) nc->next->prev = nc->prev;
  if (!nc->ne->exiting) {
    napi_async_destroy(env, nc->actx);
    napi_ref refs[] = {nc->resource, nc->log_fn, nc->brokers_fn, nc->event_fn, nc->oauth_fn, nc->sasl_fn, nc->stats_fn};
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++)
      if (refs[i]) napi_delete_reference(env, refs[i]);
  }
  free(nc);
}

void nk_client_release(nk_client *nc) {
  if (--nc->refs == 0) client_destroy(nc);
}

nk_client *nk_client_arg(napi_env env, napi_value v) { return nk_unwrap(env, v, nk_tag_client); }

void nk_client_teardown(nk_env *ne) {
  ne->exiting = 1;
  for (nk_client *nc = ne->clients; nc; nc = nc->next) {
    if (nc->client && !nc->freed) {
      nc->freed = 1;
      uvk_client_free(nc->client);
    }
  }
}

static void client_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  nk_client_release(data);
}

/* ---- callbacks into JavaScript ---- */
static void on_log(void *ud, const char *ns, int level, const char *label, const char *timestamp,
                   const char *message, const char *const *extra, size_t n_extra) {
  nk_client *nc = ud;
  if (nc->ne->exiting || !nc->log_fn) return;
  napi_env env = nc->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value ex;
  napi_create_object(env, &ex);
  for (size_t i = 0; i + 1 < 2 * n_extra; i += 2) nk_set(env, ex, extra[i], nk_str(env, extra[i + 1]));
  napi_value argv[6] = {nk_str(env, ns), nk_int(env, level), nk_str(env, label), nk_str(env, timestamp),
                        nk_str(env, message), ex};
  nk_call(nc, nc->log_fn, 6, argv);
  napi_close_handle_scope(env, scope);
}

/* One statistics document (JSON text) to JavaScript, unparsed: it parses only when a listener reads it. */
static void on_stats(void *ud, const char *json, size_t len) {
  nk_client *nc = ud;
  if (nc->ne->exiting || !nc->stats_fn) return;
  napi_env env = nc->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value argv[1] = {nk_strn(env, json, len)};
  nk_call(nc, nc->stats_fn, 1, argv);
  napi_close_handle_scope(env, scope);
}

/* KafkaJS's `brokers: () => string[] | Promise<string[]>`: JavaScript keeps the last list the
 * function gave and returns it here at once (and refreshes it for the next bootstrap). */
static int on_brokers(void *ud, uvk_brokers *out) {
  nk_client *nc = ud;
  if (nc->ne->exiting) return UVK_ECLOSED;
  napi_env env = nc->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return UVK_EINVAL;
  int rc = UVK_EINVAL;
  napi_value list = nk_call_ret(nc, nc->brokers_fn, 0, NULL);
  bool is_array = false;
  if (list && napi_is_array(env, list, &is_array) == napi_ok && is_array) {
    uint32_t n = 0;
    napi_get_array_length(env, list, &n);
    rc = n > 0 ? 0 : UVK_EINVAL;
    for (uint32_t i = 0; i < n && rc == 0; i++) {
      napi_value item;
      char buf[512];
      size_t len = 0;
      napi_valuetype t;
      napi_get_element(env, list, i, &item);
      if (napi_typeof(env, item, &t) != napi_ok || t != napi_string ||
          napi_get_value_string_utf8(env, item, buf, sizeof buf, &len) != napi_ok || len >= sizeof buf - 1) {
        rc = UVK_EINVAL;
        break;
      }
      rc = uvk_brokers_add(out, buf);
    }
  }
  napi_close_handle_scope(env, scope);
  return rc;
}

static void on_oauth(void *ud, uvk_client *client, uint64_t request_id) {
  (void)client;
  nk_client *nc = ud;
  if (nc->ne->exiting) return;
  napi_env env = nc->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value argv[1] = {nk_int(env, (int64_t)request_id)};
  nk_call(nc, nc->oauth_fn, 1, argv);
  napi_close_handle_scope(env, scope);
}

/* A custom SASL mechanism (KafkaJS's authenticationProvider): JavaScript gets the step id,
 * its exchange, the broker and the broker's last message, and answers with saslSend /
 * saslDone / saslFail. */
static void on_sasl_step(void *ud, uvk_client *client, const uvk_sasl_step *step) {
  (void)client;
  nk_client *nc = ud;
  if (nc->ne->exiting) return;
  napi_env env = nc->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value id, server = nk_null(env);
  napi_create_bigint_uint64(env, step->id, &id);
  if (step->server_message)
    napi_create_buffer_copy(env, step->server_message_len, step->server_message_len ? step->server_message : "", NULL,
                            &server);
  napi_value argv[4] = {id, nk_int(env, (int64_t)(step->id >> 32)), nk_str(env, step->broker), server};
  nk_call(nc, nc->sasl_fn, 4, argv);
  napi_close_handle_scope(env, scope);
}

static void on_event(void *ud, const uvk_event *ev) {
  nk_client *nc = ud;
  if (nc->ne->exiting || !nc->event_fn) return;
  napi_env env = nc->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value argv[3] = {nk_int(env, ev->type), nk_event_payload(env, ev), nk_int(env, ev->timestamp)};
  nk_call(nc, nc->event_fn, 3, argv);
  napi_close_handle_scope(env, scope);
}

void nk_client_event(void *ud, const uvk_event *ev) { on_event(ud, ev); }

static void on_done(uvk_client *client, const uvk_error *err, void *ud) {
  (void)client;
  nk_req_done(ud, err);
}

static void on_metadata(uvk_client *client, const uvk_error *err, const uvk_metadata *md, void *ud) {
  (void)client;
  nk_req *r = ud;
  napi_env env = r->nc->env;
  napi_handle_scope scope;
  if (r->nc->ne->exiting || napi_open_handle_scope(env, &scope) != napi_ok) {
    nk_req_free(r);
    return;
  }
  napi_value names;
  size_t n = md ? uvk_metadata_topic_count(md) : 0;
  napi_create_array_with_length(env, n, &names);
  for (size_t i = 0; i < n; i++) napi_set_element(env, names, (uint32_t)i, nk_str(env, uvk_metadata_topic_name(md, i)));
  nk_req_finish(r, nk_error_object(env, err), names);
  napi_close_handle_scope(env, scope);
}

/* ---- functions JavaScript calls ---- */
static int fn_or_null(napi_env env, napi_value v, napi_ref *out, const char *what) {
  napi_valuetype t;
  *out = NULL;
  if (nk_is_nullish(env, v)) return 0;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_function) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s must be a function", what);
    nk_throw(env, UVK_EINVAL, msg);
    return -1;
  }
  napi_create_reference(env, v, 1, out);
  return 0;
}

/* clientNew(settings: [key, value, ...], hooks: {log, brokers, oauthbearer, event}) */
static napi_value client_new(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], hooks;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  nk_env *ne = NULL;
  napi_get_instance_data(env, (void **)&ne);
  bool is_array = false;
  if (argc < 2 || napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array)
    return nk_throw(env, UVK_EINVAL, "settings must be an array");
  hooks = argv[1];
  uvk_config *cfg = nk_settings_config(env, argv[0]);
  if (!cfg) return NULL;
  nk_client *nc = calloc(1, sizeof *nc);
  if (!nc) {
    uvk_config_free(cfg);
    return nk_throw(env, UVK_ENOMEM, NULL);
  }
  nc->env = env;
  nc->ne = ne;
  nc->refs = 1;
  int ok = 1;
  napi_value v;
  if (ok && napi_get_named_property(env, hooks, "log", &v) == napi_ok) ok = fn_or_null(env, v, &nc->log_fn, "logCreator") == 0;
  if (ok && napi_get_named_property(env, hooks, "brokers", &v) == napi_ok) ok = fn_or_null(env, v, &nc->brokers_fn, "brokers") == 0;
  if (ok && napi_get_named_property(env, hooks, "oauthbearer", &v) == napi_ok) ok = fn_or_null(env, v, &nc->oauth_fn, "oauthBearerProvider") == 0;
  if (ok && napi_get_named_property(env, hooks, "event", &v) == napi_ok) ok = fn_or_null(env, v, &nc->event_fn, "event") == 0;
  if (ok && napi_get_named_property(env, hooks, "sasl", &v) == napi_ok) ok = fn_or_null(env, v, &nc->sasl_fn, "authenticationProvider") == 0;
  if (ok && napi_get_named_property(env, hooks, "stats", &v) == napi_ok) ok = fn_or_null(env, v, &nc->stats_fn, "statistics") == 0;
  if (ok && nc->sasl_fn) {
    char *name = napi_get_named_property(env, hooks, "saslMechanism", &v) == napi_ok ? nk_get_string(env, v, "sasl.mechanism") : NULL;
    ok = name && uvk_config_set_sasl_mechanism(cfg, name, on_sasl_step, nc) == 0;
    if (name && !ok) nk_throw(env, UVK_EINVAL, "sasl.mechanism is not a valid mechanism name");
    free(name);
  }
  /* The async context first: the brokers callback may be called inside uvk_client_new. */
  napi_value resource, name;
  if (ok) {
    napi_create_object(env, &resource);
    napi_create_reference(env, resource, 1, &nc->resource);
    napi_create_string_utf8(env, "uvkafka", NAPI_AUTO_LENGTH, &name);
    if (napi_async_init(env, resource, name, &nc->actx) != napi_ok) ok = 0;
  }
  if (ok && nc->log_fn) uvk_config_set_logger(cfg, on_log, nc);
  if (ok && nc->brokers_fn) uvk_config_set_brokers_cb(cfg, on_brokers, nc);
  if (ok && nc->oauth_fn) uvk_config_set_oauthbearer_provider(cfg, on_oauth, nc);
  if (ok && nc->stats_fn) uvk_config_set_stats_cb(cfg, on_stats, nc);
  int rc = 0;
  if (ok) {
    rc = uvk_client_new(ne->loop, cfg, &nc->client);
    if (rc != 0) {
      nk_throw(env, rc, rc == UVK_EINVAL ? "brokers must be set (an array of host:port, or a function)" : NULL);
      ok = 0;
    }
  }
  uvk_config_free(cfg);
  if (!ok) {
    if (nc->actx) napi_async_destroy(env, nc->actx);
    napi_ref refs[] = {nc->resource, nc->log_fn, nc->brokers_fn, nc->event_fn, nc->oauth_fn, nc->sasl_fn, nc->stats_fn};
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++)
      if (refs[i]) napi_delete_reference(env, refs[i]);
    if (nc->client) uvk_client_free(nc->client);
    free(nc);
    return NULL;
  }
  nc->next = ne->clients;
  if (ne->clients) ne->clients->prev = nc;
  ne->clients = nc;
  return nk_wrap(env, nc, nk_tag_client, client_finalize);
}

typedef int (*client_op)(uvk_client *, uvk_client_cb, void *);

/* client{Connect,Disconnect}(handle, cb) */
static napi_value with_cb(napi_env env, napi_callback_info info, client_op op) {
  napi_value cb;
  nk_client *nc = nk_handle_and_cb(env, info, nk_tag_client, &cb);
  nk_req *r = nc ? nk_req_new(env, nc, cb) : NULL;
  return nk_req_started(env, r, r ? op(nc->client, on_done, r) : 0);
}

static napi_value client_connect(napi_env env, napi_callback_info info) { return with_cb(env, info, uvk_client_connect); }
static napi_value client_disconnect(napi_env env, napi_callback_info info) { return with_cb(env, info, uvk_client_disconnect); }

/* clientTopics(handle, cb): every topic's name (for RegExp subscriptions). */
static napi_value client_topics(napi_env env, napi_callback_info info) {
  napi_value cb;
  nk_client *nc = nk_handle_and_cb(env, info, nk_tag_client, &cb);
  nk_req *r = nc ? nk_req_new(env, nc, cb) : NULL;
  return nk_req_started(env, r, r ? uvk_client_metadata(nc->client, NULL, 0, on_metadata, r) : 0);
}

/* clientFree(handle): the JavaScript side is done with the client; it is freed once no
 * producer, consumer, admin or request uses it any more. */
static napi_value client_free(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  nk_client *nc = nk_client_arg(env, argv[0]);
  if (!nc) return NULL;
  nk_handle_clear(env, argv[0]);
  nk_client_release(nc);
  return nk_undefined(env);
}

/* clientListen(handle, type, on): starts or stops forwarding one event type to hooks.event. */
static napi_value client_listen(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  nk_client *nc = nk_client_arg(env, argv[0]);
  int32_t type = 0;
  bool on = false;
  if (!nc || nk_get_int32(env, argv[1], "event type", &type) != 0) return NULL;
  napi_get_value_bool(env, argv[2], &on);
  if (type <= 0 || type >= UVK_EVENT_TYPE_LAST_) return nk_throw(env, UVK_EINVAL, "unknown event type");
  if (on && !nc->listeners[type]) {
    int64_t id = uvk_client_on(nc->client, type, on_event, nc);
    if (id < 0) return nk_throw(env, (int)id, NULL);
    nc->listeners[type] = id;
  } else if (!on && nc->listeners[type]) {
    uvk_client_off(nc->client, nc->listeners[type]);
    nc->listeners[type] = 0;
  }
  return nk_undefined(env);
}

/* oauthToken(handle, requestId, value, extensions [k, v, ...]) / oauthFail(handle, id, why) */
static napi_value oauth_token(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  nk_client *nc = nk_client_arg(env, argv[0]);
  int64_t id = 0;
  if (!nc || nk_get_int64(env, argv[1], "request id", &id) != 0) return NULL;
  char *token = nk_get_string(env, argv[2], "the token's value");
  if (!token) return NULL;
  const char *ext[32];
  char *owned[32];
  uint32_t n = 0;
  bool is_array = false;
  if (argc > 3 && napi_is_array(env, argv[3], &is_array) == napi_ok && is_array) napi_get_array_length(env, argv[3], &n);
  if (n > 32) n = 32;
  n &= ~1u;
  uint32_t got = 0;
  for (; got < n; got++) {
    napi_value item;
    napi_get_element(env, argv[3], got, &item);
    owned[got] = nk_get_string(env, item, "an extension");
    if (!owned[got]) break;
    ext[got] = owned[got];
  }
  int rc = got == n ? uvk_oauthbearer_token(nc->client, (uint64_t)id, token, ext, n / 2) : UVK_EINVAL;
  for (uint32_t i = 0; i < got; i++) free(owned[i]);
  free(token);
  if (got != n) return NULL;
  return nk_int(env, rc);
}

static napi_value oauth_fail(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  nk_client *nc = nk_client_arg(env, argv[0]);
  int64_t id = 0;
  if (!nc || nk_get_int64(env, argv[1], "request id", &id) != 0) return NULL;
  char *why = nk_get_string(env, argv[2], "reason");
  if (!why) return NULL;
  int rc = uvk_oauthbearer_fail(nc->client, (uint64_t)id, why);
  free(why);
  return nk_int(env, rc);
}

/* Reads the first `n` (at most 3) arguments: the client and the step id (the bigint the step
 * gave); NULL with an exception. */
static nk_client *step_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv, uint64_t *id) {
  size_t argc = n;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  nk_client *nc = nk_client_arg(env, argv[0]);
  if (!nc) return NULL;
  bool lossless = false;
  napi_valuetype t;
  if (napi_typeof(env, argv[1], &t) != napi_ok || t != napi_bigint ||
      napi_get_value_bigint_uint64(env, argv[1], id, &lossless) != napi_ok || !lossless) {
    nk_throw(env, UVK_EINVAL, "step id must be the bigint the step gave");
    return NULL;
  }
  return nc;
}

/* saslSend(handle, stepId, Buffer) / saslDone(handle, stepId) / saslFail(handle, stepId, why):
 * the answer to one step; returns uvkafka's code (UVK_ENOTFOUND once the step is gone). */
static napi_value sasl_send(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  uint64_t id = 0;
  bool is_buf = false;
  nk_client *nc = step_args(env, info, 3, argv, &id);
  if (!nc) return NULL;
  if (napi_is_buffer(env, argv[2], &is_buf) != napi_ok || !is_buf) return nk_throw(env, UVK_EINVAL, "the SASL message must be a Buffer");
  void *p = NULL;
  size_t len = 0;
  napi_get_buffer_info(env, argv[2], &p, &len);
  return nk_int(env, uvk_sasl_send(nc->client, id, len ? p : "", len));
}

static napi_value sasl_done(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  uint64_t id = 0;
  nk_client *nc = step_args(env, info, 2, argv, &id);
  return nc ? nk_int(env, uvk_sasl_done(nc->client, id)) : NULL;
}

static napi_value sasl_fail(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  uint64_t id = 0;
  nk_client *nc = step_args(env, info, 3, argv, &id);
  char *why = nc ? nk_get_string(env, argv[2], "reason") : NULL;
  if (!why) return NULL;
  int rc = uvk_sasl_fail(nc->client, id, why);
  free(why);
  return nk_int(env, rc);
}

napi_value nk_client_init(napi_env env, napi_value exports) {
  nk_export(env, exports, "saslSend", sasl_send);
  nk_export(env, exports, "saslDone", sasl_done);
  nk_export(env, exports, "saslFail", sasl_fail);
  nk_export(env, exports, "clientNew", client_new);
  nk_export(env, exports, "clientConnect", client_connect);
  nk_export(env, exports, "clientDisconnect", client_disconnect);
  nk_export(env, exports, "clientFree", client_free);
  nk_export(env, exports, "clientTopics", client_topics);
  nk_export(env, exports, "clientListen", client_listen);
  nk_export(env, exports, "oauthToken", oauth_token);
  nk_export(env, exports, "oauthFail", oauth_fail);
  return exports;
}
