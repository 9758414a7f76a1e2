// A TCP fault proxy for tests: listens on 127.0.0.1 (an ephemeral port), forwards every
// accepted connection to one target, and injects the faults a client must survive:
// latency, a bandwidth limit, a reset after N bytes, a connection that accepts but never
// answers, answers swallowed while requests still get through, and broker bytes delivered
// one byte per write. It runs on the test's own
// uv_loop_t, next to the client under test, so no threads are involved.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

namespace uvk_test {

struct FaultConfig {
  uint32_t latency_ms = 0;        // added to every chunk, both directions
  uint32_t bytes_per_sec = 0;     // broker->client rate limit; 0 = unlimited
  int64_t reset_after_bytes = -1; // RST the client after this many broker->client bytes
  bool blackhole = false;         // new connections: accept, read, never forward or answer
  bool one_byte_writes = false;   // broker->client bytes go out one byte per write
  bool mute_answers = false;      // broker->client bytes read from now on are dropped, every
                                  // connection: requests still reach the broker, answers never come
};

struct FaultProxy;

// Starts listening; *port receives the port. 0 or a libuv error code.
int fault_proxy_start(uv_loop_t *loop, const char *target_ip, uint16_t target_port,
                      FaultProxy **out, uint16_t *port);
// Changes the faults; applies to bytes forwarded from now on (blackhole: to new connections).
void fault_proxy_set(FaultProxy *p, const FaultConfig &cfg);
// Resets (RST) every open connection now, both sides.
void fault_proxy_reset_all(FaultProxy *p);
// Connections accepted so far / open now.
size_t fault_proxy_accepted(const FaultProxy *p);
size_t fault_proxy_open(const FaultProxy *p);
// Writes made towards clients (with one_byte_writes: one per byte).
size_t fault_proxy_b2c_writes(const FaultProxy *p);
uint64_t fault_proxy_b2c_bytes(const FaultProxy *p);
// Broker bytes dropped by mute_answers.
uint64_t fault_proxy_b2c_muted(const FaultProxy *p);
// Closes the listener and every connection; the proxy frees itself once its handles are
// closed (run the loop). Safe to call once.
void fault_proxy_stop(FaultProxy *p);

}  // namespace uvk_test
