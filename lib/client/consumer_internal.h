// The consumer's state, shared by consumer.cc (life cycle, delivery, pause/seek),
// consumer_group.cc (membership, commits), consumer_fetch.cc (offsets, Fetch) and
// consumer_pattern.cc (regular-expression subscriptions).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "client/assignor.h"
#include "client/consumer.h"
#include "client/fetch_session.h"
#include "common/arena.h"
#include "common/buf.h"
#include "engine/conn.h"
#include "engine/retry.h"

namespace uvk {

struct TopicSub {
  char *name;
  bool from_beginning;
  bool from_broker;  // groupProtocol consumer: a topic the broker's regex matched (not sent by name)
};

// groupProtocol consumer: one assigned partition, named by topic id (KIP-848).
struct CgPartition {
  uint8_t topic_id[16];
  int32_t partition;
};

struct TopicPattern;  // consumer_pattern.cc

// An assigner registered through the C ABI (uvk_consumer_add_assigner).
struct CustomAssigner {
  char *name;
  int16_t version;
  uint8_t *user_data;
  size_t user_data_len;
  uvk_assign_fn assign;
  void *ud;
};

struct PauseEntry {
  char *topic;
  int32_t partition;  // -1: the whole topic
};

struct PartState {
  const char *topic;  // the TopicSub's name
  int32_t partition;
  bool from_beginning;
  int64_t position;   // the next offset to fetch; -1: unknown yet
  int64_t resolved;   // the next offset to commit; -1: nothing resolved
  int64_t committed;  // what the group has stored (the last completed commit); -1: nothing
  // resolved when the last completed commit of this partition was sent: while resolved is
  // still that, nothing new was resolved and a commit by hand (or a seek's) stands; -1: none
  int64_t resolved_at_commit;
  int64_t high_watermark;
  uint32_t seq;       // bumped by seek / pause / reset: older fetch answers are stale
  uint32_t seeks;     // bumped by seek only
  bool fetching;      // in a Fetch in flight
  bool resetting;     // in a ListOffsets in flight
  uint64_t not_before;  // after a failure: no fetch before this
  RetryState retry;
  int32_t since_commit;  // resolved messages since the last commit (autoCommitThreshold)
  bool held;             // a handler returned UVK_PENDING: no fetch until uvk_consumer_done
  int64_t held_next;     // what success resolves to (-1: eachBatch without auto-resolve)
  int64_t held_before;   // eachBatch: the position before the batch
  uint32_t held_seeks;
  bool held_stale;       // held by a handler of the previous assignment (eager rebalance): its
                         // uvk_consumer_done only lets the partition go on, its result is ignored
  bool offsets_known;  // the group's committed offset was read (OffsetFetch answered)
  bool revoking;       // groupProtocol consumer: leaving the assignment, no more fetches
  int64_t ahead;         // > 0 while fetch_ahead sends: ask from here, where this delivery should end
  // The id of the topic the position belongs to (all zero: not known yet). A different id in
  // the metadata means the topic was deleted and created again: the position is dropped and
  // the new topic read from its beginning (recreated: the next ListOffsets asks for earliest).
  uint8_t topic_id[16];
  bool recreated;
  int64_t st_rxmsgs, st_rxbytes;  // statistics: handed to the application while assigned
  int64_t st_app_next;            // statistics: the offset after the last one handed over; 0: none
};

enum GroupState {
  kGroupIdle,      // not running
  kGroupFinding,   // FindCoordinator
  kGroupJoining,
  kGroupSyncing,
  kGroupStable,    // assigned: offsets, fetching, heartbeats
  kGroupStopping,  // final commit and LeaveGroup
  kGroupStopped,
};

// One asynchronous operation the consumer waits for. The engine (or metadata / coordinator
// code) owns it until its completion, which frees it; consumer_free only clears `c`.
struct Pending {
  Pending *next, *prev;
  Consumer *c;
  const Allocator *alloc;
  int kind;
  Request req;
  Arena arena;
  Buf body;          // extra bytes the request needs (assignments)
  uint32_t gen;      // c->assign_gen when sent
  bool answered;     // a Fetch whose answer is being delivered: the node may be asked again
  bool ahead;        // a Fetch asked ahead of a delivery: it does not wait for data
  int32_t node;
  uint64_t started;
  // Fetch / ListOffsets / commit: the partitions it covers, with their seq when sent.
  int32_t *parts;
  uint32_t *seqs;
  int64_t *offsets;
  int32_t n_parts;
  void *extra;       // kind-specific (the leader's view of the members; a commit: resolved when sent)
  ConsumerDoneFn done;
  DescribeGroupFn describe_fn;
  void *done_ud;
};

// A partition's part of a Fetch answer that came while its handler still held the batch before
// it (UVK_PENDING): a copy, handed over once that handler is done (consumer_fetch_park.cc).
struct ParkedFetch {
  ParkedFetch *next;
  int32_t part;   // index into c->parts at assignment generation `gen`
  uint32_t gen, seq;
  int32_t node;   // the leader it came from (the bytes parked per node are capped)
  int64_t offset;  // the fetch offset: the records start there
  int64_t high_watermark;
  uint8_t *records;
  size_t len;
  int64_t *aborted;  // read_committed: n_aborted producer ids, then their first offsets
  int32_t n_aborted;
};

struct Consumer {
  Engine *e;
  const Allocator *alloc;
  ConsumerConfig cfg;
  ConsumerHooks hooks;
  char *group_id;
  char *rack_id;
  char *assigner_names;  // comma-separated copy
  const char *assigners[8];
  int n_assigners;
  CustomAssigner customs[4];  // preferred over the built-ins, in registration order
  int n_customs;
  TopicSub *subs;
  int32_t n_subs;
  TopicPattern *patterns;  // regular-expression subscriptions
  int32_t n_patterns;
  EngineTimer pattern_timer;
  bool pattern_refreshing;
  PauseEntry *paused;
  int32_t n_paused;
  uvk_run_options run;
  bool running;

  // group
  GroupState state;
  char *member_id;  // "" before the first join
  int32_t generation;
  char *leader_id;
  char *protocol;
  int32_t coordinator;
  RetryState group_retry;
  uint64_t join_started;
  EngineTimer heartbeat_timer;
  EngineTimer group_timer;   // retries of group operations, deferred work
  bool heartbeat_in_flight;
  bool rejoin_needed;

  // groupProtocol consumer (consumer_cgroup.cc); c->generation holds the member epoch
  char *broker_regex;         // the subscribed patterns as one RE2 alternation, or null
  char *remote_assignor;      // groupRemoteAssignor, "" for the broker's default
  char *instance_id;          // groupInstanceId: "" for a dynamic member
  bool regex_from_beginning;
  int32_t cg_interval;        // the heartbeat interval the broker gave
  CgPartition *cg_target;     // the latest assignment the broker sent, not yet reconciled
  int32_t n_cg_target;
  bool cg_has_target;
  CgPartition *cg_owned;      // what this member owns (sent with each heartbeat)
  int32_t n_cg_owned;
  bool cg_reconciling;        // revoked partitions being committed
  uint32_t cg_fences;         // bumped when fenced: a reconciliation in progress is void
  bool cg_send_now;           // a heartbeat is due as soon as the one in flight returns
  bool cg_meta_in_flight;     // metadata asked for to name assigned topic ids
  EngineTimer cg_meta_timer;

  // cooperative rebalancing, classic protocol (consumer_coop.cc)
  bool coop_keep;          // the partitions are kept through a rejoin (and sent as owned)
  bool coop_revoking;      // after SyncGroup: revoking what left, then applying coop_next
  bool coop_rejoin_after;  // something was revoked (or a rebalance came meanwhile): join again
  uint32_t coop_round;     // bumped by each sync, rejoin and loss
  void *coop_next;         // the assignment SyncGroup gave, applied after the revoke
  int32_t n_coop_next;

  // assignment
  PartState *parts;
  int32_t n_parts;
  uint32_t assign_gen;       // bumped when the assignment is revoked or replaced
  bool offsets_loading;      // OffsetFetch in flight
  bool offsets_loaded;
  bool metadata_ready;
  bool ensuring;             // metadata_ensure in flight
  Pending *commit_in_flight;
  ConsumerDoneFn commit_waiter;  // called when the auto-commit in flight completes
  void *commit_waiter_ud;
  ConsumerDoneFn final_next;     // group_commit_then: what follows the final commits
  int final_rounds;
  uint64_t last_commit_at;
  EngineTimer fetch_timer;   // next fetch attempt (backoff)
  FetchSession *fsessions;   // one per broker fetched from (KIP-227)
  int32_t n_fsessions;
  ParkedFetch *parked;       // answers waiting for their partition's held handler
  EngineTimer park_timer;    // hands parked answers over on a loop turn of their own

  // rebalance listener (consumer_listener.cc)
  uvk_rebalance_fn listener;
  void *listener_ud;
  bool listener_pending;       // it returned UVK_PENDING: waiting for uvk_consumer_rebalance_done
  uint32_t listener_seq;       // bumped by each call: a superseded continuation does not run
  void (*listener_next)(Consumer *c, uint64_t now);
  EngineTimer listener_timer;  // runs the continuation on the loop turn after _done

  // stop
  ConsumerDoneFn stop_fn;
  void *stop_ud;
  const uvk_error *stop_err;

  uint32_t group_lane;  // connections for JoinGroup/SyncGroup/Heartbeat/commits (engine lanes)
  uint32_t fetch_lane;  // connections for Fetch (long polls)
  Pending *pending;  // every operation in flight
  bool delivering;   // inside a handler
  // deliver()'s decoded message arrays, kept between answers: fresh megabyte chunks for
  // every answer cost a page fault per 4 KB (a tenth of a large consume's CPU). Busy while
  // a deliver uses it (a nested one takes an arena of its own).
  Arena deliver_arena;
  bool deliver_arena_busy;
  bool asking_ahead;  // fetch_ahead is sending: its Fetches are marked `ahead`
  uint32_t delivering_seeks;  // the delivered partition's seeks when its handler began
  const void *delivering_part;  // the PartState being delivered, while delivering
  bool detached;     // freed by its owner (maybe from inside a callback): no more handlers or events

  StatsSource stats_src;         // consumer_stats.cc
  int64_t st_rxmsgs, st_rxbytes;  // handed to the application, every assignment
  int64_t st_rebalance_cnt;       // assignments received
  uint64_t st_rebalance_at;       // when the latest one came
  int st_state_seen;              // the group state a document last saw (+1; 0: none yet)
  uint64_t st_state_since;        // and since when
};

// consumer.cc
Pending *pending_new(Consumer *c, int kind);
void pending_free(Pending *p);  // unlinks (when c is set) and frees
// A completion's consumer when it still wants the answer (`wanted`), else null with p freed.
inline Consumer *pending_claim(Pending *p, bool wanted) {
  if (p->c && wanted) return p->c;
  pending_free(p);
  return nullptr;
}
PartState *find_part(Consumer *c, const char *topic, int32_t partition);
// The group coordinator did not take a request (not sendable, refused, lost): the engine's
// cache and our copy forget it, so the next group request looks it up again.
void consumer_forget_coordinator(Consumer *c);
// A partition newly assigned (topic: the TopicSub's name): no position yet (the committed
// offset or the reset policy decides it), a fresh retry state.
PartState part_state_new(Consumer *c, const char *topic, int32_t partition, bool from_beginning);
bool part_paused(const Consumer *c, const PartState *p);
void consumer_emit(Consumer *c, int type, const void *payload);
// A log line in the "Consumer" namespace (KafkaJS logs group changes the same way).
void consumer_log(Consumer *c, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void consumer_crash(Consumer *c, const uvk_error *err, bool restart);
// Hands a Fetch answer's records of one partition to the handler. 0, or the error of a
// corrupt batch (UVK_ECRC, UVK_ECOMPRESSION, UVK_ETOOLARGE, ...) that ended the delivery.
int deliver(Consumer *c, PartState *ps, const uint8_t *records, size_t len, int64_t high_watermark,
             const int64_t *aborted_pids, const int64_t *aborted_first, int32_t n_aborted);

// Adds a subscribed topic (no state check); 0, UVK_EINVAL or UVK_ENOMEM.
int consumer_add_sub(Consumer *c, const char *topic, bool from_beginning);

// consumer_fetch.cc: the fetch session with `node`, or null (none yet / no memory).
FetchSession *fetch_session_of(Consumer *c, int32_t node, bool create);
// A new assignment: every session's next request is full.
void fetch_sessions_reset(Consumer *c);
// An incremental assignment change (consumer protocol, cooperative-sticky), before
// c->assign_gen moves to new_gen: Fetches in flight follow the partitions that stay into the
// new array (moved_to[old index]: the new index, -1 for one that left), so their answers are
// still delivered, and the node stays busy until they come; nothing of a partition that left
// is. The sessions go on incrementally: the next request forgets what left.
void fetch_follow(Consumer *c, const int32_t *moved_to, uint32_t new_gen);
// Whether the metadata cache knows every assigned partition's leader: a new assignment asks
// for metadata (holding every fetch until it comes) only when it does not.
bool fetch_leaders_known(Consumer *c);
void fetch_sessions_free(Consumer *c);
// The offset after the last complete record batch of a partition's records (batch headers
// only); 0 when unknown.
int64_t fetch_records_end(const uint8_t *data, size_t len);
// A failed partition waits the retry time before its next Fetch.
void fetch_back_off(Consumer *c, PartState *ps, uint64_t now);

// consumer_fetch_park.cc: fetch ahead of handlers that finish later (UVK_PENDING). An answer
// for a held partition that starts where its held batch ends is copied and kept (at most one
// per partition, at most maxBytes per broker), and handed over after uvk_consumer_done, on a
// later loop turn, unless a seek, pause or reassignment overtook it.
bool fetch_park(Consumer *c, int32_t part, int32_t node, uint32_t seq, int64_t offset, int64_t high_watermark,
                const uint8_t *records, size_t len, const int64_t *pids, const int64_t *firsts, int32_t n_aborted);
bool fetch_parked(const Consumer *c, int32_t part);  // a parked answer waits for it: do not fetch it
// Drops parked answers that can never be handed over, and arms the turn that hands over
// those whose partition is free again.
void fetch_park_check(Consumer *c, uint64_t now);
// Incremental reassignment (fetch_follow): parked answers follow their partitions.
void fetch_park_follow(Consumer *c, const int32_t *moved_to, uint32_t new_gen);
void fetch_park_free(Consumer *c);

// consumer_pattern.cc
void consumer_patterns_start(Consumer *c, uint64_t now);  // lists topics, then group_start
void consumer_patterns_free(Consumer *c);

// consumer_group.cc
void group_start(Consumer *c, uint64_t now);
// Asks for the subscribed topics' metadata at the start (consumer_group.cc).
void group_warm_metadata(Consumer *c, uint64_t now);
// After REBALANCE_IN_PROGRESS and the like; `lost`: the generation is void (UNKNOWN_MEMBER_ID,
// ILLEGAL_GENERATION), so the listener hears "lost" instead of "revoked".
void group_rejoin(Consumer *c, uint64_t now, bool lost = false);
void group_leave(Consumer *c, uint64_t now);
void group_on_stable(Consumer *c, uint64_t now);
// Replaces *field with a copy of s[0, n) (kept as it was when there is no memory).
void consumer_set_str(Consumer *c, char **field, const char *s, size_t n);

// Whether the member holds its partitions now: stable, or rejoining cooperatively (KIP-429,
// fetching and processing go on during the rebalance).
inline bool group_owns(const Consumer *c) {
  return c->state == kGroupStable || (c->coop_keep && (c->state == kGroupJoining || c->state == kGroupSyncing));
}
void group_send_join(Consumer *c, uint64_t now);

// consumer_coop.cc (cooperative rebalancing, classic protocol)
bool group_cooperative(const Consumer *c);  // every assigner is cooperative (Java's rule)
// The cooperative protocol's JoinGroup metadata: subscription v3 with what is owned.
void coop_encode_metadata(Consumer *c, Buf *out, Arena *arena, const char *const *topics, int32_t n_topics);
// SyncGroup's assignment: revoke what left (listener, commit), then add what is new.
int coop_on_sync(Consumer *c, const MemberAssignment &a, uint64_t now);
void coop_rejoin(Consumer *c, uint64_t now);  // a rebalance: join again, keeping the partitions
void coop_forget(Consumer *c);                // the partitions are lost or given up: not kept
void coop_free(Consumer *c);

// consumer_cgroup.cc (groupProtocol consumer, KIP-848)
void cgroup_start(Consumer *c, uint64_t now);
void cgroup_leave(Consumer *c, uint64_t now);
// A commit was refused with `kafka_error`: fenced members rejoin at epoch 0.
void cgroup_on_commit_error(Consumer *c, int16_t kafka_error, uint64_t now);
void cgroup_free(Consumer *c);
// consumer_group.cc: the shared failure policy (retry, crash); consumer_group_beat.cc: the end of a stop.
void group_failed(Consumer *c, int code, const char *broker_message, uint64_t now);
// The same with the retriability decided by the caller (a custom assigner's failure).
void group_failed_as(Consumer *c, int code, const char *broker_message, bool retriable, uint64_t now);
void group_finish_stop(Consumer *c);
void group_emit_join(Consumer *c, uint64_t now);
// Statistics (consumer_stats.cc): registers the consumer as a source of the engine's
// documents; counts messages handed to the application.
void consumer_stats_register(Consumer *c);
void consumer_stats_handed(Consumer *c, PartState *ps, const uvk_consumer_message *msgs, size_t n);

// consumer_listener.cc: tells the rebalance listener (if any) about tps[0, n) of `kind`
// (UVK_REBALANCE_*), then next(c, now): at once when it returned, or after
// uvk_consumer_rebalance_done. A later call supersedes a pending one (its next never runs).
typedef void (*ListenerNext)(Consumer *c, uint64_t now);
void listener_call(Consumer *c, int kind, const uvk_topic_partition *tps, size_t n, ListenerNext next, uint64_t now);
// The same for every partition currently assigned.
void listener_call_all(Consumer *c, int kind, ListenerNext next, uint64_t now);

// consumer_commit.cc
int group_commit(Consumer *c, uint64_t now);    // resolved offsets not yet committed
// Commits everything resolved (after any commit in flight), then next(c, err).
void group_commit_then(Consumer *c, ConsumerDoneFn next, uint64_t now);

// consumer_fetch.cc
void fetch_schedule(Consumer *c, uint64_t now);
void offsets_load(Consumer *c, uint64_t now);  // OffsetFetch, then ListOffsets where needed

}  // namespace uvk

// What a custom assigner fills (lib/capi/assigner.cc reads and writes it).
struct uvk_assignment_builder {
  uvk::Arena *arena;
  const uvk::AssignMember *members;
  int32_t n;
  const uint8_t **bytes;  // per member; null: nothing assigned
  int32_t *lens;
};
