// A statistics document (librdkafka's statistics JSON): the engine's brokers plus what every
// registered producer and consumer adds (StatsSource, lib/engine/broker_stats.h), built on
// the loop thread when the interval timer fires or the application asks.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "engine/engine.h"
#include "uvkafka/uvk_stats.h"

namespace uvk {

// One topic-partition as a producer or a consumer sees it; both merge into one object.
struct StatsPart {
  const char *topic;  // borrowed from the source for the document's duration
  int32_t partition;
  bool producer, consumer;
  // producer
  int64_t msgq_cnt, msgq_bytes;            // not yet in a batch
  int64_t xmit_msgq_cnt, xmit_msgq_bytes;  // in batches waiting to be sent
  int64_t txmsgs, txbytes;                 // acknowledged
  // consumer
  int64_t rxmsgs, rxbytes;                 // handed to the application
  const char *fetch_state;
  int64_t next_offset, app_offset, stored_offset, committed_offset, hi_offset;
};

struct StatsGroup {
  const char *group_id;
  const char *state, *join_state;
  uint64_t stateage_ms;
  int64_t rebalance_age_ms;  // -1: never rebalanced
  int64_t rebalance_cnt;
  int32_t assignment_size;
};

struct StatsEos {
  bool present;
  const char *idemp_state;
  const char *txn_state;  // null: not transactional
  int64_t producer_id;
  int32_t producer_epoch;
};

struct StatsCollector {
  const Allocator *alloc;
  uint64_t now;
  bool failed;  // out of memory: the document is incomplete and not sent
  int producers, consumers;
  int64_t msg_cnt, msg_size, msg_size_max;
  int64_t txmsgs, txmsg_bytes, rxmsgs, rxmsg_bytes;
  StatsPart *parts;
  size_t n_parts, cap_parts;
  StatsGroup *groups;
  size_t n_groups, cap_groups;
  StatsEos eos;
};

// A zeroed part for topic/partition (null and `failed` set when memory runs out).
StatsPart *stats_add_part(StatsCollector *sc, const char *topic, int32_t partition);
StatsGroup *stats_add_group(StatsCollector *sc);

// What the application configured and the clock readings the driver passes in.
struct StatsClient {
  const char *name;       // "<clientId>#<type>-<n>"
  const char *client_id;
  uint64_t now_ms;        // the loop's monotonic clock
  int64_t wall_ms;        // the wall clock
  uint64_t created_ms;    // when the client was made, on the loop's clock
};

// Collects from every source into sc (which the caller frees with stats_collector_free).
void stats_collect(Engine *e, uint64_t now, StatsCollector *sc);
void stats_collector_free(StatsCollector *sc);
// The headline numbers (uvk_client_stats, up to out->struct_size bytes).
void stats_summary(Engine *e, const StatsClient &cl, const StatsCollector &sc, uvk_client_stats *out);
// Appends the JSON document to out.
void stats_json(Engine *e, const StatsClient &cl, const StatsCollector &sc, Buf *out);
// "producer", "consumer" or "client".
const char *stats_type(const StatsCollector &sc);

}  // namespace uvk
