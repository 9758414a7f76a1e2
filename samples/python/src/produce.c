/* Producer.produce(): fire and forget at a few hundred ns a message. A call checks its
 * arguments and keeps references to them in the producer's current chunk; hand_over() (the
 * driver calls it before each step) gives the chunk to the library as one send_batch with
 * borrowed payloads (no copy), and the chunk's references go when that send completes.
 * Chunks are reused: big per-turn allocations were page faults (half the CPU of a send).
 * A turn's messages go as slices (kSliceMsgs, slice_bytes): a slice the library refuses for
 * memory (UVK_EQUEUEFULL) waits, with the ones after it, until the library drains, so a
 * burst bigger than bufferMemory is sent in order instead of failing whole. */
#include "convert.h"

#include <string.h>

typedef struct {
  PyObject *topic;    /* str */
  PyObject *key;      /* bytes / str, or NULL */
  PyObject *value;    /* bytes / str, or NULL */
  PyObject *headers;  /* a tuple of (str, bytes / str / None) pairs, or NULL */
  int32_t partition;
  int64_t timestamp;
} PendMsg;

typedef struct ProduceChunk {
  ProducerObject *owner;
  PendMsg *msgs;
  size_t n, cap;
  uvk_message *um;
  size_t cap_um;
  uvk_header *hdrs;
  size_t cap_hdrs;
  uvk_topic_messages *tm;
  size_t cap_tm;
  struct ProduceChunk *next;
} ProduceChunk;

enum { kSpareChunks = 8, kKeepCap = 1 << 16, kSliceMsgs = 8192 };

static void chunk_drop_refs(ProduceChunk *c) {
  for (size_t i = 0; i < c->n; i++) {
    Py_DECREF(c->msgs[i].topic);
    Py_XDECREF(c->msgs[i].key);
    Py_XDECREF(c->msgs[i].value);
    Py_XDECREF(c->msgs[i].headers);
  }
  c->n = 0;
}

static void chunk_free(ProduceChunk *c) {
  chunk_drop_refs(c);
  PyMem_Free(c->msgs);
  PyMem_Free(c->um);
  PyMem_Free(c->hdrs);
  PyMem_Free(c->tm);
  PyMem_Free(c);
}

/* A used chunk back to its producer's spares (a few, not too big), or freed. */
static void chunk_recycle(ProduceChunk *c) {
  chunk_drop_refs(c);
  ProducerObject *p = c->owner;
  size_t spares = 0;
  for (ProduceChunk *s = p->spare; s; s = s->next) spares++;
  if (spares >= kSpareChunks || c->cap > kKeepCap) {
    chunk_free(c);
    return;
  }
  c->next = p->spare;
  p->spare = c;
}

static ProduceChunk *chunk_new(ProducerObject *p) {
  ProduceChunk *c = p->spare;
  if (c) {
    p->spare = c->next;
  } else {
    c = (ProduceChunk *)PyMem_Calloc(1, sizeof *c);
    if (!c) return (ProduceChunk *)PyErr_NoMemory();
    c->owner = p;
  }
  c->next = NULL;
  return c;
}

static ProduceChunk *chunk_get(ProducerObject *p) {
  if (!p->filling) p->filling = chunk_new(p);
  return p->filling;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t n = *cap ? *cap : 256;
  while (n < need) n *= 2;
  void *a = PyMem_Realloc(*arr, n * elem);
  if (!a) {
    PyErr_NoMemory();
    return -1;
  }
  *arr = a;
  *cap = n;
  return 0;
}

/* A key / value / header value as the chunk keeps it: NULL for None, bytes and str as they
 * are (immutable), any other buffer copied into bytes now (it may change before the send). */
int uvkpy_payload(PyObject *o, const char *what, PyObject **out) {
  *out = NULL;
  if (o == Py_None) return 0;
  if (PyBytes_Check(o)) {
    Py_INCREF(o);
    *out = o;
    return 0;
  }
  if (PyUnicode_Check(o)) {
    if (!PyUnicode_AsUTF8AndSize(o, NULL)) return -1;  /* lone surrogates; caches the UTF-8 */
    Py_INCREF(o);
    *out = o;
    return 0;
  }
  if (PyObject_CheckBuffer(o)) {
    *out = PyBytes_FromObject(o);
    return *out ? 0 : -1;
  }
  PyErr_Format(PyExc_TypeError, "%s must be bytes, str, a buffer or None, not %.80s", what, Py_TYPE(o)->tp_name);
  return -1;
}

static PyObject *header_pair(PyObject *name, PyObject *value) {
  const char *n = uvkpy_str(name, "headers name");
  if (!n) return NULL;
  char label[96];  /* names the header, as send_many's checks do */
  PyOS_snprintf(label, sizeof label, "headers[%.40s] value", n);
  PyObject *v;
  if (uvkpy_payload(value, label, &v) < 0) return NULL;
  PyObject *t = PyTuple_Pack(2, name, v ? v : Py_None);
  Py_XDECREF(v);
  return t;
}

/* headers (None, a dict or (name, value) pairs) as a tuple of checked pairs; NULL for none. */
int uvkpy_pinned_headers(PyObject *o, PyObject **out) {
  *out = NULL;
  if (o == Py_None) return 0;
  PyObject *t = NULL;
  if (PyDict_Check(o)) {
    t = PyTuple_New(PyDict_GET_SIZE(o));
    PyObject *k, *v;
    Py_ssize_t pos = 0, i = 0;
    while (t && PyDict_Next(o, &pos, &k, &v)) {
      PyObject *pair = i < PyTuple_GET_SIZE(t) ? header_pair(k, v) : NULL;
      if (!pair) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_RuntimeError, "headers changed size while read");
        Py_CLEAR(t);
        break;
      }
      PyTuple_SET_ITEM(t, i++, pair);
    }
  } else if (!PyUnicode_Check(o) && !PyBytes_Check(o) && PySequence_Check(o)) {
    PyObject *seq = PySequence_Fast(o, "headers must be a dict or (name, value) pairs");
    if (!seq) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    t = PyTuple_New(n);
    for (Py_ssize_t i = 0; t && i < n; i++) {
      PyObject *p = PySequence_Fast_GET_ITEM(seq, i);
      PyObject *pair = NULL;
      if (!PyTuple_Check(p) || PyTuple_GET_SIZE(p) != 2)
        PyErr_SetString(PyExc_TypeError, "headers must be a dict or (name, value) pairs");
      else
        pair = header_pair(PyTuple_GET_ITEM(p, 0), PyTuple_GET_ITEM(p, 1));
      if (!pair) {
        Py_CLEAR(t);
        break;
      }
      PyTuple_SET_ITEM(t, i, pair);
    }
    Py_DECREF(seq);
  } else {
    PyErr_Format(PyExc_TypeError, "headers must be a dict or (name, value) pairs, not %.80s", Py_TYPE(o)->tp_name);
    return -1;
  }
  if (!t) return -1;
  if (PyTuple_GET_SIZE(t) == 0) {
    Py_DECREF(t);
    return 0;
  }
  *out = t;
  return 0;
}

int uvkpy_opt_int(PyObject *o, const char *what, long long lo, long long hi, long long dflt, long long *out) {
  if (o == NULL || o == Py_None) {
    *out = dflt;
    return 0;
  }
  return uvkpy_int64(o, what, lo, hi, out);
}

int uvkpy_kw_is(PyObject *name, const char *s) {
  return PyUnicode_Check(name) && PyUnicode_CompareWithASCIIString(name, s) == 0;
}

int uvkpy_message_args(ProducerObject *self, const char *fn, PyObject *const *args, Py_ssize_t nargs,
                       PyObject *kwnames, UvkpyMessageArgs *out) {
  out->value = out->key = out->headers = Py_None;
  out->partition = out->timestamp = NULL;
  if (nargs < 1 || nargs > 2) {
    PyErr_Format(PyExc_TypeError, "%s() takes a topic and a value (the rest by keyword)", fn);
    return -1;
  }
  out->topic = args[0];
  if (nargs == 2) out->value = args[1];
  Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t i = 0; i < nkw; i++) {
    PyObject *k = PyTuple_GET_ITEM(kwnames, i), *v = args[nargs + i];
    if (uvkpy_kw_is(k, "key")) out->key = v;
    else if (uvkpy_kw_is(k, "headers")) out->headers = v;
    else if (uvkpy_kw_is(k, "partition")) out->partition = v;
    else if (uvkpy_kw_is(k, "timestamp")) out->timestamp = v;
    else if (uvkpy_kw_is(k, "value") && nargs < 2) out->value = v;
    else {
      PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument %R", fn, k);
      return -1;
    }
  }
  if (!self->producer || uvkpy_partitioning) {
    PyErr_SetString(PyExc_RuntimeError, self->producer ? "not from inside a partitioner or an assigner" : "the producer is closed");
    return -1;
  }
  return 0;
}

/* produce(topic, value=None, *, key=None, headers=None, partition=None, timestamp=None) */
PyObject *uvkpy_produce(ProducerObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
  UvkpyMessageArgs a;
  if (uvkpy_message_args(self, "produce", args, nargs, kwnames, &a) < 0) return NULL;
  PyObject *topic = a.topic, *value = a.value, *key = a.key, *headers = a.headers, *partition = a.partition,
           *timestamp = a.timestamp;
  ProduceChunk *c = self->filling;
  /* The topic of the message before is known good: skip its checks. */
  if (!(c && c->n && c->msgs[c->n - 1].topic == topic) && !uvkpy_str(topic, "topic")) return NULL;
  long long part, ts;
  if (uvkpy_opt_int(partition, "partition", -1, INT32_MAX, -1, &part) < 0 ||
      uvkpy_opt_int(timestamp, "timestamp", -1, INT64_MAX, -1, &ts) < 0)
    return NULL;
  PendMsg m;
  if (uvkpy_payload(value, "value", &m.value) < 0) return NULL;
  if (uvkpy_payload(key, "key", &m.key) < 0 || uvkpy_pinned_headers(headers, &m.headers) < 0) {
    Py_XDECREF(m.value);
    Py_XDECREF(m.key);
    return NULL;
  }
  Py_INCREF(topic);
  m.topic = topic;
  m.partition = (int32_t)part;
  m.timestamp = (int64_t)ts;
  if ((!c || c->n == 0) && self->wake && self->wake != Py_None) {
    /* The turn's first message: the Python side schedules a step (which hands over). */
    PyObject *r = PyObject_CallNoArgs(self->wake);
    Py_XDECREF(r);
    if (!r || !self->producer) {
      if (r) PyErr_SetString(PyExc_RuntimeError, "the producer is closed");
      goto fail;
    }
  }
  c = chunk_get(self);
  if (!c || grow((void **)&c->msgs, &c->cap, c->n + 1, sizeof *c->msgs) < 0) goto fail;
  c->msgs[c->n++] = m;
  Py_RETURN_NONE;
fail:
  Py_DECREF(m.topic);
  Py_XDECREF(m.key);
  Py_XDECREF(m.value);
  Py_XDECREF(m.headers);
  return NULL;
}

void uvkpy_view(PyObject *o, const void **ptr, size_t *len) {
  if (!o) {
    *ptr = NULL;
    *len = 0;
  } else if (PyBytes_Check(o)) {
    *ptr = PyBytes_AS_STRING(o);
    *len = (size_t)PyBytes_GET_SIZE(o);
  } else {
    Py_ssize_t n = 0;
    *ptr = PyUnicode_AsUTF8AndSize(o, &n);  /* cached by payload(): cannot fail */
    *len = (size_t)n;
  }
}

static void on_chunk_sent(uvk_producer *p, const uvk_error *err, const uvk_record_metadata *md, size_t n, void *ud) {
  (void)p;
  (void)md;
  (void)n;
  ProduceChunk *c = (ProduceChunk *)ud;
  ProducerObject *owner = c->owner;
  if (err && !owner->first_error) {
    owner->first_error = uvkpy_error_tuple(err);
    if (!owner->first_error) uvkpy_keep_exception();
  }
  chunk_recycle(c);
}

/* The chunk's uvk_message / uvk_header / uvk_topic_messages arrays (runs of one topic). */
static int chunk_views(ProduceChunk *c, size_t *n_topics) {
  size_t nh = 0, nt = 0;
  for (size_t i = 0; i < c->n; i++) {
    if (c->msgs[i].headers) nh += (size_t)PyTuple_GET_SIZE(c->msgs[i].headers);
    if (i == 0 || c->msgs[i].topic != c->msgs[i - 1].topic) nt++;
  }
  if (grow((void **)&c->um, &c->cap_um, c->n, sizeof *c->um) < 0 ||
      grow((void **)&c->hdrs, &c->cap_hdrs, nh ? nh : 1, sizeof *c->hdrs) < 0 ||
      grow((void **)&c->tm, &c->cap_tm, nt, sizeof *c->tm) < 0)
    return -1;
  size_t h = 0, t = 0;
  for (size_t i = 0; i < c->n; i++) {
    PendMsg *pm = &c->msgs[i];
    uvk_message *m = &c->um[i];
    uvkpy_view(pm->key, &m->key, &m->key_len);
    uvkpy_view(pm->value, &m->value, &m->value_len);
    m->partition = pm->partition;
    m->timestamp = pm->timestamp;
    m->headers = NULL;
    m->n_headers = 0;
    if (pm->headers) {
      Py_ssize_t k = PyTuple_GET_SIZE(pm->headers);
      m->headers = &c->hdrs[h];
      m->n_headers = (size_t)k;
      for (Py_ssize_t j = 0; j < k; j++, h++) {
        PyObject *pair = PyTuple_GET_ITEM(pm->headers, j);
        PyObject *v = PyTuple_GET_ITEM(pair, 1);
        c->hdrs[h].name = PyUnicode_AsUTF8(PyTuple_GET_ITEM(pair, 0));
        uvkpy_view(v == Py_None ? NULL : v, &c->hdrs[h].value, &c->hdrs[h].value_len);
      }
    }
    if (i == 0 || pm->topic != c->msgs[i - 1].topic) {
      c->tm[t].topic = PyUnicode_AsUTF8(pm->topic);
      c->tm[t].messages = m;
      c->tm[t].n_messages = 0;
      t++;
    }
    c->tm[t - 1].n_messages++;
  }
  *n_topics = nt;
  return 0;
}

static size_t payload_len(PyObject *o) {
  if (!o) return 0;
  if (PyBytes_Check(o)) return (size_t)PyBytes_GET_SIZE(o);
  Py_ssize_t n = 0;
  PyUnicode_AsUTF8AndSize(o, &n);
  return (size_t)n;
}

static void enqueue(ProducerObject *p, ProduceChunk *c) {
  c->next = NULL;
  if (p->queue_tail) p->queue_tail->next = c;
  else p->queue = c;
  p->queue_tail = c;
}

/* The filling chunk into the queue, cut into slices. */
static int queue_filling(ProducerObject *p) {
  ProduceChunk *f = p->filling;
  if (!f || f->n == 0) return 0;
  p->filling = NULL;
  size_t start = 0;
  while (start < f->n) {
    size_t end = start, bytes = 0;
    while (end < f->n && end - start < kSliceMsgs) {
      size_t b = 64 + payload_len(f->msgs[end].key) + payload_len(f->msgs[end].value);
      if (end > start && bytes + b > p->slice_bytes) break;  /* a big message goes alone */
      bytes += b;
      end++;
    }
    if (start == 0 && end == f->n) {  /* one slice: the chunk itself */
      enqueue(p, f);
      return 0;
    }
    ProduceChunk *c = chunk_new(p);
    if (!c || grow((void **)&c->msgs, &c->cap, end - start, sizeof *c->msgs) < 0) {
      if (c) chunk_recycle(c);
      /* what is not queued yet stays in f, which becomes the filling chunk again */
      memmove(f->msgs, f->msgs + start, (f->n - start) * sizeof *f->msgs);
      f->n -= start;
      p->filling = f;
      return -1;
    }
    memcpy(c->msgs, f->msgs + start, (end - start) * sizeof *c->msgs);  /* the references move */
    c->n = end - start;
    enqueue(p, c);
    start = end;
  }
  f->n = 0;  /* every reference moved to a slice */
  chunk_recycle(f);
  return 0;
}

static void keep_error(ProducerObject *p, int rc) {
  if (!p->first_error) p->first_error = uvkpy_code_tuple(rc, "produce");
  if (!p->first_error) uvkpy_keep_exception();
}

static void on_drain(uvk_producer *pr, const uvk_error *err, void *ud);

/* Sends the queue's slices in order until the library refuses one for memory. */
static int send_queue(ProducerObject *p) {
  while (p->queue && p->producer) {
    ProduceChunk *c = p->queue;
    size_t nt = 0;
    if (chunk_views(c, &nt) < 0) return -1;
    int rc = uvk_producer_send_batch(p->producer, c->tm, nt, &p->produce_opts, on_chunk_sent, c);
    if (rc == UVK_EQUEUEFULL) {
      if (!p->drain_set && uvk_producer_set_drain_cb(p->producer, on_drain, p) == 0) p->drain_set = 1;
      if (p->drain_set) return 0;  /* the drain callback wakes the next hand-over */
    }
    p->queue = c->next;
    if (!p->queue) p->queue_tail = NULL;
    if (rc != 0) {
      keep_error(p, rc);
      chunk_recycle(c);
    }
  }
  return 0;
}

/* The library has room again: the Python side schedules a step, which hands over. */
static void on_drain(uvk_producer *pr, const uvk_error *err, void *ud) {
  (void)pr;
  (void)err;
  ProducerObject *p = (ProducerObject *)ud;
  if (!p->queue || !p->wake || p->wake == Py_None) return;
  PyObject *r = PyObject_CallNoArgs(p->wake);
  if (r) Py_DECREF(r);
  else uvkpy_keep_exception();
}

/* hand_over(acks, compression, timeout, slice_bytes): this turn's produce() messages (and what waited for
 * memory) to the library. A refusal other than a full buffer (a bad partition...) is kept for
 * take_error(), like a failed send. */
PyObject *uvkpy_hand_over(ProducerObject *self, PyObject *const *args, Py_ssize_t nargs) {
  if (nargs != 4) {
    PyErr_SetString(PyExc_TypeError, "hand_over takes 4 positional arguments");
    return NULL;
  }
  self->soon_woken = 0;  /* a step follows: send_soon's next call wakes the driver again */
  if (!self->producer || ((!self->filling || self->filling->n == 0) && !self->queue)) Py_RETURN_NONE;
  if (uvkpy_partitioning) {
    PyErr_SetString(PyExc_RuntimeError, "not from inside a partitioner or an assigner");
    return NULL;
  }
  uvk_send_options o;
  if (uvkpy_send_options(&o, args[0], args[1], args[2]) < 0) return NULL;
  long long sb;
  if (uvkpy_int64(args[3], "slice_bytes", 1, INT32_MAX, &sb) < 0) return NULL;
  o.borrow = 1;  /* the chunks hold the payloads until their completion */
  self->produce_opts = o;
  self->slice_bytes = (size_t)sb;
  if (queue_filling(self) < 0 || send_queue(self) < 0) return NULL;
  Py_RETURN_NONE;
}

PyObject *uvkpy_queued(ProducerObject *self, PyObject *noargs) {
  (void)noargs;
  size_t n = 0;
  for (ProduceChunk *c = self->queue; c; c = c->next) n += c->n;
  return PyLong_FromSize_t(n);
}

PyObject *uvkpy_drop_unsent(ProducerObject *self, PyObject *noargs) {
  (void)noargs;
  while (self->queue) {
    ProduceChunk *c = self->queue;
    self->queue = c->next;
    chunk_recycle(c);
  }
  self->queue_tail = NULL;
  if (self->filling) chunk_drop_refs(self->filling);
  Py_RETURN_NONE;
}

PyObject *uvkpy_take_error(ProducerObject *self, PyObject *noargs) {
  (void)noargs;
  PyObject *e = self->first_error;
  self->first_error = NULL;
  if (e) return e;
  Py_RETURN_NONE;
}

PyObject *uvkpy_set_wake(ProducerObject *self, PyObject *wake) {
  Py_INCREF(wake);
  Py_XSETREF(self->wake, wake);
  Py_RETURN_NONE;
}

void uvkpy_produce_clear(ProducerObject *self) {
  if (self->filling) chunk_free(self->filling);
  self->filling = NULL;
  while (self->queue) {
    ProduceChunk *c = self->queue;
    self->queue = c->next;
    chunk_free(c);
  }
  self->queue_tail = NULL;
  while (self->spare) {
    ProduceChunk *c = self->spare;
    self->spare = c->next;
    chunk_free(c);
  }
}
