/* Message and Messages: a fetched batch as a Messages sequence; a Message is a two-field
 * view into it whose fields become Python objects only when read. While the library's
 * handler call runs, a Messages reads the library's own views (no copy); when the call ends
 * and the Messages (or a Message of it) is still referenced from Python, its keys and values
 * are copied into one block then (uvkpy_messages_settle), so a handler that walks its batch
 * and keeps nothing costs no copy at all. */
#include "native.h"

typedef struct {
  int64_t offset, timestamp;
  Py_ssize_t key_at, value_at; /* into data; -1: None */
  Py_ssize_t key_len, value_len;
  PyObject *headers;           /* a tuple of (name, value); NULL: none */
} Slot;

typedef struct {
  PyObject_HEAD
  PyObject *topic;
  int32_t partition;
  Py_ssize_t n;                     /* messages */
  const uvk_consumer_message *src;  /* the library's views, during its handler call; else NULL */
  const void *src_id;               /* the library's array when made (each_message's match) */
  const char *src_topic;
  int64_t first_offset;
  int lost;                         /* the copy failed (no memory): keys, values, headers gone */
  Py_ssize_t filled;                /* slots filled by the copy */
  Slot *slots;                      /* n slots, then the data block: one allocation, or NULL */
  size_t cap;                       /* its size */
  char *data;
} MessagesObject;

typedef struct {
  PyObject_HEAD
  MessagesObject *batch;
  Py_ssize_t i;
} MessageObject;

PyTypeObject Messages_Type;

/* The block of the last copy freed, kept for the next one: a fetch's blocks are megabytes,
 * and fresh ones cost a page fault per 4 KiB. One block (the GIL guards it), 64 MiB at most. */
static void *spare;
static size_t spare_cap;
#define SPARE_MAX ((size_t)64 << 20)

static void *block_take(size_t need, size_t *cap) {
  if (spare && spare_cap >= need) {
    void *b = spare;
    *cap = spare_cap;
    spare = NULL;
    return b;
  }
  *cap = need;
  return PyMem_Malloc(need);
}

static void block_give(void *b, size_t cap) {
  if (!b) return;
  if (cap <= SPARE_MAX && (!spare || spare_cap < cap)) {
    PyMem_Free(spare);
    spare = b;
    spare_cap = cap;
  } else {
    PyMem_Free(b);
  }
}
PyTypeObject Message_Type;
static PyObject *no_headers;

static PyObject *headers_tuple(const uvk_consumer_message *m) {
  PyObject *t = PyTuple_New((Py_ssize_t)m->n_headers);
  if (!t) return NULL;
  for (size_t i = 0; i < m->n_headers; i++) {
    PyObject *pair = Py_BuildValue("(sN)", m->headers[i].name,
                                   uvkpy_bytes_or_none(m->headers[i].value, m->headers[i].value_len));
    if (!pair) {
      Py_DECREF(t);
      return NULL;
    }
    PyTuple_SET_ITEM(t, (Py_ssize_t)i, pair);
  }
  return t;
}

PyObject *uvkpy_messages_borrow(const uvk_batch *b, PyObject *topic) {
  if (b->n_messages > (size_t)PY_SSIZE_T_MAX / sizeof(Slot)) return PyErr_NoMemory();
  MessagesObject *o = PyObject_New(MessagesObject, &Messages_Type);
  if (!o) return NULL;
  o->topic = Py_NewRef(topic);
  o->partition = b->partition;
  o->n = (Py_ssize_t)b->n_messages;
  o->src = b->messages;
  o->src_id = b->messages;
  o->src_topic = b->topic;
  o->first_offset = b->n_messages ? b->messages[0].offset : -1;
  o->lost = 0;
  o->filled = 0;
  o->slots = NULL;
  o->cap = 0;
  o->data = NULL;
  return (PyObject *)o;
}

static unsigned long long n_copies;  /* batches copied (a handler kept them): the suite reads it */

PyObject *uvkpy_batches_copied(PyObject *m, PyObject *noargs) {
  (void)m;
  (void)noargs;
  return PyLong_FromUnsignedLongLong(n_copies);
}

/* Copies the library's views (valid now) into the object's own block. */
static int copy_views(MessagesObject *o) {
  const uvk_consumer_message *src = o->src;
  n_copies++;
  size_t n = (size_t)o->n, total = 0;
  for (size_t i = 0; i < n; i++)
    total += (src[i].key ? src[i].key_len : 0) + (src[i].value ? src[i].value_len : 0);  /* held in memory: no overflow */
  size_t head = n * sizeof(Slot);
  if (total > (size_t)PY_SSIZE_T_MAX - head - 1 || !(o->slots = (Slot *)block_take(head + total + 1, &o->cap))) {
    PyErr_NoMemory();
    return -1;
  }
  o->data = (char *)o->slots + head;
  Py_ssize_t at = 0;
  for (size_t i = 0; i < n; i++) {
    const uvk_consumer_message *m = &src[i];
    Slot *s = &o->slots[i];
    s->offset = m->offset;
    s->timestamp = m->timestamp;
    s->key_at = s->value_at = -1;
    s->key_len = s->value_len = 0;
    s->headers = NULL;
    if (m->key) {
      memcpy(o->data + at, m->key, m->key_len);
      s->key_at = at;
      s->key_len = (Py_ssize_t)m->key_len;
      at += s->key_len;
    }
    if (m->value) {
      memcpy(o->data + at, m->value, m->value_len);
      s->value_at = at;
      s->value_len = (Py_ssize_t)m->value_len;
      at += s->value_len;
    }
    o->filled = (Py_ssize_t)i + 1;  /* this slot is complete: dealloc releases its headers */
    if (m->n_headers > 0 && !(s->headers = headers_tuple(m))) return -1;
  }
  return 0;
}

int uvkpy_messages_settle(PyObject *messages, Py_ssize_t own_refs) {
  MessagesObject *o = (MessagesObject *)messages;
  int rc = 0;
  if (o->src && Py_REFCNT(messages) > own_refs && copy_views(o) < 0) {
    o->lost = 1;  /* the views must not outlive the call: fields read after it raise */
    rc = -1;
  }
  o->src = NULL;
  return rc;
}

void uvkpy_messages_lend(PyObject *messages, const uvk_batch *b) {
  MessagesObject *o = (MessagesObject *)messages;
  if (!o->slots && !o->lost) o->src = b->messages;
}

/* Whether @p o (a Messages) was made from batch @p b, whose message @p i is delivered now:
 * each_message keeps one Messages across the messages of a batch. */
int uvkpy_messages_match(PyObject *o, const uvk_batch *b, size_t i) {
  MessagesObject *m = (MessagesObject *)o;
  if (!o || i >= b->n_messages || (size_t)m->n != b->n_messages || m->partition != b->partition ||
      m->src_id != (const void *)b->messages || b->messages[0].offset != m->first_offset)
    return 0;
  if (m->src_topic == b->topic) return 1;
  const char *t = PyUnicode_AsUTF8(m->topic);
  if (!t) PyErr_Clear();
  return t && strcmp(t, b->topic) == 0;
}

static void Messages_dealloc(MessagesObject *o) {
  for (Py_ssize_t i = 0; i < o->filled; i++) Py_XDECREF(o->slots[i].headers);
  block_give(o->slots, o->cap);
  Py_XDECREF(o->topic);
  PyObject_Free(o);
}

/* Freed Message objects, reused: a batch walk makes and drops one per message. */
static MessageObject *free_messages[64];
static int n_free_messages;

static PyObject *message_at(MessagesObject *b, Py_ssize_t i) {
  MessageObject *m;
  if (n_free_messages > 0) {
    m = free_messages[--n_free_messages];
    PyObject_Init((PyObject *)m, &Message_Type);
  } else if (!(m = PyObject_New(MessageObject, &Message_Type))) {
    return NULL;
  }
  Py_INCREF(b);
  m->batch = b;
  m->i = i;
  return (PyObject *)m;
}

PyObject *uvkpy_message_at(PyObject *messages, size_t i) {
  return message_at((MessagesObject *)messages, (Py_ssize_t)i);
}

/* for m in messages: an iterator of its own (the generic one goes through the index). */
typedef struct {
  PyObject_HEAD
  MessagesObject *batch;
  Py_ssize_t i;
} MessagesIterObject;

static PyTypeObject MessagesIter_Type;

static PyObject *Messages_iter(MessagesObject *o) {
  MessagesIterObject *it = PyObject_New(MessagesIterObject, &MessagesIter_Type);
  if (!it) return NULL;
  Py_INCREF(o);
  it->batch = o;
  it->i = 0;
  return (PyObject *)it;
}

static PyObject *MessagesIter_next(MessagesIterObject *it) {
  if (!it->batch || it->i >= it->batch->n) {
    Py_CLEAR(it->batch);  /* exhausted: the batch is not kept by a finished loop's iterator */
    return NULL;
  }
  return message_at(it->batch, it->i++);
}

static void MessagesIter_dealloc(MessagesIterObject *it) {
  Py_XDECREF(it->batch);
  PyObject_Free(it);
}

static Py_ssize_t Messages_len(MessagesObject *o) { return o->n; }

size_t uvkpy_messages_len(PyObject *messages) { return (size_t)((MessagesObject *)messages)->n; }

static PyObject *Messages_item(MessagesObject *o, Py_ssize_t i) {
  if (i < 0 || i >= o->n) {
    PyErr_SetString(PyExc_IndexError, "message index out of range");
    return NULL;
  }
  return message_at(o, i);
}

static PyObject *Messages_subscript(MessagesObject *o, PyObject *key) {
  if (PyIndex_Check(key)) {
    Py_ssize_t i = PyNumber_AsSsize_t(key, PyExc_IndexError);
    if (i == -1 && PyErr_Occurred()) return NULL;
    return Messages_item(o, i < 0 ? i + o->n : i);
  }
  if (!PySlice_Check(key)) {
    PyErr_Format(PyExc_TypeError, "message indices must be integers or slices, not %.100s", Py_TYPE(key)->tp_name);
    return NULL;
  }
  Py_ssize_t start, stop, step;
  if (PySlice_Unpack(key, &start, &stop, &step) < 0) return NULL;
  Py_ssize_t k = PySlice_AdjustIndices(o->n, &start, &stop, step);
  PyObject *l = PyList_New(k);
  for (Py_ssize_t j = 0; l && j < k; j++) {
    PyObject *m = message_at(o, start + j * step);
    if (!m) Py_CLEAR(l);
    else PyList_SET_ITEM(l, j, m);
  }
  return l;
}

static PyObject *Messages_repr(MessagesObject *o) {
  return PyUnicode_FromFormat("<uvkafka.Messages %U/%d: %zd messages>", o->topic, (int)o->partition, o->n);
}

static PySequenceMethods Messages_seq = {.sq_length = (lenfunc)Messages_len, .sq_item = (ssizeargfunc)Messages_item};
static PyMappingMethods Messages_map = {.mp_length = (lenfunc)Messages_len,
                                        .mp_subscript = (binaryfunc)Messages_subscript};

/* ---- Message ---------------------------------------------------------------------------- */

static void Message_dealloc(MessageObject *m) {
  Py_DECREF(m->batch);
  if (Py_IS_TYPE(m, &Message_Type) && n_free_messages < 64) free_messages[n_free_messages++] = m;
  else PyObject_Free(m);
}

static PyObject *bytes_at(const MessagesObject *b, Py_ssize_t at, Py_ssize_t len) {
  if (at < 0) Py_RETURN_NONE;
  return PyBytes_FromStringAndSize(b->data + at, len);
}

/* Field k of the message (the order of the former struct sequence, kept for m[k]): from the
 * library's views during its handler call, else from the copy. */
static PyObject *field(MessageObject *m, Py_ssize_t k) {
  const MessagesObject *b = m->batch;
  if (k == 0) return Py_NewRef(b->topic);
  if (k == 1) return PyLong_FromLong(b->partition);
  if (b->src) {
    const uvk_consumer_message *v = &b->src[m->i];
    switch (k) {
      case 2: return PyLong_FromLongLong(v->offset);
      case 3: return PyLong_FromLongLong(v->timestamp);
      case 4: return uvkpy_bytes_or_none(v->key, v->key_len);
      case 5: return uvkpy_bytes_or_none(v->value, v->value_len);
      case 6: return v->n_headers ? headers_tuple(v) : Py_NewRef(no_headers);
      default: break;
    }
  } else if (k >= 2 && k <= 6) {
    if (b->lost || !b->slots) {
      PyErr_SetString(PyExc_MemoryError, "this message's data could not be kept (out of memory)");
      return NULL;
    }
    const Slot *s = &b->slots[m->i];
    switch (k) {
      case 2: return PyLong_FromLongLong(s->offset);
      case 3: return PyLong_FromLongLong(s->timestamp);
      case 4: return bytes_at(b, s->key_at, s->key_len);
      case 5: return bytes_at(b, s->value_at, s->value_len);
      default: return Py_NewRef(s->headers ? s->headers : no_headers);
    }
  }
  PyErr_SetString(PyExc_IndexError, "Message index out of range");
  return NULL;
}

static Py_ssize_t Message_len(MessageObject *m) {
  (void)m;
  return 7;
}

static PyObject *Message_item(MessageObject *m, Py_ssize_t k) { return field(m, k); }

static PyObject *as_tuple(MessageObject *m) {
  PyObject *t = PyTuple_New(7);
  for (Py_ssize_t k = 0; t && k < 7; k++) {
    PyObject *v = field(m, k);
    if (!v) Py_CLEAR(t);
    else PyTuple_SET_ITEM(t, k, v);
  }
  return t;
}

static PyObject *Message_richcompare(PyObject *a, PyObject *b, int op) {
  if (!PyObject_TypeCheck(a, &Message_Type) || !(PyObject_TypeCheck(b, &Message_Type) || PyTuple_Check(b)))
    Py_RETURN_NOTIMPLEMENTED;
  PyObject *ta = as_tuple((MessageObject *)a);
  PyObject *tb = PyTuple_Check(b) ? Py_NewRef(b) : as_tuple((MessageObject *)b);
  PyObject *r = ta && tb ? PyObject_RichCompare(ta, tb, op) : NULL;
  Py_XDECREF(ta);
  Py_XDECREF(tb);
  return r;
}

static Py_hash_t Message_hash(MessageObject *m) {
  PyObject *t = as_tuple(m);
  if (!t) return -1;
  Py_hash_t h = PyObject_Hash(t);
  Py_DECREF(t);
  return h;
}

static PyObject *Message_repr(MessageObject *m) {
  PyObject *t = as_tuple(m);
  if (!t) return NULL;
  PyObject *r = PyUnicode_FromFormat("uvkafka.Message(topic=%R, partition=%R, offset=%R, timestamp=%R, key=%R, "
                                     "value=%R, headers=%R)", PyTuple_GET_ITEM(t, 0), PyTuple_GET_ITEM(t, 1),
                                     PyTuple_GET_ITEM(t, 2), PyTuple_GET_ITEM(t, 3), PyTuple_GET_ITEM(t, 4),
                                     PyTuple_GET_ITEM(t, 5), PyTuple_GET_ITEM(t, 6));
  Py_DECREF(t);
  return r;
}

/* pickle / copy: a plain tuple of the fields (a Message only exists as a view of a fetch). */
static PyObject *Message_reduce(MessageObject *m, PyObject *noargs) {
  (void)noargs;
  PyObject *t = as_tuple(m);
  return t ? Py_BuildValue("(O(N))", (PyObject *)&PyTuple_Type, t) : NULL;
}

static PyObject *get_topic(MessageObject *m, void *c) { (void)c; return field(m, 0); }
static PyObject *get_partition(MessageObject *m, void *c) { (void)c; return field(m, 1); }
static PyObject *get_offset(MessageObject *m, void *c) { (void)c; return field(m, 2); }
static PyObject *get_timestamp(MessageObject *m, void *c) { (void)c; return field(m, 3); }
static PyObject *get_key(MessageObject *m, void *c) { (void)c; return field(m, 4); }
static PyObject *get_value(MessageObject *m, void *c) { (void)c; return field(m, 5); }
static PyObject *get_headers(MessageObject *m, void *c) { (void)c; return field(m, 6); }

static PyGetSetDef Message_getset[] = {
  {"topic", (getter)get_topic, NULL, "the topic", NULL},
  {"partition", (getter)get_partition, NULL, "the partition", NULL},
  {"offset", (getter)get_offset, NULL, "the message's offset", NULL},
  {"timestamp", (getter)get_timestamp, NULL, "ms since the epoch", NULL},
  {"key", (getter)get_key, NULL, "bytes, or None", NULL},
  {"value", (getter)get_value, NULL, "bytes, or None (a tombstone)", NULL},
  {"headers", (getter)get_headers, NULL, "a tuple of (name, value) pairs; repeated names kept in order", NULL},
  {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef Message_methods[] = {
  {"__reduce__", (PyCFunction)Message_reduce, METH_NOARGS, "pickles as a tuple of the fields"},
  {NULL, NULL, 0, NULL},
};

static PySequenceMethods Message_seq = {.sq_length = (lenfunc)Message_len, .sq_item = (ssizeargfunc)Message_item};

int uvkpy_message_init_type(void) {
  Messages_Type = (PyTypeObject){
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "uvkafka.Messages",
    .tp_doc = "The messages of one fetch of one partition: a read-only sequence of Message (a "
              "slice is a list). The fetched keys and values are copied here once.",
    .tp_basicsize = sizeof(MessagesObject),
    .tp_dealloc = (destructor)Messages_dealloc,
    .tp_repr = (reprfunc)Messages_repr,
    .tp_as_sequence = &Messages_seq,
    .tp_as_mapping = &Messages_map,
    .tp_iter = (getiterfunc)Messages_iter,
    .tp_flags = Py_TPFLAGS_DEFAULT,
  };
  MessagesIter_Type = (PyTypeObject){
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "uvkafka._native.MessagesIterator",
    .tp_basicsize = sizeof(MessagesIterObject),
    .tp_dealloc = (destructor)MessagesIter_dealloc,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)MessagesIter_next,
    .tp_flags = Py_TPFLAGS_DEFAULT,
  };
  Message_Type = (PyTypeObject){
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "uvkafka.Message",
    .tp_doc = "A consumed message: topic, partition, offset, timestamp, key, value, headers (also "
              "m[0]..m[6] and unpacking; equal to the tuple of its fields). Keeping one keeps its "
              "fetch's data.",
    .tp_basicsize = sizeof(MessageObject),
    .tp_dealloc = (destructor)Message_dealloc,
    .tp_repr = (reprfunc)Message_repr,
    .tp_hash = (hashfunc)Message_hash,
    .tp_richcompare = Message_richcompare,
    .tp_as_sequence = &Message_seq,
    .tp_getset = Message_getset,
    .tp_methods = Message_methods,
    .tp_flags = Py_TPFLAGS_DEFAULT,
  };
  if (PyType_Ready(&Messages_Type) < 0 || PyType_Ready(&Message_Type) < 0 || PyType_Ready(&MessagesIter_Type) < 0)
    return -1;
  no_headers = PyTuple_New(0);
  return no_headers ? 0 : -1;
}
