/* ShareConsumer: a share group member (KIP-932). Each acquired record goes to the Python
 * callable on its own; what it returns is the record's fate (0: accept unless already
 * acknowledged, PENDING: held until ack(), another int: release), so a coroutine that
 * finishes later decides its record through ack(). */
#include "convert.h"

void uvkpy_share_close(ShareConsumerObject *k) {
  if (k->share) {
    uvk_share_consumer *h = k->share;
    k->share = NULL;
    uvk_share_consumer_free(h);  /* a pending shutdown callback runs first, with UVK_ECLOSED */
  }
  Py_CLEAR(k->on_record);
  Py_CLEAR(k->on_crash);
  Py_CLEAR(k->on_ack);
  if (k->owner) uvkpy_disown(k->owner, (PyObject *)k);
}

static int alive(ShareConsumerObject *k) {
  if (k->share) return 1;
  PyErr_SetString(PyExc_RuntimeError, "the share consumer is closed");
  return 0;
}

static int Share_init(ShareConsumerObject *self, PyObject *args, PyObject *kw) {
  ClientObject *client;
  uvk_config *cfg = uvkpy_child_begin(args, kw, 1, self->share != NULL, "ShareConsumer", &client);
  if (!cfg) return -1;
  int rc = uvk_share_consumer_new(client->client, cfg, &self->share);
  uvk_config_free(cfg);
  if (rc != 0) self->share = NULL;
  return uvkpy_child_end(client, (PyObject *)self, &self->owner, rc, "ShareConsumer (groupId is required)");
}

static void Share_dealloc(ShareConsumerObject *self) {
  uvkpy_share_close(self);
  Py_CLEAR(self->owner);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *headers_tuple(const uvk_share_record *r) {
  PyObject *t = PyTuple_New((Py_ssize_t)r->n_headers);
  for (size_t i = 0; t && i < r->n_headers; i++) {
    PyObject *pair = Py_BuildValue("(sN)", r->headers[i].name,
                                   uvkpy_bytes_or_none(r->headers[i].value, r->headers[i].value_len));
    if (!pair) Py_CLEAR(t);
    else PyTuple_SET_ITEM(t, (Py_ssize_t)i, pair);
  }
  return t;
}

/* A handler's answer: None or an int (0 accept, PENDING, other: release); raising releases. */
static int share_result(PyObject *res) {
  if (!res) {
    uvkpy_keep_exception();
    return UVK_SHARE_RELEASE;
  }
  int out = 0;
  if (res != Py_None) {
    long v = PyLong_AsLong(res);
    if (v == -1 && PyErr_Occurred()) {
      uvkpy_keep_exception();
      out = UVK_SHARE_RELEASE;
    } else {
      out = (int)v;
    }
  }
  Py_DECREF(res);
  return out;
}

static int on_record(uvk_share_consumer *s, const uvk_share_record *r, void *ud) {
  (void)s;
  ShareConsumerObject *self = (ShareConsumerObject *)ud;
  if (!self->on_record) return UVK_SHARE_RELEASE;
  PyObject *fn = self->on_record;
  Py_INCREF(fn);
  /* (topic, partition, offset, delivery_count, timestamp, key, value, headers) */
  PyObject *res = PyObject_CallFunction(fn, "siLiLNNN", r->topic, r->partition, (long long)r->offset,
                                        r->delivery_count, (long long)r->timestamp,
                                        uvkpy_bytes_or_none(r->key, r->key_len),
                                        uvkpy_bytes_or_none(r->value, r->value_len), headers_tuple(r));
  Py_DECREF(fn);
  return share_result(res);
}

/* each_batch: on_batch(topic, partition, [(offset, delivery_count, timestamp, key, value, headers)]) */
static int on_batch(uvk_share_consumer *s, const uvk_share_batch *b, void *ud) {
  (void)s;
  ShareConsumerObject *self = (ShareConsumerObject *)ud;
  if (!self->on_record) return UVK_SHARE_RELEASE;
  PyObject *l = PyList_New((Py_ssize_t)b->n_records);
  for (size_t i = 0; l && i < b->n_records; i++) {
    const uvk_share_record *r = &b->records[i];
    PyObject *t = Py_BuildValue("(LiLNNN)", (long long)r->offset, r->delivery_count, (long long)r->timestamp,
                                uvkpy_bytes_or_none(r->key, r->key_len), uvkpy_bytes_or_none(r->value, r->value_len),
                                headers_tuple(r));
    if (!t) Py_CLEAR(l);
    else PyList_SET_ITEM(l, (Py_ssize_t)i, t);
  }
  if (!l) return share_result(NULL);
  PyObject *fn = Py_NewRef(self->on_record);
  PyObject *res = PyObject_CallFunction(fn, "siN", b->topic, (int)b->partition, l);
  Py_DECREF(fn);
  return share_result(res);
}

static void on_done(uvk_share_consumer *s, const uvk_error *err, void *ud) {
  (void)s;
  uvkpy_complete((PyObject *)ud, Py_BuildValue("(N)", uvkpy_error_tuple(err)));
}

static void on_crash(uvk_share_consumer *s, const uvk_error *err, void *ud) {
  (void)s;
  ShareConsumerObject *self = (ShareConsumerObject *)ud;
  if (!self->on_crash) return;
  PyObject *cb = self->on_crash;
  self->on_crash = NULL;  /* called once: uvkpy_complete drops the reference */
  uvkpy_complete(cb, Py_BuildValue("(N)", uvkpy_error_tuple(err)));
}

static void on_ack(uvk_share_consumer *s, const char *topic, int32_t partition, const int64_t *offsets, size_t n,
                   const uvk_error *err, void *ud) {
  (void)s;
  ShareConsumerObject *self = (ShareConsumerObject *)ud;
  if (!self->on_ack) return;
  PyObject *fn = Py_NewRef(self->on_ack);
  PyObject *l = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; l && i < n; i++) {
    PyObject *o = PyLong_FromLongLong(offsets[i]);
    if (!o) Py_CLEAR(l);
    else PyList_SET_ITEM(l, (Py_ssize_t)i, o);
  }
  PyObject *e = l ? uvkpy_error_tuple(err) : NULL;
  PyObject *r = e ? PyObject_CallFunction(fn, "siOO", topic, (int)partition, l, e) : NULL;
  Py_XDECREF(e);
  Py_XDECREF(l);
  Py_DECREF(fn);
  if (!r) uvkpy_keep_exception();
  Py_XDECREF(r);
}

/* set_ack_cb(fn or None): fn(topic, partition, offsets, error tuple or None). */
static PyObject *Share_set_ack_cb(ShareConsumerObject *self, PyObject *fn) {
  if (!alive(self)) return NULL;
  if (fn != Py_None && !PyCallable_Check(fn)) {
    PyErr_SetString(PyExc_TypeError, "the acknowledgement callback must be callable or None");
    return NULL;
  }
  int rc = uvk_share_consumer_set_ack_cb(self->share, fn == Py_None ? NULL : on_ack, self);
  if (rc != 0) return uvkpy_refused(rc, "on_acknowledged");
  Py_XSETREF(self->on_ack, fn == Py_None ? NULL : Py_NewRef(fn));
  Py_RETURN_NONE;
}

static PyObject *Share_subscribe(ShareConsumerObject *self, PyObject *topic) {
  if (!alive(self)) return NULL;
  const char *t = uvkpy_str(topic, "topic");
  if (!t) return NULL;
  int rc = uvk_share_consumer_subscribe(self->share, t);
  if (rc != 0) return uvkpy_refused(rc, "subscribe");
  Py_RETURN_NONE;
}

/* run(max_records, on_record, on_crash[, batch]): batch true: on_record is on_batch */
static PyObject *Share_run(ShareConsumerObject *self, PyObject *args) {
  PyObject *mo, *fn, *crash;
  long long max_records;
  int batch = 0;
  if (!PyArg_ParseTuple(args, "OOO|p", &mo, &fn, &crash, &batch) || !alive(self)) return NULL;
  if (uvkpy_int64(mo, "max_records", 1, INT32_MAX, &max_records) < 0) return NULL;
  if (!PyCallable_Check(fn) || !PyCallable_Check(crash)) {
    PyErr_SetString(PyExc_TypeError, "on_record and on_crash must be callable");
    return NULL;
  }
  if (self->on_record) {
    PyErr_SetString(PyExc_RuntimeError, "the share consumer is running already");
    return NULL;
  }
  uvk_share_run_options o;
  uvk_share_run_options_init(&o);
  o.max_records = (int32_t)max_records;
  o.each_record = batch ? NULL : on_record;
  o.each_batch = batch ? on_batch : NULL;
  o.ud = self;
  self->on_record = Py_NewRef(fn);
  self->on_crash = Py_NewRef(crash);
  uvk_share_consumer_set_crash_cb(self->share, on_crash, self);
  int rc = uvk_share_consumer_run(self->share, &o);
  if (rc != 0) {
    Py_CLEAR(self->on_record);
    Py_CLEAR(self->on_crash);
    return uvkpy_refused(rc, "run");
  }
  Py_RETURN_NONE;
}

/* ack(topic, partition, offset, type) -> False when the record is no longer held. */
static PyObject *Share_ack(ShareConsumerObject *self, PyObject *args) {
  PyObject *to, *po, *oo, *ty;
  if (!PyArg_ParseTuple(args, "OOOO", &to, &po, &oo, &ty) || !alive(self)) return NULL;
  long long p, off, type;
  const char *t = uvkpy_str(to, "topic");
  if (!t || uvkpy_int64(po, "partition", 0, INT32_MAX, &p) < 0 || uvkpy_int64(oo, "offset", 0, INT64_MAX, &off) < 0 ||
      uvkpy_int64(ty, "type", UVK_SHARE_ACCEPT, UVK_SHARE_RENEW, &type) < 0)
    return NULL;
  int rc = uvk_share_ack(self->share, t, (int32_t)p, off, (int)type);
  if (rc != 0 && rc != UVK_ENOTFOUND) return uvkpy_refused(rc, "acknowledge");
  return PyBool_FromLong(rc == 0);
}

/* shutdown(cb): releases what is held, sends queued acknowledgements, leaves; cb(err). */
static PyObject *Share_shutdown(ShareConsumerObject *self, PyObject *cb) {
  if (!alive(self)) return NULL;
  Py_INCREF(cb);
  int rc = uvk_share_consumer_close(self->share, on_done, cb);
  if (rc != 0) {
    Py_DECREF(cb);
    return uvkpy_refused(rc, "close");
  }
  Py_RETURN_NONE;
}

static PyObject *Share_held(ShareConsumerObject *self, PyObject *noargs) {
  (void)noargs;
  if (!alive(self)) return NULL;
  return PyLong_FromSize_t(uvk_share_consumer_held(self->share));
}

static PyObject *Share_member_id(ShareConsumerObject *self, PyObject *noargs) {
  (void)noargs;
  if (!alive(self)) return NULL;
  return PyUnicode_FromString(uvk_share_consumer_member_id(self->share));
}

static PyObject *Share_assignment(ShareConsumerObject *self, PyObject *noargs) {
  (void)noargs;
  if (!alive(self)) return NULL;
  uvk_topic_partition tp[1024];
  size_t n = uvk_share_consumer_assignment(self->share, tp, 1024);
  if (n > 1024) n = 1024;
  PyObject *l = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; l && i < n; i++) {
    PyObject *t = Py_BuildValue("(si)", tp[i].topic, tp[i].partition);
    if (!t) {
      Py_CLEAR(l);
      break;
    }
    PyList_SET_ITEM(l, (Py_ssize_t)i, t);
  }
  return l;
}

static PyObject *Share_close(ShareConsumerObject *self, PyObject *noargs) {
  (void)noargs;
  uvkpy_share_close(self);
  Py_RETURN_NONE;
}

static PyMethodDef Share_methods[] = {
  {"subscribe", (PyCFunction)Share_subscribe, METH_O, "subscribe(topic): before run."},
  {"run", (PyCFunction)Share_run, METH_VARARGS, "run(max_records, on_record, on_crash[, batch])"},
  {"ack", (PyCFunction)Share_ack, METH_VARARGS, "ack(topic, partition, offset, type) -> was held"},
  {"shutdown", (PyCFunction)Share_shutdown, METH_O, "shutdown(cb): releases what is held and leaves."},
  {"held", (PyCFunction)Share_held, METH_NOARGS, "records waiting for an acknowledgement"},
  {"set_ack_cb", (PyCFunction)Share_set_ack_cb, METH_O, "set_ack_cb(fn or None): acknowledgement results"},
  {"member_id", (PyCFunction)Share_member_id, METH_NOARGS, "the member id"},
  {"assignment", (PyCFunction)Share_assignment, METH_NOARGS, "[(topic, partition)]"},
  {"close", (PyCFunction)Share_close, METH_NOARGS, "Frees the share consumer without leaving the group."},
  {NULL, NULL, 0, NULL},
};

PyTypeObject ShareConsumer_Type = {
  PyVarObject_HEAD_INIT(NULL, 0)
  .tp_name = "uvkafka._native.ShareConsumer",
  .tp_basicsize = sizeof(ShareConsumerObject),
  .tp_dealloc = (destructor)Share_dealloc,
  .tp_flags = Py_TPFLAGS_DEFAULT,
  .tp_doc = "ShareConsumer(client, config)",
  .tp_methods = Share_methods,
  .tp_init = (initproc)Share_init,
  .tp_new = PyType_GenericNew,
};
