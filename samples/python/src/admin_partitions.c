/* Admin: offsets by timestamp, set / reset group offsets, delete records, partition
 * reassignments, leader elections, deleting a group's offsets. */
#include "admin.h"

/* [(partition, offset)] as uvk_admin_seek (offset >= lo). */
static int seeks(PyObject *o, long long lo, uvk_admin_seek **out, size_t *n) {
  *out = NULL;
  *n = 0;
  PyObject *seq = PySequence_Fast(o, "");
  if (!seq) {
    PyErr_Clear();
    PyErr_SetString(PyExc_TypeError, "partitions must be a list of (partition, offset)");
    return -1;
  }
  Py_ssize_t k = PySequence_Fast_GET_SIZE(seq);
  uvk_admin_seek *s = (uvk_admin_seek *)PyMem_Calloc(k ? (size_t)k : 1, sizeof *s);
  for (Py_ssize_t i = 0; s && i < k; i++) {
    PyObject *t = PySequence_Fast_GET_ITEM(seq, i);
    long long p, off;
    if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 2) {
      PyErr_SetString(PyExc_TypeError, "partitions must be a list of (partition, offset)");
      break;
    }
    if (uvkpy_int64(PyTuple_GET_ITEM(t, 0), "partition", 0, INT32_MAX, &p) < 0 ||
        uvkpy_int64(PyTuple_GET_ITEM(t, 1), "offset", lo, INT64_MAX, &off) < 0)
      break;
    s[i].partition = (int32_t)p;
    s[i].offset = (int64_t)off;
  }
  Py_DECREF(seq);
  if (!s) PyErr_NoMemory();
  if (PyErr_Occurred()) {
    PyMem_Free(s);
    return -1;
  }
  *out = s;
  *n = (size_t)k;
  return 0;
}

PyObject *uvkpy_admin_fetch_topic_offsets_by_timestamp(AdminObject *self, PyObject *args) {
  PyObject *cb, *to, *tso;
  if (!PyArg_ParseTuple(args, "OOO", &cb, &to, &tso) || !uvkpy_admin_alive(self)) return NULL;
  const char *t = uvkpy_str(to, "topic");
  long long ts;
  if (!t || uvkpy_int64(tso, "timestamp", 0, INT64_MAX, &ts) < 0) return NULL;
  Py_INCREF(cb);
  return uvkpy_admin_started(
      uvk_admin_fetch_topic_offsets_by_timestamp(self->admin, t, (int64_t)ts, uvkpy_admin_on_offsets, cb), cb,
      "fetch_topic_offsets_by_timestamp");
}

PyObject *uvkpy_admin_set_offsets(AdminObject *self, PyObject *args) {
  PyObject *cb, *go, *to, *list;
  if (!PyArg_ParseTuple(args, "OOOO", &cb, &go, &to, &list) || !uvkpy_admin_alive(self)) return NULL;
  const char *g = uvkpy_str(go, "group_id"), *t = g ? uvkpy_str(to, "topic") : NULL;
  uvk_admin_seek *s;
  size_t n;
  if (!t || seeks(list, 0, &s, &n) < 0) return NULL;
  Py_INCREF(cb);
  int rc = uvk_admin_set_offsets(self->admin, g, t, s, n, uvkpy_admin_on_offsets, cb);
  PyMem_Free(s);
  return uvkpy_admin_started(rc, cb, "set_offsets");
}

PyObject *uvkpy_admin_reset_offsets(AdminObject *self, PyObject *args) {
  PyObject *cb, *go, *to;
  int earliest;
  if (!PyArg_ParseTuple(args, "OOOp", &cb, &go, &to, &earliest) || !uvkpy_admin_alive(self)) return NULL;
  const char *g = uvkpy_str(go, "group_id"), *t = g ? uvkpy_str(to, "topic") : NULL;
  if (!t) return NULL;
  Py_INCREF(cb);
  return uvkpy_admin_started(uvk_admin_reset_offsets(self->admin, g, t, earliest, uvkpy_admin_on_offsets, cb), cb,
                             "reset_offsets");
}

PyObject *uvkpy_admin_delete_topic_records(AdminObject *self, PyObject *args) {
  PyObject *cb, *to, *list;
  if (!PyArg_ParseTuple(args, "OOO", &cb, &to, &list) || !uvkpy_admin_alive(self)) return NULL;
  const char *t = uvkpy_str(to, "topic");
  uvk_admin_seek *s;
  size_t n;
  if (!t || seeks(list, -1, &s, &n) < 0) return NULL;
  Py_INCREF(cb);
  int rc = uvk_admin_delete_topic_records(self->admin, t, s, n, uvkpy_admin_on_offsets, cb);
  PyMem_Free(s);
  return uvkpy_admin_started(rc, cb, "delete_topic_records");
}

/* cb(err, [(topic, partition, error, error_message)]) */
static void on_partitions(uvk_admin *a, const uvk_error *err, const uvk_admin_partition_result *rs, size_t n,
                          void *ud) {
  (void)a;
  PyObject *l = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; l && i < n; i++) {
    PyObject *t = Py_BuildValue("(siiz)", rs[i].topic, rs[i].partition, rs[i].error, rs[i].error_message);
    if (!t) Py_CLEAR(l);
    else PyList_SET_ITEM(l, (Py_ssize_t)i, t);
  }
  uvkpy_complete((PyObject *)ud, l ? Py_BuildValue("(NN)", uvkpy_error_tuple(err), l) : NULL);
}

static int timeout_arg(long long t, int32_t *out) {
  if (t < -1 || t > INT32_MAX) {
    PyErr_SetString(PyExc_ValueError, "timeout_ms must be in [-1, 2147483647]");
    return -1;
  }
  *out = (int32_t)t;
  return 0;
}

/* alter_partition_reassignments(cb, [(topic, partition, [replicas] | None)], timeout) */
PyObject *uvkpy_admin_alter_partition_reassignments(AdminObject *self, PyObject *args) {
  PyObject *cb, *list;
  long long tl;
  int32_t timeout;
  if (!PyArg_ParseTuple(args, "OOL", &cb, &list, &tl) || !uvkpy_admin_alive(self) || timeout_arg(tl, &timeout) < 0)
    return NULL;
  PyObject *seq = PySequence_Fast(list, "reassignments must be a list of (topic, partition, replicas)");
  if (!seq) return NULL;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  uvk_admin_reassignment *r = (uvk_admin_reassignment *)PyMem_Calloc(n ? (size_t)n : 1, sizeof *r);
  Py_ssize_t done = 0;
  int rc = 0;
  if (!r) PyErr_NoMemory();
  for (; r && done < n; done++) {
    PyObject *t = PySequence_Fast_GET_ITEM(seq, done);
    long long p;
    int32_t *reps;
    if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 3) {
      PyErr_SetString(PyExc_TypeError, "reassignments must be a list of (topic, partition, replicas)");
      break;
    }
    r[done].topic = uvkpy_str(PyTuple_GET_ITEM(t, 0), "topic");
    if (!r[done].topic || uvkpy_int64(PyTuple_GET_ITEM(t, 1), "partition", 0, INT32_MAX, &p) < 0 ||
        uvkpy_int32s(PyTuple_GET_ITEM(t, 2), "replicas", 0, 1, &reps, &r[done].n_replicas) < 0)
      break;
    r[done].partition = (int32_t)p;
    r[done].replicas = reps;
  }
  if (!PyErr_Occurred()) {
    Py_INCREF(cb);
    rc = uvk_admin_alter_partition_reassignments(self->admin, r, (size_t)n, timeout, on_partitions, cb);
    if (rc != 0) Py_DECREF(cb);
  }
  for (Py_ssize_t i = 0; r && i < done; i++) PyMem_Free((void *)r[i].replicas);
  PyMem_Free(r);
  Py_DECREF(seq);
  if (PyErr_Occurred()) return NULL;
  if (rc != 0) return uvkpy_refused(rc, "alter_partition_reassignments");
  Py_RETURN_NONE;
}

static PyObject *int_list(const int32_t *a, size_t n) {
  PyObject *l = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; l && i < n; i++) {
    PyObject *v = PyLong_FromLong(a[i]);
    if (!v) Py_CLEAR(l);
    else PyList_SET_ITEM(l, (Py_ssize_t)i, v);
  }
  return l;
}

/* cb(err, [(topic, partition, replicas, adding, removing)]) */
static void on_reassignments(uvk_admin *a, const uvk_error *err, const uvk_admin_reassignment_state *rs, size_t n,
                             void *ud) {
  (void)a;
  PyObject *l = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; l && i < n; i++) {
    PyObject *t = Py_BuildValue("(siNNN)", rs[i].topic, rs[i].partition, int_list(rs[i].replicas, rs[i].n_replicas),
                                int_list(rs[i].adding_replicas, rs[i].n_adding_replicas),
                                int_list(rs[i].removing_replicas, rs[i].n_removing_replicas));
    if (!t) Py_CLEAR(l);
    else PyList_SET_ITEM(l, (Py_ssize_t)i, t);
  }
  uvkpy_complete((PyObject *)ud, l ? Py_BuildValue("(NN)", uvkpy_error_tuple(err), l) : NULL);
}

/* list_partition_reassignments(cb, [(topic, partitions)] | None, timeout) */
PyObject *uvkpy_admin_list_partition_reassignments(AdminObject *self, PyObject *args) {
  PyObject *cb, *list;
  long long tl;
  int32_t timeout;
  if (!PyArg_ParseTuple(args, "OOL", &cb, &list, &tl) || !uvkpy_admin_alive(self) || timeout_arg(tl, &timeout) < 0)
    return NULL;
  TopicParts tp = {NULL, 0};
  if (list != Py_None && uvkpy_topic_parts(list, "topics", &tp) < 0) return NULL;
  Py_INCREF(cb);
  int rc = uvk_admin_list_partition_reassignments(self->admin, list == Py_None ? NULL : tp.tp, tp.n, timeout,
                                                  on_reassignments, cb);
  uvkpy_topic_parts_release(&tp);
  return uvkpy_admin_started(rc, cb, "list_partition_reassignments");
}

/* elect_leaders(cb, election_type, [(topic, partitions)] | None, timeout) */
PyObject *uvkpy_admin_elect_leaders(AdminObject *self, PyObject *args) {
  PyObject *cb, *list;
  int type;
  long long tl;
  int32_t timeout;
  if (!PyArg_ParseTuple(args, "OiOL", &cb, &type, &list, &tl) || !uvkpy_admin_alive(self) ||
      timeout_arg(tl, &timeout) < 0)
    return NULL;
  TopicParts tp = {NULL, 0};
  if (list != Py_None && uvkpy_topic_parts(list, "topics", &tp) < 0) return NULL;
  Py_INCREF(cb);
  int rc = uvk_admin_elect_leaders(self->admin, type, list == Py_None ? NULL : tp.tp, tp.n, timeout, on_partitions, cb);
  uvkpy_topic_parts_release(&tp);
  return uvkpy_admin_started(rc, cb, "elect_leaders");
}

/* delete_group_offsets(cb, group_id, topic, [partitions] | None) */
PyObject *uvkpy_admin_delete_group_offsets(AdminObject *self, PyObject *args) {
  PyObject *cb, *go, *to, *parts;
  if (!PyArg_ParseTuple(args, "OOOO", &cb, &go, &to, &parts) || !uvkpy_admin_alive(self)) return NULL;
  const char *g = uvkpy_str(go, "group_id");
  uvk_admin_topic_partitions tp = {0};
  tp.topic = g ? uvkpy_str(to, "topic") : NULL;
  int32_t *ps;
  if (!tp.topic || uvkpy_int32s(parts, "partitions", 0, 1, &ps, &tp.n_partitions) < 0) return NULL;
  tp.partitions = ps;
  Py_INCREF(cb);
  int rc = uvk_admin_delete_group_offsets(self->admin, g, &tp, on_partitions, cb);
  PyMem_Free(ps);
  return uvkpy_admin_started(rc, cb, "delete_group_offsets");
}
