// One broker connection's protocol state, without I/O: requests in, framed bytes out;
// bytes in, completed responses out. The engine owns the socket side through EngineIo and
// drives this with the current time.
//
//   CONNECTING --connected--> API_VERSIONS --response--> [AUTHENTICATING] --> READY
//   any state --error/timeout--> CLOSED
//
// AUTHENTICATING (when SASL is configured): SaslHandshake v1, then SaslAuthenticate
// round trips driven by lib/sasl until the mechanism is done, within authenticationTimeout.
//
// On READY every queued request is sent, up to max_in_flight at a time, each at the highest
// version both sides (and the configured protocolVersionCap) support. Kafka answers requests
// on one connection in order; a response whose correlation id is not the oldest in flight is
// a protocol error that closes the connection.
//
// Throttling (KIP-219): a response with throttle_time_ms > 0 holds back the requests queued
// after it until that time has passed (capped at request_timeout_ms; negative counts as 0).
// Requests in flight are not affected; a held request's timeout starts when it is written.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "common/reader.h"
#include "engine/engine_io.h"
#include "engine/version_table.h"
#include "sasl/sasl.h"

namespace uvk {

struct Request;
struct Conn;
// Writes the request body at `version` into out; 0 or UVK_E*.
typedef int (*RequestEncodeFn)(void *ud, Buf *out, int16_t version);
// The request completed: err 0 with the response body (valid during the call only), or a
// negative code (UVK_ETIMEDOUT, UVK_ECLOSED, UVK_EUNSUPPORTED, UVK_EPROTO...) and no body.
typedef void (*RequestDoneFn)(void *ud, int err, int16_t version, Reader *body, const Request *r);

struct Request {
  Request *next = nullptr;
  int16_t api_key = 0;
  int16_t min_version = 0, max_version = 0;
  int16_t version = -1;          // chosen when sent
  int32_t correlation_id = 0;
  bool expects_response = true;  // false for Produce with acks=0
  uint64_t created_at = 0, sent_at = 0, deadline = UINT64_MAX;
  // A request the broker may hold longer than requestTimeout (JoinGroup and SyncGroup wait for
  // the whole group, up to rebalanceTimeout): its timeout is the larger of the two.
  uint64_t min_timeout_ms = 0;
  size_t size = 0;               // bytes on the wire, size prefix included
  RequestEncodeFn encode = nullptr;
  RequestDoneFn done = nullptr;
  void *ud = nullptr;
  Conn *conn = nullptr;          // the connection it was written on (request_report_throttle)
  const void *owner = nullptr;   // who sent it, for engine_cancel_owner; null: nobody asked
};

enum ConnState { kConnConnecting, kConnApiVersions, kConnAuthenticating, kConnReady, kConnClosed };

struct ConnConfig {
  const char *client_id = "uvkafka";
  const char *software_name = "uvkafka";
  const char *software_version = "0.1.0";
  uint32_t request_timeout_ms = 30000;
  bool enforce_request_timeout = true;
  int max_in_flight = -1;                 // -1: unlimited
  size_t max_response_size = 100u << 20;  // a larger frame is a protocol error
  const KafkaRelease *cap = nullptr;      // protocolVersionCap; nullptr: none
  const SaslConfig *sasl = nullptr;       // nullptr or kSaslNone: no authentication
  uint32_t authentication_timeout_ms = 10000;
  uint32_t reauthentication_threshold_ms = 10000;  // re-authenticate this long before the session ends
  const char *broker_label = "";          // host:port, for external SASL mechanisms
};

// What a connection reports while it works (the engine turns these into instrumentation
// events and log lines). Called from inside conn_* calls; must not call back into the conn.
enum ConnEventKind {
  kConnEventReady,      // ApiVersions done; requests flow
  kConnEventResponse,   // r answered; size: the response frame, size prefix included
  kConnEventTimeout,    // r timed out (queued or in flight)
  kConnEventQueueSize,  // requests waiting to be sent changed; size: their number
  kConnEventAuthFailed, // authentication failed; Conn::error_message says why
  kConnEventReauthenticated, // KIP-368 re-authentication done; size: the new session lifetime (ms)
  kConnEventThrottled,  // r's response asked for a pause (Conn::throttle_asked); size: the ms held back
  kConnEventFailed,     // closing with Conn::error (or a request timed out); error_message says why when known
  kConnEventNoVersion,  // r failed with UVK_EUNSUPPORTED: no version both sides and the cap allow
};

struct ConnObserver {
  void (*fn)(void *ud, ConnEventKind kind, const Request *r, size_t size, uint64_t now) = nullptr;
  void *ud = nullptr;
};

struct ApiRange {
  int16_t min = -1, max = -1;  // -1: the broker does not offer this API
};

struct Conn {
  ConnConfig cfg;
  const Allocator *alloc = nullptr;
  ConnState state = kConnConnecting;
  int32_t next_correlation = 1;
  Request *queued = nullptr, *queued_tail = nullptr;       // waiting to be sent
  Request *in_flight = nullptr, *in_flight_tail = nullptr; // sent, oldest first
  int n_in_flight = 0;
  int n_queued = 0;
  uint64_t now = 0;        // the time of the latest call that brought the conn forward
  ConnObserver observer;
  Buf out;                 // encoded, not yet written
  size_t out_done = 0;     // bytes of `out` the driver has taken
  size_t out_lent = 0;     // bytes the driver writes from a buffer it took (conn_output_take)
  bool output_held = false;  // requests wait for `out` to drain below kConnMaxUnwritten
  Buf in;                  // a partial response frame
  ApiRange versions[96];   // from ApiVersions, by key
  // ApiVersions v3+'s finalized features (KIP-584) the client acts on: transaction.version
  // (KIP-890: 2 means transactions v2) and the epoch of that feature set (-1: none reported).
  int64_t features_epoch = -1;
  int16_t transaction_version = 0;
  int16_t api_versions_version = 3;
  Request api_versions_req;
  Request sasl_req;        // the SaslHandshake / SaslAuthenticate in flight
  SaslSession sasl;
  Buf sasl_out;            // the mechanism's next message
  int64_t session_lifetime_ms = 0;  // from the broker (KIP-368); 0: none
  uint64_t id = 0;                  // the engine's id for it (external SASL steps name it)
  uint32_t sasl_exchange = 0;       // the external mechanism step being waited for
  bool sasl_waiting = false;        // an external mechanism owes the next message
  bool in_external_step = false;    // inside SaslExternal::step (a reply from there is re-entrant)
  uint64_t sasl_wait_deadline = UINT64_MAX;
  // KIP-368: when the broker reports a session lifetime, the connection authenticates again
  // before it ends. New requests wait meanwhile; the handshake goes out once nothing is in
  // flight (reauth_waiting), so the broker never sees other requests inside the exchange.
  uint64_t reauth_at = UINT64_MAX;
  bool reauthenticating = false;
  bool reauth_waiting = false;
  uint32_t reauthentications = 0;  // completed, for tests and logs
  // KIP-219: nothing queued is written before throttle_until.
  uint64_t throttle_until = 0;
  int32_t throttle_asked = 0;       // the latest throttle_time_ms > 0 as the broker sent it
  uint32_t throttles = 0;           // responses that asked for a pause, for tests and logs
  char error_message[384] = {0};    // why it failed: the broker's SASL answer, a TLS peer... (no secrets)
  int16_t error_kafka_code = 0;     // the broker's code behind the failure (UNSUPPORTED_SASL_MECHANISM)
  uint32_t responses = 0;           // frames read, ApiVersions' included
  // Statistics (lib/engine/broker_stats.cc folds them into the broker's totals when it goes).
  uint64_t tx_reqs = 0, tx_bytes = 0;  // requests framed for the wire, and their bytes
  uint64_t rx_bytes = 0;               // response frames' bytes, size prefix included
  uint64_t tx_errs = 0;                // requests failed by the connection's failure
  uint64_t rx_errs = 0;                // failures because a response could not be read (UVK_EPROTO)
  int error = 0;           // why the connection closed
};

void conn_init(Conn *c, const ConnConfig &cfg, const Allocator *a);
// Frees buffers; requests still held are failed with UVK_ECLOSED first.
void conn_destroy(Conn *c);
// The socket is connected: ApiVersions goes out first.
void conn_connected(Conn *c, uint64_t now);
// Queues a request (sent when the connection is ready and below max_in_flight).
void conn_send(Conn *c, Request *r, uint64_t now);
// Requests are encoded into `out` only while less than this is waiting for the driver, so
// a burst of requests (a producer's backlog) waits as requests, not as a second, encoded
// copy of everything: memory stays bounded by what the socket can take.
inline constexpr size_t kConnMaxUnwritten = size_t(1) << 20;

// Bytes to write next (0: none). Valid until conn_output_done or the next conn call.
size_t conn_output(Conn *c, const uint8_t **data);
// True when requests held back by kConnMaxUnwritten can now be written: the caller then
// arranges a conn_flush soon (never inside the driver's call).
bool conn_output_done(Conn *c, size_t n, uint64_t now);
// The driver writes the unwritten output asynchronously from where it lies instead of copying
// it: the conn's buffer becomes *dst (which must hold no memory) and the n returned bytes start at *from. Until conn_output_return the
// bytes are the driver's and the conn encodes no request (ApiVersions and SASL frames still go
// into its new buffer). 0: nothing to take.
size_t conn_output_take(Conn *c, Buf *dst, size_t *from);
// The taken bytes are written: the buffer comes back (its memory is reused for the next
// requests, or freed) and *b is left empty. True as for conn_output_done.
bool conn_output_return(Conn *c, Buf *b, uint64_t now);
// Writes queued requests that were held back (see conn_output_done).
void conn_flush(Conn *c, uint64_t now);
// Bytes from the broker. Completed requests call back from inside. Returns 0, or the
// error that closed the connection (every request held then failed with it).
int conn_read(Conn *c, const uint8_t *data, size_t len, uint64_t now);
// Single-copy reads: while a frame of known length is incomplete and at least `min` of it is
// missing, the free room for it in the frame buffer (*at, returned length; 0: none, read and
// copy with conn_read). The driver reads into it and reports the count with conn_read_landed
// before any other call on c.
size_t conn_read_window(Conn *c, size_t min, uint8_t **at);
int conn_read_landed(Conn *c, size_t len, uint64_t now);
// Fails every queued and in-flight request with err and closes the state machine.
void conn_fail(Conn *c, int err);
// The earliest request deadline (UINT64_MAX: none).
uint64_t conn_next_deadline(const Conn *c);

// An external SASL mechanism's answer to step `exchange`: send bytes to the broker, declare
// success, or fail with `why` (no secrets). 0, or UVK_ENOTFOUND when that step is not
// awaited (answered already, or the connection moved on / closed). After a failure the
// connection is closed (state kConnClosed).
int conn_sasl_reply(Conn *c, uint32_t exchange, SaslReplyKind kind, const uint8_t *bytes, size_t len,
                    const char *why);
// Expires timed-out requests: the connection then closes (UVK_ETIMEDOUT returned, the
// others failed with UVK_ECLOSED), as the Java client does — a late answer would be misread.
int conn_timer(Conn *c, uint64_t now);
// The version to use for api_key within [min_v, max_v]: the highest the broker and the cap
// allow; -1 when there is none.
int16_t conn_pick_version(const Conn *c, int16_t api_key, int16_t min_v, int16_t max_v);
// From inside r's done callback (err 0): the response's throttle_time_ms, for the APIs whose
// field the conn does not find itself (throttle_field_offset: Produce). Holds r's connection.
void request_report_throttle(const Request *r, int32_t throttle_time_ms);
// Whether conn_output has bytes (or the driver still writes taken ones).
inline bool conn_wants_write(const Conn *c) { return c->out.len > c->out_done || c->out_lent > 0; }

}  // namespace uvk
