/* Argument conversion shared by the handle types. */
#include "convert.h"

#include <string.h>

int uvkpy_bytes(PyObject *o, Bytes *out, const char *what) {
  out->has_view = 0;
  if (o == Py_None) {
    out->ptr = NULL;
    out->len = 0;
    return 0;
  }
  if (PyBytes_CheckExact(o)) {
    out->ptr = PyBytes_AS_STRING(o);
    out->len = (size_t)PyBytes_GET_SIZE(o);
    return 0;
  }
  if (PyUnicode_Check(o)) {
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(o, &n);
    if (!s) return -1;
    out->ptr = s;
    out->len = (size_t)n;
    return 0;
  }
  if (PyObject_CheckBuffer(o) && PyObject_GetBuffer(o, &out->view, PyBUF_SIMPLE) == 0) {
    out->has_view = 1;
    out->ptr = out->view.buf;
    out->len = (size_t)out->view.len;
    return 0;
  }
  PyErr_Clear();
  PyErr_Format(PyExc_TypeError, "%s must be bytes, str, a buffer or None, not %.80s", what, Py_TYPE(o)->tp_name);
  return -1;
}

void uvkpy_bytes_release(Bytes *b) {
  if (b->has_view) PyBuffer_Release(&b->view);
  b->has_view = 0;
}

const char *uvkpy_str(PyObject *o, const char *what) {
  if (!PyUnicode_Check(o)) {
    PyErr_Format(PyExc_TypeError, "%s must be str, not %.80s", what, Py_TYPE(o)->tp_name);
    return NULL;
  }
  Py_ssize_t n;
  const char *s = PyUnicode_AsUTF8AndSize(o, &n);
  if (s && strlen(s) != (size_t)n) {
    PyErr_Format(PyExc_ValueError, "%s must not contain NUL", what);
    return NULL;
  }
  return s;
}

int uvkpy_int64(PyObject *o, const char *what, long long lo, long long hi, long long *out) {
  if (!PyLong_Check(o) || PyBool_Check(o)) {
    PyErr_Format(PyExc_TypeError, "%s must be int, not %.80s", what, Py_TYPE(o)->tp_name);
    return -1;
  }
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
  if (v == -1 && PyErr_Occurred()) return -1;
  if (overflow || v < lo || v > hi) {
    PyErr_Format(PyExc_ValueError, "%s must be in [%lld, %lld]", what, lo, hi);
    return -1;
  }
  *out = v;
  return 0;
}

static int header_pair(PyObject *name, PyObject *value, Headers *h, size_t i, const char *what) {
  char label[96];
  PyOS_snprintf(label, sizeof label, "%s name", what);
  const char *n = uvkpy_str(name, label);
  if (!n) return -1;
  PyOS_snprintf(label, sizeof label, "%s[%.40s] value", what, n);
  if (uvkpy_bytes(value, &h->values[i], label) < 0) return -1;
  h->items[i].name = n;
  h->items[i].value = h->values[i].ptr;
  h->items[i].value_len = h->values[i].len;
  h->n = i + 1;
  return 0;
}

int uvkpy_headers(PyObject *o, Headers *h, const char *what) {
  h->items = h->small;
  h->values = h->small_values;
  h->n = 0;
  if (o == Py_None) return 0;
  int is_dict = PyDict_Check(o);
  PyObject *seq = NULL;
  Py_ssize_t n;
  if (is_dict) {
    n = PyDict_GET_SIZE(o);
  } else {
    if (PyUnicode_Check(o) || PyBytes_Check(o)) goto bad;
    seq = PySequence_Fast(o, "");
    if (!seq) goto bad;
    n = PySequence_Fast_GET_SIZE(seq);
  }
  if ((size_t)n > sizeof h->small / sizeof h->small[0]) {
    h->items = (uvk_header *)PyMem_Malloc((size_t)n * sizeof *h->items);
    h->values = (Bytes *)PyMem_Malloc((size_t)n * sizeof *h->values);
    if (!h->items || !h->values) {
      Py_XDECREF(seq);
      PyErr_NoMemory();
      return -1;
    }
  }
  if (is_dict) {
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    size_t i = 0;
    while (PyDict_Next(o, &pos, &k, &v))
      if (header_pair(k, v, h, i++, what) < 0) return -1;
    return 0;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *pair = PySequence_Fast_GET_ITEM(seq, i);
    if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
      Py_DECREF(seq);
      PyErr_Format(PyExc_TypeError, "%s must be a dict or (name, value) pairs", what);
      return -1;
    }
    if (header_pair(PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1), h, (size_t)i, what) < 0) {
      Py_DECREF(seq);
      return -1;
    }
  }
  Py_DECREF(seq);
  return 0;
bad:
  PyErr_Clear();
  PyErr_Format(PyExc_TypeError, "%s must be a dict or (name, value) pairs, not %.80s", what, Py_TYPE(o)->tp_name);
  return -1;
}

void uvkpy_headers_release(Headers *h) {
  for (size_t i = 0; i < h->n; i++) uvkpy_bytes_release(&h->values[i]);
  if (h->items != h->small) PyMem_Free(h->items);
  if (h->values != h->small_values) PyMem_Free(h->values);
  h->items = h->small;
  h->values = h->small_values;
  h->n = 0;
}
