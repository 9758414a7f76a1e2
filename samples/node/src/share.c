/* The share consumer (KIP-932): each acquired record goes to JavaScript on its own and stays
 * acquired (UVK_PENDING) until JavaScript acknowledges it through shareAck, so a promise
 * that settles later decides the record's fate. */
#include <stdlib.h>
#include <string.h>

#include "addon.h"

static const char tag_share[] = "uvkafka.share";

typedef struct nk_share {
  nk_client *nc;
  uvk_share_consumer *s;
  napi_ref on_record; /* (topic, partition, offset, deliveryCount, timestamp, key, value, headers) */
  napi_ref on_crash;  /* (error) */
} nk_share;

static void share_destroy(napi_env env, nk_share *k) {
  if (k->s) uvk_share_consumer_free(k->s);
  if (!k->nc->ne->exiting) {
    if (k->on_record) napi_delete_reference(env, k->on_record);
    if (k->on_crash) napi_delete_reference(env, k->on_crash);
  }
  nk_client_release(k->nc);
  free(k);
}

static void share_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  share_destroy(env, data);
}

static napi_value bytes_or_null(napi_env env, const void *p, size_t n) {
  napi_value b;
  if (!p || napi_create_buffer_copy(env, n, n ? p : "", NULL, &b) != napi_ok) return nk_null(env);
  return b;
}

static int on_record(uvk_share_consumer *s, const uvk_share_record *r, void *ud) {
  (void)s;
  nk_share *k = ud;
  nk_client *nc = k->nc;
  if (nc->ne->exiting || !k->on_record) return UVK_SHARE_RELEASE;
  napi_env env = nc->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return UVK_SHARE_RELEASE;
  napi_value headers;
  napi_create_object(env, &headers);
  for (size_t i = 0; i < r->n_headers; i++)
    nk_set(env, headers, r->headers[i].name, bytes_or_null(env, r->headers[i].value, r->headers[i].value_len));
  napi_value argv[8] = {nk_str(env, r->topic), nk_int(env, r->partition), nk_i64_str(env, r->offset),
                        nk_int(env, r->delivery_count), nk_i64_str(env, r->timestamp),
                        bytes_or_null(env, r->key, r->key_len), bytes_or_null(env, r->value, r->value_len), headers};
  nk_call(nc, k->on_record, 8, argv);
  napi_close_handle_scope(env, scope);
  return UVK_PENDING;  /* JavaScript acknowledges it (shareAck) when its handler settles */
}

static void on_crash(uvk_share_consumer *s, const uvk_error *err, void *ud) {
  (void)s;
  nk_share *k = ud;
  nk_client *nc = k->nc;
  if (nc->ne->exiting || !k->on_crash) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(nc->env, &scope) != napi_ok) return;
  napi_value argv[1] = {nk_error_object(nc->env, err)};
  nk_call(nc, k->on_crash, 1, argv);
  napi_close_handle_scope(nc->env, scope);
}

/* shareNew(client, settings) */
static napi_value share_new(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  nk_client *nc = nk_client_arg(env, argv[0]);
  if (!nc) return NULL;
  uvk_config *cfg = nk_settings_config(env, argv[1]);
  if (!cfg) return NULL;
  nk_share *k = calloc(1, sizeof *k);
  if (!k) {
    uvk_config_free(cfg);
    return nk_throw(env, UVK_ENOMEM, NULL);
  }
  int rc = uvk_share_consumer_new(nc->client, cfg, &k->s);
  uvk_config_free(cfg);
  if (rc != 0) {
    free(k);
    return nk_throw(env, rc, "the share consumer's options are invalid (groupId is required)");
  }
  k->nc = nc;
  nk_client_retain(nc);
  uvk_share_consumer_set_crash_cb(k->s, on_crash, k);
  return nk_wrap(env, k, tag_share, share_finalize);
}

#define SHARE_ARGS(N)                                   \
  size_t argc = (N);                                    \
  napi_value argv[(N)];                                 \
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL); \
  nk_share *k = nk_unwrap(env, argv[0], tag_share);     \
  if (!k) return NULL

/* shareSubscribe(s, topic) */
static napi_value share_subscribe(napi_env env, napi_callback_info info) {
  SHARE_ARGS(2);
  char t[256];
  if (nk_get_name(env, argv[1], "topic", t, sizeof t) != 0) return NULL;
  int rc = uvk_share_consumer_subscribe(k->s, t);
  if (rc != 0) return nk_throw(env, rc, NULL);
  return nk_undefined(env);
}

/* shareRun(s, maxRecords, onRecord, onCrash) */
static napi_value share_run(napi_env env, napi_callback_info info) {
  SHARE_ARGS(4);
  int32_t max_records = 0;
  if (nk_get_int32(env, argv[1], "maxRecords", &max_records) != 0) return NULL;
  napi_valuetype t1, t2;
  napi_typeof(env, argv[2], &t1);
  napi_typeof(env, argv[3], &t2);
  if (t1 != napi_function || t2 != napi_function) return nk_throw(env, UVK_EINVAL, "handlers must be functions");
  if (k->on_record) return nk_throw(env, UVK_ESTATE, "the share consumer is running already");
  uvk_share_run_options o;
  uvk_share_run_options_init(&o);
  if (max_records > 0) o.max_records = max_records;
  o.each_record = on_record;
  o.ud = k;
  napi_create_reference(env, argv[2], 1, &k->on_record);
  napi_create_reference(env, argv[3], 1, &k->on_crash);
  int rc = uvk_share_consumer_run(k->s, &o);
  if (rc != 0) return nk_throw(env, rc, NULL);
  return nk_undefined(env);
}

/* shareAck(s, topic, partition, offset, type): 0, or UVK_ENOTFOUND when the record is no
 * longer held (a fence or a leader change took it back). */
static napi_value share_ack(napi_env env, napi_callback_info info) {
  SHARE_ARGS(5);
  char t[256];
  int32_t partition = 0, type = 0;
  int64_t offset = 0;
  if (nk_get_name(env, argv[1], "topic", t, sizeof t) != 0 || nk_get_int32(env, argv[2], "partition", &partition) != 0 ||
      nk_get_int64(env, argv[3], "offset", &offset) != 0 || nk_get_int32(env, argv[4], "type", &type) != 0)
    return NULL;
  int rc = uvk_share_ack(k->s, t, partition, offset, type);
  if (rc == UVK_EINVAL) return nk_throw(env, rc, "acknowledgement type must be accept, release, reject or renew");
  return nk_int(env, rc);
}

static void on_closed(uvk_share_consumer *s, const uvk_error *err, void *ud) {
  (void)s;
  nk_req_done(ud, err);
}

/* shareClose(s, cb): releases what is held, leaves the group. */
static napi_value share_close(napi_env env, napi_callback_info info) {
  napi_value cb;
  nk_share *k = nk_handle_and_cb(env, info, tag_share, &cb);
  if (!k) return NULL;
  nk_req *r = nk_req_new(env, k->nc, cb);
  return nk_req_started(env, r, r ? uvk_share_consumer_close(k->s, on_closed, r) : 0);
}

/* shareFree(s): after close. */
static napi_value share_free(napi_env env, napi_callback_info info) {
  SHARE_ARGS(1);
  nk_handle_clear(env, argv[0]);
  share_destroy(env, k);
  return nk_undefined(env);
}

napi_value nk_share_init(napi_env env, napi_value exports) {
  nk_export(env, exports, "shareNew", share_new);
  nk_export(env, exports, "shareSubscribe", share_subscribe);
  nk_export(env, exports, "shareRun", share_run);
  nk_export(env, exports, "shareAck", share_ack);
  nk_export(env, exports, "shareClose", share_close);
  nk_export(env, exports, "shareFree", share_free);
  return exports;
}
