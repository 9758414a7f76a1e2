/* The admin's group, config, ACL and reassignment calls: listGroups, describeGroups,
 * deleteGroups, describeConfigs, alterConfigs, createAcls, describeAcls, deleteAcls,
 * alterPartitionReassignments, listPartitionReassignments. */
#include <string.h>

#include "admin_call.h"

/* adminListGroups(admin, cb) */
static napi_value list_groups(napi_env env, napi_callback_info info) {
  ad_frame f;
  if (!ad_frame_open(env, info, 2, &f)) return NULL;
  ad_req *q = ad_frame_req(&f, 1, 1);
  if (!q) return NULL;
  return ad_frame_end(&f, q, uvk_admin_list_groups(f.na->a, ad_on_groups, q), "listGroups");
}

/* adminDescribeGroups(admin, [groupId], cb) / adminDeleteGroups(admin, [groupId], cb) */
static napi_value groups_call(napi_env env, napi_callback_info info, int del) {
  ad_frame f;
  if (!ad_frame_open(env, info, 3, &f)) return NULL;
  const char **ids = NULL;
  uint32_t n = 0;
  int ok = ad_strings(env, f.a, f.argv[1], "groupIds", NK_MAX_ITEMS, &ids, &n) == 0;
  if (ok && n == 0) ok = ad_fail(env, "groupIds", "must not be empty") == 0;
  ad_req *q = ad_frame_req(&f, ok, 2);
  if (!q) return NULL;
  int rc = del ? uvk_admin_delete_groups(f.na->a, ids, n, ad_on_results, q)
               : uvk_admin_describe_groups(f.na->a, ids, n, ad_on_groups, q);
  return ad_frame_end(&f, q, rc, del ? "deleteGroups" : "describeGroups");
}

static napi_value describe_groups(napi_env env, napi_callback_info info) { return groups_call(env, info, 0); }
static napi_value delete_groups(napi_env env, napi_callback_info info) { return groups_call(env, info, 1); }

/* [{type, name, configNames | configEntries}] */
static int get_resources(ad_frame *f, napi_value v, int alter, uvk_admin_config_resource **out, uint32_t *n) {
  napi_env env = f->env;
  if (ad_array(env, v, "resources", NK_MAX_ITEMS, n) != 0) return -1;
  if (*n == 0) return ad_fail(env, "resources", "must not be empty");
  uvk_admin_config_resource *r = nk_arena_alloc(f->a, *n * sizeof *r);
  if (!r) {
    nk_throw(env, UVK_ENOMEM, NULL);
    return -1;
  }
  char w[96];
  for (uint32_t i = 0; i < *n; i++) {
    napi_value it = ad_elem(env, v, i), x;
    memset(&r[i], 0, sizeof r[i]);
    ad_fmt(w, sizeof w, "resources[%u]", i);
    if (ad_object(env, it, w) != 0) return -1;
    ad_fmt(w, sizeof w, "resources[%u].type", i);
    int32_t type = 0;
    if (ad_i32(env, ad_prop(env, it, "type"), w, 0, 127, &type) != 0) return -1;
    if (type != UVK_RESOURCE_TOPIC && type != UVK_RESOURCE_BROKER && type != UVK_RESOURCE_BROKER_LOGGER)
      return ad_fail(env, w, "must be ConfigResourceTypes.TOPIC, BROKER or BROKER_LOGGER");
    r[i].type = type;
    ad_fmt(w, sizeof w, "resources[%u].name", i);
    if (ad_str(env, f->a, ad_prop(env, it, "name"), w, 0, type == UVK_RESOURCE_BROKER, &r[i].name) != 0) return -1;
    if (!alter) {
      x = ad_prop(env, it, "configNames");
      if (!nk_is_nullish(env, x)) {
        const char **names = NULL;
        uint32_t m = 0;
        ad_fmt(w, sizeof w, "resources[%u].configNames", i);
        if (ad_strings(env, f->a, x, w, NK_MAX_ITEMS, &names, &m) != 0) return -1;
        if (m > 0) {
          r[i].config_names = names;
          r[i].n_config_names = m;
        }
      }
    } else {
      ad_fmt(w, sizeof w, "resources[%u].configEntries", i);
      if (ad_config_entries(env, f->a, ad_prop(env, it, "configEntries"), w, 1, &r[i].config_entries,
                             &r[i].n_config_entries) != 0)
        return -1;
    }
  }
  *out = r;
  return 0;
}

/* adminDescribeConfigs(admin, [{type, name, configNames}], includeSynonyms, cb) */
static napi_value describe_configs(napi_env env, napi_callback_info info) {
  ad_frame f;
  if (!ad_frame_open(env, info, 4, &f)) return NULL;
  uvk_admin_config_resource *r = NULL;
  uint32_t n = 0;
  int syn = 0;
  int ok = get_resources(&f, f.argv[1], 0, &r, &n) == 0 && ad_bool(env, f.argv[2], "includeSynonyms", 0, &syn) == 0;
  ad_req *q = ad_frame_req(&f, ok, 3);
  if (!q) return NULL;
  int rc = uvk_admin_describe_configs(f.na->a, r, n, syn, ad_on_configs, q);
  return ad_frame_end(&f, q, rc, "describeConfigs");
}

/* adminAlterConfigs(admin, [{type, name, configEntries: [{name, value}]}], validateOnly, cb) */
static napi_value alter_configs(napi_env env, napi_callback_info info) {
  ad_frame f;
  if (!ad_frame_open(env, info, 4, &f)) return NULL;
  uvk_admin_config_resource *r = NULL;
  uint32_t n = 0;
  int validate = 0;
  int ok = get_resources(&f, f.argv[1], 1, &r, &n) == 0 && ad_bool(env, f.argv[2], "validateOnly", 0, &validate) == 0;
  ad_req *q = ad_frame_req(&f, ok, 3);
  if (!q) return NULL;
  int rc = uvk_admin_alter_configs(f.na->a, r, n, validate, ad_on_results, q);
  return ad_frame_end(&f, q, rc, "alterConfigs");
}

/* One ACL binding or filter: {resourceType, resourceName, resourcePatternType, principal,
 * host, operation, permissionType}. A binding needs every field concrete. */
static int get_acl(ad_frame *f, napi_value v, const char *what, int filter, uvk_acl *acl) {
  napi_env env = f->env;
  char w[128];
  if (ad_object(env, v, what) != 0) return -1;
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
    ad_fmt(w, sizeof w, "%s.%s", what, ints[i].key);
    if (ad_i32(env, ad_prop(env, v, ints[i].key), w, filter ? ints[i].lo : ints[i].lo_binding, ints[i].hi, &x) != 0)
      return -1;
    *dst[i] = x;
  }
  static const char *const strs[] = {"resourceName", "principal", "host"};
  const char **sdst[] = {&acl->resource_name, &acl->principal, &acl->host};
  for (size_t i = 0; i < 3; i++) {
    ad_fmt(w, sizeof w, "%s.%s", what, strs[i]);
    if (ad_str(env, f->a, ad_prop(env, v, strs[i]), w, filter, 0, sdst[i]) != 0) return -1;
  }
  return 0;
}

static int get_acls(ad_frame *f, napi_value v, const char *what, int filter, uvk_acl **out, uint32_t *n) {
  if (ad_array(f->env, v, what, NK_MAX_ITEMS, n) != 0) return -1;
  if (*n == 0) return ad_fail(f->env, what, "must not be empty");
  uvk_acl *acls = nk_arena_alloc(f->a, *n * sizeof *acls);
  if (!acls) {
    nk_throw(f->env, UVK_ENOMEM, NULL);
    return -1;
  }
  char w[96];
  for (uint32_t i = 0; i < *n; i++) {
    ad_fmt(w, sizeof w, "%s[%u]", what, i);
    if (get_acl(f, ad_elem(f->env, v, i), w, filter, &acls[i]) != 0) return -1;
  }
  *out = acls;
  return 0;
}

/* adminCreateAcls(admin, [acl], cb) */
static napi_value create_acls(napi_env env, napi_callback_info info) {
  ad_frame f;
  if (!ad_frame_open(env, info, 3, &f)) return NULL;
  uvk_acl *acls = NULL;
  uint32_t n = 0;
  int ok = get_acls(&f, f.argv[1], "acl", 0, &acls, &n) == 0;
  ad_req *q = ad_frame_req(&f, ok, 2);
  if (!q) return NULL;
  int rc = uvk_admin_create_acls(f.na->a, acls, n, ad_on_acls, q);
  return ad_frame_end(&f, q, rc, "createAcls");
}

/* adminDescribeAcls(admin, filter, cb) */
static napi_value describe_acls(napi_env env, napi_callback_info info) {
  ad_frame f;
  if (!ad_frame_open(env, info, 3, &f)) return NULL;
  uvk_acl filter;
  int ok = get_acl(&f, f.argv[1], "filter", 1, &filter) == 0;
  ad_req *q = ad_frame_req(&f, ok, 2);
  if (!q) return NULL;
  int rc = uvk_admin_describe_acls(f.na->a, &filter, ad_on_acls, q);
  return ad_frame_end(&f, q, rc, "describeAcls");
}

/* adminDeleteAcls(admin, [filter], cb) */
static napi_value delete_acls(napi_env env, napi_callback_info info) {
  ad_frame f;
  if (!ad_frame_open(env, info, 3, &f)) return NULL;
  uvk_acl *filters = NULL;
  uint32_t n = 0;
  int ok = get_acls(&f, f.argv[1], "filters", 1, &filters, &n) == 0;
  ad_req *q = ad_frame_req(&f, ok, 2);
  if (!q) return NULL;
  int rc = uvk_admin_delete_acls(f.na->a, filters, n, ad_on_acls, q);
  return ad_frame_end(&f, q, rc, "deleteAcls");
}

/* adminAlterPartitionReassignments(admin, [{topic, partitionAssignment: [{partition,
 * replicas}]}], timeout, cb): one uvk_admin_reassignment per partition. */
static napi_value alter_reassignments(napi_env env, napi_callback_info info) {
  ad_frame f;
  if (!ad_frame_open(env, info, 4, &f)) return NULL;
  uint32_t n = 0, total = 0;
  uvk_admin_reassignment *r = NULL;
  int32_t timeout = -1;
  int ok = ad_array(env, f.argv[1], "topics", NK_MAX_ITEMS, &n) == 0;
  if (ok && n == 0) ok = ad_fail(env, "topics", "must not be empty") == 0;
  char w[128];
  /* First pass: shapes and the total number of partitions. */
  for (uint32_t i = 0; ok && i < n; i++) {
    napi_value it = ad_elem(env, f.argv[1], i);
    uint32_t m = 0;
    ad_fmt(w, sizeof w, "topics[%u]", i);
    ok = ad_object(env, it, w) == 0;
    ad_fmt(w, sizeof w, "topics[%u].partitionAssignment", i);
    if (ok) ok = ad_array(env, ad_prop(env, it, "partitionAssignment"), w, NK_MAX_PARTITIONS, &m) == 0;
    if (ok && m == 0) ok = ad_fail(env, w, "must not be empty") == 0;
    total += m;
    if (ok && total > NK_MAX_PARTITIONS) ok = ad_fail(env, "topics", "name too many partitions (at most 100000)") == 0;
  }
  if (ok) {
    r = nk_arena_alloc(f.a, (total ? total : 1) * sizeof *r);
    if (!r) ok = nk_throw(env, UVK_ENOMEM, NULL) != NULL;
  }
  uint32_t k = 0;
  for (uint32_t i = 0; ok && i < n; i++) {
    napi_value it = ad_elem(env, f.argv[1], i), pa;
    const char *topic = NULL;
    ad_fmt(w, sizeof w, "topics[%u].topic", i);
    if (ad_str(env, f.a, ad_prop(env, it, "topic"), w, 0, 0, &topic) != 0) {
      ok = 0;
      break;
    }
    pa = ad_prop(env, it, "partitionAssignment");
    uint32_t m = 0;
    napi_get_array_length(env, pa, &m);
    for (uint32_t j = 0; ok && j < m && k < total; j++, k++) {
      napi_value e = ad_elem(env, pa, j);
      r[k].topic = topic;
      ad_fmt(w, sizeof w, "topics[%u].partitionAssignment[%u]", i, j);
      if (ad_object(env, e, w) != 0) {
        ok = 0;
        break;
      }
      ad_fmt(w, sizeof w, "topics[%u].partitionAssignment[%u].partition", i, j);
      if (ad_i32(env, ad_prop(env, e, "partition"), w, 0, INT32_MAX, &r[k].partition) != 0) ok = 0;
      ad_fmt(w, sizeof w, "topics[%u].partitionAssignment[%u].replicas", i, j);
      napi_value rv = ok ? ad_prop(env, e, "replicas") : NULL;
      r[k].replicas = NULL;
      r[k].n_replicas = 0;
      /* null replicas: cancel the partition's reassignment in progress */
      if (ok && !nk_is_nullish(env, rv) && ad_broker_ids(env, f.a, rv, w, &r[k].replicas, &r[k].n_replicas) != 0)
        ok = 0;
    }
  }
  if (ok && k != total) ok = ad_fail(env, "topics", "changed while being read") == 0;
  if (ok) ok = ad_timeout(env, f.argv[2], &timeout) == 0;
  ad_req *q = ad_frame_req(&f, ok, 3);
  if (!q) return NULL;
  int rc = uvk_admin_alter_partition_reassignments(f.na->a, r, total, timeout, ad_on_partition_results, q);
  return ad_frame_end(&f, q, rc, "alterPartitionReassignments");
}

/* adminListPartitionReassignments(admin, [{topic, partitions: [id]}] | null, timeout, cb) */
static napi_value list_reassignments(napi_env env, napi_callback_info info) {
  ad_frame f;
  if (!ad_frame_open(env, info, 4, &f)) return NULL;
  uint32_t n = 0;
  uvk_admin_topic_partitions *t = NULL;
  int32_t timeout = -1;
  int ok = 1;
  char w[128];
  if (!nk_is_nullish(env, f.argv[1])) {
    ok = ad_array(env, f.argv[1], "topics", NK_MAX_ITEMS, &n) == 0;
    if (ok && n > 0) {
      t = nk_arena_alloc(f.a, n * sizeof *t);
      if (!t) ok = nk_throw(env, UVK_ENOMEM, NULL) != NULL;
    }
    for (uint32_t i = 0; ok && i < n; i++) {
      napi_value it = ad_elem(env, f.argv[1], i);
      memset(&t[i], 0, sizeof t[i]);
      ad_fmt(w, sizeof w, "topics[%u]", i);
      if (ad_object(env, it, w) != 0) {
        ok = 0;
        break;
      }
      ad_fmt(w, sizeof w, "topics[%u].topic", i);
      if (ad_str(env, f.a, ad_prop(env, it, "topic"), w, 0, 0, &t[i].topic) != 0) {
        ok = 0;
        break;
      }
      napi_value pv = ad_prop(env, it, "partitions");
      uint32_t m = 0;
      ad_fmt(w, sizeof w, "topics[%u].partitions", i);
      if (ad_array(env, pv, w, NK_MAX_PARTITIONS, &m) != 0) {
        ok = 0;
        break;
      }
      int32_t *ids = nk_arena_alloc(f.a, (m ? m : 1) * sizeof *ids);
      if (!ids) {
        ok = nk_throw(env, UVK_ENOMEM, NULL) != NULL;
        break;
      }
      for (uint32_t j = 0; ok && j < m; j++) {
        ad_fmt(w, sizeof w, "topics[%u].partitions[%u]", i, j);
        if (ad_i32(env, ad_elem(env, pv, j), w, 0, INT32_MAX, &ids[j]) != 0) ok = 0;
      }
      t[i].partitions = m ? ids : NULL;
      t[i].n_partitions = m;
    }
  }
  if (ok) ok = ad_timeout(env, f.argv[2], &timeout) == 0;
  ad_req *q = ad_frame_req(&f, ok, 3);
  if (!q) return NULL;
  int rc = uvk_admin_list_partition_reassignments(f.na->a, n ? t : NULL, n, timeout, ad_on_reassignments, q);
  return ad_frame_end(&f, q, rc, "listPartitionReassignments");
}

void ad_groups_init(napi_env env, napi_value exports) {
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
}
