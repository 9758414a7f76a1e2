// uvk_send_queue: sends from any thread into a producer whose loop runs elsewhere. Sending
// threads append copies to a locked list and wake the loop once per burst (the first send
// after a drain); the loop hands the entries to uvk_producer_send_batch in order, holding
// them back while the producer's bufferMemory is full (its drain callback resumes).
#include <string.h>

#include <new>

#include "capi/client_internal.h"
#include "capi/handle_check.h"
#include "capi/send_queue.h"
#include "capi/sized_options.h"
#include "capi/topic_name.h"
#include "engine/kafka_errors.h"
#include "io/xthread.h"
#include "uvkafka/uvkafka.h"

using namespace uvk;

namespace {

constexpr uint32_t kMagicSendQueue = 0x75766b51u;  // "uvkQ"

struct QEntry {
  QEntry *next;
  uvk_send_cb cb;
  void *ud;
  uvk_send_options opts;
  const char *topic;
  uvk_message *msgs;
  size_t n;
  size_t bytes;
  const Allocator *alloc;
};

}  // namespace

struct uvk_send_queue {
  uint32_t magic;
  Allocator alloc_copy;  // the client's hook, kept: the handle may outlive its client
  const Allocator *alloc;
  size_t max_messages, max_bytes;
  IoLock *lock;
  // Under lock.
  QEntry *head, *tail;
  bool wake_pending;  // the loop was woken and has not taken the list yet
  bool closed;        // sends fail with UVK_ECLOSED
  IoAsync *async;     // null once closed for good
  int refs;           // the application's handle + the producer's
  uint64_t queued_msgs, queued_bytes;
  uint64_t sends, messages, wakeups, full;
  // The loop thread only.
  uvk_producer *producer;  // null once detached
  QEntry *backlog, *backlog_tail;  // taken from the list, not yet accepted by the producer
  bool blocked;                    // the producer said UVK_EQUEUEFULL: wait for its drain
  bool pumping;
};

namespace {

size_t align8(size_t n) { return (n + 7) & ~size_t(7); }

bool add(size_t *acc, size_t n) {
  if (*acc > SIZE_MAX - n) return false;
  *acc += n;
  return true;
}

// One allocation: the entry, the messages, their headers, the topic, then (copying) the bytes.
int make_entry(uvk_send_queue *q, const char *topic, const uvk_message *msgs, size_t n,
               const uvk_send_options &o, uvk_send_cb cb, void *ud, QEntry **out) {
  size_t n_headers = 0, data = 0, accounted = strlen(topic);
  for (size_t i = 0; i < n; i++) {
    const uvk_message &m = msgs[i];
    if ((m.n_headers && !m.headers) || m.n_headers > 100000 || (m.key_len && !m.key) ||
        (m.value_len && !m.value))
      return UVK_EINVAL;
    if (!add(&n_headers, m.n_headers) || !add(&accounted, m.key_len) || !add(&accounted, m.value_len))
      return UVK_EINVAL;
    for (size_t h = 0; h < m.n_headers; h++) {
      if (!m.headers[h].name || (m.headers[h].value_len && !m.headers[h].value)) return UVK_EINVAL;
      if (!add(&accounted, strlen(m.headers[h].name) + 1) || !add(&accounted, m.headers[h].value_len))
        return UVK_EINVAL;
    }
  }
  if (n_headers > 1000000 || accounted > q->max_bytes || n > q->max_messages) return UVK_EINVAL;
  if (!o.borrow) data = accounted;
  size_t size = align8(sizeof(QEntry)) + align8(sizeof(uvk_message) * n) + align8(sizeof(uvk_header) * n_headers);
  size_t topic_at = size;
  if (!add(&size, strlen(topic) + 1) || !add(&size, data)) return UVK_EINVAL;
  char *mem = static_cast<char *>(mem_alloc(q->alloc, size));
  if (!mem) return UVK_ENOMEM;
  QEntry *e = new (mem) QEntry();
  e->cb = cb;
  e->ud = ud;
  e->opts = o;
  e->opts.borrow = 1;  // the producer reads the entry's copy (or the caller's, taken over)
  e->n = n;
  e->bytes = accounted;
  e->alloc = q->alloc;
  e->msgs = reinterpret_cast<uvk_message *>(mem + align8(sizeof(QEntry)));
  uvk_header *hdrs = reinterpret_cast<uvk_header *>(reinterpret_cast<char *>(e->msgs) + align8(sizeof(uvk_message) * n));
  char *p = mem + topic_at;
  memcpy(p, topic, strlen(topic) + 1);
  e->topic = p;
  p += strlen(topic) + 1;
  auto copy = [&](const void *src, size_t len) -> const void * {
    if (!src || o.borrow) return src;
    if (len) memcpy(p, src, len);
    const void *at = p;
    p += len;
    return at;
  };
  for (size_t i = 0; i < n; i++) {
    uvk_message m = msgs[i];
    m.key = copy(m.key, m.key_len);
    m.value = copy(m.value, m.value_len);
    uvk_header *mh = m.n_headers ? hdrs : nullptr;
    for (size_t h = 0; h < m.n_headers; h++) {
      uvk_header hd = m.headers[h];
      hd.name = static_cast<const char *>(copy(hd.name, strlen(hd.name) + 1));
      hd.value = copy(hd.value, hd.value_len);
      *hdrs++ = hd;
    }
    m.headers = mh;
    e->msgs[i] = m;
  }
  *out = e;
  return 0;
}

void entry_free(QEntry *e) {
  const Allocator *a = e->alloc;
  e->~QEntry();
  mem_free(a, e);
}

void entry_done(uvk_producer *pr, const uvk_error *err, const uvk_record_metadata *md, size_t n, void *ud) {
  QEntry *e = static_cast<QEntry *>(ud);
  e->cb(pr, err, md, n, e->ud);
  entry_free(e);
}

void entry_fail(uvk_send_queue *q, QEntry *e, int code) {
  uvk_error *err = error_new(q->alloc, code, 0, nullptr, 0, nullptr);
  e->cb(q->producer, err, nullptr, 0, e->ud);
  if (err) error_release(err);
  entry_free(e);
}

void release_memory(uvk_send_queue *q) {
  io_lock_free(q->lock);
  const Allocator *a = q->alloc;
  Allocator copy = *a;
  q->~uvk_send_queue();
  mem_free(&copy, q);
}

void unref(uvk_send_queue *q) {
  io_lock(q->lock);
  bool last = --q->refs == 0;
  io_unlock(q->lock);
  if (last) release_memory(q);
}

// Under lock: moves the list to the backlog.
void take_list(uvk_send_queue *q) {
  if (!q->head) return;
  if (q->backlog_tail) q->backlog_tail->next = q->head;
  else q->backlog = q->head;
  q->backlog_tail = q->tail;
  q->head = q->tail = nullptr;
}

void pop_backlog(uvk_send_queue *q, QEntry *e) {
  q->backlog = e->next;
  if (!q->backlog) q->backlog_tail = nullptr;
  io_lock(q->lock);
  q->queued_msgs -= e->n;
  q->queued_bytes -= e->bytes;
  io_lock_broadcast(q->lock);  // room for a waiting sender
  io_unlock(q->lock);
}

// Hands the backlog to the producer in order. Without may_call_back (inside an API call)
// an entry the producer refuses stays for the next turn.
void pump(uvk_send_queue *q, bool may_call_back) {
  if (q->pumping) return;
  q->pumping = true;
  while (QEntry *e = q->backlog) {
    int rc = UVK_ECLOSED;
    if (q->producer) {
      uvk_topic_messages tm{e->topic, e->msgs, e->n};
      rc = uvk_producer_send_batch(q->producer, &tm, 1, &e->opts, entry_done, e);
    }
    if (rc == UVK_EQUEUEFULL) {
      q->blocked = true;
      break;
    }
    if (rc != 0 && !may_call_back) break;
    pop_backlog(q, e);
    if (rc != 0) entry_fail(q, e, rc);
  }
  q->pumping = false;
}

// Closes the wake-up once nothing is left for it to deliver.
void close_async_if_idle(uvk_send_queue *q) {
  io_lock(q->lock);
  IoAsync *a = q->closed && !q->head && !q->backlog ? q->async : nullptr;
  if (a) q->async = nullptr;
  io_unlock(q->lock);
  if (a) io_async_close(a);
}

void on_fire(void *ud) {
  uvk_send_queue *q = static_cast<uvk_send_queue *>(ud);
  io_lock(q->lock);
  take_list(q);
  q->wake_pending = false;
  q->wakeups++;
  bool closed = q->closed;
  io_unlock(q->lock);
  if (closed) q->blocked = false;  // the producer is disconnecting: fail the rest, wait for no drain
  if (!q->blocked) pump(q, true);
  close_async_if_idle(q);
}

// The client's driver closed (client disconnect): what is left fails (the client is closing).
void on_io_detach(void *ud) {
  uvk_send_queue *q = static_cast<uvk_send_queue *>(ud);
  io_lock(q->lock);
  q->closed = true;
  q->async = nullptr;
  take_list(q);
  io_lock_broadcast(q->lock);
  io_unlock(q->lock);
  q->blocked = false;
  pump(q, true);
}

}  // namespace

namespace uvk {

void send_queue_on_drain(uvk_send_queue *q) {
  q->blocked = false;
  pump(q, true);
  close_async_if_idle(q);
}

void send_queue_on_disconnect(uvk_send_queue *q) {
  io_lock(q->lock);
  q->closed = true;
  take_list(q);
  io_lock_broadcast(q->lock);
  io_unlock(q->lock);
  if (!q->blocked) pump(q, false);  // what the producer takes now is flushed with the rest
  io_lock(q->lock);
  IoAsync *a = q->async;
  bool left = q->backlog != nullptr;
  if (a && !left) q->async = nullptr;
  else if (a && !q->wake_pending) {
    q->wake_pending = true;
    io_async_send(a);  // the rest fails with UVK_ECLOSED on that turn
  }
  io_unlock(q->lock);
  if (a && !left) io_async_close(a);
}

void send_queue_detach(uvk_send_queue *q) {
  io_lock(q->lock);
  q->closed = true;
  take_list(q);
  IoAsync *a = q->async;
  q->async = nullptr;
  io_lock_broadcast(q->lock);
  io_unlock(q->lock);
  if (a) io_async_close(a);
  while (QEntry *e = q->backlog) {
    pop_backlog(q, e);
    entry_fail(q, e, UVK_ECLOSED);
  }
  q->producer = nullptr;
}

void send_queue_unref(uvk_send_queue *q) { unref(q); }

}  // namespace uvk

extern "C" {

UVK_EXTERN void uvk_send_queue_options_init(uvk_send_queue_options *o) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  o->struct_size = sizeof *o;
  o->max_messages = 100000;
  o->max_bytes = size_t(64) << 20;
}

UVK_EXTERN int uvk_send_queue_new(uvk_producer *pr, const uvk_send_queue_options *opts, uvk_send_queue **out) {
  if (!pr || !out) return UVK_EINVAL;
  *out = nullptr;
  uvk_send_queue_options o;
  uvk_send_queue_options_init(&o);
  int rc = adopt_sized_options(opts, offsetof(uvk_send_queue_options, max_bytes) + sizeof(size_t), &o);
  if (rc != 0) return rc;
  if (o.max_messages == 0 || o.max_bytes == 0) return UVK_EINVAL;
  uvk_client *c = producer_client_of(pr);
  if (!c) return UVK_ECLOSED;
  Allocator alloc = *alloc_or_default(client_alloc(c));
  void *mem = mem_alloc(&alloc, sizeof(uvk_send_queue));
  if (!mem) return UVK_ENOMEM;
  uvk_send_queue *q = new (mem) uvk_send_queue();
  q->magic = kMagicSendQueue;
  q->alloc_copy = alloc;
  q->alloc = &q->alloc_copy;
  q->max_messages = o.max_messages;
  q->max_bytes = o.max_bytes;
  q->refs = 2;
  q->producer = pr;
  q->lock = io_lock_new(q->alloc);
  if (q->lock) q->async = io_async_open(client_io(c), on_fire, on_io_detach, q);
  rc = !q->lock || !q->async ? UVK_ENOMEM : producer_attach_queue(pr, q);
  if (rc != 0) {
    if (q->async) io_async_close(q->async);
    io_lock_free(q->lock);
    q->~uvk_send_queue();
    mem_free(&alloc, q);
    return rc;
  }
  *out = q;
  return 0;
}

UVK_EXTERN int uvk_send_queue_send(uvk_send_queue *q, const char *topic, const uvk_message *messages,
                                   size_t n_messages, const uvk_send_options *opts, int32_t wait_ms,
                                   uvk_send_cb cb, void *ud) {
  UVK_CHECK_HANDLE(q, kMagicSendQueue, "uvk_send_queue");
  if (!q || !topic || !cb || !messages || n_messages == 0 || !kafka_topic_name_ok(topic)) return UVK_EINVAL;
  uvk_send_options o;
  uvk_send_options_init(&o);
  int rc = adopt_sized_options(opts, kSendOptionsMinSize, &o);
  if (rc != 0) return rc;
  QEntry *e = nullptr;
  rc = make_entry(q, topic, messages, n_messages, o, cb, ud, &e);
  if (rc != 0) return rc;
  if (wait_ms != 0 && io_lock_on_creator(q->lock)) {  // only the loop drains: it may not wait
    entry_free(e);
    return UVK_ESTATE;
  }
  uint64_t deadline = 0;
  bool expired = false;
  io_lock(q->lock);
  for (;;) {
    if (q->closed) {
      rc = UVK_ECLOSED;
      break;
    }
    if (q->queued_msgs + e->n <= q->max_messages && q->queued_bytes + e->bytes <= q->max_bytes) break;
    if (wait_ms == 0 || expired) {
      q->full++;
      rc = UVK_EQUEUEFULL;
      break;
    }
    if (deadline == 0) deadline = io_deadline_ns(wait_ms);
    expired = !io_lock_wait(q->lock, deadline);
  }
  if (rc == 0) {
    if (q->tail) q->tail->next = e;
    else q->head = e;
    q->tail = e;
    q->queued_msgs += e->n;
    q->queued_bytes += e->bytes;
    q->sends++;
    q->messages += e->n;
    if (!q->wake_pending) {
      q->wake_pending = true;
      io_async_send(q->async);  // open while not closed
    }
  }
  io_unlock(q->lock);
  if (rc != 0) entry_free(e);
  return rc;
}

UVK_EXTERN int uvk_send_queue_get_stats(uvk_send_queue *q, uvk_send_queue_stats *out) {
  UVK_CHECK_HANDLE(q, kMagicSendQueue, "uvk_send_queue");
  if (!q || !out || out->struct_size < sizeof(uvk_send_queue_stats)) return UVK_EINVAL;
  io_lock(q->lock);
  out->sends = q->sends;
  out->messages = q->messages;
  out->wakeups = q->wakeups;
  out->full = q->full;
  out->queued_messages = q->queued_msgs;
  out->queued_bytes = q->queued_bytes;
  io_unlock(q->lock);
  return 0;
}

UVK_EXTERN void uvk_send_queue_release(uvk_send_queue *q) {
  if (!q) return;
  UVK_CHECK_HANDLE(q, kMagicSendQueue, "uvk_send_queue");
  io_lock(q->lock);
  q->magic = kMagicFreed;
  io_unlock(q->lock);
  unref(q);
}

}  // extern "C"
