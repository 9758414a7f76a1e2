// The libuv driver: the only code that touches sockets and timers. It implements EngineIo
// for one engine on one uv_loop_t — the user's (embedding) or one it owns — and feeds the
// engine what the loop reports, with uv_now() as the clock.
#pragma once
#include <uv.h>

#include "engine/engine.h"
#include "tls/tls.h"
#include "uvkafka/uvkafka.h"

namespace uvk {

struct IoConn;
struct IoAsync;

struct IoDriver {
  uv_loop_t *loop;
  bool owns_loop;
  uv_loop_t own_loop;
  uv_timer_t timer;        // the engine's earliest deadline
  uv_timer_t defer_timer;  // engine_run_deferred on the next turn
  uv_check_t turn_end;     // the engine's timer, run at the end of the turn it fell due in
  uv_idle_t turn_idle;     // keeps that turn's poll from blocking meanwhile
  bool timer_due;
  Engine *engine;
  IoConn *conns;
  IoAsync *asyncs;  // cross-thread wake-ups (xthread.h), closed by io_close
  const Allocator *alloc;
  int open_handles;        // timers + sockets not yet closed
  bool closing;
  void (*closed_cb)(void *ud);  // every handle closed (after io_close)
  void *closed_ud;
  // The application's socket hook (uvk_config_set_socket_factory); null: plain TCP.
  TlsContext *tls;  // null: plaintext connections
  uvk_socket_open_fn socket_open;
  uvk_socket_release_fn socket_release;
  void *socket_ud;
  // SO_RCVBUF / SO_SNDBUF of the sockets the driver opens (not the hook's); 0: the kernel's.
  int recv_buffer;
  int send_buffer;
  // Told when the loop enters (true) and leaves (false) the driver's callbacks, where the
  // library's code and the application's callbacks run: the owner frees a handle freed
  // meanwhile only once the outermost one has returned (it may free the driver itself then).
  void (*busy_fn)(void *ud, bool enter);
  void *busy_ud;
};

// Initialises on `loop` (nullptr: an owned loop). Fill `*io` for engine_new with the
// returned driver as ud, then set d->engine.
int io_init(IoDriver *d, uv_loop_t *loop, const Allocator *a, EngineIo *io);
// Closes every socket and timer; closed_cb runs once the loop has released them all.
void io_close(IoDriver *d, void (*closed_cb)(void *ud), void *ud);
// uv_now of the driver's loop.
uint64_t io_now(const IoDriver *d);
// Runs the driver's loop until nothing is pending (for an owned loop).
void io_run(IoDriver *d);
// A handle of the driver (xthread.cc) is closed: it may be the last one io_close waits for.
void io_handle_released(IoDriver *d);
// Calls into the driver (busy_fn) on the loop's next turn; false once it is closing.
bool io_wake(IoDriver *d);

// True when SIGPIPE still has its default action (terminate): libuv writes to sockets with
// write(2), so a broker closing a connection mid-write would end the process. The library
// leaves the process's signal dispositions alone; the client warns once instead.
bool io_sigpipe_kills(void);

}  // namespace uvk
