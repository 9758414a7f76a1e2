/* Admin: ACLs (create, describe, delete) and SCRAM credentials (describe, alter). */
#include "admin.h"

static const char *opt_str(PyObject *o, const char *what, int *bad) {
  if (o == Py_None) return NULL;
  const char *s = uvkpy_str(o, what);
  if (!s) *bad = 1;
  return s;
}

/* (resource_type, resource_name, pattern_type, principal, host, operation, permission_type);
 * strings may be None (filters: any). */
static int acl_from(PyObject *t, uvk_acl *a) {
  if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 7) {
    PyErr_SetString(PyExc_TypeError,
                    "an ACL is (resource_type, resource_name, pattern_type, principal, host, operation, permission)");
    return -1;
  }
  long long rt, pt, op, perm;
  int bad = 0;
  if (uvkpy_int64(PyTuple_GET_ITEM(t, 0), "resource_type", 0, 127, &rt) < 0 ||
      uvkpy_int64(PyTuple_GET_ITEM(t, 2), "pattern_type", 0, 127, &pt) < 0 ||
      uvkpy_int64(PyTuple_GET_ITEM(t, 5), "operation", 0, 127, &op) < 0 ||
      uvkpy_int64(PyTuple_GET_ITEM(t, 6), "permission_type", 0, 127, &perm) < 0)
    return -1;
  a->resource_type = (int)rt;
  a->resource_pattern_type = (int)pt;
  a->operation = (int)op;
  a->permission_type = (int)perm;
  a->resource_name = opt_str(PyTuple_GET_ITEM(t, 1), "resource_name", &bad);
  a->principal = opt_str(PyTuple_GET_ITEM(t, 3), "principal", &bad);
  a->host = opt_str(PyTuple_GET_ITEM(t, 4), "host", &bad);
  return bad ? -1 : 0;
}

static int acls_from(PyObject *list, uvk_acl **out, size_t *n) {
  *out = NULL;
  *n = 0;
  PyObject *seq = PySequence_Fast(list, "acls must be a list");
  if (!seq) return -1;
  Py_ssize_t k = PySequence_Fast_GET_SIZE(seq);
  uvk_acl *a = (uvk_acl *)PyMem_Calloc(k ? (size_t)k : 1, sizeof *a);
  if (!a) PyErr_NoMemory();
  for (Py_ssize_t i = 0; a && i < k; i++)
    if (acl_from(PySequence_Fast_GET_ITEM(seq, i), &a[i]) < 0) break;
  Py_DECREF(seq);
  if (PyErr_Occurred()) {
    PyMem_Free(a);
    return -1;
  }
  *out = a;
  *n = (size_t)k;
  return 0;
}

/* cb(err, [((acl...), index, error, error_message)]) */
static void on_acls(uvk_admin *ad, const uvk_error *err, const uvk_admin_acl_result *rs, size_t n, void *ud) {
  (void)ad;
  PyObject *l = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; l && i < n; i++) {
    const uvk_acl *a = &rs[i].acl;
    PyObject *t = Py_BuildValue("((izizzii)niz)", a->resource_type, a->resource_name, a->resource_pattern_type,
                                a->principal, a->host, a->operation, a->permission_type, (Py_ssize_t)rs[i].index,
                                rs[i].error, rs[i].error_message);
    if (!t) Py_CLEAR(l);
    else PyList_SET_ITEM(l, (Py_ssize_t)i, t);
  }
  uvkpy_complete((PyObject *)ud, l ? Py_BuildValue("(NN)", uvkpy_error_tuple(err), l) : NULL);
}

PyObject *uvkpy_admin_create_acls(AdminObject *self, PyObject *args) {
  PyObject *cb, *list;
  if (!PyArg_ParseTuple(args, "OO", &cb, &list) || !uvkpy_admin_alive(self)) return NULL;
  uvk_acl *a;
  size_t n;
  if (acls_from(list, &a, &n) < 0) return NULL;
  Py_INCREF(cb);
  int rc = uvk_admin_create_acls(self->admin, a, n, on_acls, cb);
  PyMem_Free(a);
  return uvkpy_admin_started(rc, cb, "create_acls");
}

PyObject *uvkpy_admin_describe_acls(AdminObject *self, PyObject *args) {
  PyObject *cb, *filter;
  if (!PyArg_ParseTuple(args, "OO", &cb, &filter) || !uvkpy_admin_alive(self)) return NULL;
  uvk_acl f;
  uvk_acl_filter_init(&f);
  if (acl_from(filter, &f) < 0) return NULL;
  Py_INCREF(cb);
  return uvkpy_admin_started(uvk_admin_describe_acls(self->admin, &f, on_acls, cb), cb, "describe_acls");
}

PyObject *uvkpy_admin_delete_acls(AdminObject *self, PyObject *args) {
  PyObject *cb, *list;
  if (!PyArg_ParseTuple(args, "OO", &cb, &list) || !uvkpy_admin_alive(self)) return NULL;
  uvk_acl *a;
  size_t n;
  if (acls_from(list, &a, &n) < 0) return NULL;
  Py_INCREF(cb);
  int rc = uvk_admin_delete_acls(self->admin, a, n, on_acls, cb);
  PyMem_Free(a);
  return uvkpy_admin_started(rc, cb, "delete_acls");
}

/* cb(err, [(user, error, error_message, [(mechanism, iterations)])]) */
static void on_scram_users(uvk_admin *ad, const uvk_error *err, const uvk_admin_scram_user *us, size_t n, void *ud) {
  (void)ad;
  PyObject *l = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; l && i < n; i++) {
    PyObject *cs = PyList_New((Py_ssize_t)us[i].n_credentials);
    for (size_t j = 0; cs && j < us[i].n_credentials; j++) {
      PyObject *c = Py_BuildValue("(ii)", us[i].credentials[j].mechanism, us[i].credentials[j].iterations);
      if (!c) Py_CLEAR(cs);
      else PyList_SET_ITEM(cs, (Py_ssize_t)j, c);
    }
    PyObject *t = cs ? Py_BuildValue("(zizN)", us[i].user, us[i].error, us[i].error_message, cs) : NULL;
    if (!t) Py_CLEAR(l);
    else PyList_SET_ITEM(l, (Py_ssize_t)i, t);
  }
  uvkpy_complete((PyObject *)ud, l ? Py_BuildValue("(NN)", uvkpy_error_tuple(err), l) : NULL);
}

PyObject *uvkpy_admin_describe_user_scram_credentials(AdminObject *self, PyObject *args) {
  PyObject *cb, *list;
  if (!PyArg_ParseTuple(args, "OO", &cb, &list) || !uvkpy_admin_alive(self)) return NULL;
  const char **a = NULL;
  size_t n = 0;
  if (list != Py_None && uvkpy_names(list, &a, &n, "users") < 0) return NULL;
  Py_INCREF(cb);
  int rc = uvk_admin_describe_user_scram_credentials(self->admin, a, n, on_scram_users, cb);
  PyMem_Free(a);
  return uvkpy_admin_started(rc, cb, "describe_user_scram_credentials");
}

/* alter_user_scram_credentials(cb, [(user, mechanism, password | None, iterations)]) */
PyObject *uvkpy_admin_alter_user_scram_credentials(AdminObject *self, PyObject *args) {
  PyObject *cb, *list;
  if (!PyArg_ParseTuple(args, "OO", &cb, &list) || !uvkpy_admin_alive(self)) return NULL;
  PyObject *seq = PySequence_Fast(list, "alterations must be a list");
  if (!seq) return NULL;
  Py_ssize_t k = PySequence_Fast_GET_SIZE(seq);
  uvk_admin_scram_alteration *a = (uvk_admin_scram_alteration *)PyMem_Calloc(k ? (size_t)k : 1, sizeof *a);
  if (!a) PyErr_NoMemory();
  for (Py_ssize_t i = 0; a && i < k; i++) {
    PyObject *t = PySequence_Fast_GET_ITEM(seq, i);
    long long mech, it;
    int bad = 0;
    if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 4) {
      PyErr_SetString(PyExc_TypeError, "alterations must be (user, mechanism, password, iterations)");
      break;
    }
    a[i].user = uvkpy_str(PyTuple_GET_ITEM(t, 0), "user");
    if (!a[i].user || uvkpy_int64(PyTuple_GET_ITEM(t, 1), "mechanism", 1, 2, &mech) < 0 ||
        uvkpy_int64(PyTuple_GET_ITEM(t, 3), "iterations", 0, 16384, &it) < 0)
      break;
    a[i].password = opt_str(PyTuple_GET_ITEM(t, 2), "password", &bad);
    if (bad) break;
    a[i].mechanism = (int)mech;
    a[i].iterations = (int32_t)it;
  }
  int rc = 0;
  if (!PyErr_Occurred()) {
    Py_INCREF(cb);
    rc = uvk_admin_alter_user_scram_credentials(self->admin, a, (size_t)k, uvkpy_admin_on_results, cb);
    if (rc != 0) Py_DECREF(cb);
  }
  PyMem_Free(a);
  Py_DECREF(seq);
  if (PyErr_Occurred()) return NULL;
  if (rc != 0) return uvkpy_refused(rc, "alter_user_scram_credentials");
  Py_RETURN_NONE;
}
