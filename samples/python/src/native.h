/* uvkafka._native: CPython types over uvkafka's C ABI. One client owns one libuv loop that
 * the Python side drives (fileno / timeout_ms / step); every callback runs inside step()
 * with the GIL held, and an exception a Python callback raises is kept and re-raised by
 * step() once the loop returned (never across the C stack). */
#ifndef UVKPY_NATIVE_H
#define UVKPY_NATIVE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <uv.h>

#include "uvkafka/uvkafka.h"

typedef struct {
  PyObject_HEAD
  uvk_client *client;
  uv_loop_t *loop;
  /* Handles made from this client (borrowed: each holds its client, and leaves this list
   * when it is closed or freed), closed before the client closes. */
  PyObject **kids;
  size_t n_kids, cap_kids;
  PyObject *listeners;  /* events.c: {listener id: fn} */
  PyObject *stats_cb;   /* stats.c: fn(json str) per statistics document, or NULL */
} ClientObject;

struct ProduceChunk;  /* produce.c */

typedef struct {
  PyObject_HEAD
  ClientObject *owner;
  uvk_producer *producer;
  /* produce(): the messages of this loop turn (strong references, handed to the library
   * borrowed by hand_over), spare chunks for reuse, the wake-up callable (called when the
   * first message of a turn arrives) and the first failure since take_error(). */
  struct ProduceChunk *filling;
  struct ProduceChunk *spare;
  /* Chunks handed over but refused for memory (UVK_EQUEUEFULL), sent in order when the
   * library drains; the options of produce() sends; whether the drain callback is set. */
  struct ProduceChunk *queue, *queue_tail;
  uvk_send_options produce_opts;
  size_t slice_bytes;  /* a slice's payload at most (a quarter of bufferMemory, <= 512 KiB) */
  int drain_set;
  PyObject *wake;
  PyObject *first_error;
  PyObject *partitioner;  /* partitioner.c: the Python partitioner, or NULL */
  /* send_soon.c: the loop of its futures, its sends' options, whether this turn woke the
   * driver already (hand_over, before each step, clears it). */
  PyObject *soon_loop;
  uvk_send_options soon_opts;
  int soon_woken;
} ProducerObject;

typedef struct {
  PyObject_HEAD
  ClientObject *owner;
  uvk_consumer *consumer;
  PyObject *each_message;
  PyObject *each_batch;
  PyObject *listeners;  /* events.c: {listener id: fn} */
  void *assigners[4];   /* assigner.c: the custom assigners (freed with the object) */
  int n_assigners;
  PyObject *delivering; /* each_message: the Messages of the batch being handed out */
  PyObject *later;      /* each_message: later(result, topic, partition) -> 0 or PENDING for a
                           handler result that is not None (a coroutine: the partition waits) */
} ConsumerObject;

typedef struct {
  PyObject_HEAD
  ClientObject *owner;
  uvk_admin *admin;
} AdminObject;

typedef struct {
  PyObject_HEAD
  ClientObject *owner;
  uvk_share_consumer *share;
  PyObject *on_record;  /* (topic, partition, offset, delivery_count, timestamp, key, value, headers) */
  PyObject *on_crash;   /* (error tuple), once */
  PyObject *on_ack;     /* (topic, partition, [offsets], error tuple or None) per acknowledgement result */
} ShareConsumerObject;

extern PyTypeObject Client_Type;
extern PyTypeObject Producer_Type;
extern PyTypeObject Consumer_Type;
extern PyTypeObject Admin_Type;
extern PyTypeObject ShareConsumer_Type;
extern PyTypeObject Message_Type;
extern PyTypeObject Messages_Type;

/* module.c */
PyObject *uvkpy_error_tuple(const uvk_error *err);       /* None for NULL */
PyObject *uvkpy_code_tuple(int code, const char *what);  /* an error tuple from a code */
void uvkpy_keep_exception(void);                         /* the pending Python error, kept */
int uvkpy_raise_kept(void);                              /* re-raises a kept one: -1 */
PyObject *uvkpy_refused(int rc, const char *what);       /* raises the C call's refusal */
uvk_config *uvkpy_config(PyObject *dict);                /* NULL with an exception set */
void uvkpy_complete(PyObject *cb, PyObject *args);       /* calls cb(*args), steals both */
PyObject *uvkpy_bytes_or_none(const void *p, size_t n);
int uvkpy_register_types(PyObject *m);

/* stats.c: stats_cb on a config before the client is made (None: none); the current
 * document as a str */
int uvkpy_stats_set(ClientObject *c, uvk_config *cfg, PyObject *fn);
PyObject *uvkpy_stats_json(ClientObject *c, PyObject *noargs);

/* client.c */
int uvkpy_client_alive(ClientObject *c);                 /* 0 with an exception when closed */
int uvkpy_adopt(ClientObject *c, PyObject *child);
/* A child's __init__(client, config): the begin half parses both (config optional unless
 * `config_required`), refuses a closed client or a second call (`already`) and returns the
 * config (NULL with an exception); the end half reports a refusal of the library (rc != 0)
 * or makes the client own the child. Both return what __init__ returns, 0 or -1. */
uvk_config *uvkpy_child_begin(PyObject *args, PyObject *kw, int config_required, int already, const char *type,
                              ClientObject **client);
int uvkpy_child_end(ClientObject *client, PyObject *child, ClientObject **owner, int rc, const char *refused);
void uvkpy_disown(ClientObject *c, PyObject *child);

/* message.c: a batch as a Messages sequence reading the library's views of it (borrow);
 * settle, before the handler call returns to the library: copies them if Python still holds
 * more than own_refs references (-1: no memory, the exception set), then stops reading them;
 * lend: the views of a later call for the same batch (each_message); a Message view of entry
 * i; whether a Messages was made from batch b (delivered at entry i) */
PyObject *uvkpy_messages_borrow(const uvk_batch *b, PyObject *topic);
int uvkpy_messages_settle(PyObject *messages, Py_ssize_t own_refs);
void uvkpy_messages_lend(PyObject *messages, const uvk_batch *b);
PyObject *uvkpy_message_at(PyObject *messages, size_t i);
int uvkpy_messages_match(PyObject *messages, const uvk_batch *b, size_t i);
size_t uvkpy_messages_len(PyObject *messages);
PyObject *uvkpy_batches_copied(PyObject *m, PyObject *noargs);  /* how many were copied so far */

/* walker.c: the async iterator of `async for` (Walker) and its done awaitable */
extern PyTypeObject Walker_Type;
int uvkpy_walker_init_types(void);

/* produce.c: Producer's fire-and-forget path */
/* The arguments produce() and send_soon() share: topic, value, key=, headers=, partition=,
 * timestamp= (borrowed references); -1 with a TypeError naming fn, or RuntimeError when closed. */
typedef struct {
  PyObject *topic, *value, *key, *headers, *partition, *timestamp;
} UvkpyMessageArgs;
int uvkpy_message_args(ProducerObject *self, const char *fn, PyObject *const *args, Py_ssize_t nargs,
                       PyObject *kwnames, UvkpyMessageArgs *out);
PyObject *uvkpy_produce(ProducerObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames);
PyObject *uvkpy_hand_over(ProducerObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *uvkpy_take_error(ProducerObject *self, PyObject *noargs);
PyObject *uvkpy_set_wake(ProducerObject *self, PyObject *wake);
PyObject *uvkpy_queued(ProducerObject *self, PyObject *noargs);       /* messages waiting for memory */
PyObject *uvkpy_drop_unsent(ProducerObject *self, PyObject *noargs);  /* forgets them (an abort) */

/* send_soon.c: send_soon() in C; its module-wide setup and per-producer options */
PyObject *uvkpy_send_soon(ProducerObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames);
PyObject *uvkpy_soon_setup(PyObject *m, PyObject *args);
PyObject *uvkpy_soon_options(ProducerObject *self, PyObject *args);
void uvkpy_produce_clear(ProducerObject *self);  /* drops the unsent messages and spare chunks */
/* producer.c: a send's acks / compression / timeout (None: the default) */
int uvkpy_send_options(uvk_send_options *o, PyObject *acks, PyObject *compression, PyObject *timeout);

/* events.c: on(name, fn) -> id and off(id) -> bool; kind 0: a uvk_client, 1: a uvk_consumer */
PyObject *uvkpy_events_on(int kind, void *handle, PyObject **listeners, PyObject *args);
PyObject *uvkpy_events_off(int kind, void *handle, PyObject *listeners, PyObject *id);

/* partitioner.c: nonzero while a Python partitioner runs (the library is mid-send) */
extern int uvkpy_partitioning;
PyObject *uvkpy_set_partitioner(ProducerObject *self, PyObject *fn);

/* assigner.c */
PyObject *uvkpy_add_assigner(ConsumerObject *self, PyObject *args);
void uvkpy_assigners_free(ConsumerObject *self);

/* handle cleanup, called when the client closes or the object goes away */
void uvkpy_producer_close(ProducerObject *p);
void uvkpy_consumer_close(ConsumerObject *c);
void uvkpy_admin_close(AdminObject *a);
void uvkpy_share_close(ShareConsumerObject *k);

#endif
