/* Instrumentation events (uvk_events.h): Client.on / Consumer.on add a Python listener,
 * called inside step() with a dict {id, type, timestamp, payload}. The handle's `listeners`
 * dict {listener id: fn} owns the functions (the library gets them borrowed) until off() or
 * the object's deallocation: never on close, because a listener may close its handle while
 * the library still dispatches the same event to the next listener. */
#include "convert.h"

static PyObject *tps(const uvk_topic_partition *tp, size_t n) {
  PyObject *l = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; l && i < n; i++) {
    PyObject *t = Py_BuildValue("(si)", tp[i].topic, tp[i].partition);
    if (!t) Py_CLEAR(l);
    else PyList_SET_ITEM(l, (Py_ssize_t)i, t);
  }
  return l;
}

static PyObject *strs(const char *const *s, size_t n) {
  PyObject *l = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; l && i < n; i++) {
    PyObject *t = PyUnicode_FromString(s[i] ? s[i] : "");
    if (!t) Py_CLEAR(l);
    else PyList_SET_ITEM(l, (Py_ssize_t)i, t);
  }
  return l;
}

static PyObject *payload(const uvk_event *ev) {
  const void *p = ev->payload;
  if (!p) Py_RETURN_NONE;
  switch (ev->type) {
    case UVK_EVENT_CONNECT:
    case UVK_EVENT_DISCONNECT: {
      const uvk_event_connection *c = (const uvk_event_connection *)p;
      return Py_BuildValue("{s:z,s:i}", "broker", c->broker, "node_id", c->node_id);
    }
    case UVK_EVENT_REQUEST:
    case UVK_EVENT_REQUEST_TIMEOUT: {
      const uvk_event_request *r = (const uvk_event_request *)p;
      return Py_BuildValue("{s:z,s:z,s:i,s:i,s:L,s:L,s:L,s:L,s:z,s:i,s:i}", "broker", r->broker, "client_id",
                           r->client_id, "correlation_id", r->correlation_id, "size", r->size, "created_at",
                           (long long)r->created_at, "sent_at", (long long)r->sent_at, "pending_duration",
                           (long long)r->pending_duration, "duration", (long long)r->duration, "api_name",
                           r->api_name, "api_key", (int)r->api_key, "api_version", (int)r->api_version);
    }
    case UVK_EVENT_REQUEST_QUEUE_SIZE: {
      const uvk_event_request_queue_size *q = (const uvk_event_request_queue_size *)p;
      return Py_BuildValue("{s:z,s:z,s:i}", "broker", q->broker, "client_id", q->client_id, "queue_size",
                           q->queue_size);
    }
    case UVK_EVENT_GROUP_JOIN: {
      const uvk_event_group_join *j = (const uvk_event_group_join *)p;
      return Py_BuildValue("{s:z,s:z,s:z,s:O,s:z,s:N,s:L}", "group_id", j->group_id, "member_id", j->member_id,
                           "leader_id", j->leader_id, "is_leader", j->is_leader ? Py_True : Py_False,
                           "group_protocol", j->group_protocol, "assignment", tps(j->assignment, j->n_assignment),
                           "duration", (long long)j->duration);
    }
    case UVK_EVENT_HEARTBEAT:
    case UVK_EVENT_REBALANCING:
    case UVK_EVENT_STOP: {
      const uvk_event_group *g = (const uvk_event_group *)p;
      return Py_BuildValue("{s:z,s:z,s:i}", "group_id", g->group_id, "member_id", g->member_id, "generation_id",
                           g->generation_id);
    }
    case UVK_EVENT_COMMIT_OFFSETS: {
      const uvk_event_commit_offsets *c = (const uvk_event_commit_offsets *)p;
      PyObject *l = PyList_New((Py_ssize_t)c->n_offsets);
      for (size_t i = 0; l && i < c->n_offsets; i++) {
        PyObject *t = Py_BuildValue("(siL)", c->offsets[i].topic, c->offsets[i].partition,
                                    (long long)c->offsets[i].offset);
        if (!t) Py_CLEAR(l);
        else PyList_SET_ITEM(l, (Py_ssize_t)i, t);
      }
      if (!l) return NULL;
      return Py_BuildValue("{s:z,s:z,s:i,s:N}", "group_id", c->group_id, "member_id", c->member_id,
                           "generation_id", c->generation_id, "offsets", l);
    }
    case UVK_EVENT_CRASH: {
      const uvk_event_crash *c = (const uvk_event_crash *)p;
      return Py_BuildValue("{s:N,s:z,s:O}", "error", uvkpy_error_tuple(c->error), "group_id", c->group_id, "restart",
                           c->restart ? Py_True : Py_False);
    }
    case UVK_EVENT_FETCH:
    case UVK_EVENT_FETCH_START: {
      const uvk_event_fetch *f = (const uvk_event_fetch *)p;
      return Py_BuildValue("{s:i,s:i,s:L}", "node_id", f->node_id, "number_of_batches", f->number_of_batches,
                           "duration", (long long)f->duration);
    }
    case UVK_EVENT_START_BATCH_PROCESS:
    case UVK_EVENT_END_BATCH_PROCESS: {
      const uvk_event_batch_process *b = (const uvk_event_batch_process *)p;
      return Py_BuildValue("{s:z,s:i,s:L,s:L,s:L,s:n,s:L,s:L,s:L}", "topic", b->topic, "partition", b->partition,
                           "high_watermark", (long long)b->high_watermark, "offset_lag", (long long)b->offset_lag,
                           "offset_lag_low", (long long)b->offset_lag_low, "batch_size", (Py_ssize_t)b->batch_size,
                           "first_offset", (long long)b->first_offset, "last_offset", (long long)b->last_offset,
                           "duration", (long long)b->duration);
    }
    case UVK_EVENT_RECEIVED_UNSUBSCRIBED_TOPICS: {
      const uvk_event_unsubscribed_topics *u = (const uvk_event_unsubscribed_topics *)p;
      return Py_BuildValue("{s:z,s:z,s:i,s:N,s:N,s:N}", "group_id", u->group_id, "member_id", u->member_id,
                           "generation_id", u->generation_id, "assigned_topics",
                           strs(u->assigned_topics, u->n_assigned_topics), "topics_subscribed",
                           strs(u->topics_subscribed, u->n_topics_subscribed), "topics_not_subscribed",
                           strs(u->topics_not_subscribed, u->n_topics_not_subscribed));
    }
    default:
      Py_RETURN_NONE;
  }
}

static void on_event(void *ud, const uvk_event *ev) {
  PyObject *p = payload(ev);
  PyObject *d = p ? Py_BuildValue("{s:K,s:z,s:L,s:N}", "id", (unsigned long long)ev->id, "type", ev->name,
                                  "timestamp", (long long)ev->timestamp, "payload", p)
                  : NULL;
  PyObject *r = d ? PyObject_CallOneArg((PyObject *)ud, d) : NULL;
  Py_XDECREF(d);
  if (r) Py_DECREF(r);
  else uvkpy_keep_exception();
}

/* on(name, fn) -> listener id; kind 0: a client, 1: a consumer. */
PyObject *uvkpy_events_on(int kind, void *handle, PyObject **listeners, PyObject *args) {
  PyObject *name, *fn;
  if (!PyArg_ParseTuple(args, "OO", &name, &fn)) return NULL;
  const char *n = uvkpy_str(name, "event");
  if (!n) return NULL;
  if (!PyCallable_Check(fn)) {
    PyErr_Format(PyExc_TypeError, "listener must be callable, not %.80s", Py_TYPE(fn)->tp_name);
    return NULL;
  }
  int type = uvk_event_type_from_name(n);
  if (type <= 0) {
    PyErr_Format(PyExc_ValueError, "event: unknown event %R", name);
    return NULL;
  }
  /* A client emits the network events only (it would take the others and never call). */
  if (kind == 0 && type > UVK_EVENT_REQUEST_QUEUE_SIZE) {
    PyErr_Format(PyExc_ValueError, "event: %s is not emitted by a client (a consumer's event)", n);
    return NULL;
  }
  if (!*listeners && !(*listeners = PyDict_New())) return NULL;
  int64_t id = kind == 0 ? uvk_client_on((uvk_client *)handle, type, on_event, fn)
                         : uvk_consumer_on((uvk_consumer *)handle, type, on_event, fn);
  if (id <= 0) {
    if (id == UVK_EINVAL) {
      PyErr_Format(PyExc_ValueError, "event: %s is not emitted by a %s", n, kind == 0 ? "client" : "consumer");
      return NULL;
    }
    return uvkpy_refused((int)id, "on");
  }
  PyObject *key = PyLong_FromLongLong((long long)id);
  if (!key || PyDict_SetItem(*listeners, key, fn) < 0) {
    Py_XDECREF(key);
    if (kind == 0) uvk_client_off((uvk_client *)handle, id);
    else uvk_consumer_off((uvk_consumer *)handle, id);
    return NULL;
  }
  return key;
}

/* off(id) -> whether it was registered. */
PyObject *uvkpy_events_off(int kind, void *handle, PyObject *listeners, PyObject *ido) {
  long long id;
  if (uvkpy_int64(ido, "listener", 1, INT64_MAX, &id) < 0) return NULL;
  int rc = kind == 0 ? uvk_client_off((uvk_client *)handle, (int64_t)id)
                     : uvk_consumer_off((uvk_consumer *)handle, (int64_t)id);
  /* The function stays in `listeners` (dispatch may be under way); it goes with the object. */
  (void)listeners;
  return PyBool_FromLong(rc == 0);
}
