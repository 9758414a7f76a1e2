/* Consumer: subscribe, run with an each_message or each_batch handler (Python callables),
 * done / resolve / commit / seek / pause / resume / stop. A handler returns None (or 0):
 * done; PENDING: the partition waits for done(); raising: the exception is kept for step()
 * and the unresolved messages come again after the retry time. */
#include "convert.h"

void uvkpy_consumer_close(ConsumerObject *c) {
  if (c->consumer) {
    uvk_consumer *h = c->consumer;
    c->consumer = NULL;
    uvk_consumer_free(h);
  }
  Py_CLEAR(c->each_message);
  Py_CLEAR(c->each_batch);
  Py_CLEAR(c->delivering);
  Py_CLEAR(c->later);
  if (c->owner) uvkpy_disown(c->owner, (PyObject *)c);
}

static int alive(ConsumerObject *c) {
  if (c->consumer) return 1;
  PyErr_SetString(PyExc_RuntimeError, "the consumer is closed");
  return 0;
}

static int Consumer_init(ConsumerObject *self, PyObject *args, PyObject *kw) {
  ClientObject *client;
  uvk_config *cfg = uvkpy_child_begin(args, kw, 1, self->consumer != NULL, "Consumer", &client);
  if (!cfg) return -1;
  int rc = uvk_consumer_new(client->client, cfg, &self->consumer);
  uvk_config_free(cfg);
  if (rc != 0) self->consumer = NULL;
  return uvkpy_child_end(client, (PyObject *)self, &self->owner, rc, "Consumer");
}

static void Consumer_dealloc(ConsumerObject *self) {
  uvkpy_consumer_close(self);
  uvkpy_assigners_free(self);  /* after the consumer is freed: the library held them */
  Py_CLEAR(self->listeners);
  Py_CLEAR(self->owner);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

static int handler_result(PyObject *r) {
  if (!r) {
    uvkpy_keep_exception();
    return -1;
  }
  int out = 0;
  if (r != Py_None) {
    long v = PyLong_AsLong(r);
    if (v == -1 && PyErr_Occurred()) {
      uvkpy_keep_exception();
      out = -1;
    } else {
      out = (int)v;
    }
  }
  Py_DECREF(r);
  return out;
}

/* The handler call is over: a batch Python still holds keeps a copy of the library's views. */
static int settle(PyObject *messages, Py_ssize_t own_refs, int result) {
  if (uvkpy_messages_settle(messages, own_refs) < 0) {
    uvkpy_keep_exception();
    return -1;
  }
  return result;
}

static int on_message(uvk_consumer *h, const uvk_batch *b, const uvk_consumer_message *m, void *ud) {
  (void)h;
  ConsumerObject *self = (ConsumerObject *)ud;
  if (!self->each_message) return 0;
  /* One Messages per batch, reading the library's views during each call; each message is
   * a view into it. */
  uvk_batch one;
  size_t i = (size_t)(m - b->messages);
  if (m < b->messages || i >= b->n_messages) {  /* not a view into b: a batch of its own */
    one = *b;
    one.messages = m;
    one.n_messages = 1;
    b = &one;
    i = 0;
  }
  if (i == 0 || !uvkpy_messages_match(self->delivering, b, i)) {
    Py_CLEAR(self->delivering);
    PyObject *topic = PyUnicode_FromString(b->topic);
    self->delivering = topic ? uvkpy_messages_borrow(b, topic) : NULL;
    Py_XDECREF(topic);
    if (!self->delivering) return handler_result(NULL);
  } else {
    uvkpy_messages_lend(self->delivering, b);
  }
  PyObject *batch = Py_NewRef(self->delivering);  /* the handler may close the consumer */
  if (i + 1 == b->n_messages) Py_CLEAR(self->delivering);
  PyObject *msg = uvkpy_message_at(batch, i);
  if (!msg) {
    int rc = handler_result(NULL);
    rc = settle(batch, 1 + (self->delivering == batch), rc);
    Py_DECREF(batch);
    return rc;
  }
  PyObject *fn = self->each_message, *later = self->later;
  Py_INCREF(fn);
  Py_XINCREF(later);
  PyObject *r = PyObject_CallOneArg(fn, msg);
  Py_DECREF(fn);
  if (r && r != Py_None && later) {
    /* Only a result that is not None leaves C: a plain handler costs one call. */
    PyObject *t = PyObject_GetAttrString(msg, "topic");
    PyObject *l = t ? PyObject_CallFunction(later, "OOi", r, t, b->partition) : NULL;
    Py_XDECREF(t);
    Py_SETREF(r, l);
  }
  Py_XDECREF(later);
  Py_DECREF(msg);
  int rc = handler_result(r);
  rc = settle(batch, 1 + (self->delivering == batch), rc);
  Py_DECREF(batch);
  return rc;
}

static int on_batch(uvk_consumer *h, const uvk_batch *b, void *ud) {
  (void)h;
  ConsumerObject *self = (ConsumerObject *)ud;
  if (!self->each_batch) return 0;
  PyObject *topic = PyUnicode_FromString(b->topic);
  PyObject *messages = topic ? uvkpy_messages_borrow(b, topic) : NULL;
  if (!messages) {
    Py_XDECREF(topic);
    return handler_result(NULL);
  }
  PyObject *fn = self->each_batch;
  Py_INCREF(fn);
  PyObject *r = PyObject_CallFunction(fn, "OiLO", topic, b->partition, (long long)b->high_watermark, messages);
  Py_DECREF(fn);
  Py_DECREF(topic);
  int rc = settle(messages, 1, handler_result(r));
  Py_DECREF(messages);
  return rc;
}

static PyObject *Consumer_subscribe(ConsumerObject *self, PyObject *args) {
  PyObject *topic;
  int from_beginning = 0, pattern = 0;
  if (!PyArg_ParseTuple(args, "Opp", &topic, &from_beginning, &pattern) || !alive(self)) return NULL;
  const char *t = uvkpy_str(topic, pattern ? "pattern" : "topic");
  if (!t) return NULL;
  int rc = pattern ? uvk_consumer_subscribe_pattern(self->consumer, t, from_beginning)
                   : uvk_consumer_subscribe(self->consumer, t, from_beginning);
  if (rc != 0) return uvkpy_refused(rc, "subscribe");
  Py_RETURN_NONE;
}

/* run(each_message, each_batch, auto_commit, interval_ms, threshold, auto_resolve[, later]) */
static PyObject *Consumer_run(ConsumerObject *self, PyObject *args) {
  PyObject *em, *eb, *later = Py_None;
  int auto_commit, auto_resolve;
  long long interval, threshold;
  if (!PyArg_ParseTuple(args, "OOpLLp|O", &em, &eb, &auto_commit, &interval, &threshold, &auto_resolve, &later) ||
      !alive(self))
    return NULL;
  if ((em == Py_None) == (eb == Py_None)) {
    PyErr_SetString(PyExc_ValueError, "exactly one of each_message and each_batch must be given");
    return NULL;
  }
  uvk_run_options o;
  uvk_run_options_init(&o);
  o.each_message = em != Py_None ? on_message : NULL;
  o.each_batch = eb != Py_None ? on_batch : NULL;
  o.ud = self;
  o.auto_commit = auto_commit;
  o.auto_commit_interval = interval;
  o.auto_commit_threshold = threshold;
  o.each_batch_auto_resolve = auto_resolve;
  Py_XSETREF(self->each_message, em != Py_None ? Py_NewRef(em) : NULL);
  Py_XSETREF(self->each_batch, eb != Py_None ? Py_NewRef(eb) : NULL);
  Py_XSETREF(self->later, later != Py_None ? Py_NewRef(later) : NULL);
  int rc = uvk_consumer_run(self->consumer, &o);
  if (rc != 0) return uvkpy_refused(rc, "run");
  Py_RETURN_NONE;
}

static void on_done(uvk_consumer *h, const uvk_error *err, void *ud) {
  (void)h;
  uvkpy_complete((PyObject *)ud, Py_BuildValue("(N)", uvkpy_error_tuple(err)));
}

static PyObject *Consumer_stop(ConsumerObject *self, PyObject *cb) {
  if (!alive(self)) return NULL;
  Py_INCREF(cb);
  int rc = uvk_consumer_stop(self->consumer, on_done, cb);
  if (rc != 0) {
    Py_DECREF(cb);
    return uvkpy_refused(rc, "stop");
  }
  Py_RETURN_NONE;
}

static PyObject *Consumer_set_crash_cb(ConsumerObject *self, PyObject *cb) {
  if (!alive(self)) return NULL;
  Py_INCREF(cb);  /* called at most once; kept until then (a small leak when it never is) */
  int rc = uvk_consumer_set_crash_cb(self->consumer, on_done, cb);
  if (rc != 0) {
    Py_DECREF(cb);
    return uvkpy_refused(rc, "on_crash");
  }
  Py_RETURN_NONE;
}

static int topic_partition(PyObject *args, const char **t, int32_t *p, long long *extra, const char *extra_name) {
  PyObject *to, *po, *eo = NULL;
  if (!PyArg_ParseTuple(args, extra ? "OOO" : "OO", &to, &po, &eo)) return -1;
  long long v;
  *t = uvkpy_str(to, "topic");
  if (!*t || uvkpy_int64(po, "partition", 0, INT32_MAX, &v) < 0) return -1;
  *p = (int32_t)v;
  if (extra && uvkpy_int64(eo, extra_name, INT32_MIN, INT64_MAX, extra) < 0) return -1;
  return 0;
}

static PyObject *Consumer_done(ConsumerObject *self, PyObject *args) {
  const char *t;
  int32_t p;
  long long result;
  if (!alive(self) || topic_partition(args, &t, &p, &result, "result") < 0) return NULL;
  int rc = uvk_consumer_done(self->consumer, t, p, (int)result);
  if (rc != 0 && rc != UVK_ENOTFOUND) return uvkpy_refused(rc, "done");
  return PyBool_FromLong(rc == 0);
}

static PyObject *Consumer_resolve_offset(ConsumerObject *self, PyObject *args) {
  const char *t;
  int32_t p;
  long long off;
  if (!alive(self) || topic_partition(args, &t, &p, &off, "offset") < 0) return NULL;
  int rc = uvk_consumer_resolve_offset(self->consumer, t, p, off);
  if (rc != 0) return uvkpy_refused(rc, "resolve_offset");
  Py_RETURN_NONE;
}

static PyObject *Consumer_seek(ConsumerObject *self, PyObject *args) {
  const char *t;
  int32_t p;
  long long off;
  if (!alive(self) || topic_partition(args, &t, &p, &off, "offset") < 0) return NULL;
  if (off < -2) {
    PyErr_SetString(PyExc_ValueError, "offset must be >= 0 (or -1 latest, -2 earliest)");
    return NULL;
  }
  int rc = uvk_consumer_seek(self->consumer, t, p, off);
  if (rc != 0) return uvkpy_refused(rc, "seek");
  Py_RETURN_NONE;
}

static PyObject *pause_resume(ConsumerObject *self, PyObject *args, int pause) {
  PyObject *to, *parts;
  if (!PyArg_ParseTuple(args, "OO", &to, &parts) || !alive(self)) return NULL;
  const char *t = uvkpy_str(to, "topic");
  if (!t) return NULL;
  int32_t ids[256];
  size_t n = 0;
  if (parts != Py_None) {
    PyObject *seq = PySequence_Fast(parts, "partitions must be a sequence of int");
    if (!seq) return NULL;
    Py_ssize_t k = PySequence_Fast_GET_SIZE(seq);
    if (k == 0 || k > 256) {
      Py_DECREF(seq);
      PyErr_SetString(PyExc_ValueError, "partitions must hold 1 to 256 ids (None: the whole topic)");
      return NULL;
    }
    for (Py_ssize_t i = 0; i < k; i++) {
      long long v;
      if (uvkpy_int64(PySequence_Fast_GET_ITEM(seq, i), "partitions[]", 0, INT32_MAX, &v) < 0) {
        Py_DECREF(seq);
        return NULL;
      }
      ids[n++] = (int32_t)v;
    }
    Py_DECREF(seq);
  }
  int rc = pause ? uvk_consumer_pause(self->consumer, t, n ? ids : NULL, n)
                 : uvk_consumer_resume(self->consumer, t, n ? ids : NULL, n);
  if (rc != 0) return uvkpy_refused(rc, pause ? "pause" : "resume");
  Py_RETURN_NONE;
}

static PyObject *Consumer_pause(ConsumerObject *self, PyObject *args) { return pause_resume(self, args, 1); }
static PyObject *Consumer_resume(ConsumerObject *self, PyObject *args) { return pause_resume(self, args, 0); }

static PyObject *Consumer_is_paused(ConsumerObject *self, PyObject *args) {
  const char *t;
  int32_t p;
  if (!alive(self) || topic_partition(args, &t, &p, NULL, NULL) < 0) return NULL;
  return PyBool_FromLong(uvk_consumer_is_paused(self->consumer, t, p));
}

static PyObject *Consumer_is_stale(ConsumerObject *self, PyObject *args) {
  const char *t;
  int32_t p;
  if (!alive(self) || topic_partition(args, &t, &p, NULL, NULL) < 0) return NULL;
  return PyBool_FromLong(uvk_consumer_is_stale(self->consumer, t, p));
}

static PyObject *Consumer_position(ConsumerObject *self, PyObject *args) {
  const char *t;
  int32_t p;
  if (!alive(self) || topic_partition(args, &t, &p, NULL, NULL) < 0) return NULL;
  int64_t pos = -1, hw = -1;
  int rc = uvk_consumer_position(self->consumer, t, p, &pos, &hw);
  if (rc != 0) return uvkpy_refused(rc, "position");
  return Py_BuildValue("(LL)", (long long)pos, (long long)hw);
}

/* An entry's metadata: the 4th item of a (topic, partition, offset, metadata) tuple; None or
 * a 3-tuple: NULL. 0, or -1 with an exception set. Capped: the caller's str may be any size. */
static int commit_metadata(PyObject *item, const char **out) {
  *out = NULL;
  if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 4) return 0;
  PyObject *m = PyTuple_GET_ITEM(item, 3);
  if (m == Py_None) return 0;
  const char *s = uvkpy_str(m, "metadata");
  if (!s) return -1;
  size_t len = strlen(s);
  if (len > UVK_COMMIT_METADATA_MAX) {
    PyErr_Format(PyExc_ValueError, "metadata is %zu bytes, more than the %d a commit can carry", len,
                 UVK_COMMIT_METADATA_MAX);
    return -1;
  }
  *out = s;  /* the str's UTF-8 buffer lives as long as the str, which the list holds */
  return 0;
}

/* commit(cb, [(topic, partition, offset[, metadata])]) */
static PyObject *Consumer_commit(ConsumerObject *self, PyObject *args) {
  PyObject *cb, *list;
  if (!PyArg_ParseTuple(args, "OO", &cb, &list) || !alive(self)) return NULL;
  PyObject *seq = PySequence_Fast(list, "offsets must be a sequence of (topic, partition, offset[, metadata])");
  if (!seq) return NULL;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  uvk_topic_partition_offset_metadata *o =
      (uvk_topic_partition_offset_metadata *)PyMem_Calloc(n ? (size_t)n : 1, sizeof *o);
  int rc = 0;
  if (!o) {
    PyErr_NoMemory();
    goto out;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
    PyObject *head = item;  /* (topic, partition, offset) for topic_partition */
    long long off;
    if (PyTuple_Check(item) && PyTuple_GET_SIZE(item) == 4) head = PyTuple_GetSlice(item, 0, 3);
    else Py_INCREF(head);
    if (!head) goto out;
    int bad = topic_partition(head, &o[i].topic, &o[i].partition, &off, "offset");
    Py_DECREF(head);  /* the topic's buffer stays: the str is held by item, which seq holds */
    if (bad < 0 || commit_metadata(item, &o[i].metadata) < 0) goto out;
    if (off < 0) {
      PyErr_SetString(PyExc_ValueError, "offset must be >= 0");
      goto out;
    }
    o[i].offset = off;
  }
  Py_INCREF(cb);
  rc = uvk_consumer_commit_offsets_with_metadata(self->consumer, o, (size_t)n, on_done, cb);
  if (rc != 0) Py_DECREF(cb);
out:
  PyMem_Free(o);
  Py_DECREF(seq);
  if (PyErr_Occurred()) return NULL;
  if (rc != 0) return uvkpy_refused(rc, "commit");
  Py_RETURN_NONE;
}

static PyObject *Consumer_assignment(ConsumerObject *self, PyObject *noargs) {
  (void)noargs;
  if (!alive(self)) return NULL;
  uvk_topic_partition tp[1024];
  size_t n = uvk_consumer_assignment(self->consumer, tp, 1024);
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

static PyObject *Consumer_is_running(ConsumerObject *self, PyObject *noargs) {
  (void)noargs;
  return PyBool_FromLong(self->consumer && uvk_consumer_is_running(self->consumer));
}

static PyObject *Consumer_member_id(ConsumerObject *self, PyObject *noargs) {
  (void)noargs;
  if (!alive(self)) return NULL;
  return PyUnicode_FromString(uvk_consumer_member_id(self->consumer));
}

static PyObject *Consumer_close(ConsumerObject *self, PyObject *noargs) {
  (void)noargs;
  if (uvkpy_partitioning) {
    PyErr_SetString(PyExc_RuntimeError, "not from inside a partitioner or an assigner");
    return NULL;
  }
  uvkpy_consumer_close(self);
  Py_RETURN_NONE;
}

static PyObject *Consumer_on(ConsumerObject *self, PyObject *args) {
  if (!alive(self)) return NULL;
  return uvkpy_events_on(1, self->consumer, &self->listeners, args);
}

static PyObject *Consumer_off(ConsumerObject *self, PyObject *id) {
  if (!alive(self)) return NULL;
  return uvkpy_events_off(1, self->consumer, self->listeners, id);
}

static PyMethodDef Consumer_methods[] = {
  {"add_assigner", (PyCFunction)uvkpy_add_assigner, METH_VARARGS, "add_assigner(name, version, user_data, fn): before run."},
  {"on", (PyCFunction)Consumer_on, METH_VARARGS, "on(event, fn) -> listener id: fn(event dict) for each event."},
  {"off", (PyCFunction)Consumer_off, METH_O, "off(listener id) -> whether it was registered."},
  {"subscribe", (PyCFunction)Consumer_subscribe, METH_VARARGS, "subscribe(topic_or_pattern, from_beginning, is_pattern)"},
  {"run", (PyCFunction)Consumer_run, METH_VARARGS, "run(each_message, each_batch, auto_commit, interval, threshold, auto_resolve[, later])"},
  {"stop", (PyCFunction)Consumer_stop, METH_O, "stop(cb)"},
  {"set_crash_cb", (PyCFunction)Consumer_set_crash_cb, METH_O, "set_crash_cb(cb)"},
  {"done", (PyCFunction)Consumer_done, METH_VARARGS, "done(topic, partition, result) -> was pending"},
  {"resolve_offset", (PyCFunction)Consumer_resolve_offset, METH_VARARGS, "resolve_offset(topic, partition, offset)"},
  {"seek", (PyCFunction)Consumer_seek, METH_VARARGS, "seek(topic, partition, offset)"},
  {"pause", (PyCFunction)Consumer_pause, METH_VARARGS, "pause(topic, partitions or None)"},
  {"resume", (PyCFunction)Consumer_resume, METH_VARARGS, "resume(topic, partitions or None)"},
  {"is_paused", (PyCFunction)Consumer_is_paused, METH_VARARGS, "is_paused(topic, partition)"},
  {"is_stale", (PyCFunction)Consumer_is_stale, METH_VARARGS, "is_stale(topic, partition)"},
  {"position", (PyCFunction)Consumer_position, METH_VARARGS, "position(topic, partition) -> (next, high)"},
  {"commit", (PyCFunction)Consumer_commit, METH_VARARGS, "commit(cb, offsets)"},
  {"assignment", (PyCFunction)Consumer_assignment, METH_NOARGS, "[(topic, partition)]"},
  {"is_running", (PyCFunction)Consumer_is_running, METH_NOARGS, "True while running"},
  {"member_id", (PyCFunction)Consumer_member_id, METH_NOARGS, "the group member id"},
  {"close", (PyCFunction)Consumer_close, METH_NOARGS, "Frees the consumer without leaving the group."},
  {NULL, NULL, 0, NULL},
};

PyTypeObject Consumer_Type = {
  PyVarObject_HEAD_INIT(NULL, 0)
  .tp_name = "uvkafka._native.Consumer",
  .tp_basicsize = sizeof(ConsumerObject),
  .tp_dealloc = (destructor)Consumer_dealloc,
  .tp_flags = Py_TPFLAGS_DEFAULT,
  .tp_doc = "Consumer(client, config)",
  .tp_methods = Consumer_methods,
  .tp_init = (initproc)Consumer_init,
  .tp_new = PyType_GenericNew,
};
