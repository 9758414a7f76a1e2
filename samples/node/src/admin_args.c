/* The admin calls' argument readers: every argument is hostile (types, lengths, counts); a
 * refusal throws naming the argument. Strings and arrays are copied into the call's arena. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "admin_call.h"

void ad_fmt(char *buf, size_t cap, const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  vsnprintf(buf, cap, f, ap);
  va_end(ap);
}

int ad_is_type(napi_env env, napi_value v, napi_valuetype want) {
  napi_valuetype t;
  return v && napi_typeof(env, v, &t) == napi_ok && t == want;
}

int ad_fail(napi_env env, const char *what, const char *why) {
  char msg[256];
  ad_fmt(msg, sizeof msg, "%s %s", what, why);
  nk_throw(env, UVK_EINVAL, msg);
  return -1;
}

int ad_array(napi_env env, napi_value v, const char *what, uint32_t max, uint32_t *n) {
  bool is = false;
  *n = 0;
  if (!v || napi_is_array(env, v, &is) != napi_ok || !is) return ad_fail(env, what, "must be an array");
  napi_get_array_length(env, v, n);
  if (*n > max) {
    char why[64];
    ad_fmt(why, sizeof why, "has too many entries (at most %u)", max);
    return ad_fail(env, what, why);
  }
  return 0;
}

int ad_object(napi_env env, napi_value v, const char *what) {
  bool is = false;
  if (!ad_is_type(env, v, napi_object) || (napi_is_array(env, v, &is) == napi_ok && is))
    return ad_fail(env, what, "must be an object");
  return 0;
}

napi_value ad_prop(napi_env env, napi_value obj, const char *key) {
  napi_value v = NULL;
  if (napi_get_named_property(env, obj, key, &v) != napi_ok) return NULL;
  return v;
}

napi_value ad_elem(napi_env env, napi_value arr, uint32_t i) {
  napi_value v = NULL;
  if (napi_get_element(env, arr, i, &v) != napi_ok) return NULL;
  return v;
}

int ad_str(napi_env env, nk_arena *a, napi_value v, const char *what, int nullable, int allow_empty,
                   const char **out) {
  *out = NULL;
  if (nullable && nk_is_nullish(env, v)) return 0;
  if (!ad_is_type(env, v, napi_string)) return ad_fail(env, what, nullable ? "must be a string or null" : "must be a string");
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return ad_fail(env, what, "must be a string");
  if (len > NK_MAX_STR) return ad_fail(env, what, "is too long (at most 32767 bytes)");
  if (len == 0 && !allow_empty) return ad_fail(env, what, "must not be empty");
  char *s = nk_arena_alloc(a, len + 1);
  if (!s) {
    nk_throw(env, UVK_ENOMEM, NULL);
    return -1;
  }
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  if (strlen(s) != len) return ad_fail(env, what, "must not contain a NUL character");
  *out = s;
  return 0;
}

int ad_bool(napi_env env, napi_value v, const char *what, int def, int *out) {
  *out = def;
  if (nk_is_nullish(env, v)) return 0;
  bool b = false;
  if (!ad_is_type(env, v, napi_boolean) || napi_get_value_bool(env, v, &b) != napi_ok)
    return ad_fail(env, what, "must be a boolean");
  *out = b;
  return 0;
}

int ad_i32(napi_env env, napi_value v, const char *what, int64_t lo, int64_t hi, int32_t *out) {
  int64_t x = 0;
  if (nk_get_int64(env, v, what, &x) != 0) return -1;
  if (x < lo || x > hi) {
    char why[96];
    ad_fmt(why, sizeof why, "is out of range (%lld..%lld)", (long long)lo, (long long)hi);
    return ad_fail(env, what, why);
  }
  *out = (int32_t)x;
  return 0;
}

int ad_strings(napi_env env, nk_arena *a, napi_value v, const char *what, uint32_t max,
                       const char ***out, uint32_t *n) {
  if (ad_array(env, v, what, max, n) != 0) return -1;
  const char **s = nk_arena_alloc(a, (*n ? *n : 1) * sizeof *s);
  if (!s) {
    nk_throw(env, UVK_ENOMEM, NULL);
    return -1;
  }
  char w[96];
  for (uint32_t i = 0; i < *n; i++) {
    ad_fmt(w, sizeof w, "%s[%u]", what, i);
    if (ad_str(env, a, ad_elem(env, v, i), w, 0, 0, &s[i]) != 0) return -1;
  }
  *out = s;
  return 0;
}

int ad_broker_ids(napi_env env, nk_arena *a, napi_value v, const char *what, const int32_t **out,
                          size_t *n) {
  uint32_t len = 0;
  if (ad_array(env, v, what, NK_MAX_REPLICAS, &len) != 0) return -1;
  int32_t *ids = nk_arena_alloc(a, (len ? len : 1) * sizeof *ids);
  if (!ids) {
    nk_throw(env, UVK_ENOMEM, NULL);
    return -1;
  }
  char w[128];
  for (uint32_t i = 0; i < len; i++) {
    ad_fmt(w, sizeof w, "%s[%u]", what, i);
    if (ad_i32(env, ad_elem(env, v, i), w, 0, INT32_MAX, &ids[i]) != 0) return -1;
  }
  *out = ids;
  *n = len;
  return 0;
}

int ad_config_entries(napi_env env, nk_arena *a, napi_value v, const char *what, int nullable_value,
                              const uvk_admin_config_entry **out, size_t *n) {
  uint32_t len = 0;
  *out = NULL;
  *n = 0;
  if (ad_array(env, v, what, NK_MAX_ITEMS, &len) != 0) return -1;
  uvk_admin_config_entry *e = nk_arena_alloc(a, (len ? len : 1) * sizeof *e);
  if (!e) {
    nk_throw(env, UVK_ENOMEM, NULL);
    return -1;
  }
  char w[128];
  for (uint32_t i = 0; i < len; i++) {
    napi_value it = ad_elem(env, v, i);
    ad_fmt(w, sizeof w, "%s[%u]", what, i);
    if (ad_object(env, it, w) != 0) return -1;
    ad_fmt(w, sizeof w, "%s[%u].name", what, i);
    if (ad_str(env, a, ad_prop(env, it, "name"), w, 0, 0, &e[i].name) != 0) return -1;
    ad_fmt(w, sizeof w, "%s[%u].value", what, i);
    if (ad_str(env, a, ad_prop(env, it, "value"), w, nullable_value, 1, &e[i].value) != 0) return -1;
  }
  *out = e;
  *n = len;
  return 0;
}

int ad_timeout(napi_env env, napi_value v, int32_t *out) {
  *out = -1;
  if (nk_is_nullish(env, v)) return 0;
  return ad_i32(env, v, "timeout", 0, INT32_MAX, out);
}
