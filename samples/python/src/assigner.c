/* Custom assigners in Python: fn(members, topics) -> {member_id: [(topic, partition)]}, where
 * members is [(member_id, version, subscribed topics, user_data)] and topics {topic: number
 * of partitions}. The library calls it on the group leader inside a step, mid-join: while it
 * runs, the calls that partitioners may not make are refused too (uvkpy_partitioning). A
 * function that raises or answers badly fails that join (retried like a group error); its
 * exception is kept for the step to raise. */
#include "convert.h"

#define MAX_ASSIGNERS 4

typedef struct {
  PyObject *fn;
  int version;
} Assigner;

static PyObject *members_list(const uvk_group_member *ms, size_t n) {
  PyObject *l = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; l && i < n; i++) {
    int err = 0;
    uvk_member_metadata *md = uvk_member_metadata_decode(ms[i].metadata, ms[i].metadata_len, &err);
    PyObject *topics = PyList_New(md ? (Py_ssize_t)md->n_topics : 0);
    for (size_t j = 0; md && topics && j < md->n_topics; j++) {
      PyObject *t = PyUnicode_FromString(md->topics[j]);
      if (!t) Py_CLEAR(topics);
      else PyList_SET_ITEM(topics, (Py_ssize_t)j, t);
    }
    PyObject *m = topics ? Py_BuildValue("(siNN)", ms[i].member_id, md ? md->version : -1, topics,
                                         md ? uvkpy_bytes_or_none(md->user_data, md->user_data_len)
                                            : (Py_INCREF(Py_None), Py_None))
                         : NULL;
    uvk_member_metadata_free(md);
    if (!m) Py_CLEAR(l);
    else PyList_SET_ITEM(l, (Py_ssize_t)i, m);
  }
  return l;
}

/* One member's answer: a sequence of (topic, partition). */
static int set_member(uvk_assignment_builder *out, PyObject *member, PyObject *parts, int version) {
  const char *mid = uvkpy_str(member, "assignment member id");
  if (!mid) return -1;
  PyObject *seq = PySequence_Fast(parts, "an assignment must be a list of (topic, partition)");
  if (!seq) return -1;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  uvk_topic_partition *tp = (uvk_topic_partition *)PyMem_Calloc(n ? (size_t)n : 1, sizeof *tp);
  int rc = tp ? 0 : -1;
  if (!tp) PyErr_NoMemory();
  for (Py_ssize_t i = 0; tp && i < n; i++) {
    PyObject *t = PySequence_Fast_GET_ITEM(seq, i);
    long long p;
    if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 2) {
      PyErr_SetString(PyExc_TypeError, "an assignment must be a list of (topic, partition)");
      rc = -1;
      break;
    }
    tp[i].topic = uvkpy_str(PyTuple_GET_ITEM(t, 0), "assignment topic");
    if (!tp[i].topic || uvkpy_int64(PyTuple_GET_ITEM(t, 1), "assignment partition", 0, INT32_MAX, &p) < 0) {
      rc = -1;
      break;
    }
    tp[i].partition = (int32_t)p;
  }
  if (rc == 0 && uvk_assignment_set_partitions(out, mid, version, tp, (size_t)n, NULL, 0) != 0) {
    PyErr_SetString(PyExc_ValueError, "the assignment was refused by the library");
    rc = -1;
  }
  PyMem_Free(tp);
  Py_DECREF(seq);
  return rc;
}

static int call_assigner(void *ud, const uvk_group_member *members, size_t n_members, const uvk_assign_topic *topics,
                         size_t n_topics, uvk_assignment_builder *out) {
  Assigner *a = (Assigner *)ud;
  PyObject *ms = members_list(members, n_members), *ts = PyDict_New(), *r = NULL;
  for (size_t i = 0; ms && ts && i < n_topics; i++) {
    PyObject *v = PyLong_FromLong(topics[i].n_partitions);
    if (!v || PyDict_SetItemString(ts, topics[i].topic, v) < 0) Py_CLEAR(ts);
    Py_XDECREF(v);
  }
  if (ms && ts) {
    uvkpy_partitioning++;
    r = PyObject_CallFunctionObjArgs(a->fn, ms, ts, NULL);
    uvkpy_partitioning--;
  }
  Py_XDECREF(ms);
  Py_XDECREF(ts);
  int rc = r ? 0 : -1;
  if (r && !PyDict_Check(r)) {
    PyErr_Format(PyExc_TypeError, "an assigner must return a dict of member id to [(topic, partition)], not %.80s",
                 Py_TYPE(r)->tp_name);
    rc = -1;
  }
  PyObject *k, *v;
  Py_ssize_t pos = 0;
  while (rc == 0 && PyDict_Next(r, &pos, &k, &v))
    if (set_member(out, k, v, a->version) < 0) rc = -1;
  Py_XDECREF(r);
  if (rc != 0) {
    uvkpy_keep_exception();
    return UVK_EINVAL;
  }
  return 0;
}

/* add_assigner(name, version, user_data, fn): before run. The assigner record lives as long
 * as the consumer object (the library keeps the pointer). */
PyObject *uvkpy_add_assigner(ConsumerObject *self, PyObject *args) {
  PyObject *name, *ver, *ud, *fn;
  if (!PyArg_ParseTuple(args, "OOOO", &name, &ver, &ud, &fn)) return NULL;
  if (!self->consumer) {
    PyErr_SetString(PyExc_RuntimeError, "the consumer is closed");
    return NULL;
  }
  const char *n = uvkpy_str(name, "assigner name");
  long long v;
  Bytes b;
  if (!n || uvkpy_int64(ver, "assigner version", 0, 32767, &v) < 0) return NULL;
  if (!PyCallable_Check(fn)) {
    PyErr_Format(PyExc_TypeError, "assigner must be callable, not %.80s", Py_TYPE(fn)->tp_name);
    return NULL;
  }
  if (self->n_assigners >= MAX_ASSIGNERS) {
    PyErr_SetString(PyExc_ValueError, "at most 4 custom assigners");
    return NULL;
  }
  if (uvkpy_bytes(ud, &b, "assigner user_data") < 0) return NULL;
  Assigner *a = (Assigner *)PyMem_Calloc(1, sizeof *a);
  if (!a) {
    uvkpy_bytes_release(&b);
    return PyErr_NoMemory();
  }
  a->fn = fn;
  a->version = (int)v;
  int rc = uvk_consumer_add_assigner(self->consumer, n, (int)v, b.ptr, b.len, call_assigner, a);
  uvkpy_bytes_release(&b);
  if (rc != 0) {
    PyMem_Free(a);
    return uvkpy_refused(rc, "add_assigner");
  }
  Py_INCREF(fn);
  self->assigners[self->n_assigners++] = a;
  Py_RETURN_NONE;
}

void uvkpy_assigners_free(ConsumerObject *self) {
  for (int i = 0; i < self->n_assigners; i++) {
    Assigner *a = (Assigner *)self->assigners[i];
    Py_CLEAR(a->fn);
    PyMem_Free(a);
  }
  self->n_assigners = 0;
}
