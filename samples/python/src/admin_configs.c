/* Admin: describe, alter and incrementally alter configs. */
#include "admin.h"

#include <string.h>

/* Resources whose entries the caller converts; the arrays are freed by configs_release. */
typedef struct {
  uvk_admin_config_resource *res;
  uvk_admin_config_change *chg;
  void **owned;  /* per resource: its names / entries / ops array */
  size_t n;
} Configs;

static void configs_release(Configs *c) {
  for (size_t i = 0; c->owned && i < c->n; i++) PyMem_Free(c->owned[i]);
  PyMem_Free(c->owned);
  PyMem_Free(c->res);
  PyMem_Free(c->chg);
  memset(c, 0, sizeof *c);
}


/* (type, name, x): the type and name of a resource tuple. */
static int resource_head(PyObject *t, Py_ssize_t size, const char *what, int *type, const char **name) {
  long long v;
  if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != size) {
    PyErr_Format(PyExc_TypeError, "%s entries must be %zd-tuples", what, size);
    return -1;
  }
  if (uvkpy_int64(PyTuple_GET_ITEM(t, 0), "resource type", 0, 127, &v) < 0) return -1;
  *type = (int)v;
  *name = uvkpy_str(PyTuple_GET_ITEM(t, 1), "resource name");
  return *name ? 0 : -1;
}

/* kind 0: describe [(type, name, [config names] | None)]; 1: alter [(type, name, {k: v|None})];
 * 2: incremental [(type, name, [(key, value|None, op)])]. */
static int configs_convert(PyObject *list, int kind, Configs *c) {
  memset(c, 0, sizeof *c);
  PyObject *seq = PySequence_Fast(list, "resources must be a list");
  if (!seq) return -1;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  size_t cap = n ? (size_t)n : 1;
  c->owned = (void **)PyMem_Calloc(cap, sizeof *c->owned);
  if (kind == 2) c->chg = (uvk_admin_config_change *)PyMem_Calloc(cap, sizeof *c->chg);
  else c->res = (uvk_admin_config_resource *)PyMem_Calloc(cap, sizeof *c->res);
  if (!c->owned || (!c->chg && !c->res)) {
    PyErr_NoMemory();
    goto fail;
  }
  c->n = (size_t)n;
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *t = PySequence_Fast_GET_ITEM(seq, i);
    int type;
    const char *name;
    if (resource_head(t, 3, "resources", &type, &name) < 0) goto fail;
    PyObject *x = PyTuple_GET_ITEM(t, 2);
    if (kind == 0) {
      c->res[i].type = type;
      c->res[i].name = name;
      const char **names = NULL;
      size_t k = 0;
      if (x != Py_None && uvkpy_names(x, &names, &k, "config_names") < 0) goto fail;
      c->owned[i] = (void *)names;
      c->res[i].config_names = names;
      c->res[i].n_config_names = k;
    } else if (kind == 1) {
      c->res[i].type = type;
      c->res[i].name = name;
      if (!PyDict_Check(x)) {
        PyErr_SetString(PyExc_TypeError, "configs must be a dict of str to str or None");
        goto fail;
      }
      Py_ssize_t k = PyDict_GET_SIZE(x), pos = 0, j = 0;
      uvk_admin_config_entry *e = (uvk_admin_config_entry *)PyMem_Calloc(k ? (size_t)k : 1, sizeof *e);
      if (!e) {
        PyErr_NoMemory();
        goto fail;
      }
      c->owned[i] = e;
      PyObject *ck, *cv;
      while (PyDict_Next(x, &pos, &ck, &cv) && j < k) {
        e[j].name = uvkpy_str(ck, "config key");
        e[j].value = cv == Py_None ? NULL : uvkpy_str(cv, "config value");
        if (!e[j].name || (cv != Py_None && !e[j].value)) goto fail;
        j++;
      }
      c->res[i].config_entries = e;
      c->res[i].n_config_entries = (size_t)j;
    } else {
      c->chg[i].type = type;
      c->chg[i].name = name;
      PyObject *ops = PySequence_Fast(x, "");
      if (!ops) {
        PyErr_Clear();
        PyErr_SetString(PyExc_TypeError, "changes must be a list of (key, value, op)");
        goto fail;
      }
      Py_ssize_t k = PySequence_Fast_GET_SIZE(ops);
      uvk_admin_config_op *o = (uvk_admin_config_op *)PyMem_Calloc(k ? (size_t)k : 1, sizeof *o);
      c->owned[i] = o;
      for (Py_ssize_t j = 0; o && j < k; j++) {
        PyObject *op = PySequence_Fast_GET_ITEM(ops, j);
        long long v;
        if (!PyTuple_Check(op) || PyTuple_GET_SIZE(op) != 3) {
          PyErr_SetString(PyExc_TypeError, "changes must be a list of (key, value, op)");
          break;
        }
        o[j].name = uvkpy_str(PyTuple_GET_ITEM(op, 0), "config key");
        o[j].value = PyTuple_GET_ITEM(op, 1) == Py_None ? NULL : uvkpy_str(PyTuple_GET_ITEM(op, 1), "config value");
        if (!o[j].name || PyErr_Occurred() || uvkpy_int64(PyTuple_GET_ITEM(op, 2), "op", 0, 3, &v) < 0) break;
        o[j].op = (int)v;
      }
      Py_DECREF(ops);
      if (!o) PyErr_NoMemory();
      if (PyErr_Occurred()) goto fail;
      c->chg[i].ops = o;
      c->chg[i].n_ops = (size_t)k;
    }
  }
  Py_DECREF(seq);
  return 0;
fail:
  Py_DECREF(seq);
  configs_release(c);
  return -1;
}

/* cb(err, [(type, name, error, error_message,
 *           [(name, value, read_only, is_default, is_sensitive, source, [(name, value, source)])])]) */
static void on_configs(uvk_admin *a, const uvk_error *err, const uvk_admin_described_resource *rs, size_t n,
                       void *ud) {
  (void)a;
  PyObject *l = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; l && i < n; i++) {
    PyObject *es = PyList_New((Py_ssize_t)rs[i].n_entries);
    for (size_t j = 0; es && j < rs[i].n_entries; j++) {
      const uvk_admin_config_value *v = &rs[i].entries[j];
      PyObject *syn = PyList_New((Py_ssize_t)v->n_synonyms);
      for (size_t k = 0; syn && k < v->n_synonyms; k++) {
        PyObject *s = Py_BuildValue("(zzi)", v->synonyms[k].name, v->synonyms[k].value, v->synonyms[k].source);
        if (!s) Py_CLEAR(syn);
        else PyList_SET_ITEM(syn, (Py_ssize_t)k, s);
      }
      PyObject *e = syn ? Py_BuildValue("(zzOOOiN)", v->name, v->value, v->read_only ? Py_True : Py_False,
                                        v->is_default ? Py_True : Py_False, v->is_sensitive ? Py_True : Py_False,
                                        v->source, syn)
                        : NULL;
      if (!e) Py_CLEAR(es);
      else PyList_SET_ITEM(es, (Py_ssize_t)j, e);
    }
    PyObject *r = es ? Py_BuildValue("(izizN)", rs[i].type, rs[i].name, rs[i].error, rs[i].error_message, es) : NULL;
    if (!r) Py_CLEAR(l);
    else PyList_SET_ITEM(l, (Py_ssize_t)i, r);
  }
  uvkpy_complete((PyObject *)ud, l ? Py_BuildValue("(NN)", uvkpy_error_tuple(err), l) : NULL);
}

PyObject *uvkpy_admin_describe_configs(AdminObject *self, PyObject *args) {
  PyObject *cb, *list;
  int synonyms;
  if (!PyArg_ParseTuple(args, "OOp", &cb, &list, &synonyms) || !uvkpy_admin_alive(self)) return NULL;
  Configs c;
  if (configs_convert(list, 0, &c) < 0) return NULL;
  Py_INCREF(cb);
  int rc = uvk_admin_describe_configs(self->admin, c.res, c.n, synonyms, on_configs, cb);
  configs_release(&c);
  return uvkpy_admin_started(rc, cb, "describe_configs");
}

PyObject *uvkpy_admin_alter_configs(AdminObject *self, PyObject *args) {
  PyObject *cb, *list;
  int validate_only;
  if (!PyArg_ParseTuple(args, "OOp", &cb, &list, &validate_only) || !uvkpy_admin_alive(self)) return NULL;
  Configs c;
  if (configs_convert(list, 1, &c) < 0) return NULL;
  Py_INCREF(cb);
  int rc = uvk_admin_alter_configs(self->admin, c.res, c.n, validate_only, uvkpy_admin_on_results, cb);
  configs_release(&c);
  return uvkpy_admin_started(rc, cb, "alter_configs");
}

PyObject *uvkpy_admin_incremental_alter_configs(AdminObject *self, PyObject *args) {
  PyObject *cb, *list;
  int validate_only;
  if (!PyArg_ParseTuple(args, "OOp", &cb, &list, &validate_only) || !uvkpy_admin_alive(self)) return NULL;
  Configs c;
  if (configs_convert(list, 2, &c) < 0) return NULL;
  Py_INCREF(cb);
  int rc = uvk_admin_incremental_alter_configs(self->admin, c.chg, c.n, validate_only, uvkpy_admin_on_results, cb);
  configs_release(&c);
  return uvkpy_admin_started(rc, cb, "incremental_alter_configs");
}
