// What another thread may use to reach the loop: a lock with a condition (timed waits), and
// a wake-up (uv_async) the driver owns. The only cross-thread code; lib/io keeps libuv here.
#pragma once
#include <stdint.h>

#include "common/alloc.h"

namespace uvk {

struct IoDriver;

// A mutex and a condition variable. Created on the loop thread, which it remembers.
struct IoLock;
IoLock *io_lock_new(const Allocator *a);
void io_lock_free(IoLock *l);
void io_lock(IoLock *l);
void io_unlock(IoLock *l);
// A deadline `ms` from now on the monotonic clock (ms < 0: none) for io_lock_wait.
uint64_t io_deadline_ns(int64_t ms);
// Waits (locked) until signalled or the deadline (UINT64_MAX: none); false once it passed.
bool io_lock_wait(IoLock *l, uint64_t deadline_ns);
void io_lock_broadcast(IoLock *l);
// True on the thread that created the lock (the loop's).
bool io_lock_on_creator(const IoLock *l);

// A wake-up of the loop: `fire(ud)` runs on the loop thread, once per burst of sends.
// `detach(ud)` tells the owner that io_close shut it (no io_async_send after it returns).
struct IoAsync;
IoAsync *io_async_open(IoDriver *d, void (*fire)(void *), void (*detach)(void *), void *ud);
// Any thread; the caller guarantees (under its own lock) that `a` is not closed yet.
void io_async_send(IoAsync *a);
// Loop thread: closes it (memory goes when libuv has released the handle); no detach call.
void io_async_close(IoAsync *a);
// io_close: every async of the driver is detached and closed.
void io_async_close_all(IoDriver *d);

}  // namespace uvk
