// Per-broker statistics of an engine (librdkafka's "brokers" object): counters that outlive
// connections, the current window of round-trip and throttle times, and the registry of the
// producers and consumers that add their own numbers to a statistics document.
//
// Counters are kept per broker id (per address for seed connections, node id -1) across
// reconnects and lanes: a connection's own counters (Conn::tx_reqs...) are folded in when it
// goes; broker_stats_live() adds those of the connections still open. Recording never
// allocates; a broker's entry is allocated once, when it is first seen.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "engine/conn.h"
#include "engine/stats_hist.h"

namespace uvk {

struct Engine;
struct EngineConn;

// librdkafka's broker states, the ones we can tell apart.
enum BrokerState { kBrokerInit, kBrokerDown, kBrokerTryConnect, kBrokerConnect, kBrokerApiVersionQuery,
                   kBrokerAuth, kBrokerUp };
const char *broker_state_name(int state);

struct BrokerStats {
  BrokerStats *next;
  int32_t node_id;      // -1: a seed (bootstrap) address
  char label[80];       // host:port
  int state;            // BrokerState, as last seen
  uint64_t state_since; // engine time of the last change seen
  // Totals of connections that have gone.
  uint64_t tx, txbytes, rx, rxbytes, txerrs, rxerrs;
  uint64_t req_timeouts;
  uint64_t connects;     // connection attempts (socket opens), failed ones included
  uint64_t disconnects;  // ready connections that closed
  StatsHist rtt;        // ms from a request's write to its response, this window
  StatsHist throttle;   // throttle_time_ms > 0 that responses asked for, this window
};

// What a document shows for one broker: the totals plus the live connections.
struct BrokerLive {
  int state;
  uint64_t stateage_ms;
  uint64_t tx, txbytes, rx, rxbytes, txerrs, rxerrs;
  int64_t outbuf_cnt;    // requests queued, not yet written
  int64_t waitresp_cnt;  // requests written, waiting for their response
  int32_t conns;         // connections open (a consumer's lanes add their own)
};

// Producers and consumers register one of these; a statistics document calls collect.
struct StatsCollector;
struct StatsSource {
  StatsSource *next;
  void (*collect)(void *ud, StatsCollector *sc);
  void *ud;
};
void engine_stats_add_source(Engine *e, StatsSource *s);
void engine_stats_remove_source(Engine *e, StatsSource *s);

// Called by the engine (engine.cc) as connections work and go.
void broker_stats_conn_event(Engine *e, EngineConn *c, ConnEventKind kind, const Request *r, uint64_t now);
void broker_stats_conn_started(Engine *e, EngineConn *c, uint64_t now);
void broker_stats_conn_gone(Engine *e, EngineConn *c, uint64_t now);
// Makes sure every broker of the latest metadata has an entry (state INIT until used).
void broker_stats_sync(Engine *e, uint64_t now);
void broker_stats_live(Engine *e, BrokerStats *bs, uint64_t now, BrokerLive *out);
// Starts a new window of rtt and throttle times (one per statistics document).
void broker_stats_roll(Engine *e);
void broker_stats_free(Engine *e);

}  // namespace uvk
