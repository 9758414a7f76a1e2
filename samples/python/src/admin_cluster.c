/* Admin: topic metadata, the cluster, groups (listed and described). */
#include "admin.h"

static PyObject *ids(size_t n, int32_t (*at)(const uvk_metadata *, size_t, size_t, size_t), const uvk_metadata *md,
                     size_t t, size_t p) {
  PyObject *l = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; l && i < n; i++) {
    PyObject *v = PyLong_FromLong(at(md, t, p, i));
    if (!v) Py_CLEAR(l);
    else PyList_SET_ITEM(l, (Py_ssize_t)i, v);
  }
  return l;
}

/* (cluster_id, controller_id, [(id, host, port)],
 *  [(topic, error, [(partition, leader, replicas, isr, offline, error)])]) */
static PyObject *metadata_tuple(const uvk_metadata *md) {
  size_t nb = uvk_metadata_broker_count(md), nt = uvk_metadata_topic_count(md);
  PyObject *brokers = PyList_New((Py_ssize_t)nb), *topics = PyList_New((Py_ssize_t)nt);
  for (size_t i = 0; brokers && i < nb; i++) {
    PyObject *b = Py_BuildValue("(isi)", uvk_metadata_broker_id(md, i), uvk_metadata_broker_host(md, i),
                                uvk_metadata_broker_port(md, i));
    if (!b) Py_CLEAR(brokers);
    else PyList_SET_ITEM(brokers, (Py_ssize_t)i, b);
  }
  for (size_t t = 0; brokers && topics && t < nt; t++) {
    size_t np = uvk_metadata_partition_count(md, t);
    PyObject *parts = PyList_New((Py_ssize_t)np);
    for (size_t p = 0; parts && p < np; p++) {
      PyObject *e = Py_BuildValue("(iiNNNi)", uvk_metadata_partition_id(md, t, p), uvk_metadata_partition_leader(md, t, p),
                                  ids(uvk_metadata_partition_replica_count(md, t, p), uvk_metadata_partition_replica, md, t, p),
                                  ids(uvk_metadata_partition_isr_count(md, t, p), uvk_metadata_partition_isr, md, t, p),
                                  ids(uvk_metadata_partition_offline_count(md, t, p), uvk_metadata_partition_offline, md, t, p),
                                  uvk_metadata_partition_error(md, t, p));
      if (!e) Py_CLEAR(parts);
      else PyList_SET_ITEM(parts, (Py_ssize_t)p, e);
    }
    PyObject *e = parts ? Py_BuildValue("(siN)", uvk_metadata_topic_name(md, t), uvk_metadata_topic_error(md, t), parts)
                        : NULL;
    if (!e) Py_CLEAR(topics);
    else PyList_SET_ITEM(topics, (Py_ssize_t)t, e);
  }
  if (!brokers || !topics) {
    Py_XDECREF(brokers);
    Py_XDECREF(topics);
    return NULL;
  }
  return Py_BuildValue("(ziNN)", uvk_metadata_cluster_id(md), uvk_metadata_controller_id(md), brokers, topics);
}

static void on_metadata(uvk_admin *a, const uvk_error *err, const uvk_metadata *md, void *ud) {
  (void)a;
  PyObject *v;
  if (md) v = metadata_tuple(md);
  else {
    Py_INCREF(Py_None);
    v = Py_None;
  }
  uvkpy_complete((PyObject *)ud, v ? Py_BuildValue("(NN)", uvkpy_error_tuple(err), v) : NULL);
}

PyObject *uvkpy_admin_fetch_topic_metadata(AdminObject *self, PyObject *args) {
  PyObject *cb, *list;
  if (!PyArg_ParseTuple(args, "OO", &cb, &list) || !uvkpy_admin_alive(self)) return NULL;
  const char **a = NULL;
  size_t n = 0;
  if (list != Py_None && uvkpy_names(list, &a, &n, "topics") < 0) return NULL;
  Py_INCREF(cb);
  int rc = uvk_admin_fetch_topic_metadata(self->admin, a, n, on_metadata, cb);
  PyMem_Free(a);
  return uvkpy_admin_started(rc, cb, "fetch_topic_metadata");
}

PyObject *uvkpy_admin_describe_cluster(AdminObject *self, PyObject *cb) {
  if (!uvkpy_admin_alive(self)) return NULL;
  Py_INCREF(cb);
  return uvkpy_admin_started(uvk_admin_describe_cluster(self->admin, on_metadata, cb), cb, "describe_cluster");
}

static PyObject *topic_partitions(const uvk_topic_partition *tp, size_t n) {
  PyObject *l = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; l && i < n; i++) {
    PyObject *t = Py_BuildValue("(si)", tp[i].topic, tp[i].partition);
    if (!t) Py_CLEAR(l);
    else PyList_SET_ITEM(l, (Py_ssize_t)i, t);
  }
  return l;
}

/* (member_id, client_id, client_host, member_epoch, instance_id, rack_id, assignment,
 *  target_assignment, member_metadata, member_assignment) */
static PyObject *member_tuple(const uvk_group_member_description *m) {
  return Py_BuildValue("(zzzizzNNNN)", m->member_id, m->client_id, m->client_host, m->member_epoch, m->instance_id,
                       m->rack_id, topic_partitions(m->assignment, m->n_assignment),
                       topic_partitions(m->target_assignment, m->n_target_assignment),
                       uvkpy_bytes_or_none(m->member_metadata, m->member_metadata_len),
                       uvkpy_bytes_or_none(m->member_assignment, m->member_assignment_len));
}

/* cb(err, [(group_id, state, protocol_type, protocol, group_protocol, group_epoch,
 *           assignment_epoch, [member])]) */
static void on_groups(uvk_admin *a, const uvk_error *err, const uvk_group_description *gs, size_t n, void *ud) {
  (void)a;
  PyObject *l = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; l && i < n; i++) {
    PyObject *ms = PyList_New((Py_ssize_t)gs[i].n_members);
    for (size_t j = 0; ms && j < gs[i].n_members; j++) {
      PyObject *m = member_tuple(&gs[i].members[j]);
      if (!m) Py_CLEAR(ms);
      else PyList_SET_ITEM(ms, (Py_ssize_t)j, m);
    }
    PyObject *g = ms ? Py_BuildValue("(zzzzziiN)", gs[i].group_id, gs[i].state, gs[i].protocol_type, gs[i].protocol,
                                     gs[i].group_protocol, gs[i].group_epoch, gs[i].assignment_epoch, ms)
                     : NULL;
    if (!g) Py_CLEAR(l);
    else PyList_SET_ITEM(l, (Py_ssize_t)i, g);
  }
  uvkpy_complete((PyObject *)ud, l ? Py_BuildValue("(NN)", uvkpy_error_tuple(err), l) : NULL);
}

PyObject *uvkpy_admin_list_groups(AdminObject *self, PyObject *cb) {
  if (!uvkpy_admin_alive(self)) return NULL;
  Py_INCREF(cb);
  return uvkpy_admin_started(uvk_admin_list_groups(self->admin, on_groups, cb), cb, "list_groups");
}

PyObject *uvkpy_admin_describe_groups(AdminObject *self, PyObject *args) {
  PyObject *cb, *list;
  if (!PyArg_ParseTuple(args, "OO", &cb, &list) || !uvkpy_admin_alive(self)) return NULL;
  const char **a;
  size_t n;
  if (uvkpy_names(list, &a, &n, "group_ids") < 0) return NULL;
  Py_INCREF(cb);
  int rc = uvk_admin_describe_groups(self->admin, a, n, on_groups, cb);
  PyMem_Free(a);
  return uvkpy_admin_started(rc, cb, "describe_groups");
}
