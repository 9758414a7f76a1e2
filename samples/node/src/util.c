/* Small Node-API helpers shared by the addon: values, errors, arguments, handles, calls. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"

napi_value nk_undefined(napi_env env) {
  napi_value v;
  napi_get_undefined(env, &v);
  return v;
}

napi_value nk_null(napi_env env) {
  napi_value v;
  napi_get_null(env, &v);
  return v;
}

napi_value nk_int(napi_env env, int64_t v) {
  napi_value r;
  napi_create_double(env, (double)v, &r);
  return r;
}

napi_value nk_str(napi_env env, const char *s) {
  if (!s) return nk_null(env);
  napi_value r;
  if (napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &r) != napi_ok) return nk_null(env);
  return r;
}

napi_value nk_strn(napi_env env, const char *s, size_t n) {
  napi_value r;
  if (napi_create_string_utf8(env, s ? s : "", s ? n : 0, &r) != napi_ok) return nk_null(env);
  return r;
}

napi_value nk_i64_str(napi_env env, int64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "%lld", (long long)v);
  return nk_str(env, buf);
}

napi_value nk_bool(napi_env env, int v) {
  napi_value r;
  napi_get_boolean(env, v != 0, &r);
  return r;
}

void nk_set(napi_env env, napi_value obj, const char *key, napi_value v) {
  napi_set_named_property(env, obj, key, v);
}

napi_value nk_obj(napi_env env, const char *key, ...) {
  napi_value o;
  napi_create_object(env, &o);
  va_list ap;
  va_start(ap, key);
  for (; key; key = va_arg(ap, const char *)) nk_set(env, o, key, va_arg(ap, napi_value));
  va_end(ap);
  return o;
}

napi_value nk_str_array(napi_env env, const char *const *s, size_t n) {
  napi_value a;
  napi_create_array_with_length(env, s ? n : 0, &a);
  for (size_t i = 0; s && i < n; i++) napi_set_element(env, a, (uint32_t)i, nk_str(env, s[i]));
  return a;
}

napi_value nk_int_array(napi_env env, const int32_t *v, size_t n) {
  napi_value a;
  napi_create_array_with_length(env, v ? n : 0, &a);
  for (size_t i = 0; v && i < n; i++) napi_set_element(env, a, (uint32_t)i, nk_int(env, v[i]));
  return a;
}

void nk_export(napi_env env, napi_value exports, const char *name, napi_callback fn) {
  napi_value f;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &f) == napi_ok)
    napi_set_named_property(env, exports, name, f);
}

static napi_value make_error(napi_env env, int code, const char *msg) {
  napi_value m, e;
  napi_create_string_utf8(env, msg ? msg : uvk_strerror(code), NAPI_AUTO_LENGTH, &m);
  napi_create_error(env, NULL, m, &e);
  nk_set(env, e, "code", nk_str(env, uvk_err_name(code)));
  nk_set(env, e, "uvkCode", nk_int(env, code));
  return e;
}

napi_value nk_throw(napi_env env, int code, const char *msg) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw(env, make_error(env, code, msg));
  return NULL;
}

napi_value nk_throw_last(napi_env env) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return NULL;
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  return nk_throw(env, UVK_EINVAL, info && info->error_message ? info->error_message : "Node-API call failed");
}

napi_value nk_error_object(napi_env env, const uvk_error *err) {
  if (!err) return nk_null(env);
  napi_value o;
  napi_create_object(env, &o);
  int code = uvk_error_code(err);
  nk_set(env, o, "code", nk_str(env, uvk_err_name(code)));
  nk_set(env, o, "uvkCode", nk_int(env, code));
  nk_set(env, o, "message", nk_str(env, uvk_error_message(err)));
  nk_set(env, o, "kafkaCode", nk_int(env, uvk_error_kafka_code(err)));
  nk_set(env, o, "kafkaName", nk_str(env, uvk_error_kafka_name(err)));
  nk_set(env, o, "brokerMessage", nk_str(env, uvk_error_broker_message(err)));
  nk_set(env, o, "retriable", nk_bool(env, uvk_error_is_retriable(err)));
  nk_set(env, o, "retryCount", nk_int(env, uvk_error_retry_count(err)));
  nk_set(env, o, "retryTime", nk_int(env, uvk_error_retry_time(err)));
  char small[512];
  size_t need = uvk_error_format(err, small, sizeof small);
  if (need < sizeof small) {
    nk_set(env, o, "detail", nk_str(env, small));
  } else {
    char *big = malloc(need + 1);
    if (big) {
      uvk_error_format(err, big, need + 1);
      nk_set(env, o, "detail", nk_str(env, big));
      free(big);
    }
  }
  nk_set(env, o, "cause", nk_error_object(env, uvk_error_cause(err)));
  return o;
}

int nk_is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  if (!v || napi_typeof(env, v, &t) != napi_ok) return 1;
  return t == napi_null || t == napi_undefined;
}

char *nk_get_string(napi_env env, napi_value v, const char *what) {
  napi_valuetype t;
  char msg[160];
  if (!v || napi_typeof(env, v, &t) != napi_ok || t != napi_string) {
    snprintf(msg, sizeof msg, "%s must be a string", what);
    nk_throw(env, UVK_EINVAL, msg);
    return NULL;
  }
  size_t len = 0;
  napi_get_value_string_utf8(env, v, NULL, 0, &len);
  char *s = malloc(len + 1);
  if (!s) {
    nk_throw(env, UVK_ENOMEM, NULL);
    return NULL;
  }
  if (nk_read_string(env, v, what, s, len) != 0) {
    free(s);
    return NULL;
  }
  return s;
}

int nk_read_string(napi_env env, napi_value v, const char *what, char *buf, size_t len) {
  char msg[160];
  napi_get_value_string_utf8(env, v, buf, len + 1, &len);
  if (strlen(buf) != len) {  /* a NUL inside would cut the string short on the C side */
    snprintf(msg, sizeof msg, "%s must not contain a NUL character", what);
    nk_throw(env, UVK_EINVAL, msg);
    return -1;
  }
  return 0;
}

char *nk_get_opt_string(napi_env env, napi_value v, const char *what, int *ok) {
  *ok = 1;
  if (nk_is_nullish(env, v)) return NULL;
  char *s = nk_get_string(env, v, what);
  if (!s) *ok = 0;
  return s;
}

int nk_get_int64(napi_env env, napi_value v, const char *what, int64_t *out) {
  napi_valuetype t;
  char msg[160];
  if (v && napi_typeof(env, v, &t) == napi_ok) {
    if (t == napi_number) {
      double d;
      napi_get_value_double(env, v, &d);
      if (d == d && d >= -9007199254740992.0 && d <= 9007199254740992.0 && d == (double)(int64_t)d) {
        *out = (int64_t)d;
        return 0;
      }
    } else if (t == napi_bigint) {
      bool lossless = false;
      napi_get_value_bigint_int64(env, v, out, &lossless);
      if (lossless) return 0;
    } else if (t == napi_string) {
      char buf[32];
      size_t len = 0;
      napi_get_value_string_utf8(env, v, buf, sizeof buf, &len);
      char *end = NULL;
      long long x = strtoll(buf, &end, 10);
      if (len > 0 && len < sizeof buf - 1 && end && *end == '\0') {
        *out = x;
        return 0;
      }
    }
  }
  snprintf(msg, sizeof msg, "%s must be an integer (number, numeric string or bigint)", what);
  nk_throw(env, UVK_EINVAL, msg);
  return -1;
}

int nk_get_int32(napi_env env, napi_value v, const char *what, int32_t *out) {
  int64_t x;
  if (nk_get_int64(env, v, what, &x) != 0) return -1;
  if (x < INT32_MIN || x > INT32_MAX) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s is out of range", what);
    nk_throw(env, UVK_EINVAL, msg);
    return -1;
  }
  *out = (int32_t)x;
  return 0;
}

/* ---- arena: blocks that never move, so pointers into them stay valid ---- */
struct nk_arena {
  struct nk_block *head;
};
struct nk_block {
  struct nk_block *next;
  size_t used, cap;
  /* data follows */
};
#define NK_BLOCK 16384

nk_arena *nk_arena_new(void) { return calloc(1, sizeof(nk_arena)); }

void *nk_arena_alloc(nk_arena *a, size_t n) {
  n = (n + 7) & ~(size_t)7;
  struct nk_block *b = a->head;
  if (!b || b->cap - b->used < n) {
    size_t cap = n > NK_BLOCK ? n : NK_BLOCK;
    b = malloc(sizeof *b + cap);
    if (!b) return NULL;
    b->used = 0;
    b->cap = cap;
    b->next = a->head;
    a->head = b;
  }
  void *p = (char *)(b + 1) + b->used;
  b->used += n;
  return p;
}

void nk_arena_free(nk_arena *a) {
  if (!a) return;
  struct nk_block *b = a->head;
  while (b) {
    struct nk_block *next = b->next;
    free(b);
    b = next;
  }
  free(a);
}

int nk_get_bytes(napi_env env, napi_value v, nk_arena *a, napi_value keep, uint32_t *n_keep,
                 const void **data, size_t *len, const char *what) {
  napi_valuetype t;
  *data = NULL;
  *len = 0;
  if (!v || napi_typeof(env, v, &t) != napi_ok || t == napi_undefined || t == napi_null) return 0;
  if (t == napi_string) {
    size_t n = 0;
    napi_get_value_string_utf8(env, v, NULL, 0, &n);
    char *p = nk_arena_alloc(a, n + 1);
    if (!p) {
      nk_throw(env, UVK_ENOMEM, NULL);
      return -1;
    }
    napi_get_value_string_utf8(env, v, p, n + 1, &n);
    *data = p;
    *len = n;
    return 1;
  }
  bool is = false;
  if (t == napi_object && napi_is_buffer(env, v, &is) == napi_ok && is) {
    void *p = NULL;
    napi_get_buffer_info(env, v, &p, len);
    *data = p ? p : "";
    if (keep) napi_set_element(env, keep, (*n_keep)++, v);
    return 1;
  }
  if (t == napi_object && napi_is_typedarray(env, v, &is) == napi_ok && is) {
    napi_typedarray_type tt;
    size_t count = 0, off = 0;
    void *p = NULL;
    napi_value ab;
    napi_get_typedarray_info(env, v, &tt, &count, &p, &ab, &off);
    if (tt == napi_uint8_array) {
      *data = p ? p : "";
      *len = count;
      if (keep) napi_set_element(env, keep, (*n_keep)++, v);
      return 1;
    }
  }
  char msg[200];
  snprintf(msg, sizeof msg, "%s must be a Buffer, a string or null", what);
  nk_throw(env, UVK_EINVAL, msg);
  return -1;
}

/* ---- handles ---- */
typedef struct nk_handle {
  const void *tag;
  void *ptr;
  napi_finalize fin;
} nk_handle;

static void handle_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  nk_handle *h = data;
  if (h->ptr && h->fin) h->fin(env, h->ptr, NULL);
  free(h);
}

napi_value nk_wrap(napi_env env, void *ptr, const void *tag, napi_finalize fin) {
  nk_handle *h = malloc(sizeof *h);
  napi_value v;
  if (!h) return nk_throw(env, UVK_ENOMEM, NULL);
  h->tag = tag;
  h->ptr = ptr;
  h->fin = fin;
  if (napi_create_external(env, h, handle_finalize, NULL, &v) != napi_ok) {
    free(h);
    return nk_throw_last(env);
  }
  return v;
}

void *nk_unwrap(napi_env env, napi_value v, const void *tag) {
  napi_valuetype t;
  void *data = NULL;
  if (!v || napi_typeof(env, v, &t) != napi_ok || t != napi_external ||
      napi_get_value_external(env, v, &data) != napi_ok || !data || ((nk_handle *)data)->tag != tag) {
    nk_throw(env, UVK_EINVAL, "not a handle of this kind");
    return NULL;
  }
  nk_handle *h = data;
  if (!h->ptr) nk_throw(env, UVK_ECLOSED, "the handle was closed (disconnect() was called)");
  return h->ptr;
}

/* Detaches the native object from its external (after an explicit free). */
void nk_handle_clear(napi_env env, napi_value v) {
  void *data = NULL;
  if (napi_get_value_external(env, v, &data) == napi_ok && data) ((nk_handle *)data)->ptr = NULL;
}

/* ---- calls into JavaScript ---- */
napi_value nk_make_call(napi_env env, nk_env *ne, napi_async_context actx, napi_ref resource_ref, napi_ref fn_ref,
                        size_t argc, napi_value *argv) {
  if (ne->exiting || !fn_ref) return NULL;
  napi_value fn, result = NULL, resource;
  if (napi_get_reference_value(env, fn_ref, &fn) != napi_ok || !fn) return NULL;
  if (napi_get_reference_value(env, resource_ref, &resource) != napi_ok || !resource) return NULL;
  napi_status st = napi_make_callback(env, actx, resource, fn, argc, argv, &result);
  if (st == napi_pending_exception) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
    return NULL;
  }
  return st == napi_ok ? result : NULL;
}

napi_value nk_call_ret(nk_client *nc, napi_ref fn_ref, size_t argc, napi_value *argv) {
  return nk_make_call(nc->env, nc->ne, nc->actx, nc->resource, fn_ref, argc, argv);
}

void nk_call(nk_client *nc, napi_ref fn, size_t argc, napi_value *argv) {
  (void)nk_call_ret(nc, fn, argc, argv);
}

nk_req *nk_req_new(napi_env env, nk_client *nc, napi_value cb) {
  napi_valuetype t;
  if (napi_typeof(env, cb, &t) != napi_ok || t != napi_function) {
    nk_throw(env, UVK_EINVAL, "callback must be a function");
    return NULL;
  }
  nk_req *r = calloc(1, sizeof *r);
  if (!r) {
    nk_throw(env, UVK_ENOMEM, NULL);
    return NULL;
  }
  r->nc = nc;
  napi_create_reference(env, cb, 1, &r->cb);
  nk_client_retain(nc);
  return r;
}

napi_value nk_req_started(napi_env env, nk_req *r, int rc) {
  if (!r) return NULL;
  if (rc != 0) {
    nk_req_free(r);
    return nk_throw(env, rc, NULL);
  }
  return nk_undefined(env);
}

void *nk_handle_and_cb(napi_env env, napi_callback_info info, const void *tag, napi_value *cb) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  *cb = argv[1];
  return nk_unwrap(env, argv[0], tag);
}

void nk_req_free(nk_req *r) {
  if (!r) return;
  if (r->cb) napi_delete_reference(r->nc->env, r->cb);
  nk_client_release(r->nc);
  free(r);
}

void nk_req_finish(nk_req *r, napi_value err, napi_value result) {
  napi_value argv[2] = {err, result};
  nk_call(r->nc, r->cb, 2, argv);
  nk_req_free(r);
}

void nk_req_done(nk_req *r, const uvk_error *err) {
  napi_env env = r->nc->env;
  napi_handle_scope scope;
  if (r->nc->ne->exiting || napi_open_handle_scope(env, &scope) != napi_ok) {
    nk_req_free(r);
    return;
  }
  nk_req_finish(r, nk_error_object(env, err), nk_undefined(env));
  napi_close_handle_scope(env, scope);
}

uvk_config *nk_settings_config(napi_env env, napi_value arr) {
  bool is_array = false;
  if (napi_is_array(env, arr, &is_array) != napi_ok || !is_array) {
    nk_throw(env, UVK_EINVAL, "settings must be an array");
    return NULL;
  }
  uvk_config *cfg = uvk_config_new();
  if (!cfg) {
    nk_throw(env, UVK_ENOMEM, NULL);
    return NULL;
  }
  uint32_t n = 0;
  napi_get_array_length(env, arr, &n);
  for (uint32_t i = 0; i + 1 < n; i += 2) {
    napi_value k, v;
    napi_get_element(env, arr, i, &k);
    napi_get_element(env, arr, i + 1, &v);
    char *key = nk_get_string(env, k, "a setting's name");
    char *val = key ? nk_get_string(env, v, key) : NULL;
    char err[256] = "";
    int bad = !key || !val;
    if (!bad && uvk_config_set(cfg, key, val, err, sizeof err) != 0) {
      nk_throw(env, UVK_EINVAL, err[0] ? err : "invalid setting");
      bad = 1;
    }
    free(key);
    free(val);
    if (bad) {
      uvk_config_free(cfg);
      return NULL;
    }
  }
  return cfg;
}

int nk_get_name(napi_env env, napi_value v, const char *what, char *buf, size_t cap) {
  napi_valuetype t;
  size_t len = 0;
  char msg[160];
  if (!v || napi_typeof(env, v, &t) != napi_ok || t != napi_string) {
    snprintf(msg, sizeof msg, "%s must be a string", what);
    nk_throw(env, UVK_EINVAL, msg);
    return -1;
  }
  napi_get_value_string_utf8(env, v, buf, cap, &len);
  if (len + 1 >= cap || strlen(buf) != len) {
    snprintf(msg, sizeof msg, "%s is too long or holds a NUL character", what);
    nk_throw(env, UVK_EINVAL, msg);
    return -1;
  }
  return 0;
}
