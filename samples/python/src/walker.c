/* Walker: the async iterator of `async for msg in consumer`. While the batch in hand has
 * messages, __anext__ answers from C with an awaitable that is already done (no coroutine,
 * no StopIteration on Python >= 3.10); otherwise it returns slow(), the Python coroutine that
 * takes the next batch, waits or raises. The Python side reads and sets current / index. */
#include "native.h"

#include <structmember.h>

typedef struct {
  PyObject_HEAD
  PyObject *current; /* (topic, partition, Messages), or None */
  Py_ssize_t index;  /* the next message of current to hand out */
  PyObject *slow;
} WalkerObject;

typedef struct {
  PyObject_HEAD
  PyObject *value; /* handed out once */
} ReadyObject;

static PyTypeObject Ready_Type;

/* Freed Ready objects, reused: `async for` makes and drops one per message. */
static ReadyObject *free_ready[16];
static int n_free_ready;

static void Ready_dealloc(ReadyObject *r) {
  Py_XDECREF(r->value);
  if (n_free_ready < 16) free_ready[n_free_ready++] = r;
  else PyObject_Free(r);
}

static PyObject *Ready_await(ReadyObject *r) { return Py_NewRef(r); }

static PyObject *Ready_next(ReadyObject *r) {
  PyObject *v = r->value ? r->value : Py_None;
  PyObject *stop = PyObject_CallOneArg(PyExc_StopIteration, v);  /* an instance: a tuple value stays whole */
  Py_CLEAR(r->value);
  if (stop) {
    PyErr_SetObject(PyExc_StopIteration, stop);
    Py_DECREF(stop);
  }
  return NULL;
}

#if PY_VERSION_HEX >= 0x030A0000
static PySendResult Ready_send(ReadyObject *r, PyObject *arg, PyObject **result) {
  (void)arg;
  *result = r->value ? r->value : Py_NewRef(Py_None);
  r->value = NULL;
  return PYGEN_RETURN;
}
#endif

static PyAsyncMethods Ready_async = {
  .am_await = (unaryfunc)Ready_await,
#if PY_VERSION_HEX >= 0x030A0000
  .am_send = (sendfunc)Ready_send,
#endif
};

static PyObject *ready_new(PyObject *value) {
  ReadyObject *r = n_free_ready > 0 ? (ReadyObject *)PyObject_Init((PyObject *)free_ready[--n_free_ready], &Ready_Type)
                                    : PyObject_New(ReadyObject, &Ready_Type);
  if (!r) {
    Py_DECREF(value);
    return NULL;
  }
  r->value = value;  /* stolen */
  return (PyObject *)r;
}

static int Walker_init(WalkerObject *w, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"slow", NULL};
  PyObject *slow;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O", kwlist, &slow)) return -1;
  if (!PyCallable_Check(slow)) {
    PyErr_SetString(PyExc_TypeError, "slow must be callable");
    return -1;
  }
  Py_XSETREF(w->slow, Py_NewRef(slow));
  Py_XSETREF(w->current, Py_NewRef(Py_None));
  w->index = 0;
  return 0;
}

static void Walker_dealloc(WalkerObject *w) {
  PyObject_GC_UnTrack(w);
  Py_CLEAR(w->current);
  Py_CLEAR(w->slow);
  PyObject_GC_Del(w);
}

static int Walker_traverse(WalkerObject *w, visitproc visit, void *arg) {
  Py_VISIT(w->current);
  Py_VISIT(w->slow);  /* a bound method of the consumer that holds this walker */
  return 0;
}

static int Walker_clear(WalkerObject *w) {
  Py_CLEAR(w->slow);
  Py_CLEAR(w->current);
  return 0;
}

static PyObject *Walker_aiter(WalkerObject *w) { return Py_NewRef(w); }

static PyObject *Walker_anext(WalkerObject *w) {
  PyObject *cur = w->current;
  if (cur && PyTuple_CheckExact(cur) && PyTuple_GET_SIZE(cur) == 3 &&
      Py_IS_TYPE(PyTuple_GET_ITEM(cur, 2), &Messages_Type) && w->index >= 0 &&
      (size_t)w->index < uvkpy_messages_len(PyTuple_GET_ITEM(cur, 2))) {
    PyObject *m = uvkpy_message_at(PyTuple_GET_ITEM(cur, 2), (size_t)w->index);
    if (!m) return NULL;
    w->index++;
    return ready_new(m);
  }
  if (!w->slow) {
    PyErr_SetString(PyExc_RuntimeError, "the walker is cleared");
    return NULL;
  }
  return PyObject_CallNoArgs(w->slow);
}

static PyMemberDef Walker_members[] = {
  {"current", T_OBJECT, offsetof(WalkerObject, current), 0, "(topic, partition, Messages) in hand, or None"},
  {"index", T_PYSSIZET, offsetof(WalkerObject, index), 0, "the next message of current"},
  {NULL, 0, 0, 0, NULL},
};

static PyAsyncMethods Walker_async = {
  .am_aiter = (unaryfunc)Walker_aiter,
  .am_anext = (unaryfunc)Walker_anext,
};

PyTypeObject Walker_Type;

int uvkpy_walker_init_types(void) {
  Ready_Type = (PyTypeObject){
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "uvkafka._native.Ready",
    .tp_doc = "An awaitable that is already done (the next message of `async for`).",
    .tp_basicsize = sizeof(ReadyObject),
    .tp_dealloc = (destructor)Ready_dealloc,
    .tp_as_async = &Ready_async,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)Ready_next,
    .tp_flags = Py_TPFLAGS_DEFAULT,
  };
  Walker_Type = (PyTypeObject){
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "uvkafka._native.Walker",
    .tp_doc = "Walker(slow): the async iterator of `async for msg in consumer` (internal).",
    .tp_basicsize = sizeof(WalkerObject),
    .tp_dealloc = (destructor)Walker_dealloc,
    .tp_traverse = (traverseproc)Walker_traverse,
    .tp_clear = (inquiry)Walker_clear,
    .tp_as_async = &Walker_async,
    .tp_members = Walker_members,
    .tp_init = (initproc)Walker_init,
    .tp_new = PyType_GenericNew,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
  };
  return PyType_Ready(&Ready_Type) < 0 || PyType_Ready(&Walker_Type) < 0 ? -1 : 0;
}
