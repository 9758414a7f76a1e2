/* Admin internals shared by admin.c and admin_*.c: completions, argument conversion, and
 * the methods each file adds to the Admin type. */
#ifndef UVKPY_ADMIN_H
#define UVKPY_ADMIN_H

#include "convert.h"

int uvkpy_admin_alive(AdminObject *a);  /* 0 with RuntimeError when closed */
/* rc of the C call: None, or its refusal raised (cb released) */
PyObject *uvkpy_admin_started(int rc, PyObject *cb, const char *what);
/* cb(err, [(name, error, error_message)]) */
void uvkpy_admin_on_results(uvk_admin *a, const uvk_error *err, const uvk_admin_result *rs, size_t n, void *ud);
/* cb(err, [(topic, partition, offset, high, low, metadata, error)]) */
void uvkpy_admin_on_offsets(uvk_admin *a, const uvk_error *err, const uvk_admin_partition_offset *os, size_t n,
                            void *ud);
/* A list of str as a C array (PyMem_Free it); the strings live as long as the list. */
int uvkpy_names(PyObject *list, const char ***out, size_t *n, const char *what);
/* A sequence of int32 in [lo, hi] (None allowed when allow_none: NULL, 0); PyMem_Free it. */
int uvkpy_int32s(PyObject *o, const char *what, long long lo, int allow_none, int32_t **out, size_t *n);

/* [(topic, [partition] or None)] as uvk_admin_topic_partitions. */
typedef struct {
  uvk_admin_topic_partitions *tp;
  size_t n;
} TopicParts;
int uvkpy_topic_parts(PyObject *o, const char *what, TopicParts *out);
void uvkpy_topic_parts_release(TopicParts *t);

/* admin_cluster.c: metadata, cluster, groups */
PyObject *uvkpy_admin_fetch_topic_metadata(AdminObject *self, PyObject *args);
PyObject *uvkpy_admin_describe_cluster(AdminObject *self, PyObject *cb);
PyObject *uvkpy_admin_list_groups(AdminObject *self, PyObject *cb);
PyObject *uvkpy_admin_describe_groups(AdminObject *self, PyObject *args);
/* admin_configs.c */
PyObject *uvkpy_admin_describe_configs(AdminObject *self, PyObject *args);
PyObject *uvkpy_admin_alter_configs(AdminObject *self, PyObject *args);
PyObject *uvkpy_admin_incremental_alter_configs(AdminObject *self, PyObject *args);
/* admin_partitions.c: offsets, records, reassignments, elections */
PyObject *uvkpy_admin_fetch_topic_offsets_by_timestamp(AdminObject *self, PyObject *args);
PyObject *uvkpy_admin_set_offsets(AdminObject *self, PyObject *args);
PyObject *uvkpy_admin_reset_offsets(AdminObject *self, PyObject *args);
PyObject *uvkpy_admin_delete_topic_records(AdminObject *self, PyObject *args);
PyObject *uvkpy_admin_alter_partition_reassignments(AdminObject *self, PyObject *args);
PyObject *uvkpy_admin_list_partition_reassignments(AdminObject *self, PyObject *args);
PyObject *uvkpy_admin_elect_leaders(AdminObject *self, PyObject *args);
PyObject *uvkpy_admin_delete_group_offsets(AdminObject *self, PyObject *args);
/* admin_acls.c: ACLs and SCRAM credentials */
PyObject *uvkpy_admin_create_acls(AdminObject *self, PyObject *args);
PyObject *uvkpy_admin_describe_acls(AdminObject *self, PyObject *args);
PyObject *uvkpy_admin_delete_acls(AdminObject *self, PyObject *args);
PyObject *uvkpy_admin_describe_user_scram_credentials(AdminObject *self, PyObject *args);
PyObject *uvkpy_admin_alter_user_scram_credentials(AdminObject *self, PyObject *args);

#define UVKPY_M(name, flags) {#name, (PyCFunction)uvkpy_admin_##name, flags, NULL},
#define UVKPY_ADMIN_MORE_METHODS                                                                  \
  UVKPY_M(fetch_topic_metadata, METH_VARARGS) UVKPY_M(describe_cluster, METH_O)                   \
  UVKPY_M(list_groups, METH_O) UVKPY_M(describe_groups, METH_VARARGS)                             \
  UVKPY_M(describe_configs, METH_VARARGS) UVKPY_M(alter_configs, METH_VARARGS)                    \
  UVKPY_M(incremental_alter_configs, METH_VARARGS)                                                \
  UVKPY_M(fetch_topic_offsets_by_timestamp, METH_VARARGS) UVKPY_M(set_offsets, METH_VARARGS)      \
  UVKPY_M(reset_offsets, METH_VARARGS) UVKPY_M(delete_topic_records, METH_VARARGS)                \
  UVKPY_M(alter_partition_reassignments, METH_VARARGS)                                            \
  UVKPY_M(list_partition_reassignments, METH_VARARGS) UVKPY_M(elect_leaders, METH_VARARGS)        \
  UVKPY_M(delete_group_offsets, METH_VARARGS) UVKPY_M(create_acls, METH_VARARGS)                  \
  UVKPY_M(describe_acls, METH_VARARGS) UVKPY_M(delete_acls, METH_VARARGS)                         \
  UVKPY_M(describe_user_scram_credentials, METH_VARARGS)                                          \
  UVKPY_M(alter_user_scram_credentials, METH_VARARGS)

#endif
