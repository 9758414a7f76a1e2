/* Producer.send_soon(): one message and an asyncio future of its RecordMetadata, without a
 * Python frame on either side: the arguments are checked here, the payloads lent to the
 * library (bytes and str kept, other buffers copied once, headers as a checked tuple), and
 * the library's completion sets the future from C. What is left per message is asyncio's
 * own work: the future and the callbacks its result schedules. */
#include "convert.h"

/* Module-wide, set once by soon_setup(): asyncio.Future, RecordMetadata, _errors.from_native
 * (an error tuple to its KafkaError) and _errors.raise_native (a refusal to its KafkaError). */
static PyObject *future_type, *md_type, *from_native, *raise_native, *loop_kw, *str_done, *str_set_result,
    *str_set_exception;

typedef struct {
  PyObject *fut, *topic, *key, *value, *headers;  /* strong references until the completion */
  size_t n_headers;
  uvk_header hdrs[];                               /* lent to the library with the message */
} Soon;

static void soon_free(Soon *s) {
  Py_XDECREF(s->fut);
  Py_XDECREF(s->topic);
  Py_XDECREF(s->key);
  Py_XDECREF(s->value);
  Py_XDECREF(s->headers);
  PyMem_Free(s);
}

/* RecordMetadata(topic, partition, offset) without its Python __new__. */
static PyObject *record_metadata(PyObject *topic, int32_t partition, long long offset) {
  PyObject *fields = Py_BuildValue("(Oil)", topic, partition, offset);
  PyObject *args = fields ? PyTuple_Pack(1, fields) : NULL;
  PyObject *md = args ? PyTuple_Type.tp_new((PyTypeObject *)md_type, args, NULL) : NULL;
  Py_XDECREF(fields);
  Py_XDECREF(args);
  return md;
}

static void on_soon(uvk_producer *p, const uvk_error *err, const uvk_record_metadata *md, size_t n, void *ud) {
  (void)p;
  Soon *s = (Soon *)ud;
  PyObject *done = PyObject_CallMethodNoArgs(s->fut, str_done);
  if (done == Py_False) {  /* not cancelled meanwhile */
    PyObject *r = NULL, *v;
    if (err) {
      PyObject *t = uvkpy_error_tuple(err);
      v = t ? PyObject_CallOneArg(from_native, t) : NULL;
      Py_XDECREF(t);
      if (v) r = PyObject_CallMethodOneArg(s->fut, str_set_exception, v);
    } else {
      v = record_metadata(s->topic, n ? md[0].partition : -1, n ? (long long)md[0].base_offset : -1);
      if (v) r = PyObject_CallMethodOneArg(s->fut, str_set_result, v);
    }
    Py_XDECREF(v);
    if (r) Py_DECREF(r);
    else uvkpy_keep_exception();
  } else if (!done) {
    uvkpy_keep_exception();
  }
  Py_XDECREF(done);
  soon_free(s);
}

/* soon_setup(Future, RecordMetadata, from_native, raise_native): once, at import. */
PyObject *uvkpy_soon_setup(PyObject *m, PyObject *args) {
  (void)m;
  PyObject *f, *md, *fn, *rn;
  if (!PyArg_ParseTuple(args, "OO!OO", &f, &PyType_Type, &md, &fn, &rn)) return NULL;
  if (!PyType_IsSubtype((PyTypeObject *)md, &PyTuple_Type)) {
    PyErr_SetString(PyExc_TypeError, "RecordMetadata must be a tuple subclass");
    return NULL;
  }
  if (!loop_kw && !(loop_kw = Py_BuildValue("(s)", "loop"))) return NULL;
  if (!str_done && !(str_done = PyUnicode_InternFromString("done"))) return NULL;
  if (!str_set_result && !(str_set_result = PyUnicode_InternFromString("set_result"))) return NULL;
  if (!str_set_exception && !(str_set_exception = PyUnicode_InternFromString("set_exception"))) return NULL;
  Py_XSETREF(future_type, Py_NewRef(f));
  Py_XSETREF(md_type, Py_NewRef(md));
  Py_XSETREF(from_native, Py_NewRef(fn));
  Py_XSETREF(raise_native, Py_NewRef(rn));
  Py_RETURN_NONE;
}

/* soon_options(loop, acks, compression, timeout): the loop of the futures and the sends'
 * options (the Python side sets them when it attaches the producer to a loop). */
PyObject *uvkpy_soon_options(ProducerObject *self, PyObject *args) {
  PyObject *loop, *acks, *compression, *timeout;
  if (!PyArg_ParseTuple(args, "OOOO", &loop, &acks, &compression, &timeout)) return NULL;
  uvk_send_options o;
  if (uvkpy_send_options(&o, acks, compression, timeout) < 0) return NULL;
  o.borrow = 1;  /* each Soon holds its payloads until the completion */
  self->soon_opts = o;
  Py_XSETREF(self->soon_loop, Py_NewRef(loop));
  Py_RETURN_NONE;
}

/* A refusal of the library raised as its KafkaError (QueueFullError...), as send() did. */
static PyObject *refused(int rc) {
  uvkpy_refused(rc, "send");
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  PyErr_NormalizeException(&type, &value, &tb);
  PyObject *e = value ? PyObject_CallOneArg(raise_native, value) : NULL;
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(tb);
  if (e) {
    PyErr_SetObject((PyObject *)Py_TYPE(e), e);
    Py_DECREF(e);
  }
  return NULL;
}

/* send_soon(topic, value=None, *, key=None, headers=None, partition=None, timestamp=None) */
PyObject *uvkpy_send_soon(ProducerObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
  UvkpyMessageArgs a;
  if (uvkpy_message_args(self, "send_soon", args, nargs, kwnames, &a) < 0) return NULL;
  PyObject *topic = a.topic, *value = a.value, *key = a.key, *headers = a.headers, *partition = a.partition,
           *timestamp = a.timestamp;
  if (!self->soon_loop || !future_type) {
    PyErr_SetString(PyExc_RuntimeError, "send_soon: the producer is not attached to a loop");
    return NULL;
  }
  const char *t = uvkpy_str(topic, "topic");
  if (!t) return NULL;
  long long part, ts;
  if (uvkpy_opt_int(partition, "partition", -1, INT32_MAX, -1, &part) < 0 ||
      uvkpy_opt_int(timestamp, "timestamp", -1, INT64_MAX, -1, &ts) < 0)
    return NULL;
  PyObject *pv, *pk = NULL, *ph = NULL;
  if (uvkpy_payload(value, "value", &pv) < 0) return NULL;
  if (uvkpy_payload(key, "key", &pk) < 0 || uvkpy_pinned_headers(headers, &ph) < 0) {
    Py_XDECREF(pv);
    Py_XDECREF(pk);
    return NULL;
  }
  size_t nh = ph ? (size_t)PyTuple_GET_SIZE(ph) : 0;
  Soon *s = (Soon *)PyMem_Malloc(sizeof(Soon) + nh * sizeof(uvk_header));
  if (!s) {
    Py_XDECREF(pv);
    Py_XDECREF(pk);
    Py_XDECREF(ph);
    return PyErr_NoMemory();
  }
  s->topic = Py_NewRef(topic);
  s->key = pk;
  s->value = pv;
  s->headers = ph;
  s->n_headers = nh;
  PyObject *loop = self->soon_loop;
  s->fut = PyObject_Vectorcall(future_type, &loop, 0, loop_kw);  /* Future(loop=loop) */
  if (!s->fut) {
    soon_free(s);
    return NULL;
  }
  uvk_message m;
  uvkpy_view(pk, &m.key, &m.key_len);
  uvkpy_view(pv, &m.value, &m.value_len);
  m.partition = (int32_t)part;
  m.timestamp = (int64_t)ts;
  for (size_t i = 0; i < nh; i++) {
    PyObject *pair = PyTuple_GET_ITEM(ph, (Py_ssize_t)i), *hv = PyTuple_GET_ITEM(pair, 1);
    s->hdrs[i].name = PyUnicode_AsUTF8(PyTuple_GET_ITEM(pair, 0));  /* checked: cannot fail */
    uvkpy_view(hv == Py_None ? NULL : hv, &s->hdrs[i].value, &s->hdrs[i].value_len);
  }
  m.headers = nh ? s->hdrs : NULL;
  m.n_headers = nh;
  int rc = uvk_producer_send(self->producer, t, &m, 1, &self->soon_opts, on_soon, s);
  if (rc != 0) {
    soon_free(s);
    return refused(rc);
  }
  PyObject *fut = Py_NewRef(s->fut);
  if (!self->soon_woken && self->wake && self->wake != Py_None) {
    /* The turn's first send: the Python side schedules a step (hand_over clears the flag). */
    self->soon_woken = 1;
    PyObject *r = PyObject_CallNoArgs(self->wake);
    if (!r) {
      Py_DECREF(fut);
      return NULL;
    }
    Py_DECREF(r);
  }
  return fut;
}
