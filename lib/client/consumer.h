// The consumer's engine-side logic (KafkaJS's consumer): group membership (FindCoordinator,
// JoinGroup with the member-id-required retry, SyncGroup with the leader's assignment,
// Heartbeat on its own timer, LeaveGroup on stop), starting offsets (OffsetFetch, then
// ListOffsets earliest/latest), Fetch per partition leader, record batches decoded and
// handed to eachBatch / eachMessage on the loop, offsets resolved and committed.
//
// The handler runs on the loop thread between network events, so heartbeats never wait
// for it to return... but a handler that blocks the thread blocks everything: long work
// belongs elsewhere (see docs/consumer.md).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "engine/events.h"
#include "uvkafka/uvkafka.h"

namespace uvk {

struct ConsumerConfig {
  const char *group_id = nullptr;  // required; copied
  const char *assigners = "RoundRobinAssigner";  // comma-separated protocol names, by preference
  int32_t session_timeout = 30000;
  int32_t rebalance_timeout = 60000;
  int32_t heartbeat_interval = 3000;
  int32_t max_bytes_per_partition = 1048576;
  int32_t min_bytes = 1;
  int32_t max_bytes = 10485760;
  int32_t max_wait_ms = 5000;
  bool read_uncommitted = false;
  const char *rack_id = "";
  bool consumer_protocol = false;    // groupProtocol consumer (KIP-848) instead of classic
  const char *remote_assignor = "";  // groupRemoteAssignor ("": the broker's default)
  const char *instance_id = "";      // groupInstanceId ("": a dynamic member)
  RetryOptions retry;  // KafkaJS: the consumer's own retry, retries 5 by default
};

struct Consumer;

// Where the consumer reports to its owner (the C ABI object).
struct ConsumerHooks {
  void *owner = nullptr;        // handed to handlers as the uvk_consumer *
  EventEmitter *events = nullptr;  // consumer instrumentation events (may be null)
  // A non-retriable failure stopped the consumer (err borrowed for the call).
  void (*crashed)(void *owner, const uvk_error *err) = nullptr;
};

// 0 and *out, or UVK_EINVAL (no group id, unknown assigner, heartbeatInterval not below
// sessionTimeout; `why` says which) / UVK_ENOMEM.
int consumer_new(Engine *e, const ConsumerConfig &cfg, const ConsumerHooks &hooks,
                 const Allocator *a, Consumer **out, char *why, size_t why_len);
// The application's completions still waiting (stop, commits, describe) run first with
// UVK_ECLOSED; requests in flight complete into nothing. Not from inside one of its own
// callbacks (the C ABI defers a free made there: consumer_detach, then this).
void consumer_free(Consumer *c);
// Its owner freed it from inside a callback (consumer_free follows once that returned):
// from now on no handler, event or crash callback runs.
void consumer_detach(Consumer *c);

// Before run: adds a topic (exact name). UVK_ESTATE once running.
int consumer_subscribe(Consumer *c, const char *topic, bool from_beginning);
// Before run: a POSIX extended regular expression; matching topics join the subscription
// when the consumer starts and on every metadata refresh after. UVK_EINVAL: bad pattern.
int consumer_subscribe_pattern(Consumer *c, const char *pattern, bool from_beginning);
// Before run: a custom assigner (copied), preferred over the configured built-ins.
int consumer_add_assigner(Consumer *c, const char *name, int16_t version, const void *user_data,
                          size_t user_data_len, uvk_assign_fn assign, void *ud);
int consumer_run(Consumer *c, const uvk_run_options &opts, uint64_t now);
// Stops fetching, commits what is resolved (autoCommit), leaves the group; fn(ud, err) when
// done (err 0 or why the commit failed; the group is left either way).
typedef void (*ConsumerDoneFn)(void *ud, const uvk_error *err);
int consumer_stop(Consumer *c, ConsumerDoneFn fn, void *ud, uint64_t now);

// DescribeGroups for the consumer's group: fn(ud, err, d) once (d borrowed for the call).
typedef void (*DescribeGroupFn)(void *ud, const uvk_error *err, const uvk_group_description *d);
int consumer_describe_group(Consumer *c, DescribeGroupFn fn, void *ud, uint64_t now);

// Before run: the rebalance listener (null: none). UVK_ESTATE once running.
int consumer_set_rebalance_listener(Consumer *c, uvk_rebalance_fn fn, void *ud);
// The listener call that returned UVK_PENDING is done; UVK_ENOTFOUND when none is pending.
int consumer_rebalance_done(Consumer *c, uint64_t now);

// A handler that returned UVK_PENDING finished: result 0 resolves what it was given.
int consumer_done(Consumer *c, const char *topic, int32_t partition, int result, uint64_t now);
int consumer_resolve_offset(Consumer *c, const char *topic, int32_t partition, int64_t offset);
int consumer_commit(Consumer *c, const uvk_topic_partition_offset *offsets, size_t n,
                    ConsumerDoneFn fn, void *ud, uint64_t now);
// With metadata per offset (copied); UVK_ETOOLARGE past UVK_COMMIT_METADATA_MAX bytes.
int consumer_commit_metadata(Consumer *c, const uvk_topic_partition_offset_metadata *offsets, size_t n,
                             ConsumerDoneFn fn, void *ud, uint64_t now);
int consumer_commit_if_necessary(Consumer *c, uint64_t now);
int consumer_seek(Consumer *c, const char *topic, int32_t partition, int64_t offset, uint64_t now);
// partitions null / n 0: the whole topic.
int consumer_pause(Consumer *c, const char *topic, const int32_t *partitions, size_t n, bool pause,
                   uint64_t now);
bool consumer_is_paused(const Consumer *c, const char *topic, int32_t partition);
bool consumer_is_running(const Consumer *c);
bool consumer_is_stale(const Consumer *c, const char *topic, int32_t partition);
// The current assignment: fills up to cap entries, returns how many there are.
size_t consumer_assignment(const Consumer *c, uvk_topic_partition *out, size_t cap);
int consumer_position(const Consumer *c, const char *topic, int32_t partition, int64_t *position,
                      int64_t *high_watermark);
const char *consumer_member_id(const Consumer *c);
int32_t consumer_generation(const Consumer *c);
const char *consumer_group_id(const Consumer *c);
const char *consumer_instance_id(const Consumer *c);  // "" for a dynamic member

}  // namespace uvk
