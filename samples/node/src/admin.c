/* The admin client: adminNew / adminFree and one function per uvk_admin_* call. Every
 * argument is read as hostile (types, lengths, counts) and a refusal throws before anything
 * is sent, naming the argument. Inputs are copied into an arena that lives until the call
 * returns (uvk_admin_* copies what it keeps); results come back through a node-style
 * callback (err, result), where result is given even with err when single items failed. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"

static const char tag_admin[] = "uvkafka.admin";

#define NK_MAX_ITEMS 10000u       /* topics, groups, resources, ACLs, config entries per call */
#define NK_MAX_PARTITIONS 100000u /* partitions per call */
#define NK_MAX_REPLICAS 1024u     /* broker ids of one assignment */
#define NK_MAX_OFFSET_TOPICS 64u  /* fetchOffsets (uvk_admin_fetch_offsets' limit) */
#define NK_MAX_STR 32767u         /* a Kafka STRING */

typedef struct nk_admin {
  nk_client *nc;
  uvk_admin *a;
} nk_admin;

static void admin_destroy(nk_admin *na) {
  /* At environment teardown the client may have been freed already (nk_client_teardown);
   * the admin went with it then. */
  if (na->a && !na->nc->freed) uvk_admin_free(na->a);
  na->a = NULL;
  nk_client_release(na->nc);
  free(na);
}

static void admin_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  admin_destroy(data);
}

/* snprintf for argument names and messages (truncation is fine: they are only shown). */
__attribute__((format(printf, 3, 4))) static void fmt(char *buf, size_t cap, const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  vsnprintf(buf, cap, f, ap);
  va_end(ap);
}

/* ---- argument helpers (each throws naming `what` and returns -1 on refusal) ---- */
static int is_type(napi_env env, napi_value v, napi_valuetype want) {
  napi_valuetype t;
  return v && napi_typeof(env, v, &t) == napi_ok && t == want;
}

static int fail(napi_env env, const char *what, const char *why) {
  char msg[256];
  fmt(msg, sizeof msg, "%s %s", what, why);
  nk_throw(env, UVK_EINVAL, msg);
  return -1;
}

static int get_array(napi_env env, napi_value v, const char *what, uint32_t max, uint32_t *n) {
  bool is = false;
  *n = 0;
  if (!v || napi_is_array(env, v, &is) != napi_ok || !is) return fail(env, what, "must be an array");
  napi_get_array_length(env, v, n);
  if (*n > max) {
    char why[64];
    fmt(why, sizeof why, "has too many entries (at most %u)", max);
    return fail(env, what, why);
  }
  return 0;
}

static int get_object(napi_env env, napi_value v, const char *what) {
  bool is = false;
  if (!is_type(env, v, napi_object) || (napi_is_array(env, v, &is) == napi_ok && is))
    return fail(env, what, "must be an object");
  return 0;
}

static napi_value prop(napi_env env, napi_value obj, const char *key) {
  napi_value v = NULL;
  if (napi_get_named_property(env, obj, key, &v) != napi_ok) return NULL;
  return v;
}

static napi_value elem(napi_env env, napi_value arr, uint32_t i) {
  napi_value v = NULL;
  if (napi_get_element(env, arr, i, &v) != napi_ok) return NULL;
  return v;
}

/* A string copied into the arena. nullable: null / undefined give *out NULL. Empty strings
 * are refused unless allow_empty. */
static int get_str(napi_env env, nk_arena *a, napi_value v, const char *what, int nullable, int allow_empty,
                   const char **out) {
  *out = NULL;
  if (nullable && nk_is_nullish(env, v)) return 0;
  if (!is_type(env, v, napi_string)) return fail(env, what, nullable ? "must be a string or null" : "must be a string");
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return fail(env, what, "must be a string");
  if (len > NK_MAX_STR) return fail(env, what, "is too long (at most 32767 bytes)");
  if (len == 0 && !allow_empty) return fail(env, what, "must not be empty");
  char *s = nk_arena_alloc(a, len + 1);
  if (!s) {
    nk_throw(env, UVK_ENOMEM, NULL);
    return -1;
  }
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  if (strlen(s) != len) return fail(env, what, "must not contain a NUL character");
  *out = s;
  return 0;
}

static int get_bool(napi_env env, napi_value v, const char *what, int def, int *out) {
  *out = def;
  if (nk_is_nullish(env, v)) return 0;
  bool b = false;
  if (!is_type(env, v, napi_boolean) || napi_get_value_bool(env, v, &b) != napi_ok)
    return fail(env, what, "must be a boolean");
  *out = b;
  return 0;
}

static int get_i32_range(napi_env env, napi_value v, const char *what, int64_t lo, int64_t hi, int32_t *out) {
  int64_t x = 0;
  if (nk_get_int64(env, v, what, &x) != 0) return -1;
  if (x < lo || x > hi) {
    char why[96];
    fmt(why, sizeof why, "is out of range (%lld..%lld)", (long long)lo, (long long)hi);
    return fail(env, what, why);
  }
  *out = (int32_t)x;
  return 0;
}

/* An array of non-empty strings into the arena. */
static int get_strings(napi_env env, nk_arena *a, napi_value v, const char *what, uint32_t max,
                       const char ***out, uint32_t *n) {
  if (get_array(env, v, what, max, n) != 0) return -1;
  const char **s = nk_arena_alloc(a, (*n ? *n : 1) * sizeof *s);
  if (!s) {
    nk_throw(env, UVK_ENOMEM, NULL);
    return -1;
  }
  char w[96];
  for (uint32_t i = 0; i < *n; i++) {
    fmt(w, sizeof w, "%s[%u]", what, i);
    if (get_str(env, a, elem(env, v, i), w, 0, 0, &s[i]) != 0) return -1;
  }
  *out = s;
  return 0;
}

static int get_broker_ids(napi_env env, nk_arena *a, napi_value v, const char *what, const int32_t **out,
                          size_t *n) {
  uint32_t len = 0;
  if (get_array(env, v, what, NK_MAX_REPLICAS, &len) != 0) return -1;
  int32_t *ids = nk_arena_alloc(a, (len ? len : 1) * sizeof *ids);
  if (!ids) {
    nk_throw(env, UVK_ENOMEM, NULL);
    return -1;
  }
  char w[128];
  for (uint32_t i = 0; i < len; i++) {
    fmt(w, sizeof w, "%s[%u]", what, i);
    if (get_i32_range(env, elem(env, v, i), w, 0, INT32_MAX, &ids[i]) != 0) return -1;
  }
  *out = ids;
  *n = len;
  return 0;
}

/* [{name, value}] config entries; value null allowed when nullable_value. */
static int get_config_entries(napi_env env, nk_arena *a, napi_value v, const char *what, int nullable_value,
                              const uvk_admin_config_entry **out, size_t *n) {
  uint32_t len = 0;
  *out = NULL;
  *n = 0;
  if (get_array(env, v, what, NK_MAX_ITEMS, &len) != 0) return -1;
  uvk_admin_config_entry *e = nk_arena_alloc(a, (len ? len : 1) * sizeof *e);
  if (!e) {
    nk_throw(env, UVK_ENOMEM, NULL);
    return -1;
  }
  char w[128];
  for (uint32_t i = 0; i < len; i++) {
    napi_value it = elem(env, v, i);
    fmt(w, sizeof w, "%s[%u]", what, i);
    if (get_object(env, it, w) != 0) return -1;
    fmt(w, sizeof w, "%s[%u].name", what, i);
    if (get_str(env, a, prop(env, it, "name"), w, 0, 0, &e[i].name) != 0) return -1;
    fmt(w, sizeof w, "%s[%u].value", what, i);
    if (get_str(env, a, prop(env, it, "value"), w, nullable_value, 1, &e[i].value) != 0) return -1;
  }
  *out = e;
  *n = len;
  return 0;
}

/* ---- requests ---- */
typedef struct ad_req {
  nk_req *r;
  napi_ref handle; /* the admin's external: not collected while a call is pending */
} ad_req;

static nk_admin *admin_arg(napi_env env, napi_value v) { return nk_unwrap(env, v, tag_admin); }

static ad_req *req_new(napi_env env, nk_admin *na, napi_value handle, napi_value cb) {
  ad_req *q = calloc(1, sizeof *q);
  if (!q) {
    nk_throw(env, UVK_ENOMEM, NULL);
    return NULL;
  }
  q->r = nk_req_new(env, na->nc, cb);
  if (!q->r) {
    free(q);
    return NULL;
  }
  napi_create_reference(env, handle, 1, &q->handle);
  return q;
}

static void req_free(ad_req *q) {
  nk_client *nc = q->r->nc;
  if (q->handle && !nc->ne->exiting) napi_delete_reference(nc->env, q->handle);
  nk_req_free(q->r);
  free(q);
}

/* Opens a handle scope for a completion; 0 when JavaScript is gone (the request is freed). */
static int req_open(ad_req *q, napi_handle_scope *scope) {
  nk_client *nc = q->r->nc;
  if (nc->ne->exiting || napi_open_handle_scope(nc->env, scope) != napi_ok) {
    req_free(q);
    return 0;
  }
  return 1;
}

static void req_finish(ad_req *q, napi_handle_scope scope, const uvk_error *err, napi_value result) {
  napi_env env = q->r->nc->env;
  napi_value e = nk_error_object(env, err);
  nk_req *r = q->r;
  napi_ref handle = q->handle;
  nk_env *ne = r->nc->ne;
  free(q);
  /* The admin's external stays referenced until JavaScript has run: it cannot be finalized
   * (and the admin freed) while the library is still inside this callback. The client stays
   * alive too: the admin holds a reference to it. */
  nk_req_finish(r, e, result);
  if (handle && !ne->exiting) napi_delete_reference(env, handle);
  napi_close_handle_scope(env, scope);
}

/* After a uvk_admin_* call: 0 started (the request belongs to the library now); else the
 * request is freed and the refusal thrown. */
static napi_value started(napi_env env, ad_req *q, int rc, const char *op) {
  if (rc == 0) return nk_undefined(env);
  req_free(q);
  char msg[200];
  if (rc == UVK_ECLOSED)
    fmt(msg, sizeof msg, "%s: the admin's client is disconnected", op);
  else
    fmt(msg, sizeof msg, "%s: %s", op, uvk_strerror(rc));
  return nk_throw(env, rc, msg);
}

/* ---- completions ---- */
static void on_results(uvk_admin *admin, const uvk_error *err, const uvk_admin_result *results, size_t n, void *ud) {
  (void)admin;
  ad_req *q = ud;
  napi_handle_scope scope;
  if (!req_open(q, &scope)) return;
  req_finish(q, scope, err, nk_admin_results(q->r->nc->env, results, n));
}

static void on_offsets(uvk_admin *admin, const uvk_error *err, const uvk_admin_partition_offset *o, size_t n,
                       void *ud) {
  (void)admin;
  ad_req *q = ud;
  napi_handle_scope scope;
  if (!req_open(q, &scope)) return;
  req_finish(q, scope, err, nk_admin_offsets(q->r->nc->env, o, n));
}

static void on_names(uvk_admin *admin, const uvk_error *err, const char *const *names, size_t n, void *ud) {
  (void)admin;
  ad_req *q = ud;
  napi_handle_scope scope;
  if (!req_open(q, &scope)) return;
  req_finish(q, scope, err, nk_admin_names(q->r->nc->env, names, n));
}

static void on_metadata(uvk_admin *admin, const uvk_error *err, const uvk_metadata *md, void *ud) {
  (void)admin;
  ad_req *q = ud;
  napi_handle_scope scope;
  if (!req_open(q, &scope)) return;
  req_finish(q, scope, err, nk_admin_metadata(q->r->nc->env, md));
}

static void on_groups(uvk_admin *admin, const uvk_error *err, const uvk_group_description *g, size_t n, void *ud) {
  (void)admin;
  ad_req *q = ud;
  napi_handle_scope scope;
  if (!req_open(q, &scope)) return;
  req_finish(q, scope, err, nk_admin_groups(q->r->nc->env, g, n));
}

static void on_configs(uvk_admin *admin, const uvk_error *err, const uvk_admin_described_resource *r, size_t n,
                       void *ud) {
  (void)admin;
  ad_req *q = ud;
  napi_handle_scope scope;
  if (!req_open(q, &scope)) return;
  req_finish(q, scope, err, nk_admin_configs(q->r->nc->env, r, n));
}

static void on_acls(uvk_admin *admin, const uvk_error *err, const uvk_admin_acl_result *a, size_t n, void *ud) {
  (void)admin;
  ad_req *q = ud;
  napi_handle_scope scope;
  if (!req_open(q, &scope)) return;
  req_finish(q, scope, err, nk_admin_acls(q->r->nc->env, a, n));
}

static void on_partition_results(uvk_admin *admin, const uvk_error *err, const uvk_admin_partition_result *r,
                                 size_t n, void *ud) {
  (void)admin;
  ad_req *q = ud;
  napi_handle_scope scope;
  if (!req_open(q, &scope)) return;
  req_finish(q, scope, err, nk_admin_partition_results(q->r->nc->env, r, n));
}

static void on_reassignments(uvk_admin *admin, const uvk_error *err, const uvk_admin_reassignment_state *r,
                             size_t n, void *ud) {
  (void)admin;
  ad_req *q = ud;
  napi_handle_scope scope;
  if (!req_open(q, &scope)) return;
  req_finish(q, scope, err, nk_admin_reassignments(q->r->nc->env, r, n));
}

/* ---- a call's frame: arguments, the admin, an arena for the inputs ---- */
#define NK_MAX_ARGS 8
typedef struct frame {
  napi_env env;
  napi_value argv[NK_MAX_ARGS];
  size_t argc;
  nk_admin *na;
  nk_arena *a;
} frame;

/* Reads `want` arguments (the admin first, the callback last); 0 and an exception when the
 * admin is not one or is closed. */
static int frame_open(napi_env env, napi_callback_info info, size_t want, frame *f) {
  memset(f, 0, sizeof *f);
  f->env = env;
  f->argc = NK_MAX_ARGS;
  napi_get_cb_info(env, info, &f->argc, f->argv, NULL, NULL);
  for (size_t i = f->argc; i < NK_MAX_ARGS; i++) napi_get_undefined(env, &f->argv[i]);
  if (f->argc < want) {
    nk_throw(env, UVK_EINVAL, "too few arguments");
    return 0;
  }
  f->na = admin_arg(env, f->argv[0]);
  if (!f->na) return 0;
  if (!is_type(env, f->argv[want - 1], napi_function)) {
    nk_throw(env, UVK_EINVAL, "callback must be a function");
    return 0;
  }
  f->a = nk_arena_new();
  if (!f->a) {
    nk_throw(env, UVK_ENOMEM, NULL);
    return 0;
  }
  return 1;
}

static ad_req *frame_req(frame *f, size_t cb_index) {
  return req_new(f->env, f->na, f->argv[0], f->argv[cb_index]);
}

/* ---- functions JavaScript calls ---- */

/* adminNew(client, settings [key, value, ...]) */
static napi_value admin_new(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) return nk_throw(env, UVK_EINVAL, "adminNew(client, settings)");
  nk_client *nc = nk_client_arg(env, argv[0]);
  if (!nc) return NULL;
  uvk_config *cfg = nk_settings_config(env, argv[1]);
  if (!cfg) return NULL;
  nk_admin *na = calloc(1, sizeof *na);
  if (!na) {
    uvk_config_free(cfg);
    return nk_throw(env, UVK_ENOMEM, NULL);
  }
  int rc = uvk_admin_new(nc->client, cfg, &na->a);
  uvk_config_free(cfg);
  if (rc != 0) {
    free(na);
    return nk_throw(env, rc, rc == UVK_ECLOSED ? "the client is disconnected" : "the admin's options are invalid");
  }
  na->nc = nc;
  nk_client_retain(nc);
  napi_value h = nk_wrap(env, na, tag_admin, admin_finalize);
  if (!h) {
    uvk_admin_free(na->a);
    nk_client_release(nc);
    free(na);
  }
  return h;
}

/* adminFree(admin): after every call completed (pending calls would be dropped). */
static napi_value admin_free(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) return nk_throw(env, UVK_EINVAL, "adminFree(admin)");
  nk_admin *na = admin_arg(env, argv[0]);
  if (!na) return NULL;
  nk_handle_clear(env, argv[0]);
  admin_destroy(na);
  return nk_undefined(env);
}

/* adminListTopics(admin, cb) */
static napi_value list_topics(napi_env env, napi_callback_info info) {
  frame f;
  if (!frame_open(env, info, 2, &f)) return NULL;
  nk_arena_free(f.a);
  ad_req *q = frame_req(&f, 1);
  if (!q) return NULL;
  return started(env, q, uvk_admin_list_topics(f.na->a, on_names, q), "listTopics");
}

static int topic_options(frame *f, napi_value validate, napi_value wait, napi_value timeout,
                         uvk_admin_topic_options *o) {
  uvk_admin_topic_options_init(o);
  if (validate && get_bool(f->env, validate, "validateOnly", 0, &o->validate_only) != 0) return -1;
  if (wait && get_bool(f->env, wait, "waitForLeaders", 1, &o->wait_for_leaders) != 0) return -1;
  if (!nk_is_nullish(f->env, timeout) && get_i32_range(f->env, timeout, "timeout", 0, INT32_MAX, &o->timeout) != 0)
    return -1;
  return 0;
}

/* adminCreateTopics(admin, [{topic, numPartitions, replicationFactor, replicaAssignment:
 * [{partition, replicas}], configEntries: [{name, value}]}], validateOnly, waitForLeaders,
 * timeout, cb) */
static napi_value create_topics(napi_env env, napi_callback_info info) {
  frame f;
  if (!frame_open(env, info, 6, &f)) return NULL;
  uint32_t n = 0;
  uvk_admin_new_topic *t = NULL;
  uvk_admin_topic_options o;
  int ok = get_array(env, f.argv[1], "topics", NK_MAX_ITEMS, &n) == 0;
  if (ok && n == 0) ok = fail(env, "topics", "must not be empty") == 0;
  if (ok) {
    t = nk_arena_alloc(f.a, n * sizeof *t);
    if (!t) ok = nk_throw(env, UVK_ENOMEM, NULL) != NULL;
  }
  char w[128];
  for (uint32_t i = 0; ok && i < n; i++) {
    napi_value it = elem(env, f.argv[1], i), v;
    fmt(w, sizeof w, "topics[%u]", i);
    if (get_object(env, it, w) != 0) {
      ok = 0;
      break;
    }
    uvk_admin_new_topic_init(&t[i], NULL);
    fmt(w, sizeof w, "topics[%u].topic", i);
    if (get_str(env, f.a, prop(env, it, "topic"), w, 0, 0, &t[i].topic) != 0) {
      ok = 0;
      break;
    }
    v = prop(env, it, "numPartitions");
    fmt(w, sizeof w, "topics[%u].numPartitions", i);
    if (!nk_is_nullish(env, v) && get_i32_range(env, v, w, -1, INT32_MAX, &t[i].num_partitions) != 0) ok = 0;
    if (ok && t[i].num_partitions == 0) ok = fail(env, w, "must be positive (or -1 for the broker's default)") == 0;
    v = prop(env, it, "replicationFactor");
    fmt(w, sizeof w, "topics[%u].replicationFactor", i);
    int32_t rf = -1;
    if (ok && !nk_is_nullish(env, v) && get_i32_range(env, v, w, -1, INT16_MAX, &rf) != 0) ok = 0;
    if (ok && rf == 0) ok = fail(env, w, "must be positive (or -1 for the broker's default)") == 0;
    t[i].replication_factor = (int16_t)rf;
    v = prop(env, it, "replicaAssignment");
    if (ok && !nk_is_nullish(env, v)) {
      uint32_t m = 0;
      fmt(w, sizeof w, "topics[%u].replicaAssignment", i);
      ok = get_array(env, v, w, NK_MAX_PARTITIONS, &m) == 0;
      uvk_admin_replica_assignment *ra = ok ? nk_arena_alloc(f.a, (m ? m : 1) * sizeof *ra) : NULL;
      if (ok && !ra) ok = nk_throw(env, UVK_ENOMEM, NULL) != NULL;
      for (uint32_t j = 0; ok && j < m; j++) {
        napi_value e = elem(env, v, j);
        fmt(w, sizeof w, "topics[%u].replicaAssignment[%u]", i, j);
        if (get_object(env, e, w) != 0) {
          ok = 0;
          break;
        }
        fmt(w, sizeof w, "topics[%u].replicaAssignment[%u].partition", i, j);
        if (get_i32_range(env, prop(env, e, "partition"), w, 0, INT32_MAX, &ra[j].partition) != 0) ok = 0;
        fmt(w, sizeof w, "topics[%u].replicaAssignment[%u].replicas", i, j);
        if (ok && get_broker_ids(env, f.a, prop(env, e, "replicas"), w, &ra[j].replicas, &ra[j].n_replicas) != 0)
          ok = 0;
      }
      if (ok && m > 0) {
        t[i].replica_assignment = ra;
        t[i].n_replica_assignment = m;
      }
    }
    v = prop(env, it, "configEntries");
    if (ok && !nk_is_nullish(env, v)) {
      fmt(w, sizeof w, "topics[%u].configEntries", i);
      ok = get_config_entries(env, f.a, v, w, 0, &t[i].config_entries, &t[i].n_config_entries) == 0;
    }
  }
  if (ok) ok = topic_options(&f, f.argv[2], f.argv[3], f.argv[4], &o) == 0;
  ad_req *q = ok ? frame_req(&f, 5) : NULL;
  if (!q) {
    nk_arena_free(f.a);
    return NULL;
  }
  int rc = uvk_admin_create_topics(f.na->a, t, n, &o, on_results, q);
  nk_arena_free(f.a);
  return started(env, q, rc, "createTopics");
}

/* adminDeleteTopics(admin, [topic], timeout, cb) */
static napi_value delete_topics(napi_env env, napi_callback_info info) {
  frame f;
  if (!frame_open(env, info, 4, &f)) return NULL;
  const char **names = NULL;
  uint32_t n = 0;
  uvk_admin_topic_options o;
  int ok = get_strings(env, f.a, f.argv[1], "topics", NK_MAX_ITEMS, &names, &n) == 0;
  if (ok && n == 0) ok = fail(env, "topics", "must not be empty") == 0;
  if (ok) ok = topic_options(&f, NULL, NULL, f.argv[2], &o) == 0;
  ad_req *q = ok ? frame_req(&f, 3) : NULL;
  if (!q) {
    nk_arena_free(f.a);
    return NULL;
  }
  int rc = uvk_admin_delete_topics(f.na->a, names, n, &o, on_results, q);
  nk_arena_free(f.a);
  return started(env, q, rc, "deleteTopics");
}

/* adminCreatePartitions(admin, [{topic, count, assignments: [[brokerId]]}], validateOnly,
 * timeout, cb) */
static napi_value create_partitions(napi_env env, napi_callback_info info) {
  frame f;
  if (!frame_open(env, info, 5, &f)) return NULL;
  uint32_t n = 0;
  uvk_admin_new_partitions *t = NULL;
  uvk_admin_topic_options o;
  int ok = get_array(env, f.argv[1], "topicPartitions", NK_MAX_ITEMS, &n) == 0;
  if (ok && n == 0) ok = fail(env, "topicPartitions", "must not be empty") == 0;
  if (ok) {
    t = nk_arena_alloc(f.a, n * sizeof *t);
    if (!t) ok = nk_throw(env, UVK_ENOMEM, NULL) != NULL;
  }
  char w[128];
  for (uint32_t i = 0; ok && i < n; i++) {
    napi_value it = elem(env, f.argv[1], i);
    memset(&t[i], 0, sizeof t[i]);
    fmt(w, sizeof w, "topicPartitions[%u]", i);
    if (get_object(env, it, w) != 0) {
      ok = 0;
      break;
    }
    fmt(w, sizeof w, "topicPartitions[%u].topic", i);
    if (get_str(env, f.a, prop(env, it, "topic"), w, 0, 0, &t[i].topic) != 0) ok = 0;
    fmt(w, sizeof w, "topicPartitions[%u].count", i);
    if (ok && get_i32_range(env, prop(env, it, "count"), w, 1, INT32_MAX, &t[i].count) != 0) ok = 0;
    napi_value v = prop(env, it, "assignments");
    if (ok && !nk_is_nullish(env, v)) {
      uint32_t m = 0;
      fmt(w, sizeof w, "topicPartitions[%u].assignments", i);
      ok = get_array(env, v, w, NK_MAX_PARTITIONS, &m) == 0;
      uvk_admin_replica_assignment *ra = ok ? nk_arena_alloc(f.a, (m ? m : 1) * sizeof *ra) : NULL;
      if (ok && !ra) ok = nk_throw(env, UVK_ENOMEM, NULL) != NULL;
      for (uint32_t j = 0; ok && j < m; j++) {
        fmt(w, sizeof w, "topicPartitions[%u].assignments[%u]", i, j);
        ra[j].partition = (int32_t)j;
        if (get_broker_ids(env, f.a, elem(env, v, j), w, &ra[j].replicas, &ra[j].n_replicas) != 0) ok = 0;
      }
      if (ok && m > 0) {
        t[i].assignments = ra;
        t[i].n_assignments = m;
      }
    }
  }
  if (ok) ok = topic_options(&f, f.argv[2], NULL, f.argv[3], &o) == 0;
  ad_req *q = ok ? frame_req(&f, 4) : NULL;
  if (!q) {
    nk_arena_free(f.a);
    return NULL;
  }
  int rc = uvk_admin_create_partitions(f.na->a, t, n, &o, on_results, q);
  nk_arena_free(f.a);
  return started(env, q, rc, "createPartitions");
}

/* adminFetchTopicMetadata(admin, [topic] | null, cb) */
static napi_value fetch_topic_metadata(napi_env env, napi_callback_info info) {
  frame f;
  if (!frame_open(env, info, 3, &f)) return NULL;
  const char **names = NULL;
  uint32_t n = 0;
  int ok = 1;
  if (!nk_is_nullish(env, f.argv[1])) ok = get_strings(env, f.a, f.argv[1], "topics", NK_MAX_ITEMS, &names, &n) == 0;
  ad_req *q = ok ? frame_req(&f, 2) : NULL;
  if (!q) {
    nk_arena_free(f.a);
    return NULL;
  }
  int rc = uvk_admin_fetch_topic_metadata(f.na->a, names, n, on_metadata, q);
  nk_arena_free(f.a);
  return started(env, q, rc, "fetchTopicMetadata");
}

/* adminDescribeCluster(admin, cb) */
static napi_value describe_cluster(napi_env env, napi_callback_info info) {
  frame f;
  if (!frame_open(env, info, 2, &f)) return NULL;
  nk_arena_free(f.a);
  ad_req *q = frame_req(&f, 1);
  if (!q) return NULL;
  return started(env, q, uvk_admin_describe_cluster(f.na->a, on_metadata, q), "describeCluster");
}

/* adminFetchTopicOffsets(admin, topic, cb) */
static napi_value fetch_topic_offsets(napi_env env, napi_callback_info info) {
  frame f;
  if (!frame_open(env, info, 3, &f)) return NULL;
  const char *topic = NULL;
  int ok = get_str(env, f.a, f.argv[1], "topic", 0, 0, &topic) == 0;
  ad_req *q = ok ? frame_req(&f, 2) : NULL;
  if (!q) {
    nk_arena_free(f.a);
    return NULL;
  }
  int rc = uvk_admin_fetch_topic_offsets(f.na->a, topic, on_offsets, q);
  nk_arena_free(f.a);
  return started(env, q, rc, "fetchTopicOffsets");
}

/* adminFetchTopicOffsetsByTimestamp(admin, topic, timestamp, cb) */
static napi_value fetch_topic_offsets_ts(napi_env env, napi_callback_info info) {
  frame f;
  if (!frame_open(env, info, 4, &f)) return NULL;
  const char *topic = NULL;
  int64_t ts = -1;
  int ok = get_str(env, f.a, f.argv[1], "topic", 0, 0, &topic) == 0;
  if (ok && !nk_is_nullish(env, f.argv[2])) ok = nk_get_int64(env, f.argv[2], "timestamp", &ts) == 0;
  if (ok && ts < -2) ok = fail(env, "timestamp", "must be a time in ms (or -1 latest, -2 earliest)") == 0;
  ad_req *q = ok ? frame_req(&f, 3) : NULL;
  if (!q) {
    nk_arena_free(f.a);
    return NULL;
  }
  int rc = uvk_admin_fetch_topic_offsets_by_timestamp(f.na->a, topic, ts, on_offsets, q);
  nk_arena_free(f.a);
  return started(env, q, rc, "fetchTopicOffsetsByTimestamp");
}

/* adminFetchOffsets(admin, groupId, [topic] | null, resolveOffsets, cb) */
static napi_value fetch_offsets(napi_env env, napi_callback_info info) {
  frame f;
  if (!frame_open(env, info, 5, &f)) return NULL;
  const char *group = NULL;
  const char **names = NULL;
  uint32_t n = 0;
  int resolve = 0;
  int ok = get_str(env, f.a, f.argv[1], "groupId", 0, 0, &group) == 0;
  if (ok && !nk_is_nullish(env, f.argv[2]))
    ok = get_strings(env, f.a, f.argv[2], "topics", NK_MAX_OFFSET_TOPICS, &names, &n) == 0;
  if (ok) ok = get_bool(env, f.argv[3], "resolveOffsets", 0, &resolve) == 0;
  ad_req *q = ok ? frame_req(&f, 4) : NULL;
  if (!q) {
    nk_arena_free(f.a);
    return NULL;
  }
  int rc = uvk_admin_fetch_offsets(f.na->a, group, n ? names : NULL, n, resolve, on_offsets, q);
  nk_arena_free(f.a);
  return started(env, q, rc, "fetchOffsets");
}

/* [{partition, offset}] as seeks; min_offset: the lowest offset allowed. */
static int get_seeks(frame *f, napi_value v, int64_t min_offset, uvk_admin_seek **out, uint32_t *n) {
  napi_env env = f->env;
  if (get_array(env, v, "partitions", NK_MAX_PARTITIONS, n) != 0) return -1;
  if (*n == 0) return fail(env, "partitions", "must not be empty");
  uvk_admin_seek *s = nk_arena_alloc(f->a, *n * sizeof *s);
  if (!s) {
    nk_throw(env, UVK_ENOMEM, NULL);
    return -1;
  }
  char w[96];
  for (uint32_t i = 0; i < *n; i++) {
    napi_value it = elem(env, v, i);
    fmt(w, sizeof w, "partitions[%u]", i);
    if (get_object(env, it, w) != 0) return -1;
    fmt(w, sizeof w, "partitions[%u].partition", i);
    if (get_i32_range(env, prop(env, it, "partition"), w, 0, INT32_MAX, &s[i].partition) != 0) return -1;
    fmt(w, sizeof w, "partitions[%u].offset", i);
    if (nk_get_int64(env, prop(env, it, "offset"), w, &s[i].offset) != 0) return -1;
    if (s[i].offset < min_offset) {
      char why[64];
      fmt(why, sizeof why, "must be at least %lld", (long long)min_offset);
      return fail(env, w, why);
    }
  }
  *out = s;
  return 0;
}

/* adminSetOffsets(admin, groupId, topic, [{partition, offset}], cb) */
static napi_value set_offsets(napi_env env, napi_callback_info info) {
  frame f;
  if (!frame_open(env, info, 5, &f)) return NULL;
  const char *group = NULL, *topic = NULL;
  uvk_admin_seek *s = NULL;
  uint32_t n = 0;
  int ok = get_str(env, f.a, f.argv[1], "groupId", 0, 0, &group) == 0 &&
           get_str(env, f.a, f.argv[2], "topic", 0, 0, &topic) == 0 && get_seeks(&f, f.argv[3], 0, &s, &n) == 0;
  ad_req *q = ok ? frame_req(&f, 4) : NULL;
  if (!q) {
    nk_arena_free(f.a);
    return NULL;
  }
  int rc = uvk_admin_set_offsets(f.na->a, group, topic, s, n, on_offsets, q);
  nk_arena_free(f.a);
  return started(env, q, rc, "setOffsets");
}

/* adminResetOffsets(admin, groupId, topic, earliest, cb) */
static napi_value reset_offsets(napi_env env, napi_callback_info info) {
  frame f;
  if (!frame_open(env, info, 5, &f)) return NULL;
  const char *group = NULL, *topic = NULL;
  int earliest = 0;
  int ok = get_str(env, f.a, f.argv[1], "groupId", 0, 0, &group) == 0 &&
           get_str(env, f.a, f.argv[2], "topic", 0, 0, &topic) == 0 &&
           get_bool(env, f.argv[3], "earliest", 0, &earliest) == 0;
  ad_req *q = ok ? frame_req(&f, 4) : NULL;
  if (!q) {
    nk_arena_free(f.a);
    return NULL;
  }
  int rc = uvk_admin_reset_offsets(f.na->a, group, topic, earliest, on_offsets, q);
  nk_arena_free(f.a);
  return started(env, q, rc, "resetOffsets");
}

/* adminDeleteTopicRecords(admin, topic, [{partition, offset}], cb) */
static napi_value delete_topic_records(napi_env env, napi_callback_info info) {
  frame f;
  if (!frame_open(env, info, 4, &f)) return NULL;
  const char *topic = NULL;
  uvk_admin_seek *s = NULL;
  uint32_t n = 0;
  int ok = get_str(env, f.a, f.argv[1], "topic", 0, 0, &topic) == 0 && get_seeks(&f, f.argv[2], -1, &s, &n) == 0;
  ad_req *q = ok ? frame_req(&f, 3) : NULL;
  if (!q) {
    nk_arena_free(f.a);
    return NULL;
  }
  int rc = uvk_admin_delete_topic_records(f.na->a, topic, s, n, on_offsets, q);
  nk_arena_free(f.a);
  return started(env, q, rc, "deleteTopicRecords");
}

/* adminListGroups(admin, cb) */
static napi_value list_groups(napi_env env, napi_callback_info info) {
  frame f;
  if (!frame_open(env, info, 2, &f)) return NULL;
  nk_arena_free(f.a);
  ad_req *q = frame_req(&f, 1);
  if (!q) return NULL;
  return started(env, q, uvk_admin_list_groups(f.na->a, on_groups, q), "listGroups");
}

/* adminDescribeGroups(admin, [groupId], cb) / adminDeleteGroups(admin, [groupId], cb) */
static napi_value groups_call(napi_env env, napi_callback_info info, int del) {
  frame f;
  if (!frame_open(env, info, 3, &f)) return NULL;
  const char **ids = NULL;
  uint32_t n = 0;
  int ok = get_strings(env, f.a, f.argv[1], "groupIds", NK_MAX_ITEMS, &ids, &n) == 0;
  if (ok && n == 0) ok = fail(env, "groupIds", "must not be empty") == 0;
  ad_req *q = ok ? frame_req(&f, 2) : NULL;
  if (!q) {
    nk_arena_free(f.a);
    return NULL;
  }
  int rc = del ? uvk_admin_delete_groups(f.na->a, ids, n, on_results, q)
               : uvk_admin_describe_groups(f.na->a, ids, n, on_groups, q);
  nk_arena_free(f.a);
  return started(env, q, rc, del ? "deleteGroups" : "describeGroups");
}

static napi_value describe_groups(napi_env env, napi_callback_info info) { return groups_call(env, info, 0); }
static napi_value delete_groups(napi_env env, napi_callback_info info) { return groups_call(env, info, 1); }

/* [{type, name, configNames | configEntries}] */
static int get_resources(frame *f, napi_value v, int alter, uvk_admin_config_resource **out, uint32_t *n) {
  napi_env env = f->env;
  if (get_array(env, v, "resources", NK_MAX_ITEMS, n) != 0) return -1;
  if (*n == 0) return fail(env, "resources", "must not be empty");
  uvk_admin_config_resource *r = nk_arena_alloc(f->a, *n * sizeof *r);
  if (!r) {
    nk_throw(env, UVK_ENOMEM, NULL);
    return -1;
  }
  char w[96];
  for (uint32_t i = 0; i < *n; i++) {
    napi_value it = elem(env, v, i), x;
    memset(&r[i], 0, sizeof r[i]);
    fmt(w, sizeof w, "resources[%u]", i);
    if (get_object(env, it, w) != 0) return -1;
    fmt(w, sizeof w, "resources[%u].type", i);
    int32_t type = 0;
    if (get_i32_range(env, prop(env, it, "type"), w, 0, 127, &type) != 0) return -1;
    if (type != UVK_RESOURCE_TOPIC && type != UVK_RESOURCE_BROKER && type != UVK_RESOURCE_BROKER_LOGGER)
      return fail(env, w, "must be ConfigResourceTypes.TOPIC, BROKER or BROKER_LOGGER");
    r[i].type = type;
    fmt(w, sizeof w, "resources[%u].name", i);
    if (get_str(env, f->a, prop(env, it, "name"), w, 0, type == UVK_RESOURCE_BROKER, &r[i].name) != 0) return -1;
    if (!alter) {
      x = prop(env, it, "configNames");
      if (!nk_is_nullish(env, x)) {
        const char **names = NULL;
        uint32_t m = 0;
        fmt(w, sizeof w, "resources[%u].configNames", i);
        if (get_strings(env, f->a, x, w, NK_MAX_ITEMS, &names, &m) != 0) return -1;
        if (m > 0) {
          r[i].config_names = names;
          r[i].n_config_names = m;
        }
      }
    } else {
      fmt(w, sizeof w, "resources[%u].configEntries", i);
      if (get_config_entries(env, f->a, prop(env, it, "configEntries"), w, 1, &r[i].config_entries,
                             &r[i].n_config_entries) != 0)
        return -1;
    }
  }
  *out = r;
  return 0;
}

/* adminDescribeConfigs(admin, [{type, name, configNames}], includeSynonyms, cb) */
static napi_value describe_configs(napi_env env, napi_callback_info info) {
  frame f;
  if (!frame_open(env, info, 4, &f)) return NULL;
  uvk_admin_config_resource *r = NULL;
  uint32_t n = 0;
  int syn = 0;
  int ok = get_resources(&f, f.argv[1], 0, &r, &n) == 0 && get_bool(env, f.argv[2], "includeSynonyms", 0, &syn) == 0;
  ad_req *q = ok ? frame_req(&f, 3) : NULL;
  if (!q) {
    nk_arena_free(f.a);
    return NULL;
  }
  int rc = uvk_admin_describe_configs(f.na->a, r, n, syn, on_configs, q);
  nk_arena_free(f.a);
  return started(env, q, rc, "describeConfigs");
}

/* adminAlterConfigs(admin, [{type, name, configEntries: [{name, value}]}], validateOnly, cb) */
static napi_value alter_configs(napi_env env, napi_callback_info info) {
  frame f;
  if (!frame_open(env, info, 4, &f)) return NULL;
  uvk_admin_config_resource *r = NULL;
  uint32_t n = 0;
  int validate = 0;
  int ok = get_resources(&f, f.argv[1], 1, &r, &n) == 0 && get_bool(env, f.argv[2], "validateOnly", 0, &validate) == 0;
  ad_req *q = ok ? frame_req(&f, 3) : NULL;
  if (!q) {
    nk_arena_free(f.a);
    return NULL;
  }
  int rc = uvk_admin_alter_configs(f.na->a, r, n, validate, on_results, q);
  nk_arena_free(f.a);
  return started(env, q, rc, "alterConfigs");
}

/* One ACL binding or filter: {resourceType, resourceName, resourcePatternType, principal,
 * host, operation, permissionType}. A binding needs every field concrete. */
static int get_acl(frame *f, napi_value v, const char *what, int filter, uvk_acl *acl) {
  napi_env env = f->env;
  char w[128];
  if (get_object(env, v, what) != 0) return -1;
  uvk_acl_filter_init(acl);
  static const struct {
    const char *key;
    int lo, hi, lo_binding;
  } ints[] = {
      {"resourceType", UVK_ACL_RESOURCE_ANY, UVK_ACL_RESOURCE_USER, UVK_ACL_RESOURCE_TOPIC},
      {"resourcePatternType", UVK_ACL_PATTERN_ANY, UVK_ACL_PATTERN_PREFIXED, UVK_ACL_PATTERN_LITERAL},
      {"operation", UVK_ACL_OP_ANY, UVK_ACL_OP_DESCRIBE_TOKENS, UVK_ACL_OP_ALL},
      {"permissionType", UVK_ACL_PERMISSION_ANY, UVK_ACL_PERMISSION_ALLOW, UVK_ACL_PERMISSION_DENY},
  };
  int *dst[] = {&acl->resource_type, &acl->resource_pattern_type, &acl->operation, &acl->permission_type};
  for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
    int32_t x = 0;
    fmt(w, sizeof w, "%s.%s", what, ints[i].key);
    if (get_i32_range(env, prop(env, v, ints[i].key), w, filter ? ints[i].lo : ints[i].lo_binding, ints[i].hi, &x) != 0)
      return -1;
    *dst[i] = x;
  }
  static const char *const strs[] = {"resourceName", "principal", "host"};
  const char **sdst[] = {&acl->resource_name, &acl->principal, &acl->host};
  for (size_t i = 0; i < 3; i++) {
    fmt(w, sizeof w, "%s.%s", what, strs[i]);
    if (get_str(env, f->a, prop(env, v, strs[i]), w, filter, 0, sdst[i]) != 0) return -1;
  }
  return 0;
}

static int get_acls(frame *f, napi_value v, const char *what, int filter, uvk_acl **out, uint32_t *n) {
  if (get_array(f->env, v, what, NK_MAX_ITEMS, n) != 0) return -1;
  if (*n == 0) return fail(f->env, what, "must not be empty");
  uvk_acl *acls = nk_arena_alloc(f->a, *n * sizeof *acls);
  if (!acls) {
    nk_throw(f->env, UVK_ENOMEM, NULL);
    return -1;
  }
  char w[96];
  for (uint32_t i = 0; i < *n; i++) {
    fmt(w, sizeof w, "%s[%u]", what, i);
    if (get_acl(f, elem(f->env, v, i), w, filter, &acls[i]) != 0) return -1;
  }
  *out = acls;
  return 0;
}

/* adminCreateAcls(admin, [acl], cb) */
static napi_value create_acls(napi_env env, napi_callback_info info) {
  frame f;
  if (!frame_open(env, info, 3, &f)) return NULL;
  uvk_acl *acls = NULL;
  uint32_t n = 0;
  int ok = get_acls(&f, f.argv[1], "acl", 0, &acls, &n) == 0;
  ad_req *q = ok ? frame_req(&f, 2) : NULL;
  if (!q) {
    nk_arena_free(f.a);
    return NULL;
  }
  int rc = uvk_admin_create_acls(f.na->a, acls, n, on_acls, q);
  nk_arena_free(f.a);
  return started(env, q, rc, "createAcls");
}

/* adminDescribeAcls(admin, filter, cb) */
static napi_value describe_acls(napi_env env, napi_callback_info info) {
  frame f;
  if (!frame_open(env, info, 3, &f)) return NULL;
  uvk_acl filter;
  int ok = get_acl(&f, f.argv[1], "filter", 1, &filter) == 0;
  ad_req *q = ok ? frame_req(&f, 2) : NULL;
  if (!q) {
    nk_arena_free(f.a);
    return NULL;
  }
  int rc = uvk_admin_describe_acls(f.na->a, &filter, on_acls, q);
  nk_arena_free(f.a);
  return started(env, q, rc, "describeAcls");
}

/* adminDeleteAcls(admin, [filter], cb) */
static napi_value delete_acls(napi_env env, napi_callback_info info) {
  frame f;
  if (!frame_open(env, info, 3, &f)) return NULL;
  uvk_acl *filters = NULL;
  uint32_t n = 0;
  int ok = get_acls(&f, f.argv[1], "filters", 1, &filters, &n) == 0;
  ad_req *q = ok ? frame_req(&f, 2) : NULL;
  if (!q) {
    nk_arena_free(f.a);
    return NULL;
  }
  int rc = uvk_admin_delete_acls(f.na->a, filters, n, on_acls, q);
  nk_arena_free(f.a);
  return started(env, q, rc, "deleteAcls");
}

/* The reassignment timeout: null -> -1 (the library's 5000 ms). */
static int get_timeout(napi_env env, napi_value v, int32_t *out) {
  *out = -1;
  if (nk_is_nullish(env, v)) return 0;
  return get_i32_range(env, v, "timeout", 0, INT32_MAX, out);
}

/* adminAlterPartitionReassignments(admin, [{topic, partitionAssignment: [{partition,
 * replicas}]}], timeout, cb): one uvk_admin_reassignment per partition. */
static napi_value alter_reassignments(napi_env env, napi_callback_info info) {
  frame f;
  if (!frame_open(env, info, 4, &f)) return NULL;
  uint32_t n = 0, total = 0;
  uvk_admin_reassignment *r = NULL;
  int32_t timeout = -1;
  int ok = get_array(env, f.argv[1], "topics", NK_MAX_ITEMS, &n) == 0;
  if (ok && n == 0) ok = fail(env, "topics", "must not be empty") == 0;
  char w[128];
  /* First pass: shapes and the total number of partitions. */
  for (uint32_t i = 0; ok && i < n; i++) {
    napi_value it = elem(env, f.argv[1], i);
    uint32_t m = 0;
    fmt(w, sizeof w, "topics[%u]", i);
    ok = get_object(env, it, w) == 0;
    fmt(w, sizeof w, "topics[%u].partitionAssignment", i);
    if (ok) ok = get_array(env, prop(env, it, "partitionAssignment"), w, NK_MAX_PARTITIONS, &m) == 0;
    if (ok && m == 0) ok = fail(env, w, "must not be empty") == 0;
    total += m;
    if (ok && total > NK_MAX_PARTITIONS) ok = fail(env, "topics", "name too many partitions (at most 100000)") == 0;
  }
  if (ok) {
    r = nk_arena_alloc(f.a, (total ? total : 1) * sizeof *r);
    if (!r) ok = nk_throw(env, UVK_ENOMEM, NULL) != NULL;
  }
  uint32_t k = 0;
  for (uint32_t i = 0; ok && i < n; i++) {
    napi_value it = elem(env, f.argv[1], i), pa;
    const char *topic = NULL;
    fmt(w, sizeof w, "topics[%u].topic", i);
    if (get_str(env, f.a, prop(env, it, "topic"), w, 0, 0, &topic) != 0) {
      ok = 0;
      break;
    }
    pa = prop(env, it, "partitionAssignment");
    uint32_t m = 0;
    napi_get_array_length(env, pa, &m);
    for (uint32_t j = 0; ok && j < m && k < total; j++, k++) {
      napi_value e = elem(env, pa, j);
      r[k].topic = topic;
      fmt(w, sizeof w, "topics[%u].partitionAssignment[%u]", i, j);
      if (get_object(env, e, w) != 0) {
        ok = 0;
        break;
      }
      fmt(w, sizeof w, "topics[%u].partitionAssignment[%u].partition", i, j);
      if (get_i32_range(env, prop(env, e, "partition"), w, 0, INT32_MAX, &r[k].partition) != 0) ok = 0;
      fmt(w, sizeof w, "topics[%u].partitionAssignment[%u].replicas", i, j);
      napi_value rv = ok ? prop(env, e, "replicas") : NULL;
      r[k].replicas = NULL;
      r[k].n_replicas = 0;
      /* null replicas: cancel the partition's reassignment in progress */
      if (ok && !nk_is_nullish(env, rv) && get_broker_ids(env, f.a, rv, w, &r[k].replicas, &r[k].n_replicas) != 0)
        ok = 0;
    }
  }
  if (ok && k != total) ok = fail(env, "topics", "changed while being read") == 0;
  if (ok) ok = get_timeout(env, f.argv[2], &timeout) == 0;
  ad_req *q = ok ? frame_req(&f, 3) : NULL;
  if (!q) {
    nk_arena_free(f.a);
    return NULL;
  }
  int rc = uvk_admin_alter_partition_reassignments(f.na->a, r, total, timeout, on_partition_results, q);
  nk_arena_free(f.a);
  return started(env, q, rc, "alterPartitionReassignments");
}

/* adminListPartitionReassignments(admin, [{topic, partitions: [id]}] | null, timeout, cb) */
static napi_value list_reassignments(napi_env env, napi_callback_info info) {
  frame f;
  if (!frame_open(env, info, 4, &f)) return NULL;
  uint32_t n = 0;
  uvk_admin_topic_partitions *t = NULL;
  int32_t timeout = -1;
  int ok = 1;
  char w[128];
  if (!nk_is_nullish(env, f.argv[1])) {
    ok = get_array(env, f.argv[1], "topics", NK_MAX_ITEMS, &n) == 0;
    if (ok && n > 0) {
      t = nk_arena_alloc(f.a, n * sizeof *t);
      if (!t) ok = nk_throw(env, UVK_ENOMEM, NULL) != NULL;
    }
    for (uint32_t i = 0; ok && i < n; i++) {
      napi_value it = elem(env, f.argv[1], i);
      memset(&t[i], 0, sizeof t[i]);
      fmt(w, sizeof w, "topics[%u]", i);
      if (get_object(env, it, w) != 0) {
        ok = 0;
        break;
      }
      fmt(w, sizeof w, "topics[%u].topic", i);
      if (get_str(env, f.a, prop(env, it, "topic"), w, 0, 0, &t[i].topic) != 0) {
        ok = 0;
        break;
      }
      napi_value pv = prop(env, it, "partitions");
      uint32_t m = 0;
      fmt(w, sizeof w, "topics[%u].partitions", i);
      if (get_array(env, pv, w, NK_MAX_PARTITIONS, &m) != 0) {
        ok = 0;
        break;
      }
      int32_t *ids = nk_arena_alloc(f.a, (m ? m : 1) * sizeof *ids);
      if (!ids) {
        ok = nk_throw(env, UVK_ENOMEM, NULL) != NULL;
        break;
      }
      for (uint32_t j = 0; ok && j < m; j++) {
        fmt(w, sizeof w, "topics[%u].partitions[%u]", i, j);
        if (get_i32_range(env, elem(env, pv, j), w, 0, INT32_MAX, &ids[j]) != 0) ok = 0;
      }
      t[i].partitions = m ? ids : NULL;
      t[i].n_partitions = m;
    }
  }
  if (ok) ok = get_timeout(env, f.argv[2], &timeout) == 0;
  ad_req *q = ok ? frame_req(&f, 3) : NULL;
  if (!q) {
    nk_arena_free(f.a);
    return NULL;
  }
  int rc = uvk_admin_list_partition_reassignments(f.na->a, n ? t : NULL, n, timeout, on_reassignments, q);
  nk_arena_free(f.a);
  return started(env, q, rc, "listPartitionReassignments");
}

napi_value nk_admin_init(napi_env env, napi_value exports) {
  nk_export(env, exports, "adminNew", admin_new);
  nk_export(env, exports, "adminFree", admin_free);
  nk_export(env, exports, "adminListTopics", list_topics);
  nk_export(env, exports, "adminCreateTopics", create_topics);
  nk_export(env, exports, "adminDeleteTopics", delete_topics);
  nk_export(env, exports, "adminCreatePartitions", create_partitions);
  nk_export(env, exports, "adminFetchTopicMetadata", fetch_topic_metadata);
  nk_export(env, exports, "adminDescribeCluster", describe_cluster);
  nk_export(env, exports, "adminFetchTopicOffsets", fetch_topic_offsets);
  nk_export(env, exports, "adminFetchTopicOffsetsByTimestamp", fetch_topic_offsets_ts);
  nk_export(env, exports, "adminFetchOffsets", fetch_offsets);
  nk_export(env, exports, "adminSetOffsets", set_offsets);
  nk_export(env, exports, "adminResetOffsets", reset_offsets);
  nk_export(env, exports, "adminDeleteTopicRecords", delete_topic_records);
  nk_export(env, exports, "adminListGroups", list_groups);
  nk_export(env, exports, "adminDescribeGroups", describe_groups);
  nk_export(env, exports, "adminDeleteGroups", delete_groups);
  nk_export(env, exports, "adminDescribeConfigs", describe_configs);
  nk_export(env, exports, "adminAlterConfigs", alter_configs);
  nk_export(env, exports, "adminCreateAcls", create_acls);
  nk_export(env, exports, "adminDescribeAcls", describe_acls);
  nk_export(env, exports, "adminDeleteAcls", delete_acls);
  nk_export(env, exports, "adminAlterPartitionReassignments", alter_reassignments);
  nk_export(env, exports, "adminListPartitionReassignments", list_reassignments);
  return exports;
}
