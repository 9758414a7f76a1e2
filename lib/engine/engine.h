// The engine: every broker connection of one client, the seed list, and timers — still
// without I/O. The driver (lib/io, or a test) answers the EngineIo calls; everything above
// (metadata, producer, consumer) sends requests through engine_send().
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "engine/broker_stats.h"
#include "engine/conn.h"
#include "engine/engine_io.h"
#include "engine/log.h"
#include "engine/metadata_cache.h"
#include "engine/retry.h"

namespace uvk {

struct EngineConfig {
  ConnConfig conn;
  uint32_t connection_timeout_ms = 1000;
  uint64_t connections_max_idle_ms = 540000;  // 0: never close idle connections
  RetryOptions retry;
  uint64_t metadata_max_age_ms = 300000;
  bool allow_auto_topic_creation = true;
  uint64_t rng_seed = 0;  // 0: a fixed seed (the driver's owner passes io_seed())
};

struct BrokerAddr {
  int32_t node_id;  // -1 for a seed
  char *host;       // owned
  uint16_t port;
};

// Connect failures per address, for reconnect backoff: after a failed attempt the next
// one waits the retry schedule's next wait (first: around retry.initialRetryTime, then
// growing by retry.multiplier up to retry.maxRetryTime). A connection that gets ready resets it.
struct AddrHealth {
  AddrHealth *next;
  char *host;
  uint16_t port;
  int32_t failures;
  int64_t wait;       // the wait used after the latest failure
  uint64_t retry_at;  // no new attempt before this
};

struct Engine;
struct EngineConn {
  EngineConn *next;
  Engine *engine;
  ConnId id;
  int32_t node_id;  // -1: a seed connection
  uint32_t lane;    // 0: shared; others: a consumer's own connections (see engine_new_lane)
  char *host;
  uint16_t port;
  char label[80];           // "host:port" for events and logs
  uint64_t connect_at;      // when the socket is opened (later than now while backing off)
  uint64_t connect_deadline;
  uint64_t last_active;     // the latest send or response (idle close)
  bool started;             // io.connect was called
  bool connected;           // the socket is connected
  bool ready_seen;          // ApiVersions completed: a "connect" event went out
  bool flush_soon;          // requests held by the output cap may go (engine_run_deferred)
  Conn conn;
};

// What the engine reports to its owner (instrumentation events, counters).
enum EngineEventKind {
  kEngineEventConnect,          // a connection became ready
  kEngineEventDisconnect,       // a ready connection closed
  kEngineEventRequest,          // r answered (size: response bytes)
  kEngineEventRequestTimeout,   // r timed out
  kEngineEventRequestQueueSize  // queue_size requests wait on conn
};
struct EngineEvent {
  EngineEventKind kind;
  const EngineConn *conn;
  const Request *r;   // request events only
  size_t size;        // response size (request)
  int32_t queue_size; // request_queue_size
  uint64_t now;
};
// Hooks are called from inside engine work; they must not call into the engine.
struct EngineHooks {
  void (*event)(void *ud, const EngineEvent *ev) = nullptr;
  void *ud = nullptr;
  Logger *log = nullptr;  // null: no logging
};

// A callback at a time (retries, backoff). Cancelled by engine_cancel_timer.
typedef void (*EngineTimerFn)(void *ud, uint64_t now);
struct EngineTimer {
  EngineTimer *next;
  uint64_t deadline;
  EngineTimerFn fn;
  void *ud;
};

struct Engine {
  EngineConfig cfg;
  EngineIo io;
  const Allocator *alloc;
  BrokerAddr *seeds;
  size_t n_seeds, next_seed;
  BrokerAddr *brokers;  // from the latest metadata
  size_t n_brokers;
  EngineConn *conns;
  ConnId next_conn_id;
  EngineTimer *timers;
  EngineTimer *due = nullptr;  // firing in this engine_on_timer: cancel, re-add and pending see them
  AddrHealth *health;
  MetadataCache mcache;
  struct CoordinatorState *coords;  // lib/engine/coordinator.cc; null until first used
  EngineHooks hooks;
  Rng rng;
  uint64_t armed;       // the deadline last given to io.set_timer
  uint64_t now;         // the driver's clock at its latest call into the engine
  uint32_t next_lane;   // engine_new_lane
  BrokerStats *bstats;          // statistics per broker (broker_stats.cc)
  StatsSource *stats_sources;   // producers and consumers that add to a statistics document
  bool shutting_down;
  // The latest connection failure: its code, the broker's code behind it, and why, with the
  // broker's address ("" when nothing more than the code is known). Error objects carry it.
  int last_conn_error_code;
  int16_t last_conn_kafka_code;
  char last_conn_error[480];
};

Engine *engine_new(const EngineConfig &cfg, const EngineIo &io, const Allocator *a);
// Closes every connection (requests fail with UVK_ECLOSED) and frees the engine.
void engine_free(Engine *e);
int engine_add_seed(Engine *e, const char *host, uint16_t port);
void engine_clear_seeds(Engine *e);
// Replaces the known brokers (from a Metadata response). Copies the strings.
int engine_set_brokers(Engine *e, const BrokerAddr *brokers, size_t n);
// Adds or updates one broker (a NodeEndpoint of a Produce or Fetch answer, KIP-951); the
// others stay. host is copied.
int engine_put_broker(Engine *e, int32_t node_id, const char *host, uint16_t port);

// Sends `r` to broker `node_id`, or to any broker when node_id is -1 (a ready connection if
// there is one, else the next seed in turn). Returns 0 — the request then completes through
// r->done exactly once, never from inside this call — or UVK_ENOTFOUND (unknown node),
// UVK_ECLOSED (shutting down), UVK_EUNSUPPORTED (the ready connection has no common
// version), and r->done is not called.
int engine_send(Engine *e, int32_t node_id, Request *r, uint64_t now);

// A broker handles one connection's requests one at a time, in order: a JoinGroup or a
// long-polling Fetch held by the broker holds up everything behind it on that connection.
// A lane is a separate set of connections (one per broker) for such requests: a consumer
// takes lanes for its group requests and its fetches, so heartbeats, produce requests and
// other members never wait behind them. Returns a new lane id (never 0).
uint32_t engine_new_lane(Engine *e);
// engine_send over `lane` (0: the shared connections). node_id must be >= 0 for lane != 0.
int engine_send_lane(Engine *e, int32_t node_id, uint32_t lane, Request *r, uint64_t now);
// Opens the connection to node_id on `lane` now unless it has one, so that a request sent
// there later does not wait for a connect and ApiVersions. 0, or UVK_ENOTFOUND (unknown
// node), UVK_ECLOSED (shutting down).
int engine_open_lane(Engine *e, int32_t node_id, uint32_t lane, uint64_t now);
// Cancels, for its owner, every request with r->owner == owner that a connection holds
// (queued or in flight): cancel(r) runs for each inside this call and r->owner is cleared.
// The requests stay on their connections, so an answer keeps its place in the order, and
// their `done` still runs later on an engine turn: cancel must leave r->ud able to finish
// (free itself) without the owner. Used when an owner is freed with requests outstanding.
void engine_cancel_owner(Engine *e, const void *owner, void (*cancel)(Request *r));

// Calls fn(ud, now) at `deadline` (from the driver's timer, never from inside this call).
void engine_add_timer(Engine *e, EngineTimer *t, uint64_t deadline, EngineTimerFn fn, void *ud);
void engine_cancel_timer(Engine *e, EngineTimer *t);
bool engine_timer_pending(const Engine *e, const EngineTimer *t);
// Adds (or updates) one known broker, e.g. a coordinator learnt from FindCoordinator.
int engine_add_broker(Engine *e, int32_t node_id, const char *host, uint16_t port);

// Closes every connection; held requests fail with UVK_ECLOSED and every pending timer
// fires (its owner sees shutting_down and gives up). All of it happens in
// engine_run_deferred (the driver's next turn), not inside this call.
void engine_shutdown(Engine *e);
// No connection and no timer left: the driver may stop.
bool engine_idle(const Engine *e);

// The broker a request for topic/partition goes to: 0 and *node_id, or the cache's error
// (UVK_ENOTFOUND: run metadata_ensure first; also when the broker list does not name the
// leader, so the topic's metadata must be asked for again).
int engine_leader(const Engine *e, const char *topic, int32_t partition, int32_t *node_id);
// Whether a ready connection to node_id (any lane) said in ApiVersions that it offers
// api_key; false when none is ready or it does not.
bool engine_api_supported(const Engine *e, int32_t node_id, int16_t api_key);
// The finalized transaction.version (KIP-890) of the newest feature set (highest epoch) any
// ready connection reported in ApiVersions; 0 when none reported one.
int16_t engine_transaction_version(const Engine *e);
// Whether the latest metadata named broker node_id.
bool engine_broker_known(const Engine *e, int32_t node_id);
// Wall-clock ms since the epoch, asked of the driver (EngineIo::wall_ms); `now` without one.
int64_t engine_wall_ms(const Engine *e);
// The error object for a request that failed with err: when the latest connection failure
// had that code, it carries why (the resolver's reason, the TLS peer's, the broker's SASL
// answer) and the broker's code. nullptr when memory runs out.
uvk_error *engine_conn_error(const Engine *e, int err, const uvk_error *cause);
// The backoff state of host:port (null when it never failed). For tests and logs.
const AddrHealth *engine_addr_health(const Engine *e, const char *host, uint16_t port);

}  // namespace uvk
