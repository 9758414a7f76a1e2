/* The admin client's own internals, shared by admin.c (the admin handle, requests,
 * completions, frames), admin_args.c (argument readers) and the calls of admin_topics.c and
 * admin_groups.c. Not used outside the admin. */
#ifndef NK_ADMIN_CALL_H
#define NK_ADMIN_CALL_H

#include "admin.h"

#define NK_MAX_ITEMS 10000u       /* topics, groups, resources, ACLs, config entries per call */
#define NK_MAX_PARTITIONS 100000u /* partitions per call */
#define NK_MAX_REPLICAS 1024u     /* broker ids of one assignment */
#define NK_MAX_OFFSET_TOPICS 64u  /* fetchOffsets (uvk_admin_fetch_offsets' limit) */
#define NK_MAX_STR 32767u         /* a Kafka STRING */

typedef struct nk_admin {
  nk_client *nc;
  uvk_admin *a;
} nk_admin;

/* ---- argument readers (admin_args.c; each throws naming `what` and returns -1 on refusal) ---- */
/* snprintf for argument names and messages (truncation is fine: they are only shown). */
__attribute__((format(printf, 3, 4))) void ad_fmt(char *buf, size_t cap, const char *f, ...);
int ad_is_type(napi_env env, napi_value v, napi_valuetype want);
int ad_fail(napi_env env, const char *what, const char *why);
int ad_array(napi_env env, napi_value v, const char *what, uint32_t max, uint32_t *n);
int ad_object(napi_env env, napi_value v, const char *what);
napi_value ad_prop(napi_env env, napi_value obj, const char *key);
napi_value ad_elem(napi_env env, napi_value arr, uint32_t i);
/* A string copied into the arena. nullable: null / undefined give *out NULL. Empty strings
 * are refused unless allow_empty. */
int ad_str(napi_env env, nk_arena *a, napi_value v, const char *what, int nullable, int allow_empty,
           const char **out);
int ad_bool(napi_env env, napi_value v, const char *what, int def, int *out);
int ad_i32(napi_env env, napi_value v, const char *what, int64_t lo, int64_t hi, int32_t *out);
/* An array of non-empty strings into the arena. */
int ad_strings(napi_env env, nk_arena *a, napi_value v, const char *what, uint32_t max, const char ***out,
               uint32_t *n);
int ad_broker_ids(napi_env env, nk_arena *a, napi_value v, const char *what, const int32_t **out, size_t *n);
/* [{name, value}] config entries; value null allowed when nullable_value. */
int ad_config_entries(napi_env env, nk_arena *a, napi_value v, const char *what, int nullable_value,
                      const uvk_admin_config_entry **out, size_t *n);
/* The reassignment timeout: null -> -1 (the library's 5000 ms). */
int ad_timeout(napi_env env, napi_value v, int32_t *out);

/* ---- requests and frames (admin.c) ---- */
typedef struct ad_req {
  nk_req *r;
  napi_ref handle; /* the admin's external: not collected while a call is pending */
} ad_req;

/* A call's frame: arguments, the admin, an arena for the inputs. */
#define NK_MAX_ARGS 8
typedef struct ad_frame {
  napi_env env;
  napi_value argv[NK_MAX_ARGS];
  size_t argc;
  nk_admin *na;
  nk_arena *a;
} ad_frame;

/* Reads `want` arguments (the admin first, the callback last); 0 and an exception when the
 * admin is not one or is closed. */
int ad_frame_open(napi_env env, napi_callback_info info, size_t want, ad_frame *f);
/* The request for the callback argv[cb_index] once the arguments were read (ok); NULL when
 * they were not or it cannot be made: the frame's arena is freed, an exception pending. */
ad_req *ad_frame_req(ad_frame *f, int ok, size_t cb_index);
/* After the uvk_admin_* call that returned rc: the arena freed (the library copied what it
 * keeps); rc 0, the request belongs to the library now; else it is freed and the refusal
 * thrown, naming op. */
napi_value ad_frame_end(ad_frame *f, ad_req *q, int rc, const char *op);

/* Completions: the result as admin_results.c shapes it, then the node-style callback. */
void ad_on_results(uvk_admin *admin, const uvk_error *err, const uvk_admin_result *results, size_t n, void *ud);
void ad_on_offsets(uvk_admin *admin, const uvk_error *err, const uvk_admin_partition_offset *o, size_t n,
                   void *ud);
void ad_on_names(uvk_admin *admin, const uvk_error *err, const char *const *names, size_t n, void *ud);
void ad_on_metadata(uvk_admin *admin, const uvk_error *err, const uvk_metadata *md, void *ud);
void ad_on_groups(uvk_admin *admin, const uvk_error *err, const uvk_group_description *g, size_t n, void *ud);
void ad_on_configs(uvk_admin *admin, const uvk_error *err, const uvk_admin_described_resource *r, size_t n,
                   void *ud);
void ad_on_acls(uvk_admin *admin, const uvk_error *err, const uvk_admin_acl_result *a, size_t n, void *ud);
void ad_on_partition_results(uvk_admin *admin, const uvk_error *err, const uvk_admin_partition_result *r,
                             size_t n, void *ud);
void ad_on_reassignments(uvk_admin *admin, const uvk_error *err, const uvk_admin_reassignment_state *r,
                         size_t n, void *ud);

/* The calls' exports: topics, partitions and offsets (admin_topics.c); groups, configs, ACLs
 * and reassignments (admin_groups.c). */
void ad_topics_init(napi_env env, napi_value exports);
void ad_groups_init(napi_env env, napi_value exports);

#endif /* NK_ADMIN_CALL_H */
