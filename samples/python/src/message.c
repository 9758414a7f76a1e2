/* Message: a consumed message (a struct sequence: fast to build, read-only, tuple-like). */
#include "native.h"

static PyStructSequence_Field fields[] = {
  {"topic", "the topic"},
  {"partition", "the partition"},
  {"offset", "the message's offset"},
  {"timestamp", "ms since the epoch"},
  {"key", "bytes, or None"},
  {"value", "bytes, or None (a tombstone)"},
  {"headers", "a tuple of (name, value) pairs; repeated names kept in order"},
  {NULL, NULL},
};

static PyStructSequence_Desc desc = {"uvkafka.Message", "A consumed message.", fields, 7};

PyTypeObject Message_Type;
static PyObject *no_headers;

int uvkpy_message_init_type(void) {
  if (PyStructSequence_InitType2(&Message_Type, &desc) < 0) return -1;
  no_headers = PyTuple_New(0);
  return no_headers ? 0 : -1;
}

static PyObject *headers_tuple(const uvk_consumer_message *m) {
  if (m->n_headers == 0) {
    Py_INCREF(no_headers);
    return no_headers;
  }
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

PyObject *uvkpy_message_new(const uvk_batch *b, const uvk_consumer_message *m, PyObject *topic) {
  PyObject *o = PyStructSequence_New(&Message_Type);
  if (!o) return NULL;
  Py_INCREF(topic);
  PyStructSequence_SET_ITEM(o, 0, topic);
  PyObject *items[6] = {
    PyLong_FromLong(b->partition), PyLong_FromLongLong(m->offset), PyLong_FromLongLong(m->timestamp),
    uvkpy_bytes_or_none(m->key, m->key_len), uvkpy_bytes_or_none(m->value, m->value_len), headers_tuple(m),
  };
  int ok = 1;
  for (int i = 0; i < 6; i++) {
    if (!items[i]) ok = 0;
    else PyStructSequence_SET_ITEM(o, i + 1, items[i]);
  }
  if (!ok) {
    for (int i = 0; i < 6; i++)
      if (!items[i]) {
        PyStructSequence_SET_ITEM(o, i + 1, Py_None);
        Py_INCREF(Py_None);
      }
    Py_DECREF(o);
    return NULL;
  }
  return o;
}
