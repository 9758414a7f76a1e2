/* Client: the uvk_client and the libuv loop it runs on, owned by this object. */
#include "native.h"

#include <stdlib.h>

typedef void (*close_fn)(PyObject *);

int uvkpy_client_alive(ClientObject *c) {
  if (c && c->client) return 1;
  PyErr_SetString(PyExc_RuntimeError, "the client is closed");
  return 0;
}

int uvkpy_adopt(ClientObject *c, PyObject *child) {
  if (c->n_kids == c->cap_kids) {
    size_t cap = c->cap_kids ? c->cap_kids * 2 : 8;
    PyObject **k = (PyObject **)PyMem_Realloc(c->kids, cap * sizeof *k);
    if (!k) {
      PyErr_NoMemory();
      return -1;
    }
    c->kids = k;
    c->cap_kids = cap;
  }
  c->kids[c->n_kids++] = child;
  return 0;
}

uvk_config *uvkpy_child_begin(PyObject *args, PyObject *kw, int config_required, int already, const char *type,
                              ClientObject **client) {
  static char *kwlist[] = {"client", "config", NULL};
  PyObject *config = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kw, config_required ? "O!O" : "O!|O", kwlist, &Client_Type, client, &config))
    return NULL;
  if (already || !uvkpy_client_alive(*client)) {
    if (!PyErr_Occurred()) PyErr_Format(PyExc_RuntimeError, "%s.__init__ called twice", type);
    return NULL;
  }
  return uvkpy_config(config);
}

int uvkpy_child_end(ClientObject *client, PyObject *child, ClientObject **owner, int rc, const char *refused) {
  if (rc != 0) {
    uvkpy_refused(rc, refused);
    return -1;
  }
  if (uvkpy_adopt(client, child) < 0) return -1;
  Py_INCREF(client);
  *owner = client;
  return 0;
}

void uvkpy_disown(ClientObject *c, PyObject *child) {
  for (size_t i = 0; i < c->n_kids; i++)
    if (c->kids[i] == child) {
      c->kids[i] = c->kids[--c->n_kids];
      return;
    }
}

static int running;   /* step() is inside uv_run: libuv forbids running a loop re-entrantly */
static uv_loop_t *to_close[16];
static size_t n_to_close;

/* After uvk_client_free: runs the loop until the client released its handles, then closes it. */
static void drain_and_close(uv_loop_t *loop) {
  for (int i = 0; i < 1000 && uv_run(loop, UV_RUN_NOWAIT) != 0; i++) uv_run(loop, UV_RUN_ONCE);
  if (uv_loop_close(loop) == 0) PyMem_RawFree(loop);
  /* else: something still holds a handle; leaking the loop is safer than freeing it */
}

static void close_client(ClientObject *c) {
  while (c->n_kids > 0) {
    PyObject *k = c->kids[c->n_kids - 1];
    Py_INCREF(k);
    if (Py_IS_TYPE(k, &Producer_Type)) uvkpy_producer_close((ProducerObject *)k);
    else if (Py_IS_TYPE(k, &Consumer_Type)) uvkpy_consumer_close((ConsumerObject *)k);
    else if (Py_IS_TYPE(k, &ShareConsumer_Type)) uvkpy_share_close((ShareConsumerObject *)k);
    else uvkpy_admin_close((AdminObject *)k);
    uvkpy_disown(c, k);  /* in case the close above did not */
    Py_DECREF(k);
  }
  if (!c->client) return;
  uvk_client_free(c->client);
  c->client = NULL;
  if (running && n_to_close < sizeof to_close / sizeof to_close[0]) to_close[n_to_close++] = c->loop;
  else if (!running) drain_and_close(c->loop);
  c->loop = NULL;
}

static int Client_init(ClientObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"config", "stats_cb", NULL};
  PyObject *config = NULL, *stats_cb = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O", kwlist, &config, &stats_cb)) return -1;
  if (self->client) {
    PyErr_SetString(PyExc_RuntimeError, "Client.__init__ called twice");
    return -1;
  }
  uvk_config *cfg = uvkpy_config(config);
  if (!cfg) return -1;
  if (uvkpy_stats_set(self, cfg, stats_cb) < 0) {
    uvk_config_free(cfg);
    return -1;
  }
  uv_loop_t *loop = (uv_loop_t *)PyMem_RawMalloc(sizeof *loop);
  if (!loop || uv_loop_init(loop) != 0) {
    PyMem_RawFree(loop);
    uvk_config_free(cfg);
    PyErr_SetString(PyExc_OSError, "uv_loop_init failed");
    return -1;
  }
  uvk_client *client = NULL;
  int rc = uvk_client_new(loop, cfg, &client);
  uvk_config_free(cfg);
  if (rc != 0) {
    drain_and_close(loop);
    uvkpy_refused(rc, "Client");
    return -1;
  }
  self->client = client;
  self->loop = loop;
  return 0;
}

static void Client_dealloc(ClientObject *self) {
  close_client(self);
  Py_CLEAR(self->listeners);
  Py_CLEAR(self->stats_cb);
  PyMem_Free(self->kids);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Client_close(ClientObject *self, PyObject *noargs) {
  (void)noargs;
  if (uvkpy_partitioning) {
    PyErr_SetString(PyExc_RuntimeError, "not from inside a partitioner or an assigner");
    return NULL;
  }
  close_client(self);
  Py_RETURN_NONE;
}

static PyObject *Client_fileno(ClientObject *self, PyObject *noargs) {
  (void)noargs;
  if (!uvkpy_client_alive(self)) return NULL;
  return PyLong_FromLong(uv_backend_fd(self->loop));
}

static PyObject *Client_timeout_ms(ClientObject *self, PyObject *noargs) {
  (void)noargs;
  if (!uvkpy_client_alive(self)) return NULL;
  return PyLong_FromLong(uv_backend_timeout(self->loop));
}

/* Runs what is due without blocking; re-raises the first exception a callback raised. */
static PyObject *Client_step(ClientObject *self, PyObject *noargs) {
  (void)noargs;
  if (running || uvkpy_partitioning) {
    PyErr_SetString(PyExc_RuntimeError, "step() called from inside a uvkafka callback");
    return NULL;
  }
  int alive = 0;
  if (self->client) {
    uv_loop_t *loop = self->loop;
    running = 1;
    alive = uv_run(loop, UV_RUN_NOWAIT);
    running = 0;
    while (n_to_close > 0) drain_and_close(to_close[--n_to_close]);
  }
  if (uvkpy_raise_kept() < 0) return NULL;
  return PyBool_FromLong(alive && self->client);
}

static void on_client_done(uvk_client *client, const uvk_error *err, void *ud) {
  (void)client;
  uvkpy_complete((PyObject *)ud, Py_BuildValue("(N)", uvkpy_error_tuple(err)));
}

static PyObject *Client_connect(ClientObject *self, PyObject *cb) {
  if (!uvkpy_client_alive(self)) return NULL;
  Py_INCREF(cb);
  int rc = uvk_client_connect(self->client, on_client_done, cb);
  if (rc != 0) {
    Py_DECREF(cb);
    return uvkpy_refused(rc, "connect");
  }
  Py_RETURN_NONE;
}

static PyObject *Client_closed(ClientObject *self, void *closure) {
  (void)closure;
  return PyBool_FromLong(self->client == NULL);
}

static PyObject *Client_on(ClientObject *self, PyObject *args) {
  if (!uvkpy_client_alive(self)) return NULL;
  return uvkpy_events_on(0, self->client, &self->listeners, args);
}

static PyObject *Client_off(ClientObject *self, PyObject *id) {
  if (!uvkpy_client_alive(self)) return NULL;
  return uvkpy_events_off(0, self->client, self->listeners, id);
}

static PyMethodDef Client_methods[] = {
  {"on", (PyCFunction)Client_on, METH_VARARGS, "on(event, fn) -> listener id: fn(event dict) for each event."},
  {"off", (PyCFunction)Client_off, METH_O, "off(listener id) -> whether it was registered."},
  {"close", (PyCFunction)Client_close, METH_NOARGS, "Closes the handles made from it, then the client."},
  {"fileno", (PyCFunction)Client_fileno, METH_NOARGS, "The loop's descriptor: readable when I/O is due."},
  {"timeout_ms", (PyCFunction)Client_timeout_ms, METH_NOARGS, "ms until the next timer, -1 for none."},
  {"step", (PyCFunction)Client_step, METH_NOARGS, "Runs what is due now, without blocking."},
  {"connect", (PyCFunction)Client_connect, METH_O, "connect(cb): cb(err) once connected."},
  {"stats_json", (PyCFunction)uvkpy_stats_json, METH_NOARGS, "The current statistics document (JSON str)."},
  {NULL, NULL, 0, NULL},
};

static PyGetSetDef Client_getset[] = {
  {"closed", (getter)Client_closed, NULL, "True after close().", NULL},
  {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject Client_Type = {
  PyVarObject_HEAD_INIT(NULL, 0)
  .tp_name = "uvkafka._native.Client",
  .tp_basicsize = sizeof(ClientObject),
  .tp_dealloc = (destructor)Client_dealloc,
  .tp_flags = Py_TPFLAGS_DEFAULT,
  .tp_doc = "Client(config: dict[str, str], stats_cb=None): a uvkafka client on a libuv loop of its own.",
  .tp_methods = Client_methods,
  .tp_getset = Client_getset,
  .tp_init = (initproc)Client_init,
  .tp_new = PyType_GenericNew,
};
