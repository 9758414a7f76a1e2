/* A custom partitioner in Python: fn(topic, partitions, key, value) -> a partition, or None
 * (-1) for the configured one; a message with an explicit partition keeps it. The library calls it while it routes a send, inside
 * uvk_producer_send or a step, so while it runs the producer's operations, stepping and
 * closing the producer or its client are refused (the library's state is mid-send). A
 * partitioner that raises or returns a wrong value: the default partitioner decides, and the
 * exception is kept for the next step to raise. */
#include "convert.h"

int uvkpy_partitioning = 0;

static int32_t call_partitioner(void *ud, const char *topic, const uvk_partition_info *parts, size_t n,
                                const uvk_message *m) {
  ProducerObject *self = (ProducerObject *)ud;
  PyObject *fn = self->partitioner;
  if (m->partition >= 0) return m->partition;  /* an explicit partition wins (as in aiokafka) */
  if (!fn) return -1;
  PyObject *ids = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; ids && i < n; i++) {
    PyObject *v = PyLong_FromLong(parts[i].partition_id);
    if (!v) Py_CLEAR(ids);
    else PyList_SET_ITEM(ids, (Py_ssize_t)i, v);
  }
  PyObject *args = ids ? Py_BuildValue("(sNNN)", topic, ids, uvkpy_bytes_or_none(m->key, m->key_len),
                                       uvkpy_bytes_or_none(m->value, m->value_len))
                       : NULL;
  Py_INCREF(fn);  /* the partitioner may replace itself */
  uvkpy_partitioning++;
  PyObject *r = args ? PyObject_Call(fn, args, NULL) : NULL;
  uvkpy_partitioning--;
  Py_DECREF(fn);
  Py_XDECREF(args);
  int32_t out = -1;
  if (r && r != Py_None) {
    long long v;
    if (uvkpy_int64(r, "partitioner result", -1, INT32_MAX, &v) == 0) out = (int32_t)v;
  }
  Py_XDECREF(r);
  if (PyErr_Occurred()) uvkpy_keep_exception();
  return out;
}

/* set_partitioner(fn or None) */
PyObject *uvkpy_set_partitioner(ProducerObject *self, PyObject *fn) {
  if (!self->producer || uvkpy_partitioning) {
    PyErr_SetString(PyExc_RuntimeError, self->producer ? "not from inside a partitioner or an assigner" : "the producer is closed");
    return NULL;
  }
  if (fn != Py_None && !PyCallable_Check(fn)) {
    PyErr_Format(PyExc_TypeError, "partitioner must be callable, not %.80s", Py_TYPE(fn)->tp_name);
    return NULL;
  }
  int rc = uvk_producer_set_partitioner(self->producer, fn == Py_None ? NULL : call_partitioner,
                                        fn == Py_None ? NULL : self);
  if (rc != 0) return uvkpy_refused(rc, "set_partitioner");
  PyObject *old = self->partitioner;
  self->partitioner = NULL;
  if (fn != Py_None) {
    Py_INCREF(fn);
    self->partitioner = fn;
  }
  Py_XDECREF(old);
  Py_RETURN_NONE;
}
