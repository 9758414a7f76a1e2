// The seam between the I/O-free engine (lib/engine) and the code that owns sockets and
// timers (lib/io, or a test's scripted broker with a fake clock).
//
// The engine never reads a clock or a socket: every entry point takes `now` (milliseconds
// on a monotonic clock chosen by the driver) and bytes; the engine answers by calling the
// EngineIo functions below. Those calls only *ask* for work (open, close, write soon, wake
// me at T, run deferred work soon); the driver does it later, never re-entering the engine
// from inside an EngineIo call. That keeps "a callback never fires inside the call that
// caused it" true all the way down.
//
// This interface is shared by two owners (engine, io): only add to it, never change the
// meaning of what is here.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

namespace uvk {

struct Engine;
typedef uint32_t ConnId;  // 0 is never a valid id

// What an external SASL mechanism answers (engine_sasl_reply, conn_sasl_reply).
enum SaslReplyKind { kSaslReplySend, kSaslReplyDone, kSaslReplyFail };

struct EngineIo {
  void *ud = nullptr;
  // Start a TCP connection to host:port (host may be a name or an IPv4/IPv6 literal).
  // The driver answers later with engine_on_connected() or engine_on_conn_error().
  void (*connect)(void *ud, ConnId id, const char *host, uint16_t port) = nullptr;
  // The engine has bytes to send on `id`; the driver pulls them with engine_conn_output().
  void (*want_write)(void *ud, ConnId id) = nullptr;
  // Close `id` now; the driver calls nothing more for it (no engine_on_conn_error).
  void (*close)(void *ud, ConnId id) = nullptr;
  // The earliest engine deadline, absolute ms on the driver's clock; UINT64_MAX: none.
  // The driver calls engine_on_timer() at or after that time.
  void (*set_timer)(void *ud, uint64_t deadline_ms) = nullptr;
  // Ask the driver to call engine_run_deferred() soon (next loop iteration), so that
  // completions are never delivered inside the call that caused them.
  void (*defer)(void *ud) = nullptr;
  // Wall-clock ms since the epoch (record timestamps, event and log times): the engine and
  // the clients above it read no clock themselves. Null: `now` stands in (fake clocks).
  int64_t (*wall_ms)(void *ud) = nullptr;
};

// ---- driver -> engine -----------------------------------------------------------------
void engine_on_connected(Engine *e, ConnId id, uint64_t now);
// The connect failed or an open connection was lost (err: UVK_ECONNECT, UVK_ECLOSED, ...).
void engine_on_conn_error(Engine *e, ConnId id, int err, uint64_t now);
// Bytes arrived on `id`; the engine copies what it must keep before returning.
void engine_on_read(Engine *e, ConnId id, const uint8_t *data, size_t len, uint64_t now);
// Single-copy reads: room in `id`'s frame buffer for the rest of a large response (*at and
// its length; 0: none, read elsewhere and call engine_on_read). Valid until the next engine
// call; the driver reads into it and then calls engine_on_read_landed with the count.
size_t engine_read_window(Engine *e, ConnId id, size_t min, uint8_t **at);
void engine_on_read_landed(Engine *e, ConnId id, size_t len, uint64_t now);
// Next bytes to write on `id`: sets *data and returns their length (0 = nothing pending).
// The bytes stay valid until engine_conn_output_done() or the next engine call for `id`.
size_t engine_conn_output(Engine *e, ConnId id, const uint8_t **data);
// The driver has written (or queued to the kernel) `n` bytes returned by engine_conn_output().
void engine_conn_output_done(Engine *e, ConnId id, size_t n, uint64_t now);
// Instead of copying what the socket did not take: the driver takes the bytes with the
// buffer they lie in (into *dst, which must hold no memory) and writes them from there; they start at *from, their length is returned (0: nothing). The engine writes
// nothing more into them; engine_conn_output_return gives the buffer back once written (if
// the connection closes first, the driver frees it with the allocator it carries).
size_t engine_conn_output_take(Engine *e, ConnId id, Buf *dst, size_t *from);
void engine_conn_output_return(Engine *e, ConnId id, Buf *b, uint64_t now);
void engine_on_timer(Engine *e, uint64_t now);
// Why `id` is about to fail (the resolver's reason, a refused connect, a TLS verification
// message, ...): logged, and kept for the error object of the operation that fails with it.
// Call before engine_on_conn_error.
void engine_note_conn_error(Engine *e, ConnId id, const char *message);
// An external SASL mechanism's answer for step `exchange` of connection `id` (see
// SaslExternal): 0, or UVK_ENOTFOUND when that step is no longer awaited.
int engine_sasl_reply(Engine *e, ConnId id, uint32_t exchange, SaslReplyKind kind, const uint8_t *bytes, size_t len,
                      const char *why, uint64_t now);
void engine_run_deferred(Engine *e, uint64_t now);

}  // namespace uvk
