/* The module: error tuples, exceptions kept from callbacks, config dicts, type registration. */
#include "native.h"

#include <string.h>

static PyObject *kept_type, *kept_value, *kept_tb;

PyObject *uvkpy_error_tuple(const uvk_error *err) {
  if (!err) Py_RETURN_NONE;
  char buf[2048];
  uvk_error_format(err, buf, sizeof buf);
  const char *kname = uvk_error_kafka_name(err);
  const char *bmsg = uvk_error_broker_message(err);
  int code = uvk_error_code(err);
  return Py_BuildValue("(iszizzO)", code, uvk_err_name(code), buf, uvk_error_kafka_code(err), kname, bmsg,
                       uvk_error_is_retriable(err) ? Py_True : Py_False);
}

PyObject *uvkpy_code_tuple(int code, const char *what) {
  char buf[512];
  PyOS_snprintf(buf, sizeof buf, "%s: %s", what, uvk_strerror(code));
  return Py_BuildValue("(isziOOO)", code, uvk_err_name(code), buf, 0, Py_None, Py_None,
                       uvk_err_is_retriable(code) ? Py_True : Py_False);
}

void uvkpy_keep_exception(void) {
  if (kept_type) {  /* the first one wins: it is what stopped the work */
    PyErr_Clear();
    return;
  }
  PyErr_Fetch(&kept_type, &kept_value, &kept_tb);
}

int uvkpy_raise_kept(void) {
  if (!kept_type) return 0;
  PyErr_Restore(kept_type, kept_value, kept_tb);
  kept_type = kept_value = kept_tb = NULL;
  return -1;
}

/* Raises NativeError(error tuple): the Python side turns it into the KafkaError class. */
static PyObject *NativeError;

PyObject *uvkpy_refused(int rc, const char *what) {
  PyObject *t = uvkpy_code_tuple(rc, what);
  PyObject *args = t ? PyTuple_Pack(1, t) : NULL;  /* one argument: the error tuple */
  if (args) PyErr_SetObject(NativeError, args);
  Py_XDECREF(args);
  Py_XDECREF(t);
  return NULL;
}

uvk_config *uvkpy_config(PyObject *dict) {
  uvk_config *cfg = uvk_config_new();
  if (!cfg) return (uvk_config *)PyErr_NoMemory();
  if (dict == NULL || dict == Py_None) return cfg;
  if (!PyDict_Check(dict)) {
    uvk_config_free(cfg);
    PyErr_SetString(PyExc_TypeError, "config must be a dict of str to str");
    return NULL;
  }
  PyObject *k, *v;
  Py_ssize_t pos = 0;
  while (PyDict_Next(dict, &pos, &k, &v)) {
    if (!PyUnicode_Check(k) || !PyUnicode_Check(v)) {
      PyErr_Format(PyExc_TypeError, "config: key %R: keys and values must be str", k);
      uvk_config_free(cfg);
      return NULL;
    }
    const char *ks = PyUnicode_AsUTF8(k), *vs = PyUnicode_AsUTF8(v);
    if (!ks || !vs || strlen(ks) != (size_t)PyUnicode_GET_LENGTH(k)) {
      if (!PyErr_Occurred()) PyErr_Format(PyExc_ValueError, "config: key %R holds a NUL", k);
      uvk_config_free(cfg);
      return NULL;
    }
    char err[256] = "";
    if (uvk_config_set(cfg, ks, vs, err, sizeof err) != 0) {
      PyErr_Format(PyExc_ValueError, "config %s: %s", ks, err[0] ? err : "invalid");
      uvk_config_free(cfg);
      return NULL;
    }
  }
  return cfg;
}

void uvkpy_complete(PyObject *cb, PyObject *args) {
  if (!args) {
    uvkpy_keep_exception();
    Py_DECREF(cb);
    return;
  }
  PyObject *r = PyObject_Call(cb, args, NULL);
  if (r) Py_DECREF(r);
  else uvkpy_keep_exception();
  Py_DECREF(args);
  Py_DECREF(cb);
}

PyObject *uvkpy_bytes_or_none(const void *p, size_t n) {
  if (!p) Py_RETURN_NONE;
  return PyBytes_FromStringAndSize((const char *)p, (Py_ssize_t)n);
}

int uvkpy_message_init_type(void);

int uvkpy_register_types(PyObject *m) {
  PyTypeObject *types[] = {&Client_Type, &Producer_Type, &Consumer_Type, &Admin_Type, &ShareConsumer_Type};
  const char *names_[] = {"Client", "Producer", "Consumer", "Admin", "ShareConsumer"};
  for (int i = 0; i < 5; i++) {
    if (PyType_Ready(types[i]) < 0) return -1;
    Py_INCREF(types[i]);
    if (PyModule_AddObject(m, names_[i], (PyObject *)types[i]) < 0) return -1;
  }
  if (uvkpy_message_init_type() < 0) return -1;
  Py_INCREF(&Message_Type);
  if (PyModule_AddObject(m, "Message", (PyObject *)&Message_Type) < 0) return -1;
  Py_INCREF(&Messages_Type);
  if (PyModule_AddObject(m, "Messages", (PyObject *)&Messages_Type) < 0) return -1;
  if (uvkpy_walker_init_types() < 0) return -1;
  Py_INCREF(&Walker_Type);
  return PyModule_AddObject(m, "Walker", (PyObject *)&Walker_Type);
}

static PyObject *mod_version(PyObject *self, PyObject *noargs) {
  (void)self;
  (void)noargs;
  return PyUnicode_FromString(uvk_version());
}

static PyObject *mod_err_name(PyObject *self, PyObject *arg) {
  (void)self;
  long code = PyLong_AsLong(arg);
  if (code == -1 && PyErr_Occurred()) return NULL;
  return PyUnicode_FromString(uvk_err_name((int)code));
}

static PyObject *mod_partitioning(PyObject *m, PyObject *noargs) {
  (void)m;
  (void)noargs;
  return PyBool_FromLong(uvkpy_partitioning > 0);
}

static PyMethodDef mod_methods[] = {
  {"partitioning", mod_partitioning, METH_NOARGS, "True while a Python partitioner runs."},
  {"version", mod_version, METH_NOARGS, "The libuvkafka version linked into the module."},
  {"err_name", mod_err_name, METH_O, "UVK_E* name of an error code."},
  {"soon_setup", uvkpy_soon_setup, METH_VARARGS, "soon_setup(Future, RecordMetadata, from_native, raise_native)"},
  {"batches_copied", uvkpy_batches_copied, METH_NOARGS, "Fetched batches copied because Python kept them."},
  {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moddef = {
  PyModuleDef_HEAD_INIT, "uvkafka._native", "uvkafka's C ABI for Python (internal).", -1, mod_methods,
  NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__native(void) {
  PyObject *m = PyModule_Create(&moddef);
  if (!m) return NULL;
  NativeError = PyErr_NewException("uvkafka._native.NativeError", NULL, NULL);
  if (!NativeError || PyModule_AddObject(m, "NativeError", NativeError) < 0) goto fail;
  Py_INCREF(NativeError);
  if (uvkpy_register_types(m) < 0) goto fail;
  if (PyModule_AddIntConstant(m, "PENDING", UVK_PENDING) < 0) goto fail;
  return m;
fail:
  Py_DECREF(m);
  return NULL;
}
