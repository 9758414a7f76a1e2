// Cross-thread primitives over libuv's (uv_mutex, uv_cond, uv_async), for the send queue.
#include "io/xthread.h"

#include <new>

#include <uv.h>

#include "io/driver.h"

namespace uvk {

struct IoLock {
  uv_mutex_t mu;
  uv_cond_t cond;
  uv_thread_t creator;
  const Allocator *alloc;
};

IoLock *io_lock_new(const Allocator *a) {
  void *mem = mem_alloc(a, sizeof(IoLock));
  if (!mem) return nullptr;
  IoLock *l = new (mem) IoLock();
  l->alloc = a;
  if (uv_mutex_init(&l->mu) != 0) {
    mem_free(a, l);
    return nullptr;
  }
  if (uv_cond_init(&l->cond) != 0) {
    uv_mutex_destroy(&l->mu);
    mem_free(a, l);
    return nullptr;
  }
  l->creator = uv_thread_self();
  return l;
}

void io_lock_free(IoLock *l) {
  if (!l) return;
  uv_cond_destroy(&l->cond);
  uv_mutex_destroy(&l->mu);
  mem_free(l->alloc, l);
}

void io_lock(IoLock *l) { uv_mutex_lock(&l->mu); }
void io_unlock(IoLock *l) { uv_mutex_unlock(&l->mu); }
void io_lock_broadcast(IoLock *l) { uv_cond_broadcast(&l->cond); }

uint64_t io_deadline_ns(int64_t ms) {
  if (ms < 0) return UINT64_MAX;
  return uv_hrtime() + uint64_t(ms) * 1000000u;
}

bool io_lock_wait(IoLock *l, uint64_t deadline_ns) {
  if (deadline_ns == UINT64_MAX) {
    uv_cond_wait(&l->cond, &l->mu);
    return true;
  }
  uint64_t now = uv_hrtime();
  if (now >= deadline_ns) return false;
  uv_cond_timedwait(&l->cond, &l->mu, deadline_ns - now);
  return uv_hrtime() < deadline_ns;
}

bool io_lock_on_creator(const IoLock *l) {
  uv_thread_t self = uv_thread_self();
  return uv_thread_equal(&self, &l->creator) != 0;
}

struct IoAsync {
  uv_async_t h;
  IoDriver *d;
  IoAsync *next;
  void (*fire)(void *);
  void (*detach)(void *);
  void *ud;
};

namespace {

// Like the driver's other callbacks: the owner knows library code is on the stack.
void on_async(uv_async_t *h) {
  IoAsync *a = static_cast<IoAsync *>(h->data);
  IoDriver *d = a->d;
  void (*fn)(void *, bool) = d->busy_fn;
  void *busy_ud = d->busy_ud;
  if (fn) fn(busy_ud, true);
  a->fire(a->ud);
  if (fn) fn(busy_ud, false);
}

void on_async_closed(uv_handle_t *h) {
  IoAsync *a = static_cast<IoAsync *>(h->data);
  IoDriver *d = a->d;
  mem_free(d->alloc, a);
  io_handle_released(d);
}

void unlink(IoAsync *a) {
  for (IoAsync **p = &a->d->asyncs; *p; p = &(*p)->next)
    if (*p == a) {
      *p = a->next;
      return;
    }
}

}  // namespace

IoAsync *io_async_open(IoDriver *d, void (*fire)(void *), void (*detach)(void *), void *ud) {
  if (d->closing) return nullptr;
  void *mem = mem_alloc(d->alloc, sizeof(IoAsync));
  if (!mem) return nullptr;
  IoAsync *a = new (mem) IoAsync();
  if (uv_async_init(d->loop, &a->h, on_async) != 0) {
    mem_free(d->alloc, a);
    return nullptr;
  }
  a->h.data = a;
  a->d = d;
  a->fire = fire;
  a->detach = detach;
  a->ud = ud;
  a->next = d->asyncs;
  d->asyncs = a;
  d->open_handles++;
  return a;
}

void io_async_send(IoAsync *a) { uv_async_send(&a->h); }

void io_async_close(IoAsync *a) {
  unlink(a);
  uv_close(reinterpret_cast<uv_handle_t *>(&a->h), on_async_closed);
}

void io_async_close_all(IoDriver *d) {
  while (IoAsync *a = d->asyncs) {
    d->asyncs = a->next;
    a->detach(a->ud);
    uv_close(reinterpret_cast<uv_handle_t *>(&a->h), on_async_closed);
  }
}

}  // namespace uvk
