// uvk_admin: the C ABI over lib/client/admin*.
#include <string.h>

#include <new>

#include "capi/client_internal.h"
#include "capi/config.h"
#include "capi/handle_check.h"
#include "capi/sized_options.h"
#include "client/admin_ops.h"
#include "uvkafka/uvkafka.h"

using namespace uvk;

struct uvk_admin {
  uint32_t magic;  // kMagicAdmin; kMagicFreed once uvk_admin_free was called
  uvk_client *client;
  Admin *ad;
  const Allocator *alloc;
  int64_t *listeners;  // ids of the client listeners added through this admin
  size_t n_listeners, cap_listeners;
  DeferredFree free_node;  // queued here when freed from inside a callback
};

namespace {

// Every operation needs a live client; each passes the loop's clock as its `now`.
Admin *usable(uvk_admin *a, const char *call) {
#ifndef NDEBUG
  if (a && a->magic != kMagicAdmin) handle_check_failed(call, "uvk_admin", a, a->magic);
#else
  (void)call;
#endif
  if (!a || a->magic != kMagicAdmin || client_closing(a->client)) return nullptr;
  return a->ad;
}

}  // namespace

// The topic calls: the application's options (any struct_size it was built with) over the
// defaults, so lib/client only ever sees this library's layout.
template <typename Topics, typename Fn>
static int topic_call(const char *call, uvk_admin *admin, Fn fn, const Topics *topics, size_t n,
                      const uvk_admin_topic_options *opts, uvk_admin_results_cb cb, void *ud) {
  uvk_admin_topic_options o;
  uvk_admin_topic_options_init(&o);
  int rc = adopt_sized_options(opts, kTopicOptionsMinSize, &o);
  if (rc != 0) return rc;
  Admin *ad = usable(admin, call);
  if (!ad) return admin ? UVK_ECLOSED : UVK_EINVAL;
  ClientScope scope(admin->client, false);
  return fn(ad, topics, n, &o, cb, ud, client_now(admin->client));
}

extern "C" {

UVK_EXTERN int uvk_admin_new(uvk_client *client, const uvk_config *cfg, uvk_admin **out) {
  if (!client || !out) return UVK_EINVAL;
  *out = nullptr;
  if (client_closing(client)) return UVK_ECLOSED;
  Engine *e = client_engine(client);
  RetryOptions retry = cfg && cfg->retry_explicit ? config_retry_options(cfg) : e->cfg.retry;
  const Allocator *a = client_alloc(client);
  void *mem = mem_alloc(a, sizeof(uvk_admin));
  if (!mem) return UVK_ENOMEM;
  uvk_admin *ad = new (mem) uvk_admin();
  ad->magic = kMagicAdmin;
  ad->client = client;
  ad->alloc = a;
  ad->ad = admin_new(e, retry, a, ad);
  if (!ad->ad) {
    mem_free(a, ad);
    return UVK_ENOMEM;
  }
  client_child_added(client);
  *out = ad;
  return 0;
}

static void release_admin(void *h) {
  uvk_admin *admin = static_cast<uvk_admin *>(h);
  uvk_client *client = admin->client;
  for (size_t i = 0; i < admin->n_listeners; i++) client_off(client, admin->listeners[i]);
  mem_free(admin->alloc, admin->listeners);
  admin_free(admin->ad);  // pending operations: UVK_ECLOSED
  const Allocator *a = admin->alloc;
  admin->~uvk_admin();
  mem_free(a, admin);
  client_child_released(client);
}

UVK_EXTERN void uvk_admin_free(uvk_admin *admin) {
  if (!admin) return;
  UVK_CHECK_HANDLE(admin, kMagicAdmin, "uvk_admin");  // also a second free
  if (admin->magic == kMagicFreed) return;  // a second free while the first waits (NDEBUG)
  admin->magic = kMagicFreed;
  client_free_child(admin->client, &admin->free_node, release_admin, admin);
}

UVK_EXTERN void uvk_admin_new_topic_init(uvk_admin_new_topic *t, const char *topic) {
  if (!t) return;
  memset(t, 0, sizeof *t);
  t->topic = topic;
  t->num_partitions = -1;
  t->replication_factor = -1;
}

UVK_EXTERN void uvk_admin_topic_options_init(uvk_admin_topic_options *o) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  o->struct_size = sizeof *o;
  o->validate_only = 0;
  o->wait_for_leaders = 1;
  o->timeout = 5000;
}

#define UVK_ADMIN_CALL(expr)                          \
  do {                                                \
    Admin *ad_ = usable(admin, __func__);             \
    if (!ad_) return admin ? UVK_ECLOSED : UVK_EINVAL; \
    ClientScope scope_(admin->client, false);         \
    uint64_t now_ = client_now(admin->client);        \
    return (expr);                                    \
  } while (0)

UVK_EXTERN int uvk_admin_create_topics(uvk_admin *admin, const uvk_admin_new_topic *topics, size_t n,
                                       const uvk_admin_topic_options *opts, uvk_admin_results_cb cb, void *ud) {
  return topic_call(__func__, admin, admin_create_topics, topics, n, opts, cb, ud);
}
UVK_EXTERN int uvk_admin_delete_topics(uvk_admin *admin, const char *const *topics, size_t n,
                                       const uvk_admin_topic_options *opts, uvk_admin_results_cb cb, void *ud) {
  return topic_call(__func__, admin, admin_delete_topics, topics, n, opts, cb, ud);
}
UVK_EXTERN int uvk_admin_create_partitions(uvk_admin *admin, const uvk_admin_new_partitions *topics, size_t n,
                                           const uvk_admin_topic_options *opts, uvk_admin_results_cb cb,
                                           void *ud) {
  return topic_call(__func__, admin, admin_create_partitions, topics, n, opts, cb, ud);
}
UVK_EXTERN int uvk_admin_list_topics(uvk_admin *admin, uvk_admin_names_cb cb, void *ud) {
  UVK_ADMIN_CALL(admin_list_topics(ad_, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_fetch_topic_metadata(uvk_admin *admin, const char *const *topics, size_t n,
                                              uvk_admin_metadata_cb cb, void *ud) {
  UVK_ADMIN_CALL(admin_fetch_topic_metadata(ad_, topics, n, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_describe_cluster(uvk_admin *admin, uvk_admin_metadata_cb cb, void *ud) {
  UVK_ADMIN_CALL(admin_describe_cluster(ad_, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_fetch_topic_offsets(uvk_admin *admin, const char *topic, uvk_admin_offsets_cb cb,
                                             void *ud) {
  UVK_ADMIN_CALL(admin_fetch_topic_offsets(ad_, topic, false, 0, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_fetch_topic_offsets_by_timestamp(uvk_admin *admin, const char *topic, int64_t timestamp,
                                                          uvk_admin_offsets_cb cb, void *ud) {
  UVK_ADMIN_CALL(admin_fetch_topic_offsets(ad_, topic, true, timestamp, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_fetch_offsets(uvk_admin *admin, const char *group_id, const char *const *topics,
                                       size_t n_topics, int resolve_offsets, uvk_admin_offsets_cb cb, void *ud) {
  UVK_ADMIN_CALL(admin_fetch_offsets(ad_, group_id, topics, n_topics, resolve_offsets != 0, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_set_offsets(uvk_admin *admin, const char *group_id, const char *topic,
                                     const uvk_admin_seek *partitions, size_t n, uvk_admin_offsets_cb cb,
                                     void *ud) {
  UVK_ADMIN_CALL(admin_set_offsets(ad_, group_id, topic, partitions, n, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_reset_offsets(uvk_admin *admin, const char *group_id, const char *topic, int earliest,
                                       uvk_admin_offsets_cb cb, void *ud) {
  UVK_ADMIN_CALL(admin_reset_offsets(ad_, group_id, topic, earliest != 0, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_delete_topic_records(uvk_admin *admin, const char *topic,
                                              const uvk_admin_seek *partitions, size_t n,
                                              uvk_admin_offsets_cb cb, void *ud) {
  UVK_ADMIN_CALL(admin_delete_topic_records(ad_, topic, partitions, n, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_list_groups(uvk_admin *admin, uvk_admin_groups_cb cb, void *ud) {
  UVK_ADMIN_CALL(admin_list_groups(ad_, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_describe_groups(uvk_admin *admin, const char *const *group_ids, size_t n,
                                         uvk_admin_groups_cb cb, void *ud) {
  UVK_ADMIN_CALL(admin_describe_groups(ad_, group_ids, n, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_delete_groups(uvk_admin *admin, const char *const *group_ids, size_t n,
                                       uvk_admin_results_cb cb, void *ud) {
  UVK_ADMIN_CALL(admin_delete_groups(ad_, group_ids, n, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_describe_share_groups(uvk_admin *admin, const char *const *group_ids, size_t n,
                                               uvk_admin_groups_cb cb, void *ud) {
  UVK_ADMIN_CALL(admin_describe_share_groups(ad_, group_ids, n, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_describe_share_group_offsets(uvk_admin *admin, const char *group_id, const char *topic,
                                                      uvk_admin_offsets_cb cb, void *ud) {
  UVK_ADMIN_CALL(admin_describe_share_group_offsets(ad_, group_id, topic, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_alter_share_group_offsets(uvk_admin *admin, const char *group_id, const char *topic,
                                                   const uvk_admin_seek *partitions, size_t n, uvk_admin_offsets_cb cb,
                                                   void *ud) {
  UVK_ADMIN_CALL(admin_alter_share_group_offsets(ad_, group_id, topic, partitions, n, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_delete_share_group_offsets(uvk_admin *admin, const char *group_id, const char *const *topics,
                                                    size_t n, uvk_admin_results_cb cb, void *ud) {
  UVK_ADMIN_CALL(admin_delete_share_group_offsets(ad_, group_id, topics, n, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_describe_configs(uvk_admin *admin, const uvk_admin_config_resource *resources, size_t n,
                                          int include_synonyms, uvk_admin_configs_cb cb, void *ud) {
  UVK_ADMIN_CALL(admin_describe_configs(ad_, resources, n, include_synonyms != 0, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_alter_configs(uvk_admin *admin, const uvk_admin_config_resource *resources, size_t n,
                                       int validate_only, uvk_admin_results_cb cb, void *ud) {
  UVK_ADMIN_CALL(admin_alter_configs(ad_, resources, n, validate_only != 0, cb, ud, now_));
}

UVK_EXTERN int uvk_admin_incremental_alter_configs(uvk_admin *admin, const uvk_admin_config_change *resources,
                                                   size_t n, int validate_only, uvk_admin_results_cb cb, void *ud) {
  UVK_ADMIN_CALL(admin_incremental_alter_configs(ad_, resources, n, validate_only != 0, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_alter_partition_reassignments(uvk_admin *admin, const uvk_admin_reassignment *r,
                                                       size_t n, int32_t timeout, uvk_admin_partitions_cb cb,
                                                       void *ud) {
  UVK_ADMIN_CALL(admin_alter_partition_reassignments(ad_, r, n, timeout, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_list_partition_reassignments(uvk_admin *admin, const uvk_admin_topic_partitions *topics,
                                                      size_t n, int32_t timeout, uvk_admin_reassignments_cb cb,
                                                      void *ud) {
  UVK_ADMIN_CALL(admin_list_partition_reassignments(ad_, topics, n, timeout, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_elect_leaders(uvk_admin *admin, int election_type, const uvk_admin_topic_partitions *topics,
                                       size_t n, int32_t timeout, uvk_admin_partitions_cb cb, void *ud) {
  UVK_ADMIN_CALL(admin_elect_leaders(ad_, election_type, topics, n, timeout, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_delete_group_offsets(uvk_admin *admin, const char *group_id,
                                              const uvk_admin_topic_partitions *topic, uvk_admin_partitions_cb cb,
                                              void *ud) {
  UVK_ADMIN_CALL(admin_delete_group_offsets(ad_, group_id, topic, cb, ud, now_));
}


// The admin's events are its client's (it has no connections of its own); listeners added
// here are removed with the admin.
UVK_EXTERN int64_t uvk_admin_on(uvk_admin *admin, int type, uvk_event_fn fn, void *ud) {
  UVK_CHECK_HANDLE(admin, kMagicAdmin, "uvk_admin");
  if (!admin || !fn || type < UVK_EVENT_CONNECT || type > UVK_EVENT_REQUEST_QUEUE_SIZE) return UVK_EINVAL;
  if (client_closing(admin->client)) return UVK_ECLOSED;
  if (admin->n_listeners == admin->cap_listeners) {
    size_t cap = admin->cap_listeners ? admin->cap_listeners * 2 : 4;
    auto *grown = static_cast<int64_t *>(mem_alloc(admin->alloc, cap * sizeof(int64_t)));
    if (!grown) return UVK_ENOMEM;
    if (admin->n_listeners) memcpy(grown, admin->listeners, admin->n_listeners * sizeof(int64_t));
    mem_free(admin->alloc, admin->listeners);
    admin->listeners = grown;
    admin->cap_listeners = cap;
  }
  int64_t id = uvk_client_on(admin->client, type, fn, ud);  // the client is not freed: it is not closing
  if (id > 0) admin->listeners[admin->n_listeners++] = id;
  return id;
}

UVK_EXTERN int uvk_admin_off(uvk_admin *admin, int64_t listener) {
  UVK_CHECK_HANDLE(admin, kMagicAdmin, "uvk_admin");
  if (!admin || listener <= 0) return UVK_EINVAL;
  for (size_t i = 0; i < admin->n_listeners; i++) {
    if (admin->listeners[i] != listener) continue;
    admin->listeners[i] = admin->listeners[--admin->n_listeners];
    return client_off(admin->client, listener);
  }
  return UVK_ENOTFOUND;
}

UVK_EXTERN void uvk_acl_filter_init(uvk_acl *f) {
  if (!f) return;
  memset(f, 0, sizeof *f);
  f->resource_type = UVK_ACL_RESOURCE_ANY;
  f->resource_pattern_type = UVK_ACL_PATTERN_ANY;
  f->operation = UVK_ACL_OP_ANY;
  f->permission_type = UVK_ACL_PERMISSION_ANY;
}
UVK_EXTERN int uvk_admin_create_acls(uvk_admin *admin, const uvk_acl *acls, size_t n, uvk_admin_acls_cb cb,
                                     void *ud) {
  UVK_ADMIN_CALL(admin_create_acls(ad_, acls, n, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_describe_acls(uvk_admin *admin, const uvk_acl *filter, uvk_admin_acls_cb cb, void *ud) {
  UVK_ADMIN_CALL(admin_describe_acls(ad_, filter, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_delete_acls(uvk_admin *admin, const uvk_acl *filters, size_t n, uvk_admin_acls_cb cb,
                                     void *ud) {
  UVK_ADMIN_CALL(admin_delete_acls(ad_, filters, n, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_describe_user_scram_credentials(uvk_admin *admin, const char *const *users, size_t n,
                                                         uvk_admin_scram_users_cb cb, void *ud) {
  UVK_ADMIN_CALL(admin_describe_user_scram_credentials(ad_, users, n, cb, ud, now_));
}
UVK_EXTERN int uvk_admin_alter_user_scram_credentials(uvk_admin *admin, const uvk_admin_scram_alteration *alterations,
                                                      size_t n, uvk_admin_results_cb cb, void *ud) {
  UVK_ADMIN_CALL(admin_alter_user_scram_credentials(ad_, alterations, n, cb, ud, now_));
}

}  // extern "C"
