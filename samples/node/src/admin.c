/* The admin client: adminNew / adminFree, the requests behind every uvk_admin_* call, their
 * completions and the frame a call reads its arguments into. Every argument is read as
 * hostile (admin_args.c) and a refusal throws before anything is sent, naming the argument.
 * Inputs are copied into an arena that lives until the call returns (uvk_admin_* copies what
 * it keeps); results come back through a node-style callback (err, result), where result is
 * given even with err when single items failed. The calls: admin_topics.c, admin_groups.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_call.h"

static const char tag_admin[] = "uvkafka.admin";

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

/* ---- requests ---- */

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

static napi_value started(napi_env env, ad_req *q, int rc, const char *op) {
  if (rc == 0) return nk_undefined(env);
  req_free(q);
  char msg[200];
  if (rc == UVK_ECLOSED)
    ad_fmt(msg, sizeof msg, "%s: the admin's client is disconnected", op);
  else
    ad_fmt(msg, sizeof msg, "%s: %s", op, uvk_strerror(rc));
  return nk_throw(env, rc, msg);
}

/* ---- completions ---- */
void ad_on_results(uvk_admin *admin, const uvk_error *err, const uvk_admin_result *results, size_t n, void *ud) {
  (void)admin;
  ad_req *q = ud;
  napi_handle_scope scope;
  if (!req_open(q, &scope)) return;
  req_finish(q, scope, err, nk_admin_results(q->r->nc->env, results, n));
}

void ad_on_offsets(uvk_admin *admin, const uvk_error *err, const uvk_admin_partition_offset *o, size_t n,
                       void *ud) {
  (void)admin;
  ad_req *q = ud;
  napi_handle_scope scope;
  if (!req_open(q, &scope)) return;
  req_finish(q, scope, err, nk_admin_offsets(q->r->nc->env, o, n));
}

void ad_on_names(uvk_admin *admin, const uvk_error *err, const char *const *names, size_t n, void *ud) {
  (void)admin;
  ad_req *q = ud;
  napi_handle_scope scope;
  if (!req_open(q, &scope)) return;
  req_finish(q, scope, err, nk_str_array(q->r->nc->env, names, n));
}

void ad_on_metadata(uvk_admin *admin, const uvk_error *err, const uvk_metadata *md, void *ud) {
  (void)admin;
  ad_req *q = ud;
  napi_handle_scope scope;
  if (!req_open(q, &scope)) return;
  req_finish(q, scope, err, nk_admin_metadata(q->r->nc->env, md));
}

void ad_on_groups(uvk_admin *admin, const uvk_error *err, const uvk_group_description *g, size_t n, void *ud) {
  (void)admin;
  ad_req *q = ud;
  napi_handle_scope scope;
  if (!req_open(q, &scope)) return;
  req_finish(q, scope, err, nk_admin_groups(q->r->nc->env, g, n));
}

void ad_on_configs(uvk_admin *admin, const uvk_error *err, const uvk_admin_described_resource *r, size_t n,
                       void *ud) {
  (void)admin;
  ad_req *q = ud;
  napi_handle_scope scope;
  if (!req_open(q, &scope)) return;
  req_finish(q, scope, err, nk_admin_configs(q->r->nc->env, r, n));
}

void ad_on_acls(uvk_admin *admin, const uvk_error *err, const uvk_admin_acl_result *a, size_t n, void *ud) {
  (void)admin;
  ad_req *q = ud;
  napi_handle_scope scope;
  if (!req_open(q, &scope)) return;
  req_finish(q, scope, err, nk_admin_acls(q->r->nc->env, a, n));
}

void ad_on_partition_results(uvk_admin *admin, const uvk_error *err, const uvk_admin_partition_result *r,
                                 size_t n, void *ud) {
  (void)admin;
  ad_req *q = ud;
  napi_handle_scope scope;
  if (!req_open(q, &scope)) return;
  req_finish(q, scope, err, nk_admin_partition_results(q->r->nc->env, r, n));
}

void ad_on_reassignments(uvk_admin *admin, const uvk_error *err, const uvk_admin_reassignment_state *r,
                             size_t n, void *ud) {
  (void)admin;
  ad_req *q = ud;
  napi_handle_scope scope;
  if (!req_open(q, &scope)) return;
  req_finish(q, scope, err, nk_admin_reassignments(q->r->nc->env, r, n));
}

/* ---- a call's frame ---- */
int ad_frame_open(napi_env env, napi_callback_info info, size_t want, ad_frame *f) {
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
  if (!ad_is_type(env, f->argv[want - 1], napi_function)) {
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

ad_req *ad_frame_req(ad_frame *f, int ok, size_t cb_index) {
  ad_req *q = ok ? req_new(f->env, f->na, f->argv[0], f->argv[cb_index]) : NULL;
  if (!q) nk_arena_free(f->a);
  return q;
}

napi_value ad_frame_end(ad_frame *f, ad_req *q, int rc, const char *op) {
  nk_arena_free(f->a);
  return started(f->env, q, rc, op);
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

napi_value nk_admin_init(napi_env env, napi_value exports) {
  nk_export(env, exports, "adminNew", admin_new);
  nk_export(env, exports, "adminFree", admin_free);
  ad_topics_init(env, exports);
  ad_groups_init(env, exports);
  return exports;
}
