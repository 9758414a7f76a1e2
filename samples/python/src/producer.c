/* Producer: send (one message: the hot path), send_many / send_batch, flush, transactions. */
#include "convert.h"

void uvkpy_producer_close(ProducerObject *p) {
  if (p->producer) {
    uvk_producer *h = p->producer;
    p->producer = NULL;
    uvk_producer_free(h);  /* pending callbacks run now, with UVK_ECLOSED */
  }
  uvkpy_produce_clear(p);  /* what produce() kept for the next turn is not sent */
  if (p->owner) uvkpy_disown(p->owner, (PyObject *)p);
}

static int alive(ProducerObject *p) {
  if (p->producer && !uvkpy_partitioning) return 1;
  PyErr_SetString(PyExc_RuntimeError, p->producer ? "not from inside a partitioner or an assigner" : "the producer is closed");
  return 0;
}

static int Producer_init(ProducerObject *self, PyObject *args, PyObject *kw) {
  ClientObject *client;
  uvk_config *cfg = uvkpy_child_begin(args, kw, 0, self->producer != NULL, "Producer", &client);
  if (!cfg) return -1;
  int rc = uvk_producer_new(client->client, cfg, &self->producer);
  uvk_config_free(cfg);
  if (rc != 0) self->producer = NULL;
  return uvkpy_child_end(client, (PyObject *)self, &self->owner, rc, "Producer");
}

static void Producer_dealloc(ProducerObject *self) {
  uvkpy_producer_close(self);
  Py_CLEAR(self->partitioner);
  Py_CLEAR(self->soon_loop);
  Py_CLEAR(self->wake);
  Py_CLEAR(self->first_error);
  Py_CLEAR(self->owner);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

int uvkpy_send_options(uvk_send_options *o, PyObject *acks, PyObject *compression, PyObject *timeout) {
  long long v;
  uvk_send_options_init(o);
  if (acks != Py_None) {
    if (uvkpy_int64(acks, "acks", -1, 1, &v) < 0) return -1;
    o->acks = (int)v;
  }
  if (compression != Py_None) {
    if (uvkpy_int64(compression, "compression", 0, 127, &v) < 0) return -1;
    o->compression = (int)v;
  }
  if (timeout != Py_None) {
    if (uvkpy_int64(timeout, "timeout", 0, INT32_MAX, &v) < 0) return -1;
    o->timeout = (int32_t)v;
  }
  return 0;
}

static PyObject *metadata_list(const uvk_record_metadata *md, size_t n) {
  PyObject *l = PyList_New((Py_ssize_t)n);
  if (!l) return NULL;
  for (size_t i = 0; i < n; i++) {
    PyObject *t = Py_BuildValue("(siiL)", md[i].topic, md[i].partition, md[i].error, (long long)md[i].base_offset);
    if (!t) {
      Py_DECREF(l);
      return NULL;
    }
    PyList_SET_ITEM(l, (Py_ssize_t)i, t);
  }
  return l;
}

/* One message: cb(err, partition, offset). */
static void on_sent_one(uvk_producer *p, const uvk_error *err, const uvk_record_metadata *md, size_t n, void *ud) {
  (void)p;
  int32_t part = n ? md[0].partition : -1;
  long long off = n ? (long long)md[0].base_offset : -1;
  uvkpy_complete((PyObject *)ud, Py_BuildValue("(NiL)", uvkpy_error_tuple(err), part, off));
}

/* Many: cb(err, [(topic, partition, error, base_offset)]). */
static void on_sent_many(uvk_producer *p, const uvk_error *err, const uvk_record_metadata *md, size_t n, void *ud) {
  (void)p;
  PyObject *l = metadata_list(md, n);
  uvkpy_complete((PyObject *)ud, l ? Py_BuildValue("(NN)", uvkpy_error_tuple(err), l) : NULL);
}

/* send(cb, topic, key, value, headers, partition, timestamp, acks, compression, timeout) */
static PyObject *Producer_send(ProducerObject *self, PyObject *const *args, Py_ssize_t nargs) {
  if (nargs != 10) {
    PyErr_SetString(PyExc_TypeError, "send takes 10 positional arguments");
    return NULL;
  }
  if (!alive(self)) return NULL;
  PyObject *cb = args[0];
  const char *topic = uvkpy_str(args[1], "topic");
  if (!topic) return NULL;
  uvk_message m;
  long long v;
  if (uvkpy_int64(args[5], "partition", -1, INT32_MAX, &v) < 0) return NULL;
  m.partition = (int32_t)v;
  if (uvkpy_int64(args[6], "timestamp", -1, INT64_MAX, &v) < 0) return NULL;
  m.timestamp = (int64_t)v;
  uvk_send_options o;
  if (uvkpy_send_options(&o, args[7], args[8], args[9]) < 0) return NULL;
  Bytes key, value;
  Headers h;
  if (uvkpy_bytes(args[2], &key, "key") < 0) return NULL;
  if (uvkpy_bytes(args[3], &value, "value") < 0) {
    uvkpy_bytes_release(&key);
    return NULL;
  }
  int rc = -1;
  if (uvkpy_headers(args[4], &h, "headers") == 0) {
    m.key = key.ptr;
    m.key_len = key.len;
    m.value = value.ptr;
    m.value_len = value.len;
    m.headers = h.n ? h.items : NULL;
    m.n_headers = h.n;
    Py_INCREF(cb);
    rc = uvk_producer_send(self->producer, topic, &m, 1, &o, on_sent_one, cb);
    if (rc != 0) Py_DECREF(cb);
  }
  uvkpy_headers_release(&h);
  uvkpy_bytes_release(&key);
  uvkpy_bytes_release(&value);
  if (PyErr_Occurred()) return NULL;
  if (rc != 0) return uvkpy_refused(rc, "send");
  Py_RETURN_NONE;
}

/* The messages of one topic: a sequence of (key, value, headers, partition, timestamp). */
typedef struct {
  uvk_message *msgs;
  Bytes *bufs;      /* 2 per message */
  Headers *heads;
  size_t n;         /* converted so far (released on failure) */
} Converted;

static void converted_release(Converted *c) {
  for (size_t i = 0; i < c->n; i++) {
    uvkpy_bytes_release(&c->bufs[2 * i]);
    uvkpy_bytes_release(&c->bufs[2 * i + 1]);
    uvkpy_headers_release(&c->heads[i]);
  }
  PyMem_Free(c->msgs);
  PyMem_Free(c->bufs);
  PyMem_Free(c->heads);
  c->msgs = NULL;
  c->bufs = NULL;
  c->heads = NULL;
  c->n = 0;
}

static int convert_messages(PyObject *list, Converted *c) {
  c->n = 0;
  c->msgs = NULL;
  c->bufs = NULL;
  c->heads = NULL;
  PyObject *seq = PySequence_Fast(list, "messages must be a sequence of (key, value, headers, partition, timestamp)");
  if (!seq) return -1;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  if (n == 0) {
    Py_DECREF(seq);
    PyErr_SetString(PyExc_ValueError, "messages must not be empty");
    return -1;
  }
  /* Not calloc: zeroing these (a Py_buffer per key and value) was a tenth of a send_many's
   * CPU; each entry is set before it counts in c->n. */
  c->msgs = (uvk_message *)PyMem_Malloc((size_t)n * sizeof *c->msgs);
  c->bufs = (Bytes *)PyMem_Malloc((size_t)n * 2 * sizeof *c->bufs);
  c->heads = (Headers *)PyMem_Malloc((size_t)n * sizeof *c->heads);
  if (!c->msgs || !c->bufs || !c->heads) {
    Py_DECREF(seq);
    PyErr_NoMemory();
    return -1;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *t = PySequence_Fast_GET_ITEM(seq, i);
    if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 5) {
      PyErr_Format(PyExc_TypeError, "messages[%zd] must be a (key, value, headers, partition, timestamp) tuple", i);
      goto fail;
    }
    uvk_message *m = &c->msgs[i];
    long long v;
    if (uvkpy_int64(PyTuple_GET_ITEM(t, 3), "partition", -1, INT32_MAX, &v) < 0) goto fail;
    m->partition = (int32_t)v;
    if (uvkpy_int64(PyTuple_GET_ITEM(t, 4), "timestamp", -1, INT64_MAX, &v) < 0) goto fail;
    m->timestamp = (int64_t)v;
    c->heads[i].items = c->heads[i].small;
    c->heads[i].values = c->heads[i].small_values;
    c->heads[i].n = 0;
    c->bufs[2 * i].has_view = 0;
    c->bufs[2 * i + 1].has_view = 0;
    c->n = (size_t)i + 1;
    if (uvkpy_bytes(PyTuple_GET_ITEM(t, 0), &c->bufs[2 * i], "key") < 0) goto fail;
    if (uvkpy_bytes(PyTuple_GET_ITEM(t, 1), &c->bufs[2 * i + 1], "value") < 0) goto fail;
    if (uvkpy_headers(PyTuple_GET_ITEM(t, 2), &c->heads[i], "headers") < 0) goto fail;
    m->key = c->bufs[2 * i].ptr;
    m->key_len = c->bufs[2 * i].len;
    m->value = c->bufs[2 * i + 1].ptr;
    m->value_len = c->bufs[2 * i + 1].len;
    m->headers = c->heads[i].n ? c->heads[i].items : NULL;
    m->n_headers = c->heads[i].n;
  }
  Py_DECREF(seq);
  return 0;
fail:
  Py_DECREF(seq);
  return -1;
}

/* Whether a converted send may lend its payloads to the library instead of copying them:
 * every key and value bytes, str or None (immutable, kept alive by the pinned message
 * tuples) and no headers (their names and values live in mutable dicts and lists). */
static int borrowable(const Converted *c) {
  for (size_t i = 0; i < c->n; i++)
    if (c->bufs[2 * i].has_view || c->bufs[2 * i + 1].has_view || c->heads[i].n) return 0;
  return 1;
}

/* A borrowed send's completion: ud is (cb, pinned messages); they go once it has run. */
static void on_sent_pinned(uvk_producer *p, const uvk_error *err, const uvk_record_metadata *md, size_t n,
                           void *ud) {
  PyObject *pair = (PyObject *)ud;
  on_sent_many(p, err, md, n, Py_NewRef(PyTuple_GET_ITEM(pair, 0)));
  Py_DECREF(pair);
}

/* Sends with the payloads borrowed when `pin` (a tuple holding every message tuple, or NULL
 * when they must be copied) keeps them alive. */
static int send_converted(ProducerObject *self, const uvk_topic_messages *tm, size_t n_topics, uvk_send_options *o,
                          PyObject *cb, PyObject *pin) {
  PyObject *ud = pin ? PyTuple_Pack(2, cb, pin) : Py_NewRef(cb);
  if (!ud) return UVK_ENOMEM;
  o->borrow = pin != NULL;
  int rc = uvk_producer_send_batch(self->producer, tm, n_topics, o, pin ? on_sent_pinned : on_sent_many, ud);
  if (rc != 0) Py_DECREF(ud);
  return rc;
}

/* send_many(cb, topic, messages, acks, compression, timeout) */
static PyObject *Producer_send_many(ProducerObject *self, PyObject *const *args, Py_ssize_t nargs) {
  if (nargs != 6) {
    PyErr_SetString(PyExc_TypeError, "send_many takes 6 positional arguments");
    return NULL;
  }
  if (!alive(self)) return NULL;
  const char *topic = uvkpy_str(args[1], "topic");
  uvk_send_options o;
  if (!topic || uvkpy_send_options(&o, args[3], args[4], args[5]) < 0) return NULL;
  Converted c;
  if (convert_messages(args[2], &c) < 0) {
    converted_release(&c);
    return NULL;
  }
  /* Bytes and str payloads are lent, not copied: the tuple of the message tuples pins them
   * until the send completes (the list itself could change meanwhile). */
  PyObject *pin = borrowable(&c) ? PySequence_Tuple(args[2]) : NULL;
  PyErr_Clear();  /* no pin: copied */
  uvk_topic_messages tm = {topic, c.msgs, c.n};
  int rc = send_converted(self, &tm, 1, &o, args[0], pin);
  Py_XDECREF(pin);
  converted_release(&c);
  if (rc != 0) return uvkpy_refused(rc, "send");
  Py_RETURN_NONE;
}

/* send_batch(cb, [(topic, messages)], acks, compression, timeout) */
static PyObject *Producer_send_batch(ProducerObject *self, PyObject *const *args, Py_ssize_t nargs) {
  if (nargs != 5) {
    PyErr_SetString(PyExc_TypeError, "send_batch takes 5 positional arguments");
    return NULL;
  }
  if (!alive(self)) return NULL;
  uvk_send_options o;
  if (uvkpy_send_options(&o, args[2], args[3], args[4]) < 0) return NULL;
  PyObject *seq = PySequence_Fast(args[1], "topic_messages must be a sequence of (topic, messages)");
  if (!seq) return NULL;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  uvk_topic_messages *tm = (uvk_topic_messages *)PyMem_Calloc(n ? (size_t)n : 1, sizeof *tm);
  Converted *cs = (Converted *)PyMem_Calloc(n ? (size_t)n : 1, sizeof *cs);
  Py_ssize_t done = 0;
  int rc = -1;
  if (!tm || !cs) {
    PyErr_NoMemory();
    goto out;
  }
  for (; done < n; done++) {
    PyObject *t = PySequence_Fast_GET_ITEM(seq, done);
    if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 2) {
      PyErr_SetString(PyExc_TypeError, "topic_messages entries must be (topic, messages)");
      goto out;
    }
    tm[done].topic = uvkpy_str(PyTuple_GET_ITEM(t, 0), "topic");
    if (!tm[done].topic) goto out;
    if (convert_messages(PyTuple_GET_ITEM(t, 1), &cs[done]) < 0) {
      done++;
      goto out;
    }
    tm[done].messages = cs[done].msgs;
    tm[done].n_messages = cs[done].n;
  }
  {
    PyObject *pin = PyTuple_New(n);  /* per topic, the tuple of its message tuples */
    for (Py_ssize_t i = 0; pin && i < n; i++) {
      PyObject *ms = borrowable(&cs[i]) ? PySequence_Tuple(PyTuple_GET_ITEM(PySequence_Fast_GET_ITEM(seq, i), 1)) : NULL;
      if (!ms) Py_CLEAR(pin);
      else PyTuple_SET_ITEM(pin, i, ms);
    }
    PyErr_Clear();  /* no pin: copied */
    rc = send_converted(self, tm, (size_t)n, &o, args[0], pin);
    Py_XDECREF(pin);
  }
out:
  for (Py_ssize_t i = 0; cs && i < done; i++) converted_release(&cs[i]);
  PyMem_Free(tm);
  PyMem_Free(cs);
  Py_DECREF(seq);
  if (PyErr_Occurred()) return NULL;
  if (rc != 0) return uvkpy_refused(rc, "send_batch");
  Py_RETURN_NONE;
}

static void on_done(uvk_producer *p, const uvk_error *err, void *ud) {
  (void)p;
  uvkpy_complete((PyObject *)ud, Py_BuildValue("(N)", uvkpy_error_tuple(err)));
}

typedef int (*producer_op)(uvk_producer *, uvk_producer_cb, void *);

static PyObject *op(ProducerObject *self, PyObject *cb, producer_op fn, const char *what) {
  if (!alive(self)) return NULL;
  Py_INCREF(cb);
  int rc = fn(self->producer, on_done, cb);
  if (rc != 0) {
    Py_DECREF(cb);
    return uvkpy_refused(rc, what);
  }
  Py_RETURN_NONE;
}

static PyObject *Producer_flush(ProducerObject *self, PyObject *cb) {
  return op(self, cb, uvk_producer_flush, "flush");
}
static PyObject *Producer_disconnect(ProducerObject *self, PyObject *cb) {
  return op(self, cb, uvk_producer_disconnect, "disconnect");
}
static PyObject *Producer_commit(ProducerObject *self, PyObject *cb) {
  return op(self, cb, uvk_producer_commit_transaction, "commit");
}
static PyObject *Producer_abort(ProducerObject *self, PyObject *cb) {
  return op(self, cb, uvk_producer_abort_transaction, "abort");
}

static PyObject *Producer_begin(ProducerObject *self, PyObject *noargs) {
  (void)noargs;
  if (!alive(self)) return NULL;
  int rc = uvk_producer_begin_transaction(self->producer);
  if (rc != 0) return uvkpy_refused(rc, "begin_transaction");
  Py_RETURN_NONE;
}

/* send_offsets(cb, group_id, [(topic, partition, offset)]) */
static PyObject *Producer_send_offsets(ProducerObject *self, PyObject *args) {
  PyObject *cb, *group, *list;
  if (!PyArg_ParseTuple(args, "OOO", &cb, &group, &list) || !alive(self)) return NULL;
  const char *g = uvkpy_str(group, "group_id");
  if (!g) return NULL;
  PyObject *seq = PySequence_Fast(list, "offsets must be a sequence of (topic, partition, offset)");
  if (!seq) return NULL;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  uvk_topic_partition_offset *o = (uvk_topic_partition_offset *)PyMem_Calloc(n ? (size_t)n : 1, sizeof *o);
  int rc = -1;
  if (!o) {
    PyErr_NoMemory();
    goto out;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *t = PySequence_Fast_GET_ITEM(seq, i);
    long long p, off;
    if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 3) {
      PyErr_SetString(PyExc_TypeError, "offsets entries must be (topic, partition, offset)");
      goto out;
    }
    o[i].topic = uvkpy_str(PyTuple_GET_ITEM(t, 0), "topic");
    if (!o[i].topic || uvkpy_int64(PyTuple_GET_ITEM(t, 1), "partition", 0, INT32_MAX, &p) < 0 ||
        uvkpy_int64(PyTuple_GET_ITEM(t, 2), "offset", 0, INT64_MAX, &off) < 0)
      goto out;
    o[i].partition = (int32_t)p;
    o[i].offset = (int64_t)off;
  }
  Py_INCREF(cb);
  rc = uvk_producer_send_offsets(self->producer, g, o, (size_t)n, on_done, cb);
  if (rc != 0) Py_DECREF(cb);
out:
  PyMem_Free(o);
  Py_DECREF(seq);
  if (PyErr_Occurred()) return NULL;
  if (rc != 0) return uvkpy_refused(rc, "send_offsets");
  Py_RETURN_NONE;
}

static PyObject *Producer_close(ProducerObject *self, PyObject *noargs) {
  (void)noargs;
  if (uvkpy_partitioning) {
    PyErr_SetString(PyExc_RuntimeError, "not from inside a partitioner or an assigner");
    return NULL;
  }
  uvkpy_producer_close(self);
  Py_RETURN_NONE;
}

static PyObject *Producer_buffered_bytes(ProducerObject *self, PyObject *noargs) {
  (void)noargs;
  if (!alive(self)) return NULL;
  return PyLong_FromSize_t(uvk_producer_buffered_bytes(self->producer));
}

static PyMethodDef Producer_methods[] = {
  {"send", (PyCFunction)(void (*)(void))Producer_send, METH_FASTCALL, "One message."},
  {"send_soon", (PyCFunction)(void (*)(void))uvkpy_send_soon, METH_FASTCALL | METH_KEYWORDS,
   "send_soon(topic, value=None, *, key, headers, partition, timestamp) -> a future of its RecordMetadata"},
  {"soon_options", (PyCFunction)uvkpy_soon_options, METH_VARARGS, "soon_options(loop, acks, compression, timeout)"},
  {"send_many", (PyCFunction)(void (*)(void))Producer_send_many, METH_FASTCALL, "Messages to one topic."},
  {"send_batch", (PyCFunction)(void (*)(void))Producer_send_batch, METH_FASTCALL, "Messages to several topics."},
  {"produce", (PyCFunction)(void (*)(void))uvkpy_produce, METH_FASTCALL | METH_KEYWORDS,
   "produce(topic, value=None, *, key=None, headers=None, partition=None, timestamp=None): fire and forget."},
  {"hand_over", (PyCFunction)(void (*)(void))uvkpy_hand_over, METH_FASTCALL,
   "hand_over(acks, compression, timeout, slice_bytes): this turn's produce() messages to the library."},
  {"queued", (PyCFunction)uvkpy_queued, METH_NOARGS, "produce() messages waiting for the library's memory."},
  {"drop_unsent", (PyCFunction)uvkpy_drop_unsent, METH_NOARGS, "Forgets the produce() messages not handed over."},
  {"take_error", (PyCFunction)uvkpy_take_error, METH_NOARGS, "The first produce() failure since the last call, or None."},
  {"set_wake", (PyCFunction)uvkpy_set_wake, METH_O, "set_wake(fn): fn() when a turn's first produce() arrives."},
  {"set_partitioner", (PyCFunction)uvkpy_set_partitioner, METH_O,
   "set_partitioner(fn or None): fn(topic, partitions, key, value) -> partition or None."},
  {"flush", (PyCFunction)Producer_flush, METH_O, "flush(cb)"},
  {"disconnect", (PyCFunction)Producer_disconnect, METH_O, "disconnect(cb)"},
  {"begin_transaction", (PyCFunction)Producer_begin, METH_NOARGS, "Begins a transaction."},
  {"commit_transaction", (PyCFunction)Producer_commit, METH_O, "commit_transaction(cb)"},
  {"abort_transaction", (PyCFunction)Producer_abort, METH_O, "abort_transaction(cb)"},
  {"send_offsets", (PyCFunction)Producer_send_offsets, METH_VARARGS, "send_offsets(cb, group_id, offsets)"},
  {"buffered_bytes", (PyCFunction)Producer_buffered_bytes, METH_NOARGS, "Bytes queued or in flight."},
  {"close", (PyCFunction)Producer_close, METH_NOARGS, "Frees the producer (pending calls fail)."},
  {NULL, NULL, 0, NULL},
};

PyTypeObject Producer_Type = {
  PyVarObject_HEAD_INIT(NULL, 0)
  .tp_name = "uvkafka._native.Producer",
  .tp_basicsize = sizeof(ProducerObject),
  .tp_dealloc = (destructor)Producer_dealloc,
  .tp_flags = Py_TPFLAGS_DEFAULT,
  .tp_doc = "Producer(client, config=None)",
  .tp_methods = Producer_methods,
  .tp_init = (initproc)Producer_init,
  .tp_new = PyType_GenericNew,
};
