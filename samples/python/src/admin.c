/* Admin: the handle, topics, offsets and group deletion; the rest of uvk_admin.h is in
 * admin_*.c (declared in admin.h). */
#include "admin.h"

void uvkpy_admin_close(AdminObject *a) {
  if (a->admin) {
    uvk_admin *h = a->admin;
    a->admin = NULL;
    uvk_admin_free(h);
  }
  if (a->owner) uvkpy_disown(a->owner, (PyObject *)a);
}

int uvkpy_admin_alive(AdminObject *a) {
  if (a->admin) return 1;
  PyErr_SetString(PyExc_RuntimeError, "the admin is closed");
  return 0;
}

static int Admin_init(AdminObject *self, PyObject *args, PyObject *kw) {
  ClientObject *client;
  uvk_config *cfg = uvkpy_child_begin(args, kw, 0, self->admin != NULL, "Admin", &client);
  if (!cfg) return -1;
  int rc = uvk_admin_new(client->client, cfg, &self->admin);
  uvk_config_free(cfg);
  if (rc != 0) self->admin = NULL;
  return uvkpy_child_end(client, (PyObject *)self, &self->owner, rc, "Admin");
}

static void Admin_dealloc(AdminObject *self) {
  uvkpy_admin_close(self);
  Py_CLEAR(self->owner);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

/* cb(err, [(name, error, error_message)]) */
void uvkpy_admin_on_results(uvk_admin *a, const uvk_error *err, const uvk_admin_result *rs, size_t n, void *ud) {
  (void)a;
  PyObject *l = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; l && i < n; i++) {
    PyObject *t = Py_BuildValue("(siz)", rs[i].name, rs[i].error, rs[i].error_message);
    if (!t) Py_CLEAR(l);
    else PyList_SET_ITEM(l, (Py_ssize_t)i, t);
  }
  uvkpy_complete((PyObject *)ud, l ? Py_BuildValue("(NN)", uvkpy_error_tuple(err), l) : NULL);
}

static void on_names(uvk_admin *a, const uvk_error *err, const char *const *names, size_t n, void *ud) {
  (void)a;
  PyObject *l = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; l && i < n; i++) {
    PyObject *s = PyUnicode_FromString(names[i]);
    if (!s) Py_CLEAR(l);
    else PyList_SET_ITEM(l, (Py_ssize_t)i, s);
  }
  uvkpy_complete((PyObject *)ud, l ? Py_BuildValue("(NN)", uvkpy_error_tuple(err), l) : NULL);
}

/* cb(err, [(topic, partition, offset, high, low, metadata, error)]) */
void uvkpy_admin_on_offsets(uvk_admin *a, const uvk_error *err, const uvk_admin_partition_offset *os, size_t n, void *ud) {
  (void)a;
  PyObject *l = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; l && i < n; i++) {
    PyObject *t = Py_BuildValue("(siLLLzi)", os[i].topic, os[i].partition, (long long)os[i].offset,
                                (long long)os[i].high, (long long)os[i].low, os[i].metadata, os[i].error);
    if (!t) Py_CLEAR(l);
    else PyList_SET_ITEM(l, (Py_ssize_t)i, t);
  }
  uvkpy_complete((PyObject *)ud, l ? Py_BuildValue("(NN)", uvkpy_error_tuple(err), l) : NULL);
}

PyObject *uvkpy_admin_started(int rc, PyObject *cb, const char *what) {
  if (rc != 0) {
    Py_DECREF(cb);
    if (PyErr_Occurred()) return NULL;
    return uvkpy_refused(rc, what);
  }
  Py_RETURN_NONE;
}

static int topic_options(uvk_admin_topic_options *o, int validate_only, int wait_for_leaders, long long timeout) {
  uvk_admin_topic_options_init(o);
  o->validate_only = validate_only;
  o->wait_for_leaders = wait_for_leaders;
  if (timeout < 0 || timeout > INT32_MAX) {
    PyErr_SetString(PyExc_ValueError, "timeout must be in [0, 2147483647] ms");
    return -1;
  }
  o->timeout = (int32_t)timeout;
  return 0;
}

/* create_topics(cb, [(topic, num_partitions, replication_factor, {config: value})],
 *               validate_only, wait_for_leaders, timeout_ms) */
static PyObject *Admin_create_topics(AdminObject *self, PyObject *args) {
  PyObject *cb, *list;
  int validate_only, wait_for_leaders;
  long long timeout;
  if (!PyArg_ParseTuple(args, "OOppL", &cb, &list, &validate_only, &wait_for_leaders, &timeout) || !uvkpy_admin_alive(self))
    return NULL;
  uvk_admin_topic_options o;
  if (topic_options(&o, validate_only, wait_for_leaders, timeout) < 0) return NULL;
  PyObject *seq = PySequence_Fast(list, "topics must be a sequence");
  if (!seq) return NULL;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  uvk_admin_new_topic *ts = (uvk_admin_new_topic *)PyMem_Calloc(n ? (size_t)n : 1, sizeof *ts);
  uvk_admin_config_entry **entries = (uvk_admin_config_entry **)PyMem_Calloc(n ? (size_t)n : 1, sizeof *entries);
  int rc = 0;
  if (!ts || !entries) {
    PyErr_NoMemory();
    goto out;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *t = PySequence_Fast_GET_ITEM(seq, i), *cfg;
    long long np, rf;
    if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 4) {
      PyErr_SetString(PyExc_TypeError, "topics entries must be (topic, num_partitions, replication_factor, configs)");
      goto out;
    }
    const char *name = uvkpy_str(PyTuple_GET_ITEM(t, 0), "topic");
    if (!name || uvkpy_int64(PyTuple_GET_ITEM(t, 1), "num_partitions", -1, 1000000, &np) < 0 ||
        uvkpy_int64(PyTuple_GET_ITEM(t, 2), "replication_factor", -1, 32767, &rf) < 0)
      goto out;
    uvk_admin_new_topic_init(&ts[i], name);
    ts[i].num_partitions = (int32_t)np;
    ts[i].replication_factor = (int16_t)rf;
    cfg = PyTuple_GET_ITEM(t, 3);
    if (cfg != Py_None) {
      if (!PyDict_Check(cfg)) {
        PyErr_SetString(PyExc_TypeError, "configs must be a dict of str to str");
        goto out;
      }
      Py_ssize_t k = PyDict_GET_SIZE(cfg), pos = 0, j = 0;
      PyObject *ck, *cv;
      entries[i] = (uvk_admin_config_entry *)PyMem_Calloc(k ? (size_t)k : 1, sizeof **entries);
      if (!entries[i]) {
        PyErr_NoMemory();
        goto out;
      }
      while (PyDict_Next(cfg, &pos, &ck, &cv)) {
        entries[i][j].name = uvkpy_str(ck, "configs key");
        entries[i][j].value = uvkpy_str(cv, "configs value");
        if (!entries[i][j].name || !entries[i][j].value) goto out;
        j++;
      }
      ts[i].config_entries = entries[i];
      ts[i].n_config_entries = (size_t)k;
    }
  }
  Py_INCREF(cb);
  rc = uvk_admin_create_topics(self->admin, ts, (size_t)n, &o, uvkpy_admin_on_results, cb);
  if (rc != 0) Py_DECREF(cb);
out:
  for (Py_ssize_t i = 0; entries && i < n; i++) PyMem_Free(entries[i]);
  PyMem_Free(entries);
  PyMem_Free(ts);
  Py_DECREF(seq);
  if (PyErr_Occurred()) return NULL;
  if (rc != 0) return uvkpy_refused(rc, "create_topics");
  Py_RETURN_NONE;
}

/* A list of str as a NULL-free C array; *out NULL with an exception on failure. */
int uvkpy_names(PyObject *list, const char ***out, size_t *n, const char *what) {
  *out = NULL;
  *n = 0;
  if (PyUnicode_Check(list)) {
    PyErr_Format(PyExc_TypeError, "%s must be a list of str, not a str", what);
    return -1;
  }
  PyObject *seq = PySequence_Fast(list, "must be a list of str");
  if (!seq) {
    PyErr_Format(PyExc_TypeError, "%s must be a list of str", what);
    return -1;
  }
  Py_ssize_t k = PySequence_Fast_GET_SIZE(seq);
  const char **a = (const char **)PyMem_Calloc(k ? (size_t)k : 1, sizeof *a);
  if (!a) {
    Py_DECREF(seq);
    PyErr_NoMemory();
    return -1;
  }
  for (Py_ssize_t i = 0; i < k; i++) {
    a[i] = uvkpy_str(PySequence_Fast_GET_ITEM(seq, i), what);
    if (!a[i]) {
      PyMem_Free(a);
      Py_DECREF(seq);
      return -1;
    }
  }
  Py_DECREF(seq);  /* the strings stay alive: the caller's list holds them */
  *out = a;
  *n = (size_t)k;
  return 0;
}

static PyObject *Admin_delete_topics(AdminObject *self, PyObject *args) {
  PyObject *cb, *list;
  long long timeout;
  if (!PyArg_ParseTuple(args, "OOL", &cb, &list, &timeout) || !uvkpy_admin_alive(self)) return NULL;
  uvk_admin_topic_options o;
  const char **a;
  size_t n;
  if (topic_options(&o, 0, 0, timeout) < 0 || uvkpy_names(list, &a, &n, "topics") < 0) return NULL;
  Py_INCREF(cb);
  int rc = uvk_admin_delete_topics(self->admin, a, n, &o, uvkpy_admin_on_results, cb);
  PyMem_Free(a);
  return uvkpy_admin_started(rc, cb, "delete_topics");
}

static PyObject *Admin_create_partitions(AdminObject *self, PyObject *args) {
  PyObject *cb, *to;
  long long count, timeout;
  int validate_only;
  if (!PyArg_ParseTuple(args, "OOLpL", &cb, &to, &count, &validate_only, &timeout) || !uvkpy_admin_alive(self)) return NULL;
  uvk_admin_topic_options o;
  if (topic_options(&o, validate_only, 0, timeout) < 0) return NULL;
  uvk_admin_new_partitions p = {0};
  p.topic = uvkpy_str(to, "topic");
  if (!p.topic) return NULL;
  if (count < 1 || count > 1000000) {
    PyErr_SetString(PyExc_ValueError, "count must be in [1, 1000000]");
    return NULL;
  }
  p.count = (int32_t)count;
  Py_INCREF(cb);
  return uvkpy_admin_started(uvk_admin_create_partitions(self->admin, &p, 1, &o, uvkpy_admin_on_results, cb), cb, "create_partitions");
}

static PyObject *Admin_list_topics(AdminObject *self, PyObject *cb) {
  if (!uvkpy_admin_alive(self)) return NULL;
  Py_INCREF(cb);
  return uvkpy_admin_started(uvk_admin_list_topics(self->admin, on_names, cb), cb, "list_topics");
}

static PyObject *Admin_fetch_topic_offsets(AdminObject *self, PyObject *args) {
  PyObject *cb, *to;
  if (!PyArg_ParseTuple(args, "OO", &cb, &to) || !uvkpy_admin_alive(self)) return NULL;
  const char *t = uvkpy_str(to, "topic");
  if (!t) return NULL;
  Py_INCREF(cb);
  return uvkpy_admin_started(uvk_admin_fetch_topic_offsets(self->admin, t, uvkpy_admin_on_offsets, cb), cb, "fetch_topic_offsets");
}

static PyObject *Admin_fetch_offsets(AdminObject *self, PyObject *args) {
  PyObject *cb, *go, *list;
  int resolve;
  if (!PyArg_ParseTuple(args, "OOOp", &cb, &go, &list, &resolve) || !uvkpy_admin_alive(self)) return NULL;
  const char *g = uvkpy_str(go, "group_id");
  const char **a = NULL;
  size_t n = 0;
  if (!g || (list != Py_None && uvkpy_names(list, &a, &n, "topics") < 0)) return NULL;
  Py_INCREF(cb);
  int rc = uvk_admin_fetch_offsets(self->admin, g, a, n, resolve, uvkpy_admin_on_offsets, cb);
  PyMem_Free(a);
  return uvkpy_admin_started(rc, cb, "fetch_offsets");
}

static PyObject *Admin_delete_groups(AdminObject *self, PyObject *args) {
  PyObject *cb, *list;
  if (!PyArg_ParseTuple(args, "OO", &cb, &list) || !uvkpy_admin_alive(self)) return NULL;
  const char **a;
  size_t n;
  if (uvkpy_names(list, &a, &n, "group_ids") < 0) return NULL;
  Py_INCREF(cb);
  int rc = uvk_admin_delete_groups(self->admin, a, n, uvkpy_admin_on_results, cb);
  PyMem_Free(a);
  return uvkpy_admin_started(rc, cb, "delete_groups");
}

static PyObject *Admin_close(AdminObject *self, PyObject *noargs) {
  (void)noargs;
  uvkpy_admin_close(self);
  Py_RETURN_NONE;
}

static PyMethodDef Admin_methods[] = {
  {"create_topics", (PyCFunction)Admin_create_topics, METH_VARARGS, NULL},
  {"delete_topics", (PyCFunction)Admin_delete_topics, METH_VARARGS, NULL},
  {"create_partitions", (PyCFunction)Admin_create_partitions, METH_VARARGS, NULL},
  {"list_topics", (PyCFunction)Admin_list_topics, METH_O, NULL},
  {"fetch_topic_offsets", (PyCFunction)Admin_fetch_topic_offsets, METH_VARARGS, NULL},
  {"fetch_offsets", (PyCFunction)Admin_fetch_offsets, METH_VARARGS, NULL},
  {"delete_groups", (PyCFunction)Admin_delete_groups, METH_VARARGS, NULL},
  UVKPY_ADMIN_MORE_METHODS
  {"close", (PyCFunction)Admin_close, METH_NOARGS, NULL},
  {NULL, NULL, 0, NULL},
};

PyTypeObject Admin_Type = {
  PyVarObject_HEAD_INIT(NULL, 0)
  .tp_name = "uvkafka._native.Admin",
  .tp_basicsize = sizeof(AdminObject),
  .tp_dealloc = (destructor)Admin_dealloc,
  .tp_flags = Py_TPFLAGS_DEFAULT,
  .tp_doc = "Admin(client, config=None)",
  .tp_methods = Admin_methods,
  .tp_init = (initproc)Admin_init,
  .tp_new = PyType_GenericNew,
};

int uvkpy_int32s(PyObject *o, const char *what, long long lo, int allow_none, int32_t **out, size_t *n) {
  *out = NULL;
  *n = 0;
  if (o == Py_None && allow_none) return 0;
  PyObject *seq = PyUnicode_Check(o) || PyBytes_Check(o) ? NULL : PySequence_Fast(o, "");
  if (!seq) {
    PyErr_Clear();
    PyErr_Format(PyExc_TypeError, "%s must be a list of int, not %.80s", what, Py_TYPE(o)->tp_name);
    return -1;
  }
  Py_ssize_t k = PySequence_Fast_GET_SIZE(seq);
  int32_t *a = (int32_t *)PyMem_Calloc(k ? (size_t)k : 1, sizeof *a);
  if (!a) {
    Py_DECREF(seq);
    PyErr_NoMemory();
    return -1;
  }
  for (Py_ssize_t i = 0; i < k; i++) {
    long long v;
    if (uvkpy_int64(PySequence_Fast_GET_ITEM(seq, i), what, lo, INT32_MAX, &v) < 0) {
      PyMem_Free(a);
      Py_DECREF(seq);
      return -1;
    }
    a[i] = (int32_t)v;
  }
  Py_DECREF(seq);
  *out = a;
  *n = (size_t)k;
  return 0;
}

void uvkpy_topic_parts_release(TopicParts *t) {
  for (size_t i = 0; t->tp && i < t->n; i++) PyMem_Free((void *)t->tp[i].partitions);
  PyMem_Free(t->tp);
  t->tp = NULL;
  t->n = 0;
}

int uvkpy_topic_parts(PyObject *o, const char *what, TopicParts *out) {
  out->tp = NULL;
  out->n = 0;
  PyObject *seq = PySequence_Fast(o, "");
  if (!seq) {
    PyErr_Clear();
    PyErr_Format(PyExc_TypeError, "%s must be a list of (topic, partitions)", what);
    return -1;
  }
  Py_ssize_t k = PySequence_Fast_GET_SIZE(seq);
  out->tp = (uvk_admin_topic_partitions *)PyMem_Calloc(k ? (size_t)k : 1, sizeof *out->tp);
  if (!out->tp) {
    Py_DECREF(seq);
    PyErr_NoMemory();
    return -1;
  }
  for (Py_ssize_t i = 0; i < k; i++) {
    PyObject *t = PySequence_Fast_GET_ITEM(seq, i);
    if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 2) {
      PyErr_Format(PyExc_TypeError, "%s entries must be (topic, partitions)", what);
      goto fail;
    }
    out->n = (size_t)i + 1;
    out->tp[i].topic = uvkpy_str(PyTuple_GET_ITEM(t, 0), "topic");
    int32_t *ps;
    if (!out->tp[i].topic || uvkpy_int32s(PyTuple_GET_ITEM(t, 1), "partitions", 0, 1, &ps, &out->tp[i].n_partitions) < 0)
      goto fail;
    out->tp[i].partitions = ps;
  }
  Py_DECREF(seq);
  return 0;
fail:
  Py_DECREF(seq);
  uvkpy_topic_parts_release(out);
  return -1;
}
