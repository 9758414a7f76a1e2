/* Statistics (uvk_stats.h): the client's stats_cb gets each periodic JSON document as a str
 * (statisticsIntervalMs); stats_json() renders the current one on demand. The callback runs
 * inside step(); an exception it raises is kept and re-raised by step(). */
#include "native.h"

static void on_stats(void *ud, const char *json, size_t len) {
  ClientObject *c = (ClientObject *)ud;
  PyObject *fn = c->stats_cb;
  if (!fn) return;
  Py_INCREF(fn);
  PyObject *s = PyUnicode_DecodeUTF8(json, (Py_ssize_t)len, "replace");
  PyObject *r = s ? PyObject_CallOneArg(fn, s) : NULL;
  Py_XDECREF(s);
  Py_DECREF(fn);
  if (!r) uvkpy_keep_exception();
  Py_XDECREF(r);
}

int uvkpy_stats_set(ClientObject *c, uvk_config *cfg, PyObject *fn) {
  if (fn == Py_None) return 0;
  if (!PyCallable_Check(fn)) {
    PyErr_SetString(PyExc_TypeError, "stats_cb must be callable");
    return -1;
  }
  int rc = uvk_config_set_stats_cb(cfg, on_stats, c);
  if (rc != 0) {
    uvkpy_refused(rc, "stats_cb");
    return -1;
  }
  Py_XSETREF(c->stats_cb, Py_NewRef(fn));
  return 0;
}

PyObject *uvkpy_stats_json(ClientObject *c, PyObject *noargs) {
  (void)noargs;
  if (!uvkpy_client_alive(c)) return NULL;
  char small[4096];
  size_t n = uvk_client_stats_json(c->client, small, sizeof small);
  if (n < sizeof small) return PyUnicode_DecodeUTF8(small, (Py_ssize_t)n, "replace");
  if (n > (size_t)64 << 20) return PyErr_NoMemory();  /* a document is kilobytes; refuse nonsense */
  char *big = (char *)PyMem_Malloc(n + 1);
  if (!big) return PyErr_NoMemory();
  size_t m = uvk_client_stats_json(c->client, big, n + 1);
  PyObject *s = PyUnicode_DecodeUTF8(big, (Py_ssize_t)(m < n ? m : n), "replace");
  PyMem_Free(big);
  return s;
}
